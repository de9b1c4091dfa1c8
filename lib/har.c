/* har.c: HAR 1.2 entries as JSON Lines.  Both directions are on the hot
 * paths (capture's and replay's writers, replay's and compare's readers), so
 * neither builds a JSON tree: the writer escapes over jsonw, the reader pulls
 * fields with jscan. The reader holds one line at a time, except for a whole
 * HAR document, which is loaded once. */
#include "cutover/har.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cutover/jscan.h"
#include "cutover/jsonw.h"
#include "cutover/text.h"

/* ---- writer ---- */

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        enum cut_err e_ = (expr);                                                                  \
        if (e_) return e_;                                                                         \
    } while (0)

/* The first Content-Type and Location of a header list, found while it is
 * written (as headers_get would find them) instead of by two more passes. */
struct known_headers {
    const struct header *ct, *loc;
};

/* The members of the headers array (the brackets are in the callers'
 * literals, with the punctuation around them). */
static enum cut_err put_headers(struct buf *b, const struct headers *h, struct known_headers *k)
{
    k->ct = k->loc = NULL;
    for (size_t i = 0; i < h->n; i++) {
        /* name and value are one allocation (exchange.h): the name's
         * length is where the value starts. */
        const struct header *hd = &h->v[i];
        size_t nlen = (size_t)(hd->value - hd->name - 1);
        if (!k->ct && text_ieqn(hd->name, nlen, "Content-Type", 12)) k->ct = hd;
        if (!k->loc && text_ieqn(hd->name, nlen, "Location", 8)) k->loc = hd;
        if (i) TRY(buf_putc_nonul(b, ','));
        TRY(jsonw_name_value(b, hd->name, nlen, hd->value, hd->value_len));
    }
    return CUT_OK;
}

/* HAR's queryString: the target's query split on '&', names and values
 * percent-decoded; the opening bracket is the caller's. */
static enum cut_err put_query(struct buf *b, const char *target)
{
    const char *q = target ? strchr(target, '?') : NULL;
    struct buf tmp = BUF_INIT;
    enum cut_err e = CUT_OK;
    int first = 1;
    if (q) {
        const char *end = q + 1 + strcspn(q + 1, "#");
        for (const char *p = q + 1; p < end && !e;) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            if (!amp) amp = end;
            if (amp > p) {
                const char *eq = memchr(p, '=', (size_t)(amp - p));
                const char *nend = eq ? eq : amp;
                e = buf_append_nonul(b, first ? "{\"name\":" : ",{\"name\":", first ? 8 : 9);
                first = 0;
                buf_reset(&tmp);
                if (!e) e = text_pct_decode(&tmp, p, (size_t)(nend - p), true);
                if (!e) e = jsonw_str(b, tmp.data, tmp.len);
                if (!e) e = buf_append_nonul(b, ",\"value\":", 9);
                buf_reset(&tmp);
                if (!e && eq) e = text_pct_decode(&tmp, eq + 1, (size_t)(amp - eq - 1), true);
                if (!e) e = jsonw_str(b, tmp.data, tmp.len);
                if (!e) e = buf_putc_nonul(b, '}');
            }
            p = amp + 1;
        }
    }
    buf_free(&tmp);
    return e ? e : buf_putc_nonul(b, ']');
}

/* ,"text":… plus "encoding" (or the given key) when the bytes are not UTF-8. */
static enum cut_err put_text(struct buf *b, const struct buf *body, const char *enc_key)
{
    TRY(buf_append_nonul(b, ",\"text\":", 8));
    enum cut_err e = jsonw_utf8(b, body->data, body->len);
    if (e != CUT_EPARSE) return e;
    TRY(buf_putc_nonul(b, '"'));
    TRY(text_b64_encode(b, body->data, body->len));
    TRY(buf_append_nonul(b, "\",", 2));
    TRY(jsonw_key(b, enc_key));
    return buf_append_nonul(b, "\"base64\"", 8);
}

/* A found header's value as a JSON string, "" when there is none. */
static enum cut_err put_value_of(struct buf *b, const struct header *hd)
{
    return hd ? jsonw_str(b, hd->value, hd->value_len) : buf_append_nonul(b, "\"\"", 2);
}

/* The request's ,"text":…: the JSON string the reader kept when the body is
 * still the one it stood for (what jsonw would write, without escaping the
 * body again), else put_text's. */
static enum cut_err put_request_text(struct buf *b, const struct http_request *r)
{
    const struct buf *j = &r->body_json, *a = &r->body_as_read;
    if (!j->len || b->max || a->len != r->body.len || memcmp(a->data, r->body.data, a->len) != 0)
        return put_text(b, &r->body, "_encoding");
    TRY(buf_append_nonul(b, ",\"text\":\"", 9));
    TRY(buf_append(b, j->data, j->len));
    return buf_putc_nonul(b, '"');
}

