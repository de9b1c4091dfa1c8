/* record.c: the few fields of an exchange record that compare needs, pulled
 * out of one JSON line by a scanner that builds nothing: id, method, target,
 * status, the compared response headers, the response body (kept raw, and
 * decoded only when the raw bytes differ), timings.wait, _lag, _error.
 * Everything it passes over is still checked as jv_parse checks it (RFC
 * 8259 grammar, escapes, control characters, nesting depth), so a line is
 * refused exactly when a whole-tree parse would refuse it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cutover/text.h"

struct rscan {
    const char *p, *end;
    int depth;
    struct jarena *a;
    bool nomem;
};

/* A string value or key, raw (escapes not decoded). */
struct rstr {
    const char *p;
    size_t n;
    bool esc;
};

/* JSON's whitespace as bits. Records are written without whitespace: one
 * test settles the usual byte (every whitespace byte is at most ' '). */
#define WS_MASK (1ULL << ' ' | 1ULL << '\n' | 1ULL << '\r' | 1ULL << '\t')

static void skip_ws(struct rscan *s)
{
    while (s->p < s->end && (unsigned char)*s->p <= ' ' &&
           ((1ULL << (unsigned char)*s->p) & WS_MASK))
        s->p++;
}

static bool at(struct rscan *s, char c)
{
    skip_ws(s);
    return s->p < s->end && *s->p == c;
}

/* The string at s->p (on its opening quote). */
static bool scan_str(struct rscan *s, struct rstr *out)
{
    const char *b = s->p + 1;
    size_t n = jv_str_scan(b, (size_t)(s->end - b), &out->esc);
    if (n == SIZE_MAX) return false;
    out->p = b;
    out->n = n;
    s->p = b + n + 1;
    return true;
}

/* The decoded bytes of r, NUL-terminated, in the arena (or r itself when
 * it has no escape: the line is not NUL-terminated, so *len is the bound). */
static const char *decode(struct rscan *s, const struct rstr *r, size_t *len)
{
    if (!r->esc) {
        *len = r->n;
        return r->p;
    }
    char *o = jarena_alloc(s->a, r->n + 1);
    if (!o) {
        s->nomem = true;
        return NULL;
    }
    *len = jv_str_decode(r->p, r->n, o);
    o[*len] = '\0';
    return o;
}

/* A decoded copy that ends at its first NUL, for the fields the whole-tree
 * reader handed on as C strings (url, encoding, mimeType, header names). */
static const char *decode_cstr(struct rscan *s, const struct rstr *r, size_t *len)
{
    const char *d = decode(s, r, len);
    if (d && r->esc) *len = strlen(d);
    return d;
}

static bool skip_value(struct rscan *s);
static bool skip_here(struct rscan *s);

static inline __attribute__((always_inline)) bool skip_number(struct rscan *s)
{
    const char *p = s->p, *e = s->end;
    if (p < e && *p == '-') p++;
    if (p >= e || *p < '0' || *p > '9') return false;
    if (*p == '0')
        p++;
    else
        while (p < e && *p >= '0' && *p <= '9') p++;
    if (p < e && *p == '.') {
        p++;
        if (p >= e || *p < '0' || *p > '9') return false;
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || *p < '0' || *p > '9') return false;
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    s->p = p;
    return true;
}

static bool literal(struct rscan *s, const char *w, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0) return false;
    s->p += n;
    return true;
}

/* After an item of a container: ',' (another follows) or the closer. */
static int next_item(struct rscan *s, char close)
{
    skip_ws(s);
    if (s->p >= s->end) return -1;
    if (*s->p == ',') {
        s->p++;
        return 1;
    }
    if (*s->p == close) {
        s->p++;
        s->depth--;
        return 0;
    }
    return -1;
}

/* Enter a container at s->p; false when nesting is too deep. */
static bool enter(struct rscan *s)
{
    if (++s->depth > JDIFF_MAX_DEPTH) return false;
    s->p++;
    return true;
}

static bool skip_array(struct rscan *s)
{
    if (!enter(s)) return false;
    if (at(s, ']')) {
        s->p++;
        s->depth--;
        return true;
    }
    for (;;) {
        if (!skip_value(s)) return false;
        int k = next_item(s, ']');
        if (k <= 0) return k == 0;
    }
}

