/* cmd_data.c - datasets: `data NAME = VERB ...` loads (MNIST and
 * Fashion-MNIST found in the usual places, IDX and CSV files, the bundled
 * digit sample), generates (the built-in teaching sets), transforms a
 * dataset into a new one, or hands a typed one to cmd_teach.c; `info`
 * describes a set and `show` draws its samples or a scatter plot. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complete.h"
#include "handlers.h"
#include "render_data.h"

#ifndef NNSH_DATADIR
#define NNSH_DATADIR "/usr/local/share/nnsh"
#endif

static const char *const fashion_names[10] = {
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

/* ---- reporting --------------------------------------------------------- */

/* "NAME: 200 samples, inputs 2, 2 classes" */
static void describe(sh_session *S, const char *name, const nn_dataset *d)
{
	char shape[64];

	if (d->xtok) {
		sh_seq_describe(S, name, d);
		return;
	}
	sh_printf(S, "%s: %zu samples, inputs %s%s, ", name, d->n,
	          nn_shape_str(&d->xshape, shape, sizeof shape),
	          d->xbytes ? " (bytes)" : "");
	if (d->nclasses > 0)
		sh_printf(S, "%d classes\n", d->nclasses);
	else
		sh_printf(S, "%zu target%s\n", d->ysize,
		          d->ysize == 1 ? "" : "s");
}

/* Name a new dataset and describe it; d is owned by the session after. */
static int put(sh_session *S, const char *name, nn_dataset *d)
{
	if (!d)
		return sh_err(S, "%s", nn_error());
	if (!sh_put_data(S, name, d))
		return sh_err(S, "out of memory");
	describe(S, name, d);
	return 0;
}

/* Name NAME.SUFa and NAME.SUFb; both are freed on failure. */
static int put_pair(sh_session *S, const char *name, const char *sa,
                    nn_dataset *a, const char *sb, nn_dataset *b)
{
	char n1[256], n2[256];

	snprintf(n1, sizeof n1, "%s.%s", name, sa);
	snprintf(n2, sizeof n2, "%s.%s", name, sb);
	if (put(S, n1, a) < 0) {
		nn_dataset_free(b);
		return -1;
	}
	return put(S, n2, b);
}

/* ---- arguments --------------------------------------------------------- */

/* Check that every key=value of the line is in the space-separated list
 * allowed (for `what`, as in "make moons"). */
static int check_opts(sh_session *S, const sh_line *l, const char *allowed,
                      const char *what)
{
	for (int i = 1; i < l->n; i++) {
		const char *key = l->v[i].key;

		if (!key || sh_option_allowed(allowed, key))
			continue;
		return *allowed
		       ? sh_err(S, "%s: unknown option '%s' (options: %s)",
		                what, key, allowed)
		       : sh_err(S, "%s takes no options (got %s=)", what,
		                key);
	}
	return 0;
}

/* The random numbers for a command: its own stream when seed= is given,
 * else the session's. */
static nn_rng *rng_for(sh_session *S, const sh_line *l, nn_rng *own)
{
	long seed;

	if (!sh_opt(l, "seed"))
		return &S->rng;
	if (sh_opt_long(S, l, "seed", 0, 0, 0x7fffffffL, &seed) < 0)
		return NULL;
	nn_rng_seed(own, (uint64_t)seed);
	return own;
}

/* per=feature (default) or per=all. */
static int per_feature(sh_session *S, const sh_line *l, int *per)
{
	const char *p = sh_opt(l, "per");

	*per = 1;
	if (!p || strcmp(p, "feature") == 0)
		return 0;
	if (strcmp(p, "all") == 0) {
		*per = 0;
		return 0;
	}
	return sh_err(S, "per=%s: expected per=feature or per=all", p);
}

/* The dataset given as from=, or src itself. */
static const nn_dataset *fit_set(sh_session *S, const sh_line *l,
                                 const nn_dataset *src)
{
	sh_data *sd;

	if (!sh_opt(l, "from"))
		return src;
	sd = sh_data_arg(S, sh_opt(l, "from"));
	return sd ? sd->d : NULL;
}

/* ---- load -------------------------------------------------------------- */

/* Find PREFIX-images-idx3-ubyte[.gz] (or PREFIX-images.idx3-ubyte) and
 * its labels in dir. */
