/* hist.c: the log-bucketed histogram.  Bucket 0 holds 0..2047 exactly; for
 * k >= 1, bucket k holds the values whose top 11 bits are 1024..2047 after
 * a right shift by k, so each slot spans 2^k at values >= 1024 * 2^k: a
 * relative width below 1/1024. */
#include "cutover/hist.h"

#include <stdlib.h>
#include <string.h>

#define SLOTS0 (2 * HIST_SUB)

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof *h);
}

void hist_release(struct hist *h)
{
    for (size_t i = 0; i < HIST_BUCKETS; i++) free(h->b[i]);
    hist_init(h);
}

static void locate(uint64_t v, size_t *bucket, size_t *slot)
{
    if (v < SLOTS0) {
        *bucket = 0;
        *slot = (size_t)v;
        return;
    }
    int top = 63 - __builtin_clzll(v); /* >= 11 */
    size_t k = (size_t)(top - 10);
    *bucket = k;
    *slot = (size_t)(v >> k) - HIST_SUB;
}

static size_t slots_of(size_t bucket)
{
    return bucket ? HIST_SUB : SLOTS0;
}

/* Lowest and highest value of a slot. */
static void slot_range(size_t bucket, size_t slot, uint64_t *lo, uint64_t *hi)
{
    if (bucket == 0) {
        *lo = *hi = slot;
        return;
    }
    uint64_t base = (uint64_t)(slot + HIST_SUB) << bucket;
    *lo = base;
    *hi = base + ((uint64_t)1 << bucket) - 1;
}

static uint64_t slot_value(size_t bucket, size_t slot)
{
    uint64_t lo, hi;
    slot_range(bucket, slot, &lo, &hi);
    return lo + (hi - lo) / 2;
}

enum cut_err hist_record_n(struct hist *h, uint64_t v, uint64_t n)
{
    size_t b, s;
    if (n == 0) return CUT_OK;
    locate(v, &b, &s);
    if (b >= HIST_BUCKETS) return CUT_EINVAL;
    if (!h->b[b]) {
        h->b[b] = calloc(slots_of(b), sizeof(uint64_t));
        if (!h->b[b]) return CUT_ENOMEM;
    }
    h->b[b][s] += n;
    if (h->count == 0 || v < h->min) h->min = v;
    if (h->count == 0 || v > h->max) h->max = v;
    h->count += n;
    return CUT_OK;
}

enum cut_err hist_record(struct hist *h, uint64_t v)
{
    return hist_record_n(h, v, 1);
}

enum cut_err hist_merge(struct hist *dst, const struct hist *src)
{
    if (src->count == 0) return CUT_OK;
    for (size_t b = 0; b < HIST_BUCKETS; b++) {
        if (!src->b[b]) continue;
        if (!dst->b[b]) {
            dst->b[b] = calloc(slots_of(b), sizeof(uint64_t));
            if (!dst->b[b]) return CUT_ENOMEM;
        }
        for (size_t s = 0; s < slots_of(b); s++) dst->b[b][s] += src->b[b][s];
    }
    if (dst->count == 0 || src->min < dst->min) dst->min = src->min;
    if (dst->count == 0 || src->max > dst->max) dst->max = src->max;
    dst->count += src->count;
    return CUT_OK;
}

bool hist_next(const struct hist *h, struct hist_iter *it, uint64_t *value, uint64_t *count)
{
    for (; it->bucket < HIST_BUCKETS; it->bucket++, it->slot = 0) {
        const uint64_t *c = h->b[it->bucket];
        if (!c) continue;
        for (; it->slot < slots_of(it->bucket); it->slot++) {
            if (!c[it->slot]) continue;
            uint64_t v = slot_value(it->bucket, it->slot);
            *value = v < h->min ? h->min : v > h->max ? h->max : v;
            *count = c[it->slot];
            it->slot++;
            return true;
        }
    }
    return false;
}

uint64_t hist_percentile(const struct hist *h, double pct)
{
    if (h->count == 0) return 0;
    if (pct <= 0) return h->min;
    if (pct >= 100) return h->max;
    /* nearest rank: ceil(pct/100 * count), at least 1 */
    double r = pct / 100.0 * (double)h->count;
    uint64_t rank = (uint64_t)r;
    if ((double)rank < r) rank++;
    if (rank == 0) rank = 1;
    struct hist_iter it = {0, 0};
    uint64_t v = 0, c, seen = 0;
    while (hist_next(h, &it, &v, &c)) {
        seen += c;
        if (seen >= rank) return v;
    }
    return h->max;
}

uint64_t hist_count(const struct hist *h)
{
    return h->count;
}

uint64_t hist_max(const struct hist *h)
{
    return h->count ? h->max : 0;
}

uint64_t hist_min(const struct hist *h)
{
    return h->count ? h->min : 0;
}

double hist_mean(const struct hist *h)
{
    if (!h->count) return 0;
    struct hist_iter it = {0, 0};
    uint64_t v, c;
    double sum = 0;
    while (hist_next(h, &it, &v, &c)) sum += (double)v * (double)c;
    return sum / (double)h->count;
}
