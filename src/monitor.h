/* monitor.h - a run's progress as JSON lines, one record per line, which
 * `train ... log=FILE` appends while the run goes and `monitor FILE` (or
 * nnsh --monitor FILE) reads back into a panel state, following the file
 * as it grows. Records: start (the run; "gan": 1 for a GAN run, whose
 * points hold D's loss as loss, G's as val_loss, D(x) as acc and D(G(z))
 * as val_acc), batch (training loss and
 * accuracy of the batches since the last record), point (a history
 * point), change (the learning rate or momentum changed), end. */
#ifndef NNSH_MONITOR_H
#define NNSH_MONITOR_H

#include <stdio.h>

#include "render_panel.h"

enum { MO_START, MO_BATCH, MO_POINT, MO_CHANGE, MO_END };

/* Each writes one record and flushes it, so a reader sees it at once. */
void mo_start(FILE *f, const pn_state *st);
/* Batches up to iteration iter: sums of loss and right predictions over
 * seen samples (accuracy only when the state has classes). */
void mo_batch(FILE *f, const pn_state *st, double loss, double correct,
              double seen);
void mo_point(FILE *f, const nn_metrics *p);
/* The last event of st (pn_event_add). */
void mo_change(FILE *f, const pn_state *st);
void mo_end(FILE *f, const pn_state *st);

/* Feed one line of a log to st. A start record begins a new run (the
 * state is reset, keeping its source and display settings). Returns the
 * record's kind (MO_*), or -1 for a line that is not a record, which
 * changes nothing. */
int mo_read(pn_state *st, const char *line);

#endif
