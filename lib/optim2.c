/* optim2.c - full-batch methods beyond gradient descent (LeCun et al.,
 * "Efficient BackProp", section 9): nonlinear conjugate gradient
 * (Polak-Ribiere with restarts, or Fletcher-Reeves), Moller's scaled
 * conjugate gradient (no line search), L-BFGS, BFGS, and
 * Levenberg-Marquardt / Gauss-Newton for squared error.
 *
 * Each call is one iteration on the whole data set, built from the public
 * step pieces through a "closure" (loss and gradient at the current
 * parameters). The line search and L-BFGS's two-loop recursion follow
 * PyTorch's torch.optim.LBFGS (_strong_wolfe, _cubic_interpolate), which
 * follows Nocedal and Wright, Numerical Optimization, algorithms 3.5-3.6
 * and 7.4. LM follows MATLAB's trainlm: mu times mu_dec after a step that
 * lowers the loss, times mu_inc (and try again) after one that does not. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "blas.h"
#include "full.h"
#include "nn.h"
#include "ranks.h"

int nn_optim_full_batch(nn_optim_kind k)
{
	return k == NN_OPT_CG || k == NN_OPT_LBFGS || k == NN_OPT_LM ||
	       k == NN_OPT_GN || k == NN_OPT_BFGS || k == NN_OPT_SCG;
}

void nn_full_free(nn_optim *o)
{
	nn_full *f = o->full;

	if (!f)
		return;
	nn_big_free(f->x0);     /* one block: x0 .. ghi, S and Y */
	free(f->rho);
	free(f->alpha);
	free(f->A);
	free(f->A0);
	free(f->b);
	free(f->x);
	free(f->H);
	free(f->Hy);
	free(f->pd);
	free(f->hp);
	free(f);
	o->full = NULL;
}

nn_full *nn_full_state(nn_optim *o, size_t n)
{
	nn_full *f = o->full;
	int cap = o->kind == NN_OPT_LBFGS ? o->history : 0;
	size_t w = n ? n : 1, vecs = 7 + 2 * (size_t)cap;

	if (f && f->n == n && f->cap == cap &&
	    (o->kind != NN_OPT_BFGS || f->H) &&
	    (o->kind != NN_OPT_SCG || f->pd))
		return f;
	nn_full_free(o);
	if (!(f = calloc(1, sizeof *f)))
		goto oom;
	o->full = f;
	f->n = n;
	f->cap = cap;
	f->h_diag = 1;
	/* the vectors and the pairs in one block (in huge pages when large:
	 * the history is first touched an iteration at a time) */
	if (w > SIZE_MAX / sizeof(float) / vecs ||
	    !(f->x0 = nn_big_alloc(vecs * w * sizeof(float))))
		goto oom;
	f->g = f->x0 + w;
	f->d = f->g + w;
	f->gprev = f->d + w;
	f->gnew = f->gprev + w;
	f->glo = f->gnew + w;
	f->ghi = f->glo + w;
	if (cap > 0) {
		f->S = f->ghi + w;
		f->Y = f->S + w * (size_t)cap;
		if (!(f->rho = malloc(cap * sizeof(double))) ||
		    !(f->alpha = malloc(cap * sizeof(double))))
			goto oom;
	}
	if (o->kind == NN_OPT_SCG &&
	    (!(f->pd = malloc(n * sizeof *f->pd)) ||
	     !(f->hp = malloc(n * sizeof *f->hp))))
		goto oom;
	if (o->kind == NN_OPT_BFGS) {
		if (!(f->H = calloc(n * n, sizeof *f->H)) ||
		    !(f->Hy = malloc(n * sizeof *f->Hy)))
			goto oom;
		for (size_t i = 0; i < n; i++)
			f->H[i * n + i] = 1;
	}
	return f;
oom:
	nn_full_free(o);
	nn_fail("out of memory for the optimizer's state");
	return NULL;
}

/* The loss on this process's samples into *l; -1 when the forward pass
 * failed. */
