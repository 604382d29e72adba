/* test_steerfile.c - keeping training: model files (bit-exact round
 * trips, resume equal to an uninterrupted run, old, damaged and hostile
 * files, crashes during a save). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn.h"
#include "steer_util.h"
#include "suite.h"

/* modelfile.c: testing only, make nn_save stop after so many bytes. */
extern long nn_save_crash_after;

static char tmpdir[] = "/tmp/nnsh-steer-XXXXXX";

static const char *tmp_path(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

/* Two history points hold the same bits in every field. */
static int same_point(const nn_metrics *a, const nn_metrics *b)
{
	const double x[] = { a->loss, a->acc, a->val_loss, a->val_acc, a->lr,
	                     a->seconds, a->samples_per_s };
	const double y[] = { b->loss, b->acc, b->val_loss, b->val_acc, b->lr,
	                     b->seconds, b->samples_per_s };

	return a->epoch == b->epoch && a->iter == b->iter &&
	       memcmp(x, y, sizeof x) == 0;
}

static int same_params(nn_model *a, nn_model *b)
{
	return nn_model_param_count(a) == nn_model_param_count(b) &&
	       memcmp(nn_model_params(a), nn_model_params(b),
	              nn_model_param_count(a) * sizeof(float)) == 0;
}

/* ---- model files ------------------------------------------------------- */

/* Save a model and its state, load it, compare everything, and check that
 * saving what was loaded gives the same bytes. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void spit(const char *path, const unsigned char *b, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, len, f), len);
	fclose(f);
}

static int stop_at(const nn_progress *p, void *ud)
{
	return p->iter == *(long *)ud;
}

/* The loss a kind trains with here: lm takes mse only. */
static nn_loss_kind loss_of(nn_optim_kind k)
{
	return k == NN_OPT_LM ? NN_LOSS_MSE : NN_LOSS_CE;
}

/* A model with dropout, optimizer kind, a schedule, targets and early
 * stopping, trained for 3 epochs, or stopped after stop iterations (as by
 * Ctrl-C) when stop > 0. */
static void trained_with(nn_file *f, long stop, nn_optim_kind kind)
{
	nn_dataset *d = random_set(90, 6, 4, 50);
	nn_train_opts o = { .epochs = 3, .batch = 16, .shuffle = 1,
	                    .val_split = 0.1 };
	nn_rng r;

	memset(f, 0, sizeof *f);
	f->model = mlp(6, 12, NN_ACT_SIGMOID, 0.3f, 4, 51);
	snprintf(f->name, sizeof f->name, "net");
	f->loss = loss_of(kind);
	f->has_optim = 1;
	nn_optim_defaults(&f->optim, kind);
	f->schedule = (nn_schedule){ .kind = NN_SCHED_COSINE, .min = 1e-4,
	                             .T = 30, .warmup = 2 };
	f->target_lo = 0.05f;
	f->target_hi = 0.95f;
	f->state = 1;
	o.schedule = f->schedule;
	o.early = (nn_early){ .patience = 5, .restore = 1 };
	o.run = &f->run;
	o.target_lo = f->target_lo;
	o.target_hi = f->target_hi;
	o.callback = stop_at;
	o.ud = &stop;
	nn_rng_seed(&r, 52);
	ck_assert_msg(nn_train(f->model, f->loss, &f->optim, d, &o, &r,
	                       &f->hist) == 0, "%s: %s",
	              nn_optim_name(kind), nn_error());
	nn_dataset_free(d);
}

static void trained(nn_file *f, long stop)
{
	trained_with(f, stop, NN_OPT_ADAM);
}

START_TEST(file_roundtrip_exact)
{
	nn_file a, b;
	const char *p1 = tmp_path("a.safetensors");
	const char *p2 = tmp_path("b.safetensors");
	unsigned char *b1, *b2;
	size_t l1, l2;

	trained(&a, 0);
	ck_assert_int_eq(nn_save(p1, &a), 0);
	ck_assert_int_eq(nn_load(p1, &b), 0);
	ck_assert_str_eq(b.name, "net");
	ck_assert_uint_eq(nn_model_layers(b.model), 3);
	for (size_t i = 0; i < 3; i++) {
		nn_layer_info x, y;

		nn_model_layer_info(a.model, i, &x);
		nn_model_layer_info(b.model, i, &y);
		ck_assert_str_eq(x.desc, y.desc);
	}
	ck_assert(same_params(a.model, b.model));
	ck_assert_int_eq(b.loss, NN_LOSS_CE);
	ck_assert_int_eq(b.optim.kind, NN_OPT_ADAM);
	ck_assert(b.optim.lr == a.optim.lr && b.optim.t == a.optim.t &&
	          b.optim.beta2 == a.optim.beta2);
	ck_assert(memcmp(a.optim.m, b.optim.m, a.optim.nstate * 4) == 0);
	ck_assert(memcmp(a.optim.v, b.optim.v, a.optim.nstate * 4) == 0);
	ck_assert(memcmp(&a.schedule, &b.schedule, sizeof a.schedule) == 0);
	ck_assert(b.target_lo == 0.05f && b.target_hi == 0.95f);
	ck_assert_uint_eq(a.hist.n, b.hist.n);
	for (size_t i = 0; i < a.hist.n; i++)
		ck_assert(same_point(&a.hist.p[i], &b.hist.p[i]));
	ck_assert(memcmp(a.run.rng.s, b.run.rng.s, sizeof a.run.rng.s) == 0);
	ck_assert(memcmp(a.run.perm, b.run.perm, a.run.n * sizeof(size_t)) ==
	          0);
	ck_assert(memcmp(a.run.best, b.run.best, a.run.nbest * 4) == 0);
	ck_assert(a.run.early.best == b.run.early.best);
	ck_assert_int_eq(b.run.iter, a.run.iter);
	ck_assert(b.run.seconds == a.run.seconds);
	/* saving what was loaded gives the same file, byte for byte */
	ck_assert_int_eq(nn_save(p2, &b), 0);
	b1 = slurp(p1, &l1);
	b2 = slurp(p2, &l2);
	ck_assert_uint_eq(l1, l2);
	ck_assert(memcmp(b1, b2, l1) == 0);
	/* every tensor is aligned to its size */
	ck_assert_uint_eq((8 + (size_t)b1[0] + 256 * (size_t)b1[1]) % 8, 0);
	free(b1);
	free(b2);
	nn_file_free(&a);
	nn_file_free(&b);
	/* weights only: no state comes back */
	trained(&a, 0);
	a.state = 0;
	ck_assert_int_eq(nn_save(p1, &a), 0);
	ck_assert_int_eq(nn_load(p1, &b), 0);
	ck_assert_int_eq(b.state, 0);
	ck_assert_uint_eq(b.hist.n, 0);
	ck_assert_ptr_null(b.optim.m);
	ck_assert(same_params(a.model, b.model));
	nn_file_free(&a);
	nn_file_free(&b);
}
END_TEST

/* optim decay= and a run's dead zone come back from a file; files
 * without them (all the others) load them as 0. */
START_TEST(decay_deadzone_roundtrip)
{
	nn_file a, b;
	const char *p = tmp_path("dz.safetensors");

	trained(&a, 3);
	a.optim.decay = 0.002f;
	a.run.opts.deadzone = 0.2f;
	ck_assert_int_eq(nn_save(p, &a), 0);
	ck_assert_int_eq(nn_load(p, &b), 0);
	ck_assert(b.optim.decay == 0.002f);
	ck_assert(b.run.opts.deadzone == 0.2f);
	nn_file_free(&b);
	a.optim.decay = 0;
	a.run.opts.deadzone = 0;
	ck_assert_int_eq(nn_save(p, &a), 0);
	ck_assert_int_eq(nn_load(p, &b), 0);
	ck_assert(b.optim.decay == 0 && b.run.opts.deadzone == 0);
	nn_file_free(&a);
	nn_file_free(&b);
}
END_TEST

/* Stop after k iterations, save with state, load, resume: the weights and
 * optimizer state equal those of a run that never stopped. */
START_TEST(resume_equals_uninterrupted)
{
	const long stops[] = { 1, 5, 6, 11, 17 };     /* 6: an epoch's end */

	for (size_t s = 0; s < sizeof stops / sizeof stops[0]; s++) {
		nn_file whole, part, back;
		nn_dataset *d = random_set(90, 6, 4, 50);
		nn_train_opts o = { .resume = 1 };
		nn_rng unused;

		trained(&whole, 0);
		trained(&part, stops[s]);
		ck_assert_int_eq(part.run.iter, stops[s]);
		ck_assert_int_eq(part.run.active, 1);
		ck_assert_int_eq(nn_save(tmp_path("part.safetensors"), &part),
		                 0);
		ck_assert_int_eq(nn_load(tmp_path("part.safetensors"), &back),
		                 0);
		ck_assert_int_eq(back.run.active, 1);
		o.run = &back.run;
		nn_rng_seed(&unused, 999);
		ck_assert_int_eq(nn_train(back.model, NN_LOSS_CE, &back.optim,
		                          d, &o, &unused, &back.hist), 0);
		ck_assert_int_eq(back.run.iter, whole.run.iter);
		ck_assert_msg(same_params(whole.model, back.model),
		              "stopped at %ld: weights differ", stops[s]);
		ck_assert(memcmp(whole.optim.m, back.optim.m,
		                 whole.optim.nstate * 4) == 0);
		ck_assert_int_eq(back.optim.t, whole.optim.t);
		ck_assert(back.hist.p[back.hist.n - 1].val_loss ==
		          whole.hist.p[whole.hist.n - 1].val_loss);
		ck_assert_int_eq(nn_train(back.model, NN_LOSS_CE, &back.optim,
		                          d, &o, &unused, &back.hist), -1);
		ck_assert_ptr_nonnull(strstr(nn_error(), "no stopped run"));
		nn_file_free(&whole);
		nn_file_free(&part);
		nn_file_free(&back);
		nn_dataset_free(d);
	}
}
END_TEST

/* The same for the methods beyond gradient descent: their state (sdlm's
 * second derivatives, L-BFGS's pairs, CG's and SCG's direction, BFGS's
 * inverse Hessian, LM's mu) goes into the file, so a resumed run
 * equals one that never stopped, bit for bit. */
START_TEST(resume_second_order)
{
	static const struct { nn_optim_kind kind; long stop; } runs[] = {
		{ NN_OPT_SDLM, 5 }, { NN_OPT_SDLM, 6 }, { NN_OPT_CG, 1 },
		{ NN_OPT_CG, 2 }, { NN_OPT_LBFGS, 2 }, { NN_OPT_BFGS, 2 },
		{ NN_OPT_SCG, 1 }, { NN_OPT_SCG, 2 }, { NN_OPT_LM, 2 },
	};

	for (size_t s = 0; s < sizeof runs / sizeof runs[0]; s++) {
		nn_optim_kind k = runs[s].kind;
		nn_file whole, part, back;
		nn_dataset *d = random_set(90, 6, 4, 50);
		nn_train_opts o = { .resume = 1 };
		nn_rng unused;

		trained_with(&whole, 0, k);
		trained_with(&part, runs[s].stop, k);
		ck_assert_int_eq(part.run.iter, runs[s].stop);
		ck_assert_int_eq(nn_save(tmp_path("part.safetensors"), &part),
		                 0);
		ck_assert_int_eq(nn_load(tmp_path("part.safetensors"), &back),
		                 0);
		ck_assert(back.optim.mu == part.optim.mu);
		o.run = &back.run;
		nn_rng_seed(&unused, 999);
		ck_assert_int_eq(nn_train(back.model, loss_of(k), &back.optim,
		                          d, &o, &unused, &back.hist), 0);
		ck_assert_int_eq(back.run.iter, whole.run.iter);
		ck_assert_msg(same_params(whole.model, back.model),
		              "%s stopped at %ld: weights differ",
		              nn_optim_name(k), runs[s].stop);
		ck_assert(back.optim.mu == whole.optim.mu);
		nn_file_free(&whole);
		nn_file_free(&part);
		nn_file_free(&back);
		nn_dataset_free(d);
	}
}
END_TEST

/* A file from before the full-batch settings and state (the fuzzing
 * seed state.safetensors, sgd with its training state) still loads,
 * with the defaults for what it lacks. */
START_TEST(old_file_loads)
{
	nn_file f;

	ck_assert_msg(nn_load(NNSH_OLD_FILE, &f) == 0, "%s", nn_error());
	ck_assert_int_eq(f.optim.kind, NN_OPT_SGD);
	ck_assert_int_eq(f.optim.history, 10);
	ck_assert_int_eq(f.optim.sample, 500);
	ck_assert_ptr_null(f.optim.full);
	ck_assert_int_eq(f.state, 1);
	nn_file_free(&f);
}
END_TEST

/* Every prefix of a file is rejected, with a message, without a crash;
 * so are single-byte corruptions of its header. */
START_TEST(damaged_files_rejected)
{
	const char *p = tmp_path("whole.safetensors");
	const char *q = tmp_path("cut.safetensors");
	unsigned char *b;
	size_t len, hlen;
	nn_file f;
	nn_rng r;
	int accepted = 0;

	trained(&f, 0);
	ck_assert_int_eq(nn_save(p, &f), 0);
	nn_file_free(&f);
	b = slurp(p, &len);
	for (size_t cut = 0; cut < len; cut++) {
		spit(q, b, cut);
		ck_assert_msg(nn_load(q, &f) == -1, "cut at %zu loaded", cut);
		ck_assert(strlen(nn_error()) > 0);
		ck_assert_ptr_null(f.model);
	}
	hlen = 8 + (size_t)b[0] + 256 * (size_t)b[1];
	nn_rng_seed(&r, 60);
	for (int k = 0; k < 3000; k++) {
		unsigned char *c = malloc(len);
		size_t at = nn_rng_below(&r, (uint32_t)hlen);

		memcpy(c, b, len);
		c[at] = (unsigned char)nn_rng_below(&r, 256);
		spit(q, c, len);
		if (nn_load(q, &f) == 0) {
			accepted++;
			nn_file_free(&f);
		}
		free(c);
	}
	printf("header corruptions accepted (harmless ones): %d of 3000\n",
	       accepted);
	free(b);
	ck_assert_int_eq(nn_load(tmp_path("none.safetensors"), &f), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "cannot open"));
}
END_TEST

