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
#include "cutover/vec.h"

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
    buf_init(&c->dsub, 0);
    buf_init(&c->dfull, 0);
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
    free(c->free_ex);
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
    cmp_pathinfo_release(c);
    buf_free(&c->dpath);
    buf_free(&c->dsub);
    buf_free(&c->dfull);
    free(c->cur);
    buf_free(&c->kbuf);
    buf_free(&c->gpath);
    for (size_t i = 0; i < sizeof c->htmp / sizeof *c->htmp; i++) buf_free(&c->htmp[i]);
    free(c->hnames);
    free(c->hnorm);
    free(c->epmemo);
    free(c->sortmemo);
    memset(c, 0, sizeof *c);
}

static enum cut_err ep_lookup(struct cmp *c, const char *name, size_t n, uint32_t *out);

enum cut_err cmp_endpoint_get(struct cmp *c, const char *name, size_t n, uint32_t *out)
{
    /* most pairs are of one of a few endpoints: the last ones found are
     * compared before the name is hashed (names holding a NUL are left to
     * the map: the endpoint keeps its name only up to it) */
    for (unsigned i = 0; i < c->nep_recent; i++) {
        if (c->ep_recent[i].len != n || memcmp(c->eps[c->ep_recent[i].ep].name, name, n) != 0)
            continue;
        *out = c->ep_recent[i].ep;
        return CUT_OK;
    }
    enum cut_err e = ep_lookup(c, name, n, out);
    if (e || strlen(c->eps[*out].name) != n) return e;
    c->ep_recent[c->ep_recent_next].ep = *out;
    c->ep_recent[c->ep_recent_next].len = n;
    c->ep_recent_next = (c->ep_recent_next + 1) % 4;
    if (c->nep_recent < 4) c->nep_recent++;
    return CUT_OK;
}

