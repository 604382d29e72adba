/* canvas.c - the text canvas: cells, text, shaded images, braille or
 * ASCII scatter plots, and output as plain text or ANSI colour. Nothing
 * here looks at the terminal: the caller chooses the mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"

#define BRAILLE     0x2800u
#define UPPER_HALF  0x2580u

cv_canvas *cv_new(int w, int h, int mode)
{
	cv_canvas *c;

	if (w < 1 || h < 1 || w > 10000 || h > 10000)
		return NULL;
	if (!(c = malloc(sizeof *c)))
		return NULL;
	c->w = w;
	c->h = h;
	c->mode = mode;
	if (!(c->cells = malloc((size_t)w * (size_t)h * sizeof *c->cells))) {
		free(c);
		return NULL;
	}
	cv_clear(c);
	return c;
}

void cv_free(cv_canvas *c)
{
	if (!c)
		return;
	free(c->cells);
	free(c);
}

void cv_clear(cv_canvas *c)
{
	for (size_t i = 0; i < (size_t)c->w * (size_t)c->h; i++)
		c->cells[i] = (cv_cell){ ' ', CV_DEFAULT, CV_DEFAULT, 0 };
}

cv_cell *cv_at(cv_canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return NULL;
	return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

void cv_put(cv_canvas *c, int x, int y, uint32_t ch, int fg, int bg,
            int bold)
{
	cv_cell *cell = cv_at(c, x, y);

	if (cell)
		*cell = (cv_cell){ ch, (uint8_t)fg, (uint8_t)bg,
		                   (uint8_t)(bold != 0) };
}

/* Decode one UTF-8 sequence at *s; '?' for a malformed one. */
static uint32_t utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t cp;
	int more;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		more = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		more = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		more = 3;
	} else {
		*s = p + 1;
		return '?';
	}
	for (int i = 1; i <= more; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s = p + i;
			return '?';
		}
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*s = p + more + 1;
	return cp;
}

int cv_text(cv_canvas *c, int x, int y, const char *utf8, int fg, int bold)
{
	const unsigned char *s = (const unsigned char *)utf8;
	int n = 0;

	while (*s) {
		uint32_t cp = utf8_next(&s);
		cv_cell *cell = cv_at(c, x + n, y);

		if (cell) {
			cell->ch = cp;
			cell->fg = (uint8_t)fg;
			cell->bold = (uint8_t)(bold != 0);
		}
		n++;
	}
	return n;
}

int cv_textn(cv_canvas *c, int x, int y, int maxw, const char *utf8, int fg,
             int bold)
{
	const unsigned char *s = (const unsigned char *)utf8;
	int n = 0;

	while (*s && n < maxw) {
		uint32_t cp = utf8_next(&s);
		cv_cell *cell = cv_at(c, x + n, y);

		if (cell) {
			cell->ch = cp;
			cell->fg = (uint8_t)fg;
			cell->bold = (uint8_t)(bold != 0);
		}
		n++;
	}
	return n;
}

int cv_width(const char *utf8)
{
	int n = 0;

	for (; *utf8; utf8++)
		n += ((unsigned char)*utf8 & 0xc0) != 0x80;
	return n;
}

int cv_grey(int v)
{
	v = v < 0 ? 0 : v > 255 ? 255 : v;
	return CV_GREY0 + (v * 23 + 127) / 255;
}

void cv_image_size(int mode, int w, int h, int *cw, int *ch)
{
	*cw = w;
	*ch = mode & CV_COLOR ? (h + 1) / 2 : h;
}

void cv_image(cv_canvas *c, int x, int y, const uint8_t *px, int w, int h)
{
	static const char ramp[] = " .:-=+*#%@";

	if (c->mode & CV_COLOR) {
		for (int r = 0; r < h; r += 2)
			for (int k = 0; k < w; k++) {
				int up = px[r * w + k];
				int bg = r + 1 < h ? cv_grey(px[(r + 1) * w + k])
				                   : CV_DEFAULT;

				cv_put(c, x + k, y + r / 2, UPPER_HALF,
				       cv_grey(up), bg, 0);
			}
		return;
	}
	for (int r = 0; r < h; r++)
		for (int k = 0; k < w; k++)
			cv_put(c, x + k, y + r,
			       (uint32_t)ramp[px[r * w + k] * 10 / 256],
			       CV_DEFAULT, CV_DEFAULT, 0);
}

int cv_class_color(int k)
{
	static const int colors[] = {
		CV_RED, CV_BLUE, CV_GREEN, CV_YELLOW, CV_MAGENTA, CV_CYAN,
		CV_BRIGHT_RED, CV_BRIGHT_BLUE, CV_BRIGHT_GREEN,
		CV_BRIGHT_YELLOW,
	};

	return k < 0 ? CV_DEFAULT : colors[k % 10];
}