static enum cut_err put_request(struct buf *b, const struct http_request *r)
{
    struct known_headers k;
    TRY(buf_append_nonul(b, ",\"request\":{\"method\":", 21));
    TRY(jsonw_cstr(b, r->method ? r->method : ""));
    TRY(buf_append_nonul(b, ",\"url\":", 7));
    TRY(jsonw_cstr(b, r->url ? r->url : (r->target ? r->target : "")));
    TRY(buf_append_nonul(b, ",\"httpVersion\":", 15));
    TRY(jsonw_cstr(b, r->version ? r->version : "HTTP/1.1"));
    TRY(buf_append_nonul(b, ",\"cookies\":[],\"headers\":[", 25));
    TRY(put_headers(b, &r->headers, &k));
    TRY(buf_append_nonul(b, "],\"queryString\":[", 17));
    TRY(put_query(b, r->target));
    TRY(buf_append_nonul(b, ",\"headersSize\":", 15));
    TRY(jsonw_i64(b, r->headers_size));
    TRY(buf_append_nonul(b, ",\"bodySize\":", 12));
    TRY(jsonw_i64(b, r->has_body ? (r->body_size >= 0 ? r->body_size : (int64_t)r->body.len) : 0));
    if (r->target) {
        TRY(buf_append_nonul(b, ",\"_target\":", 11));
        TRY(jsonw_cstr(b, r->target));
    }
    if (r->has_body) {
        TRY(buf_append_nonul(b, ",\"postData\":{\"mimeType\":", 24));
        TRY(put_value_of(b, k.ct));
        TRY(put_request_text(b, r));
        if (r->body_truncated) TRY(buf_append_nonul(b, ",\"_truncated\":true", 18));
        TRY(buf_putc_nonul(b, '}'));
    }
    return buf_putc_nonul(b, '}');
}

static enum cut_err put_response(struct buf *b, const struct http_response *r)
{
    struct known_headers k;
    int64_t csize = r->content_size >= 0 ? r->content_size : (int64_t)r->body.len;
    TRY(buf_append_nonul(b, ",\"response\":{\"status\":", 22));
    TRY(jsonw_i64(b, r->status));
    TRY(buf_append_nonul(b, ",\"statusText\":", 14));
    TRY(jsonw_cstr(b, r->reason ? r->reason : ""));
    TRY(buf_append_nonul(b, ",\"httpVersion\":", 15));
    TRY(jsonw_cstr(b, r->version ? r->version : (r->status ? "HTTP/1.1" : "")));
    TRY(buf_append_nonul(b, ",\"cookies\":[],\"headers\":[", 25));
    TRY(put_headers(b, &r->headers, &k));
    TRY(buf_append_nonul(b, "],\"content\":{\"size\":", 20));
    TRY(jsonw_i64(b, csize));
    if (r->compression) {
        TRY(buf_append_nonul(b, ",\"compression\":", 15));
        TRY(jsonw_i64(b, r->body_size >= 0 ? csize - r->body_size : 0));
    }
    TRY(buf_append_nonul(b, ",\"mimeType\":", 12));
    TRY(put_value_of(b, k.ct));
    TRY(put_text(b, &r->body, "encoding"));
    if (r->body_truncated) TRY(buf_append_nonul(b, ",\"_truncated\":true", 18));
    TRY(buf_append_nonul(b, "},\"redirectURL\":", 16));
    TRY(put_value_of(b, k.loc));
    TRY(buf_append_nonul(b, ",\"headersSize\":", 15));
    TRY(jsonw_i64(b, r->headers_size));
    TRY(buf_append_nonul(b, ",\"bodySize\":", 12));
    TRY(jsonw_i64(b, r->body_size >= 0 ? r->body_size : (r->status ? (int64_t)r->body.len : -1)));
    return buf_putc_nonul(b, '}');
}

static double nonneg(double v)
{
    return v > 0 ? v : 0;
}

static enum cut_err write_entry(struct buf *b, const struct exchange *x)
{
    TRY(buf_append_nonul(b, "{\"_id\":", 7));
    TRY(jsonw_cstr(b, x->id ? x->id : ""));
    TRY(buf_append_nonul(b, ",\"startedDateTime\":", 19));
    TRY(jsonw_time(b, x->started_us));
    TRY(buf_append_nonul(b, ",\"time\":", 8));
    TRY(jsonw_ms(b, nonneg(x->send_ms) + nonneg(x->wait_ms) + nonneg(x->receive_ms)));
    TRY(put_request(b, &x->req));
    TRY(put_response(b, &x->resp));
    TRY(buf_append_nonul(b, ",\"cache\":{},\"timings\":{\"send\":", 30));
    TRY(jsonw_ms(b, x->send_ms < 0 ? -1 : x->send_ms));
    TRY(buf_append_nonul(b, ",\"wait\":", 8));
    TRY(jsonw_ms(b, x->wait_ms < 0 ? -1 : x->wait_ms));
    TRY(buf_append_nonul(b, ",\"receive\":", 11));
    TRY(jsonw_ms(b, x->receive_ms < 0 ? -1 : x->receive_ms));
    TRY(buf_putc_nonul(b, '}'));
    if (x->client) {
        TRY(buf_append_nonul(b, ",\"_client\":", 11));
        TRY(jsonw_cstr(b, x->client));
    }
    if (x->server) {
        TRY(buf_append_nonul(b, ",\"_server\":", 11));
        TRY(jsonw_cstr(b, x->server));
    }
    if (x->flow >= 0) {
        TRY(buf_append_nonul(b, ",\"_flow\":", 9));
        TRY(jsonw_i64(b, x->flow));
    }
    if (x->seq >= 0) {
        TRY(buf_append_nonul(b, ",\"_seq\":", 8));
        TRY(jsonw_i64(b, x->seq));
    }
    if (x->error) {
        TRY(buf_append_nonul(b, ",\"_error\":", 10));
        TRY(jsonw_cstr(b, x->error));
    }
    if (x->lag_ms >= 0) {
        TRY(buf_append_nonul(b, ",\"_lag\":", 8));
        TRY(jsonw_ms(b, x->lag_ms));
    }
    return buf_putc_nonul(b, '}');
}

