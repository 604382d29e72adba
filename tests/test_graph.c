/* test_graph.c - models as graphs: merge kinds, inputs from any node,
 * shared (tied) weights, penalties on nodes, the gradient with respect to
 * the input, accumulating backward passes, files that keep all of it, and
 * bad graphs refused with the model unchanged. Every gradient is checked
 * against central differences (loss summed in double). */
#define _GNU_SOURCE             /* memmem */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gradcheck.h"
#include "suite.h"

#define TOL 1e-2
#define EPS 1e-2

/* Add a node; names and inputs in text: "a,b" (names or numbers). */
static int add(nn_model *m, nn_rng *r, nn_layer_spec s, const char *from)
{
	char buf[128], *tok, *save = NULL;

	if (from) {
		snprintf(buf, sizeof buf, "%s", from);
		for (tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			int f = nn_model_find_node(m, tok);

			if (f < 0)
				return -1;
			s.from[s.nfrom++] = f;
		}
	}
	return nn_model_add(m, &s, r);
}

#define ADD(m, r, from, ...) \
	ck_assert_msg(add(m, r, (nn_layer_spec){ __VA_ARGS__ }, from) == 0, \
	              "add: %s", nn_error())

/* Check parameter and input gradients on a random batch (MSE). */
static void check(nn_model *m, const char *what)
{
	nn_rng r;
	size_t n = 3, in = nn_shape_size(nn_model_input_shape(m));
	size_t w = nn_shape_size(nn_model_output_shape(m));
	float *x = malloc(n * in * sizeof *x), *y = malloc(n * w * sizeof *y);
	char worst[160] = "";
	double e;

	nn_rng_seed(&r, 5);
	gc_fill(&r, x, n * in, -1, 1);
	gc_fill(&r, y, n * w, -1, 1);
	e = gc_model(m, NN_LOSS_MSE, x, y, n, EPS, 0, 1, worst, sizeof worst);
	printf("gradcheck %-24s params worst %.2e %s\n", what, e, worst);
	ck_assert_msg(e < TOL, "%s: %g at %s", what, e, worst);
	e = gc_input(m, NN_LOSS_MSE, x, y, n, EPS, worst, sizeof worst);
	printf("gradcheck %-24s input  worst %.2e %s\n", what, e, worst);
	ck_assert_msg(e < TOL, "%s input: %g at %s", what, e, worst);
	free(x);
	free(y);
}

static nn_model *model(int d0, int d1, int d2)
{
	nn_shape s = { d1 ? 3 : 1, { d0, d1, d2 } };

	return nn_model_new(&s);
}

START_TEST(grad_merges)
{
	nn_rng r;
	nn_model *m = model(6, 0, 0);

	nn_rng_seed(&r, 1);
	ADD(m, &r, NULL, .kind = "dense", .args = "5", .act = NN_ACT_TANH,
	    .name = "a");
	ADD(m, &r, "in", .kind = "dense", .args = "5", .act = NN_ACT_SIGMOID,
	    .name = "b");
	ADD(m, &r, "a,b", .kind = "sum", .name = "s");
	ADD(m, &r, "a,b,s", .kind = "mul", .name = "p");
	ADD(m, &r, "s,p,a", .kind = "concat", .name = "c");
	ADD(m, &r, "c", .kind = "slice", .args = "3..11");
	ADD(m, &r, NULL, .kind = "dense", .args = "2");
	ck_assert_int_eq(nn_shape_size(nn_model_output_shape(m)), 2);
	ck_assert(!nn_model_is_chain(m));
	check(m, "sum mul concat slice");
	nn_model_free(m);
}
END_TEST

START_TEST(grad_same_input_twice)
{
	nn_rng r;
	nn_model *m = model(4, 0, 0);

	nn_rng_seed(&r, 2);
	ADD(m, &r, NULL, .kind = "dense", .args = "4", .act = NN_ACT_TANH,
	    .name = "h");
	ADD(m, &r, "h,h", .kind = "mul");
	ADD(m, &r, "h,2,in", .kind = "sum");
	ADD(m, &r, NULL, .kind = "dense", .args = "1");
	check(m, "x*x and x+f(x)+x");
	nn_model_free(m);
}
END_TEST

