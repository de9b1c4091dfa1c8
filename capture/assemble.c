/* assemble.c: HTTP/1 exchange assembly over reassembled TCP streams.
 * Owns, per connection, the bytes awaiting a parse, the queue of requests
 * awaiting their responses (pipelining pairs in order) and the exchanges
 * being built. After a hole in a direction it never guesses the missing
 * bytes: the message that spans it is counted lost and parsing resumes at
 * the next request or status line. Knows nothing about packets. */
#include "assemble.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/http1.h"
#include "cutover/text.h"
#include "cutover/zcodec.h"

#define MAX_FIELDS 128
/* Bytes appended to a half's parse buffer per step, so that it stays near
 * HTTP1_MAX_HEAD whatever size of run the packet half delivers. */
#define STEP_BYTES ((size_t)64 << 10)

enum role { ROLE_REQ = 0, ROLE_RESP = 1 };

/* What a queued request is to the pairing. */
enum entry_kind {
    ENTRY_REAL, /* being recorded */
    ENTRY_SKIP, /* carried the replay marker: its response is skipped too */
    ENTRY_LOST, /* known to be lost (gap, cap): its response is counted lost */
    ENTRY_HOLE, /* an unknown number of requests lost in a C2S hole */
};

struct entry {
    struct entry *next;
    enum entry_kind kind;
    enum assemble_loss lost_why; /* for ENTRY_LOST: what its response counts as */
    bool req_done, resp_started, resp_done;
    int64_t req_first, req_last, resp_first, resp_last;
    size_t bytes; /* counted against max_flow_bytes */
    struct exchange x;
    struct buf raw; /* response body as it came (still content-encoded) */
    uint64_t raw_total;
    char method[16]; /* kept when the rest is dropped: HEAD and CONNECT frame the answer */
};

enum half_state {
    H_HEAD,       /* between messages or inside a head */
    H_BODY_LEN,   /* Content-Length body: remaining bytes */
    H_BODY_CHUNK, /* chunked body */
    H_BODY_CLOSE, /* response body until the server closes */
    H_RESYNC,     /* after a hole or garbage: looking for a start line */
    H_TUNNEL,     /* the rest of the connection is not HTTP/1 */
};

/* One direction of a connection, by role. */
struct half {
    enum half_state st;
    struct buf pend; /* bytes not yet parsed */
    size_t last_len; /* bytes of pend a head parse already answered need-more to */
    uint64_t remaining;
    struct http1_chunked ch;
    struct entry *cur; /* the message's entry; NULL when it is not recorded */
    int64_t first_ts;  /* arrival of the message's first byte */
    bool seen;         /* any byte arrived this way */
};

struct conn {
    struct assembler *a;
    struct stream_info info;
    bool swapped, decided, tunnel;
    bool s2c_desync; /* responses were lost: pair the next one by time */
    enum assemble_loss desync_why;
    struct half h[2];
    struct entry *head, *tail;
    size_t queued, bytes;
    uint64_t seq;
};

enum { ENTRY_SPARES = 16, SPARE_BODY_MAX = 16 << 10 };

struct assembler {
    struct assemble_config cfg;
    assemble_emit_fn emit;
    void *ctx;
    enum cut_err err;
    struct assemble_stats st;
    struct http1_header fields[MAX_FIELDS];
    struct buf scratch;
    /* Finished entries kept for the next requests: their header arrays,
     * header pairs and body buffers are written over instead of freed and
     * allocated again (malloc/free were 14% of a capture). */
    struct entry *spare[ENTRY_SPARES];
    size_t nspare;
};

static const char *const loss_names[ASM_LOSS_COUNT] = {
    "gap", "expired", "evicted", "cap", "unparseable", "incomplete", "unpaired",
};

const char *assemble_loss_name(enum assemble_loss why)
{
    return (unsigned)why < ASM_LOSS_COUNT ? loss_names[why] : "unknown";
}

static void lose(struct conn *c, enum role r, enum assemble_loss why)
{
    if (r == ROLE_REQ)
        c->a->st.lost_requests[why]++;
    else
        c->a->st.lost_responses[why]++;
}

/* ---- the queue of requests ---- */

