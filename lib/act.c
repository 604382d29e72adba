/* act.c - activation functions and their derivatives, applied by the model
 * after each layer's core (z -> a), in one place for every layer kind. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn.h"
#include "vmath.h"

static const char *const names[NN_ACT_COUNT] = {
	"linear", "step", "sigmoid", "tanh", "lecun", "relu", "leaky",
	"softmax", "logsoftmax",
};

const char *nn_act_name(nn_act a)
{
	return (unsigned)a < NN_ACT_COUNT ? names[a] : "?";
}

int nn_act_parse(const char *name)
{
	for (int i = 0; i < NN_ACT_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	if (strcmp(name, "identity") == 0 || strcmp(name, "none") == 0)
		return NN_ACT_LINEAR;
	if (strcmp(name, "leakyrelu") == 0 || strcmp(name, "leaky_relu") == 0)
		return NN_ACT_LEAKY;
	return -1;
}

#define LECUN_A 1.7159f
#define LECUN_B (2.0f / 3.0f)

/* The exponentials apart from their sum, so that their loop vectorises
 * (the sum stays in order: the same numbers as one loop). */
NN_HOT static void softmax_row(const float *z, float *a, size_t w)
{
	float max = z[0], sum = 0;

	for (size_t j = 1; j < w; j++)
		if (z[j] > max)
			max = z[j];
	for (size_t j = 0; j < w; j++)
		a[j] = nn_vexpf(z[j] - max);
	for (size_t j = 0; j < w; j++)
		sum += a[j];
	for (size_t j = 0; j < w; j++)
		a[j] /= sum;
}

static void logsoftmax_row(const float *z, float *a, size_t w)
{
	float max = z[0], sum = 0;

	for (size_t j = 1; j < w; j++)
		if (z[j] > max)
			max = z[j];
	for (size_t j = 0; j < w; j++)
		sum += nn_vexpf(z[j] - max);
	sum = logf(sum) + max;
	for (size_t j = 0; j < w; j++)
		a[j] = z[j] - sum;
}

NN_HOT static void sigmoid(const float *z, float *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = nn_vsigmoidf(z[i]);
}

/* a = scale tanh(slope z): tanh, and LeCun's scaled tanh */
NN_HOT static void scaled_tanh(const float *z, float *a, size_t n,
                               float scale, float slope)
{
	for (size_t i = 0; i < n; i++)
		a[i] = scale * nn_vtanhf(slope * z[i]);
}

/* ReLU and its derivative by masking bits: a branch would mispredict on
 * about half of the values, which made ReLU layers cost as much as
 * convolutions. out[i] = x[i] where z[i] > 0, else +0 (x is z itself for
 * the forward pass, dL/da for the backward one). Written on integers so
 * that GCC vectorises it, to AVX-512 where the machine has it. */
NN_HOT static void relu_mask(const float *z, const float *x, float *out,
                             size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		float v = x[i];

		memcpy(&u, &v, sizeof u);
		u &= -(uint32_t)(z[i] > 0);
		memcpy(&v, &u, sizeof v);
		out[i] = v;
	}
}

void nn_act_forward(nn_act kind, float alpha, const float *z, float *a,
                    size_t n, size_t w)
{
	size_t len = n * w;

	switch (kind) {
	case NN_ACT_LINEAR:
		if (a != z)
			memcpy(a, z, len * sizeof *a);
		break;
	case NN_ACT_STEP:
		for (size_t i = 0; i < len; i++)
			a[i] = z[i] >= 0 ? 1.0f : 0.0f;
		break;
	case NN_ACT_SIGMOID:
		sigmoid(z, a, len);
		break;
	case NN_ACT_TANH:
		scaled_tanh(z, a, len, 1.0f, 1.0f);
		break;
	case NN_ACT_LECUN:
		scaled_tanh(z, a, len, LECUN_A, LECUN_B);
		break;
	case NN_ACT_RELU:
		relu_mask(z, z, a, len);
		break;
	case NN_ACT_LEAKY:
		for (size_t i = 0; i < len; i++)
			a[i] = z[i] > 0 ? z[i] : alpha * z[i];
		break;
	case NN_ACT_SOFTMAX:
		for (size_t r = 0; r < n; r++)
			softmax_row(z + r * w, a + r * w, w);
		break;
	case NN_ACT_LOGSOFTMAX:
		for (size_t r = 0; r < n; r++)
			logsoftmax_row(z + r * w, a + r * w, w);
		break;
	case NN_ACT_COUNT:
		break;
	}
}

void nn_act_backward(nn_act kind, float alpha, const float *z, const float *a,
                     const float *da, float *dz, size_t n, size_t w)
{
	size_t len = n * w;

	switch (kind) {
	case NN_ACT_LINEAR:
		if (dz != da)
			memcpy(dz, da, len * sizeof *dz);
		break;
	case NN_ACT_STEP:
		memset(dz, 0, len * sizeof *dz);
		break;
	case NN_ACT_SIGMOID:
		for (size_t i = 0; i < len; i++)
			dz[i] = da[i] * a[i] * (1.0f - a[i]);
		break;
	case NN_ACT_TANH:
		for (size_t i = 0; i < len; i++)
			dz[i] = da[i] * (1.0f - a[i] * a[i]);
		break;
	case NN_ACT_LECUN:
		for (size_t i = 0; i < len; i++) {
			float t = a[i] / LECUN_A;

			dz[i] = da[i] * LECUN_A * LECUN_B * (1.0f - t * t);
		}
		break;
	case NN_ACT_RELU:
		relu_mask(z, da, dz, len);
		break;
	case NN_ACT_LEAKY:
		for (size_t i = 0; i < len; i++)
			dz[i] = z[i] > 0 ? da[i] : alpha * da[i];
		break;
	case NN_ACT_SOFTMAX:
		for (size_t r = 0; r < n; r++) {
			const float *ar = a + r * w, *dr = da + r * w;
			float *out = dz + r * w, dot = 0;

			for (size_t j = 0; j < w; j++)
				dot += ar[j] * dr[j];
			for (size_t j = 0; j < w; j++)
				out[j] = ar[j] * (dr[j] - dot);
		}
		break;
	case NN_ACT_LOGSOFTMAX:
		for (size_t r = 0; r < n; r++) {
			const float *ar = a + r * w, *dr = da + r * w;
			float *out = dz + r * w, sum = 0;

			for (size_t j = 0; j < w; j++)
				sum += dr[j];
			for (size_t j = 0; j < w; j++)
				out[j] = dr[j] - nn_vexpf(ar[j]) * sum;
		}
		break;
	case NN_ACT_COUNT:
		break;
	}
}