static int find_pair(const char *dir, const char *prefix, char *images,
                     char *labels, size_t len)
{
	/* train-images-idx3-ubyte.gz, or train-images.idx3-ubyte */
	static const char *const sep[] = { "-", "." };
	static const char *const ext[] = { ".gz", "" };

	for (int f = 0; f < 2; f++)
		for (int i = 0; i < 2; i++) {
			snprintf(images, len, "%s/%s-images%sidx3-ubyte%s", dir,
			         prefix, sep[f], ext[i]);
			snprintf(labels, len, "%s/%s-labels%sidx1-ubyte%s", dir,
			         prefix, sep[f], ext[i]);
			if (access(images, R_OK) == 0 &&
			    access(labels, R_OK) == 0)
				return 1;
		}
	return 0;
}

/* The directories to look in for a dataset called set, in order: path=,
 * $NNSH_DATA/SET, $NNSH_DATA, the cache ($XDG_CACHE_HOME/nnsh/SET or
 * ~/.cache/nnsh/SET) and, for Fashion-MNIST, Debian's directory. */
static int search_dirs(const sh_line *l, const char *set, char dirs[][1024],
                       int max)
{
	const char *path = sh_opt(l, "path"), *env = getenv("NNSH_DATA");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n = 0;

	if (path)
		snprintf(dirs[n++], 1024, "%s", path);
	if (env && *env && n + 2 <= max) {
		snprintf(dirs[n++], 1024, "%s/%s", env, set);
		snprintf(dirs[n++], 1024, "%s", env);
	}
	if (xdg && *xdg && n < max)
		snprintf(dirs[n++], 1024, "%s/nnsh/%s", xdg, set);
	else if (home && *home && n < max)
		snprintf(dirs[n++], 1024, "%s/.cache/nnsh/%s", home, set);
	if (strcmp(set, "fashion-mnist") == 0 && n < max)
		snprintf(dirs[n++], 1024, "/usr/share/datasets/fashion-mnist");
	return n;
}

/* The bundled sample: 8,000 digits for training, 2,000 for testing. */
static int load_bundled(sh_session *S, const char *name, const char *looked)
{
	static const char *const dirs[] = { NNSH_SRCDATADIR, NNSH_DATADIR };
	char images[1100], labels[1100];
	nn_dataset *all = NULL, *train, *test;

	for (size_t i = 0; i < 2 && !all; i++)
		if (find_pair(dirs[i], "train10k", images, labels,
		              sizeof images) &&
		    !(all = nn_load_idx(images, labels)))
			return sh_err(S, "%s", nn_error());
	if (!all)
		return sh_err(S, "no MNIST files found (looked in%s) and the "
		              "bundled sample is missing too", looked);
	train = nn_dataset_slice(all, 0, all->n * 4 / 5);
	test = nn_dataset_slice(all, all->n * 4 / 5, all->n - all->n * 4 / 5);
	nn_dataset_free(all);
	if (!train || !test) {
		nn_dataset_free(train);
		nn_dataset_free(test);
		return sh_err(S, "%s", nn_error());
	}
	sh_printf(S, "no MNIST files found (looked in%s); using the bundled "
	          "sample of 10,000 training digits ('fetch mnist' downloads "
	          "all 70,000)\n", looked);
	return put_pair(S, name, "train", train, "test", test);
}

static int set_fashion_names(nn_dataset *d)
{
	if (!(d->class_names = calloc(10, sizeof *d->class_names)))
		return -1;
	for (int c = 0; c < 10; c++)
		if (!(d->class_names[c] = strdup(fashion_names[c])))
			return -1;
	return 0;
}

static int load_named(sh_session *S, const sh_line *l, const char *name,
                      const char *set)
{
	char dirs[6][1024], looked[6200] = "";
	char tri[1100], trl[1100], tei[1100], tel[1100];
	int n = search_dirs(l, set, dirs, 6), fashion;
	nn_dataset *train, *test;

	fashion = strcmp(set, "fashion-mnist") == 0;
	for (int i = 0; i < n; i++) {
		size_t used = strlen(looked);

		snprintf(looked + used, sizeof looked - used, " %s", dirs[i]);
		if (!find_pair(dirs[i], "t10k", tei, tel, sizeof tei) ||
		    (!find_pair(dirs[i], "train", tri, trl, sizeof tri) &&
		     !find_pair(dirs[i], "train10k", tri, trl, sizeof tri)))
			continue;
		if (!(train = nn_load_idx(tri, trl)))
			return sh_err(S, "%s", nn_error());
		if (!(test = nn_load_idx(tei, tel))) {
			nn_dataset_free(train);
			return sh_err(S, "%s", nn_error());
		}
		if (fashion && (set_fashion_names(train) < 0 ||
		                set_fashion_names(test) < 0)) {
			nn_dataset_free(train);
			nn_dataset_free(test);
			return sh_err(S, "out of memory");
		}
		return put_pair(S, name, "train", train, "test", test);
	}
	if (!fashion)
		return load_bundled(S, name, looked);
	return sh_err(S, "no Fashion-MNIST files found (looked in%s): "
	              "run 'fetch fashion-mnist', or 'apt-get install "
	              "dataset-fashion-mnist', or put train-* and t10k-* "
	              "IDX files in one of those directories or in path=",
	              looked);
}

