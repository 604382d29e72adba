/* cmd_hopfield.c - Hopfield networks in the shell: `model NAME hopfield
 * UNITS` (a model entry that holds a Hopfield network), `store`, `recall`
 * (with the states drawn step by step for one sample), `hopfield
 * capacity` (the fraction recalled exactly against the load), and the
 * pattern datasets `data NAME = make patterns | flip | bipolar`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "render_curves.h"

/* The random numbers for a command: its own stream when seed= is given,
 * else the session's. */
static nn_rng *rng_for(sh_session *S, const sh_line *l, nn_rng *own)
{
	long seed;

	if (!sh_opt(l, "seed"))
		return &S->rng;
	if (sh_opt_long(S, l, "seed", 0, 0, 0x7fffffffL, &seed) < 0)
		return NULL;
	nn_rng_seed(own, (uint64_t)seed);
	return own;
}

/* A value printed with 2 decimals, without "-0.00". */
static double two(double v)
{
	return fabs(v) < 0.005 ? 0 : v;
}

/* rule= (hebb by default). */
static int rule_opt(sh_session *S, const sh_line *l, nn_hop_rule *rule)
{
	const char *t = sh_opt(l, "rule");
	int r;

	*rule = NN_HOP_HEBB;
	if (!t)
		return 0;
	if ((r = nn_hop_rule_parse(t)) < 0)
		return sh_err(S, "unknown rule '%s' (hebb pseudoinverse "
		              "storkey)", t);
	*rule = (nn_hop_rule)r;
	return 0;
}

/* The Hopfield network called name, or an error. */
static sh_model *hop_arg(sh_session *S, const char *name)
{
	sh_model *sm = sh_find_model(S, name);

	if (!sm) {
		sh_err(S, "no model '%s' (create one with 'model %s "
		       "hopfield 100')", name, name);
		return NULL;
	}
	if (!sm->hop) {
		sh_err(S, "'%s' is not a Hopfield network (model %s "
		       "hopfield UNITS)", name, name);
		return NULL;
	}
	return sm;
}

