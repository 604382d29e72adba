/* workers.c - a pool of threads started on first use and kept, for the
 * layers' parallel loops (a few per layer and batch).
 *
 * A loop is a fixed number of parts. The caller publishes it, then it and
 * the workers take parts from one counter until none is left, and the
 * caller waits only for the parts still running on other threads. A
 * worker that is slow to wake, or preempted by another program on a busy
 * machine, so never holds the caller up for work it has not begun. The
 * counter holds the loop's number in its upper half, so that a worker
 * that wakes after its loop is over takes nothing from the next.
 *
 * Waking a sleeping thread costs tens of microseconds on these virtual
 * machines, so a worker done with a loop watches for the next one a short
 * while before it sleeps, and the caller watches a short while for the
 * running parts to end before it sleeps. Both stop spinning soon: on a
 * busy machine a spinning thread takes the core from the thread it waits
 * for.
 *
 * The kernel often wakes a worker on the caller's core, where it can only
 * take turns with the caller: such a worker moves itself to another core
 * it may run on (narrowing its affinity for a moment), and when there is
 * none, takes no part and sleeps at once. A worker put beside another
 * program starts late. A shared loop is held up when it met any of
 * these: a worker that could not leave the caller's core, a caller that
 * ran every part alone for LATE_NS, or a worker, awake, that began its
 * first part LATE_NS after the loop was published. A worker's part that
 * merely runs slowly (oneDNN faulting in a fresh workspace, a core that
 * slept) makes its kind of loop dearer shared, not the machine busy.
 * When loops held up are many among the last few shared, the machine is
 * busy: every loop runs on the caller alone for a while,
 * BUSY_MIN_NS, twice as long each time the loops shared next are held up
 * again, up to BUSY_MAX_NS. Two threads then cost what one does beside a
 * busy core, and come back within that time when it frees.
 *
 * Other programs are also seen directly: every LOAD_NS the caller reads
 * how long the cores it may run on were idle (/proc/stat) and how much
 * CPU time nnsh took; the rest went to other programs. A core counts as
 * room for a thread when SPARE of it was left, and a loop takes no more
 * threads than there is room for: on two cores beside one busy program,
 * the caller alone. The test above reacts within a few loops but has to
 * share again to learn that the core has freed, losing each time; this
 * one keeps off a busy core for as long as it stays busy, and shares
 * again within LOAD_NS of its freeing.
 *
 * In training, whole steps are compared too (see BLOCK below): a loop
 * shared can be faster than alone and the step still slower, when what
 * follows reads what the other core wrote (on these virtual machines
 * that costs more than the part saved: w1's SGD update shared, then the
 * next step's gather and product reading it back). Between trials,
 * steps that lost shared run every loop alone.
 *
 * Whether the workers take part in a loop is also chosen per kind of loop
 * (its function and number of parts) from what it cost each way: the
 * caller times every loop (but the first each way, which pays for first
 * use), and runs a kind on its own when that was faster (work too small
 * to share, or that two threads do no faster than one), trying the other
 * way after EXPLORE runs, and less often while it keeps losing. A loop
 * held up counts at most SLOW_CAP times the kind's time alone, so that
 * one preemption does not keep a kind on one thread for long. The parts
 * are the same either way, so the numbers are too. */
#define _GNU_SOURCE 1           /* sched_getcpu */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"
#include "workers.h"

/* How long a worker watches for the next loop before it sleeps, and how
 * long the caller watches for the last running parts, in nanoseconds. A
 * worker that slept runs its first parts at half speed or less on these
 * virtual machines (its core was given to other work meanwhile), so it
 * watches for a whole millisecond: the loops of a training step come
 * well within that. */
#define WORKER_SPIN_NS 1000000
#define CALLER_SPIN_NS 30000

/* A shared loop that found every worker asleep is not timed nor judged,
 * up to COLD_SKIPS in a row for a kind: it paid for waking them, and the
 * next one, with the workers awake, is the fair measure of sharing. */