/* A spare entry, emptied, or a new one. */
static struct entry *entry_get(struct assembler *a)
{
    if (!a->nspare) {
        struct entry *e = calloc(1, sizeof *e);
        if (!e) return NULL;
        exchange_init(&e->x);
        buf_init(&e->raw, 0);
        return e;
    }
    struct entry *e = a->spare[--a->nspare];
    struct exchange x = e->x;
    struct buf raw = e->raw;
    memset(e, 0, sizeof *e);
    e->x = x;
    e->raw = raw;
    return e;
}

static void keep_buf(struct buf *b)
{
    if (b->cap > SPARE_BODY_MAX)
        buf_free(b);
    else
        buf_reset(b);
}

/* Empty e for a next request, keeping only small body buffers. */
static void entry_keep(struct entry *e)
{
    exchange_clear(&e->x);
    keep_buf(&e->x.req.body);
    keep_buf(&e->x.resp.body);
    keep_buf(&e->raw);
}

static struct entry *entry_push(struct conn *c, enum entry_kind kind)
{
    struct entry *e = entry_get(c->a);
    if (!e) return NULL;
    e->kind = kind;
    if (c->tail)
        c->tail->next = e;
    else
        c->head = e;
    c->tail = e;
    c->queued++;
    return e;
}

/* Free what a recorded entry holds once it no longer will be written. */
static void entry_drop_data(struct conn *c, struct entry *e)
{
    c->bytes -= e->bytes;
    e->bytes = 0;
    exchange_release(&e->x);
    buf_free(&e->raw);
}

static void entry_pop(struct conn *c)
{
    struct entry *e = c->head;
    c->head = e->next;
    if (!c->head) c->tail = NULL;
    c->queued--;
    for (int r = 0; r < 2; r++)
        if (c->h[r].cur == e) c->h[r].cur = NULL;
    struct assembler *a = c->a;
    if (a->nspare < ENTRY_SPARES) {
        c->bytes -= e->bytes;
        entry_keep(e);
        a->spare[a->nspare++] = e;
        return;
    }
    entry_drop_data(c, e);
    free(e);
}

/* A recorded request will not be written: its response counts as lost for
 * the same reason, if one comes. */
static void entry_lose(struct conn *c, struct entry *e, enum assemble_loss why)
{
    if (e->kind != ENTRY_REAL) return;
    lose(c, ROLE_REQ, why);
    e->kind = ENTRY_LOST;
    e->lost_why = why;
    entry_drop_data(c, e);
}

static void entry_account(struct conn *c, struct entry *e, size_t n)
{
    e->bytes += n;
    c->bytes += n;
    size_t cap = c->a->cfg.max_flow_bytes;
    for (struct entry *o = c->head; o && c->bytes > cap; o = o->next)
        if (o->kind == ENTRY_REAL) entry_lose(c, o, ASM_LOSS_CAP);
}

/* The message in progress in role r will not complete, for why. Its
 * request (always) and response (when it was this role's) are counted. */
static void abandon(struct conn *c, enum role r, enum assemble_loss why)
{
    struct entry *e = c->h[r].cur;
    c->h[r].cur = NULL;
    if (!e) {
        /* A response to no known request was counted when it began. */
        if (r == ROLE_REQ) lose(c, ROLE_REQ, why);
        return;
    }
    if (e->kind == ENTRY_REAL) entry_lose(c, e, why);
    if (r == ROLE_REQ) {
        e->req_done = true;
        return;
    }
    if (e->kind == ENTRY_SKIP)
        c->a->st.skipped_responses++;
    else
        lose(c, ROLE_RESP, why);
    e->resp_done = true;
}

/* ---- building the exchange ---- */

/* Keep the first max_body bytes of a body; count all of them. */
static void body_keep(struct assembler *a, struct buf *b, const char *p, size_t n)
{
    size_t room = a->cfg.max_body > b->len ? a->cfg.max_body - b->len : 0;
    if (n > room) n = room;
    if (n && buf_append(b, p, n) != CUT_OK) a->err = a->err ? a->err : CUT_ENOMEM;
}

/* The HAR url: absolute, from the Host header (or the server's address)
 * and the target; an absolute-form target is taken as it is. */
