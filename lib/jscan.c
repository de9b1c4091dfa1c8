/* jscan.c: JSON pull scanner.  Grammar per RFC 8259; strings must be valid
 * UTF-8 and \u escapes are decoded (surrogate pairs joined, lone surrogates
 * refused, as jansson does). */
#include "cutover/jscan.h"

#include <stdlib.h>
#include <string.h>

#include "cutover/text.h"

#define JSCAN_MAX_DEPTH 512

void jscan_init(struct jscan *s, const char *p, size_t n)
{
    s->start = s->p = p;
    s->end = p + n;
    s->err = NULL;
    s->err_at = 0;
    s->depth = 0;
    s->fresh = false;
}

static bool fail(struct jscan *s, const char *why)
{
    if (!s->err) {
        s->err = why;
        s->err_at = (size_t)(s->p - s->start);
    }
    s->p = s->end;
    return false;
}

static void skip_ws(struct jscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

enum jscan_type jscan_peek(struct jscan *s)
{
    skip_ws(s);
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

bool jscan_enter(struct jscan *s, enum jscan_type t)
{
    if (jscan_peek(s) != t || (t != JS_OBJECT && t != JS_ARRAY))
        return fail(s, t == JS_OBJECT ? "expected an object" : "expected an array");
    if (++s->depth > JSCAN_MAX_DEPTH) return fail(s, "nesting too deep");
    s->p++;
    s->fresh = true;
    return true;
}

/* After a member or element: ',' (more follow) or the closing bracket.
 * Right after enter there is no comma to expect. Returns 1 when an item
 * follows, 0 when the container closed, -1 on error. */
static int next_item(struct jscan *s, char close)
{
    bool first = s->fresh;
    s->fresh = false;
    skip_ws(s);
    if (s->p >= s->end) return fail(s, "unexpected end of input"), -1;
    if (*s->p == close) {
        s->p++;
        s->depth--;
        return 0;
    }
    if (!first) {
        if (*s->p != ',') return fail(s, "expected ',' or closing bracket"), -1;
        s->p++;
    }
    return 1;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Length of a valid \u escape at p (on the 'u'), a surrogate pair taken
 * whole; 0 when it is malformed or a lone surrogate. */
static size_t check_u_escape(const char *p, const char *end)
{
    if (end - p < 5) return 0;
    int cp = hex4(p + 1);
    if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return 0;
    if (cp < 0xD800 || cp > 0xDBFF) return 5;
    if (end - p < 11 || p[5] != '\\' || p[6] != 'u') return 0;
    int lo = hex4(p + 7);
    return lo >= 0xDC00 && lo <= 0xDFFF ? 11 : 0;
}

/* The raw body of a string at s->p (on the opening quote): validated,
 * escapes checked, and s->p left after the closing quote. */
static bool raw_string(struct jscan *s, const char **out, size_t *n, bool *esc)
{
    const char *q = ++s->p;
    bool has_esc = false;
    unsigned high = 0; /* any byte >= 0x80: only then is the UTF-8 check needed */
    while (q < s->end && *q != '"') {
        unsigned char c = (unsigned char)*q;
        if (c >= 0x20 && c != '\\') {
            high |= c;
            q++;
            continue;
        }
        if (c < 0x20) return s->p = q, fail(s, "control character in string");
        if (c == '\\') {
            has_esc = true;
            if (++q >= s->end) break;
            if (!strchr("\"\\/bfnrtu", *q)) return s->p = q, fail(s, "bad escape in string");
            if (*q == 'u') {
                size_t used = check_u_escape(q, s->end);
                if (!used) return s->p = q, fail(s, "bad \\u escape in string");
                q += used;
                continue;
            }
        }
        q++;
    }
    if (q >= s->end) return fail(s, "unterminated string");
    if ((high & 0x80) && !text_utf8_valid(s->p, (size_t)(q - s->p)))
        return fail(s, "invalid UTF-8 in string");
    *out = s->p;
    *n = (size_t)(q - s->p);
    *esc = has_esc;
    s->p = q + 1;
    return true;
}

bool jscan_member(struct jscan *s, const char **key, size_t *keylen, bool *esc)
{
    if (next_item(s, '}') <= 0) return false;
    if (jscan_peek(s) != JS_STRING) return fail(s, "expected a key");
    if (!raw_string(s, key, keylen, esc)) return false;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':') return fail(s, "expected ':'");
    s->p++;
    return true;
}

bool jscan_element(struct jscan *s)
{
    return next_item(s, ']') == 1;
}

static bool put_utf8(struct buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80)
        u[0] = (char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 63)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 63)),
        u[2] = (char)(0x80 | (cp & 63)), n = 3;
    else
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 63)),
        u[2] = (char)(0x80 | ((cp >> 6) & 63)), u[3] = (char)(0x80 | (cp & 63)), n = 4;
    return buf_append(b, u, n) == CUT_OK;
}

