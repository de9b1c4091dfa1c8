/* jscan.h: a pull scanner over one JSON text, for the hot readers that need
 * a few fields of a record and not a tree (replay's input, compare's join).
 * It validates what it passes over, including what it skips, never reads
 * past the end it was given, and bounds nesting. After any failure the
 * scanner stays failed; jscan_error says where. */
#ifndef CUTOVER_JSCAN_H
#define CUTOVER_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "cutover/buf.h"
#include "cutover/text.h"

enum jscan_type { JS_NONE, JS_OBJECT, JS_ARRAY, JS_STRING, JS_NUMBER, JS_TRUE, JS_FALSE, JS_NULL };

struct jscan {
    const char *start, *p, *end;
    const char *err; /* static text of the first error, NULL while fine */
    size_t err_at;   /* byte offset of the first error */
    int depth;
    bool fresh; /* just entered a container: no ',' before its first item */
};

void jscan_init(struct jscan *s, const char *p, size_t n);
/* Skip whitespace; for jscan_peek and jscan.c. */
static inline void jscan_ws_(struct jscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* The type of a value from its first byte (JS_NONE for whitespace and
 * anything no value starts with); jscan_peek_ the general way. */
extern const unsigned char jscan_type_of_[256];
enum jscan_type jscan_peek_(struct jscan *s);
/* Type of the next value (whitespace skipped); JS_NONE at the end or on
 * error. Inline, one table look when the value is right there: readers
 * ask it before nearly every value. */
static inline enum jscan_type jscan_peek(struct jscan *s)
{
    if (!s->err && s->p < s->end && jscan_type_of_[(unsigned char)*s->p])
        return (enum jscan_type)jscan_type_of_[(unsigned char)*s->p];
    return jscan_peek_(s);
}
#define JSCAN_MAX_DEPTH 512

/* Enter an object or array. Inline when the bracket is right there (the
 * readers enter a container per header); jscan_enter_ the general way. */
bool jscan_enter_(struct jscan *s, enum jscan_type t);
static inline bool jscan_enter(struct jscan *s, enum jscan_type t)
{
    char open = t == JS_OBJECT ? '{' : '[';
    if (!s->err && s->p < s->end && *s->p == open && (t == JS_OBJECT || t == JS_ARRAY) &&
        s->depth < JSCAN_MAX_DEPTH) {
        s->depth++;
        s->p++;
        s->fresh = true;
        return true;
    }
    return jscan_enter_(s, t);
}
/* A plain ASCII string's body (no backslash, control byte or byte >= 0x80
 * before its closing quote) of any length, 16 bytes at a time: the header
 * values, URLs and dates of a record are mostly 16 to 64 bytes, past
 * text_jstr_short's one block. The same answer as text_jstr_scan's when
 * true (with nothing seen); false when that is needed, and for any byte
 * >= 0x80, whose UTF-8 the general way checks. For the inline fast paths
 * below and jscan.c. */
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
static inline __attribute__((always_inline)) bool jscan_plain_(const char *p, size_t n,
                                                               struct text_jstr *r)
{
    for (size_t i = 0; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        /* A signed v < 0x20 is a control byte or a byte >= 0x80: either
         * sends the string the general way (which checks its UTF-8). */
        __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
                                    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
        unsigned quotes = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        unsigned stops = quotes | (unsigned)_mm_movemask_epi8(stop);
        if (!stops) continue;
        unsigned first = stops & (0u - stops);
        if (!(first & quotes)) return false;
        r->at = i + (size_t)__builtin_ctz(first);
        r->end = TEXT_JSTR_OK;
        r->seen = 0;
        return true;
    }
    return false;
}
#else
static inline bool jscan_plain_(const char *p, size_t n, struct text_jstr *r)
{
    return text_jstr_short(p, n, r);
}
#endif

/* Next member of the current object: its key, raw (escapes not decoded;
 * *esc tells whether it has any), with the ':' consumed. false at '}' (which
 * is consumed) or on error. jscan_member_ is the general way; the compact
 * case, ,"key": (or "key": right after the '{') with a plain ASCII key, is
 * read here, inline: readers ask for dozens of members per record. */
bool jscan_member_(struct jscan *s, const char **key, size_t *keylen, bool *esc);
static inline bool jscan_member(struct jscan *s, const char **key, size_t *keylen, bool *esc)
{
    const char *p = s->p, *end = s->end;
    if (!s->err && end - p > 1 && (s->fresh || *p == ',')) {
        const char *body = p + !s->fresh + 1;
        struct text_jstr r;
        if (body[-1] == '"' && jscan_plain_(body, (size_t)(end - body), &r) &&
            !(r.seen & TEXT_JSTR_HIGH) && body + r.at + 1 < end && body[r.at + 1] == ':') {
            s->fresh = false;
            *key = body;
            *keylen = r.at;
            *esc = false;
            s->p = body + r.at + 2;
            return true;
        }
    }
    if (!s->err && p < end && *p == '}' && !s->fresh) { /* the end, right there */
        s->p = p + 1;
        s->depth--;
        return false;
    }
    return jscan_member_(s, key, keylen, esc);
}
/* Whether another element follows in the current array; false at ']'
 * (consumed). Inline when the next byte is ',' after an element or ']';
 * jscan_element_ the general way. */
bool jscan_element_(struct jscan *s);
static inline bool jscan_element(struct jscan *s)
{
    const char *p = s->p;
    if (!s->err && p < s->end && !s->fresh) {
        if (*p == ',') {
            s->p = p + 1;
            return true;
        }
        if (*p == ']') {
            s->p = p + 1;
            s->depth--;
            return false;
        }
    }
    return jscan_element_(s);
}
/* Append the decoded string value to out (NUL and any valid UTF-8 kept). */
bool jscan_string(struct jscan *s, struct buf *out);
/* The same, and the raw body (*raw, *n: escapes as they are, without the
 * quotes). *canon tells that the raw body is exactly what jsonw writes for
 * the decoded one, so a writer can copy it instead of escaping the text
 * again: it is valid UTF-8 and its escapes are only \" \\ \n \r \t \b \f
 * (a \/ or any \u says false, even where jsonw would write the same). */
bool jscan_string_raw(struct jscan *s, struct buf *out, const char **raw, size_t *n, bool *canon);
bool jscan_number(struct jscan *s, double *out);
/* Skip one value of any type, validating it. */
bool jscan_skip(struct jscan *s);
/* jscan_skip's reference loop, slower, for the tests that hold the two to
 * the same verdicts and ends (jscan_skip falls back on it to say why). */
bool jscan_skip_careful_(struct jscan *s);
/* Whether only whitespace is left (and no error happened). */
bool jscan_done(struct jscan *s);
/* Whether p[0..n) is one whole JSON value, whitespace around it allowed
 * (the readers' test of a last line without its newline: whole, or torn). */
bool jscan_whole_value(const char *p, size_t n);
/* The raw body of the next value, a string (escapes not decoded; *esc
 * tells whether it has any), for a reader that can use it as it is.
 * Inline for a plain ASCII string with no whitespace before it;
 * jscan_raw_string_ is the general way. */
bool jscan_raw_string_(struct jscan *s, const char **raw, size_t *n, bool *esc);
static inline bool jscan_raw_string(struct jscan *s, const char **raw, size_t *n, bool *esc)
{
    const char *p = s->p;
    struct text_jstr r;
    if (!s->err && p < s->end && *p == '"' && jscan_plain_(p + 1, (size_t)(s->end - p - 1), &r) &&
        !(r.seen & TEXT_JSTR_HIGH)) {
        *raw = p + 1;
        *n = r.at;
        *esc = false;
        s->p = p + 2 + r.at;
        return true;
    }
    return jscan_raw_string_(s, raw, n, esc);
}
/* Whether the raw key equals the C string k (keys with escapes never do:
 * the project's writers do not escape the keys readers look for). Inline:
 * with a literal k the length is known at compile time. */
static inline bool jscan_key_is(const char *key, size_t keylen, bool esc, const char *k)
{
    return !esc && strlen(k) == keylen && memcmp(key, k, keylen) == 0;
}

#endif