char cv_class_symbol(int k)
{
	if (k >= 0 && k < 10)
		return (char)('0' + k);
	if (k >= 10 && k < 36)
		return (char)('A' + k - 10);
	return '*';
}

/* Position of v in [lo, hi] on a grid of n steps (0..n-1); -1 outside. */
static int grid(float v, float lo, float hi, int n)
{
	double t;

	if (!(v >= lo && v <= hi))
		return -1;
	t = hi > lo ? (v - lo) / (double)(hi - lo) : 0.5;
	return (int)lround(t * (n - 1));
}

void cv_scatter(cv_canvas *c, int x, int y, int w, int h, const float *xs,
                const float *ys, const int *cls, size_t n, float x0,
                float x1, float y0, float y1)
{
	int braille = c->mode & CV_UNICODE, sx = braille ? 2 : 1;
	int sy = braille ? 4 : 1;

	for (size_t i = 0; i < n; i++) {
		int k = cls ? cls[i] : 0;
		int gx = grid(xs[i], x0, x1, w * sx);
		int gy = grid(ys[i], y0, y1, h * sy);
		int fg = c->mode & CV_COLOR ? cv_class_color(k) : CV_DEFAULT;
		cv_cell *cell;

		if (gx < 0 || gy < 0)
			continue;
		gy = h * sy - 1 - gy;          /* y grows upwards */
		if (!(cell = cv_at(c, x + gx / sx, y + gy / sy)))
			continue;
		if (braille) {
			static const uint8_t bit[4][2] = {
				{ 0x01, 0x08 }, { 0x02, 0x10 },
				{ 0x04, 0x20 }, { 0x40, 0x80 },
			};
			uint32_t old = cell->ch >= BRAILLE &&
			               cell->ch <= BRAILLE + 0xff
			               ? cell->ch : BRAILLE;

			cell->ch = old | bit[gy % 4][gx % 2];
		} else {
			cell->ch = (uint32_t)cv_class_symbol(k);
		}
		cell->fg = (uint8_t)fg;
	}
}

static void put_utf8(FILE *f, uint32_t cp)
{
	if (cp < 0x80) {
		putc((int)cp, f);
	} else if (cp < 0x800) {
		putc((int)(0xc0 | cp >> 6), f);
		putc((int)(0x80 | (cp & 0x3f)), f);
	} else if (cp < 0x10000) {
		putc((int)(0xe0 | cp >> 12), f);
		putc((int)(0x80 | (cp >> 6 & 0x3f)), f);
		putc((int)(0x80 | (cp & 0x3f)), f);
	} else {
		putc((int)(0xf0 | cp >> 18), f);
		putc((int)(0x80 | (cp >> 12 & 0x3f)), f);
		putc((int)(0x80 | (cp >> 6 & 0x3f)), f);
		putc((int)(0x80 | (cp & 0x3f)), f);
	}
}

/* The SGR parameters selecting colour k (not CV_DEFAULT) as foreground
 * (base 30) or background (base 40). */
static void sgr_color(FILE *f, int k, int base)
{
	if (k <= CV_WHITE)
		fprintf(f, ";%d", base + k - CV_BLACK);
	else if (k < CV_GREY0)
		fprintf(f, ";%d", base + 60 + k - CV_BRIGHT_BLACK);
	else
		fprintf(f, ";%d;5;%d", base + 8, 232 + k - CV_GREY0);
}

void cv_write(const cv_canvas *c, FILE *f, int ansi)
{
	for (int y = 0; y < c->h; y++) {
		const cv_cell *row = c->cells + (size_t)y * (size_t)c->w;
		int end = c->w, fg = CV_DEFAULT, bg = CV_DEFAULT, bold = 0;

		while (end > 0 && row[end - 1].ch == ' ' &&
		       (!ansi || row[end - 1].bg == CV_DEFAULT))
			end--;
		for (int x = 0; x < end; x++) {
			const cv_cell *cell = &row[x];

			if (ansi && (cell->fg != fg || cell->bg != bg ||
			             cell->bold != bold)) {
				fputs("\033[0", f);
				if (cell->bold)
					fputs(";1", f);
				if (cell->fg != CV_DEFAULT)
					sgr_color(f, cell->fg, 30);
				if (cell->bg != CV_DEFAULT)
					sgr_color(f, cell->bg, 40);
				putc('m', f);
				fg = cell->fg;
				bg = cell->bg;
				bold = cell->bold;
			}
			put_utf8(f, cell->ch ? cell->ch : ' ');
		}
		if (ansi && (fg != CV_DEFAULT || bg != CV_DEFAULT || bold))
			fputs("\033[0m", f);
		putc('\n', f);
	}
}