START_TEST(grad_ties)
{
	nn_rng r;
	nn_model *m = model(6, 0, 0);
	nn_param p, q;

	nn_rng_seed(&r, 3);
	/* a tied autoencoder: the decoder is the encoder transposed */
	ADD(m, &r, NULL, .kind = "dense", .args = "3", .act = NN_ACT_TANH,
	    .name = "enc");
	ADD(m, &r, NULL, .kind = "dense", .args = "6", .tie = 1,
	    .transpose = 1);
	ck_assert_int_eq(nn_model_param_count(m), 6 * 3 + 3 + 6);
	nn_model_param(m, 0, 0, &p);
	nn_model_param(m, 1, 0, &q);
	ck_assert_ptr_eq(p.value, q.value);
	ck_assert_int_eq(q.tied, 1);
	check(m, "tie transpose");
	nn_model_free(m);
	/* the same tensor used by two nodes side by side */
	m = model(4, 0, 0);
	ADD(m, &r, NULL, .kind = "dense", .args = "4", .act = NN_ACT_TANH);
	ADD(m, &r, "in", .kind = "dense", .args = "4", .tie = 1,
	    .act = NN_ACT_SIGMOID);
	ADD(m, &r, "1,2", .kind = "sum");
	ADD(m, &r, NULL, .kind = "dense", .args = "4", .tie = 1);
	ADD(m, &r, NULL, .kind = "dense", .args = "1");
	ck_assert_int_eq(nn_model_param_count(m), 16 + 4 + 4 + 4 + 4 + 1);
	check(m, "tie used three times");
	nn_model_free(m);
	/* convolutions of one shape share a kernel */
	m = model(2, 5, 5);
	ADD(m, &r, NULL, .kind = "conv", .args = "2 3 pad=1",
	    .act = NN_ACT_TANH);
	ADD(m, &r, NULL, .kind = "conv", .args = "2 3 pad=1", .tie = 1);
	ADD(m, &r, NULL, .kind = "flatten");
	ADD(m, &r, NULL, .kind = "dense", .args = "2");
	check(m, "conv tie");
	nn_model_free(m);
}
END_TEST

START_TEST(grad_penalties)
{
	nn_rng r;
	nn_model *m = model(3, 0, 0);
	float rv[4] = { 0.5f, -1, 2, 0.25f };

	nn_rng_seed(&r, 4);
	ADD(m, &r, NULL, .kind = "dense", .args = "4", .act = NN_ACT_SIGMOID,
	    .name = "h");
	ADD(m, &r, NULL, .kind = "dense", .args = "4", .act = NN_ACT_TANH,
	    .name = "g");
	ADD(m, &r, NULL, .kind = "dense", .args = "2");
	ck_assert_int_eq(nn_model_penalty_add(m, 0, NN_PEN_DOT, 0, rv, 4), 0);
	ck_assert_int_eq(nn_model_penalty_add(m, 1, NN_PEN_L1, 0.3f, NULL, 0),
	                 0);
	ck_assert_int_eq(nn_model_penalty_add(m, 1, NN_PEN_L2, 0.7f, NULL, 0),
	                 0);
	/* refused: wrong length, the output node */
	ck_assert_int_eq(nn_model_penalty_add(m, 0, NN_PEN_DOT, 0, rv, 3), -1);
	ck_assert_int_eq(nn_model_penalty_add(m, 2, NN_PEN_L2, 1, NULL, 0), -1);
	ck_assert_int_eq(nn_model_npenalties(m), 3);
	check(m, "dot l1 l2 penalties");
	ck_assert_int_eq(nn_model_penalty_remove(m, 1), 2);
	check(m, "dot penalty");
	nn_model_free(m);
}
END_TEST

static double sigm(double v)
{
	return 1 / (1 + exp(-v));
}

/* The backprop homework: y = x + W2 h + b2, h = sigmoid(W1 x + b1),
 * L = 1/2 |y - s|^2 + r'h, against the same sums done here in double. */
