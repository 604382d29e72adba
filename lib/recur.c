/* recur.c - what the recurrent kinds (rnn, lstm, gru) share: setup, the
 * time-major scratch, the input product of all steps as one product, the
 * groups of samples that run their recurrences apart, and the gradients
 * of the weights and the input as one product each (recur.h). */
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "recur.h"
#include "workers.h"

const nn_layer_opt nn_recur_opts[] = {
	{ "UNITS", NULL, NULL, NN_OPT_INT, 1, 1, 1 << 20, 0, NULL,
	  "number of units" },
	{ "seq", "seq", NULL, NN_OPT_CHOICE, 0, 0, 0, 0, "all last",
	  "every step's output, or the last" },
	{ "bptt", "bptt", NULL, NN_OPT_INT, 0, 0, 1 << 20, 0, NULL,
	  "steps the gradient goes back (0: all)" },
	{ 0 }
};

int nn_recur_setup(nn_layer *L, int hidden, int gates, int relu, int last,
                   int bptt, const char *const *names)
{
	nn_recur_cfg *cfg = L->cfg;
	const char *kind = L->cls->kind;
	nn_shape wih = { 2, { 0 } }, whh = { 2, { 0 } }, b = { 1, { 0 } };
	int C;

	if (hidden <= 0)
		return nn_fail("%s needs a number of units, as in "
		               "'add %s 32'", kind, kind);
	if (!L->in_seq)
		return nn_fail("%s needs a sequence (T x C, as from embed), "
		               "not a %d-D input", kind, L->in.ndim);
	C = L->in.dim[1];
	cfg->hidden = hidden;
	cfg->gates = gates;
	cfg->relu = relu;
	cfg->last = last;
	cfg->bptt = bptt;
	if (last) {
		L->out.ndim = 1;
		L->out.dim[0] = hidden;
	} else {
		L->out.ndim = 2;
		L->out.dim[0] = L->in.dim[0];
		L->out.dim[1] = hidden;
		L->seq = 1;
	}
	wih.dim[0] = whh.dim[0] = b.dim[0] = gates * hidden;
	wih.dim[1] = C;
	whh.dim[1] = hidden;
	nn_layer_param(L, names[0], &wih, 0, C, hidden);
	nn_layer_param(L, names[1], &whh, 0, hidden, hidden);
	for (int k = 2; k < 4 && names[k]; k++)
		nn_layer_param(L, names[k], &b, 1, C, hidden);
	return 0;
}

void nn_recur_describe(const nn_layer *L, char *buf, size_t len)
{
	const nn_recur_cfg *cfg = L->cfg;
	char bptt[32] = "";

	if (cfg->bptt)
		snprintf(bptt, sizeof bptt, " bptt=%d", cfg->bptt);
	snprintf(buf, len, "%s %d%s%s%s", L->cls->kind, cfg->hidden,
	         cfg->relu ? " relu" : "", cfg->last ? " seq=last" : "", bptt);
}

size_t nn_recur_scratch(const nn_layer *L, size_t n, size_t per_row,
                        size_t per_sample)
{
	const nn_recur_cfg *cfg = L->cfg;
	size_t rows = n * (size_t)L->in.dim[0], C = (size_t)L->in.dim[1];
	size_t H = (size_t)cfg->hidden, G = (size_t)cfg->gates * H;

	/* xt, h_{-1} and hs, dxt; wt, bias; the kind's */
	return rows * (2 * C + H) + n * H + H * G + G + rows * per_row +
	       n * per_sample;
}

nn_recur nn_recur_batch(const nn_layer *L, size_t n)
{
	const nn_recur_cfg *cfg = L->cfg;
	nn_recur r;

	r.n = n;
	r.T = (size_t)L->in.dim[0];
	r.C = (size_t)L->in.dim[1];
	r.H = (size_t)cfg->hidden;
	r.G = (size_t)cfg->gates * r.H;
	r.cfg = cfg;
	r.xt = L->scratch;
	r.hs = r.xt + n * r.T * r.C + n * r.H;
	r.dxt = r.hs + n * r.T * r.H;
	r.wt = r.dxt + n * r.T * r.C;
	r.bias = r.wt + r.H * r.G;
	r.own = r.bias + r.G;
	return r;
}

/* at (cols x rows) = a^T for a rows x cols a, in tiles that stay in
 * the cache (a column of a is a row of at, far apart) */
