/* test_robust.c - the engine facing hostile input (issue 16): CSV files
 * with a single label word or NUL bytes, model files with long names or
 * too many layers, saves that meet stale temporaries, devices, FIFOs
 * and symbolic links, and sizes that overflow 32 bits. */
#define _GNU_SOURCE 1           /* sched_setaffinity */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"
#include "suite.h"
#include "workers.h"

extern long nn_save_crash_after;

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

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/nnsh-test-robust-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void assert_error(const char *want)
{
	ck_assert_msg(strstr(nn_error(), want) != NULL, "'%s' lacks '%s'",
	              nn_error(), want);
}

/* ---- CSV --------------------------------------------------------------- */

/* One distinct word in the label column gave one class name for two
 * classes (a read out of bounds and a wild free): now it is refused. */
START_TEST(csv_one_label_word)
{
	nn_csv_opts o = { .header = 0 };
	nn_dataset *d;

	write_file(tmp("a.csv"), "1,a\n", 4);
	ck_assert_ptr_null(nn_load_csv(tmp("a.csv"), &o));
	assert_error("holds one word, 'a'");
	write_file(tmp("a.csv"), "1,a\n2,a\n3,a\n", 12);
	ck_assert_ptr_null(nn_load_csv(tmp("a.csv"), &o));
	assert_error("a classifier needs two classes");
	/* two words still make two named classes */
	write_file(tmp("b.csv"), "1,b\n2,a\n", 8);
	d = nn_load_csv(tmp("b.csv"), &o);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->nclasses, 2);
	ck_assert_str_eq(d->class_names[0], "a");
	ck_assert_str_eq(d->class_names[1], "b");
	ck_assert_int_eq(d->labels[0], 1);
	nn_dataset_free(d);
}
END_TEST

/* A NUL byte inside a field is refused with the file and line. */
START_TEST(csv_nul_byte)
{
	nn_csv_opts o = { .header = -1 };
	static const char body[] = "x,y,label\n1,2,0\n3,4\0005,1\n";
	static const char quoted[] = "1,\"2\000\",0\n";
	static const char head[] = "x,\000y,label\n1,2,0\n";

	write_file(tmp("n.csv"), body, sizeof body - 1);
	ck_assert_ptr_null(nn_load_csv(tmp("n.csv"), &o));
	assert_error("n.csv:3: a NUL byte in column 2");
	write_file(tmp("n.csv"), quoted, sizeof quoted - 1);
	ck_assert_ptr_null(nn_load_csv(tmp("n.csv"), &o));
	assert_error("n.csv:1: a NUL byte in column 2");
	write_file(tmp("n.csv"), head, sizeof head - 1);
	ck_assert_ptr_null(nn_load_csv(tmp("n.csv"), &o));
	assert_error("n.csv:1: a NUL byte");
	ck_assert_ptr_null(strchr(nn_error(), '\n'));
}
END_TEST

/* A number past a float's range is refused, not read as infinite (1e39
 * was); the largest float still loads. */
START_TEST(csv_past_float_range)
{
	nn_csv_opts o = { .header = -1 };
	static const char big[] = "x,y,label\n1,2,0\n3,-1e39,1\n";
	static const char edge[] = "x,y,label\n1,3.4e38,0\n3,-3.4e38,1\n";
	nn_dataset *d;

	write_file(tmp("f.csv"), big, sizeof big - 1);
	ck_assert_ptr_null(nn_load_csv(tmp("f.csv"), &o));
	assert_error("f.csv:3: column 2 (y): '-1e39' is past a float's "
	             "range");
	write_file(tmp("f.csv"), edge, sizeof edge - 1);
	d = nn_load_csv(tmp("f.csv"), &o);
	ck_assert_ptr_nonnull(d);
	ck_assert(isfinite(d->x[1]) && isfinite(d->x[3]));
	nn_dataset_free(d);
}
END_TEST

/* ---- model files -------------------------------------------------------- */

/* A growing text buffer. */
typedef struct text {
	char *s;
	size_t n, cap;
} text;

