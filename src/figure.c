/* figure.c - pictures written to files with cairo (figure.h): charts of
 * curves in a report's style, and text canvases drawn as the terminal
 * shows them. One surface per file: an image surface saved as PNG, or
 * cairo's SVG and PDF surfaces, all writing through the caller's FILE. */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "figure.h"

enum { CELL_W = 9, CELL_H = 18, TITLE_H = 28 };

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

int fg_format_of(const char *path, char *err, size_t len)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (dot && (!slash || dot > slash)) {
		if (strcasecmp(dot, ".png") == 0)
			return FG_PNG;
		if (strcasecmp(dot, ".svg") == 0)
			return FG_SVG;
		if (strcasecmp(dot, ".pdf") == 0)
			return FG_PDF;
		return fail(err, len, "%s: '%s' is not a picture format "
		            "(.png .svg .pdf)", path, dot);
	}
	return fail(err, len, "%s: no extension to choose the format by "
	            "(.png .svg .pdf)", path);
}

/* ---- surfaces ------------------------------------------------------------ */

static cairo_status_t put(void *closure, const unsigned char *data,
                          unsigned int n)
{
	return fwrite(data, 1, n, closure) == n ? CAIRO_STATUS_SUCCESS
	                                        : CAIRO_STATUS_WRITE_ERROR;
}

static cairo_surface_t *open_surface(FILE *f, fg_format fmt, int w, int h)
{
	switch (fmt) {
	case FG_SVG:
		return cairo_svg_surface_create_for_stream(put, f, w, h);
	case FG_PDF:
		return cairo_pdf_surface_create_for_stream(put, f, w, h);
	default:
		return cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	}
}

/* Finish cr and its surface (writing a PNG) and free both. */
static int close_surface(FILE *f, fg_format fmt, cairo_t *cr, char *err,
                         size_t len)
{
	cairo_surface_t *s = cairo_get_target(cr);
	cairo_status_t st = cairo_status(cr);

	cairo_surface_reference(s);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS && fmt == FG_PNG)
		st = cairo_surface_write_to_png_stream(s, put, f);
	cairo_surface_finish(s);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		return fail(err, len, "cairo: %s", cairo_status_to_string(st));
	return 0;
}

/* ---- charts ------------------------------------------------------------- */

static const double palette[8][3] = {
	{ 0.12, 0.47, 0.71 }, { 1.00, 0.50, 0.05 }, { 0.17, 0.63, 0.17 },
	{ 0.84, 0.15, 0.16 }, { 0.58, 0.40, 0.74 }, { 0.55, 0.34, 0.29 },
	{ 0.89, 0.47, 0.76 }, { 0.50, 0.50, 0.50 },
};

/* A round step (1, 2 or 5 times a power of ten) giving about n ticks. */
static double tick_step(double range, int n)
{
	double raw = range / n, p = pow(10, floor(log10(raw))), m = raw / p;

	return p * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
}

static void tick_text(char *buf, size_t len, double v, double step)
{
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);

	if (fabs(v) < step * 1e-6)
		v = 0;
	if (fabs(v) >= 1e5 || (v != 0 && fabs(v) < 1e-4))
		snprintf(buf, len, "%.3g", v);
	else
		snprintf(buf, len, "%.*f", dec > 8 ? 8 : dec, v);
}

/* Text anchored at (x, y): ax 0 left, 0.5 centred, 1 right; ay likewise
 * from the top. */
static void text_at(cairo_t *cr, double x, double y, double ax, double ay,
                    const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - ax * e.x_advance - e.x_bearing,
	              y - ay * e.height - e.y_bearing);
	cairo_show_text(cr, s);
}

typedef struct frame {
	double px, py, pw, ph;          /* the plot area */
	double x0, x1, y0, y1;          /* the data range */
} frame;

static double fx(const frame *F, double x)
{
	return F->px + (x - F->x0) / (F->x1 - F->x0) * F->pw;
}

static double fy(const frame *F, double y)
{
	return F->py + F->ph - (y - F->y0) / (F->y1 - F->y0) * F->ph;
}