enum cut_err har_write_entry(struct buf *b, const struct exchange *x)
{
    enum cut_err e = write_entry(b, x);
    buf_nul(b); /* the _nonul appends leave it out */
    return e;
}

enum cut_err har_write_doc_open(struct buf *b, const char *version)
{
    TRY(buf_puts(b,
                 "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"cutover\",\"version\":"));
    TRY(jsonw_cstr(b, version));
    return buf_puts(b, "},\"pages\":[],\"entries\":[\n");
}

enum cut_err har_write_doc_close(struct buf *b)
{
    return buf_puts(b, "\n]}}\n");
}

/* ---- parser ---- */

/* The request-target of a HAR url when _target is absent: path and query. */
static const char *target_of_url(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p) return url;
    p = strchr(p + 3, '/');
    return p ? p : "/";
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (H.
 * Hinnant's days_from_civil); linear in d, so a 31st of a shorter month is
 * the next month's first, as timegm makes it. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* The value of the n digits at s, or -1. */
static int digits_at(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DDTHH:MM:SS" as every writer of records puts it, without
 * strptime and timegm (a record's startedDateTime is read for every
 * exchange); NULL for any other form, which goes the general way. */
static const char *parse_canonical(const char *s, int64_t *t)
{
    int y = digits_at(s, 4), mo, d, h, mi, sec;
    if (y < 0 || s[4] != '-' || (mo = digits_at(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' ||
        (d = digits_at(s + 8, 2)) < 1 || d > 31 || s[10] != 'T' || (h = digits_at(s + 11, 2)) < 0 ||
        h > 23 || s[13] != ':' || (mi = digits_at(s + 14, 2)) < 0 || mi > 59 || s[16] != ':' ||
        (sec = digits_at(s + 17, 2)) < 0 || sec > 61)
        return NULL;
    *t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    return s + 19;
}

static int64_t parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int64_t frac_us = 0, t = 0;
    const char *end = s ? parse_canonical(s, &t) : NULL;
    bool canonical = end != NULL;
    if (!end && s) end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) return 0;
    if (*end == '.') {
        int digits = 0;
        for (end++; *end >= '0' && *end <= '9'; end++, digits++)
            if (digits < 6) frac_us = frac_us * 10 + (*end - '0');
        while (digits > 0 && digits < 6) frac_us *= 10, digits++;
    }
    if (!canonical) t = (int64_t)timegm(&tm);
    if ((*end == '+' || *end == '-') && strlen(end) >= 6) {
        int off =
            ((end[1] - '0') * 10 + (end[2] - '0')) * 60 + (end[4] - '0') * 10 + (end[5] - '0');
        t -= (*end == '+' ? 1 : -1) * (int64_t)off * 60;
    }
    return t * 1000000 + frac_us;
}

/* ---- fast parser ----
 * har_parse_entry is on replay's and compare's hot path: it walks the line
 * with jscan and fills the exchange directly, without a jansson tree.
 * Members it does not know are skipped (and validated). A member of the
 * wrong type is ignored, as the tree-based reader ignores it. */

/* The request's strings an exchange held from the record before. */
#define SPARE_STRS 5

struct scan_ctx {
    struct jscan s;
    struct buf tmp;
    unsigned skip;   /* HAR_SKIP_* parts walked over, not stored */
    const char *why; /* what failed when the JSON itself was fine */
    /* The previous record's _id and request strings (exchange_recycle),
     * written over when the new value fits and freed at the end when not
     * taken. Its headers' pairs are kept by the header lists themselves
     * (headers_clear), and headers_add writes over them. */
    char **spare_at[SPARE_STRS];
    char *spare[SPARE_STRS];
};

static bool bad(struct scan_ctx *c, const char *why)
{
    if (!c->why) c->why = why;
    return false;
}

static int64_t num_to_i64(double d, int64_t dflt)
{
    return fabs(d) < 9e18 ? (int64_t)d : dflt;
}

/* scan_slice's string with escapes, decoded into d. */
__attribute__((noinline)) static bool decode_slice(struct scan_ctx *c, struct buf *d,
                                                   const char **out, size_t *n)
{
    buf_reset(d);
    if (buf_grow(d, *n)) return bad(c, "out of memory");
    d->len = text_jstr_decode(*out, *n, d->data);
    *out = d->data;
    *n = d->len;
    return true;
}

/* A string value as a slice: of the line itself when it has no escape,
 * else decoded into d. Inline: a record's header names and values are
 * read here, and most have no escape. */
static inline bool scan_slice(struct scan_ctx *c, struct buf *d, const char **out, size_t *n)
{
    bool esc;
    if (!jscan_raw_string(&c->s, out, n, &esc)) return false;
    return !esc || decode_slice(c, d, out, n);
}

/* A string member into *dst (replacing it); anything else is skipped. */
static bool scan_str(struct scan_ctx *c, char **dst, enum jscan_type t)
{
    const char *str;
    size_t n;
    if (t != JS_STRING) return jscan_skip(&c->s);
    if (!scan_slice(c, &c->tmp, &str, &n)) return false;
    for (int i = 0; i < SPARE_STRS; i++) {
        if (c->spare_at[i] != dst || !c->spare[i]) continue;
        if (n <= strlen(c->spare[i])) {
            free(*dst); /* a member given twice: the last one counts */
            *dst = c->spare[i];
            c->spare[i] = NULL;
            text_copy_short(*dst, str, n);
            (*dst)[n] = '\0';
            return true;
        }
        break;
    }
    return exchange_strset(dst, str, n) == CUT_OK || bad(c, "out of memory");
}

static bool scan_num(struct scan_ctx *c, double *out)
{
    if (jscan_peek(&c->s) != JS_NUMBER) return jscan_skip(&c->s);
    return jscan_number(&c->s, out);
}

static bool scan_i64(struct scan_ctx *c, int64_t *out)
{
    double d = (double)*out;
    if (!scan_num(c, &d)) return false;
    *out = num_to_i64(d, *out);
    return true;
}

static bool scan_bool(struct scan_ctx *c, bool *out)
{
    enum jscan_type t = jscan_peek(&c->s);
    if (t == JS_TRUE) *out = true;
    if (t == JS_FALSE) *out = false;
    return jscan_skip(&c->s);
}

/* The header object {"name":"N","value":"V"} at s->p as the writers put it,
 * with N and V plain ASCII (no escape, control byte or byte >= 0x80): the
 * two strings found by two block scans, and the object passed over, where
 * the member-by-member way scans each key as well (a record's headers are
 * most of its objects). false, with s as it was, for anything else. */
static inline bool plain_header(struct jscan *s, const char **name, size_t *nlen,
                                const char **value, size_t *vlen)
{
    const char *p = s->p, *end = s->end;
    struct text_jstr r;
    if (s->err || end - p < 9 || memcmp(p, "{\"name\":\"", 9) != 0) return false;
    p += 9;
    if (!jscan_plain_(p, (size_t)(end - p), &r) || (r.seen & TEXT_JSTR_HIGH)) return false;
    *name = p;
    *nlen = r.at;
    p += r.at + 1;
    if (end - p < 10 || memcmp(p, ",\"value\":\"", 10) != 0) return false;
    p += 10;
    if (!jscan_plain_(p, (size_t)(end - p), &r) || (r.seen & TEXT_JSTR_HIGH)) return false;
    *value = p;
    *vlen = r.at;
    p += r.at + 1;
    if (p >= end || *p != '}' || s->depth >= JSCAN_MAX_DEPTH) return false;
    s->p = p + 1;
    return true;
}

/* [{"name":…,"value":…},…]; a header without both strings is an error. */
static bool scan_headers(struct scan_ctx *c, struct headers *h, enum jscan_type t)
{
    if (t != JS_ARRAY) return jscan_skip(&c->s);
    struct buf name = BUF_INIT;
    bool ok = jscan_enter(&c->s, JS_ARRAY);
    while (ok && jscan_element(&c->s)) {
        const char *np, *vp;
        size_t nn, vn;
        if (plain_header(&c->s, &np, &nn, &vp, &vn)) {
            if (headers_add(h, np, nn, vp, vn)) ok = bad(c, "out of memory");
            continue;
        }
        const char *k, *str[2] = {NULL, NULL}; /* name, value */
        size_t kl, len[2] = {0, 0};
        bool esc;
        ok = jscan_enter(&c->s, JS_OBJECT);
        while (ok && jscan_member(&c->s, &k, &kl, &esc)) {
            int which = jscan_key_is(k, kl, esc, "name")    ? 0
                        : jscan_key_is(k, kl, esc, "value") ? 1
                                                            : -1;
            if (which >= 0 && jscan_peek(&c->s) == JS_STRING)
                ok = scan_slice(c, which ? &c->tmp : &name, &str[which], &len[which]);
            else
                ok = jscan_skip(&c->s);
        }
        if (c->s.err) break; /* the member loop ended on broken JSON */
        if (ok && !(str[0] && str[1])) ok = bad(c, "a header without a string name and value");
        /* A value is a C string (exchange.h): a decoded \u0000 ends it. */
        if (ok && str[1] == c->tmp.data) len[1] = strnlen(str[1], len[1]);
        if (ok && headers_add(h, str[0], len[0], str[1], len[1])) ok = bad(c, "out of memory");
    }
    buf_free(&name);
    return ok && !c->s.err;
}

/* postData or content: text (base64-decoded when the encoding member, which
 * may come before or after it, says so), _truncated, and the size fields.
 * With json (a request's body_json, as_read its body_as_read), the text's
 * JSON string is kept there when a writer can copy it (exchange.h). */
static bool scan_body(struct scan_ctx *c, struct buf *body, const char *enc_key, bool *truncated,
                      int64_t *size, bool *compressed, struct buf *json, struct buf *as_read)
{
    const char *k, *raw = NULL;
    size_t kl, rawlen = 0;
    bool esc, ok = jscan_enter(&c->s, JS_OBJECT), b64 = false, canon = false;
    buf_reset(body);
    while (ok && jscan_member(&c->s, &k, &kl, &esc)) {
        if (jscan_key_is(k, kl, esc, "text") && jscan_peek(&c->s) == JS_STRING) {
            buf_reset(body);
            ok = jscan_string_raw(&c->s, body, &raw, &rawlen, &canon);
        } else if (jscan_key_is(k, kl, esc, enc_key) && jscan_peek(&c->s) == JS_STRING) {
            buf_reset(&c->tmp);
            ok = jscan_string(&c->s, &c->tmp);
            b64 = strcmp(c->tmp.data, "base64") == 0;
        } else if (jscan_key_is(k, kl, esc, "_truncated")) {
            ok = scan_bool(c, truncated);
        } else if (size && jscan_key_is(k, kl, esc, "size")) {
            ok = scan_i64(c, size);
        } else if (compressed && jscan_key_is(k, kl, esc, "compression")) {
            *compressed = true;
            ok = jscan_skip(&c->s);
        } else {
            ok = jscan_skip(&c->s);
        }
    }
    if (!ok || c->s.err) return false;
    if (json && canon && !b64 && rawlen) {
        if (buf_set(json, raw, rawlen) || buf_set(as_read, body->data, body->len))
            return bad(c, "out of memory");
    }
    if (b64) {
        buf_reset(&c->tmp);
        if (text_b64_decode(&c->tmp, body->data, body->len))
            return bad(c, "body text is not valid base64");
        struct buf t = *body;
        *body = c->tmp;
        c->tmp = t;
    }
    return true;
}

/* The members each object of an entry has, as a table: adding a field is
 * one line. Offsets are from the struct the object fills. */
enum field_kind {
    F_STR,
    F_I64,
    F_NUM,
    F_STATUS,
    F_TIME,
    F_HEADERS,
    F_POSTDATA,
    F_CONTENT,
    F_OBJ,
    F_SKIP /* a member the writers put that no reader stores */
};

struct field {
    const char *key;
    size_t keylen;
    enum field_kind kind;
    size_t off;
    const struct field *sub; /* F_OBJ: the members of the nested object */
    unsigned skip_flag;      /* HAR_SKIP_* that leaves this member unread */
};

#define REQ(m) (offsetof(struct exchange, req) + offsetof(struct http_request, m))
#define RESP(m) (offsetof(struct exchange, resp) + offsetof(struct http_response, m))
#define X(m) offsetof(struct exchange, m)

#define FIELD(k, kind, off)                                                                        \
    {                                                                                              \
        k, sizeof k - 1, kind, off, NULL, 0                                                        \
    }
#define CAPTURED(k, kind, off)                                                                     \
    {                                                                                              \
        k, sizeof k - 1, kind, off, NULL, HAR_SKIP_CAPTURE                                         \
    }
#define NESTED(k, sub, skip_flag)                                                                  \
    {                                                                                              \
        k, sizeof k - 1, F_OBJ, 0, sub, skip_flag                                                  \
    }
#define END                                                                                        \
    {                                                                                              \
        NULL, 0, F_STR, 0, NULL, 0                                                                 \
    }

/* clang-format off */
/* In the order har_write_entry writes them: the search for a key starts
 * after the member found last (find_field). */
static const struct field request_fields[] = {
    FIELD("method", F_STR, REQ(method)),
    FIELD("url", F_STR, REQ(url)),
    FIELD("httpVersion", F_STR, REQ(version)),
    FIELD("cookies", F_SKIP, 0),
    FIELD("headers", F_HEADERS, REQ(headers)),
    FIELD("queryString", F_SKIP, 0),
    CAPTURED("headersSize", F_I64, REQ(headers_size)),
    FIELD("bodySize", F_I64, REQ(body_size)),
    FIELD("_target", F_STR, REQ(target)),
    FIELD("postData", F_POSTDATA, 0),
    END,
};

static const struct field response_fields[] = {
    FIELD("status", F_STATUS, RESP(status)),
    FIELD("statusText", F_STR, RESP(reason)),
    FIELD("httpVersion", F_STR, RESP(version)),
    FIELD("cookies", F_SKIP, 0),
    FIELD("headers", F_HEADERS, RESP(headers)),
    FIELD("content", F_CONTENT, 0),
    FIELD("redirectURL", F_SKIP, 0),
    FIELD("headersSize", F_I64, RESP(headers_size)),
    FIELD("bodySize", F_I64, RESP(body_size)),
    END,
};

static const struct field timing_fields[] = {
    FIELD("send", F_NUM, X(send_ms)),
    FIELD("wait", F_NUM, X(wait_ms)),
    FIELD("receive", F_NUM, X(receive_ms)),
    END,
};

static const struct field entry_fields[] = {
    FIELD("_id", F_STR, X(id)),
    FIELD("startedDateTime", F_TIME, X(started_us)),
    FIELD("time", F_SKIP, 0),
    NESTED("request", request_fields, 0),
    NESTED("response", response_fields, HAR_SKIP_RESPONSE),
    FIELD("cache", F_SKIP, 0),
    NESTED("timings", timing_fields, HAR_SKIP_CAPTURE),
    CAPTURED("_client", F_STR, X(client)),
    CAPTURED("_server", F_STR, X(server)),
    CAPTURED("_flow", F_I64, X(flow)),
    CAPTURED("_seq", F_I64, X(seq)),
    CAPTURED("_error", F_STR, X(error)),
    CAPTURED("_lag", F_NUM, X(lag_ms)),
    END,
};
/* clang-format on */

static bool scan_object(struct scan_ctx *c, struct exchange *x, const struct field *fields);

static bool scan_time(struct scan_ctx *c, int64_t *out, enum jscan_type type)
{
    if (type != JS_STRING) return jscan_skip(&c->s);
    const char *raw;
    size_t n;
    bool esc;
    char t[64]; /* a time is ~30 bytes: copied here, not into an allocated c->tmp */
    if (!jscan_raw_string(&c->s, &raw, &n, &esc)) return false;
    if (!esc && n < sizeof t) {
        memcpy(t, raw, n);
        t[n] = '\0';
        *out = parse_time(t);
        return true;
    }
    buf_reset(&c->tmp);
    if (buf_grow(&c->tmp, n)) return bad(c, "out of memory");
    c->tmp.len = esc ? text_jstr_decode(raw, n, c->tmp.data) : (memcpy(c->tmp.data, raw, n), n);
    c->tmp.data[c->tmp.len] = '\0';
    *out = parse_time(c->tmp.data);
    return true;
}

static bool scan_status(struct scan_ctx *c, int *out)
{
    int64_t v = 0;
    if (!scan_i64(c, &v)) return false;
    *out = v >= INT32_MIN && v <= INT32_MAX ? (int)v : 0;
    return true;
}

static bool scan_content(struct scan_ctx *c, struct http_response *r)
{
    bool compressed = false;
    r->content_size = -2; /* "not given": taken from the text below */
    if (!scan_body(c, &r->body, "encoding", &r->body_truncated, &r->content_size, &compressed, NULL,
                   NULL))
        return false;
    if (r->content_size == -2) r->content_size = (int64_t)r->body.len;
    if (!compressed) return true;
    const struct header *ce = headers_get(&r->headers, "Content-Encoding");
    const char *name = ce ? ce->value : "gzip";
    return exchange_strset(&r->compression, name, strlen(name)) == CUT_OK;
}

/* One member whose table entry is f; a value of the wrong type is skipped. */
static bool scan_field(struct scan_ctx *c, struct exchange *x, const struct field *f)
{
    void *at = (char *)x + f->off;
    enum jscan_type t = jscan_peek(&c->s);
    switch (f->kind) {
    case F_STR:
        return scan_str(c, (char **)at, t);
    case F_I64:
        return scan_i64(c, (int64_t *)at);
    case F_NUM:
        return scan_num(c, (double *)at);
    case F_STATUS:
        return scan_status(c, (int *)at);
    case F_TIME:
        return scan_time(c, (int64_t *)at, t);
    case F_HEADERS:
        return scan_headers(c, (struct headers *)at, t);
    case F_POSTDATA:
        if (t != JS_OBJECT) return jscan_skip(&c->s);
        x->req.has_body = true;
        return scan_body(c, &x->req.body, "_encoding", &x->req.body_truncated, NULL, NULL,
                         &x->req.body_json, &x->req.body_as_read);
    case F_CONTENT:
        return t == JS_OBJECT ? scan_content(c, &x->resp) : jscan_skip(&c->s);
    case F_OBJ:
        return t == JS_OBJECT ? scan_object(c, x, f->sub) : jscan_skip(&c->s);
    case F_SKIP:
        return jscan_skip(&c->s);
    }
    return false;
}

/* Lengths first: most keys are told apart without comparing bytes. */
static inline bool field_is(const struct field *f, const char *k, size_t kl)
{
    return f->keylen == kl && *k == *f->key && text_eq_short(k, f->key, kl);
}

/* The field named k (no escapes), or NULL. The search starts at *next, the
 * one after the field found last, and goes round: a record in the
 * writer's order finds each member at the first look. */
static const struct field *find_field(const struct field *fields, const struct field **next,
                                      const char *k, size_t kl)
{
    for (const struct field *f = *next; f->key; f++)
        if (field_is(f, k, kl)) return *next = f + 1, f;
    for (const struct field *f = fields; f != *next; f++)
        if (field_is(f, k, kl)) return *next = f + 1, f;
    return NULL;
}

static bool scan_object(struct scan_ctx *c, struct exchange *x, const struct field *fields)
{
    const char *k;
    size_t kl;
    bool esc, ok = jscan_enter(&c->s, JS_OBJECT);
    const struct field *next = fields;
    while (ok && jscan_member(&c->s, &k, &kl, &esc)) {
        const struct field *f = esc ? NULL : find_field(fields, &next, k, kl);
        ok = f && !(f->skip_flag & c->skip) ? scan_field(c, x, f) : jscan_skip(&c->s);
    }
    return ok && !c->s.err;
}

/* What the table cannot say: a request needs a method and a url, and the
 * fields derived from others. */
static const char *entry_complete(struct exchange *x)
{
    struct http_request *r = &x->req;
    if (!r->method || !r->url) return "request: missing or invalid method, url or headers";
    const char *t = target_of_url(r->url);
    if (!r->target && exchange_strset(&r->target, t, strlen(t))) return "out of memory";
    if (r->body_size < 0 && r->has_body) r->body_size = (int64_t)r->body.len;
    return NULL;
}

enum cut_err har_parse_entry(const char *p, size_t n, struct exchange *x, char *err, size_t errlen)
{
    return har_parse_entry_parts(p, n, x, 0, err, errlen);
}

/* exchange_release, except that what the next record will likely need
 * again is kept for it: the header lists with their pairs and the body
 * buffers (emptied: exchange_clear), and the _id and request strings as
 * spares in c. A replay
 * reads every record into the exchange the sender has just handed back,
 * and the frees and mallocs were a fifth of the reading. */
static void exchange_recycle(struct exchange *x, struct scan_ctx *c)
{
    char **at[SPARE_STRS] = {&x->id, &x->req.method, &x->req.url, &x->req.target, &x->req.version};
    for (int i = 0; i < SPARE_STRS; i++) {
        c->spare_at[i] = at[i];
        c->spare[i] = *at[i];
        *at[i] = NULL;
    }
    exchange_clear(x);
}

/* Free the spares no member took. */
static void drop_spares(struct scan_ctx *c)
{
    for (int i = 0; i < SPARE_STRS; i++)
        if (c->spare[i]) free(c->spare[i]); /* mostly taken: no call for NULL */
}

enum cut_err har_parse_entry_parts(const char *p, size_t n, struct exchange *x, unsigned skip,
                                   char *err, size_t errlen)
{
    struct scan_ctx c;
    c.why = NULL;
    c.skip = skip;
    jscan_init(&c.s, p, n);
    buf_init(&c.tmp, 0);
    exchange_recycle(x, &c);
    bool ok = jscan_peek(&c.s) == JS_OBJECT && scan_object(&c, x, entry_fields) && jscan_done(&c.s);
    drop_spares(&c);
    buf_free(&c.tmp);
    const char *why = NULL;
    if (!ok && !c.s.err) why = c.why ? c.why : "not a JSON object";
    if (!ok && c.s.err) {
        snprintf(err, errlen, "invalid JSON at column %zu: %s", c.s.err_at + 1, c.s.err);
        return CUT_EPARSE;
    }
    if (!why) why = entry_complete(x);
    if (why) {
        snprintf(err, errlen, "%s", why);
        return CUT_EPARSE;
    }
    return CUT_OK;
}

/* ---- reader ---- */

struct har_reader {
    FILE *f;
    int own;
    char *path;
    size_t max_line;
    struct buf in;    /* bytes read but not yet returned */
    size_t pos;       /* start of the unread part of in */
    long long offset; /* file offset of in.data[pos] */
    size_t line;
    size_t torn;
    int eof;
    int oversize;         /* skipping the rest of an over-long line */
    bool doc;             /* the input is a HAR document, loaded whole in in */
    bool doc_failed;      /* its JSON broke and was reported: the rest is lost */
    unsigned skip;        /* HAR_SKIP_* for every entry read */
    struct jscan entries; /* positioned inside its log.entries array */
    char err[512];
};

enum cut_err har_reader_open(struct har_reader **out, const char *path, size_t max_line)
{
    struct har_reader *r = calloc(1, sizeof *r);
    if (!r) return CUT_ENOMEM;
    r->max_line = max_line ? max_line : HAR_DEFAULT_MAX_LINE;
    buf_init(&r->in, 0);
    r->path = strdup(path);
    if (strcmp(path, "-") == 0) {
        r->f = stdin;
    } else {
        r->f = fopen(path, "rb");
        r->own = 1;
    }
    if (!r->f || !r->path) {
        int saved = errno;
        snprintf(r->err, sizeof r->err, "%s: %s", path, strerror(saved));
        har_reader_free(r);
        errno = saved;
        *out = NULL;
        return CUT_EIO;
    }
    *out = r;
    return CUT_OK;
}

static enum cut_err fill(struct har_reader *r)
{
    if (r->pos > 0 && r->pos >= r->in.len / 2) {
        buf_consume(&r->in, r->pos);
        r->pos = 0;
    }
    TRY(buf_grow(&r->in, 1 << 16));
    size_t n = fread(r->in.data + r->in.len, 1, r->in.cap - r->in.len - 1, r->f);
    r->in.len += n;
    r->in.data[r->in.len] = '\0';
    if (n == 0) {
        if (ferror(r->f)) {
            snprintf(r->err, sizeof r->err, "%s: read error: %s", r->path, strerror(errno));
            return CUT_EIO;
        }
        r->eof = 1;
    }
    return CUT_OK;
}

/* One complete line (without its newline), skipping blank lines. */
static enum cut_err read_line(struct har_reader *r, const char **line, size_t *len, long long *off)
{
    for (;;) {
        char *start = r->in.data + r->pos;
        size_t avail = r->in.len - r->pos;
        char *nl = avail ? memchr(start, '\n', avail) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - start);
            long long o = r->offset;
            r->pos += n + 1;
            r->offset += (long long)n + 1;
            r->line++;
            if (r->oversize) {
                r->oversize = 0;
                continue;
            }
            if (n > r->max_line) {
                snprintf(r->err, sizeof r->err, "%s:%zu: line longer than %zu bytes", r->path,
                         r->line, r->max_line);
                return CUT_EPARSE;
            }
            if (n && start[n - 1] == '\r') n--;
            if (n == 0) continue;
            *line = start;
            *len = n;
            if (off) *off = o;
            return CUT_OK;
        }
        if (avail > r->max_line) {
            /* Drop what we have of an over-long line and skip to its end. */
            r->offset += (long long)avail;
            r->pos = r->in.len;
            if (!r->oversize) {
                r->oversize = 1;
                snprintf(r->err, sizeof r->err, "%s:%zu: line longer than %zu bytes", r->path,
                         r->line + 1, r->max_line);
                return CUT_EPARSE;
            }
        }
        if (r->eof) {
            /* A last line without its newline is whole when it is a complete
             * JSON value (another tool's file); otherwise a killed writer
             * tore it, and it is skipped. */
            if (avail && !r->oversize && jscan_whole_value(start, avail)) {
                r->pos = r->in.len;
                r->offset += (long long)avail;
                r->line++;
                *line = start;
                *len = avail;
                if (off) *off = r->offset - (long long)avail;
                return CUT_OK;
            }
            if (avail && !r->oversize && strspn(start, " \t\r") < avail) {
                r->line++;
                r->torn++;
                snprintf(r->err, sizeof r->err,
                         "%s:%zu: last line is incomplete (torn write?), skipped", r->path,
                         r->line);
            }
            r->pos = r->in.len;
            return CUT_EOF;
        }
        TRY(fill(r));
    }
}