static void add(text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(text *t, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(k, 0);
		if (t->n + (size_t)k < t->cap)
			break;
		t->cap = 2 * (t->n + (size_t)k) + 256;
		t->s = realloc(t->s, t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
	t->n += (size_t)k;
}

/* Write a model file of input 2 and n layers: dense 2 (with their
 * tensors, every value 0.5) or relu; named name unless NULL. */
static void model_file(const char *path, size_t n, int dense,
                       const char *name)
{
	static const unsigned char half[4] = { 0, 0, 0, 0x3f };
	text h = { 0 };
	FILE *f;
	size_t off = 0, len;
	unsigned char len8[8];

	add(&h, "{\"__metadata__\":{\"format\":\"pt\",\"nnsh.version\":"
	    "\"0.1.0\",\"nnsh.input\":\"2\",");
	if (name)
		add(&h, "\"nnsh.name\":\"%s\",", name);
	add(&h, "\"nnsh.layers\":\"[");
	for (size_t i = 0; i < n; i++)
		add(&h, "%s{\\\"kind\\\":\\\"%s\\\"%s}", i ? "," : "",
		    dense ? "dense" : "relu",
		    dense ? ",\\\"units\\\":2" : "");
	add(&h, "]\"}");
	for (size_t i = 0; dense && i < n; i++) {
		add(&h, ",\"%zu.W\":{\"dtype\":\"F32\",\"shape\":[2,2],"
		    "\"data_offsets\":[%zu,%zu]}", i + 1, off, off + 16);
		add(&h, ",\"%zu.b\":{\"dtype\":\"F32\",\"shape\":[2],"
		    "\"data_offsets\":[%zu,%zu]}", i + 1, off + 16, off + 24);
		off += 24;
	}
	add(&h, "}");
	while (h.n % 8)
		add(&h, " ");
	len = h.n;
	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)(len >> (8 * i));
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite(len8, 1, 8, f);
	fwrite(h.s, 1, h.n, f);
	for (size_t i = 0; i < off / 4; i++)
		fwrite(half, 1, 4, f);
	ck_assert_int_eq(fclose(f), 0);
	free(h.s);
}

/* A name of 64 bytes or more in a file was cut to 63 without a word:
 * now the file is refused, saying why. */
START_TEST(model_name_too_long)
{
	char name[80];
	nn_file f;

	memset(name, 'm', 63);
	name[63] = '\0';
	model_file(tmp("n.safetensors"), 1, 1, name);
	ck_assert_int_eq(nn_load(tmp("n.safetensors"), &f), 0);
	ck_assert_str_eq(f.name, name);
	nn_file_free(&f);
	strcat(name, "m");
	model_file(tmp("n.safetensors"), 1, 1, name);
	ck_assert_int_eq(nn_load(tmp("n.safetensors"), &f), -1);
	assert_error("name (nnsh.name) has 64 bytes, more than the 63");
	ck_assert_ptr_null(f.model);
}
END_TEST

/* Overwrite 4 bytes at `back` bytes before the end of the file. */
static void patch_end(const char *path, long back, const unsigned char *b4)
{
	FILE *f = fopen(path, "r+b");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, -back, SEEK_END), 0);
	ck_assert_uint_eq(fwrite(b4, 1, 4, f), 4);
	ck_assert_int_eq(fclose(f), 0);
}

/* Weights that are NaN or infinite (nnsh's set and training never make
 * them, so the file is damaged or another program's) are refused in one
 * line naming the tensor and the element, before anything is built. */
START_TEST(model_weights_not_finite)
{
	static const unsigned char nan[4] = { 0, 0, 0xc0, 0x7f };
	static const unsigned char inf[4] = { 0, 0, 0x80, 0xff };
	nn_file f;

	model_file(tmp("w.safetensors"), 1, 1, NULL);
	patch_end(tmp("w.safetensors"), 4, nan);
	ck_assert_int_eq(nn_load(tmp("w.safetensors"), &f), -1);
	assert_error("tensor '1.b' holds NaN at element 1: weights must be "
	             "finite numbers");
	ck_assert_ptr_null(f.model);
	model_file(tmp("w.safetensors"), 1, 1, NULL);
	patch_end(tmp("w.safetensors"), 24, inf);
	ck_assert_int_eq(nn_load(tmp("w.safetensors"), &f), -1);
	assert_error("tensor '1.W' holds an infinity at element 0");
	ck_assert_ptr_null(f.model);
}
END_TEST

/* Loading was quadratic in the layers (100,002 took 76 s). A file may
 * list NN_FILE_MAX_LAYERS: that many dense layers load, one more is
 * refused in one line, before anything is built. */