/* The data range of the series; 0 when no point is finite. */
static int range(frame *F, const fg_series *s, int ns)
{
	int any = 0;

	F->x0 = F->y0 = INFINITY;
	F->x1 = F->y1 = -INFINITY;
	for (int k = 0; k < ns; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			if (!isfinite(s[k].x[i]) || !isfinite(s[k].y[i]))
				continue;
			any = 1;
			F->x0 = fmin(F->x0, s[k].x[i]);
			F->x1 = fmax(F->x1, s[k].x[i]);
			F->y0 = fmin(F->y0, s[k].y[i]);
			F->y1 = fmax(F->y1, s[k].y[i]);
		}
	if (!any)
		return 0;
	if (F->x1 <= F->x0) {
		F->x0 -= 1;
		F->x1 += 1;
	}
	if (F->y1 <= F->y0) {
		double d = fabs(F->y0) > 0 ? fabs(F->y0) * 0.1 : 1;

		F->y0 -= d;
		F->y1 += d;
	}
	return 1;
}

static void axes(cairo_t *cr, frame *F, const char *xlabel,
                 const char *ylabel)
{
	double xs = tick_step(F->x1 - F->x0, 6), ys = tick_step(F->y1 - F->y0,
	                                                         5);
	char buf[64];

	F->y0 = floor(F->y0 / ys) * ys;
	F->y1 = ceil(F->y1 / ys) * ys;
	cairo_set_font_size(cr, 11);
	cairo_set_line_width(cr, 1);
	for (double v = F->y0; v <= F->y1 + ys / 2; v += ys) {
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, F->px, fy(F, v));
		cairo_line_to(cr, F->px + F->pw, fy(F, v));
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		tick_text(buf, sizeof buf, v, ys);
		text_at(cr, F->px - 6, fy(F, v), 1, 0.5, buf);
	}
	for (double v = ceil(F->x0 / xs) * xs; v <= F->x1 + xs * 1e-9;
	     v += xs) {
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_move_to(cr, fx(F, v), F->py);
		cairo_line_to(cr, fx(F, v), F->py + F->ph);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		tick_text(buf, sizeof buf, v, xs);
		text_at(cr, fx(F, v), F->py + F->ph + 6, 0.5, 0, buf);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_rectangle(cr, F->px, F->py, F->pw, F->ph);
	cairo_stroke(cr);
	cairo_set_font_size(cr, 13);
	text_at(cr, F->px + F->pw / 2, F->py + F->ph + 26, 0.5, 0, xlabel);
	cairo_save(cr);
	cairo_translate(cr, 16, F->py + F->ph / 2);
	cairo_rotate(cr, -M_PI / 2);
	text_at(cr, 0, 0, 0.5, 0.5, ylabel);
	cairo_restore(cr);
}

static void curve(cairo_t *cr, const frame *F, const fg_series *s)
{
	int open = 0;

	cairo_set_line_width(cr, 2);
	for (size_t i = 0; i < s->n; i++) {
		if (!isfinite(s->x[i]) || !isfinite(s->y[i])) {
			open = 0;
			continue;
		}
		if (open)
			cairo_line_to(cr, fx(F, s->x[i]), fy(F, s->y[i]));
		else
			cairo_move_to(cr, fx(F, s->x[i]), fy(F, s->y[i]));
		open = 1;
	}
	cairo_stroke(cr);
	for (size_t i = 0; s->n <= 60 && i < s->n; i++)
		if (isfinite(s->x[i]) && isfinite(s->y[i])) {
			cairo_arc(cr, fx(F, s->x[i]), fy(F, s->y[i]), 2.5, 0,
			          2 * M_PI);
			cairo_fill(cr);
		}
}

