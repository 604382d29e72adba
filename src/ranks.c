/* ranks.c - nnsh over several processes (see ranks.h). Every rank runs the
 * same script; after each line the ranks exchange a small record (the
 * line's checksum, its status, Ctrl-C), so a rank that fails or runs
 * another script stops them all with one message instead of leaving the
 * others waiting. Inside train they exchange the same record once per
 * batch (the hook nn_train calls), then sum the gradients. Every exchange
 * is one allgather of that record, whatever the rank is doing, so ranks
 * that have drifted apart still meet, see it, and stop. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "handlers.h"
#include "ranks.h"
#include "script.h"
#include "signals.h"

/* Where a rank is when it exchanges its record. */
enum { AT_LINE, AT_BEGIN, AT_STEP, AT_END, AT_BLOCK, AT_RANKS,
       AT_FINISH };

static const char *const where[] = {
	"after a command", "starting train", "training", "ending train",
	"ending a parallel block", "showing the ranks",
	"at the end of its script",
};

/* The record every rank sends at every exchange. */
typedef struct record {
	int32_t at, failed, stop;
	int32_t interrupt;      /* training: its Ctrl-C, of the stop above */
	int32_t fatal;          /* the SIGTERM or SIGHUP it received, or 0 */
	uint32_t line, check[3];
	uint64_t bytes;         /* AT_BLOCK: the size of its results */
	double loss, correct, extra, seqs, lr;
} record;

static struct {
	int rank, size;
	int failed;             /* the ranks agreed that one failed */
	char msg[512];          /* and this is the message */
	int alone;              /* in an iteration of a parallel block */
	record *all;            /* size records of the last exchange */
	nn_ranks hook;
} R = { .size = 1 };

int sh_rank(void)
{
	return R.rank;
}

int sh_nranks(void)
{
	return R.size;
}

int sh_rank_writes(void)
{
	return R.rank == 0 || R.alone;
}

/* ---- exchanges ---------------------------------------------------------- */

/* The ranks stop: msg is the message every rank keeps. */
static int fail(const char *msg)
{
	R.failed = 1;
	snprintf(R.msg, sizeof R.msg, "%s", msg);
	return -1;
}

static int transport_failed(void)
{
	char m[sizeof R.msg];

	snprintf(m, sizeof m, "MPI: %s", tp_error());
	return fail(m);
}

/* Send r, receive every rank's into R.all. With a failed rank, every rank
 * takes the first failed one's message (mine: this rank's, when it failed)
 * and -1; ranks at different places stop too. */
static int exchange(record *r, const char *mine)
{
	char m[sizeof R.msg];
	int first = -1;

	if (R.failed)
		return -1;
	r->fatal = sh_signal_fatal();
	if (tp_allgather(r, R.all, sizeof *r) < 0)
		return transport_failed();
	/* mpirun terminates the ranks one after the other: the first one
	 * terminated takes the others with it, at the same batch */
	for (int k = 0; k < R.size; k++)
		if (R.all[k].fatal)
			sh_signal_take_fatal(R.all[k].fatal);
	for (int k = 0; k < R.size && first < 0; k++)
		if (R.all[k].failed)
			first = k;
	if (first >= 0) {
		char got[sizeof R.msg] = "";

		if (first == R.rank)
			snprintf(got, sizeof got, "%s", mine ? mine : "");
		if (tp_bcast(got, sizeof got, first) < 0)
			return transport_failed();
		got[sizeof got - 1] = '\0';
		if (first == 0)
			return fail(got);
		snprintf(m, sizeof m, "rank %d: %s", first, got);
		return fail(m);
	}
	for (int k = 1; k < R.size; k++)
		if (R.all[k].at != R.all[0].at) {
			snprintf(m, sizeof m, "the ranks are out of step: rank "
			         "0 is %s, rank %d %s (do they run the same "
			         "script?)", where[R.all[0].at], k,
			         where[R.all[k].at]);
			return fail(m);
		}
	return 0;
}

