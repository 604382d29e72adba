/* fuzz_modelfile.c - fuzz target for the model-file reader (nn_load): a
 * file either loads, and then its model runs one forward pass on a
 * sample of zeros, or fails with a one-line message. The same bytes go
 * through nn_load_weights (`load FILE into MODEL`) into a small CNN with
 * batchnorm: they load, or fail with one line and the model unchanged. */
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

/* conv 4 3x3 pad=1, batchnorm, relu, maxpool 2, flatten, dense 5 on
 * 1x6x6 (tests/weights/cnn.safetensors fits it). */
static nn_model *cnn(void)
{
	static const nn_layer_spec specs[] = {
		{ .kind = "conv", .args = "4 3 pad=1" },
		{ .kind = "batchnorm" }, { .kind = "relu" },
		{ .kind = "maxpool", .args = "2" }, { .kind = "flatten" },
		{ .kind = "dense", .args = "5" },
	};
	nn_shape s = { 3, { 1, 6, 6 } };
	nn_model *m = nn_model_new(&s);
	nn_rng rng;

	nn_rng_seed(&rng, 1);
	for (size_t i = 0; m && i < sizeof specs / sizeof *specs; i++)
		if (nn_model_add(m, &specs[i], &rng) < 0)
			abort();
	return m;
}

static void weights(const char *path)
{
	static nn_model *m;
	static float *before;
	nn_weight_row *rows;
	size_t n, np;

	if (!m && (!(m = cnn()) ||
	    !(before = malloc(nn_model_param_count(m) * sizeof *before))))
		abort();
	np = nn_model_param_count(m);
	memcpy(before, nn_model_params(m), np * sizeof *before);
	if (nn_load_weights(m, path, "auto", "cnn", &rows, &n) == 0) {
		nn_weight_rows_free(rows, n);
		return;
	}
	if (!nn_error()[0] || strchr(nn_error(), '\n') ||
	    memcmp(before, nn_model_params(m), np * sizeof *before) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(0, ".safetensors", data, size);
	nn_file f;
	size_t in;

	weights(path);
	if (nn_load(path, &f) < 0) {
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