static int load_csv(sh_session *S, const sh_line *l, const char *name,
                    const char *file)
{
	nn_csv_opts o = { .header = -1 };
	const char *sep = sh_opt(l, "sep");
	long header;

	if (sh_opt_long(S, l, "header", -1, 0, 1, &header) < 0)
		return -1;
	o.header = (int)header;
	o.label = sh_opt(l, "label");
	o.targets = sh_opt(l, "targets");
	o.skip = sh_opt(l, "skip");
	if (o.label && o.targets)
		return sh_err(S, "load csv: give label= or targets=, not both");
	if (sep && strcmp(sep, "tab") == 0)
		o.sep = '\t';
	else if (sep && strlen(sep) == 1 && sep[0] != '"')
		o.sep = sep[0];
	else if (sep)
		return sh_err(S, "sep=%s: expected one character or sep=tab",
		              sep);
	return put(S, name, nn_load_csv(file, &o));
}

/* data NAME = load SOURCE ... (args: the words after `load`). */
static int verb_load(sh_session *S, const sh_line *l, const char *name,
                     const char *const *args, int nargs)
{
	const char *src = nargs > 0 ? args[0] : "";

	if (strcmp(src, "mnist") == 0 || strcmp(src, "fashion-mnist") == 0) {
		if (check_opts(S, l, "path", "load") < 0)
			return -1;
		if (nargs != 1)
			return sh_err(S, "load %s takes no file names; give "
			              "path=DIR", src);
		return load_named(S, l, name, src);
	}
	if (strcmp(src, "idx") == 0) {
		if (check_opts(S, l, "", "load idx") < 0)
			return -1;
		if (nargs != 3)
			return sh_err(S, "load idx needs two files: IMAGES "
			              "LABELS");
		return put(S, name, nn_load_idx(args[1], args[2]));
	}
	if (strcmp(src, "csv") == 0) {
		if (check_opts(S, l, "header label targets skip sep",
		               "load csv") < 0)
			return -1;
		if (nargs != 2)
			return sh_err(S, "load csv needs one file: load csv "
			              "FILE");
		return load_csv(S, l, name, args[1]);
	}
	if (strcmp(src, "text") == 0)
		return sh_text_data(S, l, name, args, nargs);
	return sh_err(S, "unknown data source '%s' (mnist fashion-mnist idx "
	              "csv text)", src);
}

/* ---- make -------------------------------------------------------------- */

/* centers=K or centers=[[x y] ...]; coef=[c0 c1 ...]. The tensor that
 * holds the numbers is returned in *hold for the caller to free. */
static int list_opt(sh_session *S, const sh_line *l, const char *key,
                    nn_tensor **hold)
{
	const char *t = sh_opt(l, key);

	*hold = NULL;
	if (!t || t[0] != '[')
		return 0;
	if (!(*hold = sh_parse_tensor(t, S->err, sizeof S->err)))
		return -1;
	return 0;
}

