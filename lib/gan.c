/* gan.c - generative adversarial networks from the public step pieces: a
 * discriminator step (BCE on a real batch and on a generated one, one
 * optimizer step of D), a generator step (D's output on a generated batch
 * against target 1, its gradient carried back through D's input into G,
 * one step of G), the loop alternating them with points and a resumable
 * state, and sampling a generator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "ranks.h"

void nn_gan_noise_fill(nn_gan_noise k, float *z, size_t n, nn_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		z[i] = k == NN_GAN_UNIFORM
		       ? (float)(2 * nn_rng_uniform(rng) - 1)
		       : (float)nn_rng_normal(rng);
}

int nn_gan_check(const nn_model *g, const nn_model *d,
                 const nn_dataset *data)
{
	char a[32], b[32];
	const nn_shape *go, *di;

	if (g == d)
		return nn_fail("the generator and the discriminator must be "
		               "two models");
	if (nn_model_layers(g) == 0 || nn_model_layers(d) == 0)
		return nn_fail("the %s has no layers", nn_model_layers(g) == 0
		               ? "generator" : "discriminator");
	go = nn_model_output_shape(g);
	di = nn_model_input_shape(d);
	nn_shape_str(&data->xshape, b, sizeof b);
	if (nn_shape_size(go) != data->xsize)
		return nn_fail("the generator gives %s, the data's samples "
		               "are %s", nn_shape_str(go, a, sizeof a), b);
	if (nn_shape_size(di) != data->xsize)
		return nn_fail("the discriminator takes %s, the data's "
		               "samples are %s", nn_shape_str(di, a, sizeof a),
		               b);
	if (nn_shape_size(nn_model_output_shape(d)) != 1)
		return nn_fail("the discriminator must give one output (a "
		               "probability), not %zu",
		               nn_shape_size(nn_model_output_shape(d)));
	if (nn_model_output_act(d) != NN_ACT_SIGMOID)
		return nn_fail("the discriminator's output must be sigmoid, "
		               "not %s", nn_act_name(nn_model_output_act(d)));
	return 0;
}

void nn_gan_free(nn_gan *s)
{
	free(s->perm);
	free(s->pts);
	free(s->x);
	free(s->z);
	free(s->y);
	free(s->grad);
	memset(s, 0, sizeof *s);
}

/* Buffers for batches of n samples of xs values and noise of zs. */
static int reserve(nn_gan *s, size_t n, size_t xs, size_t zs)
{
	if (s->bufn >= n)
		return 0;
	free(s->x);
	free(s->z);
	free(s->y);
	free(s->grad);
	s->x = malloc(n * xs * sizeof *s->x);
	s->z = malloc(n * zs * sizeof *s->z);
	s->y = malloc(n * sizeof *s->y);
	s->grad = malloc(n * sizeof *s->grad);
	s->bufn = n;
	if (!s->x || !s->z || !s->y || !s->grad) {
		s->bufn = 0;
		return nn_fail("out of memory for a batch of %zu", n);
	}
	return 0;
}

int nn_gan_start(nn_gan *s, const nn_model *g, const nn_model *d,
                 const nn_dataset *data, const nn_gan_opts *o, nn_rng *rng)
{
	size_t batch, nb, per;

	nn_gan_free(s);
	if (nn_gan_check(g, d, data) < 0)
		return -1;
	if (data->n == 0)
		return nn_fail("the data has no samples");
	if (o->k < 1)
		return nn_fail("k=%d: at least one discriminator step", o->k);
	s->opts = *o;
	batch = o->batch == 0 || o->batch > data->n ? data->n : o->batch;
	s->opts.batch = batch;
	nb = (data->n + batch - 1) / batch;
	per = (nb + (size_t)o->k - 1) / (size_t)o->k;
	s->iters = o->iters > 0 ? o->iters : (long)per * o->epochs;
	if (s->iters <= 0)
		return nn_fail("nothing to do: give epochs= or iters=");
	s->epochs = (int)((s->iters + (long)per - 1) / (long)per);
	s->per = (long)per;
	s->n = s->pos = data->n;
	s->gparams = nn_model_param_count(g);
	s->dparams = nn_model_param_count(d);
	if (!(s->perm = malloc(s->n * sizeof *s->perm)))
		return nn_fail("out of memory");
	for (size_t i = 0; i < s->n; i++)
		s->perm[i] = i;
	nn_rng_seed(&s->rng, nn_rng_next(rng));
	if (reserve(s, batch, data->xsize,
	            nn_shape_size(nn_model_input_shape(g))) < 0) {
		nn_gan_free(s);
		return -1;
	}
	s->active = 1;
	return 0;
}