static void legend(cairo_t *cr, const frame *F, const fg_series *s, int ns)
{
	double w = 0, x, y = F->py + 10;
	cairo_text_extents_t e;

	cairo_set_font_size(cr, 12);
	for (int k = 0; k < ns; k++) {
		cairo_text_extents(cr, s[k].name, &e);
		w = fmax(w, e.x_advance);
	}
	x = F->px + F->pw - w - 44;
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_rectangle(cr, x - 8, y - 4, w + 44, 18.0 * ns + 8);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
	for (int k = 0; k < ns; k++, y += 18) {
		cairo_set_source_rgb(cr, palette[k][0], palette[k][1],
		                     palette[k][2]);
		cairo_set_line_width(cr, 2);
		cairo_move_to(cr, x, y + 6);
		cairo_line_to(cr, x + 24, y + 6);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		text_at(cr, x + 30, y + 6, 0, 0.5, s[k].name);
	}
}

int fg_chart(FILE *f, fg_format fmt, int w, int h, const char *title,
             const char *xlabel, const char *ylabel, const fg_series *s,
             int ns, char *err, size_t len)
{
	frame F = { 70.5, 40.5, w - 90, h - 100, 0, 0, 0, 0 };
	cairo_t *cr;

	if (ns > 8)
		ns = 8;
	if (!range(&F, s, ns))
		return fail(err, len, "no finite points to draw");
	cr = cairo_create(open_surface(f, fmt, w, h));
	cairo_surface_destroy(cairo_get_target(cr));
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	                       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	axes(cr, &F, xlabel, ylabel);
	cairo_save(cr);
	cairo_rectangle(cr, F.px, F.py, F.pw, F.ph);
	cairo_clip(cr);
	for (int k = 0; k < ns; k++) {
		cairo_set_source_rgb(cr, palette[k][0], palette[k][1],
		                     palette[k][2]);
		curve(cr, &F, &s[k]);
	}
	cairo_restore(cr);
	if (ns > 1 || (ns == 1 && s[0].name && *s[0].name))
		legend(cr, &F, s, ns);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	                       CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 15);
	cairo_set_source_rgb(cr, 0, 0, 0);
	text_at(cr, w / 2.0, 12, 0.5, 0, title);
	return close_surface(f, fmt, cr, err, len);
}

/* ---- canvases ----------------------------------------------------------- */

/* The colour of canvas colour k as the terminal shows it (xterm's
 * palette; fg picks the default foreground or background). */