static int verb_make(sh_session *S, const sh_line *l, const char *name,
                     const char *const *args, int nargs)
{
	int k = nargs > 0 ? nn_gen_parse(args[0]) : -1;
	nn_gen_opts o;
	const struct { const char *key; double *v, lo, hi; } nums[] = {
		{ "noise", &o.noise, 0, 1e6 }, { "std", &o.std, 0, 1e6 },
		{ "sep", &o.sep, -1e6, 1e6 }, { "turns", &o.turns, -100, 100 },
		{ "factor", &o.factor, 0, 1 }, { "lo", &o.lo, -1e9, 1e9 },
		{ "hi", &o.hi, -1e9, 1e9 }, { "h", &o.h, -1e9, 1e9 },
		{ "delta", &o.delta, 0, 1e9 },
		{ "center", &o.center, -1e9, 1e9 },
		{ "freq", &o.freq, -1e6, 1e6 },
		{ "radius", &o.radius, 0, 1e6 },
	};
	const struct { const char *key; int *v; long lo, hi; } ints[] = {
		{ "classes", &o.classes, 2, 100 }, { "dim", &o.dim, 1, 10000 },
		{ "bits", &o.bits, 1, 64 }, { "balanced", &o.balanced, 0, 1 },
	};
	char allowed[128], what[64];
	double v;
	long n, i;
	nn_tensor *centers = NULL, *coef = NULL;
	float one;
	nn_rng own, *rng;
	int rc = -1;

	if (k < 0) {
		size_t used = (size_t)snprintf(S->err, sizeof S->err,
		        "unknown generator '%s' (", nargs ? args[0] : "");

		for (int j = 0; j < NN_GEN_COUNT && used < sizeof S->err;
		     j++)
			used += (size_t)snprintf(S->err + used,
			        sizeof S->err - used, "%s%s", j ? " " : "",
			        nn_gen_kinds[j].name);
		if (used < sizeof S->err)
			snprintf(S->err + used, sizeof S->err - used, ")");
		return -1;
	}
	if (nargs != 1)
		return sh_err(S, "make %s: unexpected '%s' (options are "
		              "key=value)", args[0], args[1]);
	snprintf(allowed, sizeof allowed, "%s seed", nn_gen_kinds[k].options);
	snprintf(what, sizeof what, "make %s", nn_gen_kinds[k].name);
	if (check_opts(S, l, allowed, what) < 0)
		return -1;
	nn_gen_defaults((nn_gen_kind)k, &o);
	if (sh_opt_long(S, l, "n", (long)o.n, 1, 100000000, &n) < 0)
		return -1;
	o.n = (size_t)n;
	for (size_t j = 0; j < sizeof nums / sizeof *nums; j++)
		if (sh_opt_double(S, l, nums[j].key, *nums[j].v, nums[j].lo,
		                  nums[j].hi, nums[j].v) < 0)
			return -1;
	for (size_t j = 0; j < sizeof ints / sizeof *ints; j++) {
		if (sh_opt_long(S, l, ints[j].key, *ints[j].v, ints[j].lo,
		                ints[j].hi, &i) < 0)
			return -1;
		*ints[j].v = (int)i;
	}
	if (list_opt(S, l, "centers", &centers) < 0 ||
	    list_opt(S, l, "coef", &coef) < 0)
		goto out;
	if (centers) {
		if (centers->shape.ndim != 2 || centers->shape.dim[1] != 2) {
			sh_err(S, "centers= takes a count or points such as "
			       "[[0 0] [4 4]]");
			goto out;
		}
		o.centers = centers->data;
		o.ncenters = centers->shape.dim[0];
	} else if (sh_opt_long(S, l, "centers", o.ncenters, 2, 1000, &i) <
	           0) {
		goto out;
	} else {
		o.ncenters = (int)i;
	}
	if (coef) {
		o.coef = coef->data;
		o.ncoef = (int)nn_tensor_size(coef);
	} else if (sh_opt(l, "coef")) {
		if (sh_opt_double(S, l, "coef", 0, -1e9, 1e9, &v) < 0)
			goto out;
		one = (float)v;
		o.coef = &one;
		o.ncoef = 1;
	}
	if ((rng = rng_for(S, l, &own)))
		rc = put(S, name, nn_make((nn_gen_kind)k, &o, rng));
out:
	nn_tensor_free(centers);
	nn_tensor_free(coef);
	return rc;
}

/* ---- transforms -------------------------------------------------------- */

static int verb_split(sh_session *S, const sh_line *l, const char *name,
                      const nn_dataset *src, const char *const *args)
{
	double frac;
	nn_rng own, *rng;
	nn_dataset *a, *b;

	if (sh_parse_double(args[0], &frac) < 0 || !(frac > 0 && frac < 1))
		return sh_err(S, "split: '%s' is not a fraction between 0 "
		              "and 1, as in 0.8", args[0]);
	if (!(rng = rng_for(S, l, &own)))
		return -1;
	if (nn_dataset_split(src, frac, rng, &a, &b) < 0)
		return sh_err(S, "%s", nn_error());
	return put_pair(S, name, "train", a, "val", b);
}

/* Parse a sample index 0..max. */
static int index_arg(sh_session *S, const char *text, size_t max,
                     size_t *v)
{
	long x;

	if (sh_parse_long(S, "sample", text, 0, (long)max, &x) < 0)
		return -1;
	*v = (size_t)x;
	return 0;
}

