/* modelspec.c - one layer of a model file's "nnsh.layers": its kind,
 * activation, graph fields (name, inputs, tie) and "args", the words its
 * kind parses. Files written before the kinds parsed their own options
 * hold one field per option (units, kh, kw, stride, ...) instead;
 * legacy_args turns those back into words. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "modelfile.h"
#include "nn.h"

/* An optional whole number field (0 when absent). */
static int opt_int(json_t *o, const char *what, const char *key, int *out)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (!json_is_integer(v))
		return nn_fail("%s: %s is missing or not a whole number", what,
		               key);
	if (json_integer_value(v) < -(1L << 30) ||
	    json_integer_value(v) > 1L << 30)
		return nn_fail("%s: %s=%lld is out of range", what, key,
		               (long long)json_integer_value(v));
	*out = (int)json_integer_value(v);
	return 0;
}

/* An optional number field (0 when absent). */
static int opt_float(json_t *o, const char *what, const char *key,
                     float *out)
{
	json_t *v = json_object_get(o, key);
	double d;

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_number(v))
		return nn_fail("%s: %s is missing or not a number", what, key);
	d = json_number_value(v);
	if (!(d >= -1e30 && d <= 1e30))
		return nn_fail("%s: %s=%g is out of range", what, key, d);
	*out = (float)d;
	return 0;
}

/* A node's name and inputs; inputs must come before the node (so the
 * file cannot make a cycle) and ties must name an earlier node. */
static int parse_graph(json_t *o, size_t i, nn_layer_spec *s)
{
	json_t *name = json_object_get(o, "name");
	json_t *from = json_object_get(o, "from");

	if (name && (!json_is_string(name) ||
	             strlen(json_string_value(name)) >= NN_MAXNAME))
		return nn_fail("layer %zu has a bad name", i + 1);
	s->name = name ? json_string_value(name) : NULL;
	if (s->tie < 0 || (size_t)s->tie > i)
		return nn_fail("layer %zu is tied to node %d, which is not "
		           "before it", i + 1, s->tie);
	if (!from)
		return 0;
	if (!json_is_array(from) || json_array_size(from) == 0 ||
	    json_array_size(from) > NN_MAXIN)
		return nn_fail("layer %zu: 'from' must list 1 to %d nodes",
		           i + 1, NN_MAXIN);
	s->nfrom = (int)json_array_size(from);
	for (int k = 0; k < s->nfrom; k++) {
		json_t *v = json_array_get(from, (size_t)k);
		json_int_t f = json_is_integer(v) ? json_integer_value(v) : -1;

		if (f < 0 || (size_t)f > i)
			return nn_fail("layer %zu reads node %lld, which is not "
			           "before it", i + 1, (long long)f);
		s->from[k] = (int)f;
	}
	return 0;
}

/* Whether kind has an option called key. */
static int has_key(const char *kind, const char *key)
{
	for (const char *const *k = nn_layer_kind_keys(kind); *k; k++)
		if (strcmp(*k, key) == 0)
			return 1;
	return 0;
}

/* Append printf-style words to buf (len bytes, *used of them used). */
static void words(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void words(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	*used += k > 0 ? (size_t)k : 0;
}

/* The arguments of a layer in a file written before each kind parsed its
 * own (one field per option: units, kh, kw, stride, ...), as the words
 * add takes, into buf. */
static int legacy_args(json_t *o, const char *what,
                       const char *kind, char *buf, size_t len)
{
	int units, nobias, kh, kw, stride, pad, same, outpad, scale, lo, hi;
	float rate, momentum, eps;
	json_t *target = json_object_get(o, "target");
	size_t used = 0;

	buf[0] = '\0';
	if (opt_int(o, what, "units", &units) < 0 ||
	    opt_float(o, what, "rate", &rate) < 0 ||
	    opt_int(o, what, "nobias", &nobias) < 0 ||
	    opt_int(o, what, "kh", &kh) < 0 ||
	    opt_int(o, what, "kw", &kw) < 0 ||
	    opt_int(o, what, "stride", &stride) < 0 ||
	    opt_int(o, what, "pad", &pad) < 0 ||
	    opt_int(o, what, "same", &same) < 0 ||
	    opt_int(o, what, "outpad", &outpad) < 0 ||
	    opt_int(o, what, "scale", &scale) < 0 ||
	    opt_float(o, what, "momentum", &momentum) < 0 ||
	    opt_float(o, what, "eps", &eps) < 0 ||
	    opt_int(o, what, "lo", &lo) < 0 ||
	    opt_int(o, what, "hi", &hi) < 0)
		return -1;
	if (target && !json_is_string(target))
		return nn_fail("%s has a bad target shape", what);
	if (units)
		words(buf, len, &used, " %d", units);
	if (rate != 0)
		words(buf, len, &used, " %.9g", rate);
	if (scale)
		words(buf, len, &used, " %d", scale);
	if (target)
		words(buf, len, &used, " %s", json_string_value(target));
	if (hi)
		words(buf, len, &used, " %d..%d", lo + 1, hi);
	if (nobias)
		words(buf, len, &used, " nobias");
	if (kh || kw)
		words(buf, len, &used, " kernel=%dx%d", kh, kw);
	if (stride)
		words(buf, len, &used, " stride=%d", stride);
	if (same)
		words(buf, len, &used, " pad=same");
	else if (pad)
		words(buf, len, &used, " pad=%d", pad);
	if (outpad)
		words(buf, len, &used, " outpad=%d", outpad);
	/* files of every kind held add's defaults for these two */
	if (momentum != 0 && has_key(kind, "momentum"))
		words(buf, len, &used, " momentum=%.9g", momentum);
	if (eps != 0 && has_key(kind, "eps"))
		words(buf, len, &used, " eps=%.9g", eps);
	if (used >= len)
		return nn_fail("%s has too many options", what);
	return 0;
}

int nn_spec_read(json_t *o, size_t i, nn_layer_spec *s, char *args)
{
	json_t *kind = json_object_get(o, "kind");
	json_t *act = json_object_get(o, "act");
	json_t *jargs = json_object_get(o, "args");
	char what[32];
	int a = NN_ACT_LINEAR;

	snprintf(what, sizeof what, "layer %zu", i + 1);
	memset(s, 0, sizeof *s);
	if (!json_is_object(o) || !json_is_string(kind))
		return nn_fail("%s has no kind", what);
	s->kind = json_string_value(kind);
	if (act && (!json_is_string(act) ||
	            (a = nn_act_parse(json_string_value(act))) < 0))
		return nn_fail("%s has an unknown activation", what);
	s->act = (nn_act)a;
	if (opt_int(o, what, "has_act", &s->has_act) < 0 ||
	    opt_float(o, what, "alpha", &s->alpha) < 0 ||
	    opt_int(o, what, "tie", &s->tie) < 0 ||
	    opt_int(o, what, "transpose", &s->transpose) < 0)
		return -1;
	if (parse_graph(o, i, s) < 0)
		return -1;
	if (jargs && (!json_is_string(jargs) ||
	              strlen(json_string_value(jargs)) >= NN_MAXARGS))
		return nn_fail("%s has bad args", what);
	if (jargs)
		s->args = json_string_value(jargs);
	else if (legacy_args(o, what, s->kind, args, NN_MAXARGS) < 0)
		return -1;
	else
		s->args = args;
	return 0;
}