START_TEST(residual_by_hand)
{
	static const float W1[4] = { 0.1f, -0.2f, 0.3f, 0.4f };
	static const float b1[2] = { 0.05f, -0.1f };
	static const float W2[4] = { -0.3f, 0.2f, 0.5f, 0.1f };
	static const float b2[2] = { 0.2f, 0.3f };
	float x[2] = { 1, -2 }, s[2] = { 0.5f, 1 }, rv[2] = { 1, -0.5f };
	double h[2], y[2], L, dy[2], dh[2], dz1[2], dx[2], loss;
	float g[2];
	nn_rng r;
	nn_model *m = model(2, 0, 0);
	nn_param p;
	const float *out, *gx;
	int dz;

	nn_rng_seed(&r, 5);
	ADD(m, &r, NULL, .kind = "dense", .args = "2", .act = NN_ACT_SIGMOID,
	    .name = "h");
	ADD(m, &r, NULL, .kind = "dense", .args = "2");
	ADD(m, &r, "in,2", .kind = "sum");
	nn_model_param(m, 0, 0, &p); memcpy(p.value, W1, sizeof W1);
	nn_model_param(m, 0, 1, &p); memcpy(p.value, b1, sizeof b1);
	nn_model_param(m, 1, 0, &p); memcpy(p.value, W2, sizeof W2);
	nn_model_param(m, 1, 1, &p); memcpy(p.value, b2, sizeof b2);
	ck_assert_int_eq(nn_model_penalty_add(m, 0, NN_PEN_DOT, 0, rv, 2), 0);
	for (int i = 0; i < 2; i++)
		h[i] = sigm(W1[2 * i] * x[0] + W1[2 * i + 1] * x[1] + b1[i]);
	L = 0;
	for (int i = 0; i < 2; i++) {
		y[i] = x[i] + W2[2 * i] * h[0] + W2[2 * i + 1] * h[1] + b2[i];
		dy[i] = y[i] - s[i];
		L += 0.5 * dy[i] * dy[i] + rv[i] * h[i];
	}
	for (int i = 0; i < 2; i++) {
		dh[i] = W2[i] * dy[0] + W2[2 + i] * dy[1] + rv[i];
		dz1[i] = dh[i] * h[i] * (1 - h[i]);
	}
	for (int j = 0; j < 2; j++)
		dx[j] = dy[j] + W1[j] * dz1[0] + W1[2 + j] * dz1[1];
	out = nn_model_forward(m, x, 1, 0, NULL);
	loss = nn_loss(NN_LOSS_MSE, NN_ACT_LINEAR, out, out, s, 1, 2, g, &dz) +
	       nn_model_penalty_value(m, -1);
	ck_assert_msg(fabs(loss - L) < 1e-6, "L %g, by hand %g", loss, L);
	nn_model_backward(m, g, dz);
	gx = nn_model_input_grad(m);
	ck_assert_ptr_nonnull(gx);
	for (int j = 0; j < 2; j++)
		ck_assert_msg(fabs(gx[j] - dx[j]) < 1e-6, "dx%d %g, by hand %g",
		              j, gx[j], dx[j]);
	nn_model_param(m, 0, 0, &p);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			ck_assert(fabs(p.grad[2 * i + j] - dz1[i] * x[j]) < 1e-6);
	nn_model_param(m, 1, 0, &p);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			ck_assert(fabs(p.grad[2 * i + j] - dy[i] * h[j]) < 1e-6);
	nn_model_free(m);
}
END_TEST

/* Two accumulating passes give twice one pass; zeroing starts over. */
START_TEST(accumulate)
{
	nn_rng r;
	nn_model *m = model(3, 0, 0);
	float x[6] = { 1, 2, 3, -1, 0.5f, 0 }, g[4] = { 1, -1, 0.5f, 2 };
	float *once;
	size_t np;

	nn_rng_seed(&r, 6);
	ADD(m, &r, NULL, .kind = "dense", .args = "3", .act = NN_ACT_TANH);
	ADD(m, &r, NULL, .kind = "dense", .args = "2", .tie = 0);
	np = nn_model_param_count(m);
	once = malloc(np * sizeof *once);
	nn_model_forward(m, x, 2, 0, NULL);
	nn_model_backward(m, g, 0);
	memcpy(once, nn_model_grads(m), np * sizeof *once);
	nn_model_backward_acc(m, g, 0, 0);
	for (size_t i = 0; i < np; i++)
		ck_assert(fabsf(nn_model_grads(m)[i] - 2 * once[i]) <=
		          1e-6f * (1 + fabsf(once[i])));
	nn_model_zero_grads(m);
	nn_model_backward_acc(m, g, 0, 1);
	for (size_t i = 0; i < np; i++)
		ck_assert(nn_model_grads(m)[i] == once[i]);
	ck_assert_ptr_nonnull(nn_model_input_grad(m));
	/* only a penalty drives the pass: the output gets no gradient */
	ck_assert_int_eq(nn_model_penalty_add(m, 0, NN_PEN_L2, 1, NULL, 0), 0);
	nn_model_forward(m, x, 2, 0, NULL);
	nn_model_backward_acc(m, NULL, 0, 0);
	free(once);
	nn_model_free(m);
}
END_TEST

