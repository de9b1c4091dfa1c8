/* text.h: byte-level text helpers shared by every tool: UTF-8 validation,
 * base64, percent-decoding, case-insensitive comparison of slices, and the
 * block scanner and decoder of JSON string bodies. */
#ifndef CUTOVER_TEXT_H
#define CUTOVER_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "cutover/buf.h"

/* Copy n bytes from s to d (no overlap). The strings of a record are
 * mostly under 32 bytes: copied by two loads and two stores that may
 * overlap rather than by a call. */
static inline void text_copy_short(char *d, const char *s, size_t n)
{
    if (n >= 16 && n <= 32) {
        uint64_t a[2], b[2];
        memcpy(a, s, 16), memcpy(b, s + n - 16, 16);
        memcpy(d, a, 16), memcpy(d + n - 16, b, 16);
    } else if (n >= 8 && n < 16) {
        uint64_t a, b;
        memcpy(&a, s, 8), memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8), memcpy(d + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, s, 4), memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4), memcpy(d + n - 4, &b, 4);
    } else if (n > 32) {
        memcpy(d, s, n);
    } else {
        for (size_t i = 0; i < n; i++) d[i] = s[i];
    }
}

/* Whether a[0..n) == b[0..n). Keys and names are mostly short: two loads
 * a side that may overlap (8 bytes from each end, or 4) rather than a call
 * of memcmp. */
