/* cmd_model.c - building models: model, add, summary, init, loss, optim. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "suggest.h"

int cmd_model(sh_session *S, const sh_line *l)
{
	const char *name = sh_pos(l, 0)->text, *in = sh_opt(l, "input");
	nn_shape shape;
	nn_model *m;
	sh_model *sm;

	if (sh_npos(l) > 1 && strcmp(sh_pos(l, 1)->text, "hopfield") == 0)
		return sh_model_hopfield(S, name, l);
	if (sh_npos(l) > 1)
		return sh_err(S, "model %s: unexpected '%s' (input=SHAPE, or "
		              "hopfield UNITS)", name, sh_pos(l, 1)->text);
	if (!in)
		return sh_err(S, "model needs input=SHAPE, as in "
		              "'model %s input=784'", name);
	if (sh_find_data(S, name))
		return sh_err(S, "model %s: a dataset is called %s (a model "
		              "and a dataset may not share a name)", name, name);
	if (nn_shape_parse(in, &shape) < 0)
		return sh_err(S, "%s", nn_error());
	m = nn_model_new(&shape);
	if (!m || !(sm = sh_put_model(S, name, m)))
		return sh_err(S, "out of memory");
	S->cur = sm;
	return 0;
}

/* Node NAME (or number, or `in`) of sm as a 1-based number into *f. */
static int node_arg(sh_session *S, const sh_model *sm, const char *what,
                    const char *name, int *f)
{
	if ((*f = nn_model_find_node(sm->m, name)) < 0)
		return sh_err(S, "%s: %s", what, nn_error());
	return 0;
}

/* The graph's options of add: name=, from= (a node, or nodes by commas
 * for a kind that takes several: attention's from=Q,KV), tie= (with the
 * word transpose among the arguments). */
static int add_graph(sh_session *S, const sh_model *sm, const sh_line *l,
                     nn_layer_spec *spec)
{
	const char *name = sh_opt(l, "name"), *from = sh_opt(l, "from");
	const char *tie = sh_opt(l, "tie");

	if (name && !sh_valid_name(name, 0))
		return sh_err(S, "add: '%s' is not a node name (a letter or _, "
		              "then letters, digits, _)", name);
	spec->name = name;
	if (from && spec->nfrom)
		return sh_err(S, "add %s: give the nodes it joins or from=, "
		              "not both", spec->kind);
	for (const char *p = from; p && *p;) {       /* from=A or from=A,B */
		size_t len = strcspn(p, ",");
		char node[NN_MAXNAME + 8];

		if (spec->nfrom == NN_MAXIN)
			return sh_err(S, "from: at most %d nodes", NN_MAXIN);
		snprintf(node, sizeof node, "%.*s", (int)(len < sizeof node - 1
		         ? len : sizeof node - 1), p);
		if (node_arg(S, sm, "from", node, &spec->from[spec->nfrom]) < 0)
			return -1;
		spec->nfrom++;
		p += len + (p[len] == ',');
	}
	if (tie && node_arg(S, sm, "tie", tie, &spec->tie) < 0)
		return -1;
	if (tie && spec->tie == 0)
		return sh_err(S, "tie: the input has no weights; name a layer");
	if (spec->transpose && !tie)
		return sh_err(S, "add %s: transpose goes with tie=NODE",
		              spec->kind);
	return 0;
}

/* -1 after an error when kind is neither a layer kind nor an activation
 * (which adds an activation layer), with the nearest kind as a hint. */
static int unknown_kind(sh_session *S, const char *kind)
{
	const char *near;

	for (int i = 0; nn_layer_kind_names()[i]; i++)
		if (strcmp(kind, nn_layer_kind_names()[i]) == 0)
			return 0;
	if (nn_act_parse(kind) >= 0)
		return 0;
	if ((near = sh_suggest(kind, nn_layer_kind_names(), 0)))
		return sh_err(S, "unknown layer kind '%s': did you mean "
		              "'%s'? (see 'help add')", kind, near);
	return sh_err(S, "unknown layer kind '%s' (see 'help add')", kind);
}

/* Append word (or key=value) to the kind's arguments in args. */
static int add_arg(sh_session *S, const char *kind, char *args, size_t len,
                   const char *key, const char *word)
{
	size_t used = strlen(args);
	int k;

	if (strpbrk(word, " \t"))
		return sh_err(S, "add %s: '%s' has a blank in it", kind, word);
	k = snprintf(args + used, len - used, "%s%s%s%s", used ? " " : "",
	                 key ? key : "", key ? "=" : "", word);

	if (k < 0 || (size_t)k >= len - used)
		return sh_err(S, "add %s: arguments longer than %zu bytes",
		              kind, len - 1);
	return 0;
}

