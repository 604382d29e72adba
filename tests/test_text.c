/* test_text.c - character-level text (lib/text.c): a small UTF-8 file
 * read into ids and next-character labels checked position by position,
 * characters of two, three and four bytes, windows with step=, text
 * typed back into ids; and bad files refused in one line naming the
 * file (and the line): missing, empty, shorter than one sequence, not
 * UTF-8, a NUL byte, cut in the middle of a character. A model file keeps
 * the characters a model learned and its history's whole-sequence
 * accuracies, loads older files without them, and refuses a damaged
 * vocabulary. */
#define _GNU_SOURCE             /* memmem */
#include <check.h>
#include <math.h>
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

/* The vocabulary's own checks: a copy is the same, order and single
 * characters are required. */
START_TEST(vocab_checks)
{
	static char *const ok[3] = { "\n", "a", "\xe2\x82\xac" };
	static char *const twice[2] = { "a", "a" };
	static char *const two[2] = { "a", "bc" };
	nn_vocab v = { 0 };
	int32_t ids[4];

	ck_assert_int_eq(nn_vocab_set(&v, ok, 3), 0);
	ck_assert(nn_vocab_same(&v, ok, 3));
	ck_assert(!nn_vocab_same(&v, ok, 2));
	ck_assert_int_eq(nn_vocab_check(&v), 0);
	ck_assert_int_eq(nn_vocab_encode(&v, "a\xe2\x82\xac\n", ids, 4), 3);
	ck_assert_int_eq(ids[0], 1);
	ck_assert_int_eq(ids[1], 2);
	ck_assert_int_eq(ids[2], 0);
	ck_assert_int_eq(nn_vocab_set(&v, twice, 2), 0);
	ck_assert_int_eq(nn_vocab_check(&v), -1);
	ck_assert_str_eq(nn_error(), "character 1 is not after character 0 "
	                 "in code-point order");
	ck_assert_int_eq(nn_vocab_set(&v, two, 2), 0);
	ck_assert_int_eq(nn_vocab_check(&v), -1);
	ck_assert_str_eq(nn_error(), "character 1 is not one UTF-8 character");
	ck_assert_int_eq(nn_vocab_set(&v, ok, 0), 0);
	ck_assert_ptr_null(v.tokens);
	ck_assert_int_eq(nn_vocab_check(&v), -1);
}
END_TEST

/* A model of 4 ids to 4 rows of 3 characters, with three history points
 * whose whole-sequence accuracies are seq (NaN: none). */
static void seq_file(nn_file *f, const double seq[3][2])
{
	nn_rng r;

	memset(f, 0, sizeof *f);
	nn_rng_seed(&r, 1);
	f->loss = NN_LOSS_CE;
	f->model = nn_model_new(&(nn_shape){ 1, { 4, 0, 0, 0 } });
	ck_assert_int_eq(nn_model_add(f->model, &(nn_layer_spec){
	                 .kind = "embed", .args = "2 vocab=3" }, &r), 0);
	ck_assert_int_eq(nn_model_add(f->model, &(nn_layer_spec){
	                 .kind = "dense", .args = "3", .act = NN_ACT_SOFTMAX,
	                 .has_act = 1 }, &r), 0);
	f->has_optim = 1;
	nn_optim_defaults(&f->optim, NN_OPT_ADAM);
	f->state = 1;
	for (int i = 0; i < 3; i++) {
		nn_metrics p = { .epoch = i + 1, .iter = 10 * (i + 1),
		                 .loss = 1.0 / (i + 1), .acc = 0.5,
		                 .val_loss = NAN, .val_acc = NAN,
		                 .seq_acc = seq[i][0], .val_seq_acc = seq[i][1],
		                 .lr = 1e-3, .mu = NAN };

		ck_assert_int_eq(nn_history_push(&f->hist, &p), 0);
	}
}

/* The whole file at path, *len bytes (free it). */
static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *b = malloc(1 << 16);

	ck_assert_ptr_nonnull(f);
	*len = fread(b, 1, 1 << 16, f);
	ck_assert_uint_lt(*len, 1 << 16);
	fclose(f);
	return b;
}

/* nn_load refuses the file at path after its bytes `from` became `to`
 * (as long), with want in its message. */
