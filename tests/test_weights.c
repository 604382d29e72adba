/* test_weights.c - nn_load_weights (`load FILE into MODEL`): PyTorch
 * models' state_dicts (tests/weights/, written once by make_weights.py)
 * loaded into the matching nnsh models give PyTorch's outputs on the same
 * inputs to 1e-5, by order (map=auto) and through a map file; bad files
 * (truncated, an unknown dtype, names auto cannot place, shapes that do
 * not fit, weights that are not finite floats, bad map lines) are
 * refused with the model unchanged. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "nn.h"

#define DIR NNSH_WEIGHTS_DIR

static nn_model *new_model(const char *shape)
{
	nn_shape s;

	ck_assert_int_eq(nn_shape_parse(shape, &s), 0);
	return nn_model_new(&s);
}

static void add(nn_model *m, nn_layer_spec s)
{
	nn_rng r;

	nn_rng_seed(&r, 5);
	ck_assert_msg(nn_model_add(m, &s, &r) == 0, "add: %s", nn_error());
}

/* The MLP of make_weights.py: 4 -> dense 8 tanh -> dense 3. */
static nn_model *mlp(void)
{
	nn_model *m = new_model("4");

	add(m, (nn_layer_spec){ .kind = "dense", .args = "8",
	                        .act = NN_ACT_TANH, .has_act = 1 });
	add(m, (nn_layer_spec){ .kind = "dense", .args = "3" });
	return m;
}

/* The CNN: conv 4 3x3 pad=1, batchnorm, relu, maxpool 2, flatten,
 * dense 5, on 1x6x6. */
static nn_model *cnn(void)
{
	nn_model *m = new_model("1x6x6");

	add(m, (nn_layer_spec){ .kind = "conv", .args = "4 3 pad=1" });
	add(m, (nn_layer_spec){ .kind = "batchnorm" });
	add(m, (nn_layer_spec){ .kind = "relu" });
	add(m, (nn_layer_spec){ .kind = "maxpool", .args = "2" });
	add(m, (nn_layer_spec){ .kind = "flatten" });
	add(m, (nn_layer_spec){ .kind = "dense", .args = "5" });
	return m;
}

/* Compare m's outputs with PyTorch's in DIR/name.txt. */
static void same_outputs(nn_model *m, const char *name)
{
	char path[512];
	FILE *f;
	size_t in, out, n;
	float *x, *y;
	const float *got;
	double worst = 0;

	snprintf(path, sizeof path, "%s/%s.txt", DIR, name);
	ck_assert_msg((f = fopen(path, "r")) != NULL, "%s", path);
	ck_assert_int_eq(fscanf(f, "%zu %zu %zu", &in, &out, &n), 3);
	ck_assert_uint_eq(in, nn_shape_size(nn_model_input_shape(m)));
	ck_assert_uint_eq(out, nn_shape_size(nn_model_output_shape(m)));
	x = malloc(n * in * sizeof *x);
	y = malloc(n * out * sizeof *y);
	for (size_t i = 0; i < n * in; i++)
		ck_assert_int_eq(fscanf(f, "%f", &x[i]), 1);
	for (size_t i = 0; i < n * out; i++)
		ck_assert_int_eq(fscanf(f, "%f", &y[i]), 1);
	fclose(f);
	ck_assert(nn_model_reserve(m, n) == 0);
	got = nn_model_forward(m, x, n, 0, NULL);
	ck_assert(got != NULL);
	for (size_t i = 0; i < n * out; i++)
		if (fabs(got[i] - y[i]) > worst)
			worst = fabs(got[i] - y[i]);
	ck_assert_msg(worst <= 1e-5, "%s: outputs differ from PyTorch's by %g",
	              name, worst);
	free(x);
	free(y);
}

/* A copy of every parameter, to see that a failure changed nothing. */
static float *params_copy(nn_model *m)
{
	size_t n = nn_model_param_count(m);
	float *p = malloc(n * sizeof *p + 1);

	memcpy(p, nn_model_params(m), n * sizeof *p);
	return p;
}

/* Loading path (map) into m fails, with a message holding want, and
 * leaves m as it was. */