/* The options add itself takes; the others belong to the kind. */
static int own_option(const char *key)
{
	return strcmp(key, "alpha") == 0 || strcmp(key, "name") == 0 ||
	       strcmp(key, "from") == 0 || strcmp(key, "tie") == 0;
}

int cmd_add(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, NULL);
	nn_layer_spec spec = { 0 };
	char args[NN_MAXARGS] = "", ctx[64];
	double alpha;
	int merge;

	if (!sm)
		return -1;
	spec.kind = sh_pos(l, 0)->text;
	if (unknown_kind(S, spec.kind) < 0)
		return -1;
	merge = nn_layer_kind_inputs(spec.kind) > 0;
	for (int i = 1; i < sh_npos(l); i++) {
		const char *t = sh_pos(l, i)->text;
		int act;

		if (merge && spec.nfrom < NN_MAXIN && nn_act_parse(t) < 0) {
			if (node_arg(S, sm, spec.kind, t,
			             &spec.from[spec.nfrom++]) < 0)
				return -1;
		} else if (merge) {
			return sh_err(S, "add %s: at most %d nodes", spec.kind,
			              NN_MAXIN);
		} else if (strcmp(t, "transpose") == 0) {
			spec.transpose = 1;
		} else if (!nn_layer_kind_takes(spec.kind, t) &&
		           (act = nn_act_parse(t)) >= 0) {
			spec.act = (nn_act)act;
			spec.has_act = 1;
		} else if (add_arg(S, spec.kind, args, sizeof args, NULL,
		                   t) < 0) {
			return -1;
		}
	}
	for (int i = 1; i < l->n; i++)
		if (l->v[i].key && !own_option(l->v[i].key) &&
		    add_arg(S, spec.kind, args, sizeof args, l->v[i].key,
		            l->v[i].text) < 0)
			return -1;
	snprintf(ctx, sizeof ctx, "add %s", spec.kind);
	if (nn_layer_args_check(spec.kind, args, ctx) < 0)
		return sh_err(S, "%s", nn_error());
	spec.args = args;
	if (sh_opt_double(S, l, "alpha", 0.01, 0, 1, &alpha) < 0 ||
	    add_graph(S, sm, l, &spec) < 0)
		return -1;
	spec.alpha = (float)alpha;
	if (strcmp(spec.kind, "activation") == 0) {
		if (!spec.has_act)
			return sh_err(S, "add activation needs its name, as "
			              "in 'add activation relu'");
		spec.kind = nn_act_name(spec.act);
	}
	if (nn_model_add(sm->m, &spec, &S->rng) < 0)
		return sh_err(S, "%s", nn_error());
	return 0;
}

/* A chain without names, ties or loss terms: the classic table. */
static int plain(const nn_model *m)
{
	if (!nn_model_is_chain(m) || nn_model_npenalties(m))
		return 0;
	for (size_t i = 0; i < nn_model_layers(m); i++) {
		nn_param p;

		if (*nn_model_node_name(m, i) ||
		    (nn_model_layer_nparams(m, i) &&
		     nn_model_param(m, i, 0, &p) == 0 && p.tied))
			return 0;
	}
	return 1;
}

/* Node i's description, with its tie. */
static void node_desc(const nn_model *m, size_t i, char *buf, size_t len)
{
	nn_layer_info info;
	nn_param p;

	nn_model_layer_info(m, i, &info);
	snprintf(buf, len, "%s", info.desc);
	if (info.nparams && nn_model_param(m, i, 0, &p) == 0 && p.tied) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, " tie=%d%s", p.tied,
		         p.transposed ? " transpose" : "");
	}
}

/* summary of a model that is not a plain chain: each node's name and
 * inputs, its tied tensor, and the loss terms. */
static int graph_summary(sh_session *S, const sh_model *sm)
{
	size_t n = nn_model_layers(sm->m), shared = 0;
	char shape[32], from[64], desc[96];
	int width = 20;

	for (size_t i = 0; i < n; i++) {
		node_desc(sm->m, i, desc, sizeof desc);
		width = (int)strlen(desc) > width ? (int)strlen(desc) : width;
	}
	sh_printf(S, "%3s  %-8s %-*s %-12s %-12s %9s\n", "#", "name", width,
	          "layer", "output", "from", "params");
	for (size_t i = 0; i < n; i++) {
		nn_layer_info info;
		nn_param p;

		nn_model_layer_info(sm->m, i, &info);
		node_desc(sm->m, i, desc, sizeof desc);
		if (info.nparams && nn_model_param(sm->m, i, 0, &p) == 0 &&
		    p.tied)
			shared += p.size;
		sh_node_inputs(sm->m, i, from, sizeof from);
		sh_printf(S, "%3zu  %-8s %-*s %-12s %-12s %9zu\n", i + 1,
		          nn_model_node_name(sm->m, i), width, desc,
		          nn_shape_str(&info.out, shape, sizeof shape), from,
		          info.params);
	}
	sh_printf(S, "total parameters: %zu", nn_model_param_count(sm->m));
	if (shared)
		sh_printf(S, " (and %zu shared, counted once)", shared);
	sh_printf(S, "\n");
	sh_print_penalties(S, sm->m);
	return 0;
}