START_TEST(model_layer_limit)
{
	nn_file f;
	nn_model *m;
	nn_rng rng;
	nn_shape in = { 1, { 2 } };
	nn_layer_spec relu = { .kind = "relu" };

	model_file(tmp("l.safetensors"), NN_FILE_MAX_LAYERS, 1, NULL);
	ck_assert_int_eq(nn_load(tmp("l.safetensors"), &f), 0);
	ck_assert_uint_eq(nn_model_layers(f.model), NN_FILE_MAX_LAYERS);
	ck_assert_uint_eq(nn_model_param_count(f.model),
	                  6 * (size_t)NN_FILE_MAX_LAYERS);
	nn_file_free(&f);
	model_file(tmp("l.safetensors"), NN_FILE_MAX_LAYERS + 1, 0, NULL);
	ck_assert_int_eq(nn_load(tmp("l.safetensors"), &f), -1);
	assert_error("10001 layers, more than the 10000 a model file may "
	             "have");
	/* and a model that long is not saved, to be refused later */
	nn_rng_seed(&rng, 1);
	m = nn_model_new(&in);
	for (int i = 0; i <= NN_FILE_MAX_LAYERS; i++)
		ck_assert_int_eq(nn_model_add(m, &relu, &rng), 0);
	f = (nn_file){ .model = m, .loss = -1 };
	ck_assert_int_eq(nn_save(tmp("long.safetensors"), &f), -1);
	assert_error("10001 layers");
	ck_assert_int_eq(access(tmp("long.safetensors"), F_OK), -1);
	nn_model_free(m);
}
END_TEST

/* ---- saving -------------------------------------------------------------- */

/* A small model to save. */
static void small_file(nn_file *f, int units)
{
	nn_shape in = { 1, { 3 } };
	char args[16];
	nn_layer_spec d = { .kind = "dense", .args = args };
	nn_rng rng;

	snprintf(args, sizeof args, "%d", units);
	nn_rng_seed(&rng, (uint64_t)units);
	memset(f, 0, sizeof *f);
	f->loss = -1;
	f->model = nn_model_new(&in);
	ck_assert_ptr_nonnull(f->model);
	ck_assert_int_eq(nn_model_add(f->model, &d, &rng), 0);
}

/* The names in tmpdir that start with prefix. */
static int count_names(const char *prefix)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static size_t loaded_params(const char *path)
{
	nn_file f;
	size_t n;

	ck_assert_msg(nn_load(path, &f) == 0, "%s", nn_error());
	n = nn_model_param_count(f.model);
	nn_file_free(&f);
	return n;
}

/* A save killed part-way leaves its temporary; the next save of that
 * file removes it once its process is gone, and nothing else. */
START_TEST(save_removes_stale_temporaries)
{
	char p[512];
	nn_file a;
	pid_t pid;
	int status;
	struct timeval old[2] = { { time(NULL) - 7200, 0 },
	                          { time(NULL) - 7200, 0 } };

	snprintf(p, sizeof p, "%s", tmp("m.safetensors"));
	small_file(&a, 2);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		nn_save_crash_after = 100;
		_exit(nn_save(p, &a) == -1 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(count_names("m.safetensors.tmp-"), 1);
	/* the next save (killed too, in this process) removes the dead
	 * child's temporary and leaves its own */
	nn_save_crash_after = 100;
	ck_assert_int_eq(nn_save(p, &a), -1);
	nn_save_crash_after = -1;
	ck_assert_int_eq(count_names("m.safetensors.tmp-"), 1);
	/* one of the old pattern from before this process, and names that
	 * are not temporaries */
	write_file(tmp("m.safetensors.tmp-Ab12Cd"), "x", 1);
	ck_assert_int_eq(utimes(tmp("m.safetensors.tmp-Ab12Cd"), old), 0);
	write_file(tmp("m.safetensors.tmp-notours"), "x", 1);
	write_file(tmp("m.safetensors.tmp-1-abc"), "x", 1);
	write_file(tmp("other.safetensors.tmp-999999999-abcdef"), "x", 1);
	ck_assert_int_eq(count_names("m.safetensors.tmp-"), 4);
	ck_assert_int_eq(nn_save(p, &a), 0);
	ck_assert_int_eq(count_names("m.safetensors.tmp-"), 3);
	ck_assert_int_eq(access(tmp("m.safetensors.tmp-notours"), F_OK), 0);
	ck_assert_int_eq(access(tmp("m.safetensors.tmp-1-abc"), F_OK), 0);
	ck_assert_int_eq(access(tmp("other.safetensors.tmp-999999999-abcdef"),
	                        F_OK), 0);
	ck_assert_int_eq(access(tmp("m.safetensors.tmp-Ab12Cd"), F_OK), -1);
	ck_assert_uint_eq(loaded_params(p), 8);
	nn_file_free(&a);
}
END_TEST

/* A write that fails (here past the file size limit) leaves no
 * temporary and the old file whole. */
START_TEST(save_error_leaves_no_temporary)
{
	char p[512];
	nn_file a, b;
	struct rlimit lim, small;

	snprintf(p, sizeof p, "%s", tmp("m.safetensors"));
	small_file(&a, 2);
	small_file(&b, 3000);
	ck_assert_int_eq(nn_save(p, &a), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &lim), 0);
	signal(SIGXFSZ, SIG_IGN);
	small = lim;
	small.rlim_cur = 4096;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	ck_assert_int_eq(nn_save(p, &b), -1);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_error("cannot write");
	ck_assert_int_eq(count_names("m.safetensors.tmp-"), 0);
	ck_assert_uint_eq(loaded_params(p), 8);
	nn_file_free(&a);
	nn_file_free(&b);
}
END_TEST

