/* suggest.c - "did you mean" (suggest.h): the optimal string alignment
 * distance (Levenshtein's edits and swaps of two neighbours) from a
 * mistyped word to each known name, the nearest taken when it is small. */
#include <string.h>

#include "suggest.h"

#define MAXLEN 32

/* The edit distance between a and b (both shorter than MAXLEN). */
static int distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	int d[MAXLEN + 1][MAXLEN + 1];

	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *sh_suggest(const char *word, const char *const *names, size_t n)
{
	size_t len = strlen(word);
	int best = len <= 4 ? 2 : 3;
	const char *found = NULL;

	if (len == 0 || len >= MAXLEN)
		return NULL;
	for (size_t i = 0; n ? i < n : names[i] != NULL; i++) {
		int d;

		if (strlen(names[i]) >= MAXLEN)
			continue;
		if ((d = distance(word, names[i])) < best) {
			best = d;
			found = names[i];
		}
	}
	return found;
}
