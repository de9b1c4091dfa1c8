/* args.c: option values to numbers, for every tool's command line (see
 * args.h).  strtol and strtod accept prefixes and overflow quietly; these
 * wrappers are where that is checked, once. */
#include "cutover/args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

enum cut_err args_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return CUT_EINVAL;
    *out = v;
    return CUT_OK;
}

enum cut_err args_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) return CUT_EINVAL;
    *out = v;
    return CUT_OK;
}

/* The unit letters and what they multiply by; a table so a new unit is
 * one line. */
static const struct {
    char lower, upper;
    uint64_t mul;
} size_units[] = {
    {'k', 'K', 1ULL << 10},
    {'m', 'M', 1ULL << 20},
    {'g', 'G', 1ULL << 30},
};

static uint64_t unit_of(const char **p)
{
    for (size_t i = 0; i < sizeof size_units / sizeof size_units[0]; i++) {
        if (**p == size_units[i].lower || **p == size_units[i].upper) {
            (*p)++;
            return size_units[i].mul;
        }
    }
    return 1;
}

enum cut_err args_size(const char *s, uint64_t *out)
{
    /* strtoull takes a sign and blanks, and wraps "-5" around: digits only. */
    if (*s < '0' || *s > '9') return CUT_EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return CUT_EINVAL;
    const char *p = end;
    uint64_t mul = unit_of(&p);
    if (*p == 'B' || *p == 'b') p++;
    if (*p || (v && mul > UINT64_MAX / v)) return CUT_EINVAL;
    *out = (uint64_t)v * mul;
    return CUT_OK;
}
