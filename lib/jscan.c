/* jscan.c: JSON pull scanner.  Grammar per RFC 8259; strings must be valid
 * UTF-8 and \u escapes are decoded (surrogate pairs joined, lone surrogates
 * refused, as jansson does). */
#include "cutover/jscan.h"

#include <stdlib.h>
#include <string.h>

#include "cutover/text.h"

void jscan_init(struct jscan *s, const char *p, size_t n)
{
    s->start = s->p = p;
    s->end = p + n;
    s->err = NULL;
    s->err_at = 0;
    s->depth = 0;
    s->fresh = false;
}

const unsigned char jscan_type_of_[256] = {
    ['{'] = JS_OBJECT, ['['] = JS_ARRAY,  ['"'] = JS_STRING, ['t'] = JS_TRUE,   ['f'] = JS_FALSE,
    ['n'] = JS_NULL,   ['-'] = JS_NUMBER, ['0'] = JS_NUMBER, ['1'] = JS_NUMBER, ['2'] = JS_NUMBER,
    ['3'] = JS_NUMBER, ['4'] = JS_NUMBER, ['5'] = JS_NUMBER, ['6'] = JS_NUMBER, ['7'] = JS_NUMBER,
    ['8'] = JS_NUMBER, ['9'] = JS_NUMBER,
};

enum jscan_type jscan_peek_(struct jscan *s)
{
    jscan_ws_(s);
    if (s->err || s->p >= s->end) return JS_NONE;
    return (enum jscan_type)jscan_type_of_[(unsigned char)*s->p];
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
    jscan_ws_(s);
}

bool jscan_enter_(struct jscan *s, enum jscan_type t)
{
    if (jscan_peek(s) != t || (t != JS_OBJECT && t != JS_ARRAY))
        return fail(s, t == JS_OBJECT ? "expected an object" : "expected an array");
    if (++s->depth > JSCAN_MAX_DEPTH) return fail(s, "nesting too deep");
    s->p++;
    s->fresh = true;
    return true;
}

/* A string body jscan_plain_ could not end: text_jstr_scan, except that a
 * short plain one in the input's last 16 bytes (the key and value that end
 * a record) is read through a padded copy. */
__attribute__((noinline)) static struct text_jstr scan_rest(const char *body, size_t n)
{
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
    if (n < 16) {
        char pad[16];
        struct text_jstr r;
        memset(pad, ' ', sizeof pad); /* spaces: no stop, no high bit */
        memcpy(pad, body, n);
        if (text_jstr_short(pad, sizeof pad, &r) && r.at < n) return r;
    }
#endif
    return text_jstr_scan(body, n, TEXT_JSTR_STRICT);
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

/* The raw body of a string at s->p (on the opening quote): validated,
 * escapes checked (a block at a time, text_jstr_scan), and s->p left after
 * the closing quote. Inlined into its callers: a record has dozens of
 * strings, most of them short. */
static inline __attribute__((always_inline)) bool raw_string(struct jscan *s, const char **out,
                                                             size_t *n, bool *esc)
{
    static const char *const why[] = {
        [TEXT_JSTR_UNTERMINATED] = "unterminated string",
        [TEXT_JSTR_CONTROL] = "control character in string",
        [TEXT_JSTR_BAD_ESCAPE] = "bad escape in string",
        [TEXT_JSTR_BAD_U] = "bad \\u escape in string",
    };
    const char *body = ++s->p;
    struct text_jstr r;
    if (!jscan_plain_(body, (size_t)(s->end - body), &r))
        r = scan_rest(body, (size_t)(s->end - body));
    if (r.end != TEXT_JSTR_OK) {
        if (r.end != TEXT_JSTR_UNTERMINATED) s->p = body + r.at;
        return fail(s, why[r.end]);
    }
    if ((r.seen & TEXT_JSTR_HIGH) && !text_utf8_valid(body, r.at))
        return fail(s, "invalid UTF-8 in string");
    *out = body;
    *n = r.at;
    *esc = r.seen & TEXT_JSTR_ESC;
    s->p = body + r.at + 1;
    return true;
}

/* A member's key and its ':', at s->p (whitespace before it allowed). */
static bool key_colon(struct jscan *s, const char **key, size_t *keylen, bool *esc)
{
    skip_ws(s);
    if (s->p >= s->end || *s->p != '"') return fail(s, "expected a key");
    if (!raw_string(s, key, keylen, esc)) return false;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':') return fail(s, "expected ':'");
    s->p++;
    return true;
}