int cmd_summary(sh_session *S, const sh_line *l)
{
	const sh_arg *a = sh_pos(l, 0);
	sh_model *sm = sh_model_arg(S, a ? a->text : NULL);
	char shape[32];
	size_t n;
	int width = 24;         /* of the layer column: the longest row */

	if (!sm)
		return -1;
	n = nn_model_layers(sm->m);
	for (size_t i = 0; i < n; i++) {
		nn_layer_info info;

		nn_model_layer_info(sm->m, i, &info);
		if ((int)strlen(info.desc) > width)
			width = (int)strlen(info.desc);
	}
	sh_printf(S, "model %s: input %s\n", sm->name,
	          nn_shape_str(nn_model_input_shape(sm->m), shape,
	                       sizeof shape));
	if (sm->gan)
		sh_printf(S, "the generator of a GAN run against %s on %s\n",
		          sm->gan->disc, sm->gan->data);
	if (sm->disc_of[0])
		sh_printf(S, "the discriminator of %s's GAN run on %s\n",
		          sm->disc_of, sm->disc_data);
	if (!plain(sm->m))
		return graph_summary(S, sm);
	sh_printf(S, "%3s  %-*s %-12s %10s\n", "#", width, "layer", "output",
	          "params");
	for (size_t i = 0; i < n; i++) {
		nn_layer_info info;

		nn_model_layer_info(sm->m, i, &info);
		sh_printf(S, "%3zu  %-*s %-12s %10zu\n", i + 1, width,
		          info.desc, nn_shape_str(&info.out, shape,
		                                  sizeof shape), info.params);
	}
	sh_printf(S, "total parameters: %zu\n", nn_model_param_count(sm->m));
	return 0;
}

int cmd_init(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	const char *kind = sh_pos(l, 0)->text;
	nn_init in = { 0 };
	double std, value, lo, hi, bias = 0;
	long layer;
	int k;

	if (!sm)
		return -1;
	if ((k = nn_init_parse(kind)) < 0)
		return sh_err(S, "unknown init '%s' (zeros constant normal "
		              "uniform xavier xavier_normal he lecun maxfan)",
		              kind);
	in.kind = (nn_init_kind)k;
	in.bias_same = sh_opt(l, "bias") && strcmp(sh_opt(l, "bias"),
	                                           "same") == 0;
	if (sh_opt(l, "bias") && !in.bias_same &&
	    sh_parse_double(sh_opt(l, "bias"), &bias) < 0)
		return sh_err(S, "bias=%s: a number, or same (drawn as the "
		              "weights are)", sh_opt(l, "bias"));
	if (sh_opt_double(S, l, "std", 0.1, 0, 1e6, &std) < 0 ||
	    sh_opt_double(S, l, "value", 0, -1e6, 1e6, &value) < 0 ||
	    sh_opt_double(S, l, "lo", -0.1, -1e6, 1e6, &lo) < 0 ||
	    sh_opt_double(S, l, "hi", 0.1, -1e6, 1e6, &hi) < 0 ||
	    (!in.bias_same &&
	     sh_opt_double(S, l, "bias", 0, -1e6, 1e6, &bias) < 0) ||
	    sh_opt_long(S, l, "layer", 0, 1, 1 << 20, &layer) < 0)
		return -1;
	if (in.kind == NN_INIT_NORMAL && !sh_opt(l, "std"))
		return sh_err(S, "init normal needs std=, as in "
		              "'init normal std=0.1'");
	if (lo > hi)
		return sh_err(S, "init uniform: lo=%g is above hi=%g", lo, hi);
	in.std = (float)std;
	in.value = (float)value;
	in.lo = (float)lo;
	in.hi = (float)hi;
	in.bias = (float)bias;
	if (nn_model_init(sm->m, &in, &S->rng, layer - 1) < 0)
		return sh_err(S, "%s", nn_error());
	return 0;
}