START_TEST(bad_graphs)
{
	nn_rng r;
	nn_model *m = model(4, 0, 0);
	nn_layer_spec s = { .kind = "sum", .nfrom = 2, .from = { 1, 2 } };

	nn_rng_seed(&r, 7);
	ADD(m, &r, NULL, .kind = "dense", .args = "3", .name = "a");
	ADD(m, &r, "in", .kind = "dense", .args = "5", .name = "b");
	ck_assert_int_eq(nn_model_find_node(m, "nope"), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "no node 'nope'"));
	ck_assert_int_eq(nn_model_add(m, &s, &r), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "input 2 is 5"));
	ck_assert_ptr_nonnull(strstr(nn_error(), "input 1 is 3"));
	s = (nn_layer_spec){ .kind = "dense", .args = "2", .nfrom = 1,
	                     .from = { 9 } };
	ck_assert_int_eq(nn_model_add(m, &s, &r), -1);
	s = (nn_layer_spec){ .kind = "dense", .args = "4", .tie = 1 };
	ck_assert_int_eq(nn_model_add(m, &s, &r), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "tie"));
	s = (nn_layer_spec){ .kind = "dense", .args = "2", .name = "a" };
	ck_assert_int_eq(nn_model_add(m, &s, &r), -1);
	ck_assert_ptr_nonnull(strstr(nn_error(), "called 'a' already"));
	s = (nn_layer_spec){ .kind = "sum" };
	ck_assert_int_eq(nn_model_add(m, &s, &r), -1);
	s = (nn_layer_spec){ .kind = "slice", .args = "4..7" };
	ck_assert_int_eq(nn_model_add(m, &s, &r), -1);
	ck_assert_int_eq(nn_model_layers(m), 2);
	ck_assert_int_eq(nn_model_param_count(m), 15 + 25);
	nn_model_free(m);
}
END_TEST

/* Replace the first occurrence of a by b (same length) in file path. */
static void patch(const char *path, const char *a, const char *b)
{
	FILE *f = fopen(path, "r+b");
	static char buf[1 << 16];
	size_t n;
	char *at;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	at = memmem(buf, n, a, strlen(a));
	ck_assert_msg(at != NULL, "'%s' not in the file", a);
	fseek(f, at - buf, SEEK_SET);
	fwrite(b, 1, strlen(b), f);
	fclose(f);
}

