/* render_inspect.c - text renderers of what a model does: confusion
 * matrices, statistics lines with histograms, probability bars, parameter
 * tables and the grid of predicted images. Pure functions of their
 * arguments: the same numbers always give the same text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render_data.h"
#include "render_inspect.h"

static const char *const blocks[] = {
	" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586",
	"\u2587", "\u2588",
};
static const char ramp[] = " .:-=+*#%@";

/* "7" or "7 Sneaker". */
static void class_label(char *buf, size_t len, int c, char *const *names)
{
	if (names)
		snprintf(buf, len, "%d %s", c, names[c]);
	else
		snprintf(buf, len, "%d", c);
}

typedef struct pair {
	int t, p;
	size_t n;
} pair;

static int by_count(const void *a, const void *b)
{
	const pair *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	if (x->t != y->t)
		return x->t - y->t;
	return x->p - y->p;
}

void ri_confusion(FILE *f, const size_t *counts, int k,
                  char *const *names, int top)
{
	size_t max = 0, total = 0, right = 0, np = 0;
	int cw, lw = 5;
	pair *pairs = malloc((size_t)k * (size_t)k * sizeof *pairs);
	char buf[64];

	for (int i = 0; i < k * k; i++)
		if (counts[i] > max)
			max = counts[i];
	snprintf(buf, sizeof buf, "%zu", max);
	cw = (int)strlen(buf) + 1 < 4 ? 4 : (int)strlen(buf) + 1;
	for (int t = 0; names && t < k; t++) {
		class_label(buf, sizeof buf, t, names);
		if ((int)strlen(buf) > lw)
			lw = (int)strlen(buf) < 16 ? (int)strlen(buf) : 16;
	}
	if (k <= 20) {
		fprintf(f, "%-*s", lw, "true");
		for (int p = 0; p < k; p++)
			fprintf(f, "%*d", cw, p);
		fprintf(f, "  accuracy\n");
	} else {
		fprintf(f, "%-*s  accuracy\n", lw, "true");
	}
	for (int t = 0; t < k; t++) {
		size_t row = 0;

		for (int p = 0; p < k; p++)
			row += counts[t * k + p];
		total += row;
		right += counts[t * k + t];
		class_label(buf, sizeof buf, t, names);
		fprintf(f, "%-*.*s", lw, lw, buf);
		for (int p = 0; k <= 20 && p < k; p++)
			fprintf(f, "%*zu", cw, counts[t * k + p]);
		if (row)
			fprintf(f, "  %.4f (%zu/%zu)\n",
			        (double)counts[t * k + t] / row,
			        counts[t * k + t], row);
		else
			fprintf(f, "  -\n");
	}
	if (total)
		fprintf(f, "overall accuracy %.4f (%zu/%zu)\n",
		        (double)right / total, right, total);
	for (int t = 0; pairs && t < k; t++)
		for (int p = 0; p < k; p++)
			if (t != p && counts[t * k + p])
				pairs[np++] = (pair){ t, p, counts[t * k + p] };
	if (np && top > 0) {
		qsort(pairs, np, sizeof *pairs, by_count);
		fprintf(f, "most confused (true as predicted):");
		for (size_t i = 0; i < np && i < (size_t)top; i++) {
			char a[64], b[64];

			class_label(a, sizeof a, pairs[i].t, names);
			class_label(b, sizeof b, pairs[i].p, names);
			fprintf(f, "%s %s as %s (%zu)", i ? "," : "", a, b,
			        pairs[i].n);
		}
		fprintf(f, "\n");
	}
	free(pairs);
}

void ri_stats_header(FILE *f)
{
	fprintf(f, "  %-6s %8s %9s %9s %9s %9s %5s  histogram (min..max)\n",
	        "", "count", "min", "max", "mean", "std", "zeros");
}