static enum cut_err set_url(struct conn *c, struct exchange *x)
{
    struct buf *u = &c->a->scratch;
    buf_reset(u);
    const char *t = x->req.target;
    enum cut_err e;
    if (strncmp(t, "http://", 7) == 0 || strncmp(t, "https://", 8) == 0) {
        e = buf_puts(u, t);
    } else if (strcmp(x->req.method, "CONNECT") == 0) {
        e = buf_puts(u, "http://");
        if (!e) e = buf_puts(u, t);
    } else {
        const struct header *host = headers_get(&x->req.headers, "Host");
        const char *hv = host && host->value[0] ? host->value : x->server;
        /* Plain appends: buf_printf's format parsing cost as much as the rest
         * of the request line. */
        e = buf_puts(u, "http://");
        if (!e) e = buf_puts(u, hv);
        if (!e && t[0] != '/') e = buf_putc(u, '/');
        if (!e) e = buf_puts(u, t);
    }
    return e ? e : exchange_strset(&x->req.url, u->data, u->len);
}

static enum cut_err fill_request(struct conn *c, struct entry *e, const struct http1_request *rq,
                                 long head_len)
{
    struct exchange *x = &e->x;
    const char *client = c->swapped ? c->info.server : c->info.client;
    const char *server = c->swapped ? c->info.client : c->info.server;
    enum cut_err err = exchange_strset(&x->req.method, rq->method, rq->method_len);
    if (!err) err = exchange_strset(&x->req.target, rq->target, rq->target_len);
    if (!err) err = exchange_strset(&x->req.version, rq->version, rq->version_len);
    if (!err) err = http1_headers_copy(&x->req.headers, rq->headers, rq->num_headers);
    if (!err) err = exchange_strset(&x->client, client, strlen(client));
    if (!err) err = exchange_strset(&x->server, server, strlen(server));
    if (!err) err = set_url(c, x);
    x->req.headers_size = head_len;
    x->req.body_size = 0;
    x->flow = (int64_t)c->info.flow;
    x->seq = (int64_t)c->seq;
    return err;
}

static double ms_between(int64_t from, int64_t to)
{
    return to > from ? (double)(to - from) / 1000.0 : 0.0;
}

/* Turn the raw response body into content: decoded when it was gzip or
 * deflate, as sent otherwise (and when decoding fails). */
static void finish_response_body(struct assembler *a, struct entry *e)
{
    struct http_response *r = &e->x.resp;
    r->body_size = (int64_t)e->raw_total;
    bool cut = e->raw_total > e->raw.len;
    const struct header *ce = headers_get(&r->headers, "Content-Encoding");
    enum zcodec_kind kind = ZCODEC_IDENTITY;
    if (ce && e->raw.len && zcodec_from_name(ce->value, strlen(ce->value), &kind) &&
        kind != ZCODEC_IDENTITY) {
        buf_reset(&r->body);
        enum cut_err z = zcodec_decode(kind, e->raw.data, e->raw.len, &r->body, a->cfg.max_body);
        if (z == CUT_OK || z == CUT_ELIMIT || (z == CUT_ETRUNC && cut)) {
            a->st.decoded_bodies++;
            r->compression = strdup(zcodec_name(kind));
            r->body_truncated = z != CUT_OK || cut;
            r->content_size = z == CUT_OK && !cut ? (int64_t)r->body.len : -1;
            if (r->body_truncated) a->st.bodies_truncated++;
            buf_free(&e->raw);
            return;
        }
        a->st.decode_errors++;
        buf_reset(&r->body);
    }
    /* Keep the bytes as they came: har.c writes base64 when not UTF-8. */
    struct buf tmp = r->body;
    r->body = e->raw;
    e->raw = tmp;
    r->content_size = (int64_t)e->raw_total;
    r->body_truncated = cut;
    if (cut) a->st.bodies_truncated++;
}

/* Decimal digits of v written backwards ending at end; returns the start. */
static char *u64_digits(char *end, uint64_t v)
{
    do *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

/* "RUNID-FLOW-SEQ" into out (cut to size); its length. snprintf was 3% of
 * the whole capture for this one line. */
static size_t put_id(char *out, size_t size, const char *runid, uint64_t flow, uint64_t seq)
{
    char num[2][24];
    const char *parts[5] = {runid, "-", u64_digits(num[0] + 23, flow), "-",
                            u64_digits(num[1] + 23, seq)};
    num[0][23] = num[1][23] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < 5; i++)
        for (const char *p = parts[i]; *p && len + 1 < size; p++) out[len++] = *p;
    out[len] = '\0';
    return len;
}

