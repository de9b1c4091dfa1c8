/* gate.c: the verdict.  Every rule is evaluated overall and per endpoint
 * (thresholds from the command line, the config file, and the endpoint's
 * override), and every evaluation is listed with threshold, actual and
 * outcome.  Latency rules fail only when the ratio is over its threshold
 * AND the Mann-Whitney test finds the shift significant (p < alpha), and
 * pass with a note when either side has fewer samples than min-samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cutover/vec.h"

struct cmp_thresholds cmp_thresholds_for(const struct cmp *c, const struct cmp_endpoint *ep)
{
    struct cmp_thresholds t = c->o->th;
    if (ep && ep->ov) cmp_thresholds_apply(&t, &ep->ov->th);
    return t;
}

static enum cut_err add_row(struct cmp *c, const char *rule, const char *scope, double threshold,
                            double actual, bool passed, double p, const char *note)
{
    if (vec_reserve(&c->gate, &c->capgate, c->ngate + 1, sizeof *c->gate)) return CUT_ENOMEM;
    struct cmp_gate_row *r = &c->gate[c->ngate];
    r->rule = strdup(rule);
    r->scope = strdup(scope);
    if (!r->rule || !r->scope) {
        free(r->rule);
        free(r->scope);
        return CUT_ENOMEM;
    }
    r->threshold = threshold;
    r->actual = actual;
    r->passed = passed;
    r->p_value = p;
    r->note = note;
    c->ngate++;
    if (!passed) c->passed = false;
    return CUT_OK;
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* min-parity, max-missing, max-errors over one scope. */
static enum cut_err count_rules(struct cmp *c, const char *scope, const struct cmp_thresholds *t,
                                uint64_t exchanges, uint64_t compared, uint64_t matched,
                                uint64_t missing, uint64_t errors)
{
    enum cut_err e = CUT_OK;
    if (!isnan(t->min_parity)) {
        if (compared)
            e = add_row(c, "min-parity", scope, t->min_parity, pct(matched, compared),
                        pct(matched, compared) >= t->min_parity, NAN, NULL);
        else
            e = add_row(c, "min-parity", scope, t->min_parity, NAN, true, NAN,
                        "no exchange compared");
    }
    if (!e && !isnan(t->max_missing))
        e = add_row(c, "max-missing", scope, t->max_missing, pct(missing, exchanges),
                    pct(missing, exchanges) <= t->max_missing, NAN, NULL);
    if (!e && !isnan(t->max_errors))
        e = add_row(c, "max-errors", scope, t->max_errors, pct(errors, exchanges),
                    pct(errors, exchanges) <= t->max_errors, NAN, NULL);
    return e;
}

static enum cut_err latency_rule(struct cmp *c, const char *rule, const struct cmp_endpoint *ep,
                                 double threshold, double ratio, double min_samples)
{
    const struct cmp_latency *l = &ep->lat;
    size_t n = l->ref_s.n < l->cand_s.n ? l->ref_s.n : l->cand_s.n;
    if (isnan(threshold)) return CUT_OK;
    if ((double)n < min_samples || n == 0)
        return add_row(c, rule, ep->name, threshold, ratio, true, l->p_value, "not enough data");
    if (isnan(ratio))
        return add_row(c, rule, ep->name, threshold, ratio, true, l->p_value,
                       "reference latency is zero");
    bool over = ratio > threshold;
    bool significant = !isnan(l->p_value) && l->p_value < c->o->alpha;
    return add_row(c, rule, ep->name, threshold, ratio, !(over && significant), l->p_value,
                   over && !significant ? "over threshold but not significant" : NULL);
}

enum cut_err cmp_gate_run(struct cmp *c)
{
    c->passed = true;
    enum cut_err e = count_rules(c, "overall", &c->o->th, c->exchanges, c->compared, c->matched,
                                 c->missing, c->errors);
    for (size_t i = 0; i < c->neps && !e; i++) {
        const struct cmp_endpoint *ep = &c->eps[i];
        struct cmp_thresholds t = cmp_thresholds_for(c, ep);
        if (ep->exchanges == 0) continue; /* only extra records: nothing to hold it to */
        e = count_rules(c, ep->name, &t, ep->exchanges, ep->compared, ep->matched, ep->missing,
                        ep->errors);
        if (!e)
            e = latency_rule(c, "max-p50-ratio", ep, t.max_p50_ratio, ep->lat.p50_ratio,
                             t.min_samples);
        if (!e)
            e = latency_rule(c, "max-p99-ratio", ep, t.max_p99_ratio, ep->lat.p99_ratio,
                             t.min_samples);
    }
    return e;
}