static int eval_share(nn_closure *c, int want_grad, double *l)
{
	nn_model *m = c->m;
	size_t w = nn_shape_size(nn_model_output_shape(m));
	const float *out;
	int dz_given = 0;

	*l = 0;
	if (c->n == 0) {        /* a rank without samples */
		if (want_grad)
			memset(nn_model_grads(m), 0,
			       nn_model_param_count(m) * sizeof(float));
		return 0;
	}
	if (!(out = nn_model_forward(m, c->x, c->n, 0, c->rng)))
		return -1;
	if (c->seen)
		c->seen(c->ud, out);
	*l = nn_loss(c->loss, nn_model_output_act(m),
	             nn_model_z(m, nn_model_layers(m) - 1), out, c->y, c->n, w,
	             want_grad ? c->grad : NULL, &dz_given) +
	     nn_model_penalty_value(m, -1);
	if (want_grad) {
		nn_model_zero_grads(m);
		nn_model_backward_acc(m, c->grad, dz_given, 0);
	}
	return 0;
}

double nn_closure_eval(nn_closure *c, int want_grad)
{
	double l;
	int rc;

	c->evals++;
	c->have_last = 0;
	rc = eval_share(c, want_grad, &l);
	if (c->ranks)
		rc = nn_ranks_closure_sum(c, rc, &l, want_grad);
	c->failed = rc < 0;
	if (rc < 0)
		return NAN;
	if (c->w_last && want_grad && isfinite(l)) {
		memcpy(c->w_last, nn_model_params(c->m),
		       nn_model_param_count(c->m) * sizeof *c->w_last);
		c->l_last = l;
		c->have_last = 1;
	}
	return l;
}

int nn_closure_current(const nn_closure *c, double *l)
{
	if (!c->have_last ||
	    memcmp(c->w_last, nn_model_params(c->m),
	           nn_model_param_count(c->m) * sizeof *c->w_last) != 0)
		return 0;
	*l = c->l_last;
	return 1;
}

/* a.b in double, in eight running sums (a vector of them) added at the
 * end: one sum would wait on each addition before the next. */
NN_HOT static double dot(const float *a, const float *b, size_t n)
{
	double s[8] = { 0 };
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++)
			s[k] += (double)a[i + k] * b[i + k];
	for (; i < n; i++)
		s[i % 8] += (double)a[i] * b[i];
	return ((s[0] + s[1]) + (s[2] + s[3])) +
	       ((s[4] + s[5]) + (s[6] + s[7]));
}

/* out = x + a v, elementwise (out may be x). Not NN_HOT: its AVX-512
 * build would fuse the multiply-adds and round differently. */
static void xpav(float *out, const float *x, float a, const float *v,
                 size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = x[i] + a * v[i];
}

/* The largest |v[i]| (0 for none; NaNs are passed over, as fmax passes
 * them), in sixteen running maxima: the largest is the largest in any
 * order. */
NN_HOT static double absmax(const float *v, size_t n)
{
	float m[16] = { 0 }, best = 0;
	size_t i = 0;

	for (; i + 16 <= n; i += 16)
		for (int k = 0; k < 16; k++) {
			float a = fabsf(v[i + k]);

			m[k] = a > m[k] ? a : m[k];
		}
	for (; i < n; i++) {
		float a = fabsf(v[i]);

		m[0] = a > m[0] ? a : m[0];
	}
	for (int k = 0; k < 16; k++)
		best = m[k] > best ? m[k] : best;
	return best;
}

/* ---- the strong Wolfe line search --------------------------------------- */

/* The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1
 * and g2, clamped to [lo, hi]; their middle when it has none. */
static double cubic(double x1, double f1, double g1, double x2, double f2,
                    double g2, double lo, double hi)
{
	double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
	double d2sq = d1 * d1 - g1 * g2, d2, t;

	if (!(d2sq >= 0))
		return (lo + hi) / 2;
	d2 = sqrt(d2sq);
	if (x1 <= x2)
		t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2));
	else
		t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
	if (!isfinite(t))
		return (lo + hi) / 2;
	return t < lo ? lo : t > hi ? hi : t;
}

static double cubic2(double x1, double f1, double g1, double x2, double f2,
                     double g2)
{
	return x1 <= x2 ? cubic(x1, f1, g1, x2, f2, g2, x1, x2)
	                : cubic(x1, f1, g1, x2, f2, g2, x2, x1);
}

/* Loss and gradient (into g) at x0 + t d; the slope along d in *gtd. */
static double at(nn_closure *c, const nn_full *f, double t, float *g,
                 double *gtd)
{
	float *w = nn_model_params(c->m);
	double l;

	xpav(w, f->x0, (float)t, f->d, f->n);
	l = nn_closure_eval(c, 1);
	memcpy(g, nn_model_grads(c->m), f->n * sizeof *g);
	*gtd = dot(g, f->d, f->n);
	return isfinite(l) ? l : INFINITY;
}

