/* headers.c: the response headers compare looks at.  Only a compared set
 * is diffed (Content-Type by media type, Location by path template,
 * Cache-Control by directives, plus every --header NAME exactly); volatile
 * and hop-by-hop headers (Date, Server, X-Request-Id, Content-Length,
 * Transfer-Encoding, Connection, Keep-Alive) are never in it. */
#include <ctype.h>
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

/* Every value of header name in a HAR headers array, joined by ", ". */
static bool header_value(const struct jv *h, const char *name, struct buf *out)
{
    bool found = false;
    for (uint32_t i = 0; h && h->type == JV_ARR && i < h->n; i++) {
        const char *n = jv_str(&h->u.items[i], "name", NULL);
        size_t vl = 0;
        const char *v = jv_str(&h->u.items[i], "value", &vl);
        if (!n || !v || strcasecmp(n, name) != 0) continue;
        if (found) buf_append(out, ", ", 2);
        buf_append(out, v, vl);
        found = true;
    }
    return found;
}

static enum cut_err one(struct cmp *c, const char *name, norm_fn norm, const struct jv *bh,
                        const struct jv *ch, struct buf *tmp)
{
    struct buf *bv = &tmp[0], *cv = &tmp[1], *bn = &tmp[2], *cn = &tmp[3], *path = &tmp[4];
    for (int i = 0; i < 5; i++) buf_reset(&tmp[i]);
    bool hb = header_value(bh, name, bv), hc = header_value(ch, name, cv);
    if (!hb && !hc) return CUT_OK;
    enum cut_err e = buf_printf(path, "header:%s", name);
    if (e) return e;
    if (!hc) return cmp_note(c, CMP_HEADER, JDIFF_MISSING, path->data, NULL, NULL);
    if (!hb) return cmp_note(c, CMP_HEADER, JDIFF_EXTRA, path->data, NULL, NULL);
    if ((e = norm(c, bv->data, bv->len, bn)) || (e = norm(c, cv->data, cv->len, cn))) return e;
    if (bn->len == cn->len && memcmp(bn->data, cn->data, bn->len) == 0) return CUT_OK;
    struct jv a = {JV_STR, 0, (uint32_t)bv->len, {.s = bv->data}};
    struct jv b = {JV_STR, 0, (uint32_t)cv->len, {.s = cv->data}};
    return cmp_note(c, CMP_HEADER, JDIFF_VALUE, path->data, &a, &b);
}

enum cut_err cmp_headers(struct cmp *c, const struct jv *bh, const struct jv *ch)
{
    struct buf tmp[5] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
    enum cut_err e = CUT_OK;
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults && !e; i++)
        e = one(c, defaults[i].name, defaults[i].norm, bh, ch, tmp);
    for (size_t i = 0; i < c->o->headers.n && !e; i++) {
        bool dflt = false;
        for (size_t k = 0; k < sizeof defaults / sizeof *defaults; k++)
            dflt = dflt || strcasecmp(defaults[k].name, c->o->headers.v[i]) == 0;
        if (!dflt) e = one(c, c->o->headers.v[i], norm_exact, bh, ch, tmp);
    }
    for (int i = 0; i < 5; i++) buf_free(&tmp[i]);
    return e;
}
