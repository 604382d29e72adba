/* merge.c - the graph's joining and splitting kinds: sum and mul
 * (elementwise, over inputs of one shape), concat (features one after
 * another; for images that is along channels) and slice (a range of an
 * input's features, as two input groups read from one input vector; of
 * a sequence, a range of its positions, as a decoder's answers after
 * its source). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "layer.h"

/* The configuration of slice (L->cfg). */
typedef struct slice_cfg {
	int lo, hi;             /* the features [lo, hi) */
} slice_cfg;

static int same_shapes(nn_layer *L, const char *kind)
{
	char a[64], b[64];

	if (L->nin < 2)
		return nn_fail("%s needs two or more inputs, as in 'add %s A B'",
		               kind, kind);
	for (int k = 1; k < L->nin; k++)
		if (!nn_shape_eq(&L->ins[k], &L->ins[0]))
			return nn_fail("%s: input %d is %s, input 1 is %s; the "
			               "shapes must match", kind, k + 1,
			               nn_shape_str(&L->ins[k], a, sizeof a),
			               nn_shape_str(&L->ins[0], b, sizeof b));
	L->out = L->ins[0];
	return 0;
}

static int sum_setup(nn_layer *L, const nn_layer_spec *spec,
                     const nn_optval *v)
{
	(void)spec;
	(void)v;
	return same_shapes(L, "sum");
}

static int mul_setup(nn_layer *L, const nn_layer_spec *spec,
                     const nn_optval *v)
{
	(void)spec;
	(void)v;
	return same_shapes(L, "mul");
}

static void sum_forward(nn_layer *L, const float *const *x, float *z,
                        size_t n)
{
	size_t len = n * L->out_size;

	memcpy(z, x[0], len * sizeof *z);
	for (int k = 1; k < L->nin; k++)
		for (size_t i = 0; i < len; i++)
			z[i] += x[k][i];
}

static void sum_backward(nn_layer *L, const float *const *x, const float *dz,
                         float *const *dx, size_t n)
{
	(void)x;
	for (int k = 0; k < L->nin; k++)
		if (dx[k])
			memcpy(dx[k], dz, n * L->out_size * sizeof *dz);
}

static void mul_forward(nn_layer *L, const float *const *x, float *z,
                        size_t n)
{
	size_t len = n * L->out_size;

	memcpy(z, x[0], len * sizeof *z);
	for (int k = 1; k < L->nin; k++)
		for (size_t i = 0; i < len; i++)
			z[i] *= x[k][i];
}

/* d/dx_k of x_0 * ... * x_m is the product of the others. */
static void mul_backward(nn_layer *L, const float *const *x, const float *dz,
                         float *const *dx, size_t n)
{
	size_t len = n * L->out_size;

	for (int k = 0; k < L->nin; k++) {
		if (!dx[k])
			continue;
		memcpy(dx[k], dz, len * sizeof *dz);
		for (int j = 0; j < L->nin; j++)
			if (j != k)
				for (size_t i = 0; i < len; i++)
					dx[k][i] *= x[j][i];
	}
}

/* One input's place in a concatenated sample. */
static size_t part_size(const nn_layer *L, int k)
{
	return nn_shape_size(&L->ins[k]);
}

static int concat_setup(nn_layer *L, const nn_layer_spec *spec,
                        const nn_optval *v)
{
	const nn_shape *s0 = &L->ins[0];
	char a[64], b[64];
	long long total = 0;

	(void)spec;
	(void)v;
	if (L->nin < 2)
		return nn_fail("concat needs two or more inputs, as in 'add "
		               "concat A B'");
	for (int k = 0; k < L->nin; k++) {
		const nn_shape *s = &L->ins[k];
		int rest_same = s->ndim == s0->ndim;

		for (int d = 1; rest_same && d < s->ndim; d++)
			rest_same = s->dim[d] == s0->dim[d];
		if (!rest_same)
			return nn_fail("concat: input %d is %s, input 1 is %s; "
			               "all but the first dimension (features or"
			               " channels) must match", k + 1,
			               nn_shape_str(s, a, sizeof a),
			               nn_shape_str(s0, b, sizeof b));
		total += s->dim[0];
	}
	if (total > INT_MAX)
		return nn_fail("concat: %lld features or channels, more than "
		               "the %d nnsh can hold", total, INT_MAX);
	L->out = *s0;
	L->out.dim[0] = (int)total;
	return 0;
}

