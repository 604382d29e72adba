/* test_render.c - the text canvas and the data renderers as pure
 * functions: cells, text, shaded images, scatter plots, and the text they
 * write (plain and ANSI). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "render_data.h"
#include "suite.h"

/* What cv_write prints, in a static buffer. */
static const char *written(const cv_canvas *c, int ansi)
{
	static char out[65536];
	FILE *f = fmemopen(out, sizeof out, "w");

	ck_assert_ptr_nonnull(f);
	cv_write(c, f, ansi);
	fputc('\0', f);
	fclose(f);
	return out;
}

START_TEST(cells_and_text)
{
	cv_canvas *c = cv_new(6, 2, 0);

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(cv_new(0, 3, 0));
	ck_assert_ptr_null(cv_at(c, 6, 0));
	ck_assert_ptr_null(cv_at(c, -1, 0));
	cv_put(c, 9, 9, 'x', 0, 0, 0);          /* outside: ignored */
	cv_put(c, 0, 1, 'z', CV_RED, CV_DEFAULT, 1);
	ck_assert_int_eq(cv_text(c, 1, 0, "h\xc3\xa9llo!", CV_GREEN, 0), 6);
	ck_assert_uint_eq(cv_at(c, 2, 0)->ch, 0xe9);
	ck_assert_int_eq(cv_at(c, 1, 0)->fg, CV_GREEN);
	ck_assert_int_eq(cv_at(c, 0, 1)->bold, 1);
	ck_assert_str_eq(written(c, 0), " h\xc3\xa9llo\nz\n");
	ck_assert_str_eq(written(c, 1),
	                 " \033[0;32mh\xc3\xa9llo\033[0m\n\033[0;1;31mz\033[0m\n");
	cv_clear(c);
	ck_assert_str_eq(written(c, 0), "\n\n");
	ck_assert_int_eq(cv_grey(0), CV_GREY0);
	ck_assert_int_eq(cv_grey(255), CV_GREY0 + 23);
	ck_assert_int_eq(cv_grey(999), CV_GREY0 + 23);
	cv_free(c);
}
END_TEST

START_TEST(image_plain_and_colour)
{
	uint8_t black[12] = { 0 }, white[12], ramp[10];
	cv_canvas *c = cv_new(4, 3, 0);
	int w, h;

	memset(white, 255, sizeof white);
	cv_image_size(0, 4, 3, &w, &h);
	ck_assert(w == 4 && h == 3);
	cv_image(c, 0, 0, black, 4, 3);
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 4; x++)
			ck_assert_uint_eq(cv_at(c, x, y)->ch, ' ');
	cv_image(c, 0, 0, white, 4, 3);
	ck_assert_str_eq(written(c, 0), "@@@@\n@@@@\n@@@@\n");
	cv_free(c);
	for (int i = 0; i < 10; i++)
		ramp[i] = (uint8_t)(i * 255 / 9);
	c = cv_new(10, 1, 0);
	cv_image(c, 0, 0, ramp, 10, 1);
	ck_assert_str_eq(written(c, 0), " .:-=+*#%@\n");
	cv_free(c);

	/* colour: two pixel rows per cell, upper half-blocks in grey */
	c = cv_new(4, 2, CV_UNICODE | CV_COLOR);
	cv_image_size(c->mode, 4, 3, &w, &h);
	ck_assert(w == 4 && h == 2);
	white[4] = 0;                         /* second row, first pixel */
	cv_image(c, 0, 0, white, 4, 3);
	ck_assert_uint_eq(cv_at(c, 0, 0)->ch, 0x2580);
	ck_assert_int_eq(cv_at(c, 0, 0)->fg, CV_GREY0 + 23);
	ck_assert_int_eq(cv_at(c, 0, 0)->bg, CV_GREY0);
	ck_assert_int_eq(cv_at(c, 1, 0)->bg, CV_GREY0 + 23);
	ck_assert_int_eq(cv_at(c, 0, 1)->bg, CV_DEFAULT);   /* odd height */
	ck_assert_ptr_nonnull(strstr(written(c, 1),
	                             "\033[0;38;5;255;48;5;232m\xe2\x96\x80"));
	cv_free(c);
}
END_TEST

