/* fuzz_file.c - the scratch files of the fuzz targets (fuzz.h): the
 * readers under test take paths, so each input is written to a file in a
 * private temporary directory first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define SLOTS 4

static char dir[256];
static char paths[SLOTS][320];

static void cleanup(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (paths[i][0])
			unlink(paths[i]);
	if (dir[0])
		rmdir(dir);
}

const char *fuzz_file(int slot, const char *suffix, const uint8_t *data,
                      size_t size)
{
	const char *t = getenv("TMPDIR");
	FILE *f;

	if (slot < 0 || slot >= SLOTS)
		abort();
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "%s/nnsh-fuzz-XXXXXX",
		         t && *t ? t : "/tmp");
		if (!mkdtemp(dir)) {
			perror(dir);
			abort();
		}
		atexit(cleanup);
	}
	if (paths[slot][0])
		unlink(paths[slot]);
	snprintf(paths[slot], sizeof paths[slot], "%s/in%d%s", dir, slot,
	         suffix);
	f = fopen(paths[slot], "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
		perror(paths[slot]);
		abort();
	}
	return paths[slot];
}
