/* fuzz_idx.c - fuzz target for the IDX reader (nn_load_idx): the first
 * two bytes say where the input splits into an image file and a label
 * file (either may be gzip). A pair either loads into a dataset that
 * passes nn_dataset_check or fails with a one-line message. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut;
	const char *im, *lb;
	nn_dataset *d;

	if (size < 2)
		return 0;
	cut = (size_t)(data[0] | data[1] << 8);
	data += 2;
	size -= 2;
	cut = cut < size ? cut : size;
	im = fuzz_file(0, "", data, cut);
	lb = fuzz_file(1, "", data + cut, size - cut);
	d = nn_load_idx(im, lb);
	if (d) {
		if (nn_dataset_check(d) < 0)
			abort();
		nn_dataset_free(d);
	} else if (!nn_error()[0] || strchr(nn_error(), '\n')) {
		abort();
	}
	return 0;
}
