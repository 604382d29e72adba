/* test_data.c - datasets: every built-in generator (counts, ranges, class
 * balance, determinism), the IDX reader on the official MNIST test set and
 * on broken files written here, the CSV reader, and the transforms. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "nn.h"
#include "suite.h"

#ifndef NNSH_BUNDLED_DIR
#define NNSH_BUNDLED_DIR "../../data"
#endif

static char tmpdir[256];

/* A path inside the test's temporary directory. */
static const char *tmp(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void write_gz(const char *path, const void *data, size_t n)
{
	gzFile f = gzopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(gzwrite(f, data, (unsigned)n), (int)n);
	gzclose(f);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An IDX image file of n images of r x c (pixel i = i % 256) in buf;
 * returns its length. */
static size_t idx_images(uint8_t *buf, uint32_t magic, uint32_t n,
                         uint32_t r, uint32_t c)
{
	put_u32(buf, magic);
	put_u32(buf + 4, n);
	put_u32(buf + 8, r);
	put_u32(buf + 12, c);
	for (size_t i = 0; i < (size_t)n * r * c; i++)
		buf[16 + i] = (uint8_t)i;
	return 16 + (size_t)n * r * c;
}

static size_t idx_labels(uint8_t *buf, uint32_t n)
{
	put_u32(buf, 0x801);
	put_u32(buf + 4, n);
	for (uint32_t i = 0; i < n; i++)
		buf[8 + i] = (uint8_t)(i % 3);
	return 8 + n;
}

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/nnsh-test-data-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- generators -------------------------------------------------------- */

static nn_dataset *make(nn_gen_kind k, const nn_gen_opts *o, uint64_t seed)
{
	nn_rng r;
	nn_dataset *d;

	nn_rng_seed(&r, seed);
	d = nn_make(k, o, &r);
	ck_assert_msg(d != NULL, "%s: %s", nn_gen_kinds[k].name, nn_error());
	ck_assert_msg(nn_dataset_check(d) == 0, "%s: %s",
	              nn_gen_kinds[k].name, nn_error());
	return d;
}

static size_t count_label(const nn_dataset *d, int c)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += nn_dataset_label(d, i) == c;
	return n;
}

static int same(const nn_dataset *a, const nn_dataset *b)
{
	if (a->n != b->n || a->xsize != b->xsize ||
	    memcmp(a->x, b->x, a->n * a->xsize * sizeof *a->x) != 0)
		return 0;
	if (a->labels)
		return memcmp(a->labels, b->labels,
		              a->n * sizeof *a->labels) == 0;
	return memcmp(a->y, b->y, a->n * a->ysize * sizeof *a->y) == 0;
}

START_TEST(gen_every_kind_defaults)
{
	/* default count, inputs, classes (0: regression) and targets */
	static const struct { size_t n, xs; int classes; size_t ys; }
	want[NN_GEN_COUNT] = {
		[NN_GEN_XOR] = { 4, 2, 2, 1 },
		[NN_GEN_MOONS] = { 200, 2, 2, 1 },
		[NN_GEN_CIRCLES] = { 200, 2, 2, 1 },
		[NN_GEN_BLOBS] = { 300, 2, 3, 3 },
		[NN_GEN_SPIRAL] = { 300, 2, 3, 3 },
		[NN_GEN_GAUSSIAN] = { 200, 2, 2, 1 },
		[NN_GEN_SYMMETRY] = { 64, 6, 2, 1 },
		[NN_GEN_DESCENDING] = { 300, 5, 2, 1 },
		[NN_GEN_PARITY] = { 16, 4, 2, 1 },
		[NN_GEN_ENCODER] = { 8, 8, 8, 8 },
		[NN_GEN_BOX] = { 200, 1, 0, 1 },
		[NN_GEN_SINE] = { 200, 1, 0, 1 },
		[NN_GEN_POLY] = { 200, 1, 0, 1 },
		[NN_GEN_GAUSSIANS] = { 800, 2, 8, 8 },
		[NN_GEN_RINGS] = { 600, 2, 3, 3 },
	};

	for (int k = 0; k < NN_GEN_COUNT; k++) {
		nn_gen_opts o;
		nn_dataset *a, *b, *c;

		ck_assert_int_eq(nn_gen_parse(nn_gen_kinds[k].name), k);
		nn_gen_defaults((nn_gen_kind)k, &o);
		a = make((nn_gen_kind)k, &o, 5);
		b = make((nn_gen_kind)k, &o, 5);
		ck_assert_msg(a->n == want[k].n && a->xsize == want[k].xs &&
		              a->nclasses == want[k].classes &&
		              a->ysize == want[k].ys,
		              "%s: n %zu xsize %zu classes %d ysize %zu",
		              nn_gen_kinds[k].name, a->n, a->xsize,
		              a->nclasses, a->ysize);
		ck_assert_msg(same(a, b), "%s: not deterministic",
		              nn_gen_kinds[k].name);
		for (size_t i = 0; i < a->n * a->xsize; i++)
			ck_assert(isfinite(a->x[i]));
		/* a larger count keeps the kind's shape */
		o.n = 37;
		c = make((nn_gen_kind)k, &o, 6);
		ck_assert_uint_eq(c->n, 37);
		nn_dataset_free(a);
		nn_dataset_free(b);
		nn_dataset_free(c);
	}
	ck_assert_int_eq(nn_gen_parse("polynomial"), NN_GEN_POLY);
	ck_assert_int_eq(nn_gen_parse("nope"), -1);
}
END_TEST

/* gaussians: every sample within 5 std of its mode, at angle 2 pi c / k
 * on the circle; rings: every sample's radius within 5 std of its ring's
 * (ring c at radius (c + 1) / k), and the angles spread all round. */
START_TEST(gen_mixtures)
{
	nn_gen_opts o;
	nn_dataset *d;
	int quadrant[4] = { 0 };

	nn_gen_defaults(NN_GEN_GAUSSIANS, &o);
	o.classes = 5;
	o.radius = 3;
	o.noise = 0.1;
	d = make(NN_GEN_GAUSSIANS, &o, 7);
	for (size_t i = 0; i < d->n; i++) {
		int c = d->labels[i];
		double t = 2 * M_PI * c / 5;

		ck_assert_msg(hypot(d->x[2 * i] - 3 * cos(t),
		                    d->x[2 * i + 1] - 3 * sin(t)) < 0.5,
		              "sample %zu is far from mode %d", i, c);
	}
	for (int c = 0; c < 5; c++)
		ck_assert_uint_eq(count_label(d, c), 160);
	nn_dataset_free(d);
	nn_gen_defaults(NN_GEN_RINGS, &o);
	o.noise = 0.01;
	d = make(NN_GEN_RINGS, &o, 8);
	for (size_t i = 0; i < d->n; i++) {
		double r = hypot(d->x[2 * i], d->x[2 * i + 1]);
		double want = (d->labels[i] + 1) / 3.0;

		ck_assert_msg(fabs(r - want) < 0.05 * 1.5, "sample %zu: radius "
		              "%g, its ring's %g", i, r, want);
		quadrant[(d->x[2 * i] > 0) + 2 * (d->x[2 * i + 1] > 0)]++;
	}
	for (int q = 0; q < 4; q++)
		ck_assert_int_gt(quadrant[q], 100);
	nn_dataset_free(d);
	o.radius = 0;
	ck_assert_ptr_null(nn_make(NN_GEN_RINGS, &o, &(nn_rng){ { 1 } }));
	ck_assert_ptr_nonnull(strstr(nn_error(), "radius above 0"));
}
END_TEST

START_TEST(gen_seeds_differ)
{
	nn_gen_opts o;
	nn_dataset *a, *b;

	nn_gen_defaults(NN_GEN_MOONS, &o);
	a = make(NN_GEN_MOONS, &o, 1);
	b = make(NN_GEN_MOONS, &o, 2);
	ck_assert(!same(a, b));
	nn_dataset_free(a);
	nn_dataset_free(b);
}
END_TEST

START_TEST(gen_balance)
{
	/* dealt classes differ by at most one, for odd counts too */
	static const nn_gen_kind dealt[] = {
		NN_GEN_MOONS, NN_GEN_CIRCLES, NN_GEN_BLOBS, NN_GEN_SPIRAL,
		NN_GEN_GAUSSIAN,
	};

	for (size_t j = 0; j < sizeof dealt / sizeof *dealt; j++) {
		nn_gen_opts o;
		nn_dataset *d;
		size_t lo = (size_t)-1, hi = 0;

		nn_gen_defaults(dealt[j], &o);
		o.n = 301;
		d = make(dealt[j], &o, 3);
		for (int c = 0; c < d->nclasses; c++) {
			size_t m = count_label(d, c);

			lo = m < lo ? m : lo;
			hi = m > hi ? m : hi;
		}
		ck_assert_msg(hi - lo <= 1, "%s: classes %zu..%zu",
		              nn_gen_kinds[dealt[j]].name, lo, hi);
		nn_dataset_free(d);
	}
}
END_TEST

START_TEST(gen_xor_moons_circles_ranges)
{
	nn_gen_opts o;
	nn_dataset *d;
	static const float table[4][3] = {
		{ 0, 0, 0 }, { 0, 1, 1 }, { 1, 0, 1 }, { 1, 1, 0 },
	};

	nn_gen_defaults(NN_GEN_XOR, &o);
	d = make(NN_GEN_XOR, &o, 1);
	for (int i = 0; i < 4; i++) {
		ck_assert(d->x[2 * i] == table[i][0]);
		ck_assert(d->x[2 * i + 1] == table[i][1]);
		ck_assert_int_eq(d->labels[i], (int)table[i][2]);
	}
	nn_dataset_free(d);

	nn_gen_defaults(NN_GEN_MOONS, &o);
	o.noise = 0;
	d = make(NN_GEN_MOONS, &o, 1);
	for (size_t i = 0; i < d->n; i++) {
		float x = d->x[2 * i], y = d->x[2 * i + 1];

		ck_assert(x >= -1.0001f && x <= 2.0001f);
		ck_assert(y >= -0.5001f && y <= 1.0001f);
		/* upper moon: y >= 0; lower moon: y <= 0.5 */
		ck_assert(d->labels[i] ? y <= 0.5001f : y >= -0.0001f);
	}
	nn_dataset_free(d);

	nn_gen_defaults(NN_GEN_CIRCLES, &o);
	o.noise = 0;
	d = make(NN_GEN_CIRCLES, &o, 1);
	for (size_t i = 0; i < d->n; i++) {
		double r = hypot(d->x[2 * i], d->x[2 * i + 1]);

		ck_assert_double_eq_tol(r, d->labels[i] ? 0.5 : 1.0, 1e-5);
	}
	nn_dataset_free(d);
	o.factor = 1.5;
	ck_assert_ptr_null(nn_make(NN_GEN_CIRCLES, &o, &(nn_rng){ { 1 } }));
	ck_assert_ptr_nonnull(strstr(nn_error(), "factor"));
}
END_TEST

START_TEST(gen_blobs_spiral_gaussian)
{
	nn_gen_opts o;
	nn_dataset *d;
	static const float centers[] = { 0, 0, 10, 10 };
	double mean[2][2] = { { 0 } };

	nn_gen_defaults(NN_GEN_BLOBS, &o);
	o.centers = centers;
	o.ncenters = 2;
	o.std = 0.5;
	o.n = 400;
	d = make(NN_GEN_BLOBS, &o, 1);
	ck_assert_int_eq(d->nclasses, 2);
	for (size_t i = 0; i < d->n; i++)
		for (int j = 0; j < 2; j++)
			mean[d->labels[i]][j] += d->x[2 * i + j] / 200.0;
	ck_assert_double_eq_tol(mean[0][0], 0, 0.15);
	ck_assert_double_eq_tol(mean[1][1], 10, 0.15);
	nn_dataset_free(d);

	nn_gen_defaults(NN_GEN_SPIRAL, &o);
	o.noise = 0;
	o.classes = 4;
	d = make(NN_GEN_SPIRAL, &o, 1);
	ck_assert_int_eq(d->nclasses, 4);
	for (size_t i = 0; i < d->n; i++) {
		double r = hypot(d->x[2 * i], d->x[2 * i + 1]);

		ck_assert(r >= 0.0999 && r <= 1.0001);
	}
	nn_dataset_free(d);
	o.classes = 1;
	ck_assert_ptr_null(nn_make(NN_GEN_SPIRAL, &o, &(nn_rng){ { 1 } }));

	nn_gen_defaults(NN_GEN_GAUSSIAN, &o);
	o.dim = 7;
	o.sep = 3;
	o.n = 2000;
	d = make(NN_GEN_GAUSSIAN, &o, 1);
	ck_assert_uint_eq(d->xsize, 7);
	memset(mean, 0, sizeof mean);
	for (size_t i = 0; i < d->n; i++)
		mean[d->labels[i]][0] += d->x[7 * i] / 1000.0;
	ck_assert_double_eq_tol(mean[0][0], 3, 0.15);
	ck_assert_double_eq_tol(mean[1][0], -3, 0.15);
	nn_dataset_free(d);
}
END_TEST

START_TEST(gen_bit_sets)
{
	nn_gen_opts o;
	nn_dataset *d;

	nn_gen_defaults(NN_GEN_SYMMETRY, &o);
	d = make(NN_GEN_SYMMETRY, &o, 1);
	ck_assert_uint_eq(count_label(d, 1), 8);      /* 2^3 of 2^6 */
	for (size_t i = 0; i < d->n; i++) {
		const float *x = d->x + 6 * i;
		int sym = x[0] == x[5] && x[1] == x[4] && x[2] == x[3];

		ck_assert_int_eq(d->labels[i], sym);
	}
	nn_dataset_free(d);
	o.n = 1000;
	o.balanced = 1;
	d = make(NN_GEN_SYMMETRY, &o, 1);
	ck_assert(count_label(d, 1) >= 500 && count_label(d, 1) < 600);
	nn_dataset_free(d);
	o.n = 0;
	o.bits = 30;
	ck_assert_ptr_null(nn_make(NN_GEN_SYMMETRY, &o, &(nn_rng){ { 1 } }));

	nn_gen_defaults(NN_GEN_PARITY, &o);
	d = make(NN_GEN_PARITY, &o, 1);
	ck_assert_uint_eq(count_label(d, 1), 8);
	for (size_t i = 0; i < d->n; i++) {
		float s = 0;

		for (int j = 0; j < 4; j++)
			s += d->x[4 * i + (size_t)j];
		ck_assert_int_eq(d->labels[i], (int)s % 2);
	}
	nn_dataset_free(d);

	nn_gen_defaults(NN_GEN_ENCODER, &o);
	d = make(NN_GEN_ENCODER, &o, 1);
	for (size_t i = 0; i < 8; i++)
		for (size_t j = 0; j < 8; j++)
			ck_assert(d->x[8 * i + j] == (i == j));
	nn_dataset_free(d);
}
END_TEST

START_TEST(gen_descending_with_ties)
{
	nn_gen_opts o;
	nn_dataset *d;
	size_t ties = 0;

	nn_gen_defaults(NN_GEN_DESCENDING, &o);
	d = make(NN_GEN_DESCENDING, &o, 1);
	ck_assert(count_label(d, 1) >= 100 && count_label(d, 1) <= 110);
	for (size_t i = 0; i < d->n; i++) {
		const float *x = d->x + 5 * i;
		int dec = 1, tie = 0;

		for (int j = 0; j < 5; j++) {
			ck_assert(x[j] >= 0 && x[j] <= 9 && x[j] == floorf(x[j]));
			if (j > 0) {
				dec &= x[j] < x[j - 1];
				tie |= x[j] == x[j - 1];
			}
		}
		ck_assert_int_eq(d->labels[i], dec);
		ties += tie;
	}
	ck_assert_uint_ge(ties, 100);      /* a third are ties on purpose */
	nn_dataset_free(d);
	o.hi = 2;
	ck_assert_ptr_null(nn_make(NN_GEN_DESCENDING, &o, &(nn_rng){ { 1 } }));
}
END_TEST

START_TEST(gen_functions)
{
	nn_gen_opts o;
	nn_dataset *d;
	static const float coef[] = { 1, -2, 3 };

	nn_gen_defaults(NN_GEN_BOX, &o);
	o.h = 2;
	o.delta = 1;
	d = make(NN_GEN_BOX, &o, 1);
	for (size_t i = 0; i < d->n; i++) {
		ck_assert(d->x[i] >= -2 && d->x[i] <= 2);
		ck_assert(d->y[i] == (fabsf(d->x[i]) <= 0.5f ? 2 : 0));
	}
	nn_dataset_free(d);

	nn_gen_defaults(NN_GEN_SINE, &o);
	d = make(NN_GEN_SINE, &o, 1);
	for (size_t i = 0; i < d->n; i++)
		ck_assert_double_eq_tol(d->y[i], sin(d->x[i]), 1e-5);
	nn_dataset_free(d);

	nn_gen_defaults(NN_GEN_POLY, &o);
	o.coef = coef;
	o.ncoef = 3;
	o.n = 5;
	d = make(NN_GEN_POLY, &o, 1);
	for (size_t i = 0; i < d->n; i++) {
		float x = d->x[i];

		ck_assert_double_eq_tol(d->y[i], 1 - 2 * x + 3 * x * x, 1e-5);
	}
	nn_dataset_free(d);
	o.lo = 1;
	o.hi = 0;
	ck_assert_ptr_null(nn_make(NN_GEN_POLY, &o, &(nn_rng){ { 1 } }));
}
END_TEST

/* ---- IDX --------------------------------------------------------------- */

/* MNIST's official test set when it is found (official_mnist_dir), else
 * the bundled digits (data/train10k-*): counts per class, shape, range. */
START_TEST(idx_mnist_files)
{
	static const size_t official[10] = {
		980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
	};
	static const size_t bundled[10] = {
		1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978,
	};
	const char *dir = official_mnist_dir();
	const char *set = dir ? "t10k" : "train10k";
	const size_t *counts = dir ? official : bundled;
	char im[4200], lb[4200];
	nn_dataset *d;
	nn_data_stats st;

	if (!dir)
		dir = NNSH_BUNDLED_DIR;
	printf("idx_mnist_files: reading %s/%s-*\n", dir, set);
	fflush(stdout);
	snprintf(im, sizeof im, "%s/%s-images-idx3-ubyte.gz", dir, set);
	snprintf(lb, sizeof lb, "%s/%s-labels-idx1-ubyte.gz", dir, set);
	d = nn_load_idx(im, lb);
	ck_assert_msg(d != NULL, "%s", nn_error());
	ck_assert_uint_eq(d->n, 10000);
	ck_assert_uint_eq(d->xsize, 784);
	ck_assert_int_eq(d->xshape.ndim, 3);
	ck_assert_int_eq(d->xshape.dim[1], 28);
	ck_assert_ptr_nonnull(d->xbytes);
	ck_assert_ptr_null(d->x);
	ck_assert_int_eq(nn_dataset_stats(d, &st), 0);
	for (int c = 0; c < 10; c++)
		ck_assert_uint_eq(st.counts[c], counts[c]);
	ck_assert_double_eq_tol(st.xmax, 1.0, 1e-6);
	ck_assert_double_eq_tol(st.xmean, counts == official ? 0.1325 : 0.1311,
	                        1e-3);
	free(st.counts);
	nn_dataset_free(d);
}
END_TEST

START_TEST(idx_small_files_any_size)
{
	static uint8_t im[16 + 3 * 5 * 4], lb[8 + 3];
	nn_dataset *d;

	write_file(tmp("im"), im, idx_images(im, 0x803, 3, 5, 4));
	write_file(tmp("lb"), lb, idx_labels(lb, 3));
	d = nn_load_idx(tmp("im"), tmp("lb"));
	ck_assert_msg(d != NULL, "%s", nn_error());
	ck_assert_uint_eq(d->n, 3);
	ck_assert_int_eq(d->xshape.dim[1], 5);
	ck_assert_int_eq(d->xshape.dim[2], 4);
	ck_assert_int_eq(d->xbytes[59], 59);
	ck_assert_int_eq(d->labels[2], 2);
	nn_dataset_free(d);
	/* the same, gzip-compressed */
	write_gz(tmp("im.gz"), im, sizeof im);
	write_gz(tmp("lb.gz"), lb, sizeof lb);
	d = nn_load_idx(tmp("im.gz"), tmp("lb.gz"));
	ck_assert_msg(d != NULL, "%s", nn_error());
	ck_assert_int_eq(d->xbytes[59], 59);
	nn_dataset_free(d);
}
END_TEST

/* Loading must fail with a message containing want. */
static void idx_fails(const char *im, const char *lb, const char *want)
{
	nn_dataset *d = nn_load_idx(im, lb);

	ck_assert_msg(d == NULL, "loaded %s and %s", im, lb);
	ck_assert_msg(strstr(nn_error(), want) != NULL, "'%s' lacks '%s'",
	              nn_error(), want);
}

START_TEST(idx_bad_files)
{
	static uint8_t im[16 + 10 * 28 * 28 + 1], lb[8 + 10];
	size_t n = idx_images(im, 0x803, 10, 28, 28);
	static uint8_t gz[20000];

	write_file(tmp("lb"), lb, idx_labels(lb, 10));
	/* truncated, plain: the length is checked against the header */
	write_file(tmp("cut"), im, n - 100);
	idx_fails(tmp("cut"), tmp("lb"), "the file has");
	write_file(tmp("hdr"), im, 10);
	idx_fails(tmp("hdr"), tmp("lb"), "truncated");
	/* longer than the header says */
	write_file(tmp("long"), im, n + 1);
	idx_fails(tmp("long"), tmp("lb"), "the file has");
	/* truncated gzip */
	write_gz(tmp("ok.gz"), im, n);
	{
		FILE *f = fopen(tmp("ok.gz"), "rb");
		size_t got = fread(gz, 1, sizeof gz, f);

		fclose(f);
		write_file(tmp("cut.gz"), gz, got / 2);
	}
	idx_fails(tmp("cut.gz"), tmp("lb"), "cut.gz");
	/* a gzip stream announcing far more than it can hold */
	put_u32(im + 4, 1000000);
	write_gz(tmp("huge.gz"), im, n);
	idx_fails(tmp("huge.gz"), tmp("lb"), "truncated");
	put_u32(im + 4, 10);
	/* wrong magic: labels given as images, images as labels */
	write_file(tmp("im"), im, n);
	idx_fails(tmp("lb"), tmp("lb"), "not an IDX image file");
	idx_fails(tmp("im"), tmp("im"), "not an IDX label file");
	put_u32(im, 0x0c03);
	write_file(tmp("float"), im, n);
	idx_fails(tmp("float"), tmp("lb"), "magic number 0x00000c03");
	put_u32(im, 0x803);
	/* counts that do not match each other */
	write_file(tmp("lb9"), lb, idx_labels(lb, 9));
	idx_fails(tmp("im"), tmp("lb9"), "9 labels for 10 images");
	/* implausible header */
	put_u32(im + 8, 0);
	write_file(tmp("zero"), im, n);
	idx_fails(tmp("zero"), tmp("lb"), "implausible");
	put_u32(im + 8, 28);
	/* a .gz that is not gzip, a missing file, a directory */
	write_file(tmp("fake.gz"), im, n);
	idx_fails(tmp("fake.gz"), tmp("lb"), "not gzip");
	idx_fails(tmp("absent"), tmp("lb"), "cannot open");
	idx_fails(tmpdir, tmp("lb"), "not a regular file");
	/* gzip with garbage inside */
	memcpy(gz + 20, "garbage garbage garbage", 23);
	write_file(tmp("bad.gz"), gz, 200);
	idx_fails(tmp("bad.gz"), tmp("lb"), "bad.gz");
}
END_TEST

/* ---- CSV --------------------------------------------------------------- */

static nn_dataset *csv(const char *text, const nn_csv_opts *o)
{
	write_file(tmp("t.csv"), text, strlen(text));
	return nn_load_csv(tmp("t.csv"), o);
}

static void csv_fails(const char *text, const nn_csv_opts *o,
                      const char *want)
{
	nn_dataset *d = csv(text, o);

	ck_assert_msg(d == NULL, "loaded:\n%s", text);
	ck_assert_msg(strstr(nn_error(), want) != NULL, "'%s' lacks '%s'",
	              nn_error(), want);
}

START_TEST(csv_header_quotes_words)
{
	nn_csv_opts o = { .header = -1 };
	nn_dataset *d;

	d = csv("# flowers\n"
	        "\"sepal length\",width,species\r\n"
	        "5.1, 3.5 ,\"setosa\"\r\n"
	        "\n"
	        "7.0,3.2,\"versi, color\"\n"
	        "6.3,3.3,virginica\n"
	        "4.9,\"3.0\",setosa\n", &o);
	ck_assert_msg(d != NULL, "%s", nn_error());
	ck_assert_uint_eq(d->n, 4);
	ck_assert_uint_eq(d->xsize, 2);
	ck_assert_int_eq(d->nclasses, 3);
	ck_assert_uint_eq(d->ysize, 3);
	ck_assert_str_eq(d->class_names[0], "setosa");
	ck_assert_str_eq(d->class_names[1], "versi, color");
	ck_assert_int_eq(d->labels[1], 1);
	ck_assert_int_eq(d->labels[3], 0);
	ck_assert(d->x[1] == 3.5f && d->x[7] == 3.0f);
	nn_dataset_free(d);

	/* label by name and by number, quotes with "" inside */
	o.label = "a";
	d = csv("a,\"b \"\"x\"\"\",c\n1,2,3\n0,5,6\n", &o);
	ck_assert_msg(d != NULL, "%s", nn_error());
	ck_assert_int_eq(d->nclasses, 2);
	ck_assert_uint_eq(d->ysize, 1);
	ck_assert(d->x[0] == 2 && d->x[1] == 3);
	nn_dataset_free(d);
	o.label = "1";
	o.header = 0;
	d = csv("2,0.5\n0,1.5\n", &o);
	ck_assert_msg(d != NULL, "%s", nn_error());
	ck_assert_int_eq(d->nclasses, 3);
	ck_assert(d->x[1] == 1.5f);
	nn_dataset_free(d);
}
END_TEST

START_TEST(csv_targets_and_separators)
{
	nn_csv_opts o = { .header = -1, .targets = "y1,3" };
	nn_dataset *d = csv("x;y1;y2\n1;2;3\n4;5;6\n",
	                    &(nn_csv_opts){ .header = -1, .sep = ';',
	                                    .targets = "y1,3" });

	ck_assert_msg(d != NULL, "%s", nn_error());
	ck_assert_int_eq(d->nclasses, 0);
	ck_assert_uint_eq(d->ysize, 2);
	ck_assert(d->x[1] == 4 && d->y[2] == 5 && d->y[3] == 6);
	ck_assert_ptr_null(d->labels);
	nn_dataset_free(d);
	/* no header: guessed from numbers; the last column is the label */
	o.targets = NULL;
	d = csv("0.5\t1\n0.25\t0\n", &(nn_csv_opts){ .header = -1,
	                                              .sep = '\t' });
	ck_assert_msg(d != NULL, "%s", nn_error());
	ck_assert_uint_eq(d->n, 2);
	ck_assert_int_eq(d->labels[0], 1);
	nn_dataset_free(d);
	o.targets = "y1";
	csv_fails("a,b\n1,2\n", &o, "no column 'y1'");
}
END_TEST

START_TEST(csv_bad_lines)
{
	nn_csv_opts o = { .header = -1 };

	csv_fails("a,b,c\n1,2,0\n3,4\n", &o, "t.csv:3: 2 fields, expected 3");
	csv_fails("a,b,c\n1,2,0\n3,x4,1\n", &o,
	          "t.csv:3: column 2 (b): 'x4' is not a number");
	csv_fails("1,2,0\n3,,1\n", &o, "t.csv:2: column 2 is empty");
	csv_fails("1,2,0\n3,\"4,1\n", &o, "t.csv:2: unterminated quote");
	csv_fails("1,2,0\n3,4\"x\",1\n", &o, "t.csv:2: a quote inside");
	csv_fails("1,2,0\n3,\"4\"x,1\n", &o, "text after the closing quote");
	csv_fails("1,2,0.5\n", &o, "not a whole number");
	csv_fails("1,2,0\n3,nan,1\n", &o, "'nan' is not a number");
	csv_fails("1,inf,0\n", &o, "'inf' is not a number");
	csv_fails("# only a comment\n\n", &o, "no data lines");
	csv_fails("a,b\n", &(nn_csv_opts){ .header = 1 }, "no data lines");
	csv_fails("1,2\n", &(nn_csv_opts){ .header = 0, .label = "z" },
	          "no column 'z'");
	ck_assert_ptr_null(nn_load_csv(tmp("absent.csv"), &o));
	ck_assert_ptr_nonnull(strstr(nn_error(), "cannot open"));
}
END_TEST

/* ---- transforms -------------------------------------------------------- */

static nn_dataset *moons(size_t n, uint64_t seed)
{
	nn_gen_opts o;

	nn_gen_defaults(NN_GEN_MOONS, &o);
	o.n = n;
	return make(NN_GEN_MOONS, &o, seed);
}

START_TEST(split_is_stratified)
{
	nn_dataset *d = moons(200, 1), *a, *b, *a2, *b2;
	nn_rng r;

	nn_rng_seed(&r, 9);
	ck_assert_int_eq(nn_dataset_split(d, 0.8, &r, &a, &b), 0);
	ck_assert_uint_eq(a->n, 160);
	ck_assert_uint_eq(b->n, 40);
	ck_assert_uint_eq(count_label(a, 0), 80);
	ck_assert_uint_eq(count_label(b, 1), 20);
	nn_rng_seed(&r, 9);
	ck_assert_int_eq(nn_dataset_split(d, 0.8, &r, &a2, &b2), 0);
	ck_assert(same(a, a2) && same(b, b2));
	nn_dataset_free(a2);
	nn_dataset_free(b2);
	ck_assert_int_eq(nn_dataset_split(d, 1.0, &r, &a2, &b2), -1);
	ck_assert_int_eq(nn_dataset_split(d, 0.001, &r, &a2, &b2), -1);
	nn_dataset_free(a);
	nn_dataset_free(b);
	nn_dataset_free(d);
}
END_TEST

START_TEST(slice_shuffle_reshape)
{
	nn_dataset *d = moons(50, 1), *s, *t;
	nn_rng r;
	nn_shape sh = { 2, { 1, 2, 0, 0 } };
	double sum = 0, sum2 = 0;

	s = nn_dataset_slice(d, 10, 5);
	ck_assert_uint_eq(s->n, 5);
	ck_assert(s->x[0] == d->x[20] && s->labels[4] == d->labels[14]);
	nn_dataset_free(s);
	ck_assert_ptr_null(nn_dataset_slice(d, 48, 5));
	ck_assert_ptr_nonnull(strstr(nn_error(), "out of range"));
	nn_rng_seed(&r, 2);
	s = nn_dataset_shuffle(d, &r);
	for (size_t i = 0; i < 100; i++) {
		sum += d->x[i];
		sum2 += s->x[i];
	}
	ck_assert_double_eq_tol(sum, sum2, 1e-4);
	ck_assert(!same(d, s));
	t = nn_dataset_reshape(s, &sh);
	ck_assert_int_eq(t->xshape.ndim, 2);
	nn_dataset_free(t);
	sh.dim[1] = 3;
	ck_assert_ptr_null(nn_dataset_reshape(s, &sh));
	ck_assert_ptr_nonnull(strstr(nn_error(), "cannot reshape"));
	nn_dataset_free(s);
	nn_dataset_free(d);
}
END_TEST

START_TEST(normalize_and_scale)
{
	nn_dataset *d = moons(300, 1), *n, *other = moons(50, 2), *o2;
	nn_affine a;
	nn_data_stats st;

	ck_assert_int_eq(nn_affine_standardize(d, 1, &a), 0);
	n = nn_dataset_affine(d, &a);
	for (size_t j = 0; j < 2; j++) {
		double s = 0, q = 0;

		for (size_t i = 0; i < n->n; i++) {
			s += n->x[2 * i + j];
			q += n->x[2 * i + j] * n->x[2 * i + j];
		}
		ck_assert_double_eq_tol(s / 300, 0, 1e-5);
		ck_assert_double_eq_tol(q / 300, 1, 1e-4);
	}
	/* the training statistics applied to another set */
	o2 = nn_dataset_affine(other, &a);
	ck_assert_double_eq_tol(o2->x[0], other->x[0] * a.mul[0] + a.add[0],
	                        1e-6);
	nn_dataset_free(o2);
	nn_affine_free(&a);
	nn_dataset_free(n);

	ck_assert_int_eq(nn_affine_minmax(d, 0, -1, 1, &a), 0);
	ck_assert_uint_eq(a.n, 1);
	n = nn_dataset_affine(d, &a);
	ck_assert_int_eq(nn_dataset_stats(n, &st), 0);
	ck_assert_double_eq_tol(st.xmin, -1, 1e-6);
	ck_assert_double_eq_tol(st.xmax, 1, 1e-6);
	free(st.counts);
	nn_affine_free(&a);
	nn_dataset_free(n);
	ck_assert_int_eq(nn_affine_minmax(d, 1, 1, 0, &a), -1);
	/* values past a float's range are refused, not made NaN or inf */
	ck_assert_int_eq(nn_affine_minmax(d, 1, 0, 1e39, &a), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "beyond a float's"));
	nn_dataset_free(other);
	nn_dataset_free(d);
}
END_TEST

