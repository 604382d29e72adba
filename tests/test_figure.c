/* test_figure.c - figures written with cairo (src/figure.c): the format
 * follows the extension and an unknown one is refused; a chart's PNG has
 * its size, a white page, black axes and both curves in their colours; a
 * canvas's PNG has its size and its half-block pixels where they were
 * drawn; SVG and PDF files begin as those formats do. PNGs are read back
 * with cairo's own reader. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "figure.h"
#include "suite.h"

static char path[64];

/* Write with fg_chart (which 0) or fg_canvas (1) to a temporary file. */
static void chart_file(fg_format fmt, const fg_series *s, int ns)
{
	char err[200];
	FILE *f;
	int fd;

	snprintf(path, sizeof path, "/tmp/nnsh-figure-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "wb");
	ck_assert_int_eq(fg_chart(f, fmt, 640, 400, "net: loss", "epoch",
	                          "loss", s, ns, err, sizeof err), 0);
	fclose(f);
}

/* The pixel (x, y) of a PNG surface as 0xRRGGBB. */
static unsigned pixel(cairo_surface_t *img, int x, int y)
{
	const unsigned char *d = cairo_image_surface_get_data(img);
	int stride = cairo_image_surface_get_stride(img);

	return *(const uint32_t *)(d + y * stride + 4 * x) & 0xffffff;
}

/* How many pixels of img have colour c (within 8 per channel). */
static int pixels_of(cairo_surface_t *img, unsigned c)
{
	int n = 0, w = cairo_image_surface_get_width(img);
	int h = cairo_image_surface_get_height(img);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned p = pixel(img, x, y);
			int close = 1;

			for (int k = 0; k < 24; k += 8)
				close &= abs((int)(p >> k & 255) -
				             (int)(c >> k & 255)) <= 8;
			n += close;
		}
	return n;
}