static void emit_entry(struct conn *c, struct entry *e)
{
    struct assembler *a = c->a;
    struct exchange *x = &e->x;
    char id[160];
    size_t n = put_id(id, sizeof id, a->cfg.runid, c->info.flow, (uint64_t)x->seq);
    if (exchange_strset(&x->id, id, n) != CUT_OK) a->err = a->err ? a->err : CUT_ENOMEM;
    x->started_us = e->req_first;
    x->send_ms = ms_between(e->req_first, e->req_last);
    x->wait_ms = ms_between(e->req_last, e->resp_first);
    x->receive_ms = ms_between(e->resp_first, e->resp_last);
    finish_response_body(a, e);
    if (x->req.body_truncated) a->st.bodies_truncated++;
    a->st.exchanges++;
    if (a->err) return;
    enum cut_err err = a->emit(a->ctx, x);
    if (err) a->err = err;
}

/* Write and drop every finished entry at the head of the queue (responses
 * come in order, so the head is always the first to finish). */
static void drain(struct conn *c)
{
    while (c->head) {
        struct entry *e = c->head;
        if (e->kind == ENTRY_HOLE || !e->req_done || !e->resp_done) {
            if (e->kind != ENTRY_REAL && e->kind != ENTRY_HOLE && e->resp_done &&
                c->h[ROLE_REQ].cur != e) {
                entry_pop(c); /* a lost or skipped request whose answer came */
                continue;
            }
            return;
        }
        if (e->kind == ENTRY_REAL) emit_entry(c, e);
        entry_pop(c);
    }
}

/* ---- parsing, per half ---- */

static void half_resync(struct conn *c, enum role r)
{
    struct half *h = &c->h[r];
    h->st = H_RESYNC;
    h->cur = NULL;
    h->last_len = 0;
}

/* A malformed head: drop its first line and look for the next start. */
static size_t malformed(struct conn *c, enum role r, const char *p, size_t n)
{
    c->a->st.parse_errors++;
    lose(c, r, ASM_LOSS_UNPARSEABLE);
    half_resync(c, r);
    if (r == ROLE_RESP) {
        /* Whose answer it was is unknown: the next one pairs by time. */
        c->s2c_desync = true;
        c->desync_why = ASM_LOSS_UNPARSEABLE;
    }
    const char *lf = memchr(p, '\n', n);
    return lf ? (size_t)(lf - p) + 1 : n;
}

static void request_done(struct conn *c, int64_t ts)
{
    struct half *h = &c->h[ROLE_REQ];
    if (h->cur) {
        h->cur->req_done = true;
        h->cur->req_last = ts;
    }
    h->cur = NULL;
    h->st = H_HEAD;
    drain(c);
}

static void response_done(struct conn *c, int64_t ts)
{
    struct half *h = &c->h[ROLE_RESP];
    struct entry *e = h->cur;
    if (e) {
        e->resp_done = true;
        e->resp_last = ts;
        if (e->kind == ENTRY_LOST)
            lose(c, ROLE_RESP, e->lost_why);
        else if (e->kind == ENTRY_SKIP)
            c->a->st.skipped_responses++;
    }
    h->cur = NULL;
    h->st = c->tunnel ? H_TUNNEL : H_HEAD;
    drain(c);
}

/* One step of role r's head parser over p[0..n), which holds the head so
 * far: its length when whole, 0 when more bytes are needed (the parser
 * resumes where it stopped next time), -1 when malformed or past
 * HTTP1_MAX_HEAD.  msg is the role's http1_request or http1_response. */
static long head_parse(struct conn *c, enum role r, const char *p, size_t n, int64_t ts, void *msg)
{
    struct half *h = &c->h[r];
    if (h->last_len == 0) h->first_ts = ts;
    long len = r == ROLE_REQ ? http1_parse_request(p, n, h->last_len, msg)
                             : http1_parse_response(p, n, h->last_len, msg);
    if (len == HTTP1_NEED_MORE) {
        if (n > HTTP1_MAX_HEAD) return -1;
        h->last_len = n;
        return 0;
    }
    h->last_len = 0;
    return len < 0 ? -1 : len;
}