void ri_stats_line(FILE *f, const char *label, const float *v, size_t n,
                   int bins, int unicode)
{
	double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0, mean, sd;
	size_t zeros = 0, bad = 0, hist[64] = { 0 }, top = 0;

	if (bins > 64)
		bins = 64;
	for (size_t i = 0; i < n; i++) {
		double x = v[i];

		if (!isfinite(x)) {
			bad++;
			continue;
		}
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		sum += x;
		zeros += x == 0;
	}
	if (n == bad) {
		fprintf(f, "  %-6s %8zu values%s\n", label, n,
		        bad ? ", none finite" : "");
		return;
	}
	mean = sum / (double)(n - bad);
	/* a mean below the resolution of the values is rounding (the
	 * gradients of a softmax layer sum to zero, for one): shown as 0 */
	if (fabs(mean) < 1e-6 * fmax(fabs(lo), fabs(hi)))
		mean = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			sq += (v[i] - mean) * (v[i] - mean);
	sd = sqrt(sq / (double)(n - bad));
	for (size_t i = 0; i < n; i++) {
		int b;

		if (!isfinite(v[i]))
			continue;
		b = hi > lo ? (int)((v[i] - lo) / (hi - lo) * bins) : 0;
		b = b >= bins ? bins - 1 : b;
		if (++hist[b] > top)
			top = hist[b];
	}
	fprintf(f, "  %-6s %8zu %9.3g %9.3g %9.3g %9.3g %4.0f%%  |", label, n,
	        lo, hi, mean, sd, 100.0 * zeros / n);
	for (int b = 0; b < bins; b++) {
		/* eighths of the fullest bin, rounded up: a non-empty bin
		 * shows at least the lowest mark */
		int h = (int)((hist[b] * 8 + top - 1) / top);

		if (unicode)
			fputs(blocks[h > 8 ? 8 : h], f);
		else
			fputc(ramp[h > 8 ? 9 : h], f);
	}
	fprintf(f, "|%s\n", bad ? "  NaN/inf!" : "");
}

void ri_probs(FILE *f, const float *p, int k, char *const *names, int truth,
              int width, int unicode)
{
	int best = 0, lw = 2;
	char buf[64];

	for (int c = 1; c < k; c++)
		if (p[c] > p[best])
			best = c;
	for (int c = 0; names && c < k; c++) {
		class_label(buf, sizeof buf, c, names);
		if ((int)strlen(buf) > lw)
			lw = (int)strlen(buf) < 20 ? (int)strlen(buf) : 20;
	}
	for (int c = 0; c < k; c++) {
		double v = p[c] < 0 ? 0 : p[c] > 1 ? 1 : p[c];
		int e = (int)lround(v * width * (unicode ? 8 : 1));
		int full = unicode ? e / 8 : e, rest = unicode ? e % 8 : 0;

		class_label(buf, sizeof buf, c, names);
		fprintf(f, "  %-*.*s ", lw, lw, buf);
		for (int i = 0; i < full; i++)
			fputs(unicode ? blocks[8] : "#", f);
		if (rest)
			fputs(blocks[rest], f);
		fprintf(f, "%*s %.4f", width - full - (rest > 0), "", p[c]);
		if (c == best)
			fprintf(f, "  predicted");
		if (c == truth)
			fprintf(f, "%s true", c == best ? "," : " ");
		fprintf(f, "\n");
	}
}

int ri_to_probs(const float *o, size_t w, nn_act act, float *p,
                const char **kind)
{
	double max = o[0], sum = 0;

	*kind = "probabilities";
	if (w == 1) {
		p[1] = o[0] < 0 ? 0 : o[0] > 1 ? 1 : o[0];
		p[0] = 1 - p[1];
		if (act != NN_ACT_SIGMOID)
			*kind = "output as P(class 1), clipped to [0, 1]";
		return 2;
	}
	if (act == NN_ACT_SOFTMAX || act == NN_ACT_SIGMOID) {
		memcpy(p, o, w * sizeof *p);
		return (int)w;
	}
	if (act == NN_ACT_LOGSOFTMAX) {
		for (size_t j = 0; j < w; j++)
			p[j] = expf(o[j]);
		return (int)w;
	}
	for (size_t j = 1; j < w; j++)
		max = o[j] > max ? o[j] : max;
	for (size_t j = 0; j < w; j++)
		sum += exp(o[j] - max);
	for (size_t j = 0; j < w; j++)
		p[j] = (float)(exp(o[j] - max) / sum);
	*kind = "softmax of the outputs";
	return (int)w;
}

