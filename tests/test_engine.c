/* test_engine.c - the engine's plumbing: shapes, random numbers, the BLAS
 * seam against plain loops, optimizer steps against their formulas,
 * parameter counts, and small networks that must learn. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"
#include "workers.h"
#include "gradcheck.h"
#include "suite.h"

START_TEST(shape_parse)
{
	nn_shape s;
	char buf[32];

	ck_assert_int_eq(nn_shape_parse("1x28x28", &s), 0);
	ck_assert_int_eq(s.ndim, 3);
	ck_assert_int_eq(nn_shape_size(&s), 784);
	ck_assert_str_eq(nn_shape_str(&s, buf, sizeof buf), "1x28x28");
	ck_assert_int_eq(nn_shape_parse("3,32,32", &s), 0);
	ck_assert_int_eq(nn_shape_size(&s), 3072);
	ck_assert_int_eq(nn_shape_parse("0", &s), -1);
	ck_assert_int_eq(nn_shape_parse("4x", &s), -1);
	ck_assert_int_eq(nn_shape_parse("1x2x3x4x5", &s), -1);
	ck_assert_int_eq(nn_shape_parse("abc", &s), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "abc"));
}
END_TEST

START_TEST(rng_deterministic)
{
	nn_rng a, b;
	double sum = 0, sq = 0;
	int n = 100000;

	nn_rng_seed(&a, 42);
	nn_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		ck_assert(nn_rng_next(&a) == nn_rng_next(&b));
	for (int i = 0; i < n; i++) {
		double v = nn_rng_normal(&a);

		sum += v;
		sq += v * v;
	}
	ck_assert_double_eq_tol(sum / n, 0, 0.02);
	ck_assert_double_eq_tol(sq / n, 1, 0.02);
	for (int i = 0; i < 1000; i++) {
		double u = nn_rng_uniform(&a);

		ck_assert(u >= 0 && u < 1);
		ck_assert_uint_lt(nn_rng_below(&a, 7), 7);
	}
}
END_TEST

/* nn_rng_fill32 gives the upper halves of nn_rng_next's numbers, in
 * order, and leaves the generator where n calls of it would: dropout's
 * masks stayed the same when it moved to it. */
START_TEST(rng_fill32_matches_next)
{
	nn_rng a, b;
	uint32_t bits[1000];

	nn_rng_seed(&a, 7);
	nn_rng_seed(&b, 7);
	for (size_t n = 0; n <= 1000; n += 333) {
		nn_rng_fill32(&a, bits, n);
		for (size_t i = 0; i < n; i++)
			ck_assert_uint_eq(bits[i], nn_rng_next(&b) >> 32);
	}
	ck_assert(nn_rng_next(&a) == nn_rng_next(&b));
}
END_TEST

/* nn_sgemm against the naive loops, every transposition, odd sizes, on
 * two threads (products above 4M multiply-adds are cut into bands of rows,
 * or of columns when wider than tall) */
START_TEST(gemm_matches_naive)
{
	static const size_t sizes[][3] = {
		{ 1, 1, 1 }, { 3, 5, 7 }, { 17, 1, 33 }, { 100, 200, 784 },
		{ 257, 129, 65 }, { 1, 7, 13 }, { 1, 200, 784 }, { 9, 5, 1 },
		{ 1, 1, 5 }, { 1, 6, 1 }, { 6, 1, 1 }, { 32, 784, 1 },
		{ 33, 513, 301 }, { 301, 35, 513 },
	};
	nn_rng r;

	nn_rng_seed(&r, 9);
	nn_set_threads(2);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		for (int t = 0; t < 4; t++) {
			size_t M = sizes[s][0], N = sizes[s][1], K = sizes[s][2];
			int ta = t & 1, tb = t >> 1;
			float *A = malloc(M * K * sizeof *A);
			float *B = malloc(K * N * sizeof *B);
			float *C = malloc(M * N * sizeof *C);
			float *R = malloc(M * N * sizeof *R);

			gc_fill(&r, A, M * K, -1, 1);
			gc_fill(&r, B, K * N, -1, 1);
			gc_fill(&r, C, M * N, -1, 1);
			memcpy(R, C, M * N * sizeof *R);
			if (s % 2) {
				/* beta 0 must ignore C, even NaN */
				for (size_t i = 0; i < M * N; i++)
					C[i] = R[i] = NAN;
			}
			nn_sgemm(ta, tb, M, N, K, 0.5f, A, ta ? M : K, B,
			         tb ? K : N, s % 2 ? 0 : 0.25f, C, N);
			nn_sgemm_naive(ta, tb, M, N, K, 0.5f, A, ta ? M : K,
			               B, tb ? K : N, s % 2 ? 0 : 0.25f, R, N);
			for (size_t i = 0; i < M * N; i++)
				ck_assert_double_eq_tol(C[i], R[i],
				                        1e-5 * (1 + K));
			free(A);
			free(B);
			free(C);
			free(R);
		}
	nn_set_threads(0);
}
END_TEST