START_TEST(scatter_cells)
{
	float xs[] = { 0, 1, 0.5f, 5 }, ys[] = { 0, 1, 0.5f, 5 };
	int cls[] = { 0, 1, 2, 3 };
	cv_canvas *c = cv_new(3, 3, 0);

	/* plain: one cell per point, the class digit; out of range dropped */
	cv_scatter(c, 0, 0, 3, 3, xs, ys, cls, 4, 0, 1, 0, 1);
	ck_assert_str_eq(written(c, 0), "  1\n 2\n0\n");
	cv_free(c);

	/* braille: 2 x 4 dots per cell */
	c = cv_new(2, 1, CV_UNICODE | CV_COLOR);
	cv_scatter(c, 0, 0, 2, 1, xs, ys, cls, 2, 0, 1, 0, 1);
	ck_assert_uint_eq(cv_at(c, 0, 0)->ch, 0x2800 | 0x40);  /* (0, 0) */
	ck_assert_uint_eq(cv_at(c, 1, 0)->ch, 0x2800 | 0x08);  /* (1, 1) */
	ck_assert_int_eq(cv_at(c, 0, 0)->fg, cv_class_color(0));
	ck_assert_int_eq(cv_at(c, 1, 0)->fg, cv_class_color(1));
	ck_assert_int_ne(cv_class_color(0), cv_class_color(1));
	cv_scatter(c, 0, 0, 2, 1, xs + 1, ys + 1, NULL, 1, 0, 1, 0, 1);
	ck_assert_uint_eq(cv_at(c, 1, 0)->ch, 0x2800 | 0x08);
	ck_assert_int_eq(cv_class_symbol(11), 'B');
	ck_assert_int_eq(cv_class_symbol(99), '*');
	cv_free(c);
}
END_TEST

static nn_dataset *two_by_three(void)
{
	nn_dataset *d = nn_dataset_new();
	static const char *names[2] = { "dark", "light" };

	d->n = 2;
	d->xshape = (nn_shape){ 3, { 1, 2, 3, 0 } };
	d->xsize = 6;
	d->xbytes = calloc(12, 1);
	memset(d->xbytes + 6, 255, 6);
	d->xscale = 1.0f / 255;
	d->labels = calloc(2, sizeof *d->labels);
	d->labels[1] = 1;
	d->nclasses = 2;
	d->ysize = 2;
	d->class_names = calloc(2, sizeof *d->class_names);
	for (int i = 0; i < 2; i++)
		d->class_names[i] = strdup(names[i]);
	return d;
}

START_TEST(images_with_captions)
{
	nn_dataset *d = two_by_three();
	cv_canvas *c;
	int w, h;

	ck_assert(rd_is_image(d, &w, &h) && w == 3 && h == 2);
	c = rd_images(d, 0, 2, 80, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(written(c, 0),
	                 "          @@@\n"
	                 "          @@@\n"
	                 "0: 0 dar  1: 1 lig\n");
	cv_free(c);
	c = rd_images(d, 1, 2, 80, 0);
	ck_assert_str_eq(written(c, 0), "@@@\n@@@\n1: 1 lig\n");
	cv_free(c);
	/* narrow: one per row */
	c = rd_images(d, 0, 2, 10, 0);
	ck_assert_int_eq(c->h, 2 * 4 - 1);
	cv_free(c);
	ck_assert_ptr_null(rd_images(d, 1, 1, 80, 0));
	ck_assert_ptr_null(rd_images(d, 0, 3, 80, 0));
	nn_dataset_free(d);
}
END_TEST

START_TEST(scatter_plot_frame_legend)
{
	nn_dataset *d = nn_dataset_new();
	static const float x[] = { 0, 0, 1, 1, 0.5f, 0.5f };
	cv_canvas *c;
	const char *out;

	d->n = 3;
	d->xshape = (nn_shape){ 1, { 2, 0, 0, 0 } };
	d->xsize = 2;
	d->x = malloc(sizeof x);
	memcpy(d->x, x, sizeof x);
	d->labels = calloc(3, sizeof *d->labels);
	d->labels[1] = 1;
	d->labels[2] = 1;
	d->nclasses = 2;
	d->ysize = 1;
	c = rd_scatter(d, 30, 8, 0);
	ck_assert_ptr_nonnull(c);
	out = written(c, 0);
	ck_assert_str_eq(out,
	                 "  +--------------------------+\n"
	                 "1 |                         1|\n"
	                 "  |             1            |\n"
	                 "  |                          |\n"
	                 "0 |0                         |\n"
	                 "  +--------------------------+\n"
	                 "   0                        1\n"
	                 "0 class 0 (1)  1 class 1 (2)\n");
	cv_free(c);
	ck_assert_ptr_null(rd_scatter(d, 10, 8, 0));
	nn_dataset_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("canvas");

	tcase_add_test(tc, cells_and_text);
	tcase_add_test(tc, image_plain_and_colour);
	tcase_add_test(tc, scatter_cells);
	tcase_add_test(tc, images_with_captions);
	tcase_add_test(tc, scatter_plot_frame_legend);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
