/* panel.h - the curses screen of the live panel: it owns the terminal
 * while it is open, draws a panel state (render_panel.h) by changing only
 * the cells that differ from what is shown, and reads keys. Closing it
 * restores the terminal as it was (modes, cursor, attributes). */
#ifndef NNSH_PANEL_H
#define NNSH_PANEL_H

#include "render_panel.h"
#include "shell.h"

typedef struct pn_screen pn_screen;

/* Whether the panel can be used: nnsh prints to a terminal and reads keys
 * from one, TERM is not dumb, and --no-panel was not given. */
int pn_terminal(const sh_session *S);

/* Take the terminal (wide characters; colour unless the terminal has none
 * or NO_COLOR is set); NULL when curses cannot, and nothing changed. */
pn_screen *pn_screen_open(void);
/* The canvas mode the screen draws in (CV_UNICODE, CV_COLOR). */
int pn_screen_mode(const pn_screen *s);
/* The screen's size in cells. */
void pn_screen_size(const pn_screen *s, int *w, int *h);
/* Draw the panel; returns the seconds it took. */
double pn_screen_draw(pn_screen *s, const pn_state *st, const vw_view *v);
/* The next key, waiting at most wait_ms milliseconds (0: do not wait);
 * -1 when there is none. A resized terminal gives PN_KEY_RESIZE. */
int pn_screen_key(pn_screen *s, int wait_ms);
#define PN_KEY_RESIZE 0x10000
#define PN_KEY_BACKSPACE 0x10001
/* Give the terminal back exactly as it was. */
void pn_screen_close(pn_screen *s);

#endif
