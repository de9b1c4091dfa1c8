/* h1send.c: the native HTTP/1.1 engine for http:// destinations.  Each slot
 * owns one non-blocking keep-alive connection, reused from request to
 * request and reopened when the server closed it; one epoll set watches
 * them all.  A request is one writev (head and body), the answer is parsed
 * with lib/http1.c straight from the connection's read buffer, and the
 * response and error handling are send.c's, so both engines write the same
 * records.  It never pipelines: one request per connection at a time. */
#include "h1send.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cutover/http1.h"
#include "cutover/text.h"

enum { MAX_ADDRS = 4, MAX_RESP_HEADERS = 128, MAX_EVENTS = 64, READ_CHUNK = 16384 };

enum conn_state {
    CONN_IDLE,       /* no request (open or closed) */
    CONN_CONNECTING, /* non-blocking connect in progress */
    CONN_WRITING,    /* request partly written */
    CONN_READING,    /* request written, answer awaited or arriving */
};

struct h1conn {
    struct send_slot *slot; /* the owner; its request is in flight when state != IDLE */
    int fd;                 /* -1: closed */
    int dest;
    int addr; /* index into the destination's addresses */
    enum conn_state state;
    uint32_t events;  /* registered epoll events; 0: not registered */
    bool reused;      /* carried a complete answer before this request */
    bool retried;     /* this request was already resent once */
    bool got_byte;    /* some of the answer arrived */
    bool head_done;   /* the final response head was parsed */
    bool close_after; /* the answer ends the connection */
    struct buf out;   /* request line and header fields */
    size_t out_len;   /* bytes of head + body to write */
    size_t out_off;   /* of which written */
    struct buf in;    /* received, from in_off on not yet consumed */
    size_t in_off;
    size_t parse_last; /* bytes the head parser already saw */
    struct http1_body body;
    uint64_t body_left;
    struct http1_chunked chunk;
    int64_t deadline;     /* monotonic µs: the request (or its connect) times out */
    int64_t req_deadline; /* the whole transfer's deadline */
    int64_t t_write, t_written, t_first;
};

struct h1dest {
    struct sockaddr_storage addr[MAX_ADDRS];
    socklen_t addrlen[MAX_ADDRS];
    int naddr;
    int good; /* the address that last connected */
    enum send_errkind resolve_err;
};

struct h1send {
    struct sender_opts o;
    send_done_fn done;
    void *ctx;
    int ep;
    int timer_fd;
    struct h1dest dest[2];
    struct send_slot *slots;
    struct h1conn *conns;
    size_t nslots;
    struct slot_pool pool;
    size_t in_flight;
    int64_t next_deadline; /* no request times out before this (may be stale: early) */
    struct http1_header hv[MAX_RESP_HEADERS];
};

/* epoll's data.ptr for the timer: anything that is not a connection. */
static char timer_tag;

/* ---- set-up ---- */

/* "http://[userinfo@]host[:port][/...]" -> host and port strings. */
static enum cut_err split_url(const char *url, char *host, size_t hostlen, char *port,
                              size_t portlen)
{
    if (!url || strncasecmp(url, "http://", 7) != 0) return CUT_EINVAL;
    const char *a = url + 7;
    size_t alen = strcspn(a, "/?#");
    const char *at = memchr(a, '@', alen);
    if (at) {
        alen -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    const char *h = a, *p = NULL;
    size_t hl;
    if (alen && a[0] == '[') {
        const char *close = memchr(a, ']', alen);
        if (!close) return CUT_EINVAL;
        h = a + 1;
        hl = (size_t)(close - h);
        if (close + 1 < a + alen) {
            if (close[1] != ':') return CUT_EINVAL;
            p = close + 2;
        }
    } else {
        const char *colon = memchr(a, ':', alen);
        hl = colon ? (size_t)(colon - a) : alen;
        if (colon) p = colon + 1;
    }
    size_t pl = p ? (size_t)(a + alen - p) : 0;
    if (!hl || hl >= hostlen || pl >= portlen) return CUT_EINVAL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (pl) {
        memcpy(port, p, pl);
        port[pl] = '\0';
    } else {
        memcpy(port, "80", 3);
    }
    return CUT_OK;
}

static enum cut_err resolve(struct h1dest *d, const char *url)
{
    char host[256], port[16];
    if (split_url(url, host, sizeof host, port, sizeof port)) return CUT_EINVAL;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) {
        d->resolve_err = SEND_DNS;
        return CUT_OK;
    }
    for (struct addrinfo *ai = res; ai && d->naddr < MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof d->addr[0]) continue;
        memcpy(&d->addr[d->naddr], ai->ai_addr, ai->ai_addrlen);
        d->addrlen[d->naddr++] = ai->ai_addrlen;
    }
    freeaddrinfo(res);
    if (!d->naddr) d->resolve_err = SEND_DNS;
    return CUT_OK;
}