static void transpose(const float *a, size_t rows, size_t cols, float *at)
{
	enum { TILE = 16 };

	for (size_t i0 = 0; i0 < rows; i0 += TILE)
		for (size_t j0 = 0; j0 < cols; j0 += TILE) {
			size_t i1 = i0 + TILE < rows ? i0 + TILE : rows;
			size_t j1 = j0 + TILE < cols ? j0 + TILE : cols;

			for (size_t j = j0; j < j1; j++)
				for (size_t i = i0; i < i1; i++)
					at[j * rows + i] = a[i * cols + j];
		}
}

void nn_recur_begin(const nn_recur *r, const float *x,
                    const float *Wih, const float *Whh, const float *b1,
                    const float *b2, float *out, size_t ldo)
{
	size_t n = r->n, T = r->T, C = r->C, H = r->H, G = r->G;

	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < T; t++)
			memcpy(r->xt + (t * n + i) * C, x + (i * T + t) * C,
			       C * sizeof *x);
	memset(r->hs - n * H, 0, n * H * sizeof *r->hs);
	for (size_t k = 0; k < G; k++)
		r->bias[k] = b1[k] + (b2 ? b2[k] : 0);
	nn_sgemm(0, 1, n * T, G, C, 1, r->xt, C, Wih, C, 0, out, ldo);
	transpose(Whh, G, H, r->wt);
}

void nn_recur_groups(const nn_recur *r,
                     void (*fn)(void *ud, int part, int parts), void *ud)
{
	/* a step's products run as fast per row from 16 rows on */
	size_t want = r->n / 16;

	nn_parallel(want < 1 ? 1 : want > NN_MAX_PARTS ? NN_MAX_PARTS
	                                               : (int)want,
	            fn, ud);
}

size_t nn_recur_first(const nn_recur *r, int part, int parts)
{
	return r->n * (size_t)part / (size_t)parts;
}

void nn_recur_output(const nn_recur *r, float *z, size_t lo, size_t hi)
{
	size_t n = r->n, T = r->T, H = r->H;

	for (size_t i = lo; i < hi; i++)
		if (r->cfg->last)
			memcpy(z + i * H, r->hs + ((T - 1) * n + i) * H,
			       H * sizeof *z);
		else
			for (size_t t = 0; t < T; t++)
				memcpy(z + (i * T + t) * H,
				       r->hs + (t * n + i) * H, H * sizeof *z);
}

NN_HOT static void add_rows(float *restrict d, const float *restrict s,
                            size_t rows, size_t len, size_t lds)
{
	for (size_t i = 0; i < rows; i++)
		for (size_t k = 0; k < len; k++)
			d[i * len + k] += s[i * lds + k];
}

void nn_recur_add_dz(const nn_recur *r, const float *dz, size_t t,
                     size_t lo, size_t hi, float *dh)
{
	size_t T = r->T, H = r->H;

	if (!r->cfg->last)
		add_rows(dh, dz + (lo * T + t) * H, hi - lo, H, T * H);
	else if (t == T - 1)
		add_rows(dh, dz + lo * H, hi - lo, H, H);
}

/* db = the sum of the rows of d (rows x len), in row order. */
NN_HOT static void column_sums(const float *restrict d, size_t rows,
                               size_t len, float *restrict db)
{
	memset(db, 0, len * sizeof *db);
	for (size_t i = 0; i < rows; i++)
		for (size_t k = 0; k < len; k++)
			db[k] += d[i * len + k];
}

void nn_recur_end(const nn_recur *r, nn_layer *L, const float *di,
                  const float *dr, float *dx)
{
	size_t n = r->n, T = r->T, C = r->C, H = r->H, G = r->G;

	if (!L->input_only) {
		nn_sgemm(1, 0, G, C, n * T, 1, di, G, r->xt, C, 0,
		         L->p[0].grad, C);
		if (T > 1)
			nn_sgemm(1, 0, G, H, n * (T - 1), 1, dr + n * G, G,
			         r->hs, H, 0, L->p[1].grad, H);
		else
			memset(L->p[1].grad, 0, G * H * sizeof(float));
		column_sums(di, n * T, G, L->p[2].grad);
		if (L->nparams > 3 && dr == di)
			memcpy(L->p[3].grad, L->p[2].grad, G * sizeof(float));
		else if (L->nparams > 3)
			column_sums(dr, n * T, G, L->p[3].grad);
	}
	if (!dx)
		return;
	nn_sgemm(0, 0, n * T, C, G, 1, di, G, L->p[0].val, C, 0, r->dxt, C);
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < T; t++)
			memcpy(dx + (i * T + t) * C, r->dxt + (t * n + i) * C,
			       C * sizeof *dx);
}