#define COLD_SKIPS 3

/* A shared loop whose workers began this long after it was published, or
 * whose caller ran all the parts alone for this long, was held up (a
 * kind's first shared loop is not judged). When such loops
 * make up BUSY_SHARE of the last few (a moving average of weight
 * BUSY_WEIGHT: two held up within six do it), the machine is busy: every
 * loop then runs on the caller alone for BUSY_MIN_NS at first, twice as
 * long when the loops shared next are held up again within CALM_NS, up
 * to BUSY_MAX_NS. In a kind's average a loop counts at most SLOW_CAP times
 * its time alone. */
#define LATE_NS 200000
#define BUSY_WEIGHT 0.25
#define BUSY_SHARE 0.3
#define SLOW_CAP 2.0
#define BUSY_MIN_NS 10000000
#define BUSY_MAX_NS 500000000
#define CALM_NS 50000000

/* How often the caller looks at what other programs take of the cores,
 * in nanoseconds, and how much of a core must be spare for a thread to
 * run on it. */
#define LOAD_NS 100000000
#define SPARE 0.7

/* A hint to the core that this thread is spinning. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef void (*part_fn)(void *ud, int part, int parts);

/* What a kind of loop cost, each way (0 alone, 1 shared): a moving
 * average of its time in nanoseconds and how many times it ran that way
 * (counted up to three alone, two shared); how often the kind ran; and
 * at which run, and after how many, the way not taken is tried next. */
typedef struct loop_kind {
	part_fn fn;
	int parts;
	unsigned runs, next, gap;
	unsigned cold;          /* shared loops in a row not judged */
	unsigned n[2];
	double t[2];
	double won;             /* a try that beat the other way, or 0 */
} loop_kind;

/* Kinds of loop remembered (by the thread starting loops) and the slots
 * a kind may take, the weight of a new time in the averages, and how
 * often the way not taken is tried again: after EXPLORE runs of the
 * kind, twice as many each time it loses, up to EXPLORE_MAX (a shared
 * loop that loses may cost several times the loop alone). */
enum { KINDS = 64, PROBE = 4, EXPLORE = 4, EXPLORE_MAX = 512 };
#define KIND_WEIGHT 0.25

static __thread loop_kind kinds[KINDS + PROBE - 1];

static struct {
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	int workers;            /* threads started (slots 1 .. workers) */
	int sleeping;           /* workers waiting on go (atomic) */
	/* the current loop, published by storing next: its fields are
	 * written before (atomic, relaxed), read after */
	uint64_t next;          /* loop number << 32 | next part to take */
	part_fn fn;
	void *ud;
	int parts;
	int threads;            /* caller and workers that take part */
	int cpu;                /* the core the caller published it on */
	int left;               /* parts not yet finished (atomic) */
	uint32_t crowded;       /* the last loop a worker found on the
	                         * caller's core (atomic) */
	uint64_t published;     /* when the loop was published (ns) */
	uint64_t began;         /* loop number << 32 | microseconds from
	                         * publishing to a worker's first part */
} P = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
        PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0 };

/* Only the thread starting loops touches these: the loop number it gave
 * last, until when every loop runs on it alone (ns, now_ns's clock), and
 * for how long it did so last. */
static uint32_t loops;
static uint64_t busy_until, busy_ns;
static double held;             /* share of loops held up, averaged */

/* What the caller last read of the cores it may run on (only it touches
 * this): /proc/stat, opened on first use (-1 when it cannot be read),
 * those cores, when it read them (now_ns's clock), their idle time and
 * this process's CPU time then (seconds), and how many threads they had
 * room for since the read before. */
static struct {
	int fd;
	cpu_set_t allowed;
	uint64_t at;
	double idle, ours;
	int room;
} L = { .fd = -2, .room = NN_MAX_PARTS };

/* The idle time of the cores in L.allowed, in seconds, and how many they
 * are; -1 when /proc/stat cannot be read. */