static size_t head_request(struct conn *c, const char *p, size_t n, int64_t ts)
{
    struct assembler *a = c->a;
    struct half *h = &c->h[ROLE_REQ];
    struct http1_request rq;
    memset(&rq, 0, sizeof rq);
    rq.headers = a->fields;
    rq.max_headers = MAX_FIELDS;
    long len = head_parse(c, ROLE_REQ, p, n, ts, &rq);
    if (len <= 0) return len ? malformed(c, ROLE_REQ, p, n) : 0;
    struct http1_body fr;
    if (http1_request_framing(&rq, &fr) != CUT_OK) return malformed(c, ROLE_REQ, p, n);
    a->st.requests++;
    c->seq++;
    enum entry_kind kind = ENTRY_REAL;
    if (http1_find_header(rq.headers, rq.num_headers, a->cfg.marker_header)) {
        kind = ENTRY_SKIP;
        a->st.skipped_requests++;
    }
    if (c->queued >= a->cfg.max_queue) {
        /* Nobody answers this connection (a one-sided flow?): shed the
         * oldest request to keep the queue bounded. */
        if (c->head->kind == ENTRY_REAL) entry_lose(c, c->head, ASM_LOSS_CAP);
        if (c->head->resp_started && !c->head->resp_done) abandon(c, ROLE_RESP, ASM_LOSS_CAP);
        entry_pop(c);
    }
    struct entry *e = entry_push(c, kind);
    if (!e) {
        a->err = a->err ? a->err : CUT_ENOMEM;
        lose(c, ROLE_REQ, ASM_LOSS_CAP);
    }
    if (e) {
        e->req_first = h->first_ts;
        e->x.seq = (int64_t)c->seq;
        size_t ml = rq.method_len < sizeof e->method ? rq.method_len : sizeof e->method - 1;
        memcpy(e->method, rq.method, ml);
        if (kind == ENTRY_REAL) {
            if (fill_request(c, e, &rq, len) != CUT_OK) {
                a->err = a->err ? a->err : CUT_ENOMEM;
                entry_lose(c, e, ASM_LOSS_CAP);
            } else {
                entry_account(c, e, (size_t)len);
            }
        }
    }
    h->cur = e;
    if (e && e->kind == ENTRY_REAL) e->x.req.has_body = fr.framing != HTTP1_BODY_NONE;
    switch (fr.framing) {
    case HTTP1_BODY_LENGTH:
        h->st = H_BODY_LEN;
        h->remaining = fr.length;
        break;
    case HTTP1_BODY_CHUNKED:
        h->st = H_BODY_CHUNK;
        http1_chunked_init(&h->ch);
        break;
    default:
        request_done(c, ts);
        break;
    }
    return (size_t)len;
}

/* The entry a response answers, by order: the first without a response.
 * Holes stand for requests lost in a C2S hole: a response meets them only
 * while no later request was seen (the client waits for an answer before
 * sending again), else the hole is passed. */
static struct entry *pair_response(struct conn *c, int64_t ts)
{
    struct entry *e = c->head;
    while (e && e->resp_started) e = e->next;
    if (c->s2c_desync) {
        /* Responses were lost in an S2C hole: answer the newest request
         * sent before this response began; older ones lost theirs. */
        struct entry *best = NULL;
        for (struct entry *o = e; o; o = o->next)
            if (o->kind != ENTRY_HOLE && o->req_first <= ts) best = o;
        for (struct entry *o = e; best && o != best; o = o->next) {
            if (o->kind == ENTRY_REAL) entry_lose(c, o, c->desync_why);
            o->resp_started = o->resp_done = true;
            if (o->kind == ENTRY_HOLE) {
                o->kind = ENTRY_LOST;
                o->lost_why = c->desync_why;
            }
        }
        c->s2c_desync = false;
        if (best) e = best;
    }
    while (e && e->kind == ENTRY_HOLE) {
        struct entry *later = e->next;
        while (later && later->kind == ENTRY_HOLE) later = later->next;
        if (!later) return e;
        e->resp_started = e->resp_done = true; /* passed: popped by drain */
        e->kind = ENTRY_LOST;
        e->lost_why = ASM_LOSS_GAP;
        e = later;
        while (e && e->resp_started) e = e->next;
    }
    return e;
}

static enum cut_err fill_response(struct entry *e, const struct http1_response *rs, long len)
{
    struct http_response *r = &e->x.resp;
    r->status = rs->status;
    enum cut_err err = exchange_strset(&r->reason, rs->reason, rs->reason_len);
    if (!err) err = exchange_strset(&r->version, rs->version, rs->version_len);
    if (!err) err = http1_headers_copy(&r->headers, rs->headers, rs->num_headers);
    r->headers_size = len;
    return err;
}