static void damaged(const char *p, const char *from, const char *to,
                    const char *want)
{
	size_t len;
	char *b = slurp(p, &len), *at = memmem(b, len, from, strlen(from));
	FILE *f;
	nn_file g;

	ck_assert_ptr_nonnull(at);
	memcpy(at, to, strlen(to));
	ck_assert_ptr_nonnull(f = fopen(p, "wb"));
	ck_assert_uint_eq(fwrite(b, 1, len, f), len);
	fclose(f);
	ck_assert_int_eq(nn_load(p, &g), -1);
	ck_assert_msg(strstr(nn_error(), want), "%s", nn_error());
	ck_assert_ptr_null(g.model);
	memcpy(at, from, strlen(from));         /* put back */
	ck_assert_ptr_nonnull(f = fopen(p, "wb"));
	ck_assert_uint_eq(fwrite(b, 1, len, f), len);
	fclose(f);
	free(b);
}

static int same(double a, double b)
{
	return isnan(a) ? isnan(b) : a == b;
}

START_TEST(vocab_and_seq_acc_in_files)
{
	static char *const chars[3] = { "\n", "a", "\xe2\x82\xac" };
	static char *const abc[3] = { "a", "b", "c" };
	static const double seq[3][2] = { { 0.25, NAN }, { 0.5, 0.75 },
	                                  { 1, 0 } };
	static const double none[3][2] = { { NAN, NAN }, { NAN, NAN },
	                                   { NAN, NAN } };
	char p[64], *b;
	size_t len;
	nn_file f, g;

	snprintf(p, sizeof p, "/tmp/nnsh-test-text-%d.safetensors",
	         (int)getpid());
	seq_file(&f, seq);
	ck_assert_int_eq(nn_vocab_set(&f.vocab, chars, 3), 0);
	ck_assert_msg(nn_save(p, &f) == 0, "%s", nn_error());
	ck_assert_msg(nn_load(p, &g) == 0, "%s", nn_error());
	ck_assert(nn_vocab_same(&g.vocab, chars, 3));
	ck_assert_uint_eq(g.hist.n, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert(same(g.hist.p[i].seq_acc, seq[i][0]));
		ck_assert(same(g.hist.p[i].val_seq_acc, seq[i][1]));
		ck_assert(same(g.hist.p[i].loss, f.hist.p[i].loss));
	}
	nn_file_free(&g);
	/* the vocabulary is kept without state too */
	f.state = 0;
	ck_assert_int_eq(nn_save(p, &f), 0);
	ck_assert_int_eq(nn_load(p, &g), 0);
	ck_assert(nn_vocab_same(&g.vocab, chars, 3));
	ck_assert_uint_eq(g.hist.n, 0);
	nn_file_free(&g);
	nn_file_free(&f);

	/* without them nothing is written: the file is as before */
	seq_file(&f, none);
	ck_assert_int_eq(nn_save(p, &f), 0);
	b = slurp(p, &len);
	ck_assert_ptr_null(memmem(b, len, "nnsh.vocab", 10));
	ck_assert_ptr_null(memmem(b, len, "history.seq", 11));
	free(b);
	ck_assert_int_eq(nn_load(p, &g), 0);
	ck_assert_int_eq(g.vocab.n, 0);
	ck_assert(isnan(g.hist.p[1].seq_acc) && isnan(g.hist.p[1].val_seq_acc));
	nn_file_free(&g);
	nn_file_free(&f);
	/* a file written before they were kept */
	ck_assert_msg(nn_load(NNSH_OLD_FILE, &g) == 0, "%s", nn_error());
	ck_assert_int_eq(g.vocab.n, 0);
	ck_assert_uint_gt(g.hist.n, 0);
	for (size_t i = 0; i < g.hist.n; i++)
		ck_assert(isnan(g.hist.p[i].seq_acc));
	nn_file_free(&g);

	/* damaged: refused in one line, nothing left to free */
	seq_file(&f, seq);
	ck_assert_int_eq(nn_vocab_set(&f.vocab, abc, 3), 0);
	ck_assert_int_eq(nn_save(p, &f), 0);
	nn_file_free(&f);
	damaged(p, "\\\"b\\\"", "\\\"a\\\"",
	        "nnsh.vocab: character 1 is not after character 0");
	damaged(p, "\\\"b\\\"", "1    ", "nnsh.vocab: entry 1 is not a "
	        "string");
	damaged(p, "[\\\"a", "{\\\"a", "nnsh.vocab is not valid JSON");
	damaged(p, "history.seq", "history.sex", "unexpected tensor "
	        "'history.sex'");
	unlink(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, characters_and_next_ones);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, vocab_checks);
	tcase_add_test(tc, vocab_and_seq_acc_in_files);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
