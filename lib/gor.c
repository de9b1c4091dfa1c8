/* gor.c: GoReplay .gor files as exchanges.  Records are split on the
 * separator line, the header line is checked field by field, and the raw
 * HTTP is parsed with lib/http1.c; nothing of a record is trusted beyond
 * the bytes between two separators. */
#include "cutover/gor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cutover/http1.h"
#include "cutover/vec.h"
#include "cutover/zcodec.h"

#define SEP "\n" GOR_SEPARATOR "\n"
#define SEP_LEN (sizeof SEP - 1)
#define MAX_RECORD ((size_t)256 << 20)
#define MAX_HEADERS 256

struct pending {
    struct exchange x;
    bool answered;
};

struct gor_reader {
    FILE *f;
    bool own, eof, pair;
    char *path;
    struct buf in;
    size_t pos;
    size_t line; /* line number of in.data[pos] (1-based) */
    size_t skipped;
    struct pending *q; /* pairing queue, oldest first */
    size_t qn, qcap;
    char err[512];
};

enum cut_err gor_reader_open(struct gor_reader **out, const char *path, bool pair)
{
    *out = NULL;
    struct gor_reader *r = calloc(1, sizeof *r);
    if (!r) return CUT_ENOMEM;
    buf_init(&r->in, 0);
    r->pair = pair;
    r->line = 1;
    r->path = strdup(path);
    r->own = strcmp(path, "-") != 0;
    r->f = r->own ? fopen(path, "rb") : stdin;
    if (!r->f || !r->path) {
        int saved = errno;
        r->own = r->f != NULL && r->own;
        gor_reader_free(r);
        errno = saved;
        return CUT_EIO;
    }
    *out = r;
    return CUT_OK;
}

void gor_reader_free(struct gor_reader *r)
{
    if (!r) return;
    if (r->own && r->f) fclose(r->f);
    for (size_t i = 0; i < r->qn; i++) exchange_release(&r->q[i].x);
    free(r->q);
    buf_free(&r->in);
    free(r->path);
    free(r);
}

const char *gor_reader_error(const struct gor_reader *r)
{
    return r->err;
}

size_t gor_reader_skipped(const struct gor_reader *r)
{
    return r->skipped;
}

static bool digits(const char *p, size_t n, int base)
{
    if (!n) return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        bool ok = (c >= '0' && c <= '9') ||
                  (base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
        if (!ok) return false;
    }
    return true;
}

/* The fields of a header line "TYPE ID TS [LATENCY]". */
struct gor_head {
    int type;
    const char *id;
    size_t id_len;
    long long ts_ns, latency_ns;
};

static bool parse_head(const char *p, size_t n, struct gor_head *h)
{
    const char *f[4];
    size_t fl[4], nf = 0, i = 0;
    while (i < n && nf < 4) {
        size_t s = i;
        while (i < n && p[i] != ' ') i++;
        f[nf] = p + s;
        fl[nf++] = i - s;
        if (i < n) i++;
    }
    if (i < n || nf < 3 || fl[0] != 1 || f[0][0] < '1' || f[0][0] > '3') return false;
    if (!digits(f[1], fl[1], 16) || !digits(f[2], fl[2], 10) || fl[2] > 19) return false;
    if (nf == 4 && (!digits(f[3], fl[3], 10) || fl[3] > 19)) return false;
    h->type = f[0][0] - '0';
    h->id = f[1];
    h->id_len = fl[1];
    h->ts_ns = strtoll(f[2], NULL, 10);
    h->latency_ns = nf == 4 ? strtoll(f[3], NULL, 10) : 0;
    return true;
}

bool gor_sniff(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    struct gor_head h;
    return nl && parse_head(p, (size_t)(nl - p), &h);
}

/* Body after a head of hlen bytes, framed as fr says; lenient about a body
 * shorter than announced (GoReplay may cut large ones): it is marked
 * truncated. */
static enum cut_err read_body(const char *p, size_t n, const struct http1_body *fr, struct buf *out,
                              bool *truncated)
{
    *truncated = false;
    if (fr->framing == HTTP1_BODY_LENGTH) {
        size_t take = fr->length < n ? (size_t)fr->length : n;
        *truncated = take < fr->length;
        return buf_append(out, p, take);
    }
    if (fr->framing == HTTP1_BODY_UNTIL_CLOSE) return buf_append(out, p, n);
    return CUT_OK;
}

static enum cut_err sink_buf(void *ctx, const char *p, size_t n)
{
    return buf_append(ctx, p, n);
}

