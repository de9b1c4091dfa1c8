/* stats.h: the significance test compare's latency rules rely on: the
 * Mann-Whitney U test (Wilcoxon rank-sum), two-sided, by the normal
 * approximation with tie and continuity corrections (as scipy's
 * mannwhitneyu(..., method="asymptotic")). */
#ifndef CUTOVER_STATS_H
#define CUTOVER_STATS_H

#include <stddef.h>
#include "cutover/err.h"

/* Test samples x[0..nx) and y[0..ny); both arrays are sorted in place.
 * *u gets U of x (the number of pairs where x > y, ties counting half),
 * *p the two-sided p-value (1 when either sample is empty or every value
 * is tied). CUT_EINVAL for NaN samples. */
enum cut_err stats_mann_whitney(double *x, size_t nx, double *y, size_t ny, double *u, double *p);
/* Sort v[0..n) (no NaN) ascending: a radix sort on the bits, with a
 * scratch copy of n values (a comparison sort in place when that can't be
 * allocated). Can't fail. */
void stats_sort(double *v, size_t n);

#endif