/* Write a file with this header and len bytes of zero data. */
static void hostile(const char *json, size_t len)
{
	size_t n = strlen(json);
	unsigned char *b = calloc(8 + n + len + 1, 1);

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)n >> (8 * i));
	memcpy(b + 8, json, n);
	spit(tmp_path("hostile.safetensors"), b, 8 + n + len);
	free(b);
}

static void expect_reject(const char *json, size_t len, const char *why)
{
	nn_file f;

	hostile(json, len);
	ck_assert_msg(nn_load(tmp_path("hostile.safetensors"), &f) == -1,
	              "accepted: %s", json);
	ck_assert_msg(strstr(nn_error(), why), "'%s' for %s", nn_error(),
	              json);
}

#define META "\"__metadata__\":{\"nnsh.version\":\"0.1.0\"," \
	"\"nnsh.input\":\"2\",\"nnsh.layers\":"

START_TEST(hostile_files_rejected)
{
	nn_file f;

	expect_reject("[1,2]", 0, "not a JSON object");
	expect_reject("{\"a\":", 0, "not valid JSON");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,8]},\"x\":{}}", 8, "not valid");
	expect_reject("{\"x\":{\"dtype\":\"F16\",\"shape\":[2],"
	              "\"data_offsets\":[0,4]}}", 4, "dtype F16");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],"
	              "\"data_offsets\":[0,8]}}", 8, "needs 12 bytes");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\","
	              "\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlap");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[4,12]}}", 12, "hole");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,8]}}", 12, "end at byte 8");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":["
	              "4611686018427387904,4],\"data_offsets\":[0,8]}}", 8,
	              "too large");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],"
	              "\"data_offsets\":[0,8]}}", 8, "bad shape");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,99]}}", 8, "outside");
	expect_reject("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
	              "\"data_offsets\":[0,8]}}", 8, "not an nnsh model");
	/* a layer far bigger than the data is refused before allocation */
	expect_reject("{" META "\"[{\\\"kind\\\":\\\"dense\\\","
	              "\\\"units\\\":1000000000}]\"}}", 0, "more than");
	expect_reject("{" META "\"[{\\\"kind\\\":\\\"warp\\\"}]\"}}", 0,
	              "unknown layer kind");
	expect_reject("{" META "\"[{\\\"kind\\\":\\\"dense\\\","
	              "\\\"units\\\":1}]\"},\"1.W\":{\"dtype\":\"F32\","
	              "\"shape\":[2,1],\"data_offsets\":[0,8]},\"1.b\":{"
	              "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
	              "[8,12]}}", 12, "layer's shape");
	expect_reject("{" META "\"[{\\\"kind\\\":\\\"dense\\\","
	              "\\\"units\\\":1}]\"},\"1.W\":{\"dtype\":\"F32\","
	              "\"shape\":[1,2],\"data_offsets\":[0,8]},\"1.b\":{"
	              "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
	              "[8,12]},\"9.W\":{\"dtype\":\"F32\",\"shape\":[1],"
	              "\"data_offsets\":[12,16]}}", 16, "unexpected tensor");
	/* and the smallest good file loads */
	hostile("{" META "\"[{\\\"kind\\\":\\\"dense\\\","
	        "\\\"units\\\":1}]\"},\"1.W\":{\"dtype\":\"F32\","
	        "\"shape\":[1,2],\"data_offsets\":[0,8]},\"1.b\":{"
	        "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
	        "[8,12]}}", 12);
	ck_assert_int_eq(nn_load(tmp_path("hostile.safetensors"), &f), 0);
	ck_assert_uint_eq(nn_model_param_count(f.model), 3);
	nn_file_free(&f);
}
END_TEST

