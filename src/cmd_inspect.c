/* cmd_inspect.c - looking inside a trained model: confusion, stats, probs,
 * params and predict. The text comes from the renderers in
 * render_inspect.c, which the panel shares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"
#include "render_inspect.h"


/* [MODEL] DATA: with two words the first names the model. The data word
 * is returned in *data for the caller to look up (it may carry ":i"). */
static sh_model *model_and_data(sh_session *S, const sh_line *l,
                                const char **data)
{
	int two = sh_npos(l) == 2;

	*data = sh_pos(l, two)->text;
	return sh_model_arg(S, two ? sh_pos(l, 0)->text : NULL);
}

/* The class count of a labelled set (2 for a 0/1 target). */
static int classes_of(const nn_dataset *d)
{
	return d->nclasses > 1 ? d->nclasses : d->nclasses == 1 ? 2 : 0;
}

int cmd_confusion(sh_session *S, const sh_line *l)
{
	const char *name;
	sh_model *sm = model_and_data(S, l, &name);
	sh_data *sd;
	size_t n, *idx, *counts;
	int k, *pred, rc = 0;

	if (!sm || !(sd = sh_data_arg(S, name)))
		return -1;
	n = sd->d->n;
	if ((k = classes_of(sd->d)) == 0 || nn_dataset_label(sd->d, 0) < 0)
		return sh_err(S, "confusion: %s has no class labels", name);
	idx = malloc((n ? n : 1) * sizeof *idx);
	pred = malloc((n ? n : 1) * sizeof *pred);
	counts = calloc((size_t)k * (size_t)k, sizeof *counts);
	if (!idx || !pred || !counts) {
		rc = sh_err(S, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	if (nn_predict(sm->m, sd->d, idx, n, sh_model_mid(sm), pred) < 0) {
		rc = sh_err(S, "%s", nn_error());
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int t = nn_dataset_label(sd->d, i);

		if (t >= 0 && t < k && pred[i] >= 0 && pred[i] < k)
			counts[t * k + pred[i]]++;
	}
	sh_printf(S, "confusion of %s on %s (rows: true class, columns: "
	          "predicted)\n", sm->name, name);
	ri_confusion(S->out, counts, k, sd->d->class_names, 5);
out:
	free(idx);
	free(pred);
	free(counts);
	return rc;
}

/* Forward and backward over the first n samples of d, so the layers hold
 * their outputs and the parameters their gradients. */
static int one_batch(sh_session *S, sh_model *sm, const nn_dataset *d,
                     size_t n)
{
	size_t w = d->ysize, nl = nn_model_layers(sm->m);
	float *x = malloc(n * d->xsize * sizeof *x);
	float *y = malloc(n * w * sizeof *y), *g = malloc(n * w * sizeof *g);
	size_t *idx = malloc(n * sizeof *idx);
	nn_loss_kind loss = sh_model_loss(sm);
	const float *out;
	int dz, rc = -1;

	if (!x || !y || !g || !idx) {
		sh_err(S, "out of memory");
		goto out;
	}
	if (d->xsize != nn_shape_size(nn_model_input_shape(sm->m)) ||
	    w != nn_shape_size(nn_model_output_shape(sm->m))) {
		sh_err(S, "stats: the data does not fit %s", sm->name);
		goto out;
	}
	if (nn_loss_check(loss, nn_model_output_act(sm->m), w) < 0) {
		sh_err(S, "%s", nn_error());
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	nn_dataset_gather(d, idx, n, x, y);
	if (!(out = nn_model_forward(sm->m, x, n, 0, NULL))) {
		sh_err(S, "%s", nn_error());
		goto out;
	}
	nn_loss(loss, nn_model_output_act(sm->m), nn_model_z(sm->m, nl - 1),
	        out, y, n, w, g, &dz);
	nn_model_backward(sm->m, g, dz);
	rc = 0;
out:
	free(x);
	free(y);
	free(g);
	free(idx);
	return rc;
}

int cmd_stats(sh_session *S, const sh_line *l)
{
	int np = sh_npos(l), uni = sh_canvas_mode(S) & CV_UNICODE;
	const char *first = np ? sh_pos(l, 0)->text : NULL;
	int model_first = np == 2 || (np == 1 && sh_find_model(S, first));
	sh_model *sm = sh_model_arg(S, model_first ? first : NULL);
	const char *dname = np == 2 ? sh_pos(l, 1)->text
	                            : np == 1 && !model_first ? first : NULL;
	sh_data *sd = NULL;
	long n;

	if (!sm || (dname && !(sd = sh_data_arg(S, dname))) ||
	    sh_opt_long(S, l, "n", 100, 1, 100000, &n) < 0)
		return -1;
	if (nn_model_layers(sm->m) == 0)
		return sh_err(S, "stats: %s has no layers", sm->name);
	if (sd && (size_t)n > sd->d->n)
		n = (long)sd->d->n;
	if (sd && one_batch(S, sm, sd->d, (size_t)n) < 0)
		return -1;
	sh_printf(S, "%s", sm->name);
	if (sd)
		sh_printf(S, " on the first %ld samples of %s (outputs and "
		          "gradients of that batch)", n, sd->name);
	sh_printf(S, "\n");
	ri_stats_header(S->out);
	for (size_t i = 0; i < nn_model_layers(sm->m); i++) {
		nn_layer_info info;

		nn_model_layer_info(sm->m, i, &info);
		sh_printf(S, "%zu %s\n", i + 1, info.desc);
		for (int k = 0; k < info.nparams; k++) {
			nn_param p;

			nn_model_param(sm->m, i, k, &p);
			ri_stats_line(S->out, p.name, p.value, p.size, 12,
			              uni);
		}
		if (!sd)
			continue;
		ri_stats_line(S->out, "out", nn_model_a(sm->m, i),
		              (size_t)n * nn_shape_size(&info.out), 12, uni);
		for (int k = 0; k < info.nparams; k++) {
			nn_param p;
			char label[16];

			nn_model_param(sm->m, i, k, &p);
			snprintf(label, sizeof label, "d%s", p.name);
			ri_stats_line(S->out, label, p.grad, p.size, 12, uni);
		}
	}
	return 0;
}

int cmd_probs(sh_session *S, const sh_line *l)
{
	const char *word, *colon, *kind;
	sh_model *sm = model_and_data(S, l, &word);
	sh_data *sd;
	char name[256];
	long i;
	size_t w, idx;
	float *x, *p;
	const float *out;
	int k, truth;

	if (!sm)
		return -1;
	if (!(colon = strrchr(word, ':')) ||
	    (size_t)(colon - word) >= sizeof name)
		return sh_err(S, "probs: give a sample as DATA:INDEX, as in "
		              "digits.test:0");
	snprintf(name, sizeof name, "%.*s", (int)(colon - word), word);
	if (!(sd = sh_data_arg(S, name)) ||
	    sh_parse_long(S, "probs: index", colon + 1, 0,
	                  sd->d->n ? (long)sd->d->n - 1 : 0, &i) < 0)
		return -1;
	w = nn_shape_size(nn_model_output_shape(sm->m));
	if (sd->d->xsize != nn_shape_size(nn_model_input_shape(sm->m)))
		return sh_err(S, "probs: %s does not fit %s", name, sm->name);
	x = malloc(sd->d->xsize * sizeof *x);
	p = malloc((w + 2) * sizeof *p);
	if (!x || !p) {
		free(x);
		free(p);
		return sh_err(S, "out of memory");
	}
	idx = (size_t)i;
	nn_dataset_gather(sd->d, &idx, 1, x, NULL);
	if (!(out = nn_model_forward(sm->m, x, 1, 0, NULL))) {
		free(x);
		free(p);
		return sh_err(S, "%s", nn_error());
	}
	k = ri_to_probs(out, w, nn_model_output_act(sm->m), p, &kind);
	truth = nn_dataset_label(sd->d, idx);
	sh_printf(S, "%s on %s:%ld", sm->name, name, i);
	if (truth >= 0)
		sh_printf(S, " (label %d)", truth);
	sh_printf(S, ": %s\n", kind);
	ri_probs(S->out, p, k, sd->d->class_names && k == sd->d->nclasses
	                       ? sd->d->class_names : NULL,
	         truth, 40, sh_canvas_mode(S) & CV_UNICODE);
	free(x);
	free(p);
	return 0;
}

int cmd_params(sh_session *S, const sh_line *l)
{
	const sh_arg *a = sh_pos(l, 0);
	sh_model *sm = sh_model_arg(S, a ? a->text : NULL);

	if (!sm)
		return -1;
	sh_printf(S, "model %s\n", sm->name);
	ri_params(S->out, sm->m);
	return 0;
}

int cmd_predict(sh_session *S, const sh_line *l)
{
	const char *name;
	sh_model *sm = model_and_data(S, l, &name);
	sh_data *sd;
	long n, from;
	size_t *idx, right = 0, shown = 0;
	int *pred, mode = sh_canvas_mode(S), rc = 0, drawn = 0;
	cv_canvas *c;

	if (!sm || !(sd = sh_data_arg(S, name)) ||
	    sh_opt_long(S, l, "n", 100, 1, 100000, &n) < 0 ||
	    sh_opt_long(S, l, "from", 0, 0, 1L << 40, &from) < 0)
		return -1;
	if ((size_t)from >= sd->d->n)
		return sh_err(S, "predict: from=%ld but %s has %zu samples",
		              from, name, sd->d->n);
	if ((size_t)(from + n) > sd->d->n)
		n = (long)sd->d->n - from;
	idx = malloc((size_t)n * sizeof *idx);
	pred = malloc((size_t)n * sizeof *pred);
	if (!idx || !pred) {
		rc = sh_err(S, "out of memory");
		goto out;
	}
	for (long i = 0; i < n; i++)
		idx[i] = (size_t)(from + i);
	if (nn_predict(sm->m, sd->d, idx, (size_t)n, sh_model_mid(sm),
	               pred) < 0) {
		rc = sh_err(S, "%s", nn_error());
		goto out;
	}
	if ((c = ri_predictions(sd->d, idx, pred, (size_t)n, sh_term_width(),
	                        mode))) {
		cv_write(c, S->out, mode & CV_COLOR);
		cv_free(c);
		drawn = 1;
	}
	for (long i = 0; i < n; i++) {
		int t = nn_dataset_label(sd->d, idx[i]);

		right += t == pred[i];
		if (!drawn && t >= 0)
			sh_printf(S, "%s:%zu  predicted %d  label %d%s\n", name,
			          idx[i], pred[i], t,
			          t != pred[i] ? "  wrong" : "");
		else if (!drawn)
			sh_printf(S, "%s:%zu  predicted %d\n", name, idx[i],
			          pred[i]);
	}
	if (nn_dataset_label(sd->d, idx[0]) >= 0) {
		sh_printf(S, "%zu of %ld right", right, n);
		for (long i = 0; i < n; i++) {
			if (pred[i] == nn_dataset_label(sd->d, idx[i]) ||
			    shown++ >= 20)
				continue;
			sh_printf(S, "%s %zu", shown == 1 ? "; wrong:" : ",",
			          idx[i]);
		}
		sh_printf(S, "%s\n", shown > 20 ? " ..." : "");
	}
out:
	free(idx);
	free(pred);
	return rc;
}
