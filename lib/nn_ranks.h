/* nn_ranks.h - data-parallel training (ranks.c, train.c, gan.c), a part
 * of libnn's public interface that nn.h includes (clients include nn.h
 * only): what the caller's sync exchanges between the processes that
 * train one model together, and the weights' checksum they compare. */
#ifndef NN_RANKS_PUBLIC_H
#define NN_RANKS_PUBLIC_H

/* Several processes (ranks) train one model together: each runs nn_train
 * on the same model, data and settings, and computes the gradient of its
 * share of every batch (rank k takes samples [cnt*k/size, cnt*(k+1)/size)
 * of the batch's cnt); the caller's sync sums the shares' gradients, so
 * that every rank takes the same step, the one a single process takes on
 * the whole batch (up to the order of float additions). The full-batch
 * methods sum every evaluation of their closure the same way (nn_closure
 * .ranks), and a GAN each of its steps (nn_gan_ctl.ranks). Dropout draws
 * other masks than a single process; batch norm is refused.
 * libnn does no communication itself: the caller (nnsh over MPI)
 * installs sync. */
enum { NN_SYNC_BEGIN, NN_SYNC_STEP, NN_SYNC_END };

/* What a rank tells the others at a sync point; sync turns each field into
 * its total over the ranks, as described. */
typedef struct nn_sync {
	int phase;              /* NN_SYNC_*: every rank must be at the same */
	int failed;             /* this rank failed (its message in
	                         * nn_error); total: ranks that failed */
	int stop;               /* asked to stop; total: ranks that asked */
	double loss;            /* this rank's loss times its samples; sum */
	double correct;         /* correct predictions; sum */
	double extra;           /* a third number the caller sums (gan:
	                         * D's mean output on generated samples) */
	double seqs;            /* sequences all right; sum */
	double lr;              /* the learning rate; total: rank 0's */
	uint32_t check[3];      /* BEGIN: checksums of the weights, the data
	                         * and the settings; END: of the weights.
	                         * Total: 0 where every rank has rank 0's
	                         * value, else 1 + the first rank without */
	double *dsum;           /* dn doubles to sum in place as g is, or
	                         * NULL (lm and gn: J'J and J'r) */
	size_t dn;
} nn_sync;

typedef struct nn_ranks {
	int rank, size;         /* this process, of size (> 1) */
	/* Called by every rank at the same points: once at the start of a
	 * run, once per batch, once at its end. Exchanges s as described;
	 * then, when g is not NULL and no rank failed, sums g[0..n) over the
	 * ranks in place (the same sums on every rank). Returns 0, or -1
	 * with a message (nn_fail) when a rank failed (every rank gets the
	 * failed rank's message), the ranks are out of step, or the
	 * transport failed; the caller then stops without another sync. */
	int (*sync)(void *ud, nn_sync *s, float *g, size_t n);
	void *ud;
} nn_ranks;

/* A CRC-32 of m's parameters: equal weights give equal checksums. */
uint32_t nn_model_checksum(nn_model *m);

#endif
