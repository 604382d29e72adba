/* data.c - datasets: storage (bytes, floats or token ids), copies, subsets,
 * and the gathering of a batch, where image bytes are scaled to floats,
 * token ids become their values and labels per position one-hot rows. */
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "vmath.h"

nn_dataset *nn_dataset_new(void)
{
	nn_dataset *d = calloc(1, sizeof *d);

	if (!d)
		nn_fail("out of memory");
	else
		d->pad = -1;
	return d;
}

static void free_names(char **names, int n)
{
	if (!names)
		return;
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void nn_dataset_free(nn_dataset *d)
{
	if (!d)
		return;
	free(d->xbytes);
	free(d->x);
	free(d->labels);
	free(d->y);
	free(d->xtok);
	free(d->ytok);
	free_names(d->class_names, d->nclasses);
	free_names(d->tokens, d->vocab);
	free(d);
}

static char **copy_names(char *const *names, int n)
{
	char **c = calloc((size_t)n, sizeof *c);

	if (!c)
		return NULL;
	for (int i = 0; i < n; i++)
		if (!(c[i] = strdup(names[i]))) {
			free_names(c, n);
			return NULL;
		}
	return c;
}

nn_dataset *nn_dataset_subset(const nn_dataset *d, const size_t *idx,
                              size_t count)
{
	nn_dataset *s = nn_dataset_new();
	size_t k = count ? count : 1, xs = d->xsize, ys = d->ysize;

	if (!s)
		return NULL;
	*s = *d;
	s->n = count;
	s->xbytes = NULL;
	s->x = NULL;
	s->labels = NULL;
	s->y = NULL;
	s->class_names = NULL;
	s->xtok = s->ytok = NULL;
	s->tokens = NULL;
	if ((d->xtok && !(s->xtok = malloc(k * xs * sizeof *s->xtok))) ||
	    (d->ytok && !(s->ytok = malloc(k * d->ylen * sizeof *s->ytok))) ||
	    (d->tokens && !(s->tokens = copy_names(d->tokens, d->vocab))) ||
	    (d->xbytes && !(s->xbytes = malloc(k * xs))) ||
	    (d->x && !(s->x = malloc(k * xs * sizeof *s->x))) ||
	    (d->labels && !(s->labels = malloc(k * sizeof *s->labels))) ||
	    (d->y && !(s->y = malloc(k * ys * sizeof *s->y))) ||
	    (d->class_names &&
	     !(s->class_names = copy_names(d->class_names, d->nclasses)))) {
		nn_dataset_free(s);
		nn_fail("out of memory for %zu samples", count);
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		size_t j = idx[i];

		if (d->xbytes)
			memcpy(s->xbytes + i * xs, d->xbytes + j * xs, xs);
		if (d->x)
			memcpy(s->x + i * xs, d->x + j * xs, xs * sizeof *d->x);
		if (d->labels)
			s->labels[i] = d->labels[j];
		if (d->xtok)
			memcpy(s->xtok + i * xs, d->xtok + j * xs,
			       xs * sizeof *d->xtok);
		if (d->ytok)
			memcpy(s->ytok + i * d->ylen, d->ytok + j * d->ylen,
			       d->ylen * sizeof *d->ytok);
		if (d->y)
			memcpy(s->y + i * ys, d->y + j * ys, ys * sizeof *d->y);
	}
	return s;
}

nn_dataset *nn_dataset_copy(const nn_dataset *d)
{
	size_t *idx = malloc((d->n ? d->n : 1) * sizeof *idx);
	nn_dataset *c;

	if (!idx) {
		nn_fail("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	c = nn_dataset_subset(d, idx, d->n);
	free(idx);
	return c;
}

/* row[k] = b[k] * scale for k < n: pixels of one sample as floats. */
NN_HOT static void scale_bytes(const uint8_t *restrict b, float *restrict row,
                               size_t n, float scale)
{
	for (size_t k = 0; k < n; k++)
		row[k] = b[k] * scale;
}

void nn_dataset_gather(const nn_dataset *d, const size_t *idx, size_t count,
                       float *x, float *y)
{
	size_t xs = d->xsize, ys = d->ysize;

	for (size_t i = 0; i < count; i++) {
		size_t j = idx[i];
		float *row = x + i * xs;

		if (d->xbytes) {
			scale_bytes(d->xbytes + j * xs, row, xs, d->xscale);
		} else if (d->xtok) {
			for (size_t k = 0; k < xs; k++)
				row[k] = (float)d->xtok[j * xs + k];
		} else {
			memcpy(row, d->x + j * xs, xs * sizeof *row);
		}
		if (!y)
			continue;
		if (d->ytok) {
			const int32_t *t = d->ytok + j * d->ylen;

			memset(y + i * ys, 0, ys * sizeof *y);
			for (size_t p = 0; p < d->ylen; p++)
				if (t[p] >= 0)  /* -1: padding, a row of 0 */
					y[i * ys + p * (size_t)d->nclasses +
					  (size_t)t[p]] = 1.0f;
		} else if (d->labels && ys == (size_t)d->nclasses && ys > 1) {
			memset(y + i * ys, 0, ys * sizeof *y);
			y[i * ys + (size_t)d->labels[j]] = 1.0f;
		} else if (d->labels && ys == 1) {
			y[i] = (float)d->labels[j];
		} else {
			memcpy(y + i * ys, d->y + j * ys, ys * sizeof *y);
		}
	}
}

void nn_dataset_prefetch(const nn_dataset *d, const size_t *idx,
                         size_t count)
{
	const char *base = d->xbytes ? (const char *)d->xbytes
	                   : d->xtok ? (const char *)d->xtok
	                   : (const char *)d->x;
	size_t row = d->xsize * (d->xbytes ? 1 : d->xtok ? sizeof *d->xtok
	                                                 : sizeof *d->x);

	if (!base || row == 0)
		return;
	if (count > (64 << 10) / row)
		count = (64 << 10) / row;
	for (size_t i = 0; i < count; i++) {
		const char *p = base + idx[i] * row;

		for (size_t o = 0; o < row; o += 64)
			__builtin_prefetch(p + o);
		__builtin_prefetch(p + row - 1);        /* a row not aligned */
		if (d->labels)
			__builtin_prefetch(&d->labels[idx[i]]);
	}
}

int nn_dataset_label(const nn_dataset *d, size_t i)
{
	if (i >= d->n || d->nclasses <= 0 || d->ytok)
		return -1;
	if (d->labels)
		return d->labels[i];
	if (d->y && d->ysize == 1)
		return d->y[i] >= 0.5f;
	if (d->y) {
		size_t best = 0;

		for (size_t k = 1; k < d->ysize; k++)
			if (d->y[i * d->ysize + k] > d->y[i * d->ysize + best])
				best = k;
		return (int)best;
	}
	return -1;
}

int nn_dataset_check(const nn_dataset *d)
{
	if (d->n == 0)
		return nn_fail("the dataset is empty");
	if (d->xsize != nn_shape_size(&d->xshape) || d->xsize == 0)
		return nn_fail("inconsistent input size");
	if (!!d->xbytes + !!d->x + !!d->xtok != 1)
		return nn_fail("a dataset needs inputs as bytes, floats or "
		               "token ids");
	if (!d->labels && !d->y && !d->ytok)
		return nn_fail("the dataset has no targets");
	for (size_t i = 0; d->xtok && i < d->n * d->xsize; i++)
		if (d->xtok[i] < 0 || d->xtok[i] >= d->vocab)
			return nn_fail("token %d of sample %zu is not in 0..%d",
			               d->xtok[i], i / d->xsize, d->vocab - 1);
	if (d->ytok && (d->nclasses <= 0 || d->ylen == 0 ||
	                d->ysize != d->ylen * (size_t)d->nclasses))
		return nn_fail("inconsistent labels per position");
	if (d->pad >= 0 && (!d->xtok || d->pad >= d->vocab))
		return nn_fail("the padding id %d is not a token id", d->pad);
	for (size_t i = 0; d->ytok && i < d->n * d->ylen; i++)
		if (d->ytok[i] < -1 || d->ytok[i] >= d->nclasses)
			return nn_fail("label %d of sample %zu is not in 0..%d",
			               d->ytok[i], i / d->ylen,
			               d->nclasses - 1);
	if (d->labels) {
		if (d->nclasses <= 0)
			return nn_fail("labels without a class count");
		for (size_t i = 0; i < d->n; i++)
			if (d->labels[i] < 0 || d->labels[i] >= d->nclasses)
				return nn_fail("label %d of sample %zu is not "
				               "in 0..%d", d->labels[i], i,
				               d->nclasses - 1);
	}
	if (d->ysize == 0)
		return nn_fail("targets of width 0");
	return 0;
}

int nn_dataset_numeric(const nn_dataset *d, const char *what)
{
	if (d->xtok)
		return nn_fail("%s works on numbers, and this dataset holds "
		               "token ids", what);
	return 0;
}

size_t nn_dataset_rows(const nn_dataset *d)
{
	return d->ytok && d->ylen > 0 ? d->ylen : 1;
}

size_t nn_dataset_labelled(const nn_dataset *d, const size_t *idx, size_t n)
{
	size_t count = 0;

	if (!d->ytok)
		return n;
	for (size_t i = 0; i < n; i++) {
		const int32_t *t = d->ytok + (idx ? idx[i] : i) * d->ylen;

		for (size_t p = 0; p < d->ylen; p++)
			count += t[p] >= 0;
	}
	return count;
}
