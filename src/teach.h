/* teach.h - what the teaching commands share: typed inputs and targets
 * (cmd_teach.c), used by grad and gradcheck (cmd_grad.c). */
#ifndef NNSH_TEACH_H
#define NNSH_TEACH_H

#include "shell.h"

/* Split "DATA:i" into the dataset and the sample index. Returns 1 when
 * text has no ':' (then nothing is set), 0, or -1 with a message. */
int sh_parse_sample(sh_session *S, const char *text, sh_data **sd,
                    size_t *i);
/* Check that dataset sd fits model sm: input size, and (when need_y)
 * target width; -1 with a message if not. */
int sh_check_data(sh_session *S, const sh_model *sm, const sh_data *sd,
                  int need_y);
/* Inputs typed as a list: one sample of the model's input size, or rows
 * of it. Sets *n; the tensor is the caller's. NULL with a message. */
nn_tensor *sh_typed_input(sh_session *S, const sh_model *sm,
                          const char *text, size_t *n);
/* Targets typed as a list, for n samples of w outputs: the values, or
 * class numbers (one per sample) made one-hot. NULL with a message. */
float *sh_typed_target(sh_session *S, const sh_model *sm,
                       const char *text, size_t n, size_t w);

#endif