/* Products large enough to be cut into bands (4M multiply-adds and more,
 * by rows, by columns, one row or column, up to eight bands) give the same
 * bits on 1, 2, 3 and 8 threads: oneDNN rounds an element differently in
 * bands of other shapes, so the bands must not depend on the threads. */
START_TEST(gemm_threads_agree)
{
	static const size_t sizes[][3] = {
		{ 100, 200, 784 }, { 32, 256, 784 }, { 256, 784, 32 },
		{ 1000, 200, 784 }, { 1, 8192, 600 }, { 9000, 1, 600 },
		{ 3000, 1500, 1 },
	};
	nn_rng r;

	nn_rng_seed(&r, 5);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t M = sizes[s][0], N = sizes[s][1], K = sizes[s][2];
		float *A = malloc(M * K * sizeof *A);
		float *B = malloc(K * N * sizeof *B);
		float *C1 = malloc(M * N * sizeof *C1);
		float *C = malloc(M * N * sizeof *C);
		static const int threads[] = { 1, 2, 3, 8 };

		ck_assert_int_gt(nn_sgemm_bands(M, N, K), 1);
		gc_fill(&r, A, M * K, -1, 1);
		gc_fill(&r, B, K * N, -1, 1);
		for (int t = 0; t < 4; t++) {
			nn_set_threads(threads[t]);
			nn_sgemm(s % 2, 0, M, N, K, 1, A, s % 2 ? M : K, B, N,
			         0, t ? C : C1, N);
			if (t)
				ck_assert_msg(memcmp(C, C1, M * N *
				                     sizeof *C) == 0,
				              "%zux%zux%zu on %d threads",
				              M, N, K, threads[t]);
		}
		free(A);
		free(B);
		free(C1);
		free(C);
	}
	nn_set_threads(0);
}
END_TEST

/* Dense layers large enough to be shared between threads (70 x 300 x 256
 * and 70 x 256 x 256 multiply-adds, above 4M, and 1000 samples in eight
 * bands) give the same outputs, weight gradients and input gradients
 * (the second layer's dx), bit for bit, on one, two and three threads;
 * so does a narrow one (1000 x 256 x 20: its weight gradient is cut by
 * inputs, not by its 20 units), whose weight gradient is dz' x. */
START_TEST(dense_threads_agree)
{
	nn_shape in = { 1, { 300 } };
	nn_layer_spec s[3] = {
		{ .kind = "dense", .args = "256", .act = NN_ACT_TANH },
		{ .kind = "dense", .args = "256" },
		{ .kind = "dense", .args = "20" },
	};
	static const size_t batches[] = { 70, 1000 };
	size_t total;
	nn_model *m = nn_model_new(&in);
	nn_rng r;

	nn_rng_seed(&r, 4);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(nn_model_add(m, &s[i], &r), 0);
	total = nn_model_param_count(m);
	for (int b = 0; b < 2; b++) {
		size_t n = batches[b];
		float *x = malloc(n * 300 * sizeof *x);
		float *g = malloc(n * 20 * sizeof *g);
		float *out1 = malloc(n * 20 * sizeof *out1);
		float *grad1 = malloc(total * sizeof *grad1);
		float dw[20 * 256];
		nn_param w;

		gc_fill(&r, x, n * 300, -1, 1);
		gc_fill(&r, g, n * 20, -1, 1);
		for (int threads = 1; threads <= 3; threads++) {
			const float *out;

			nn_set_threads(threads);
			out = nn_model_forward(m, x, n, 0, NULL);
			nn_model_backward(m, g, 0);
			if (threads == 1) {
				memcpy(out1, out, n * 20 * sizeof *out1);
				memcpy(grad1, nn_model_grads(m),
				       total * sizeof *grad1);
				continue;
			}
			ck_assert(memcmp(out, out1, n * 20 *
			                 sizeof *out) == 0);
			ck_assert(memcmp(nn_model_grads(m), grad1, total *
			                 sizeof *grad1) == 0);
		}
		nn_model_param(m, 2, 0, &w);
		nn_sgemm_naive(1, 0, 20, 256, n, 1, g, 20, nn_model_a(m, 1),
		               256, 0, dw, 256);
		for (size_t i = 0; i < 20 * 256; i++)
			ck_assert_msg(fabsf(w.grad[i] - dw[i]) <=
			              1e-5f * (1 + fabsf(dw[i])), "dW[%zu] %g, "
			              "dz' x %g", i, w.grad[i], dw[i]);
		free(x);
		free(g);
		free(out1);
		free(grad1);
	}
	nn_set_threads(0);
	nn_model_free(m);
}
END_TEST

/* A loop started from inside a part of another runs there, all its parts
 * in turn, instead of waiting for the busy workers; each outer part counts
 * its inner parts, which run on the outer part's thread. */
typedef struct nest {
	int count[NN_MAX_PARTS];
	int slot[NN_MAX_PARTS];
	int elsewhere;
} nest;

