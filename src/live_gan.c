/* live_gan.c - the panel's side of a GAN run (GAN Lab's controls in a
 * terminal). nn_gan_train calls back after every iteration; the panel
 * shows the D and G losses on one chart and D(x) and D(G(z)) on another,
 * and a view of the generator on a fixed batch of noise (samples, or the
 * 2-D picture of the gan view), redrawn as it trains. Space pauses; while
 * paused, d runs one discriminator step and g one generator step; + and -
 * act on the model chosen with ':use G|D'. The run is whole between
 * iterations, so the single steps use the same pieces as the loop.
 * gan ... log=FILE appends the run's points as JSON lines (monitor.h),
 * with or without the panel, for `monitor FILE`. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "monitor.h"
#include "panel.h"

#define DRAW_EVERY 0.1          /* seconds between draws at least */
#define VIEW_EVERY 0.5          /* and between views at least */
#define KEYS_EVERY 0.02
#define POINTS 400              /* chart points over a whole run */
#define NOISE_SEED 0x6a4e       /* the view's fixed noise */

struct pn_gan_live {
	sh_session *S;
	sh_model *g, *d, *use;  /* use: what + and - change */
	const sh_data *data;
	nn_gan *run;
	pn_screen *scr;         /* the panel, or NULL (a log only) */
	FILE *log;              /* log=FILE, or NULL */
	pn_state st;
	vw_view view;
	long stride, last;      /* a chart point every stride iterations */
	double sum[4];          /* the iterations since the last point */
	long nsum;
	double t_draw, t_view, t_keys, paused, view_cost;
	int view_due, stop;
};

