/* complete.c - what Tab offers at each place of a command line.
 *
 * The words come from where they are defined, never from lists kept
 * here: commands from the command table, layer kinds, activations,
 * losses, optimizers and initialisers from the engine's names, data
 * verbs, sources and generators from cmd_data.c, and the session's
 * models, datasets and nodes. What a place expects is read off the
 * command's usage line: "use MODEL" completes models, "train DATA"
 * datasets, "confusion [MODEL] DATA" either, "plot loss|accuracy|lr" those
 * three words, "source FILE" file names; an option's value by its key
 * (model=, val=, node=, out=). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "complete.h"
#include "handlers.h"
#include "render_views.h"

/* Where readline cuts words: blanks and '=' (so key=VALUE completes
 * VALUE, and file names after out= complete as files). */
#define BREAKS " \t\n\"\\'`@$><=;|&{("

/* A growing, NULL-terminated list of candidate words. */
typedef struct words {
	char **w;
	size_t n, cap;
	const char *prefix;     /* only words starting with it are kept */
} words;

static void put(words *ws, const char *w)
{
	if (strncmp(w, ws->prefix, strlen(ws->prefix)) != 0)
		return;
	for (size_t i = 0; i < ws->n; i++)
		if (strcmp(ws->w[i], w) == 0)
			return;
	if (ws->n + 2 > ws->cap) {
		size_t cap = ws->cap ? 2 * ws->cap : 32;
		char **v = realloc(ws->w, cap * sizeof *v);

		if (!v)
			return;
		ws->w = v;
		ws->cap = cap;
	}
	if ((ws->w[ws->n] = strdup(w)))
		ws->w[++ws->n] = NULL;
}

static void put_list(words *ws, const char *const *list)
{
	for (; list && *list; list++)
		put(ws, *list);
}

/* Every name an enumeration's name function gives for 0 .. count-1. */
static void put_enum(words *ws, const char *(*name)(int), int count)
{
	for (int k = 0; k < count; k++)
		put(ws, name(k));
}

static const char *act_name(int k) { return nn_act_name((nn_act)k); }
static const char *loss_name(int k) { return nn_loss_name(k); }
static const char *optim_name(int k) { return nn_optim_name(k); }
static const char *init_name(int k) { return nn_init_name(k); }

static void put_models(words *ws, const sh_session *S)
{
	for (size_t i = 0; i < S->nmodels; i++)
		put(ws, S->models[i]->name);
}

static void put_data(words *ws, const sh_session *S)
{
	for (size_t i = 0; i < S->ndata; i++)
		put(ws, S->data[i]->name);
}

/* The current model's node names, and "in". */
static void put_nodes(words *ws, const sh_session *S)
{
	if (!S->cur)
		return;
	put(ws, "in");
	for (size_t i = 0; i < nn_model_layers(S->cur->m); i++)
		if (*nn_model_node_name(S->cur->m, i))
			put(ws, nn_model_node_name(S->cur->m, i));
}

/* Parameters by name: "net.2.W". */
static void put_params(words *ws, const sh_session *S)
{
	char name[96];

	for (size_t i = 0; i < S->nmodels; i++) {
		const nn_model *m = S->models[i]->m;

		for (size_t k = 0; k < nn_model_layers(m); k++)
			for (int j = 0; j < nn_model_layer_nparams(m, k); j++) {
				nn_param p;

				nn_model_param(m, k, j, &p);
				snprintf(name, sizeof name, "%s.%zu.%s",
				         S->models[i]->name, k + 1, p.name);
				put(ws, name);
			}
	}
}

/* Whether a word of a usage line is a literal to offer: lower-case
 * letters, '-' and '_' ("resume", "fashion-mnist"; not "x1"). */
static int literal(const char *t)
{
	if (!islower((unsigned char)*t))
		return 0;
	for (; *t; t++)
		if (!islower((unsigned char)*t) && *t != '-' && *t != '_')
			return 0;
	return 1;
}

/* The words of a usage placeholder or literal for command c:
 * returns 1 when file names are what fits there. */
