/* help.c - what the command table says, printed: `help` by topic, `help
 * COMMAND` (its help's @VIEWS@ line becomes the table of views), `help
 * WORD` for a form of a command (a data verb), and doc/commands.md
 * (nnsh --commands-md). */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "render_views.h"

/* A command's help; the line @VIEWS@ becomes the table of views. */
static void put_help(FILE *f, const char *help)
{
	const char *at = strstr(help, "@VIEWS@\n");

	if (!at) {
		fprintf(f, "%s\n", help);
		return;
	}
	fprintf(f, "%.*s", (int)(at - help), help);
	vw_help_table(f);
	fprintf(f, "%s\n", at + strlen("@VIEWS@\n"));
}

static void print_help_one(FILE *f, const sh_cmd *c)
{
	fprintf(f, "usage: %s\n%s.\n\n", c->usage, c->summary);
	put_help(f, c->help);
}

/* Calls fn for each topic in the order topics first appear in the table. */
static void each_topic(void (*fn)(const char *topic, void *ud), void *ud)
{
	for (const sh_cmd *c = sh_commands; c->name; c++) {
		const sh_cmd *p = sh_commands;

		while (p < c && strcmp(p->topic, c->topic) != 0)
			p++;
		if (p == c)
			fn(c->topic, ud);
	}
}

static void help_topic(const char *topic, void *ud)
{
	sh_session *S = ud;

	sh_printf(S, "%s:\n", topic);
	for (const sh_cmd *c = sh_commands; c->name; c++)
		if (strcmp(c->topic, topic) == 0)
			sh_printf(S, "  %-10s %s\n", c->name, c->summary);
}

/* `help WORD` for a word that is not a command but a form of one (a
 * data verb such as encode): the lines of help that start with it (and
 * their indented continuations), under the command's name. 0 when some
 * were found. */
static int help_form(sh_session *S, const char *word)
{
	size_t len = strlen(word);
	int found = 0;

	for (const sh_cmd *c = sh_commands; c->name; c++) {
		const char *p = c->help;
		size_t indent = 0;
		int on = 0;

		while (*p) {
			size_t n = strcspn(p, "\n"), b = strspn(p, " ");

			if (b > 0 && strncmp(p + b, word, len) == 0 &&
			    (p[b + len] == ' ' || p[b + len] == '\n')) {
				if (!found++ || on == 0)
					sh_printf(S, "%s is a form of '%s' (help "
					          "%s):\n", word, c->name, c->name);
				on = 1;
				indent = b;
			} else if (on && b <= indent) {
				on = 0;
			}
			if (on)
				sh_printf(S, "%.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	return found ? 0 : -1;
}

int cmd_help(sh_session *S, const sh_line *l)
{
	if (sh_npos(l) == 1) {
		const sh_cmd *c = sh_find_command(sh_pos(l, 0)->text, S->err,
		                                  sizeof S->err);

		if (!c && help_form(S, sh_pos(l, 0)->text) == 0) {
			S->err[0] = '\0';
			return 0;
		}
		if (!c)
			return -1;
		print_help_one(S->out, c);
		return 0;
	}
	each_topic(help_topic, S);
	sh_printf(S, "\nType 'help COMMAND' for details and an example.\n");
	return 0;
}

static void md_topic(const char *topic, void *ud)
{
	FILE *f = ud;

	fprintf(f, "\n## %s\n", topic);
	for (const sh_cmd *c = sh_commands; c->name; c++)
		if (strcmp(c->topic, topic) == 0) {
			fprintf(f, "\n### %s\n\n`%s`\n\n%s.\n\n```\n",
			        c->name, c->usage, c->summary);
			put_help(f, c->help);
			fprintf(f, "```\n");
		}
}

/* s for roff: backslashes and minus signs escaped, bold when bold. */
static void man_text(FILE *f, const char *s, int bold)
{
	fputs(bold ? "\\fB" : "", f);
	for (; *s; s++)
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	fputs(bold ? "\\fR" : "", f);
}

static void man_topic(const char *topic, void *ud)
{
	FILE *f = ud;

	fprintf(f, ".SS %s\n", topic);
	for (const sh_cmd *c = sh_commands; c->name; c++)
		if (strcmp(c->topic, topic) == 0) {
			fputs(".TP\n", f);
			man_text(f, c->usage, 1);
			fputs("\n", f);
			man_text(f, c->summary, 0);
			fputs(".\n", f);
		}
}

void sh_print_commands_man(FILE *f)
{
	fputs(".SH COMMANDS\n"
	      "Generated from the command table by\n"
	      ".BR \"nnsh \\-\\-commands\\-man\" ;\n"
	      ".B help\n"
	      ".I COMMAND\n"
	      "at the prompt gives each one's details and an example.\n", f);
	each_topic(man_topic, f);
}

void sh_print_commands_md(FILE *f)
{
	fprintf(f, "# nnsh commands\n\n"
	        "Generated from the command table (src/commands.c) by\n"
	        "`nnsh --commands-md`; a test fails when this file and the\n"
	        "table differ.\n");
	each_topic(md_topic, f);
}
