/* view.h - inside the views (render_views.c and view_*.c): the class a
 * view kind fills in, and the helpers the views share. */
#ifndef NNSH_VIEW_H
#define NNSH_VIEW_H

#include <stdint.h>

#include "render_views.h"

#define SAMPLE_MAX 512          /* digits and tables show at most these */
#define CHUNK 256               /* samples per forward pass */
#define POINTS_MAX 5000         /* data points drawn on a boundary */

/* A kind of view: adding one is a view_NAME.c file defining its class
 * vw_NAME_class, a row in view_list.h and the file in src/Makefile.am.
 * What only that view keeps goes in its own state (state_size bytes at
 * v->state, zeroed by vw_init; clear frees what it points to). */
typedef struct vw_class {
	const char *name;       /* "digits": must be the row's name */
	const char *help;       /* one line, for help and key lists */
	const char *more;       /* further lines for `help view`, or NULL */
	int needs_data;         /* it shows a dataset, which the model must
	                         * fit unless it is a generator */
	int generator;          /* the model is a GAN's generator */
	size_t state_size;      /* bytes of its own state, or 0 */
	/* Free what the state points to (not the state); NULL: nothing. */
	void (*clear)(vw_view *v);
	/* Compute the snapshot for a w x h area; batch as in vw_update.
	 * 0, or -1 with v->note set. */
	int (*update)(vw_view *v, nn_model *m, int w, int h, size_t batch);
	/* Draw the snapshot into the w x h area at (x, y). */
	void (*draw)(const vw_view *v, cv_canvas *c, int x, int y, int w,
	             int h);
	/* The rows it needs at width w when drawn once. */
	int (*height)(const vw_view *v, int w);
	/* Whether a w x h area needs a new snapshot (NULL: never). */
	int (*stale)(const vw_view *v, int w, int h);
} vw_class;

#define VIEW(K, name, key) extern const vw_class vw_##name##_class;
#include "view_list.h"
#undef VIEW

/* printf into the canvas at (x, y), cut at maxw columns. */
void vw_textf(cv_canvas *c, int x, int y, int maxw, int fg, int bold,
              const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Set v->note (why nothing is shown); returns -1. */
int vw_note(vw_view *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The class count of a labelled set (2 for a 0/1 target), else 0. */
int vw_classes_of(const nn_dataset *d);
/* Class k's name, or its number. */
void vw_class_name(const nn_dataset *d, int k, char *buf, size_t len);
/* The prediction of one output row of width w, as nn_predict makes it. */
int vw_pred_of(const float *o, size_t w, float mid);
/* The model's output width. */
size_t vw_out_width(const nn_model *m);
/* Outputs of m (dropout off) for n inputs x of xs floats each, into out
 * (n * output width floats); 0 or -1. */
int vw_forward_rows(nn_model *m, const float *x, size_t n, size_t xs,
                    float *out);
/* Outputs of m for the samples idx[0..n) of d; 0 or -1. */
int vw_outputs(nn_model *m, const nn_dataset *d, const size_t *idx,
               size_t n, float *out);
/* 0 when v's dataset fits m, else -1 with v->note set. */
int vw_fits(vw_view *v, const nn_model *m);
/* Average fx x fy blocks of a w x h image into out. */
void vw_shrink(const uint8_t *in, int w, int h, int fx, int fy,
               uint8_t *out);
/* The cells an image of w x h pixels takes when shrunk by fx x fy. */
void vw_image_cells(int mode, int w, int h, int fx, int fy, int *cw,
                    int *ch);
/* Draw sample i of the image set v->d at (x, y), shrunk by fx x fy. */
void vw_draw_image(const vw_view *v, cv_canvas *c, int x, int y, size_t i,
                   int fx, int fy);
/* The vertical factor that keeps an image's shape in that canvas mode. */
int vw_row_factor(int mode);

#endif