typedef struct nest_part {
	nest *n;
	int outer;
} nest_part;

static void inner_part(void *ud, int part, int parts)
{
	nest_part *p = ud;

	(void)part;
	(void)parts;
	p->n->count[p->outer]++;
	if (nn_parallel_slot() != p->n->slot[p->outer])
		__atomic_add_fetch(&p->n->elsewhere, 1, __ATOMIC_RELAXED);
}

static void outer_part(void *ud, int part, int parts)
{
	nest_part p = { ud, part };

	(void)parts;
	p.n->slot[part] = nn_parallel_slot();
	ck_assert_int_eq(nn_parallel(8, inner_part, &p), 8);
}

START_TEST(parallel_nested)
{
	nest n = { { 0 }, { 0 }, 0 };

	nn_set_threads(2);
	ck_assert_int_eq(nn_parallel(2, outer_part, &n), 2);
	ck_assert_int_eq(n.count[0], 8);
	ck_assert_int_eq(n.count[1], 8);
	ck_assert_int_eq(n.elsewhere, 0);
	nn_set_threads(0);
}
END_TEST

/* Every part of a loop runs once, whatever the thread count, and a loop
 * has min(want, NN_MAX_PARTS) parts on one thread as on eight. */
static void count_part(void *ud, int part, int parts)
{
	int *runs = ud;

	ck_assert_int_lt(part, parts);
	__atomic_add_fetch(&runs[part], 1, __ATOMIC_RELAXED);
}

START_TEST(parallel_parts_fixed)
{
	static const int wants[] = { 1, 2, 3, 7, 8, 9, 100, 1 << 30 };

	for (int threads = 1; threads <= NN_MAX_PARTS; threads++) {
		nn_set_threads(threads);
		for (size_t w = 0; w < sizeof wants / sizeof wants[0]; w++)
			for (int rep = 0; rep < 50; rep++) {
				int runs[NN_MAX_PARTS] = { 0 }, parts;
				int want = wants[w];

				parts = nn_parallel(want, count_part, runs);
				ck_assert_int_eq(parts, want < NN_MAX_PARTS ?
				                 want : NN_MAX_PARTS);
				for (int p = 0; p < NN_MAX_PARTS; p++)
					ck_assert_int_eq(runs[p], p < parts);
			}
	}
	nn_set_threads(0);
}
END_TEST

/* Loops published while every worker sleeps (the pause between them is
 * longer than a worker watches for the next) still run every part once
 * and return only when all are done, and the loops that follow at once,
 * with the workers awake, too: the pool leaves the first ones untimed. */
static void slow_part(void *ud, int part, int parts)
{
	int *runs = ud;
	double end = nn_now() + 50e-6;

	(void)parts;
	while (nn_now() < end)
		;
	__atomic_add_fetch(&runs[part], 1, __ATOMIC_RELAXED);
}

START_TEST(parallel_after_sleep)
{
	struct timespec pause = { 0, 3000000 };

	nn_set_threads(2);
	for (int rep = 0; rep < 20; rep++) {
		for (int burst = 0; burst < 4; burst++) {
			int runs[4] = { 0 };

			ck_assert_int_eq(nn_parallel(4, slow_part, runs), 4);
			for (int p = 0; p < 4; p++)
				ck_assert_int_eq(runs[p], 1);
		}
		nanosleep(&pause, NULL);
	}
	nn_set_threads(0);
}
END_TEST

/* The caller takes every part no worker has begun: a part that a worker
 * runs here waits until all the others are done, which only the caller
 * can do while that worker is held (a pool that gave each thread a fixed
 * share would wait for ever; the wait gives up after 20 s and fails). */
typedef struct held {
	int done;               /* parts finished (atomic) */
	int held;               /* parts a worker ran and held (atomic) */
	int timeout;
} held;

static void held_part(void *ud, int part, int parts)
{
	held *h = ud;

	(void)part;
	if (nn_parallel_slot() != 0) {
		double end = nn_now() + 20;

		__atomic_add_fetch(&h->held, 1, __ATOMIC_RELAXED);
		while (__atomic_load_n(&h->done, __ATOMIC_ACQUIRE) <
		       parts - 1)
			if (nn_now() > end) {
				h->timeout = 1;
				break;
			}
	}
	__atomic_add_fetch(&h->done, 1, __ATOMIC_RELEASE);
}

START_TEST(parallel_caller_takes_over)
{
	nn_set_threads(2);
	for (int rep = 0; rep < 200; rep++) {
		held h = { 0, 0, 0 };

		ck_assert_int_eq(nn_parallel(8, held_part, &h), 8);
		ck_assert_int_eq(h.done, 8);
		ck_assert_int_le(h.held, 1);
		ck_assert(!h.timeout);
	}
	nn_set_threads(0);
}
END_TEST

/* Training's backward pass skips the deltas no parameter gradient needs
 * (here the leading flatten's, and so the first dense layer's input
 * gradient) and gives the same parameter gradients as the full pass;
 * nn_model_dz says which deltas it skipped. */