enum cut_err h1send_new(struct h1send **out, const struct sender_opts *o, send_done_fn done,
                        void *ctx)
{
    *out = NULL;
    struct h1send *h = calloc(1, sizeof *h);
    if (!h) return CUT_ENOMEM;
    h->o = *o;
    if (h->o.ndest < 1 || h->o.ndest > 2) h->o.ndest = 1;
    if (!h->o.concurrency) h->o.concurrency = 1;
    h->done = done;
    h->ctx = ctx;
    h->next_deadline = INT64_MAX;
    h->ep = epoll_create1(EPOLL_CLOEXEC);
    h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    h->nslots = h->o.concurrency * (size_t)h->o.ndest;
    h->slots = calloc(h->nslots, sizeof *h->slots);
    h->conns = calloc(h->nslots, sizeof *h->conns);
    enum cut_err e = CUT_OK;
    if (!h->slots || !h->conns) e = CUT_ENOMEM;
    if (!e && (h->ep < 0 || h->timer_fd < 0)) e = CUT_EIO;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &timer_tag};
    if (!e && epoll_ctl(h->ep, EPOLL_CTL_ADD, h->timer_fd, &ev) != 0) e = CUT_EIO;
    for (int d = 0; !e && d < h->o.ndest; d++) e = resolve(&h->dest[d], h->o.url[d]);
    for (size_t i = 0; i < h->nslots && h->slots && h->conns; i++) {
        struct send_slot *slot = &h->slots[i];
        struct h1conn *c = &h->conns[i];
        slot->dest = c->dest = (int)(i / h->o.concurrency);
        slot->conn = c;
        exchange_init(&slot->x);
        buf_init(&slot->raw, h->o.max_body);
        buf_init(&slot->hdrtext, 0);
        c->slot = slot;
        c->fd = -1;
        buf_init(&c->out, 0);
        buf_init(&c->in, 0);
        slot_pool_put(&h->pool, slot);
    }
    if (e) {
        h1send_free(h);
        return e;
    }
    *out = h;
    return CUT_OK;
}

static void conn_close(struct h1conn *c)
{
    if (c->fd >= 0) close(c->fd); /* closing drops it from the epoll set */
    c->fd = -1;
    c->events = 0;
    c->reused = false;
    buf_reset(&c->in);
    c->in_off = 0;
}

void h1send_free(struct h1send *h)
{
    if (!h) return;
    for (size_t i = 0; h->slots && h->conns && i < h->nslots; i++) {
        conn_close(&h->conns[i]);
        buf_free(&h->conns[i].out);
        buf_free(&h->conns[i].in);
        exchange_release(&h->slots[i].x);
        buf_free(&h->slots[i].raw);
        buf_free(&h->slots[i].hdrtext);
    }
    free(h->slots);
    free(h->conns);
    if (h->ep >= 0) close(h->ep);
    if (h->timer_fd >= 0) close(h->timer_fd);
    free(h);
}

