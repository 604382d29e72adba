/* fuzz_csv.c - fuzz target for the CSV reader (nn_load_csv): the first
 * byte picks the options (header, separator, label or target columns),
 * the rest is the file. A file either loads into a dataset that passes
 * nn_dataset_check or fails with a one-line message. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char seps[] = { ',', ';', '\t', ' ' };
	static const char *const labels[] = { NULL, "1", "label", "2" };
	nn_csv_opts o = { 0 };
	nn_dataset *d;
	uint8_t pick = size ? data[0] : 0;

	o.header = (int)(pick & 3) % 3 - 1;
	o.sep = seps[(pick >> 2) & 3];
	o.label = labels[(pick >> 4) & 3];
	if (pick & 0x40)
		o.targets = pick & 0x80 ? "1,y" : "2";
	else if (pick & 0x80)
		o.skip = "1";
	d = nn_load_csv(fuzz_file(0, ".csv", data + !!size,
	                          size ? size - 1 : 0), &o);
	if (d) {
		if (nn_dataset_check(d) < 0)
			abort();
		nn_dataset_free(d);
	} else if (!nn_error()[0] || strchr(nn_error(), '\n')) {
		abort();
	}
	return 0;
}
