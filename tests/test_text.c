/* test_text.c - character-level text (lib/text.c): a small UTF-8 file
 * read into ids and next-character labels checked position by position,
 * characters of two, three and four bytes, windows with step=, text
 * typed back into ids; and bad files refused in one line naming the
 * file (and the line): missing, empty, shorter than one sequence, not
 * UTF-8, a NUL byte, cut in the middle of a character. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"
#include "suite.h"

static char path[64];

/* Write len bytes of s into a fresh temporary file named in path. */
static void write_file(const char *s, size_t len)
{
	FILE *f;

	snprintf(path, sizeof path, "/tmp/nnsh-test-text-%d.txt",
	         (int)getpid());
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, len, f), len);
	fclose(f);
}

START_TEST(characters_and_next_ones)
{
	/* "abca\n" then é (2 bytes), € (3), 😀 (4): 8 characters, 7 kinds */
	static const char text[] = "abca\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	static const char *const chars[6] = {
		"\n", "a", "b", "c", "\xc3\xa9", "\xe2\x82\xac",
	};
	/* ids in code-point order: \n a b c é € 😀 */
	static const int32_t ids[8] = { 1, 2, 3, 1, 0, 4, 5, 6 };
	nn_dataset *d;
	int32_t back[8];

	write_file(text, sizeof text - 1);
	d = nn_load_text(path, 3, 1);
	ck_assert_msg(d != NULL, "%s", nn_error());
	ck_assert_int_eq(nn_dataset_check(d), 0);
	ck_assert_int_eq(d->vocab, 7);
	ck_assert_int_eq(d->nclasses, 7);
	for (int v = 0; v < 6; v++)
		ck_assert_str_eq(d->tokens[v], chars[v]);
	ck_assert_str_eq(d->tokens[6], "\xf0\x9f\x98\x80");
	ck_assert_uint_eq(d->n, 8 - 3);         /* windows at 0..4 */
	ck_assert_uint_eq(d->xsize, 3);
	for (size_t s = 0; s < d->n; s++)
		for (int t = 0; t < 3; t++) {
			ck_assert_int_eq(d->xtok[s * 3 + t], ids[s + t]);
			ck_assert_int_eq(d->ytok[s * 3 + t], ids[s + t + 1]);
		}
	ck_assert_int_eq(nn_text_encode(d, "c\xe2\x82\xac\n", back, 8), 3);
	ck_assert_int_eq(back[0], 3);
	ck_assert_int_eq(back[1], 5);
	ck_assert_int_eq(back[2], 0);
	ck_assert_int_eq(nn_text_encode(d, "abz", back, 8), -1);
	ck_assert_str_eq(nn_error(), "'z' is not one of the 7 characters of "
	                 "the text");
	ck_assert_int_eq(nn_text_encode(d, "a\xff", back, 8), -1);
	ck_assert_str_eq(nn_error(), "byte 2 of the text is not UTF-8");
	nn_dataset_free(d);
	/* step=2: windows at 0, 2 and 4 */
	d = nn_load_text(path, 3, 2);
	ck_assert_uint_eq(d->n, 3);
	ck_assert_int_eq(d->xtok[2 * 3], ids[4]);
	nn_dataset_free(d);
	unlink(path);
}
END_TEST

/* Each bad file: NULL and the message expected (after the path). */
static void refused(const char *s, size_t len, int seqlen, const char *want)
{
	char msg[256];

	write_file(s, len);
	ck_assert_ptr_null(nn_load_text(path, seqlen, 1));
	snprintf(msg, sizeof msg, "%s: %s", path, want);
	ck_assert_str_eq(nn_error(), msg);
	unlink(path);
}

START_TEST(bad_files)
{
	ck_assert_ptr_null(nn_load_text("/nonexistent/nnsh.txt", 4, 1));
	ck_assert_str_eq(nn_error(), "/nonexistent/nnsh.txt: No such file or "
	                 "directory");
	refused("", 0, 4, "0 characters, too few for one sequence of len=4 "
	        "and the character after it");
	refused("abcd", 4, 4, "4 characters, too few for one sequence of "
	        "len=4 and the character after it");
	refused("ab\ncd\n\xff\n", 8, 2, "line 3: byte 0xff is not UTF-8 text");
	refused("abc\0def", 7, 2, "line 1: a NUL byte: not a text file");
	refused("abcdef\xe2\x82", 8, 2, "line 1: byte 0xe2 is not UTF-8 text");
	refused("abcdef\xc0\x80", 8, 2, "line 1: byte 0xc0 is not UTF-8 text");
	ck_assert_ptr_null(nn_load_text("/tmp", 4, 1));
	ck_assert_ptr_null(nn_load_text("/dev/null", 0, 1));
	ck_assert_ptr_nonnull(strstr(nn_error(), "len=0"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, characters_and_next_ones);
	tcase_add_test(tc, bad_files);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
