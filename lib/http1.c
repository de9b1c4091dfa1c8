/* http1.c: the incremental HTTP/1 head parser, body framing and chunked
 * decoder.  It reads only p[0..n) (every index is checked against n), keeps
 * no state between calls except what the caller hands back (last_len, the
 * chunked decoder), and copies nothing: results are slices of the input. */
#include "cutover/http1.h"

#include <string.h>

#include "cutover/text.h"

/* RFC 9110 tchar: the bytes of a method or a header name. */
static bool is_tchar(unsigned char c)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c && memchr(extra, c, sizeof extra - 1) != NULL;
}

static bool is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Field values and reasons: visible ASCII, SP, HT and obs-text. */
static bool is_vchar_or_ws(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* A line of the head: [start, end) without its CRLF or LF; next is the
 * offset just after the line end. */
struct line {
    size_t start, end, next;
};

/* The line that begins at off, which must end before lim. false when a CR
 * appears other than just before the LF, or no LF is there. */
static bool next_line(const char *p, size_t off, size_t lim, struct line *ln)
{
    const char *lf = memchr(p + off, '\n', lim - off);
    if (!lf) return false;
    size_t e = (size_t)(lf - p);
    ln->start = off;
    ln->next = e + 1;
    if (e > off && p[e - 1] == '\r') e--;
    ln->end = e;
    return memchr(p + off, '\r', e - off) == NULL;
}

/* Offset just past the empty line that ends the head, searching for it
 * from from (>= start), or 0 when it is not there yet. */
static size_t find_head_end(const char *p, size_t n, size_t start, size_t from)
{
    size_t i = from > start ? from : start;
    while (i < n) {
        const char *lf = memchr(p + i, '\n', n - i);
        if (!lf) return 0;
        size_t j = (size_t)(lf - p) + 1;
        if (j < n && p[j] == '\n') return j + 1;
        if (j + 1 < n && p[j] == '\r' && p[j + 1] == '\n') return j + 2;
        if (j + 1 >= n) return 0;
        i = j;
    }
    return 0;
}

/* Skip the empty lines a client may send before a request (RFC 9112 2.2). */
static size_t skip_blank_lines(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == '\n' || (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')))
        i += p[i] == '\r' ? 2 : 1;
    return i;
}

/* "HTTP/1.d" at p[off..); sets minor. */
static bool parse_version(const char *p, size_t off, size_t end, int *minor)
{
    if (end - off < 8 || memcmp(p + off, "HTTP/1.", 7) != 0) return false;
    char d = p[off + 7];
    if (d < '0' || d > '9') return false;
    *minor = d - '0';
    return true;
}

static bool parse_request_line(const char *p, const struct line *ln, struct http1_request *req)
{
    size_t i = ln->start, e = ln->end;
    while (i < e && is_tchar((unsigned char)p[i])) i++;
    if (i == ln->start || i >= e || p[i] != ' ') return false;
    req->method = p + ln->start;
    req->method_len = i - ln->start;
    while (i < e && p[i] == ' ') i++;
    size_t t = i;
    while (i < e && (unsigned char)p[i] > 0x20 && p[i] != 0x7f) i++;
    if (i == t || i >= e || p[i] != ' ') return false;
    req->target = p + t;
    req->target_len = i - t;
    while (i < e && p[i] == ' ') i++;
    if (e - i != 8 || !parse_version(p, i, e, &req->minor_version)) return false;
    req->version = p + i;
    req->version_len = 8;
    return true;
}

static bool parse_status_line(const char *p, const struct line *ln, struct http1_response *resp)
{
    size_t i = ln->start, e = ln->end;
    if (!parse_version(p, i, e, &resp->minor_version)) return false;
    resp->version = p + i;
    resp->version_len = 8;
    i += 8;
    if (i >= e || p[i] != ' ') return false;
    while (i < e && p[i] == ' ') i++;
    if (e - i < 3) return false;
    int status = 0;
    for (int k = 0; k < 3; k++) {
        char d = p[i + (size_t)k];
        if (d < '0' || d > '9') return false;
        status = status * 10 + (d - '0');
    }
    if (status < 100) return false;
    resp->status = status;
    i += 3;
    if (i < e && p[i] != ' ') return false;
    while (i < e && p[i] == ' ') i++;
    for (size_t k = i; k < e; k++)
        if (!is_vchar_or_ws((unsigned char)p[k])) return false;
    resp->reason = p + i;
    resp->reason_len = e - i;
    return true;
}

/* The header fields from off up to head_end (which ends with the empty
 * line). Returns 0, HTTP1_MALFORMED or HTTP1_TOO_MANY. */
static long parse_fields(const char *p, size_t off, size_t head_end, struct http1_header *hv,
                         size_t max, size_t *num)
{
    size_t count = 0;
    for (;;) {
        struct line ln;
        if (!next_line(p, off, head_end, &ln)) return HTTP1_MALFORMED;
        off = ln.next;
        if (ln.start == ln.end) break; /* the empty line */
        for (size_t k = ln.start; k < ln.end; k++)
            if (!is_vchar_or_ws((unsigned char)p[k])) return HTTP1_MALFORMED;
        if (is_ows((unsigned char)p[ln.start])) {
            /* obs-fold: this line continues the previous value. */
            if (count == 0) return HTTP1_MALFORMED;
            size_t e = ln.end;
            while (e > ln.start && is_ows((unsigned char)p[e - 1])) e--;
            struct http1_header *h = &hv[count - 1];
            if (e > ln.start) {
                if (h->value_len == 0) {
                    size_t s = ln.start;
                    while (is_ows((unsigned char)p[s])) s++;
                    h->value = p + s;
                    h->value_len = e - s;
                } else {
                    h->value_len = (size_t)(p + e - h->value);
                    h->folded = true;
                }
            }
            continue;
        }
        size_t i = ln.start;
        while (i < ln.end && is_tchar((unsigned char)p[i])) i++;
        if (i == ln.start || i >= ln.end || p[i] != ':') return HTTP1_MALFORMED;
        if (count == max) return HTTP1_TOO_MANY;
        struct http1_header *h = &hv[count++];
        h->name = p + ln.start;
        h->name_len = i - ln.start;
        i++;
        while (i < ln.end && is_ows((unsigned char)p[i])) i++;
        size_t e = ln.end;
        while (e > i && is_ows((unsigned char)p[e - 1])) e--;
        h->value = p + i;
        h->value_len = e - i;
        h->folded = false;
    }
    *num = count;
    return 0;
}

/* What can be said before the head is complete: a start line already
 * whole must be valid, and so must the method or version prefix. */
static long check_partial(const char *p, size_t n, size_t start, bool response)
{
    struct line ln;
    if (next_line(p, start, n, &ln)) {
        if (response) {
            struct http1_response r;
            memset(&r, 0, sizeof r);
            return parse_status_line(p, &ln, &r) ? HTTP1_NEED_MORE : HTTP1_MALFORMED;
        }
        struct http1_request r;
        memset(&r, 0, sizeof r);
        return parse_request_line(p, &ln, &r) ? HTTP1_NEED_MORE : HTTP1_MALFORMED;
    }
    if (response) {
        size_t k = n - start < 7 ? n - start : 7;
        return memcmp(p + start, "HTTP/1.", k) == 0 ? HTTP1_NEED_MORE : HTTP1_MALFORMED;
    }
    for (size_t i = start; i < n && p[i] != ' '; i++)
        if (!is_tchar((unsigned char)p[i])) return HTTP1_MALFORMED;
    return HTTP1_NEED_MORE;
}

long http1_parse_request(const char *p, size_t n, size_t last_len, struct http1_request *req)
{
    req->num_headers = 0;
    size_t start = skip_blank_lines(p, n);
    size_t from = last_len >= 3 ? last_len - 3 : 0;
    size_t end = find_head_end(p, n, start, from);
    if (!end) return check_partial(p, n, start, false);
    struct line ln;
    if (!next_line(p, start, end, &ln) || !parse_request_line(p, &ln, req)) return HTTP1_MALFORMED;
    long r = parse_fields(p, ln.next, end, req->headers, req->max_headers, &req->num_headers);
    return r < 0 ? r : (long)end;
}

long http1_parse_response(const char *p, size_t n, size_t last_len, struct http1_response *resp)
{
    resp->num_headers = 0;
    size_t from = last_len >= 3 ? last_len - 3 : 0;
    size_t end = find_head_end(p, n, 0, from);
    if (!end) return check_partial(p, n, 0, true);
    struct line ln;
    if (!next_line(p, 0, end, &ln) || !parse_status_line(p, &ln, resp)) return HTTP1_MALFORMED;
    long r = parse_fields(p, ln.next, end, resp->headers, resp->max_headers, &resp->num_headers);
    return r < 0 ? r : (long)end;
}

const struct http1_header *http1_find_header(const struct http1_header *h, size_t n,
                                             const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (text_ieq(h[i].name, h[i].name_len, name)) return &h[i];
    return NULL;
}

enum cut_err http1_header_value(const struct http1_header *h, struct buf *out)
{
    if (!h->folded) return buf_append(out, h->value, h->value_len);
    size_t i = 0, n = h->value_len;
    const char *v = h->value;
    while (i < n) {
        if (v[i] != '\r' && v[i] != '\n') {
            enum cut_err e = buf_putc(out, v[i++]);
            if (e) return e;
            continue;
        }
        /* A fold: the line's trailing whitespace, the line end and the next
         * line's indentation become one space. */
        while (out->len && is_ows((unsigned char)out->data[out->len - 1]))
            buf_truncate(out, out->len - 1);
        while (i < n && (v[i] == '\r' || v[i] == '\n' || is_ows((unsigned char)v[i]))) i++;
        enum cut_err e = buf_putc(out, ' ');
        if (e) return e;
    }
    return CUT_OK;
}

enum cut_err http1_headers_copy(struct headers *dst, const struct http1_header *h, size_t n)
{
    struct buf v = BUF_INIT;
    enum cut_err e = CUT_OK;
    for (size_t i = 0; i < n && !e; i++) {
        if (!h[i].folded) {
            e = headers_add(dst, h[i].name, h[i].name_len, h[i].value, h[i].value_len);
            continue;
        }
        buf_reset(&v);
        e = http1_header_value(&h[i], &v);
        if (!e) e = headers_add(dst, h[i].name, h[i].name_len, v.data, v.len);
    }
    buf_free(&v);
    return e;
}

static bool is_list_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Call fn on each element of a comma-separated value, trimmed; stop when
 * it returns false. */
static bool each_element(const char *v, size_t n, bool (*fn)(const char *, size_t, void *),
                         void *ctx)
{
    size_t i = 0;
    while (i <= n) {
        size_t s = i;
        while (i < n && v[i] != ',') i++;
        size_t e = i;
        while (s < e && is_list_ws(v[s])) s++;
        while (e > s && is_list_ws(v[e - 1])) e--;
        if (e > s && !fn(v + s, e - s, ctx)) return false;
        i++;
    }
    return true;
}

static bool token_differs(const char *p, size_t n, void *ctx)
{
    return !text_ieq(p, n, ctx);
}

bool http1_header_has_token(const struct http1_header *h, const char *tok)
{
    return !each_element(h->value, h->value_len, token_differs, (void *)tok);
}

/* Content-Length: every value of every field must be the same number. */
struct clen_state {
    bool seen, bad;
    uint64_t value;
};

static bool clen_element(const char *p, size_t n, void *ctx)
{
    struct clen_state *st = ctx;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - 9) / 10) {
            st->bad = true;
            return false;
        }
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (st->seen && v != st->value) st->bad = true;
    st->seen = true;
    st->value = v;
    return !st->bad;
}

