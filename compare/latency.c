/* latency.c: per endpoint, the reference's (baseline's, or the secondary's
 * when there is one: same environment as the candidate) and the
 * candidate's timings.wait, in histograms for percentiles and as raw
 * samples (8 bytes each) for the Mann-Whitney test; replay's _lag beside. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cutover/stats.h"
#include "cutover/vec.h"

static enum cut_err push(struct cmp_samples *s, double v)
{
    if (vec_reserve(&s->v, &s->cap, s->n + 1, sizeof *s->v)) return CUT_ENOMEM;
    s->v[s->n++] = v;
    return CUT_OK;
}

static uint64_t to_us(double ms)
{
    return ms <= 0 ? 0 : (uint64_t)llround(ms * 1000.0);
}

enum cut_err cmp_latency_add(struct cmp_latency *l, double ref_ms, double cand_ms, double lag_ms)
{
    enum cut_err e = CUT_OK;
    if (lag_ms >= 0) e = hist_record(&l->lag, to_us(lag_ms));
    if (e || ref_ms < 0 || cand_ms < 0 || !isfinite(ref_ms) || !isfinite(cand_ms)) return e;
    if (!(e = hist_record(&l->ref, to_us(ref_ms))) &&
        !(e = hist_record(&l->cand, to_us(cand_ms))) && !(e = push(&l->ref_s, ref_ms)))
        e = push(&l->cand_s, cand_ms);
    return e;
}

static const double pcts[4] = {50, 90, 99, 99.9};

static double ratio(double cand, double ref)
{
    if (ref > 0) return cand / ref;
    return cand > 0 ? NAN : 1.0;
}

enum cut_err cmp_latency_compute(struct cmp_latency *l)
{
    for (int i = 0; i < 4; i++) {
        l->ref_p[i] = (double)hist_percentile(&l->ref, pcts[i]) / 1000.0;
        l->cand_p[i] = (double)hist_percentile(&l->cand, pcts[i]) / 1000.0;
    }
    l->ref_p[4] = (double)hist_max(&l->ref) / 1000.0;
    l->cand_p[4] = (double)hist_max(&l->cand) / 1000.0;
    l->p50_ratio = ratio(l->cand_p[0], l->ref_p[0]);
    l->p99_ratio = ratio(l->cand_p[2], l->ref_p[2]);
    l->p_value = NAN;
    l->u = NAN;
    if (l->ref_s.n && l->cand_s.n) {
        enum cut_err e = stats_mann_whitney(l->cand_s.v, l->cand_s.n, l->ref_s.v, l->ref_s.n, &l->u,
                                            &l->p_value);
        if (e) return e;
    }
    l->computed = true;
    return CUT_OK;
}

void cmp_latency_release(struct cmp_latency *l)
{
    hist_release(&l->ref);
    hist_release(&l->cand);
    hist_release(&l->lag);
    free(l->ref_s.v);
    free(l->cand_s.v);
    memset(l, 0, sizeof *l);
}