typedef bool (*member_fn)(struct rscan *s, const struct rstr *key, void *ctx);

/* Walk the object at s->p, handing each member to fn, which consumes its
 * value (skip_value when it has no use for it). */
static bool walk_object(struct rscan *s, member_fn fn, void *ctx)
{
    if (!enter(s)) return false;
    if (at(s, '}')) {
        s->p++;
        s->depth--;
        return true;
    }
    for (;;) {
        struct rstr key;
        if (!at(s, '"') || !scan_str(s, &key)) return false;
        /* records have no whitespace: the colon is usually right there */
        if (s->p >= s->end || *s->p != ':') {
            if (!at(s, ':')) return false;
        }
        s->p++;
        skip_ws(s);
        if (!fn(s, &key, ctx)) return false;
        int k = next_item(s, '}');
        if (k <= 0) return k == 0;
    }
}

/* A flat object of string members without whitespace (a header element
 * {"name":"Host","value":"api"}, postData, most of what a record skips),
 * passed over without walking it: the same strings scanned, the same depth
 * limit. false, and s untouched, for anything else (the walk reads it). */
static bool flat_skip(struct rscan *s)
{
    if (s->depth + 1 > JDIFF_MAX_DEPTH) return false;
    const char *p = s->p + 1, *e = s->end;
    for (;;) {
        bool esc;
        if (p >= e || *p != '"') return false;
        size_t n = jv_str_scan(p + 1, (size_t)(e - p - 1), &esc);
        if (n == SIZE_MAX) return false;
        p += n + 2;
        if (e - p < 2 || p[0] != ':' || p[1] != '"') return false;
        n = jv_str_scan(p + 2, (size_t)(e - p - 2), &esc);
        if (n == SIZE_MAX) return false;
        p += n + 3;
        if (p >= e) return false;
        if (*p == '}') {
            s->p = p + 1;
            return true;
        }
        if (*p != ',') return false;
        p++;
    }
}

static bool skip_member(struct rscan *s, const struct rstr *key, void *ctx)
{
    (void)key;
    (void)ctx;
    return skip_here(s);
}

/* The value at s->p, whitespace before it already passed over (as
 * walk_object does before handing a member on). */
static bool skip_here(struct rscan *s)
{
    struct rstr str;
    if (s->p >= s->end) return false;
    switch (*s->p) {
    case '{':
        return flat_skip(s) || walk_object(s, skip_member, NULL);
    case '[':
        return skip_array(s);
    case '"':
        return scan_str(s, &str);
    case 't':
        return literal(s, "true", 4);
    case 'f':
        return literal(s, "false", 5);
    case 'n':
        return literal(s, "null", 4);
    default:
        return skip_number(s);
    }
}

static bool skip_value(struct rscan *s)
{
    skip_ws(s);
    return skip_here(s);
}

/* ---- the fields ---- */

/* A key a level looks for, with its length. */
struct rkey {
    const char *s;
    size_t n;
};

#define RKEY(lit)                                                                                  \
    {                                                                                              \
        lit, sizeof lit - 1                                                                        \
    }

/* Which of a level's keys key is: its index in names, or -1. Keys with
 * escapes are decoded first ("_\u0069d" is "_id" to a JSON reader). */
static int key_index(const struct rstr *key, const struct rkey *names, int n)
{
    char tmp[64];
    const char *k = key->p;
    size_t kl = key->n;
    if (key->esc) {
        /* every name here is ASCII of at most 10 characters: 60 bytes as \u escapes */
        if (kl > sizeof tmp) return -1;
        kl = jv_str_decode(key->p, key->n, tmp);
        k = tmp;
    }
    for (int i = 0; i < n; i++)
        if (names[i].n == kl && names[i].s[0] == k[0] && memcmp(names[i].s, k, kl) == 0) return i;
    return -1;
}

/* Member values the record reader keeps, by level; only the first of a
 * duplicated key counts, as with jv_get. */