size_t h1send_free_slots(const struct h1send *h, int dest)
{
    return h->pool.nfree[dest];
}

struct send_slot *h1send_acquire(struct h1send *h, int dest)
{
    return slot_pool_take(&h->pool, dest);
}

void h1send_release(struct h1send *h, struct send_slot *slot)
{
    slot_pool_put(&h->pool, slot);
}

size_t h1send_in_flight(const struct h1send *h)
{
    return h->in_flight;
}

/* ---- the request bytes ---- */

/* Append s[0..n) with CR and LF turned into spaces: they never reach the
 * wire, where they would split the header. */
/* Bit 7 of each byte of the result is set for a CR or LF byte of x (a
 * borrow may flag a byte above one: a false alarm only costs a byte loop). */
#define ONES8 0x0101010101010101ULL
static inline uint64_t word_crlf(uint64_t x)
{
    uint64_t r = x ^ (ONES8 * '\r'), l = x ^ (ONES8 * '\n');
    return (((r - ONES8) & ~r) | ((l - ONES8) & ~l)) & (ONES8 * 0x80);
}

/* Whether s[0..n) has no CR or LF, copying it to o when it has none (o may
 * be partly written otherwise). A word at a time, the last word overlapping
 * the one before; under 8 bytes two overlapping halves or single bytes. */
__attribute__((always_inline)) static inline bool copy_if_clean(char *o, const char *s, size_t n)
{
    uint64_t x;
    uint32_t lo, hi;
#if defined(__SSE2__)
    if (n >= 16) { /* 16 at a time, the last block overlapping */
        const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
        for (size_t i = 0;; i += 16) {
            size_t at = n - i < 16 ? n - 16 : i;
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + at));
            if (_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf))))
                return false;
            _mm_storeu_si128((__m128i *)(void *)(o + at), v);
            if (at + 16 == n) return true;
        }
    }
#endif
    if (n >= 8) {
        for (size_t i = 0; n - i > 8; i += 8) {
            memcpy(&x, s + i, 8);
            if (word_crlf(x)) return false;
            memcpy(o + i, &x, 8);
        }
        memcpy(&x, s + n - 8, 8);
        if (word_crlf(x)) return false;
        memcpy(o + n - 8, &x, 8);
        return true;
    }
    if (n >= 4) {
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        if (word_crlf(lo | (uint64_t)hi << 32)) return false;
        memcpy(o, &lo, 4);
        memcpy(o + n - 4, &hi, 4);
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n') return false;
        o[i] = s[i];
    }
    return true;
}

/* The appends of a request head are inline and leave out the NUL after
 * each piece (build_request writes it once, at the end): they are most of
 * its cost, ten or more a request. */
__attribute__((always_inline)) static inline enum cut_err put_clean(struct buf *b, const char *s,
                                                                    size_t n)
{
    /* Names, values and targets are short and CR/LF are rare: checked and
     * stored a word at a time, no call (this runs for every header). */
    enum cut_err e;
    if ((b->cap - b->len <= n || b->max) && (e = buf_grow(b, n))) return e;
    char *o = b->data + b->len;
    if (!copy_if_clean(o, s, n))
        for (size_t i = 0; i < n; i++) o[i] = s[i] == '\r' || s[i] == '\n' ? ' ' : s[i];
    b->len += n;
    return CUT_OK;
}

/* Whether method m is want (a word of letters) in any case: the first
 * letters compared before any call (most methods differ there). */
static bool method_is(const char *m, const char *want)
{
    return ((unsigned char)m[0] | 0x20) == ((unsigned char)want[0] | 0x20) &&
           strcasecmp(m, want) == 0;
}

/* Whether the method carries a Content-Length even without a body (curl
 * sends "Content-Length: 0" for an empty POST; servers may answer 411
 * without it). */
static bool wants_length(const char *m)
{
    return method_is(m, "POST") || method_is(m, "PUT") || method_is(m, "PATCH");
}