START_TEST(backward_params_prunes)
{
	nn_shape in = { 3, { 1, 4, 5 } };
	nn_layer_spec s[3] = {
		{ .kind = "flatten" },
		{ .kind = "dense", .args = "6", .act = NN_ACT_SIGMOID },
		{ .kind = "dense", .args = "3" },
	};
	size_t n = 7, total;
	float x[7 * 20], g[7 * 3], *full;
	nn_model *m = nn_model_new(&in);
	nn_rng r;

	nn_rng_seed(&r, 9);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(nn_model_add(m, &s[i], &r), 0);
	total = nn_model_param_count(m);
	full = malloc(total * sizeof *full);
	gc_fill(&r, x, n * 20, -1, 1);
	gc_fill(&r, g, n * 3, -1, 1);
	nn_model_forward(m, x, n, 1, &r);
	nn_model_backward(m, g, 0);
	memcpy(full, nn_model_grads(m), total * sizeof *full);
	ck_assert_ptr_nonnull(nn_model_dz(m, 0));
	nn_model_backward_params(m, g, 0);
	for (size_t i = 0; i < total; i++)
		ck_assert_float_eq(nn_model_grads(m)[i], full[i]);
	ck_assert_ptr_null(nn_model_dz(m, 0));
	ck_assert_ptr_nonnull(nn_model_dz(m, 1));
	ck_assert_ptr_nonnull(nn_model_dz(m, 2));
	nn_model_backward(m, g, 0);
	ck_assert_ptr_nonnull(nn_model_dz(m, 0));
	nn_model_free(m);
	free(full);
}
END_TEST

/* A flatten reading a lent input passes it on (its output is the
 * input's memory) and the model computes what it computes from a copy;
 * an input not lent is copied; ending the loan gives the flatten its
 * own copy of the last pass's values. */
START_TEST(lent_input_passed_on)
{
	nn_shape in = { 3, { 1, 4, 5 } };
	nn_layer_spec s[2] = {
		{ .kind = "flatten" },
		{ .kind = "dense", .args = "3", .act = NN_ACT_TANH },
	};
	size_t n = 6;
	float x[6 * 20], x2[6 * 20], g[6 * 3], out[6 * 3], grad[21 * 3];
	nn_model *m = nn_model_new(&in);
	nn_rng r;

	nn_rng_seed(&r, 4);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(nn_model_add(m, &s[i], &r), 0);
	gc_fill(&r, x, n * 20, -1, 1);
	gc_fill(&r, g, n * 3, -1, 1);
	memcpy(x2, x, sizeof x);
	ck_assert_uint_eq(nn_model_param_count(m), 21 * 3);
	memcpy(out, nn_model_forward(m, x2, n, 0, NULL), sizeof out);
	nn_model_backward_params(m, g, 0);
	memcpy(grad, nn_model_grads(m), nn_model_param_count(m) *
	       sizeof *grad);
	ck_assert_ptr_ne(nn_model_a(m, 0), x2);
	nn_model_lend_input(m, x, sizeof x / sizeof *x);
	nn_model_forward(m, x2, n, 0, NULL);
	ck_assert_ptr_ne(nn_model_a(m, 0), x2);         /* not lent */
	nn_model_forward(m, x, n, 0, NULL);
	ck_assert_ptr_eq(nn_model_a(m, 0), x);
	for (size_t i = 0; i < n * 3; i++)
		ck_assert_float_eq(nn_model_a(m, 1)[i], out[i]);
	nn_model_backward_params(m, g, 0);
	for (size_t i = 0; i < nn_model_param_count(m); i++)
		ck_assert_float_eq(nn_model_grads(m)[i], grad[i]);
	nn_model_lend_input(m, NULL, 0);
	ck_assert_ptr_ne(nn_model_a(m, 0), x);
	memset(x, 0, sizeof x);
	for (size_t i = 0; i < n * 20; i++)
		ck_assert_float_eq(nn_model_a(m, 0)[i], x2[i]);
	nn_model_free(m);
}
END_TEST

/* A model large enough for the optimizer to share its update between
 * threads (over 64k parameters) takes the same steps of every optimizer,
 * weight decay on weights only, bit for bit, on 1, 2, 3 and 8 threads.
 * Each parameter is updated on its own, but GCC's vectorised loop and its
 * scalar remainder can round an update differently, so the shares must
 * be cut in the same places whatever the thread count. */