struct rctx {
    struct cmp_rec *r;
    const struct cmp_rec *ref; /* the paired record read before, or NULL */
    const char *const *hnames;
    size_t nh;
    unsigned seen; /* bit per field already met */
    struct rstr url;
    bool have_target, have_url;
    bool decode_body; /* content.text decoded as it is scanned */
};

/* Exact powers of ten a double holds. */
static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A plain decimal (no exponent, at most 15 digits) as strtod would read it:
 * digits and 10^k are exact in a double and one IEEE division rounds
 * correctly, so the result is the same (Clinger's fast path). */
static bool fast_decimal(const char *p, size_t n, double *out)
{
    uint64_t m = 0;
    int digits = 0, frac = -1;
    bool neg = n && *p == '-';
    for (size_t i = neg; i < n; i++) {
        if (p[i] == '.') {
            frac = 0;
            continue;
        }
        if (p[i] < '0' || p[i] > '9' || ++digits > 15) return false;
        m = m * 10 + (uint64_t)(p[i] - '0');
        if (frac >= 0) frac++;
    }
    double v = frac > 0 ? (double)m / pow10[frac] : (double)m;
    *out = neg ? -v : v;
    return true;
}

static bool number_of(struct rscan *s, double *out)
{
    const char *b = s->p;
    if (!skip_number(s)) return false;
    size_t n = (size_t)(s->p - b);
    if (fast_decimal(b, n, out)) return true;
    char tmp[64];
    char *t = tmp;
    if (n >= sizeof tmp && !(t = jarena_alloc(s->a, n + 1))) {
        s->nomem = true;
        return false;
    }
    memcpy(t, b, n);
    t[n] = '\0';
    *out = strtod(t, NULL);
    return true;
}

/* A number member: its value when it is a number; otherwise skipped. */
static bool num_member(struct rscan *s, double *out)
{
    if (s->p < s->end && (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))) return number_of(s, out);
    return skip_value(s);
}

/* A string member: *out set when it is a string; otherwise skipped. */
static bool str_member(struct rscan *s, struct rstr *out, bool *is_str)
{
    *is_str = s->p < s->end && *s->p == '"';
    return *is_str ? scan_str(s, out) : skip_value(s);
}

/* Whether this is the first member with field bit f (and mark it). */
static bool first(struct rctx *x, unsigned f)
{
    bool was = x->seen & f;
    x->seen |= f;
    return !was;
}

enum {
    F_ID = 1u << 0,
    F_REQ = 1u << 1,
    F_RESP = 1u << 2,
    F_TIMINGS = 1u << 3,
    F_LAG = 1u << 4,
    F_ERROR = 1u << 5,
    F_METHOD = 1u << 6,
    F_TARGET = 1u << 7,
    F_URL = 1u << 8,
    F_STATUS = 1u << 9,
    F_HEADERS = 1u << 10,
    F_CONTENT = 1u << 11,
    F_TEXT = 1u << 12,
    F_ENC = 1u << 13,
    F_TRUNC = 1u << 14,
    F_MIME = 1u << 15,
    F_WAIT = 1u << 16,
};

static bool timings_member(struct rscan *s, const struct rstr *key, void *ctx)
{
    static const struct rkey names[] = {RKEY("wait")};
    struct rctx *x = ctx;
    if (key_index(key, names, 1) == 0 && first(x, F_WAIT)) return num_member(s, &x->r->wait_ms);
    return skip_here(s);
}

/* content.text (s->p on its quote) scanned and, when it has escapes,
 * decoded in the same pass (cmp_rec_body's work): a compared pair's bodies
 * are decoded unless they are the same as written, and most differ. The
 * decoded text is at most as long as the rest of the line. */
static bool body_text(struct rscan *s, struct cmp_rec *r)
{
    const char *b = s->p + 1;
    size_t room = (size_t)(s->end - b), cap = room + 33, n = 0;
    char *o = jarena_alloc(s->a, cap);
    if (!o) return s->nomem = true, false;
    struct text_jstr t = text_jstr_scan_decode(b, room, 0, o, &n);
    bool esc = t.end == TEXT_JSTR_OK && (t.seen & TEXT_JSTR_ESC);
    jarena_shrink(s->a, o, cap, esc ? n + 1 : 0);
    if (t.end != TEXT_JSTR_OK) return false;
    r->body_raw = b;
    r->body_raw_len = t.at;
    r->body_esc = esc;
    if (esc) {
        o[n] = '\0';
        r->body = o;
        r->body_len = n;
    }
    s->p = b + t.at + 1;
    return true;
}

