/* view_gan.c - the GAN view of 2-D data (GAN Lab's picture): the plane
 * shaded by the discriminator's output D(x), the real samples and the
 * generator's samples of a fixed batch of noise on top. The model is the
 * generator, v->disc the discriminator, v->d the real data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define LMARGIN 7               /* y labels left of the plane */
#define FAKES 200               /* generated samples drawn */

typedef struct gan2d {
	float *grid;            /* gw x gh outputs of D */
	int gw, gh;
	float *fake;            /* nfake generated points */
	size_t nfake;
	float x0, x1, y0, y1;   /* the plane */
} gan2d;

static void gan_clear(vw_view *v)
{
	gan2d *s = v->state;

	free(s->grid);
	free(s->fake);
}

/* The range of the real and generated points, widened by a tenth. */
static void plane(const vw_view *v, gan2d *s)
{
	float lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
	size_t n = v->d->n + s->nfake;

	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < 2; j++) {
			float a = i < v->d->n ? nn_dataset_x(v->d, i, (size_t)j)
			          : s->fake[2 * (i - v->d->n) + (size_t)j];

			if (!isfinite(a))
				continue;
			lo[j] = a < lo[j] ? a : lo[j];
			hi[j] = a > hi[j] ? a : hi[j];
		}
	for (int j = 0; j < 2; j++) {
		float m;

		if (!(lo[j] <= hi[j]))
			lo[j] = hi[j] = 0;
		m = hi[j] > lo[j] ? (hi[j] - lo[j]) / 10 : 0.5f;
		lo[j] -= m;
		hi[j] += m;
	}
	s->x0 = lo[0];
	s->x1 = hi[0];
	s->y0 = lo[1];
	s->y1 = hi[1];
}

static int gan_update(vw_view *v, nn_model *m, int w, int h, size_t batch)
{
	gan2d *s = v->state;
	int gw = w - LMARGIN, gh = h - 3;
	size_t n = (size_t)(gw > 0 ? gw : 0) * (size_t)(gh > 0 ? gh : 0);
	nn_dataset *f;
	float *x;
	nn_rng r;

	(void)batch;
	if (!v->disc)
		return vw_note(v, "the gan view shows a GAN run: train one "
		               "with 'gan GEN DISC DATA'");
	if (v->d->xsize != 2 || vw_out_width(m) != 2)
		return vw_note(v, "the gan view is for 2-D data (%s has %zu "
		               "inputs); 'view samples' shows images",
		               v->what, v->d->xsize);
	if (gw < 10 || gh < 4)
		return vw_note(v, "the view is too small for the plane");
	nn_rng_seed(&r, v->seed);
	if (!(f = nn_gan_sample(m, FAKES, (nn_gan_noise)v->noise, &r, NULL)))
		return vw_note(v, "%s", nn_error());
	free(s->fake);
	s->fake = f->x;
	s->nfake = f->n;
	f->x = NULL;
	nn_dataset_free(f);
	plane(v, s);
	free(s->grid);
	s->grid = malloc(n * sizeof *s->grid);
	x = malloc(n * 2 * sizeof *x);
	if (!s->grid || !x) {
		free(x);
		return vw_note(v, "out of memory");
	}
	for (int row = 0; row < gh; row++)
		for (int k = 0; k < gw; k++) {
			size_t i = (size_t)row * (size_t)gw + (size_t)k;

			x[2 * i] = s->x0 + (s->x1 - s->x0) * (float)k /
			           (float)(gw - 1);
			x[2 * i + 1] = s->y1 - (s->y1 - s->y0) * (float)row /
			               (float)(gh - 1);
		}
	if (vw_forward_rows(v->disc, x, n, 2, s->grid) < 0) {
		free(x);
		return vw_note(v, "%s", nn_error());
	}
	free(x);
	s->gw = gw;
	s->gh = gh;
	return 0;
}

