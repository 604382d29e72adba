/* cmd_view.c - the panel's pictures outside training: `view` draws one
 * view (or a chart of the history) once into the normal output, and
 * `monitor` (nnsh --monitor) follows the JSON log of a run in another
 * process: the panel's curves at a terminal, else a line per record. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"
#include "monitor.h"
#include "panel.h"
#include "render_panel.h"


static void show(sh_session *S, cv_canvas *c, int mode)
{
	cv_write(c, S->out, mode & CV_COLOR);
	cv_free(c);
}

/* Whether the model's rate is scheduled (then rate changes between
 * points are the schedule's, not changes to mark). */
static int scheduled(const sh_model *sm)
{
	const nn_schedule *s = &sm->sched;

	return s->kind != NN_SCHED_CONSTANT || s->max > 0 || s->warmup > 0;
}

/* `view loss` and `view accuracy`: a chart of the history. */
static int view_history(sh_session *S, sh_model *sm, int acc)
{
	const nn_history *h = &sm->hist;
	const nn_run *r = &sm->run;
	int mode = sh_canvas_mode(S), w = sh_term_width(), classes = 0, rc = 0;
	pn_state *st;
	cv_canvas *c;

	if (h->n == 0)
		return sh_err(S, "view: %s has not been trained yet", sm->name);
	for (size_t i = 0; i < h->n; i++)
		classes |= isfinite(h->p[i].acc) || isfinite(h->p[i].val_acc);
	if (acc && !classes)
		return sh_err(S, "view accuracy: %s has no accuracy (its data "
		              "has no classes)", sm->name);
	if (!(st = malloc(sizeof *st)) || !(c = cv_new(w, 14, mode))) {
		free(st);
		return sh_err(S, "out of memory");
	}
	pn_init(st);
	st->classes = classes;
	if (r->n && r->opts.batch)
		st->per_epoch = (long)((r->n + r->opts.batch - 1) /
		                       r->opts.batch);
	st->xepochs = st->per_epoch > 0 && h->p[h->n - 1].epoch >= 2;
	for (size_t i = 0; i < h->n && rc == 0; i++) {
		rc = pn_add_point(st, &h->p[i]);
		if (i > 0 && !scheduled(sm) && h->p[i].lr != h->p[i - 1].lr)
			pn_event_add(st, st->pts.p[i - 1].iter, "lr %.4g -> "
			             "%.4g", h->p[i - 1].lr, h->p[i].lr);
	}
	if (rc < 0) {
		rc = sh_err(S, "out of memory");
	} else {
		pn_chart(st, c, 0, 0, w, 14, acc);
		show(S, c, mode);
		c = NULL;
	}
	cv_free(c);
	pn_free(st);
	free(st);
	return rc;
}

/* DATA, DATA:INDEX (probs), or the data the model last validated on. */
static sh_data *view_data(sh_session *S, sh_model *sm, const char *word,
                          vw_kind k, long *index)
{
	char name[256], what[64];
	const char *colon = word ? strrchr(word, ':') : NULL;
	sh_data *sd;

	*index = -1;
	if (!word) {
		if (sm->run.val_name[0] &&
		    (sd = sh_find_data(S, sm->run.val_name)))
			return sd;
		sh_err(S, "view %s needs DATA (%s has not validated on any)",
		       vw_name(k), sm->name);
		return NULL;
	}
	if ((k != VW_PROBS && k != VW_ATTENTION) || !colon) {
		if (colon && !sh_find_data(S, word)) {
			sh_err(S, "view %s takes DATA; DATA:INDEX is for probs "
			       "and attention", vw_name(k));
			return NULL;
		}
		return sh_data_arg(S, word);
	}
	snprintf(name, sizeof name, "%.*s", (int)(colon - word), word);
	snprintf(what, sizeof what, "view %s: index", vw_name(k));
	if (!(sd = sh_data_arg(S, name)) ||
	    sh_parse_long(S, what, colon + 1, 0,
	                  sd->d->n ? (long)sd->d->n - 1 : 0, index) < 0)
		return NULL;
	return sd;
}

/* layer= and head= of view attention into v; refused for other views. */
static int attention_opts(sh_session *S, const sh_line *l, vw_view *v)
{
	long layer, head;

	if (sh_opt_long(S, l, "layer", 1, 1, 4096, &layer) < 0 ||
	    sh_opt_long(S, l, "head", 0, 1, 4096, &head) < 0)
		return -1;
	v->layer = (int)layer;
	v->head = (int)head;
	return 0;
}

