/* test_robust.c - the engine facing hostile input (issue 16): CSV files
 * with a single label word or NUL bytes, model files with long names or
 * too many layers, saves that meet stale temporaries, devices, FIFOs
 * and symbolic links, and sizes that overflow 32 bits. */
#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"
#include "suite.h"

extern long nn_save_crash_after;

static char tmpdir[256];

/* A path inside the test's temporary directory. */
static const char *tmp(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/nnsh-test-robust-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void assert_error(const char *want)
{
	ck_assert_msg(strstr(nn_error(), want) != NULL, "'%s' lacks '%s'",
	              nn_error(), want);
}

/* ---- CSV --------------------------------------------------------------- */

/* One distinct word in the label column gave one class name for two
 * classes (a read out of bounds and a wild free): now it is refused. */
START_TEST(csv_one_label_word)
{
	nn_csv_opts o = { .header = 0 };
	nn_dataset *d;

	write_file(tmp("a.csv"), "1,a\n", 4);
	ck_assert_ptr_null(nn_load_csv(tmp("a.csv"), &o));
	assert_error("holds one word, 'a'");
	write_file(tmp("a.csv"), "1,a\n2,a\n3,a\n", 12);
	ck_assert_ptr_null(nn_load_csv(tmp("a.csv"), &o));
	assert_error("a classifier needs two classes");
	/* two words still make two named classes */
	write_file(tmp("b.csv"), "1,b\n2,a\n", 8);
	d = nn_load_csv(tmp("b.csv"), &o);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->nclasses, 2);
	ck_assert_str_eq(d->class_names[0], "a");
	ck_assert_str_eq(d->class_names[1], "b");
	ck_assert_int_eq(d->labels[0], 1);
	nn_dataset_free(d);
}
END_TEST

/* A NUL byte inside a field is refused with the file and line. */
START_TEST(csv_nul_byte)
{
	nn_csv_opts o = { .header = -1 };
	static const char body[] = "x,y,label\n1,2,0\n3,4\0005,1\n";
	static const char quoted[] = "1,\"2\000\",0\n";
	static const char head[] = "x,\000y,label\n1,2,0\n";

	write_file(tmp("n.csv"), body, sizeof body - 1);
	ck_assert_ptr_null(nn_load_csv(tmp("n.csv"), &o));
	assert_error("n.csv:3: a NUL byte in column 2");
	write_file(tmp("n.csv"), quoted, sizeof quoted - 1);
	ck_assert_ptr_null(nn_load_csv(tmp("n.csv"), &o));
	assert_error("n.csv:1: a NUL byte in column 2");
	write_file(tmp("n.csv"), head, sizeof head - 1);
	ck_assert_ptr_null(nn_load_csv(tmp("n.csv"), &o));
	assert_error("n.csv:1: a NUL byte");
	ck_assert_ptr_null(strchr(nn_error(), '\n'));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("robust");
	TCase *csv = tcase_create("csv");

	tcase_add_checked_fixture(csv, setup, teardown);
	tcase_add_test(csv, csv_one_label_word);
	tcase_add_test(csv, csv_nul_byte);
	suite_add_tcase(s, csv);
	return run_suite(s);
}