START_TEST(formats_by_extension)
{
	char err[200];

	ck_assert_int_eq(fg_format_of("a.png", err, sizeof err), FG_PNG);
	ck_assert_int_eq(fg_format_of("dir.x/A.PNG", err, sizeof err),
	                 FG_PNG);
	ck_assert_int_eq(fg_format_of("a.svg", err, sizeof err), FG_SVG);
	ck_assert_int_eq(fg_format_of("a.pdf", err, sizeof err), FG_PDF);
	ck_assert_int_eq(fg_format_of("a.jpg", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "'.jpg' is not a picture format"));
	ck_assert_int_eq(fg_format_of("dir.png/a", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no extension"));
}
END_TEST

START_TEST(chart_png_pixels)
{
	double x[5] = { 1, 2, 3, 4, 5 }, y[5] = { 2.0, 1.2, 0.8, 0.6, 0.5 };
	double v[5] = { 2.1, 1.4, 1.1, 1.0, 1.0 };
	fg_series s[2] = { { "training", x, y, 5 }, { "validation", x, v, 5 } };
	cairo_surface_t *img;

	chart_file(FG_PNG, s, 2);
	img = cairo_image_surface_create_from_png(path);
	ck_assert_int_eq(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
	ck_assert_int_eq(cairo_image_surface_get_width(img), 640);
	ck_assert_int_eq(cairo_image_surface_get_height(img), 400);
	ck_assert_uint_eq(pixel(img, 2, 2), 0xffffff);          /* page */
	ck_assert_uint_eq(pixel(img, 70, 200), 0x000000);       /* y axis */
	ck_assert_uint_eq(pixel(img, 300, 340), 0x000000);      /* x axis */
	/* the training curve (blue) and the validation one (orange), each
	 * a line of hundreds of pixels, and their legend */
	ck_assert_int_gt(pixels_of(img, 0x1f78b5), 500);
	ck_assert_int_gt(pixels_of(img, 0xff800d), 500);
	cairo_surface_destroy(img);
	remove(path);
}
END_TEST

START_TEST(chart_svg_pdf_and_nothing)
{
	double x[2] = { 0, 1 }, y[2] = { 1, 0 }, n[2] = { NAN, NAN };
	fg_series s = { "training", x, y, 2 }, e = { "none", x, n, 2 };
	char head[8] = "", err[200];
	FILE *f;

	chart_file(FG_SVG, &s, 1);
	f = fopen(path, "rb");
	ck_assert_uint_gt(fread(head, 1, 5, f), 0);
	fclose(f);
	ck_assert_str_eq(head, "<?xml");
	chart_file(FG_PDF, &s, 1);
	f = fopen(path, "rb");
	memset(head, 0, sizeof head);
	ck_assert_uint_gt(fread(head, 1, 5, f), 0);
	fclose(f);
	ck_assert_str_eq(head, "%PDF-");
	f = fopen(path, "wb");
	ck_assert_int_eq(fg_chart(f, FG_PNG, 640, 400, "t", "x", "y", &e, 1,
	                          err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no finite points"));
	fclose(f);
	remove(path);
}
END_TEST

START_TEST(canvas_png_pixels)
{
	/* a 2x2-pixel image: white, black / mid grey, white, as one row of
	 * two upper-half-block cells */
	static const uint8_t px[4] = { 255, 0, 128, 255 };
	cv_canvas *c = cv_new(10, 3, CV_UNICODE | CV_COLOR);
	cairo_surface_t *img;
	char err[200];
	int w, h, fd;
	FILE *f;

	cv_image(c, 1, 1, px, 2, 2);
	cv_text(c, 4, 1, "7", CV_RED, 0);
	fg_canvas_size(c, &w, &h);
	snprintf(path, sizeof path, "/tmp/nnsh-figure-XXXXXX");
	ck_assert_int_ge(fd = mkstemp(path), 0);
	f = fdopen(fd, "wb");
	ck_assert_int_eq(fg_canvas(f, FG_PNG, c, "digits", err, sizeof err),
	                 0);
	fclose(f);
	img = cairo_image_surface_create_from_png(path);
	ck_assert_int_eq(cairo_image_surface_get_width(img), w);
	ck_assert_int_eq(cairo_image_surface_get_height(img), h);
	ck_assert_int_eq(w, 90);
	ck_assert_int_eq(h, 3 * 18 + 28);
	/* cell (1, 1): its top half white, its bottom half grey; cell
	 * (2, 1): top black, bottom white; the page is dark */
	ck_assert_uint_eq(pixel(img, 9 + 4, 28 + 18 + 4) & 0xff, 0xee);
	ck_assert_uint_eq(pixel(img, 9 + 4, 28 + 18 + 13) & 0xff, 0x80);
	ck_assert_uint_lt(pixel(img, 18 + 4, 28 + 18 + 4) & 0xff, 0x10);
	ck_assert_uint_eq(pixel(img, 18 + 4, 28 + 18 + 13) & 0xff, 0xee);
	ck_assert_uint_eq(pixel(img, 80, 28 + 40), 0x171717);
	/* the red 7 is drawn in red */
	ck_assert_int_gt(pixels_of(img, 0xcd0000), 5);
	cairo_surface_destroy(img);
	cv_free(c);
	remove(path);
}
END_TEST

START_TEST(heatmap_png_pixels)
{
	/* two maps of 2 x 2 cells: full, empty / no data, half */
	static const double v[4] = { 1, 0, NAN, 0.5 }, y[2] = { 1, 2 };
	fg_heat m[2] = {
		{ "1 dense: W", "value", "epoch", v, 2, 2, -1, 1, y },
		{ "1 dense: gradient of W", "gradient", "epoch", v, 2, 2, -1,
		  1, y },
	};
	cairo_surface_t *img;
	char err[200];
	FILE *f;
	int fd;

	snprintf(path, sizeof path, "/tmp/nnsh-figure-XXXXXX");
	ck_assert_int_ge(fd = mkstemp(path), 0);
	f = fdopen(fd, "wb");
	ck_assert_int_eq(fg_heatmaps(f, FG_PNG, "net: over time", m, 2, 2,
	                             err, sizeof err), 0);
	fclose(f);
	img = cairo_image_surface_create_from_png(path);
	ck_assert_int_eq(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
	ck_assert_int_eq(cairo_image_surface_get_width(img), 2 * 440);
	ck_assert_int_eq(cairo_image_surface_get_height(img), 44 + 300);
	/* the plot area of the first map is x 64..420, y 74..290; the
	 * rows split it at 182, the columns at 242 */
	ck_assert_uint_eq(pixel(img, 150, 120), 0x07306b);     /* full */
	ck_assert_uint_eq(pixel(img, 350, 120), 0xffffff);     /* empty */
	ck_assert_uint_eq(pixel(img, 150, 250), 0xd9d9d9);     /* none */
	ck_assert_uint_eq(pixel(img, 350, 250), 0x8398b5);     /* half */
	ck_assert_uint_eq(pixel(img, 440 + 150, 120), 0x07306b);
	ck_assert_uint_eq(pixel(img, 64, 200), 0x000000);      /* frame */
	ck_assert_uint_eq(pixel(img, 2, 2), 0xffffff);          /* page */
	cairo_surface_destroy(img);
	f = fopen(path, "wb");
	m[0].ny = 0;
	ck_assert_int_eq(fg_heatmaps(f, FG_PNG, "t", m, 2, 2, err,
	                             sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "without rows"));
	fclose(f);
	remove(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("figure");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, formats_by_extension);
	tcase_add_test(tc, chart_png_pixels);
	tcase_add_test(tc, chart_svg_pdf_and_nothing);
	tcase_add_test(tc, canvas_png_pixels);
	tcase_add_test(tc, heatmap_png_pixels);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
