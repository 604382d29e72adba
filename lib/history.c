/* history.c - what a run leaves behind and decides by: the clock, the
 * history of metrics points, the run's state, the monitored quantities
 * and early stopping (the training loop itself is train.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn.h"
#include "nn_stats.h"

double nn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int nn_history_push(nn_history *h, const nn_metrics *m)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		nn_metrics *p = realloc(h->p, cap * sizeof *p);

		if (!p)
			return nn_fail("out of memory for the history");
		h->p = p;
		h->cap = cap;
	}
	h->p[h->n++] = *m;
	return 0;
}

void nn_history_free(nn_history *h)
{
	free(h->p);
	nn_stats_free(h);
	memset(h, 0, sizeof *h);
}

void nn_run_free(nn_run *r)
{
	free(r->perm);
	free(r->best);
	memset(r, 0, sizeof *r);
}

/* ---- early stopping ---------------------------------------------------- */

static const char *const monitor_names[NN_MON_COUNT] = {
	"val_loss", "val_acc", "loss", "acc",
};

const char *nn_monitor_name(nn_monitor k)
{
	return (unsigned)k < NN_MON_COUNT ? monitor_names[k] : "?";
}

int nn_monitor_parse(const char *name)
{
	for (int i = 0; i < NN_MON_COUNT; i++)
		if (strcmp(name, monitor_names[i]) == 0)
			return i;
	return -1;
}

double nn_early_value(const nn_early *e, const nn_metrics *p)
{
	switch (e->monitor) {
	case NN_MON_VAL_LOSS: return p->val_loss;
	case NN_MON_VAL_ACC: return p->val_acc;
	case NN_MON_LOSS: return p->loss;
	case NN_MON_ACC: return p->acc;
	default: return NAN;
	}
}

int nn_early_update(nn_early *e, const nn_metrics *p, int *stop)
{
	double v = nn_early_value(e, p);
	int rises = e->monitor == NN_MON_VAL_ACC || e->monitor == NN_MON_ACC;
	int better;

	if (isnan(e->best))
		better = !isnan(v);
	else if (rises)
		better = v > e->best + e->min_delta;
	else
		better = v < e->best - e->min_delta;
	if (better) {
		e->best = v;
		e->best_epoch = p->epoch;
		e->best_iter = p->iter;
		e->wait = 0;
	} else {
		e->wait++;
	}
	*stop = e->patience > 0 && e->wait >= e->patience;
	return better;
}