static int verb_noise(sh_session *S, const sh_line *l, const char *name,
                      const nn_dataset *src, const char *const *args,
                      int nargs)
{
	static const char *const kinds[] = { "gaussian", "mask",
	                                     "saltpepper" };
	int kind = -1, clip = 0;
	double amount;
	nn_rng own, *rng;

	for (int k = 0; k < 3; k++)
		if (strcmp(args[0], kinds[k]) == 0)
			kind = k;
	if (kind < 0)
		return sh_err(S, "unknown noise '%s' (gaussian mask "
		              "saltpepper)", args[0]);
	for (int i = 1; i < nargs; i++) {
		if (strcmp(args[i], "clip") != 0)
			return sh_err(S, "noise: unexpected '%s' (clip?)",
			              args[i]);
		clip = 1;
	}
	if (kind == NN_NOISE_GAUSSIAN ? sh_opt(l, "p") != NULL
	                              : sh_opt(l, "std") != NULL)
		return sh_err(S, "noise %s takes %s", kinds[kind],
		              kind == NN_NOISE_GAUSSIAN ? "std=" : "p=");
	if (kind == NN_NOISE_GAUSSIAN
	    ? sh_opt_double(S, l, "std", 0.1, 0, 1e6, &amount) < 0
	    : sh_opt_double(S, l, "p", 0.1, 0, 1, &amount) < 0)
		return -1;
	if (!(rng = rng_for(S, l, &own)))
		return -1;
	return put(S, name, nn_dataset_noise(src, (nn_noise_kind)kind,
	                                     amount, clip, rng));
}

static int verb_affine(sh_session *S, const sh_line *l, const char *name,
                       const nn_dataset *src, const char *const *args,
                       int scale)
{
	const nn_dataset *fit = fit_set(S, l, src);
	nn_affine a;
	double lo = 0, hi = 1;
	int per, rc;

	if (!fit || per_feature(S, l, &per) < 0)
		return -1;
	if (scale && (sh_parse_double(args[0], &lo) < 0 ||
	              sh_parse_double(args[1], &hi) < 0))
		return sh_err(S, "scale needs two numbers, MIN and MAX, as "
		              "in 'scale DATA 0 1'");
	if (fit != src && fit->xsize != src->xsize)
		return sh_err(S, "from=%s has %zu inputs but the set has %zu",
		              sh_opt(l, "from"), fit->xsize, src->xsize);
	rc = scale ? nn_affine_minmax(fit, per, lo, hi, &a)
	           : nn_affine_standardize(fit, per, &a);
	if (rc < 0)
		return sh_err(S, "%s", nn_error());
	rc = put(S, name, nn_dataset_affine(src, &a));
	nn_affine_free(&a);
	return rc;
}

static int verb_decorrelate(sh_session *S, const sh_line *l,
                            const char *name, const nn_dataset *src)
{
	const nn_dataset *fit = fit_set(S, l, src);
	long dims;
	double eps;
	nn_pca p;
	int rc;

	if (!fit || sh_opt_long(S, l, "dims", 0, 1, NN_PCA_MAX, &dims) < 0 ||
	    sh_opt_double(S, l, "eps", 1e-5, 0, 1e6, &eps) < 0)
		return -1;
	if (fit != src && fit->xsize != src->xsize)
		return sh_err(S, "from=%s has %zu inputs but the set has %zu",
		              sh_opt(l, "from"), fit->xsize, src->xsize);
	if (nn_pca_fit(fit, (size_t)dims, eps, &p) < 0)
		return sh_err(S, "%s", nn_error());
	rc = put(S, name, nn_dataset_pca(src, &p));
	nn_pca_free(&p);
	return rc;
}

/* The transforms: verb, positional arguments after the source (min, max),
 * options, and usage. */
typedef struct transform {
	const char *verb;
	int min, max;
	const char *options;
	const char *usage;
} transform;

static const transform transforms[] = {
	{ "split", 1, 1, "seed", "split DATA FRACTION [seed=N]" },
	{ "take", 1, 1, "", "take DATA COUNT" },
	{ "slice", 2, 2, "", "slice DATA FROM TO" },
	{ "shuffle", 0, 0, "seed", "shuffle DATA [seed=N]" },
	{ "normalize", 0, 0, "from per",
	  "normalize DATA [from=DATA] [per=feature|all]" },
	{ "scale", 2, 2, "from per",
	  "scale DATA MIN MAX [from=DATA] [per=feature|all]" },
	{ "noise", 1, 2, "std p seed",
	  "noise DATA gaussian std=S | mask p=P | saltpepper p=P [clip]" },
	{ "onehot", 0, 0, "", "onehot DATA" },
	{ "flatten", 0, 0, "", "flatten DATA" },
	{ "reshape", 1, 1, "", "reshape DATA SHAPE" },
	{ "decorrelate", 0, 0, "from dims eps",
	  "decorrelate DATA [from=DATA] [dims=K] [eps=E]" },
	{ "autoencode", 0, 0, "", "autoencode DATA" },
	{ "encode", 1, 1, "node", "encode MODEL DATA node=NODE" },
	{ NULL, 0, 0, NULL, NULL },
};

