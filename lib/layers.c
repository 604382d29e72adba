/* layers.c - the registry of layer kinds: the one list every lookup uses,
 * and the parser of the arguments and options each kind declares. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"

/* THE list of layer kinds, in the order help and completion show them:
 * adding a kind is its file (defining nn_NAME_class) and one row here. */
#define KINDS(X) \
	X(dense) X(activation) X(dropout) X(flatten) \
	X(conv2d) X(convt) X(maxpool) X(avgpool) X(globalavgpool) \
	X(upsample) X(batchnorm) X(layernorm) X(reshape) X(shift) \
	X(sum) X(mul) X(concat) X(slice) \
	X(embed) X(posenc) X(attention) X(ffn) X(rnn) \
	X(lstm) X(gru)

#define DECLARE(k) extern const nn_layer_class nn_##k##_class;
KINDS(DECLARE)
#undef DECLARE

static const nn_layer_class *const classes[] = {
#define ADDRESS(k) &nn_##k##_class,
	KINDS(ADDRESS)
#undef ADDRESS
};

#define NCLASSES (sizeof classes / sizeof classes[0])

/* The names, from the classes, filled on first use. */
static const char *names[NCLASSES + 1];

const char *const *nn_layer_kind_names(void)
{
	if (!names[0])
		for (size_t i = 0; i < NCLASSES; i++)
			names[i] = classes[i]->kind;
	return names;
}

const nn_layer_class *nn_layer_class_find(const char *kind)
{
	for (size_t i = 0; i < NCLASSES; i++)
		if (strcmp(classes[i]->kind, kind) == 0)
			return classes[i];
	return NULL;
}

/* ---- arguments and options */

static size_t nopts(const nn_layer_class *cls)
{
	size_t n = 0;

	while (cls->opts && cls->opts[n].name)
		n++;
	return n;
}

/* Whether word is one of the blank-separated words of list. */
static int word_in(const char *word, const char *list, int *index)
{
	size_t n = strlen(word);
	int k = 0;

	for (const char *p = list; p && *p; k++) {
		size_t w = strcspn(p, " ");

		if (w == n && strncmp(p, word, n) == 0) {
			if (index)
				*index = k;
			return 1;
		}
		p += w + (p[w] == ' ');
	}
	return 0;
}

/* The option of cls with this key (or alias), or -1. */
static int find_key(const nn_layer_class *cls, const char *key, size_t klen)
{
	for (size_t i = 0; i < nopts(cls); i++) {
		const nn_layer_opt *o = &cls->opts[i];

		if (o->type == NN_OPT_FLAG)
			continue;
		if ((o->key && strlen(o->key) == klen &&
		     strncmp(o->key, key, klen) == 0) ||
		    (o->alias && strlen(o->alias) == klen &&
		     strncmp(o->alias, key, klen) == 0))
			return (int)i;
	}
	return -1;
}

/* A word the user meant as a number or a size: 0.5, 1e-3, 5x3. */
static int numeric(const char *t)
{
	char *end;
	double v = strtod(t, &end);

	if (end != t && !*end && isfinite(v))
		return 1;
	return isdigit((unsigned char)t[0]) && strchr(t, 'x');
}

