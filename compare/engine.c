/* engine.c: what happens to one joined pair: read both records, find the
 * endpoint, compare status, compared headers and body (structurally when
 * both are JSON), count latency; with a secondary, the same comparison of
 * baseline against secondary feeds the noise counts.  cmp_finish turns the
 * counts into decisions, totals and the gate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare.h"

#define MAX_BODY_DIFFS 1000 /* per body: past this a body is "very different" */

enum cut_err cmp_init(struct cmp *c, struct cmp_opts *o)
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->cur_example = -1;
    c->passed = true;
    buf_init(&c->kbuf, 0);
    buf_init(&c->gpath, 0);
    buf_init(&c->dpath, 0);
    for (size_t i = 0; i < sizeof c->htmp / sizeof *c->htmp; i++) buf_init(&c->htmp[i], 0);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(c->started, sizeof c->started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return CUT_OK;
}

void cmp_release(struct cmp *c)
{
    for (size_t i = 0; i < c->neps; i++) {
        free(c->eps[i].name);
        cmp_latency_release(&c->eps[i].lat);
    }
    free(c->eps);
    for (size_t i = 0; i < c->nkeys; i++) {
        free(c->keys[i].path);
        free(c->keys[i].ex);
        free(c->keys[i].seen.v);
    }
    free(c->keys);
    for (size_t i = 0; i < c->nexamples; i++) cmp_example_release(&c->examples[i]);
    free(c->examples);
    for (size_t i = 0; i < c->nsigs; i++) free(c->sigs[i].keys);
    free(c->sigs);
    for (size_t i = 0; i < c->ngate; i++) {
        free(c->gate[i].rule);
        free(c->gate[i].scope);
    }
    free(c->gate);
    cmp_map_release(&c->ep_index);
    cmp_map_release(&c->key_index);
    cmp_map_release(&c->sig_index);
    cmp_map_release(&c->rule_cache);
    buf_free(&c->dpath);
    free(c->cur);
    buf_free(&c->kbuf);
    buf_free(&c->gpath);
    for (size_t i = 0; i < sizeof c->htmp / sizeof *c->htmp; i++) buf_free(&c->htmp[i]);
    free(c->hnames);
    free(c->hnorm);
    memset(c, 0, sizeof *c);
}

enum cut_err cmp_endpoint_get(struct cmp *c, const char *name, size_t n, uint32_t *out)
{
    if (c->neps == c->capeps) {
        size_t cap = c->capeps ? c->capeps * 2 : 16;
        struct cmp_endpoint *v = realloc(c->eps, cap * sizeof *v);
        if (!v) return CUT_ENOMEM;
        c->eps = v;
        c->capeps = cap;
    }
    bool added;
    enum cut_err e = cmp_map_put(&c->ep_index, name, n, (uint32_t)c->neps, out, &added);
    if (e || !added) return e;
    struct cmp_endpoint *ep = &c->eps[c->neps];
    memset(ep, 0, sizeof *ep);
    if (!(ep->name = strndup(name, n))) return CUT_ENOMEM;
    hist_init(&ep->lat.ref);
    hist_init(&ep->lat.cand);
    hist_init(&ep->lat.lag);
    for (size_t i = 0; i < c->o->nov; i++)
        if (strcmp(c->o->ov[i].endpoint, ep->name) == 0) ep->ov = &c->o->ov[i];
    c->neps++;
    return CUT_OK;
}

static enum cut_err endpoint_of(struct cmp *c, const struct cmp_rec *r, uint32_t *ep)
{
    buf_reset(&c->kbuf);
    enum cut_err e =
        endpoint_name(&c->o->templates, r->method, r->mlen, r->target, r->tlen, &c->kbuf);
    return e ? e : cmp_endpoint_get(c, c->kbuf.data, c->kbuf.len, ep);
}

/* ---- bodies ---- */

static enum cut_err on_diff(void *ctx, enum jdiff_kind kind, const char *path, size_t pathlen,
                            const struct jv *a, const struct jv *b)
{
    (void)pathlen;
    return cmp_note(ctx, CMP_BODY, kind, path, a, b);
}

static bool on_unordered(void *ctx, const char *path)
{
    struct cmp *c = ctx;
    const struct cmp_override *ov = c->eps[c->cur_ep].ov;
    for (size_t i = 0; i < c->o->unordered.n; i++)
        if (c->o->unordered.v[i].path && jpath_match(c->o->unordered.v[i].path, path)) return true;
    for (size_t i = 0; ov && i < ov->unordered.n; i++)
        if (ov->unordered.v[i].path && jpath_match(ov->unordered.v[i].path, path)) return true;
    return false;
}

static bool looks_json(const struct cmp_rec *r)
{
    for (size_t i = 0; i < r->body_len; i++) {
        char ch = r->body[i];
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') continue;
        if (ch == '{' || ch == '[') return true;
        break;
    }
    return r->body_len && r->mime && memmem(r->mime, r->mime_len, "json", 4);
}

static bool same_bytes(const struct cmp_rec *a, const struct cmp_rec *b)
{
    return a->body_b64 == b->body_b64 && a->body_len == b->body_len &&
           memcmp(a->body, b->body, a->body_len) == 0;
}

/* Equal text as written is equal text decoded: most identical bodies are
 * settled here, without decoding or parsing either. */
static bool same_raw(const struct cmp_rec *a, const struct cmp_rec *b)
{
    return a->body_b64 == b->body_b64 && a->body_raw_len == b->body_raw_len &&
           memcmp(a->body_raw, b->body_raw, a->body_raw_len) == 0;
}

