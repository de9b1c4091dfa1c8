/* exchange.c: construction and destruction of struct exchange and its
 * header lists. */
#include "cutover/exchange.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/text.h"
#include "cutover/vec.h"

void headers_init(struct headers *h)
{
    h->v = NULL;
    h->n = h->cap = h->spare = 0;
}

/* Free the pairs headers_clear kept: before anything moves pairs about. */
static void drop_spares(struct headers *h)
{
    for (size_t i = h->n; i < h->spare; i++) free(h->v[i].name);
    h->spare = 0;
}

void headers_release(struct headers *h)
{
    drop_spares(h);
    for (size_t i = 0; i < h->n; i++) free(h->v[i].name);
    free(h->v);
    headers_init(h);
}

/* The pairs stay for the next headers: a sender's answer has the same
 * headers as the one before, mostly of the same lengths, and the frees and
 * mallocs were most of copying them. */
void headers_clear(struct headers *h)
{
    if (h->n > h->spare) h->spare = h->n;
    h->n = 0;
}

/* A header's name and value live in one allocation, owned through name:
 * two mallocs per header were the largest share of the per-record
 * allocation cost of every tool. */
static enum cut_err pair_new(struct header *out, const char *name, size_t nlen, const char *value,
                             size_t vlen)
{
    char *b = malloc(nlen + vlen + 2);
    if (!b) return CUT_ENOMEM;
    memcpy(b, name, nlen);
    b[nlen] = '\0';
    memcpy(b + nlen + 1, value, vlen);
    b[nlen + 1 + vlen] = '\0';
    out->name = b;
    out->value = b + nlen + 1;
    out->value_len = vlen;
    out->room = nlen + 1 + vlen;
    return CUT_OK;
}

/* Write name and value over the kept pair o, which has room for them. */
static void pair_write(struct header *o, const char *name, size_t nlen, const char *value,
                       size_t vlen)
{
    text_copy_short(o->name, name, nlen);
    o->name[nlen] = '\0';
    o->value = o->name + nlen + 1;
    text_copy_short(o->value, value, vlen);
    o->value[vlen] = '\0';
    o->value_len = vlen;
}

/* headers_add over the kept pair at h->n (h->n < h->spare): over that one
 * when they fit in it, else over a later kept pair that fits, which takes
 * its place (a replayed request comes back with its headers rewritten:
 * Host shorter, the marker added at the end; the one passed over waits for
 * the next header), else a new pair replaces it. */
static enum cut_err pair_reuse(struct headers *h, const char *name, size_t nlen, const char *value,
                               size_t vlen)
{
    struct header *o = &h->v[h->n];
    size_t need = nlen + 1 + vlen, room = o->room; /* what its allocation was made for */
    for (size_t j = h->n + 1; need > room && j < h->spare; j++) {
        size_t r = h->v[j].room;
        if (need <= r) {
            struct header t = *o;
            *o = h->v[j];
            h->v[j] = t;
            room = r;
        }
    }
    if (need <= room) {
        pair_write(o, name, nlen, value, vlen);
        return CUT_OK;
    }
    struct header nh;
    if (pair_new(&nh, name, nlen, value, vlen)) return CUT_ENOMEM;
    free(o->name);
    *o = nh;
    return CUT_OK;
}

enum cut_err headers_add(struct headers *h, const char *name, size_t nlen, const char *value,
                         size_t vlen)
{
    if (h->n < h->spare) {
        if (pair_reuse(h, name, nlen, value, vlen)) return CUT_ENOMEM;
        h->n++;
        return CUT_OK;
    }
    if (vec_reserve(&h->v, &h->cap, h->n + 1, sizeof *h->v)) return CUT_ENOMEM;
    if (pair_new(&h->v[h->n], name, nlen, value, vlen)) return CUT_ENOMEM;
    h->n++;
    return CUT_OK;
}

enum cut_err headers_set_at(struct headers *h, size_t i, const char *value, size_t vlen)
{
    /* A value no longer than the old one is written over it (replay sets
     * Host on every request, mostly to one of the same length). value may
     * be the old value itself or a part of it: memmove. */
    if (vlen <= h->v[i].value_len) {
        memmove(h->v[i].value, value, vlen);
        h->v[i].value[vlen] = '\0';
        h->v[i].value_len = vlen;
        return CUT_OK;
    }
    struct header nh;
    const struct header *old = &h->v[i];
    if (pair_new(&nh, old->name, (size_t)(old->value - old->name - 1), value, vlen))
        return CUT_ENOMEM;
    free(h->v[i].name);
    h->v[i] = nh;
    return CUT_OK;
}

/* A pair taken out of the list (removed or deleted) is kept with the
 * spares for the next header: a replay drops Content-Length from every
 * request and adds its marker, which then mostly fits in that pair. */
static void keep_from(struct headers *h, size_t n)
{
    if (h->spare < h->n) h->spare = h->n;
    h->n = n;
}

void headers_delete_at(struct headers *h, size_t i)
{
    struct header t = h->v[i];
    memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof *h->v);
    h->v[h->n - 1] = t;
    keep_from(h, h->n - 1);
}