START_TEST(files)
{
	char path[] = "/tmp/nnsh-graph-XXXXXX";
	int fd = mkstemp(path);
	nn_rng r;
	nn_model *m = model(6, 0, 0);
	nn_file f = { 0 }, g;
	float x[12], rv[3] = { 1, 2, 3 };
	const float *a, *b;
	float keep[2 * 6];

	ck_assert_int_ge(fd, 0);
	close(fd);
	nn_rng_seed(&r, 8);
	gc_fill(&r, x, 12, -1, 1);
	ADD(m, &r, NULL, .kind = "dense", .args = "3", .act = NN_ACT_TANH,
	    .name = "code");
	ADD(m, &r, NULL, .kind = "dense", .args = "6", .tie = 1,
	    .transpose = 1, .name = "dec");
	ADD(m, &r, "dec,in", .kind = "sum");
	ck_assert_int_eq(nn_model_penalty_add(m, 0, NN_PEN_DOT, 0, rv, 3), 0);
	a = nn_model_forward(m, x, 2, 0, NULL);
	memcpy(keep, a, sizeof keep);
	f.model = m;
	ck_assert_msg(nn_save(path, &f) == 0, "%s", nn_error());
	ck_assert_msg(nn_load(path, &g) == 0, "%s", nn_error());
	ck_assert_int_eq(nn_model_param_count(g.model), 18 + 3 + 6);
	ck_assert_int_eq(nn_model_find_node(g.model, "dec"), 2);
	ck_assert_int_eq(nn_model_npenalties(g.model), 1);
	ck_assert(nn_model_penalty(g.model, 0)->r[2] == 3);
	b = nn_model_forward(g.model, x, 2, 0, NULL);
	ck_assert_int_eq(memcmp(keep, b, sizeof keep), 0);
	ck_assert(nn_model_penalty_value(g.model, -1) ==
	          nn_model_penalty_value(m, -1));
	nn_file_free(&g);
	/* an edge to a later node, or a tie forward, is refused */
	/* (the layers are JSON text inside the header's JSON: escaped) */
	patch(path, "\\\"from\\\":[2,0]", "\\\"from\\\":[3,0]");
	ck_assert_int_eq(nn_load(path, &g), -1);
	ck_assert_msg(strstr(nn_error(), "not before it"), "%s", nn_error());
	patch(path, "\\\"from\\\":[3,0]", "\\\"from\\\":[2,0]");
	patch(path, "\\\"tie\\\":1", "\\\"tie\\\":2");
	ck_assert_int_eq(nn_load(path, &g), -1);
	unlink(path);
	nn_model_free(m);
}
END_TEST

/* The GAN's step: a generator G learns through a discriminator D's input
 * gradient. G's gradients so found equal those of one model holding G's
 * and D's layers, and D's own gradients are left as they were. */
START_TEST(two_models_one_step)
{
	nn_rng r;
	nn_model *g = model(2, 0, 0), *d = model(3, 0, 0), *c = model(2, 0, 0);
	float z[4] = { 0.3f, -0.7f, 1.1f, 0.2f }, y[2] = { 1, 1 }, dout[2];
	float keep_d[64];
	const float *out;
	size_t ng, nd;
	int dz;

	nn_rng_seed(&r, 9);
	ADD(g, &r, NULL, .kind = "dense", .args = "3", .act = NN_ACT_TANH);
	ADD(d, &r, NULL, .kind = "dense", .args = "1", .act = NN_ACT_SIGMOID);
	ADD(c, &r, NULL, .kind = "dense", .args = "3", .act = NN_ACT_TANH);
	ADD(c, &r, NULL, .kind = "dense", .args = "1", .act = NN_ACT_SIGMOID);
	ng = nn_model_param_count(g);
	nd = nn_model_param_count(d);
	memcpy(nn_model_params(c), nn_model_params(g), ng * sizeof(float));
	memcpy(nn_model_params(c) + ng, nn_model_params(d),
	       nd * sizeof(float));
	/* the combined model */
	out = nn_model_forward(c, z, 2, 0, NULL);
	nn_loss(NN_LOSS_BCE, NN_ACT_SIGMOID, nn_model_z(c, 1), out, y, 2, 1,
	        dout, &dz);
	nn_model_backward(c, dout, dz);
	/* the same step from the public pieces */
	nn_model_zero_grads(d);
	nn_model_forward(d, z, 1, 0, NULL);     /* D's grads: some values */
	nn_model_backward_acc(d, dout, 0, 0);
	memcpy(keep_d, nn_model_grads(d), nd * sizeof(float));
	out = nn_model_forward(g, z, 2, 0, NULL);
	out = nn_model_forward(d, out, 2, 0, NULL);
	nn_loss(NN_LOSS_BCE, NN_ACT_SIGMOID, nn_model_z(d, 0), out, y, 2, 1,
	        dout, &dz);
	nn_model_zero_grads(g);
	nn_model_backward_acc(d, dout, dz, 1);
	nn_model_backward_acc(g, nn_model_input_grad(d), 0, 0);
	for (size_t i = 0; i < ng; i++)
		ck_assert_msg(fabsf(nn_model_grads(g)[i] -
		                    nn_model_grads(c)[i]) < 1e-6f,
		              "G's gradient %zu: %g, combined %g", i,
		              nn_model_grads(g)[i], nn_model_grads(c)[i]);
	/* D's gradients: the earlier values plus this pass's */
	for (size_t i = 0; i < nd; i++)
		ck_assert(fabsf(nn_model_grads(d)[i] - keep_d[i] -
		                nn_model_grads(c)[ng + i]) < 1e-6f);
	nn_model_free(g);
	nn_model_free(d);
	nn_model_free(c);
}
END_TEST