static enum cut_err content_length(const struct http1_header *h, size_t n, bool *present,
                                   uint64_t *len)
{
    struct clen_state st = {false, false, 0};
    for (size_t i = 0; i < n; i++) {
        if (!text_ieq(h[i].name, h[i].name_len, "Content-Length")) continue;
        each_element(h[i].value, h[i].value_len, clen_element, &st);
        if (st.bad || !st.seen) return CUT_EPARSE;
    }
    *present = st.seen;
    *len = st.value;
    return CUT_OK;
}

/* Transfer-Encoding over all its fields: 0 absent (or only "identity"),
 * 1 the last coding is chunked, -1 present but not ending in chunked. */
struct te_state {
    bool any, last_chunked;
};

static bool te_element(const char *p, size_t n, void *ctx)
{
    struct te_state *st = ctx;
    if (text_ieq(p, n, "identity")) return true;
    st->any = true;
    st->last_chunked = text_ieq(p, n, "chunked");
    return true;
}

static int transfer_encoding(const struct http1_header *h, size_t n)
{
    struct te_state st = {false, false};
    for (size_t i = 0; i < n; i++)
        if (text_ieq(h[i].name, h[i].name_len, "Transfer-Encoding"))
            each_element(h[i].value, h[i].value_len, te_element, &st);
    return !st.any ? 0 : st.last_chunked ? 1 : -1;
}

