/* args.h: the numbers in command-line option values, parsed one way for
 * every tool.  The whole string must be the number ("10x", "" and "1e"
 * are refused) and it must lie in the caller's range, so each tool only
 * says what range an option has and how it reports a bad value. */
#ifndef CUTOVER_ARGS_H
#define CUTOVER_ARGS_H

#include <stdint.h>
#include "cutover/err.h"

/* A decimal integer in [lo, hi] into *out; CUT_EINVAL (and *out unset)
 * for anything else, overflow included. */
enum cut_err args_long(const char *s, long lo, long hi, long *out);

/* A finite decimal or exponent number in [lo, hi] into *out; NaN and the
 * infinities are refused whatever the range. */
enum cut_err args_double(const char *s, double lo, double hi, double *out);

/* A byte count: digits with an optional k, M or G (powers of 1024, either
 * case) and an optional B: "10", "64k", "16M", "1GB".  No sign, no
 * space; CUT_EINVAL when the product would not fit in 64 bits. */
enum cut_err args_size(const char *s, uint64_t *out);

#endif
