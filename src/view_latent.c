/* view_latent.c - the latent view: the codes a node gives the samples of a
 * dataset (an autoencoder's bottleneck), as a scatter plot coloured by
 * class with a legend; codes wider than 2 are projected on their first
 * two principal components, which the title says. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_data.h"
#include "view.h"

/* What the latent view keeps (its state). */
typedef struct latent {
	float *lat;             /* 2-D points: codes, or their first two
	                         * principal components */
	size_t nlat;
	int latdims;            /* the codes' width */
} latent;

#define LATENT_MAX 2000         /* samples plotted at most */

int vw_code_node(const nn_model *m)
{
	size_t n = nn_model_layers(m), best = 0, bw = (size_t)-1;

	for (size_t i = 0; i < n; i++)
		if (strcmp(nn_model_node_name(m, i), "code") == 0)
			return (int)i;
	for (size_t i = 0; i + 1 < n; i++) {
		nn_layer_info info;

		nn_model_layer_info(m, i, &info);
		if (nn_shape_size(&info.out) < bw) {
			bw = nn_shape_size(&info.out);
			best = i;
		}
	}
	return (int)best;
}

/* The unit vector v (length d) that maximises |X v| for the n x d rows
 * of X (centred), orthogonal to u when u is not NULL: power iteration on
 * X'X through products with X. */
static void component(const float *X, size_t n, size_t d, const double *u,
                      double *v)
{
	double *t = malloc(n * sizeof *t), norm;

	for (size_t j = 0; j < d; j++)
		v[j] = 1.0 / (double)(j + 1);
	for (int it = 0; t && it < 100; it++) {
		double *w = calloc(d, sizeof *w);

		if (!w)
			break;
		for (size_t i = 0; i < n; i++) {
			t[i] = 0;
			for (size_t j = 0; j < d; j++)
				t[i] += X[i * d + j] * v[j];
		}
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < d; j++)
				w[j] += X[i * d + j] * t[i];
		if (u) {
			double p = 0;

			for (size_t j = 0; j < d; j++)
				p += w[j] * u[j];
			for (size_t j = 0; j < d; j++)
				w[j] -= p * u[j];
		}
		norm = 0;
		for (size_t j = 0; j < d; j++)
			norm += w[j] * w[j];
		norm = sqrt(norm);
		for (size_t j = 0; j < d && norm > 0; j++)
			v[j] = w[j] / norm;
		free(w);
	}
	free(t);
}

/* Project the n x d codes to their first two principal components. */
static int project(vw_view *v, float *codes, size_t n, size_t d)
{
	latent *s = v->state;
	double *mean = calloc(d, sizeof *mean), *c1 = malloc(d * sizeof *c1);
	double *c2 = malloc(d * sizeof *c2);

	if (!mean || !c1 || !c2) {
		free(mean);
		free(c1);
		free(c2);
		return vw_note(v, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			mean[j] += codes[i * d + j] / (double)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			codes[i * d + j] -= (float)mean[j];
	component(codes, n, d, NULL, c1);
	component(codes, n, d, c1, c2);
	for (size_t i = 0; i < n; i++) {
		double a = 0, b = 0;

		for (size_t j = 0; j < d; j++) {
			a += codes[i * d + j] * c1[j];
			b += codes[i * d + j] * c2[j];
		}
		s->lat[2 * i] = (float)a;
		s->lat[2 * i + 1] = (float)b;
	}
	free(mean);
	free(c1);
	free(c2);
	return 0;
}

static int latent_update(vw_view *v, nn_model *m, int w, int h,
                         size_t batch)
{
	latent *s = v->state;
	size_t n = v->d->n < LATENT_MAX ? v->d->n : LATENT_MAX, d;
	nn_layer_info info;
	nn_dataset *codes;
	nn_dataset *part;

	(void)w;
	(void)h;
	(void)batch;
	if (v->node < 0)
		v->node = vw_code_node(m);
	if ((size_t)v->node >= nn_model_layers(m))
		return vw_note(v, "node %d does not exist", v->node + 1);
	nn_model_layer_info(m, (size_t)v->node, &info);
	d = nn_shape_size(&info.out);
	if (!(part = nn_dataset_slice(v->d, 0, n)))
		return vw_note(v, "%s", nn_error());
	codes = nn_model_encode(m, part, (size_t)v->node);
	nn_dataset_free(part);
	if (!codes)
		return vw_note(v, "%s", nn_error());
	free(s->lat);
	s->lat = malloc(2 * n * sizeof *s->lat);
	s->nlat = 0;
	if (!s->lat) {
		nn_dataset_free(codes);
		return vw_note(v, "out of memory");
	}
	s->latdims = (int)d;
	if (d > 2 && project(v, codes->x, n, d) < 0) {
		nn_dataset_free(codes);
		return -1;
	}
	for (size_t i = 0; i < n && d <= 2; i++) {
		s->lat[2 * i] = codes->x[i * d];
		s->lat[2 * i + 1] = d == 2 ? codes->x[i * d + 1] : 0;
	}
	s->nlat = n;
	nn_dataset_free(codes);
	return 0;
}

static void latent_draw(const vw_view *v, cv_canvas *c, int x, int y, int w,
                        int h)
{
	const latent *s = v->state;
	nn_dataset p = { 0 };
	cv_canvas *plot;

	vw_textf(c, x, y, w, CV_DEFAULT, 1, "codes of %zu samples of %s at "
	         "node %d%s", s->nlat, v->what, v->node + 1,
	         s->latdims > 2 ? " (first two principal components)"
	         : s->latdims == 1 ? " (one unit: drawn on a line)" : "");
	p.n = s->nlat;
	p.xshape = (nn_shape){ 1, { 2 } };
	p.xsize = 2;
	p.x = s->lat;
	p.nclasses = v->d->nclasses;
	p.class_names = v->d->class_names;
	p.labels = v->d->labels;
	p.y = v->d->y;
	p.ysize = v->d->ysize;
	if (!(plot = rd_scatter(&p, w, h - 1, c->mode))) {
		cv_textn(c, x, y + 1, w, "(too small for the plot)",
		         CV_BRIGHT_BLACK, 0);
		return;
	}
	for (int j = 0; j < plot->h; j++)
		for (int i = 0; i < plot->w; i++)
			if (x + i < c->w && y + 1 + j < c->h)
				*cv_at(c, x + i, y + 1 + j) = *cv_at(plot, i,
				                                     j);
	cv_free(plot);
}

static int latent_height(const vw_view *v, int w)
{
	(void)v;
	(void)w;
	return 24;
}

static void latent_clear(vw_view *v)
{
	latent *s = v->state;

	free(s->lat);
}

const vw_class vw_latent_class = {
	.state_size = sizeof(latent), .clear = latent_clear,
	.name = "latent", .needs_data = 1,
	.help = "a node's codes of the data, by class (2-D, or two PCs)",
	.more = "the codes node= (default: the node named code, else the\n"
	        "narrowest) gives DATA's first 2,000 samples, as a\n"
	        "scatter plot coloured by class; wider codes are\n"
	        "projected on their first two principal components (the\n"
	        "title says so)",
	.update = latent_update, .draw = latent_draw, .height = latent_height,
};
