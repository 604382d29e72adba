/* complete.h - tab completion by context: what fits at a place of a
 * command line (complete.c), used by the prompt and by `complete`. */
#ifndef NNSH_COMPLETE_H
#define NNSH_COMPLETE_H

#include <stddef.h>

#include "shell.h"

/* Where readline's word ends up starting for a line completed at its
 * end: after the last blank or '=' (its word break characters). */
size_t sh_complete_start(const char *line);

/* The words that can replace line[start..] (the word being completed,
 * up to the end of the line): a malloc'd NULL-terminated list of
 * malloc'd strings, or NULL when none fit. *files is set when file names
 * fit there too (the prompt then lets readline list them). */
char **sh_complete(const sh_session *S, const char *line, size_t start,
                   int *files);

/* The verbs of `data NAME = VERB` and the sources of `load` (cmd_data.c),
 * NULL-terminated. */
const char *const *sh_data_verbs(void);
const char *const *sh_data_sources(void);

#endif