/* encode MODEL DATA node=NODE: the node's outputs for every sample. */
static int verb_encode(sh_session *S, const sh_line *l, const char *name,
                       const char *const *args)
{
	sh_model *sm = sh_model_arg(S, args[0]);
	const char *node = sh_opt(l, "node");
	sh_data *sd;
	int f;

	if (!sm || !(sd = sh_data_arg(S, args[1])))
		return -1;
	if (!node)
		return sh_err(S, "encode needs node=NODE, the layer whose "
		              "outputs are the codes (a name or a number)");
	if ((f = nn_model_find_node(sm->m, node)) < 0)
		return sh_err(S, "encode: %s", nn_error());
	if (f == 0)
		return sh_err(S, "encode: node=in is DATA itself; name a layer");
	return put(S, name, nn_model_encode(sm->m, sd->d, (size_t)f - 1));
}

static int verb_transform(sh_session *S, const sh_line *l, const char *name,
                          const transform *t, const char *const *args,
                          int nargs)
{
	const char *v = t->verb;
	const nn_dataset *src;
	sh_data *sd;
	size_t a, b;
	nn_shape shape;

	if (nargs < 1 + t->min || nargs > 1 + t->max)
		return sh_err(S, "%s: %s arguments (usage: data NAME = %s)", v,
		              nargs < 1 + t->min ? "missing" : "too many",
		              t->usage);
	if (check_opts(S, l, t->options, v) < 0)
		return -1;
	if (strcmp(v, "encode") == 0)
		return verb_encode(S, l, name, args);
	if (!(sd = sh_data_arg(S, args[0])))
		return -1;
	src = sd->d;
	args++;
	nargs--;
	if (strcmp(v, "split") == 0)
		return verb_split(S, l, name, src, args);
	if (strcmp(v, "take") == 0) {
		long count;

		if (sh_parse_long(S, "take: count", args[0], 1, (long)src->n,
		                  &count) < 0)
			return -1;
		return put(S, name, nn_dataset_slice(src, 0, (size_t)count));
	}
	if (strcmp(v, "slice") == 0) {
		if (index_arg(S, args[0], src->n, &a) < 0 ||
		    index_arg(S, args[1], src->n, &b) < 0)
			return -1;
		if (b <= a)
			return sh_err(S, "slice: TO (%zu) must be above FROM "
			              "(%zu)", b, a);
		return put(S, name, nn_dataset_slice(src, a, b - a));
	}
	if (strcmp(v, "shuffle") == 0) {
		nn_rng own, *rng = rng_for(S, l, &own);

		return rng ? put(S, name, nn_dataset_shuffle(src, rng)) : -1;
	}
	if (strcmp(v, "normalize") == 0 || strcmp(v, "scale") == 0)
		return verb_affine(S, l, name, src, args, v[0] == 's');
	if (strcmp(v, "noise") == 0)
		return verb_noise(S, l, name, src, args, nargs);
	if (strcmp(v, "onehot") == 0)
		return put(S, name, nn_dataset_onehot(src));
	if (strcmp(v, "flatten") == 0) {
		shape = (nn_shape){ 1, { (int)src->xsize, 0, 0, 0 } };
		return put(S, name, nn_dataset_reshape(src, &shape));
	}
	if (strcmp(v, "reshape") == 0) {
		if (nn_shape_parse(args[0], &shape) < 0)
			return sh_err(S, "%s", nn_error());
		return put(S, name, nn_dataset_reshape(src, &shape));
	}
	if (strcmp(v, "decorrelate") == 0)
		return verb_decorrelate(S, l, name, src);
	return put(S, name, nn_dataset_autoencode(src));
}

/* ---- the data command -------------------------------------------------- */

/* The verbs besides the transforms, in the order `help data` gives. */
static const char *const first_verbs[] = {
	"load", "make", "flip", "bipolar", NULL,
};

const char *const *sh_data_verbs(void)
{
	static const char *verbs[sizeof first_verbs / sizeof *first_verbs +
	                         sizeof transforms / sizeof *transforms];
	size_t n = 0;

	if (verbs[0])
		return verbs;
	for (const char *const *v = first_verbs; *v; v++)
		verbs[n++] = *v;
	for (const transform *t = transforms; t->verb; t++)
		verbs[n++] = t->verb;
	verbs[n] = NULL;
	return verbs;
}

const char *const *sh_data_sources(void)
{
	static const char *const sources[] = {
		"mnist", "fashion-mnist", "idx", "csv", NULL,
	};

	return sources;
}