static int put_place(words *ws, const sh_session *S, const sh_cmd *c,
                     const char *tok)
{
	char t[64];
	size_t n = strcspn(tok, ".:[]");

	if (strchr(tok, '|')) {
		/* alternatives: "loss|accuracy|VIEW" */
		int files = 0;

		for (const char *p = tok; *p;) {
			size_t k = strcspn(p, "|");

			snprintf(t, sizeof t, "%.*s", (int)k, p);
			files |= put_place(ws, S, c, t);
			p += k + (p[k] == '|');
		}
		return files;
	}
	if (islower((unsigned char)tok[0])) {
		/* a literal word: "resume", "as" */
		snprintf(t, sizeof t, "%.*s", (int)strcspn(tok, "[]"), tok);
		if (literal(t))
			put(ws, t);
		return 0;
	}
	if (strncmp(tok, "MODEL.LAYER", 11) == 0) {
		put_params(ws, S);
		return 0;
	}
	snprintf(t, sizeof t, "%.*s", (int)n, tok);
	if (strcmp(t, "MODEL") == 0)
		put_models(ws, S);
	else if (strcmp(t, "DATA") == 0)
		put_data(ws, S);
	else if (strcmp(t, "NAME") == 0 || strcmp(t, "OLD") == 0) {
		/* a name of something there is, not a new one */
		if (strcmp(c->name, "loss") == 0)
			put_enum(ws, loss_name, NN_LOSS_COUNT);
		else if (strcmp(c->name, "store") == 0 ||
		         strcmp(c->name, "recall") == 0)
			put_models(ws, S);
		else if (strcmp(c->name, "rm") == 0 ||
		         strcmp(c->name, "rename") == 0) {
			put_models(ws, S);
			put_data(ws, S);
		}
	} else if (strcmp(t, "NODE") == 0)
		put_nodes(ws, S);
	else if (strcmp(t, "FILE") == 0 || strcmp(t, "SCRIPT") == 0)
		return 1;
	else if (strcmp(t, "VIEW") == 0)
		put_list(ws, vw_names());
	else if (strcmp(t, "ACTIVATION") == 0)
		put_enum(ws, act_name, NN_ACT_COUNT);
	else if (strcmp(t, "PARAM") == 0 || strcmp(t, "MODEL.LAYER.PARAM") == 0)
		put_params(ws, S);
	else if (strcmp(t, "KIND") == 0) {
		if (strcmp(c->name, "add") == 0)
			put_list(ws, nn_layer_kind_names());
		else if (strcmp(c->name, "optim") == 0)
			put_enum(ws, optim_name, NN_OPT_COUNT);
		else if (strcmp(c->name, "init") == 0)
			put_enum(ws, init_name, NN_INIT_COUNT);
	}
	return 0;
}

/* The usage's first alternative, cut into its positional places (after
 * the command name): "[MODEL]" is optional, "key=V" is an option and no
 * place, "NAME..." repeats. */
typedef struct place {
	char tok[64];
	int optional, repeats;
} place;

static int places(const char *usage, place *pl, int max)
{
	int n = 0, depth = 0;
	const char *p = usage + strcspn(usage, " ");

	while (*p && n < max) {
		size_t k;
		int opt;

		while (*p == ' ')
			p++;
		if (*p == '|' && depth == 0)
			break;          /* a second form: the first one will do */
		opt = depth > 0 || *p == '[';
		while (*p == '[') {
			depth++;
			p++;
		}
		k = strcspn(p, " ]");
		if (k > 0 && !memchr(p, '=', k) && *p != '|') {
			snprintf(pl[n].tok, sizeof pl[n].tok, "%.*s", (int)k, p);
			pl[n].optional = opt;
			pl[n].repeats = k > 3 && strncmp(p + k - 3, "...", 3) == 0;
			n++;
		}
		p += k;
		while (*p == ']') {
			depth -= depth > 0;
			p++;
		}
	}
	return n;
}

/* put "key=" for each blank-separated key in keys. */
static void put_keys(words *ws, const char *keys)
{
	for (const char *p = keys; *p;) {
		size_t n = strcspn(p, " ");
		char key[40];

		snprintf(key, sizeof key, "%.*s=", (int)n, p);
		put(ws, key);
		p += n + (p[n] == ' ');
	}
}

/* The value of key=: models, datasets, nodes or files. */
static int put_value(words *ws, const sh_session *S, const sh_cmd *c,
                     const char *key)
{
	if (strcmp(key, "model") == 0)
		put_models(ws, S);
	else if (strcmp(key, "val") == 0 || strcmp(key, "data") == 0)
		put_data(ws, S);
	else if (strcmp(key, "node") == 0 || strcmp(key, "tie") == 0)
		put_nodes(ws, S);
	else if (strcmp(key, "from") == 0) {
		if (strcmp(c->name, "add") == 0)
			put_nodes(ws, S);
		else
			put_data(ws, S);
	} else if (strcmp(key, "out") == 0 || strcmp(key, "log") == 0 ||
	           strcmp(key, "path") == 0 || strcmp(key, "map") == 0)
		return 1;
	return 0;
}

