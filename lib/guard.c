/* guard.c - the NaN guard: whether a pass's deltas are finite, and a
 * message saying where the first NaN or infinity came from. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nn.h"
#include "train.h"
#include "vmath.h"

/* The first value of v[0..n) that is NaN or infinite, or 0 when none. */
static const char *bad_value(const float *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (!isfinite(v[i]))
			return isnan(v[i]) ? "nan" : "inf";
	return NULL;
}

/* An OR of integer tests, which the compiler turns into vector
 * instructions, unlike a sum of floats. */
NN_HOT int nn_all_finite(const float *v, size_t n)
{
	uint32_t bad = 0;

	for (size_t j = 0; j < n; j++) {
		uint32_t bits;

		memcpy(&bits, &v[j], sizeof bits);
		bad |= (bits & 0x7f800000u) == 0x7f800000u;
	}
	return !bad;
}

int nn_deltas_finite(const nn_model *m, const size_t *osz, size_t n)
{
	for (size_t i = 0; i < nn_model_layers(m); i++) {
		const float *dz = nn_model_dz(m, i);

		if (dz && !nn_all_finite(dz, n * osz[i]))
			return 0;
	}
	return 1;
}

/* What to try after a layer's output overflowed at iteration iter: at
 * the first, which no step came before, the inputs; else a lower rate
 * for the methods that step by it; the line searches take their own
 * steps, lr scaling only the first try; the others choose theirs. */
static void overflow_hint(char *buf, size_t size, nn_optim_kind kind,
                          double lr, long iter)
{
	const char *name = nn_optim_name(kind);

	if (iter == 1)
		snprintf(buf, size, "no step came before it: are the inputs "
		         "centred and scaled ('data D2 = normalize D')?");
	else if (!nn_optim_full_batch(kind))
		snprintf(buf, size, "is the learning rate, %g, too high?", lr);
	else if (kind == NN_OPT_CG || kind == NN_OPT_LBFGS ||
	         kind == NN_OPT_BFGS)
		snprintf(buf, size, "%s's line search tried this step; lr, "
		         "%g, scales only its first try: are the inputs "
		         "centred and scaled ('data D2 = normalize D')?", name,
		         lr);
	else
		snprintf(buf, size, "%s chose this step itself: are the "
		         "inputs centred and scaled ('data D2 = normalize "
		         "D')?", name);
}

int nn_guard_fail(const nn_model *m, nn_loss_kind loss, const size_t *osz,
                  size_t n, long iter, double l, nn_optim_kind kind,
                  double lr, const char *kept)
{
	size_t nl = nn_model_layers(m), last = nl - 1;
	nn_layer_info info;
	const char *bad;
	char hint[192];
	for (size_t i = 0; i < nl; i++) {
		bad = bad_value(nn_model_z(m, i), n * osz[i]);
		if (!bad)
			bad = bad_value(nn_model_a(m, i), n * osz[i]);
		if (!bad)
			continue;
		nn_model_layer_info(m, i, &info);
		overflow_hint(hint, sizeof hint, kind, lr, iter);
		return nn_fail("NaN guard: iteration %ld: layer %zu (%s) "
		               "produced %s; %s (%s)", iter, i + 1, info.desc,
		               bad, kept, hint);
	}
	nn_model_layer_info(m, last, &info);
	if (!isfinite(l) && loss == NN_LOSS_CE_NAIVE) {
		hint[0] = '\0';
		if (!nn_optim_full_batch(kind))
			snprintf(hint, sizeof hint, ", or a learning rate "
			         "below %g", lr);
		return nn_fail("NaN guard: iteration %ld: the loss is %s: "
		               "layer %zu (%s) gave a probability of 0 and "
		               "crossentropy naive took its log; %s (use the "
		               "fused 'loss crossentropy'%s)", iter,
		               isnan(l) ? "nan" : "inf", last + 1, info.desc,
		               kept, hint);
	}
	if (!isfinite(l))
		return nn_fail("NaN guard: iteration %ld: the loss (%s) is %s "
		               "on the finite outputs of layer %zu (%s); %s",
		               iter, nn_loss_name(loss), isnan(l) ? "nan"
		               : "inf", last + 1, info.desc, kept);
	for (size_t i = nl; i-- > 0;) {
		bad = bad_value(nn_model_dz(m, i), n * osz[i]);
		if (!bad)
			continue;
		nn_model_layer_info(m, i, &info);
		if (nn_optim_full_batch(kind) || iter == 1)
			overflow_hint(hint, sizeof hint, kind, lr, iter);
		else
			snprintf(hint, sizeof hint, "lower the learning rate, "
			         "%g, or clip gradients with clip=", lr);
		return nn_fail("NaN guard: iteration %ld: the gradient became "
		               "%s in layer %zu (%s); %s (%s)", iter, bad, i + 1,
		               info.desc, kept, hint);
	}
	return nn_fail("NaN guard: iteration %ld: a value became NaN or "
	               "infinite; %s", iter, kept);
}

int nn_guard_weights(const nn_model *m, long iter, const char *kept)
{
	nn_layer_info info;
	nn_param p;
	const char *bad;

	for (size_t i = 0; i < nn_model_layers(m); i++)
		for (int k = 0; k < nn_model_layer_nparams(m, i); k++) {
			if (nn_model_param(m, i, k, &p) < 0 || p.tied ||
			    !(bad = bad_value(p.value, p.size)))
				continue;
			nn_model_layer_info(m, i, &info);
			if (!kept)
				return nn_fail("NaN guard: the weights %s of "
				               "layer %zu (%s) hold %s before "
				               "training: 'init' sets them "
				               "afresh", p.name, i + 1,
				               info.desc, bad);
			return nn_fail("NaN guard: iteration %ld: the weights "
			               "%s of layer %zu (%s) became %s while "
			               "the loss and the deltas stayed finite "
			               "(a weight gradient overflowed: are the "
			               "inputs centred and scaled ('data D2 = "
			               "normalize D')?); %s", iter, p.name,
			               i + 1, info.desc, bad, kept);
		}
	return 0;
}