/* "Content-Length: N" CRLF, without printf's format parsing. */
static enum cut_err put_length(struct buf *b, size_t n)
{
    char d[24];
    int i = (int)sizeof d;
    d[--i] = '\n';
    d[--i] = '\r';
    do d[--i] = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    enum cut_err e = buf_append_nonul(b, "Content-Length: ", 16);
    return e ? e : buf_append_nonul(b, d + i, sizeof d - (size_t)i);
}

/* Head of the request: "METHOD target HTTP/1.1", the recorded headers
 * (minus Expect and a Content-Length of their own), Host from the URL's
 * authority when absent, Content-Length when there is a body. */
static enum cut_err build_request(struct h1conn *c, const struct http_request *r, size_t *body_len)
{
    const char *method = r->method && *r->method ? r->method : "GET";
    const char *url = r->url ? r->url : "";
    const char *auth = url; /* after the first "://" (strstr's answer, without its set-up) */
    for (const char *q = url; *q; q++) {
        if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
            auth = q + 3;
            break;
        }
    }
    size_t alen = strcspn(auth, "/?#");
    const char *target = auth + alen;
    bool head = method_is(method, "HEAD");
    bool send_body = r->has_body && !head;
    bool clen = send_body || (!head && wants_length(method));
    *body_len = send_body ? r->body.len : 0;
    struct buf *b = &c->out;
    buf_reset(b);
    enum cut_err e = put_clean(b, method, strlen(method));
    if (!e) e = buf_append_nonul(b, " ", 1);
    if (!e && *target != '/') e = buf_append_nonul(b, "/", 1);
    if (!e) e = put_clean(b, target, strlen(target));
    if (!e) e = buf_append_nonul(b, " HTTP/1.1\r\n", 11);
    bool host = false;
    for (size_t i = 0; i < r->headers.n && !e; i++) {
        const struct header *hd = &r->headers.v[i];
        size_t nl = (size_t)(hd->value - hd->name - 1); /* one allocation (exchange.h) */
        if (text_ieqn(hd->name, nl, "Expect", 6)) continue;
        if (clen && text_ieqn(hd->name, nl, "Content-Length", 14)) continue;
        host |= text_ieqn(hd->name, nl, "Host", 4);
        e = put_clean(b, hd->name, nl);
        if (!e) e = buf_append_nonul(b, ": ", *hd->value ? 2 : 1);
        if (!e) e = put_clean(b, hd->value, hd->value_len);
        if (!e) e = buf_append_nonul(b, "\r\n", 2);
    }
    if (!e && !host) {
        e = buf_append_nonul(b, "Host: ", 6);
        if (!e) e = put_clean(b, auth, alen);
        if (!e) e = buf_append_nonul(b, "\r\n", 2);
    }
    if (!e && clen) e = put_length(b, *body_len);
    if (!e) e = buf_append_nonul(b, "\r\n", 2);
    buf_nul(b); /* the appends above leave it out */
    return e;
}

/* ---- epoll ---- */

static bool want_events(struct h1send *h, struct h1conn *c, uint32_t ev)
{
    if (c->events == ev) return true;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    int op = c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(h->ep, op, c->fd, &e) != 0) return false;
    c->events = ev;
    return true;
}

static void note_deadline(struct h1send *h, int64_t t)
{
    if (t < h->next_deadline) h->next_deadline = t;
}

/* ---- finishing ---- */

static double ms_between(int64_t from, int64_t to)
{
    return to > from ? (double)(to - from) / 1000.0 : 0;
}

static void hand_back(struct h1send *h, struct h1conn *c)
{
    struct send_slot *slot = c->slot;
    c->state = CONN_IDLE;
    h->in_flight--;
    h->done(h->ctx, slot);
    h1send_release(h, slot);
}

/* No answer: close the connection (its state is unknown) and record why.
 * As with libcurl, the time until the failure counts as wait once the
 * request was written, and as nothing while connecting. */