static int stop_at(const nn_progress *p, void *ud)
{
	return p->iter == *(long *)ud;
}

/* A graph autoencoder (a tied, transposed decoder, a skip and a loss term)
 * trained with Adam on 40 samples for 3 epochs, or stopped after stop
 * iterations. */
static void train_graph(nn_file *f, long stop, nn_dataset **data)
{
	nn_rng r;
	nn_model *m = model(6, 0, 0);
	nn_dataset *d = nn_dataset_new();
	nn_train_opts o = { .epochs = 3, .batch = 8, .shuffle = 1,
	                    .callback = stop_at, .ud = &stop };
	float rv[3] = { 0.1f, -0.2f, 0.3f };

	nn_rng_seed(&r, 10);
	ADD(m, &r, NULL, .kind = "dense", .args = "3", .act = NN_ACT_TANH,
	    .name = "code");
	ADD(m, &r, NULL, .kind = "dense", .args = "6", .tie = 1,
	    .transpose = 1);
	ADD(m, &r, "2,in", .kind = "sum");
	ck_assert_int_eq(nn_model_penalty_add(m, 0, NN_PEN_DOT, 0, rv, 3), 0);
	d->n = 40;
	d->xsize = d->ysize = 6;
	d->xshape = (nn_shape){ 1, { 6 } };
	d->x = malloc(40 * 6 * sizeof(float));
	d->y = malloc(40 * 6 * sizeof(float));
	gc_fill(&r, d->x, 240, -1, 1);
	memcpy(d->y, d->x, 240 * sizeof(float));
	memset(f, 0, sizeof *f);
	f->model = m;
	f->loss = NN_LOSS_MSE;
	f->has_optim = 1;
	f->state = 1;
	nn_optim_defaults(&f->optim, NN_OPT_ADAM);
	o.run = &f->run;
	ck_assert_msg(nn_train(m, NN_LOSS_MSE, &f->optim, d, &o, &r,
	                       &f->hist) == 0, "%s", nn_error());
	*data = d;
}

/* Graph models resume bit-exactly: stop, save with state, load, go on. */
START_TEST(graph_resume_exact)
{
	char path[] = "/tmp/nnsh-graph-resume-XXXXXX";
	int fd = mkstemp(path);
	nn_file whole, part, back;
	nn_dataset *d;
	nn_train_opts o = { .resume = 1 };
	nn_rng unused;
	size_t np;

	ck_assert_int_ge(fd, 0);
	close(fd);
	train_graph(&whole, 0, &d);
	nn_dataset_free(d);
	train_graph(&part, 7, &d);
	ck_assert_int_eq(part.run.active, 1);
	ck_assert_msg(nn_save(path, &part) == 0, "%s", nn_error());
	ck_assert_msg(nn_load(path, &back) == 0, "%s", nn_error());
	o.run = &back.run;
	nn_rng_seed(&unused, 3);
	ck_assert_msg(nn_train(back.model, NN_LOSS_MSE, &back.optim, d, &o,
	                       &unused, &back.hist) == 0, "%s", nn_error());
	np = nn_model_param_count(whole.model);
	ck_assert_uint_eq(np, nn_model_param_count(back.model));
	ck_assert(memcmp(nn_model_params(whole.model),
	                 nn_model_params(back.model), np * sizeof(float)) == 0);
	ck_assert(memcmp(whole.optim.m, back.optim.m, np * sizeof(float)) == 0);
	unlink(path);
	nn_dataset_free(d);
	nn_file_free(&whole);
	nn_file_free(&part);
	nn_file_free(&back);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("graph");
	TCase *t = tcase_create("graph");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, grad_merges);
	tcase_add_test(t, grad_same_input_twice);
	tcase_add_test(t, grad_ties);
	tcase_add_test(t, grad_penalties);
	tcase_add_test(t, residual_by_hand);
	tcase_add_test(t, accumulate);
	tcase_add_test(t, bad_graphs);
	tcase_add_test(t, files);
	tcase_add_test(t, two_models_one_step);
	tcase_add_test(t, graph_resume_exact);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
