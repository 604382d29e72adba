/* svg.c - line charts written as SVG: a pure function of the series, so
 * the same history always gives the same file. */
#include <math.h>
#include <string.h>

#include "svg.h"

#define ML 70           /* margins: left, right, top, bottom */
#define MR 20
#define MT 40
#define MB 50

static const char *const colours[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
};

/* Text with &, <, > and " escaped. */
static void put_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* A round step (1, 2 or 5 times a power of ten) giving about n ticks
 * over span. */
static double nice_step(double span, int n)
{
	double raw = span / n, p = pow(10, floor(log10(raw))), r = raw / p;

	return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * p;
}

/* The range of the finite values of every series. */
static int range(const svg_series *s, int ns, int want_y, double *lo,
                 double *hi)
{
	int any = 0;

	for (int k = 0; k < ns; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			double v = want_y ? s[k].y[i] : s[k].x[i];

			if (!isfinite(s[k].y[i]) || !isfinite(s[k].x[i]))
				continue;
			if (!any || v < *lo)
				*lo = v;
			if (!any || v > *hi)
				*hi = v;
			any = 1;
		}
	if (any && *hi - *lo < 1e-12 * (fabs(*hi) + 1)) {
		*lo -= 0.5 * (fabs(*lo) + 1e-3);
		*hi += 0.5 * (fabs(*hi) + 1e-3);
	}
	return any;
}

/* Ticks along one axis; vertical is the y axis. */
static void ticks(FILE *f, int vertical, double lo, double hi, int w, int h)
{
	double step = nice_step(hi - lo, vertical ? 6 : 8);
	double first = ceil(lo / step - 1e-9) * step;

	for (double v = first; v <= hi + step * 1e-9; v += step) {
		double t = fabs(v) < step * 1e-9 ? 0 : v;
		double pos;

		if (vertical) {
			pos = MT + (h - MT - MB) * (hi - t) / (hi - lo);
			fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
			        "y2=\"%.1f\" stroke=\"#ddd\"/>\n", ML, pos,
			        w - MR, pos);
			fprintf(f, "<text x=\"%d\" y=\"%.1f\" "
			        "text-anchor=\"end\">%g</text>\n", ML - 6,
			        pos + 4, t);
		} else {
			pos = ML + (w - ML - MR) * (t - lo) / (hi - lo);
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
			        "y2=\"%d\" stroke=\"#ddd\"/>\n", pos, MT, pos,
			        h - MB);
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" "
			        "text-anchor=\"middle\">%g</text>\n", pos,
			        h - MB + 16, t);
		}
	}
}

static void polyline(FILE *f, const svg_series *s, const char *colour,
                     double x0, double x1, double y0, double y1, int w,
                     int h)
{
	int open = 0;

	for (size_t i = 0; i < s->n; i++) {
		double px, py;

		if (!isfinite(s->x[i]) || !isfinite(s->y[i])) {
			if (open)
				fputs("\"/>\n", f);
			open = 0;
			continue;
		}
		px = ML + (w - ML - MR) * (s->x[i] - x0) / (x1 - x0);
		py = MT + (h - MT - MB) * (y1 - s->y[i]) / (y1 - y0);
		if (!open)
			fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" "
			        "stroke-width=\"2\" points=\"", colour);
		fprintf(f, "%s%.1f,%.1f", open ? " " : "", px, py);
		open = 1;
	}
	if (open)
		fputs("\"/>\n", f);
}

int svg_chart(FILE *f, int w, int h, const char *title, const char *xlabel,
              const char *ylabel, const svg_series *s, int ns)
{
	double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
	int nc = (int)(sizeof colours / sizeof colours[0]);

	if (!range(s, ns, 0, &x0, &x1) || !range(s, ns, 1, &y0, &y1))
		return -1;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	        "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\""
	        " font-size=\"12\">\n"
	        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
	        w, h, w, h);
	fprintf(f, "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" "
	        "font-size=\"15\">", w / 2);
	put_text(f, title);
	fputs("</text>\n", f);
	ticks(f, 1, y0, y1, w, h);
	ticks(f, 0, x0, x1, w, h);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	        "fill=\"none\" stroke=\"black\"/>\n", ML, MT, w - ML - MR,
	        h - MT - MB);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
	        (ML + w - MR) / 2, h - 12);
	put_text(f, xlabel);
	fprintf(f, "</text>\n<text x=\"16\" y=\"%d\" text-anchor=\"middle\" "
	        "transform=\"rotate(-90 16 %d)\">", (MT + h - MB) / 2,
	        (MT + h - MB) / 2);
	put_text(f, ylabel);
	fputs("</text>\n", f);
	for (int k = 0; k < ns; k++) {
		const char *c = colours[k % nc];
		int ly = MT + 16 + 18 * k;

		polyline(f, &s[k], c, x0, x1, y0, y1, w, h);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		        "stroke=\"%s\" stroke-width=\"2\"/>\n<text x=\"%d\" "
		        "y=\"%d\">", w - MR - 110, ly - 4, w - MR - 86, ly - 4,
		        c, w - MR - 80, ly);
		put_text(f, s[k].name);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