static void fail(struct h1send *h, struct h1conn *c, enum send_errkind k, int64_t now)
{
    struct send_slot *slot = c->slot;
    conn_close(c);
    slot->x.send_ms = 0;
    slot->x.wait_ms = c->t_write ? ms_between(c->t_write, now) : 0;
    slot->x.receive_ms = 0;
    send_slot_fail(slot, k);
    hand_back(h, c);
}

static void complete(struct h1send *h, struct h1conn *c, int64_t now)
{
    struct send_slot *slot = c->slot;
    if (c->state != CONN_READING) { /* answered before the request was all written */
        c->close_after = true;
        c->t_written = c->t_first;
    }
    slot->x.send_ms = ms_between(c->t_write, c->t_written);
    slot->x.wait_ms = ms_between(c->t_written, c->t_first);
    slot->x.receive_ms = ms_between(c->t_first, now);
    slot->err = SEND_OK;
    send_settle_body(slot, h->o.max_body);
    /* Bytes beyond the answer were not asked for: the connection is out of
     * step, so it is not reused (libcurl does the same). */
    if (c->close_after || c->in_off != c->in.len) {
        conn_close(c);
    } else {
        c->reused = true;
        buf_reset(&c->in);
        c->in_off = 0;
        if (c->events != EPOLLIN && !want_events(h, c, EPOLLIN)) conn_close(c);
    }
    hand_back(h, c);
}

/* ---- sending ---- */

static void begin(struct h1send *h, struct h1conn *c, int64_t now);

static enum send_errkind connect_kind(int err)
{
    if (err == ECONNREFUSED) return SEND_REFUSED;
    if (err == ETIMEDOUT) return SEND_TIMEOUT;
    return SEND_CONNECT;
}

/* The connect failed: the next address of the destination, if any, else
 * the request fails. */
static void connect_failed(struct h1send *h, struct h1conn *c, int err, int64_t now)
{
    struct h1dest *d = &h->dest[c->dest];
    conn_close(c);
    if (c->addr + 1 < d->naddr) {
        c->addr++;
        begin(h, c, now);
        return;
    }
    c->addr = d->good;
    fail(h, c, connect_kind(err), now);
}

/* The connection broke (EOF, reset) before the answer was complete. A
 * request on a reused connection that saw no byte of answer met a server
 * that had just closed an idle connection: it is sent again, once, on a
 * fresh one. */
static void broken(struct h1send *h, struct h1conn *c, int64_t now)
{
    bool retry = !c->got_byte && c->reused && !c->retried;
    conn_close(c);
    if (retry) {
        c->retried = true;
        begin(h, c, now);
        return;
    }
    fail(h, c, SEND_RESET, now);
}

static void write_some(struct h1send *h, struct h1conn *c, int64_t now)
{
    const struct http_request *r = &c->slot->x.req;
    struct iovec iov[2];
    int n = 0;
    size_t head = c->out.len;
    if (c->out_off < head) iov[n++] = (struct iovec){c->out.data + c->out_off, head - c->out_off};
    size_t boff = c->out_off > head ? c->out_off - head : 0;
    if (c->out_len > head) iov[n++] = (struct iovec){r->body.data + boff, c->out_len - head - boff};
    if (!c->t_write) c->t_write = now;
    ssize_t w = writev(c->fd, iov, n);
    if (w < 0 && errno != EAGAIN && errno != EINTR) {
        broken(h, c, now);
        return;
    }
    if (w > 0) c->out_off += (size_t)w;
    if (c->out_off == c->out_len) {
        c->t_written = now;
        c->state = CONN_READING;
        if (!want_events(h, c, EPOLLIN)) fail(h, c, SEND_OTHER, now);
        return;
    }
    c->state = CONN_WRITING;
    if (!want_events(h, c, EPOLLIN | EPOLLOUT)) fail(h, c, SEND_OTHER, now);
}