enum cut_err http1_request_framing(const struct http1_request *req, struct http1_body *out)
{
    out->framing = HTTP1_BODY_NONE;
    out->length = 0;
    int te = transfer_encoding(req->headers, req->num_headers);
    if (te < 0) return CUT_EPARSE;
    if (te > 0) {
        out->framing = HTTP1_BODY_CHUNKED;
        return CUT_OK;
    }
    bool has_len;
    uint64_t len;
    enum cut_err e = content_length(req->headers, req->num_headers, &has_len, &len);
    if (e) return e;
    if (has_len && len > 0) {
        out->framing = HTTP1_BODY_LENGTH;
        out->length = len;
    }
    return CUT_OK;
}

enum cut_err http1_response_framing(const struct http1_response *resp, const char *req_method,
                                    size_t req_method_len, struct http1_body *out)
{
    out->framing = HTTP1_BODY_NONE;
    out->length = 0;
    int st = resp->status;
    bool connect = req_method && text_ieq(req_method, req_method_len, "CONNECT");
    if (st == 101 || (connect && st >= 200 && st < 300)) {
        out->framing = HTTP1_BODY_TUNNEL;
        return CUT_OK;
    }
    if (st < 200 || st == 204 || st == 304) return CUT_OK;
    if (req_method && text_ieq(req_method, req_method_len, "HEAD")) return CUT_OK;
    int te = transfer_encoding(resp->headers, resp->num_headers);
    if (te != 0) {
        out->framing = te > 0 ? HTTP1_BODY_CHUNKED : HTTP1_BODY_UNTIL_CLOSE;
        return CUT_OK;
    }
    bool has_len;
    uint64_t len;
    enum cut_err e = content_length(resp->headers, resp->num_headers, &has_len, &len);
    if (e) return e;
    if (!has_len)
        out->framing = HTTP1_BODY_UNTIL_CLOSE;
    else if (len > 0) {
        out->framing = HTTP1_BODY_LENGTH;
        out->length = len;
    }
    return CUT_OK;
}

