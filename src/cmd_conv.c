/* cmd_conv.c - looking at convolutional layers: `filters` draws the learned
 * kernels of a conv layer as shaded blocks on the text canvas. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canvas.h"
#include "handlers.h"

#define MAX_CHANNELS 8          /* kernels drawn side by side per filter */


/* The filters of W (O x C x kh x kw) in a grid at most width cells wide:
 * each filter its first MAX_CHANNELS kernels side by side, one pixel
 * apart, shaded from black (-lim) through grey (0) to white (+lim), with
 * its number under it. NULL when out of memory. */
static cv_canvas *draw_filters(const nn_param *W, float lim, int width,
                               int mode)
{
	int O = W->shape.dim[0], C = W->shape.dim[1];
	int kh = W->shape.dim[2], kw = W->shape.dim[3];
	int shown = C < MAX_CHANNELS ? C : MAX_CHANNELS;
	int iw = shown * (kw + 1) - 1, cw, ch, bw, cols, rows;
	uint8_t *px = calloc((size_t)iw * (size_t)kh, 1);
	cv_canvas *c;

	cv_image_size(mode, iw, kh, &cw, &ch);
	bw = cw < 3 ? 3 : cw;
	cols = (width + 1) / (bw + 1);
	cols = cols < 1 ? 1 : cols > O ? O : cols;
	rows = (O + cols - 1) / cols;
	c = px ? cv_new(cols * (bw + 1) - 1, rows * (ch + 2) - 1, mode) : NULL;
	if (!c) {
		free(px);
		return NULL;
	}
	for (int o = 0; o < O; o++) {
		int x = o % cols * (bw + 1), y = o / cols * (ch + 2);
		char cap[16];

		for (int k = 0; k < shown; k++)
			for (int i = 0; i < kh; i++) {
				const float *w = W->value + (((size_t)o * C +
				                 k) * kh + i) * kw;
				uint8_t *dst = px + i * iw + k * (kw + 1);

				for (int j = 0; j < kw; j++) {
					float v = w[j] / lim;

					v = v < -1 ? -1 : v > 1 ? 1 : v;
					dst[j] = (uint8_t)lrintf(127.5f *
					                         (1 + v));
				}
			}
		cv_image(c, x, y, px, iw, kh);
		snprintf(cap, sizeof cap, "%d", o + 1);
		cv_text(c, x, y + ch, cap, CV_DEFAULT, 0);
	}
	free(px);
	return c;
}

int cmd_filters(sh_session *S, const sh_line *l)
{
	int two = sh_npos(l) == 2;
	sh_model *sm = sh_model_arg(S, two ? sh_pos(l, 0)->text : NULL);
	const char *which = sh_pos(l, two)->text;
	const char *out = sh_opt(l, "out");
	int mode = out ? CV_UNICODE | CV_COLOR : sh_canvas_mode(S);
	char title[300];
	nn_layer_info info;
	nn_param W;
	cv_canvas *c;
	float lim = 0;
	long layer;

	if (!sm || sh_check_figure(S, "filters", out) < 0 ||
	    sh_parse_long(S, "filters: layer", which, 1, 1 << 20, &layer) < 0)
		return -1;
	if (nn_model_layer_info(sm->m, (size_t)layer - 1, &info) < 0)
		return sh_err(S, "filters: %s", nn_error());
	if (strcmp(info.kind, "conv") != 0 && strcmp(info.kind, "convt") != 0)
		return sh_err(S, "filters: layer %ld is %s, not a conv layer",
		              layer, info.desc);
	nn_model_find_param(sm->m, (size_t)layer - 1, "W", &W);
	for (size_t i = 0; i < W.size; i++)
		lim = fabsf(W.value[i]) > lim ? fabsf(W.value[i]) : lim;
	if (!(lim > 0))
		lim = 1;
	sh_printf(S, "layer %ld, %s: %d filters of %dx%dx%d%s; black %.3g, "
	          "grey 0, white %.3g\n", layer, info.desc, W.shape.dim[0],
	          W.shape.dim[1], W.shape.dim[2], W.shape.dim[3],
	          W.shape.dim[1] > MAX_CHANNELS ? " (the first 8 channels "
	          "shown)" : "", -lim, lim);
	if (!(c = draw_filters(&W, lim, out ? 100 : sh_term_width(), mode)))
		return sh_err(S, "out of memory");
	if (out) {
		snprintf(title, sizeof title, "%s: filters of layer %ld, %s",
		         sm->name, layer, info.desc);
		return sh_figure_canvas(S, "filters", c, title, out);
	}
	cv_write(c, S->out, mode & CV_COLOR);
	cv_free(c);
	return 0;
}