static bool content_member(struct rscan *s, const struct rstr *key, void *ctx)
{
    static const struct rkey names[] = {RKEY("text"), RKEY("encoding"), RKEY("_truncated"),
                                        RKEY("mimeType")};
    static const unsigned bits[] = {F_TEXT, F_ENC, F_TRUNC, F_MIME};
    struct rctx *x = ctx;
    struct cmp_rec *r = x->r;
    int i = key_index(key, names, 4);
    if (i < 0 || !first(x, bits[i])) return skip_here(s);
    struct rstr v;
    bool is_str;
    size_t n;
    const char *d;
    switch (i) {
    case 0:
        if (x->decode_body && s->p < s->end && *s->p == '"') return body_text(s, r);
        if (!str_member(s, &v, &is_str)) return false;
        if (is_str) {
            r->body_raw = v.p;
            r->body_raw_len = v.n;
            r->body_esc = v.esc;
        }
        return true;
    case 1:
        if (!str_member(s, &v, &is_str)) return false;
        if (is_str && (d = decode_cstr(s, &v, &n)) != NULL)
            r->body_b64 = n == 6 && memcmp(d, "base64", 6) == 0;
        return !s->nomem;
    case 2:
        if (s->p < s->end && *s->p == 't') return r->body_truncated = true, literal(s, "true", 4);
        return skip_value(s);
    default:
        if (!str_member(s, &v, &is_str)) return false;
        if (is_str) r->mime = decode_cstr(s, &v, &r->mime_len);
        return !s->nomem;
    }
}

/* The value of the compared header hi gets v appended (", " between the
 * values of a repeated header, as the whole-tree reader joined them). */
/* Append the decoded value d[0..n) to the compared header h. */
static bool hval_add(struct rscan *s, struct cmp_hval *h, const char *d, size_t n)
{
    if (!h->present) {
        h->present = true;
        h->v = d;
        h->n = n;
        return true;
    }
    char *j = jarena_alloc(s->a, h->n + 2 + n + 1);
    if (!j) return s->nomem = true, false;
    memcpy(j, h->v, h->n);
    memcpy(j + h->n, ", ", 2);
    memcpy(j + h->n + 2, d, n);
    j[h->n + 2 + n] = '\0';
    h->v = j;
    h->n += 2 + n;
    return true;
}

struct hctx {
    struct rstr name, value;
    bool has_name, has_value, seen_name, seen_value;
};

static bool header_member(struct rscan *s, const struct rstr *key, void *ctx)
{
    static const struct rkey names[] = {RKEY("name"), RKEY("value")};
    struct hctx *h = ctx;
    int i = key_index(key, names, 2);
    bool *seen = i == 0 ? &h->seen_name : &h->seen_value;
    if (i < 0 || *seen) return skip_here(s);
    *seen = true;
    return str_member(s, i == 0 ? &h->name : &h->value, i == 0 ? &h->has_name : &h->has_value);
}

/* The usual element, {"name":"N","value":"V"} without whitespace, read
 * without walking it: what header_member keeps of it (the same strings
 * scanned, the same depth limit). false, and s untouched, otherwise. */
static bool header_fast(struct rscan *s, struct hctx *h)
{
    static const char k1[] = "{\"name\":\"", k2[] = "\",\"value\":\"";
    const char *p = s->p, *e = s->end;
    if (s->depth + 1 > JDIFF_MAX_DEPTH || (size_t)(e - p) < sizeof k1 - 1 ||
        memcmp(p, k1, sizeof k1 - 1) != 0)
        return false;
    p += sizeof k1 - 1;
    bool esc;
    size_t n = jv_str_scan(p, (size_t)(e - p), &esc);
    if (n == SIZE_MAX) return false;
    struct rstr name = {p, n, esc};
    p += n;
    if ((size_t)(e - p) < sizeof k2 - 1 || memcmp(p, k2, sizeof k2 - 1) != 0) return false;
    p += sizeof k2 - 1;
    n = jv_str_scan(p, (size_t)(e - p), &esc);
    if (n == SIZE_MAX || (size_t)(e - p) < n + 2 || p[n + 1] != '}') return false;
    h->name = name;
    h->value = (struct rstr){p, n, esc};
    h->has_name = h->has_value = true;
    s->p = p + n + 2;
    return true;
}