int cmd_data(sh_session *S, const sh_line *l)
{
	const char *args[16], *name, *verb;
	int npos = sh_npos(l), nargs = 0;

	name = sh_pos(l, 0)->text;
	if (npos < 3 || sh_pos(l, 1)->kind != SH_EQUALS)
		return sh_err(S, "usage: data NAME = load SOURCE | make KIND | "
		              "TRANSFORM DATA ... (see 'help data')");
	if (!sh_valid_name(name, 1))
		return sh_err(S, "'%s' is not a dataset name (letters, digits, "
		              "_ and dots, starting with a letter)", name);
	if (sh_find_model(S, name))
		return sh_err(S, "data %s: a model is called %s (a model and a "
		              "dataset may not share a name)", name, name);
	if (sh_pos(l, 2)->kind == SH_LIST)
		return sh_inline_data(S, name, l);
	verb = sh_pos(l, 2)->text;
	for (int i = 3; i < npos && nargs < 16; i++)
		args[nargs++] = sh_pos(l, i)->text;
	if (strcmp(verb, "load") == 0)
		return verb_load(S, l, name, args, nargs);
	if ((strcmp(verb, "make") == 0 && nargs > 0 &&
	     (strcmp(args[0], "patterns") == 0 ||
	      strcmp(args[0], "letters") == 0)) ||
	    strcmp(verb, "flip") == 0 || strcmp(verb, "bipolar") == 0)
		return sh_hopfield_data(S, l, name, verb, args, nargs);
	if (strcmp(verb, "make") == 0 && nargs > 0 &&
	    sh_seq_task(args[0], l) >= 0)
		return sh_seq_data(S, l, name, args, nargs);
	if (strcmp(verb, "make") == 0 && nargs > 0 &&
	    strcmp(args[0], "family") == 0)
		return sh_family_data(S, l, name, nargs);
	if (strcmp(verb, "make") == 0)
		return verb_make(S, l, name, args, nargs);
	if (strcmp(verb, "sample") == 0)
		return sh_sample_data(S, l, name, args, nargs);
	for (const transform *t = transforms; t->verb; t++)
		if (strcmp(verb, t->verb) == 0)
			return verb_transform(S, l, name, t, args, nargs);
	return sh_err(S, "data: unknown verb '%s' (load make split take slice "
	              "shuffle normalize scale noise onehot flatten reshape "
	              "decorrelate autoencode encode sample flip bipolar)",
	              verb);
}

/* ---- info and show ----------------------------------------------------- */

int cmd_info(sh_session *S, const sh_line *l)
{
	const char *name = sh_pos(l, 0)->text;
	sh_data *sd = sh_data_arg(S, name);
	const nn_dataset *d;
	nn_data_stats st;
	char shape[64], a[32], b[32], c[32], e[32];

	if (!sd)
		return -1;
	d = sd->d;
	if (d->xtok) {
		sh_seq_info(S, name, d);
		return 0;
	}
	if (nn_dataset_stats(d, &st) < 0)
		return sh_err(S, "%s", nn_error());
	sh_printf(S, "%s: %zu samples\n", name, d->n);
	sh_printf(S, "  inputs   %s, %s, range %s .. %s, mean %s, std %s\n",
	          nn_shape_str(&d->xshape, shape, sizeof shape),
	          d->xbytes ? "bytes scaled to floats per batch" : "floats",
	          sh_num(st.xmin, a, sizeof a), sh_num(st.xmax, b, sizeof b),
	          sh_num(st.xmean, c, sizeof c), sh_num(st.xstd, e, sizeof e));
	if (d->nclasses > 0 && (!d->y || d->labels)) {
		sh_printf(S, "  targets  %d classes, %s\n", d->nclasses,
		          d->ysize == 1 ? "one 0/1 target per sample"
		          : "one-hot targets");
		sh_printf(S, "  class    count  share%s\n",
		          d->class_names ? "  name" : "");
		for (int k = 0; k < d->nclasses; k++) {
			sh_printf(S, "  %5d %8zu %5.1f%%", k, st.counts[k],
			          100.0 * (double)st.counts[k] / (double)d->n);
			if (d->class_names)
				sh_printf(S, "  %s", d->class_names[k]);
			sh_printf(S, "\n");
		}
	} else if (d->y) {
		sh_printf(S, "  targets  %zu float%s per sample, range %s .. "
		          "%s\n", d->ysize, d->ysize == 1 ? "" : "s",
		          sh_num(st.ymin, a, sizeof a),
		          sh_num(st.ymax, b, sizeof b));
	} else {
		sh_printf(S, "  targets  none\n");
	}
	free(st.counts);
	return 0;
}