static void refused(nn_model *m, const char *path, const char *map,
                    const char *want)
{
	float *before = params_copy(m);
	nn_weight_row *rows = NULL;
	size_t n = 7;

	ck_assert_msg(nn_load_weights(m, path, map, "cnn", &rows, &n) < 0,
	              "%s loaded", path);
	ck_assert_msg(strstr(nn_error(), want), "%s: '%s' has no '%s'", path,
	              nn_error(), want);
	ck_assert(!strchr(nn_error(), '\n'));
	ck_assert(rows == NULL && n == 0);
	ck_assert(memcmp(before, nn_model_params(m),
	                 nn_model_param_count(m) * sizeof *before) == 0);
	free(before);
}

START_TEST(mlp_auto)
{
	nn_model *m = mlp();
	nn_weight_row *rows;
	size_t n;

	ck_assert_msg(nn_load_weights(m, DIR "/mlp.safetensors", NULL, "mlp",
	                              &rows, &n) == 0, "%s", nn_error());
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(rows[0].tensor, "0.weight");
	ck_assert_str_eq(rows[0].shape, "8x4");
	ck_assert_int_eq(rows[0].node, 0);
	ck_assert_int_eq(rows[0].param, 0);
	ck_assert_str_eq(rows[3].tensor, "2.bias");
	ck_assert_int_eq(rows[3].node, 1);
	ck_assert_int_eq(rows[3].param, 1);
	nn_weight_rows_free(rows, n);
	same_outputs(m, "mlp");
	nn_model_free(m);
}
END_TEST

START_TEST(cnn_auto)
{
	nn_model *m = cnn();
	nn_weight_row *rows;
	size_t n, skipped = 0;

	ck_assert_msg(nn_load_weights(m, DIR "/cnn.safetensors", "auto",
	                              "cnn", &rows, &n) == 0, "%s", nn_error());
	ck_assert_uint_eq(n, 9);
	for (size_t i = 0; i < n; i++)
		if (rows[i].node < 0) {
			ck_assert_str_eq(rows[i].tensor,
			                 "1.num_batches_tracked");
			skipped++;
		}
	ck_assert_uint_eq(skipped, 1);
	nn_weight_rows_free(rows, n);
	same_outputs(m, "cnn");
	nn_model_free(m);
}
END_TEST

START_TEST(cnn_map)
{
	nn_model *m = cnn();
	nn_weight_row *rows;
	size_t n;

	/* a module's own names: auto orders bn1 before conv1 and says so */
	refused(m, DIR "/cnn_named.safetensors", "auto",
	        "module 'bn1' has 4 tensors, node 1 has 2 parameters");
	ck_assert_msg(nn_load_weights(m, DIR "/cnn_named.safetensors",
	                              DIR "/cnn_named.map", "cnn", &rows,
	                              &n) == 0, "%s", nn_error());
	nn_weight_rows_free(rows, n);
	same_outputs(m, "cnn");
	nn_model_free(m);
}
END_TEST

static char tmpdir[] = "/tmp/test_weights.XXXXXX";

/* Write len bytes of data to tmpdir/name; return the path (static). */
static const char *put(const char *name, const void *data, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	ck_assert((f = fopen(path, "wb")) != NULL);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

/* A safetensors file with header text and len bytes of zero data. */
static const char *hand_made(const char *name, const char *header,
                             size_t len)
{
	size_t h = strlen(header);
	unsigned char *b = calloc(8 + h + len + 1, 1);
	const char *path;

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)h >> (8 * i));
	memcpy(b + 8, header, h);
	path = put(name, b, 8 + h + len);
	free(b);
	return path;
}

/* A file of one F64 tensor "0.weight", shaped as the CNN's first, every
 * value v. */
