/* view_recon.c - the reconstructions view of an autoencoder: test images
 * in a row with the model's output for each below it, and the mean
 * squared error of the shown ones. With v->corrupt (noise=STD) the model
 * gets the images with Gaussian noise added, and three rows show the
 * corrupted input, the reconstruction and the clean original: the
 * denoising homework's comparison. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_data.h"
#include "view.h"

typedef struct recon {
	float *noisy;           /* npred corrupted inputs (noise=) */
} recon;

static void recon_clear(vw_view *v)
{
	recon *s = v->state;

	free(s->noisy);
}

/* Rows of images: 3 with noise, else 2. */
static int rows(const vw_view *v)
{
	return v->corrupt > 0 ? 3 : 2;
}

/* How many columns a w x h area shows, at which shrink factors. */
static size_t recon_layout(const vw_view *v, int w, int h, int *fx, int *fy,
                           int *tw, int *ih)
{
	int pw, ph, cw;

	if (!rd_is_image(v->d, &pw, &ph))
		return 0;
	for (int half = 0; half < 2; half++) {
		size_t cols;

		*fx = half ? 2 : 1;
		*fy = *fx * vw_row_factor(v->mode);
		vw_image_cells(v->mode, pw, ph, *fx, *fy, &cw, ih);
		*tw = cw + 1;
		cols = (size_t)((w + 1) / *tw);
		if ((cols >= 4 || half) && rows(v) * (*ih + 1) + 1 <= h)
			return cols < v->nsample ? cols : v->nsample;
	}
	return 0;
}

/* The outputs for the n shown images with N(0, corrupt^2) noise added
 * (the same noise at every update), clipped to [0, 1]. */
static int noisy_outputs(vw_view *v, nn_model *m, size_t n)
{
	recon *s = v->state;
	size_t xs = v->d->xsize;
	nn_rng r;

	free(s->noisy);
	if (!(s->noisy = malloc(n * xs * sizeof *s->noisy)))
		return vw_note(v, "out of memory");
	nn_dataset_gather(v->d, v->sample, n, s->noisy, NULL);
	nn_rng_seed(&r, 0xd0e5);
	for (size_t i = 0; i < n * xs; i++) {
		float f = s->noisy[i] + v->corrupt * (float)nn_rng_normal(&r);

		s->noisy[i] = f < 0 ? 0 : f > 1 ? 1 : f;
	}
	if (vw_forward_rows(m, s->noisy, n, xs, v->out) < 0)
		return vw_note(v, "%s", nn_error());
	v->npred = n;
	return 0;
}

static int recon_update(vw_view *v, nn_model *m, int w, int h, size_t batch)
{
	int fx, fy, tw, ih;
	size_t n = recon_layout(v, w, h, &fx, &fy, &tw, &ih);
	size_t ow = vw_out_width(m);

	(void)batch;
	if (!rd_is_image(v->d, &fx, &fy))
		return vw_note(v, "%s is not a set of images", v->what);
	if (ow != v->d->xsize)
		return vw_note(v, "the model gives %zu outputs for %zu inputs: "
		               "not an autoencoder", ow, v->d->xsize);
	if (n == 0)
		return vw_note(v, "the view is too small for the images");
	free(v->out);
	v->outw = ow;
	if (!(v->out = malloc(n * ow * sizeof *v->out)))
		return vw_note(v, "out of memory");
	if (v->corrupt > 0)
		return noisy_outputs(v, m, n);
	if (vw_outputs(m, v->d, v->sample, n, v->out) < 0)
		return vw_note(v, "%s", nn_error());
	v->npred = n;
	return 0;
}

/* A row of floats o (an output, or a corrupted input) as an image of
 * bytes, shrunk like the originals. */
static void draw_output(const vw_view *v, cv_canvas *c, int x, int y,
                        const float *o, int fx, int fy)
{
	int w, h;
	uint8_t *px, *small;

	rd_is_image(v->d, &w, &h);
	px = malloc((size_t)w * (size_t)h);
	small = malloc((size_t)w * (size_t)h);
	if (px && small) {

		for (int k = 0; k < w * h; k++) {
			float f = o[k] < 0 ? 0 : o[k] > 1 ? 1 : o[k];

			px[k] = (uint8_t)lrintf(f * 255);
		}
		vw_shrink(px, w, h, fx, fy, small);
		cv_image(c, x, y, small, w / fx, h / fy);
	}
	free(px);
	free(small);
}

static void recon_draw(const vw_view *v, cv_canvas *c, int x, int y, int w,
                       int h)
{
	int fx, fy, tw, ih;
	size_t n = recon_layout(v, w, h, &fx, &fy, &tw, &ih);
	double se = 0;
	float *in = malloc(v->d->xsize * sizeof *in);

	n = n < v->npred ? n : v->npred;
	for (size_t i = 0; in && i < n; i++) {
		nn_dataset_gather(v->d, v->sample + i, 1, in, NULL);
		for (size_t k = 0; k < v->outw; k++) {
			double e = v->out[i * v->outw + k] - in[k];

			se += e * e;
		}
	}
	free(in);
	if (v->corrupt > 0) {
		const recon *s = v->state;

		vw_textf(c, x, y, w, CV_DEFAULT, 1, "%zu of %s with noise %g, "
		         "reconstructed, clean: mean squared error %.4g", n,
		         v->what, v->corrupt,
		         n ? se / (double)(n * v->outw) : 0.0);
		for (size_t i = 0; i < n; i++) {
			int cx = x + (int)i * tw;

			draw_output(v, c, cx, y + 1, s->noisy +
			            i * v->d->xsize, fx, fy);
			draw_output(v, c, cx, y + 2 + ih,
			            v->out + i * v->outw, fx, fy);
			vw_draw_image(v, c, cx, y + 3 + 2 * ih, v->sample[i],
			              fx, fy);
		}
		return;
	}
	vw_textf(c, x, y, w, CV_DEFAULT, 1, "%zu of %s above their "
	         "reconstructions: mean squared error %.4g", n, v->what,
	         n ? se / (double)(n * v->outw) : 0.0);
	for (size_t i = 0; i < n; i++) {
		int cx = x + (int)i * tw;

		vw_draw_image(v, c, cx, y + 1, v->sample[i], fx, fy);
		draw_output(v, c, cx, y + 2 + ih, v->out + i * v->outw, fx,
		            fy);
	}
}

static int recon_height(const vw_view *v, int w)
{
	int fx, fy, tw, ih;

	if (recon_layout(v, w, 1000, &fx, &fy, &tw, &ih) == 0)
		return 3;
	return rows(v) * (ih + 1) + 1;
}

const vw_class vw_recon_class = {
	.name = "recon", .needs_data = 1, .state_size = sizeof(recon),
	.clear = recon_clear,
	.help = "test images above the autoencoder's reconstructions",
	.more = "images of DATA above an autoencoder's reconstructions,\n"
	        "and their mean squared error; noise=STD adds N(0, STD^2)\n"
	        "to the inputs and shows three rows: corrupted,\n"
	        "reconstructed, clean (the error is against the clean)",
	.update = recon_update, .draw = recon_draw, .height = recon_height,
};