int nn_gan_check_resume(const nn_gan *s, const nn_model *g,
                        const nn_model *d, const nn_dataset *data)
{
	if (!s->active || !s->perm)
		return nn_fail("there is no stopped GAN run to resume");
	if (nn_gan_check(g, d, data) < 0)
		return -1;
	if (s->gparams != nn_model_param_count(g) ||
	    s->dparams != nn_model_param_count(d))
		return nn_fail("the models have changed since the run stopped");
	if (s->n != data->n)
		return nn_fail("the run trained on %zu samples, this data has "
		               "%zu", s->n, data->n);
	return 0;
}

/* BCE of d's sigmoid output `out` on n samples against target t; its
 * gradient (w.r.t. the last pre-activation) into s->grad, and the mean
 * output into *mean. */
static double bce(nn_gan *s, nn_model *d, const float *out, size_t n,
                  float t, double *mean, int *dz)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		s->y[i] = t;
		sum += out[i];
	}
	*mean = sum / (double)n;
	return nn_loss(NN_LOSS_BCE, NN_ACT_SIGMOID,
	               nn_model_z(d, nn_model_layers(d) - 1), out, s->y, n, 1,
	               s->grad, dz);
}

/* This rank's share of a step's cnt samples: [*off, *off + result). */
static size_t share(const nn_gan *s, size_t cnt, size_t *off)
{
	const nn_ranks *rk = s->ranks;

	if (!rk) {
		*off = 0;
		return cnt;
	}
	*off = cnt * (size_t)rk->rank / (size_t)rk->size;
	return cnt * (size_t)(rk->rank + 1) / (size_t)rk->size - *off;
}

/* Where a step's dropout draws from: s->rng alone, or over ranks a
 * generator of the step's and the rank's own, so that s->rng (the order
 * and the noise) stays as on one process. */
static nn_rng *drop_rng(nn_gan *s, nn_rng *own)
{
	const nn_ranks *rk = s->ranks;
	uint64_t k;

	if (!rk)
		return &s->rng;
	k = (uint64_t)(s->dsteps + s->gsteps) * (uint64_t)rk->size +
	    (uint64_t)rk->rank + 1;
	nn_rng_seed(own, s->rng.s[0] + 0x9e3779b97f4a7c15ull * k);
	return own;
}

/* g's output (training mode) for samples [off, off + n) of cnt samples of
 * fresh noise (all cnt are drawn), or NULL. */
static const float *generate(nn_gan *s, nn_model *g, size_t cnt, size_t off,
                             size_t n, nn_rng *rng)
{
	size_t zs = nn_shape_size(nn_model_input_shape(g));

	nn_gan_noise_fill(s->opts.noise, s->z, cnt * zs, &s->rng);
	return nn_model_forward(g, s->z + off * zs, n, 1, rng);
}

/* Over ranks: m's gradient of this rank's n samples of cnt (a mean over
 * its n) becomes the whole batch's, summed over the ranks, and so do
 * v[0..3) (means over the n); the rate is rank 0's and a stop is
 * agreed. failed: this rank failed (its message set). 0, or -1. */
static int sum_shares(nn_gan *s, nn_model *m, nn_optim *o, size_t n,
                      size_t cnt, double v[3], int failed)
{
	const nn_ranks *rk = s->ranks;
	size_t np = nn_model_param_count(m);
	float *g = nn_model_grads(m), w = (float)n / (float)cnt;
	nn_sync y = { 0 };

	if (!rk)
		return failed ? -1 : 0;
	for (size_t i = 0; !failed && i < np; i++)
		g[i] = n ? g[i] * w : 0;
	y.phase = NN_SYNC_STEP;
	y.failed = failed;
	y.stop = s->want_stop;
	y.loss = n ? v[0] * (double)n : 0;
	y.correct = n ? v[1] * (double)n : 0;
	y.extra = n ? v[2] * (double)n : 0;
	y.lr = o->lr;
	if (rk->sync(rk->ud, &y, failed ? NULL : g, np) < 0)
		return -1;
	v[0] = y.loss / (double)cnt;
	v[1] = y.correct / (double)cnt;
	v[2] = y.extra / (double)cnt;
	o->lr = (float)y.lr;
	s->stop_all |= y.stop > 0;
	return 0;
}

/* D's losses on its share of a real batch and of a generated one, the
 * gradients accumulated into d's; v: the summed loss, the mean outputs
 * on real and on generated samples. 0, or -1. */
