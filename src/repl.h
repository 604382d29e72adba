/* repl.h - the interactive prompt. */
#ifndef NNSH_REPL_H
#define NNSH_REPL_H

#include "shell.h"

/* Read and run commands at the prompt until Ctrl-D or quit. */
void sh_repl(sh_session *S);

#endif
