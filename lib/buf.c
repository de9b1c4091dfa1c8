/* buf.c: the growable buffer.  Growth doubles, so appending n bytes one at
 * a time costs O(n); the cap is checked before any allocation. */
#include "cutover/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char buf_empty_[1];

void buf_init(struct buf *b, size_t max)
{
    b->data = buf_empty_;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_free(struct buf *b)
{
    size_t max = b->max;
    if (b->cap) free(b->data);
    buf_init(b, max);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->cap) b->data[0] = '\0';
}

enum cut_err buf_grow(struct buf *b, size_t n)
{
    if (n > SIZE_MAX - b->len - 1) return CUT_ENOMEM;
    size_t need = b->len + n + 1;
    if (b->max && b->len + n > b->max) return CUT_ELIMIT;
    if (need <= b->cap) return CUT_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need) ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    char *p = b->cap ? realloc(b->data, ncap) : malloc(ncap);
    if (!p) return CUT_ENOMEM;
    if (!b->cap) p[0] = '\0';
    b->data = p;
    b->cap = ncap;
    return CUT_OK;
}

enum cut_err buf_append_slow_(struct buf *b, const void *p, size_t n)
{
    enum cut_err e = buf_grow(b, n);
    if (e) return e;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CUT_OK;
}

enum cut_err buf_putc_slow_(struct buf *b, char c)
{
    return buf_append_slow_(b, &c, 1);
}

enum cut_err buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(b->data + b->len, b->cap ? b->cap - b->len : 0, fmt, cp);
    va_end(cp);
    if (n < 0) return CUT_EINVAL;
    if (b->cap && (size_t)n < b->cap - b->len) {
        if (b->max && b->len + (size_t)n > b->max) {
            b->data[b->len] = '\0';
            return CUT_ELIMIT;
        }
        b->len += (size_t)n;
        return CUT_OK;
    }
    enum cut_err e = buf_grow(b, (size_t)n);
    if (e) return e;
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    b->len += (size_t)n;
    return CUT_OK;
}

enum cut_err buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum cut_err e = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return e;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void buf_truncate(struct buf *b, size_t n)
{
    if (n >= b->len) return;
    b->len = n;
    b->data[n] = '\0';
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *p;
    if (len) *len = b->len;
    if (b->cap) {
        p = b->data;
    } else {
        p = malloc(1);
        if (p) p[0] = '\0';
    }
    buf_init(b, b->max);
    return p;
}

enum cut_err buf_set(struct buf *b, const void *p, size_t n)
{
    buf_reset(b);
    return buf_append(b, p, n);
}