static void say(pn_gan_live *L, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(pn_gan_live *L, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(L->st.msg, sizeof L->st.msg, fmt, ap);
	va_end(ap);
	L->t_draw = 0;
}

/* The means of the iterations since the last chart point, as a point. */
static void chart_point(pn_gan_live *L)
{
	nn_metrics m = { 0 };
	double n = (double)L->nsum;

	if (L->nsum == 0)
		return;
	m.epoch = L->run->epoch;
	m.iter = L->run->iter;
	m.loss = L->sum[0] / n;
	m.val_loss = L->sum[1] / n;
	m.acc = L->sum[2] / n;
	m.val_acc = L->sum[3] / n;
	m.seq_acc = m.val_seq_acc = NAN;
	m.lr = L->use->opt.lr;
	m.seconds = L->run->seconds;
	pn_add_point(&L->st, &m);
	if (L->log)
		mo_point(L->log, &m);
	memset(L->sum, 0, sizeof L->sum);
	L->nsum = 0;
	L->last = L->run->iter;
}

static void set_view(pn_gan_live *L, int k)
{
	if (k != (int)L->view.kind) {
		vw_view v;

		vw_init(&v, (vw_kind)k, L->data->d, L->data->name,
		        pn_screen_mode(L->scr));
		v.disc = L->view.disc;
		v.shape = L->view.shape;
		v.noise = L->view.noise;
		v.seed = L->view.seed;
		vw_free(&L->view);
		L->view = v;
		L->st.view = k;
	}
	L->view_due = 1;
}

static void use(pn_gan_live *L, const char *name)
{
	if (strcmp(name, L->g->name) == 0 || strcmp(name, "G") == 0)
		L->use = L->g;
	else if (strcmp(name, L->d->name) == 0 || strcmp(name, "D") == 0)
		L->use = L->d;
	else {
		say(L, "use %s? %s (G) or %s (D)", name, L->g->name,
		    L->d->name);
		return;
	}
	snprintf(L->st.use, sizeof L->st.use, "%s", L->use->name);
	L->st.lr = L->use->opt.lr;
	say(L, "+ and - change %s's learning rate (%.4g)", L->use->name,
	    L->use->opt.lr);
}

static void set_lr(pn_gan_live *L, double lr)
{
	double old = L->use->opt.lr;

	if (!(lr > 0 && lr < 1e6)) {
		say(L, "lr %g? a positive number", lr);
		return;
	}
	L->use->opt.lr = (float)lr;
	L->st.lr = L->use->opt.lr;
	pn_event_add(&L->st, L->run->iter, "%s lr %.4g -> %.4g",
	             L->use->name, old, L->use->opt.lr);
	if (L->log)
		mo_change(L->log, &L->st);
	L->t_draw = 0;
}

/* One discriminator (d) or generator step while paused. */
static void single(pn_gan_live *L, int disc)
{
	nn_gan *s = L->run;
	int rc = disc ? nn_gan_d_step(s, L->g->m, L->d->m, &L->d->opt,
	                              L->data->d)
	              : nn_gan_g_step(s, L->g->m, L->d->m, &L->g->opt);

	if (rc < 0)
		say(L, "%s", nn_error());
	else if (disc)
		say(L, "one D step (%ld in all): D loss %.4f  D(x) %.3f  "
		    "D(G(z)) %.3f", s->dsteps, s->d_loss, s->d_real,
		    s->d_fake);
	else
		say(L, "one G step (%ld in all): G loss %.4f", s->gsteps,
		    s->g_loss);
	L->view_due = 1;
}

static const char help[] =
	"use G|D | lr R | view NAME | stop | pause | resume";

static void command(pn_gan_live *L, char *line)
{
	char *w[3], *save = NULL;
	int n = 0, k;
	double v;

	for (char *t = strtok_r(line, " \t", &save); t && n < 3;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (n == 0)
		return;
	if (strcmp(w[0], "use") == 0 && n == 2)
		use(L, w[1]);
	else if (strcmp(w[0], "lr") == 0 && n == 2 &&
	         sh_parse_double(w[1], &v) == 0)
		set_lr(L, v);
	else if (strcmp(w[0], "view") == 0 && n == 2) {
		if ((k = vw_parse(w[1])) < 0)
			say(L, "view %s? %s", w[1], vw_list());
		else
			set_view(L, k);
	} else if (strcmp(w[0], "stop") == 0 && n == 1) {
		L->stop = 1;
		L->S->stop = 1;
	} else if (strcmp(w[0], "pause") == 0 && n == 1)
		L->st.paused = 1;
	else if (strcmp(w[0], "resume") == 0 && n == 1)
		L->st.paused = 0;
	else
		say(L, "%s? %s", w[0], help);
}

static void edit(pn_gan_live *L, int k)
{
	size_t len = strlen(L->st.line);

	if (k == '\n') {
		char line[sizeof L->st.line];

		memcpy(line, L->st.line, sizeof line);
		L->st.editing = 0;
		command(L, line);
	} else if (k == 27 || k == 7) {
		L->st.editing = 0;
	} else if (k == PN_KEY_BACKSPACE && len > 0) {
		L->st.line[len - 1] = '\0';
	} else if (k >= ' ' && k < 127 && len + 1 < sizeof L->st.line) {
		L->st.line[len] = (char)k;
		L->st.line[len + 1] = '\0';
	}
	L->t_draw = 0;
}

static void key(pn_gan_live *L, int k)
{
	if (L->st.editing) {
		edit(L, k);
		return;
	}
	if (vw_by_key(k) >= 0 && vw_generator(vw_by_key(k))) {
		set_view(L, vw_by_key(k));
		return;
	}
	switch (k) {
	case ' ':
		L->st.paused = !L->st.paused;
		L->view_due = 1;        /* the view shows the model as is */
		if (L->st.paused)
			say(L, "paused: d runs one D step, g one G step, "
			    "space goes on");
		break;
	case 'd':
	case 'g':
		if (L->st.paused)
			single(L, k == 'd');
		else
			say(L, "d and g step while paused (space pauses)");
		break;
	case 'q':
	case 'Q':
		L->stop = 1;
		L->S->stop = 1;
		say(L, "stopping after this iteration");
		break;
	case '+':
		set_lr(L, L->use->opt.lr * 2.0);
		break;
	case '-':
		set_lr(L, L->use->opt.lr / 2.0);
		break;
	case '~':
		L->st.smooth = L->st.smooth > 0 ? 0 : 0.6;
		L->t_draw = 0;
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

/* Compute the view when due and affordable (force: while paused). */
static void view_work(pn_gan_live *L, double now, int force)
{
	int W, H, w, h;
	double t0;

	pn_screen_size(L->scr, &W, &H);
	if (!pn_view_area(W, H, &w, &h))
		return;
	if (!L->view_due && !vw_stale(&L->view, w, h))
		return;
	if (!force && now - L->t_view < (100 * L->view_cost > VIEW_EVERY
	                                 ? 100 * L->view_cost : VIEW_EVERY))
		return;
	t0 = nn_now();
	vw_update(&L->view, L->g->m, w, h, 0);
	L->view_cost = nn_now() - t0;
	L->t_view = now;
	L->view_due = 0;
	L->t_draw = 0;
}

static void draw(pn_gan_live *L, double now)
{
	pn_screen_draw(L->scr, &L->st, &L->view);
	L->t_draw = now;
}

static void wait_paused(pn_gan_live *L)
{
	double from = nn_now();

	while (L->st.paused && !L->stop && !L->S->stop) {
		int k;

		view_work(L, nn_now(), 1);
		if (L->t_draw == 0)
			draw(L, nn_now());
		if ((k = pn_screen_key(L->scr, 100)) >= 0)
			key(L, k);
	}
	L->paused += nn_now() - from;
	L->st.msg[0] = '\0';
}

int pn_gan_open(sh_session *S, sh_model *g, sh_model *d,
                const sh_data *data, FILE *log, pn_gan_live **live)
{
	nn_gan *s = &g->gan->run;
	pn_gan_live *L;
	int k;

	*live = NULL;
	if (!pn_terminal(S) && !log)
		return 0;
	if (!(L = calloc(1, sizeof *L))) {
		if (log)
			fclose(log);
		return sh_err(S, "out of memory");
	}
	if (pn_terminal(S))
		L->scr = pn_screen_open();
	if (!L->scr && !log) {
		free(L);
		return 0;
	}
	L->log = log;
	L->S = S;
	L->g = g;
	L->d = d;
	L->use = g;
	L->data = data;
	L->run = s;
	L->stride = s->iters / POINTS > 1 ? s->iters / POINTS : 1;
	L->last = s->iter;
	pn_init(&L->st);
	L->st.control = 1;
	L->st.gan = 1;
	L->st.classes = 1;
	snprintf(L->st.use, sizeof L->st.use, "%s", g->name);
	snprintf(L->st.model, sizeof L->st.model, "%s vs %s", g->name,
	         d->name);
	snprintf(L->st.data, sizeof L->st.data, "%s", data->name);
	pn_start(&L->st, s->iter, s->iters, s->epochs, s->per, s->seconds);
	L->st.lr = g->opt.lr;
	if (L->log)
		mo_start(L->log, &L->st);
	if (!L->scr) {
		*live = L;
		return 0;
	}
	k = data->d->xsize == 2 ? VW_GAN : VW_SAMPLES;
	vw_init(&L->view, (vw_kind)k, data->d, data->name,
	        pn_screen_mode(L->scr));
	L->view.disc = d->m;
	L->view.shape = g->gan->shape;
	L->view.noise = (int)s->opts.noise;
	L->view.seed = NOISE_SEED;
	L->st.view = k;
	L->view_due = 1;
	say(L, "starting");
	draw(L, nn_now());
	*live = L;
	return 0;
}

int pn_gan_panel(const pn_gan_live *L)
{
	return L && L->scr;
}

int pn_gan_iter(pn_gan_live *L, const nn_gan *s, const nn_gan_point *p)
{
	double now;

	if (!L)
		return 0;
	L->sum[0] += s->d_loss;
	L->sum[1] += s->g_loss;
	L->sum[2] += s->d_real;
	L->sum[3] += s->d_fake;
	L->nsum++;
	L->st.samples += (double)(s->opts.batch * (size_t)s->opts.k);
	if (s->iter - L->last >= L->stride || p)
		chart_point(L);
	if (!L->scr)
		return 0;
	now = nn_now();
	pn_progress(&L->st, s->iter, s->epoch, s->seconds - L->paused);
	if (now - L->t_keys >= KEYS_EVERY) {
		int k;

		L->t_keys = now;
		while ((k = pn_screen_key(L->scr, 0)) >= 0)
			key(L, k);
	}
	if (now - L->t_view >= VIEW_EVERY)
		L->view_due = 1;
	view_work(L, now, 0);
	if (now - L->t_draw >= DRAW_EVERY)
		draw(L, now);
	if (L->st.paused) {
		draw(L, now);
		wait_paused(L);
	}
	return L->stop || L->S->stop;
}

void pn_gan_close(pn_gan_live *L, int rc)
{
	int width = 80, height, mode;

	if (!L)
		return;
	chart_point(L);
	pn_progress(&L->st, L->run->iter, L->run->epoch, L->st.seconds);
	if (rc < 0)
		snprintf(L->st.end, sizeof L->st.end, "stopped by an error");
	else if (L->run->active)
		snprintf(L->st.end, sizeof L->st.end, "stopped at iteration "
		         "%ld of %ld", L->run->iter, L->run->iters);
	else
		snprintf(L->st.end, sizeof L->st.end, "finished");
	L->st.ended = 1;
	if (L->log) {
		mo_end(L->log, &L->st);
		fclose(L->log);
	}
	if (L->scr) {
		pn_screen_size(L->scr, &width, &height);
		mode = pn_screen_mode(L->scr);
		pn_screen_close(L->scr);
		pn_summary(&L->st, L->S->out, width, mode, L->S->timing);
	}
	vw_free(&L->view);
	pn_free(&L->st);
	free(L);
}
