/* optim.c - optimizers: loops over the model's one parameter block.
 *
 * The formulas are PyTorch's (torch.optim), so a step can be checked against
 * it: SGD with momentum v = mu v + g and Nesterov g + mu v; Adam with bias
 * correction; RMSProp v = rho v + (1 - rho) g^2; Adagrad s = s + g^2.
 * sdlm (LeCun's stochastic diagonal Levenberg-Marquardt) steps each
 * weight by lr g / (mu + h), h its second derivative from sdlm.c.
 * Weight decay adds wd * w to the gradient of weights (not biases);
 * `decay` shrinks them apart from the gradient after the step. Large
 * models are updated by the worker threads, each a share of the block. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "layer.h"
#include "workers.h"

static const char *const names[NN_OPT_COUNT] = {
	"sgd", "adam", "rmsprop", "adagrad", "cg", "lbfgs", "lm", "gn",
	"bfgs", "scg", "sdlm",
};

const char *nn_optim_name(nn_optim_kind k)
{
	return (unsigned)k < NN_OPT_COUNT ? names[k] : "?";
}

int nn_optim_parse(const char *name)
{
	for (int i = 0; i < NN_OPT_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

void nn_optim_defaults(nn_optim *o, nn_optim_kind k)
{
	memset(o, 0, sizeof *o);
	o->kind = k;
	o->lr = k == NN_OPT_SGD ? 0.01f : k == NN_OPT_ADAGRAD ? 0.01f : 0.001f;
	if (nn_optim_full_batch(k))
		o->lr = 1;      /* cg, lbfgs: the first trial step's scale */
	o->history = 10;
	o->mu = k == NN_OPT_GN ? 0 : k == NN_OPT_SDLM ? 0.02 : 1e-3;
	o->sample = 500;
	if (k == NN_OPT_SDLM)
		o->lr = 0.1f;
	o->mu_inc = 10;
	o->mu_dec = 0.1;
	o->mu_max = 1e10;
	o->beta1 = 0.9f;
	o->beta2 = 0.999f;
	o->rho = 0.99f;
	o->eps = k == NN_OPT_ADAGRAD ? 1e-10f : 1e-8f;
}

void nn_optim_reset(nn_optim *o)
{
	free(o->m);
	free(o->v);
	o->m = o->v = NULL;
	nn_full_free(o);
	o->nstate = 0;
	o->t = 0;
}

static int need_m(const nn_optim *o)
{
	return o->kind == NN_OPT_ADAM ||
	       (o->kind == NN_OPT_SGD && o->momentum != 0);
}

static int need_v(const nn_optim *o)
{
	return o->kind != NN_OPT_SGD;
}

static int ensure_state(nn_optim *o, size_t n)
{
	if (o->nstate != n) {
		nn_optim_reset(o);
		o->nstate = n;
	}
	if (need_m(o) && !o->m && !(o->m = calloc(n ? n : 1, sizeof(float))))
		return nn_fail("out of memory for optimizer state");
	if (need_v(o) && !o->v && !(o->v = calloc(n ? n : 1, sizeof(float))))
		return nn_fail("out of memory for optimizer state");
	return 0;
}

/* Update w[0..n) from g; m and v point at the same range of the state;
 * decays: the tensor takes weight decay (weights, not biases). Adam's
 * step is PyTorch's: lr / c1 * m / (sqrt(v) / sqrt(c2) + eps). */