/* The samples of d as floats, checked against the network's size. */
static float *samples(sh_session *S, const nn_hopfield *h,
                      const sh_data *sd)
{
	const nn_dataset *d = sd->d;
	float *x;

	if (d->xsize != (size_t)h->n) {
		sh_err(S, "%s has patterns of %zu values; the network has "
		       "%d units", sd->name, d->xsize, h->n);
		return NULL;
	}
	if (!(x = malloc(d->n * d->xsize * sizeof *x))) {
		sh_err(S, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < d->n; i++)
		for (size_t j = 0; j < d->xsize; j++)
			x[i * d->xsize + j] = nn_dataset_x(d, i, j);
	return x;
}

int sh_model_hopfield(sh_session *S, const char *name, const sh_line *l)
{
	long units;
	nn_hopfield *h;
	nn_shape shape;
	nn_model *m;
	sh_model *sm;

	if (sh_npos(l) != 3)
		return sh_err(S, "usage: model NAME hopfield UNITS");
	if (sh_parse_long(S, "hopfield: units", sh_pos(l, 2)->text, 2, 4096,
	                  &units) < 0)
		return -1;
	if (!(h = nn_hopfield_new((int)units)))
		return sh_err(S, "%s", nn_error());
	shape = (nn_shape){ 1, { (int)units, 0, 0, 0 } };
	if (!(m = nn_model_new(&shape))) {
		nn_hopfield_free(h);
		return sh_err(S, "out of memory");
	}
	if (!(sm = sh_put_model(S, name, m))) {
		nn_hopfield_free(h);
		return sh_err(S, "out of memory");
	}
	sm->hop = h;
	S->cur = sm;
	sh_printf(S, "%s: Hopfield network of %ld units (-1/+1), %ld "
	          "symmetric weights, nothing stored\n", name, units,
	          units * (units - 1) / 2);
	return 0;
}

int cmd_store(sh_session *S, const sh_line *l)
{
	sh_model *sm = hop_arg(S, sh_pos(l, 0)->text);
	sh_data *sd;
	nn_hop_rule rule;
	float *x;
	int rc;

	if (!sm || !(sd = sh_data_arg(S, sh_pos(l, 1)->text)) ||
	    rule_opt(S, l, &rule) < 0 || !(x = samples(S, sm->hop, sd)))
		return -1;
	rc = nn_hopfield_store(sm->hop, x, sd->d->n, rule);
	free(x);
	if (rc < 0)
		return sh_err(S, "store: %s", nn_error());
	sh_printf(S, "%s: stored %zu pattern%s of %d units by the %s rule "
	          "(load %.3f)\n", sm->name, sd->d->n,
	          sd->d->n == 1 ? "" : "s", sm->hop->n,
	          nn_hop_rule_name(rule),
	          (double)sd->d->n / sm->hop->n);
	return 0;
}

/* The picture's width and height for n units: a square when n is one,
 * else the dataset's 2-D shape, else one row. */
static void picture_size(const nn_dataset *d, int n, int *w, int *h)
{
	int s = (int)(sqrt((double)n) + 0.5);

	if (d->xshape.ndim == 2) {
		*h = d->xshape.dim[0];
		*w = d->xshape.dim[1];
	} else if (s * s == n) {
		*w = *h = s;
	} else {
		*w = n;
		*h = 1;
	}
}

/* The states of one recall drawn side by side, each captioned with its
 * step and its energy below. states holds count states of n units. */
static void draw_states(sh_session *S, const nn_hopfield *hop,
                        const nn_dataset *d, const float *states,
                        int count)
{
	int mode = sh_canvas_mode(S), w, h, cw, ch, colw, per, rows;
	uint8_t *px;
	cv_canvas *c;

	picture_size(d, hop->n, &w, &h);
	cv_image_size(mode, w, h, &cw, &ch);
	colw = (cw > 12 ? cw : 12) + 2;
	per = sh_term_width() / colw;
	per = per < 1 ? 1 : per > count ? count : per;
	rows = (count + per - 1) / per;
	if (!(px = malloc((size_t)hop->n)) ||
	    !(c = cv_new(per * colw, rows * (ch + 3), mode))) {
		free(px);
		return;
	}
	for (int k = 0; k < count; k++) {
		const float *s = states + (size_t)k * hop->n;
		double e;
		int x = (k % per) * colw, y = (k / per) * (ch + 3);
		char cap[32];

		for (int i = 0; i < hop->n; i++)
			px[i] = s[i] > 0 ? 255 : 0;
		snprintf(cap, sizeof cap, k ? "step %d" : "start", k);
		cv_text(c, x, y, cap, CV_DEFAULT, 0);
		cv_image(c, x, y + 1, px, w, h);
		e = nn_hopfield_energy(hop, s);
		snprintf(cap, sizeof cap, "E %.2f", two(e));
		cv_text(c, x, y + 1 + ch, cap, CV_DEFAULT, 0);
	}
	cv_write(c, S->out, mode & CV_COLOR);
	cv_free(c);
	free(px);
}

/* Recall one sample, keeping every state to draw them. */
static int recall_one(sh_session *S, const nn_hopfield *hop,
                      const nn_dataset *d, float *s, nn_hop_mode mode,
                      int steps, nn_rng *rng, nn_hop_result *r)
{
	size_t n = (size_t)hop->n;
	float *states = malloc((size_t)(steps + 1) * n * sizeof *states);
	int count = 1;
	long ch = 0;

	if (!states)
		return sh_err(S, "out of memory");
	memcpy(states, s, n * sizeof *s);
	memset(r, 0, sizeof *r);
	for (r->steps = 0; r->steps < steps; r->steps++) {
		if ((ch = nn_hopfield_step(hop, s, mode, rng)) < 0) {
			free(states);
			return sh_err(S, "%s", nn_error());
		}
		if (ch == 0)
			break;
		memcpy(states + (size_t)count++ * n, s, n * sizeof *s);
	}
	r->fixed = ch == 0;
	if (!r->fixed) {
		float *t = malloc(n * sizeof *t);

		if (t) {
			memcpy(t, s, n * sizeof *t);
			r->fixed = nn_hopfield_step(hop, t, NN_HOP_SYNC,
			                            rng) == 0;
			free(t);
		}
	}
	nn_hopfield_nearest(hop, s, &r->nearest, &r->overlap);
	r->energy = nn_hopfield_energy(hop, s);
	draw_states(S, hop, d, states, count > 16 ? 16 : count);
	free(states);
	return 0;
}

int cmd_recall(sh_session *S, const sh_line *l)
{
	sh_model *sm = hop_arg(S, sh_pos(l, 0)->text);
	const sh_arg *flag = sh_pos(l, 2);
	nn_hop_mode mode = NN_HOP_ASYNC;
	nn_rng own, *rng;
	sh_data *sd;
	long steps;
	float *x;
	size_t exact = 0, n;

	if (!sm || !(sd = sh_data_arg(S, sh_pos(l, 1)->text)))
		return -1;
	if (flag && strcmp(flag->text, "sync") == 0)
		mode = NN_HOP_SYNC;
	else if (flag && strcmp(flag->text, "async") != 0)
		return sh_err(S, "recall: unexpected '%s' (sync or async)",
		              flag->text);
	if (!sm->hop->npat)
		return sh_err(S, "recall: nothing is stored in %s yet (store "
		              "%s DATA)", sm->name, sm->name);
	if (sh_opt_long(S, l, "steps", 20, 1, 10000, &steps) < 0 ||
	    !(rng = rng_for(S, l, &own)) || !(x = samples(S, sm->hop, sd)))
		return -1;
	n = (size_t)sm->hop->n;
	for (size_t i = 0; i < sd->d->n; i++)
		if (nn_hopfield_bipolar(x + i * n, n, x + i * n) < 0) {
			free(x);
			return sh_err(S, "recall: sample %zu: %s", i,
			              nn_error());
		}
	sh_printf(S, "%s: %s recall of %zu sample%s, at most %ld steps\n",
	          sm->name, mode == NN_HOP_SYNC ? "synchronous"
	          : "asynchronous", sd->d->n, sd->d->n == 1 ? "" : "s",
	          steps);
	if (sd->d->n == 1) {
		nn_hop_result r;

		if (recall_one(S, sm->hop, sd->d, x, mode, (int)steps, rng,
		               &r) < 0) {
			free(x);
			return -1;
		}
		sh_printf(S, "steps %d, %s, nearest stored pattern %zu "
		          "(overlap %.2f), energy %.2f\n", r.steps,
		          r.fixed ? "fixed point" : "no fixed point",
		          r.nearest, two(r.overlap), two(r.energy));
		free(x);
		return 0;
	}
	sh_printf(S, "%6s %5s %5s %6s %7s %8s %9s\n", "sample", "label",
	          "steps", "fixed", "nearest", "overlap", "energy");
	for (size_t i = 0; i < sd->d->n; i++) {
		nn_hop_result r;
		int label = nn_dataset_label(sd->d, (size_t)i);
		char lab[16];

		if (nn_hopfield_recall(sm->hop, x + i * n, mode, (int)steps,
		                       rng, &r) < 0) {
			free(x);
			return sh_err(S, "%s", nn_error());
		}
		exact += r.overlap > 1 - 1e-9;
		snprintf(lab, sizeof lab, "%d", label);
		sh_printf(S, "%6zu %5s %5d %6s %7zu %8.2f %9.2f\n", i,
		          label < 0 ? "-" : lab, r.steps,
		          r.fixed ? "yes" : "no", r.nearest,
		          two(r.overlap), two(r.energy));
	}
	sh_printf(S, "%zu of %zu ended exactly on a stored pattern "
	          "(overlap 1.00)\n", exact, sd->d->n);
	free(x);
	return 0;
}

/* `hopfield capacity UNITS [rule=] [max=] [trials=] [seed=]` */
int cmd_hopfield(sh_session *S, const sh_line *l)
{
	const char *sub = sh_pos(l, 0)->text;
	long units, maxload, trials;
	nn_hop_rule rule;
	nn_rng own, *rng;
	double *frac, *ov, *load, half = NAN;
	int mode = sh_canvas_mode(S);
	cv_canvas *c;

	if (strcmp(sub, "capacity") != 0)
		return sh_err(S, "hopfield: unknown '%s' (capacity)", sub);
	if (!sh_pos(l, 1))
		return sh_err(S, "usage: hopfield capacity UNITS [rule=R]");
	if (sh_parse_long(S, "capacity: units", sh_pos(l, 1)->text, 2, 1024,
	                  &units) < 0 || rule_opt(S, l, &rule) < 0 ||
	    sh_opt_long(S, l, "max", (units * 3 + 9) / 10, 1, units * 2,
	                &maxload) < 0 ||
	    sh_opt_long(S, l, "trials", 10, 1, 1000, &trials) < 0 ||
	    !(rng = rng_for(S, l, &own)))
		return -1;
	frac = calloc((size_t)maxload, sizeof *frac);
	ov = calloc((size_t)maxload, sizeof *ov);
	load = calloc((size_t)maxload, sizeof *load);
	if (!frac || !ov || !load) {
		free(frac);
		free(ov);
		free(load);
		return sh_err(S, "out of memory");
	}
	if (nn_hopfield_capacity((int)units, rule, (int)maxload, (int)trials,
	                         rng, frac, ov) < 0) {
		free(frac);
		free(ov);
		free(load);
		return sh_err(S, "%s", nn_error());
	}
	for (long k = 0; k < maxload; k++) {
		load[k] = (double)(k + 1) / (double)units;
		if (isnan(half) && frac[k] < 0.5)
			half = load[k];
	}
	{
		rc_series s[2] = {
			{ "recalled exactly", load, frac, (size_t)maxload,
			  CV_BRIGHT_CYAN, 0 },
			{ "mean overlap", load, ov, (size_t)maxload,
			  CV_BRIGHT_YELLOW, 0 },
		};
		char title[96];
		rc_chart ch = { 0 };

		snprintf(title, sizeof title, "%s, %ld units",
		         nn_hop_rule_name(rule), units);
		ch.title = title;
		ch.xlabel = "load (patterns / units)";
		ch.s = s;
		ch.ns = 2;
		ch.unit = 1;
		if ((c = cv_new(70, 14, mode))) {
			rc_draw(c, 0, 0, 70, 14, &ch);
			cv_write(c, S->out, mode & CV_COLOR);
			cv_free(c);
		}
	}
	sh_printf(S, "%6s %8s %8s\n", "load", "exact", "overlap");
	for (long k = 0; k < maxload; k++)
		if (k < 4 || (k + 1) % 2 == 0 || k == maxload - 1)
			sh_printf(S, "%6.3f %8.3f %8.3f\n", load[k], frac[k],
			          ov[k]);
	if (isnan(half))
		sh_printf(S, "more than half were recalled exactly at every "
		          "load up to %.3f\n", load[maxload - 1]);
	else
		sh_printf(S, "fewer than half are recalled exactly from load "
		          "%.3f on (%.0f patterns)\n", half, half * units);
	free(frac);
	free(ov);
	free(load);
	return 0;
}

int sh_hopfield_data(sh_session *S, const sh_line *l, const char *name,
                     const char *verb, const char *const *args, int nargs)
{
	nn_rng own, *rng;
	nn_dataset *d = NULL;
	sh_data *src;
	char shape[32];

	for (int i = 1; i < l->n; i++) {
		const char *key = l->v[i].key;
		const char *ok = strcmp(verb, "flip") == 0 ? "p seed"
		                 : strcmp(verb, "bipolar") == 0
		                 ? "size threshold"
		                 : strcmp(args[0], "letters") == 0 ? ""
		                 : "n size seed";

		if (key && !*ok)
			return sh_err(S, "make letters: unknown option '%s' "
			              "(it takes one word of letters, as in "
			              "AHTX)", key);
		if (key && !sh_option_allowed(ok, key))
			return sh_err(S, "%s: unknown option '%s' (options: "
			              "%s)", verb, key, ok);
	}
	if (!(rng = rng_for(S, l, &own)))
		return -1;
	if (strcmp(verb, "make") == 0 && strcmp(args[0], "letters") == 0) {
		if (nargs > 2)
			return sh_err(S, "make letters: unexpected '%s' (one "
			              "word of letters, as in AHTX)", args[2]);
		d = nn_make_letters(nargs > 1 ? args[1] : NULL);
	} else if (strcmp(verb, "make") == 0) {
		long n, size;

		if (nargs != 1)
			return sh_err(S, "make patterns: unexpected '%s'",
			              args[1]);
		if (sh_opt_long(S, l, "n", 5, 1, 100000, &n) < 0 ||
		    sh_opt_long(S, l, "size", 100, 2, 4096, &size) < 0)
			return -1;
		d = nn_make_patterns((size_t)n, (size_t)size, rng);
	} else {
		double p, thr;
		long side;

		if (nargs != 1)
			return sh_err(S, "usage: data NAME = %s", strcmp(verb,
			              "flip") == 0 ? "flip DATA p=P [seed=S]"
			              : "bipolar DATA [size=10] "
			              "[threshold=0.5]");
		if (!(src = sh_data_arg(S, args[0])))
			return -1;
		if (strcmp(verb, "flip") == 0) {
			if (sh_opt_double(S, l, "p", 0.15, 0, 1, &p) < 0)
				return -1;
			d = nn_dataset_flip(src->d, p, rng);
		} else {
			if (sh_opt_long(S, l, "size", 0, 0, 64, &side) < 0 ||
			    sh_opt_double(S, l, "threshold", 0.3, -1e9, 1e9,
			                  &thr) < 0)
				return -1;
			d = nn_dataset_bipolar(src->d, (int)side, thr);
		}
	}
	if (!d)
		return sh_err(S, "%s%s: %s", strcmp(verb, "make") == 0
		              ? "make " : "", strcmp(verb, "make") == 0
		              ? args[0] : verb, nn_error());
	nn_shape_str(&d->xshape, shape, sizeof shape);
	if (!sh_put_data(S, name, d))
		return sh_err(S, "out of memory");
	sh_printf(S, "%s: %zu patterns of %zu units (%s), -1/+1\n", name,
	          d->n, d->xsize, shape);
	return 0;
}