static size_t head_response(struct conn *c, const char *p, size_t n, int64_t ts)
{
    struct assembler *a = c->a;
    struct half *h = &c->h[ROLE_RESP];
    size_t blank = 0; /* stray line ends between responses */
    while (blank < n && (p[blank] == '\r' || p[blank] == '\n')) blank++;
    if (blank) return blank;
    struct http1_response rs;
    memset(&rs, 0, sizeof rs);
    rs.headers = a->fields;
    rs.max_headers = MAX_FIELDS;
    long len = head_parse(c, ROLE_RESP, p, n, ts, &rs);
    if (len <= 0) return len ? malformed(c, ROLE_RESP, p, n) : 0;
    if (rs.status < 200 && rs.status != 101) {
        a->st.interim++; /* 100 Continue and friends: the final answer follows */
        return (size_t)len;
    }
    struct entry *e = pair_response(c, h->first_ts);
    const char *m = e && e->kind != ENTRY_HOLE ? e->method : NULL;
    struct http1_body fr;
    if (http1_response_framing(&rs, m, m ? strlen(m) : 0, &fr) != CUT_OK)
        return malformed(c, ROLE_RESP, p, n);
    a->st.responses++;
    if (!e) {
        lose(c, ROLE_RESP, ASM_LOSS_UNPAIRED);
    } else if (e->kind == ENTRY_HOLE) {
        lose(c, ROLE_RESP, ASM_LOSS_GAP);
        e = NULL;
    } else {
        e->resp_started = true;
        e->resp_first = h->first_ts;
        if (e->kind == ENTRY_REAL) {
            if (fill_response(e, &rs, len) != CUT_OK) {
                a->err = a->err ? a->err : CUT_ENOMEM;
                entry_lose(c, e, ASM_LOSS_CAP);
            } else {
                entry_account(c, e, (size_t)len);
            }
        }
    }
    h->cur = e;
    switch (fr.framing) {
    case HTTP1_BODY_LENGTH:
        h->st = H_BODY_LEN;
        h->remaining = fr.length;
        break;
    case HTTP1_BODY_CHUNKED:
        h->st = H_BODY_CHUNK;
        http1_chunked_init(&h->ch);
        break;
    case HTTP1_BODY_UNTIL_CLOSE:
        h->st = H_BODY_CLOSE;
        break;
    case HTTP1_BODY_TUNNEL:
        a->st.tunnels++;
        c->tunnel = true;
        c->h[ROLE_REQ].st = H_TUNNEL;
        response_done(c, ts);
        break;
    default:
        response_done(c, ts);
        break;
    }
    return (size_t)len;
}

static void put_body(struct conn *c, enum role r, const char *p, size_t n)
{
    struct entry *e = c->h[r].cur;
    if (!e || e->kind != ENTRY_REAL || !n) return;
    struct buf *b = r == ROLE_REQ ? &e->x.req.body : &e->raw;
    size_t before = b->len;
    body_keep(c->a, b, p, n);
    if (r == ROLE_REQ) {
        e->x.req.body_size += (int64_t)n;
        if ((uint64_t)e->x.req.body_size > b->len) e->x.req.body_truncated = true;
    } else {
        e->raw_total += n;
    }
    entry_account(c, e, b->len - before);
}

struct chunk_ctx {
    struct conn *c;
    enum role r;
};

static enum cut_err chunk_sink(void *vctx, const char *p, size_t n)
{
    struct chunk_ctx *k = vctx;
    put_body(k->c, k->r, p, n);
    return CUT_OK;
}

static void message_done(struct conn *c, enum role r, int64_t ts)
{
    if (r == ROLE_REQ)
        request_done(c, ts);
    else
        response_done(c, ts);
}

static size_t body_step(struct conn *c, enum role r, const char *p, size_t n, int64_t ts)
{
    struct half *h = &c->h[r];
    switch (h->st) {
    case H_BODY_LEN: {
        size_t k = n < h->remaining ? n : (size_t)h->remaining;
        put_body(c, r, p, k);
        h->remaining -= k;
        if (!h->remaining) message_done(c, r, ts);
        return k;
    }
    case H_BODY_CHUNK: {
        struct chunk_ctx k = {c, r};
        size_t used = 0;
        if (http1_chunked_feed(&h->ch, p, n, &used, chunk_sink, &k) != CUT_OK) {
            abandon(c, r, ASM_LOSS_UNPARSEABLE);
            c->a->st.parse_errors++;
            half_resync(c, r);
            if (r == ROLE_RESP) {
                c->s2c_desync = true;
                c->desync_why = ASM_LOSS_UNPARSEABLE;
            }
            return used ? used : 1;
        }
        if (h->ch.done) message_done(c, r, ts);
        return used;
    }
    default: /* H_BODY_CLOSE */
        put_body(c, r, p, n);
        return n;
    }
}

