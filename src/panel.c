/* panel.c - the curses screen: newterm on the program's own terminal,
 * wide characters through setcchar, colour pairs made as cells need them,
 * only changed cells written, and endwin putting the terminal back. The
 * locale's character type is set to the user's while the screen is open
 * (ncursesw needs it for UTF-8) and restored after. */
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <curses.h>

#include "panel.h"
#include "signals.h"

struct pn_screen {
	SCREEN *scr;
	cv_canvas *cv;          /* what is drawn */
	cv_canvas *shown;       /* what the terminal shows */
	int mode;
	int full;               /* write every cell at the next draw */
	int defaults;           /* the terminal has default colours (-1) */
	short pair[CV_NCOLORS][CV_NCOLORS];
	int npairs;
	char *locale;           /* LC_CTYPE before the screen opened */
};

int pn_terminal(const sh_session *S)
{
	const char *term = getenv("TERM");

	return !S->no_panel && S->out == stdout && isatty(STDIN_FILENO) &&
	       isatty(STDOUT_FILENO) && term && *term &&
	       strcmp(term, "dumb") != 0;
}

/* Make both canvases the terminal's size; -1 when out of memory. */
static int fit(pn_screen *s)
{
	int h, w;

	getmaxyx(stdscr, h, w);
	w = w < 1 ? 1 : w;
	h = h < 1 ? 1 : h;
	if (s->cv && s->cv->w == w && s->cv->h == h)
		return 0;
	cv_free(s->cv);
	cv_free(s->shown);
	s->cv = cv_new(w, h, s->mode);
	s->shown = cv_new(w, h, s->mode);
	s->full = 1;
	return s->cv && s->shown ? 0 : -1;
}

pn_screen *pn_screen_open(void)
{
	pn_screen *s = calloc(1, sizeof *s);
	const char *nc = getenv("NO_COLOR"), *old;

	if (!s)
		return NULL;
	old = setlocale(LC_CTYPE, NULL);
	s->locale = strdup(old ? old : "C");
	setlocale(LC_CTYPE, "");
	fflush(stdout);
	if (!s->locale || !(s->scr = newterm(NULL, stdout, stdin))) {
		setlocale(LC_CTYPE, s->locale ? s->locale : "C");
		free(s->locale);
		free(s);
		return NULL;
	}
	set_term(s->scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);       /* Esc closes the command line at once */
	leaveok(stdscr, TRUE);
	curs_set(0);
	if (strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
		s->mode |= CV_UNICODE;
	if (has_colors() && !(nc && *nc) && start_color() == OK) {
		s->mode |= CV_COLOR;
		s->defaults = use_default_colors() == OK;
	}
	if (fit(s) < 0) {
		pn_screen_close(s);
		return NULL;
	}
	return s;
}

int pn_screen_mode(const pn_screen *s)
{
	return s->mode;
}

void pn_screen_size(const pn_screen *s, int *w, int *h)
{
	*w = s->cv->w;
	*h = s->cv->h;
}

/* The curses colour of a canvas colour; *bold when a bright colour is
 * shown as bold on an 8-colour terminal. */
static short curses_color(const pn_screen *s, int k, int fg, int *bold)
{
	int g;

	if (k == CV_DEFAULT)
		return s->defaults ? -1 : fg ? COLOR_WHITE : COLOR_BLACK;
	if (k <= CV_WHITE)
		return (short)(k - CV_BLACK);
	if (k < CV_GREY0) {
		if (COLORS >= 16)
			return (short)(8 + k - CV_BRIGHT_BLACK);
		*bold |= fg;
		return (short)(k - CV_BRIGHT_BLACK);
	}
	if (COLORS >= 256)
		return (short)(232 + k - CV_GREY0);
	g = k - CV_GREY0;
	return g < 8 ? COLOR_BLACK : COLOR_WHITE;
}

/* The colour pair of fg on bg, made on first use; 0 (the terminal's
 * colours) when there are no colours or no pairs left. */
static short pair_of(pn_screen *s, int fg, int bg, int *bold)
{
	short f, b;

	if (!(s->mode & CV_COLOR) || (fg == CV_DEFAULT && bg == CV_DEFAULT))
		return 0;
	f = curses_color(s, fg, 1, bold);
	b = curses_color(s, bg, 0, bold);
	if (s->pair[fg][bg])
		return s->pair[fg][bg];
	if (s->npairs + 1 >= COLOR_PAIRS || s->npairs + 1 > 0x7fff)
		return 0;
	init_pair((short)++s->npairs, f, b);
	return s->pair[fg][bg] = (short)s->npairs;
}

static int same(const cv_cell *a, const cv_cell *b)
{
	return a->ch == b->ch && a->fg == b->fg && a->bg == b->bg &&
	       a->bold == b->bold;
}

double pn_screen_draw(pn_screen *s, const pn_state *st, const vw_view *v)
{
	double t0 = nn_now();

	if (fit(s) < 0)
		return 0;
	pn_render(st, v, s->cv);
	for (int y = 0; y < s->cv->h; y++)
		for (int x = 0; x < s->cv->w; x++) {
			const cv_cell *c = cv_at(s->cv, x, y);
			wchar_t wc[2] = { (wchar_t)(c->ch ? c->ch : ' '), 0 };
			int bold = c->bold;
			short p;
			cchar_t cc;

			if (!s->full && same(c, cv_at(s->shown, x, y)))
				continue;
			p = pair_of(s, c->fg, c->bg, &bold);
			setcchar(&cc, wc, bold ? A_BOLD : A_NORMAL, p, NULL);
			mvadd_wch(y, x, &cc);
		}
	memcpy(s->shown->cells, s->cv->cells,
	       (size_t)s->cv->w * (size_t)s->cv->h * sizeof *s->cv->cells);
	if (s->full)
		clearok(curscr, TRUE);
	s->full = 0;
	wnoutrefresh(stdscr);
	doupdate();
	return nn_now() - t0;
}

int pn_screen_key(pn_screen *s, int wait_ms)
{
	int ch;

	if (sh_signal_resized()) {
		/* signals.c took SIGWINCH, so curses did not see it */
		struct winsize ws;

		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
		    ws.ws_row > 0 && ws.ws_col > 0)
			resizeterm(ws.ws_row, ws.ws_col);
		return PN_KEY_RESIZE;
	}
	timeout(wait_ms);
	ch = getch();
	switch (ch) {
	case ERR:
		return -1;
	case KEY_RESIZE:
		return PN_KEY_RESIZE;
	case 12:                /* Ctrl-L: draw everything again */
		s->full = 1;
		return PN_KEY_RESIZE;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		return PN_KEY_BACKSPACE;
	case KEY_ENTER:
	case '\r':
		return '\n';
	default:
		return ch;
	}
}

void pn_screen_close(pn_screen *s)
{
	if (!s)
		return;
	curs_set(1);
	endwin();
	delscreen(s->scr);
	setlocale(LC_CTYPE, s->locale);
	fflush(stdout);
	cv_free(s->cv);
	cv_free(s->shown);
	free(s->locale);
	free(s);
}
