/* headers.c: the response headers compare looks at.  Only a compared set
 * is diffed (Content-Type by media type, Location by path template,
 * Cache-Control by directives, plus every --header NAME exactly); volatile
 * and hop-by-hop headers (Date, Server, X-Request-Id, Content-Length,
 * Transfer-Encoding, Connection, Keep-Alive) are never in it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compare.h"

typedef enum cut_err (*norm_fn)(const struct cmp *c, const char *v, size_t n, struct buf *out);

static enum cut_err norm_exact(const struct cmp *c, const char *v, size_t n, struct buf *out)
{
    (void)c;
    return buf_append(out, v, n);
}

enum cut_err cmp_media_type(const char *v, size_t n, struct buf *out)
{
    size_t i = 0, end = n;
    const char *semi = memchr(v, ';', n);
    if (semi) end = (size_t)(semi - v);
    while (i < end && isspace((unsigned char)v[i])) i++;
    while (end > i && isspace((unsigned char)v[end - 1])) end--;
    enum cut_err e = CUT_OK;
    for (; i < end && !e; i++) e = buf_putc(out, (char)tolower((unsigned char)v[i]));
    return e;
}

static enum cut_err norm_media(const struct cmp *c, const char *v, size_t n, struct buf *out)
{
    (void)c;
    return cmp_media_type(v, n, out);
}

/* Hosts differ between environments and ids between runs: compare the
 * path as an endpoint template (exactly under --strict), with the query. */
static enum cut_err norm_location(const struct cmp *c, const char *v, size_t n, struct buf *out)
{
    const char *q = memchr(v, '?', n);
    enum cut_err e;
    if (c->o->strict) {
        const char *sch = memmem(v, n, "://", 3);
        const char *p = sch ? memchr(sch + 3, '/', n - (size_t)(sch + 3 - v)) : v;
        if (!p) p = v + n;
        return buf_append(out, p, n - (size_t)(p - v));
    }
    e = endpoint_name(NULL, "", 0, v, n, out); /* writes " /path/{id}" */
    if (!e && q) e = buf_append(out, q, n - (size_t)(q - v));
    return e;
}

static enum cut_err norm_directives(const struct cmp *c, const char *v, size_t n, struct buf *out)
{
    (void)c;
    enum cut_err e = CUT_OK;
    for (size_t i = 0; i < n && !e; i++)
        if (!isspace((unsigned char)v[i])) e = buf_putc(out, (char)tolower((unsigned char)v[i]));
    return e;
}

static const struct {
    const char *name;
    norm_fn norm;
} defaults[] = {
    {"Content-Type", norm_media},
    {"Location", norm_location},
    {"Cache-Control", norm_directives},
};

enum cut_err cmp_header_names(struct cmp *c, const char *const **names, size_t *n)
{
    if (!c->hready) {
        size_t nd = sizeof defaults / sizeof *defaults, cap = nd + c->o->headers.n;
        c->hnames = calloc(cap, sizeof *c->hnames);
        c->hnorm = calloc(cap, sizeof *c->hnorm);
        if (!c->hnames || !c->hnorm) return CUT_ENOMEM;
        for (size_t i = 0; i < nd; i++) {
            c->hnames[i] = defaults[i].name;
            c->hnorm[i] = (uint8_t)i;
        }
        c->nhnames = nd;
        for (size_t i = 0; i < c->o->headers.n; i++) {
            bool dflt = false;
            for (size_t k = 0; k < nd; k++)
                dflt = dflt || strcasecmp(defaults[k].name, c->o->headers.v[i]) == 0;
            if (dflt) continue;
            c->hnames[c->nhnames] = c->o->headers.v[i];
            c->hnorm[c->nhnames++] = (uint8_t)nd; /* exact */
        }
        c->hready = true;
    }
    *names = c->hnames;
    *n = c->nhnames;
    return CUT_OK;
}

/* One compared header, i in cmp_header_names' order. Equal bytes are equal
 * after any normalisation, so only differing values are normalised. */
static enum cut_err one(struct cmp *c, size_t i, const struct cmp_hval *hb,
                        const struct cmp_hval *hc)
{
    if (!hb->present && !hc->present) return CUT_OK;
    struct buf *bn = &c->htmp[0], *cn = &c->htmp[1], *path = &c->htmp[2];
    struct buf *bv = &c->htmp[3], *cv = &c->htmp[4];
    if (hb->present && hc->present && hb->n == hc->n && memcmp(hb->v, hc->v, hb->n) == 0)
        return CUT_OK;
    for (int k = 0; k < 5; k++) buf_reset(&c->htmp[k]);
    enum cut_err e = buf_printf(path, "header:%s", c->hnames[i]);
    if (e) return e;
    if (!hc->present) return cmp_note(c, CMP_HEADER, JDIFF_MISSING, path->data, NULL, NULL);
    if (!hb->present) return cmp_note(c, CMP_HEADER, JDIFF_EXTRA, path->data, NULL, NULL);
    norm_fn norm =
        c->hnorm[i] < sizeof defaults / sizeof *defaults ? defaults[c->hnorm[i]].norm : norm_exact;
    if ((e = norm(c, hb->v, hb->n, bn)) || (e = norm(c, hc->v, hc->n, cn))) return e;
    if (bn->len == cn->len && memcmp(bn->data, cn->data, bn->len) == 0) return CUT_OK;
    /* the values as NUL-terminated strings, as a JV_STR is */
    if ((e = buf_set(bv, hb->v, hb->n)) || (e = buf_set(cv, hc->v, hc->n))) return e;
    struct jv a = {JV_STR, 0, (uint32_t)bv->len, {.s = bv->data}};
    struct jv b = {JV_STR, 0, (uint32_t)cv->len, {.s = cv->data}};
    return cmp_note(c, CMP_HEADER, JDIFF_VALUE, path->data, &a, &b);
}

enum cut_err cmp_headers(struct cmp *c, const struct cmp_rec *b, const struct cmp_rec *x)
{
    enum cut_err e = CUT_OK;
    for (size_t i = 0; i < c->nhnames && !e; i++) e = one(c, i, &b->hv[i], &x->hv[i]);
    return e;
}