static double idle_seconds(int *cores)
{
	static char buf[16384];
	ssize_t len = pread(L.fd, buf, sizeof buf - 1, 0);
	double ticks = 0, hz = (double)sysconf(_SC_CLK_TCK);
	char *s = buf, *end;

	if (len <= 0 || hz <= 0)
		return -1;
	buf[len] = '\0';
	*cores = 0;
	while (s[0] == 'c' && s[1] == 'p' && s[2] == 'u') {
		long cpu = strtol(s + 3, &end, 10);

		if (end != s + 3 && cpu >= 0 && cpu < CPU_SETSIZE &&
		    CPU_ISSET(cpu, &L.allowed)) {
			/* user nice system idle iowait: the last two idle */
			for (int i = 0; i < 3; i++)
				strtoull(end, &end, 10);
			ticks += (double)strtoull(end, &end, 10);
			ticks += (double)strtoull(end, &end, 10);
			++*cores;
		}
		s = strchr(s, '\n');
		if (!s)
			break;
		s++;
	}
	return *cores ? ticks / hz : -1;
}

/* How many threads the cores the caller may run on have room for: every
 * LOAD_NS, what the idle time and nnsh's own CPU time leave of them since
 * the last look was other programs', and each core of which SPARE was
 * left counts. A busy program beside two threads takes half a core
 * pinned, two thirds free; a quiet machine's own chores a few
 * hundredths. Without /proc/stat, every core is spare. */