static int d_grads(nn_gan *s, nn_model *g, nn_model *d, const float *x,
                   size_t cnt, size_t off, size_t n, double v[3])
{
	nn_rng own, *rng = drop_rng(s, &own);
	const float *out, *fake;
	double lr, lf;
	int dz;

	nn_model_zero_grads(d);
	if (n == 0) {           /* a last batch smaller than the ranks */
		nn_gan_noise_fill(s->opts.noise, s->z, cnt *
		                  nn_shape_size(nn_model_input_shape(g)),
		                  &s->rng);
		return 0;
	}
	if (!(out = nn_model_forward(d, x, n, 1, rng)))
		return -1;
	lr = bce(s, d, out, n, s->opts.smooth, &v[1], &dz);
	nn_model_backward_acc(d, s->grad, dz, 0);
	if (!(fake = generate(s, g, cnt, off, n, rng)) ||
	    !(out = nn_model_forward(d, fake, n, 1, rng)))
		return -1;
	lf = bce(s, d, out, n, 0, &v[2], &dz);
	v[0] = lr + lf;
	if (isfinite(v[0]))
		nn_model_backward_acc(d, s->grad, dz, 0);
	return 0;
}

int nn_gan_d_step(nn_gan *s, nn_model *g, nn_model *d, nn_optim *od,
                  const nn_dataset *data)
{
	size_t cnt, off, n;
	double v[3] = { 0 };
	int rc;

	if (s->pos >= s->n) {
		s->pos = 0;
		nn_rng_shuffle(&s->rng, s->perm, s->n);
	}
	cnt = s->n - s->pos < s->opts.batch ? s->n - s->pos : s->opts.batch;
	n = share(s, cnt, &off);
	nn_dataset_gather(data, s->perm + s->pos + off, n, s->x, NULL);
	rc = d_grads(s, g, d, s->x, cnt, off, n, v);
	if (sum_shares(s, d, od, n, cnt, v, rc < 0) < 0)
		return -1;
	if (!isfinite(v[0]))
		return nn_fail("the discriminator's loss is %g at iteration "
		               "%ld: the weights from before it are kept",
		               v[0], s->iter + 1);
	if (nn_optim_step(od, d) < 0)
		return -1;
	s->pos += cnt;
	s->d_loss = v[0];
	s->d_real = v[1];
	s->d_fake = v[2];
	s->span[0] += s->d_loss;
	s->span[2] += v[1];
	s->span[3] += v[2];
	s->span_d++;
	s->dsteps++;
	return 0;
}

/* G's loss (D's output against target 1) on its share of a generated
 * batch, its gradient carried through d into g's; *l the loss. */
static int g_grads(nn_gan *s, nn_model *g, nn_model *d, size_t cnt,
                   size_t off, size_t n, double *l)
{
	nn_rng own, *rng = drop_rng(s, &own);
	const float *out, *fake;
	double m;
	int dz;

	nn_model_zero_grads(g);
	if (n == 0) {
		nn_gan_noise_fill(s->opts.noise, s->z, cnt *
		                  nn_shape_size(nn_model_input_shape(g)),
		                  &s->rng);
		return 0;
	}
	if (!(fake = generate(s, g, cnt, off, n, rng)) ||
	    !(out = nn_model_forward(d, fake, n, 1, rng)))
		return -1;
	*l = bce(s, d, out, n, 1, &m, &dz);
	if (!isfinite(*l))
		return 0;
	nn_model_backward_input(d, s->grad, dz);
	nn_model_backward_acc(g, nn_model_input_grad(d), 0, 0);
	return 0;
}

int nn_gan_g_step(nn_gan *s, nn_model *g, nn_model *d, nn_optim *og)
{
	size_t cnt = s->opts.batch, off, n = share(s, cnt, &off);
	double v[3] = { 0 };
	int rc = g_grads(s, g, d, cnt, off, n, &v[0]);

	if (sum_shares(s, g, og, n, cnt, v, rc < 0) < 0)
		return -1;
	if (!isfinite(v[0]))
		return nn_fail("the generator's loss is %g at iteration %ld: "
		               "the weights from before it are kept", v[0],
		               s->iter + 1);
	if (nn_optim_step(og, g) < 0)
		return -1;
	s->g_loss = v[0];
	s->span[1] += v[0];
	s->span_g++;
	s->gsteps++;
	return 0;
}

/* The means since the last point become a point of s and of both
 * histories. */
static int add_point(nn_gan *s, const nn_gan_ctl *c, const nn_optim *og,
                     const nn_optim *od)
{
	nn_gan_point p = { 0 };
	nn_metrics m = { 0 };
	double nd = s->span_d ? (double)s->span_d : NAN;
	double ng = s->span_g ? (double)s->span_g : NAN;

	p.epoch = s->epoch;
	p.iter = s->iter;
	p.d_loss = s->span[0] / nd;
	p.g_loss = s->span[1] / ng;
	p.d_real = s->span[2] / nd;
	p.d_fake = s->span[3] / nd;
	p.seconds = s->seconds;
	if (s->npts == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		nn_gan_point *v = realloc(s->pts, cap * sizeof *v);

		if (!v)
			return nn_fail("out of memory");
		s->pts = v;
		s->cap = cap;
	}
	s->pts[s->npts++] = p;
	memset(s->span, 0, sizeof s->span);
	s->span_d = s->span_g = 0;
	m.epoch = p.epoch;
	m.iter = p.iter;
	m.acc = m.val_loss = m.val_acc = NAN;
	m.seq_acc = m.val_seq_acc = NAN;
	m.seconds = p.seconds;
	m.loss = p.g_loss;
	m.lr = og->lr;
	if (c->gh && nn_history_push(c->gh, &m) < 0)
		return -1;
	m.loss = p.d_loss;
	m.lr = od->lr;
	if (c->dh && nn_history_push(c->dh, &m) < 0)
		return -1;
	return 0;
}