/* A save that dies part-way leaves the old file whole. */
START_TEST(crashed_save_keeps_old_file)
{
	const char *p = tmp_path("keep.safetensors");
	nn_file a, b, c;
	unsigned char *old;
	size_t len;
	const long at[] = { 0, 5, 8, 100, 1000, 2000 };

	trained(&a, 0);
	trained(&b, 4);
	ck_assert_int_eq(nn_save(p, &a), 0);
	old = slurp(p, &len);
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		unsigned char *now;
		size_t nlen;

		nn_save_crash_after = at[k];
		ck_assert_int_eq(nn_save(p, &b), -1);
		nn_save_crash_after = -1;
		now = slurp(p, &nlen);
		ck_assert(nlen == len && memcmp(now, old, len) == 0);
		free(now);
		ck_assert_int_eq(nn_load(p, &c), 0);
		ck_assert(same_params(a.model, c.model));
		nn_file_free(&c);
	}
	ck_assert_int_eq(nn_save(p, &b), 0);
	ck_assert_int_eq(nn_load(p, &c), 0);
	ck_assert(same_params(b.model, c.model));
	nn_file_free(&c);
	free(old);
	nn_file_free(&a);
	nn_file_free(&b);
}
END_TEST

/* A process killed at any moment while saving again and again leaves a
 * file that loads as one of the two models. */
