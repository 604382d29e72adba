/* test_gan.c - GANs from the public step pieces (lib/gan.c): each step's
 * update against central differences of its own loss, the refusals, a
 * stopped run resumed to the same bits as one that never stopped (also
 * through model files, whose damaged GAN runs are refused; a
 * discriminator's file names its generator), and a generator that learns
 * a 1-D distribution. */
#define _GNU_SOURCE             /* memmem */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "nn.h"

#define LR 1e-3f

static nn_model *dense_model(int in, const int *units, const nn_act *acts,
                             int n, nn_rng *r)
{
	nn_shape s = { 1, { in } };
	nn_model *m = nn_model_new(&s);

	for (int i = 0; i < n; i++) {
		char args[16];
		nn_layer_spec sp = { .kind = "dense", .args = args,
		                     .act = acts[i], .has_act = 1 };

		snprintf(args, sizeof args, "%d", units[i]);

		ck_assert_msg(nn_model_add(m, &sp, r) == 0, "%s", nn_error());
	}
	return m;
}

/* G: 3 -> 5 tanh -> 2; D: 2 -> 4 tanh -> 1 sigmoid. */
static void pair(nn_rng *r, nn_model **g, nn_model **d)
{
	static const int gu[] = { 5, 2 }, du[] = { 4, 1 };
	static const nn_act ga[] = { NN_ACT_TANH, NN_ACT_LINEAR },
	                    da[] = { NN_ACT_TANH, NN_ACT_SIGMOID };

	*g = dense_model(3, gu, ga, 2, r);
	*d = dense_model(2, du, da, 2, r);
}

/* n 2-D points around (1, -1). */
static nn_dataset *points(size_t n, nn_rng *r)
{
	nn_dataset *d = nn_dataset_new();

	d->n = n;
	d->xsize = 2;
	d->xshape = (nn_shape){ 1, { 2 } };
	d->x = malloc(n * 2 * sizeof *d->x);
	for (size_t i = 0; i < n; i++) {
		d->x[2 * i] = 1 + 0.3f * (float)nn_rng_normal(r);
		d->x[2 * i + 1] = -1 + 0.3f * (float)nn_rng_normal(r);
	}
	return d;
}

static double bce_mean(const float *out, size_t n, double t)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s -= t * log(out[i]) + (1 - t) * log(1 - out[i]);
	return s / (double)n;
}

/* The generator's loss for noise z (n samples), as g_step sees it. */
static double g_loss(nn_model *g, nn_model *d, const float *z, size_t n)
{
	const float *x = nn_model_forward(g, z, n, 0, NULL);

	return bce_mean(nn_model_forward(d, x, n, 0, NULL), n, 1);
}

/* The discriminator's loss on real x and fake G(z), as d_step sees it. */
static double d_loss(nn_model *g, nn_model *d, const float *x,
                     const float *z, size_t n, double smooth)
{
	double l = bce_mean(nn_model_forward(d, x, n, 0, NULL), n, smooth);
	const float *f = nn_model_forward(g, z, n, 0, NULL);

	return l + bce_mean(nn_model_forward(d, f, n, 0, NULL), n, 0);
}

static void sgd(nn_optim *o)
{
	nn_optim_defaults(o, NN_OPT_SGD);
	o->lr = LR;
}

/* The update of m's parameters (before - after) / lr against the
 * central difference of f at the old parameters. */
static void check_update(nn_model *m, const float *before, double (*f)(void *),
                         void *ud, const char *what)
{
	size_t np = nn_model_param_count(m);
	float *p = nn_model_params(m);
	float *after = malloc(np * sizeof *after);
	double worst = 0;

	memcpy(after, p, np * sizeof *p);
	memcpy(p, before, np * sizeof *p);
	for (size_t i = 0; i < np; i++) {
		double h = 1e-2, up, down, num, got;
		float keep = p[i];

		p[i] = keep + (float)h;
		up = f(ud);
		p[i] = keep - (float)h;
		down = f(ud);
		p[i] = keep;
		num = (up - down) / (2 * h);
		got = ((double)before[i] - after[i]) / LR;
		if (fabs(got - num) / fmax(fabs(num), 1e-2) > worst)
			worst = fabs(got - num) / fmax(fabs(num), 1e-2);
	}
	printf("%s: worst relative error %.2e over %zu parameters\n", what,
	       worst, np);
	ck_assert_msg(worst < 2e-2, "%s: %g", what, worst);
	memcpy(p, after, np * sizeof *p);
	free(after);
}