/* Whether header hd is named name (nlen bytes), case-insensitively. The
 * name's length is where the value starts (one allocation), so most
 * headers are told apart without a call: these run over every header of
 * every request, several times. */
static bool named(const struct header *hd, const char *name, size_t nlen)
{
    return text_ieqn(hd->name, (size_t)(hd->value - hd->name - 1), name, nlen);
}

const struct header *headers_get_n(const struct headers *h, const char *name, size_t nlen)
{
    for (size_t i = 0; i < h->n; i++)
        if (named(&h->v[i], name, nlen)) return &h->v[i];
    return NULL;
}

size_t headers_remove_n(struct headers *h, const char *name, size_t nlen)
{
    /* The pairs left are moved up in order, the removed ones go behind
     * them (kept: name may be one of them, and stays readable). */
    size_t w = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (named(&h->v[i], name, nlen)) continue;
        if (w != i) {
            struct header t = h->v[w];
            h->v[w] = h->v[i];
            h->v[i] = t;
        }
        w++;
    }
    size_t removed = h->n - w;
    keep_from(h, w);
    return removed;
}

enum cut_err headers_set_n(struct headers *h, const char *name, size_t nlen, const char *value,
                           size_t vlen)
{
    for (size_t i = 0; i < h->n; i++) {
        if (named(&h->v[i], name, nlen)) return headers_set_at(h, i, value, vlen);
    }
    return headers_add(h, name, nlen, value, vlen);
}

enum cut_err headers_copy(struct headers *dst, const struct headers *src)
{
    headers_release(dst);
    for (size_t i = 0; i < src->n; i++) {
        const struct header *s = &src->v[i];
        size_t nlen = (size_t)(s->value - s->name - 1);
        enum cut_err e = headers_add(dst, s->name, nlen, s->value, s->value_len);
        if (e) return e;
    }
    return CUT_OK;
}

enum cut_err exchange_strset(char **dst, const char *p, size_t n)
{
    char *s = strndup(p, n);
    if (!s) return CUT_ENOMEM;
    free(*dst);
    *dst = s;
    return CUT_OK;
}

void exchange_init(struct exchange *x)
{
    memset(x, 0, sizeof *x);
    headers_init(&x->req.headers);
    headers_init(&x->resp.headers);
    buf_init(&x->req.body, 0);
    buf_init(&x->resp.body, 0);
    buf_init(&x->req.body_json, 0);
    buf_init(&x->req.body_as_read, 0);
    x->req.body_size = x->resp.body_size = x->resp.content_size = -1;
    x->req.headers_size = x->resp.headers_size = -1;
    x->send_ms = x->wait_ms = x->receive_ms = -1;
    x->flow = x->seq = -1;
    x->lag_ms = -1;
}

/* *s moved to *kept (freeing what *kept held) when there is one. */
static char *keep_str(char **s, char **kept)
{
    if (*s) {
        free(*kept);
        *kept = *s;
        *s = NULL;
    }
    char *k = *kept;
    *kept = NULL;
    return k;
}

/* Free x's plain strings (those with no kept memory): one list for
 * exchange_clear and exchange_release. No call for what is not there: a
 * replay's exchange has no compression, error or capture fields. */
static void free_strings(struct exchange *x)
{
    char *strs[] = {x->id,     x->req.method,       x->req.target, x->req.url, x->req.version,
                    x->client, x->resp.compression, x->server,     x->error};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        if (strs[i]) free(strs[i]);
}

void exchange_clear(struct exchange *x)
{
    struct headers h[2] = {x->req.headers, x->resp.headers};
    struct buf b[4] = {x->req.body, x->resp.body, x->req.body_json, x->req.body_as_read};
    char *kr = keep_str(&x->resp.reason, &x->resp.kept_reason);
    char *kv = keep_str(&x->resp.version, &x->resp.kept_version);
    /* exchange_init's state, and what is kept put back. */
    free_strings(x);
    exchange_init(x);
    x->resp.kept_reason = kr;
    x->resp.kept_version = kv;
    for (int i = 0; i < 2; i++) headers_clear(&h[i]);
    for (int i = 0; i < 4; i++) {
        buf_reset(&b[i]);
        b[i].max = 0; /* as exchange_init leaves it */
    }
    x->req.headers = h[0];
    x->resp.headers = h[1];
    x->req.body = b[0];
    x->resp.body = b[1];
    x->req.body_json = b[2];
    x->req.body_as_read = b[3];
}

void exchange_release(struct exchange *x)
{
    free_strings(x);
    headers_release(&x->req.headers);
    buf_free(&x->req.body);
    buf_free(&x->req.body_json);
    buf_free(&x->req.body_as_read);
    free(x->resp.reason);
    free(x->resp.version);
    free(x->resp.kept_reason);
    free(x->resp.kept_version);
    headers_release(&x->resp.headers);
    buf_free(&x->resp.body);
    exchange_init(x);
}

enum cut_err exchange_strset_kept(char **dst, char **kept, const char *p, size_t n)
{
    if (!*dst && *kept && n <= strlen(*kept)) {
        memmove(*kept, p, n);
        (*kept)[n] = '\0';
        *dst = *kept;
        *kept = NULL;
        return CUT_OK;
    }
    return exchange_strset(dst, p, n);
}
