/* exchange.c: construction and destruction of struct exchange and its
 * header lists. */
#include "cutover/exchange.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void headers_init(struct headers *h)
{
    h->v = NULL;
    h->n = h->cap = 0;
}

void headers_release(struct headers *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].name);
        free(h->v[i].value);
    }
    free(h->v);
    headers_init(h);
}

enum cut_err headers_add(struct headers *h, const char *name, size_t nlen, const char *value,
                         size_t vlen)
{
    if (h->n == h->cap) {
        size_t ncap = h->cap ? h->cap * 2 : 16;
        struct header *v = realloc(h->v, ncap * sizeof *v);
        if (!v) return CUT_ENOMEM;
        h->v = v;
        h->cap = ncap;
    }
    char *n = strndup(name, nlen), *val = strndup(value, vlen);
    if (!n || !val) {
        free(n);
        free(val);
        return CUT_ENOMEM;
    }
    h->v[h->n].name = n;
    h->v[h->n].value = val;
    h->n++;
    return CUT_OK;
}

const struct header *headers_get(const struct headers *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->v[i].name, name) == 0) return &h->v[i];
    return NULL;
}

size_t headers_remove(struct headers *h, const char *name)
{
    size_t w = 0, removed = 0;
    char *alias = NULL; /* name may be one of the names removed: free it last */
    for (size_t i = 0; i < h->n; i++) {
        if (strcasecmp(h->v[i].name, name) == 0) {
            if (h->v[i].name == name)
                alias = h->v[i].name;
            else
                free(h->v[i].name);
            free(h->v[i].value);
            removed++;
        } else {
            h->v[w++] = h->v[i];
        }
    }
    h->n = w;
    free(alias);
    return removed;
}

enum cut_err headers_set(struct headers *h, const char *name, const char *value)
{
    for (size_t i = 0; i < h->n; i++) {
        if (strcasecmp(h->v[i].name, name) == 0)
            return exchange_strset(&h->v[i].value, value, strlen(value));
    }
    return headers_add(h, name, strlen(name), value, strlen(value));
}

enum cut_err headers_copy(struct headers *dst, const struct headers *src)
{
    headers_release(dst);
    for (size_t i = 0; i < src->n; i++) {
        const struct header *s = &src->v[i];
        enum cut_err e = headers_add(dst, s->name, strlen(s->name), s->value, strlen(s->value));
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
    x->req.body_size = x->resp.body_size = x->resp.content_size = -1;
    x->req.headers_size = x->resp.headers_size = -1;
    x->send_ms = x->wait_ms = x->receive_ms = -1;
    x->flow = x->seq = -1;
    x->lag_ms = -1;
}

void exchange_release(struct exchange *x)
{
    free(x->id);
    free(x->req.method);
    free(x->req.target);
    free(x->req.url);
    free(x->req.version);
    headers_release(&x->req.headers);
    buf_free(&x->req.body);
    free(x->resp.reason);
    free(x->resp.version);
    free(x->resp.compression);
    headers_release(&x->resp.headers);
    buf_free(&x->resp.body);
    free(x->client);
    free(x->server);
    free(x->error);
    exchange_init(x);
}
