/* ranks.c - data-parallel training beside the loop (train.c takes each
 * batch's step): the checks of what can be shared between ranks, and the
 * checksums that show whether the ranks hold the same weights, data and
 * settings at the start of a run, and the same weights at its end. The
 * communication itself is the caller's (nn_ranks.sync). */
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "ranks.h"

/* Every byte of p[0..n) into the CRC c, in pieces zlib's length takes. */
static uint32_t crc(uint32_t c, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (b && n > 0) {
		uInt k = n > (1u << 30) ? 1u << 30 : (uInt)n;

		c = (uint32_t)crc32(c, b, k);
		b += k;
		n -= k;
	}
	return c;
}

static uint32_t crc_num(uint32_t c, double v)
{
	return crc(c, &v, sizeof v);
}

uint32_t nn_model_checksum(nn_model *m)
{
	return crc(0, nn_model_params(m),
	           nn_model_param_count(m) * sizeof(float));
}

static uint32_t data_crc(uint32_t c, const nn_dataset *d)
{
	if (!d)
		return c;
	c = crc_num(c, (double)d->n);
	c = crc_num(c, (double)d->xsize);
	c = crc_num(c, (double)d->ysize);
	c = crc_num(c, d->xscale);
	c = crc(c, d->xbytes, d->xbytes ? d->n * d->xsize : 0);
	c = crc(c, d->x, d->x ? d->n * d->xsize * sizeof *d->x : 0);
	c = crc(c, d->labels, d->labels ? d->n * sizeof *d->labels : 0);
	return crc(c, d->y, d->y ? d->n * d->ysize * sizeof *d->y : 0);
}

/* The settings that steer the steps, field by field (a struct's padding
 * is not its value). */
static uint32_t settings_crc(const nn_run *r, const nn_optim *o, int loss)
{
	const nn_train_opts *p = &r->opts;
	const nn_schedule *s = &p->schedule;
	double v[] = {
		loss, o->kind, o->lr, o->momentum, o->nesterov,
		o->weight_decay, o->decay, o->beta1, o->beta2, o->rho, o->eps,
		(double)o->t, (double)r->iters, (double)r->iter, r->epoch,
		(double)r->n, (double)r->pos, (double)p->batch, p->shuffle,
		(double)p->every, p->clip, p->fanin, p->target_lo,
		p->target_hi, p->deadzone, p->goal, p->reduction,
		p->early.monitor, p->early.patience, p->early.min_delta,
		p->early.restore,
		s->kind, s->max, s->min, s->gamma, (double)s->every, s->T,
		(double)s->warmup,
	};
	uint32_t c = crc(0, v, sizeof v);

	c = crc(c, r->rng.s, sizeof r->rng.s);
	return crc(c, r->perm, r->perm ? r->n * sizeof *r->perm : 0);
}

int nn_ranks_check(const nn_ranks *rk, const nn_model *m, size_t batch)
{
	if (batch < (size_t)rk->size)
		return nn_fail("a batch of %zu cannot be shared by %d ranks: "
		               "give batch= of at least %d", batch, rk->size,
		               rk->size);
	for (size_t i = 0; i < nn_model_layers(m); i++) {
		nn_layer_info info;

		nn_model_layer_info(m, i, &info);
		if (strcmp(info.kind, "batchnorm") == 0)
			return nn_fail("layer %zu (%s) normalises over each "
			               "batch, which %d ranks would each see "
			               "only a share of: train it on one "
			               "process", i + 1, info.desc, rk->size);
	}
	return 0;
}

/* The weights of m and the state of its optimizer into the CRC c. */
static uint32_t state_crc(uint32_t c, nn_model *m, const nn_optim *o)
{
	c = crc(c, nn_model_params(m), nn_model_param_count(m) * sizeof(float));
	if (o->m)
		c = crc(c, o->m, o->nstate * sizeof *o->m);
	if (o->v)
		c = crc(c, o->v, o->nstate * sizeof *o->v);
	return c;
}