static uint32_t text_crc(const char *s)
{
	return (uint32_t)crc32(0, (const unsigned char *)s, (uInt)strlen(s));
}

int sh_ranks_agree(sh_session *S, int rc, const char *line)
{
	record r = { 0 };

	if (R.size == 1 || R.alone)
		return rc;
	if (R.failed)
		return -1;
	r.at = AT_LINE;
	r.failed = rc < 0;
	r.stop = S->stop != 0;
	r.line = text_crc(line);
	if (exchange(&r, S->err) < 0) {
		snprintf(S->err, sizeof S->err, "%s", R.msg);
		return -1;
	}
	for (int k = 1; k < R.size; k++)
		if (R.all[k].line != R.all[0].line) {
			char m[sizeof R.msg];

			snprintf(m, sizeof m, "rank %d runs another script: "
			         "its line here is not rank 0's (every rank "
			         "must run the same script)", k);
			fail(m);
			snprintf(S->err, sizeof S->err, "%s", R.msg);
			return -1;
		}
	for (int k = 0; k < R.size; k++)
		if (R.all[k].stop)      /* Ctrl-C at one rank stops them all */
			sh_signal_take_stop(S);
	return rc;
}

/* nn_ranks.sync: one exchange, the totals, then the gradients' sum. */
static int sync_ranks(void *ud, nn_sync *s, float *g, size_t n)
{
	sh_session *S = ud;
	record r = { 0 };

	r.at = AT_BEGIN + s->phase;
	r.failed = s->failed;
	r.stop = s->stop;
	r.interrupt = S->stop != 0;
	r.loss = s->loss;
	r.correct = s->correct;
	r.extra = s->extra;
	r.seqs = s->seqs;
	r.lr = s->lr;
	memcpy(r.check, s->check, sizeof r.check);
	if (exchange(&r, nn_error()) < 0)
		return nn_fail("%s", R.msg);
	memset(s->check, 0, sizeof s->check);
	s->stop = 0;
	s->loss = s->correct = s->extra = s->seqs = 0;
	for (int k = 0; k < R.size; k++) {
		const record *a = &R.all[k];

		s->stop += a->stop;
		if (a->interrupt)       /* it stops as if Ctrl-C came here */
			sh_signal_take_stop(S);
		s->loss += a->loss;
		s->correct += a->correct;
		s->extra += a->extra;
		s->seqs += a->seqs;
		for (int i = 0; i < 3; i++)
			if (!s->check[i] && a->check[i] != R.all[0].check[i])
				s->check[i] = (uint32_t)k + 1;
	}
	s->lr = R.all[0].lr;
	if ((g && tp_sum(g, n) < 0) ||
	    (s->dsum && tp_sum_double(s->dsum, s->dn) < 0)) {
		transport_failed();
		return nn_fail("%s", R.msg);
	}
	return 0;
}

const nn_ranks *sh_ranks_hook(sh_session *S)
{
	R.hook.ud = S;
	return R.size > 1 && !R.alone ? &R.hook : NULL;
}

/* ---- starting and finishing --------------------------------------------- */

int sh_ranks_start(int *argc, char ***argv)
{
	char err[256];
	int null;

	if (tp_init(argc, argv, err, sizeof err) < 0) {
		const char *r = getenv("OMPI_COMM_WORLD_RANK");

		if (!r || strcmp(r, "0") == 0)
			fprintf(stderr, "nnsh: %s\n", err);
		return -1;
	}
	R.rank = tp_rank();
	R.size = tp_size();
	if (R.size == 1)
		return 0;
	R.all = calloc((size_t)R.size, sizeof *R.all);
	if (!R.all) {
		fprintf(stderr, "nnsh: out of memory\n");
		tp_finish(1);
		return -1;
	}
	R.hook.rank = R.rank;
	R.hook.size = R.size;
	R.hook.sync = sync_ranks;
	if (tp_local() > 1)
		nn_set_threads(1);      /* --threads, parsed later, overrides */
	/* mpirun closes the ranks' output as it takes the job down (Ctrl-C):
	 * rank 0 must live on to save the run */
	signal(SIGPIPE, SIG_IGN);
	if (R.rank != 0 && (null = open("/dev/null", O_WRONLY)) >= 0) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	return 0;
}

