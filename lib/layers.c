/* layers.c - the registry of layer kinds: the one list every lookup uses. */
#include <limits.h>
#include <string.h>

#include "layer.h"

/* THE list of layer kinds, in the order help and completion show them:
 * adding a kind is its file (defining nn_NAME_class) and one row here. */
#define KINDS(X) \
	X(dense) X(activation) X(dropout) X(flatten) \
	X(conv2d) X(convt) X(maxpool) X(avgpool) X(globalavgpool) \
	X(upsample) X(batchnorm) X(layernorm) X(reshape) X(shift) \
	X(sum) X(mul) X(concat) X(slice)

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
