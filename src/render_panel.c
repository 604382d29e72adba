/* render_panel.c - the state of a watched run and the panel drawn from
 * it: header, status line with a progress bar, loss and accuracy charts,
 * view tabs, the view area and the key line; and the summary a run leaves
 * in the scrollback. Nothing here reads a model or a terminal. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "render_curves.h"
#include "render_panel.h"

void pn_init(pn_state *st)
{
	memset(st, 0, sizeof *st);
	st->best = -1;
	st->fine.span = 1;
	st->view = VW_DIGITS;
}

void pn_free(pn_state *st)
{
	nn_history_free(&st->pts);
}

void pn_start(pn_state *st, long iter, long iters, int epochs,
              long per_epoch, double seconds)
{
	st->iter = st->iter0 = iter;
	st->iters = iters;
	st->epochs = epochs;
	st->per_epoch = per_epoch;
	st->seconds = st->seconds0 = st->rate_t = seconds;
	st->fine.last = iter;
	st->xepochs = epochs >= 2 && per_epoch > 0;
}

void pn_progress(pn_state *st, long iter, int epoch, double seconds)
{
	st->iter = iter;
	st->epoch = epoch;
	st->seconds = seconds;
	if (seconds - st->rate_t >= 1) {
		st->rate = (st->samples - st->rate_s) / (seconds - st->rate_t);
		st->rate_t = seconds;
		st->rate_s = st->samples;
	} else if (st->rate_s == 0 && seconds > st->seconds0) {
		st->rate = st->samples / (seconds - st->seconds0);
	}
}

void pn_add_batches(pn_state *st, long iter, double loss, double correct,
                    double seen)
{
	pn_fine *f = &st->fine;

	f->ploss += loss;
	f->pcorrect += correct;
	f->pseen += seen;
	st->samples += seen;
	if (iter - f->last < f->span || !(f->pseen > 0))
		return;
	if (f->n == PN_FINE) {
		for (size_t i = 0; i < PN_FINE / 2; i++) {
			f->x[i] = f->x[2 * i + 1];
			f->loss[i] = f->loss[2 * i] + f->loss[2 * i + 1];
			f->correct[i] = f->correct[2 * i] +
			                f->correct[2 * i + 1];
			f->seen[i] = f->seen[2 * i] + f->seen[2 * i + 1];
		}
		f->n = PN_FINE / 2;
		f->span *= 2;
	}
	f->x[f->n] = (double)iter;
	f->loss[f->n] = f->ploss;
	f->correct[f->n] = f->pcorrect;
	f->seen[f->n] = f->pseen;
	f->n++;
	f->last = iter;
	f->ploss = f->pcorrect = f->pseen = 0;
}

/* The value early stopping would watch by default: validation accuracy
 * when there is one (higher is better), else validation loss. */
static int better(const nn_metrics *p, const nn_metrics *best)
{
	if (isfinite(p->val_acc))
		return !best || p->val_acc > best->val_acc;
	if (isfinite(p->val_loss))
		return !best || p->val_loss < best->val_loss;
	return 0;
}

int pn_add_point(pn_state *st, const nn_metrics *p)
{
	nn_metrics q = *p;

	if (st->pts.n && p->iter <= st->pts_raw)
		st->pts_off += st->pts_raw;     /* a new run in a history */
	st->pts_raw = p->iter;
	q.iter += st->pts_off;
	if (nn_history_push(&st->pts, &q) < 0)
		return -1;
	if (!st->gan &&
	    better(&q, st->best >= 0 ? &st->pts.p[st->best] : NULL))
		st->best = (int)st->pts.n - 1;
	return 0;
}

void pn_event_add(pn_state *st, long iter, const char *fmt, ...)
{
	pn_event *e;
	va_list ap;

	if (st->nev == PN_EVENTS) {
		memmove(st->ev, st->ev + 1, (PN_EVENTS - 1) * sizeof *st->ev);
		st->nev--;
	}
	e = &st->ev[st->nev++];
	e->iter = iter;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	snprintf(st->msg, sizeof st->msg, "%s from iteration %ld", e->text,
	         iter + 1);
}

/* ---- drawing helpers ---------------------------------------------------- */