static int room(uint64_t now)
{
	struct timespec ts;
	double idle, ours, wall, others;
	int cores;

	if (L.fd == -2)
		L.fd = sched_getaffinity(0, sizeof L.allowed, &L.allowed) ?
		       -1 : open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (L.fd < 0 || now - L.at < LOAD_NS)
		return L.room;
	idle = idle_seconds(&cores);
	if (idle < 0 || clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return L.room;
	ours = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
	if (L.at) {
		wall = (double)(now - L.at) * 1e-9;
		others = cores - ((idle - L.idle) + (ours - L.ours)) / wall;
		L.room = (int)(cores - others + (1 - SPARE));
		if (L.room < 1)
			L.room = 1;
	}
	L.at = now;
	L.idle = idle;
	L.ours = ours;
	return L.room;
}

/* Training steps, compared whole: a training run times each step
 * (nn_parallel_step_took), BLOCK of them make a block, and a block's
 * median step is what its way cost (a step that paid for first use, or
 * an epoch's short last batch, is left out so). After a block shared,
 * which pays for first use (the worker's pages, the kinds' first
 * times), a trial runs a block with every loop alone, then a block as
 * nn_parallel chooses (sharing per kind). The way that won runs for a
 * while before the next trial: GAP_MIN blocks, or twice as many when it
 * won by more than CLEAR, then twice (four times) as many each time the
 * same way wins again, up to GAP_MAX. Sharing must win by SHARE_MARGIN:
 * a step sees what the per-kind times cannot, the loop after a shared
 * one reading what the other core wrote. */
#define BLOCK 8
#define GAP_MIN 4
#define GAP_MAX 64
#define SHARE_MARGIN 0.97
#define CLEAR 0.8

static struct {
	int on;                 /* in a training run */
	int alone;              /* this block runs every loop alone */
	int trial;              /* blocks of the trial still to run */
	int won;                /* the last trial's way (1 shared), or -1 */
	int n;                  /* steps of this block so far */
	unsigned left, gap;     /* blocks to the next trial, and after */
	double t[BLOCK];        /* this block's step times */
	double cost[2];         /* the trial's medians: alone, shared */
} T;

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void nn_parallel_steps(int on)
{
	T.on = on;
	T.alone = 0;            /* a block shared to warm up, a trial */
	T.trial = 3;
	T.won = -1;
	T.n = 0;
	T.gap = GAP_MIN;
}

void nn_parallel_step_took(double seconds)
{
	double med, ratio;
	unsigned grow;

	if (!T.on || nn_parallel_parts() < 2)
		return;
	T.t[T.n++] = seconds;
	if (T.n < BLOCK)
		return;
	T.n = 0;
	qsort(T.t, BLOCK, sizeof T.t[0], by_value);
	med = (T.t[BLOCK / 2 - 1] + T.t[BLOCK / 2]) / 2;
	if (T.trial > 0) {
		if (T.trial <= 2)
			T.cost[!T.alone] = med;
		if (--T.trial > 0) {
			T.alone = T.trial == 2;
			return;
		}
		/* both ways measured: the winner runs until the next trial */
		ratio = T.cost[1] / T.cost[0];
		T.alone = !(ratio < SHARE_MARGIN);
		grow = ratio < CLEAR || ratio > 1 / CLEAR ? 4 : 2;
		T.gap = T.won == !T.alone ? T.gap * grow : GAP_MIN * grow / 2;
		if (T.gap > GAP_MAX)
			T.gap = GAP_MAX;
		T.won = !T.alone;
		T.left = T.gap;
		return;
	}
	if (--T.left == 0) {
		T.trial = 2;
		T.alone = 1;
	}
}

/* Set while this thread runs a part: a loop started from inside one runs
 * there, alone, rather than wait for workers busy with the outer loop. */
static __thread int in_part;
static __thread int slot;

int nn_parallel_slot(void)
{
	return slot;
}

/* The next part of loop `loop` (of `parts`), or -1 when all are taken or
 * the loop is over. */
static int take(uint32_t loop, int parts)
{
	uint64_t v = __atomic_load_n(&P.next, __ATOMIC_ACQUIRE);

	while ((uint32_t)(v >> 32) == loop && (int)(uint32_t)v < parts)
		if (__atomic_compare_exchange_n(&P.next, &v, v + 1, 1,
		                                __ATOMIC_ACQ_REL,
		                                __ATOMIC_ACQUIRE))
			return (int)(uint32_t)v;
	return -1;
}

/* Note, for a worker's first part of loop `loop`, how long after it was
 * published the part began, unless another worker did. */
static void note_began(uint32_t loop)
{
	uint64_t pub = __atomic_load_n(&P.published, __ATOMIC_RELAXED);
	uint64_t us = (now_ns() - pub) / 1000;

	if ((uint32_t)(__atomic_load_n(&P.began, __ATOMIC_RELAXED) >> 32) !=
	    loop)
		__atomic_store_n(&P.began, (uint64_t)loop << 32 |
		                 (us > UINT32_MAX ? UINT32_MAX : us),
		                 __ATOMIC_RELAXED);
}

/* Run parts of the loop until none is left to take; returns how many
 * this thread ran. */
static int run_parts(uint32_t loop, part_fn fn, void *ud, int parts)
{
	int part, ran = 0;

	in_part = 1;
	while ((part = take(loop, parts)) >= 0) {
		if (ran == 0 && slot != 0)
			note_began(loop);
		fn(ud, part, parts);
		ran++;
		if (__atomic_sub_fetch(&P.left, 1, __ATOMIC_ACQ_REL) == 0 &&
		    slot != 0) {
			/* the last part: the caller may be asleep */
			pthread_mutex_lock(&P.mu);
			pthread_cond_signal(&P.done);
			pthread_mutex_unlock(&P.mu);
		}
	}
	in_part = 0;
	return ran;
}

/* The loop number of P.next once it differs from `seen`: watched for a
 * short while if `spin`, then slept for. */
static uint32_t next_loop(uint32_t seen, int spin)
{
	uint64_t end = now_ns() + WORKER_SPIN_NS;
	uint32_t loop;

	for (int i = 1; spin; i++) {
		loop = (uint32_t)(__atomic_load_n(&P.next, __ATOMIC_ACQUIRE) >>
		                  32);
		if (loop != seen)
			return loop;
		if (i % 64 == 0 && now_ns() > end)
			break;
		cpu_relax();
	}
	pthread_mutex_lock(&P.mu);
	__atomic_add_fetch(&P.sleeping, 1, __ATOMIC_SEQ_CST);
	while ((loop = (uint32_t)(__atomic_load_n(&P.next, __ATOMIC_SEQ_CST) >>
	                          32)) == seen)
		pthread_cond_wait(&P.go, &P.mu);
	__atomic_sub_fetch(&P.sleeping, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&P.mu);
	return loop;
}

/* Move the calling thread off core `cpu` to another that `allowed` (its
 * own affinity) lets it run on, then give it back all of them: the
 * kernel wakes a thread that sleeps often on its waker's core when that
 * one looks busier than idle, and leaves it there. Returns whether it
 * left `cpu`. */
static int leave_core(int cpu, const cpu_set_t *allowed)
{
	cpu_set_t others = *allowed;
	int moved;

	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &others))
		return 0;
	CPU_CLR(cpu, &others);
	if (CPU_COUNT(&others) == 0 ||
	    sched_setaffinity(0, sizeof others, &others) != 0)
		return 0;
	moved = sched_getcpu() != cpu;
	sched_setaffinity(0, sizeof *allowed, allowed);
	return moved;
}

