/* test_panel.c - the live panel's pure parts, read back from the canvas:
 * charts (a known curve crosses the expected cells), the views (a wrong
 * digit in the error colour, a trained xor net's boundary, histograms
 * over time), the whole panel and its summary, the JSON log written and
 * read back, the batch curve's compression, and the training loop taking
 * a rate changed between batches. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "render_curves.h"
#include "render_panel.h"
#include "render_views.h"
#include "suite.h"

/* Row y of c as UTF-8 text (static buffer). */
static const char *row(cv_canvas *c, int y)
{
	static char buf[4096];
	size_t n = 0;

	for (int x = 0; x < c->w && n + 4 < sizeof buf; x++) {
		uint32_t cp = cv_at(c, x, y)->ch;

		if (cp < 0x80) {
			buf[n++] = (char)cp;
		} else if (cp < 0x800) {
			buf[n++] = (char)(0xc0 | cp >> 6);
			buf[n++] = (char)(0x80 | (cp & 0x3f));
		} else {
			buf[n++] = (char)(0xe0 | cp >> 12);
			buf[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
			buf[n++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	buf[n] = '\0';
	return buf;
}

/* Whether text appears anywhere on c. */
static int shows(cv_canvas *c, const char *text)
{
	for (int y = 0; y < c->h; y++)
		if (strstr(row(c, y), text))
			return 1;
	return 0;
}

/* ---- charts ------------------------------------------------------------- */

START_TEST(curve_crosses_cells)
{
	double x[11], y[11];
	rc_series s = { "up", x, y, 11, CV_RED, 0 };
	rc_chart ch = { "t", "iteration", &s, 1, NULL, 0, 0 };
	cv_canvas *c = cv_new(60, 10, 0);
	int last_row = 99, first_x = -1, last_x = -1;

	for (int i = 0; i <= 10; i++) {
		x[i] = i;
		y[i] = i / 10.0;
	}
	ck_assert_int_eq(rc_draw(c, 0, 0, 60, 10, &ch), 0);
	/* the plot is rows 1..7: the line starts at the bottom left and
	 * rises to the top right, never going down */
	for (int k = 0; k < 60; k++)
		for (int r = 7; r >= 1; r--)
			if (cv_at(c, k, r)->ch == '*') {
				if (first_x < 0) {
					first_x = k;
					ck_assert_int_eq(r, 7);
				}
				ck_assert_int_le(r, last_row);
				last_row = r;
				last_x = k;
			}
	ck_assert_int_eq(last_row, 1);
	ck_assert_int_eq(last_x, 59);
	ck_assert_int_eq(cv_at(c, first_x - 1, 7)->ch, '+');  /* y axis */
	ck_assert(strstr(row(c, 0), "* up") != NULL);          /* legend */
	ck_assert(strstr(row(c, 1), "1.0") != NULL);
	ck_assert(strstr(row(c, 7), "0.0") != NULL);
	ck_assert(strstr(row(c, 9), "iteration") != NULL);
	cv_free(c);
}
END_TEST

START_TEST(braille_and_marks)
{
	double x[2] = { 0, 100 }, y[2] = { 1, 1 };
	rc_series s = { "flat", x, y, 2, CV_GREEN, 0 };
	rc_mark m = { 50, "lr 0.5 -> 0.25" };
	rc_chart ch = { "loss", NULL, &s, 1, &m, 1, 0 };
	cv_canvas *c = cv_new(60, 12, CV_UNICODE | CV_COLOR);
	int braille = 0, mark = 0;

	ck_assert_int_eq(rc_draw(c, 0, 0, 60, 12, &ch), 0);
	for (int y = 1; y < 10; y++)
		for (int k = 0; k < 60; k++) {
			cv_cell *cell = cv_at(c, k, y);

			if (cell->ch >= 0x2800 && cell->ch <= 0x28ff) {
				braille++;
				ck_assert_int_eq(cell->fg, CV_GREEN);
			}
			mark += cell->ch == 0x250a;
		}
	ck_assert_int_ge(braille, 40);
	ck_assert_int_ge(mark, 5);
	ck_assert(shows(c, "lr 0.5 -> 0.25"));
	cv_free(c);
}
END_TEST

/* Two changes a column apart (two keys pressed while paused, a step
 * between them): the second mark's line must not cut the first label. */
START_TEST(marks_a_column_apart)
{
	double x[2] = { 0, 100 }, y[2] = { 1, 1 };
	rc_series s = { "flat", x, y, 2, CV_GREEN, 0 };
	rc_mark m[2] = { { 50, "lr 0.5 -> 0.25" }, { 52, "lr 0.25 -> 0.1" } };
	rc_chart ch = { "loss", NULL, &s, 1, m, 2, 0 };
	cv_canvas *c = cv_new(60, 12, CV_UNICODE);

	ck_assert_int_eq(rc_draw(c, 0, 0, 60, 12, &ch), 0);
	ck_assert(shows(c, "lr 0.5 -> 0.25"));
	cv_free(c);
}
END_TEST

START_TEST(nothing_or_too_small)
{
	double x[2] = { 0, 1 }, y[2] = { NAN, NAN };
	rc_series s = { "nan", x, y, 2, CV_RED, 0 };
	rc_chart ch = { "loss", NULL, &s, 1, NULL, 0, 0 };
	cv_canvas *c = cv_new(40, 10, 0);

	ck_assert_int_eq(rc_draw(c, 0, 0, 40, 10, &ch), -1);
	ck_assert(shows(c, "no points yet"));
	cv_clear(c);
	ck_assert_int_eq(rc_draw(c, 0, 0, 10, 3, &ch), -1);
	ck_assert(shows(c, "(too small"));
	cv_free(c);
}
END_TEST

START_TEST(smoothing)
{
	double y[5] = { 2, 2, NAN, 2, 2 }, out[5];

	rc_smooth(y, 5, 0.9, out);
	ck_assert_double_eq_tol(out[0], 2, 1e-12);   /* debiased */
	ck_assert(isnan(out[2]));
	ck_assert_double_eq_tol(out[4], 2, 1e-12);
	y[4] = 12;
	rc_smooth(y, 5, 0.5, out);
	ck_assert(out[4] > 2 && out[4] < 12);
}
END_TEST

/* ---- views -------------------------------------------------------------- */

/* n 4x4 images, labels 0, 1, 2, ... */
static nn_dataset *images(size_t n)
{
	nn_dataset *d = nn_dataset_new();

	d->n = n;
	nn_shape_parse("1x4x4", &d->xshape);
	d->xsize = 16;
	d->xbytes = calloc(n * 16, 1);
	d->xscale = 1 / 255.0f;
	d->nclasses = 3;
	d->ysize = 3;
	d->labels = malloc(n * sizeof *d->labels);
	for (size_t i = 0; i < n; i++) {
		d->labels[i] = (int32_t)(i % 3);
		memset(d->xbytes + i * 16, (int)(i * 60), 16);
	}
	return d;
}

/* Fill a digits view by hand: predictions right except sample `bad`. */
static void predict(vw_view *v, size_t bad)
{
	v->pred = malloc(v->nsample * sizeof *v->pred);
	for (size_t i = 0; i < v->nsample; i++)
		v->pred[i] = i == bad ? (v->d->labels[v->sample[i]] + 1) % 3
		                      : v->d->labels[v->sample[i]];
	v->npred = v->nsample;
	v->ready = 1;
}

START_TEST(digits_wrong_in_red)
{
	nn_dataset *d = images(3);
	vw_view v;
	cv_canvas *c = cv_new(60, 8, CV_UNICODE | CV_COLOR);
	int red = 0;

	vw_init(&v, VW_DIGITS, d, "tiny", CV_UNICODE | CV_COLOR);
	ck_assert_uint_eq(v.nsample, 3);
	predict(&v, 1);
	vw_draw(&v, c, 0, 0, 60, 8);
	ck_assert(shows(c, "2 right (66.7%)"));
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 60; x++) {
			cv_cell *cell = cv_at(c, x, y);

			if (cell->fg == CV_BRIGHT_RED) {
				red++;
				ck_assert_uint_eq(cell->ch,
				        '0' + (uint32_t)v.pred[1]);
			}
		}
	ck_assert_int_eq(red, 1);
	vw_free(&v);
	cv_free(c);
	/* without colour the wrong label is marked with ! */
	c = cv_new(40, 8, 0);
	vw_init(&v, VW_DIGITS, d, "tiny", 0);
	predict(&v, 2);
	vw_draw(&v, c, 0, 0, 40, 8);
	{
		char want[4] = { (char)('0' + v.pred[2]), '!', '\0' };

		ck_assert(shows(c, want));
	}
	vw_free(&v);
	cv_free(c);
	nn_dataset_free(d);
}
END_TEST

START_TEST(view_names)
{
	ck_assert_int_eq(vw_parse("digits"), VW_DIGITS);
	ck_assert_int_eq(vw_parse("bound"), VW_BOUNDARY);
	ck_assert_int_eq(vw_parse("probs"), VW_PROBS);
	ck_assert_int_eq(vw_parse("nope"), -1);
	ck_assert_int_eq(vw_parse(""), -1);
}
END_TEST

/* 19 samples whose 3 inputs are one-hot in the class a softmax model
 * with W = 10 I predicts, labelled so that the true classes (rows)
 * against predicted ones (columns) count 5 1 0 / 0 6 0 / 0 0 7. */
static nn_model *fixed_predictions(nn_dataset **data)
{
	static const int truth[] = { 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
	                             2, 2, 2, 2, 2, 2, 2 };
	static const int said[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1,
	                            2, 2, 2, 2, 2, 2, 2 };
	nn_shape in = { 1, { 3 } };
	nn_layer_spec sp = { .kind = "dense", .args = "3",
	                     .act = NN_ACT_SOFTMAX, .has_act = 1 };
	nn_model *m = nn_model_new(&in);
	nn_dataset *d = nn_dataset_new();
	nn_param w, b;
	nn_rng r;

	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &sp, &r), 0);
	nn_model_param(m, 0, 0, &w);
	nn_model_param(m, 0, 1, &b);
	for (int i = 0; i < 9; i++)
		w.value[i] = i % 4 == 0 ? 10 : 0;
	memset(b.value, 0, 3 * sizeof *b.value);
	d->n = 19;
	d->xshape = in;
	d->xsize = 3;
	d->x = calloc(19 * 3, sizeof *d->x);
	d->labels = malloc(19 * sizeof *d->labels);
	d->nclasses = 3;
	d->ysize = 3;
	for (int i = 0; i < 19; i++) {
		d->x[3 * i + said[i]] = 1;
		d->labels[i] = truth[i];
	}
	*data = d;
	return m;
}

START_TEST(confusion_colours)
{
	nn_dataset *d;
	nn_model *m = fixed_predictions(&d);
	vw_view v;
	cv_canvas *c = cv_new(60, 8, CV_COLOR);

	vw_init(&v, VW_CONFUSION, d, "tiny", CV_COLOR);
	ck_assert_int_eq(vw_update(&v, m, 60, 8, 0), 0);
	vw_draw(&v, c, 0, 0, 60, 8);
	ck_assert(shows(c, "0.8333 (5/6)"));
	ck_assert(shows(c, "overall accuracy 0.9474 (18/19)"));
	for (int x = 0; x < 60; x++) {
		cv_cell *cell = cv_at(c, x, 2);

		if (cell->ch == '5' && x < 20)
			ck_assert_int_eq(cell->fg, CV_BRIGHT_GREEN);
		if (cell->ch == '1' && x < 20)
			ck_assert_int_eq(cell->fg, CV_BRIGHT_RED);
	}
	vw_free(&v);
	cv_free(c);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* A 2-8-1 tanh/sigmoid net trained on xor until it is right. */
static nn_model *xor_net(nn_dataset **data)
{
	nn_shape in = { 1, { 2 } };
	nn_layer_spec h = { .kind = "dense", .args = "8", .act = NN_ACT_TANH,
	                    .has_act = 1 };
	nn_layer_spec o = { .kind = "dense", .args = "1",
	                    .act = NN_ACT_SIGMOID, .has_act = 1 };
	nn_gen_opts g;
	nn_model *m = nn_model_new(&in);
	nn_optim opt;
	nn_train_opts t = { 0 };
	nn_history hist = { 0 };
	nn_rng r;
	double loss, acc;

	nn_rng_seed(&r, 7);
	nn_gen_defaults(NN_GEN_XOR, &g);
	*data = nn_make(NN_GEN_XOR, &g, &r);
	ck_assert_int_eq(nn_model_add(m, &h, &r), 0);
	ck_assert_int_eq(nn_model_add(m, &o, &r), 0);
	nn_optim_defaults(&opt, NN_OPT_SGD);
	opt.lr = 1;
	t.epochs = 2000;
	t.batch = 4;
	ck_assert_int_eq(nn_train(m, NN_LOSS_BCE, &opt, *data, &t, &r, &hist),
	                 0);
	nn_evaluate(m, NN_LOSS_BCE, *data, 4, &loss, &acc, NULL);
	ck_assert_double_eq(acc, 1);
	nn_optim_reset(&opt);
	nn_history_free(&hist);
	return m;
}

START_TEST(xor_boundary_corners)
{
	nn_dataset *d;
	nn_model *m = xor_net(&d);
	vw_view v;
	int w = 40, h = 14, gw, gh, px = 7;
	cv_canvas *c = cv_new(w, h, 0);

	vw_init(&v, VW_BOUNDARY, d, "xor", 0);
	ck_assert_int_eq(vw_update(&v, m, w, h, 0), 0);
	vw_draw(&v, c, 0, 0, w, h);
	gw = w - px;            /* the plane: all but the labels' margin, */
	gh = h - 2;             /* the title and the x labels */
	/* the plane runs from -0.1 to 1.1: its corner cells are next to
	 * the data's corners; class 0 is shaded '.', class 1 '+' */
	ck_assert_int_eq(cv_at(c, px, gh)->ch, '.');            /* (0, 0) */
	ck_assert_int_eq(cv_at(c, px + gw - 1, 1)->ch, '.');    /* (1, 1) */
	ck_assert_int_eq(cv_at(c, px, 1)->ch, '+');             /* (0, 1) */
	ck_assert_int_eq(cv_at(c, px + gw - 1, gh)->ch, '+');   /* (1, 0) */
	ck_assert(shows(c, "decision boundary on xor"));
	vw_free(&v);
	cv_free(c);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

START_TEST(probs_and_stats_of_a_model)
{
	nn_dataset *d;
	nn_model *m = xor_net(&d);
	vw_view v;
	cv_canvas *c = cv_new(80, 20, 0);
	double sum = 0;
	int spark;

	vw_init(&v, VW_PROBS, d, "xor", 0);
	v.index = 1;
	v.has_index = 1;
	ck_assert_int_eq(vw_update(&v, m, 80, 20, 0), 0);
	vw_draw(&v, c, 0, 0, 80, 20);
	/* a bar per class, its probability after it: they sum to 1 */
	for (int k = 0; k < 2; k++) {
		const char *r = row(c, 2 + k);

		ck_assert_int_eq(r[2], '0' + k);
		r += 3 + strspn(r + 3, " #");
		sum += strtod(r, NULL);
	}
	ck_assert_double_eq_tol(sum, 1, 2e-4);
	ck_assert(shows(c, "xor:1 (label "));
	ck_assert(shows(c, "predicted, true"));
	vw_free(&v);
	cv_clear(c);
	vw_init(&v, VW_STATS, NULL, "net", 0);
	ck_assert_uint_eq(vw_stats_pass(m, NN_LOSS_BCE, d, 100), 4);
	ck_assert_int_eq(vw_update(&v, m, 80, 20, 4), 0);
	ck_assert_int_eq(vw_update(&v, m, 80, 20, 4), 0);
	cv_free(c);
	c = cv_new(120, 20, 0);
	vw_draw(&v, c, 0, 0, 120, 20);
	ck_assert(shows(c, "1 dense 8 tanh"));
	ck_assert(shows(c, "  dW "));
	/* 12 rows (title, W, b, out, dW, db a layer), then nothing */
	ck_assert(strncmp(row(c, 8), "2 dense 1 sigmoid", 17) == 0);
	ck_assert(strncmp(row(c, 13), "  db ", 5) == 0);
	ck_assert_uint_eq(strspn(row(c, 14), " "), 120);
	/* two updates: two points of each row's std over time */
	spark = (int)(strstr(row(c, 1), "std over time") - row(c, 1));
	ck_assert_int_ne(cv_at(c, spark, 3)->ch, ' ');
	ck_assert_int_ne(cv_at(c, spark + 1, 3)->ch, ' ');
	ck_assert_int_eq(cv_at(c, spark + 2, 3)->ch, ' ');
	vw_free(&v);
	cv_free(c);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* The histograms view of a net trained 5 epochs: per tensor its title,
 * a row per recorded point and the ranges; the 1-value bias fills one
 * cell of each row; layer= keeps one layer; a short area counts what
 * does not fit; notes before any point and for a layer past the last. */
START_TEST(histograms_over_time)
{
	nn_dataset *d;
	nn_model *m = xor_net(&d);
	nn_history hist = { 0 };
	nn_train_opts t = { .epochs = 5, .batch = 4 };
	nn_optim opt;
	nn_rng r;
	vw_view v;
	cv_canvas *c = cv_new(80, 40, 0);

	vw_init(&v, VW_HISTOGRAMS, NULL, "net", 0);
	v.hist = &hist;
	ck_assert_int_eq(vw_update(&v, m, 80, 40, 0), -1);
	ck_assert(strstr(v.note, "no statistics yet") != NULL);
	nn_optim_defaults(&opt, NN_OPT_SGD);
	opt.lr = 0.1f;
	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_train(m, NN_LOSS_BCE, &opt, d, &t, &r, &hist),
	                 0);
	ck_assert_int_eq(vw_update(&v, m, 80, 40, 0), 0);
	ck_assert(!vw_stale(&v, 80, 40) && vw_stale(&v, 80, 30));
	vw_draw(&v, c, 0, 0, 80, 40);
	ck_assert(strstr(row(c, 0), "weights and gradients over time (5 of "
	                 "5 points") != NULL);
	/* 4 tensors of 9 lines: title, header, 5 points, ranges, blank */
	ck_assert(strncmp(row(c, 1), "1 dense 8 tanh: W, 16 values", 28) == 0);
	ck_assert(strstr(row(c, 2), "values") && strstr(row(c, 2),
	                                                "gradients"));
	ck_assert(strncmp(row(c, 3), "epoch 1 ", 8) == 0);
	ck_assert(strncmp(row(c, 7), "epoch 5 ", 8) == 0);
	ck_assert(strncmp(row(c, 28), "2 dense 1 sigmoid: b, 1 value", 29)
	          == 0);
	for (int y = 30; y <= 34; y++) {
		int marks = 0;

		for (int x = 12; x < 12 + 32; x++)
			marks += cv_at(c, x, y)->ch != ' ';
		ck_assert_int_eq(marks, 1);
	}
	v.layer = 2;
	cv_clear(c);
	ck_assert_int_eq(vw_update(&v, m, 80, 40, 0), 0);
	vw_draw(&v, c, 0, 0, 80, 40);
	ck_assert(strncmp(row(c, 1), "2 dense 1 sigmoid: W, 8 values", 30)
	          == 0);
	ck_assert(!shows(c, "1 dense"));
	v.layer = 0;
	cv_clear(c);
	ck_assert_int_eq(vw_update(&v, m, 80, 12, 0), 0);
	vw_draw(&v, c, 0, 0, 80, 12);
	ck_assert(strncmp(row(c, 11), "... 3 more tensors", 18) == 0);
	v.layer = 3;
	ck_assert_int_eq(vw_update(&v, m, 80, 40, 0), -1);
	ck_assert(strstr(v.note, "the model has 2 layers") != NULL);
	vw_free(&v);
	cv_free(c);
	nn_optim_reset(&opt);
	nn_history_free(&hist);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

/* ---- the panel ---------------------------------------------------------- */

/* A run of 200 iterations with points at 100 and 200; with seqs, of
 * data labelled per position (whole-sequence accuracies), else NAN. */
static void fill_run(pn_state *st, int seqs)
{
	nn_metrics p = { 0 };

	pn_init(st);
	snprintf(st->model, sizeof st->model, "net");
	snprintf(st->data, sizeof st->data, "digits.train");
	st->classes = 1;
	st->control = 1;
	st->lr = 0.5;
	pn_start(st, 0, 500, 5, 100, 0);
	for (long i = 1; i <= 200; i++) {
		pn_progress(st, i, (int)(i / 100) + 1, i * 0.01);
		pn_add_batches(st, i, 10 * (2.0 - i / 200.0),
		               10 * i / 200.0, 10);
		if (i % 100 == 0) {
			p.epoch = (int)(i / 100);
			p.iter = i;
			p.loss = 2 - i / 200.0;
			p.acc = i / 200.0;
			p.val_loss = p.loss + 0.1;
			p.val_acc = p.acc - 0.1;
			p.seq_acc = seqs ? p.acc / 2 : NAN;
			p.val_seq_acc = seqs ? p.val_acc / 2 : NAN;
			p.lr = 0.5;
			ck_assert_int_eq(pn_add_point(st, &p), 0);
		}
	}
	pn_event_add(st, 150, "lr %g -> %g", 0.5, 0.25);
}

static void fill(pn_state *st)
{
	fill_run(st, 0);
}

START_TEST(panel_layout)
{
	pn_state *st = malloc(sizeof *st);
	cv_canvas *c = cv_new(100, 30, 0);
	int w, h;

	fill(st);
	pn_render(st, NULL, c);
	ck_assert(strstr(row(c, 0), "net on digits.train") != NULL);
	ck_assert(strstr(row(c, 0), "best val_acc 0.9000 (epoch 2)"));
	ck_assert(strstr(row(c, 1), "epoch 3/5 ########") != NULL);
	ck_assert(strstr(row(c, 1), "40%  iter 200/500") != NULL);
	ck_assert(strstr(row(c, 1), "ETA 0:03") != NULL);
	ck_assert(shows(c, "lr 0.5 -> 0.25"));
	ck_assert(shows(c, "o validation"));
	ck_assert(!shows(c, "seq"));
	ck_assert(strstr(row(c, 29), "q quit") == NULL);
	ck_assert(strstr(row(c, 29), "space pause") != NULL);
	ck_assert(pn_view_area(100, 30, &w, &h));
	ck_assert_int_eq(w, 98);
	ck_assert_int_gt(h, 5);
	st->editing = 1;
	snprintf(st->line, sizeof st->line, "lr 0.1");
	pn_render(st, NULL, c);
	ck_assert(strstr(row(c, 29), ":lr 0.1_") != NULL);
	cv_free(c);
	/* too small to draw in */
	c = cv_new(30, 8, 0);
	pn_render(st, NULL, c);
	ck_assert(strstr(row(c, 0), "terminal too small (30x8)") != NULL);
	ck_assert(!pn_view_area(30, 8, &w, &h));
	cv_free(c);
	pn_free(st);
	free(st);
}
END_TEST

/* The view tabs: every name at 100 columns; at 60 the names while the
 * rest fits, then only keys, the current tab always named; a message
 * after them takes its room. */
START_TEST(tabs_fit)
{
	pn_state *st = malloc(sizeof *st);
	cv_canvas *c = cv_new(100, 30, 0);
	vw_view v;

	fill(st);
	st->view = VW_STATS;
	vw_init(&v, VW_STATS, NULL, "net", 0);
	pn_render(st, &v, c);
	ck_assert(shows(c, " 1 digits  2 confusion  3 boundary [4 stats] t  5 "
	                " 6  7  0  lr 0.5 -> 0.25 from iteration 151"));
	st->msg[0] = '\0';
	pn_render(st, &v, c);
	ck_assert(shows(c, " 1 digits  2 confusion  3 boundary [4 stats] t "
	                "histograms  5 probs "));
	ck_assert(shows(c, " 0 attention "));
	cv_free(c);
	c = cv_new(60, 30, 0);
	st->view = VW_ATTENTION;
	pn_render(st, &v, c);
	ck_assert(shows(c, " 1 digits  2 confusion  3  4  t  5  6  7 [0 "
	                "attention]"));
	vw_free(&v);
	cv_free(c);
	pn_free(st);
	free(st);
}
END_TEST

/* Data labelled per position: the accuracy chart also draws the share
 * of whole sequences right, training and validation. */
START_TEST(sequence_curves)
{
	pn_state *st = malloc(sizeof *st);
	cv_canvas *c = cv_new(100, 30, 0);
	int cells = 0;

	fill_run(st, 1);
	pn_render(st, NULL, c);
	ck_assert(shows(c, "+ seq"));
	ck_assert(shows(c, "val seq"));
	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < c->w; x++)
			cells += c->cells[y * c->w + x].fg == CV_BRIGHT_MAGENTA;
	ck_assert_int_gt(cells, 2);     /* the legend's mark and a curve */
	cv_free(c);
	pn_free(st);
	free(st);
}
END_TEST

START_TEST(summary_text)
{
	pn_state *st = malloc(sizeof *st);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fill(st);
	snprintf(st->end, sizeof st->end, "stopped at iteration 200 of 500");
	pn_summary(st, f, 80, 0, 0);
	fclose(f);
	ck_assert(strstr(text, "net on digits.train: stopped at iteration "
	                 "200 of 500; 200 iterations\n") != NULL);
	ck_assert(strstr(text, "  last: epoch 2/5  iter 200  loss 1.0000  "
	                 "acc 1.0000  val_loss 1.1000  val_acc 0.9000\n"));
	ck_assert(strstr(text, "  changes: lr 0.5 -> 0.25 from iteration "
	                 "151\n"));
	ck_assert(strstr(text, "accuracy") != NULL);
	ck_assert(strstr(text, " in ") == NULL);      /* no timing */
	free(text);
	pn_free(st);
	free(st);
}
END_TEST

START_TEST(long_runs_compress)
{
	pn_state *st = malloc(sizeof *st);

	pn_init(st);
	pn_start(st, 0, 100000, 1, 0, 0);
	for (long i = 1; i <= 10000; i++)
		pn_add_batches(st, i, 1, 0, 1);
	ck_assert_uint_le(st->fine.n, PN_FINE);
	ck_assert_int_gt(st->fine.span, 1);
	ck_assert_double_le(st->fine.x[0], 16);    /* the start is kept */
	ck_assert_double_gt(st->fine.x[st->fine.n - 1],
	                    10000 - st->fine.span);
	ck_assert_double_eq(st->samples, 10000);
	for (size_t i = 0; i < st->fine.n; i++)
		ck_assert_double_eq(st->fine.loss[i], st->fine.seen[i]);
	pn_free(st);
	free(st);
}
END_TEST

/* ---- the log ------------------------------------------------------------ */

START_TEST(log_round_trip)
{
	pn_state *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int kinds[8], n = 0;

	fill(a);
	snprintf(a->val, sizeof a->val, "digits.test");
	mo_start(f, a);
	mo_batch(f, a, 20, 5, 10);
	mo_point(f, &a->pts.p[0]);
	mo_point(f, &a->pts.p[1]);
	mo_change(f, a);
	snprintf(a->end, sizeof a->end, "finished");
	mo_end(f, a);
	fclose(f);
	pn_init(b);
	ck_assert_int_eq(mo_read(b, "not json"), -1);
	ck_assert_int_eq(mo_read(b, "{\"record\": \"what\"}"), -1);
	for (line = strtok_r(text, "\n", &save); line && n < 8;
	     line = strtok_r(NULL, "\n", &save))
		kinds[n++] = mo_read(b, line);
	ck_assert_int_eq(n, 6);
	ck_assert_int_eq(kinds[0], MO_START);
	ck_assert_int_eq(kinds[1], MO_BATCH);
	ck_assert_int_eq(kinds[5], MO_END);
	ck_assert_str_eq(b->model, "net");
	ck_assert_str_eq(b->val, "digits.test");
	ck_assert_int_eq(b->iters, 500);
	ck_assert_int_eq(b->per_epoch, 100);
	ck_assert_double_eq(b->samples, 10);
	ck_assert_uint_eq(b->pts.n, 2);
	ck_assert_double_eq_tol(b->pts.p[1].val_acc, 0.9, 1e-9);
	ck_assert_int_eq(b->best, 1);
	ck_assert_int_eq(b->nev, 1);
	ck_assert_str_eq(b->ev[0].text, "lr 0.5 -> 0.25");
	ck_assert_int_eq(b->ev[0].iter, 150);
	ck_assert(b->ended);
	ck_assert_str_eq(b->end, "finished");
	/* a new start record begins a new run */
	mo_read(b, "{\"record\":\"start\",\"model\":\"other\",\"iters\":9}");
	ck_assert_str_eq(b->model, "other");
	ck_assert_uint_eq(b->pts.n, 0);
	ck_assert(!b->ended);
	free(text);
	pn_free(a);
	pn_free(b);
	free(a);
	free(b);
}
END_TEST

/* ---- the training loop takes a changed rate ----------------------------- */

typedef struct halve {
	nn_optim *o;
	long at;
} halve;

static int halve_at(const nn_progress *p, void *ud)
{
	halve *h = ud;

	if (p->iter == h->at)
		h->o->lr /= 2;
	return 0;
}

START_TEST(live_rate_change)
{
	nn_dataset *d;
	nn_model *m = xor_net(&d);
	nn_optim o;
	nn_train_opts t = { 0 };
	nn_history hist = { 0 };
	halve h = { &o, 4 };
	nn_rng r;

	nn_rng_seed(&r, 3);
	nn_optim_defaults(&o, NN_OPT_SGD);
	o.lr = 0.5f;
	t.iters = 8;
	t.batch = 4;
	t.every = 2;
	t.callback = halve_at;
	t.ud = &h;
	ck_assert_int_eq(nn_train(m, NN_LOSS_BCE, &o, d, &t, &r, &hist), 0);
	ck_assert_float_eq(o.lr, 0.25f);        /* kept after the run */
	ck_assert_uint_eq(hist.n, 4);
	ck_assert_double_eq(hist.p[1].lr, 0.5);
	ck_assert_double_eq(hist.p[2].lr, 0.25);
	/* with a schedule the change scales it: step halves every 4 */
	nn_history_free(&hist);
	o.lr = 1;
	t.schedule.kind = NN_SCHED_STEP;
	t.schedule.every = 4;
	t.schedule.gamma = 0.5;
	h.at = 2;
	nn_optim_reset(&o);
	ck_assert_int_eq(nn_train(m, NN_LOSS_BCE, &o, d, &t, &r, &hist), 0);
	ck_assert_double_eq(hist.p[0].lr, 1);      /* iterations 1-2 */
	ck_assert_double_eq(hist.p[1].lr, 0.5);    /* halved by hand */
	ck_assert_double_eq(hist.p[3].lr, 0.25);   /* and by the step */
	nn_history_free(&hist);
	nn_optim_reset(&o);
	nn_model_free(m);
	nn_dataset_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("panel");
	TCase *t = tcase_create("panel");

	tcase_add_test(t, curve_crosses_cells);
	tcase_add_test(t, braille_and_marks);
	tcase_add_test(t, marks_a_column_apart);
	tcase_add_test(t, nothing_or_too_small);
	tcase_add_test(t, smoothing);
	tcase_add_test(t, digits_wrong_in_red);
	tcase_add_test(t, view_names);
	tcase_add_test(t, confusion_colours);
	tcase_add_test(t, xor_boundary_corners);
	tcase_add_test(t, probs_and_stats_of_a_model);
	tcase_add_test(t, histograms_over_time);
	tcase_add_test(t, panel_layout);
	tcase_add_test(t, tabs_fit);
	tcase_add_test(t, summary_text);
	tcase_add_test(t, sequence_curves);
	tcase_add_test(t, long_runs_compress);
	tcase_add_test(t, log_round_trip);
	tcase_add_test(t, live_rate_change);
	suite_add_tcase(s, t);
	return run_suite(s);
}
