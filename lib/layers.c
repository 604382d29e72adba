/* layers.c - the registry of layer kinds: the one list every lookup uses. */
#include <string.h>

#include "layer.h"

static const nn_layer_class *const classes[] = {
	&nn_dense_class,
	&nn_activation_class,
	&nn_dropout_class,
	&nn_flatten_class,
	&nn_conv2d_class,
	&nn_convt_class,
	&nn_maxpool_class,
	&nn_avgpool_class,
	&nn_globalavgpool_class,
	&nn_upsample_class,
	&nn_batchnorm_class,
	&nn_layernorm_class,
	&nn_reshape_class,
	&nn_shift_class,
	&nn_sum_class,
	&nn_mul_class,
	&nn_concat_class,
	&nn_slice_class,
};

#define NCLASSES (sizeof classes / sizeof classes[0])

const char *const nn_layer_kinds[] = {
	"dense", "activation", "dropout", "flatten",
	"conv", "convt", "maxpool", "avgpool", "globalavgpool", "upsample",
	"batchnorm", "layernorm", "reshape", "shift", "sum", "mul", "concat",
	"slice", NULL,
};

const nn_layer_class *nn_layer_class_find(const char *kind)
{
	for (size_t i = 0; i < NCLASSES; i++)
		if (strcmp(classes[i]->kind, kind) == 0)
			return classes[i];
	return NULL;
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
