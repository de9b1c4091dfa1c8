/* json.c: report.json, the CI contract of design.md: version, verdict,
 * gate, totals, endpoints, differences, noise; fields are only ever added
 * (p-values, p99.9, replay lag, noise details, inputs), never changed. */
#include <math.h>
#include <string.h>

#include "../compare/compare.h"
#include "cutover/jsonw.h"

struct jw {
    struct buf *b;
    enum cut_err e;
};

static void raw(struct jw *w, const char *s)
{
    if (!w->e) w->e = buf_puts(w->b, s);
}

static void key(struct jw *w, const char *k)
{
    if (!w->e) w->e = jsonw_key(w->b, k);
}

static void str(struct jw *w, const char *k, const char *v)
{
    key(w, k);
    if (!w->e) w->e = jsonw_cstr(w->b, v);
}

static void num(struct jw *w, const char *k, double v)
{
    key(w, k);
    if (!w->e) w->e = jsonw_double(w->b, isfinite(v) ? round(v * 1e6) / 1e6 : v);
}

static void u64(struct jw *w, const char *k, uint64_t v)
{
    key(w, k);
    if (!w->e) w->e = jsonw_u64(w->b, v);
}

static void boolean(struct jw *w, const char *k, bool v)
{
    key(w, k);
    raw(w, v ? "true" : "false");
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 100.0;
}

static void gate(struct jw *w, const struct cmp *c)
{
    raw(w, ",\"gate\":[");
    for (size_t i = 0; i < c->ngate; i++) {
        const struct cmp_gate_row *r = &c->gate[i];
        raw(w, i ? ",{" : "{");
        str(w, "rule", r->rule);
        raw(w, ",");
        str(w, "scope", r->scope);
        raw(w, ",");
        num(w, "threshold", r->threshold);
        raw(w, ",");
        num(w, "actual", r->actual);
        raw(w, ",");
        boolean(w, "passed", r->passed);
        if (!isnan(r->p_value)) {
            raw(w, ",");
            num(w, "p_value", r->p_value);
        }
        if (r->note) {
            raw(w, ",");
            str(w, "note", r->note);
        }
        raw(w, "}");
    }
    raw(w, "]");
}

static void totals(struct jw *w, const struct cmp *c)
{
    raw(w, ",\"totals\":{");
    u64(w, "exchanges", c->exchanges);
    raw(w, ",");
    u64(w, "compared", c->compared);
    raw(w, ",");
    u64(w, "matched", c->matched);
    raw(w, ",");
    u64(w, "mismatched", c->mismatched);
    raw(w, ",");
    u64(w, "missing", c->missing);
    raw(w, ",");
    u64(w, "errors", c->errors);
    raw(w, ",");
    num(w, "parity_pct", c->parity);
    raw(w, ",");
    u64(w, "extra", c->extra);
    raw(w, ",\"duplicates\":{");
    u64(w, "baseline", c->dup_baseline);
    raw(w, ",");
    u64(w, "candidate", c->dup_candidate);
    raw(w, ",");
    u64(w, "secondary", c->dup_secondary);
    raw(w, "},");
    u64(w, "secondary_missing", c->secondary_missing);
    raw(w, ",");
    u64(w, "bad_lines", c->bad_lines);
    raw(w, ",");
    u64(w, "diff_capped", c->diff_capped);
    raw(w, "}");
}

static void pcts(struct jw *w, const char *k, const double *p, uint64_t n)
{
    key(w, k);
    raw(w, "{");
    num(w, "p50", p[0]);
    raw(w, ",");
    num(w, "p90", p[1]);
    raw(w, ",");
    num(w, "p99", p[2]);
    raw(w, ",");
    num(w, "max", p[4]);
    raw(w, ",");
    num(w, "p99_9", p[3]);
    raw(w, ",");
    u64(w, "samples", n);
    raw(w, "}");
}

static void latency(struct jw *w, const struct cmp *c, const struct cmp_latency *l)
{
    raw(w, ",\"latency_ms\":{");
    pcts(w, "baseline", l->ref_p, hist_count(&l->ref));
    raw(w, ",");
    pcts(w, "candidate", l->cand_p, hist_count(&l->cand));
    raw(w, ",");
    num(w, "p50_ratio", l->p50_ratio);
    raw(w, ",");
    num(w, "p99_ratio", l->p99_ratio);
    raw(w, ",");
    num(w, "p_value", l->p_value);
    raw(w, ",");
    str(w, "reference", c->o->secondary ? "secondary" : "baseline");
    if (hist_count(&l->lag)) {
        raw(w, ",\"lag\":{");
        num(w, "p50", (double)hist_percentile(&l->lag, 50) / 1000.0);
        raw(w, ",");
        num(w, "p99", (double)hist_percentile(&l->lag, 99) / 1000.0);
        raw(w, ",");
        num(w, "max", (double)hist_max(&l->lag) / 1000.0);
        raw(w, ",");
        u64(w, "samples", hist_count(&l->lag));
        raw(w, "}");
    }
    raw(w, "}");
}

