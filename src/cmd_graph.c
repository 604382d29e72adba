/* cmd_graph.c - what is particular to models that are graphs: loss terms
 * on nodes (penalty), the inputs of a node as text, and the graph drawn as
 * an indented tree for `show MODEL graph`. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

void sh_node_inputs(const nn_model *m, size_t i, char *buf, size_t len)
{
	int from[NN_MAXIN], n = nn_model_node_inputs(m, i, from);
	size_t used = 0;

	buf[0] = '\0';
	for (int k = 0; k < n && used < len; k++) {
		const char *name = from[k] < 0 ? "in"
		                   : nn_model_node_name(m, (size_t)from[k]);

		if (*name)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			                         k ? " " : "", name);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%d",
			                         k ? " " : "", from[k] + 1);
	}
}

/* "node 2 (h)" */
static void node_label(const nn_model *m, size_t i, char *buf, size_t len)
{
	const char *name = nn_model_node_name(m, i);

	if (*name)
		snprintf(buf, len, "node %zu (%s)", i + 1, name);
	else
		snprintf(buf, len, "node %zu", i + 1);
}

/* "loss term 2: l1 0.0100 on node 1 (code)" */
static void print_term(sh_session *S, const nn_model *m, size_t k)
{
	const nn_penalty *p = nn_model_penalty(m, k);
	char node[64], v[32];

	node_label(m, p->node, node, sizeof node);
	sh_num(p->weight, v, sizeof v);
	if (p->kind == NN_PEN_DOT)
		sh_printf(S, "loss term %zu: dot r.h on %s\n", k + 1, node);
	else
		sh_printf(S, "loss term %zu: %s %s on %s\n", k + 1,
		          nn_penalty_name(p->kind), v, node);
}

void sh_print_penalties(sh_session *S, const nn_model *m)
{
	for (size_t k = 0; k < nn_model_npenalties(m); k++)
		print_term(S, m, k);
}

int cmd_penalty(sh_session *S, const sh_line *l)
{
	sh_model *sm = sh_model_arg(S, sh_opt(l, "model"));
	const sh_arg *node = sh_pos(l, 0), *kind = sh_pos(l, 1);
	const sh_arg *arg = sh_pos(l, 2);
	nn_tensor *r = NULL;
	int f, rc;
	double w = 0;
	char label[64];

	if (!sm)
		return -1;
	if (!node) {
		if (nn_model_npenalties(sm->m) == 0)
			sh_printf(S, "%s has no loss terms besides its loss\n",
			          sm->name);
		sh_print_penalties(S, sm->m);
		return 0;
	}
	if ((f = nn_model_find_node(sm->m, node->text)) < 0)
		return sh_err(S, "penalty: %s", nn_error());
	if (f == 0)
		return sh_err(S, "penalty: the input has no output to penalise;"
		              " name a node");
	node_label(sm->m, (size_t)f - 1, label, sizeof label);
	if (!kind)
		return sh_err(S, "usage: penalty NODE dot [r...] | l1 W | l2 W "
		              "| off");
	if (strcmp(kind->text, "off") == 0) {
		size_t gone = nn_model_penalty_remove(sm->m, (size_t)f - 1);

		sh_printf(S, "removed %zu loss term%s on %s\n", gone,
		          gone == 1 ? "" : "s", label);
		return 0;
	}
	if (!arg)
		return sh_err(S, "penalty %s %s needs %s", node->text,
		              kind->text, strcmp(kind->text, "dot") == 0
		              ? "a vector, as in [1 -1 0.5]" : "a weight");
	if (strcmp(kind->text, "dot") == 0) {
		char err[128];

		if (sh_npos(l) > 3)
			return sh_err(S, "penalty ... dot takes one vector: "
			              "[r1 r2 ...]");
		if (!(r = sh_parse_tensor(arg->text, err, sizeof err)))
			return sh_err(S, "penalty: %s", err);
		rc = nn_model_penalty_add(sm->m, (size_t)f - 1, NN_PEN_DOT, 0,
		                          r->data, nn_shape_size(&r->shape));
		nn_tensor_free(r);
	} else if (strcmp(kind->text, "l1") == 0 ||
	           strcmp(kind->text, "l2") == 0) {
		if (sh_parse_double(arg->text, &w) < 0 || !(w >= 0) || w > 1e6)
			return sh_err(S, "penalty: weight '%s' is not a number "
			              "from 0 to 1e6", arg->text);
		rc = nn_model_penalty_add(sm->m, (size_t)f - 1,
		                          kind->text[1] == '1' ? NN_PEN_L1
		                                               : NN_PEN_L2,
		                          (float)w, NULL, 0);
	} else {
		return sh_err(S, "penalty: unknown kind '%s' (dot, l1, l2, off)",
		              kind->text);
	}
	if (rc < 0)
		return sh_err(S, "penalty: %s", nn_error());
	print_term(S, sm->m, nn_model_npenalties(sm->m) - 1);
	return 0;
}

/* One line of the tree: node i at depth d, then its inputs below it. */
static void tree(sh_session *S, const nn_model *m, int i, int depth,
                 char *seen)
{
	nn_layer_info info;
	int from[NN_MAXIN], n;
	char shape[32];

	if (i < 0) {
		sh_printf(S, "%*sin  -> %s\n", 2 * depth, "",
		          nn_shape_str(nn_model_input_shape(m), shape,
		                       sizeof shape));
		return;
	}
	nn_model_layer_info(m, (size_t)i, &info);
	sh_printf(S, "%*s%d%s%s%s  %s  -> %s%s\n", 2 * depth, "", i + 1,
	          *nn_model_node_name(m, (size_t)i) ? " (" : "",
	          nn_model_node_name(m, (size_t)i),
	          *nn_model_node_name(m, (size_t)i) ? ")" : "", info.desc,
	          nn_shape_str(&info.out, shape, sizeof shape),
	          seen[i] ? "  (shown above)" : "");
	if (seen[i])
		return;
	seen[i] = 1;
	n = nn_model_node_inputs(m, (size_t)i, from);
	for (int k = 0; k < n; k++)
		tree(S, m, from[k], depth + 1, seen);
}

int sh_show_graph(sh_session *S, const sh_model *sm)
{
	size_t n = nn_model_layers(sm->m);
	char *seen;

	if (n == 0) {
		sh_printf(S, "%s has no layers\n", sm->name);
		return 0;
	}
	if (!(seen = calloc(n, 1)))
		return sh_err(S, "out of memory");
	sh_printf(S, "%s, from the output back to the input (each node above "
	          "the nodes it reads):\n", sm->name);
	tree(S, sm->m, (int)n - 1, 0, seen);
	for (size_t i = 0; i < n; i++)
		if (!seen[i]) {
			sh_printf(S, "not on the output's path:\n");
			tree(S, sm->m, (int)i, 1, seen);
		}
	free(seen);
	return 0;
}