/* printf at (*x, y), at most up to column end; advances *x. */
static void put(cv_canvas *c, int *x, int y, int end, int fg, int bold,
                const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void put(cv_canvas *c, int *x, int y, int end, int fg, int bold,
                const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (*x < end)
		*x += cv_textn(c, *x, y, end - *x, buf, fg, bold);
}

/* As `train` prints numbers: 4 decimals, %.4g when tiny or huge, - for
 * NaN. */
static const char *num(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v == 0 || (fabs(v) >= 1e-3 && fabs(v) < 1e4))
		snprintf(buf, len, "%.4f", v);
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

static void duration(double s, char *buf, size_t len)
{
	long t = s > 0 && s < 1e9 ? lround(s) : 0;

	if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
		         t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static double xval(const pn_state *st, double iter)
{
	return st->xepochs && st->per_epoch > 0 ? iter / st->per_epoch
	                                        : iter;
}

/* ---- charts ------------------------------------------------------------- */

void pn_chart(const pn_state *st, cv_canvas *c, int x, int y, int w, int h,
              int acc)
{
	const pn_fine *f = &st->fine;
	size_t nf = f->n ? f->n : st->pts.n, np = st->pts.n, nv = 0;
	double *buf = malloc((3 * nf + 4 * np + 1) * sizeof *buf);
	double *tx = buf, *ty = tx + nf, *ts = ty + nf, *vx = ts + nf;
	double *vy = vx + np, *sy = vy + np, *svy = sy + np;
	rc_mark marks[PN_EVENTS];
	rc_series s[5];
	size_t nsq = 0, nsv = 0;
	rc_chart ch = { 0 };
	char smooth[40];
	int ns = 0;

	if (!buf)
		return;
	for (size_t i = 0; i < nf; i++) {
		if (f->n) {
			tx[i] = xval(st, f->x[i]);
			ty[i] = (acc ? f->correct[i] : f->loss[i]) / f->seen[i];
		} else {
			tx[i] = xval(st, (double)st->pts.p[i].iter);
			ty[i] = acc ? st->pts.p[i].acc : st->pts.p[i].loss;
		}
	}
	for (size_t i = 0; i < np; i++) {
		const nn_metrics *p = &st->pts.p[i];

		vx[i] = xval(st, (double)p->iter);
		vy[i] = acc ? p->val_acc : p->val_loss;
		nv += isfinite(vy[i]) != 0;
		/* sequences: the share of whole sequences right too */
		sy[i] = p->seq_acc;
		svy[i] = p->val_seq_acc;
		nsq += acc && isfinite(sy[i]);
		nsv += acc && isfinite(svy[i]);
	}
	if (st->smooth > 0) {
		rc_smooth(ty, nf, st->smooth, ts);
		snprintf(smooth, sizeof smooth, "%s (smoothed %.2g)",
		         !st->gan ? "train" : acc ? "D(x)" : "D", st->smooth);
		s[ns++] = (rc_series){ "raw", tx, ty, nf, CV_BRIGHT_BLACK, 0 };
		s[ns++] = (rc_series){ smooth, tx, ts, nf, CV_BRIGHT_CYAN, 0 };
	} else {
		s[ns++] = (rc_series){ !st->gan ? "train" : acc ? "D(x)" : "D",
		                       tx, ty, nf, CV_BRIGHT_CYAN, 0 };
	}
	if (nv)
		s[ns++] = (rc_series){ !st->gan ? "validation" : acc
		                       ? "D(G(z))" : "G", vx, vy, np,
		                       CV_BRIGHT_YELLOW, 0 };
	if (nsq)
		s[ns++] = (rc_series){ "seq", vx, sy, np,
		                       CV_BRIGHT_MAGENTA, 0 };
	if (nsv)
		s[ns++] = (rc_series){ "val seq", vx, svy, np,
		                       CV_BRIGHT_GREEN, 0 };
	for (int i = 0; i < st->nev; i++)
		marks[i] = (rc_mark){ xval(st, (double)st->ev[i].iter),
		                      st->ev[i].text };
	ch.title = !st->gan ? (acc ? "accuracy" : "loss")
	           : acc ? "D's mean output" : "D and G loss";
	ch.xlabel = st->xepochs ? "epoch" : "iteration";
	ch.s = s;
	ch.ns = ns;
	ch.marks = marks;
	ch.nmarks = st->nev;
	ch.unit = acc;
	rc_draw(c, x, y, w, h, &ch);
	free(buf);
}

void pn_charts(const pn_state *st, cv_canvas *c, int x, int y, int w, int h)
{
	if (!st->classes)
		pn_chart(st, c, x, y, w, h, 0);
	else if (w >= 2 * RC_MIN_W + 12) {
		pn_chart(st, c, x, y, w / 2 - 1, h, 0);
		pn_chart(st, c, x + w / 2 + 1, y, w - w / 2 - 1, h, 1);
	} else {
		pn_chart(st, c, x, y, w, h / 2, 0);
		pn_chart(st, c, x, y + h / 2, w, h - h / 2, 1);
	}
}

/* ---- the panel ---------------------------------------------------------- */

static void header(const pn_state *st, cv_canvas *c)
{
	int x = 0, w = c->w, color = c->mode & CV_COLOR;
	const char *state = st->ended ? st->end : st->paused ? "PAUSED"
	                                          : "training";

	put(c, &x, 0, w, CV_DEFAULT, 1, " nnsh ");
	if (st->source[0])
		put(c, &x, 0, w, CV_BRIGHT_BLACK, 0, "monitor %s: ",
		    st->source);
	put(c, &x, 0, w, CV_DEFAULT, 1, "%s", st->model);
	put(c, &x, 0, w, CV_DEFAULT, 0, " on %s", st->data);
	if (st->val[0])
		put(c, &x, 0, w, CV_BRIGHT_BLACK, 0, ", validation %s",
		    st->val);
	if (st->best >= 0) {
		const nn_metrics *p = &st->pts.p[st->best];
		int acc = isfinite(p->val_acc);
		char a[32];

		put(c, &x, 0, w - cv_width(state) - 3, CV_BRIGHT_GREEN, 0,
		    "   best %s %s (epoch %d)", acc ? "val_acc" : "val_loss",
		    num(acc ? p->val_acc : p->val_loss, a, sizeof a),
		    p->epoch);
	}
	x = w - cv_width(state) - 2;
	put(c, &x, 0, w, st->paused && color ? CV_BLACK : CV_DEFAULT, 1,
	    st->paused ? " %s " : "%s", state);
	if (st->paused && color)
		for (int k = w - cv_width(state) - 2; k < w; k++)
			cv_at(c, k, 0)->bg = CV_YELLOW;
}

static void status(const pn_state *st, cv_canvas *c, int y)
{
	int x = 0, w = c->w, uni = c->mode & CV_UNICODE, fill;
	int bw = w >= 100 ? 20 : 10;
	double frac = st->iters > 0 ? (double)st->iter / st->iters : 0;
	char a[32];

	put(c, &x, y, w, CV_DEFAULT, 1, " epoch %d/%d ", st->epoch,
	    st->epochs);
	fill = (int)(frac * bw + 0.5);
	for (int k = 0; k < bw && x < w; k++, x++)
		cv_put(c, x, y, k < fill ? (uni ? 0x2588 : '#')
		                         : (uni ? 0x2591 : '-'),
		       k < fill ? CV_GREEN : CV_BRIGHT_BLACK, CV_DEFAULT, 0);
	put(c, &x, y, w, CV_DEFAULT, 0, " %3.0f%%  iter %ld/%ld",
	    100 * frac, st->iter, st->iters);
	if (st->gan)
		put(c, &x, y, w, CV_DEFAULT, 1, "  %s lr %.4g", st->use,
		    st->lr);
	else
		put(c, &x, y, w, CV_DEFAULT, 1, "  lr %.4g", st->lr);
	if (st->has_momentum && st->momentum != 0)
		put(c, &x, y, w, CV_DEFAULT, 1, "  momentum %.4g",
		    st->momentum);
	if (!st->ended && st->iter > st->iter0 &&
	    st->seconds > st->seconds0) {
		duration((double)(st->iters - st->iter) *
		         (st->seconds - st->seconds0) /
		         (double)(st->iter - st->iter0), a, sizeof a);
		put(c, &x, y, w, CV_DEFAULT, 0, "  ETA %s", a);
	}
	if (st->rate > 0)
		put(c, &x, y, w, CV_DEFAULT, 0, "  %.0f samples/s", st->rate);
}

/* The view tabs, then the last message. Tabs show their keys and names
 * from the left while the rest still fits; the others show only their
 * keys, but for the current one. */
static void tabs(const pn_state *st, cv_canvas *c, int y)
{
	int x = 1, color = c->mode & CV_COLOR, keys = 0;
	int msg = st->msg[0] ? (int)strlen(st->msg) + 1 : 0;

	for (int k = 0; k < VW_COUNT; k++) {
		int cur = k == st->view, from = x, rest = 0;

		if (vw_generator(k) != st->gan)
			continue;       /* views of the other kind of run */
		for (int j = k + 1; j < VW_COUNT; j++)  /* the later tabs */
			if (vw_generator(j) == st->gan)
				rest += j == st->view
				        ? (int)strlen(vw_name(j)) + 4 : 3;
		keys |= x + (int)strlen(vw_name(k)) + 4 + rest + msg > c->w;
		if (keys && !cur) {
			put(c, &x, y, c->w, CV_DEFAULT, 0, " %c ", vw_key(k));
			continue;
		}
		put(c, &x, y, c->w, cur && color ? CV_BLACK : CV_DEFAULT, cur,
		    cur && !color ? "[%c %s]" : " %c %s ", vw_key(k),
		    vw_name(k));
		for (int i = from; cur && color && i < x; i++)
			cv_at(c, i, y)->bg = CV_CYAN;
	}
	if (st->msg[0]) {
		x += 1;
		put(c, &x, y, c->w, CV_BRIGHT_YELLOW, 0, "%s", st->msg);
	}
}

static void points_table(const pn_state *st, cv_canvas *c, int y, int h)
{
	int x = 1, rows = h - 1;
	size_t from = st->pts.n > (size_t)rows ? st->pts.n - (size_t)rows : 0;

	put(c, &x, y, c->w, CV_BRIGHT_BLACK, 0,
	    "%6s %8s %9s %9s %9s %9s %10s", "epoch", "iter", "loss", "acc",
	    "val_loss", "val_acc", "lr");
	for (size_t i = from; i < st->pts.n; i++) {
		const nn_metrics *p = &st->pts.p[i];
		char v[4][32];

		x = 1;
		put(c, &x, y + 1 + (int)(i - from), c->w, CV_DEFAULT,
		    (int)i == st->best, "%6d %8ld %9s %9s %9s %9s %10.4g",
		    p->epoch, p->iter, num(p->loss, v[0], 32),
		    num(p->acc, v[1], 32), num(p->val_loss, v[2], 32),
		    num(p->val_acc, v[3], 32), p->lr);
	}
	if (st->pts.n == 0) {
		x = 1;
		put(c, &x, y + 1, c->w, CV_BRIGHT_BLACK, 0,
		    "(no history points yet)");
	}
}

static void keyline(const pn_state *st, cv_canvas *c, int y)
{
	static const char *const run[] = {
		"space", "pause", "q", "stop", "+/-", "lr x2 /2", "1-N", "view",
		"~", "smooth", "x", "axis", ":", "command", NULL,
	};
	static const char *const paused[] = {
		"space", "resume", "s", "one batch", "q", "stop", "+/-",
		"lr x2 /2", "1-N", "view", ":", "command", NULL,
	};
	static const char *const mon[] = {
		"q", "quit", "~", "smooth", "x", "axis", NULL,
	};
	static const char *const gan[] = {
		"space", "resume", "d", "one D step", "g", "one G step", "q",
		"stop", "+/-", "lr x2 /2", "1-N", "view", ":", "use G|D",
		NULL,
	};
	const char *const *k = !st->control ? mon : st->paused && st->gan
	                       ? gan : st->paused ? paused : run;
	char views[16];
	int x = 1, lo = 0, hi = 0;

	for (int j = 0; j < VW_COUNT; j++)
		if (vw_generator(j) == st->gan) {
			lo = lo ? lo : vw_key(j);
			hi = vw_key(j);
		}
	snprintf(views, sizeof views, "%c-%c", lo, hi);

	if (st->editing) {
		put(c, &x, y, c->w, CV_DEFAULT, 1, ":%s", st->line);
		cv_put(c, x, y, c->mode & CV_UNICODE ? 0x2588 : '_',
		       CV_DEFAULT, CV_DEFAULT, 0);
		return;
	}
	for (; *k; k += 2) {
		put(c, &x, y, c->w, CV_BRIGHT_CYAN, 1, "%s",
		    strcmp(k[0], "1-N") == 0 ? views : k[0]);
		put(c, &x, y, c->w, CV_DEFAULT, 0, " %s  ", k[1]);
	}
}

/* Rows of a W x H panel: the charts' and the view's (0: none). */
static void layout(int H, int *ch, int *vh)
{
	int free = H - 3;

	if (free >= 16) {
		*ch = free * 2 / 5;
		*ch = *ch < 8 ? 8 : *ch > 22 ? 22 : *ch;
		*vh = free - *ch - 1;
	} else {
		*ch = free;
		*vh = 0;
	}
}

int pn_view_area(int W, int H, int *w, int *h)
{
	int ch;

	layout(H, &ch, h);
	*w = W - 2;
	return W >= PN_MIN_W && H >= PN_MIN_H && *h > 0;
}

void pn_render(const pn_state *st, const vw_view *v, cv_canvas *c)
{
	int W = c->w, H = c->h, ch, vh;
	char buf[96];

	cv_clear(c);
	if (W < PN_MIN_W || H < PN_MIN_H) {
		snprintf(buf, sizeof buf, "terminal too small (%dx%d): the "
		         "panel needs %dx%d", W, H, PN_MIN_W, PN_MIN_H);
		cv_textn(c, 0, 0, W, buf, CV_DEFAULT, 1);
		cv_textn(c, 0, 1, W, st->control ? "q stops training"
		                                 : "q quits", CV_DEFAULT, 0);
		return;
	}
	header(st, c);
	status(st, c, 1);
	layout(H, &ch, &vh);
	pn_charts(st, c, 1, 2, W - 2, ch);
	if (vh > 0 && v) {
		tabs(st, c, 2 + ch);
		vw_draw(v, c, 1, 3 + ch, W - 2, vh);
	} else if (vh > 0) {
		points_table(st, c, 2 + ch, vh + 1);
	}
	keyline(st, c, H - 1);
}

/* ---- after the run ------------------------------------------------------ */

void pn_point_line(const pn_state *st, const nn_metrics *p, char *buf,
                   size_t len)
{
	char v[4][32];
	int n;

	if (st->gan) {
		snprintf(buf, len, "epoch %d/%d  iter %ld  D loss %s  G loss %s"
		         "  D(x) %s  D(G(z)) %s", p->epoch, st->epochs, p->iter,
		         num(p->loss, v[0], 32), num(p->val_loss, v[1], 32),
		         num(p->acc, v[2], 32), num(p->val_acc, v[3], 32));
		return;
	}
	n = snprintf(buf, len, "epoch %d/%d  iter %ld  loss %s  acc %s",
	                 p->epoch, st->epochs, p->iter,
	                 num(p->loss, v[0], 32), num(p->acc, v[1], 32));

	if (!isnan(p->val_loss) && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "  val_loss %s  val_acc %s",
		         num(p->val_loss, v[2], 32), num(p->val_acc, v[3], 32));
}

void pn_summary(const pn_state *st, FILE *f, int width, int mode,
                int timing)
{
	long done = st->iter - st->iter0;
	int height;
	char line[256];
	cv_canvas *c;

	fprintf(f, "%s on %s: %s; %ld iteration%s", st->model, st->data,
	        st->end[0] ? st->end : "finished", done, done == 1 ? "" : "s");
	if (timing && st->seconds > st->seconds0)
		fprintf(f, " in %.1f s (%.0f samples/s)",
		        st->seconds - st->seconds0,
		        st->samples / (st->seconds - st->seconds0));
	fprintf(f, "\n");
	if (st->pts.n) {
		pn_point_line(st, &st->pts.p[st->pts.n - 1], line,
		              sizeof line);
		fprintf(f, "  last: %s\n", line);
	}
	if (st->best >= 0) {
		const nn_metrics *p = &st->pts.p[st->best];
		int acc = isfinite(p->val_acc);
		char v[32];

		fprintf(f, "  best %s %s at epoch %d (iteration %ld)\n",
		        acc ? "val_acc" : "val_loss",
		        num(acc ? p->val_acc : p->val_loss, v, sizeof v),
		        p->epoch, p->iter);
	}
	for (int i = 0; i < st->nev; i++)
		fprintf(f, "%s%s from iteration %ld", i ? "; " : "  changes: ",
		        st->ev[i].text, st->ev[i].iter + 1);
	if (st->nev)
		fprintf(f, "\n");
	if (st->fine.n + st->pts.n == 0)
		return;
	width = width > 100 ? 100 : width;
	height = width >= 2 * RC_MIN_W + 12 ? 10 : 14;
	if ((c = cv_new(width, height, mode))) {
		pn_charts(st, c, 0, 0, width, height);
		cv_write(c, f, mode & CV_COLOR);
		cv_free(c);
	}
}