/* data NAME = VERB ...: w[0..nw) are the words before the one completed
 * ("data", NAME, "=", the verb, its arguments). */
static int put_data_words(words *ws, const sh_session *S, char **w, int nw,
                          int fresh)
{
	if (nw == 2) {
		if (fresh)
			put(ws, "=");
		return 0;
	}
	if (nw == 3) {
		put_list(ws, sh_data_verbs());
		return 0;
	}
	if (strcmp(w[3], "load") == 0) {
		if (nw == 4)
			put_list(ws, sh_data_sources());
		return nw > 4;
	}
	if (strcmp(w[3], "make") == 0) {
		if (nw == 4)
			for (int g = 0; g < NN_GEN_COUNT; g++)
				put(ws, nn_gen_kinds[g].name);
		return 0;
	}
	if (strcmp(w[3], "encode") == 0 && nw == 4)
		put_models(ws, S);
	else if (nw == 4 || strcmp(w[3], "encode") == 0)
		put_data(ws, S);
	return 0;
}

size_t sh_complete_start(const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && !strchr(BREAKS, line[n - 1]))
		n--;
	return n;
}

char **sh_complete(const sh_session *S, const char *line, size_t start,
                   int *files)
{
	words ws = { NULL, 0, 0, "" };
	size_t wstart = start;
	char *copy, *w[32];
	const sh_cmd *c;
	place pl[16];
	char err[256];
	int nw = 0, np, k, opts = 0;

	*files = 0;
	if (start > strlen(line))
		return NULL;
	ws.prefix = line + start;
	/* the blank-separated word that holds the one completed */
	while (wstart > 0 && line[wstart - 1] != ' ' && line[wstart - 1] != '\t')
		wstart--;
	if (!(copy = strndup(line, wstart)))
		return NULL;
	for (char *p = strtok(copy, " \t"); p && nw < 32;
	     p = strtok(NULL, " \t"))
		w[nw++] = p;
	if (nw == 0) {
		for (c = sh_commands; c->name; c++)
			put(&ws, c->name);
		goto done;
	}
	c = sh_find_command(w[0], err, sizeof err);
	if (!c)
		goto done;
	if (strcmp(c->name, "help") == 0) {
		for (c = sh_commands; c->name; c++)
			put(&ws, c->name);
		goto done;
	}
	if (start > wstart && line[start - 1] == '=' &&
	    start - 1 - wstart < 32 && start - 1 > wstart) {
		char key[32];

		snprintf(key, sizeof key, "%.*s", (int)(start - 1 - wstart),
		         line + wstart);
		*files = put_value(&ws, S, c, key);
		goto done;
	}
	if (strcmp(c->name, "data") == 0) {
		*files = put_data_words(&ws, S, w, nw, start == wstart);
		goto done;
	}
	/* the place of this word among the positional ones */
	for (int i = 1; i < nw; i++)
		opts += strchr(w[i], '=') != NULL;
	k = nw - 1 - opts;
	np = places(c->usage, pl, 16);
	for (int j = 0, required = 0; j < np; j++) {
		if ((j == k || (pl[j].repeats && j < k) ||
		     (j > k && required <= k)) &&
		    put_place(&ws, S, c, pl[j].tok))
			*files = 1;
		if (j >= k && !pl[j].optional)
			break;          /* nothing after a required place fits */
		required += !pl[j].optional;
	}
	/* the command's option keys, as "key="; add's are the kind's own
	 * (from its table) and add's name= from= tie= */
	if (strcmp(c->name, "add") == 0 && nw >= 2) {
		put_keys(&ws, "alpha name from tie");
		for (const char *const *key = nn_layer_kind_keys(w[1]);
		     key && *key; key++)
			put_keys(&ws, *key);
	} else if (c->options && strcmp(c->options, "*"))
		put_keys(&ws, c->options);
done:
	free(copy);
	return ws.w;
}

int cmd_complete(sh_session *S, const sh_line *l)
{
	const char *line = sh_pos(l, 0)->text;
	int files;
	char **w = sh_complete(S, line, sh_complete_start(line), &files);

	for (size_t i = 0; w && w[i]; i++) {
		sh_printf(S, "%s%s", i ? " " : "", w[i]);
		free(w[i]);
	}
	if (files)
		sh_printf(S, "%s(file names)", w && w[0] ? " " : "");
	else if (!w || !w[0])
		sh_printf(S, "(nothing)");
	sh_printf(S, "\n");
	free(w);
	return 0;
}