int sh_ranks_finish(sh_session *S, int status)
{
	record r = { 0 };

	if (R.size == 1) {
		tp_finish(0);   /* mpirun -np 1 */
		return status;
	}
	if (sh_signal_fatal()) {
		/* mpirun is taking the job down: no goodbyes */
		free(R.all);
		return status;
	}
	r.at = AT_FINISH;
	r.failed = status != 0;
	if (!R.failed && exchange(&r, S->err[0] ? S->err
	                                        : "its script failed") < 0 &&
	    R.rank == 0 && status == 0)     /* else it said so itself */
		fprintf(stderr, "nnsh: %s\n", R.msg);
	tp_finish(0);
	free(R.all);
	return R.failed && !status ? 1 : status;
}

/* ---- parallel blocks ---------------------------------------------------- */

/* A random state of iteration i of a block that starts from *start. */
static nn_rng iteration_rng(const nn_rng *start, size_t i)
{
	nn_rng c = *start, r;

	nn_rng_seed(&r, nn_rng_next(&c) + 0x9e3779b97f4a7c15ull * (i + 1));
	return r;
}

/* What the iterations of a block left, written by one rank and read by
 * all: per iteration its number, status, output, error output and runs. */
static void put_u64(FILE *f, uint64_t v)
{
	fwrite(&v, sizeof v, 1, f);
}

static void put_bytes(FILE *f, const void *p, size_t n)
{
	put_u64(f, n);
	if (n)
		fwrite(p, 1, n, f);
}

static void put_str(FILE *f, const char *s)
{
	put_bytes(f, s, s ? strlen(s) : 0);
}

static void put_run(FILE *f, const struct sh_run_rec *r)
{
	double v[] = { r->loss, r->acc, r->val_loss, r->val_acc, r->seconds };

	put_str(f, r->model);
	put_str(f, r->arch);
	put_str(f, r->optim);
	put_str(f, r->data);
	put_u64(f, r->batch);
	put_u64(f, (uint64_t)r->iters);
	put_u64(f, (uint64_t)r->epochs);
	fwrite(v, sizeof v, 1, f);
}

typedef struct cursor {
	const char *p, *end;
} cursor;

static int get(cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -1;
	memcpy(out, c->p, n);
	c->p += n;
	return 0;
}

static uint64_t get_u64(cursor *c)
{
	uint64_t v = 0;

	get(c, &v, sizeof v);
	return v;
}

/* A pointer to the next n bytes (which stay in the buffer), or NULL. */
static const char *get_bytes(cursor *c, size_t *n)
{
	const char *p = c->p;

	*n = get_u64(c);
	if ((size_t)(c->end - c->p) < *n)
		return NULL;
	c->p += *n;
	return p + sizeof(uint64_t);
}

static char *get_str(cursor *c)
{
	size_t n;
	const char *p = get_bytes(c, &n);

	return p ? strndup(p, n) : NULL;
}

static int get_run(cursor *c, struct sh_run_rec *r)
{
	double v[5];

	memset(r, 0, sizeof *r);
	r->model = get_str(c);
	r->arch = get_str(c);
	r->optim = get_str(c);
	r->data = get_str(c);
	r->batch = (size_t)get_u64(c);
	r->iters = (long)get_u64(c);
	r->epochs = (int)get_u64(c);
	if (get(c, v, sizeof v) < 0 || !r->model || !r->arch || !r->optim ||
	    !r->data) {
		free(r->model);
		free(r->arch);
		free(r->optim);
		free(r->data);
		return -1;
	}
	r->loss = v[0];
	r->acc = v[1];
	r->val_loss = v[2];
	r->val_acc = v[3];
	r->seconds = v[4];
	return 0;
}

/* Run this rank's iterations with their output captured; write what they
 * left to f. Runs they recorded leave the session's table (they come
 * back, with everyone's, in order). */
