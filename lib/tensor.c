/* tensor.c - owned float tensors for values typed by or shown to the user. */
#include <stdlib.h>

#include "nn.h"

nn_tensor *nn_tensor_new(const nn_shape *s)
{
	nn_tensor *t = malloc(sizeof *t);

	if (!t) {
		nn_fail("out of memory");
		return NULL;
	}
	t->shape = *s;
	t->data = calloc(nn_shape_size(s) ? nn_shape_size(s) : 1,
	                 sizeof *t->data);
	if (!t->data) {
		free(t);
		nn_fail("out of memory for a tensor of %zu values",
		        nn_shape_size(s));
		return NULL;
	}
	return t;
}

void nn_tensor_free(nn_tensor *t)
{
	if (t) {
		free(t->data);
		free(t);
	}
}

size_t nn_tensor_size(const nn_tensor *t)
{
	return nn_shape_size(&t->shape);
}