static inline bool text_eq_short(const char *a, const char *b, size_t n)
{
    if (n > 16) return memcmp(a, b, n) == 0;
    if (n >= 8) {
        uint64_t a0, a1, b0, b1;
        memcpy(&a0, a, 8), memcpy(&a1, a + n - 8, 8);
        memcpy(&b0, b, 8), memcpy(&b1, b + n - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (n >= 4) {
        uint32_t a0, a1, b0, b1;
        memcpy(&a0, a, 4), memcpy(&a1, a + n - 4, 4);
        memcpy(&b0, b, 4), memcpy(&b1, b + n - 4, 4);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

/* Whether p[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool text_utf8_valid(const void *p, size_t n);
/* Append the base64 of p[0..n) to out. */
enum cut_err text_b64_encode(struct buf *out, const void *p, size_t n);
/* Append the bytes of base64 text s[0..n) to out; whitespace is skipped.
 * CUT_EPARSE on any other non-alphabet byte or bad padding. */
enum cut_err text_b64_decode(struct buf *out, const char *s, size_t n);
/* Append the percent-decoded form of s[0..n) to out; '+' becomes ' ' when
 * plus_is_space. Malformed escapes are copied as they are. */
enum cut_err text_pct_decode(struct buf *out, const char *s, size_t n, bool plus_is_space);
/* ASCII case-insensitive equality of a slice and a C string. */
bool text_ieq(const char *a, size_t alen, const char *b);

/* Whether the 8 bytes x and y are the same in any ASCII case: where they
 * differ, it is by the case bit (0x20) only, at a byte of y that is a
 * letter (bit 7 clear, and with the case bit set between 'a' and 'z'; no
 * carry or borrow crosses a byte). For text_ieqn. */
static inline bool text_word_ieq_(uint64_t x, uint64_t y)
{
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t d = x ^ y;
    if (!d) return true;
    if (d & ~(ones * 0x20)) return false;
    uint64_t l = (y | (ones * 0x20)) & (ones * 0x7f);
    uint64_t letter = (l + ones * (0x80 - 'a')) & (ones * (0x80 + 'z') - l) & ~y & (ones * 0x80);
    return ((d << 2) & ~letter) == 0;
}

/* Whether a[0..alen) is b[0..blen) in any ASCII case (strncasecmp in the
 * C locale), a word at a time and without a call: HTTP header names,
 * methods and tokens are compared on every message. Inline, so that a
 * literal's length is a constant. */
static inline bool text_ieqn(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen) return false;
    size_t n = blen;
    uint64_t x, y;
    if (n >= 8) {
        for (size_t i = 0; n - i > 8; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (!text_word_ieq_(x, y)) return false;
        }
        memcpy(&x, a + n - 8, 8); /* the last 8, overlapping */
        memcpy(&y, b + n - 8, 8);
        return text_word_ieq_(x, y);
    }
    if (n >= 4) { /* two 4-byte halves, overlapping when n < 8 */
        uint32_t xl, xh, yl, yh;
        memcpy(&xl, a, 4);
        memcpy(&xh, a + n - 4, 4);
        memcpy(&yl, b, 4);
        memcpy(&yh, b + n - 4, 4);
        return text_word_ieq_(xl | (uint64_t)xh << 32, yl | (uint64_t)yh << 32);
    }
    x = y = 0;
    for (size_t i = 0; i < n; i++) {
        x |= (uint64_t)(unsigned char)a[i] << (8 * i);
        y |= (uint64_t)(unsigned char)b[i] << (8 * i);
    }
    return text_word_ieq_(x, y);
}

/* ---- JSON string bodies, scanned 16 bytes at a time (jscan and jdiff) ---- */

/* The byte each short escape (\" \\ \/ \b \f \n \r \t) stands for, by the
 * letter after the backslash; 0 for any other (\u, or no escape). */
extern const char text_unescape_short[256];

/* The positions a backslash escapes in a 32-byte block, from its backslash
 * mask; *carry is 1 when the block's first byte is escaped (a backslash
 * ended the block before) and is set for the next block. Runs of
 * backslashes pair up: a run that starts on an even bit escapes the byte
 * after it when its length is odd, and the carry out of the addition marks
 * the runs that start on odd bits. Inline: the block scanners of text.c
 * and jscan.c call it once a block. */
static inline uint32_t text_escaped_of(uint32_t bs, uint32_t *carry)
{
    const uint32_t even = 0x55555555u;
    bs &= ~*carry;
    uint32_t follows = (bs << 1) | *carry;
    uint32_t odd_starts = bs & ~even & ~follows;
    uint64_t sum = (uint64_t)odd_starts + bs;
    *carry = (uint32_t)(sum >> 32);
    return (even ^ ((uint32_t)sum << 1)) & follows;
}

/* How text_jstr_scan ended. */
enum text_jstr_end {
    TEXT_JSTR_OK,           /* *at is the offset of the closing quote */
    TEXT_JSTR_UNTERMINATED, /* no closing quote before n (or an escape runs past it) */
    TEXT_JSTR_CONTROL,      /* *at: an unescaped byte < 0x20 */
    TEXT_JSTR_BAD_ESCAPE,   /* *at: the byte after a backslash is no JSON escape */
    TEXT_JSTR_BAD_U, /* *at: the 'u' of a \u without 4 hex digits (or, strict, a lone surrogate) */
};
/* Flags: TEXT_JSTR_STRICT is an input (refuse lone surrogates, as jansson
 * does); the others are what the scan saw, out through *seen. */
#define TEXT_JSTR_STRICT 1u
#define TEXT_JSTR_ESC 2u  /* the body holds a backslash escape */
#define TEXT_JSTR_HIGH 4u /* it holds a byte >= 0x80: only then can its UTF-8 be bad */

/* What text_jstr_scan found: how it ended, where (the closing quote, or
 * the offending byte), and what it saw (TEXT_JSTR_ESC, TEXT_JSTR_HIGH). */
struct text_jstr {
    size_t at;
    enum text_jstr_end end;
    unsigned seen;
};
/* Scan the body of a JSON string: p[0..n) starts just after its opening
 * quote. Every escape is checked; UTF-8 is not (TEXT_JSTR_HIGH says when
 * the caller needs text_utf8_valid). Never reads past p + n. Can't fail
 * other than by the end it reports. */
struct text_jstr text_jstr_scan(const char *p, size_t n, unsigned flags);

/* The common case of text_jstr_scan, inline for the readers' hot loops: a
 * string whose closing quote comes within its first 16 bytes, before any
 * backslash or control byte. false (and *r untouched) when the full scan
 * is needed; without SSE2, always. */
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
#include <emmintrin.h>
static inline bool text_jstr_short(const char *p, size_t n, struct text_jstr *r)
{
    if (n < 16) return false;
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
                                _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v));
    unsigned quotes = (unsigned)_mm_movemask_epi8(q);
    unsigned stops = quotes | (unsigned)_mm_movemask_epi8(stop), first = stops & (0u - stops);
    if (!(first & quotes)) return false;
    r->at = (size_t)__builtin_ctz(first);
    r->end = TEXT_JSTR_OK;
    r->seen = ((unsigned)_mm_movemask_epi8(v) & (first - 1)) ? TEXT_JSTR_HIGH : 0;
    return true;
}
#else
static inline bool text_jstr_short(const char *p, size_t n, struct text_jstr *r)
{
    (void)p, (void)n, (void)r;
    return false;
}
#endif
/* Copy p[0..n) to out up to the first byte a JSON string cannot hold as it
 * is ('"', '\\', a byte < 0x20, and with high any byte >= 0x80); returns
 * how many were copied (n when all). out has room for n bytes, and bytes
 * of it past the count may be written too (a block is stored whole). */
size_t text_json_plain_copy(char *out, const char *p, size_t n, bool high);
/* Write the JSON escape of byte c (\n, \", \u0001, ...) at out, which has
 * room for 6 bytes; returns its length (2 or 6). */
size_t text_json_escape_byte(char *out, unsigned char c);
/* Write p[0..n) as the body of a JSON string at out, which has room for
 * 6 * n + 16 bytes: '"', '\\' and bytes < 0x20 escaped, every other byte
 * copied, 16 at a time. With stop_high it stops before the first byte
 * >= 0x80 (whose UTF-8 the caller checks). Returns the length written;
 * *used gets the bytes of p consumed. */
size_t text_json_escape(char *out, const char *p, size_t n, bool stop_high, size_t *used);
/* Decode a body that text_jstr_scan accepted into out, which has room for
 * n bytes (decoding never lengthens). A lone surrogate becomes its 3-byte
 * form. Returns the decoded length; out is not NUL-terminated. Stops at a
 * malformed escape rather than fail. Can't fail. */
size_t text_jstr_decode(const char *raw, size_t n, char *out);
/* text_jstr_scan and, when it ends TEXT_JSTR_OK, text_jstr_decode of the
 * body it found, in one pass: the same result, and *olen gets the decoded
 * length. out has room for n + 32 bytes (blocks are stored whole); past
 * *olen, and on any other end, its bytes mean nothing. With out NULL, the
 * scan alone (olen unused): text_jstr_scan, quicker on bodies full of \"
 * once 64 bytes remain. */
struct text_jstr text_jstr_scan_decode(const char *p, size_t n, unsigned flags, char *out,
                                       size_t *olen);

#endif
