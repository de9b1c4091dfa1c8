/* jsonw.c: JSON value writer.  Strings are the hot part: runs of bytes
 * that need no escaping are found and copied a block at a time
 * (text_json_plain_copy), and room is made once per string. */
#include "cutover/jsonw.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cutover/text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Length of a well-formed UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t need;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, cp = c & 0x07;
    else
        return 0;
    if (n - 1 < need) return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need + 1;
}

/* Strings are escaped in chunks, each with room for its worst case (every
 * byte a 6-byte \u00XX) made once, so that plain runs and escapes are
 * stored directly; a chunk bounds the over-allocation. A capped buffer
 * goes the careful way, which never asks for more than the string takes. */
#define JSONW_CHUNK 4096

/* Bytes >= 0x80 stop the escaping only until the rest of the string is
 * found to be valid UTF-8 (one check, at the first of them); when it is
 * not, the careful way takes over. Returns the bytes of p done. */
static size_t str_fast(struct buf *b, const char *p, size_t n, enum cut_err *e)
{
    bool high_ok = false;
    size_t i = 0;
    while (i < n) {
        size_t k = n - i < JSONW_CHUNK ? n - i : JSONW_CHUNK, used;
        size_t need = 6 * k + 16 + 1; /* the worst case, the spare bytes, the quote */
        if (b->cap - b->len <= need && (*e = buf_grow(b, need))) return i;
        b->len += text_json_escape(b->data + b->len, p + i, k, !high_ok, &used);
        i += used;
        if (used < k) {
            if (!text_utf8_valid(p + i, n - i)) return i;
            high_ok = true;
        }
    }
    return n;
}

/* The careful way, for a capped buffer (room is made for no more than the
 * string can take, so it fails only when the string cannot fit) and for
 * bytes that are not UTF-8 (each sequence is checked, and a byte outside
 * one is escaped). Plain runs are copied a block at a time. */
static enum cut_err str_careful(struct buf *b, const char *p, size_t n)
{
    enum cut_err e;
    if ((e = buf_grow(b, n + 1))) return e;
    char *o = b->data + b->len;
    for (size_t i = 0;;) {
        size_t k = text_json_plain_copy(o, p + i, n - i, true);
        o += k;
        i += k;
        if (i >= n) break;
        const unsigned char *u = (const unsigned char *)p + i;
        size_t sl = *u >= 0x80 ? utf8_seq(u, n - i) : 0;
        if (sl) {
            memcpy(o, u, sl);
            o += sl;
            i += sl;
            continue;
        }
        char esc[6];
        size_t len = text_json_escape_byte(esc, *u), at = (size_t)(o - b->data);
        size_t least = len + (n - i - 1) + 1; /* this escape, the rest, the quote */
        if (b->cap - at < least + 1 || (b->max && at + least > b->max)) {
            b->len = at;
            if ((e = buf_grow(b, least))) {
                b->data[b->len] = '\0';
                return e;
            }
            o = b->data + at;
        }
        memcpy(o, esc, len);
        o += len;
        i++;
    }
    b->len = (size_t)(o - b->data);
    return CUT_OK;
}

/* Short strings (header names and values, ids, methods) are the most
 * numerous and almost never need an escape: they are checked 8 bytes at a
 * time in a word (no bytes read past p + n) and stored as they are checked,
 * with no call. Bit 7 of each byte of the result is set for a byte that is
 * '"', '\\', < 0x20 or >= 0x80 (and a borrow may flag a byte above one of
 * those: a false alarm only sends the string the longer way). */
#define ONES8 0x0101010101010101ULL
static inline uint64_t word_stops(uint64_t x)
{
    uint64_t q = x ^ (ONES8 * '"'), s = x ^ (ONES8 * '\\');
    return ((x - ONES8 * 0x20) | x | ((q - ONES8) & ~q) | ((s - ONES8) & ~s)) & (ONES8 * 0x80);
}

/* Strings up to this length take the word path first. */
#define JSONW_SHORT 128

/* Copies the plain prefix of p[0..n) (n <= JSONW_SHORT) to o a word at a
 * time; returns its length, n when the whole string is plain. o has room
 * for n bytes. */
__attribute__((always_inline)) static inline size_t short_plain(char *o, const char *p, size_t n)
{
    uint64_t x;
    uint32_t lo, hi;
#if defined(__SSE2__)
    if (n >= 16) { /* 16 at a time: a signed compare finds < 0x20 and >= 0x80 at once */
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                      space = _mm_set1_epi8(0x20);
        size_t i = 0;
        for (;; i += 16) {
            size_t at = n - i < 16 ? n - 16 : i; /* the last block overlaps */
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + at));
            __m128i stop =
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                             _mm_cmplt_epi8(v, space));
            if (_mm_movemask_epi8(stop)) return i;
            _mm_storeu_si128((__m128i *)(void *)(o + at), v);
            if (at + 16 == n) return n;
        }
    }