static void rgb(cairo_t *cr, int k, int fg)
{
	static const unsigned char ansi[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 },
		{ 229, 229, 229 }, { 127, 127, 127 }, { 255, 0, 0 },
		{ 0, 255, 0 }, { 255, 255, 0 }, { 92, 92, 255 },
		{ 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	double v;

	if (k == CV_DEFAULT) {
		v = fg ? 0.86 : 0.09;
		cairo_set_source_rgb(cr, v, v, v);
	} else if (k < CV_GREY0) {
		cairo_set_source_rgb(cr, ansi[k - 1][0] / 255.0,
		                     ansi[k - 1][1] / 255.0,
		                     ansi[k - 1][2] / 255.0);
	} else {
		v = (8 + 10 * (k - CV_GREY0)) / 255.0;
		cairo_set_source_rgb(cr, v, v, v);
	}
}

void fg_canvas_size(const cv_canvas *c, int *w, int *h)
{
	*w = c->w * CELL_W;
	*h = c->h * CELL_H + TITLE_H;
}

/* Block elements and braille as shapes; 1 when ch was one of them. */
static int shape(cairo_t *cr, uint32_t ch, double x, double y)
{
	double a = 0;

	if (ch == 0x2580 || ch == 0x2584) {
		cairo_rectangle(cr, x, y + (ch == 0x2584) * CELL_H / 2.0,
		                CELL_W, CELL_H / 2.0);
	} else if (ch == 0x2588) {
		cairo_rectangle(cr, x, y, CELL_W, CELL_H);
	} else if (ch >= 0x2591 && ch <= 0x2593) {
		a = (ch - 0x2590) * 0.25;
		cairo_rectangle(cr, x, y, CELL_W, CELL_H);
		cairo_save(cr);
		cairo_clip(cr);
		cairo_paint_with_alpha(cr, a);
		cairo_restore(cr);
		return 1;
	} else if (ch >= 0x2800 && ch <= 0x28ff) {
		static const int bit[4][2] = {
			{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 },
			{ 0x40, 0x80 },
		};

		for (int r = 0; r < 4; r++)
			for (int k = 0; k < 2; k++)
				if ((ch - 0x2800) & (uint32_t)bit[r][k])
					cairo_rectangle(cr, x + 1.5 + k * 4,
					                y + 1 + r * 4.25, 2.5,
					                2.5);
	} else {
		return 0;
	}
	cairo_fill(cr);
	return 1;
}

static void glyph(cairo_t *cr, uint32_t ch, double x, double y)
{
	char s[5];
	int n;

	if (ch < 0x80) {
		s[0] = (char)ch;
		n = 1;
	} else if (ch < 0x800) {
		s[0] = (char)(0xc0 | ch >> 6);
		s[1] = (char)(0x80 | (ch & 0x3f));
		n = 2;
	} else {
		s[0] = (char)(0xe0 | ch >> 12);
		s[1] = (char)(0x80 | (ch >> 6 & 0x3f));
		s[2] = (char)(0x80 | (ch & 0x3f));
		n = 3;
	}
	s[n] = '\0';
	cairo_move_to(cr, x, y + CELL_H - 5);
	cairo_show_text(cr, s);
}

int fg_canvas(FILE *f, fg_format fmt, const cv_canvas *c, const char *title,
              char *err, size_t len)
{
	int w, h;
	cairo_t *cr;

	fg_canvas_size(c, &w, &h);
	cr = cairo_create(open_surface(f, fmt, w, h));
	cairo_surface_destroy(cairo_get_target(cr));
	rgb(cr, CV_DEFAULT, 0);
	cairo_paint(cr);
	cairo_select_font_face(cr, "monospace", CAIRO_FONT_SLANT_NORMAL,
	                       CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 14);
	rgb(cr, CV_DEFAULT, 1);
	text_at(cr, 6, TITLE_H / 2.0, 0, 0.5, title);
	cairo_set_font_size(cr, 14);
	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < c->w; x++) {
			const cv_cell *k = &c->cells[y * c->w + x];
			double px = x * CELL_W, py = TITLE_H + y * CELL_H;

			if (k->bg != CV_DEFAULT) {
				rgb(cr, k->bg, 0);
				cairo_rectangle(cr, px, py, CELL_W, CELL_H);
				cairo_fill(cr);
			}
			if (k->ch == ' ' || k->ch == 0)
				continue;
			rgb(cr, k->fg, 1);
			if (shape(cr, k->ch, px, py))
				continue;
			cairo_select_font_face(cr, "monospace",
			                       CAIRO_FONT_SLANT_NORMAL,
			                       k->bold ? CAIRO_FONT_WEIGHT_BOLD
			                       : CAIRO_FONT_WEIGHT_NORMAL);
			glyph(cr, k->ch, px, py);
		}
	return close_surface(f, fmt, cr, err, len);
}

/* ---- heat maps ----------------------------------------------------------- */

enum { HEAT_W = 440, HEAT_H = 300, HEAT_TOP = 44 };

/* The y range around the rows: half a gap beyond the first and last. */
static void heat_rows(const fg_heat *m, double *y0, double *y1)
{
	double first = m->ny > 1 ? m->y[1] - m->y[0] : 1;
	double last = m->ny > 1 ? m->y[m->ny - 1] - m->y[m->ny - 2] : 1;

	*y0 = m->y[0] - first / 2;
	*y1 = m->y[m->ny - 1] + last / 2;
}

