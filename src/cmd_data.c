/* cmd_data.c - `data NAME = load ...`: MNIST-format files found in the
 * usual places, any pair of IDX files, and the bundled digit sample. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"

#ifndef NNSH_DATADIR
#define NNSH_DATADIR "/usr/local/share/nnsh"
#endif

static const char *const fashion_names[10] = {
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

/* Name NAME.train / NAME.test and report what was loaded. */
static int put_pair(sh_session *S, const char *name, nn_dataset *train,
                    nn_dataset *test)
{
	char n1[256], n2[256];

	snprintf(n1, sizeof n1, "%s.train", name);
	snprintf(n2, sizeof n2, "%s.test", name);
	if (!sh_put_data(S, n1, train)) {
		nn_dataset_free(test);
		return sh_err(S, "out of memory");
	}
	if (!sh_put_data(S, n2, test))
		return sh_err(S, "out of memory");
	sh_printf(S, "%s: %zu images, %s: %zu images, 28x28, %d classes\n",
	          n1, train->n, n2, test->n, train->nclasses);
	return 0;
}

/* Find prefix-images-idx3-ubyte[.gz] in dir; fills images and labels. */
static int find_pair(const char *dir, const char *prefix, char *images,
                     char *labels, size_t len)
{
	static const char *const ext[] = { ".gz", "" };

	for (int i = 0; i < 2; i++) {
		snprintf(images, len, "%s/%s-images-idx3-ubyte%s", dir, prefix,
		         ext[i]);
		snprintf(labels, len, "%s/%s-labels-idx1-ubyte%s", dir, prefix,
		         ext[i]);
		if (access(images, R_OK) == 0 && access(labels, R_OK) == 0)
			return 1;
	}
	return 0;
}

/* The directories to look in for a dataset called set, in order. */
static int search_dirs(const sh_line *l, const char *set, char dirs[][1024],
                       int max)
{
	const char *path = sh_opt(l, "path"), *env = getenv("NNSH_DATA");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n = 0;

	if (path)
		snprintf(dirs[n++], 1024, "%s", path);
	if (env && n < max)
		snprintf(dirs[n++], 1024, "%s/%s", env, set);
	if (env && n < max)
		snprintf(dirs[n++], 1024, "%s", env);
	if (xdg && *xdg && n < max)
		snprintf(dirs[n++], 1024, "%s/nnsh/%s", xdg, set);
	else if (home && n < max)
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
	size_t *idx;

	for (size_t i = 0; i < 2 && !all; i++)
		if (find_pair(dirs[i], "train10k", images, labels,
		              sizeof images) &&
		    !(all = nn_load_idx(images, labels)))
			return sh_err(S, "%s", nn_error());
	if (!all)
		return sh_err(S, "no MNIST files found (looked in%s) and the "
		              "bundled sample is missing too", looked);
	idx = malloc(all->n * sizeof *idx);
	if (!idx) {
		nn_dataset_free(all);
		return sh_err(S, "out of memory");
	}
	for (size_t i = 0; i < all->n; i++)
		idx[i] = i;
	train = nn_dataset_subset(all, idx, all->n * 4 / 5);
	test = nn_dataset_subset(all, idx + all->n * 4 / 5,
	                         all->n - all->n * 4 / 5);
	free(idx);
	nn_dataset_free(all);
	if (!train || !test) {
		nn_dataset_free(train);
		nn_dataset_free(test);
		return sh_err(S, "out of memory");
	}
	sh_printf(S, "no MNIST files found (looked in%s); using the bundled "
	          "sample of 10,000 training digits\n", looked);
	return put_pair(S, name, train, test);
}

static int load_named(sh_session *S, const sh_line *l, const char *name,
                      const char *set)
{
	char dirs[6][1024], looked[2048] = "";
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
		if (fashion) {
			nn_dataset *sets[2] = { train, test };

			for (int k = 0; k < 2; k++) {
				sets[k]->class_names = calloc(10, sizeof(char *));
				for (int c = 0; sets[k]->class_names && c < 10; c++)
					sets[k]->class_names[c] =
						strdup(fashion_names[c]);
			}
		}
		return put_pair(S, name, train, test);
	}
	if (!fashion)
		return load_bundled(S, name, looked);
	return sh_err(S, "no Fashion-MNIST files found (looked in%s); "
	              "install Debian's dataset-fashion-mnist or give path=",
	              looked);
}

int cmd_data(sh_session *S, const sh_line *l)
{
	const char *name = sh_pos(l, 0)->text, *source;
	const sh_arg *eq = sh_pos(l, 1), *verb = sh_pos(l, 2);
	nn_dataset *d;

	if (eq->kind == SH_EQUALS && verb->kind == SH_LIST)
		return sh_inline_data(S, name, l);
	if (eq->kind != SH_EQUALS || strcmp(verb->text, "load") != 0 ||
	    sh_npos(l) < 4)
		return sh_err(S, "usage: data NAME = load mnist | "
		              "fashion-mnist | idx IMAGES LABELS");
	source = sh_pos(l, 3)->text;
	if (strcmp(source, "mnist") == 0 || strcmp(source, "fashion-mnist") == 0) {
		if (sh_npos(l) != 4)
			return sh_err(S, "load %s takes no file names; give "
			              "path=DIR", source);
		return load_named(S, l, name, source);
	}
	if (strcmp(source, "idx") != 0)
		return sh_err(S, "unknown data source '%s' (mnist "
		              "fashion-mnist idx)", source);
	if (sh_npos(l) != 6)
		return sh_err(S, "load idx needs two files: IMAGES LABELS");
	d = nn_load_idx(sh_pos(l, 4)->text, sh_pos(l, 5)->text);
	if (!d)
		return sh_err(S, "%s", nn_error());
	if (!sh_put_data(S, name, d))
		return sh_err(S, "out of memory");
	sh_printf(S, "%s: %zu images, %dx%d, %d classes\n", name, d->n,
	          d->xshape.dim[1], d->xshape.dim[2], d->nclasses);
	return 0;
}