#define LS_MAX 25
#define TOL_CHANGE 1e-9

typedef struct point {
	double t, f, gtd;
	float *g;
} point;

/* Search x0 + t d from t for a step meeting the strong Wolfe conditions
 * f(t) <= f0 + c1 t gtd0 and |g(t).d| <= c2 |gtd0| (PyTorch's
 * _strong_wolfe). f->g holds the gradient at x0. Returns the step taken,
 * its loss in *fout; the parameters are left at x0 + t d. */
static double wolfe(nn_closure *c, nn_full *f, double t, double f0,
                    double gtd0, double c2, double *fout)
{
	const double c1 = 1e-4;
	double dmax = 0, fnew, gtdnew;
	point prev = { 0, f0, gtd0, f->gprev }, br[2];
	int ls = 0, done = 0, nbr, lo, hi, insuf = 0;

	dmax = absmax(f->d, f->n);
	memcpy(prev.g, f->g, f->n * sizeof *prev.g);
	fnew = at(c, f, t, f->gnew, &gtdnew);
	br[0].g = f->glo;
	br[1].g = f->ghi;
	nbr = 0;
	while (ls < LS_MAX) {
		/* too high: the minimum is behind t; else a slope small
		 * enough takes t, and one rising brackets the minimum */
		int high = fnew > f0 + c1 * t * gtd0 ||
		           (ls > 1 && fnew >= prev.f);

		if (!high && fabs(gtdnew) <= -c2 * gtd0) {
			br[0] = (point){ t, fnew, gtdnew, br[0].g };
			nbr = 1;
			done = 1;
			break;
		}
		if (high || gtdnew >= 0) {
			br[0] = (point){ prev.t, prev.f, prev.gtd, br[0].g };
			memcpy(br[0].g, prev.g, f->n * sizeof(float));
			br[1] = (point){ t, fnew, gtdnew, br[1].g };
			memcpy(br[1].g, f->gnew, f->n * sizeof(float));
			nbr = 2;
			break;
		}
		{
			double tmp = t;

			t = cubic(prev.t, prev.f, prev.gtd, t, fnew, gtdnew,
			          t + 0.01 * (t - prev.t), t * 10);
			prev.t = tmp;
			prev.f = fnew;
			prev.gtd = gtdnew;
			memcpy(prev.g, f->gnew, f->n * sizeof(float));
		}
		fnew = at(c, f, t, f->gnew, &gtdnew);
		ls++;
	}
	if (ls == LS_MAX) {
		br[0] = (point){ 0, f0, gtd0, br[0].g };
		memcpy(br[0].g, f->g, f->n * sizeof(float));
		br[1] = (point){ t, fnew, gtdnew, br[1].g };
		nbr = 2;
	}
	lo = br[0].f <= br[nbr - 1].f ? 0 : 1;
	hi = 1 - lo;
	while (!done && nbr == 2 && ls < LS_MAX) {
		double bmin = fmin(br[0].t, br[1].t), bmax = fmax(br[0].t,
		                                                   br[1].t);
		double eps = 0.1 * (bmax - bmin);

		if ((bmax - bmin) * dmax < TOL_CHANGE)
			break;
		t = cubic2(br[0].t, br[0].f, br[0].gtd, br[1].t, br[1].f,
		           br[1].gtd);
		if (fmin(bmax - t, t - bmin) < eps) {
			if (insuf || t >= bmax || t <= bmin) {
				t = fabs(t - bmax) < fabs(t - bmin)
				    ? bmax - eps : bmin + eps;
				insuf = 0;
			} else {
				insuf = 1;
			}
		} else {
			insuf = 0;
		}
		fnew = at(c, f, t, f->gnew, &gtdnew);
		ls++;
		if (fnew > f0 + c1 * t * gtd0 || fnew >= br[lo].f) {
			br[hi].t = t;
			br[hi].f = fnew;
			br[hi].gtd = gtdnew;
			memcpy(br[hi].g, f->gnew, f->n * sizeof(float));
			lo = br[0].f <= br[1].f ? 0 : 1;
			hi = 1 - lo;
		} else {
			if (fabs(gtdnew) <= -c2 * gtd0)
				done = 1;
			else if (gtdnew * (br[hi].t - br[lo].t) >= 0) {
				br[hi].t = br[lo].t;
				br[hi].f = br[lo].f;
				br[hi].gtd = br[lo].gtd;
				memcpy(br[hi].g, br[lo].g,
				       f->n * sizeof(float));
			}
			br[lo].t = t;
			br[lo].f = fnew;
			br[lo].gtd = gtdnew;
			memcpy(br[lo].g, f->gnew, f->n * sizeof(float));
		}
	}
	if (nbr == 1)
		lo = 0;
	t = br[lo].t;
	*fout = br[lo].f;
	if (br[lo].f > f0 || !isfinite(br[lo].f)) {
		t = 0;          /* no lower point found: stay */
		*fout = f0;
	}
	xpav(nn_model_params(c->m), f->x0, (float)t, f->d, f->n);
	return t;
}

