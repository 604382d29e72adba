/* encode.c - a model's view of a dataset: the outputs of one node for
 * every sample, as a new dataset that keeps the samples' labels and
 * targets (an autoencoder's codes, to plot by class or feed on). */
#include <stdlib.h>
#include <string.h>

#include "nn.h"

#define CHUNK 256               /* samples per forward pass */

nn_dataset *nn_model_encode(nn_model *m, const nn_dataset *d, size_t node)
{
	nn_layer_info info;
	nn_dataset *c;
	size_t w, n = d->n;
	float *x = NULL, *codes = NULL;
	size_t *idx = NULL;

	if (node >= nn_model_layers(m)) {
		nn_fail("node %zu does not exist (the model has %zu)", node + 1,
		        nn_model_layers(m));
		return NULL;
	}
	if (d->xsize != nn_shape_size(nn_model_input_shape(m))) {
		nn_fail("the samples have %zu inputs, the model takes %zu",
		        d->xsize, nn_shape_size(nn_model_input_shape(m)));
		return NULL;
	}
	nn_model_layer_info(m, node, &info);
	w = nn_shape_size(&info.out);
	if (!(c = nn_dataset_copy(d)))
		return NULL;
	x = malloc(CHUNK * d->xsize * sizeof *x);
	idx = malloc(CHUNK * sizeof *idx);
	codes = malloc((n ? n : 1) * w * sizeof *codes);
	if (!x || !idx || !codes) {
		nn_fail("out of memory for the codes of %zu samples", n);
		goto fail;
	}
	for (size_t s = 0; s < n; s += CHUNK) {
		size_t cnt = n - s < CHUNK ? n - s : CHUNK;

		for (size_t i = 0; i < cnt; i++)
			idx[i] = s + i;
		nn_dataset_gather(d, idx, cnt, x, NULL);
		if (!nn_model_forward(m, x, cnt, 0, NULL))
			goto fail;
		memcpy(codes + s * w, nn_model_a(m, node),
		       cnt * w * sizeof *codes);
	}
	free(c->xbytes);
	free(c->x);
	free(c->xtok);
	c->xbytes = NULL;
	c->xtok = NULL;
	c->x = codes;
	c->xshape = info.out;
	c->xsize = w;
	c->xscale = 1;
	free(x);
	free(idx);
	return c;
fail:
	free(x);
	free(idx);
	free(codes);
	nn_dataset_free(c);
	return NULL;
}
