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

/* Type of the next value (whitespace skipped); JS_NONE at the end or on
 * error. Inline: readers ask it before nearly every value. */
static inline enum jscan_type jscan_peek(struct jscan *s)
{
    jscan_ws_(s);
    if (s->err || s->p >= s->end) return JS_NONE;
    switch (*s->p) {
    case '{':
        return JS_OBJECT;
    case '[':
        return JS_ARRAY;
    case '"':
        return JS_STRING;
    case 't':
        return JS_TRUE;
    case 'f':
        return JS_FALSE;
    case 'n':
        return JS_NULL;
    default:
        return (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) ? JS_NUMBER : JS_NONE;
    }
}
/* Enter an object or array. */
bool jscan_enter(struct jscan *s, enum jscan_type t);
/* Next member of the current object: its key, raw (escapes not decoded;
 * *esc tells whether it has any), with the ':' consumed. false at '}' (which
 * is consumed) or on error. */
bool jscan_member(struct jscan *s, const char **key, size_t *keylen, bool *esc);
/* Whether another element follows in the current array; false at ']' (consumed). */
bool jscan_element(struct jscan *s);
/* Append the decoded string value to out (NUL and any valid UTF-8 kept). */
bool jscan_string(struct jscan *s, struct buf *out);
bool jscan_number(struct jscan *s, double *out);
/* Skip one value of any type, validating it. */
bool jscan_skip(struct jscan *s);
/* jscan_skip's reference loop, slower, for the tests that hold the two to
 * the same verdicts and ends (jscan_skip falls back on it to say why). */
bool jscan_skip_careful_(struct jscan *s);
/* Whether only whitespace is left (and no error happened). */
bool jscan_done(struct jscan *s);
/* The raw body of the next value, a string (escapes not decoded; *esc
 * tells whether it has any), for a reader that can use it as it is. */
bool jscan_raw_string(struct jscan *s, const char **raw, size_t *n, bool *esc);
/* Whether the raw key equals the C string k (keys with escapes never do:
 * the project's writers do not escape the keys readers look for). Inline:
 * with a literal k the length is known at compile time. */
static inline bool jscan_key_is(const char *key, size_t keylen, bool esc, const char *k)
{
    return !esc && strlen(k) == keylen && memcmp(key, k, keylen) == 0;
}

#endif