/* ---- conjugate gradient and L-BFGS ------------------------------------- */

#define TOL_GRAD 1e-7

/* L-BFGS's direction -H g by the two-loop recursion over the pairs. */
static void two_loop(nn_full *f)
{
	size_t n = f->n;

	for (size_t i = 0; i < n; i++)
		f->d[i] = -f->g[i];
	for (int k = 0; k < f->count; k++) {
		int j = (f->head - 1 - k + f->cap) % f->cap;
		const float *s = f->S + (size_t)j * n;
		const float *y = f->Y + (size_t)j * n;
		double a = dot(s, f->d, n) * f->rho[j];

		f->alpha[j] = a;
		xpav(f->d, f->d, -(float)a, y, n);
	}
	for (size_t i = 0; i < n; i++)
		f->d[i] *= (float)f->h_diag;
	for (int k = f->count - 1; k >= 0; k--) {
		int j = (f->head - 1 - k + f->cap) % f->cap;
		const float *s = f->S + (size_t)j * n;
		const float *y = f->Y + (size_t)j * n;
		double b = dot(y, f->d, n) * f->rho[j];

		xpav(f->d, f->d, (float)(f->alpha[j] - b), s, n);
	}
}

/* Remember the pair s = t d (the last step), y = g - gprev when its
 * curvature y.s is positive. */
static void lbfgs_pair(nn_full *f)
{
	size_t n = f->n;
	float *s = f->S + (size_t)f->head * n, *y = f->Y + (size_t)f->head * n;
	double ys, yy;

	for (size_t i = 0; i < n; i++) {
		y[i] = f->g[i] - f->gprev[i];
		s[i] = (float)f->t_prev * f->d[i];
	}
	ys = dot(y, s, n);
	if (ys <= 1e-10)
		return;
	yy = dot(y, y, n);
	f->rho[f->head] = 1 / ys;
	f->h_diag = ys / yy;
	f->head = (f->head + 1) % f->cap;
	if (f->count < f->cap)
		f->count++;
}

/* BFGS's update of the inverse Hessian H by the pair s = t d (the last
 * step), y = g - gprev, when its curvature y.s is positive (Nocedal and
 * Wright 6.17, with H first scaled by y.s / y.y as in their 6.20):
 *   H <- H - rho (Hy s' + s y'H) + (rho^2 y'Hy + rho) s s'. */
static void bfgs_update(nn_full *f)
{
	size_t n = f->n;
	float *s = f->glo, *y = f->ghi;
	double ys, yy, yhy = 0, rho;

	for (size_t i = 0; i < n; i++) {
		y[i] = f->g[i] - f->gprev[i];
		s[i] = (float)f->t_prev * f->d[i];
	}
	ys = dot(y, s, n);
	if (ys <= 1e-10)
		return;
	if (!f->h_scaled) {
		yy = dot(y, y, n);
		for (size_t i = 0; i < n * n; i++)
			f->H[i] *= ys / yy;
		f->h_scaled = 1;
	}
	rho = 1 / ys;
	for (size_t i = 0; i < n; i++) {
		const double *h = f->H + i * n;
		double v = 0;

		for (size_t j = 0; j < n; j++)
			v += h[j] * y[j];
		f->Hy[i] = v;
		yhy += v * y[i];
	}
	for (size_t i = 0; i < n; i++) {
		double *h = f->H + i * n;

		for (size_t j = 0; j < n; j++)
			h[j] += -rho * (f->Hy[i] * s[j] + s[i] * f->Hy[j]) +
			        (rho * rho * yhy + rho) * s[i] * s[j];
	}
}

