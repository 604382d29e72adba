/* fuzz_lex.c - fuzz target for the session language's lexer (sh_lex)
 * and value parser (sh_parse_tensor): any line either splits into
 * arguments or fails with a message, and every [list] among them either
 * parses into a tensor or fails with a message. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shell.h"

static const char *lookup(void *ud, const char *name)
{
	(void)ud;
	if (strcmp(name, "h") == 0)
		return "200";
	if (strcmp(name, "v") == 0)
		return "[1 2 [3]]";
	if (strcmp(name, "s") == 0)
		return "a \"b\" $h";
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256];
	sh_line l;
	nn_tensor *t;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (sh_lex(text, &l, lookup, NULL, err, sizeof err) == 0) {
		for (int i = 0; i < l.n; i++) {
			if (l.v[i].kind != SH_LIST)
				continue;
			t = sh_parse_tensor(l.v[i].text, err, sizeof err);
			nn_tensor_free(t);
		}
		sh_line_free(&l);
	} else if (l.n != 0 || !err[0]) {
		abort();        /* a failure must leave nothing and say why */
	}
	t = sh_parse_tensor(text, err, sizeof err);
	if (!t && !err[0])
		abort();
	nn_tensor_free(t);
	free(text);
	return 0;
}