struct gctx { nn_model *g, *d; float *z, *x; size_t n; };

static double gf(void *ud)
{
	struct gctx *c = ud;

	return g_loss(c->g, c->d, c->z, c->n);
}

static double df(void *ud)
{
	struct gctx *c = ud;

	return d_loss(c->g, c->d, c->x, c->z, c->n, 0.9);
}

START_TEST(g_step_descends_its_loss)
{
	nn_rng r, copy;
	nn_model *g, *d;
	nn_dataset *data;
	nn_gan s = { 0 };
	nn_gan_opts o = { .iters = 1, .batch = 6, .k = 1, .smooth = 1 };
	nn_optim og;
	struct gctx c;
	float before[64], dbefore[64];
	double loss;

	nn_rng_seed(&r, 3);
	pair(&r, &g, &d);
	data = points(6, &r);
	sgd(&og);
	ck_assert_int_eq(nn_gan_start(&s, g, d, data, &o, &r), 0);
	copy = s.rng;
	c = (struct gctx){ g, d, malloc(6 * 3 * sizeof(float)), NULL, 6 };
	nn_gan_noise_fill(NN_GAN_NORMAL, c.z, 18, &copy);
	memcpy(before, nn_model_params(g), nn_model_param_count(g) * 4);
	memcpy(dbefore, nn_model_params(d), nn_model_param_count(d) * 4);
	loss = gf(&c);
	ck_assert_int_eq(nn_gan_g_step(&s, g, d, &og), 0);
	ck_assert_msg(fabs(s.g_loss - loss) < 1e-5, "%g %g", s.g_loss, loss);
	check_update(g, before, gf, &c, "generator step");
	/* the discriminator is not moved by the generator's step */
	ck_assert(memcmp(dbefore, nn_model_params(d),
	                 nn_model_param_count(d) * 4) == 0);
	free(c.z);
	nn_gan_free(&s);
	nn_dataset_free(data);
	nn_model_free(g);
	nn_model_free(d);
}
END_TEST

START_TEST(d_step_descends_its_loss)
{
	nn_rng r, copy;
	nn_model *g, *d;
	nn_dataset *data;
	nn_gan s = { 0 };
	nn_gan_opts o = { .iters = 1, .batch = 8, .k = 1, .smooth = 0.9f };
	nn_optim od;
	struct gctx c;
	size_t perm[8];
	float before[64], gbefore[64];
	double loss;

	nn_rng_seed(&r, 4);
	pair(&r, &g, &d);
	data = points(8, &r);
	sgd(&od);
	ck_assert_int_eq(nn_gan_start(&s, g, d, data, &o, &r), 0);
	/* the step shuffles the order, then draws the noise: the whole
	 * set is one batch, so only the noise matters */
	copy = s.rng;
	for (size_t i = 0; i < 8; i++)
		perm[i] = i;
	nn_rng_shuffle(&copy, perm, 8);
	c = (struct gctx){ g, d, malloc(8 * 3 * sizeof(float)), data->x, 8 };
	nn_gan_noise_fill(NN_GAN_NORMAL, c.z, 24, &copy);
	memcpy(before, nn_model_params(d), nn_model_param_count(d) * 4);
	memcpy(gbefore, nn_model_params(g), nn_model_param_count(g) * 4);
	loss = df(&c);
	ck_assert_int_eq(nn_gan_d_step(&s, g, d, &od, data), 0);
	ck_assert_msg(fabs(s.d_loss - loss) < 1e-5, "%g %g", s.d_loss, loss);
	check_update(d, before, df, &c, "discriminator step");
	ck_assert(memcmp(gbefore, nn_model_params(g),
	                 nn_model_param_count(g) * 4) == 0);
	ck_assert(s.d_real > 0 && s.d_real < 1 && s.d_fake > 0 &&
	          s.d_fake < 1);
	free(c.z);
	nn_gan_free(&s);
	nn_dataset_free(data);
	nn_model_free(g);
	nn_model_free(d);
}
END_TEST