static void open_conn(struct h1send *h, struct h1conn *c, int64_t now)
{
    struct h1dest *d = &h->dest[c->dest];
    const struct sockaddr *sa = (const struct sockaddr *)&d->addr[c->addr];
    c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (c->fd < 0) {
        fail(h, c, SEND_CONNECT, now);
        return;
    }
    int one = 1;
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->reused = false;
    if (connect(c->fd, sa, d->addrlen[c->addr]) == 0) {
        d->good = c->addr;
        write_some(h, c, now);
        return;
    }
    if (errno != EINPROGRESS) {
        connect_failed(h, c, errno, now);
        return;
    }
    c->state = CONN_CONNECTING;
    if (h->o.connect_timeout_ms > 0) {
        int64_t t = now + (int64_t)h->o.connect_timeout_ms * 1000;
        if (t < c->deadline) c->deadline = t;
        note_deadline(h, c->deadline);
    }
    if (!want_events(h, c, EPOLLOUT)) fail(h, c, SEND_OTHER, now);
}

/* (Re)send the slot's request: on the open connection, or a new one. */
static void begin(struct h1send *h, struct h1conn *c, int64_t now)
{
    c->got_byte = c->head_done = c->close_after = false;
    c->out_off = 0;
    c->parse_last = 0;
    c->t_write = c->t_written = c->t_first = 0;
    c->deadline = c->req_deadline;
    if (c->fd < 0)
        open_conn(h, c, now);
    else
        write_some(h, c, now);
}

void h1send_start(struct h1send *h, struct send_slot *slot, int64_t now_us)
{
    struct h1conn *c = slot->conn;
    send_slot_reset(slot);
    slot->start_us = now_us;
    slot->x.started_us = sender_wall_at(now_us);
    c->retried = false;
    c->state = CONN_CONNECTING; /* in flight from here on */
    h->in_flight++;
    c->req_deadline = h->o.timeout_ms > 0 ? now_us + (int64_t)h->o.timeout_ms * 1000 : INT64_MAX;
    note_deadline(h, c->req_deadline);
    c->t_write = 0;
    size_t body_len = 0;
    if (h->dest[c->dest].resolve_err) {
        fail(h, c, h->dest[c->dest].resolve_err, now_us);
        return;
    }
    if (build_request(c, &slot->x.req, &body_len)) {
        fail(h, c, SEND_OTHER, now_us);
        return;
    }
    c->out_len = c->out.len + body_len;
    begin(h, c, now_us);
}

/* ---- receiving ---- */

static enum cut_err sink_raw(void *ctx, const char *p, size_t n)
{
    return buf_append(ctx, p, n);
}

static enum send_errkind body_err(enum cut_err e)
{
    return e == CUT_ELIMIT ? SEND_TOO_LARGE : e == CUT_EPARSE ? SEND_PROTOCOL : SEND_OTHER;
}

/* The response head is at in[in_off..): fill the response, decide the
 * framing. Returns the head's length, 0 when more is needed, -1 after
 * failing the request. */