bool jscan_member_(struct jscan *s, const char **key, size_t *keylen, bool *esc)
{
    if (next_item(s, '}') <= 0) return false;
    return key_colon(s, key, keylen, esc);
}

bool jscan_element_(struct jscan *s)
{
    return next_item(s, ']') == 1;
}

bool jscan_raw_string_(struct jscan *s, const char **raw, size_t *n, bool *esc)
{
    if (jscan_peek(s) != JS_STRING) return fail(s, "expected a string");
    return raw_string(s, raw, n, esc);
}

#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
/* The stops of the 16 bytes at p ('"', '\\', bytes < 0x20) and, through
 * *high, its bytes >= 0x80. */
static inline unsigned block_stops(__m128i v, unsigned *high)
{
    *high = (unsigned)_mm_movemask_epi8(v);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
        _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v)));
}

/* A string whose escapes are all short ones (\" \\ \/ \b \f \n \r \t: a
 * JSON body recorded as text), decoded into out as it is scanned, 16 bytes
 * at a time: one pass instead of text_jstr_scan's and text_jstr_decode's
 * two. While 32 bytes remain, one mask serves every escape of a block (an
 * escaped body has one every few bytes): a 16-byte store from the input at
 * each escape, no reload. false, with s and out as they were, for anything
 * else (a \u, a control byte, the input's last 16 bytes), which the two
 * passes then read as they always did. s->p is on the opening quote. */
static bool string_short_escapes(struct jscan *s, struct buf *out, bool *slash)
{
    const char *body = s->p + 1, *p = body, *end = s->end;
    bool sl = false; /* a \/ seen (jsonw writes '/' as it is) */
    const size_t len0 = out->len;
    unsigned high = 0, hm;
    for (;;) {
        if (end - p < 16 || (out->cap < out->len + 17 && buf_grow(out, 16))) goto give_up;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned stops = block_stops(v, &hm);
        if (!stops) {
            _mm_storeu_si128((__m128i *)(void *)(out->data + out->len), v);
            high |= hm;
            p += 16;
            out->len += 16;
            continue;
        }
        /* A block writes at most 16 bytes past out->len + its input bytes
         * before the stop (decoding never lengthens), and one more. */
        if (end - p >= 32 && (out->cap >= out->len + 33 || buf_grow(out, 32) == CUT_OK)) {
            /* p[j..) is what the block has left; bytes up to p + 32 are
             * readable, so every load and the byte after a backslash are. */
            char *o = out->data + out->len;
            unsigned j = 0, k;
            for (;;) {
                k = (unsigned)__builtin_ctz(stops);
                _mm_storeu_si128((__m128i *)(void *)o,
                                 _mm_loadu_si128((const __m128i *)(const void *)(p + j)));
                o += k - j;
                if (p[k] != '\\') break;
                char c = text_unescape_short[(unsigned char)p[k + 1]];
                if (!c) goto give_up;
                sl |= c == '/';
                *o++ = c;
                j = k + 2;
                stops &= ~(3u << k); /* an escaped '"' or '\\' is no stop */
                if (!stops) break;
            }
            out->len = (size_t)(o - out->data);
            if (stops) { /* stopped at k: a quote ends it, a control byte is an error */
                if (p[k] != '"') goto give_up;
                high |= hm & ((1u << k) - 1);
                p += k;
                break;
            }
            high |= hm;
            if (j < 16) {
                _mm_storeu_si128((__m128i *)(void *)(out->data + out->len),
                                 _mm_loadu_si128((const __m128i *)(const void *)(p + j)));
                out->len += 16 - j;
                j = 16;
            }
            p += j;
            continue;
        }
        /* The last 32 bytes: an escape at a time. */
        _mm_storeu_si128((__m128i *)(void *)(out->data + out->len), v);
        unsigned k = (unsigned)__builtin_ctz(stops);
        high |= hm & ((1u << k) - 1);
        p += k;
        out->len += k;
        if (*p == '"') break;
        if (*p != '\\' || p + 1 >= end || !text_unescape_short[(unsigned char)p[1]]) goto give_up;
        sl |= p[1] == '/';
        out->data[out->len++] = text_unescape_short[(unsigned char)p[1]];
        p += 2;
    }
    if (high && !text_utf8_valid(body, (size_t)(p - body))) goto give_up;
    out->data[out->len] = '\0';
    s->p = p + 1;
    *slash = sl;
    return true;
give_up:
    out->len = len0;
    if (out->cap) out->data[len0] = '\0';
    return false;
}
#else
static bool string_short_escapes(struct jscan *s, struct buf *out, bool *slash)
{
    (void)s, (void)out, (void)slash;
    return false;
}
#endif