START_TEST(refusals)
{
	nn_rng r;
	nn_model *g, *d, *d3;
	nn_dataset *data;
	static const int u3[] = { 3 }, u1[] = { 1 };
	static const nn_act lin[] = { NN_ACT_LINEAR };
	nn_gan s = { 0 };
	nn_gan_opts o = { .epochs = 1, .batch = 4, .k = 0, .smooth = 1 };

	nn_rng_seed(&r, 5);
	pair(&r, &g, &d);
	data = points(10, &r);
	ck_assert_int_eq(nn_gan_check(g, d, data), 0);
	ck_assert_int_eq(nn_gan_check(g, g, data), -1);
	ck_assert_str_eq(nn_error(), "the generator and the discriminator "
	                 "must be two models");
	d3 = dense_model(2, u3, lin, 1, &r);
	ck_assert_int_eq(nn_gan_check(g, d3, data), -1);
	ck_assert_str_eq(nn_error(), "the discriminator must give one output "
	                 "(a probability), not 3");
	nn_model_free(d3);
	d3 = dense_model(2, u1, lin, 1, &r);
	ck_assert_int_eq(nn_gan_check(g, d3, data), -1);
	ck_assert_str_eq(nn_error(), "the discriminator's output must be "
	                 "sigmoid, not linear");
	ck_assert_int_eq(nn_gan_check(d3, d, data), -1);
	ck_assert_str_eq(nn_error(), "the generator gives 1, the data's "
	                 "samples are 2");
	ck_assert_int_eq(nn_gan_start(&s, g, d, data, &o, &r), -1);
	ck_assert(!s.active && !s.perm);
	nn_model_free(d3);
	nn_dataset_free(data);
	nn_model_free(g);
	nn_model_free(d);
}
END_TEST

static int stop_at(const nn_gan *s, const nn_gan_point *p, void *ud)
{
	(void)p;
	return s->iter == *(long *)ud;
}

/* A run of 3 epochs of 24 points in batches of 5 (k = 2), stopped after
 * `stop` iterations and resumed when stop > 0; the generator's
 * parameters and the points' count into params and npts. */
static void run(long stop, float *params, size_t *npts)
{
	nn_rng r;
	nn_model *g, *d;
	nn_dataset *data;
	nn_gan s = { 0 };
	nn_gan_opts o = { .epochs = 3, .batch = 5, .k = 2, .smooth = 0.9f,
	                  .noise = NN_GAN_UNIFORM };
	nn_gan_ctl c = { .callback = stop_at, .ud = &stop };
	nn_optim og, od;

	nn_rng_seed(&r, 6);
	pair(&r, &g, &d);
	data = points(24, &r);
	nn_optim_defaults(&og, NN_OPT_ADAM);
	nn_optim_defaults(&od, NN_OPT_ADAM);
	ck_assert_int_eq(nn_gan_start(&s, g, d, data, &o, &r), 0);
	ck_assert_int_eq(s.iters, 9);   /* 5 batches, 3 iterations an epoch */
	ck_assert_int_eq(nn_gan_train(&s, g, &og, d, &od, data, &c), 0);
	if (stop > 0) {
		ck_assert_int_eq(s.iter, stop);
		ck_assert(s.active);
		stop = -1;
		ck_assert_int_eq(nn_gan_train(&s, g, &og, d, &od, data, &c),
		                 0);
	}
	ck_assert(!s.active);
	ck_assert_int_eq(s.iter, 9);
	ck_assert_int_eq(s.dsteps, 18);
	ck_assert_int_eq(s.gsteps, 9);
	memcpy(params, nn_model_params(g), nn_model_param_count(g) * 4);
	*npts = s.npts;
	nn_optim_reset(&og);
	nn_optim_reset(&od);
	nn_gan_free(&s);
	nn_dataset_free(data);
	nn_model_free(g);
	nn_model_free(d);
}

START_TEST(resume_is_exact)
{
	float a[64], b[64];
	size_t na, nb;

	run(-1, a, &na);
	run(4, b, &nb);
	ck_assert(memcmp(a, b, sizeof(float) * 32) == 0);
	ck_assert_uint_eq(na, 3);       /* a point an epoch */
	ck_assert_uint_eq(nb, 4);       /* and one where it stopped */
}
END_TEST

/* The generator's step takes only dL/dx from the discriminator:
 * nn_model_backward_input gives the dx of nn_model_backward_acc bit for
 * bit, through conv, batch norm and dense, and conv skips its parameter
 * gradients (what it leaves in them is what was there). */
