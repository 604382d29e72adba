/* cmd_fetch.c - `fetch mnist|fashion-mnist [dir=DIR]` and `fetch URL
 * sha256=HEX`: download files with libcurl, resuming a broken transfer
 * with HTTP range requests (a bounded number of times), check each file's
 * SHA-256 (nettle, the library GnuTLS and so this libcurl use) against
 * the value written here, and rename it into place only then: a failed or
 * refused download leaves nothing half-written behind. Datasets go to the
 * cache that `load mnist` searches ($XDG_CACHE_HOME/nnsh/SET, else
 * ~/.cache/nnsh/SET); $NNSH_MIRROR replaces the servers with a local
 * mirror holding SET/FILE. A progress bar is drawn at a terminal, plain
 * lines otherwise. */
#include <curl/curl.h>
#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "handlers.h"

enum { FETCH_TRIES = 5 };

typedef struct fetch_file {
	const char *name;
	const char *sha256;     /* 64 hex digits */
} fetch_file;

/* The official files' SHA-256. MNIST's t10k pair was computed from
 * byte-identical copies of the published files (their MD5s are the
 * published ones); the train pair is the value that TensorFlow Datasets,
 * Keras and others list for the same files (their MD5s are the ones
 * torchvision checks). Fashion-MNIST's were computed from Debian's
 * dataset-fashion-mnist package, which ships Zalando's files as they are. */
static const struct fetch_set {
	const char *set, *url;
	fetch_file files[4];
} fetch_sets[] = {
	{ "mnist", "https://ossci-datasets.s3.amazonaws.com/mnist/", {
	  { "train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea37026"
	    "5605f56be210a4024d2ca8f203523609" },
	  { "train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cc"
	    "a23d567ec52cac8be1a0730e8010255c" },
	  { "t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e3"
	    "3eeafee792b84584aec276f5a2dbc4e6" },
	  { "t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd"
	    "2371eca3ffa0defaefb259924204aec6" } } },
	{ "fashion-mnist",
	  "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", {
	  { "train-images-idx3-ubyte.gz", "b0564c3eedabfbf835052cff8503ea42"
	    "2014ce006caf5b757f851416ee8300c7" },
	  { "train-labels-idx1-ubyte.gz", "0ae29f65d86684f32d1b9c85147786c5"
	    "47b9c6aebcaf235f0400a0cce308b056" },
	  { "t10k-images-idx3-ubyte.gz", "cc1d090a38ace84dfa1aa66e3ada7c33"
	    "6ef481a96936906477e6dd344da56eaa" },
	  { "t10k-labels-idx1-ubyte.gz", "8d3605d196f4be44669e46906da9733c"
	    "8131fef761fdbfec72c424d5222f1a05" } } },
};

/* One transfer, as the progress callback sees it. */
typedef struct xfer {
	sh_session *S;
	const char *name;
	int tty;                /* draw a bar */
	curl_off_t have;        /* bytes in the file before this attempt */
	double drawn;           /* when the bar was last drawn */
} xfer;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static void draw_bar(xfer *x, curl_off_t done, curl_off_t total)
{
	char bar[31];
	int fill = total > 0 ? (int)(30 * done / total) : 0;

	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (total > 0)
		fprintf(x->S->out, "\r  %-28s [%s] %3d%% %.1f of %.1f MB\033[K",
		        x->name, bar, (int)(100 * done / total), done / 1e6,
		        total / 1e6);
	else
		fprintf(x->S->out, "\r  %-28s %.1f MB\033[K", x->name,
		        done / 1e6);
	fflush(x->S->out);
}

/* libcurl's progress callback: draw (ten times a second at most) and
 * abort the transfer on Ctrl-C. */
static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
	xfer *x = p;
	double t;

	(void)ultotal;
	(void)ulnow;
	if (x->S->stop)
		return 1;
	if (x->tty && (t = now()) - x->drawn >= 0.1) {
		x->drawn = t;
		draw_bar(x, x->have + dlnow, dltotal ? x->have + dltotal : 0);
	}
	return 0;
}

/* The SHA-256 of a file in hex (65 bytes); -1 when it cannot be read. */
static int sha256_file(const char *path, char hex[65])
{
	struct sha256_ctx c;
	unsigned char buf[65536], d[SHA256_DIGEST_SIZE];
	FILE *f = fopen(path, "rb");
	size_t n;
	int bad;

	if (!f)
		return -1;
	sha256_init(&c);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&c, n, buf);
	bad = ferror(f);
	fclose(f);
	if (bad)
		return -1;
	sha256_digest(&c, sizeof d, d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return 0;
}