START_TEST(killed_saver_leaves_whole_file)
{
	const char *p = tmp_path("killed.safetensors");
	nn_file a, b, c;

	trained(&a, 0);
	trained(&b, 4);
	ck_assert_int_eq(nn_save(p, &a), 0);
	for (int k = 0; k < 20; k++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			for (;;) {
				nn_save(p, &b);
				nn_save(p, &a);
			}
		}
		usleep(1000 + 997 * (useconds_t)k);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ck_assert_int_eq(nn_load(p, &c), 0);
		ck_assert(same_params(a.model, c.model) ||
		          same_params(b.model, c.model));
		nn_file_free(&c);
	}
	nn_file_free(&a);
	nn_file_free(&b);
}
END_TEST
int main(void)
{
	Suite *s = suite_create("steerfile");
	TCase *tc = tcase_create("core");
	char cmd[300];
	int failed;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, file_roundtrip_exact);
	tcase_add_test(tc, decay_deadzone_roundtrip);
	tcase_add_test(tc, resume_equals_uninterrupted);
	tcase_add_test(tc, resume_second_order);
	tcase_add_test(tc, old_file_loads);
	tcase_add_test(tc, damaged_files_rejected);
	tcase_add_test(tc, hostile_files_rejected);
	tcase_add_test(tc, crashed_save_keeps_old_file);
	tcase_add_test(tc, killed_saver_leaves_whole_file);
	suite_add_tcase(s, tc);
	failed = run_suite(s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return failed;
}