START_TEST(noise_kinds)
{
	nn_gen_opts o;
	nn_dataset *d, *n;
	nn_rng r;
	double s = 0, q = 0;
	size_t zeros = 0, total;
	nn_data_stats st;

	nn_gen_defaults(NN_GEN_PARITY, &o);
	o.bits = 8;
	d = make(NN_GEN_PARITY, &o, 1);
	total = d->n * d->xsize;
	nn_rng_seed(&r, 4);
	n = nn_dataset_noise(d, NN_NOISE_GAUSSIAN, 0.3, 0, &r);
	for (size_t i = 0; i < total; i++) {
		double e = n->x[i] - d->x[i];

		s += e;
		q += e * e;
	}
	ck_assert_double_eq_tol(s / total, 0, 0.03);
	ck_assert_double_eq_tol(sqrt(q / total), 0.3, 0.02);
	ck_assert(memcmp(n->labels, d->labels,
	                 d->n * sizeof *d->labels) == 0);
	nn_dataset_free(n);
	n = nn_dataset_noise(d, NN_NOISE_GAUSSIAN, 0.3, 1, &r);
	ck_assert_int_eq(nn_dataset_stats(n, &st), 0);
	ck_assert(st.xmin >= 0 && st.xmax <= 1);
	free(st.counts);
	nn_dataset_free(n);
	n = nn_dataset_noise(d, NN_NOISE_MASK, 0.25, 0, &r);
	for (size_t i = 0; i < total; i++) {
		ck_assert(n->x[i] == 0 || n->x[i] == d->x[i]);
		zeros += d->x[i] == 1 && n->x[i] == 0;
	}
	ck_assert_double_eq_tol((double)zeros / (total / 2), 0.25, 0.03);
	nn_dataset_free(n);
	ck_assert_ptr_null(nn_dataset_noise(d, NN_NOISE_MASK, 2, 0, &r));
	nn_dataset_free(d);
}
END_TEST