START_TEST(optim_threads_agree)
{
	nn_shape in = { 1, { 300 } };
	nn_layer_spec s[2] = {
		{ .kind = "dense", .args = "250" },
		{ .kind = "dense", .args = "7" },
	};
	static const int threads[] = { 1, 2, 3, 8 };
	nn_model *m[4];
	nn_rng r;
	size_t total = 0;

	for (int kind = 0; kind <= NN_OPT_ADAGRAD; kind++) {
		for (int t = 0; t < 4; t++) {
			nn_optim o;

			nn_rng_seed(&r, 8);
			m[t] = nn_model_new(&in);
			for (int i = 0; i < 2; i++)
				ck_assert_int_eq(nn_model_add(m[t], &s[i], &r),
				                 0);
			total = nn_model_param_count(m[t]);
			ck_assert_uint_gt(total, 64 * 1024);
			nn_set_threads(threads[t]);
			nn_optim_defaults(&o, (nn_optim_kind)kind);
			o.momentum = 0.9f;
			o.weight_decay = 0.1f;
			for (int step = 0; step < 50; step++) {
				gc_fill(&r, nn_model_grads(m[t]), total, -1, 1);
				ck_assert_int_eq(nn_optim_step(&o, m[t]), 0);
			}
			nn_optim_reset(&o);
		}
		nn_set_threads(0);
		for (int t = 1; t < 4; t++)
			ck_assert_msg(memcmp(nn_model_params(m[0]),
			                     nn_model_params(m[t]),
			                     total * sizeof(float)) == 0,
			              "optimizer %d on %d threads", kind,
			              threads[t]);
		for (int t = 0; t < 4; t++)
			nn_model_free(m[t]);
	}
}
END_TEST

/* A 1-parameter-tensor model whose gradient we set by hand. */
static nn_model *one_weight(float w0, float w1)
{
	nn_shape in = { 1, { 2 } };
	nn_layer_spec s = { .kind = "dense", .args = "1 nobias" };
	nn_model *m = nn_model_new(&in);
	nn_rng r;
	nn_param p;

	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &s, &r), 0);
	nn_model_param(m, 0, 0, &p);
	p.value[0] = w0;
	p.value[1] = w1;
	return m;
}

static void set_grad(nn_model *m, float g0, float g1)
{
	nn_model_grads(m)[0] = g0;
	nn_model_grads(m)[1] = g1;
}

/* decay=: after each step every weight times 1 - decay, apart from the
 * momentum; the bias keeps its plain step. */
START_TEST(optim_decay_per_step)
{
	nn_shape in = { 1, { 1 } };
	nn_layer_spec s = { .kind = "dense", .args = "1" };
	nn_model *m = nn_model_new(&in);
	nn_optim o;
	nn_rng r;
	double w = 0.5, b = 0.25, vw = 0, vb = 0, g[3] = { 0.5, -1.0, 0.2 };

	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &s, &r), 0);
	nn_model_params(m)[0] = (float)w;
	nn_model_params(m)[1] = (float)b;
	nn_optim_defaults(&o, NN_OPT_SGD);
	o.lr = 0.1f;
	o.momentum = 0.9f;
	o.decay = 0.002f;
	for (int t = 0; t < 3; t++) {
		nn_model_grads(m)[0] = (float)g[t];
		nn_model_grads(m)[1] = (float)g[t];
		ck_assert_int_eq(nn_optim_step(&o, m), 0);
		vw = 0.9 * vw + g[t];
		vb = 0.9 * vb + g[t];
		w = (w - 0.1 * vw) * (1 - 0.002);
		b -= 0.1 * vb;
		ck_assert_double_eq_tol(nn_model_params(m)[0], w, 1e-6);
		ck_assert_double_eq_tol(nn_model_params(m)[1], b, 1e-6);
	}
	nn_optim_reset(&o);
	nn_model_free(m);
}
END_TEST

/* A single output trained towards LO and HI is right on its label's side
 * of their middle: 0 for -1 and 1, 0.5 for the labels as they are. */
START_TEST(single_output_threshold)
{
	const float out[] = { -0.3f, 0.2f, 0.7f, -0.9f }, y[] = { 0, 1, 1, 0 };

	ck_assert_float_eq(nn_target_mid(-1, 1), 0);
	ck_assert_float_eq(nn_target_mid(0.1f, 0.9f), 0.5f);
	ck_assert_float_eq(nn_target_mid(0, 0), 0.5f);
	ck_assert_uint_eq(nn_count_correct(out, y, 4, 1, 0), 4);
	ck_assert_uint_eq(nn_count_correct(out, y, 4, 1, 0.5f), 3);
}
END_TEST

/* The dead zone: mse against nn_deadzone's targets is 1/2 * max(|d| -
 * dz, 0)^2 per output, and its gradient matches finite differences of
 * that loss, inside the zone (0), outside it and near its edges. */
