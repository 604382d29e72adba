/* render_views.c - the views of the panel and of `view`: the table of
 * view kinds (each in its view_*.c file), the helpers they share, and the
 * calls that dispatch to a view's class. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_data.h"
#include "view.h"

/* The classes and keys of view_list.h, in its order. */
static const vw_class *const classes[VW_COUNT] = {
#define VIEW(K, name, key) &vw_##name##_class,
#include "view_list.h"
#undef VIEW
};
static const char keys[VW_COUNT] = {
#define VIEW(K, name, key) key,
#include "view_list.h"
#undef VIEW
};

const char *vw_name(int k)
{
	return k >= 0 && k < VW_COUNT ? classes[k]->name : "?";
}

const char *vw_help(int k)
{
	return k >= 0 && k < VW_COUNT ? classes[k]->help : "";
}

int vw_key(int k)
{
	return k >= 0 && k < VW_COUNT ? keys[k] : 0;
}

int vw_needs_data(int k)
{
	return k >= 0 && k < VW_COUNT && classes[k]->needs_data;
}

int vw_generator(int k)
{
	return k >= 0 && k < VW_COUNT && classes[k]->generator;
}

int vw_by_key(int c)
{
	for (int k = 0; k < VW_COUNT; k++)
		if (keys[k] == c)
			return k;
	return -1;
}

const char *const *vw_names(void)
{
	static const char *names[VW_COUNT + 1];

	for (int k = 0; k < VW_COUNT; k++)
		names[k] = classes[k]->name;
	return names;
}