void ri_params(FILE *f, const nn_model *m)
{
	size_t total = nn_model_param_count(m);
	char shape[32];

	fprintf(f, "%3s  %-24s %-30s %10s\n", "#", "layer", "tensors",
	        "params");
	for (size_t i = 0; i < nn_model_layers(m); i++) {
		nn_layer_info info;
		char tensors[256] = "";
		size_t used = 0;

		nn_model_layer_info(m, i, &info);
		for (int k = 0; k < info.nparams; k++) {
			nn_param p;

			nn_model_param(m, i, k, &p);
			used += (size_t)snprintf(tensors + used,
			        used < sizeof tensors ? sizeof tensors - used
			                              : 0,
			        "%s%s %s", k ? ", " : "", p.name,
			        nn_shape_str(&p.shape, shape, sizeof shape));
		}
		fprintf(f, "%3zu  %-24s %-30s %10zu\n", i + 1, info.desc,
		        tensors, info.params);
	}
	fprintf(f, "total %zu parameters (%.1f KiB as float32)\n", total,
	        total * 4 / 1024.0);
}

/* Shrink a w x h image by 2 in each direction (averaging). */
static void halve(const uint8_t *in, int w, int h, uint8_t *out)
{
	for (int y = 0; y < h / 2; y++)
		for (int x = 0; x < w / 2; x++) {
			const uint8_t *a = in + 2 * y * w + 2 * x, *b = a + w;

			out[y * (w / 2) + x] =
				(uint8_t)((a[0] + a[1] + b[0] + b[1] + 2) / 4);
		}
}

cv_canvas *ri_predictions(const nn_dataset *d, const size_t *idx,
                          const int *pred, size_t n, int width, int mode)
{
	int w, h, iw, ih, cw, ch, bw, cols, rows;
	uint8_t *px, *small;
	cv_canvas *c;

	if (!rd_is_image(d, &w, &h) || n == 0 || d->xbytes == NULL)
		return NULL;
	iw = w >= 20 ? w / 2 : w;
	ih = w >= 20 ? h / 2 : h;
	cv_image_size(mode, iw, ih, &cw, &ch);
	bw = cw < 12 ? 12 : cw;
	cols = (width + 2) / (bw + 2);
	cols = cols < 1 ? 1 : (size_t)cols > n ? (int)n : cols;
	rows = (int)((n + (size_t)cols - 1) / (size_t)cols);
	c = cv_new(cols * (bw + 2) - 2, rows * (ch + 2) - 1, mode);
	px = malloc((size_t)w * (size_t)h);
	small = malloc((size_t)w * (size_t)h);
	if (!c || !px || !small) {
		cv_free(c);
		free(px);
		free(small);
		return NULL;
	}
	for (size_t k = 0; k < n; k++) {
		int x = (int)(k % (size_t)cols) * (bw + 2);
		int y = (int)(k / (size_t)cols) * (ch + 2);
		int truth = nn_dataset_label(d, idx[k]);
		int wrong = truth >= 0 && truth != pred[k];
		char cap[64];

		rd_sample_pixels(d, idx[k], 0, 1, px);
		if (iw != w)
			halve(px, w, h, small);
		cv_image(c, x, y, iw != w ? small : px, iw, ih);
		if (wrong)
			snprintf(cap, sizeof cap, "%zu:%d not %d", idx[k],
			         pred[k], truth);
		else
			snprintf(cap, sizeof cap, "%zu: %d", idx[k], pred[k]);
		if (bw < (int)sizeof cap)
			cap[bw] = '\0';
		cv_text(c, x, y + ch, cap, wrong ? CV_BRIGHT_RED : CV_DEFAULT,
		        wrong);
	}
	free(px);
	free(small);
	return c;
}
