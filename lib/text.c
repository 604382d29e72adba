/* text.c - character-level text (load text): a UTF-8 file's characters
 * become token ids, the vocabulary being the distinct characters in
 * code-point order (each named by its UTF-8 bytes in d->tokens); the
 * text is cut into sequences of len characters, each labelled per
 * position by the character that follows (next-character prediction).
 * Also the way back: text typed by a user into ids of a vocabulary, and
 * the vocabulary a model keeps apart from its dataset (nn_vocab). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

#define MAX_TEXT (64u << 20)    /* bytes read at most */
#define MAX_CHARS 65536         /* distinct characters */

/* The code point at s[*i] (n bytes in all), advancing *i; -1 when the
 * bytes there are not UTF-8. */
static long utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	int more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1
	           : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
	long cp = more == 0 ? c : more == 1 ? c & 0x1f
	          : more == 2 ? c & 0x0f : c & 0x07;
	static const long least[4] = { 0, 0x80, 0x800, 0x10000 };

	if (more < 0 || *i + (size_t)more >= n + (more ? 0 : 1))
		return -1;
	for (int k = 1; k <= more; k++) {
		if ((s[*i + (size_t)k] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[*i + (size_t)k] & 0x3f);
	}
	if (cp < least[more] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
		return -1;
	*i += (size_t)more + 1;
	return cp;
}

/* The UTF-8 bytes of cp into a new string; NULL when out of memory. */
static char *utf8_str(long cp)
{
	char *s = malloc(5);

	if (!s)
		return NULL;
	if (cp < 0x80) {
		s[0] = (char)cp;
		s[1] = '\0';
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		s[2] = '\0';
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		s[3] = '\0';
	} else {
		s[0] = (char)(0xf0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		s[4] = '\0';
	}
	return s;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* The whole file into *buf (*len bytes); -1 with a message naming it. */
static int read_file(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	unsigned char *b = NULL;

	if (!f)
		return nn_fail("%s: %s", path, strerror(errno));
	for (;;) {
		unsigned char *nb = n == 0 || n == cap
		                    ? realloc(b, n == 0 ? cap : (cap *= 2)) : b;
		size_t got;

		if (!nb) {
			free(b);
			fclose(f);
			return nn_fail("%s: out of memory", path);
		}
		b = nb;
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n > MAX_TEXT) {
			free(b);
			fclose(f);
			return nn_fail("%s: more than %u MB of text", path,
			               MAX_TEXT >> 20);
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(b);
		fclose(f);
		return nn_fail("%s: cannot read it", path);
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

/* The code points of b[0..n) into a new array (*count of them); -1 with
 * a message naming the line of the first byte that is not UTF-8 text. */
static long *decode(const char *path, const unsigned char *b, size_t n,
                    size_t *count)
{
	long *cps = malloc((n ? n : 1) * sizeof *cps);
	size_t i = 0, k = 0, line = 1;

	if (!cps) {
		nn_fail("%s: out of memory", path);
		return NULL;
	}
	while (i < n) {
		size_t at = i;
		long cp = b[i] ? utf8_next(b, n, &i) : -1;

		if (cp < 0) {
			free(cps);
			if (b[at])
				nn_fail("%s: line %zu: byte 0x%02x is not "
				        "UTF-8 text", path, line, b[at]);
			else
				nn_fail("%s: line %zu: a NUL byte: not a text "
				        "file", path, line);
			return NULL;
		}
		line += cp == '\n';
		cps[k++] = cp;
	}
	*count = k;
	return cps;
}

nn_dataset *nn_load_text(const char *path, int len, int step)
{
	unsigned char *b = NULL;
	size_t n = 0, nchars, nvocab = 0, nseq;
	long *cps, *vocab;
	nn_dataset *d = NULL;

	if (len < 1 || len > 4096 || step < 1 || step > 1 << 24) {
		nn_fail("load text: len=%d step=%d (len from 1 to 4096, step "
		        "at least 1)", len, step);
		return NULL;
	}
	if (read_file(path, &b, &n) < 0)
		return NULL;
	cps = decode(path, b, n, &nchars);
	free(b);
	if (!cps)
		return NULL;
	if (nchars < (size_t)len + 1) {
		nn_fail("%s: %zu characters, too few for one sequence of "
		        "len=%d and the character after it", path, nchars, len);
		free(cps);
		return NULL;
	}
	vocab = malloc(nchars * sizeof *vocab);
	if (!vocab) {
		free(cps);
		nn_fail("%s: out of memory", path);
		return NULL;
	}
	memcpy(vocab, cps, nchars * sizeof *vocab);
	qsort(vocab, nchars, sizeof *vocab, cmp_long);
	for (size_t i = 0; i < nchars; i++)
		if (nvocab == 0 || vocab[i] != vocab[nvocab - 1])
			vocab[nvocab++] = vocab[i];
	if (nvocab > MAX_CHARS) {
		nn_fail("%s: %zu distinct characters, more than %d", path,
		        nvocab, MAX_CHARS);
		goto fail;
	}
	nseq = (nchars - 1 - (size_t)len) / (size_t)step + 1;
	if (!(d = nn_dataset_new()) ||
	    !(d->xtok = malloc(nseq * (size_t)len * sizeof *d->xtok)) ||
	    !(d->ytok = malloc(nseq * (size_t)len * sizeof *d->ytok)) ||
	    !(d->tokens = calloc(nvocab, sizeof *d->tokens)))
		goto oom;
	d->vocab = (int)nvocab;
	for (size_t v = 0; v < nvocab; v++)
		if (!(d->tokens[v] = utf8_str(vocab[v])))
			goto oom;
	for (size_t i = 0; i < nchars; i++)     /* code points become ids */
		cps[i] = (long *)bsearch(&cps[i], vocab, nvocab, sizeof *vocab,
		                         cmp_long) - vocab;
	for (size_t s = 0; s < nseq; s++)
		for (size_t t = 0; t < (size_t)len; t++) {
			size_t at = s * (size_t)step + t;

			d->xtok[s * (size_t)len + t] = (int32_t)cps[at];
			d->ytok[s * (size_t)len + t] = (int32_t)cps[at + 1];
		}
	d->n = nseq;
	d->xshape = (nn_shape){ 1, { len, 0, 0, 0 } };
	d->xsize = (size_t)len;
	d->nclasses = (int)nvocab;
	d->ylen = (size_t)len;
	d->ysize = (size_t)len * nvocab;
	free(cps);
	free(vocab);
	return d;
oom:
	nn_fail("%s: out of memory", path);
fail:
	nn_dataset_free(d);
	free(cps);
	free(vocab);
	return NULL;
}

long nn_text_encode(const nn_dataset *d, const char *text, int32_t *ids,
                    size_t cap)
{
	nn_vocab v = { d->tokens, d->vocab };

	if (!d->tokens)
		return nn_fail("the dataset has no characters (load text makes "
		               "them)");
	return nn_vocab_encode(&v, text, ids, cap);
}

long nn_vocab_encode(const nn_vocab *v, const char *text, int32_t *ids,
                     size_t cap)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), i = 0, k = 0;

	while (i < n) {
		size_t at = i;
		long cp = utf8_next(s, n, &i);
		int id = -1;

		if (cp < 0)
			return nn_fail("byte %zu of the text is not UTF-8",
			               at + 1);
		for (int t = 0; t < v->n && id < 0; t++)
			if (strlen(v->tokens[t]) == i - at &&
			    memcmp(v->tokens[t], s + at, i - at) == 0)
				id = t;
		if (id < 0)
			return nn_fail("'%.*s' is not one of the %d characters "
			               "of the text", (int)(i - at), text + at,
			               v->n);
		if (k < cap)
			ids[k] = id;
		k++;
	}
	return (long)k;
}

void nn_vocab_free(nn_vocab *v)
{
	for (int i = 0; v->tokens && i < v->n; i++)
		free(v->tokens[i]);
	free(v->tokens);
	v->tokens = NULL;
	v->n = 0;
}

int nn_vocab_set(nn_vocab *v, char *const *tokens, int n)
{
	nn_vocab_free(v);
	if (n <= 0)
		return 0;
	if (!(v->tokens = calloc((size_t)n, sizeof *v->tokens)))
		return nn_fail("out of memory");
	v->n = n;
	for (int i = 0; i < n; i++)
		if (!(v->tokens[i] = strdup(tokens[i]))) {
			nn_vocab_free(v);
			return nn_fail("out of memory");
		}
	return 0;
}

int nn_vocab_same(const nn_vocab *v, char *const *tokens, int n)
{
	if (v->n != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (strcmp(v->tokens[i], tokens[i]) != 0)
			return 0;
	return 1;
}

int nn_vocab_check(const nn_vocab *v)
{
	long prev = -1;

	if (v->n < 1 || v->n > MAX_CHARS)
		return nn_fail("%d characters (from 1 to %d)", v->n,
		               MAX_CHARS);
	for (int t = 0; t < v->n; t++) {
		const unsigned char *s = (const unsigned char *)v->tokens[t];
		size_t n = strlen(v->tokens[t]), i = 0;
		long cp = n ? utf8_next(s, n, &i) : -1;

		if (cp < 0 || i != n)
			return nn_fail("character %d is not one UTF-8 "
			               "character", t);
		if (cp <= prev)
			return nn_fail("character %d is not after character "
			               "%d in code-point order", t, t - 1);
		prev = cp;
	}
	return 0;
}