/* Errors worth another attempt: the connection broke or stalled after
 * bytes arrived, or the server had a passing failure (5xx). A server
 * that never answers is not asked again. */
static int transient(CURLcode rc, long http, curl_off_t got)
{
	switch (rc) {
	case CURLE_PARTIAL_FILE: case CURLE_RECV_ERROR: case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING: case CURLE_RANGE_ERROR:
		return 1;
	case CURLE_OPERATION_TIMEDOUT:
		return got > 0;
	case CURLE_HTTP_RETURNED_ERROR:
		return http >= 500;
	default:
		return 0;
	}
}

/* Transfer url into the open file f (appending to what it holds),
 * retrying and resuming. 0, or -1 after an error. */
static int transfer(sh_session *S, CURL *c, const char *url, FILE *f,
                    xfer *x)
{
	char cerr[CURL_ERROR_SIZE];

	for (int attempt = 1;; attempt++) {
		CURLcode rc;
		long http = 0;
		curl_off_t got = 0;

		fseeko(f, 0, SEEK_END);
		x->have = ftello(f);
		cerr[0] = '\0';
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
		curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, x->have);
		rc = curl_easy_perform(c);
		if (x->tty)
			fprintf(S->out, "\r\033[K");
		fflush(f);
		if (rc == CURLE_OK && !ferror(f))
			return 0;
		if (rc == CURLE_ABORTED_BY_CALLBACK && S->stop)
			return sh_err(S, "fetch: %s: interrupted; nothing kept",
			              x->name);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
		curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &got);
		if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)
			return sh_err(S, "fetch: %s: cannot write the file",
			              x->name);
		if (!transient(rc, http, got) || attempt == FETCH_TRIES)
			return sh_err(S, "fetch: %s: %s%s", url,
			              cerr[0] ? cerr : curl_easy_strerror(rc),
			              attempt > 1 ? " (after retries)" : "");
		if (rc == CURLE_RANGE_ERROR) {
			/* the server ignores ranges: start again */
			if (ftruncate(fileno(f), 0) != 0)
				return sh_err(S, "fetch: %s: %s", x->name,
				              strerror(errno));
		}
		fseeko(f, 0, SEEK_END);
		sh_printf(S, "  %s: %s at %lld bytes; %s (attempt %d of %d)\n",
		          x->name, cerr[0] ? cerr : curl_easy_strerror(rc),
		          (long long)ftello(f),
		          ftello(f) > 0 ? "resuming" : "retrying", attempt + 1,
		          FETCH_TRIES);
		sleep(1);
	}
}

/* Download url into dir/name through dir/.name.part and rename it there
 * once its SHA-256 is sha. A file already there with that checksum is
 * kept. 0, or -1 after an error (nothing new left behind). */
static int fetch_one(sh_session *S, CURL *c, const char *url,
                     const char *dir, const char *name, const char *sha)
{
	size_t len = strlen(dir) + strlen(name) + 8;
	char *path = malloc(len), *part = malloc(len), got[65];
	xfer x = { .S = S, .name = name, .tty = isatty(fileno(S->out)) };
	FILE *f = NULL;
	int rc = -1;

	if (!path || !part) {
		sh_err(S, "out of memory");
		goto out;
	}
	snprintf(path, len, "%s/%s", dir, name);
	snprintf(part, len, "%s/.%s.part", dir, name);
	if (sha256_file(path, got) == 0 && strcmp(got, sha) == 0) {
		sh_printf(S, "  %-28s already there, SHA-256 ok\n", name);
		rc = 0;
		goto out;
	}
	if (!(f = fopen(part, "w+b"))) {
		sh_err(S, "fetch: %s: %s", part, strerror(errno));
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
	if (transfer(S, c, url, f, &x) < 0)
		goto out;
	if (fsync(fileno(f)) != 0 || fclose(f) != 0) {
		f = NULL;
		sh_err(S, "fetch: %s: %s", part, strerror(errno));
		goto out;
	}
	f = NULL;
	if (sha256_file(part, got) < 0) {
		sh_err(S, "fetch: %s: %s", part, strerror(errno));
		goto out;
	}
	if (strcmp(got, sha) != 0) {
		sh_err(S, "fetch: %s: SHA-256 is %.16s..., expected %.16s...: "
		       "not the official file; nothing kept", name, got, sha);
		goto out;
	}
	if (rename(part, path) != 0) {
		sh_err(S, "fetch: %s: %s", path, strerror(errno));
		goto out;
	}
	struct stat st;
	if (stat(path, &st) == 0)
		sh_printf(S, "  %-28s %lld bytes, SHA-256 ok\n", name,
		          (long long)st.st_size);
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc < 0 && part)
		unlink(part);
	free(path);
	free(part);
	return rc;
}

