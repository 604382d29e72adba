/* live.c - the panel's side of a training run. nn_train calls back after
 * every batch; most calls only add the batch to the running sums (a few
 * nanoseconds). Every millisecond or so the clock is read, and at most
 * every 20 ms keys are read, about 10 times a second the panel is drawn
 * (less often when drawing would take more than 1% of the time), and at
 * evaluation points (and now and then between them on small samples) the
 * view is computed from the model, which is at rest between batches.
 * A paused run waits here, in the callback, so the model stays whole. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "monitor.h"
#include "panel.h"
#include "ranks.h"

#define DRAW_EVERY 0.1          /* seconds between draws at least */
#define DRAW_SHARE 100          /* and 100 times a draw's cost: draws */
#define VIEW_EVERY 0.25         /* take at most 1% of the time, and */
#define VIEW_SHARE 100          /* views at most 1% more */
#define VIEW_AGAIN 1.0          /* small views are redone this often */
#define KEYS_EVERY 0.02
#define LOG_EVERY 0.1

enum { LOSS, CORRECT, SEEN };

struct pn_live {
	sh_session *S;
	sh_model *sm;
	pn_screen *scr;         /* the panel, or NULL: lines */
	FILE *log;              /* log=FILE, or NULL */
	pn_state st;
	vw_view view;
	const nn_dataset *vdata;  /* what the views show */
	nn_dataset *split;      /* owned: the held-out part of val=0.1 */
	char vname[96];
	int started;            /* the first batch came */
	size_t hist_next;       /* sm->hist points already in st */
	long iter0;             /* the run's state when it (re)started */
	double sec0;
	/* the sums of the run's current span (since its last point) after
	 * the last batch; the part of them already in st; in st but not yet
	 * in the log */
	double last[3], rec[3], logged[3];
	size_t prev_pos, cnt;   /* the epoch position, the last batch size */
	/* pacing */
	long every, tick;       /* the clock is read every `every` batches */
	double t_clock, t_draw, t_view, t_keys, t_log;
	double draw_cost, view_cost, paused;
	int view_due;           /* a point came, the view changed */
	int fresh;              /* the model's buffers hold the last batch */
	int step, stop;
};

/* ---- feeding the state and the log -------------------------------------- */

static void feed(pn_live *L, long iter, double loss, double correct,
                 double seen)
{
	if (!(seen > 0))
		return;
	pn_add_batches(&L->st, iter, loss, correct, seen);
	L->logged[LOSS] += loss;
	L->logged[CORRECT] += correct;
	L->logged[SEEN] += seen;
}

static void log_batches(pn_live *L)
{
	if (L->log && L->logged[SEEN] > 0)
		mo_batch(L->log, &L->st, L->logged[LOSS], L->logged[CORRECT],
		         L->logged[SEEN]);
	memset(L->logged, 0, sizeof L->logged);
}

/* The history points nn_train added since the last call. */
static void add_points(pn_live *L)
{
	const nn_history *h = &L->sm->hist;

	log_batches(L);
	for (; L->hist_next < h->n; L->hist_next++) {
		pn_add_point(&L->st, &h->p[L->hist_next]);
		if (L->log)
			mo_point(L->log, &h->p[L->hist_next]);
	}
	L->view_due = 1;
}

/* The span's batches not yet in the state. */
static void feed_span(pn_live *L, long iter)
{
	feed(L, iter, L->last[LOSS] - L->rec[LOSS],
	     L->st.classes ? L->last[CORRECT] - L->rec[CORRECT] : 0,
	     L->last[SEEN] - L->rec[SEEN]);
	memcpy(L->rec, L->last, sizeof L->rec);
}

/* The span's correct predictions counted in samples: the share right
 * (per position for sequences, of the labelled ones) times the samples,
 * so that correct / seen is the accuracy. */
static double span_correct(const nn_run *r)
{
	return r->span_labelled ? (double)r->span_correct *
	                          (double)r->span_seen /
	                          (double)r->span_labelled : 0;
}

/* Every batch: keep the span's sums. At a point the run has already
 * reset them, so this batch's share comes from the point's means over
 * the whole span. */
