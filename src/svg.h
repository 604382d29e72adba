/* svg.h - line charts as self-contained SVG files (no scripts, no fonts to
 * fetch), for the figures of a report: training curves from a history. */
#ifndef NNSH_SVG_H
#define NNSH_SVG_H

#include <stddef.h>
#include <stdio.h>

/* One line: n points (x[i], y[i]); a NaN y leaves a gap. */
typedef struct svg_series {
	const char *name;
	const double *x, *y;
	size_t n;
} svg_series;

/* Write a w x h chart of ns series with axes, ticks at round numbers, a
 * grid, labels and a legend to f. Returns 0, or -1 when no series has a
 * finite point or the write fails. */
int svg_chart(FILE *f, int w, int h, const char *title, const char *xlabel,
              const char *ylabel, const svg_series *s, int ns);

#endif