static void endpoints(struct jw *w, const struct cmp *c)
{
    raw(w, ",\"endpoints\":[");
    for (size_t i = 0; i < c->neps; i++) {
        const struct cmp_endpoint *ep = &c->eps[i];
        raw(w, i ? ",{" : "{");
        str(w, "endpoint", ep->name);
        raw(w, ",");
        u64(w, "exchanges", ep->exchanges);
        raw(w, ",");
        u64(w, "matched", ep->matched);
        raw(w, ",");
        num(w, "parity_pct", pct(ep->matched, ep->compared));
        latency(w, c, &ep->lat);
        raw(w, ",");
        u64(w, "compared", ep->compared);
        raw(w, ",");
        u64(w, "mismatched", ep->mismatched);
        raw(w, ",");
        u64(w, "missing", ep->missing);
        raw(w, ",");
        u64(w, "extra", ep->extra);
        raw(w, ",");
        u64(w, "errors", ep->errors);
        raw(w, ",");
        u64(w, "status_mismatches", ep->status_mismatch);
        raw(w, "}");
    }
    raw(w, "]");
}

static void examples(struct jw *w, const struct cmp *c, const struct cmp_key *k)
{
    raw(w, ",\"examples\":[");
    for (size_t j = 0; j < k->nex; j++) {
        if (j) raw(w, ",");
        if (!w->e) w->e = jsonw_cstr(w->b, c->examples[k->ex[j]].id);
    }
    raw(w, "]");
}

static void key_common(struct jw *w, const struct cmp *c, const struct cmp_key *k)
{
    str(w, "endpoint", c->eps[k->endpoint].name);
    raw(w, ",");
    str(w, "where", cmp_where_name(k->where));
    raw(w, ",");
    str(w, "path", k->path);
}

static void keys(struct jw *w, const struct cmp *c, bool noise)
{
    size_t n;
    uint32_t *v = report_keys_sorted(c, noise, &n);
    if (!v) {
        w->e = CUT_ENOMEM;
        return;
    }
    raw(w, noise ? ",\"noise\":[" : ",\"differences\":[");
    for (size_t i = 0; i < n; i++) {
        const struct cmp_key *k = &c->keys[v[i]];
        raw(w, i ? ",{" : "{");
        key_common(w, c, k);
        raw(w, ",");
        if (noise) {
            str(w, "reason", cmp_decision_reason(k->decision));
            raw(w, ",");
            u64(w, "count", k->raw);
            raw(w, ",");
            str(w, "kind", jdiff_kind_name(k->kind));
            if (k->decision == CMP_NOISE_SECONDARY) {
                raw(w, ",");
                u64(w, "secondary_count", k->sec);
            }
            if (k->decision == CMP_NOISE_UNIQUE) {
                raw(w, ",");
                str(w, "shape", cmp_shape_name(k->shape));
            }
        } else {
            str(w, "kind", jdiff_kind_name(k->kind));
            raw(w, ",");
            u64(w, "count", k->raw);
            if (c->o->secondary) {
                raw(w, ",");
                u64(w, "secondary_count", k->sec);
            }
        }
        examples(w, c, k);
        raw(w, "}");
    }
    raw(w, "]");
    free(v);
}

static void inputs(struct jw *w, const struct cmp *c)
{
    raw(w, ",\"inputs\":{");
    str(w, "baseline", c->o->baseline);
    raw(w, ",");
    str(w, "candidate", c->o->candidate);
    raw(w, ",");
    str(w, "secondary", c->o->secondary);
    raw(w, "},\"options\":{");
    num(w, "alpha", c->o->alpha);
    raw(w, ",");
    num(w, "noise_relative", c->o->noise_rel);
    raw(w, ",");
    num(w, "noise_absolute", c->o->noise_abs);
    raw(w, ",");
    boolean(w, "strict", c->o->strict);
    raw(w, ",");
    num(w, "min_samples", c->o->th.min_samples);
    raw(w, "}");
}

enum cut_err report_json_buf(const struct cmp *c, struct buf *out)
{
    struct jw w = {out, CUT_OK};
    raw(&w, "{\"version\":1,");
    str(&w, "verdict", c->passed ? "pass" : "fail");
    gate(&w, c);
    totals(&w, c);
    endpoints(&w, c);
    keys(&w, c, false);
    keys(&w, c, true);
    inputs(&w, c);
    raw(&w, ",");
    str(&w, "generated", c->started);
    raw(&w, ",");
    str(&w, "tool", "cutover-compare " CMP_VERSION);
    raw(&w, ",");
    num(&w, "elapsed_s", c->elapsed_s);
    raw(&w, "}\n");
    return w.e;
}

enum cut_err report_json(const struct cmp *c, const char *path)
{
    struct buf b = BUF_INIT;
    enum cut_err e = report_json_buf(c, &b);
    if (!e) e = report_write(path, &b);
    buf_free(&b);
    return e;
}