static enum cut_err ep_lookup(struct cmp *c, const char *name, size_t n, uint32_t *out)
{
    if (vec_reserve(&c->eps, &c->capeps, c->neps + 1, sizeof *c->eps)) return CUT_ENOMEM;
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
    const struct cmp_override *ov = c->cur_ov;
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
    bool pb = textual && looks_json(b), px = textual && looks_json(x);
    if (pb && px) {
        /* no unordered rule at all: no path to check for each array */
        bool unord = c->o->unordered.n || (c->cur_ov && c->cur_ov->unordered.n);
        struct jdiff_opts o = {on_diff, unord ? on_unordered : NULL, c, MAX_BODY_DIFFS};
        size_t n = 0;
        e = cmp_body_diff(b->body, b->body_len, x->body, x->body_len, &o, ar, c, &pb, &px, &n);
        if (e) return e;
        if (pb && px) {
            if (n >= MAX_BODY_DIFFS) {
                if (c->rec)
                    c->rec->capped++;
                else
                    c->diff_capped++;
            }
            return CUT_OK;
        }
    }
    /* A side that is not JSON: the other is reported whole. */
    struct jv jb, jx;
    pb = pb && jv_parse(ar, b->body, b->body_len, &jb, NULL) == CUT_OK;
    px = px && jv_parse(ar, x->body, x->body_len, &jx, NULL) == CUT_OK;
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

enum cut_err cmp_worker_init(struct cmp *w, struct cmp *c)
{
    memset(w, 0, sizeof *w);
    w->o = c->o;
    w->hnames = c->hnames;
    w->hnorm = c->hnorm;
    w->nhnames = c->nhnames;
    w->hready = c->hready;
    buf_init(&w->kbuf, 0);
    buf_init(&w->dpath, 0);
    buf_init(&w->dsub, 0);
    buf_init(&w->dfull, 0);
    buf_init(&w->gpath, 0);
    for (size_t i = 0; i < sizeof w->htmp / sizeof *w->htmp; i++) buf_init(&w->htmp[i], 0);
    return c->hready ? CUT_OK : CUT_EINVAL;
}

/* A worker's memory of the endpoints it named (item_endpoint): most pairs
 * have one of a few methods and targets, and naming one (templates, id-like
 * segments, the override) costs ten times looking it up. Direct-mapped by a
 * hash of the target; a method, target or name too long is not kept. */
#define EP_MEMO 64
struct cmp_epmemo {
    uint8_t mlen, tlen, nlen; /* mlen 0: an empty slot */
    char m[16], t[96], name[128];
    const struct cmp_override *ov;
};

/* The endpoint name of r into the arena, and its override (the last one
 * named so, as cmp_endpoint_get picks it). */
static enum cut_err item_endpoint(struct cmp *w, struct jarena *a, struct cmp_item *it,
                                  const struct cmp_rec *r)
{
    struct cmp_epmemo *mo = NULL;
    if (r->mlen && r->mlen <= sizeof mo->m && r->tlen <= sizeof mo->t) {
        if (!w->epmemo && !(w->epmemo = calloc(EP_MEMO, sizeof *w->epmemo))) return CUT_ENOMEM;
        mo = &w->epmemo[(cmp_hash(r->target, r->tlen) ^ r->mlen) & (EP_MEMO - 1)];
        if (mo->mlen == r->mlen && mo->tlen == r->tlen && memcmp(mo->t, r->target, r->tlen) == 0 &&
            memcmp(mo->m, r->method, r->mlen) == 0) {
            char *name = jarena_alloc(a, (size_t)mo->nlen + 1);
            if (!name) return CUT_ENOMEM;
            memcpy(name, mo->name, (size_t)mo->nlen + 1);
            it->ep = name;
            it->eplen = mo->nlen;
            w->cur_ov = mo->ov;
            return CUT_OK;
        }
    }
    buf_reset(&w->kbuf);
    enum cut_err e =
        endpoint_name(&w->o->templates, r->method, r->mlen, r->target, r->tlen, &w->kbuf);
    if (e) return e;
    char *name = jarena_alloc(a, w->kbuf.len + 1);
    if (!name) return CUT_ENOMEM;
    memcpy(name, w->kbuf.data, w->kbuf.len + 1);
    it->ep = name;
    it->eplen = w->kbuf.len;
    w->cur_ov = NULL;
    for (size_t i = 0; i < w->o->nov; i++)
        if (strlen(w->o->ov[i].endpoint) == it->eplen &&
            memcmp(w->o->ov[i].endpoint, name, it->eplen) == 0)
            w->cur_ov = &w->o->ov[i];
    if (mo && it->eplen < sizeof mo->name) {
        mo->mlen = (uint8_t)r->mlen;
        mo->tlen = (uint8_t)r->tlen;
        mo->nlen = (uint8_t)it->eplen;
        memcpy(mo->m, r->method, r->mlen);
        memcpy(mo->t, r->target, r->tlen);
        memcpy(mo->name, name, it->eplen + 1);
        mo->ov = w->cur_ov;
    }
    return CUT_OK;
}

static enum cut_err pair_work(struct cmp *w, struct jarena *a, struct cmp_item *it)
{
    char err[256];
    const char *const *hn = (const char *const *)w->hnames;
    size_t nh = w->nhnames;
    it->err = cmp_rec_parse_like(a, it->bl, it->bn, hn, nh, NULL, &it->b, err, sizeof err);
    /* a replayed record's request is usually the baseline's, byte for byte */
    if (!it->err)
        it->err = cmp_rec_parse_like(a, it->cl, it->cn, hn, nh, &it->b, &it->x, err, sizeof err);
    if (!it->err && it->sl)
        it->err = cmp_rec_parse_like(a, it->sl, it->sn, hn, nh, &it->b, &it->s, err, sizeof err);
    if (it->err) return it->err == CUT_EPARSE ? CUT_OK : it->err;
    enum cut_err e = item_endpoint(w, a, it, &it->b);
    if (e) return e;
    if (it->x.error || it->x.status == 0) {
        it->errored = true;
        return CUT_OK;
    }
    w->rec = it;
    w->arena = a;
    e = cmp_records(w, &it->b, &it->x);
    it->nev0 = it->nev;
    it->with_sec = it->sl && !it->s.error && it->s.status != 0;
    if (!e && it->with_sec) e = cmp_records(w, &it->b, &it->s);
    w->rec = NULL;
    return e;
}

enum cut_err cmp_item_work(struct cmp *w, struct jarena *a, struct cmp_item *it)
{
    it->err = CUT_OK;
    it->errored = it->with_sec = false;
    it->capped = 0;
    it->ev = NULL;
    it->nev = it->nev0 = it->capev = 0;
    if (it->what == CMP_ITEM_PAIR) return pair_work(w, a, it);
    char err[256];
    it->err = cmp_rec_parse(a, it->bl, it->bn, NULL, 0, &it->b, err, sizeof err);
    if (it->err) return it->err == CUT_EPARSE ? CUT_OK : it->err;
    return item_endpoint(w, a, it, &it->b);
}

static enum cut_err replay(struct cmp *c, const struct cmp_item *it, size_t from, size_t to)
{
    enum cut_err e = CUT_OK;
    for (size_t i = from; i < to && !e; i++) {
        const struct cmp_event *ev = &it->ev[i];
        e = cmp_note_event(c, ev);
    }
    return e;
}

static enum cut_err pair_apply(struct cmp *c, struct jarena *a, struct cmp_item *it)
{
    uint32_t ep;
    enum cut_err e = cmp_endpoint_get(c, it->ep, it->eplen, &ep);
    if (e) return e;
    struct cmp_endpoint *p = &c->eps[ep];
    p->exchanges++;
    if (it->errored) {
        p->errors++;
        return CUT_OK;
    }
    p->compared++;
    c->cur_b = &it->b;
    c->cur_c = &it->x;
    c->arena = a;
    c->diff_capped += it->capped;
    cmp_pair_begin(c, ep, 0);
    e = replay(c, it, 0, it->nev0);
    if (!e) e = cmp_example_paths(c, it->ev, it->nev0);
    if (!e) e = cmp_pair_end(c);
    if (!e && it->with_sec) {
        cmp_pair_begin(c, ep, 1);
        e = replay(c, it, it->nev0, it->nev);
    }
    c->cur_b = c->cur_c = NULL;
    if (e) return e;
    double ref = it->sl ? (it->s.error ? -1 : it->s.wait_ms) : it->b.wait_ms;
    if (c->o->secondary && !it->sl) ref = -1; /* never mix environments */
    return cmp_latency_add(&c->eps[ep].lat, ref, it->x.wait_ms, it->x.lag_ms);
}

enum cut_err cmp_item_apply(struct cmp *c, struct jarena *a, struct cmp_item *it)
{
    if (it->err) {
        if (it->err == CUT_EPARSE) c->bad_lines++;
        return it->err;
    }
    if (it->what == CMP_ITEM_PAIR) return pair_apply(c, a, it);
    uint32_t ep;
    enum cut_err e = cmp_endpoint_get(c, it->ep, it->eplen, &ep);
    if (e) return e;
    if (it->what == CMP_ITEM_MISSING) {
        c->eps[ep].exchanges++;
        c->eps[ep].missing++;
    } else {
        c->eps[ep].extra++;
    }
    return CUT_OK;
}

/* Both halves at once, on the caller's thread. */
static enum cut_err run_item(struct cmp *c, struct jarena *a, struct cmp_item *it)
{
    const char *const *hn;
    size_t nh;
    jarena_reset(a);
    enum cut_err e = cmp_header_names(c, &hn, &nh);
    if (!e) e = cmp_item_work(c, a, it);
    return e ? e : cmp_item_apply(c, a, it);
}

enum cut_err cmp_pair(struct cmp *c, struct jarena *a, const char *bl, size_t bn, const char *cl,
                      size_t cn, const char *sl, size_t sn, char *err, size_t errlen)
{
    struct cmp_item it = {
        .what = CMP_ITEM_PAIR, .bl = bl, .bn = bn, .cl = cl, .cn = cn, .sl = sl, .sn = sn};
    enum cut_err e = run_item(c, a, &it);
    if (e == CUT_EPARSE) snprintf(err, errlen, "a record of the pair could not be read");
    return e;
}

enum cut_err cmp_missing(struct cmp *c, struct jarena *a, const char *bl, size_t bn)
{
    struct cmp_item it = {.what = CMP_ITEM_MISSING, .bl = bl, .bn = bn};
    return run_item(c, a, &it);
}

enum cut_err cmp_extra(struct cmp *c, struct jarena *a, const char *cl, size_t cn)
{
    struct cmp_item it = {.what = CMP_ITEM_EXTRA, .bl = cl, .bn = cn};
    return run_item(c, a, &it);
}

static int ep_by_name(const void *pa, const void *pb)
{
    const struct cmp_endpoint *a = pa, *b = pb;
    return strcmp(a->name, b->name);
}

/* Endpoints (and so the gate rows and every table of the reports) in the
 * order of their names, METHOD then template, byte by byte, rather than the
 * order first seen: two reports of the same exchanges are the same file
 * whatever order the candidate came in. The indices kept elsewhere follow. */
static enum cut_err sort_endpoints(struct cmp *c)
{
    if (c->neps < 2) return CUT_OK;
    uint32_t *to = malloc(c->neps * sizeof *to);
    if (!to) return CUT_ENOMEM;
    for (size_t i = 0; i < c->neps; i++) c->eps[i].first = (uint32_t)i;
    qsort(c->eps, c->neps, sizeof *c->eps, ep_by_name);
    for (size_t i = 0; i < c->neps; i++) to[c->eps[i].first] = (uint32_t)i;
    for (size_t i = 0; i < c->nkeys; i++) c->keys[i].endpoint = to[c->keys[i].endpoint];
    for (size_t i = 0; i < c->nsigs; i++) c->sigs[i].ep = to[c->sigs[i].ep];
    for (size_t i = 0; i < c->nexamples; i++) c->examples[i].endpoint = to[c->examples[i].endpoint];
    for (size_t i = 0; i < c->ep_index.cap; i++)
        if (c->ep_index.s[i].key) c->ep_index.s[i].val = to[c->ep_index.s[i].val];
    for (unsigned i = 0; i < c->nep_recent; i++) c->ep_recent[i].ep = to[c->ep_recent[i].ep];
    free(c->keymemo); /* it names endpoints by the old indices: forgotten */
    c->keymemo = NULL;
    free(to);
    return CUT_OK;
}

enum cut_err cmp_finish(struct cmp *c)
{
    enum cut_err e = sort_endpoints(c);
    if (!e) e = cmp_noise_decide(c);
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
