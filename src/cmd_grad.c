/* cmd_grad.c - grad (one forward and backward pass laid out layer by
 * layer, with dL/dx and the loss terms), step (one optimizer update from
 * that gradient) and gradcheck (backprop against finite differences, for
 * every parameter and the input). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "teach.h"

/* ---- grad and step ----------------------------------------------------- */

/* The gradient of the last `grad`, kept for `step`, with what identifies
 * the model and its parameters at that moment. */
static struct {
	char *model;            /* name, or NULL when there is none */
	const nn_model *m;
	size_t count;
	uint64_t hash;          /* of the parameters */
	float *grads;
} last;

static uint64_t hash_params(nn_model *m)
{
	const unsigned char *p = (const unsigned char *)nn_model_params(m);
	size_t n = nn_model_param_count(m) * sizeof(float);
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void forget_grad(void)
{
	free(last.model);
	free(last.grads);
	memset(&last, 0, sizeof last);
}

static void keep_grad(sh_model *sm)
{
	size_t count = nn_model_param_count(sm->m);

	forget_grad();
	last.model = strdup(sm->name);
	last.grads = malloc((count ? count : 1) * sizeof *last.grads);
	if (!last.model || !last.grads) {
		forget_grad();
		return;
	}
	memcpy(last.grads, nn_model_grads(sm->m), count * sizeof *last.grads);
	last.m = sm->m;
	last.count = count;
	last.hash = hash_params(sm->m);
}

/* Inputs and targets of grad: x=[..] y=[..], or x=DATA:i. */
static int grad_batch(sh_session *S, const sh_line *l, sh_model *sm,
                      float **x, float **y, size_t *n)
{
	const char *xt = sh_opt(l, "x"), *yt = sh_opt(l, "y");
	size_t in = nn_shape_size(nn_model_input_shape(sm->m));
	size_t w = nn_shape_size(nn_model_output_shape(sm->m)), i;
	sh_data *sd;
	nn_tensor *t;
	int rc;

	*x = *y = NULL;
	if (!xt)
		return sh_err(S, "grad needs an example: x=[...] y=[...] or "
		              "x=DATA:I");
	if ((rc = sh_parse_sample(S, xt, &sd, &i)) < 0)
		return -1;
	if (rc == 0) {
		if (sh_check_data(S, sm, sd, !yt) < 0)
			return -1;
		*n = 1;
		*x = malloc(in * sizeof **x);
		if (!yt)
			*y = malloc(w * sizeof **y);
		if (!*x || (!yt && !*y))
			return sh_err(S, "out of memory");
		nn_dataset_gather(sd->d, &i, 1, *x, *y);
	} else {
		if (!yt)
			return sh_err(S, "grad x=[...] needs its target "
			              "y=[...]");
		if (!(t = sh_typed_input(S, sm, xt, n)))
			return -1;
		*x = malloc(*n * in * sizeof **x);
		if (!*x) {
			nn_tensor_free(t);
			return sh_err(S, "out of memory");
		}
		memcpy(*x, t->data, *n * in * sizeof **x);
		nn_tensor_free(t);
	}
	if (yt && !(*y = sh_typed_target(S, sm, yt, *n, w)))
		return -1;
	return 0;
}

/* Loss of the model on (x, y), and if grad, the backward pass too. */
static int forward_loss(sh_session *S, sh_model *sm, const float *x,
                        const float *y, size_t n, int backward,
                        double *loss)
{
	size_t w = nn_shape_size(nn_model_output_shape(sm->m));
	size_t last_layer = nn_model_layers(sm->m) - 1;
	nn_loss_kind lk = sh_model_loss(sm);
	nn_act act = nn_model_output_act(sm->m);
	const float *out;
	float *g = NULL, *yz = NULL;
	int dz_given;

	if (nn_loss_check(lk, act, w) < 0)
		return sh_err(S, "%s", nn_error());
	if ((backward && !(g = malloc(n * w * sizeof *g))) ||
	    (sm->deadzone > 0 && !(yz = malloc(n * w * sizeof *yz)))) {
		free(g);
		return sh_err(S, "out of memory");
	}
	if (!(out = nn_model_forward(sm->m, x, n, 0, NULL))) {
		free(g);
		free(yz);
		return sh_err(S, "%s", nn_error());
	}
	if (yz) {       /* the dead zone moves the targets to the outputs */
		memcpy(yz, y, n * w * sizeof *yz);
		nn_deadzone(out, yz, n * w, sm->deadzone);
		y = yz;
	}
	*loss = nn_loss(lk, act, nn_model_z(sm->m, last_layer), out, y, n, w,
	                g, &dz_given) + nn_model_penalty_value(sm->m, -1);
	if (backward)
		nn_model_backward(sm->m, g, dz_given);
	free(g);
	free(yz);
	return 0;
}

/* Per-sample buffers of n samples as one tensor shape (n x out). */
static nn_shape batch_shape(const nn_shape *out, size_t n)
{
	nn_shape s = { 0 };

	if (n == 1)
		return *out;
	s.ndim = out->ndim + 1 <= NN_MAXDIM ? out->ndim + 1 : 2;
	s.dim[0] = (int)n;
	if (s.ndim == 2)
		s.dim[1] = (int)nn_shape_size(out);
	else
		for (int i = 0; i < out->ndim; i++)
			s.dim[i + 1] = out->dim[i];
	return s;
}

/* An input or target of grad: its values, or for a large one (an image)
 * its shape and range. */
static void print_example(sh_session *S, const char *label, const float *v,
                          const nn_shape *shape)
{
	size_t n = nn_shape_size(shape);
	double min = INFINITY, max = -INFINITY, sum = 0;
	char sh[32], a[32], b[32], c[32];

	if (n <= 64) {
		sh_print_tensors(S, 1, &label, &v, shape);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		min = fmin(min, v[i]);
		max = fmax(max, v[i]);
		sum += v[i];
	}
	sh_printf(S, "%s (%s)  min %s  max %s  mean %s\n", label,
	          nn_shape_str(shape, sh, sizeof sh), sh_num(min, a, sizeof a),
	          sh_num(max, b, sizeof b), sh_num(sum / n, c, sizeof c));
}

static void print_grads(sh_session *S, sh_model *sm, const float *x,
                        const float *y, size_t n, double loss)
{
	nn_model *m = sm->m;
	nn_shape xs = batch_shape(nn_model_input_shape(m), n);
	nn_shape ys = batch_shape(nn_model_output_shape(m), n);
	const char *lab[3];
	const float *v[3];
	char buf[32];

	sh_printf(S, "%s loss %s on %zu sample%s\n",
	          nn_loss_name(sh_model_loss(sm)),
	          sh_num(loss, buf, sizeof buf), n, n == 1 ? "" : "s");
	if (nn_model_npenalties(m)) {
		double terms = nn_model_penalty_value(m, -1);

		sh_printf(S, "  = %s (the loss of the output)",
		          sh_num(loss - terms, buf, sizeof buf));
		for (size_t k = 0; k < nn_model_npenalties(m); k++)
			sh_printf(S, " + %s (term %zu)",
			          sh_num(nn_model_penalty_value(m, (long)k), buf,
			                 sizeof buf), k + 1);
		sh_printf(S, "\n");
		sh_print_penalties(S, m);
	}
	print_example(S, "x", x, &xs);
	print_example(S, "y", y, &ys);
	for (size_t i = 0; i < nn_model_layers(m); i++) {
		nn_layer_info info;
		nn_shape s;
		int linear;

		nn_model_layer_info(m, i, &info);
		s = batch_shape(&info.out, n);
		linear = info.act == NN_ACT_LINEAR;
		sh_printf(S, "\nlayer %zu: %s", i + 1, info.desc);
		if (*nn_model_node_name(m, i))
			sh_printf(S, "  (%s)", nn_model_node_name(m, i));
		if (!nn_model_is_chain(m)) {
			char from[64];

			sh_node_inputs(m, i, from, sizeof from);
			sh_printf(S, "  from %s", from);
		}
		sh_printf(S, "\n");
		lab[0] = linear ? "  z = a" : "  z";
		lab[1] = linear ? "  dL/dz" : "  a";
		lab[2] = "  dL/dz";
		v[0] = nn_model_z(m, i);
		v[1] = linear ? nn_model_dz(m, i) : nn_model_a(m, i);
		v[2] = nn_model_dz(m, i);
		sh_print_tensors(S, linear ? 2 : 3, lab, v, &s);
		for (int k = 0; k < info.nparams; k++) {
			char name[64];
			nn_param p;

			nn_model_param(m, i, k, &p);
			if (p.tied) {
				sh_printf(S, "  %s is layer %d's%s: its dL/d%s, "
				          "shown there, sums every use\n",
				          p.name, p.tied, p.transposed ?
				          ", transposed" : "", p.name);
				continue;
			}
			if (p.state) {
				sh_printf(S, "  %s: not trained (running "
				          "statistics, no gradient)\n", p.name);
				continue;
			}
			snprintf(name, sizeof name, "  dL/d%s", p.name);
			sh_print_tensor(S, name, p.grad, &p.shape);
		}
	}
	if (nn_model_input_grad(m)) {
		sh_printf(S, "\ninput\n");
		print_example(S, "  dL/dx", nn_model_input_grad(m), &xs);
	}
}

int cmd_grad(sh_session *S, const sh_line *l)
{
	const sh_arg *a = sh_pos(l, 0);
	sh_model *sm = sh_model_arg(S, a ? a->text : NULL);
	float *x = NULL, *y = NULL;
	double loss;
	size_t n;
	int rc;

	if (!sm)
		return -1;
	if (nn_model_layers(sm->m) == 0)
		return sh_err(S, "%s has no layers; add some with 'add'",
		              sm->name);
	rc = grad_batch(S, l, sm, &x, &y, &n);
	if (rc == 0)
		rc = forward_loss(S, sm, x, y, n, 1, &loss);
	if (rc == 0) {
		print_grads(S, sm, x, y, n, loss);
		keep_grad(sm);
	}
	free(x);
	free(y);
	return rc;
}

static void describe_optim(sh_session *S, const nn_optim *o)
{
	sh_printf(S, "%s lr=%g", nn_optim_name(o->kind), o->lr);
	if (o->kind == NN_OPT_SGD && o->momentum > 0)
		sh_printf(S, " momentum=%g%s", o->momentum,
		          o->nesterov ? " nesterov" : "");
	if (o->weight_decay > 0)
		sh_printf(S, " weight_decay=%g", o->weight_decay);
	if (o->decay > 0)
		sh_printf(S, " decay=%g", o->decay);
}

int cmd_step(sh_session *S, const sh_line *l)
{
	const sh_arg *a = sh_pos(l, 0);
	sh_model *sm = sh_model_arg(S, a ? a->text : NULL);
	nn_model *m;

	if (!sm)
		return -1;
	m = sm->m;
	if (!last.model || strcmp(last.model, sm->name) != 0)
		return sh_err(S, "no gradient of %s to apply: run 'grad %s "
		              "x=... y=...' first", sm->name, sm->name);
	if (last.m != m || last.count != nn_model_param_count(m) ||
	    last.hash != hash_params(m))
		return sh_err(S, "%s has changed since its last grad: run "
		              "grad again", sm->name);
	if (last.count == 0)
		return sh_err(S, "%s has no parameters", sm->name);
	memcpy(nn_model_grads(m), last.grads, last.count * sizeof *last.grads);
	if (nn_optim_step(&sm->opt, m) < 0)
		return sh_err(S, "%s", nn_error());
	forget_grad();
	sh_printf(S, "step %ld of %s: ", sm->opt.t, sm->name);
	describe_optim(S, &sm->opt);
	sh_printf(S, "\n");
	for (size_t i = 0; i < nn_model_layers(m); i++)
		for (int k = 0; k < nn_model_layer_nparams(m, i); k++) {
			char name[256];
			nn_param p;

			nn_model_param(m, i, k, &p);
			snprintf(name, sizeof name, "%s.%zu.%s", sm->name,
			         i + 1, p.name);
			sh_print_tensor(S, name, p.value, &p.shape);
		}
	return 0;
}

/* ---- gradcheck --------------------------------------------------------- */

#define GC_EPS 1e-2     /* central-difference steps: this and a tenth */
#define GC_FLOOR 1e-3   /* relative errors of tiny numbers are absolute */
#define GC_TOL 1e-2     /* float32 forward passes do no better */
#define GC_MAX 100      /* elements checked per parameter tensor */

/* The relative error of backprop's a against the difference f, which is
 * known to within noise (the float32 loss's rounding over the step). */
static double relerr(double a, double f, double noise)
{
	double d = fmax(fabs(a - f) - noise, 0), s = fabs(a) + fabs(f);

	return d / (s > GC_FLOOR ? s : GC_FLOOR);
}

/* Random inputs and targets for n samples, drawn from r. */
static void random_batch(const sh_model *sm, nn_rng *r, float *x, float *y,
                         size_t n)
{
	const nn_shape *is = nn_model_input_shape(sm->m);
	size_t in = nn_shape_size(is);
	size_t w = nn_shape_size(nn_model_output_shape(sm->m));
	nn_loss_kind lk = sh_model_loss(sm);
	float lo = is->ndim >= 3 ? 0.0f : -1.0f;

	for (size_t i = 0; i < n * in; i++)
		x[i] = lo + (1 - lo) * (float)nn_rng_uniform(r);
	for (size_t i = 0; i < n; i++) {
		float *t = y + i * w;

		if (lk == NN_LOSS_CE || lk == NN_LOSS_CE_NAIVE ||
		    lk == NN_LOSS_NLL) {
			memset(t, 0, w * sizeof *t);
			t[nn_rng_below(r, (uint32_t)w)] = 1;
		} else {
			for (size_t j = 0; j < w; j++)
				t[j] = lk == NN_LOSS_BCE
				       ? (float)nn_rng_below(r, 2)
				       : (float)nn_rng_uniform(r);
		}
	}
}

/* The derivative of the loss in *v by differences of step h, scaled to
 * the value (h |v| for |v| > 1): the central difference into *d. l0 is
 * the loss at *v; *noise, how far rounding of the float32 loss (a few
 * units in its last place) can move *d. Returns 0, or 1 when the
 * one-sided differences
 * disagree, which a smooth loss cannot do at this step: a kink (ReLU at
 * 0, two equal values under max pooling) lies within the step, where no
 * difference says anything about the gradient. */
static int central(sh_session *S, sh_model *sm, const float *x,
                   const float *y, size_t n, float *v, double h, double l0,
                   double *d, double *noise)
{
	float keep = *v;
	double s = h * (fabs(keep) > 1 ? fabs(keep) : 1);
	float up = (float)(keep + s), down = (float)(keep - s);
	double lp = 0, lm = 0, fwd, bwd, kink;

	*v = up;
	forward_loss(S, sm, x, y, n, 0, &lp);
	*v = down;
	forward_loss(S, sm, x, y, n, 0, &lm);
	*v = keep;
	*d = (lp - lm) / ((double)up - down);
	fwd = (lp - l0) / ((double)up - keep);
	bwd = (l0 - lm) / ((double)keep - down);
	*noise = 2 * FLT_EPSILON * (fabs(l0) + GC_FLOOR) / s;
	kink = 4 * *noise;
	return fabs(fwd - bwd) > GC_TOL * (fabs(fwd) + fabs(bwd)) + kink;
}

/* "[1][0]": the indices of element j of a tensor of that shape. */
static void index_str(const nn_shape *shape, size_t j, char *buf, size_t len)
{
	size_t idx[NN_MAXDIM], used = 0;

	for (int i = shape->ndim - 1; i >= 0; i--) {
		idx[i] = j % (size_t)shape->dim[i];
		j /= (size_t)shape->dim[i];
	}
	buf[0] = '\0';
	for (int i = 0; i < shape->ndim && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "[%zu]",
		                         idx[i]);
}

/* Check one parameter tensor; print its row unless quiet; return its
 * worst error beyond the loss's rounding (the row shows the plain
 * relative error). Elements at a kink for every step are not compared:
 * they are added to *kinks. */
static double check_param(sh_session *S, sh_model *sm, const float *x,
                          const float *y, size_t n, double l0, size_t layer,
                          const nn_param *p, const float *analytic,
                          nn_rng *r, int quiet, size_t *kinks)
{
	size_t count = p->size < GC_MAX ? p->size : GC_MAX, at = 0;
	size_t skipped = 0;
	double worst = 0, shown = 0, wa = 0, wn = 0;
	char name[64], sh[32], e[32], b1[32], b2[32], ix[64];

	for (size_t c = 0; c < count; c++) {
		size_t j = p->size <= GC_MAX ? c
		           : nn_rng_below(r, (uint32_t)p->size);
		double num = 0, err = INFINITY, plain = INFINITY;

		for (double h = GC_EPS; h > GC_EPS / 20; h /= 10) {
			double d, noise, rel;

			if (central(S, sm, x, y, n, p->value + j, h, l0, &d,
			            &noise))
				continue;
			rel = relerr(analytic[j], d, noise);
			if (rel < err || (rel == err &&
			                  relerr(analytic[j], d, 0) < plain)) {
				err = rel;
				plain = relerr(analytic[j], d, 0);
				num = d;
			}
		}
		if (err == INFINITY) {
			skipped++;
			continue;
		}
		worst = fmax(worst, err);
		if (plain >= shown) {
			shown = plain;
			at = j;
			wa = analytic[j];
			wn = num;
		}
	}
	*kinks += skipped;
	if (quiet)
		return worst;
	if (layer == SIZE_MAX)
		snprintf(name, sizeof name, "%s.input", sm->name);
	else
		snprintf(name, sizeof name, "%s.%zu.%s", sm->name, layer + 1,
		         p->name);
	snprintf(sh, sizeof sh, "%s%s", nn_shape_str(&p->shape, b1, sizeof b1),
	         count < p->size ? "*" : "");
	if (skipped == count) {
		sh_printf(S, "  %-14s %-10s %9s (every element at a kink)\n",
		          name, sh, "-");
		return worst;
	}
	snprintf(e, sizeof e, "%.2e", shown);
	snprintf(b1, sizeof b1, "%.6g", wa);
	snprintf(b2, sizeof b2, "%.6g", wn);
	index_str(&p->shape, at, ix, sizeof ix);
	sh_printf(S, "  %-14s %-10s %9s %-10s %12s %12s%s\n", name, sh, e, ix,
	          b1, b2, shown >= GC_TOL && worst < GC_TOL
	          ? "  (within the loss's rounding)" : "");
	return worst;
}

int cmd_gradcheck(sh_session *S, const sh_line *l)
{
	int quiet = sh_flag(l, "quiet"), sampled = 0, rc = -1;
	const sh_arg *a = sh_pos(l, 0);
	const char *dt = sh_opt(l, "data");
	float *x = NULL, *y = NULL, *analytic = NULL, *dx = NULL;
	size_t n = 0, in, w, total, kinks = 0;
	double worst = 0, loss;
	char where[64] = "", what[128];
	sh_data *sd = NULL;
	sh_model *sm;
	long k;
	nn_rng r;

	if (a && quiet && strcmp(a->text, "quiet") == 0)
		a = sh_pos(l, 1);
	else if (sh_npos(l) == 2 && strcmp(sh_pos(l, 1)->text, "quiet") != 0)
		return sh_err(S, "gradcheck: unexpected '%s'",
		              sh_pos(l, 1)->text);
	if (!(sm = sh_model_arg(S, a ? a->text : NULL)))
		return -1;
	if (nn_model_layers(sm->m) == 0)
		return sh_err(S, "%s has no layers; add some with 'add'",
		              sm->name);
	if ((total = nn_model_param_count(sm->m)) == 0)
		return sh_err(S, "%s has no parameters to check", sm->name);
	if (dt && sh_opt(l, "x"))
		return sh_err(S, "give x= (and y=) or data=, not both");
	if (sh_opt_long(S, l, "n", 4, 1, 1000, &k) < 0)
		return -1;
	in = nn_shape_size(nn_model_input_shape(sm->m));
	w = nn_shape_size(nn_model_output_shape(sm->m));
	nn_rng_seed(&r, S->seed);
	if (dt) {
		size_t *idx;

		if (!(sd = sh_data_arg(S, dt)) || sh_check_data(S, sm, sd, 1) < 0)
			return -1;
		n = (size_t)k < sd->d->n ? (size_t)k : sd->d->n;
		x = malloc(n * in * sizeof *x);
		y = malloc(n * w * sizeof *y);
		idx = malloc(n * sizeof *idx);
		if (x && y && idx) {
			for (size_t i = 0; i < n; i++)
				idx[i] = i;
			nn_dataset_gather(sd->d, idx, n, x, y);
		}
		free(idx);
		if (!x || !y || !idx) {
			sh_err(S, "out of memory");
			goto done;
		}
	} else if (sh_opt(l, "x")) {
		if (grad_batch(S, l, sm, &x, &y, &n) < 0)
			goto done;
	} else {
		n = (size_t)k;
		x = malloc(n * in * sizeof *x);
		y = malloc(n * w * sizeof *y);
		if (!x || !y) {
			sh_err(S, "out of memory");
			goto done;
		}
		random_batch(sm, &r, x, y, n);
	}
	if (!(analytic = malloc(total * sizeof *analytic)) ||
	    forward_loss(S, sm, x, y, n, 1, &loss) < 0) {
		if (!analytic)
			sh_err(S, "out of memory");
		goto done;
	}
	memcpy(analytic, nn_model_grads(sm->m), total * sizeof *analytic);
	if (!(dx = malloc(n * in * sizeof *dx))) {
		sh_err(S, "out of memory");
		goto done;
	}
	memcpy(dx, nn_model_input_grad(sm->m), n * in * sizeof *dx);
	snprintf(what, sizeof what, "%s loss on %zu %s sample%s",
	         nn_loss_name(sh_model_loss(sm)), n,
	         sd ? sd->name : sh_opt(l, "x") ? "given" : "random",
	         n == 1 ? "" : "s");
	if (!quiet) {
		sh_printf(S, "gradcheck %s: %s, central differences (steps "
		          "%g, %g)\n", sm->name, what, GC_EPS, GC_EPS / 10);
		sh_printf(S, "  %-14s %-10s %9s %-10s %12s %12s\n",
		          "parameter", "shape", "worst err", "at", "backprop",
		          "numeric");
	}
	for (size_t i = 0; i < nn_model_layers(sm->m); i++)
		for (int j = 0; j < nn_model_layer_nparams(sm->m, i); j++) {
			nn_param p;
			double e;

			nn_model_param(sm->m, i, j, &p);
			if (p.tied)
				continue;       /* checked at its owner */
			if (p.state) {
				if (!quiet)
					sh_printf(S, "  %s.%zu.%-*s not trained "
					          "(running statistics): not "
					          "checked\n", sm->name, i + 1,
					          (int)(13 - strlen(sm->name)),
					          p.name);
				continue;
			}
			sampled |= p.size > GC_MAX;
			e = check_param(S, sm, x, y, n, loss, i, &p,
			                analytic + (p.value -
			                            nn_model_params(sm->m)),
			                &r, quiet, &kinks);
			if (e > worst) {
				worst = e;
				snprintf(where, sizeof where, "%s.%zu.%s",
				         sm->name, i + 1, p.name);
			}
		}
	{
		/* dL/dx of the input too: the homework's x-bar */
		nn_param px = { .name = "input", .size = n * in, .value = x };
		double e;

		px.shape = batch_shape(nn_model_input_shape(sm->m), n);
		sampled |= px.size > GC_MAX;
		e = check_param(S, sm, x, y, n, loss, SIZE_MAX, &px, dx, &r,
		                quiet, &kinks);
		if (e > worst) {
			worst = e;
			snprintf(where, sizeof where, "%s.input", sm->name);
		}
	}
	if (sampled && !quiet)
		sh_printf(S, "  * checked at %d elements picked at random\n",
		          GC_MAX);
	if (kinks && !quiet)
		sh_printf(S, "  %zu element%s within a step of a kink (ReLU or "
		          "step at 0, a tie under max pooling) not compared\n", kinks,
		          kinks == 1 ? "" : "s");
	if (worst >= GC_TOL) {
		sh_err(S, "gradcheck %s: backprop disagrees with finite "
		       "differences (relative error %.2e in %s)", sm->name,
		       worst, where);
		goto done;
	}
	if (quiet && kinks)
		sh_printf(S, "gradcheck %s: ok, backprop agrees with finite "
		          "differences (%s; %zu element%s at a kink not "
		          "compared)\n", sm->name, what, kinks,
		          kinks == 1 ? "" : "s");
	else if (quiet)
		sh_printf(S, "gradcheck %s: ok, backprop agrees with finite "
		          "differences (%s)\n", sm->name, what);
	else
		sh_printf(S, "ok: backprop agrees with finite differences "
		          "(every relative error < %g)\n", GC_TOL);
	rc = 0;
done:
	free(x);
	free(y);
	free(analytic);
	free(dx);
	return rc;
}