/* What loss k computes over the outputs and over the batch. */
static void describe_loss(sh_session *S, const sh_model *sm)
{
	nn_loss_kind k = sh_model_loss(sm);
	static const char *const over[NN_LOSS_COUNT] = {
		"1/2 * the squared errors, summed over the outputs",
		"-sum t log p, summed over the classes",
		"-sum t log p on the probabilities, summed over the classes",
		"-(t log p + (1-t) log(1-p)), summed over the outputs",
		"-sum t * logp, summed over the classes",
	};

	sh_printf(S, "loss %s%s: %s; %s over the samples of a batch "
	          "(reduction=%s)\n", nn_loss_name(k),
	          sm->loss_set ? "" : " (the default for this output)",
	          over[k], sm->red == NN_RED_SUM ? "summed" : "averaged",
	          nn_reduction_name(sm->red));
	if (sm->deadzone > 0)
		sh_printf(S, "dead zone %g: no error where an output is within "
		          "%g of its target, and the error beyond counted from "
		          "the zone's edge\n", sm->deadzone, sm->deadzone);
}

int cmd_loss(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	const char *name, *red = sh_opt(l, "reduction");
	const sh_arg *extra = sh_pos(l, 1);
	int k, r = NN_RED_MEAN;
	double dz;

	if (!sm)
		return -1;
	if (!sh_pos(l, 0)) {
		if (red || sh_opt(l, "deadzone"))
			return sh_err(S, "loss: %s= goes with a loss, as in "
			              "'loss mse %s'", red ? "reduction"
			              : "deadzone", red ? "reduction=sum"
			              : "deadzone=0.2");
		describe_loss(S, sm);
		return 0;
	}
	name = sh_pos(l, 0)->text;
	if (red && (r = nn_reduction_parse(red)) < 0)
		return sh_err(S, "reduction=%s: mean or sum", red);
	if ((k = nn_loss_parse(name)) < 0)
		return sh_err(S, "unknown loss '%s' (mse crossentropy bce nll)",
		              name);
	if (sh_opt_double(S, l, "deadzone", 0, 0, 1e6, &dz) < 0)
		return -1;
	if (dz > 0 && k != NN_LOSS_MSE)
		return sh_err(S, "loss %s: deadzone= is an option of mse "
		              "(outputs near their targets count no error)",
		              name);
	if (extra) {
		if (k != NN_LOSS_CE || strcmp(extra->text, "naive") != 0)
			return sh_err(S, "loss %s: unexpected '%s'", name,
			              extra->text);
		k = NN_LOSS_CE_NAIVE;
	}
	sm->loss = (nn_loss_kind)k;
	sm->loss_set = 1;
	sm->red = (nn_reduction)r;
	sm->deadzone = (float)dz;
	if (S->interactive)
		describe_loss(S, sm);
	return 0;
}

/* optim cg|lbfgs|lm|gn: the full-batch methods and their options. */
static int optim_full(sh_session *S, const sh_line *l, sh_model *sm,
                      nn_optim_kind k)
{
	const char *name = nn_optim_name(k);
	const sh_arg *flag = sh_pos(l, 1);
	static const char *const first[] = { "momentum", "nesterov",
		"weight_decay", "decay", "beta1", "beta2", "rho", "eps" };
	static const struct { const char *key, *kinds; } own[] = {
		{ "lr", "cg lbfgs bfgs" }, { "history", "lbfgs" },
		{ "mu", "lm" }, { "mu_inc", "lm" }, { "mu_dec", "lm" },
		{ "mu_max", "lm" },
	};
	nn_optim o;
	double lr, mu, inc, dec, max;
	long hist;

	nn_optim_defaults(&o, k);
	for (size_t i = 0; i < sizeof first / sizeof *first; i++)
		if (sh_opt(l, first[i]))
			return sh_err(S, "optim %s: %s= is an option of the "
			              "gradient-descent kinds", name, first[i]);
	if (flag && !(k == NN_OPT_CG && strcmp(flag->text, "fr") == 0))
		return sh_err(S, "optim %s: unexpected '%s'%s", name,
		              flag->text, k == NN_OPT_CG ? " (fr?)" : "");
	for (size_t i = 0; i < sizeof own / sizeof *own; i++)
		if (sh_opt(l, own[i].key) &&
		    !sh_option_allowed(own[i].kinds, name))
			return sh_err(S, "optim %s: %s= is an option of %s",
			              name, own[i].key, own[i].kinds);
	if (sh_opt_double(S, l, "lr", o.lr, 1e-12, 1e6, &lr) < 0 ||
	    sh_opt_long(S, l, "history", o.history, 1, 1000, &hist) < 0 ||
	    sh_opt_double(S, l, "mu", o.mu, 0, 1e30, &mu) < 0 ||
	    sh_opt_double(S, l, "mu_inc", o.mu_inc, 1, 1e6, &inc) < 0 ||
	    sh_opt_double(S, l, "mu_dec", o.mu_dec, 1e-6, 1, &dec) < 0 ||
	    sh_opt_double(S, l, "mu_max", o.mu_max, 0, 1e30, &max) < 0)
		return -1;
	if (k == NN_OPT_LM && !(mu > 0 && mu <= max))
		return sh_err(S, "optim lm: mu must be in (0, mu_max]");
	o.lr = (float)lr;
	o.history = (int)hist;
	o.fr = flag != NULL;
	o.mu = mu;
	o.mu_inc = inc;
	o.mu_dec = dec;
	o.mu_max = max;
	nn_optim_reset(&sm->opt);
	sm->opt = o;
	sm->opt_set = 1;
	return 0;
}

