/* idx.c - reader for IDX files (the MNIST format), plain or gzip: unsigned
 * byte images (magic 0x00000803) and labels (0x00000801). Every header
 * field is checked against the data that follows. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "nn.h"

#define IDX_IMAGES 0x00000803u
#define IDX_LABELS 0x00000801u
#define MAX_ITEMS  100000000u

typedef struct idx_file {
	gzFile f;
	const char *path;
} idx_file;

static int idx_open(idx_file *x, const char *path)
{
	size_t len = strlen(path);

	x->path = path;
	x->f = gzopen(path, "rb");
	if (!x->f)
		return nn_fail("%s: cannot open", path);
	if (len > 3 && strcmp(path + len - 3, ".gz") == 0 &&
	    gzdirect(x->f)) {
		/* gzdirect is only known after a first read */
		char c;

		if (gzread(x->f, &c, 1) == 1 && gzdirect(x->f)) {
			gzclose(x->f);
			return nn_fail("%s: named .gz but not gzip data",
			               path);
		}
		gzrewind(x->f);
	}
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
		const char *msg;

		if (got < 0) {
			msg = gzerror(x->f, &err);
			return nn_fail("%s: corrupt gzip data (%s)", x->path,
			               msg);
		}
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

static int read_magic(idx_file *x, uint32_t want, const char *kind)
{
	uint32_t magic;

	if (idx_u32(x, &magic, "header") < 0)
		return -1;
	if (magic != want)
		return nn_fail("%s: not an IDX %s file (magic number 0x%08x, "
		               "expected 0x%08x)", x->path, kind, magic, want);
	return 0;
}

static int read_images(nn_dataset *d, const char *path)
{
	idx_file x;
	uint32_t n, rows, cols;
	int rc = -1;

	if (idx_open(&x, path) < 0)
		return -1;
	if (read_magic(&x, IDX_IMAGES, "image") < 0 ||
	    idx_u32(&x, &n, "header") < 0 || idx_u32(&x, &rows, "header") < 0 ||
	    idx_u32(&x, &cols, "header") < 0)
		goto out;
	if (n == 0 || n > MAX_ITEMS || rows == 0 || cols == 0 ||
	    rows > 4096 || cols > 4096) {
		nn_fail("%s: implausible header: %u images of %ux%u", path,
		        n, rows, cols);
		goto out;
	}
	d->n = n;
	d->xshape = (nn_shape){ 3, { 1, (int)rows, (int)cols, 0 } };
	d->xsize = (size_t)rows * cols;
	d->xscale = 1.0f / 255.0f;
	d->xbytes = malloc(d->n * d->xsize);
	if (!d->xbytes) {
		nn_fail("%s: out of memory for %u images", path, n);
		goto out;
	}
	if (idx_read(&x, d->xbytes, d->n * d->xsize, "pixels") < 0 ||
	    idx_end(&x) < 0)
		goto out;
	rc = 0;
out:
	gzclose(x.f);
	return rc;
}

static int read_labels(nn_dataset *d, const char *path)
{
	idx_file x;
	uint32_t n;
	uint8_t *raw = NULL;
	int rc = -1, max = 0;

	if (idx_open(&x, path) < 0)
		return -1;
	if (read_magic(&x, IDX_LABELS, "label") < 0 ||
	    idx_u32(&x, &n, "header") < 0)
		goto out;
	if (n != d->n) {
		nn_fail("%s: %u labels for %zu images", path, n, d->n);
		goto out;
	}
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
