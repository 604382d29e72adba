/* cmd_session.c - session commands: seed, echo, quit (help lives beside
 * the command table in commands.c). */
#include "handlers.h"

int cmd_seed(sh_session *S, const sh_line *l)
{
	long seed;

	if (sh_parse_long(S, "seed", sh_pos(l, 0)->text, 0, 0x7fffffffL,
	                  &seed) < 0)
		return -1;
	sh_session_seed(S, (unsigned long long)seed);
	return 0;
}

int cmd_echo(sh_session *S, const sh_line *l)
{
	for (int i = 1; i < l->n; i++) {
		if (l->v[i].key)
			sh_printf(S, "%s%s=%s", i > 1 ? " " : "", l->v[i].key,
			          l->v[i].text);
		else
			sh_printf(S, "%s%s", i > 1 ? " " : "", l->v[i].text);
	}
	sh_printf(S, "\n");
	return 0;
}

int cmd_quit(sh_session *S, const sh_line *l)
{
	(void)l;
	S->quit = 1;
	return 0;
}
