/* replay.c - runs a fuzz target without libFuzzer, for make check: each
 * argument is a file, or a directory whose files are each one input, and
 * each goes once through LLVMFuzzerTestOneInput. A crash found by the
 * fuzzers becomes a file in tests/fuzz/regress/TARGET/ replayed here, so
 * CI checks it (under ASan and UBSan in the sanitizer build) without
 * clang. Prints how many inputs ran; exits 1 when an argument cannot be
 * read. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (n == cap) {
			unsigned char *b = realloc(buf, cap = 2 * cap + 4096);

			if (!b) {
				fclose(f);
				free(buf);
				return -1;
			}
			buf = b;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir, in name order; returns how many ran, or
 * -1. */
static long run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	long ran = 0;

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d))) {
		char **v;

		if (e->d_name[0] == '.')
			continue;
		if (!(v = realloc(names, (n + 1) * sizeof *v)))
			break;
		names = v;
		if ((names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2)))
			sprintf(names[n++], "%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (ran >= 0 && stat(names[i], &st) == 0 &&
		    S_ISREG(st.st_mode))
			ran = run_file(names[i]) < 0 ? -1 : ran + 1;
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	long total = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		long k;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 1;
		}
		k = S_ISDIR(st.st_mode) ? run_dir(argv[i])
		                        : run_file(argv[i]) < 0 ? -1 : 1;
		if (k < 0)
			return 1;
		total += k;
	}
	printf("%s: %ld inputs ran\n", argv[0], total);
	return 0;
}