static enum cut_err body_diff(struct cmp *c, struct jarena *ar, struct cmp_rec *b,
                              struct cmp_rec *x)
{
    if (same_raw(b, x)) return CUT_OK;
    enum cut_err e = cmp_rec_body(ar, b);
    if (!e) e = cmp_rec_body(ar, x);
    if (e) return e;
    if (same_bytes(b, x)) return CUT_OK;
    bool textual = !b->body_b64 && !x->body_b64 && !b->body_truncated && !x->body_truncated;
    struct jv jb, jx;
    bool pb = textual && looks_json(b) && jv_parse(ar, b->body, b->body_len, &jb, NULL) == CUT_OK;
    bool px = textual && looks_json(x) && jv_parse(ar, x->body, x->body_len, &jx, NULL) == CUT_OK;
    if (pb && px) {
        struct jdiff_opts o = {on_diff, on_unordered, c, MAX_BODY_DIFFS};
        size_t n = 0;
        e = jdiff_reuse(&jb, &jx, &o, ar, &c->dpath, &n);
        if (!e && n >= MAX_BODY_DIFFS) c->diff_capped++;
        return e;
    }
    if (pb != px) return cmp_note(c, CMP_BODY, JDIFF_TYPE, "$", pb ? &jb : NULL, px ? &jx : NULL);
    return cmp_note(c, CMP_BODY, JDIFF_VALUE, "$", NULL, NULL);
}

enum cut_err cmp_records(struct cmp *c, struct cmp_rec *b, struct cmp_rec *x)
{
    enum cut_err e = CUT_OK;
    if (b->status != x->status) {
        char sb[16], sx[16];
        snprintf(sb, sizeof sb, "%d", b->status);
        snprintf(sx, sizeof sx, "%d", x->status);
        struct jv a = {JV_NUM, 0, (uint32_t)strlen(sb), {.s = sb}};
        struct jv z = {JV_NUM, 0, (uint32_t)strlen(sx), {.s = sx}};
        e = cmp_note(c, CMP_STATUS, JDIFF_VALUE, "status", &a, &z);
    }
    if (!e) e = cmp_headers(c, b, x);
    if (!e) e = body_diff(c, c->arena, b, x);
    return e;
}

enum cut_err cmp_pair(struct cmp *c, struct jarena *a, const char *bl, size_t bn, const char *cl,
                      size_t cn, const char *sl, size_t sn, char *err, size_t errlen)
{
    struct cmp_rec b, x, s;
    const char *const *hn;
    size_t nh;
    jarena_reset(a);
    c->arena = a;
    enum cut_err e = cmp_header_names(c, &hn, &nh);
    if (e) return e;
    e = cmp_rec_parse(a, bl, bn, hn, nh, &b, err, errlen);
    if (!e) e = cmp_rec_parse(a, cl, cn, hn, nh, &x, err, errlen);
    if (!e && sl) e = cmp_rec_parse(a, sl, sn, hn, nh, &s, err, errlen);
    if (e) {
        c->bad_lines++;
        return e;
    }
    uint32_t ep;
    if ((e = endpoint_of(c, &b, &ep))) return e;
    struct cmp_endpoint *p = &c->eps[ep];
    p->exchanges++;
    if (x.error || x.status == 0) {
        p->errors++;
        return CUT_OK;
    }
    p->compared++;
    c->cur_b = &b;
    c->cur_c = &x;
    cmp_pair_begin(c, ep, 0);
    e = cmp_records(c, &b, &x);
    if (!e) e = cmp_pair_end(c);
    if (!e && sl && !s.error && s.status != 0) {
        cmp_pair_begin(c, ep, 1);
        e = cmp_records(c, &b, &s);
    }
    c->cur_b = c->cur_c = NULL;
    if (e) return e;
    double ref = sl ? (s.error ? -1 : s.wait_ms) : b.wait_ms;
    if (c->o->secondary && !sl) ref = -1; /* never mix environments */
    return cmp_latency_add(&c->eps[ep].lat, ref, x.wait_ms, x.lag_ms);
}

static enum cut_err one_sided(struct cmp *c, struct jarena *a, const char *l, size_t n,
                              bool missing)
{
    struct cmp_rec r;
    char err[256];
    jarena_reset(a);
    enum cut_err e = cmp_rec_parse(a, l, n, NULL, 0, &r, err, sizeof err);
    uint32_t ep;
    if (!e) e = endpoint_of(c, &r, &ep);
    if (e) {
        if (e == CUT_EPARSE) c->bad_lines++;
        return e;
    }
    if (missing) {
        c->eps[ep].exchanges++;
        c->eps[ep].missing++;
    } else {
        c->eps[ep].extra++;
    }
    return CUT_OK;
}

enum cut_err cmp_missing(struct cmp *c, struct jarena *a, const char *bl, size_t bn)
{
    return one_sided(c, a, bl, bn, true);
}

enum cut_err cmp_extra(struct cmp *c, struct jarena *a, const char *cl, size_t cn)
{
    return one_sided(c, a, cl, cn, false);
}

enum cut_err cmp_finish(struct cmp *c)
{
    enum cut_err e = cmp_noise_decide(c);
    c->exchanges = c->compared = c->matched = c->mismatched = 0;
    c->missing = c->extra = c->errors = 0;
    for (size_t i = 0; i < c->neps && !e; i++) {
        struct cmp_endpoint *ep = &c->eps[i];
        e = cmp_latency_compute(&ep->lat);
        c->exchanges += ep->exchanges;
        c->compared += ep->compared;
        c->matched += ep->matched;
        c->mismatched += ep->mismatched;
        c->missing += ep->missing;
        c->extra += ep->extra;
        c->errors += ep->errors;
    }
    c->parity = c->compared ? 100.0 * (double)c->matched / (double)c->compared : 100.0;
    if (!e) e = cmp_gate_run(c);
    return e;
}