static void *work(void *arg)
{
	uint32_t seen = 0;
	int spin = 1;
	cpu_set_t allowed;

	slot = (int)(intptr_t)arg;
	if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
		CPU_ZERO(&allowed);
	for (;;) {
		uint32_t loop = next_loop(seen, spin);
		part_fn fn = __atomic_load_n(&P.fn, __ATOMIC_RELAXED);
		void *ud = __atomic_load_n(&P.ud, __ATOMIC_RELAXED);
		int parts = __atomic_load_n(&P.parts, __ATOMIC_RELAXED);
		int threads = __atomic_load_n(&P.threads, __ATOMIC_RELAXED);
		int cpu = __atomic_load_n(&P.cpu, __ATOMIC_RELAXED);

		/* fields read after the loop is over belong to the next one:
		 * take() then finds the loop number changed and runs nothing */
		seen = loop;
		if (slot >= threads)
			continue;
		/* on the caller's core it would only take turns with the
		 * caller, and watching for the next loop would hold the
		 * caller up: it moves to another core, or if it cannot,
		 * tells the caller so and sleeps */
		spin = sched_getcpu() != cpu || leave_core(cpu, &allowed);
		if (!spin)
			__atomic_store_n(&P.crowded, loop, __ATOMIC_RELAXED);
		else
			run_parts(loop, fn, ud, parts);
	}
	return NULL;
}

int nn_parallel_parts(void)
{
	int t = nn_threads();

	return t < 1 ? 1 : t > NN_MAX_PARTS ? NN_MAX_PARTS : t;
}

/* Start workers up to threads - 1; returns how many threads can run. */
static int start_workers(int threads)
{
	while (P.workers < threads - 1) {
		pthread_t th;
		pthread_attr_t at;
		int rc;

		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&th, &at, work,
		                    (void *)(intptr_t)(P.workers + 1));
		pthread_attr_destroy(&at);
		if (rc != 0)
			break;
		P.workers++;
	}
	return P.workers + 1 < threads ? P.workers + 1 : threads;
}

void nn_parallel_start(void)
{
	room(now_ns());
}

/* The record of loops of fn in `parts` parts: looked for in PROBE slots
 * from where it hashes, else made in the first free one of them, else in
 * the one that ran least (two kinds that hashed to one slot took it from
 * each other at every loop, and neither was ever timed). */