int cmd_view(sh_session *S, const sh_line *l)
{
	const char *what = sh_pos(l, 0)->text, *first = NULL, *dword = NULL;
	const char *out = sh_opt(l, "out");
	int np = sh_npos(l), mode = sh_canvas_mode(S), w = sh_term_width(), k, h;
	char title[600];
	sh_model *sm;
	sh_data *sd = NULL;
	vw_view v;
	long index;
	size_t batch = 0;
	cv_canvas *c;

	if (np >= 2)
		first = sh_pos(l, 1)->text;
	if (np == 3)
		dword = sh_pos(l, 2)->text;
	else if (first && !sh_find_model(S, first))
		dword = first;
	sm = sh_model_arg(S, np == 3 || (first && !dword) ? first : NULL);
	if (!sm || sh_check_figure(S, "view", out) < 0)
		return -1;
	if (vw_parse(what) == VW_HISTOGRAMS) {  /* view stats over=time */
		if (dword)
			return sh_err(S, "view histograms shows a MODEL's "
			              "history, not data");
		return sh_view_stats_time(S, sm, l, out);
	}
	if (sh_opt(l, "over") || sh_opt(l, "rows") ||
	    (sh_opt(l, "layer") && strcmp(what, "stats") == 0)) {
		if (strcmp(what, "stats") != 0 || dword)
			return sh_err(S, "view: over= and rows= are for view "
			              "stats over=time [MODEL]");
		if (!sh_opt(l, "over"))
			return sh_err(S, "view stats: rows= and layer= go "
			              "with over=time");
		return sh_view_stats_time(S, sm, l, out);
	}
	if (strcmp(what, "loss") == 0 || strcmp(what, "accuracy") == 0) {
		if (dword)
			return sh_err(S, "view %s shows the history of a "
			              "MODEL, not data", what);
		if (out)
			return sh_plot_history(S, sm, what[0] == 'a', out);
		return view_history(S, sm, what[0] == 'a');
	}
	if (out) {              /* a picture: in colour, a page wide */
		mode = CV_UNICODE | CV_COLOR;
		w = 100;
	}
	if ((k = vw_parse(what)) < 0)
		return sh_err(S, "view '%s'? (loss accuracy %s)", what,
		              vw_list());
	if ((dword || vw_needs_data(k)) &&
	    !(sd = view_data(S, sm, dword, (vw_kind)k, &index)))
		return -1;
	if (nn_model_layers(sm->m) == 0)
		return sh_err(S, "view: %s has no layers", sm->name);
	if (k == VW_STATS && sd &&
	    !(batch = vw_stats_pass(sm->m, sh_model_loss(sm), sd->d, 100)))
		return sh_err(S, "view stats: %s", nn_error());
	vw_init(&v, (vw_kind)k, sd ? sd->d : NULL, sd ? sd->name : sm->name,
	        mode);
	vw_set_targets(&v, sm->target_lo, sm->target_hi);
	if (sm->gan) {          /* a generator: samples as its data */
		sh_model *disc = sh_find_model(S, sm->gan->disc);

		v.shape = sm->gan->shape;
		v.noise = (int)sm->gan->run.opts.noise;
		v.disc = disc ? disc->m : NULL;
	}
	if (k == VW_ATTENTION && attention_opts(S, l, &v) < 0) {
		vw_free(&v);
		return -1;
	}
	if ((k == VW_PROBS || k == VW_ATTENTION) && index >= 0) {
		v.index = (size_t)index;
		v.has_index = 1;
	}
	if ((sh_opt(l, "layer") || sh_opt(l, "head")) && k != VW_ATTENTION) {
		vw_free(&v);
		return sh_err(S, "view %s: layer= and head= are for view "
		              "attention", vw_name(k));
	}
	if (sh_opt(l, "noise") && k != VW_RECON) {
		vw_free(&v);
		return sh_err(S, "view %s: noise= is for view recon",
		              vw_name(k));
	}
	if (sh_opt(l, "noise")) {
		double std;

		if (sh_opt_double(S, l, "noise", 0, 1e-6, 10, &std) < 0) {
			vw_free(&v);
			return -1;
		}
		v.corrupt = (float)std;
	}
	if (sh_opt(l, "node") && k != VW_LATENT) {
		vw_free(&v);
		return sh_err(S, "view %s: node= is for view latent",
		              vw_name(k));
	}
	if (sh_opt(l, "node") &&
	    (v.node = nn_model_find_node(sm->m, sh_opt(l, "node")) - 1) < 0) {
		vw_free(&v);
		return sh_err(S, "view latent: %s", v.node == -1 ?
		              "node=in is the data itself; name a layer"
		              : nn_error());
	}
	h = vw_height(&v, w);
	if (vw_update(&v, sm->m, w, h, batch) < 0) {
		sh_err(S, "view %s: %s", vw_name(k), v.note);
		vw_free(&v);
		return -1;
	}
	h = vw_height(&v, w);
	if (k == VW_STATS && w < 90)
		w = 90;         /* the lines of `stats` */
	if (!(c = cv_new(w, h, mode))) {
		vw_free(&v);
		return sh_err(S, "out of memory");
	}
	vw_draw(&v, c, 0, 0, w, h);
	snprintf(title, sizeof title, "%s: %s%s%s", sm->name, vw_name(k),
	         sd ? " on " : "", sd ? sd->name : "");
	vw_free(&v);
	if (out)
		return sh_figure_canvas(S, "view", c, title, out);
	show(S, c, mode);
	return 0;
}