#endif
    if (n >= 8) {
        size_t i = 0;
        for (; n - i >= 8; i += 8) {
            memcpy(&x, p + i, 8);
            if (word_stops(x)) return i;
            memcpy(o + i, &x, 8);
        }
        if (i == n) return n;
        memcpy(&x, p + n - 8, 8); /* the last 8, overlapping bytes already done */
        if (word_stops(x)) return i;
        memcpy(o + n - 8, &x, 8);
        return n;
    }
    if (n >= 4) { /* two 4-byte halves, overlapping when n < 8 */
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        if (word_stops(lo | (uint64_t)hi << 32)) return 0;
        memcpy(o, &lo, 4);
        memcpy(o + n - 4, &hi, 4);
        return n;
    }
    if (n == 0) return 0;
    /* 1 to 3 bytes: the first, middle and last, padded with spaces. */
    unsigned char a = (unsigned char)p[0], m = (unsigned char)p[n >> 1],
                  z = (unsigned char)p[n - 1];
    if (word_stops(a | (uint64_t)m << 8 | (uint64_t)z << 16 | 0x2020202020ULL << 24)) return 0;
    o[0] = (char)a;
    o[n >> 1] = (char)m;
    o[n - 1] = (char)z;
    return n;
}

/* jsonw_str, or with utf8_only jsonw_utf8, from where the short path left
 * off: the opening quote and p[0..done) are in b, which held mark bytes
 * before. Bytes that are not UTF-8 undo the string for jsonw_utf8 (found
 * once, where the fast path meets its first byte >= 0x80) instead of going
 * the careful way. Kept out of line: the short path's callers stay lean. */
__attribute__((noinline)) static enum cut_err str_rest(struct buf *b, const char *p, size_t n,
                                                       size_t done, size_t mark, bool utf8_only)
{
    enum cut_err e = CUT_OK;
    if (utf8_only && b->max && !text_utf8_valid(p, n)) {
        b->len = mark;
        e = CUT_EPARSE;
    }
    if (!e && !b->max) done += str_fast(b, p + done, n - done, &e);
    if (!e && done < n && utf8_only && !b->max) {
        b->len = mark;
        e = CUT_EPARSE;
    }
    if (!e && done < n) e = str_careful(b, p + done, n - done);
    if (e) {
        b->data[b->len] = '\0';
        return e;
    }
    return buf_putc(b, '"');
}

/* Inline in each caller: most strings are short and plain, and the call's
 * own cost was a fair part of theirs. */
__attribute__((always_inline)) static inline enum cut_err str_any(struct buf *b, const char *p,
                                                                  size_t n, bool utf8_only)
{
    size_t mark = b->len;
    if (n <= JSONW_SHORT && !b->max && b->cap - b->len > n + 2) {
        char *o = b->data + b->len;
        size_t done = short_plain(o + 1, p, n);
        *o = '"';
        if (done == n) {
            o[n + 1] = '"';
            b->len += n + 2;
            b->data[b->len] = '\0';
            return CUT_OK;
        }
        b->len += 1 + done; /* the plain prefix stays; the rest goes on */
        return str_rest(b, p, n, done, mark, utf8_only);
    }
    enum cut_err e = buf_putc(b, '"');
    if (e) return e;
    return str_rest(b, p, n, 0, mark, utf8_only);
}

enum cut_err jsonw_str(struct buf *b, const void *p, size_t n)
{
    return str_any(b, p, n, false);
}

enum cut_err jsonw_utf8(struct buf *b, const void *p, size_t n)
{
    return str_any(b, p, n, true);
}

enum cut_err jsonw_name_value(struct buf *b, const char *name, size_t nlen, const char *value,
                              size_t vlen)
{
    /* Headers are most of a record's strings: when both are short and
     * plain, one room check and two word copies, nothing else. */
    size_t need = nlen + vlen + 22; /* {"name":"",…"value":""} */
    if (nlen <= JSONW_SHORT && vlen <= JSONW_SHORT && !b->max &&
        (b->cap - b->len > need || buf_grow(b, need) == CUT_OK)) {
        char *o = b->data + b->len;
        memcpy(o, "{\"name\":\"", 9);
        if (short_plain(o + 9, name, nlen) == nlen) {
            o += 9 + nlen;
            memcpy(o, "\",\"value\":\"", 11);
            if (short_plain(o + 11, value, vlen) == vlen) {
                o += 11 + vlen;
                o[0] = '"';
                o[1] = '}';
                b->len = (size_t)(o + 2 - b->data);
                b->data[b->len] = '\0';
                return CUT_OK;
            }
        }
        b->data[b->len] = '\0'; /* nothing written: the long way below */
    }
    enum cut_err e = buf_append(b, "{\"name\":", 8);
    if (!e) e = jsonw_str(b, name, nlen);
    if (!e) e = buf_append(b, ",\"value\":", 9);
    if (!e) e = jsonw_str(b, value, vlen);
    return e ? e : buf_putc(b, '}');
}