START_TEST(deadzone_loss_gradient)
{
	enum { N = 4, W = 6 };
	float out[N * W], y[N * W], yz[N * W], g[N * W];
	const float dz = 0.2f;
	nn_rng r;
	double want = 0;

	nn_rng_seed(&r, 7);
	for (int i = 0; i < N * W; i++) {
		y[i] = (float)nn_rng_below(&r, 2);
		out[i] = (float)nn_rng_uniform(&r);
	}
	out[0] = y[0] ? 0.79f : 0.21f;  /* just outside the zone */
	out[1] = y[1] ? 0.81f : 0.19f;  /* just inside */
	for (int i = 0; i < N * W; i++) {
		double e = fabs((double)out[i] - y[i]) - dz;

		want += e > 0 ? 0.5 * e * e / N : 0;
	}
	memcpy(yz, y, sizeof y);
	nn_deadzone(out, yz, N * W, dz);
	ck_assert_double_eq_tol(nn_loss(NN_LOSS_MSE, NN_ACT_SIGMOID, out, out,
	                                yz, N, W, g, NULL), want, 1e-6);
	ck_assert(g[1] == 0);
	for (int i = 0; i < N * W; i++) {
		const double h = 1e-3;
		float keep = out[i];
		double lp, lm;

		out[i] = (float)(keep + h);
		memcpy(yz, y, sizeof y);
		nn_deadzone(out, yz, N * W, dz);
		lp = nn_loss(NN_LOSS_MSE, NN_ACT_SIGMOID, out, out, yz, N, W,
		             NULL, NULL);
		out[i] = (float)(keep - h);
		memcpy(yz, y, sizeof y);
		nn_deadzone(out, yz, N * W, dz);
		lm = nn_loss(NN_LOSS_MSE, NN_ACT_SIGMOID, out, out, yz, N, W,
		             NULL, NULL);
		out[i] = keep;
		ck_assert_msg(fabs((lp - lm) / (2 * h) - g[i]) < 1e-4,
		              "output %d: numeric %g, analytic %g", i,
		              (lp - lm) / (2 * h), g[i]);
	}
}
END_TEST

START_TEST(optim_sgd_momentum_nesterov)
{
	nn_optim o;
	nn_model *m = one_weight(1.0f, -2.0f);
	double w = 1.0, v = 0, g[3] = { 0.5, -0.25, 1.0 };

	/* plain SGD with weight decay: w -= lr (g + wd w) */
	nn_optim_defaults(&o, NN_OPT_SGD);
	o.lr = 0.1f;
	o.weight_decay = 0.01f;
	set_grad(m, 0.5f, 0);
	nn_optim_step(&o, m);
	ck_assert_double_eq_tol(nn_model_params(m)[0],
	                        1.0 - 0.1 * (0.5 + 0.01 * 1.0), 1e-6);
	nn_optim_reset(&o);
	nn_model_free(m);

	/* momentum with Nesterov, three steps, as torch.optim.SGD */
	m = one_weight(1.0f, 0);
	nn_optim_defaults(&o, NN_OPT_SGD);
	o.lr = 0.1f;
	o.momentum = 0.9f;
	o.nesterov = 1;
	for (int t = 0; t < 3; t++) {
		set_grad(m, (float)g[t], 0);
		nn_optim_step(&o, m);
		v = 0.9 * v + g[t];
		w -= 0.1 * (g[t] + 0.9 * v);
		ck_assert_double_eq_tol(nn_model_params(m)[0], w, 1e-6);
	}
	nn_optim_reset(&o);
	nn_model_free(m);
}
END_TEST

START_TEST(optim_adaptive)
{
	double g[3] = { 0.5, -0.25, 1.0 };

	for (int kind = NN_OPT_ADAM; kind <= NN_OPT_ADAGRAD; kind++) {
		nn_optim o;
		nn_model *m = one_weight(1.0f, 0);
		double w = 1.0, mo = 0, v = 0;

		nn_optim_defaults(&o, (nn_optim_kind)kind);
		o.lr = 0.01f;
		for (int t = 1; t <= 3; t++) {
			double gi = g[t - 1];

			set_grad(m, (float)gi, 0);
			nn_optim_step(&o, m);
			if (kind == NN_OPT_ADAM) {
				mo = 0.9 * mo + 0.1 * gi;
				v = 0.999 * v + 0.001 * gi * gi;
				w -= 0.01 * (mo / (1 - pow(0.9, t))) /
				     (sqrt(v / (1 - pow(0.999, t))) + 1e-8);
			} else if (kind == NN_OPT_RMSPROP) {
				v = 0.99 * v + 0.01 * gi * gi;
				w -= 0.01 * gi / (sqrt(v) + 1e-8);
			} else {
				v += gi * gi;
				w -= 0.01 * gi / (sqrt(v) + 1e-10);
			}
			ck_assert_msg(fabs(nn_model_params(m)[0] - w) < 1e-5,
			              "%s step %d: %g, expected %g",
			              nn_optim_name((nn_optim_kind)kind), t,
			              nn_model_params(m)[0], w);
		}
		nn_optim_reset(&o);
		nn_model_free(m);
	}
}
END_TEST

static nn_model *mlp(const int *sizes, int n, nn_act hidden, nn_act out)
{
	nn_shape in = { 1, { sizes[0] } };
	nn_model *m = nn_model_new(&in);
	nn_rng r;

	nn_rng_seed(&r, 1);
	for (int i = 1; i < n; i++) {
		char units[16];
		nn_layer_spec s = { .kind = "dense", .args = units,
		                    .act = i == n - 1 ? out : hidden };

		snprintf(units, sizeof units, "%d", sizes[i]);

		ck_assert_int_eq(nn_model_add(m, &s, &r), 0);
	}
	return m;
}

