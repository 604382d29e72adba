/* nn_gan.h - generative adversarial networks (gan.c), a part of libnn's
 * public interface that nn.h includes (clients include nn.h only): the
 * discriminator and generator steps built from the public step pieces,
 * the loop alternating them, its resumable state, and sampling. */
#ifndef NN_GAN_H
#define NN_GAN_H

/* The noise a generator turns into samples: N(0, 1), or uniform on
 * [-1, 1]. */
typedef enum nn_gan_noise { NN_GAN_NORMAL, NN_GAN_UNIFORM } nn_gan_noise;
/* Fill z[0..n) with noise of kind k. */
void nn_gan_noise_fill(nn_gan_noise k, float *z, size_t n, nn_rng *rng);

/* A point of a GAN run, means over the iterations since the previous one:
 * the discriminator's loss (on a real and a generated batch, summed), the
 * generator's, and D's mean output on real samples, D(x), and on
 * generated ones, D(G(z)), in its steps. */
typedef struct nn_gan_point {
	int epoch;
	long iter;
	double d_loss, g_loss, d_real, d_fake;
	double seconds;
} nn_gan_point;

typedef struct nn_gan_opts {
	int epochs;             /* or */
	long iters;             /* a number of iterations (takes precedence) */
	size_t batch;           /* real samples per discriminator step */
	int k;                  /* discriminator steps per generator step */
	float smooth;           /* the target of real samples (1: none) */
	nn_gan_noise noise;
	long every;             /* a point every N iterations (0: epochs) */
} nn_gan_opts;

/* A GAN run: its settings, where it is, its points, and buffers. Kept by
 * the caller between calls, so a stopped run resumes where it stopped. */
typedef struct nn_gan {
	nn_gan_opts opts;
	int active;             /* started and not at its end */
	long iter, iters;       /* iterations (k D steps, one G step) */
	int epoch, epochs;      /* epochs of per iterations: the real
	                         * samples in a new order, once (more when
	                         * k batches do not divide them) */
	long per;
	size_t n;               /* real samples */
	size_t gparams, dparams;  /* the models it started with */
	size_t pos, *perm;      /* this epoch's order, samples used */
	nn_rng rng;             /* order, noise and dropout */
	double seconds;
	double span[4];         /* sums of d_loss g_loss d_real d_fake */
	long span_d, span_g;    /* the steps in them */
	double d_loss, g_loss, d_real, d_fake;  /* the last steps' */
	long dsteps, gsteps;    /* steps taken, single ones included */
	nn_gan_point *pts;
	size_t npts, cap;
	float *x, *z, *y, *grad;  /* a batch's buffers */
	size_t bufn;
	/* data-parallel, inside nn_gan_train only: the ranks (NULL: alone),
	 * this rank's wish to stop and the stop the ranks agreed */
	const struct nn_ranks *ranks;
	int want_stop, stop_all;
} nn_gan;

/* Whether g and d can play on data: g's output has as many values as a
 * sample of data, d takes that many and ends in one sigmoid unit, and
 * they are two models. 0, or -1 with a message naming the problem. */
int nn_gan_check(const nn_model *g, const nn_model *d,
                 const nn_dataset *data);
/* Start a new run in s (what it held is freed): checks, its order and
 * noise seeded from rng. 0, or -1 with a message and s empty. */
int nn_gan_start(nn_gan *s, const nn_model *g, const nn_model *d,
                 const nn_dataset *data, const nn_gan_opts *o, nn_rng *rng);
/* Check that the stopped run s can go on with these models and data. */
int nn_gan_check_resume(const nn_gan *s, const nn_model *g,
                        const nn_model *d, const nn_dataset *data);
/* One discriminator update: BCE on the next real batch (target
 * opts.smooth) plus BCE on as many generated samples (target 0), one
 * step of od. 0, or -1 with a message (a non-finite loss is refused
 * before the update). */
int nn_gan_d_step(nn_gan *s, nn_model *g, nn_model *d, nn_optim *od,
                  const nn_dataset *data);
/* One generator update through d: BCE of d's output on a generated batch
 * against target 1 (the non-saturating loss), its gradient carried back
 * through d's input into g, one step of og. 0, or -1 as above. */
int nn_gan_g_step(nn_gan *s, nn_model *g, nn_model *d, nn_optim *og);

typedef struct nn_gan_ctl {
	volatile int *stop;     /* non-zero stops between iterations */
	/* Called after every iteration, with the point just added or NULL;
	 * non-zero stops the run. */
	int (*callback)(const nn_gan *s, const nn_gan_point *p, void *ud);
	void *ud;
	nn_history *gh, *dh;    /* each model's history (loss, lr), or NULL */
	/* Data-parallel: every rank runs the same nn_gan_train; each step
	 * shares its batch (real and generated) out as nn_train does, and
	 * the shares' gradients are summed, so the steps are one process's
	 * (dropout aside). NULL: alone. */
	const struct nn_ranks *ranks;
} nn_gan_ctl;

/* Run s to its end or until stopped: each iteration opts.k discriminator
 * steps, then one generator step; a point at the end of each epoch (or
 * every opts.every iterations) into s->pts and both histories, and one
 * for the part of a span a stopped run did. 0 when it finished or was
 * stopped (s->active says which), -1 on an error; both models are always
 * left usable. */
int nn_gan_train(nn_gan *s, nn_model *g, nn_optim *og, nn_model *d,
                 nn_optim *od, const nn_dataset *data, const nn_gan_ctl *c);
/* Free what s holds and zero it. */
void nn_gan_free(nn_gan *s);

/* n samples of g (dropout off) from noise of kind k, as a new unlabelled
 * dataset of float inputs of shape `shape` (NULL: g's output shape, whose
 * size it must have). NULL with a message on failure. */
nn_dataset *nn_gan_sample(nn_model *g, size_t n, nn_gan_noise k,
                          nn_rng *rng, const nn_shape *shape);

#endif
