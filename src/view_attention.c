/* view_attention.c - the attention view: for one sample of a sequence
 * set, the weights an attention layer gives (one head, or the mean of
 * its heads) as a shaded grid, a row per query and a column per key,
 * with the tokens on both axes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define MAX_SIDE 64             /* positions drawn at most */

typedef struct att_state {
	float *w;               /* t x s weights */
	int t, s, heads, layer, head;
	int32_t q[MAX_SIDE], k[MAX_SIDE];  /* their tokens, or -1 */
} att_state;

static void att_clear(vw_view *v)
{
	att_state *a = v->state;

	free(a->w);
	a->w = NULL;
}

static int att_update(vw_view *v, nn_model *m, int w, int h, size_t batch)
{
	att_state *a = v->state;
	size_t i = v->has_index ? v->index : 0, ow = vw_out_width(m);
	int layer = v->layer > 0 ? v->layer : 1, heads, t, s;
	const float *p;
	float *out;

	(void)w;
	(void)h;
	(void)batch;
	if (!v->d->xtok)
		return vw_note(v, "%s holds no token ids", v->what);
	if (vw_fits(v, m) < 0)
		return -1;
	if (i >= v->d->n)
		return vw_note(v, "%s has no sample %zu", v->what, i);
	if (!(out = malloc(ow * sizeof *out)))
		return vw_note(v, "out of memory");
	if (vw_outputs(m, v->d, &i, 1, out) < 0 ||
	    !(p = nn_attention_weights(m, layer, 0, &heads, &t, &s))) {
		free(out);
		return vw_note(v, "%s", nn_error());
	}
	free(out);
	if (v->head > heads)
		return vw_note(v, "head=%d: the layer has %d heads", v->head,
		               heads);
	free(a->w);
	if (!(a->w = calloc((size_t)t * (size_t)s, sizeof *a->w)))
		return vw_note(v, "out of memory");
	for (int k = 0; k < heads; k++)
		if (!v->head || v->head == k + 1)
			for (int j = 0; j < t * s; j++)
				a->w[j] += p[(size_t)(k * t * s + j)] /
				           (float)(v->head ? 1 : heads);
	a->t = t;
	a->s = s;
	a->heads = heads;
	a->layer = layer;
	a->head = v->head;
	/* the tokens, when the positions are the input's */
	for (int j = 0; j < MAX_SIDE; j++) {
		const int32_t *x = v->d->xtok + i * v->d->xsize;

		a->q[j] = t == (int)v->d->xsize && j < t ? x[j] : -1;
		a->k[j] = s == (int)v->d->xsize && j < s ? x[j] : -1;
	}
	v->index = i;
	return 0;
}

/* Token id as two cells: its character for text, else its number. */
static void token(const vw_view *v, int32_t id, int pos, char *buf)
{
	const char *c = id >= 0 && v->d->tokens ? v->d->tokens[id] : NULL;

	if (c && strcmp(c, "\n") == 0)
		c = "\\n";
	if (c)
		snprintf(buf, 16, "%2s", c);
	else
		snprintf(buf, 16, "%2d", id >= 0 ? id : pos % 100);
}

static void att_draw(const vw_view *v, cv_canvas *c, int x, int y, int w,
                     int h)
{
	static const char *const uni[5] = { " ", "\u2591", "\u2592",
	                                    "\u2593", "\u2588" };
	static const char ascii[] = " .:-=+*#%@";
	const att_state *a = v->state;
	int t = a->t < MAX_SIDE ? a->t : MAX_SIDE;
	int s = a->s < MAX_SIDE ? a->s : MAX_SIDE;
	char buf[16];

	if (a->head)
		vw_textf(c, x, y, w, CV_DEFAULT, 1, "%s:%zu  attention layer "
		         "%d, head %d of %d (rows: queries, columns: keys)",
		         v->what, v->index, a->layer, a->head, a->heads);
	else
		vw_textf(c, x, y, w, CV_DEFAULT, 1, "%s:%zu  attention layer "
		         "%d, mean of %d heads (rows: queries, columns: keys)",
		         v->what, v->index, a->layer, a->heads);
	for (int j = 0; j < s && 3 + 2 * j + 2 <= w; j++) {
		token(v, a->k[j], j, buf);
		vw_textf(c, x + 3 + 2 * j, y + 1, 2, CV_BRIGHT_BLACK, 0, "%s",
		         buf);
	}
	for (int q = 0; q < t && y + 2 + q < y + h; q++) {
		token(v, a->q[q], q, buf);
		vw_textf(c, x, y + 2 + q, 2, CV_BRIGHT_BLACK, 0, "%s", buf);
		for (int j = 0; j < s && 3 + 2 * j + 2 <= w; j++) {
			float p = a->w[q * a->s + j];
			char cell[16];

			if (v->mode & CV_UNICODE) {
				const char *sh = uni[(int)(p * 4 + 0.5f)];

				snprintf(cell, sizeof cell, "%s%s", sh, sh);
			} else {
				char ch = ascii[(int)(p * 9 + 0.5f)];

				snprintf(cell, sizeof cell, "%c%c", ch, ch);
			}
			cv_text(c, x + 3 + 2 * j, y + 2 + q, cell, CV_DEFAULT,
			        0);
		}
	}
}

static int att_height(const vw_view *v, int w)
{
	const att_state *a = v->state;

	(void)w;
	return (a->t < MAX_SIDE ? a->t : MAX_SIDE) + 2;
}

const vw_class vw_attention_class = {
	.name = "attention", .needs_data = 1,
	.help = "one sequence's attention weights, query by key",
	.more = "of DATA:INDEX; layer=K (from 1), head=H (else their mean)",
	.state_size = sizeof(att_state),
	.clear = att_clear,
	.update = att_update, .draw = att_draw, .height = att_height,
};