int nn_gan_train(nn_gan *s, nn_model *g, nn_optim *og, nn_model *d,
                 nn_optim *od, const nn_dataset *data, const nn_gan_ctl *c)
{
	const nn_ranks *rk = c->ranks && c->ranks->size > 1 ? c->ranks : NULL;
	double t0 = nn_now() - s->seconds;
	int rc = 0;

	if (nn_gan_check_resume(s, g, d, data) < 0 ||
	    reserve(s, s->opts.batch, data->xsize,
	            nn_shape_size(nn_model_input_shape(g))) < 0)
		return -1;
	if (rk && (nn_ranks_check(rk, g, s->opts.batch) < 0 ||
	           nn_ranks_check(rk, d, s->opts.batch) < 0 ||
	           nn_ranks_gan_begin(rk, s, g, og, d, od, data) < 0))
		return -1;
	s->ranks = rk;
	s->want_stop = s->stop_all = 0;
	while (s->iter < s->iters) {
		const nn_gan_point *p = NULL;
		int due;

		if (rk ? s->stop_all : c->stop && *c->stop)
			break;
		if (rk && c->stop && *c->stop)
			s->want_stop = 1;       /* with the others, at a step */
		if (s->iter % s->per == 0) {    /* a new epoch, a new order */
			s->epoch++;
			s->pos = s->n;
		}
		for (int i = 0; i < s->opts.k && rc == 0; i++)
			rc = nn_gan_d_step(s, g, d, od, data);
		if (rc == 0)
			rc = nn_gan_g_step(s, g, d, og);
		if (rc < 0)
			break;
		s->iter++;
		s->seconds = nn_now() - t0;
		due = s->iter % (s->opts.every > 0 ? s->opts.every : s->per)
		      == 0;
		if (due || s->iter == s->iters) {
			if ((rc = add_point(s, c, og, od)) < 0)
				break;
			p = &s->pts[s->npts - 1];
		}
		if (c->callback && c->callback(s, p, c->ud)) {
			if (!rk)
				break;
			s->want_stop = 1;
		}
	}
	s->ranks = NULL;
	s->seconds = nn_now() - t0;
	if ((s->span_d || s->span_g) && add_point(s, c, og, od) < 0)
		rc = -1;
	if (s->iter >= s->iters)
		s->active = 0;
	if (rc == 0 && rk &&
	    (nn_ranks_end(rk, g) < 0 || nn_ranks_end(rk, d) < 0))
		rc = -1;
	return rc;
}

nn_dataset *nn_gan_sample(nn_model *g, size_t n, nn_gan_noise k,
                          nn_rng *rng, const nn_shape *shape)
{
	const nn_shape *os = nn_model_output_shape(g);
	size_t zs = nn_shape_size(nn_model_input_shape(g));
	size_t xs = nn_shape_size(os), chunk = 256;
	nn_dataset *d;
	float *z;

	if (nn_model_layers(g) == 0) {
		nn_fail("the generator has no layers");
		return NULL;
	}
	if (shape && nn_shape_size(shape) != xs) {
		nn_fail("the generator gives %zu values, not %zu", xs,
		        nn_shape_size(shape));
		return NULL;
	}
	if (!(d = nn_dataset_new()))
		return NULL;
	d->n = n;
	d->xshape = shape ? *shape : *os;
	d->xsize = xs;
	d->x = malloc((n ? n : 1) * xs * sizeof *d->x);
	z = malloc(chunk * zs * sizeof *z);
	if (!d->x || !z) {
		free(z);
		nn_dataset_free(d);
		nn_fail("out of memory for %zu samples", n);
		return NULL;
	}
	for (size_t at = 0; at < n; at += chunk) {
		size_t cnt = n - at < chunk ? n - at : chunk;
		const float *out;

		nn_gan_noise_fill(k, z, cnt * zs, rng);
		if (!(out = nn_model_forward(g, z, cnt, 0, NULL))) {
			free(z);
			nn_dataset_free(d);
			return NULL;
		}
		memcpy(d->x + at * xs, out, cnt * xs * sizeof *out);
	}
	free(z);
	return d;
}