static long take_head(struct h1send *h, struct h1conn *c, int64_t now)
{
    struct send_slot *slot = c->slot;
    struct http1_response pr;
    pr.headers = h->hv;
    pr.max_headers = MAX_RESP_HEADERS;
    const char *p = c->in.data + c->in_off;
    size_t n = c->in.len - c->in_off;
    long r = http1_parse_response(p, n, c->parse_last, &pr);
    if (r == HTTP1_NEED_MORE) {
        c->parse_last = n;
        if (n <= HTTP1_MAX_HEAD) return 0;
    }
    if (r < 0) {
        fail(h, c, SEND_PROTOCOL, now);
        return -1;
    }
    c->parse_last = 0;
    if (pr.status < 200 && pr.status != 101) return r; /* interim: the final head follows */
    struct http_response *resp = &slot->x.resp;
    const char *method = slot->x.req.method ? slot->x.req.method : "GET";
    enum cut_err e = http1_response_framing(&pr, method, strlen(method), &c->body);
    if (e) {
        fail(h, c, SEND_PROTOCOL, now);
        return -1;
    }
    headers_clear(&resp->headers);
    resp->status = pr.status;
    resp->headers_size = r;
    /* Mostly in the memory of the answer the exchange held before. */
    e = exchange_strset_kept(&resp->version, &resp->kept_version, pr.version, pr.version_len);
    if (!e) e = exchange_strset_kept(&resp->reason, &resp->kept_reason, pr.reason, pr.reason_len);
    if (!e) e = http1_headers_copy(&resp->headers, pr.headers, pr.num_headers);
    if (e) {
        fail(h, c, SEND_OTHER, now);
        return -1;
    }
    const struct http1_header *conn = http1_find_header(pr.headers, pr.num_headers, "Connection");
    c->close_after =
        (conn && http1_header_has_token(conn, "close")) ||
        (pr.minor_version == 0 && !(conn && http1_header_has_token(conn, "keep-alive")));
    if (c->body.framing == HTTP1_BODY_TUNNEL) { /* not HTTP/1 any more: record the head, leave */
        c->body.framing = HTTP1_BODY_NONE;
        c->close_after = true;
    }
    if (c->body.framing == HTTP1_BODY_UNTIL_CLOSE) c->close_after = true;
    c->body_left = c->body.length;
    http1_chunked_init(&c->chunk);
    c->head_done = true;
    return r;
}

/* Consume what arrived; complete or fail the request when it can. */
static void process(struct h1send *h, struct h1conn *c, int64_t now)
{
    struct buf *raw = &c->slot->raw;
    while (!c->head_done) {
        long r = take_head(h, c, now);
        if (r <= 0) return;
        c->in_off += (size_t)r;
    }
    const char *p = c->in.data + c->in_off;
    size_t n = c->in.len - c->in_off, used = 0;
    enum cut_err e = CUT_OK;
    bool done = false;
    switch (c->body.framing) {
    case HTTP1_BODY_NONE:
    case HTTP1_BODY_TUNNEL:
        done = true;
        break;
    case HTTP1_BODY_LENGTH:
        used = n < c->body_left ? n : (size_t)c->body_left;
        e = buf_append(raw, p, used);
        c->body_left -= used;
        done = c->body_left == 0;
        break;
    case HTTP1_BODY_CHUNKED:
        e = http1_chunked_feed(&c->chunk, p, n, &used, sink_raw, raw);
        done = c->chunk.done;
        break;
    case HTTP1_BODY_UNTIL_CLOSE:
        used = n;
        e = buf_append(raw, p, used);
        break;
    }
    if (e) {
        fail(h, c, body_err(e), now);
        return;
    }
    c->in_off += used;
    if (done) {
        complete(h, c, now);
        return;
    }
    if (c->in_off == c->in.len) { /* all consumed: reuse the buffer from its start */
        buf_reset(&c->in);
        c->in_off = 0;
    }
}

static void on_eof(struct h1send *h, struct h1conn *c, int64_t now)
{
    if (c->head_done && c->body.framing == HTTP1_BODY_UNTIL_CLOSE) {
        complete(h, c, now);
        return;
    }
    broken(h, c, now);
}

static void read_some(struct h1send *h, struct h1conn *c, int64_t now)
{
    if (buf_grow(&c->in, READ_CHUNK)) {
        fail(h, c, SEND_OTHER, now);
        return;
    }
    size_t room = c->in.cap - c->in.len - 1;
    ssize_t n = read(c->fd, c->in.data + c->in.len, room);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        on_eof(h, c, now);
        return;
    }
    c->in.len += (size_t)n;
    c->in.data[c->in.len] = '\0';
    if (!c->got_byte) {
        c->got_byte = true;
        c->t_first = now;
    }
    process(h, c, now);
}