START_TEST(input_only_backward)
{
	static const char *const kinds[] = { "conv", "batchnorm", "flatten",
	                                     "dense" };
	static const char *const args[] = { "4 3x3 stride=2 pad=1", "", "",
	                                    "1" };
	nn_shape in = { 3, { 1, 8, 8 } };
	nn_model *d = nn_model_new(&in);
	float x[5 * 64], y[5], g[5], *dx;
	nn_param w;
	nn_rng r;
	size_t n = 5 * 64;
	const float *out;
	int dz;

	nn_rng_seed(&r, 9);
	for (int i = 0; i < 4; i++) {
		nn_layer_spec sp = { .kind = kinds[i], .args = args[i],
		                     .act = i == 3 ? NN_ACT_SIGMOID
		                          : i == 1 ? NN_ACT_LEAKY
		                                   : NN_ACT_LINEAR,
		                     .has_act = i == 1 || i == 3, .alpha = 0.2f };

		ck_assert_msg(nn_model_add(d, &sp, &r) == 0, "%s", nn_error());
	}
	for (size_t i = 0; i < n; i++)
		x[i] = (float)nn_rng_normal(&r);
	for (int i = 0; i < 5; i++)
		y[i] = 1;
	out = nn_model_forward(d, x, 5, 1, &r);
	nn_loss(NN_LOSS_BCE, NN_ACT_SIGMOID, nn_model_z(d, 3), out, y, 5, 1,
	        g, &dz);
	nn_model_zero_grads(d);
	nn_model_backward_acc(d, g, dz, 1);
	dx = malloc(n * sizeof *dx);
	memcpy(dx, nn_model_input_grad(d), n * sizeof *dx);
	nn_model_param(d, 0, 0, &w);
	for (size_t i = 0; i < w.size; i++)
		w.grad[i] = 7;
	nn_model_backward_input(d, g, dz);
	ck_assert(memcmp(dx, nn_model_input_grad(d), n * sizeof *dx) == 0);
	for (size_t i = 0; i < w.size; i++)
		ck_assert(w.grad[i] == 7);
	free(dx);
	nn_model_free(d);
}
END_TEST

/* ---- a run kept in model files ---------------------------------------- */

static char tmpdir[] = "/tmp/nnsh-gan-XXXXXX";