static enum cut_err body_of(const char *p, size_t n, const struct http1_body *fr, struct buf *out,
                            bool *truncated, const char **why)
{
    if (fr->framing != HTTP1_BODY_CHUNKED) return read_body(p, n, fr, out, truncated);
    struct http1_chunked d;
    size_t used;
    http1_chunked_init(&d);
    enum cut_err e = http1_chunked_feed(&d, p, n, &used, sink_buf, out);
    if (e == CUT_EPARSE) *why = "malformed chunked body";
    *truncated = !e && !d.done;
    return e;
}

enum cut_err gor_parse_request(const char *p, size_t n, struct exchange *x, const char **why)
{
    struct http1_header hv[MAX_HEADERS];
    struct http1_request rq = {.headers = hv, .max_headers = MAX_HEADERS};
    long hl = http1_parse_request(p, n, 0, &rq);
    if (hl < 0) {
        *why = hl == HTTP1_NEED_MORE  ? "HTTP request head is incomplete"
               : hl == HTTP1_TOO_MANY ? "too many header fields"
                                      : "malformed HTTP request head";
        return CUT_EPARSE;
    }
    struct http_request *r = &x->req;
    enum cut_err e = exchange_strset(&r->method, rq.method, rq.method_len);
    if (!e) e = exchange_strset(&r->target, rq.target, rq.target_len);
    if (!e) e = exchange_strset(&r->version, rq.version, rq.version_len);
    if (!e) e = http1_headers_copy(&r->headers, hv, rq.num_headers);
    if (e) return e;
    r->headers_size = hl;
    const struct header *host = headers_get(&r->headers, "Host");
    struct buf u = BUF_INIT;
    e = buf_printf(&u, "http://%s%s", host ? host->value : "localhost", r->target);
    if (!e) e = exchange_strset(&r->url, u.data, u.len);
    buf_free(&u);
    struct http1_body fr;
    if (!e && http1_request_framing(&rq, &fr) != CUT_OK) {
        *why = "invalid Content-Length or Transfer-Encoding";
        return CUT_EPARSE;
    }
    if (e) return e;
    r->has_body = fr.framing != HTTP1_BODY_NONE;
    e = body_of(p + hl, n - (size_t)hl, &fr, &r->body, &r->body_truncated, why);
    r->body_size = (int64_t)r->body.len;
    return e;
}

enum cut_err gor_parse_response(const char *p, size_t n, const char *method, struct exchange *x,
                                const char **why)
{
    struct http1_header hv[MAX_HEADERS];
    struct http1_response rs = {.headers = hv, .max_headers = MAX_HEADERS};
    long hl = http1_parse_response(p, n, 0, &rs);
    if (hl < 0) {
        *why = "malformed HTTP response head";
        return CUT_EPARSE;
    }
    struct http_response *r = &x->resp;
    r->status = rs.status;
    enum cut_err e = exchange_strset(&r->reason, rs.reason, rs.reason_len);
    if (!e) e = exchange_strset(&r->version, rs.version, rs.version_len);
    if (!e) e = http1_headers_copy(&r->headers, hv, rs.num_headers);
    if (e) return e;
    r->headers_size = hl;
    struct http1_body fr;
    if (http1_response_framing(&rs, method, method ? strlen(method) : 0, &fr) != CUT_OK) {
        *why = "invalid Content-Length";
        return CUT_EPARSE;
    }
    if (fr.framing == HTTP1_BODY_TUNNEL) fr.framing = HTTP1_BODY_NONE;
    struct buf raw = BUF_INIT;
    e = body_of(p + hl, n - (size_t)hl, &fr, &raw, &r->body_truncated, why);
    r->body_size = (int64_t)raw.len;
    const struct header *ce = headers_get(&r->headers, "Content-Encoding");
    enum zcodec_kind kind;
    if (!e && ce && zcodec_from_name(ce->value, strlen(ce->value), &kind) &&
        kind != ZCODEC_IDENTITY && zcodec_decode(kind, raw.data, raw.len, &r->body, 0) == CUT_OK) {
        e = exchange_strset(&r->compression, zcodec_name(kind), strlen(zcodec_name(kind)));
    } else if (!e) {
        buf_reset(&r->body);
        e = buf_append(&r->body, raw.data, raw.len);
    }
    r->content_size = (int64_t)r->body.len;
    buf_free(&raw);
    return e;
}

/* The next record's bytes [*rec, *rec + *len) and the line it starts on.
 * CUT_EOF when nothing is left. */
