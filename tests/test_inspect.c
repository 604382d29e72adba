/* test_inspect.c - the inspection renderers read back as text: confusion
 * matrices, statistics lines, probability bars, parameter tables and
 * prediction grids. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_inspect.h"
#include "suite.h"

/* What a renderer wrote, as one string (free it). */
typedef struct capture {
	char *text;
	size_t len;
	FILE *f;
} capture;

static FILE *cap_open(capture *c)
{
	c->f = open_memstream(&c->text, &c->len);
	ck_assert_ptr_nonnull(c->f);
	return c->f;
}

static char *cap_close(capture *c)
{
	fclose(c->f);
	return c->text;
}

START_TEST(confusion_text)
{
	const size_t m[9] = { 5, 1, 0,  3, 7, 0,  0, 0, 4 };
	char *const names[3] = { "cat", "dog", "bird" };
	capture c;
	char *t;

	ri_confusion(cap_open(&c), m, 3, NULL, 5);
	t = cap_close(&c);
	ck_assert_ptr_nonnull(strstr(t, "0.8333 (5/6)"));
	ck_assert_ptr_nonnull(strstr(t, "0.7000 (7/10)"));
	ck_assert_ptr_nonnull(strstr(t, "1.0000 (4/4)"));
	ck_assert_ptr_nonnull(strstr(t, "overall accuracy 0.8000 (16/20)"));
	ck_assert_ptr_nonnull(strstr(t, ": 1 as 0 (3), 0 as 1 (1)\n"));
	free(t);
	ri_confusion(cap_open(&c), m, 3, names, 1);
	t = cap_close(&c);
	ck_assert_ptr_nonnull(strstr(t, "1 dog as 0 cat (3)\n"));
	ck_assert_ptr_null(strstr(t, "0 cat as 1 dog"));
	free(t);
}
END_TEST

START_TEST(stats_and_probs)
{
	float v[8] = { 0, 0, 1, 2, 3, 4, 0, -1 };
	float p[3] = { 0.25f, 0.75f, 0 };
	capture c;
	char *t;

	ri_stats_line(cap_open(&c), "W", v, 8, 5, 0);
	t = cap_close(&c);
	/* min -1, max 4, mean 1.125, 3 of 8 zero, 5 bins */
	ck_assert_ptr_nonnull(strstr(t, "W"));
	ck_assert_ptr_nonnull(strstr(t, "-1"));
	ck_assert_ptr_nonnull(strstr(t, "1.12"));
	ck_assert_ptr_nonnull(strstr(t, "38%"));
	ck_assert_int_eq(strrchr(t, '|') - strchr(t, '|'), 6);
	free(t);
	v[3] = NAN;
	ri_stats_line(cap_open(&c), "dW", v, 8, 5, 1);
	t = cap_close(&c);
	ck_assert_ptr_nonnull(strstr(t, "NaN/inf!"));
	ck_assert_ptr_nonnull(strstr(t, "\u2588"));
	free(t);
	ri_probs(cap_open(&c), p, 3, NULL, 0, 8, 0);
	t = cap_close(&c);
	ck_assert_ptr_nonnull(strstr(t, "  0  ##       0.2500  true\n"));
	ck_assert_ptr_nonnull(strstr(t, "  1  ######   0.7500  predicted\n"));
	free(t);
}
END_TEST

START_TEST(params_table)
{
	nn_shape in = { 1, { 784 } };
	nn_model *m = nn_model_new(&in);
	nn_layer_spec d = { .kind = "dense", .args = "200",
	                    .act = NN_ACT_SIGMOID, .has_act = 1 };
	nn_layer_spec o = { .kind = "dense", .args = "10" };
	nn_rng r;
	capture c;
	char *t;

	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &d, &r), 0);
	ck_assert_int_eq(nn_model_add(m, &o, &r), 0);
	ri_params(cap_open(&c), m);
	t = cap_close(&c);
	ck_assert_ptr_nonnull(strstr(t, "W 200x784, b 200"));
	ck_assert_ptr_nonnull(strstr(t, "157000\n"));
	ck_assert_ptr_nonnull(strstr(t, "total 159010 parameters"));
	free(t);
	nn_model_free(m);
}
END_TEST

START_TEST(prediction_grid)
{
	nn_dataset *d = nn_dataset_new();
	size_t idx[3] = { 0, 1, 2 };
	int pred[3] = { 1, 0, 1 };
	cv_canvas *cv;
	capture c;
	char *t;

	d->n = 3;
	d->xshape = (nn_shape){ 3, { 1, 4, 4 } };
	d->xsize = 16;
	d->xbytes = calloc(48, 1);
	d->xscale = 1 / 255.0f;
	d->labels = calloc(3, sizeof *d->labels);
	d->labels[0] = 1;
	d->nclasses = 2;
	d->ysize = 2;
	d->xbytes[5] = 255;
	cv = ri_predictions(d, idx, pred, 3, 80, 0);
	ck_assert_ptr_nonnull(cv);
	cv_write(cv, cap_open(&c), 0);
	t = cap_close(&c);
	ck_assert_ptr_nonnull(strstr(t, "0: 1"));
	ck_assert_ptr_nonnull(strstr(t, "1: 0"));
	ck_assert_ptr_nonnull(strstr(t, "2:1 not 0"));
	ck_assert_ptr_nonnull(strstr(t, "@"));
	free(t);
	cv_free(cv);
	nn_dataset_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inspect");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, confusion_text);
	tcase_add_test(tc, stats_and_probs);
	tcase_add_test(tc, params_table);
	tcase_add_test(tc, prediction_grid);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