NN_HOT static void update(const nn_optim *o, float *restrict w,
                   const float *restrict g, float *restrict m,
                   float *restrict v, size_t n, int decays, float c1,
                   float c2)
{
	float lr = o->lr, mu = o->momentum, eps = o->eps;
	float wd = decays ? o->weight_decay : 0;
	float step = lr / c1, root_c2 = sqrtf(c2);

	switch (o->kind) {
	case NN_OPT_SGD:
		if (mu == 0) {
			for (size_t i = 0; i < n; i++)
				w[i] -= lr * (g[i] + wd * w[i]);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			float gi = g[i] + wd * w[i];

			m[i] = mu * m[i] + gi;
			w[i] -= lr * (o->nesterov ? gi + mu * m[i] : m[i]);
		}
		break;
	case NN_OPT_ADAM:
		for (size_t i = 0; i < n; i++) {
			float gi = g[i] + wd * w[i];

			m[i] = o->beta1 * m[i] + (1 - o->beta1) * gi;
			v[i] = o->beta2 * v[i] + (1 - o->beta2) * gi * gi;
			w[i] -= step * (m[i] / (sqrtf(v[i]) / root_c2 + eps));
		}
		break;
	case NN_OPT_RMSPROP:
		for (size_t i = 0; i < n; i++) {
			float gi = g[i] + wd * w[i];

			v[i] = o->rho * v[i] + (1 - o->rho) * gi * gi;
			w[i] -= lr * gi / (sqrtf(v[i]) + eps);
		}
		break;
	case NN_OPT_ADAGRAD:
		for (size_t i = 0; i < n; i++) {
			float gi = g[i] + wd * w[i];

			v[i] += gi * gi;
			w[i] -= lr * gi / (sqrtf(v[i]) + eps);
		}
		break;
	case NN_OPT_SDLM:       /* v: the second derivatives (sdlm.c) */
		for (size_t i = 0; i < n; i++)
			w[i] -= lr * (g[i] + wd * w[i]) / ((float)o->mu + v[i]);
		break;
	default:
		break;
	}
	if (decays && o->decay != 0)
		for (size_t i = 0; i < n; i++)
			w[i] -= o->decay * w[i];
}

/* Models with at least this many parameters are updated in shares of the
 * block, by the worker threads, in the same shares on one thread: GCC's
 * vectorised loop and its scalar remainder may round the same update
 * differently, so the cuts must not move with the thread count. */
#define PARALLEL_MIN_PARAMS (64 * 1024)

typedef struct step_job {
	nn_optim *o;
	nn_model *m;
	float c1, c2;
} step_job;

/* Update the parameters at offsets [lo, hi) of the block, tensor by
 * tensor (weight decay applies to some tensors only). */
static void update_range(const step_job *j, size_t lo, size_t hi)
{
	nn_optim *o = j->o;
	float *w = nn_model_params(j->m);

	for (size_t i = 0; i < nn_model_layers(j->m); i++)
		for (int k = 0; k < nn_model_layer_nparams(j->m, i); k++) {
			nn_param p;
			size_t off, a, b;

			nn_model_param(j->m, i, k, &p);
			/* a tied tensor is updated at its owner; an
			 * applied one was in the backward pass */
			if (p.tied || p.applied)
				continue;
			off = (size_t)(p.value - w);
			a = off > lo ? off : lo;
			b = off + p.size < hi ? off + p.size : hi;
			if (a >= b)
				continue;
			update(o, w + a, nn_model_grads(j->m) + a,
			       o->m ? o->m + a : NULL, o->v ? o->v + a : NULL,
			       b - a, p.decay, j->c1, j->c2);
		}
}

static void step_part(void *ud, int part, int parts)
{
	const step_job *j = ud;
	size_t total = nn_model_param_count(j->m);

	update_range(j, total * (size_t)part / (size_t)parts,
	             total * (size_t)(part + 1) / (size_t)parts);
}

int nn_optim_step(nn_optim *o, nn_model *model)
{
	size_t total = nn_model_param_count(model);
	step_job j = { .o = o, .m = model };

	if (nn_optim_full_batch(o->kind))
		return nn_fail("%s takes whole-data-set iterations: train "
		               "with it", nn_optim_name(o->kind));
	if (o->kind == NN_OPT_SDLM && (!o->v || o->nstate != total))
		return nn_fail("sdlm has no second derivatives of this model "
		               "yet: they come from training data, so train "
		               "with it");
	if (ensure_state(o, total) < 0)
		return -1;
	o->t++;
	/* Adam's bias corrections (two powf a step: W3 takes 60,000) */
	j.c1 = o->kind == NN_OPT_ADAM ? 1 - powf(o->beta1, (float)o->t) : 1;
	j.c2 = o->kind == NN_OPT_ADAM ? 1 - powf(o->beta2, (float)o->t) : 1;
	if (total >= PARALLEL_MIN_PARAMS)
		nn_parallel(INT_MAX, step_part, &j);
	else
		update_range(&j, 0, total);
	return 0;
}
