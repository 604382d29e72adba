/* fuzz.h - what the fuzz targets share: the libFuzzer entry point and a
 * scratch file, since the readers under test take paths. Each target
 * defines LLVMFuzzerTestOneInput; libFuzzer (make fuzz) or replay.c
 * (make check, over tests/fuzz/regress and the seed corpus) calls it. */
#ifndef NN_FUZZ_H
#define NN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Run the target on one input; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write size bytes of data to scratch file `slot` (0..3) of this process
 * and return its path, which ends in suffix (".csv", say). The files
 * live in one private directory that is removed at exit. Aborts when the
 * file cannot be written: that is the machine, not the input. */
const char *fuzz_file(int slot, const char *suffix, const uint8_t *data,
                      size_t size);

#endif
