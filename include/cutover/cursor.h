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

#endif
