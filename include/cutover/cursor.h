/* cursor.h: the one way to read untrusted bytes (after tcpdump's GET_
 * macros).  A cursor is a slice; every read checks the remaining length
 * first and returns false, leaving the cursor unchanged, when it is short.
 * Wire layouts are read field by field through it, never by casting a
 * struct onto a packet. */
#ifndef CUTOVER_CURSOR_H
#define CUTOVER_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
    const uint8_t *p;
    size_t len;
};

static inline struct cursor cur_make(const void *p, size_t len)
{
    struct cursor c = {(const uint8_t *)p, len};
    return c;
}

static inline bool cur_has(const struct cursor *c, size_t n)
{
    return c->len >= n;
}

static inline bool cur_skip(struct cursor *c, size_t n)
{
    if (c->len < n) return false;
    c->p += n;
    c->len -= n;
    return true;
}

static inline bool cur_u8(struct cursor *c, uint8_t *out)
{
    if (c->len < 1) return false;
    *out = c->p[0];
    c->p++;
    c->len--;
    return true;
}

static inline bool cur_be16(struct cursor *c, uint16_t *out)
{
    if (c->len < 2) return false;
    *out = (uint16_t)((c->p[0] << 8) | c->p[1]);
    c->p += 2;
    c->len -= 2;
    return true;
}

static inline bool cur_le16(struct cursor *c, uint16_t *out)
{
    if (c->len < 2) return false;
    *out = (uint16_t)((c->p[1] << 8) | c->p[0]);
    c->p += 2;
    c->len -= 2;
    return true;
}

static inline bool cur_be32(struct cursor *c, uint32_t *out)
{
    if (c->len < 4) return false;
    *out = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) | ((uint32_t)c->p[2] << 8) |
           (uint32_t)c->p[3];
    c->p += 4;
    c->len -= 4;
    return true;
}

static inline bool cur_le32(struct cursor *c, uint32_t *out)
{
    if (c->len < 4) return false;
    *out = ((uint32_t)c->p[3] << 24) | ((uint32_t)c->p[2] << 16) | ((uint32_t)c->p[1] << 8) |
           (uint32_t)c->p[0];
    c->p += 4;
    c->len -= 4;
    return true;
}

/* Copy n bytes out. */
static inline bool cur_bytes(struct cursor *c, void *out, size_t n)
{
    if (c->len < n) return false;
    memcpy(out, c->p, n);
    c->p += n;
    c->len -= n;
    return true;
}

/* Split off the next n bytes as a sub-cursor. */
static inline bool cur_sub(struct cursor *c, size_t n, struct cursor *out)
{
    if (c->len < n) return false;
    out->p = c->p;
    out->len = n;
    c->p += n;
    c->len -= n;
    return true;
}

/* Peek at byte i without consuming. */
static inline bool cur_peek(const struct cursor *c, size_t i, uint8_t *out)
{
    if (c->len <= i) return false;
    *out = c->p[i];
    return true;
}

/* Shrink the cursor to its first n bytes (n larger than len is a no-op:
 * a length field may claim more than was captured). Returns whether the
 * whole of n was present. */
static inline bool cur_limit(struct cursor *c, size_t n)
{
    if (n > c->len) return false;
    c->len = n;
    return true;
}

/* Offset of byte ch from the cursor's start, or -1. */
static inline long cur_find(const struct cursor *c, uint8_t ch)
{
    const void *q = c->len ? memchr(c->p, ch, c->len) : NULL;
    return q ? (long)((const uint8_t *)q - c->p) : -1;
}

/* Text protocols (HTTP/1) split lines and tokens rather than fixed fields;
 * these keep that splitting inside the cursor too. */

/* Whether the cursor begins with the n bytes of s; false when it holds
 * fewer than n. Consumes nothing. */
static inline bool cur_starts_with(const struct cursor *c, const void *s, size_t n)
{
    return c->len >= n && (n == 0 || memcmp(c->p, s, n) == 0);
}

/* Split off the bytes before the first ch as out, and consume them and the
 * ch. When no ch is there, returns false and changes nothing (the caller
 * needs more bytes, or the delimiter is missing). */
static inline bool cur_take_until(struct cursor *c, uint8_t ch, struct cursor *out)
{
    long at = cur_find(c, ch);
    if (at < 0) return false;
    out->p = c->p;
    out->len = (size_t)at;
    c->p += (size_t)at + 1;
    c->len -= (size_t)at + 1;
    return true;
}

/* How many leading bytes satisfy pred (all of len at most). Consumes
 * nothing: pair it with cur_sub or cur_skip. */
static inline size_t cur_span(const struct cursor *c, bool (*pred)(uint8_t))
{
    size_t i = 0;
    while (i < c->len && pred(c->p[i])) i++;
    return i;
}

/* Drop the trailing bytes that satisfy pred (trailing whitespace of a
 * field value). Can't fail. */
static inline void cur_trim_end(struct cursor *c, bool (*pred)(uint8_t))
{
    while (c->len && pred(c->p[c->len - 1])) c->len--;
}

/* Drop the last byte when it is ch (the CR of a CRLF once the LF was
 * split off). Returns whether it did. */
static inline bool cur_chop(struct cursor *c, uint8_t ch)
{
    if (!c->len || c->p[c->len - 1] != ch) return false;
    c->len--;
    return true;
}

/* How many bytes of whole lie before c, when c is what is left of whole
 * after reads from its front only (cur_skip, cur_u8, cur_sub,
 * cur_take_until; not cur_limit or cur_trim_end): the offset a parser
 * reports back to its caller. */
static inline size_t cur_offset(const struct cursor *whole, const struct cursor *c)
{
    return whole->len - c->len;
}

#endif