static void track(pn_live *L, const nn_progress *p)
{
	const nn_run *r = p->run;

	L->cnt = p->seen > L->prev_pos ? p->seen - L->prev_pos : p->seen;
	L->prev_pos = p->seen;
	L->fresh = !p->point;
	if (p->point) {
		double tot = L->last[SEEN] + (double)L->cnt;

		feed(L, p->iter, p->point->loss * tot - L->rec[LOSS],
		     L->st.classes ? p->point->acc * tot - L->rec[CORRECT] : 0,
		     tot - L->rec[SEEN]);
		memset(L->rec, 0, sizeof L->rec);
	}
	L->last[LOSS] = r->span_loss;
	L->last[CORRECT] = span_correct(r);
	L->last[SEEN] = (double)r->span_seen;
}

static void start(pn_live *L, const nn_progress *p)
{
	const nn_run *r = p->run;
	size_t b = r->opts.batch;

	pn_start(&L->st, L->iter0, p->iters, p->epochs,
	         b ? (long)((r->n + b - 1) / b) : 0, L->sec0);
	L->st.lr = L->sm->opt.lr;
	L->st.momentum = L->sm->opt.momentum;
	L->st.msg[0] = '\0';
	if (L->log)
		mo_start(L->log, &L->st);
	L->started = 1;
}

/* ---- steering ----------------------------------------------------------- */

