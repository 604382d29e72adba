/* suggest.h - "did you mean": the known name nearest to a mistyped one,
 * for the messages about unknown commands and layer kinds. */
#ifndef NNSH_SUGGEST_H
#define NNSH_SUGGEST_H

#include <stddef.h>

/* The name of names (n of them, or up to a NULL when n is 0) nearest to
 * word by edits (insert, delete, change, or swap two neighbours), when it
 * is close enough to be a slip: at most 1 edit for words of up to 4
 * letters, 2 for longer ones. NULL when none is. */
const char *sh_suggest(const char *word, const char *const *names,
                       size_t n);

#endif