static const char *f64_of(const char *name, double v)
{
	static const char head[] = "{\"0.weight\":{\"dtype\":\"F64\","
	                           "\"shape\":[4,1,3,3],\"data_offsets\":"
	                           "[0,288]}}";
	unsigned char b[8 + sizeof head + 288];
	size_t h = sizeof head - 1;
	uint64_t u;

	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)h >> (8 * i));
	memcpy(b + 8, head, h);
	for (size_t k = 0; k < 36; k++)
		for (int i = 0; i < 8; i++)
			b[8 + h + 8 * k + (size_t)i] =
				(unsigned char)(u >> (8 * i));
	return put(name, b, 8 + h + 288);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;

	ck_assert(f != NULL);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	b = malloc(*len);
	ck_assert_uint_eq(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

/* The map text, for cnn_named.safetensors into m, is refused. */
static void bad_map(nn_model *m, const char *text, const char *want)
{
	char *map = strdup(put("m.map", text, strlen(text)));

	refused(m, DIR "/cnn_named.safetensors", map, want);
	free(map);
}

START_TEST(bad_files)
{
	nn_model *m = cnn(), *small = mlp();
	size_t len;
	unsigned char *b = slurp(DIR "/cnn.safetensors", &len);
	char *i64, *big;

	ck_assert(mkdtemp(tmpdir) != NULL);
	refused(m, "/nonexistent/w.safetensors", NULL, "cannot open");
	refused(m, put("cut.safetensors", b, len - 10), NULL,
	        "data_offsets outside");
	refused(m, put("head.safetensors", b, 30), NULL, "header length");
	refused(m, hand_made("f16.safetensors", "{\"0.weight\":{\"dtype\":"
	        "\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8), NULL,
	        "dtype F16");
	i64 = strdup(hand_made("i64.safetensors", "{\"0.weight\":{\"dtype\":"
	             "\"I64\",\"shape\":[4,1,3,3],\"data_offsets\":"
	             "[0,288]}}", 288));
	refused(m, i64, put("i64.map", "0.weight 1.W", 12), "holds integers");
	free(i64);
	refused(m, hand_made("odd.safetensors", "{\"0.kernel\":{\"dtype\":"
	        "\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16), NULL,
	        "tensor '0.kernel': map=auto knows weight");
	/* a bias without its weight; two tensors of one rank */
	refused(m, hand_made("now.safetensors", "{\"0.bias\":{\"dtype\":"
	        "\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16), NULL,
	        "module '0': 0.bias is out of place");
	refused(m, hand_made("twice.safetensors", "{"
	        "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[1],"
	        "\"data_offsets\":[0,4]},"
	        "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[1],"
	        "\"data_offsets\":[4,8]},"
	        "\"0.running_mean\":{\"dtype\":\"F32\",\"shape\":[1],"
	        "\"data_offsets\":[8,12]},"
	        "\"0.running_var\":{\"dtype\":\"F32\",\"shape\":[1],"
	        "\"data_offsets\":[12,16]},"
	        "\"0.var\":{\"dtype\":\"F32\",\"shape\":[1],"
	        "\"data_offsets\":[16,20]}}", 20), NULL,
	        "module '0': 0.var is out of place");
	refused(m, hand_made("none.safetensors", "{}", 0), NULL,
	        "holds no tensors");
	/* weights that are NaN, or past a float's range as F64 */
	memcpy(b + len - 4, (const unsigned char[]){ 0, 0, 0xc0, 0x7f }, 4);
	refused(m, put("nan.safetensors", b, len), NULL, "holds NaN at "
	        "element");
	big = strdup(f64_of("big.safetensors", 1e300));
	refused(m, big, put("big.map", "0.weight 1.W", 12),
	        "tensor '0.weight' holds a number beyond a float's range at "
	        "element 0");
	free(big);
	/* the CNN's file into the MLP: the first shape does not fit */
	refused(small, DIR "/cnn.safetensors", NULL,
	        "tensor '0.weight' is 4x1x3x3, node 1's W is 8x4: the shapes "
	        "differ");
	/* fewer modules than layers with parameters */
	refused(m, DIR "/mlp.safetensors", NULL, "is 8x4, node 1's W is "
	        "4x1x3x3");
	/* map files: every line checked */
	bad_map(m, "nothing.here 1.W\n", "no tensor 'nothing.here'");
	bad_map(m, "conv1.weight\n", "expected 'TENSOR NODE.PARAM'");
	bad_map(m, "conv1.weight 9.W\n", "node");
	bad_map(m, "conv1.weight 1.gamma\n", "no parameter 'gamma'");
	bad_map(m, "conv1.weight other.1.W\n", "not a parameter of model");
	bad_map(m, "conv1.weight 1.W\nconv1.weight 1.W\n", "mapped twice");
	bad_map(m, "conv1.weight 1.W\nfc.bias 1.W\n", "filled twice");
	bad_map(m, "fc.weight 1.W\n",
	        "tensor 'fc.weight' is 5x36, node 1's W is 4x1x3x3");
	refused(m, DIR "/cnn_named.safetensors", "/nonexistent.map",
	        "cannot open /nonexistent.map");
	free(b);
	nn_model_free(m);
	nn_model_free(small);
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("weights");
	TCase *t = tcase_create("weights");

	tcase_add_test(t, mlp_auto);
	tcase_add_test(t, cnn_auto);
	tcase_add_test(t, cnn_map);
	tcase_add_test(t, bad_files);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
