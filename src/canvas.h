/* canvas.h - a text canvas: W x H cells, each a Unicode code point with a
 * foreground and background colour and a bold flag. Renderers draw into a
 * canvas as pure functions (tests read the cells back); a canvas is then
 * written to a FILE as plain text or with ANSI colours, or drawn cell by
 * cell by the curses panel.
 *
 * Colours are small numbers: CV_DEFAULT, the 8 ANSI colours, their 8
 * bright forms, then a 24-step grey ramp from near black to near white
 * (xterm colours 232..255).
 *
 * A canvas has a mode: CV_UNICODE allows block and braille characters,
 * CV_COLOR allows colours. Drawing functions choose their characters from
 * the mode; the caller decides it (src/ from NO_COLOR, TERM=dumb and
 * isatty; tests use plain mode, 0). */
#ifndef NNSH_CANVAS_H
#define NNSH_CANVAS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
	CV_DEFAULT = 0,
	CV_BLACK, CV_RED, CV_GREEN, CV_YELLOW, CV_BLUE, CV_MAGENTA, CV_CYAN,
	CV_WHITE,
	CV_BRIGHT_BLACK, CV_BRIGHT_RED, CV_BRIGHT_GREEN, CV_BRIGHT_YELLOW,
	CV_BRIGHT_BLUE, CV_BRIGHT_MAGENTA, CV_BRIGHT_CYAN, CV_BRIGHT_WHITE,
	CV_GREY0,               /* CV_GREY0 + 0..23: dark to light */
	CV_NCOLORS = CV_GREY0 + 24
};

/* The mode bits. */
enum { CV_UNICODE = 1, CV_COLOR = 2 };

typedef struct cv_cell {
	uint32_t ch;            /* a code point; ' ' when empty */
	uint8_t fg, bg;         /* colours */
	uint8_t bold;
} cv_cell;

typedef struct cv_canvas {
	int w, h;
	int mode;               /* CV_UNICODE | CV_COLOR, or 0 for plain */
	cv_cell *cells;         /* h rows of w cells */
} cv_canvas;

/* A blank canvas of w x h cells (both >= 1); NULL when out of memory. */
cv_canvas *cv_new(int w, int h, int mode);
void cv_free(cv_canvas *c);
/* Every cell a blank with default colours. */
void cv_clear(cv_canvas *c);
/* The cell at (x, y), or NULL outside the canvas. */
cv_cell *cv_at(cv_canvas *c, int x, int y);
/* Set one cell; nothing happens outside the canvas. */
void cv_put(cv_canvas *c, int x, int y, uint32_t ch, int fg, int bg,
            int bold);
/* Write UTF-8 text from (x, y) rightwards with colour fg, clipped at the
 * edge; returns the number of cells it covers (clipped or not). */
int cv_text(cv_canvas *c, int x, int y, const char *utf8, int fg, int bold);
/* cv_text clipped to at most maxw cells; returns the cells written. */
int cv_textn(cv_canvas *c, int x, int y, int maxw, const char *utf8, int fg,
             int bold);
/* The number of cells (code points) of UTF-8 text. */
int cv_width(const char *utf8);
/* The grey colour (CV_GREY0 + 0..23) nearest to a byte value 0..255. */
int cv_grey(int v);

/* Size in cells of a w x h image drawn by cv_image in mode. */
void cv_image_size(int mode, int w, int h, int *cw, int *ch);
/* Draw a w x h image of bytes (0 black .. 255 white; rows of w) with its
 * top-left at (x, y): with CV_COLOR, two pixels per cell as an upper
 * half-block in grey colours; otherwise one pixel per cell from the ramp
 * " .:-=+*#%@". */
void cv_image(cv_canvas *c, int x, int y, const uint8_t *px, int w, int h);

/* A scatter plot of n points (xs[i], ys[i]) into the w x h cell area at
 * (x, y), for the data range [x0, x1] x [y0, y1] (y up). Point i belongs
 * to class cls[i] (cls may be NULL: all class 0). With CV_UNICODE each
 * cell holds 2 x 4 braille dots; otherwise a cell shows the class symbol
 * (cv_class_symbol). With CV_COLOR cells take their class colour. Where
 * points of several classes share a cell, the last one drawn wins. */
void cv_scatter(cv_canvas *c, int x, int y, int w, int h, const float *xs,
                const float *ys, const int *cls, size_t n, float x0,
                float x1, float y0, float y1);
/* The colour and plain-mode symbol of class k: 0-9, then A-Z, then '*'. */
int cv_class_color(int k);
char cv_class_symbol(int k);

/* Write the canvas to f, one line per row without trailing blanks: plain
 * text, or with ANSI escape codes when ansi is set. Code points are
 * written as UTF-8. */
void cv_write(const cv_canvas *c, FILE *f, int ansi);

#endif