/* One element of response.headers: when it names a compared header, its
 * value is kept (*hi: which one, -1 for none; *d, *dn: the value). */
static bool header_item(struct rscan *s, struct rctx *x, int *hi, const char **d, size_t *dn)
{
    *hi = -1;
    if (!at(s, '{')) return skip_value(s);
    struct hctx h;
    memset(&h, 0, sizeof h);
    if (!header_fast(s, &h) && !walk_object(s, header_member, &h)) return false;
    if (!h.has_name || !h.has_value || !x->nh) return true;
    size_t nl;
    const char *name = decode_cstr(s, &h.name, &nl);
    if (!name) return false;
    for (size_t i = 0; i < x->nh; i++) {
        /* the first letters first: most names differ there (a test that
         * never tells equal names apart, whatever their bytes) */
        const char *hn = x->hnames[i];
        if (nl && ((unsigned char)hn[0] | 0x20) != ((unsigned char)name[0] | 0x20)) continue;
        if (!text_ieqn(name, nl, hn, strlen(hn))) continue;
        if (!(*d = decode(s, &h.value, dn))) return false;
        *hi = (int)i;
        return hval_add(s, &x->r->hv[i], *d, *dn);
    }
    return true;
}

/* Keep element k of a record read alone, for its pair. */
static bool keep_header(struct rscan *s, struct cmp_rec *r, const struct cmp_hdr *h)
{
    if (r->nhdrs == r->caphdrs) {
        uint32_t cap = r->caphdrs ? r->caphdrs * 2 : 8;
        struct cmp_hdr *v = jarena_alloc(s->a, cap * sizeof *v);
        if (!v) return s->nomem = true, false;
        if (r->nhdrs) memcpy(v, r->hdrs, r->nhdrs * sizeof *v);
        r->hdrs = v;
        r->caphdrs = cap;
    }
    r->hdrs[r->nhdrs++] = *h;
    return true;
}

/* An element that is, byte for byte, the paired record's element at the
 * same place gives what that one gave (an object: it ends where it ends;
 * it was checked there, at the same depth). */
static const struct cmp_hdr *same_header(const struct rscan *s, const struct rctx *x, uint32_t k)
{
    if (!x->ref || k >= x->ref->nhdrs) return NULL;
    const struct cmp_hdr *q = &x->ref->hdrs[k];
    bool same =
        *q->raw == '{' && (size_t)(s->end - s->p) >= q->len && memcmp(s->p, q->raw, q->len) == 0;
    return same ? q : NULL;
}

static bool resp_headers(struct rscan *s, struct rctx *x)
{
    if (!at(s, '[')) return skip_value(s);
    if (!enter(s)) return false;
    if (at(s, ']')) {
        s->p++;
        s->depth--;
        return true;
    }
    for (uint32_t k = 0;; k++) {
        skip_ws(s);
        const struct cmp_hdr *q = same_header(s, x, k);
        if (q) {
            s->p += q->len;
            if (q->hi >= 0 && !hval_add(s, &x->r->hv[q->hi], q->v, q->n)) return false;
        } else {
            struct cmp_hdr h = {s->p, 0, -1, NULL, 0};
            if (!header_item(s, x, &h.hi, &h.v, &h.n)) return false;
            h.len = (size_t)(s->p - h.raw);
            if (!x->ref && h.len && !keep_header(s, x->r, &h)) return false;
        }
        int more = next_item(s, ']');
        if (more <= 0) return more == 0;
    }
}