/* ---- monitor ------------------------------------------------------------ */

/* Read the complete lines that have arrived (a partial last line is left
 * for later) into st; print a line per record unless quiet. Returns the
 * number of records read. */
static int follow(sh_session *S, FILE *f, pn_state *st, int quiet)
{
	char *line = NULL, buf[256];
	size_t cap = 0;
	ssize_t len;
	int n = 0;

	for (;;) {
		long at = ftell(f);
		int kind;

		if ((len = getline(&line, &cap, f)) <= 0 ||
		    line[len - 1] != '\n') {
			clearerr(f);
			fseek(f, at, SEEK_SET);
			break;
		}
		kind = mo_read(st, line);
		n += kind >= 0;
		if (quiet || kind < 0)
			continue;
		if (kind == MO_START)
			sh_printf(S, "run: %s on %s%s%s, %ld iterations\n",
			          st->model, st->data, st->val[0]
			          ? ", validation " : "", st->val, st->iters);
		else if (kind == MO_POINT) {
			pn_point_line(st, &st->pts.p[st->pts.n - 1], buf,
			              sizeof buf);
			sh_printf(S, "%s\n", buf);
		} else if (kind == MO_CHANGE)
			sh_printf(S, "%s from iteration %ld\n",
			          st->ev[st->nev - 1].text,
			          st->ev[st->nev - 1].iter + 1);
		else if (kind == MO_END)
			sh_printf(S, "end: %s at iteration %ld\n", st->end,
			          st->iter);
		fflush(S->out);
	}
	free(line);
	return n;
}

/* Without a terminal: wait for the file to appear, then print the
 * records until the run ends. */
static int monitor_lines(sh_session *S, const char *path, pn_state *st)
{
	FILE *f;
	int said = 0;

	while (!(f = fopen(path, "r"))) {
		if (errno != ENOENT)
			return sh_err(S, "monitor: %s: %s", path,
			              strerror(errno));
		if (S->stop)
			return 0;
		if (!said) {
			sh_printf(S, "monitor: waiting for %s\n", path);
			fflush(S->out);
			said = 1;
		}
		usleep(200000);
	}
	while (!S->stop) {
		follow(S, f, st, 0);
		if (st->ended)
			break;
		usleep(200000);
	}
	fclose(f);
	return 0;
}

/* At a terminal: the panel's curves and the table of points, following
 * the file (which may not exist yet) until q or Ctrl-C. */
static void monitor_screen(sh_session *S, pn_screen *scr, const char *path,
                           pn_state *st)
{
	FILE *f = NULL;
	int k = -1, dirty = 1;

	snprintf(st->model, sizeof st->model, "(waiting for the file)");
	while (!S->stop && k != 'q' && k != 'Q') {
		if (!f && (f = fopen(path, "r")))
			st->model[0] = '\0';
		if (f && follow(S, f, st, 1) > 0)
			dirty = 1;
		if (k == '~')
			st->smooth = st->smooth > 0 ? 0 : 0.6;
		if (k == 'x')
			st->xepochs = !st->xepochs && st->per_epoch > 0;
		if (dirty || k >= 0)
			pn_screen_draw(scr, st, NULL);
		dirty = 0;
		k = pn_screen_key(scr, 200);
	}
	if (f)
		fclose(f);
}

int sh_monitor(sh_session *S, const char *path)
{
	pn_state *st = malloc(sizeof *st);
	pn_screen *scr = NULL;
	int rc = 0, width = 80, height, mode = 0;

	if (!st)
		return sh_err(S, "out of memory");
	pn_init(st);
	snprintf(st->source, sizeof st->source, "%s", path);
	S->stop = 0;
	if (pn_terminal(S) && (scr = pn_screen_open())) {
		monitor_screen(S, scr, path, st);
		pn_screen_size(scr, &width, &height);
		mode = pn_screen_mode(scr);
		pn_screen_close(scr);
		if (st->iters > 0)
			pn_summary(st, S->out, width, mode, S->timing);
	} else {
		rc = monitor_lines(S, path, st);
	}
	S->stop = 0;
	pn_free(st);
	free(st);
	return rc;
}

int cmd_monitor(sh_session *S, const sh_line *l)
{
	return sh_monitor(S, sh_pos(l, 0)->text);
}