static size_t resync_step(struct conn *c, enum role r, const char *p, size_t n)
{
    size_t discard = 0;
    long at = http1_resync(p, n, r == ROLE_RESP, &discard);
    if (at < 0) {
        c->a->st.bytes_discarded += discard;
        return discard;
    }
    c->a->st.bytes_discarded += (uint64_t)at;
    c->h[r].st = H_HEAD;
    c->h[r].last_len = 0;
    return (size_t)at;
}

/* Parse as much of role r's pending bytes as possible. */
static void half_run(struct conn *c, enum role r, int64_t ts)
{
    struct half *h = &c->h[r];
    size_t off = 0;
    while (off < h->pend.len) {
        const char *p = h->pend.data + off;
        size_t n = h->pend.len - off, used;
        enum half_state before = h->st;
        switch (h->st) {
        case H_HEAD:
            used = r == ROLE_REQ ? head_request(c, p, n, ts) : head_response(c, p, n, ts);
            break;
        case H_RESYNC:
            used = resync_step(c, r, p, n);
            break;
        case H_TUNNEL:
            c->a->st.bytes_discarded += n;
            used = n;
            break;
        default:
            used = body_step(c, r, p, n, ts);
            break;
        }
        if (!used && h->st == before) break; /* needs more bytes */
        off += used;
    }
    buf_consume(&h->pend, off);
    if (h->last_len > h->pend.len) h->last_len = 0;
}

/* ---- roles ---- */

/* Before any message was parsed, the first bytes of each direction say who
 * is the client: a stream whose "client" speaks first with a status line,
 * or whose "server" speaks with a method, had its roles guessed wrongly. */
static void decide_roles(struct conn *c, enum stream_dir dir, const uint8_t *p, size_t n)
{
    const char *s = (const char *)p;
    if (n < 8) return;
    bool req = http1_looks_like_request(s, n), resp = http1_looks_like_response(s, n);
    if (!req && !resp) return;
    c->decided = true;
    bool wrong = (dir == STREAM_C2S && resp) || (dir == STREAM_S2C && req);
    if (!wrong || c->seq || c->head) return;
    c->swapped = true;
    c->a->st.role_swaps++;
    struct half t = c->h[0];
    c->h[0] = c->h[1];
    c->h[1] = t;
}

static enum role role_of(const struct conn *c, enum stream_dir dir)
{
    return (enum role)((dir == STREAM_S2C) ^ c->swapped);
}

/* ---- hooks ---- */

static void *hook_open(void *ctx, const struct stream_info *info)
{
    struct assembler *a = ctx;
    struct conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->a = a;
    c->info = *info;
    for (int r = 0; r < 2; r++) {
        buf_init(&c->h[r].pend, 0);
        /* Without the handshake the capture may begin mid-message. */
        c->h[r].st = info->saw_syn ? H_HEAD : H_RESYNC;
    }
    a->st.connections++;
    return c;
}

static void hook_data(void *ctx, void *vc, enum stream_dir dir, const uint8_t *p, size_t n,
                      int64_t ts)
{
    struct assembler *a = ctx;
    struct conn *c = vc;
    if (!c) return;
    a->st.bytes[dir == STREAM_S2C] += n;
    if (!c->decided) decide_roles(c, dir, p, n);
    enum role r = role_of(c, dir);
    struct half *h = &c->h[r];
    h->seen = true;
    while (n) {
        size_t k = n < STEP_BYTES ? n : STEP_BYTES;
        if (buf_append(&h->pend, p, k) != CUT_OK) {
            a->err = a->err ? a->err : CUT_ENOMEM;
            return;
        }
        p += k;
        n -= k;
        half_run(c, r, ts);
    }
}