START_TEST(param_counts)
{
	static const int deep[] = { 784, 200, 100, 60, 30, 10 };
	static const int flat[] = { 784, 10 };
	nn_model *m = mlp(deep, 6, NN_ACT_RELU, NN_ACT_SOFTMAX);

	ck_assert_uint_eq(nn_model_param_count(m), 185300);
	nn_model_free(m);
	m = mlp(flat, 2, NN_ACT_RELU, NN_ACT_SOFTMAX);
	ck_assert_uint_eq(nn_model_param_count(m), 7850);
	nn_model_free(m);
}
END_TEST

/* a failed add leaves the model as it was */
START_TEST(add_failure_keeps_model)
{
	static const int sizes[] = { 4, 3 };
	nn_model *m = mlp(sizes, 2, NN_ACT_RELU, NN_ACT_LINEAR);
	nn_layer_spec bad = { .kind = "dense", .args = "0" };
	nn_layer_spec unknown = { .kind = "wobble" };
	nn_rng r;

	nn_rng_seed(&r, 1);
	ck_assert_int_eq(nn_model_add(m, &bad, &r), -1);
	ck_assert_int_eq(nn_model_add(m, &unknown, &r), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "wobble"));
	ck_assert_uint_eq(nn_model_layers(m), 1);
	ck_assert_uint_eq(nn_model_param_count(m), 15);
	nn_model_free(m);
}
END_TEST

static nn_dataset *xor_data(void)
{
	static const float x[8] = { 0, 0, 0, 1, 1, 0, 1, 1 };
	static const float y[4] = { 0, 1, 1, 0 };
	nn_dataset *d = nn_dataset_new();

	d->n = 4;
	d->xshape = (nn_shape){ 1, { 2 } };
	d->xsize = 2;
	d->x = malloc(sizeof x);
	d->y = malloc(sizeof y);
	memcpy(d->x, x, sizeof x);
	memcpy(d->y, y, sizeof y);
	d->ysize = 1;
	d->nclasses = 2;
	ck_assert_int_eq(nn_dataset_check(d), 0);
	return d;
}

/* xor with a 2-2-1 sigmoid network reaches 100% */
START_TEST(xor_learns)
{
	static const int sizes[] = { 2, 2, 1 };
	nn_model *m = mlp(sizes, 3, NN_ACT_SIGMOID, NN_ACT_SIGMOID);
	nn_dataset *d = xor_data();
	nn_optim o;
	nn_train_opts opts = { .epochs = 2000, .batch = 4, .shuffle = 1 };
	nn_history h = { 0 };
	nn_rng r;
	double loss, acc;
	nn_init init = { .kind = NN_INIT_NORMAL, .std = 1.0f };

	nn_rng_seed(&r, 3);
	nn_model_init(m, &init, &r, -1);
	nn_optim_defaults(&o, NN_OPT_SGD);
	o.lr = 2.0f;
	o.momentum = 0.9f;
	ck_assert_int_eq(nn_train(m, NN_LOSS_MSE, &o, d, &opts, &r, &h), 0);
	ck_assert_uint_eq(h.n, 2000);
	ck_assert_int_eq(nn_evaluate(m, NN_LOSS_MSE, d, 0, &loss, &acc, NULL),
	                 0);
	ck_assert_msg(acc == 1.0, "xor accuracy %g, loss %g", acc, loss);
	ck_assert_double_lt(loss, 0.01);
	nn_optim_reset(&o);
	nn_history_free(&h);
	nn_dataset_free(d);
	nn_model_free(m);
}
END_TEST

/* Per-sample training with plain SGD takes each step in the backward
 * pass (nn_model_backward_sgd): the same weights, bit for bit, as the
 * gradient followed by the optimizer's step, which a clip too large to
 * clip forces; the last batch before each point keeps its gradients, so
 * they agree too. 37 inputs: rows that are no whole number of vectors. */