static const char *tmp_path(const char *name)
{
	static char buf[2][256];
	static int k;

	k = !k;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

/* Save model m with its optimizer and training state (and the GAN run s
 * when not NULL) to path. */
static void save_state(const char *path, nn_model *m, const nn_optim *o,
                       nn_gan *s, const nn_dataset *data)
{
	nn_file f = { .model = m, .loss = -1, .has_optim = 1, .optim = *o,
	              .state = 1, .gan = s };

	snprintf(f.gan_disc, sizeof f.gan_disc, "D");
	snprintf(f.gan_data, sizeof f.gan_data, "points");
	f.gan_shape = data->xshape;
	ck_assert_msg(nn_save(path, &f) == 0, "%s", nn_error());
}

/* Load path into a model and optimizer (and a GAN run into s when not
 * NULL: the file must hold one). */
static nn_model *load_state(const char *path, nn_optim *o, nn_gan *s)
{
	nn_file f;
	nn_model *m;

	ck_assert_msg(nn_load(path, &f) == 0, "%s", nn_error());
	ck_assert(f.state && f.has_optim);
	ck_assert(s ? f.gan != NULL : f.gan == NULL);
	m = f.model;
	*o = f.optim;
	if (s) {
		ck_assert_str_eq(f.gan_disc, "D");
		ck_assert_str_eq(f.gan_data, "points");
		ck_assert_int_eq(f.gan_shape.ndim, 1);
		ck_assert_int_eq(f.gan_shape.dim[0], 2);
		*s = *f.gan;
		memset(f.gan, 0, sizeof *f.gan);
	}
	f.model = NULL;
	memset(&f.optim, 0, sizeof f.optim);
	nn_file_free(&f);
	return m;
}

/* Remove the files the tests below wrote, and their directory. */
static void clean(void)
{
	unlink(tmp_path("g.safetensors"));
	unlink(tmp_path("d.safetensors"));
	unlink(tmp_path("bad.safetensors"));
	rmdir(tmpdir);
}

/* run()'s GAN stopped after 4 iterations (mid-epoch), both models saved
 * with their state and the run, everything freed, loaded back and
 * resumed: it ends with the bits of a run that never stopped. The files
 * stay in tmpdir. */
static void saved_run(void)
{
	float a[64];
	size_t na;
	nn_rng r;
	nn_model *g, *d;
	nn_dataset *data;
	nn_gan s = { 0 }, back = { 0 };
	nn_gan_opts o = { .epochs = 3, .batch = 5, .k = 2, .smooth = 0.9f,
	                  .noise = NN_GAN_UNIFORM };
	long stop = 4;
	nn_gan_ctl c = { .callback = stop_at, .ud = &stop };
	nn_optim og, od;

	run(-1, a, &na);
	strcpy(tmpdir, "/tmp/nnsh-gan-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	nn_rng_seed(&r, 6);
	pair(&r, &g, &d);
	data = points(24, &r);
	nn_optim_defaults(&og, NN_OPT_ADAM);
	nn_optim_defaults(&od, NN_OPT_ADAM);
	ck_assert_int_eq(nn_gan_start(&s, g, d, data, &o, &r), 0);
	ck_assert_int_eq(nn_gan_train(&s, g, &og, d, &od, data, &c), 0);
	ck_assert(s.active && s.iter == 4 && s.pos > 0 && s.pos < 24);
	save_state(tmp_path("g.safetensors"), g, &og, &s, data);
	save_state(tmp_path("d.safetensors"), d, &od, NULL, data);
	nn_model_free(g);
	nn_model_free(d);
	nn_optim_reset(&og);
	nn_optim_reset(&od);

	g = load_state(tmp_path("g.safetensors"), &og, &back);
	d = load_state(tmp_path("d.safetensors"), &od, NULL);
	ck_assert(back.active && back.iter == 4 && back.pos == s.pos);
	ck_assert(memcmp(back.perm, s.perm, 24 * sizeof *s.perm) == 0);
	ck_assert(memcmp(&back.rng, &s.rng, sizeof s.rng) == 0);
	ck_assert_uint_eq(back.npts, s.npts);
	ck_assert(back.pts[1].d_loss == s.pts[1].d_loss);
	ck_assert(back.opts.k == 2 && back.opts.batch == 5 &&
	          back.opts.smooth == 0.9f &&
	          back.opts.noise == NN_GAN_UNIFORM);
	nn_gan_free(&s);
	stop = -1;
	ck_assert_msg(nn_gan_train(&back, g, &og, d, &od, data, &c) == 0,
	              "%s", nn_error());
	ck_assert(!back.active && back.iter == 9 && back.dsteps == 18);
	ck_assert(memcmp(a, nn_model_params(g),
	                 nn_model_param_count(g) * sizeof *a) == 0);
	ck_assert_uint_eq(back.npts, 4);
	nn_optim_reset(&og);
	nn_optim_reset(&od);
	nn_gan_free(&back);
	nn_dataset_free(data);
	nn_model_free(g);
	nn_model_free(d);
}

START_TEST(saved_run_resumes_exactly)
{
	saved_run();
	clean();
}
END_TEST

/* The generator's file from saved_run with `from`, which
 * occurs in its header, replaced by `to` of the same length: refused with
 * a message holding `why`. */
static void damaged(const char *from, const char *to, const char *why)
{
	FILE *f = fopen(tmp_path("g.safetensors"), "rb");
	unsigned char b[1 << 16];
	size_t n = fread(b, 1, sizeof b, f), k = strlen(from);
	unsigned char *at = memmem(b, n, from, k);
	nn_file back;

	fclose(f);
	ck_assert_msg(at != NULL, "'%s' is not in the file", from);
	ck_assert_uint_eq(strlen(to), k);
	memcpy(at, to, k);
	f = fopen(tmp_path("bad.safetensors"), "wb");
	ck_assert_uint_eq(fwrite(b, 1, n, f), n);
	fclose(f);
	ck_assert_msg(nn_load(tmp_path("bad.safetensors"), &back) == -1,
	              "accepted with %s", to);
	ck_assert_msg(strstr(nn_error(), why), "'%s' for %s", nn_error(),
	              to);
}

START_TEST(damaged_runs_refused)
{
	nn_file f;

	saved_run();
	damaged("\\\"k\\\":2,", "\\\"k\\\":0,", "k=0 is out of range");
	damaged("\"uniform\\\"", "\"cauchy!\\\"", "noise is not normal");
	damaged("\\\"epoch\\\":2,", "\\\"epoch\\\":7,", "epoch=7 is out");
	damaged("\\\"disc\\\":\\\"D\\\"", "\\\"disc\\\":12345",
	        "disc is not a name");
	damaged("\"gan.perm\"", "\"gan.mrep\"", "'gan.perm' is missing");
	damaged("\"gan.points\"", "\"gan.pionts\"",
	        "'gan.points' is missing");
	ck_assert_int_eq(nn_load(tmp_path("g.safetensors"), &f), 0);
	nn_file_free(&f);
	clean();
}
END_TEST

/* A discriminator's file says whose it was (the generator and the data),
 * with state or without; a file that does not say (as every file before
 * it) loads with neither. */
START_TEST(discriminator_role_kept)
{
	nn_rng r;
	nn_model *g, *d;
	nn_file f = { .loss = -1 }, back;

	strcpy(tmpdir, "/tmp/nnsh-gan-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	nn_rng_seed(&r, 6);
	pair(&r, &g, &d);
	f.model = d;
	for (int state = 0; state < 2; state++) {
		f.state = state;
		snprintf(f.disc_of, sizeof f.disc_of, "G");
		snprintf(f.disc_data, sizeof f.disc_data, "fashion.train");
		ck_assert_int_eq(nn_save(tmp_path("d.safetensors"), &f), 0);
		ck_assert_msg(nn_load(tmp_path("d.safetensors"), &back) == 0,
		              "%s", nn_error());
		ck_assert_str_eq(back.disc_of, "G");
		ck_assert_str_eq(back.disc_data, "fashion.train");
		ck_assert(back.gan == NULL);
		nn_file_free(&back);
		f.disc_of[0] = f.disc_data[0] = '\0';
		ck_assert_int_eq(nn_save(tmp_path("d.safetensors"), &f), 0);
		ck_assert_int_eq(nn_load(tmp_path("d.safetensors"), &back), 0);
		ck_assert_str_eq(back.disc_of, "");
		ck_assert_str_eq(back.disc_data, "");
		nn_file_free(&back);
	}
	nn_model_free(g);
	nn_model_free(d);
	clean();
}
END_TEST

/* A linear generator of N(0, 1) noise learns data drawn from N(3, 0.5):
 * its samples' mean comes near 3 (it starts near 0). */
START_TEST(learns_a_distribution)
{
	static const int gu[] = { 1 }, du[] = { 16, 1 };
	static const nn_act ga[] = { NN_ACT_LINEAR },
	                    da[] = { NN_ACT_TANH, NN_ACT_SIGMOID };
	nn_rng r;
	nn_model *g, *d;
	nn_dataset *data = nn_dataset_new(), *fake;
	nn_gan s = { 0 };
	nn_gan_opts o = { .epochs = 150, .batch = 64, .k = 1, .smooth = 1 };
	nn_gan_ctl c = { 0 };
	nn_optim og, od;
	double mean = 0, before = 0;

	nn_rng_seed(&r, 7);
	g = dense_model(1, gu, ga, 1, &r);
	d = dense_model(1, du, da, 2, &r);
	data->n = 512;
	data->xsize = 1;
	data->xshape = (nn_shape){ 1, { 1 } };
	data->x = malloc(512 * sizeof(float));
	for (size_t i = 0; i < 512; i++)
		data->x[i] = 3 + 0.5f * (float)nn_rng_normal(&r);
	nn_optim_defaults(&og, NN_OPT_ADAM);
	nn_optim_defaults(&od, NN_OPT_ADAM);
	og.lr = od.lr = 0.01f;
	og.beta1 = od.beta1 = 0.5f;
	fake = nn_gan_sample(g, 1000, NN_GAN_NORMAL, &r, NULL);
	for (size_t i = 0; i < 1000; i++)
		before += fake->x[i] / 1000;
	nn_dataset_free(fake);
	ck_assert_int_eq(nn_gan_start(&s, g, d, data, &o, &r), 0);
	ck_assert_int_eq(nn_gan_train(&s, g, &og, d, &od, data, &c), 0);
	fake = nn_gan_sample(g, 1000, NN_GAN_NORMAL, &r, NULL);
	for (size_t i = 0; i < 1000; i++)
		mean += fake->x[i] / 1000;
	printf("generated mean %.3f before, %.3f after (data: 3)\n", before,
	       mean);
	ck_assert(fabs(before - 3) > 1.5);
	ck_assert_msg(fabs(mean - 3) < 0.5, "mean %g", mean);
	nn_dataset_free(fake);
	nn_optim_reset(&og);
	nn_optim_reset(&od);
	nn_gan_free(&s);
	nn_dataset_free(data);
	nn_model_free(g);
	nn_model_free(d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gan");
	TCase *t = tcase_create("gan");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, g_step_descends_its_loss);
	tcase_add_test(t, d_step_descends_its_loss);
	tcase_add_test(t, refusals);
	tcase_add_test(t, resume_is_exact);
	tcase_add_test(t, saved_run_resumes_exactly);
	tcase_add_test(t, input_only_backward);
	tcase_add_test(t, damaged_runs_refused);
	tcase_add_test(t, discriminator_role_kept);
	tcase_add_test(t, learns_a_distribution);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