static loop_kind *kind_of(part_fn fn, int parts)
{
	uint64_t h = ((uint64_t)(uintptr_t)fn + (uint64_t)parts) *
	             0x9e3779b97f4a7c15u;
	loop_kind *k = NULL;

	for (int i = 0; i < PROBE; i++) {
		loop_kind *s = &kinds[(h >> 40) % KINDS + (uint64_t)i];

		if (s->fn == fn && s->parts == parts)
			return s;
		if (!k || (k->fn && (!s->fn || s->runs < k->runs)))
			k = s;
	}
	*k = (loop_kind){ fn, parts, 0, EXPLORE, EXPLORE, 0, { 0, 0 },
	                  { 0, 0 }, 0 };
	return k;
}

/* Whether the next loop of kind k is shared with the workers: each way
 * in turn until it was timed twice alone and once shared (a shared loop
 * can cost much more than one alone), then the cheaper way, with the
 * other tried at run k->next. */
static int share(const loop_kind *k)
{
	int cheaper;

	if (k->n[0] < 3 || k->n[1] < 2)
		return k->n[1] < 2 && k->n[1] < k->n[0];
	cheaper = k->t[1] < k->t[0];
	return k->runs >= k->next ? !cheaper : cheaper;
}

/* Fold a loop's time t (ns) into kind k's average for the way it ran,
 * but for the first loop each way: it pays for what a layer or a thread
 * does on first use (allocations, the first touch of its memory). Alone,
 * a loop costs the same every time but for what other programs take
 * from it, so a shorter time replaces the average at once: it is the
 * yardstick a shared loop is held up against, and one long time alone
 * (a preemption, a first use) must neither make shared loops look fast
 * nor take many tries, ever further apart, to wear off. A try of the
 * dearer way that beats the other is made again at once, and when both
 * beat it the slower of the two replaces the average (one long time
 * shared, early on, kept w5's convolutions alone for the whole run; one
 * lucky try must not make w1's product, slow shared, look fast). A try
 * sets when the next comes. */
static void record(loop_kind *k, int shared, double t)
{
	double *avg = &k->t[shared];
	int tried = k->n[0] == 3 && k->n[1] == 2 && k->runs >= k->next &&
	            (k->t[1] < k->t[0]) != shared;

	if (tried && t < k->t[!shared] && k->won == 0) {
		/* a try that beats the other way is made again at once */
		k->won = t;
		k->next = ++k->runs;
		return;
	}
	if (tried && t < k->t[!shared])
		*avg = t > k->won ? t : k->won;
	else if (k->n[shared] == 1 || (!shared && t < *avg))
		*avg = t;
	else if (k->n[shared] > 1)
		*avg += KIND_WEIGHT * (t - *avg);
	if (k->n[shared] < (unsigned)(3 - shared))
		k->n[shared]++;
	if (tried) {
		/* still dearer: tried again later than last time; a try
		 * that won keeps the gap, since a way that wins two tries
		 * and then loses (w1's product shared, on this machine)
		 * would otherwise come back every EXPLORE runs */
		k->won = 0;
		if ((k->t[1] < k->t[0]) != shared && k->gap < EXPLORE_MAX)
			k->gap *= 2;
		k->next = k->runs + k->gap;
	}
	k->runs++;
}

/* Every part of the loop in turn on the calling thread. */
static void run_alone(part_fn fn, void *ud, int parts)
{
	in_part = 1;            /* loops inside a part run there */
	for (int part = 0; part < parts; part++)
		fn(ud, part, parts);
	in_part = 0;
}

/* A shared loop of kind k that took t ns ended at `now`, late or not:
 * its time goes into the kind's average; it was held up if late and no
 * faster than the kind alone (on a machine with more threads running
 * than cores, two threads of nnsh get more of it than one, and a late
 * loop can still win); and when loops held up are many, every loop runs
 * alone for a while, longer when the last such while ended only
 * recently. */