bool jscan_string_raw(struct jscan *s, struct buf *out, const char **raw, size_t *n, bool *canon)
{
    bool esc, slash;
    *canon = false;
    if (jscan_peek(s) != JS_STRING) return fail(s, "expected a string");
    const char *q = s->p;
    if (string_short_escapes(s, out, &slash)) {
        *raw = q + 1;
        *n = (size_t)(s->p - q - 2);
        *canon = !slash;
        return true;
    }
    if (!raw_string(s, raw, n, &esc)) return false;
    *canon = !esc; /* valid UTF-8 (raw_string checked it), nothing escaped */
    if (!esc) return buf_append(out, *raw, *n) == CUT_OK || fail(s, "out of memory");
    /* Decoding never lengthens: room for n bytes, decoded in place. */
    if (buf_grow(out, *n)) return fail(s, "out of memory");
    out->len += text_jstr_decode(*raw, *n, out->data + out->len);
    out->data[out->len] = '\0';
    return true;
}

bool jscan_string(struct jscan *s, struct buf *out)
{
    const char *raw;
    size_t n;
    bool canon;
    return jscan_string_raw(s, out, &raw, &n, &canon);
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
    /* An integer not starting with 0, of up to 15 digits (a size, a
     * status), read as it is validated. */
    const char *q = s->p, *end = s->end;
    if (*q >= '1' && *q <= '9') {
        int64_t v = *q++ - '0';
        while (q < end && *q >= '0' && *q <= '9' && q - s->p < 15) v = v * 10 + (*q++ - '0');
        if (q >= end || !(*q == '.' || *q == 'e' || *q == 'E' || (*q >= '0' && *q <= '9'))) {
            *out = (double)v;
            s->p = q;
            return true;
        }
    }
    const char *e = number_end(s->p, s->end);
    if (!e) return fail(s, "bad number");
    char tmp[64];
    size_t n = (size_t)(e - s->p);
    /* Integers of up to 15 digits (sizes, statuses, ids) are exact in a
     * double: no strtod, which costs more than the rest of the scan. */
    const char *d = s->p + (*s->p == '-');
    /* Past number_end only '.', 'e' and 'E' (with a sign after it) are not
     * digits: all digits is an integer. */
    if ((size_t)(e - d) <= 15 && digits(d, e) == e) {
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

/* A value that is not a container, at s->p (no whitespace before it).
 * Numbers are only validated: skipping needs no strtod. */
static bool skip_scalar(struct jscan *s)
{
    const char *k, *e;
    size_t kl;
    bool esc;
    switch (*s->p) {
    case '"':
        return raw_string(s, &k, &kl, &esc);
    case 't':
        return literal(s, "true");
    case 'f':
        return literal(s, "false");
    case 'n':
        return literal(s, "null");
    default:
        if (*s->p != '-' && (*s->p < '0' || *s->p > '9')) return fail(s, "unexpected character");
        if (!(e = number_end(s->p, s->end))) return fail(s, "bad number");
        s->p = e;
        return true;
    }
}

/* The careful skip: one loop, the open containers kept as a bit each
 * (object or array) instead of a recursion through jscan_member and
 * jscan_element, with the same checks and the same errors as theirs. It
 * runs when the fast skip below gives up, to say why and where. */
bool jscan_skip_careful_(struct jscan *s)
{
    uint64_t objects[(JSCAN_MAX_DEPTH + 63) / 64];
    const int base = s->depth;
    const char *k;
    size_t kl;
    bool esc;
    if (s->err) return false;
    for (;;) {
        /* A value. */
        skip_ws(s);
        if (s->p >= s->end) return fail(s, "unexpected end of input");
        char open = *s->p;
        if (open == '{' || open == '[') {
            if (++s->depth > JSCAN_MAX_DEPTH) return fail(s, "nesting too deep");
            unsigned lvl = (unsigned)(s->depth - base - 1);
            uint64_t bit = (uint64_t)1 << (lvl % 64);
            objects[lvl / 64] = open == '{' ? objects[lvl / 64] | bit : objects[lvl / 64] & ~bit;
            s->p++;
            s->fresh = false;
            skip_ws(s);
            if (s->p >= s->end) return fail(s, "unexpected end of input");
            if (*s->p != (open == '{' ? '}' : ']')) {
                if (open == '{' && !key_colon(s, &k, &kl, &esc)) return false;
                continue; /* the container's first value */
            }
            s->p++;
            s->depth--;
        } else if (!skip_scalar(s)) {
            return false;
        }
        /* After a value: the end, or ',' and the next, or closing brackets. */
        for (;;) {
            if (s->depth == base) return true;
            unsigned lvl = (unsigned)(s->depth - base - 1);
            bool obj = objects[lvl / 64] >> (lvl % 64) & 1;
            skip_ws(s);
            if (s->p >= s->end) return fail(s, "unexpected end of input");
            if (*s->p == ',') {
                s->p++;
                if (obj && !key_colon(s, &k, &kl, &esc)) return false;
                break;
            }
            if (*s->p != (obj ? '}' : ']')) return fail(s, "expected ',' or closing bracket");
            s->p++;
            s->depth--;
        }
    }
}

/* ---- the fast skip ----
 * Skipping is the reader's hot path for what it does not store (replay's
 * recorded responses). This loop keeps its place in a local pointer rather
 * than in the scanner, calls nothing for a short plain string, and makes
 * the same checks as the careful loop; it does not say why a text is bad:
 * it gives up (NULL), and the careful loop, starting over, finds the
 * error. So both accept the same texts (test_jscan runs both on many). */

static const bool fast_is_ws[256] = {[' '] = true, ['\t'] = true, ['\n'] = true, ['\r'] = true};

static inline const char *fast_ws(const char *p, const char *end)
{
    while (p < end && fast_is_ws[(unsigned char)*p]) p++;
    return p;
}

/* fast_str for a string jscan_plain_ could not end, or NULL: a JSON body
 * recorded as text, dense in \" and \\, goes through text.c's 32-byte
 * block scan (escaped positions from the backslash mask, no loop over
 * them), which hands anything else to text_jstr_scan. */
__attribute__((noinline)) static const char *fast_str_escaped(const char *body, const char *end)
{
    size_t n = (size_t)(end - body);
    struct text_jstr r =
        n >= 64 ? text_jstr_scan_decode(body, n, TEXT_JSTR_STRICT, NULL, NULL) : scan_rest(body, n);
    if (r.end != TEXT_JSTR_OK) return NULL;
    if ((r.seen & TEXT_JSTR_HIGH) && !text_utf8_valid(body, r.at)) return NULL;
    return body + r.at + 1;
}

/* After the body of a string that starts at body, or NULL. */
static inline __attribute__((always_inline)) const char *fast_str(const char *body, const char *end)
{
    struct text_jstr r;
    if (!jscan_plain_(body, (size_t)(end - body), &r)) return fast_str_escaped(body, end);
    if ((r.seen & TEXT_JSTR_HIGH) && !text_utf8_valid(body, r.at)) return NULL;
    return body + r.at + 1;
}

/* After a member's key and its ':' (whitespace before either allowed), or NULL. */
static inline __attribute__((always_inline)) const char *fast_key(const char *p, const char *end)
{
    /* Whitespace is looked for only where the expected byte is not. */
    if (p < end && *p != '"') p = fast_ws(p, end);
    if (p >= end || *p != '"' || !(p = fast_str(p + 1, end))) return NULL;
    if (p < end && *p != ':') p = fast_ws(p, end);
    return p < end && *p == ':' ? p + 1 : NULL;
}

#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
/* A member "key":"value" at p (on the key's quote) whose two strings are
 * plain ASCII (no backslash, control byte or byte >= 0x80) and which ends
 * within 32 bytes: the end of the value, both strings found from one quote
 * mask and one stop mask; NULL for anything else, which the general way
 * then reads from p. Most members of a recorded response are such pairs
 * (each header's name and value, the status text, the version, the MIME
 * type), and this costs about half of reading them a string at a time. */
static inline __attribute__((always_inline)) const char *fast_pair(const char *p, const char *end)
{
    if (end - p < 32 || *p != '"') return NULL;
    const __m128i bq = _mm_set1_epi8('"'), bb = _mm_set1_epi8('\\'), b20 = _mm_set1_epi8(0x20);
    __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    uint32_t q = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, bq)) |
                 (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, bq)) << 16;
    q &= ~1u; /* the key's opening quote */
    if (!q) return NULL;
    unsigned k = (unsigned)__builtin_ctz(q); /* the key's closing quote */
    if (k > 28 || p[k + 1] != ':' || p[k + 2] != '"') return NULL;
    uint32_t rest = q >> (k + 3); /* quotes after the value's opening one */
    if (!rest) return NULL;
    unsigned v = k + 3 + (unsigned)__builtin_ctz(rest); /* the value's closing quote */
    /* The strings' bytes: a signed byte < 0x20 is a control byte or one
     * >= 0x80. */
    uint32_t stop =
        (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v0, bb), _mm_cmplt_epi8(v0, b20))) |
        (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v1, bb), _mm_cmplt_epi8(v1, b20)))
            << 16;
    if (stop & ((1u << v) - 1)) return NULL;
    return p + v + 1;
}
#else
static inline const char *fast_pair(const char *p, const char *end)
{
    (void)p, (void)end;
    return NULL;
}
#endif