/* Move s into the value of member key of the object it is on. */
static bool scan_to_member(struct jscan *s, const char *key)
{
    const char *k;
    size_t kl;
    bool esc;
    if (jscan_peek(s) != JS_OBJECT || !jscan_enter(s, JS_OBJECT)) return false;
    while (jscan_member(s, &k, &kl, &esc)) {
        if (jscan_key_is(k, kl, esc, key)) return true;
        if (!jscan_skip(s)) return false;
    }
    return false;
}

/* A HAR document ({"log":{"entries":[…]}}, pretty-printed or not): load the
 * rest of the stream and position a scanner inside log.entries. Entries are
 * then parsed one at a time, like lines. */
static enum cut_err load_document(struct har_reader *r)
{
    while (!r->eof) {
        if (r->in.len - r->pos > HAR_DEFAULT_MAX_LINE * 4) {
            snprintf(r->err, sizeof r->err, "%s: HAR document larger than %zu bytes", r->path,
                     HAR_DEFAULT_MAX_LINE * 4);
            return CUT_ELIMIT;
        }
        TRY(fill(r));
    }
    struct jscan *s = &r->entries;
    jscan_init(s, r->in.data + r->pos, r->in.len - r->pos);
    if (!scan_to_member(s, "log") || !scan_to_member(s, "entries") || jscan_peek(s) != JS_ARRAY ||
        !jscan_enter(s, JS_ARRAY)) {
        if (s->err)
            snprintf(r->err, sizeof r->err, "%s: byte %zu: invalid JSON: %s", r->path,
                     s->err_at + 1, s->err);
        else
            snprintf(r->err, sizeof r->err, "%s: not a HAR document (no log.entries array)",
                     r->path);
        return CUT_EPARSE;
    }
    r->doc = true;
    return CUT_OK;
}

