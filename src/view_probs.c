/* view_probs.c - the probabilities view: one sample (its image when
 * it is one) beside the bars of its class probabilities. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_data.h"
#include "render_inspect.h"
#include "view.h"

/* What the probs view keeps (its state). */
typedef struct probs {
	float *probs;           /* one sample's class probabilities */
	int nprobs, truth;
	const char *probs_kind; /* "probabilities", ... */
} probs;

static int update_probs(vw_view *v, nn_model *m)
{
	probs *s = v->state;
	size_t ow = vw_out_width(m), i = v->has_index ? v->index
	          : v->nsample ? v->sample[0] : 0;
	float *out;

	if (i >= v->d->n)
		return vw_note(v, "%s has no sample %zu", v->what, i);
	out = malloc(ow * sizeof *out);
	free(s->probs);
	s->probs = malloc((ow + 2) * sizeof *s->probs);
	if (!out || !s->probs) {
		free(out);
		return vw_note(v, "out of memory");
	}
	if (vw_outputs(m, v->d, &i, 1, out) < 0) {
		free(out);
		return vw_note(v, "%s", nn_error());
	}
	s->nprobs = ri_to_probs(out, ow, nn_model_output_act(m), s->probs,
	                        &s->probs_kind);
	v->index = i;
	s->truth = nn_dataset_label(v->d, i);
	free(out);
	return 0;
}

static void draw_probs(const vw_view *v, cv_canvas *c, int x, int y, int w,
                       int h)
{
	const probs *s = v->state;
	int iw = 0, ih = 0, pw, ph, best = 0, bw, row = 0;
	char *text = NULL, *line;
	size_t len = 0;
	FILE *f;

	if (s->truth >= 0)
		vw_textf(c, x, y, w, CV_DEFAULT, 1, "%s:%zu (label %d)", v->what,
		      v->index, s->truth);
	else
		vw_textf(c, x, y, w, CV_DEFAULT, 1, "%s:%zu", v->what, v->index);
	if (rd_is_image(v->d, &pw, &ph)) {
		vw_image_cells(v->mode, pw, ph, 1, vw_row_factor(v->mode), &iw, &ih);
		if (ih < h) {
			vw_draw_image(v, c, x, y + 1, v->index, 1,
			           vw_row_factor(v->mode));
			iw += 2;
		} else {
			iw = 0;
		}
	}
	for (int k = 1; k < s->nprobs; k++)
		best = s->probs[k] > s->probs[best] ? k : best;
	bw = w - iw - 34;
	bw = bw > 40 ? 40 : bw < 5 ? 5 : bw;
	if (!(f = open_memstream(&text, &len)))
		return;
	ri_probs(f, s->probs, s->nprobs,
	         v->d->class_names && s->nprobs == v->d->nclasses
	         ? v->d->class_names : NULL,
	         s->truth, bw, v->mode & CV_UNICODE);
	fclose(f);
	vw_textf(c, x + iw, y + 1, w - iw, CV_BRIGHT_BLACK, 0, "%s",
	      s->probs_kind);
	for (line = strtok(text, "\n"); line && row + 2 < h;
	     line = strtok(NULL, "\n"), row++) {
		int fg = row != best || !(v->mode & CV_COLOR) ? CV_DEFAULT
		         : s->truth < 0 || s->truth == best ? CV_BRIGHT_GREEN
		                                             : CV_BRIGHT_RED;

		cv_textn(c, x + iw, y + 2 + row, w - iw, line, fg, row == best);
	}
	free(text);
}

static int probs_update(vw_view *v, nn_model *m, int w, int h, size_t batch)
{
	(void)w;
	(void)h;
	(void)batch;
	return update_probs(v, m);
}

static int probs_height(const vw_view *v, int w)
{
	const probs *s = v->state;
	int pw, ph, iw, ih;

	(void)w;
	if (rd_is_image(v->d, &pw, &ph)) {
		vw_image_cells(v->mode, pw, ph, 1, vw_row_factor(v->mode), &iw,
		               &ih);
		return ih + 1 > s->nprobs + 2 ? ih + 1 : s->nprobs + 2;
	}
	return s->nprobs + 2;
}

static void probs_clear(vw_view *v)
{
	probs *s = v->state;

	free(s->probs);
}

const vw_class vw_probs_class = {
	.state_size = sizeof(probs), .clear = probs_clear,
	.name = "probs", .needs_data = 1,
	.help = "one sample's class probabilities",
	.more = "of DATA:INDEX, as bars",
	.update = probs_update, .draw = draw_probs, .height = probs_height,
};
