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

int nn_guard_fail(const nn_model *m, nn_loss_kind loss, const size_t *osz,
                  size_t n, long iter, double l, double lr,
                  const char *kept)
{
	size_t nl = nn_model_layers(m), last = nl - 1;
	nn_layer_info info;
	const char *bad;
	char lrs[32];

	snprintf(lrs, sizeof lrs, "%g", lr);
	for (size_t i = 0; i < nl; i++) {
		bad = bad_value(nn_model_z(m, i), n * osz[i]);
		if (!bad)
			bad = bad_value(nn_model_a(m, i), n * osz[i]);
		if (!bad)
			continue;
		nn_model_layer_info(m, i, &info);
		return nn_fail("NaN guard: iteration %ld: layer %zu (%s) "
		               "produced %s; %s (is the learning rate, %s, "
		               "too high?)", iter, i + 1, info.desc, bad, kept,
		               lrs);
	}
	nn_model_layer_info(m, last, &info);
	if (!isfinite(l) && loss == NN_LOSS_CE_NAIVE)
		return nn_fail("NaN guard: iteration %ld: the loss is %s: "
		               "layer %zu (%s) gave a probability of 0 and "
		               "crossentropy naive took its log; %s (use the "
		               "fused 'loss crossentropy', or a learning rate "
		               "below %s)", iter, isnan(l) ? "nan" : "inf",
		               last + 1, info.desc, kept, lrs);
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
		return nn_fail("NaN guard: iteration %ld: the gradient became "
		               "%s in layer %zu (%s); %s (lower the learning "
		               "rate, %s, or clip gradients with clip=)", iter,
		               bad, i + 1, info.desc, kept, lrs);
	}
	return nn_fail("NaN guard: iteration %ld: a value became NaN or "
	               "infinite; %s", iter, kept);
}