/* One line per sample: its inputs (the first 16) and its target. */
static void print_samples(sh_session *S, const char *name,
                          const nn_dataset *d, size_t from, size_t to)
{
	char num[32];

	if (d->xtok) {
		sh_seq_print(S, name, d, from, to);
		return;
	}
	for (size_t i = from; i < to; i++) {
		int c = nn_dataset_label(d, i);

		sh_printf(S, "%s:%zu  [", name, i);
		for (size_t j = 0; j < d->xsize && j < 16; j++)
			sh_printf(S, "%s%s", j ? " " : "",
			          sh_num(nn_dataset_x(d, i, j), num,
			                 sizeof num));
		sh_printf(S, "%s]", d->xsize > 16 ? " ..." : "");
		if (c >= 0 && (d->labels || !d->y))
			sh_printf(S, "  label %d%s%s", c,
			          d->class_names ? " " : "",
			          d->class_names ? d->class_names[c] : "");
		else if (d->y) {
			sh_printf(S, "  target [");
			for (size_t j = 0; j < d->ysize && j < 16; j++)
				sh_printf(S, "%s%s", j ? " " : "",
				          sh_num(d->y[i * d->ysize + j], num,
				                 sizeof num));
			sh_printf(S, "%s]", d->ysize > 16 ? " ..." : "");
		}
		sh_printf(S, "\n");
	}
}

/* show DATA [I | FROM:TO]; any other show goes to the model display. */
int cmd_show_data(sh_session *S, const sh_line *l)
{
	const sh_arg *arg = sh_pos(l, 0);
	sh_data *sd = arg ? sh_find_data(S, arg->text) : NULL;
	const char *name;
	const nn_dataset *d;
	int mode = sh_canvas_mode(S), w, h;
	long width, height;
	size_t from = 0, to = 0;
	cv_canvas *c;

	if (!sd && sh_npos(l) == 2 && strcmp(sh_pos(l, 1)->text, "graph") == 0) {
		sh_model *sm = sh_model_arg(S, arg->text);

		return sm ? sh_show_graph(S, sm) : -1;
	}
	if (!sd && sh_npos(l) == 2 && strcmp(sh_pos(l, 1)->text, "graph") &&
	    strchr(arg->text, '.')) {
		char model[256];

		snprintf(model, sizeof model, "%.*s",
		         (int)strcspn(arg->text, "."), arg->text);
		if (sh_find_model(S, model))
			return cmd_show(S, l);
	}
	if (!sd) {
		if (sh_npos(l) > 1 || sh_opt(l, "width") || sh_opt(l, "height"))
			return sh_err(S, "show: no dataset named '%s'",
			              arg ? arg->text : "");
		return cmd_show(S, l);
	}
	name = sd->name;
	d = sd->d;
	if (sh_opt_long(S, l, "width", sh_term_width(), 24, 1000, &width) < 0 ||
	    sh_opt_long(S, l, "height", 22, 8, 1000, &height) < 0)
		return -1;
	if (sh_npos(l) == 2) {
		const char *r = sh_pos(l, 1)->text, *colon = strchr(r, ':');
		char first[32];

		if (colon && (size_t)(colon - r) < sizeof first) {
			memcpy(first, r, (size_t)(colon - r));
			first[colon - r] = '\0';
			if (index_arg(S, first, d->n - 1, &from) < 0 ||
			    index_arg(S, colon + 1, d->n, &to) < 0)
				return -1;
			if (to <= from)
				return sh_err(S, "show: empty range %s (FROM:TO "
				              "shows FROM up to TO-1)", r);
			if (to - from > 100)
				return sh_err(S, "show: at most 100 samples at "
				              "once (%zu asked)", to - from);
		} else {
			if (index_arg(S, r, d->n - 1, &from) < 0)
				return -1;
			to = from + 1;
		}
	} else if (rd_can_scatter(d)) {
		if (!(c = rd_scatter(d, (int)width, (int)height, mode)))
			return sh_err(S, "out of memory");
		cv_write(c, S->out, mode & CV_COLOR);
		cv_free(c);
		return 0;
	} else {
		to = d->n < 8 ? d->n : 8;
	}
	if (!rd_is_image(d, &w, &h)) {
		print_samples(S, name, d, from, to);
		return 0;
	}
	if (!(c = rd_images(d, from, to, (int)width, mode)))
		return sh_err(S, "out of memory");
	cv_write(c, S->out, mode & CV_COLOR);
	cv_free(c);
	return 0;
}