/* An option given as key=text (keyed) or as a positional word. */
static int parse_value(const nn_layer_opt *o, const char *text, int keyed,
                       const char *ctx, nn_optval *v)
{
	const char *key = o->key ? o->key : o->name;
	char *end;
	double d;
	long l;
	int k;

	switch (o->type) {
	case NN_OPT_INT:
		if (o->words && strcmp(text, o->words) == 0) {
			v->num = o->lo - 1;
			break;
		}
		if (!keyed) {
			d = strtod(text, &end);
			if (end == text || *end || d != floor(d) || d < o->lo)
				return nn_fail("%s: %s is not a %s", ctx, text,
				               o->help);
			if (d > o->hi)
				return nn_fail("%s: %s is more than the "
				               "largest %s, %.0f", ctx, text,
				               o->help, o->hi);
			v->num = d;
			break;
		}
		errno = 0;
		l = strtol(text, &end, 10);
		if (end == text || *end || errno)
			return nn_fail("%s= '%s': not a whole number", key,
			               text);
		if (l < o->lo || l > o->hi)
			return nn_fail("%s= %s: must be between %.0f and %.0f",
			               key, text, o->lo, o->hi);
		v->num = (double)l;
		break;
	case NN_OPT_REAL:
		d = strtod(text, &end);
		if (end == text || *end || !isfinite(d))
			return keyed ? nn_fail("%s=%s: not a number", key, text)
			             : nn_fail("%s: %s is not a number", ctx,
			                       text);
		if (!(d >= o->lo && d <= o->hi))
			return keyed ? nn_fail("%s=%s: must be between %g and "
			                       "%g", key, text, o->lo, o->hi)
			             : nn_fail("%s: %s is not a %s", ctx, text,
			                       o->help);
		v->num = d;
		break;
	case NN_OPT_SIZE:
		if (nn_shape_parse(text, &v->shape) < 0 || v->shape.ndim > 2 ||
		    v->shape.dim[0] > o->hi ||
		    v->shape.dim[v->shape.ndim - 1] > o->hi)
			return nn_fail("%s: bad %s '%s' (5, or 5x3 for height "
			               "x width)", ctx, key, text);
		v->a = v->shape.dim[0];
		v->b = v->shape.dim[v->shape.ndim - 1];
		break;
	case NN_OPT_SHAPE:
		if (nn_shape_parse(text, &v->shape) < 0)
			return nn_fail("%s: %s", ctx, nn_error());
		break;
	case NN_OPT_RANGE:
		l = strtol(text, &end, 10);
		if (end == text || strncmp(end, "..", 2) != 0)
			return nn_fail("%s: '%s' is not FROM..TO, as in '%s "
			               "1..6'", ctx, text, ctx);
		v->a = (int)(l < 1 ? 0 : l > 1 << 30 ? 1 << 30 : l) - 1;
		d = (double)strtol(end + 2, &end, 10);
		if (*end || l < 1 || d < (double)l || d > 1 << 30)
			return nn_fail("%s: '%s' is not FROM..TO with 1 <= "
			               "FROM <= TO", ctx, text);
		v->b = (int)d;
		break;
	case NN_OPT_FLAG:
		v->num = 1;
		break;
	case NN_OPT_CHOICE:
		if (!word_in(text, o->words, &k))
			return nn_fail("%s: %s=%s: expected one of %s", ctx,
			               key, text, o->words);
		v->num = k;
		break;
	}
	v->given = 1;
	return 0;
}

/* The kinds that have an option called key, by blanks, into buf. */
static void kinds_with(const char *key, size_t klen, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NCLASSES && used < len; i++)
		if (find_key(classes[i], key, klen) >= 0)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			                         used ? " " : "",
			                         classes[i]->kind);
}

/* A key=value word of args. */
static int parse_keyed(const nn_layer_class *cls, const char *w,
                       const char *ctx, nn_optval *v)
{
	size_t klen = strcspn(w, "=");
	int i = find_key(cls, w, klen);
	char kinds[256];

	if (i >= 0)
		return parse_value(&cls->opts[i], w + klen + 1, 1, ctx, &v[i]);
	kinds_with(w, klen, kinds, sizeof kinds);
	if (kinds[0])
		return nn_fail("%s: %.*s= is an option of %s", ctx, (int)klen,
		               w, kinds);
	nn_layer_kind_usage(cls->kind, kinds, sizeof kinds);
	return nn_fail("%s: unknown option '%.*s' (its arguments: %s)", ctx,
	               (int)klen, w, kinds);
}

/* A word of args without '=': a flag, a choice, or the next number. */
static int parse_word(const nn_layer_class *cls, const char *w,
                      const char *ctx, int *npos, nn_optval *v)
{
	int haspos = 0;

	for (size_t i = 0; i < nopts(cls); i++) {
		const nn_layer_opt *o = &cls->opts[i];

		if ((o->type == NN_OPT_FLAG && strcmp(o->key, w) == 0) ||
		    (o->type == NN_OPT_CHOICE && !o->pos &&
		     word_in(w, o->words, NULL)))
			return parse_value(o, w, 0, ctx, &v[i]);
	}
	++*npos;
	for (size_t i = 0; i < nopts(cls); i++) {
		const nn_layer_opt *o = &cls->opts[i];

		haspos |= o->pos > 0;
		if (o->pos != *npos)
			continue;
		if (o->type != NN_OPT_RANGE && o->type != NN_OPT_CHOICE &&
		    !numeric(w))
			break;
		return parse_value(o, w, 0, ctx, &v[i]);
	}
	if (!numeric(w))
		return nn_fail("%s: unknown argument '%s' (an activation? see "
		               "'help add')", ctx, w);
	if (haspos)
		return nn_fail("%s: one number expected, got another: %s", ctx,
		               w);
	return nn_fail("%s takes no numbers, got %s", ctx, w);
}