/* Only regular files are replaced: a FIFO (as a device would be) or a
 * directory is refused in one line and left as it was. */
START_TEST(save_refuses_fifo_and_dir)
{
	nn_file a;
	struct stat st;

	small_file(&a, 2);
	ck_assert_int_eq(mkfifo(tmp("fifo"), 0600), 0);
	ck_assert_int_eq(nn_save(tmp("fifo"), &a), -1);
	assert_error("fifo is a FIFO: nnsh saves only to regular files");
	ck_assert_int_eq(lstat(tmp("fifo"), &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(mkdir(tmp("dir"), 0700), 0);
	ck_assert_int_eq(nn_save(tmp("dir"), &a), -1);
	assert_error("dir is a directory");
	ck_assert_int_eq(symlink("fifo", tmp("tofifo")), 0);
	ck_assert_int_eq(nn_save(tmp("tofifo"), &a), -1);
	assert_error("tofifo is a FIFO");
	ck_assert_int_eq(count_names("fifo.tmp-") + count_names("dir.tmp-"),
	                 0);
	nn_file_free(&a);
}
END_TEST

/* A symbolic link is followed: the file at its end is replaced and the
 * links stay; a link to nothing is refused. */
START_TEST(save_follows_symlinks)
{
	nn_file a;
	struct stat st;

	small_file(&a, 2);
	write_file(tmp("real.safetensors"), "old", 3);
	ck_assert_int_eq(symlink("real.safetensors", tmp("link")), 0);
	ck_assert_int_eq(symlink("link", tmp("link2")), 0);
	ck_assert_int_eq(nn_save(tmp("link2"), &a), 0);
	ck_assert_int_eq(lstat(tmp("link2"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(lstat(tmp("link"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_uint_eq(loaded_params(tmp("real.safetensors")), 8);
	ck_assert_int_eq(count_names("real.safetensors.tmp-") +
	                 count_names("link"), 2);
	ck_assert_int_eq(symlink("nothing", tmp("dangling")), 0);
	ck_assert_int_eq(nn_save(tmp("dangling"), &a), -1);
	assert_error("dangling is a symbolic link to a missing file");
	ck_assert_int_eq(access(tmp("nothing"), F_OK), -1);
	nn_file_free(&a);
}
END_TEST

/* ---- sizes --------------------------------------------------------------- */

/* A dense layer on 65537x65537 inputs reported 262,148 parameters (its
 * input count cut to 32 bits) and on 65535x65535 asked for
 * 18446744073709289476: now it is refused with the 64-bit count and the
 * bytes it would need. */
START_TEST(size_dense_past_32_bits)
{
	nn_shape in;
	nn_model *m;
	nn_rng rng;
	nn_layer_spec d = { .kind = "dense", .args = "2" };
	nn_layer_spec fl = { .kind = "flatten" };

	nn_rng_seed(&rng, 1);
	ck_assert_int_eq(nn_shape_parse("65537x65537", &in), 0);
	ck_assert_uint_eq(nn_shape_size(&in), 4295098369u);
	m = nn_model_new(&in);
	ck_assert_int_eq(nn_model_add(m, &d, &rng), -1);
	assert_error("8590196740 parameters (68721573920 bytes with their "
	             "gradients)");
	ck_assert_int_eq(nn_model_add(m, &fl, &rng), -1);
	assert_error("flatten: 4295098369 values per sample (17180393476 "
	             "bytes)");
	ck_assert_uint_eq(nn_model_layers(m), 0);
	ck_assert_uint_eq(nn_model_param_count(m), 0);
	nn_model_free(m);
	ck_assert_int_eq(nn_shape_parse("65535x65535", &in), 0);
	m = nn_model_new(&in);
	ck_assert_int_eq(nn_model_add(m, &d, &rng), -1);
	assert_error("8589672452 parameters");
	ck_assert_ptr_null(strstr(nn_error(), "18446744"));
	nn_model_free(m);
	/* the largest input a unit takes still builds, on paper */
	ck_assert_int_eq(nn_shape_parse("3x1000x1000", &in), 0);
	m = nn_model_new(&in);
	ck_assert_int_eq(nn_model_add(m, &d, &rng), 0);
	ck_assert_uint_eq(nn_model_param_count(m), 6000002);
	nn_model_free(m);
}
END_TEST

/* Sizes are 64-bit and checked: a shape too large for 64 bits is
 * refused with its true size, products saturate instead of wrapping. */
START_TEST(size_shapes_checked)
{
	nn_shape s = { 4, { 1 << 24, 1 << 24, 1 << 24, 1 << 24 } };
	size_t r;

	ck_assert_uint_eq(nn_shape_size(&s), SIZE_MAX);
	ck_assert_int_eq(nn_shape_parse("16777216x16777216x16777216x16777216",
	                                &s), -1);
	assert_error("79228162514264337593543950336 values per sample");
	ck_assert_int_eq(nn_shape_parse("16777216x16777216", &s), -1);
	assert_error("281474976710656 values per sample, more than the "
	             "68719476736");
	ck_assert_int_eq(nn_shape_parse("4096x4096x4096", &s), 0);
	ck_assert_uint_eq(nn_shape_size(&s), (size_t)1 << 36);
	ck_assert_int_eq(nn_size_mul((size_t)1 << 32, (size_t)1 << 32, &r),
	                 -1);
	ck_assert_uint_eq(r, SIZE_MAX);
	ck_assert_int_eq(nn_size_mul((size_t)1 << 31, (size_t)1 << 32, &r),
	                 0);
	ck_assert_uint_eq(r, (size_t)1 << 63);
}
END_TEST

/* Convolutions whose units would take more than 2^31 inputs, or whose
 * output does not fit, are refused. */
START_TEST(size_conv_layers)
{
	nn_shape in = { 3, { 1048576, 64, 64 } };
	nn_model *m = nn_model_new(&in);
	nn_rng rng;
	nn_layer_spec c = { .kind = "conv", .args = "1 64" };
	nn_layer_spec t = { .kind = "convt", .args = "1 2 stride=4096" };

	nn_rng_seed(&rng, 1);
	ck_assert_int_eq(nn_model_add(m, &c, &rng), -1);
	assert_error("conv 1 64x64 with 4294967296 inputs per unit would need "
	             "4294967297 parameters (34359738376 bytes");
	nn_model_free(m);
	in = (nn_shape){ 3, { 1, 1 << 20, 8 } };
	m = nn_model_new(&in);
	ck_assert_int_eq(nn_model_add(m, &t, &rng), -1);
	assert_error("convt: a 4294963202x28674 output");
	nn_model_free(m);
}
END_TEST

/* A concat of flattened inputs whose widths add past 2^31 is refused
 * (the sum was an int). */
START_TEST(size_concat)
{
	nn_shape in = { 3, { 2047, 1024, 1024 } };
	nn_model *m = nn_model_new(&in);
	nn_rng rng;
	nn_layer_spec fl = { .kind = "flatten" };
	nn_layer_spec cat = { .kind = "concat", .nfrom = 2, .from = { 1, 1 } };

	nn_rng_seed(&rng, 1);
	ck_assert_int_eq(nn_model_add(m, &fl, &rng), 0);
	ck_assert_int_eq(nn_model_add(m, &cat, &rng), -1);
	assert_error("concat: 4292870144 features or channels, more than the "
	             "2147483647");
	ck_assert_uint_eq(nn_model_layers(m), 1);
	nn_model_free(m);
}
END_TEST

/* Beside another program busy on one of two cores, every loop runs on
 * the thread that starts it: a worker would only take turns with that
 * program, and the loops wait for the part it holds (issue 16, threads
 * under load). The pool looks at the cores every 100 ms; the test keeps
 * to two of them, with a child spinning on them all along. */
static void busy_part(void *ud, int part, int parts)
{
	int *elsewhere = ud;
	double end = nn_now() + 20e-6;

	(void)part;
	(void)parts;
	while (nn_now() < end)
		;
	if (nn_parallel_slot() != 0)
		__atomic_add_fetch(elsewhere, 1, __ATOMIC_RELAXED);
}

START_TEST(parallel_beside_busy_core)
{
	struct timespec pause = { 0, 250000000 };
	cpu_set_t all, two;
	int cores = 0, elsewhere = 0;
	pid_t hog;

	ck_assert_int_eq(sched_getaffinity(0, sizeof all, &all), 0);
	CPU_ZERO(&two);
	for (int c = 0; c < CPU_SETSIZE && cores < 2; c++)
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &two);
			cores++;
		}
	ck_assert_int_eq(sched_setaffinity(0, sizeof two, &two), 0);
	hog = fork();
	ck_assert_int_ge(hog, 0);
	if (hog == 0) {
		alarm(30);
		for (;;)
			;
	}
	nn_set_threads(2);
	nn_parallel_start();
	nanosleep(&pause, NULL);
	for (int rep = 0; rep < 2000; rep++)       /* 0.3 s or more */
		ck_assert_int_eq(nn_parallel(8, busy_part, &elsewhere), 8);
	kill(hog, SIGKILL);
	waitpid(hog, NULL, 0);
	ck_assert_int_eq(elsewhere, 0);
	nn_set_threads(0);
}
END_TEST

/* A step whose shared loop costs more afterwards (here a wait for the
 * worker's writes; on these machines, the other core's cache) is slower
 * than alone, though the loop itself is faster shared: the pool compares
 * whole steps and runs them alone but for its trials. */
typedef struct hidden {
	int worker;             /* a part of this step ran on a worker */
} hidden;

static void spin_us(double us)
{
	double end = nn_now() + us * 1e-6;

	while (nn_now() < end)
		;
}

static void hidden_part(void *ud, int part, int parts)
{
	hidden *h = ud;

	(void)part;
	(void)parts;
	spin_us(100);
	if (nn_parallel_slot() != 0)
		__atomic_store_n(&h->worker, 1, __ATOMIC_RELAXED);
}

START_TEST(parallel_steps_judged_whole)
{
	int shared = 0;

	nn_set_threads(2);
	nn_parallel_steps(1);
	for (int step = 0; step < 400; step++) {
		hidden h = { 0 };
		double t0 = nn_now();

		ck_assert_int_eq(nn_parallel(2, hidden_part, &h), 2);
		if (h.worker)
			spin_us(400);
		shared += h.worker;
		nn_parallel_step_took(nn_now() - t0);
	}
	nn_parallel_steps(0);
	nn_set_threads(0);
	/* 50 blocks of 8: two to warm up, trials at 4, 8, 16 blocks apart */
	printf("steps with a shared loop: %d of 400\n", shared);
	ck_assert_int_le(shared, 60);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("robust");
	TCase *csv = tcase_create("csv"), *files = tcase_create("files");
	TCase *sizes = tcase_create("sizes"), *threads = tcase_create("threads");

	tcase_add_checked_fixture(csv, setup, teardown);
	tcase_add_test(csv, csv_one_label_word);
	tcase_add_test(csv, csv_nul_byte);
	tcase_add_test(csv, csv_past_float_range);
	suite_add_tcase(s, csv);
	tcase_add_checked_fixture(files, setup, teardown);
	tcase_set_timeout(files, 60);
	tcase_add_test(files, model_name_too_long);
	tcase_add_test(files, model_layer_limit);
	tcase_add_test(files, model_weights_not_finite);
	tcase_add_test(files, save_removes_stale_temporaries);
	tcase_add_test(files, save_error_leaves_no_temporary);
	tcase_add_test(files, save_refuses_fifo_and_dir);
	tcase_add_test(files, save_follows_symlinks);
	suite_add_tcase(s, files);
	tcase_add_test(sizes, size_dense_past_32_bits);
	tcase_add_test(sizes, size_shapes_checked);
	tcase_add_test(sizes, size_conv_layers);
	tcase_add_test(sizes, size_concat);
	suite_add_tcase(s, sizes);
	tcase_set_timeout(threads, 60);
	tcase_add_test(threads, parallel_beside_busy_core);
	tcase_add_test(threads, parallel_steps_judged_whole);
	suite_add_tcase(s, threads);
	return run_suite(s);
}
