/* example.c: snapshots of a few exchanges per difference for the reports:
 * the request (method, target, headers, body) and both responses, bodies
 * capped so that a report stays small however large the traffic. */
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cutover/vec.h"

static enum cut_err put_headers(struct buf *out, const struct jv *h)
{
    enum cut_err e = CUT_OK;
    for (uint32_t i = 0; h && h->type == JV_ARR && i < h->n && !e; i++) {
        size_t nl = 0, vl = 0;
        const char *n = jv_str(&h->u.items[i], "name", &nl);
        const char *v = jv_str(&h->u.items[i], "value", &vl);
        if (!n || !v) continue;
        e = buf_append(out, n, nl);
        if (!e) e = buf_append(out, ": ", 2);
        if (!e) e = buf_append(out, v, vl);
        if (!e) e = buf_putc(out, '\n');
    }
    return e;
}

static enum cut_err put_body(struct buf *out, const char *p, size_t n, size_t cap, bool *capped)
{
    *capped = cap && n > cap;
    if (*capped) {
        n = cap;
        /* do not cut a UTF-8 sequence in two */
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80) n--;
    }
    return buf_append(out, p, n);
}

/* The pieces of a record that only examples show, from a whole-tree parse
 * of its line (examples are few; the hot path never builds a tree). */
struct shown {
    const struct jv *req_headers, *resp_headers;
    const char *req_body;
    size_t req_body_len;
};

static enum cut_err shown_of(struct jarena *a, const struct cmp_rec *r, struct shown *out)
{
    struct jv *root = jarena_alloc(a, sizeof *root);
    memset(out, 0, sizeof *out);
    out->req_body = "";
    if (!root) return CUT_ENOMEM;
    enum cut_err e = jv_parse(a, r->line, r->len, root, NULL);
    if (e) return e;
    const struct jv *rq = jv_get(root, "request"), *rs = jv_get(root, "response");
    out->req_headers = jv_get(rq, "headers");
    out->resp_headers = jv_get(rs, "headers");
    const char *t = jv_str(jv_get(rq, "postData"), "text", &out->req_body_len);
    if (t) out->req_body = t;
    return CUT_OK;
}

static char *dupn(const char *p, size_t n)
{
    return strndup(p ? p : "", p ? n : 0);
}

enum cut_err cmp_example_unref(struct cmp *c, uint32_t i)
{
    struct cmp_example *x = &c->examples[i];
    if (x->refs && --x->refs) return CUT_OK;
    if (vec_reserve(&c->free_ex, &c->capfree_ex, c->nfree_ex + 1, sizeof *c->free_ex))
        return CUT_ENOMEM;
    cmp_example_release(x);
    c->free_ex[c->nfree_ex++] = i;
    return CUT_OK;
}

/* A slot for a new example: a freed one, else one more at the end. */
static struct cmp_example *slot(struct cmp *c, uint32_t *idx)
{
    if (c->nfree_ex) {
        *idx = c->free_ex[--c->nfree_ex];
        return &c->examples[*idx];
    }
    if (vec_reserve(&c->examples, &c->capexamples, c->nexamples + 1, sizeof *c->examples))
        return NULL;
    *idx = (uint32_t)c->nexamples++;
    return &c->examples[*idx];
}

enum cut_err cmp_example_make(struct cmp *c, uint32_t *idx)
{
    struct cmp_rec b_body = *c->cur_b, x_body = *c->cur_c;
    const struct cmp_rec *b = &b_body, *x = &x_body;
    struct shown sb, sx;
    enum cut_err e = cmp_rec_body(c->arena, &b_body);
    if (!e) e = cmp_rec_body(c->arena, &x_body);
    if (!e) e = shown_of(c->arena, b, &sb);
    if (!e) e = shown_of(c->arena, x, &sx);
    if (e) return e;
    struct cmp_example *ex = slot(c, idx);
    if (!ex) return CUT_ENOMEM;
    memset(ex, 0, sizeof *ex);
    buf_init(&ex->req_headers, 0);
    buf_init(&ex->req_body, 0);
    buf_init(&ex->b_headers, 0);
    buf_init(&ex->c_headers, 0);
    buf_init(&ex->b_body, 0);
    buf_init(&ex->c_body, 0);
    ex->endpoint = c->cur_ep;
    ex->id = dupn(b->id, b->idlen);
    ex->method = dupn(b->method, b->mlen);
    ex->target = dupn(b->target, b->tlen);
    if (!ex->id || !ex->method || !ex->target) return CUT_ENOMEM;
    ex->b_status = b->status;
    ex->c_status = x->status;
    size_t cap = c->o->max_example_body;
    e = put_headers(&ex->req_headers, sb.req_headers);
    if (!e) e = put_body(&ex->req_body, sb.req_body, sb.req_body_len, cap, &ex->req_body_capped);
    if (!e) e = put_headers(&ex->b_headers, sb.resp_headers);
    if (!e) e = put_headers(&ex->c_headers, sx.resp_headers);
    if (!e) e = put_body(&ex->b_body, b->body, b->body_len, cap, &ex->b_capped);
    if (!e) e = put_body(&ex->c_body, x->body, x->body_len, cap, &ex->c_capped);
    return e;
}

void cmp_example_release(struct cmp_example *x)
{
    free(x->id);
    free(x->method);
    free(x->target);
    buf_free(&x->req_headers);
    buf_free(&x->req_body);
    buf_free(&x->b_headers);
    buf_free(&x->c_headers);
    buf_free(&x->b_body);
    buf_free(&x->c_body);
    cmp_strings_release(&x->paths);
    memset(x, 0, sizeof *x); /* released twice is harmless (cmp_release) */
}
