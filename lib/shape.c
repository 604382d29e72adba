/* shape.c - per-sample tensor shapes: size, parsing and printing. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

int nn_size_mul(size_t a, size_t b, size_t *r)
{
	if (b && a > SIZE_MAX / b) {
		*r = SIZE_MAX;
		return -1;
	}
	*r = a * b;
	return 0;
}

size_t nn_shape_size(const nn_shape *s)
{
	size_t n = 1;

	for (int i = 0; i < s->ndim; i++)
		if (s->dim[i] < 0 || nn_size_mul(n, (size_t)s->dim[i], &n) < 0)
			return SIZE_MAX;
	return n;
}

/* Refuse a shape of more than NN_MAX_VALUES values, saying how many. */
static int too_large(const char *text, const nn_shape *s)
{
	double n = 1;

	for (int i = 0; i < s->ndim; i++)
		n *= s->dim[i];
	return nn_fail("bad shape '%s': %.0f values per sample, more than "
	               "the %zu nnsh can hold", text, n, NN_MAX_VALUES);
}

int nn_shape_parse(const char *text, nn_shape *s)
{
	const char *p = text;

	memset(s, 0, sizeof *s);
	for (;;) {
		char *end;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v <= 0 || v > 1 << 24)
			return nn_fail("bad shape '%s': expected sizes such as "
			               "784 or 1x28x28", text);
		if (s->ndim == NN_MAXDIM)
			return nn_fail("bad shape '%s': at most %d dimensions",
			               text, NN_MAXDIM);
		s->dim[s->ndim++] = (int)v;
		if (*end == '\0' && nn_shape_size(s) > NN_MAX_VALUES)
			return too_large(text, s);
		if (*end == '\0')
			return 0;
		if (*end != 'x' && *end != ',')
			return nn_fail("bad shape '%s': expected sizes such as "
			               "784 or 1x28x28", text);
		p = end + 1;
	}
}

char *nn_shape_str(const nn_shape *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < s->ndim && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d",
		                         i ? "x" : "", s->dim[i]);
	return buf;
}

int nn_shape_eq(const nn_shape *a, const nn_shape *b)
{
	if (a->ndim != b->ndim)
		return 0;
	for (int i = 0; i < a->ndim; i++)
		if (a->dim[i] != b->dim[i])
			return 0;
	return 1;
}