/* mkdir -p dir. 0, or -1 after an error. */
static int make_dirs(sh_session *S, const char *dir)
{
	char *p = strdup(dir);

	if (!p)
		return sh_err(S, "out of memory");
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char keep = *s;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			sh_err(S, "fetch: cannot make %s: %s", p,
			       strerror(errno));
			free(p);
			return -1;
		}
		if (!(*s = keep))
			break;
	}
	free(p);
	return 0;
}

static CURL *new_curl(sh_session *S)
{
	CURL *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    !(c = curl_easy_init())) {
		sh_err(S, "fetch: cannot start libcurl");
		return NULL;
	}
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	/* a transfer slower than 100 bytes/s for 20 s has stalled */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 100L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 20L);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "nnsh/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	return c;
}

static void end_curl(CURL *c)
{
	curl_easy_cleanup(c);
	curl_global_cleanup();
}

/* fetch URL sha256=HEX [dir=DIR]: one file, into DIR (default .). */
static int fetch_url(sh_session *S, const char *url, const char *sha,
                     const char *dir)
{
	const char *name = strrchr(url, '/');
	char hex[65];
	CURL *c;
	int rc;

	if (!sha)
		return sh_err(S, "fetch %s: give the file's checksum, "
		              "sha256=HEX", url);
	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdefABCDEF") != 64)
		return sh_err(S, "fetch: sha256=%s: expected 64 hex digits",
		              sha);
	for (int i = 0; i < 65; i++)
		hex[i] = (char)(sha[i] >= 'A' && sha[i] <= 'F' ?
		                sha[i] - 'A' + 'a' : sha[i]);
	name = name ? name + 1 : "";
	if (!*name || strpbrk(name, "?#") || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return sh_err(S, "fetch: %s does not end in a file name", url);
	if (make_dirs(S, dir) < 0 || !(c = new_curl(S)))
		return -1;
	rc = fetch_one(S, c, url, dir, name, hex);
	end_curl(c);
	if (rc == 0)
		sh_printf(S, "fetched %s into %s\n", name, dir);
	return rc;
}

int cmd_fetch(sh_session *S, const sh_line *l)
{
	const char *what = sh_pos(l, 0)->text, *dir = sh_opt(l, "dir");
	const char *mirror = getenv("NNSH_MIRROR");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const struct fetch_set *fs = NULL;
	char cache[1024], url[2048];
	CURL *c;

	if (strstr(what, "://")) {
		if (sh_npos(l) > 1)
			return sh_err(S, "usage: fetch URL sha256=HEX "
			              "[dir=DIR]");
		return fetch_url(S, what, sh_opt(l, "sha256"), dir ? dir : ".");
	}
	for (size_t i = 0; i < sizeof fetch_sets / sizeof *fetch_sets; i++)
		if (strcmp(what, fetch_sets[i].set) == 0)
			fs = &fetch_sets[i];
	if (!fs)
		return sh_err(S, "fetch: unknown dataset '%s' (mnist "
		              "fashion-mnist, or a URL with sha256=)", what);
	if (sh_npos(l) > 1 || sh_opt(l, "sha256"))
		return sh_err(S, "usage: fetch %s [dir=DIR]", fs->set);
	if (!dir) {
		if (xdg && *xdg)
			snprintf(cache, sizeof cache, "%s/nnsh/%s", xdg,
			         fs->set);
		else if (home && *home)
			snprintf(cache, sizeof cache, "%s/.cache/nnsh/%s", home,
			         fs->set);
		else
			return sh_err(S, "fetch: neither XDG_CACHE_HOME nor "
			              "HOME is set: give dir=DIR");
		dir = cache;
	}
	if (make_dirs(S, dir) < 0 || !(c = new_curl(S)))
		return -1;
	sh_printf(S, "fetching %s into %s\n", fs->set, dir);
	for (int i = 0; i < 4; i++) {
		const fetch_file *ff = &fs->files[i];

		if (mirror && *mirror)
			snprintf(url, sizeof url, "%s%s%s/%s", mirror,
			         mirror[strlen(mirror) - 1] == '/' ? "" : "/",
			         fs->set, ff->name);
		else
			snprintf(url, sizeof url, "%s%s", fs->url, ff->name);
		if (fetch_one(S, c, url, dir, ff->name, ff->sha256) < 0) {
			end_curl(c);
			return -1;
		}
	}
	end_curl(c);
	sh_printf(S, "fetched %s: 'data d = load %s%s%s' reads it\n", fs->set,
	          fs->set, dir == cache ? "" : " path=",
	          dir == cache ? "" : dir);
	return 0;
}