START_TEST(onehot_autoencode_bytes)
{
	nn_dataset *d = moons(10, 1), *h, *a;
	uint8_t px[6] = { 0, 51, 102, 153, 204, 255 };
	float x[6], y[2];
	size_t idx = 0;

	h = nn_dataset_onehot(d);
	ck_assert_uint_eq(h->ysize, 2);
	nn_dataset_gather(h, &idx, 1, x, y);
	ck_assert(y[d->labels[0]] == 1 && y[1 - d->labels[0]] == 0);
	nn_dataset_free(h);
	a = nn_dataset_autoencode(d);
	ck_assert_uint_eq(a->ysize, 2);
	ck_assert_int_eq(a->nclasses, 0);
	ck_assert(a->y[3] == d->x[3]);
	ck_assert_ptr_null(nn_dataset_onehot(a));
	nn_dataset_free(a);
	nn_dataset_free(d);

	/* images stay bytes; transforms give floats scaled as in batches */
	d = nn_dataset_new();
	d->n = 1;
	d->xshape = (nn_shape){ 3, { 1, 2, 3, 0 } };
	d->xsize = 6;
	d->xbytes = malloc(6);
	memcpy(d->xbytes, px, 6);
	d->xscale = 1.0f / 255;
	d->labels = calloc(1, sizeof *d->labels);
	d->nclasses = 10;
	d->ysize = 10;
	ck_assert_int_eq(nn_dataset_check(d), 0);
	a = nn_dataset_autoencode(d);
	ck_assert_ptr_null(a->xbytes);
	ck_assert_double_eq_tol(a->x[1], 0.2, 1e-6);
	ck_assert_double_eq_tol(a->y[5], 1.0, 1e-6);
	ck_assert_double_eq_tol(nn_dataset_x(d, 0, 2), 0.4, 1e-6);
	nn_dataset_free(a);
	nn_dataset_free(d);
}
END_TEST