static enum cut_err doc_next(struct har_reader *r, struct exchange *x)
{
    struct jscan *s = &r->entries;
    if (r->doc_failed) return CUT_EOF;
    if (!jscan_element(s)) {
        if (!s->err) return CUT_EOF;
        r->doc_failed = true; /* reported once, then the end: no endless CUT_EPARSE */
        snprintf(r->err, sizeof r->err, "%s: byte %zu: invalid JSON: %s", r->path, s->err_at + 1,
                 s->err);
        return CUT_EPARSE; /* the scanner stays failed: the next call ends it */
    }
    jscan_peek(s);
    const char *start = s->p;
    if (!jscan_skip(s)) return doc_next(r, x);
    r->line++;
    char why[256];
    enum cut_err e =
        har_parse_entry_parts(start, (size_t)(s->p - start), x, r->skip, why, sizeof why);
    if (e == CUT_EPARSE)
        snprintf(r->err, sizeof r->err, "%s: entry %zu: %s", r->path, r->line, why);
    if (!e && !x->id) {
        char id[32];
        snprintf(id, sizeof id, "har-%zu", r->line);
        e = exchange_strset(&x->id, id, strlen(id));
    }
    return e;
}

/* Whether the input starts a HAR document rather than JSON Lines: the
 * first non-blank line is not a complete JSON value, or is an object with
 * a "log" member. */