/* One heat map with its top-left corner at (ox, oy). */
static void heatmap(cairo_t *cr, const fg_heat *m, double ox, double oy)
{
	frame F = { ox + 64.5, oy + 30.5, HEAT_W - 84, HEAT_H - 84,
	            m->x0, m->x1, 0, 0 };
	double xs = tick_step(m->x1 - m->x0, 4), ys, cw = F.pw / m->nx;
	char buf[64];

	heat_rows(m, &F.y0, &F.y1);
	ys = fmax(1, tick_step(m->y[m->ny - 1] - m->y[0], 5));
	for (int r = 0; r < m->ny; r++) {
		double top = r ? (m->y[r - 1] + m->y[r]) / 2 : F.y0;
		double bot = r + 1 < m->ny ? (m->y[r] + m->y[r + 1]) / 2 : F.y1;
		double py0 = F.py + (top - F.y0) / (F.y1 - F.y0) * F.ph;
		double py1 = F.py + (bot - F.y0) / (F.y1 - F.y0) * F.ph;

		for (int j = 0; j < m->nx; j++) {
			double a = m->v[r * m->nx + j];

			if (isnan(a))
				cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
			else
				cairo_set_source_rgb(cr, 1 - a * 0.97,
				                     1 - a * 0.81,
				                     1 - a * 0.58);
			cairo_rectangle(cr, F.px + j * cw, py0, cw + 0.5,
			                py1 - py0 + 0.5);
			cairo_fill(cr);
		}
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, F.px, F.py, F.pw, F.ph);
	cairo_stroke(cr);
	cairo_set_font_size(cr, 11);
	for (double v = ceil(m->x0 / xs) * xs; v <= m->x1 + xs * 1e-9;
	     v += xs) {
		tick_text(buf, sizeof buf, v, xs);
		cairo_move_to(cr, fx(&F, v), F.py + F.ph);
		cairo_line_to(cr, fx(&F, v), F.py + F.ph + 4);
		cairo_stroke(cr);
		text_at(cr, fx(&F, v), F.py + F.ph + 7, 0.5, 0, buf);
	}
	for (double v = ceil(m->y[0] / ys) * ys; v <= m->y[m->ny - 1];
	     v += ys) {
		double y = F.py + (v - F.y0) / (F.y1 - F.y0) * F.ph;

		tick_text(buf, sizeof buf, v, ys);
		cairo_move_to(cr, F.px - 4, y);
		cairo_line_to(cr, F.px, y);
		cairo_stroke(cr);
		text_at(cr, F.px - 7, y, 1, 0.5, buf);
	}
	cairo_set_font_size(cr, 12);
	text_at(cr, F.px + F.pw / 2, F.py + F.ph + 24, 0.5, 0, m->xlabel);
	cairo_save(cr);
	cairo_translate(cr, ox + 14, F.py + F.ph / 2);
	cairo_rotate(cr, -M_PI / 2);
	text_at(cr, 0, 0, 0.5, 0.5, m->ylabel);
	cairo_restore(cr);
	cairo_set_font_size(cr, 13);
	text_at(cr, F.px + F.pw / 2, oy + 8, 0.5, 0, m->title);
}

int fg_heatmaps(FILE *f, fg_format fmt, const char *title, const fg_heat *m,
                int n, int cols, char *err, size_t len)
{
	int rows = (n + cols - 1) / cols;
	int w = HEAT_W * (n < cols ? n : cols), h = HEAT_TOP + rows * HEAT_H;
	cairo_t *cr;

	if (n <= 0)
		return fail(err, len, "nothing to draw");
	if (rows > 30000 / HEAT_H)
		return fail(err, len, "%d heat maps are too many for one "
		            "picture (at most %d)", n, 30000 / HEAT_H * cols);
	for (int i = 0; i < n; i++) {
		if (m[i].ny < 1 || m[i].nx < 1 || !(m[i].x1 > m[i].x0))
			return fail(err, len, "a heat map without rows or "
			            "range");
		for (int r = 1; r < m[i].ny; r++)
			if (!(m[i].y[r] > m[i].y[r - 1]))
				return fail(err, len, "a heat map's rows must "
				            "go up");
	}
	cr = cairo_create(open_surface(f, fmt, w, h));
	cairo_surface_destroy(cairo_get_target(cr));
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	                       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	for (int i = 0; i < n; i++)
		heatmap(cr, &m[i], HEAT_W * (i % cols),
		        HEAT_TOP + HEAT_H * (i / cols));
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	                       CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 15);
	cairo_set_source_rgb(cr, 0, 0, 0);
	text_at(cr, w / 2.0, 12, 0.5, 0, title);
	return close_surface(f, fmt, cr, err, len);
}
