/* shift.c - data augmentation as a layer: while training, each sample of
 * C x H x W is moved by a random whole number of pixels, up to `pixels` in
 * each direction (the same move for all its channels), the uncovered
 * border filled with zeros; when evaluating it is the identity. Like
 * Keras's RandomTranslation. The moves of the last pass are kept in the
 * scratch for backward. */
#include <stdio.h>
#include <string.h>

#include "layer.h"

/* Its configuration (L->cfg). */
typedef struct shift_cfg {
	int pixels;             /* the largest move */
} shift_cfg;

static const nn_layer_opt shift_opts[] = {
	{ "PIXELS", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 24, 0, NULL,
	  "number of pixels" },
	{ 0 }
};

static int shift_setup(nn_layer *L, const nn_layer_spec *spec,
                       const nn_optval *v)
{
	shift_cfg *cfg = L->cfg;
	int pixels = (int)v[0].num;

	(void)spec;
	if (L->in.ndim != 3)
		return nn_fail("shift needs C x H x W inputs, not %d-D ones",
		               L->in.ndim);
	if (pixels < 1 || pixels >= L->in.dim[1] || pixels >= L->in.dim[2])
		return nn_fail("shift needs a number of pixels from 1 to the "
		               "image size less 1, as in 'add shift 2'");
	cfg->pixels = pixels;
	L->out = L->in;
	return 0;
}

/* Two floats per sample: its move down and right. */
static size_t shift_scratch(const nn_layer *L, size_t n)
{
	(void)L;
	return 2 * n;
}

/* Move one c x h x w sample by (dy, dx) from src to dst, zeros where
 * nothing moves in. */
static void move(const nn_layer *L, const float *src, float *dst, int dy,
                 int dx)
{
	int h = L->in.dim[1], w = L->in.dim[2];
	int x0 = dx > 0 ? dx : 0, x1 = dx < 0 ? w + dx : w;

	memset(dst, 0, L->in_size * sizeof *dst);
	for (int c = 0; c < L->in.dim[0]; c++)
		for (int y = 0; y < h; y++) {
			int sy = y - dy;
			float *d = dst + ((size_t)c * h + y) * w;

			if (sy >= 0 && sy < h)
				memcpy(d + x0, src + ((size_t)c * h + sy) * w +
				       x0 - dx, (size_t)(x1 - x0) * sizeof *d);
		}
}

static void shift_forward(nn_layer *L, const float *x, float *z, size_t n,
                          int training, nn_rng *rng)
{
	const shift_cfg *cfg = L->cfg;
	uint32_t span = 2 * (uint32_t)cfg->pixels + 1;

	for (size_t i = 0; i < n; i++) {
		int dy = 0, dx = 0;

		if (training) {
			dy = (int)nn_rng_below(rng, span) - cfg->pixels;
			dx = (int)nn_rng_below(rng, span) - cfg->pixels;
		}
		L->scratch[2 * i] = (float)dy;
		L->scratch[2 * i + 1] = (float)dx;
		move(L, x + i * L->in_size, z + i * L->in_size, dy, dx);
	}
}

static void shift_backward(nn_layer *L, const float *x, const float *dz,
                           float *dx, size_t n)
{
	(void)x;
	if (!dx)
		return;
	for (size_t i = 0; i < n; i++)
		move(L, dz + i * L->in_size, dx + i * L->in_size,
		     -(int)L->scratch[2 * i], -(int)L->scratch[2 * i + 1]);
}

static void shift_describe(const nn_layer *L, char *buf, size_t len)
{
	const shift_cfg *cfg = L->cfg;

	snprintf(buf, len, "shift %d", cfg->pixels);
}

const nn_layer_class nn_shift_class = {
	.kind = "shift",
	.cfg_size = sizeof(shift_cfg),
	.opts = shift_opts,
	.setup = shift_setup,
	.forward = shift_forward,
	.backward = shift_backward,
	.scratch_size = shift_scratch,
	.describe = shift_describe,
};