static bool looks_like_document(const char *line, size_t len)
{
    struct jscan s;
    if (!jscan_whole_value(line, len)) return true;
    jscan_init(&s, line, len);
    return scan_to_member(&s, "log");
}

enum cut_err har_reader_next(struct har_reader *r, struct exchange *x)
{
    const char *line;
    size_t len;
    r->err[0] = '\0';
    if (r->doc) return doc_next(r, x);
    int first = r->line == 0;
    enum cut_err e = read_line(r, &line, &len, NULL);
    if (e) return e;
    if (first && looks_like_document(line, len)) {
        r->pos = (size_t)(line - r->in.data);
        r->line = 0;
        e = load_document(r);
        if (e) { /* give the broken document up, or each call would retry it */
            r->pos = r->in.len;
            r->line = 1;
            return e;
        }
        return doc_next(r, x);
    }
    char why[256];
    e = har_parse_entry_parts(line, len, x, r->skip, why, sizeof why);
    if (e == CUT_EPARSE) snprintf(r->err, sizeof r->err, "%s:%zu: %s", r->path, r->line, why);
    if (!e && !x->id) {
        snprintf(r->err, sizeof r->err, "%s:%zu: entry has no _id", r->path, r->line);
        return CUT_EPARSE;
    }
    return e;
}

enum cut_err har_reader_next_line(struct har_reader *r, const char **line, size_t *len,
                                  long long *offset)
{
    r->err[0] = '\0';
    if (r->doc) return CUT_EUNSUPP;
    return read_line(r, line, len, offset);
}

const char *har_reader_error(const struct har_reader *r)
{
    return r->err;
}

void har_reader_skip(struct har_reader *r, unsigned skip)
{
    r->skip = skip;
}

size_t har_reader_line(const struct har_reader *r)
{
    return r->line;
}

size_t har_reader_torn(const struct har_reader *r)
{
    return r->torn;
}

bool har_reader_is_document(const struct har_reader *r)
{
    return r->doc;
}

void har_reader_free(struct har_reader *r)
{
    if (!r) return;
    if (r->own && r->f) fclose(r->f);
    buf_free(&r->in);
    free(r->path);
    free(r);
}
