/* onednn_conv.c - what oneDNN's own convolutions cost on the homework's
 * layers, to compare with nnsh's (lib/conv2d.c, lib/convdirect.c): the
 * three convolutions of W5 and the two of W4, forward, backward-data and
 * backward-weights (with bias), on one thread, with the tensors in plain
 * NCHW (oneDNN then lowers to its own products) and in the layout oneDNN
 * picks (format any: its JIT direct kernels, blocked layouts, each pass
 * in the layouts it asked for, reorders between them not counted). The
 * tensors hold zeros (bias too): only the time is read. Prints seconds per
 * 60,000-sample epoch for each pass.
 *   cc -O2 bench/onednn_conv.c -o onednn_conv -ldnnl
 *   OMP_NUM_THREADS=1 ./onednn_conv */
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(x)                                                           \
	do {                                                               \
		dnnl_status_t s_ = (x);                                    \
		if (s_ != dnnl_success) {                                  \
			fprintf(stderr, "onednn_conv: %s failed (%d)\n",   \
			        #x, (int)s_);                              \
			exit(1);                                           \
		}                                                          \
	} while (0)

/* A layer: C x H x W in, O filters of k x k, stride s, padding p. */
typedef struct layer {
	const char *name;
	int c, h, w, o, k, s, p, n;     /* n: the batch */
} layer;

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Tensor `what` of pass pd (index 1 of the weights: the bias), in the
 * layout pd asked for, all zeros. */
static dnnl_memory_t memory(const dnnl_primitive_desc_t pd,
                            dnnl_query_t what, int index)
{
	const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what,
	                                                            index);
	dnnl_memory_t m;
	void *p;

	CHECK(dnnl_memory_create(&m, md, engine, DNNL_MEMORY_ALLOCATE));
	CHECK(dnnl_memory_get_data_handle(m, &p));
	memset(p, 0, dnnl_memory_desc_get_size(md));
	return m;
}