/* The first sync of a run with the checksums of the state, the data and
 * the settings: 0, or -1 naming the first rank that differs. */
static int begin(const nn_ranks *rk, uint32_t w, uint32_t d, uint32_t set)
{
	static const char *const what[3] = {
		"weights or optimizer state", "training or validation data",
		"run settings or random state",
	};
	nn_sync s = { 0 };

	s.phase = NN_SYNC_BEGIN;
	s.check[0] = w;
	s.check[1] = d;
	s.check[2] = set;
	if (rk->sync(rk->ud, &s, NULL, 0) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (s.check[i])
			return nn_fail("rank %u has other %s than rank 0: "
			               "every rank must run the same script "
			               "on the same files", s.check[i] - 1,
			               what[i]);
	return 0;
}

int nn_ranks_begin(const nn_ranks *rk, nn_model *m, const nn_optim *o,
                   const nn_dataset *d, const nn_dataset *val,
                   const nn_run *r, int loss)
{
	return begin(rk, state_crc(0, m, o), data_crc(data_crc(0, d), val),
	             settings_crc(r, o, loss));
}

/* An optimizer's settings into the CRC c. */
static uint32_t optim_crc(uint32_t c, const nn_optim *o)
{
	double v[] = {
		o->kind, o->lr, o->momentum, o->nesterov, o->weight_decay,
		o->beta1, o->beta2, o->rho, o->eps, (double)o->t,
	};

	return crc(c, v, sizeof v);
}

int nn_ranks_gan_begin(const nn_ranks *rk, const nn_gan *s, nn_model *g,
                       const nn_optim *og, nn_model *d, const nn_optim *od,
                       const nn_dataset *data)
{
	const nn_gan_opts *p = &s->opts;
	double v[] = {
		p->epochs, (double)p->iters, (double)p->batch, p->k, p->smooth,
		p->noise, (double)p->every, (double)s->iter, (double)s->iters,
		s->epoch, (double)s->n, (double)s->pos,
	};
	uint32_t set = crc(optim_crc(optim_crc(0, og), od), v, sizeof v);

	set = crc(set, s->rng.s, sizeof s->rng.s);
	set = crc(set, s->perm, s->perm ? s->n * sizeof *s->perm : 0);
	return begin(rk, state_crc(state_crc(0, g, og), d, od),
	             data_crc(0, data), set);
}

int nn_ranks_closure_sum(const nn_closure *c, int rc, double *l,
                         int want_grad)
{
	const nn_ranks *rk = c->ranks;
	nn_model *m = c->m;
	size_t np = nn_model_param_count(m);
	float *g = want_grad && rc == 0 ? nn_model_grads(m) : NULL;
	float share = c->total ? (float)c->n / (float)c->total : 0;
	nn_sync s = { 0 };

	if (g)
		for (size_t i = 0; i < np; i++)
			g[i] *= share;
	s.phase = NN_SYNC_STEP;
	s.failed = rc < 0;
	s.loss = rc < 0 ? 0 : *l * (double)c->n;
	if (rk->sync(rk->ud, &s, g, g ? np : 0) < 0)
		return -1;
	*l = s.loss / (double)c->total;
	return 0;
}

int nn_ranks_sum_doubles(const nn_ranks *rk, double *v, size_t n,
                         int failed)
{
	nn_sync s = { 0 };

	s.phase = NN_SYNC_STEP;
	s.failed = failed;
	s.dsum = failed ? NULL : v;
	s.dn = n;
	return rk->sync(rk->ud, &s, NULL, 0);
}

int nn_ranks_end(const nn_ranks *rk, nn_model *m)
{
	nn_sync s = { 0 };

	s.phase = NN_SYNC_END;
	s.check[0] = nn_model_checksum(m);
	if (rk->sync(rk->ud, &s, NULL, 0) < 0)
		return -1;
	if (s.check[0])
		return nn_fail("after training, rank %u holds other weights "
		               "than rank 0 (a fault in the transport?)",
		               s.check[0] - 1);
	return 0;
}
