/* safetensors.c - reading any safetensors file, with jansson for the
 * JSON header: 8 bytes of little-endian header length N; N bytes of JSON;
 * the tensors, raw and little-endian, one after another. Each tensor's
 * header entry gives dtype, shape and data_offsets into the data;
 * "__metadata__" maps strings to strings. Nothing is trusted: lengths,
 * JSON, dtypes, shapes and offsets (which must tile the data exactly) are
 * checked before anything is used. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn.h"
#include "safetensors.h"

#define MAX_HEADER (100u << 20)         /* safetensors' own limit */

int st_vfail(const reader *r, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof msg, fmt, ap);
	return nn_fail("%s: %s", r->path, msg);
}

int st_fail(const reader *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = st_vfail(r, fmt, ap);
	va_end(ap);
	return rc;
}

static int read_whole(reader *r)
{
	FILE *f = fopen(r->path, "rb");
	struct stat st;

	if (!f)
		return nn_fail("cannot open %s: %s", r->path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return nn_fail("%s is not a regular file", r->path);
	}
	r->size = (size_t)st.st_size;
	r->buf = malloc(r->size ? r->size : 1);
	if (!r->buf) {
		fclose(f);
		return nn_fail("out of memory for %s (%zu bytes)", r->path,
		               r->size);
	}
	if (fread(r->buf, 1, r->size, f) != r->size) {
		fclose(f);
		return nn_fail("cannot read %s", r->path);
	}
	fclose(f);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((*(in_tensor *const *)a)->name,
	              (*(in_tensor *const *)b)->name);
}

