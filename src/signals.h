/* signals.h - the one place nnsh takes signals: SIGINT, SIGTERM, SIGHUP and
 * SIGWINCH are blocked in every thread and taken by a signal thread that
 * only sets flags and wakes the prompt through a pipe. */
#ifndef NNSH_SIGNALS_H
#define NNSH_SIGNALS_H

#include "shell.h"

/* Block the signals in the calling thread; call first thing in main,
 * before any thread exists, so every later thread inherits the mask and
 * no handler ever runs on a computing thread's stack. 0, or -1. */
int sh_signals_block(void);

/* Start the signal thread for session S: Ctrl-C (SIGINT) sets S->stop;
 * SIGTERM and SIGHUP set S->stop and remember the signal (see
 * sh_signal_fatal); SIGUSR1 stops as Ctrl-C does (mpirun
 * passes it on to every rank, which it does not do with SIGINT);
 * SIGWINCH is remembered for sh_signal_resized. Each
 * also writes a byte to the wake-up pipe. 0, or -1 (the signals then
 * stay blocked and nnsh runs without them). */
int sh_signals_start(sh_session *S);

/* The pipe's read end, readable after a signal; -1 when not started. */
int sh_signal_fd(void);

/* Empty the wake-up pipe. */
void sh_signal_drain(void);

/* The SIGTERM or SIGHUP received, or 0: nnsh is to save and leave. */
int sh_signal_fatal(void);

/* Another rank received sig (SIGTERM or SIGHUP): this one stops and
 * leaves as if it had received it too. */
void sh_signal_take_fatal(int sig);

/* The ranks agreed to stop for a Ctrl-C (or SIGUSR1) another rank
 * received first: this one stops as if it had received it. mpirun passes
 * the signal to every rank, one after another, so the same signal may
 * still arrive here: a SIGINT or SIGUSR1 in the next 4-5 seconds is taken
 * as that one, not as a second Ctrl-C. Nothing when S->stop is set. */
void sh_signal_take_stop(sh_session *S);

/* Say whether the main thread waits for input outside the prompt (a
 * script on a pipe or terminal): a SIGTERM or SIGHUP then ends nnsh at
 * once with status 128 + signal, as no command is running. */
void sh_signal_idle(int idle);

/* 1 once after each change of the terminal's size, else 0. */
int sh_signal_resized(void);

#endif
