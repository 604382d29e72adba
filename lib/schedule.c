/* schedule.c - learning-rate schedules: the rate of step t (0 for the first
 * step) as a function of the optimizer's step count, so that a schedule
 * continues across train commands and resumes with the optimizer state.
 *
 *   constant  lr(t) = max
 *   step      lr(t) = max * gamma^floor(t / every)
 *   exp       lr(t) = min + (max - min) * exp(-t / T)
 *   cosine    lr(t) = min + (max - min) * (1 + cos(pi * min(t, T) / T)) / 2
 *
 * With warmup W the rate rises linearly, lr(t) = f(0) * (t + 1) / W, for
 * the first W steps, and the schedule f then runs from t - W. */
#include <math.h>
#include <string.h>

#include "nn.h"

static const char *const names[NN_SCHED_COUNT] = {
	"constant", "step", "exp", "cosine",
};

const char *nn_sched_name(nn_sched_kind k)
{
	return (unsigned)k < NN_SCHED_COUNT ? names[k] : "?";
}

int nn_sched_parse(const char *name)
{
	for (int i = 0; i < NN_SCHED_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	if (strcmp(name, "exponential") == 0)
		return NN_SCHED_EXP;
	return -1;
}

int nn_schedule_check(const nn_schedule *s)
{
	if ((unsigned)s->kind >= NN_SCHED_COUNT)
		return nn_fail("unknown schedule kind %d", (int)s->kind);
	if (!(s->max >= 0) || !(s->min >= 0) || !isfinite(s->max) ||
	    !isfinite(s->min))
		return nn_fail("schedule rates must be finite and not "
		               "negative");
	if (s->warmup < 0)
		return nn_fail("schedule warmup must not be negative");
	switch (s->kind) {
	case NN_SCHED_STEP:
		if (s->every < 1)
			return nn_fail("schedule step needs every= (steps "
			               "between changes) of at least 1");
		if (!(s->gamma > 0) || !isfinite(s->gamma))
			return nn_fail("schedule step needs gamma= above 0");
		break;
	case NN_SCHED_EXP:
	case NN_SCHED_COSINE:
		if (!(s->T > 0) || !isfinite(s->T))
			return nn_fail("schedule %s needs T= (in steps) above "
			               "0", names[s->kind]);
		break;
	default:
		break;
	}
	return 0;
}

/* The schedule without warmup at step t, starting from max. */
static double plain(const nn_schedule *s, double max, long t)
{
	double u;

	switch (s->kind) {
	case NN_SCHED_STEP:
		return max * pow(s->gamma, (double)(t / s->every));
	case NN_SCHED_EXP:
		return s->min + (max - s->min) * exp(-(double)t / s->T);
	case NN_SCHED_COSINE:
		u = (double)t < s->T ? (double)t / s->T : 1;
		return s->min + (max - s->min) * (1 + cos(M_PI * u)) / 2;
	default:
		return max;
	}
}

double nn_schedule_lr(const nn_schedule *s, double base, long t)
{
	double max = s->max > 0 ? s->max : base;

	if (t < 0)
		t = 0;
	if (t < s->warmup)
		return plain(s, max, 0) * (double)(t + 1) / (double)s->warmup;
	return plain(s, max, t - s->warmup);
}