static void say(pn_live *L, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(pn_live *L, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(L->st.msg, sizeof L->st.msg, fmt, ap);
	va_end(ap);
	L->t_draw = 0;
}

static void changed(pn_live *L)
{
	if (L->log)
		mo_change(L->log, &L->st);
	L->t_draw = 0;
}

static void set_lr(pn_live *L, double v)
{
	double old = L->sm->opt.lr;

	if (!(v > 0 && v <= 1e3)) {
		say(L, "lr %g? a rate above 0 and at most 1000", v);
		return;
	}
	L->sm->opt.lr = (float)v;
	L->st.lr = L->sm->opt.lr;
	pn_event_add(&L->st, L->st.iter, "lr %.4g -> %.4g", old, L->st.lr);
	changed(L);
}

static void set_momentum(pn_live *L, double v)
{
	double old = L->sm->opt.momentum;

	if (L->sm->opt.kind != NN_OPT_SGD) {
		say(L, "momentum: the optimizer is %s, which has none",
		    nn_optim_name(L->sm->opt.kind));
		return;
	}
	if (!(v >= 0 && v < 1)) {
		say(L, "momentum %g? a value in [0, 1)", v);
		return;
	}
	L->sm->opt.momentum = (float)v;
	L->st.momentum = L->sm->opt.momentum;
	pn_event_add(&L->st, L->st.iter, "momentum %.4g -> %.4g", old,
	             L->st.momentum);
	changed(L);
}

static void set_view(pn_live *L, int k)
{
	if (k != (int)L->view.kind) {
		vw_free(&L->view);
		vw_init(&L->view, (vw_kind)k, L->vdata, L->vname,
		        pn_screen_mode(L->scr));
		vw_set_targets(&L->view, L->sm->target_lo, L->sm->target_hi);
		L->view.hist = &L->sm->hist;
		L->st.view = k;
	}
	L->view_due = 1;
	L->t_view = 0;
	L->t_draw = 0;
}

static void stop(pn_live *L)
{
	L->stop = 1;
	L->S->stop = 1;
	say(L, "stopping at the end of this batch");
}

static void set_smooth(pn_live *L, double a)
{
	L->st.smooth = a;
	if (a > 0)
		say(L, "training curves smoothed (%.2g); raw points in grey",
		    a);
	else
		say(L, "smoothing off");
}

static const char help[] =
	"lr R | momentum M | view NAME [INDEX|layer=K] | stop | pause | "
	"resume | step | smooth A|off";

/* A ':' command. */
static void command(pn_live *L, char *line)
{
	char *w[4], *save = NULL;
	int n = 0, k;
	double v = NAN;

	for (char *t = strtok_r(line, " \t", &save); t && n < 4;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (n == 0)
		return;
	if (n == 2 && sh_parse_double(w[1], &v) < 0)
		v = NAN;
	if (strcmp(w[0], "lr") == 0 && n == 2)
		set_lr(L, v);
	else if (strcmp(w[0], "momentum") == 0 && n == 2)
		set_momentum(L, v);
	else if (strcmp(w[0], "view") == 0 && (n == 2 || n == 3)) {
		if ((k = vw_parse(w[1])) < 0) {
			say(L, "view %s? %s", w[1], vw_list());
			return;
		}
		set_view(L, k);
		if (n == 3 && strncmp(w[2], "layer=", 6) == 0 &&
		    sh_parse_double(w[2] + 6, &v) == 0 && v >= 0 &&
		    v == floor(v) && v < 1 << 20) {
			L->view.layer = (int)v;     /* histograms, attention */
		} else if (n == 3 && sh_parse_double(w[2], &v) == 0 &&
		           v >= 0 && v == floor(v) &&
		           v < (double)L->vdata->n) {
			L->view.index = (size_t)v;
			L->view.has_index = 1;
		}
	} else if (strcmp(w[0], "stop") == 0 && n == 1)
		stop(L);
	else if (strcmp(w[0], "pause") == 0 && n == 1)
		L->st.paused = 1;
	else if ((strcmp(w[0], "resume") == 0 || strcmp(w[0], "go") == 0) &&
	         n == 1)
		L->st.paused = 0;
	else if (strcmp(w[0], "step") == 0 && n == 1)
		L->step = L->st.paused;
	else if (strcmp(w[0], "smooth") == 0 && n == 2 &&
	         strcmp(w[1], "off") == 0)
		set_smooth(L, 0);
	else if (strcmp(w[0], "smooth") == 0 && n == 2 && v >= 0 && v < 1)
		set_smooth(L, v);
	else
		say(L, "%s? %s", w[0], help);
}

static void edit(pn_live *L, int k)
{
	size_t len = strlen(L->st.line);

	if (k == '\n') {
		char line[sizeof L->st.line];

		memcpy(line, L->st.line, sizeof line);
		L->st.editing = 0;
		command(L, line);
	} else if (k == 27 || k == 7) {     /* Esc, Ctrl-G */
		L->st.editing = 0;
	} else if (k == PN_KEY_BACKSPACE && len > 0) {
		L->st.line[len - 1] = '\0';
	} else if (k >= ' ' && k < 127 && len + 1 < sizeof L->st.line) {
		L->st.line[len] = (char)k;
		L->st.line[len + 1] = '\0';
	}
	L->t_draw = 0;
}

static void key(pn_live *L, int k)
{
	if (L->st.editing) {
		edit(L, k);
		return;
	}
	if (vw_by_key(k) >= 0 && !vw_generator(vw_by_key(k))) {
		set_view(L, vw_by_key(k));
		return;
	}
	switch (k) {
	case ' ':
		L->st.paused = !L->st.paused;
		if (L->st.paused)
			say(L, "paused: s runs one batch, space goes on");
		break;
	case 's':
		if (L->st.paused)
			L->step = 1;
		else
			say(L, "s runs one batch while paused (space "
			    "pauses)");
		break;
	case 'q':
	case 'Q':
		stop(L);
		break;
	case '+':
		set_lr(L, L->sm->opt.lr * 2.0);
		break;
	case '-':
		set_lr(L, L->sm->opt.lr / 2.0);
		break;
	case 'v':
	case '\t':
		for (int v = (L->st.view + 1) % VW_COUNT; ;
		     v = (v + 1) % VW_COUNT)
			if (!vw_generator(v)) {
				set_view(L, v);
				break;
			}
		break;
	case '~':
		set_smooth(L, L->st.smooth > 0 ? 0 : 0.6);
		break;
	case 'x':
		L->st.xepochs = !L->st.xepochs && L->st.per_epoch > 0;
		L->t_draw = 0;
		break;
	case ':':
		L->st.editing = 1;
		L->st.line[0] = '\0';
		L->t_draw = 0;
		break;
	case 'h':
	case '?':
		say(L, "%s", help);
		break;
	case PN_KEY_RESIZE:
		L->t_draw = 0;
		break;
	}
}

/* ---- the screen --------------------------------------------------------- */

static void draw(pn_live *L, double now)
{
	L->draw_cost = pn_screen_draw(L->scr, &L->st, &L->view);
	L->t_draw = now;
}

/* Compute the view when it is due and affordable (force: the run is
 * paused, time does not count). */
static void view_work(pn_live *L, double now, int force)
{
	int W, H, w, h;
	double t0, gap = VIEW_SHARE * L->view_cost;
	int stats = L->view.kind == VW_STATS;

	pn_screen_size(L->scr, &W, &H);
	if (!pn_view_area(W, H, &w, &h))
		return;
	if (!L->view_due && !vw_stale(&L->view, w, h) &&
	    (L->view.kind == VW_CONFUSION || now - L->t_view < VIEW_AGAIN))
		return;
	if (!force && now - L->t_view < (gap > VIEW_EVERY ? gap : VIEW_EVERY))
		return;
	if (stats && !L->fresh)
		return;         /* wait for a batch's own buffers */
	t0 = nn_now();
	vw_update(&L->view, L->sm->m, w, h, stats ? L->cnt : 0);
	L->view_cost = nn_now() - t0;
	L->t_view = now;
	L->view_due = 0;
	L->fresh &= stats;
	L->t_draw = 0;
}

/* Wait in the callback while paused: keys, views and draws go on. */
static void wait_paused(pn_live *L)
{
	double from = nn_now();

	while (L->st.paused && !L->stop && !L->S->stop && !L->step) {
		int k;

		view_work(L, nn_now(), 1);
		if (L->t_draw == 0)
			draw(L, nn_now());
		if ((k = pn_screen_key(L->scr, 100)) >= 0)
			key(L, k);
	}
	L->paused += nn_now() - from;
	L->step = 0;
	if (!L->st.paused)
		L->st.msg[0] = '\0';
}

static void screen(pn_live *L, double now)
{
	int k;

	if (now - L->t_keys >= KEYS_EVERY) {
		L->t_keys = now;
		while ((k = pn_screen_key(L->scr, 0)) >= 0)
			key(L, k);
	}
	view_work(L, now, 0);
	if (now - L->t_draw >= (DRAW_SHARE * L->draw_cost > DRAW_EVERY
	                        ? DRAW_SHARE * L->draw_cost : DRAW_EVERY))
		draw(L, now);
	if (L->st.paused) {
		draw(L, now);
		wait_paused(L);
	}
}

/* ---- the interface ------------------------------------------------------ */

/* The view a run starts on: for an autoencoder (targets as wide as the
 * inputs and the outputs, no classes) its reconstructions, or its codes
 * when the data are not images and the code node has 2 units; else the
 * predictions. */
static int first_view(const nn_model *m, const nn_dataset *d)
{
	nn_layer_info info;
	nn_shape s = d->xshape;

	if (nn_model_layers(m) == 0 || d->nclasses > 0 || !d->y ||
	    d->ysize != d->xsize ||
	    nn_shape_size(nn_model_output_shape(m)) != d->xsize)
		return VW_DIGITS;
	if (s.ndim == 2 || (s.ndim == 3 && s.dim[0] <= 4))
		return VW_RECON;
	nn_model_layer_info(m, (size_t)vw_code_node(m), &info);
	return nn_shape_size(&info.out) == 2 ? VW_LATENT : VW_DIGITS;
}

int pn_live_open(sh_session *S, sh_model *sm, const sh_line *l,
                 const sh_data *train, const sh_data *val,
                 const nn_train_opts *o, pn_live **live)
{
	const char *path = sh_rank_writes() ? sh_opt(l, "log") : NULL;
	double frac = o->resume ? sm->run.opts.val_split : o->val_split;
	int panel = pn_terminal(S);
	pn_live *L;

	*live = NULL;
	if (!panel && !path)
		return 0;
	if (!(L = calloc(1, sizeof *L)))
		return sh_err(S, "out of memory");
	if (path && !(L->log = fopen(path, "a"))) {
		free(L);
		return sh_err(S, "train: cannot open log=%s: %s", path,
		              strerror(errno));
	}
	L->S = S;
	L->sm = sm;
	L->every = 1;
	L->hist_next = sm->hist.n;
	if (o->resume) {
		const nn_run *r = &sm->run;

		L->iter0 = r->iter;
		L->sec0 = r->seconds;
		L->prev_pos = r->pos;
		L->last[LOSS] = L->rec[LOSS] = r->span_loss;
		L->last[CORRECT] = L->rec[CORRECT] = span_correct(r);
		L->last[SEEN] = L->rec[SEEN] = (double)r->span_seen;
	}
	pn_init(&L->st);
	L->st.control = 1;
	L->st.classes = train->d->nclasses > 0;
	L->st.has_momentum = sm->opt.kind == NN_OPT_SGD;
	snprintf(L->st.model, sizeof L->st.model, "%s", sm->name);
	snprintf(L->st.data, sizeof L->st.data, "%s", train->name);
	if (val)
		snprintf(L->st.val, sizeof L->st.val, "%s", val->name);
	else if (frac > 0)
		snprintf(L->st.val, sizeof L->st.val, "the last %g of it",
		         frac);
	L->vdata = val ? val->d : train->d;
	snprintf(L->vname, sizeof L->vname, "%s", val ? val->name
	         : train->name);
	if (!val && frac > 0) {
		/* the samples nn_train holds out: the last fraction */
		size_t n = train->d->n, nval = (size_t)(n * frac + 0.5);

		if (nval > 0 && nval < n &&
		    (L->split = nn_dataset_slice(train->d, n - nval, nval))) {
			L->vdata = L->split;
			snprintf(L->vname, sizeof L->vname, "%s (held out)",
			         train->name);
		}
	}
	if (panel && (L->scr = pn_screen_open())) {
		L->st.view = first_view(sm->m, train->d);
		vw_init(&L->view, (vw_kind)L->st.view, L->vdata, L->vname,
		        pn_screen_mode(L->scr));
		vw_set_targets(&L->view, sm->target_lo, sm->target_hi);
		L->view.hist = &sm->hist;
		snprintf(L->st.msg, sizeof L->st.msg, "starting");
		draw(L, nn_now());
	}
	if (!L->scr && !L->log) {
		pn_live_close(L, 0);
		return 0;
	}
	*live = L;
	return 0;
}

int pn_live_panel(const pn_live *L)
{
	return L && L->scr;
}

int pn_live_batch(pn_live *L, const nn_progress *p)
{
	double now;

	if (!L)
		return 0;
	if (!L->started)
		start(L, p);
	track(L, p);
	if (!p->point && !L->st.paused && ++L->tick < L->every)
		return 0;
	L->tick = 0;
	now = nn_now();
	if (now - L->t_clock < 0.001 && L->every < (1L << 20))
		L->every *= 2;
	else if (now - L->t_clock > 0.004 && L->every > 1)
		L->every /= 2;
	L->t_clock = now;
	if (!p->point)
		feed_span(L, p->iter);
	pn_progress(&L->st, p->iter, p->epoch, p->seconds - L->paused);
	L->st.lr = L->sm->opt.lr;
	L->st.momentum = L->sm->opt.momentum;
	if (p->point) {
		add_points(L);
	} else if (now - L->t_log >= LOG_EVERY) {
		log_batches(L);
		L->t_log = now;
	}
	if (L->scr)
		screen(L, now);
	return L->stop || L->S->stop;
}

void pn_live_close(pn_live *L, int rc)
{
	const nn_run *r;
	int width = 80, height, mode = 0;

	if (!L)
		return;
	r = &L->sm->run;
	if (L->started) {
		/* the batches since the last look, and the point nn_train
		 * adds for the part of a span a stopped run did */
		feed_span(L, r->iter);
		pn_progress(&L->st, r->iter, r->epoch, L->st.seconds);
		add_points(L);
		if (rc < 0)
			snprintf(L->st.end, sizeof L->st.end, "stopped by an "
			         "error");
		else if (r->reached_goal)
			snprintf(L->st.end, sizeof L->st.end, "reached the "
			         "goal at epoch %d", r->epoch);
		else if (r->stopped_early)
			snprintf(L->st.end, sizeof L->st.end, "stopped early "
			         "at epoch %d", r->epoch);
		else if (r->active)
			snprintf(L->st.end, sizeof L->st.end, "stopped at "
			         "iteration %ld of %ld", r->iter, r->iters);
		else
			snprintf(L->st.end, sizeof L->st.end, "finished");
	}
	L->st.ended = 1;
	if (L->scr) {
		pn_screen_size(L->scr, &width, &height);
		mode = pn_screen_mode(L->scr);
		pn_screen_close(L->scr);
	}
	if (L->log) {
		if (L->started)
			mo_end(L->log, &L->st);
		fclose(L->log);
	}
	if (L->scr && L->started)
		pn_summary(&L->st, L->S->out, width, mode, L->S->timing);
	vw_free(&L->view);
	nn_dataset_free(L->split);
	pn_free(&L->st);
	free(L);
}