static const char *fast_literal(const char *p, const char *end, const char *word, size_t n)
{
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* Whether level lvl (0 the outermost open container) is an object. */
static inline bool level_is_object(const uint64_t *objects, unsigned lvl)
{
    return objects[lvl / 64] >> (lvl % 64) & 1;
}

/* The end of the value at p, nested at depth, or NULL. */
static const char *fast_skip(const char *p, const char *end, int depth)
{
    uint64_t objects[(JSCAN_MAX_DEPTH + 63) / 64];
    const int base = depth;
    bool obj = false; /* the innermost open container is an object */
    for (;;) {
        if (p >= end) return NULL;
        switch (*p) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            p = fast_ws(p, end);
            continue; /* still before a value: compact records never come here */
        case '"':
            p = fast_str(p + 1, end);
            break;
        case '{':
        case '[': {
            bool o = *p == '{';
            /* An object of two such pairs (a recorded header) passed over
             * whole, its nesting never written down. */
            const char *q1, *q2;
            if (o && depth < JSCAN_MAX_DEPTH && (q1 = fast_pair(p + 1, end)) && q1 < end &&
                *q1 == ',' && (q2 = fast_pair(q1 + 1, end)) && q2 < end && *q2 == '}') {
                p = q2 + 1;
                break;
            }
            if (++depth > JSCAN_MAX_DEPTH) return NULL;
            unsigned lvl = (unsigned)(depth - base - 1);
            uint64_t bit = (uint64_t)1 << (lvl % 64);
            objects[lvl / 64] = o ? objects[lvl / 64] | bit : objects[lvl / 64] & ~bit;
            if (++p < end && fast_is_ws[(unsigned char)*p]) p = fast_ws(p, end);
            if (p >= end) return NULL;
            if (*p == (o ? '}' : ']')) {
                p++;
                depth--;
                break;
            }
            obj = o;
            if (o) {
                const char *q = fast_pair(p, end);
                if (q) { /* the first member, key and value */
                    p = q;
                    goto after_value;
                }
                if (!(p = fast_key(p, end))) return NULL;
            }
            continue; /* the container's first value */
        }
        case 't':
            p = fast_literal(p, end, "true", 4);
            break;
        case 'f':
            p = fast_literal(p, end, "false", 5);
            break;
        case 'n':
            p = fast_literal(p, end, "null", 4);
            break;
        default: {
            /* An integer not starting with 0 (sizes, statuses) without a call. */
            const char *q = p + 1;
            if (*p < '1' || *p > '9') {
                p = number_end(p, end);
                break;
            }
            q = digits(q, end);
            p = q < end && (*q == '.' || *q == 'e' || *q == 'E') ? number_end(p, end) : q;
            break;
        }
        }
        if (!p) return NULL;
    after_value:
        /* After a value: the end, or ',' and the next, or closing brackets. */
        for (;;) {
            if (depth == base) return p;
            if (p >= end) return NULL;
            if (*p == ',') {
                p++;
                if (obj) {
                    const char *q = fast_pair(p, end);
                    if (q) { /* the next member, key and value */
                        p = q;
                        continue;
                    }
                    if (!(p = fast_key(p, end))) return NULL;
                }
                break;
            }
            if (*p == (obj ? '}' : ']')) {
                p++;
                if (--depth > base) obj = level_is_object(objects, (unsigned)(depth - base - 1));
                continue;
            }
            if (!fast_is_ws[(unsigned char)*p]) return NULL;
            p = fast_ws(p, end);
        }
    }
}