static void judge(loop_kind *k, double t, int late, uint64_t now)
{
	int first = k->n[1] == 0;

	if (k->n[0] > 1 && t < k->t[0])
		late = 0;
	if (k->n[0] > 1 && t > SLOW_CAP * k->t[0])
		t = SLOW_CAP * k->t[0];
	record(k, 1, t);
	if (first)
		return;
	held += BUSY_WEIGHT * ((double)late - held);
	if (!late || held < BUSY_SHARE)
		return;
	if (busy_ns == 0 || now > busy_until + CALM_NS)
		busy_ns = BUSY_MIN_NS;
	else if (busy_ns < BUSY_MAX_NS)
		busy_ns *= 2;
	busy_until = now + busy_ns;
}

int nn_parallel(int want, void (*fn)(void *ud, int part, int parts),
                void *ud)
{
	int parts = want < 1 ? 1 : want > NN_MAX_PARTS ? NN_MAX_PARTS : want;
	int threads = in_part ? 1 : nn_parallel_parts(), cold;
	loop_kind *k = NULL;
	uint64_t start = 0, mine, end, began;

	if (threads > parts)
		threads = parts;
	if (threads > 1 && T.alone) {
		/* a block of steps alone: the kinds' learning waits */
		run_alone(fn, ud, parts);
		return parts;
	}
	if (threads > 1) {
		k = kind_of(fn, parts);
		start = now_ns();
		if (threads > room(start))
			threads = room(start);
		if (threads == 1 || start < busy_until || !share(k)) {
			run_alone(fn, ud, parts);
			record(k, 0, (double)(now_ns() - start));
			return parts;
		}
		pthread_mutex_lock(&P.mu);
		threads = start_workers(threads);
		pthread_mutex_unlock(&P.mu);
	}
	if (threads <= 1) {
		for (int part = 0; part < parts; part++)
			fn(ud, part, parts);
		return parts;
	}
	loops++;
	__atomic_store_n(&P.fn, fn, __ATOMIC_RELAXED);
	__atomic_store_n(&P.ud, ud, __ATOMIC_RELAXED);
	__atomic_store_n(&P.parts, parts, __ATOMIC_RELAXED);
	__atomic_store_n(&P.threads, threads, __ATOMIC_RELAXED);
	__atomic_store_n(&P.cpu, sched_getcpu(), __ATOMIC_RELAXED);
	__atomic_store_n(&P.left, parts, __ATOMIC_RELAXED);
	__atomic_store_n(&P.published, now_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&P.next, (uint64_t)loops << 32, __ATOMIC_SEQ_CST);
	cold = __atomic_load_n(&P.sleeping, __ATOMIC_SEQ_CST) >= threads - 1;
	if (__atomic_load_n(&P.sleeping, __ATOMIC_SEQ_CST) > 0) {
		pthread_mutex_lock(&P.mu);
		pthread_cond_broadcast(&P.go);
		pthread_mutex_unlock(&P.mu);
	}
	mine = now_ns();
	run_parts(loops, fn, ud, parts);
	/* every part is taken: wait only for those still running */
	mine = now_ns();
	end = mine + CALLER_SPIN_NS;
	for (int i = 1; __atomic_load_n(&P.left, __ATOMIC_ACQUIRE) > 0; i++) {
		if (i % 64 == 0 && now_ns() > end) {
			pthread_mutex_lock(&P.mu);
			while (__atomic_load_n(&P.left, __ATOMIC_ACQUIRE) > 0)
				pthread_cond_wait(&P.done, &P.mu);
			pthread_mutex_unlock(&P.mu);
			break;
		}
		cpu_relax();
	}
	end = now_ns();
	if (cold && k->cold < COLD_SKIPS) {
		k->cold++;
		return parts;
	}
	k->cold = 0;
	began = __atomic_load_n(&P.began, __ATOMIC_RELAXED);
	judge(k, (double)(end - start),
	      ((uint32_t)(began >> 32) == loops ?
	       (uint32_t)began * 1000.0 > LATE_NS :
	       mine - start > LATE_NS) ||
	      __atomic_load_n(&P.crowded, __ATOMIC_RELAXED) == loops, end);
	return parts;
}
