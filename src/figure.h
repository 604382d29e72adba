/* figure.h - pictures written to files with cairo, for the figures of a
 * report: PNG, SVG or PDF, chosen by the file name's extension. Two kinds:
 * charts of curves (several series on one set of axes, with a legend,
 * ticks, axis labels and a title), and any text canvas (the panel's views:
 * digits, confusion, boundary, stats, probs, filters) drawn cell by cell
 * as the terminal shows it, half-block pixels as real pixels. */
#ifndef NNSH_FIGURE_H
#define NNSH_FIGURE_H

#include <stddef.h>
#include <stdio.h>

#include "canvas.h"

typedef enum { FG_PNG, FG_SVG, FG_PDF } fg_format;

/* The format named by path's extension (.png, .svg or .pdf, any case);
 * -1 for another or none, with a one-line reason in err. */
int fg_format_of(const char *path, char *err, size_t len);

/* One curve: n points (x[i], y[i]); a NaN y leaves a gap. */
typedef struct fg_series {
	const char *name;
	const double *x, *y;
	size_t n;
} fg_series;

/* Draw a w x h chart of ns series (at most 8) on white, with a title,
 * axis labels, ticks at round numbers, a grid and a legend, and write it
 * to f in format fmt. Returns 0; -1 with a reason in err when no series
 * has a finite point, or when cairo or the write fails. */
int fg_chart(FILE *f, fg_format fmt, int w, int h, const char *title,
             const char *xlabel, const char *ylabel, const fg_series *s,
             int ns, char *err, size_t len);

/* The size in pixels of canvas c drawn by fg_canvas. */
void fg_canvas_size(const cv_canvas *c, int *w, int *h);

/* Draw canvas c as a terminal shows it (dark background, its colours,
 * 9 x 18 pixels a cell) under a title line, and write it to f in format
 * fmt. Returns 0, or -1 with a reason in err. */
int fg_canvas(FILE *f, fg_format fmt, const cv_canvas *c, const char *title,
              char *err, size_t len);

/* One heat map: ny rows of nx cells, each a value in 0..1 (NaN: no
 * data) drawn from white to dark blue; the columns cover [x0, x1] of the
 * x axis, row r sits at y[r] (strictly increasing), and y runs down. */
typedef struct fg_heat {
	const char *title, *xlabel, *ylabel;
	const double *v;
	int nx, ny;
	double x0, x1;
	const double *y;
} fg_heat;

/* Draw n heat maps, cols to a row, each with its title, axes and ticks,
 * under a figure title, and write them to f in format fmt. Returns 0, or
 * -1 with a reason in err. */
int fg_heatmaps(FILE *f, fg_format fmt, const char *title, const fg_heat *m,
                int n, int cols, char *err, size_t len);

#endif
