/* suite.c - how every Check test program runs its suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"

#ifndef NNSH_SHARED_DIR
#define NNSH_SHARED_DIR "../../shared/data/mnist"
#endif

int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

const char *official_mnist_dir(void)
{
	const char *dir = getenv("NNSH_TEST_DATA");
	char path[4096];

	if (dir && strcmp(dir, "none") == 0)
		return NULL;
	if (!dir || !*dir)
		dir = NNSH_SHARED_DIR;
	snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", dir);
	if (access(path, R_OK) != 0)
		return NULL;
	snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte.gz", dir);
	return access(path, R_OK) == 0 ? dir : NULL;
}