enum cut_err jsonw_cstr(struct buf *b, const char *s)
{
    if (!s) return buf_append(b, "null", 4);
    return str_any(b, s, strlen(s), false);
}

enum cut_err jsonw_key(struct buf *b, const char *key)
{
    enum cut_err e = jsonw_cstr(b, key);
    return e ? e : buf_putc(b, ':');
}

/* Decimal digits of v, right-aligned before end; returns where they start.
 * Numbers are written for every field of every record: snprintf's format
 * parsing cost more than the rest of a record's numbers together. */
static char *put_digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* Append the n <= 32 bytes at p, a number's text in a local array that
 * can be read 32 bytes from p: one fixed-size copy (no call) when there is
 * room; the bytes copied past n are left beyond len. */
__attribute__((always_inline)) static inline enum cut_err put_short(struct buf *b, const char *p,
                                                                    size_t n)
{
    if (b->cap - b->len <= 32 || b->max) return buf_append(b, p, n);
    memcpy(b->data + b->len, p, 32);
    b->len += n;
    b->data[b->len] = '\0';
    return CUT_OK;
}

/* Numbers are written right-aligned at NUM_END of a NUM_TMP array, which
 * leaves 32 readable bytes after their start (put_short). */
#define NUM_END 32
#define NUM_TMP 64

enum cut_err jsonw_u64(struct buf *b, uint64_t v)
{
    char tmp[NUM_TMP];
    char *p = put_digits(tmp + NUM_END, v);
    return put_short(b, p, (size_t)(tmp + NUM_END - p));
}

enum cut_err jsonw_i64(struct buf *b, int64_t v)
{
    char tmp[NUM_TMP];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = put_digits(tmp + NUM_END, u);
    if (v < 0) *--p = '-';
    return put_short(b, p, (size_t)(tmp + NUM_END - p));
}

enum cut_err jsonw_ms(struct buf *b, double v)
{
    /* Past 9e15 ms (285,000 years) llround would overflow: treat as unknown. */
    if (!isfinite(v) || fabs(v) > 9e15) return buf_append(b, "-1", 2);
    /* Integer thousandths, trailing zeros trimmed: cheap and exact enough.
     * Rounded half away from zero as llround does, without its call: x - t
     * is exact (the fraction of x; 0 once x is too large to have one). */
    double x = v * 1000.0;
    int64_t t = (int64_t)x;
    double r = x - (double)t;
    t += r >= 0.5 ? 1 : r <= -0.5 ? -1 : 0;
    char tmp[NUM_TMP], *end = tmp + NUM_END, *p = end;
    int neg = t < 0;
    if (neg) t = -t;
    int frac = (int)(t % 1000);
    if (frac) {
        int width = 3;
        while (frac % 10 == 0) frac /= 10, width--; /* trailing zeros trimmed */
        for (int k = 0; k < width; k++, frac /= 10) *--p = (char)('0' + frac % 10);
        *--p = '.';
    }
    p = put_digits(p, (uint64_t)(t / 1000));
    if (neg) *--p = '-';
    return put_short(b, p, (size_t)(end - p));
}

enum cut_err jsonw_double(struct buf *b, double v)
{
    if (!isfinite(v)) return buf_append(b, "null", 4);
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.15g", v);
    if (strtod(tmp, NULL) != v) n = snprintf(tmp, sizeof tmp, "%.17g", v);
    return buf_append(b, tmp, (size_t)n);
}

enum cut_err jsonw_time(struct buf *b, int64_t us)
{
    /* Microseconds: packet timestamps have them, and replay's pacing of
     * requests less than a millisecond apart needs them. ISO 8601 allows
     * any number of fraction digits. Every record has a timestamp and most
     * fall in the same second as the one before: the date part is kept per
     * thread and gmtime_r runs once a second. */
    static _Thread_local int64_t cached_sec = -1;
    static _Thread_local char date[64];
    static _Thread_local size_t date_len;
    if (us < 0) us = 0;
    int64_t sec = us / 1000000;
    if (sec != cached_sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        date_len = strlen(date);
        cached_sec = sec;
    }
    char tmp[80] = "\"";
    size_t n = 1 + date_len;
    memcpy(tmp + 1, date, n - 1);
    tmp[n++] = '.';
    for (int i = 5, frac = (int)(us % 1000000); i >= 0; i--, frac /= 10)
        tmp[n + (size_t)i] = (char)('0' + frac % 10);
    n += 6;
    tmp[n++] = 'Z';
    tmp[n++] = '"';
    return buf_append(b, tmp, n);
}