START_TEST(pca_whitens)
{
	nn_gen_opts o;
	nn_dataset *d, *w, *bad;
	nn_pca p;
	double c[3][3] = { { 0 } };

	nn_gen_defaults(NN_GEN_GAUSSIAN, &o);
	o.dim = 3;
	o.n = 500;
	o.sep = 4;
	d = make(NN_GEN_GAUSSIAN, &o, 1);
	for (size_t i = 0; i < d->n; i++)  /* correlate the features */
		d->x[3 * i + 2] = d->x[3 * i] + 0.5f * d->x[3 * i + 2];
	ck_assert_int_eq(nn_pca_fit(d, 0, 0, &p), 0);
	ck_assert(p.var[0] >= p.var[1] && p.var[1] >= p.var[2]);
	w = nn_dataset_pca(d, &p);
	for (size_t i = 0; i < w->n; i++)
		for (int r = 0; r < 3; r++)
			for (int k = 0; k < 3; k++)
				c[r][k] += w->x[3 * i + r] * w->x[3 * i + k] /
				           500.0;
	for (int r = 0; r < 3; r++)
		for (int k = 0; k < 3; k++)
			ck_assert_double_eq_tol(c[r][k], r == k, 1e-3);
	nn_dataset_free(w);
	nn_pca_free(&p);
	ck_assert_int_eq(nn_pca_fit(d, 1, 1e-5, &p), 0);
	w = nn_dataset_pca(d, &p);
	ck_assert_uint_eq(w->xsize, 1);
	nn_dataset_free(w);
	bad = moons(5, 1);
	ck_assert_ptr_null(nn_dataset_pca(bad, &p));
	nn_pca_free(&p);
	nn_dataset_free(bad);
	nn_dataset_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("data");
	TCase *gen = tcase_create("generators"), *files = tcase_create("files");
	TCase *tr = tcase_create("transforms");

	tcase_add_test(gen, gen_every_kind_defaults);
	tcase_add_test(gen, gen_seeds_differ);
	tcase_add_test(gen, gen_mixtures);
	tcase_add_test(gen, gen_balance);
	tcase_add_test(gen, gen_xor_moons_circles_ranges);
	tcase_add_test(gen, gen_blobs_spiral_gaussian);
	tcase_add_test(gen, gen_bit_sets);
	tcase_add_test(gen, gen_descending_with_ties);
	tcase_add_test(gen, gen_functions);
	tcase_add_checked_fixture(files, setup, teardown);
	tcase_set_timeout(files, 60);
	tcase_add_test(files, idx_mnist_files);
	tcase_add_test(files, idx_small_files_any_size);
	tcase_add_test(files, idx_bad_files);
	tcase_add_test(files, csv_header_quotes_words);
	tcase_add_test(files, csv_targets_and_separators);
	tcase_add_test(files, csv_bad_lines);
	tcase_add_test(tr, split_is_stratified);
	tcase_add_test(tr, slice_shuffle_reshape);
	tcase_add_test(tr, normalize_and_scale);
	tcase_add_test(tr, noise_kinds);
	tcase_add_test(tr, onehot_autoencode_bytes);
	tcase_add_test(tr, pca_whitens);
	suite_add_tcase(s, gen);
	suite_add_tcase(s, files);
	suite_add_tcase(s, tr);
	return run_suite(s);
}
