/* monitor.c - writing a run's progress as JSON lines (jansson) and
 * reading them back into a panel state. NaN metrics are written as null;
 * unknown fields are ignored, so older readers take newer logs. */
#include <math.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "monitor.h"

static const char *const kinds[] = {
	"start", "batch", "point", "change", "end",
};

static void set_num(json_t *o, const char *key, double v)
{
	json_object_set_new(o, key, isfinite(v) ? json_real(v) : json_null());
}

static void set_int(json_t *o, const char *key, long v)
{
	json_object_set_new(o, key, json_integer(v));
}

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, json_string(v));
}

static json_t *record(int kind)
{
	json_t *o = json_object();

	if (o)
		set_str(o, "record", kinds[kind]);
	return o;
}

/* Write o as one line and free it. */
static void emit(FILE *f, json_t *o)
{
	if (!o)
		return;
	json_dumpf(o, f, JSON_COMPACT | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	fflush(f);
	json_decref(o);
}

void mo_start(FILE *f, const pn_state *st)
{
	json_t *o = record(MO_START);

	if (!o)
		return;
	set_str(o, "model", st->model);
	set_str(o, "data", st->data);
	set_str(o, "val", st->val);
	set_int(o, "classes", st->classes);
	if (st->gan)
		set_int(o, "gan", 1);
	set_int(o, "iter", st->iter0);
	set_int(o, "iters", st->iters);
	set_int(o, "epochs", st->epochs);
	set_int(o, "per_epoch", st->per_epoch);
	set_num(o, "seconds", st->seconds0);
	set_num(o, "lr", st->lr);
	if (st->has_momentum)
		set_num(o, "momentum", st->momentum);
	set_int(o, "time", (long)time(NULL));
	emit(f, o);
}

void mo_batch(FILE *f, const pn_state *st, double loss, double correct,
              double seen)
{
	json_t *o = record(MO_BATCH);

	if (!o)
		return;
	set_int(o, "iter", st->iter);
	set_int(o, "epoch", st->epoch);
	set_num(o, "n", seen);
	set_num(o, "loss", loss / seen);
	set_num(o, "acc", st->classes ? correct / seen : NAN);
	set_num(o, "lr", st->lr);
	set_num(o, "seconds", st->seconds);
	emit(f, o);
}

void mo_point(FILE *f, const nn_metrics *p)
{
	json_t *o = record(MO_POINT);

	if (!o)
		return;
	set_int(o, "epoch", p->epoch);
	set_int(o, "iter", p->iter);
	set_num(o, "loss", p->loss);
	set_num(o, "acc", p->acc);
	set_num(o, "val_loss", p->val_loss);
	set_num(o, "val_acc", p->val_acc);
	if (isfinite(p->seq_acc))       /* sequences only */
		set_num(o, "seq_acc", p->seq_acc);
	if (isfinite(p->val_seq_acc))
		set_num(o, "val_seq_acc", p->val_seq_acc);
	set_num(o, "lr", p->lr);
	set_num(o, "seconds", p->seconds);
	set_num(o, "samples_per_s", p->samples_per_s);
	emit(f, o);
}

void mo_change(FILE *f, const pn_state *st)
{
	json_t *o;

	if (st->nev == 0 || !(o = record(MO_CHANGE)))
		return;
	set_int(o, "iter", st->ev[st->nev - 1].iter);
	set_str(o, "what", st->ev[st->nev - 1].text);
	set_num(o, "lr", st->lr);
	if (st->has_momentum)
		set_num(o, "momentum", st->momentum);
	emit(f, o);
}

void mo_end(FILE *f, const pn_state *st)
{
	json_t *o = record(MO_END);

	if (!o)
		return;
	set_int(o, "iter", st->iter);
	set_int(o, "epoch", st->epoch);
	set_num(o, "seconds", st->seconds);
	set_str(o, "end", st->end);
	emit(f, o);
}

/* ---- reading ------------------------------------------------------------ */

/* A number field; NaN when absent or null. */
static double num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static long whole(const json_t *o, const char *key)
{
	double v = num(o, key);

	return isfinite(v) && fabs(v) < 1e15 ? (long)v : 0;
}

static void str(const json_t *o, const char *key, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(buf, len, "%s", s ? s : "");
}

static void read_start(pn_state *st, const json_t *o)
{
	char source[sizeof st->source];
	double smooth = st->smooth;

	memcpy(source, st->source, sizeof source);
	pn_free(st);
	pn_init(st);
	memcpy(st->source, source, sizeof source);
	st->smooth = smooth;
	str(o, "model", st->model, sizeof st->model);
	str(o, "data", st->data, sizeof st->data);
	str(o, "val", st->val, sizeof st->val);
	st->classes = whole(o, "classes") != 0;
	st->gan = whole(o, "gan") == 1;
	st->lr = num(o, "lr");
	st->momentum = num(o, "momentum");
	st->has_momentum = isfinite(st->momentum);
	pn_start(st, whole(o, "iter"), whole(o, "iters"),
	         (int)whole(o, "epochs"), whole(o, "per_epoch"),
	         isfinite(num(o, "seconds")) ? num(o, "seconds") : 0);
}

static void read_point(pn_state *st, const json_t *o)
{
	nn_metrics p = { 0 };

	p.epoch = (int)whole(o, "epoch");
	p.iter = whole(o, "iter");
	p.loss = num(o, "loss");
	p.acc = num(o, "acc");
	p.val_loss = num(o, "val_loss");
	p.val_acc = num(o, "val_acc");
	p.seq_acc = num(o, "seq_acc");
	p.val_seq_acc = num(o, "val_seq_acc");
	p.lr = num(o, "lr");
	p.seconds = num(o, "seconds");
	p.samples_per_s = num(o, "samples_per_s");
	pn_add_point(st, &p);
	if (p.iter > st->iter)
		pn_progress(st, p.iter, p.epoch, isfinite(p.seconds)
		            ? p.seconds : st->seconds);
}

int mo_read(pn_state *st, const char *line)
{
	json_t *o = json_loads(line, 0, NULL);
	const char *r = json_string_value(json_object_get(o, "record"));
	int kind = -1;
	double n, v;
	char what[sizeof st->ev[0].text];

	for (int k = 0; r && k < (int)(sizeof kinds / sizeof *kinds); k++)
		if (strcmp(r, kinds[k]) == 0)
			kind = k;
	switch (kind) {
	case MO_START:
		read_start(st, o);
		break;
	case MO_BATCH:
		n = num(o, "n");
		if (!(n > 0))
			break;
		v = num(o, "seconds");
		pn_progress(st, whole(o, "iter"), (int)whole(o, "epoch"),
		            isfinite(v) ? v : st->seconds);
		v = num(o, "acc");
		pn_add_batches(st, st->iter, num(o, "loss") * n,
		               isfinite(v) ? v * n : 0, n);
		if (isfinite(num(o, "lr")))
			st->lr = num(o, "lr");
		break;
	case MO_POINT:
		read_point(st, o);
		break;
	case MO_CHANGE:
		str(o, "what", what, sizeof what);
		pn_event_add(st, whole(o, "iter"), "%s", what);
		if (isfinite(num(o, "lr")))
			st->lr = num(o, "lr");
		if (isfinite(num(o, "momentum")))
			st->momentum = num(o, "momentum");
		break;
	case MO_END:
		st->ended = 1;
		str(o, "end", st->end, sizeof st->end);
		if (whole(o, "iter") >= st->iter)
			st->iter = whole(o, "iter");
		break;
	}
	json_decref(o);
	return kind;
}