START_TEST(sgd_step_in_backward)
{
	static const int sizes[] = { 37, 20, 5 };
	enum { N = 40, IN = 37 };
	nn_model *m[2];
	nn_dataset *d = nn_dataset_new();
	nn_rng r;

	d->n = N;
	d->xshape = (nn_shape){ 1, { IN } };
	d->xsize = IN;
	d->ysize = 5;
	d->nclasses = 5;
	d->x = malloc(N * IN * sizeof *d->x);
	d->y = calloc(N * 5, sizeof *d->y);
	nn_rng_seed(&r, 5);
	gc_fill(&r, d->x, N * IN, -1, 1);
	for (int i = 0; i < IN; i++)
		d->x[i] = 0;            /* a sample of zeros, as images have */
	for (int i = 0; i < N; i++)
		d->y[i * 5 + i % 5] = 1;        /* one-hot */
	ck_assert_int_eq(nn_dataset_check(d), 0);
	for (int k = 0; k < 2; k++) {
		nn_optim o;
		nn_train_opts opts = { .epochs = 3, .batch = 1, .shuffle = 1,
		                       .clip = k ? 1e30 : 0 };
		nn_history h = { 0 };

		m[k] = mlp(sizes, 3, NN_ACT_SIGMOID, NN_ACT_SOFTMAX);
		nn_optim_defaults(&o, NN_OPT_SGD);
		o.lr = 0.05f;
		nn_rng_seed(&r, 7);
		ck_assert_msg(nn_train(m[k], NN_LOSS_CE, &o, d, &opts, &r,
		                       &h) == 0, "%s", nn_error());
		ck_assert_uint_eq(h.n, 3);
		nn_optim_reset(&o);
		nn_history_free(&h);
	}
	for (size_t i = 0; i < nn_model_param_count(m[0]); i++) {
		ck_assert_float_eq(nn_model_params(m[0])[i],
		                   nn_model_params(m[1])[i]);
		ck_assert_float_eq(nn_model_grads(m[0])[i],
		                   nn_model_grads(m[1])[i]);
	}
	nn_model_free(m[0]);
	nn_model_free(m[1]);
	nn_dataset_free(d);
}
END_TEST

/* The interrupt flag stops an evaluation; cleared, the next one runs. */
START_TEST(evaluate_interrupted)
{
	static const int sizes[] = { 2, 2, 1 };
	nn_model *m = mlp(sizes, 3, NN_ACT_SIGMOID, NN_ACT_SIGMOID);
	nn_dataset *d = xor_data();
	volatile int flag = 1;
	double loss;

	nn_set_interrupt(&flag);
	ck_assert_int_eq(nn_evaluate(m, NN_LOSS_MSE, d, 0, &loss, NULL, NULL),
	                 -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "interrupted"));
	flag = 0;
	ck_assert_int_eq(nn_evaluate(m, NN_LOSS_MSE, d, 0, &loss, NULL, NULL),
	                 0);
	nn_set_interrupt(NULL);
	nn_dataset_free(d);
	nn_model_free(m);
}
END_TEST

static int stop_after_three(const nn_progress *p, void *ud)
{
	(void)ud;
	return p->iter == 3;
}

/* the callback stops a run between batches; the history keeps the part
 * done; a target width that does not fit is refused before training */
START_TEST(train_stop_and_misfit)
{
	static const int sizes[] = { 2, 3, 1 };
	static const int wide[] = { 2, 3, 2 };
	nn_model *m = mlp(sizes, 3, NN_ACT_TANH, NN_ACT_SIGMOID);
	nn_dataset *d = xor_data();
	nn_optim o;
	nn_train_opts opts = { .epochs = 100, .batch = 1,
	                       .callback = stop_after_three };
	nn_history h = { 0 };
	nn_rng r;

	nn_rng_seed(&r, 1);
	nn_optim_defaults(&o, NN_OPT_SGD);
	ck_assert_int_eq(nn_train(m, NN_LOSS_MSE, &o, d, &opts, &r, &h), 0);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_int_eq(h.p[0].iter, 3);
	ck_assert_int_eq(o.t, 3);
	nn_model_free(m);
	m = mlp(wide, 3, NN_ACT_TANH, NN_ACT_SOFTMAX);
	ck_assert_int_eq(nn_train(m, NN_LOSS_CE, &o, d, &opts, &r, &h), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "1 target per sample"));
	nn_optim_reset(&o);
	nn_history_free(&h);
	nn_dataset_free(d);
	nn_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, shape_parse);
	tcase_add_test(tc, rng_deterministic);
	tcase_add_test(tc, rng_fill32_matches_next);
	tcase_add_test(tc, gemm_matches_naive);
	tcase_add_test(tc, gemm_threads_agree);
	tcase_add_test(tc, dense_threads_agree);
	tcase_add_test(tc, optim_threads_agree);
	tcase_add_test(tc, backward_params_prunes);
	tcase_add_test(tc, lent_input_passed_on);
	tcase_add_test(tc, parallel_nested);
	tcase_add_test(tc, parallel_parts_fixed);
	tcase_add_test(tc, parallel_after_sleep);
	tcase_add_test(tc, parallel_caller_takes_over);
	tcase_add_test(tc, optim_sgd_momentum_nesterov);
	tcase_add_test(tc, optim_decay_per_step);
	tcase_add_test(tc, single_output_threshold);
	tcase_add_test(tc, deadzone_loss_gradient);
	tcase_add_test(tc, optim_adaptive);
	tcase_add_test(tc, param_counts);
	tcase_add_test(tc, add_failure_keeps_model);
	tcase_add_test(tc, xor_learns);
	tcase_add_test(tc, sgd_step_in_backward);
	tcase_add_test(tc, evaluate_interrupted);
	tcase_add_test(tc, train_stop_and_misfit);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