static bool response_member(struct rscan *s, const struct rstr *key, void *ctx)
{
    static const struct rkey names[] = {RKEY("status"), RKEY("headers"), RKEY("content")};
    static const unsigned bits[] = {F_STATUS, F_HEADERS, F_CONTENT};
    struct rctx *x = ctx;
    int i = key_index(key, names, 3);
    if (i < 0 || !first(x, bits[i])) return skip_here(s);
    if (i == 0) {
        double d = 0;
        if (!num_member(s, &d)) return false;
        /* as (int) of the double, defined for every value */
        x->r->status = d >= -2147483648.0 && d < 2147483648.0 ? (int)d : INT32_MIN;
        return true;
    }
    if (i == 1) return resp_headers(s, x);
    return at(s, '{') ? walk_object(s, content_member, x) : skip_value(s);
}

static bool request_member(struct rscan *s, const struct rstr *key, void *ctx)
{
    static const struct rkey names[] = {RKEY("method"), RKEY("_target"), RKEY("url")};
    static const unsigned bits[] = {F_METHOD, F_TARGET, F_URL};
    struct rctx *x = ctx;
    struct cmp_rec *r = x->r;
    int i = key_index(key, names, 3);
    if (i < 0 || !first(x, bits[i])) return skip_here(s);
    struct rstr v;
    bool is_str;
    if (!str_member(s, &v, &is_str)) return false;
    if (!is_str) return true;
    if (i == 0) {
        r->method = decode(s, &v, &r->mlen);
    } else if (i == 1) {
        r->target = decode(s, &v, &r->tlen);
        x->have_target = true;
    } else {
        x->url = v;
        x->have_url = true;
    }
    return !s->nomem;
}

/* The first request member: taken from the paired record when its bytes
 * are the same (they were checked there, at the same depth), else read. */
static bool request_of(struct rscan *s, struct rctx *x)
{
    struct cmp_rec *r = x->r;
    const struct cmp_req *q = x->ref ? &x->ref->req : NULL;
    skip_ws(s);
    const char *start = s->p;
    if (q && q->raw && (size_t)(s->end - s->p) >= q->len && memcmp(s->p, q->raw, q->len) == 0) {
        s->p += q->len;
        r->req = *q;
    } else {
        bool obj = at(s, '{');
        if (!(obj ? walk_object(s, request_member, x) : skip_value(s))) return false;
        if (!obj) return true;
        r->req.raw = start;
        r->req.len = (size_t)(s->p - start);
        r->req.method = r->method;
        r->req.mlen = r->mlen;
        r->req.target = r->target;
        r->req.tlen = r->tlen;
        r->req.has_target = x->have_target;
        r->req.has_url = x->have_url;
        r->req.url = x->url.p;
        r->req.ulen = x->url.n;
        r->req.url_esc = x->url.esc;
        return true;
    }
    r->method = q->method;
    r->mlen = q->mlen;
    r->target = q->target;
    r->tlen = q->tlen;
    x->have_target = q->has_target;
    x->have_url = q->has_url;
    x->url = (struct rstr){q->url, q->ulen, q->url_esc};
    return true;
}

static bool root_member(struct rscan *s, const struct rstr *key, void *ctx)
{
    static const struct rkey names[] = {RKEY("_id"),     RKEY("request"), RKEY("response"),
                                        RKEY("timings"), RKEY("_lag"),    RKEY("_error")};
    static const unsigned bits[] = {F_ID, F_REQ, F_RESP, F_TIMINGS, F_LAG, F_ERROR};
    static const member_fn walkers[] = {NULL, request_member, response_member, timings_member};
    struct rctx *x = ctx;
    struct cmp_rec *r = x->r;
    int i = key_index(key, names, 6);
    if (i < 0 || !first(x, bits[i])) return skip_here(s);
    struct rstr v;
    bool is_str;
    switch (i) {
    case 0:
        if (!str_member(s, &v, &is_str)) return false;
        if (is_str) r->id = decode(s, &v, &r->idlen);
        return !s->nomem;
    case 1:
        return request_of(s, x);
    case 4:
        return num_member(s, &r->lag_ms);
    case 5:
        if (!str_member(s, &v, &is_str)) return false;
        if (is_str) r->error = v.p;
        return true;
    default:
        return at(s, '{') ? walk_object(s, walkers[i], x) : skip_value(s);
    }
}