/* BFGS's direction d = -H g. */
static void bfgs_direction(nn_full *f)
{
	size_t n = f->n;

	for (size_t i = 0; i < n; i++) {
		const double *h = f->H + i * n;
		double v = 0;

		for (size_t j = 0; j < n; j++)
			v += h[j] * f->g[j];
		f->d[i] = (float)-v;
	}
}

/* The first step along the gradient g, min(1, 1 / |g|_1) lr (PyTorch's),
 * its 1-norm added in order in double. */
static double first_step(const float *g, size_t n, double lr)
{
	double g1 = 0;

	for (size_t i = 0; i < n; i++)
		g1 += fabs(g[i]);
	return fmin(1, 1 / g1) * lr;
}

static int descent_step(nn_optim *o, nn_closure *c, nn_full *f,
                        double *loss)
{
	size_t n = f->n;
	double gtd, t, c2;
	int fresh = f->iter == 0;

	memcpy(f->g, nn_model_grads(c->m), n * sizeof *f->g);
	if (absmax(f->g, n) <= TOL_GRAD)
		return 0;       /* converged */
	if (o->kind == NN_OPT_LBFGS) {
		c2 = 0.9;
		if (!fresh)
			lbfgs_pair(f);
		two_loop(f);
	} else if (o->kind == NN_OPT_BFGS) {
		c2 = 0.9;
		if (!fresh)
			bfgs_update(f);
		bfgs_direction(f);
	} else {
		double beta = 0, gg = dot(f->gprev, f->gprev, n);

		c2 = 0.1;
		if (!fresh && (size_t)f->iter % (n ? n : 1) != 0 && gg > 0) {
			if (o->fr)
				beta = dot(f->g, f->g, n) / gg;
			else
				beta = fmax(0, (dot(f->g, f->g, n) -
				                dot(f->g, f->gprev, n)) / gg);
		}
		/* (a first direction is -g alone: d holds nothing yet, and
		 * 0 times what a fresh block holds may be NaN) */
		for (size_t i = 0; i < n; i++)
			f->d[i] = beta != 0 ? -f->g[i] + (float)beta * f->d[i]
			                    : -f->g[i];
		if (beta != 0 && dot(f->g, f->d, n) >= 0) {
			for (size_t i = 0; i < n; i++)
				f->d[i] = -f->g[i];
			beta = 0;
		}
		if (beta == 0)
			fresh = 1;      /* a restart */
	}
	gtd = dot(f->g, f->d, n);
	if (gtd > -TOL_CHANGE)
		return 0;
	if (fresh)
		t = first_step(f->g, n, o->lr);
	else if (o->kind == NN_OPT_CG)
		t = fmin(1, f->t_prev * f->gtd_prev / gtd);
	else
		t = o->lr;
	if (!(t > 0) || !isfinite(t))
		t = first_step(f->g, n, o->lr);
	memcpy(f->x0, nn_model_params(c->m), n * sizeof *f->x0);
	memcpy(f->gprev, f->g, n * sizeof *f->g);
	t = wolfe(c, f, t, *loss, gtd, c2, loss);
	/* gprev was the search's scratch: it must hold this gradient */
	memcpy(f->gprev, f->g, n * sizeof *f->g);
	f->t_prev = t;
	f->gtd_prev = gtd;
	f->iter++;
	return 0;
}

/* ---- scaled conjugate gradient ----------------------------------------- */

#define SCG_LAMBDA 5e-7         /* MATLAB's trainscg's lambda */

/* w = x0 + a v (the parameters, n of them). */
static void move(float *w, const float *x0, double a, const float *v,
                 size_t n)
{
	for (size_t i = 0; i < n; i++)
		w[i] = (float)(x0[i] + a * v[i]);
}

/* One iteration of Moller's SCG (Neural Networks 6, 1993): the curvature
 * along the direction p, p'Hp, exact by the R-operator (nn_hessian_vec;
 * Moller's difference of gradients at sigma p is its estimate), a step
 * alpha = mu / delta with delta made positive by the scale lambda, which
 * is raised when the quadratic model predicted the loss badly (Delta <
 * 0.25) and lowered when it predicted it well (Delta > 0.75). p is f->d,
 * r = -gradient is f->gprev. */