/* sdlm's own options mu=, sample= and every= into o; other kinds refuse
 * them. */
static int optim_sdlm(sh_session *S, const sh_line *l, nn_optim *o)
{
	static const char *const keys[] = { "mu", "sample", "every" };
	double mu;

	if (o->kind != NN_OPT_SDLM) {
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
			if (sh_opt(l, keys[i]))
				return sh_err(S, "optim %s: %s= is an option "
				              "of %s", nn_optim_name(o->kind),
				              keys[i], i ? "sdlm" : "lm and sdlm");
		return 0;
	}
	if (sh_opt_double(S, l, "mu", o->mu, 0, 1e6, &mu) < 0 ||
	    sh_opt_long(S, l, "sample", o->sample, 1, 1000000,
	                &o->sample) < 0 ||
	    sh_opt_long(S, l, "every", 0, 0, 1L << 40, &o->every) < 0)
		return -1;
	o->mu = mu;
	return 0;
}

int cmd_optim(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	const char *name = sh_pos(l, 0)->text;
	const sh_arg *flag = sh_pos(l, 1);
	nn_optim o;
	double lr, mom, wd, decay, b1, b2, rho, eps;
	int k;

	if (!sm)
		return -1;
	if ((k = nn_optim_parse(name)) < 0)
		return sh_err(S, "unknown optimizer '%s' (sgd adam rmsprop "
		              "adagrad sdlm cg scg lbfgs bfgs lm gn)", name);
	if (nn_optim_full_batch((nn_optim_kind)k))
		return optim_full(S, l, sm, (nn_optim_kind)k);
	nn_optim_defaults(&o, (nn_optim_kind)k);
	if (flag && strcmp(flag->text, "nesterov") != 0)
		return sh_err(S, "optim %s: unexpected '%s'", name, flag->text);
	if (sh_opt_double(S, l, "lr", o.lr, 0, 1e6, &lr) < 0 ||
	    sh_opt_double(S, l, "momentum", 0, 0, 1, &mom) < 0 ||
	    sh_opt_double(S, l, "weight_decay", 0, 0, 1e3, &wd) < 0 ||
	    sh_opt_double(S, l, "decay", 0, 0, 0.5, &decay) < 0 ||
	    sh_opt_double(S, l, "beta1", o.beta1, 0, 1, &b1) < 0 ||
	    sh_opt_double(S, l, "beta2", o.beta2, 0, 1, &b2) < 0 ||
	    sh_opt_double(S, l, "rho", o.rho, 0, 1, &rho) < 0 ||
	    sh_opt_double(S, l, "eps", o.eps, 0, 1, &eps) < 0)
		return -1;
	if ((mom != 0 || flag || sh_opt(l, "nesterov")) && k != NN_OPT_SGD)
		return sh_err(S, "momentum and nesterov are options of sgd");
	o.nesterov = flag != NULL;
	if (sh_opt(l, "nesterov")) {
		long v;

		if (sh_opt_long(S, l, "nesterov", 0, 0, 1, &v) < 0)
			return -1;
		o.nesterov = (int)v;
	}
	if (o.nesterov && mom == 0)
		return sh_err(S, "nesterov needs momentum=, as in "
		              "'optim sgd lr=0.1 momentum=0.9 nesterov'");
	if (optim_sdlm(S, l, &o) < 0)
		return -1;
	o.lr = (float)lr;
	o.momentum = (float)mom;
	o.weight_decay = (float)wd;
	o.decay = (float)decay;
	o.beta1 = (float)b1;
	o.beta2 = (float)b2;
	o.rho = (float)rho;
	o.eps = (float)eps;
	nn_optim_reset(&sm->opt);
	sm->opt = o;
	sm->opt_set = 1;
	return 0;
}