/* The path of an absolute URL (what the whole-tree reader took, as C
 * strings, when a record has no _target). */
static const char *target_of_url(const char *url, size_t *n)
{
    const char *p = strstr(url, "://");
    if (!p) {
        *n = strlen(url);
        return url;
    }
    p = strchr(p + 3, '/');
    if (!p) p = "/";
    *n = strlen(p);
    return p;
}

static void rec_clear(struct cmp_rec *r)
{
    memset(r, 0, sizeof *r);
    r->body_raw = "";
    r->wait_ms = -1;
    r->lag_ms = -1;
}

static enum cut_err rec_parse(struct jarena *a, const char *line, size_t len,
                              const char *const *hnames, size_t nh, const struct cmp_rec *ref,
                              bool decode_body, struct cmp_rec *r, char *err, size_t errlen);

enum cut_err cmp_rec_parse(struct jarena *a, const char *line, size_t len,
                           const char *const *hnames, size_t nh, struct cmp_rec *r, char *err,
                           size_t errlen)
{
    return rec_parse(a, line, len, hnames, nh, NULL, false, r, err, errlen);
}

enum cut_err cmp_rec_parse_like(struct jarena *a, const char *line, size_t len,
                                const char *const *hnames, size_t nh, const struct cmp_rec *ref,
                                struct cmp_rec *r, char *err, size_t errlen)
{
    return rec_parse(a, line, len, hnames, nh, ref, true, r, err, errlen);
}

static enum cut_err rec_parse(struct jarena *a, const char *line, size_t len,
                              const char *const *hnames, size_t nh, const struct cmp_rec *ref,
                              bool decode_body, struct cmp_rec *r, char *err, size_t errlen)
{
    rec_clear(r);
    r->line = line;
    r->len = len;
    struct rscan s = {line, line + len, 0, a, false};
    struct rctx x;
    memset(&x, 0, sizeof x);
    x.r = r;
    x.ref = ref;
    x.hnames = hnames;
    x.nh = nh;
    x.decode_body = decode_body;
    if (nh && !(r->hv = jarena_alloc(a, nh * sizeof *r->hv))) return CUT_ENOMEM;
    if (nh) memset(r->hv, 0, nh * sizeof *r->hv);
    bool obj = at(&s, '{');
    bool ok = obj ? walk_object(&s, root_member, &x) : skip_value(&s);
    skip_ws(&s);
    if (s.nomem) return CUT_ENOMEM;
    if (!ok || s.p != s.end) {
        snprintf(err, errlen, "invalid JSON at byte %zu", (size_t)(s.p - line) + 1);
        return CUT_EPARSE;
    }
    if (!obj) {
        snprintf(err, errlen, "not a JSON object");
        return CUT_EPARSE;
    }
    if (!x.have_target && x.have_url) {
        size_t n;
        const char *url = decode(&s, &x.url, &n);
        if (!url) return CUT_ENOMEM;
        if (!x.url.esc) { /* target_of_url wants a C string */
            char *t = jarena_alloc(a, n + 1);
            if (!t) return CUT_ENOMEM;
            memcpy(t, url, n);
            t[n] = '\0';
            url = t;
        }
        r->target = target_of_url(url, &r->tlen);
    }
    if (!r->id || !r->method || !r->target) {
        snprintf(err, errlen, "entry lacks %s", !r->id ? "_id" : "request.method or request.url");
        return CUT_EPARSE;
    }
    return CUT_OK;
}

enum cut_err cmp_rec_body(struct jarena *a, struct cmp_rec *r)
{
    if (r->body) return CUT_OK;
    if (!r->body_esc) {
        r->body = r->body_raw;
        r->body_len = r->body_raw_len;
        return CUT_OK;
    }
    char *o = jarena_alloc(a, r->body_raw_len + 1);
    if (!o) return CUT_ENOMEM;
    r->body_len = jv_str_decode(r->body_raw, r->body_raw_len, o);
    o[r->body_len] = '\0';
    r->body = o;
    return CUT_OK;
}