static int scg_step(nn_closure *c, nn_full *f, double *loss)
{
	size_t n = f->n;
	float *w = nn_model_params(c->m), *g = nn_model_grads(c->m);
	double pp, mu, alpha, lnew, Delta;

	if (f->iter == 0) {
		for (size_t i = 0; i < n; i++)
			f->d[i] = f->gprev[i] = -g[i];
		f->lambda = SCG_LAMBDA;
		f->lambda_bar = 0;
		f->scg_failed = 0;
	}
	f->iter++;
	pp = dot(f->d, f->d, n);
	if (pp <= 0 || sqrt(dot(f->gprev, f->gprev, n)) <= TOL_GRAD)
		return 0;       /* converged */
	memcpy(f->x0, w, n * sizeof *w);
	if (!f->scg_failed) {
		for (size_t i = 0; i < n; i++)
			f->pd[i] = f->d[i];
		if (nn_hessian_vec(c, f->pd, f->hp) < 0)
			return -1;
		if (c->ranks) {         /* the whole batch's H p: the shares' */
			double share = c->total ? (double)c->n /
			                          (double)c->total : 0;

			for (size_t i = 0; i < n; i++)
				f->hp[i] *= share;
			if (nn_ranks_sum_doubles(c->ranks, f->hp, n, 0) < 0)
				return -1;
		}
		f->delta = 0;
		for (size_t i = 0; i < n; i++)
			f->delta += f->pd[i] * f->hp[i];
	}
	f->delta += (f->lambda - f->lambda_bar) * pp;
	if (f->delta <= 0) {
		f->lambda_bar = 2 * (f->lambda - f->delta / pp);
		f->delta = -f->delta + f->lambda * pp;
		f->lambda = f->lambda_bar;
	}
	mu = dot(f->d, f->gprev, n);
	alpha = mu / f->delta;
	move(w, f->x0, alpha, f->d, n);
	lnew = nn_closure_eval(c, 1);
	Delta = 2 * f->delta * (*loss - lnew) / (mu * mu);
	if (Delta >= 0 && isfinite(lnew)) {
		double rr = 0, rr0 = 0, beta;

		for (size_t i = 0; i < n; i++) {
			rr += (double)g[i] * g[i];
			rr0 += -(double)g[i] * f->gprev[i];
		}
		beta = (rr - rr0) / mu;
		if (f->iter % (long)(n ? n : 1) == 0)
			beta = 0;       /* restart */
		for (size_t i = 0; i < n; i++) {
			f->gprev[i] = -g[i];
			f->d[i] = f->gprev[i] + (float)beta * f->d[i];
		}
		*loss = lnew;
		f->lambda_bar = 0;
		f->scg_failed = 0;
		if (Delta >= 0.75)
			f->lambda /= 4;
	} else {
		memcpy(w, f->x0, n * sizeof *w);
		f->lambda_bar = f->lambda;
		f->scg_failed = 1;
	}
	if (Delta < 0.25)
		f->lambda += f->delta * (1 - Delta) / pp;
	return 0;
}

/* ---- Levenberg-Marquardt and Gauss-Newton ------------------------------ */

/* A = J'J and b = J'r for the residuals r = out - y of every output of
 * every sample, each row of J from a backward pass of a unit output
 * gradient through that sample alone. */
static int jacobian(nn_closure *c, nn_full *f)
{
	nn_model *m = c->m;
	size_t n = f->n, w = nn_shape_size(nn_model_output_shape(m));
	size_t xs = nn_shape_size(nn_model_input_shape(m));
	float *e = c->grad;

	memset(f->A, 0, n * n * sizeof *f->A);
	memset(f->b, 0, n * sizeof *f->b);
	for (size_t s = 0; s < c->n; s++) {
		const float *out = nn_model_forward(m, c->x + s * xs, 1, 0,
		                                    c->rng);

		if (!out)
			return -1;
		for (size_t k = 0; k < w; k++) {
			double r = (double)out[k] - c->y[s * w + k];
			const float *g = nn_model_grads(m);

			memset(e, 0, w * sizeof *e);
			e[k] = 1;
			nn_model_zero_grads(m);
			nn_model_backward_acc(m, e, 0, 0);
			for (size_t j = 0; j < n; j++) {
				double gj = g[j];
				double *col = f->A + j * n;

				if (gj == 0)
					continue;
				f->b[j] += gj * r;
				for (size_t i = j; i < n; i++)
					col[i] += gj * g[i];
			}
		}
	}
	return 0;
}

