/* cmd_figure.c - figures for a report, written with cairo (figure.c):
 * `plot loss|accuracy|lr` draws a model's history, training and
 * validation on one chart; `view ... out=FILE` and `filters ... out=FILE`
 * write the panel's pictures through sh_figure_canvas. The format is the
 * file's extension (.png, .svg, .pdf); any other is an error. Files are
 * written beside their name and renamed into place. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "figure.h"
#include "handlers.h"
#include "histograms.h"

int sh_check_figure(sh_session *S, const char *what, const char *out)
{
	char err[512];

	if (out && fg_format_of(out, err, sizeof err) < 0)
		return sh_err(S, "%s: %s", what, err);
	return 0;
}

/* Write with draw (a chart or a canvas) to out, atomically. */
typedef sh_drawer drawer;

static int write_figure(sh_session *S, const char *what, const char *out,
                        drawer draw, const void *ud)
{
	char err[512], *tmp;
	int fmt = fg_format_of(out, err, sizeof err);
	FILE *f;

	if (fmt < 0)
		return sh_err(S, "%s: %s", what, err);
	if (!(f = sh_open_atomic(S, what, out, &tmp)))
		return -1;
	if (draw(f, (fg_format)fmt, ud, err, sizeof err) < 0) {
		fclose(f);
		unlink(tmp);
		free(tmp);
		return sh_err(S, "%s: %s", what, err);
	}
	if (sh_close_atomic(S, what, out, f, tmp) < 0)
		return -1;
	sh_printf(S, "wrote %s\n", out);
	return 0;
}

int sh_write_figure(sh_session *S, const char *what, const char *out,
                    sh_drawer draw, const void *ud)
{
	return write_figure(S, what, out, draw, ud);
}

typedef struct chart {
	const char *title, *xlabel, *ylabel;
	const fg_series *s;
	int ns;
} chart;

static int draw_chart(FILE *f, fg_format fmt, const void *ud, char *err,
                      size_t len)
{
	const chart *c = ud;

	return fg_chart(f, fmt, 640, 400, c->title, c->xlabel, c->ylabel,
	                c->s, c->ns, err, len);
}

int sh_plot_history(sh_session *S, sh_model *sm, int kind, const char *out)
{
	static const char *const names[3] = {
		"loss", "accuracy", "learning rate"
	};
	double *x, *y[2];
	fg_series s[2];
	char title[300];
	int by_epoch, ns = 0, rc;
	chart c;

	if (sm->hist.n == 0)
		return sh_err(S, "plot: %s has not been trained yet", sm->name);
	x = hg_point_x(&sm->hist, &by_epoch);
	y[0] = malloc(sm->hist.n * sizeof *y[0]);
	y[1] = malloc(sm->hist.n * sizeof *y[1]);
	if (!x || !y[0] || !y[1]) {
		free(x);
		free(y[0]);
		free(y[1]);
		return sh_err(S, "out of memory");
	}
	for (size_t i = 0; i < sm->hist.n; i++) {
		const nn_metrics *p = &sm->hist.p[i];

		y[0][i] = kind == 0 ? p->loss : kind == 1 ? p->acc : p->lr;
		y[1][i] = kind == 0 ? p->val_loss : p->val_acc;
	}
	s[ns++] = (fg_series){ kind == 2 ? "learning rate" : "training",
	                       x, y[0], sm->hist.n };
	for (size_t i = 0; kind < 2 && i < sm->hist.n; i++)
		if (!isnan(y[1][i])) {
			s[ns++] = (fg_series){ "validation", x, y[1],
			                       sm->hist.n };
			break;
		}
	snprintf(title, sizeof title, "%s: %s", sm->name, names[kind]);
	c = (chart){ title, by_epoch ? "epoch" : "iteration",
	             kind == 2 ? "lr" : names[kind], s, ns };
	rc = write_figure(S, "plot", out, draw_chart, &c);
	free(x);
	free(y[0]);
	free(y[1]);
	return rc;
}

int cmd_plot(sh_session *S, const sh_line *l)
{
	const char *what = sh_pos(l, 0)->text, *out = sh_opt(l, "out");
	const sh_arg *name = sh_pos(l, 1);
	sh_model *sm = sh_model_arg(S, name ? name->text : NULL);
	int kind;

	if (!sm || sh_check_figure(S, "plot", out) < 0)
		return -1;
	kind = strcmp(what, "loss") == 0 ? 0 : strcmp(what, "accuracy") == 0 ||
	       strcmp(what, "acc") == 0 ? 1 : strcmp(what, "lr") == 0 ? 2 : -1;
	if (kind < 0)
		return sh_err(S, "plot: '%s'? (loss accuracy lr)", what);
	if (!out)
		return sh_err(S, "plot needs out=FILE (.png .svg or .pdf)");
	return sh_plot_history(S, sm, kind, out);
}

typedef struct picture {
	const cv_canvas *c;
	const char *title;
} picture;

static int draw_canvas(FILE *f, fg_format fmt, const void *ud, char *err,
                       size_t len)
{
	const picture *p = ud;

	return fg_canvas(f, fmt, p->c, p->title, err, len);
}

int sh_figure_canvas(sh_session *S, const char *what, cv_canvas *c,
                     const char *title, const char *out)
{
	picture p = { c, title };
	int rc = write_figure(S, what, out, draw_canvas, &p);

	cv_free(c);
	return rc;
}