/* Decode the escape at p (after the backslash); returns bytes consumed or 0. */
static size_t decode_escape(const char *p, const char *end, struct buf *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *m = strchr(from, *p);
    if (*p != 'u') return m && buf_putc(out, to[m - from]) == CUT_OK ? 1 : 0;
    if (end - p < 5) return 0;
    int cp = hex4(p + 1);
    if (cp < 0) return 0;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return 0;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end - p < 11 || p[5] != '\\' || p[6] != 'u') return 0;
        int lo = hex4(p + 7);
        if (lo < 0xDC00 || lo > 0xDFFF) return 0;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        return put_utf8(out, (unsigned)cp) ? 11 : 0;
    }
    return put_utf8(out, (unsigned)cp) ? 5 : 0;
}

bool jscan_string(struct jscan *s, struct buf *out)
{
    const char *raw;
    size_t n;
    bool esc;
    if (jscan_peek(s) != JS_STRING) return fail(s, "expected a string");
    if (!raw_string(s, &raw, &n, &esc)) return false;
    if (!esc) return buf_append(out, raw, n) == CUT_OK || fail(s, "out of memory");
    const char *p = raw, *end = raw + n;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        const char *stop = bs ? bs : end;
        if (buf_append(out, p, (size_t)(stop - p))) return fail(s, "out of memory");
        if (!bs) break;
        size_t used = decode_escape(bs + 1, end, out);
        if (!used) return fail(s, "bad \\u escape in string");
        p = bs + 1 + used;
    }
    return true;
}

static const char *digits(const char *p, const char *end)
{
    while (p < end && *p >= '0' && *p <= '9') p++;
    return p;
}

/* Validate a number's syntax; returns its end or NULL. */
static const char *number_end(const char *p, const char *end)
{
    if (p < end && *p == '-') p++;
    if (p >= end) return NULL;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        p = digits(p, end);
    else
        return NULL;
    if (p < end && *p == '.') {
        const char *q = digits(p + 1, end);
        if (q == p + 1) return NULL;
        p = q;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        const char *q = digits(p, end);
        if (q == p) return NULL;
        p = q;
    }
    return p;
}

bool jscan_number(struct jscan *s, double *out)
{
    if (jscan_peek(s) != JS_NUMBER) return fail(s, "expected a number");
    const char *e = number_end(s->p, s->end);
    if (!e) return fail(s, "bad number");
    char tmp[64];
    size_t n = (size_t)(e - s->p);
    /* Integers of up to 15 digits (sizes, statuses, ids) are exact in a
     * double: no strtod, which costs more than the rest of the scan. */
    const char *d = s->p + (*s->p == '-');
    if ((size_t)(e - d) <= 15 && !memchr(d, '.', (size_t)(e - d)) &&
        !memchr(d, 'e', (size_t)(e - d)) && !memchr(d, 'E', (size_t)(e - d))) {
        int64_t v = 0;
        for (; d < e; d++) v = v * 10 + (*d - '0');
        *out = *s->p == '-' ? -(double)v : (double)v;
        s->p = e;
        return true;
    }
    if (n < sizeof tmp) {
        memcpy(tmp, s->p, n);
        tmp[n] = '\0';
        *out = strtod(tmp, NULL);
    } else {
        *out = 0; /* absurdly long literal: valid JSON, not a value we use */
    }
    s->p = e;
    return true;
}

static bool literal(struct jscan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return fail(s, "bad literal");
    s->p += n;
    return true;
}

bool jscan_skip(struct jscan *s)
{
    const char *k;
    size_t kl;
    bool esc;
    double d;
    switch (jscan_peek(s)) {
    case JS_OBJECT:
        if (!jscan_enter(s, JS_OBJECT)) return false;
        while (jscan_member(s, &k, &kl, &esc))
            if (!jscan_skip(s)) return false;
        return !s->err;
    case JS_ARRAY:
        if (!jscan_enter(s, JS_ARRAY)) return false;
        while (jscan_element(s))
            if (!jscan_skip(s)) return false;
        return !s->err;
    case JS_STRING:
        return raw_string(s, &k, &kl, &esc);
    case JS_NUMBER:
        return jscan_number(s, &d);
    case JS_TRUE:
        return literal(s, "true");
    case JS_FALSE:
        return literal(s, "false");
    case JS_NULL:
        return literal(s, "null");
    default:
        return fail(s, s->p >= s->end ? "unexpected end of input" : "unexpected character");
    }
}

bool jscan_done(struct jscan *s)
{
    skip_ws(s);
    if (s->err) return false;
    if (s->p != s->end) return fail(s, "trailing characters after the value");
    return true;
}

bool jscan_key_is(const char *key, size_t keylen, bool esc, const char *k)
{
    return !esc && strlen(k) == keylen && memcmp(key, k, keylen) == 0;
}