static enum cut_err next_record(struct gor_reader *r, const char **rec, size_t *len, size_t *line)
{
    for (;;) {
        const char *start = r->in.data + r->pos;
        size_t avail = r->in.len - r->pos;
        /* A record ends at the separator; the file's last may lack it. */
        const char *sep = avail >= SEP_LEN ? memmem(start, avail, SEP, SEP_LEN) : NULL;
        if (sep || (r->eof && avail)) {
            size_t n = sep ? (size_t)(sep - start) : avail;
            *rec = start;
            *len = n;
            *line = r->line;
            size_t adv = sep ? n + SEP_LEN : n;
            for (size_t i = 0; i < adv; i++) r->line += start[i] == '\n';
            r->pos += adv;
            /* Leading newlines between records are not part of one. */
            while (*len && (*rec)[0] == '\n') (*rec)++, (*len)--, (*line)++;
            if (!*len) continue;
            return CUT_OK;
        }
        if (r->eof) return CUT_EOF;
        if (avail > MAX_RECORD) {
            snprintf(r->err, sizeof r->err, "%s:%zu: record longer than %zu bytes", r->path,
                     r->line, MAX_RECORD);
            return CUT_ELIMIT;
        }
        if (r->pos && r->pos >= r->in.len / 2) {
            buf_consume(&r->in, r->pos);
            r->pos = 0;
        }
        if (buf_grow(&r->in, 1 << 16)) return CUT_ENOMEM;
        size_t got = fread(r->in.data + r->in.len, 1, r->in.cap - r->in.len - 1, r->f);
        r->in.len += got;
        r->in.data[r->in.len] = '\0';
        if (!got) {
            if (ferror(r->f)) {
                snprintf(r->err, sizeof r->err, "%s: read error: %s", r->path, strerror(errno));
                return CUT_EIO;
            }
            r->eof = true;
        }
    }
}

static enum cut_err bad(struct gor_reader *r, size_t line, const char *why)
{
    snprintf(r->err, sizeof r->err, "%s:%zu: %s", r->path, line, why);
    return CUT_EPARSE;
}

/* Read one record: a request goes into x (CUT_OK), a response is matched
 * against the queue (CUT_EAGAIN: nothing to hand out for it). */
static enum cut_err read_one(struct gor_reader *r, struct exchange *x, bool *is_request,
                             struct gor_head *h)
{
    const char *rec;
    size_t len, line;
    enum cut_err e = next_record(r, &rec, &len, &line);
    if (e) return e;
    const char *nl = memchr(rec, '\n', len);
    if (!nl || !parse_head(rec, (size_t)(nl - rec), h))
        return bad(r, line, "bad record header (want \"TYPE ID TIMESTAMP_NS LATENCY_NS\")");
    const char *body = nl + 1;
    size_t blen = len - (size_t)(body - rec);
    const char *why = "invalid record";
    *is_request = h->type == 1;
    if (h->type == 1) {
        exchange_release(x);
        e = gor_parse_request(body, blen, x, &why);
        if (!e) e = exchange_strset(&x->id, h->id, h->id_len);
        x->started_us = h->ts_ns / 1000;
        return e == CUT_EPARSE ? bad(r, line + 1, why) : e;
    }
    if (h->type == 3 || !r->pair) {
        r->skipped++;
        return CUT_EAGAIN;
    }
    for (size_t i = 0; i < r->qn; i++) {
        struct pending *pd = &r->q[i];
        if (pd->answered || strlen(pd->x.id) != h->id_len || memcmp(pd->x.id, h->id, h->id_len))
            continue;
        e = gor_parse_response(body, blen, pd->x.req.method, &pd->x, &why);
        if (e == CUT_EPARSE) return bad(r, line + 1, why);
        pd->answered = true;
        pd->x.send_ms = 0;
        pd->x.wait_ms = (double)h->latency_ns / 1e6;
        pd->x.receive_ms = 0;
        return e ? e : CUT_EAGAIN;
    }
    r->skipped++;
    return CUT_EAGAIN;
}

static void pop_front(struct gor_reader *r, struct exchange *x)
{
    exchange_release(x);
    *x = r->q[0].x;
    memmove(r->q, r->q + 1, (r->qn - 1) * sizeof *r->q);
    r->qn--;
}

enum cut_err gor_reader_next(struct gor_reader *r, struct exchange *x)
{
    r->err[0] = '\0';
    for (;;) {
        if (r->pair && r->qn && (r->q[0].answered || r->qn >= GOR_PAIR_WINDOW)) {
            pop_front(r, x);
            return CUT_OK;
        }
        bool is_req = false;
        struct gor_head h;
        struct exchange tmp;
        exchange_init(&tmp);
        enum cut_err e = read_one(r, r->pair ? &tmp : x, &is_req, &h);
        if (e == CUT_EAGAIN) continue;
        if (e == CUT_EOF && r->pair && r->qn) {
            pop_front(r, x);
            return CUT_OK;
        }
        if (e || !r->pair) {
            exchange_release(&tmp);
            return e;
        }
        if (vec_reserve(&r->q, &r->qcap, r->qn + 1, sizeof *r->q)) {
            exchange_release(&tmp);
            return CUT_ENOMEM;
        }
        r->q[r->qn].x = tmp;
        r->q[r->qn].answered = false;
        r->qn++;
    }
}