enum chunk_state {
    CS_SIZE0, /* first hex digit of a size line */
    CS_SIZE,  /* more hex digits */
    CS_EXT,   /* chunk extension up to the line end */
    CS_SIZE_LF,
    CS_DATA,
    CS_DATA_CR,
    CS_DATA_LF,
    CS_TRAILER_START,
    CS_TRAILER_LINE,
    CS_END_LF,
    CS_DONE,
};

#define CHUNK_LINE_MAX 4096
#define CHUNK_TRAILER_MAX ((uint64_t)64 << 10)

void http1_chunked_init(struct http1_chunked *d)
{
    memset(d, 0, sizeof *d);
    d->state = CS_SIZE0;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One byte of a size line, extension or trailer. */
static enum cut_err chunk_control_byte(struct http1_chunked *d, unsigned char c)
{
    switch (d->state) {
    case CS_SIZE0:
    case CS_SIZE: {
        int h = hexval(c);
        if (h >= 0) {
            if (d->remaining >> 59) return CUT_EPARSE; /* absurd size */
            d->remaining = d->remaining * 16 + (uint64_t)h;
            d->state = CS_SIZE;
        } else if (d->state == CS_SIZE0) {
            return CUT_EPARSE;
        } else if (c == ';' || c == ' ' || c == '\t') {
            d->state = CS_EXT;
        } else if (c == '\r') {
            d->state = CS_SIZE_LF;
        } else if (c == '\n') {
            d->state = d->remaining ? CS_DATA : CS_TRAILER_START;
        } else {
            return CUT_EPARSE;
        }
        break;
    }
    case CS_EXT:
        if (c == '\n') d->state = d->remaining ? CS_DATA : CS_TRAILER_START;
        break;
    case CS_SIZE_LF:
        if (c != '\n') return CUT_EPARSE;
        d->state = d->remaining ? CS_DATA : CS_TRAILER_START;
        break;
    case CS_DATA_CR:
        if (c == '\r')
            d->state = CS_DATA_LF;
        else if (c == '\n')
            d->state = CS_SIZE0;
        else
            return CUT_EPARSE;
        break;
    case CS_DATA_LF:
        if (c != '\n') return CUT_EPARSE;
        d->state = CS_SIZE0;
        break;
    case CS_TRAILER_START:
        if (c == '\r')
            d->state = CS_END_LF;
        else if (c == '\n')
            d->state = CS_DONE;
        else
            d->state = CS_TRAILER_LINE;
        break;
    case CS_TRAILER_LINE:
        if (c == '\n') d->state = CS_TRAILER_START;
        break;
    case CS_END_LF:
        if (c != '\n') return CUT_EPARSE;
        d->state = CS_DONE;
        break;
    default:
        return CUT_EPARSE;
    }
    return CUT_OK;
}

enum cut_err http1_chunked_feed(struct http1_chunked *d, const char *p, size_t n, size_t *consumed,
                                http1_sink_fn sink, void *ctx)
{
    size_t i = 0;
    enum cut_err e = CUT_OK;
    while (i < n && d->state != CS_DONE) {
        if (d->state == CS_DATA) {
            size_t k = n - i;
            if (k > d->remaining) k = (size_t)d->remaining;
            if (sink) e = sink(ctx, p + i, k);
            if (e) break;
            i += k;
            d->remaining -= k;
            d->decoded += k;
            if (!d->remaining) d->state = CS_DATA_CR;
            continue;
        }
        int before = d->state;
        bool trailer = before >= CS_TRAILER_START;
        e = chunk_control_byte(d, (unsigned char)p[i]);
        if (e) break;
        i++;
        if (trailer) d->trailer_bytes++;
        d->line_len = d->state == before || d->state == CS_SIZE ? d->line_len + 1 : 0;
        if (d->line_len > CHUNK_LINE_MAX || d->trailer_bytes > CHUNK_TRAILER_MAX) {
            e = CUT_EPARSE;
            break;
        }
    }
    d->wire_bytes += i;
    d->done = d->state == CS_DONE;
    *consumed = i;
    return e;
}

/* Whether the complete line at ln is a request or status line. */
static bool is_start_line(const char *p, const struct line *ln, bool response)
{
    if (response) {
        struct http1_response r;
        memset(&r, 0, sizeof r);
        return parse_status_line(p, ln, &r);
    }
    struct http1_request r;
    memset(&r, 0, sizeof r);
    return parse_request_line(p, ln, &r);
}

/* Whether the incomplete line p[s..n) could still become a start line. */
static bool could_start(const char *p, size_t s, size_t n, bool response)
{
    if (n - s > HTTP1_MAX_HEAD) return false;
    if (response) {
        size_t k = n - s < 7 ? n - s : 7;
        return memcmp(p + s, "HTTP/1.", k) == 0;
    }
    size_t i = s;
    while (i < n && is_tchar((unsigned char)p[i])) i++;
    return i == n || p[i] == ' ';
}

long http1_resync(const char *p, size_t n, bool response, size_t *discard)
{
    size_t s = 0;
    while (s < n) {
        struct line ln;
        const char *lf = memchr(p + s, '\n', n - s);
        if (!lf) break;
        if (next_line(p, s, n, &ln) && is_start_line(p, &ln, response)) return (long)s;
        s = (size_t)(lf - p) + 1;
    }
    *discard = s < n && could_start(p, s, n, response) ? s : n;
    return -1;
}

bool http1_looks_like_request(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && i < 20 && p[i] >= 'A' && p[i] <= 'Z') i++;
    return i > 0 && i < n && p[i] == ' ';
}

bool http1_looks_like_response(const char *p, size_t n)
{
    return n >= 7 && memcmp(p, "HTTP/1.", 7) == 0;
}