static void run_mine(sh_session *S, size_t n, const nn_rng *start,
                     int (*run)(sh_session *, size_t, void *), void *ud,
                     FILE *f)
{
	FILE *keep = S->out;

	R.alone = 1;
	for (size_t i = (size_t)R.rank; i < n; i += (size_t)R.size) {
		char *out = NULL, *err = NULL;
		size_t nout = 0, nerr = 0, before = S->nruns;
		FILE *o = open_memstream(&out, &nout);
		FILE *e = open_memstream(&err, &nerr);
		int rc = -1;

		if (o && e) {
			S->out = o;
			sh_report_to(e);
			S->rng = iteration_rng(start, i);
			rc = run(S, i, ud);
			S->out = keep;
			sh_report_to(NULL);
		} else {
			fprintf(e ? e : stderr, "nnsh: out of memory\n");
		}
		if (o)
			fclose(o);
		if (e)
			fclose(e);
		put_u64(f, i);
		put_u64(f, rc < 0);
		put_bytes(f, out, out ? nout : 0);
		put_bytes(f, err, err ? nerr : 0);
		put_u64(f, S->nruns - before);
		for (size_t k = before; k < S->nruns; k++)
			put_run(f, &S->runs[k]);
		free(out);
		free(err);
		while (S->nruns > before) {
			struct sh_run_rec *r = &S->runs[--S->nruns];

			free(r->model);
			free(r->arch);
			free(r->optim);
			free(r->data);
		}
		if (rc < 0 || S->stop || sh_signal_fatal())
			break;  /* later iterations no longer count */
	}
	R.alone = 0;
}

/* Every rank's buffer to every rank (the sizes went with the last
 * exchange); once every rank has room for them all. NULL after a failure
 * (R.msg says what). */
static char **share_results(char *mine)
{
	char **buf = calloc((size_t)R.size, sizeof *buf);
	record r = { 0 };
	int k;

	for (k = 0; buf && k < R.size; k++) {
		size_t n = (size_t)R.all[k].bytes;

		buf[k] = k == R.rank ? mine : malloc(n ? n : 1);
		if (!buf[k])
			break;
	}
	r.at = AT_BLOCK;
	r.bytes = R.all[R.rank].bytes;  /* the sizes stay in R.all */
	r.failed = !buf || k < R.size;
	if (exchange(&r, "out of memory") == 0)
		for (k = 0; k < R.size; k++)
			if (tp_bcast(buf[k], (size_t)R.all[k].bytes, k) < 0) {
				transport_failed();
				break;
			}
	if (!R.failed)
		return buf;
	for (k = 0; buf && k < R.size; k++)
		if (buf[k] != mine)
			free(buf[k]);
	free(buf);
	return NULL;
}

/* Put the iterations' results in order: print them (rank 0), add their
 * runs, up to the first failed one. Returns its number, or n. */
static size_t take_results(sh_session *S, char **buf, size_t n)
{
	size_t failed = n;
	cursor *c = calloc((size_t)R.size, sizeof *c);

	S->err[0] = '\0';
	if (!c) {
		sh_err(S, "out of memory");
		return 0;
	}
	for (int k = 0; k < R.size; k++) {
		c[k].p = buf[k];
		c[k].end = buf[k] + R.all[k].bytes;
	}
	for (size_t i = 0; i < n && i <= failed; i++) {
		cursor *k = &c[i % (size_t)R.size];
		size_t nout, nerr, nruns;
		const char *out, *err;
		int bad;

		if (k->p == k->end || get_u64(k) != i) {
			failed = i;     /* its rank stopped before it */
			sh_err(S, "interrupted");
			break;
		}
		bad = get_u64(k) != 0;
		out = get_bytes(k, &nout);
		err = get_bytes(k, &nerr);
		nruns = (size_t)get_u64(k);
		if (R.rank == 0 && out)
			fwrite(out, 1, nout, S->out);
		fflush(S->out);
		if (R.rank == 0 && err)
			fwrite(err, 1, nerr, stderr);
		for (size_t j = 0; j < nruns; j++) {
			struct sh_run_rec r, *more;

			if (get_run(k, &r) < 0)
				break;
			more = realloc(S->runs, (S->nruns + 1) * sizeof *more);
			if (!more) {
				free(r.model);
				free(r.arch);
				free(r.optim);
				free(r.data);
				break;
			}
			S->runs = more;
			S->runs[S->nruns++] = r;
		}
		if (bad)
			failed = i;
	}
	free(c);
	return failed;
}