static int lm_step(nn_optim *o, nn_closure *c, nn_full *f, double *loss)
{
	size_t n = f->n;
	float *w = nn_model_params(c->m);
	int gn = o->kind == NN_OPT_GN, rc;
	const char *name = nn_optim_name(o->kind);

	if (c->loss != NN_LOSS_MSE)
		return nn_fail("%s fits squared residuals: use 'loss mse' (or "
		               "optim lbfgs or cg for %s)", name,
		               nn_loss_name(c->loss));
	if (nn_model_npenalties(c->m) > 0)
		return nn_fail("%s fits squared residuals: the model's "
		               "penalties are not residuals (use lbfgs)", name);
	if (!f->A) {
		if (!(f->A = malloc(n * n * sizeof *f->A)) ||
		    !(f->A0 = malloc(n * n * sizeof *f->A0)) ||
		    !(f->b = malloc((n ? n : 1) * sizeof *f->b)) ||
		    !(f->x = malloc((n ? n : 1) * sizeof *f->x)))
			return nn_fail("out of memory for %s's %zu x %zu "
			               "matrix", name, n, n);
	}
	memcpy(f->x0, w, n * sizeof *w);
	rc = jacobian(c, f);
	c->have_last = 0;       /* the Jacobian's passes took the gradient */
	if (c->ranks && (nn_ranks_sum_doubles(c->ranks, f->A, n * n, rc < 0) < 0 ||
	                 nn_ranks_sum_doubles(c->ranks, f->b, n, 0) < 0))
		return -1;      /* over ranks: J'J and J'r of every share */
	if (rc < 0)
		return -1;
	memcpy(f->A0, f->A, n * n * sizeof *f->A);
	for (;;) {
		double mu = gn ? 0 : o->mu, fnew;

		memcpy(f->A, f->A0, n * n * sizeof *f->A);
		memcpy(f->x, f->b, n * sizeof *f->x);
		for (size_t i = 0; i < n; i++)
			f->A[i * n + i] += mu;
		if (nn_cholesky_solve(f->A, f->x, n) < 0) {
			if (gn)
				return nn_fail("gn: J'J is singular here; use "
				               "lm, which damps it");
			o->mu *= o->mu_inc;
			if (o->mu > o->mu_max)
				break;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			w[i] = f->x0[i] - (float)f->x[i];
		fnew = nn_closure_eval(c, 0);
		if (gn || fnew < *loss) {
			*loss = fnew;
			if (!gn)
				o->mu *= o->mu_dec;
			f->iter++;
			return 0;
		}
		o->mu *= o->mu_inc;
		if (o->mu > o->mu_max)
			break;
	}
	/* mu passed mu_max: no step lowers the loss; stay */
	o->mu = o->mu_max;
	memcpy(w, f->x0, n * sizeof *w);
	return 0;
}

int nn_optim_full_step(nn_optim *o, nn_closure *c, double *loss)
{
	size_t n = nn_model_param_count(c->m);
	nn_full *f;

	if (!nn_optim_full_batch(o->kind))
		return nn_fail("%s is not a full-batch method",
		               nn_optim_name(o->kind));
	if ((o->kind == NN_OPT_LM || o->kind == NN_OPT_GN) &&
	    n > NN_LM_MAX_PARAMS)
		return nn_fail("%s solves a %zu x %zu system: the model has "
		               "more than %d parameters (use lbfgs or cg)",
		               nn_optim_name(o->kind), n, n, NN_LM_MAX_PARAMS);
	if (o->kind == NN_OPT_BFGS && n > NN_BFGS_MAX_PARAMS)
		return nn_fail("bfgs keeps a %zu x %zu inverse Hessian: the "
		               "model has more than %d parameters (use lbfgs, "
		               "which keeps a few vectors instead)", n, n,
		               NN_BFGS_MAX_PARAMS);
	if (!(f = nn_full_state(o, n)))
		return -1;
	o->t++;
	if (o->kind == NN_OPT_LM || o->kind == NN_OPT_GN)
		return lm_step(o, c, f, loss);
	if (o->kind == NN_OPT_SCG)
		return scg_step(c, f, loss);
	return descent_step(o, c, f, loss);
}