/* jscan_skip past its shortcuts: the fast loop, the careful one when it
 * gives up. */
__attribute__((noinline)) static bool skip_any(struct jscan *s)
{
    const char *e = fast_skip(s->p, s->end, s->depth);
    if (!e) return jscan_skip_careful_(s);
    if (*s->p == '{' || *s->p == '[') s->fresh = false; /* as the careful loop leaves it */
    s->p = e;
    return true;
}

/* The values a reader skips most (a capture's own fields: a short string,
 * an integer, an empty list) are ended here without entering the loop. */
bool jscan_skip(struct jscan *s)
{
    if (s->err) return false;
    const char *p = s->p, *end = s->end;
    struct text_jstr r;
    if (p >= end) return skip_any(s);
    if (fast_is_ws[(unsigned char)*p]) {
        skip_ws(s);
        if ((p = s->p) >= end) return skip_any(s);
    }
    switch (*p) {
    case '"':
        if (!jscan_plain_(p + 1, (size_t)(end - p - 1), &r) || (r.seen & TEXT_JSTR_HIGH)) break;
        s->p = p + 2 + r.at;
        return true;
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        p = digits(p + 1, end);
        if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) break;
        s->p = p;
        return true;
    case '-':
    case '0': /* a fraction (timings): validated as the fast loop would */
        if (!(p = number_end(p, end))) break;
        s->p = p;
        return true;
    case '[':
    case '{':
        if (end - p < 2 || p[1] != (*p == '[' ? ']' : '}') || s->depth >= JSCAN_MAX_DEPTH) break;
        s->p = p + 2;
        s->fresh = false;
        return true;
    default:
        break;
    }
    return skip_any(s);
}

bool jscan_done(struct jscan *s)
{
    skip_ws(s);
    if (s->err) return false;
    if (s->p != s->end) return fail(s, "trailing characters after the value");
    return true;
}

bool jscan_whole_value(const char *p, size_t n)
{
    struct jscan s;
    jscan_init(&s, p, n);
    return jscan_skip(&s) && jscan_done(&s);
}
