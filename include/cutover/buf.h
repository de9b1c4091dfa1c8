/* buf.h: the one growable byte buffer (after git's strbuf and curl's dynbuf).
 * data is never NULL after buf_init and always NUL-terminated, so a buffer
 * of text can be handed to C string functions.  A buffer may carry a cap:
 * growth past it fails with CUT_ELIMIT instead of eating memory. */
#ifndef CUTOVER_BUF_H
#define CUTOVER_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include "cutover/err.h"

struct buf {
    char *data;
    size_t len;
    size_t cap; /* allocated bytes, 0 while data points at the shared empty string */
    size_t max; /* 0: no cap */
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        buf_empty_, 0, 0, 0                                                                        \
    }
extern char buf_empty_[1];

/* Initialise b with cap max (0 for none). Allocates nothing; can't fail. */
void buf_init(struct buf *b, size_t max);
/* Free b's memory and leave it initialised and empty. */
void buf_free(struct buf *b);
/* Empty b, keeping its memory for reuse. Can't fail. */
void buf_reset(struct buf *b);
/* Make room for n more bytes beyond len. */
enum cut_err buf_grow(struct buf *b, size_t n);
/* The slow paths of the appends below (growth, a cap); not called directly. */
enum cut_err buf_append_slow_(struct buf *b, const void *p, size_t n);
enum cut_err buf_putc_slow_(struct buf *b, char c);

/* Appends are inline: writers make many small ones per record, and most
 * fit the room already there. */
static inline enum cut_err buf_append(struct buf *b, const void *p, size_t n)
{
    if (b->cap - b->len <= n || b->max) return buf_append_slow_(b, p, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CUT_OK;
}

static inline enum cut_err buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

static inline enum cut_err buf_putc(struct buf *b, char c)
{
    if (b->cap - b->len <= 1 || b->max) return buf_putc_slow_(b, c);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return CUT_OK;
}

/* buf_append and buf_putc without the NUL after what they add, for a
 * writer that makes a run of small appends (a record's punctuation, a
 * request head) and ends the string once, with buf_nul, when the run is
 * over. Until then data is not a C string. Always inline: they are the
 * writers' hot path, and a call for each costs as much as the copy. */
__attribute__((always_inline)) static inline enum cut_err buf_append_nonul(struct buf *b,
                                                                           const void *p, size_t n)
{
    if (b->cap - b->len <= n || b->max) return buf_append_slow_(b, p, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return CUT_OK;
}

__attribute__((always_inline)) static inline enum cut_err buf_putc_nonul(struct buf *b, char c)
{
    if (b->cap - b->len <= 1 || b->max) return buf_putc_slow_(b, c);
    b->data[b->len++] = c;
    return CUT_OK;
}

/* End a run of the appends above: data is a C string again. */
static inline void buf_nul(struct buf *b)
{
    if (b->cap) b->data[b->len] = '\0';
}

enum cut_err buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum cut_err buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Drop the first n bytes (n <= len). Can't fail. */
void buf_consume(struct buf *b, size_t n);
/* Shorten to n bytes (n <= len). Can't fail. */
void buf_truncate(struct buf *b, size_t n);
/* Hand b's memory to the caller, who frees it with free(); b is left empty.
 * Returns a malloc'd string even for an empty buffer, or NULL on ENOMEM. */
char *buf_detach(struct buf *b, size_t *len);
/* Make b's content equal to n bytes at p. */
enum cut_err buf_set(struct buf *b, const void *p, size_t n);

#endif