static int cmp_begin(const void *a, const void *b)
{
	const in_tensor *x = *(in_tensor *const *)a;
	const in_tensor *y = *(in_tensor *const *)b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* A whole number in [0, max] from a JSON integer. */
static int json_size(const json_t *v, size_t max, size_t *out)
{
	json_int_t i;

	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	if (i < 0 || (unsigned long long)i > max)
		return -1;
	*out = (size_t)i;
	return 0;
}

static int parse_tensor(reader *r, const char *name, json_t *e,
                        in_tensor *t)
{
	json_t *dt = json_object_get(e, "dtype");
	json_t *shape = json_object_get(e, "shape");
	json_t *offs = json_object_get(e, "data_offsets");
	size_t nd, count = 1;
	int k;

	t->name = name;
	if (!json_is_object(e) || !json_is_string(dt) ||
	    !json_is_array(shape) || !json_is_array(offs) ||
	    json_array_size(offs) != 2)
		return st_fail(r, "tensor '%s' needs dtype, shape and "
		               "data_offsets", name);
	for (k = 0; k < 3; k++)
		if (strcmp(json_string_value(dt), dtype_names[k]) == 0)
			break;
	if (k == 3)
		return st_fail(r, "tensor '%s' has dtype %s (nnsh reads F32, "
		               "F64 and I64)", name, json_string_value(dt));
	t->type = (dtype)k;
	nd = json_array_size(shape);
	if (nd > MAX_DIMS)
		return st_fail(r, "tensor '%s' has %zu dimensions", name, nd);
	t->ndim = (int)nd;
	for (size_t d = 0; d < nd; d++) {
		if (json_size(json_array_get(shape, d), SIZE_MAX, &t->shape[d]))
			return st_fail(r, "tensor '%s' has a bad shape", name);
		if (t->shape[d] && count > SIZE_MAX / 8 / t->shape[d])
			return st_fail(r, "tensor '%s' is too large", name);
		count *= t->shape[d];
	}
	t->count = count;
	if (json_size(json_array_get(offs, 0), r->dlen, &t->begin) ||
	    json_size(json_array_get(offs, 1), r->dlen, &t->end) ||
	    t->begin > t->end)
		return st_fail(r, "tensor '%s' has data_offsets outside the "
		               "%zu bytes of data", name, r->dlen);
	if (t->end - t->begin != count * dtype_size[t->type])
		return st_fail(r, "tensor '%s': its shape needs %zu bytes, its "
		               "offsets give %zu", name,
		               count * dtype_size[t->type], t->end - t->begin);
	return 0;
}

/* Parse the header and check that the tensors tile the data exactly. */
static int parse_header(reader *r)
{
	uint64_t n;
	json_error_t err;
	const char *key;
	json_t *v;
	in_tensor **order;
	size_t at = 0;

	if (r->size < 8)
		return st_fail(r, "too short (%zu bytes) for a safetensors "
		               "file", r->size);
	n = get_u64(r->buf);
	if (n > r->size - 8)
		return st_fail(r, "the header length %llu is beyond the "
		               "file's %zu bytes: not a safetensors file, or "
		               "cut short",
		               (unsigned long long)n, r->size);
	if (n > MAX_HEADER)
		return st_fail(r, "the header length %llu is too large",
		               (unsigned long long)n);
	r->root = json_loadb((const char *)r->buf + 8, (size_t)n,
	                     JSON_REJECT_DUPLICATES, &err);
	if (!r->root)
		return st_fail(r, "the header is not valid JSON: %s", err.text);
	if (!json_is_object(r->root))
		return st_fail(r, "the header is not a JSON object");
	r->data = r->buf + 8 + n;
	r->dlen = r->size - 8 - (size_t)n;
	r->t = calloc(json_object_size(r->root) + 1, sizeof *r->t);
	if (!r->t)
		return nn_fail("out of memory");
	json_object_foreach(r->root, key, v) {
		if (strcmp(key, "__metadata__") == 0) {
			r->meta = v;
			continue;
		}
		if (parse_tensor(r, key, v, &r->t[r->nt]) < 0)
			return -1;
		r->nt++;
	}
	order = malloc((r->nt + 1) * sizeof *order);
	if (!order)
		return nn_fail("out of memory");
	for (size_t i = 0; i < r->nt; i++)
		order[i] = &r->t[i];
	qsort(order, r->nt, sizeof *order, cmp_begin);
	for (size_t i = 0; i < r->nt; i++) {
		size_t begin = order[i]->begin;

		if (begin != at) {
			free(order);
			return st_fail(r, "the tensors %s the data at byte %zu",
			               begin < at ? "overlap in"
			                          : "leave a hole in", at);
		}
		at = order[i]->end;
	}
	free(order);
	if (!(r->byname = malloc((r->nt + 1) * sizeof *r->byname)))
		return nn_fail("out of memory");
	for (size_t i = 0; i < r->nt; i++)
		r->byname[i] = &r->t[i];
	qsort(r->byname, r->nt, sizeof *r->byname, cmp_name);
	if (at != r->dlen)
		return st_fail(r, "the tensors end at byte %zu of %zu bytes of "
		               "data: damaged?", at, r->dlen);
	if (r->meta && !json_is_object(r->meta))
		return st_fail(r, "__metadata__ is not an object");
	return 0;
}

/* The tensor called name, or NULL; a binary search, so that a file of
 * many layers loads in time proportional to its size. */
in_tensor *st_find(reader *r, const char *name)
{
	in_tensor key = { .name = name }, *kp = &key, **hit;

	if (!r->byname)
		return NULL;
	hit = bsearch(&kp, r->byname, r->nt, sizeof *r->byname, cmp_name);
	return hit ? *hit : NULL;
}

int st_meta_name(const reader *r, const char *key, const char *what,
                 char *dst, size_t len)
{
	json_t *v = r->meta ? json_object_get(r->meta, key) : NULL;
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	if (!s)
		return 0;
	if (strlen(s) >= len)
		return st_fail(r, "%s (%s) has %zu bytes, more than the %zu a "
		               "name may have", what, key, strlen(s), len - 1);
	strcpy(dst, s);
	return 1;
}

void st_read_floats(const in_tensor *t, const unsigned char *data,
                    float *out)
{
	for (size_t i = 0; i < t->count; i++) {
		const unsigned char *p = data + t->begin +
		                         dtype_size[t->type] * i;

		if (t->type == DT_F32) {
			uint32_t u = get_u32(p);

			memcpy(&out[i], &u, 4);
		} else if (t->type == DT_F64) {
			uint64_t u = get_u64(p);
			double v;

			memcpy(&v, &u, 8);
			out[i] = (float)v;
		} else {
			out[i] = 0;
		}
	}
}

int st_read_weights(const reader *r, const in_tensor *t, float *out)
{
	st_read_floats(t, r->data, out);
	for (size_t i = 0; i < t->count; i++)
		if (!isfinite(out[i]))
			return st_fail(r, "tensor '%s' holds %s at element %zu: "
			               "weights must be finite numbers (is the "
			               "file damaged?)", t->name,
			               isnan(out[i]) ? "NaN" :
			               t->type == DT_F64 ? "a number beyond a "
			               "float's range" : "an infinity", i);
	return 0;
}

int st_open(reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	return read_whole(r) < 0 || parse_header(r) < 0 ? -1 : 0;
}

void st_close(reader *r)
{
	json_decref(r->root);
	free(r->byname);
	free(r->t);
	free(r->buf);
	memset(r, 0, sizeof *r);
}