int sh_ranks_for(sh_session *S, size_t n,
                 int (*run)(sh_session *S, size_t i, void *ud), void *ud)
{
	nn_rng start = S->rng;
	char *mine = NULL, **all;
	size_t len = 0, failed;
	record r = { 0 };
	FILE *f;
	int rc = 0;

	if (R.size == 1 || R.alone) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			S->rng = iteration_rng(&start, i);
			rc = run(S, i, ud);
		}
		S->rng = iteration_rng(&start, n);
		return rc;
	}
	if (!(f = open_memstream(&mine, &len)))
		return sh_err(S, "out of memory");
	run_mine(S, n, &start, run, ud, f);
	if (fclose(f) != 0) {
		free(mine);
		return sh_err(S, "out of memory");
	}
	r.at = AT_BLOCK;
	r.bytes = len;
	r.stop = S->stop != 0;
	if (exchange(&r, NULL) < 0) {
		free(mine);
		return sh_err(S, "%s", R.msg);
	}
	if (!(all = share_results(mine))) {
		free(mine);
		return sh_err(S, "%s", R.msg);
	}
	failed = take_results(S, all, n);
	for (int k = 0; k < R.size; k++)
		free(all[k]);
	free(all);
	S->rng = iteration_rng(&start, n);
	/* a failed iteration's message is out; S->err says the others */
	return failed < n ? -1 : 0;
}

/* ---- the ranks command -------------------------------------------------- */

int cmd_ranks(sh_session *S, const sh_line *l)
{
	const sh_arg *name = sh_pos(l, 0);
	sh_model *sm = name || S->cur ? sh_model_arg(S, name ? name->text
	                                                   : NULL) : NULL;
	struct who {
		uint32_t crc;
		int32_t threads, has;
		char host[64];
	} me = { 0 }, *all;
	record r = { 0 };
	int same = 1;

	if (name && !sm)
		return -1;
	if (sm) {
		me.crc = nn_model_checksum(sm->m);
		me.has = 1;
	}
	me.threads = nn_threads();
	if (gethostname(me.host, sizeof me.host) < 0)
		snprintf(me.host, sizeof me.host, "?");
	me.host[sizeof me.host - 1] = '\0';
	if (R.size == 1 || R.alone) {
		sh_printf(S, "1 rank: this process alone");
		if (sm)
			sh_printf(S, "; %s's weights have checksum %08x",
			          sm->name, (unsigned)me.crc);
		sh_printf(S, "\n");
		return 0;
	}
	all = calloc((size_t)R.size, sizeof *all);
	r.at = AT_RANKS;
	r.failed = !all;
	if (exchange(&r, "out of memory") < 0) {
		free(all);
		return sh_err(S, "%s", R.msg);
	}
	if (tp_allgather(&me, all, sizeof me) < 0) {
		free(all);
		transport_failed();
		return sh_err(S, "%s", R.msg);
	}
	sh_printf(S, "%d ranks (%s)\n", R.size, tp_library());
	for (int k = 0; k < R.size; k++) {
		sh_printf(S, "  rank %d on %s, %d thread%s", k, all[k].host,
		          all[k].threads, all[k].threads == 1 ? "" : "s");
		if (all[k].has)
			sh_printf(S, ", %s's weights %08x", sm->name,
			          (unsigned)all[k].crc);
		sh_printf(S, "\n");
		same &= all[k].has == all[0].has && all[k].crc == all[0].crc;
	}
	if (sm)
		sh_printf(S, "%s's weights are %s on every rank\n", sm->name,
		          same ? "the same" : "NOT the same");
	free(all);
	return 0;
}
