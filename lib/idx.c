/* idx.c - reader for IDX files (the MNIST format), plain or gzip: unsigned
 * byte images (magic 0x00000803: count x rows x cols; also 0x00000802 for
 * count x features and 0x00000804 for count x channels x rows x cols) and
 * labels (0x00000801). Every header field is checked against the data
 * that follows, and a plain file's length before anything is allocated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "nn.h"

#define IDX_UBYTE  0x08u
#define MAX_BYTES  ((size_t)1 << 34)   /* 16 GiB of pixels */
#define GZ_RATIO   1100u               /* deflate expands at most ~1032x */

typedef struct idx_file {
	gzFile f;
	const char *path;
	int gzip;               /* the data is gzip-compressed */
	size_t size;            /* bytes on disk */
} idx_file;

static int idx_open(idx_file *x, const char *path)
{
	FILE *raw = fopen(path, "rb");
	unsigned char magic[2] = { 0, 0 };
	size_t len = strlen(path);
	struct stat st;

	x->path = path;
	x->f = NULL;
	if (!raw)
		return nn_fail("%s: cannot open", path);
	if (fstat(fileno(raw), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(raw);
		return nn_fail("%s: not a regular file", path);
	}
	x->size = (size_t)st.st_size;
	x->gzip = fread(magic, 1, 2, raw) == 2 && magic[0] == 0x1f &&
	          magic[1] == 0x8b;
	fclose(raw);
	if (!x->gzip && len > 3 && strcmp(path + len - 3, ".gz") == 0)
		return nn_fail("%s: named .gz but not gzip data", path);
	if (!(x->f = gzopen(path, "rb")))
		return nn_fail("%s: cannot open", path);
	if (x->size > 1 << 20)          /* small files: zlib's 8 KiB */
		gzbuffer(x->f, 1 << 18);
	return 0;
}

/* Whether a file of this size can hold `bytes` bytes of data after a
 * header of hdr bytes: exactly for a plain file, within deflate's best
 * ratio for gzip. */
static int idx_fits(const idx_file *x, size_t hdr, size_t bytes,
                    const char *what)
{
	if (!x->gzip && x->size != hdr + bytes)
		return nn_fail("%s: the header announces %s (%zu bytes after "
		               "the header) but the file has %zu", x->path,
		               what, bytes, x->size > hdr ? x->size - hdr : 0);
	if (x->gzip && bytes / GZ_RATIO > x->size)
		return nn_fail("%s: truncated: the header announces %s but "
		               "the file is only %zu bytes", x->path, what,
		               x->size);
	return 0;
}

/* Read exactly n bytes; what says what is being read, for the message. */
static int idx_read(idx_file *x, void *buf, size_t n, const char *what)
{
	uint8_t *p = buf;

	while (n > 0) {
		unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned)n;
		int got = gzread(x->f, p, chunk);
		int err;

		if (got < 0)
			return nn_fail("%s: corrupt gzip data (%s)", x->path,
			               gzerror(x->f, &err));
		if (got == 0)
			return nn_fail("%s: truncated: the file ends inside "
			               "the %s", x->path, what);
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static int idx_u32(idx_file *x, uint32_t *v, const char *what)
{
	uint8_t b[4];

	if (idx_read(x, b, 4, what) < 0)
		return -1;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	     (uint32_t)b[2] << 8 | b[3];
	return 0;
}

static int idx_end(idx_file *x)
{
	char c;
	int got = gzread(x->f, &c, 1);

	if (got > 0)
		return nn_fail("%s: more data than the header announces",
		               x->path);
	if (got < 0) {
		int err;

		return nn_fail("%s: corrupt gzip data (%s)", x->path,
		               gzerror(x->f, &err));
	}
	return 0;
}

/* Read the magic number: unsigned bytes, with ndim in [lo, hi]. */
static int read_magic(idx_file *x, int lo, int hi, const char *kind,
                      int *ndim)
{
	uint32_t magic;

	if (idx_u32(x, &magic, "header") < 0)
		return -1;
	*ndim = (int)(magic & 0xff);
	if ((magic >> 8) != IDX_UBYTE || *ndim < lo || *ndim > hi)
		return nn_fail("%s: not an IDX %s file (magic number 0x%08x, "
		               "expected 0x%08x)", x->path, kind, magic,
		               IDX_UBYTE << 8 | (hi == 1 ? 1u : 3u));
	return 0;
}

static int read_images(nn_dataset *d, const char *path)
{
	idx_file x;
	uint32_t n, dim[3];
	int nd, rc = -1;
	size_t size = 1;
	char what[96];

	if (idx_open(&x, path) < 0)
		return -1;
	if (read_magic(&x, 2, 4, "image", &nd) < 0 ||
	    idx_u32(&x, &n, "header") < 0)
		goto out;
	for (int i = 0; i < nd - 1; i++) {
		if (idx_u32(&x, &dim[i], "header") < 0)
			goto out;
		if (dim[i] == 0 || dim[i] > 65535) {
			nn_fail("%s: implausible header: dimension %d is %u",
			        path, i + 2, dim[i]);
			goto out;
		}
		size *= dim[i];
	}
	if (n == 0 || size > MAX_BYTES / n) {
		nn_fail("%s: implausible header: %u images of %zu bytes",
		        path, n, size);
		goto out;
	}
	snprintf(what, sizeof what, "%u images of %zu bytes", n, size);
	if (idx_fits(&x, 4 + 4 * (size_t)nd, (size_t)n * size, what) < 0)
		goto out;
	d->n = n;
	d->xshape.ndim = nd == 2 ? 1 : 3;
	d->xshape.dim[0] = nd == 4 ? (int)dim[0] : nd == 3 ? 1 : (int)dim[0];
	d->xshape.dim[1] = nd == 4 ? (int)dim[1] : (int)dim[0];
	d->xshape.dim[2] = nd == 4 ? (int)dim[2] : (int)dim[1];
	d->xsize = size;
	d->xscale = 1.0f / 255.0f;
	if (!(d->xbytes = malloc(d->n * d->xsize))) {
		nn_fail("%s: out of memory for %u images", path, n);
		goto out;
	}
	if (idx_read(&x, d->xbytes, d->n * d->xsize, "pixels") < 0 ||
	    idx_end(&x) < 0)
		goto out;
	rc = 0;
out:
	if (x.f)
		gzclose(x.f);
	return rc;
}

static int read_labels(nn_dataset *d, const char *path)
{
	idx_file x;
	uint32_t n;
	uint8_t *raw = NULL;
	int rc = -1, max = 0, nd;
	char what[32];

	if (idx_open(&x, path) < 0)
		return -1;
	if (read_magic(&x, 1, 1, "label", &nd) < 0 ||
	    idx_u32(&x, &n, "header") < 0)
		goto out;
	if (n != d->n) {
		nn_fail("%s: %u labels for %zu images", path, n, d->n);
		goto out;
	}
	snprintf(what, sizeof what, "%u labels", n);
	if (idx_fits(&x, 8, n, what) < 0)
		goto out;
	raw = malloc(n);
	d->labels = malloc(n * sizeof *d->labels);
	if (!raw || !d->labels) {
		nn_fail("%s: out of memory", path);
		goto out;
	}
	if (idx_read(&x, raw, n, "labels") < 0 || idx_end(&x) < 0)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		d->labels[i] = raw[i];
		if (raw[i] > max)
			max = raw[i];
	}
	d->nclasses = max < 9 ? 10 : max + 1;
	d->ysize = (size_t)d->nclasses;
	rc = 0;
out:
	free(raw);
	if (x.f)
		gzclose(x.f);
	return rc;
}

nn_dataset *nn_load_idx(const char *images_path, const char *labels_path)
{
	nn_dataset *d = nn_dataset_new();

	if (!d)
		return NULL;
	if (read_images(d, images_path) < 0 ||
	    read_labels(d, labels_path) < 0) {
		nn_dataset_free(d);
		return NULL;
	}
	return d;
}