void vw_help_table(FILE *f)
{
	for (int k = 0; k < VW_COUNT; k++) {
		const char *p = classes[k]->more;

		fprintf(f, "  %-15s %s\n", classes[k]->name, classes[k]->help);
		while (p && *p) {
			size_t n = strcspn(p, "\n");

			fprintf(f, "  %-15s %.*s\n", "", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
}

const char *vw_list(void)
{
	static char buf[256];

	if (!buf[0])
		for (int k = 0; k < VW_COUNT; k++)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			         "%s%s", k ? " " : "", classes[k]->name);
	return buf;
}

int vw_parse(const char *name)
{
	size_t len = strlen(name);
	int found = -1;

	for (int k = 0; len && k < VW_COUNT; k++) {
		if (strcmp(classes[k]->name, name) == 0)
			return k;
		if (strncmp(classes[k]->name, name, len) == 0) {
			if (found >= 0)
				return -1;
			found = k;
		}
	}
	return found;
}

/* ---- helpers ------------------------------------------------------------ */

void vw_textf(cv_canvas *c, int x, int y, int maxw, int fg, int bold,
                  const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cv_textn(c, x, y, maxw, buf, fg, bold);
}

int vw_note(vw_view *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->note, sizeof v->note, fmt, ap);
	va_end(ap);
	return -1;
}

/* The class count of a labelled set (2 for a 0/1 target), else 0. */
int vw_classes_of(const nn_dataset *d)
{
	return d->nclasses > 1 ? d->nclasses : d->nclasses == 1 ? 2 : 0;
}

void vw_class_name(const nn_dataset *d, int k, char *buf, size_t len)
{
	if (d->class_names && k >= 0 && k < d->nclasses)
		snprintf(buf, len, "%s", d->class_names[k]);
	else
		snprintf(buf, len, "%d", k);
}

/* The prediction of one output row, as nn_predict makes it. */
int vw_pred_of(const float *o, size_t w, float mid)
{
	size_t best = 0;

	if (w == 1)
		return o[0] >= mid;
	for (size_t j = 1; j < w; j++)
		if (o[j] > o[best])
			best = j;
	return (int)best;
}

size_t vw_out_width(const nn_model *m)
{
	return nn_shape_size(nn_model_output_shape(m));
}

/* Outputs of m (dropout off) for n inputs x of xs floats each, into out
 * (n * outw floats). */
int vw_forward_rows(nn_model *m, const float *x, size_t n, size_t xs,
                        float *out)
{
	size_t w = vw_out_width(m);

	for (size_t start = 0; start < n; start += CHUNK) {
		size_t cnt = n - start < CHUNK ? n - start : CHUNK;
		const float *o = nn_model_forward(m, x + start * xs, cnt, 0,
		                                  NULL);

		if (!o)
			return -1;
		memcpy(out + start * w, o, cnt * w * sizeof *out);
	}
	return 0;
}

/* Outputs of m for the samples idx[0..n) of d. */
int vw_outputs(nn_model *m, const nn_dataset *d, const size_t *idx,
                   size_t n, float *out)
{
	float *x = malloc((n ? n : 1) * d->xsize * sizeof *x);
	int rc;

	if (!x)
		return nn_fail("out of memory");
	nn_dataset_gather(d, idx, n, x, NULL);
	rc = vw_forward_rows(m, x, n, d->xsize, out);
	free(x);
	return rc;
}

int vw_fits(vw_view *v, const nn_model *m)
{
	if (nn_model_layers(m) == 0)
		return vw_note(v, "the model has no layers");
	if (v->d->xsize != nn_shape_size(nn_model_input_shape(m)))
		return vw_note(v, "%s does not fit the model (%zu inputs, the "
		            "model takes %zu)", v->what, v->d->xsize,
		            nn_shape_size(nn_model_input_shape(m)));
	return 0;
}

/* Average fx x fy blocks of a w x h image. */
void vw_shrink(const uint8_t *in, int w, int h, int fx, int fy,
                   uint8_t *out)
{
	int ow = w / fx, oh = h / fy;

	for (int y = 0; y < oh; y++)
		for (int x = 0; x < ow; x++) {
			int sum = 0;

			for (int j = 0; j < fy; j++)
				for (int i = 0; i < fx; i++)
					sum += in[(y * fy + j) * w +
					          x * fx + i];
			out[y * ow + x] = (uint8_t)((sum + fx * fy / 2) /
			                            (fx * fy));
		}
}

/* The cells an image of w x h pixels takes when shrunk by fx x fy. */
void vw_image_cells(int mode, int w, int h, int fx, int fy, int *cw,
                        int *ch)
{
	cv_image_size(mode, w / fx, h / fy, cw, ch);
}

/* Draw sample i of the image set v->d shrunk by fx (and by fy rows,
 * doubled without colour: a cell is about twice as tall as wide). */
void vw_draw_image(const vw_view *v, cv_canvas *c, int x, int y,
                       size_t i, int fx, int fy)
{
	int w, h;
	uint8_t *px, *small;

	rd_is_image(v->d, &w, &h);
	px = malloc((size_t)w * (size_t)h);
	small = malloc((size_t)w * (size_t)h);
	if (px && small) {
		rd_sample_pixels(v->d, i, 0, 1, px);
		vw_shrink(px, w, h, fx, fy, small);
		cv_image(c, x, y, small, w / fx, h / fy);
	}
	free(px);
	free(small);
}

/* The vertical factor that keeps an image's shape: 1 with half-blocks
 * (two pixels per cell), else 2 (a pixel per cell, rows averaged). */
int vw_row_factor(int mode)
{
	return mode & CV_COLOR ? 1 : 2;
}

/* ---- life cycle --------------------------------------------------------- */

void vw_init(vw_view *v, vw_kind k, const nn_dataset *d, const char *what,
             int mode)
{
	size_t n = d ? d->n : 0, *all;
	nn_rng r;

	memset(v, 0, sizeof *v);
	v->kind = k;
	v->node = -1;
	v->mid = v->half = 0.5f;
	if (classes[k]->state_size)
		v->state = calloc(1, classes[k]->state_size);
	v->mode = mode;
	v->d = d;
	snprintf(v->what, sizeof v->what, "%s", what);
	/* a fixed random sample, the same at every update and run */
	v->nsample = n < SAMPLE_MAX ? n : SAMPLE_MAX;
	v->sample = malloc((v->nsample ? v->nsample : 1) * sizeof *v->sample);
	all = malloc((n ? n : 1) * sizeof *all);
	if (!v->sample || !all) {
		v->nsample = 0;
		free(all);
		return;
	}
	for (size_t i = 0; i < n; i++)
		all[i] = i;
	nn_rng_seed(&r, 0x5eed);
	for (size_t i = 0; i < v->nsample; i++) {
		size_t j = i + nn_rng_below(&r, (uint32_t)(n - i)), t = all[i];

		all[i] = all[j];
		all[j] = t;
	}
	memcpy(v->sample, all, v->nsample * sizeof *all);
	free(all);
}

void vw_set_targets(vw_view *v, float lo, float hi)
{
	v->mid = nn_target_mid(lo, hi);
	v->half = lo < hi ? 0.5f * (hi - lo) : 0.5f;
}

void vw_free(vw_view *v)
{
	if (v->state && classes[v->kind]->clear)
		classes[v->kind]->clear(v);
	free(v->state);
	free(v->sample);
	free(v->pred);
	free(v->out);
	memset(v, 0, sizeof *v);
}

/* ---- dispatch ----------------------------------------------------------- */

int vw_update(vw_view *v, nn_model *m, int w, int h, size_t batch)
{
	const vw_class *cls = classes[v->kind];

	v->note[0] = '\0';
	if (cls->state_size && !v->state)
		return vw_note(v, "out of memory");
	if (cls->needs_data && !cls->generator && vw_fits(v, m) < 0)
		return -1;
	if (cls->update(v, m, w, h, batch) < 0)
		return -1;
	v->ready = 1;
	return 0;
}

int vw_stale(const vw_view *v, int w, int h)
{
	return classes[v->kind]->stale && classes[v->kind]->stale(v, w, h);
}

void vw_draw(const vw_view *v, cv_canvas *c, int x, int y, int w, int h)
{
	if (w < 20 || h < 3) {
		cv_textn(c, x, y, w, "(too small for a view)",
		         CV_BRIGHT_BLACK, 0);
		return;
	}
	if (v->note[0] || !v->ready) {
		vw_textf(c, x, y, w, CV_BRIGHT_BLACK, 0, "%s: %s",
		         vw_name(v->kind), v->note[0] ? v->note
		         : "shown at the next evaluation");
		return;
	}
	classes[v->kind]->draw(v, c, x, y, w, h);
}

int vw_height(const vw_view *v, int w)
{
	return classes[v->kind]->height(v, w);
}