/* Put a point's mark at (a, b) of the plane. */
static void mark(const vw_view *v, cv_canvas *c, int px, int y, float a,
                 float b, int fake)
{
	const gan2d *s = v->state;
	int color = v->mode & CV_COLOR, uni = v->mode & CV_UNICODE;
	int k = (int)lroundf((a - s->x0) / (s->x1 - s->x0) * (s->gw - 1));
	int r = s->gh - 1 - (int)lroundf((b - s->y0) / (s->y1 - s->y0) *
	                                 (s->gh - 1));
	cv_cell *cell;

	if (k < 0 || k >= s->gw || r < 0 || r >= s->gh ||
	    !(cell = cv_at(c, px + k, y + r)))
		return;
	cell->ch = color && uni ? (fake ? 0x00d7 : 0x25cf) : fake ? 'x' : 'o';
	cell->fg = (uint8_t)(!color ? CV_DEFAULT : fake ? CV_BRIGHT_MAGENTA
	                                               : CV_BRIGHT_GREEN);
	cell->bold = 1;
}

static void gan_draw(const vw_view *v, cv_canvas *c, int x, int y, int w,
                     int h)
{
	static const char ramp[] = " .:-=+*#%@";
	const gan2d *s = v->state;
	int px = x + LMARGIN, color = v->mode & CV_COLOR;
	size_t n = v->d->n < POINTS_MAX ? v->d->n : POINTS_MAX;
	char buf[32];

	if (w - LMARGIN != s->gw || h - 3 != s->gh) {
		vw_textf(c, x, y, w, CV_BRIGHT_BLACK, 0, "(the plane is "
		         "redrawn at the next evaluation)");
		return;
	}
	vw_textf(c, x, y, w, CV_DEFAULT, 1, "%s: o real, x generated; shade: "
	         "D(x), light = real", v->what);
	for (int r = 0; r < s->gh; r++)
		for (int k = 0; k < s->gw; k++) {
			float p = s->grid[(size_t)r * (size_t)s->gw +
			                  (size_t)k];

			p = p < 0 ? 0 : p > 1 ? 1 : p;
			if (color)
				cv_put(c, px + k, y + 1 + r, ' ', CV_DEFAULT,
				       cv_grey((int)(p * 200 + 20)), 0);
			else
				cv_put(c, px + k, y + 1 + r,
				       (uint32_t)ramp[(int)(p * 9.99f)],
				       CV_DEFAULT, CV_DEFAULT, 0);
		}
	for (size_t i = 0; i < n; i++)
		mark(v, c, px, y + 1, nn_dataset_x(v->d, i, 0),
		     nn_dataset_x(v->d, i, 1), 0);
	for (size_t i = 0; i < s->nfake; i++)
		mark(v, c, px, y + 1, s->fake[2 * i], s->fake[2 * i + 1], 1);
	snprintf(buf, sizeof buf, "%.3g", s->y1);
	cv_textn(c, x, y + 1, LMARGIN - 1, buf, CV_DEFAULT, 0);
	snprintf(buf, sizeof buf, "%.3g", s->y0);
	cv_textn(c, x, y + s->gh, LMARGIN - 1, buf, CV_DEFAULT, 0);
	snprintf(buf, sizeof buf, "%.3g", s->x0);
	cv_text(c, px, y + s->gh + 1, buf, CV_DEFAULT, 0);
	snprintf(buf, sizeof buf, "%.3g", s->x1);
	cv_text(c, px + s->gw - (int)strlen(buf), y + s->gh + 1, buf,
	        CV_DEFAULT, 0);
	cv_textn(c, x, y + s->gh + 2, w, "D(x) from 0 (dark) to 1 (light)",
	         CV_BRIGHT_BLACK, 0);
}

static int gan_stale(const vw_view *v, int w, int h)
{
	const gan2d *s = v->state;

	return w - LMARGIN != s->gw || h - 3 != s->gh;
}

static int gan_height(const vw_view *v, int w)
{
	(void)v;
	(void)w;
	return 24;
}

const vw_class vw_gan_class = {
	.name = "gan", .needs_data = 1, .generator = 1,
	.state_size = sizeof(gan2d),
	.help = "a GAN on 2-D data: D(x) shaded, real and generated points",
	.more = "(the model is the generator of a 'gan' run, DATA its\n"
	        "real samples)",
	.clear = gan_clear, .update = gan_update, .draw = gan_draw,
	.height = gan_height, .stale = gan_stale,
};
