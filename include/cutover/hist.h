/* hist.h: a mergeable log-bucketed histogram of non-negative integers
 * (HdrHistogram's layout at 3 significant digits): every value is kept
 * within 1/1024 of its true value, so percentiles are exact to 0.1%, and
 * two histograms add up bucket by bucket.  Units are the caller's (compare
 * and replay record microseconds).  Bucket arrays are allocated lazily, so
 * a histogram of latencies that span a few powers of two stays small. */
#ifndef CUTOVER_HIST_H
#define CUTOVER_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/err.h"

#define HIST_SUB 1024 /* sub-buckets per power of two beyond the first 2048 */
#define HIST_BUCKETS 54

struct hist {
    uint64_t *b[HIST_BUCKETS]; /* b[0]: 2048 exact slots; b[k]: 1024 slots of width 2^k */
    uint64_t count;
    uint64_t min, max; /* exact */
};

/* Empty histogram. Allocates nothing; can't fail. */
void hist_init(struct hist *h);
/* Free the buckets; h is left empty and usable. */
void hist_release(struct hist *h);
/* Record value v once / n times. CUT_ENOMEM when a bucket can't be allocated. */
enum cut_err hist_record(struct hist *h, uint64_t v);
enum cut_err hist_record_n(struct hist *h, uint64_t v, uint64_t n);
/* Add every count of src to dst. */
enum cut_err hist_merge(struct hist *dst, const struct hist *src);
/* The value at percentile pct (0..100) by nearest rank: the smallest
 * recorded value (within 0.1%) with at least pct% of the counts at or below
 * it; clamped to [min, max]. 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double pct);
uint64_t hist_count(const struct hist *h);
uint64_t hist_max(const struct hist *h); /* 0 when empty */
uint64_t hist_min(const struct hist *h); /* 0 when empty */
/* Mean of the bucket values (within 0.1%); 0 when empty. */
double hist_mean(const struct hist *h);

/* Walk the non-empty slots in increasing value order: start with
 * it = {0}; each call gives a slot's representative value and count. */
struct hist_iter {
    size_t bucket, slot;
};
bool hist_next(const struct hist *h, struct hist_iter *it, uint64_t *value, uint64_t *count);

#endif
