/* modelfields.c - the checked reading of a model file's parts that
 * modelfile.c's readers share: tensors of a given type and size, metadata
 * strings and JSON, number and name fields of JSON objects within their
 * ranges, random states and sample orders. Each fails with the file's
 * name in front of a one-line message (st_fail). Internal to libnn. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "modelfile.h"
#include "nn.h"
#include "safetensors.h"

/* The tensor name, which must be of type and hold count elements in
 * ndim dimensions (ndim 0: any). NULL with a message otherwise, or
 * quietly when it is absent and optional. */
in_tensor *mf_want_tensor(reader *r, const char *name, dtype type,
                          size_t count, int optional)
{
	in_tensor *t = st_find(r, name);

	if (!t) {
		if (!optional)
			st_fail(r, "tensor '%s' is missing", name);
		return NULL;
	}
	if (t->type != type || t->count != count) {
		st_fail(r, "tensor '%s' should be %s with %zu values, not %s "
		        "with %zu", name, dtype_names[type], count,
		        dtype_names[t->type], t->count);
		return NULL;
	}
	t->used = 1;
	return t;
}

/* A metadata string, or NULL when absent (or not a string: checked). */
const char *mf_meta_str(reader *r, const char *key)
{
	json_t *v = r->meta ? json_object_get(r->meta, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A metadata entry holding JSON text, parsed; NULL when absent or bad
 * (with a message when bad). */
json_t *mf_meta_parse(reader *r, const char *key, int *failed)
{
	const char *text = mf_meta_str(r, key);
	json_error_t err;
	json_t *v;

	*failed = 0;
	if (!text)
		return NULL;
	v = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		*failed = 1;
		st_fail(r, "%s is not valid JSON: %s", key, err.text);
	}
	return v;
}

/* Number fields of a JSON object, integer or real; a missing or mistyped
 * field, or one out of [lo, hi], fails. */
int mf_get_real(reader *r, json_t *o, const char *what, const char *key,
                double lo, double hi, double *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return st_fail(r, "%s: %s is missing or not a number", what,
		               key);
	*out = json_number_value(v);
	if (!(*out >= lo && *out <= hi))
		return st_fail(r, "%s: %s=%g is out of range", what, key, *out);
	return 0;
}

int mf_get_long(reader *r, json_t *o, const char *what, const char *key,
                long lo, long hi, long *out)
{
	json_t *v = json_object_get(o, key);

	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (!json_is_integer(v))
		return st_fail(r, "%s: %s is missing or not a whole number",
		               what, key);
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return st_fail(r, "%s: %s=%lld is out of range", what, key,
		               (long long)json_integer_value(v));
	*out = (long)json_integer_value(v);
	return 0;
}

/* An optional whole number field (0 when absent). */
int mf_opt_int(reader *r, json_t *o, const char *what, const char *key,
               int *out)
{
	long v = 0;

	if (json_object_get(o, key) &&
	    mf_get_long(r, o, what, key, -(1L << 30), 1L << 30, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* An optional number field, left as it is when absent. */
int mf_opt_real(reader *r, json_t *o, const char *what, const char *key,
                double lo, double hi, double *out)
{
	return json_object_get(o, key) ?
	       mf_get_real(r, o, what, key, lo, hi, out) : 0;
}

/* A random state saved as four 64-bit hex numbers, in entry w. */
int mf_parse_rng(reader *r, const char *w, json_t *a, nn_rng *rng)
{
	int zero = 1;

	if (!json_is_array(a) || json_array_size(a) != 4)
		return st_fail(r, "%s: rng is not four numbers", w);
	for (int i = 0; i < 4; i++) {
		json_t *s = json_array_get(a, (size_t)i);
		const char *t = json_is_string(s) ? json_string_value(s) : "";
		char *end;

		errno = 0;
		rng->s[i] = strtoull(t, &end, 16);
		if (strlen(t) != 16 || *end || errno)
			return st_fail(r, "%s: rng is not four 64-bit hex "
			               "numbers", w);
		zero &= rng->s[i] == 0;
	}
	if (zero)
		return st_fail(r, "%s: the rng state is all zero", w);
	return 0;
}

/* The I64 tensor name, which must be an order of n samples, into a new
 * array *perm. */
int mf_read_perm(reader *r, const char *name, size_t n, size_t **perm)
{
	in_tensor *t = mf_want_tensor(r, name, DT_I64, n, 0);
	unsigned char *seen;

	if (!t)
		return -1;
	*perm = malloc(n * sizeof **perm);
	seen = calloc(n, 1);
	if (!*perm || !seen) {
		free(seen);
		return nn_fail("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t v = get_u64(r->data + t->begin + 8 * i);

		if (v >= n || seen[v]) {
			free(seen);
			return st_fail(r, "%s is not an order of %zu samples",
			               name, n);
		}
		seen[v] = 1;
		(*perm)[i] = (size_t)v;
	}
	free(seen);
	return 0;
}

/* Four numbers (null for NaN) in the list key of entry w. */
int mf_get_real4(reader *r, json_t *o, const char *w, const char *key,
                 double *v)
{
	json_t *a = json_object_get(o, key);

	if (!json_is_array(a) || json_array_size(a) != 4)
		return st_fail(r, "%s: %s is not four numbers", w, key);
	for (size_t i = 0; i < 4; i++) {
		json_t *e = json_array_get(a, i);

		v[i] = json_is_null(e) ? NAN : json_number_value(e);
		if (!json_is_null(e) && !(json_is_number(e) &&
		                          fabs(v[i]) < 1e300))
			return st_fail(r, "%s: %s is not four numbers", w, key);
	}
	return 0;
}

/* A name (a string of at most 63 bytes) in key of entry w, into out. */
int mf_get_name(reader *r, json_t *o, const char *w, const char *key,
                char *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || !json_string_value(v)[0] ||
	    strlen(json_string_value(v)) > 63)
		return st_fail(r, "%s: %s is not a name", w, key);
	strcpy(out, json_string_value(v));
	return 0;
}
