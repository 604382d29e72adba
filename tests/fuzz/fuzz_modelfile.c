/* fuzz_modelfile.c - fuzz target for the model-file reader (nn_load): a
 * file either loads, and then its model runs one forward pass on a
 * sample of zeros, or fails with a one-line message. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nn.h"

/* Larger models than this load but are not run (time, not safety). */
#define RUN_MAX_VALUES (1u << 16)

/* Whether the model is small enough to run: its input, parameters and
 * every layer's output. */
static int small(const nn_model *m, size_t in)
{
	if (in > RUN_MAX_VALUES || nn_model_param_count(m) > RUN_MAX_VALUES ||
	    nn_model_layers(m) > 64)
		return 0;
	for (size_t i = 0; i < nn_model_layers(m); i++) {
		nn_layer_info info;

		if (nn_model_layer_info(m, i, &info) < 0 ||
		    nn_shape_size(&info.out) > RUN_MAX_VALUES)
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nn_file f;
	size_t in;

	if (nn_load(fuzz_file(0, ".safetensors", data, size), &f) < 0) {
		if (!nn_error()[0] || strchr(nn_error(), '\n'))
			abort();
		return 0;
	}
	in = nn_shape_size(nn_model_input_shape(f.model));
	if (small(f.model, in)) {
		float *x = calloc(in ? in : 1, sizeof *x);
		nn_rng rng;

		nn_rng_seed(&rng, 1);
		if (x && nn_model_reserve(f.model, 1) == 0)
			nn_model_forward(f.model, x, 1, 0, &rng);
		free(x);
	}
	nn_file_free(&f);
	return 0;
}