int nn_layer_parse(const nn_layer_class *cls, const char *args,
                   const char *ctx, nn_optval *v)
{
	char buf[NN_MAXARGS], *save = NULL;
	int npos = 0;

	memset(v, 0, NN_MAXOPTS * sizeof *v);
	for (size_t i = 0; i < nopts(cls); i++)
		v[i].num = cls->opts[i].def;
	if (!args)
		return 0;
	if (strlen(args) >= sizeof buf)
		return nn_fail("%s: arguments longer than %zu bytes", ctx,
		               sizeof buf - 1);
	memcpy(buf, args, strlen(args) + 1);
	for (char *w = strtok_r(buf, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		int rc = strchr(w, '=') ? parse_keyed(cls, w, ctx, v)
		                        : parse_word(cls, w, ctx, &npos, v);

		if (rc < 0)
			return -1;
	}
	return 0;
}

int nn_layer_args_check(const char *kind, const char *args, const char *ctx)
{
	const nn_layer_class *cls = nn_layer_class_find(kind);
	nn_optval v[NN_MAXOPTS];

	if (!cls && nn_act_parse(kind) >= 0)
		cls = &nn_activation_class;
	return cls ? nn_layer_parse(cls, args, ctx, v) : 0;
}

int nn_layer_kind_takes(const char *kind, const char *word)
{
	const nn_layer_class *cls = nn_layer_class_find(kind);

	for (size_t i = 0; cls && i < nopts(cls); i++) {
		const nn_layer_opt *o = &cls->opts[i];

		if ((o->type == NN_OPT_FLAG && strcmp(o->key, word) == 0) ||
		    (o->type == NN_OPT_CHOICE && word_in(word, o->words, NULL)))
			return 1;
	}
	return 0;
}

int nn_layer_kind_inputs(const char *kind)
{
	const nn_layer_class *cls = nn_layer_class_find(kind);

	if (!cls)
		return -1;
	return cls->min_in ? 0 : cls->max_in;
}

const char *const *nn_layer_kind_keys(const char *kind)
{
	static const char *keys[NN_MAXOPTS + 1];
	const nn_layer_class *cls = nn_layer_class_find(kind);
	size_t n = 0;

	for (size_t i = 0; cls && i < nopts(cls); i++)
		if (cls->opts[i].key && cls->opts[i].type != NN_OPT_FLAG)
			keys[n++] = cls->opts[i].key;
	keys[n] = NULL;
	return keys;
}

void nn_layer_kind_usage(const char *kind, char *buf, size_t len)
{
	const nn_layer_class *cls = nn_layer_class_find(kind);
	size_t used;

	used = (size_t)snprintf(buf, len, "%s", kind);
	for (size_t i = 0; cls && i < nopts(cls) && used < len; i++) {
		const nn_layer_opt *o = &cls->opts[i];
		char range[64] = "";

		if (o->type == NN_OPT_INT)
			snprintf(range, sizeof range, "%.0f..%.0f%s%s", o->lo,
			         o->hi, o->words ? "|" : "",
			         o->words ? o->words : "");
		else if (o->type == NN_OPT_REAL)
			snprintf(range, sizeof range, "%g..%g", o->lo, o->hi);
		else if (o->type == NN_OPT_CHOICE)
			snprintf(range, sizeof range, "%s", o->words);
		else
			snprintf(range, sizeof range, "%s", o->name);
		if (o->type == NN_OPT_FLAG)
			used += (size_t)snprintf(buf + used, len - used,
			                         " [%s]", o->key);
		else if (o->pos)
			used += (size_t)snprintf(buf + used, len - used, " %s",
			                         o->name);
		else if (o->type == NN_OPT_CHOICE)
			used += (size_t)snprintf(buf + used, len - used,
			                         " [%s]", range);
		else
			used += (size_t)snprintf(buf + used, len - used,
			                         " [%s=%s]", o->key, range);
	}
}

int nn_layer_too_large(const char *what, size_t inputs, size_t params)
{
	size_t bytes;

	if (params == 0)
		return nn_fail("%s: %zu values per sample (%zu bytes), more "
		               "than the %d a layer takes", what, inputs,
		               inputs * sizeof(float), INT_MAX);
	/* values and gradients, in float32 */
	nn_size_mul(params, 2 * sizeof(float), &bytes);
	return nn_fail("%s with %zu inputs per unit would need %zu parameters "
	               "(%zu bytes with their gradients): more than nnsh can "
	               "hold (at most %d inputs)", what, inputs, params, bytes,
	               INT_MAX);
}

void nn_layer_param(nn_layer *L, const char *name, const nn_shape *shape,
                    int is_bias, int fan_in, int fan_out)
{
	nn_param_slot *p = &L->p[L->nparams++];

	memset(p, 0, sizeof *p);
	p->name = name;
	p->shape = *shape;
	p->size = nn_shape_size(shape);
	p->is_bias = is_bias;
	p->decay = !is_bias;
	p->fan_in = fan_in;
	p->fan_out = fan_out;
}