/* Seconds per epoch of each pass of layer L, the best of reps batches. */
static void run(const layer *L, int any, int reps)
{
	int oh = (L->h + 2 * L->p - L->k) / L->s + 1;
	int ow = (L->w + 2 * L->p - L->k) / L->s + 1;
	dnnl_dims_t sd = { L->n, L->c, L->h, L->w };
	dnnl_dims_t wd = { L->o, L->c, L->k, L->k }, bd = { L->o };
	dnnl_dims_t dd = { L->n, L->o, oh, ow };
	dnnl_dims_t st = { L->s, L->s }, dil = { 0, 0 }, pad = { L->p, L->p };
	dnnl_format_tag_t act = any ? dnnl_format_tag_any : dnnl_nchw;
	dnnl_format_tag_t wt = any ? dnnl_format_tag_any : dnnl_oihw;
	dnnl_memory_desc_t smd, wmd, bmd, dmd;
	dnnl_convolution_desc_t fd, bdd, bwd;
	dnnl_primitive_desc_t fpd, bdpd, bwpd;
	dnnl_primitive_t fp, bdp, bwp;
	dnnl_memory_t src, wei, bia, dst, dsrc, dwei, dbia, ddst;
	dnnl_memory_t wei2, src2, ddst2;
	double best[3] = { 1e30, 1e30, 1e30 }, scale = 60000.0 / L->n;
	const char *impl;

	CHECK(dnnl_memory_desc_init_by_tag(&smd, 4, sd, dnnl_f32, act));
	CHECK(dnnl_memory_desc_init_by_tag(&wmd, 4, wd, dnnl_f32, wt));
	CHECK(dnnl_memory_desc_init_by_tag(&bmd, 1, bd, dnnl_f32, dnnl_x));
	CHECK(dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dnnl_f32, act));
	CHECK(dnnl_dilated_convolution_forward_desc_init(
		&fd, dnnl_forward_training, dnnl_convolution_direct, &smd, &wmd,
		&bmd, &dmd, st, dil, pad, pad));
	CHECK(dnnl_primitive_desc_create(&fpd, &fd, NULL, engine, NULL));
	CHECK(dnnl_dilated_convolution_backward_data_desc_init(
		&bdd, dnnl_convolution_direct, &smd, &wmd, &dmd, st, dil, pad,
		pad));
	CHECK(dnnl_primitive_desc_create(&bdpd, &bdd, NULL, engine, fpd));
	CHECK(dnnl_dilated_convolution_backward_weights_desc_init(
		&bwd, dnnl_convolution_direct, &smd, &wmd, &bmd, &dmd, st, dil,
		pad, pad));
	CHECK(dnnl_primitive_desc_create(&bwpd, &bwd, NULL, engine, fpd));
	/* each pass's tensors in the layouts its kernel asked for */
	src = memory(fpd, dnnl_query_src_md, 0);
	wei = memory(fpd, dnnl_query_weights_md, 0);
	dst = memory(fpd, dnnl_query_dst_md, 0);
	dsrc = memory(bdpd, dnnl_query_diff_src_md, 0);
	wei2 = memory(bdpd, dnnl_query_weights_md, 0);
	ddst = memory(bdpd, dnnl_query_diff_dst_md, 0);
	src2 = memory(bwpd, dnnl_query_src_md, 0);
	dwei = memory(bwpd, dnnl_query_diff_weights_md, 0);
	ddst2 = memory(bwpd, dnnl_query_diff_dst_md, 0);
	bia = memory(fpd, dnnl_query_weights_md, 1);
	dbia = memory(bwpd, dnnl_query_diff_weights_md, 1);
	CHECK(dnnl_primitive_create(&fp, fpd));
	CHECK(dnnl_primitive_create(&bdp, bdpd));
	CHECK(dnnl_primitive_create(&bwp, bwpd));
	{
		dnnl_exec_arg_t fa[] = { { DNNL_ARG_SRC, src },
		                         { DNNL_ARG_WEIGHTS, wei },
		                         { DNNL_ARG_BIAS, bia },
		                         { DNNL_ARG_DST, dst } };
		dnnl_exec_arg_t ba[] = { { DNNL_ARG_DIFF_SRC, dsrc },
		                         { DNNL_ARG_WEIGHTS, wei2 },
		                         { DNNL_ARG_DIFF_DST, ddst } };
		dnnl_exec_arg_t wa[] = { { DNNL_ARG_SRC, src2 },
		                         { DNNL_ARG_DIFF_WEIGHTS, dwei },
		                         { DNNL_ARG_DIFF_BIAS, dbia },
		                         { DNNL_ARG_DIFF_DST, ddst2 } };
		dnnl_primitive_t p[3] = { fp, bdp, bwp };
		dnnl_exec_arg_t *a[3] = { fa, ba, wa };
		int na[3] = { 4, 3, 4 };

		for (int r = 0; r < reps; r++)
			for (int i = 0; i < 3; i++) {
				double t = now();

				CHECK(dnnl_primitive_execute(p[i], stream, na[i],
				                             a[i]));
				CHECK(dnnl_stream_wait(stream));
				t = now() - t;
				best[i] = t < best[i] ? t : best[i];
			}
	}
	CHECK(dnnl_primitive_desc_query(fpd, dnnl_query_impl_info_str, 0,
	                                &impl));
	printf("%-30s %-6s %-16s %8.3f %8.3f %8.3f %8.3f\n", L->name,
	       any ? "any" : "nchw", impl, best[0] * scale, best[1] * scale,
	       best[2] * scale, (best[0] + best[1] + best[2]) * scale);
	dnnl_primitive_destroy(fp);
	dnnl_primitive_destroy(bdp);
	dnnl_primitive_destroy(bwp);
	dnnl_primitive_desc_destroy(fpd);
	dnnl_primitive_desc_destroy(bdpd);
	dnnl_primitive_desc_destroy(bwpd);
	dnnl_memory_destroy(src);
	dnnl_memory_destroy(dsrc);
	dnnl_memory_destroy(wei);
	dnnl_memory_destroy(dwei);
	dnnl_memory_destroy(bia);
	dnnl_memory_destroy(dbia);
	dnnl_memory_destroy(dst);
	dnnl_memory_destroy(ddst);
	dnnl_memory_destroy(wei2);
	dnnl_memory_destroy(src2);
	dnnl_memory_destroy(ddst2);
}

int main(void)
{
	static const layer layers[] = {
		{ "W5 conv 4 5x5 pad 2", 1, 28, 28, 4, 5, 1, 2, 100 },
		{ "W5 conv 8 5x5 stride 2 pad 2", 4, 28, 28, 8, 5, 2, 2, 100 },
		{ "W5 conv 12 4x4 stride 2 pad 1", 8, 14, 14, 12, 4, 2, 1, 100 },
		{ "W4 conv 10 5x5", 1, 28, 28, 10, 5, 1, 0, 64 },
		{ "W4 conv 20 5x5", 10, 12, 12, 20, 5, 1, 0, 64 },
	};

	CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
	CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
	printf("seconds per 60,000-sample epoch, one thread, best of 50 "
	       "batches\n%-30s %-6s %-16s %8s %8s %8s %8s\n", "layer",
	       "layout", "oneDNN kernel", "forward", "data", "weights",
	       "all");
	for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
		for (int any = 0; any < 2; any++)
			run(&layers[i], any, 50);
	dnnl_stream_destroy(stream);
	dnnl_engine_destroy(engine);
	return 0;
}