static void on_event(struct h1send *h, struct h1conn *c, uint32_t ev, int64_t now)
{
    if (c->fd < 0) return; /* closed earlier in this batch */
    switch (c->state) {
    case CONN_IDLE: /* readable while idle: the server closed it, or sent what
                     * nobody asked for; either way it is of no further use */
        conn_close(c);
        return;
    case CONN_CONNECTING: {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        if (err) {
            connect_failed(h, c, err, now);
            return;
        }
        h->dest[c->dest].good = c->addr;
        c->deadline = c->req_deadline;
        write_some(h, c, now);
        return;
    }
    case CONN_WRITING:
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
            read_some(h, c, now);
            if (c->state != CONN_WRITING) return;
        }
        if (ev & EPOLLOUT) write_some(h, c, now);
        return;
    case CONN_READING:
        read_some(h, c, now);
        return;
    }
}

/* Fail the requests past their deadline; note the next deadline. */
static void expire(struct h1send *h, int64_t now)
{
    if (now < h->next_deadline) return;
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < h->nslots; i++) {
        struct h1conn *c = &h->conns[i];
        if (c->state == CONN_IDLE) continue;
        if (now >= c->deadline)
            fail(h, c, SEND_TIMEOUT, now);
        else if (c->deadline < next)
            next = c->deadline;
    }
    h->next_deadline = next;
}

/* ---- the wait ---- */

/* Block in poll on the epoll fd and the caller's fds (a live input):
 * epoll cannot hold them without two more syscalls per call. */
static int wait_extra(struct h1send *h, int ms, struct curl_waitfd *extra, unsigned nextra)
{
    struct pollfd pf[SENDER_MAX_EXTRA + 1];
    unsigned n = 0;
    pf[n++] = (struct pollfd){.fd = h->ep, .events = POLLIN};
    for (unsigned i = 0; i < nextra && i < SENDER_MAX_EXTRA; i++)
        pf[n++] = (struct pollfd){.fd = extra[i].fd, .events = (short)extra[i].events};
    int r = poll(pf, n, ms);
    for (unsigned i = 0; i < nextra && i < SENDER_MAX_EXTRA; i++)
        extra[i].revents = r > 0 ? (unsigned short)pf[i + 1].revents : 0;
    return r;
}

enum cut_err h1send_run(struct h1send *h, int64_t wait_us, struct curl_waitfd *extra,
                        unsigned nextra)
{
    if (h->next_deadline != INT64_MAX && wait_us > 0) {
        int64_t left = h->next_deadline - sender_now_us();
        if (left < wait_us) wait_us = left > 0 ? left : 0;
    }
    /* Whole milliseconds are epoll's own; a finer wait arms the timer
     * (in the epoll set), with the rounded-up milliseconds as backstop. */
    int ms = sender_poll_ms(wait_us);
    if (wait_us > 0 && wait_us % 1000 == 0)
        ms = (int)(wait_us / 1000 > 1000000 ? 1000000 : wait_us / 1000);
    else if (wait_us > 0 && !sender_arm_timer(h->timer_fd, wait_us))
        return CUT_EIO;
    if (nextra) {
        if (wait_extra(h, ms, extra, nextra) < 0 && errno != EINTR) return CUT_EIO;
        ms = 0;
    }
    struct epoll_event evs[MAX_EVENTS];
    int n = epoll_wait(h->ep, evs, MAX_EVENTS, ms);
    if (n < 0 && errno != EINTR) return CUT_EIO;
    int64_t now = sender_now_us();
    for (int i = 0; i < n; i++) {
        if (evs[i].data.ptr == &timer_tag) {
            uint64_t ticks;
            (void)!read(h->timer_fd, &ticks, sizeof ticks);
            continue;
        }
        on_event(h, evs[i].data.ptr, evs[i].events, now);
    }
    expire(h, now);
    return CUT_OK;
}
