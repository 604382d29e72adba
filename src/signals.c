/* signals.c - signals taken in one thread, never on a computing one. A
 * handler that runs on a thread inside oneDNN's generated kernels corrupts
 * the heap, so main blocks the signals before any thread starts and a
 * signal thread takes them with sigwait: it sets flags the training loop,
 * the panel and the prompt poll, and writes a byte to a pipe so that the
 * prompt's select wakes up. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "signals.h"

static sigset_t taken;
static int wake[2] = { -1, -1 };
static sh_session *volatile session;
static volatile sig_atomic_t fatal, resized, idle;
/* Until this second of CLOCK_MONOTONIC, a Ctrl-C or SIGUSR1 is the one the
 * ranks already stopped for (sh_signal_take_stop); 0: none expected. */
static volatile sig_atomic_t echo_until;

/* The current second of CLOCK_MONOTONIC (async-signal safe). */
static sig_atomic_t now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (sig_atomic_t)t.tv_sec;
}

static void fill_set(void)
{
	sigemptyset(&taken);
	sigaddset(&taken, SIGINT);
	sigaddset(&taken, SIGTERM);
	sigaddset(&taken, SIGHUP);
	sigaddset(&taken, SIGWINCH);
	sigaddset(&taken, SIGUSR1);     /* mpirun passes it to every rank */
}

/* Note a signal: flags, and a byte for the prompt's select. Async-signal
 * safe, as it also runs as a handler (below). */
static void note(int sig)
{
	int e = errno;
	char b = 1;

	switch (sig) {
	case SIGWINCH:
		resized = 1;
		break;
	case SIGTERM:
	case SIGHUP:
		if (!fatal)
			fatal = sig;
		if (idle)
			_exit(128 + sig);
		session->stop = 1;
		break;
	default:
		if (echo_until && now_s() <= echo_until) {
			echo_until = 0;         /* taken already */
			break;
		}
		session->stop = 1;
		break;
	}
	if (wake[1] >= 0 && write(wake[1], &b, 1) < 0)
		errno = e;
	errno = e;
}

/* Threads that libraries start before main (OpenBLAS's pool) do not
 * block the signals, so one may land there: the handler notes it like
 * the signal thread does. Our own threads never run it. */
static void on_signal(int sig)
{
	if (session)
		note(sig);
}

int sh_signals_block(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH,
	                            SIGUSR1 };
	struct sigaction sa, old;

	fill_set();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	/* Ctrl-C works even where the parent ignored it (a job started
	 * with & from a script); nohup's ignored SIGHUP is respected */
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    (sigs[i] == SIGINT || old.sa_handler != SIG_IGN))
			sigaction(sigs[i], &sa, NULL);
	return pthread_sigmask(SIG_BLOCK, &taken, NULL) == 0 ? 0 : -1;
}

static void *take(void *arg)
{
	(void)arg;
	for (;;) {
		int sig;

		if (sigwait(&taken, &sig) == 0)
			note(sig);
	}
	return NULL;
}

int sh_signals_start(sh_session *S)
{
	pthread_t t;
	pthread_attr_t a;
	int rc;

	session = S;
	if (pipe(wake) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(wake[i], F_SETFL, fcntl(wake[i], F_GETFL) | O_NONBLOCK);
		fcntl(wake[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &a, take, NULL);
	pthread_attr_destroy(&a);
	if (rc != 0) {
		close(wake[0]);
		close(wake[1]);
		wake[0] = wake[1] = -1;
		return -1;
	}
	return 0;
}

int sh_signal_fd(void)
{
	return wake[0];
}

void sh_signal_drain(void)
{
	char buf[64];

	if (wake[0] >= 0)
		while (read(wake[0], buf, sizeof buf) > 0)
			;
}

int sh_signal_fatal(void)
{
	return fatal;
}

void sh_signal_take_fatal(int sig)
{
	if (!fatal)
		fatal = sig;
	if (session)
		session->stop = 1;
}

void sh_signal_take_stop(sh_session *S)
{
	if (S->stop)
		return;
	S->stop = 1;
	echo_until = now_s() + 5;
}

void sh_signal_idle(int on)
{
	idle = on;
}

int sh_signal_resized(void)
{
	if (!resized)
		return 0;
	resized = 0;
	return 1;
}