static void concat_forward(nn_layer *L, const float *const *x, float *z,
                           size_t n)
{
	for (size_t r = 0; r < n; r++) {
		float *o = z + r * L->out_size;

		for (int k = 0; k < L->nin; k++) {
			size_t w = part_size(L, k);

			memcpy(o, x[k] + r * w, w * sizeof *o);
			o += w;
		}
	}
}

static void concat_backward(nn_layer *L, const float *const *x,
                            const float *dz, float *const *dx, size_t n)
{
	(void)x;
	for (size_t r = 0; r < n; r++) {
		const float *g = dz + r * L->out_size;

		for (int k = 0; k < L->nin; k++) {
			size_t w = part_size(L, k);

			if (dx[k])
				memcpy(dx[k] + r * w, g, w * sizeof *g);
			g += w;
		}
	}
}

static const nn_layer_opt slice_opts[] = {
	{ "FROM..TO", NULL, NULL, NN_OPT_RANGE, 1, 0, 0, 0, NULL,
	  "range of features" },
	{ 0 }
};

/* Values a slice counts as one: a position of a sequence, else one. */
static size_t slice_unit(const nn_layer *L)
{
	return L->in_seq ? (size_t)L->in.dim[1] : 1;
}

static int slice_setup(nn_layer *L, const nn_layer_spec *spec,
                       const nn_optval *v)
{
	slice_cfg *cfg = L->cfg;
	size_t in = L->in_size / slice_unit(L);
	int lo = v[0].a, hi = v[0].b;

	(void)spec;
	if (!v[0].given)
		return nn_fail("slice needs FROM..TO, as in 'add slice 1..6'");
	if (lo < 0 || hi <= lo || (size_t)hi > in)
		return nn_fail("slice %d..%d does not fit an input of %zu "
		               "%s (give FROM..TO with 1 <= FROM <= TO "
		               "<= %zu)", lo + 1, hi, in,
		               L->in_seq ? "positions" : "features", in);
	cfg->lo = lo;
	cfg->hi = hi;
	L->out.ndim = 1;
	L->out.dim[0] = hi - lo;
	if (L->in_seq) {        /* positions lo..hi, a sequence still */
		L->out.ndim = 2;
		L->out.dim[1] = L->in.dim[1];
		L->seq = 1;
	}
	return 0;
}

static void slice_forward(nn_layer *L, const float *x, float *z, size_t n,
                          int training, nn_rng *rng)
{
	const slice_cfg *cfg = L->cfg;
	size_t u = slice_unit(L), w = (size_t)(cfg->hi - cfg->lo) * u;

	(void)training;
	(void)rng;
	for (size_t r = 0; r < n; r++)
		memcpy(z + r * w, x + r * L->in_size + (size_t)cfg->lo * u,
		       w * sizeof *z);
}

static void slice_backward(nn_layer *L, const float *x, const float *dz,
                           float *dx, size_t n)
{
	const slice_cfg *cfg = L->cfg;
	size_t u = slice_unit(L), w = (size_t)(cfg->hi - cfg->lo) * u;

	(void)x;
	if (!dx)
		return;
	memset(dx, 0, n * L->in_size * sizeof *dx);
	for (size_t r = 0; r < n; r++)
		memcpy(dx + r * L->in_size + (size_t)cfg->lo * u, dz + r * w,
		       w * sizeof *dx);
}

static void sum_describe(const nn_layer *L, char *buf, size_t len)
{
	snprintf(buf, len, "%s", L->cls->kind);
}

static void slice_describe(const nn_layer *L, char *buf, size_t len)
{
	const slice_cfg *cfg = L->cfg;

	snprintf(buf, len, "slice %d..%d", cfg->lo + 1, cfg->hi);
}

const nn_layer_class nn_sum_class = {
	.kind = "sum", .setup = sum_setup, .max_in = NN_MAXIN,
	.forward_n = sum_forward, .backward_n = sum_backward,
	.describe = sum_describe,
};

const nn_layer_class nn_mul_class = {
	.kind = "mul", .setup = mul_setup, .max_in = NN_MAXIN,
	.forward_n = mul_forward, .backward_n = mul_backward,
	.describe = sum_describe,
};

const nn_layer_class nn_concat_class = {
	.kind = "concat", .setup = concat_setup, .max_in = NN_MAXIN,
	.forward_n = concat_forward, .backward_n = concat_backward,
	.describe = sum_describe,
};

const nn_layer_class nn_slice_class = {
	.kind = "slice", .opts = slice_opts, .setup = slice_setup,
	.cfg_size = sizeof(slice_cfg),
	.forward = slice_forward, .backward = slice_backward,
	.describe = slice_describe,
};
