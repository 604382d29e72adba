/* view_samples.c - the samples view: what a generator makes of a fixed
 * batch of noise (v->seed), redrawn as it trains: a grid of images, or a
 * scatter plot of 2-D samples. `sample` draws it once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_data.h"
#include "view.h"

typedef struct samples {
	nn_dataset *d;          /* the generated samples */
	float lo, hi;           /* the range their values are drawn from */
	int fx, fy, tw, th;     /* shrink factors, a tile's cells */
} samples;

static void samples_clear(vw_view *v)
{
	samples *s = v->state;

	nn_dataset_free(s->d);
}

/* The shape samples take: v->shape, else the model's output, a square
 * image when that is flat and square. */
static nn_shape sample_shape(const vw_view *v, const nn_model *m)
{
	nn_shape sh = v->shape.ndim ? v->shape : *nn_model_output_shape(m);
	size_t n = nn_shape_size(&sh);
	int side = (int)lrint(sqrt((double)n));

	if (sh.ndim == 1 && n >= 16 && (size_t)side * (size_t)side == n)
		sh = (nn_shape){ 3, { 1, side, side, 0 } };
	return sh;
}

/* Tiles of images of pw x ph pixels in a w-cell-wide area: full size
 * when at least four fit across, else half size. */
static void tiles(const vw_view *v, samples *s, int pw, int ph, int w)
{
	for (int half = 0; half < 2; half++) {
		int cw, ch;

		s->fx = half ? 2 : 1;
		s->fy = s->fx * vw_row_factor(v->mode);
		vw_image_cells(v->mode, pw, ph, s->fx, s->fy, &cw, &ch);
		s->tw = cw + 1;
		s->th = ch + 1;
		if ((w + 1) / s->tw >= 4)
			break;
	}
}

/* How many images of pw x ph a w x h area shows: v->count when it is
 * set (the area grows down), else as many as fit, at most 256. */
static size_t fit(const vw_view *v, samples *s, int pw, int ph, int w,
                  int h)
{
	size_t cols, rows;

	tiles(v, s, pw, ph, w);
	cols = (size_t)((w + 1) / s->tw);
	rows = h > s->th ? (size_t)((h - 1) / s->th) : 0;
	if (v->count)
		return cols ? v->count : 0;
	return cols * rows < 256 ? cols * rows : 256;
}

static int samples_update(vw_view *v, nn_model *m, int w, int h,
                          size_t batch)
{
	samples *s = v->state;
	nn_shape sh = sample_shape(v, m);
	nn_dataset probe = { 0 };
	size_t n = v->count ? v->count : 400;
	int pw, ph;
	nn_rng r;
	nn_act act = nn_model_output_act(m);

	(void)batch;
	probe.xshape = sh;
	if (rd_is_image(&probe, &pw, &ph) && !(n = fit(v, s, pw, ph, w, h)))
		return vw_note(v, "the view is too small for the samples");
	nn_dataset_free(s->d);
	nn_rng_seed(&r, v->seed);
	if (!(s->d = nn_gan_sample(m, n, (nn_gan_noise)v->noise, &r, &sh)))
		return vw_note(v, "%s", nn_error());
	s->lo = act == NN_ACT_TANH ? -1 : 0;
	s->hi = 1;
	if (act != NN_ACT_TANH && act != NN_ACT_SIGMOID) {
		nn_data_stats st;

		if (nn_dataset_stats(s->d, &st) == 0) {
			free(st.counts);
			s->lo = (float)st.xmin;
			s->hi = (float)st.xmax;
		}
	}
	return 0;
}

static void draw_grid(const vw_view *v, cv_canvas *c, int x, int y, int w,
                      int h)
{
	const samples *s = v->state;
	int pw, ph, cols = (w + 1) / s->tw;
	uint8_t *px, *small;

	rd_is_image(s->d, &pw, &ph);
	px = malloc((size_t)pw * (size_t)ph);
	small = malloc((size_t)pw * (size_t)ph);
	for (size_t i = 0; px && small && cols > 0 && i < s->d->n; i++) {
		int cx = x + (int)(i % (size_t)cols) * s->tw;
		int cy = y + (int)(i / (size_t)cols) * s->th;

		if (cy + s->th > y + h)
			break;
		rd_sample_pixels(s->d, i, s->lo, s->hi, px);
		vw_shrink(px, pw, ph, s->fx, s->fy, small);
		cv_image(c, cx, cy, small, pw / s->fx, ph / s->fy);
	}
	free(px);
	free(small);
}

static void samples_draw(const vw_view *v, cv_canvas *c, int x, int y,
                         int w, int h)
{
	const samples *s = v->state;
	int pw, ph;
	cv_canvas *p;

	vw_textf(c, x, y, w, CV_DEFAULT, 1, "%zu samples of %s from fixed "
	         "noise (%s, seed %lu)", s->d->n, v->what,
	         v->noise == NN_GAN_UNIFORM ? "uniform" : "normal", v->seed);
	if (rd_is_image(s->d, &pw, &ph)) {
		draw_grid(v, c, x, y + 1, w, h - 1);
		return;
	}
	if (!(p = rd_scatter(s->d, w, h - 1, c->mode))) {
		cv_textn(c, x, y + 1, w, "(neither images nor 2-D points)",
		         CV_BRIGHT_BLACK, 0);
		return;
	}
	for (int j = 0; j < p->h; j++)
		for (int i = 0; i < p->w; i++)
			if (x + i < c->w && y + 1 + j < c->h)
				*cv_at(c, x + i, y + 1 + j) = *cv_at(p, i, j);
	cv_free(p);
}

static int samples_height(const vw_view *v, int w)
{
	const samples *s = v->state;
	int pw, ph, cols;

	if (!s || !s->d || !rd_is_image(s->d, &pw, &ph))
		return 24;
	cols = (w + 1) / s->tw;
	if (cols < 1)
		return 3;
	return 1 + (int)((s->d->n + (size_t)cols - 1) / (size_t)cols) * s->th;
}

const vw_class vw_samples_class = {
	.name = "samples", .needs_data = 0, .generator = 1,
	.state_size = sizeof(samples),
	.help = "a generator's images from a fixed batch of noise",
	.more = "(the model is a GAN's generator; 2-D samples are a\n"
	        "scatter plot)",
	.clear = samples_clear, .update = samples_update,
	.draw = samples_draw, .height = samples_height,
};