static void hook_gap(void *ctx, void *vc, enum stream_dir dir, uint64_t lost, int64_t ts)
{
    (void)ctx;
    (void)lost;
    (void)ts;
    struct conn *c = vc;
    if (!c) return;
    enum role r = role_of(c, dir);
    struct half *h = &c->h[r];
    c->decided = true;
    if (h->st == H_TUNNEL) return;
    bool in_body = h->st != H_HEAD && h->st != H_RESYNC;
    /* The message in progress is lost; between messages, the hole holds
     * at least the start of one. */
    if (in_body)
        abandon(c, r, ASM_LOSS_GAP);
    else if (h->st == H_HEAD)
        lose(c, r, ASM_LOSS_GAP);
    if (r == ROLE_REQ) {
        /* An unknown number of requests may lie in the hole: a hole entry
         * keeps their answers from pairing with later requests. */
        if (!c->tail || c->tail->kind != ENTRY_HOLE) {
            struct entry *e = entry_push(c, ENTRY_HOLE);
            if (e) e->req_done = true;
        }
    } else {
        c->s2c_desync = true;
        c->desync_why = ASM_LOSS_GAP;
    }
    buf_reset(&h->pend);
    half_resync(c, r);
    drain(c);
}

static void hook_fin(void *ctx, void *vc, enum stream_dir dir, int64_t ts)
{
    (void)ctx;
    struct conn *c = vc;
    if (!c) return;
    enum role r = role_of(c, dir);
    if (c->h[r].st == H_BODY_CLOSE) response_done(c, ts);
}

/* Whether pending bytes hold more than stray line ends. */
static bool has_partial(const struct buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] != '\r' && b->data[i] != '\n') return true;
    return false;
}

static void hook_close(void *ctx, void *vc, enum stream_end why, int64_t ts)
{
    (void)ctx;
    struct conn *c = vc;
    if (!c) return;
    if (c->h[ROLE_RESP].st == H_BODY_CLOSE && (why == STREAM_END_FIN || why == STREAM_END_RST))
        response_done(c, ts);
    enum assemble_loss open_why = why == STREAM_END_IDLE      ? ASM_LOSS_EXPIRED
                                  : why == STREAM_END_EVICTED ? ASM_LOSS_EVICTED
                                                              : ASM_LOSS_INCOMPLETE;
    enum assemble_loss queued_why = open_why == ASM_LOSS_INCOMPLETE ? ASM_LOSS_UNPAIRED : open_why;
    for (int r = 0; r < 2; r++) {
        struct half *h = &c->h[r];
        if (h->st == H_BODY_LEN || h->st == H_BODY_CHUNK || h->st == H_BODY_CLOSE)
            abandon(c, (enum role)r, open_why);
        else if (h->st == H_HEAD && has_partial(&h->pend))
            lose(c, (enum role)r, open_why); /* a head cut short */
    }
    /* What is left was asked and never answered. */
    for (struct entry *e = c->head; e; e = e->next)
        if (e->kind == ENTRY_REAL) entry_lose(c, e, queued_why);
    while (c->head) entry_pop(c);
    for (int r = 0; r < 2; r++) buf_free(&c->h[r].pend);
    free(c);
}

/* ---- the assembler ---- */

enum cut_err assemble_new(const struct assemble_config *cfg, assemble_emit_fn emit, void *ctx,
                          struct assembler **out)
{
    struct assembler *a = calloc(1, sizeof *a);
    if (!a) return CUT_ENOMEM;
    a->cfg = *cfg;
    if (!a->cfg.runid) a->cfg.runid = "";
    if (!a->cfg.max_body) a->cfg.max_body = ASSEMBLE_DEFAULT_MAX_BODY;
    if (!a->cfg.max_flow_bytes) a->cfg.max_flow_bytes = ASSEMBLE_DEFAULT_MAX_FLOW_BYTES;
    if (!a->cfg.max_queue) a->cfg.max_queue = ASSEMBLE_DEFAULT_MAX_QUEUE;
    if (!a->cfg.marker_header) a->cfg.marker_header = ASSEMBLE_MARKER_HEADER;
    a->emit = emit;
    a->ctx = ctx;
    buf_init(&a->scratch, 0);
    *out = a;
    return CUT_OK;
}

void assemble_hooks(struct assembler *a, struct stream_hooks *out)
{
    out->ctx = a;
    out->open = hook_open;
    out->data = hook_data;
    out->gap = hook_gap;
    out->fin = hook_fin;
    out->close = hook_close;
}

const struct assemble_stats *assemble_stats(const struct assembler *a)
{
    return &a->st;
}

enum cut_err assemble_error(const struct assembler *a)
{
    return a->err;
}

void assemble_free(struct assembler *a)
{
    if (!a) return;
    buf_free(&a->scratch);
    for (size_t i = 0; i < a->nspare; i++) {
        exchange_release(&a->spare[i]->x);
        buf_free(&a->spare[i]->raw);
        free(a->spare[i]);
    }
    free(a);
}
