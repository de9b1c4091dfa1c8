/* send.c: the sender's API, the libcurl multi engine behind it, driven as
 * curl's own tool drives it (src/tool_operate.c): CURLOPT_PRIVATE per
 * transfer, one loop draining curl_multi_info_read, easy handles reused so
 * their connections stay warm; and the dispatch to the native engine
 * (h1send.c), which shares the body and error handling below. */
#include "send.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cutover/zcodec.h"
#include "h1send.h"

struct sender {
    struct h1send *h1; /* the native engine; NULL: libcurl's */
    CURLM *multi;
    struct sender_opts o;
    struct send_slot *slots; /* concurrency * ndest */
    size_t nslots;
    struct slot_pool pool;
    size_t in_flight;
    int timer_fd; /* wakes curl_multi_poll at a deadline finer than its milliseconds */
    send_done_fn done;
    void *ctx;
};

static const char *const errkind_names[SEND_ERR_COUNT] = {
    [SEND_OK] = "",
    [SEND_REFUSED] = "refused",
    [SEND_TIMEOUT] = "timeout",
    [SEND_RESET] = "reset",
    [SEND_TLS] = "tls",
    [SEND_DNS] = "dns",
    [SEND_CONNECT] = "connect",
    [SEND_PROTOCOL] = "protocol",
    [SEND_TOO_LARGE] = "too_large",
    [SEND_ABORTED] = "aborted",
    [SEND_OTHER] = "error",
};

const char *send_errkind_name(enum send_errkind k)
{
    return k < SEND_ERR_COUNT ? errkind_names[k] : "error";
}

static const struct {
    CURLcode rc;
    enum send_errkind kind;
} curl_kinds[] = {
    {CURLE_OK, SEND_OK},
    {CURLE_OPERATION_TIMEDOUT, SEND_TIMEOUT},
    {CURLE_COULDNT_RESOLVE_HOST, SEND_DNS},
    {CURLE_COULDNT_RESOLVE_PROXY, SEND_DNS},
    {CURLE_COULDNT_CONNECT, SEND_CONNECT},
    {CURLE_SEND_ERROR, SEND_RESET},
    {CURLE_RECV_ERROR, SEND_RESET},
    {CURLE_GOT_NOTHING, SEND_RESET},
    {CURLE_PARTIAL_FILE, SEND_RESET},
    {CURLE_SSL_CONNECT_ERROR, SEND_TLS},
    {CURLE_PEER_FAILED_VERIFICATION, SEND_TLS},
    {CURLE_SSL_CERTPROBLEM, SEND_TLS},
    {CURLE_SSL_CIPHER, SEND_TLS},
    {CURLE_SSL_CACERT_BADFILE, SEND_TLS},
    {CURLE_SSL_ISSUER_ERROR, SEND_TLS},
    {CURLE_SSL_INVALIDCERTSTATUS, SEND_TLS},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, SEND_TLS},
    {CURLE_USE_SSL_FAILED, SEND_TLS},
    {CURLE_WEIRD_SERVER_REPLY, SEND_PROTOCOL},
    {CURLE_UNSUPPORTED_PROTOCOL, SEND_PROTOCOL},
    {CURLE_HTTP2, SEND_PROTOCOL},
    {CURLE_HTTP2_STREAM, SEND_PROTOCOL},
    {CURLE_BAD_CONTENT_ENCODING, SEND_PROTOCOL},
    {CURLE_WRITE_ERROR, SEND_TOO_LARGE},
    {CURLE_ABORTED_BY_CALLBACK, SEND_ABORTED},
};

enum send_errkind send_classify(CURLcode rc, long os_errno)
{
    enum send_errkind k = SEND_OTHER;
    for (size_t i = 0; i < sizeof curl_kinds / sizeof *curl_kinds; i++)
        if (curl_kinds[i].rc == rc) k = curl_kinds[i].kind;
    if (k == SEND_CONNECT && os_errno == ECONNREFUSED) k = SEND_REFUSED;
    if (k == SEND_CONNECT && os_errno == ETIMEDOUT) k = SEND_TIMEOUT;
    return k;
}

int64_t sender_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t sender_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t sender_wall_at(int64_t mono_us)
{
    /* The sending thread's alone: the senders start every request there. */
    static int64_t offset, read_at;
    static bool known;
    if (!known || mono_us - read_at >= 1000000 || mono_us < read_at) {
        int64_t wall = sender_wall_us(), mono = sender_now_us();
        offset = wall - mono;
        read_at = mono;
        known = true;
    }
    return mono_us + offset;
}

/* ---- response callbacks ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct send_slot *slot = ud;
    size_t len = size * n;
    if (buf_append(&slot->raw, p, len) != CUT_OK) return 0; /* cap: CURLE_WRITE_ERROR */
    return len;
}

static void chomp(const char **p, size_t *n)
{
    while (*n && ((*p)[*n - 1] == '\n' || (*p)[*n - 1] == '\r')) (*n)--;
}

/* "HTTP/1.1 200 OK": a new head starts (after a 1xx, the final one). */
static void on_status_line(struct send_slot *slot, const char *p, size_t n)
{
    struct http_response *r = &slot->x.resp;
    headers_clear(&r->headers);
    r->headers_size = (int64_t)n;
    const char *sp = memchr(p, ' ', n);
    size_t vlen = sp ? (size_t)(sp - p) : n;
    (void)exchange_strset(&r->version, p, vlen);
    r->status = 0;
    size_t i = vlen + 1;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) r->status = r->status * 10 + (p[i] - '0');
    if (i < n && p[i] == ' ') i++;
    size_t rlen = n;
    chomp(&p, &rlen);
    (void)exchange_strset(&r->reason, p + (i < rlen ? i : rlen), i < rlen ? rlen - i : 0);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct send_slot *slot = ud;
    size_t len = size * n, l = len;
    const char *s = p;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        slot->head_done = false;
        on_status_line(slot, p, len);
        return len;
    }
    struct http_response *r = &slot->x.resp;
    r->headers_size += (int64_t)len;
    chomp(&s, &l);
    if (l == 0) {
        slot->head_done = true;
        return len;
    }
    struct headers *h = &r->headers;
    if ((s[0] == ' ' || s[0] == '\t') && h->n) {
        /* obs-fold: continue the previous value, joined by one space */
        while (l && (*s == ' ' || *s == '\t')) s++, l--;
        struct buf v = BUF_INIT;
        if (buf_puts(&v, h->v[h->n - 1].value) == CUT_OK && buf_putc(&v, ' ') == CUT_OK &&
            buf_append(&v, s, l) == CUT_OK)
            (void)headers_set_at(h, h->n - 1, v.data,
                                 strnlen(v.data, v.len)); /* a C string (exchange.h) */
        buf_free(&v);
        return len;
    }
    const char *colon = memchr(s, ':', l);
    if (!colon) return len;
    const char *v = colon + 1;
    size_t vl = l - (size_t)(v - s);
    while (vl && (*v == ' ' || *v == '\t')) v++, vl--;
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
    /* A value is a C string (exchange.h): a NUL from the wire ends it. */
    if (headers_add(h, s, (size_t)(colon - s), v, strnlen(v, vl)) != CUT_OK) return 0;
    return len;
}

/* ---- pool ---- */

static enum cut_err slot_setup(struct sender *s, struct send_slot *slot, int dest)
{
    slot->dest = dest;
    exchange_init(&slot->x);
    buf_init(&slot->raw, s->o.max_body);
    buf_init(&slot->hdrtext, 0);
    slot->easy = curl_easy_init();
    if (!slot->easy) return CUT_ENOMEM;
    CURL *e = slot->easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, slot);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, slot);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, slot);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->o.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->o.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    /* The recorded target is sent as it is: no squashing of "/../". */
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    /* Accept-Encoding is sent as recorded; the body arrives raw and is
     * decoded here, as capture decodes it. */
    curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, s->o.insecure ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, s->o.insecure ? 0L : 2L);
    if (s->o.cacert) curl_easy_setopt(e, CURLOPT_CAINFO, s->o.cacert);
    slot_pool_put(&s->pool, slot);
    return CUT_OK;
}

enum cut_err sender_new(struct sender **out, const struct sender_opts *o, send_done_fn done,
                        void *ctx)
{
    *out = NULL;
    struct sender *s = calloc(1, sizeof *s);
    if (!s) return CUT_ENOMEM;
    s->o = *o;
    s->timer_fd = -1;
    s->o.engine = sender_pick_engine(o->engine, o->url, o->ndest == 2 ? 2 : 1);
    if (s->o.engine == SEND_ENGINE_NATIVE) {
        enum cut_err e = h1send_new(&s->h1, &s->o, done, ctx);
        if (e) {
            free(s);
            return e;
        }
        *out = s;
        return CUT_OK;
    }
    if (s->o.ndest < 1 || s->o.ndest > 2) s->o.ndest = 1;
    if (!s->o.concurrency) s->o.concurrency = 1;
    s->done = done;
    s->ctx = ctx;
    s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    s->nslots = s->o.concurrency * (size_t)s->o.ndest;
    s->slots = calloc(s->nslots, sizeof *s->slots);
    s->multi = curl_multi_init();
    if (!s->slots || !s->multi || s->timer_fd < 0) {
        sender_free(s);
        return CUT_ENOMEM;
    }
    curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)s->o.concurrency);
    curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)(s->nslots + 4));
    curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
    for (size_t i = 0; i < s->nslots; i++) {
        if (slot_setup(s, &s->slots[i], (int)(i / s->o.concurrency)) != CUT_OK) {
            sender_free(s);
            return CUT_ENOMEM;
        }
    }
    *out = s;
    return CUT_OK;
}

void sender_free(struct sender *s)
{
    if (!s) return;
    h1send_free(s->h1);
    for (size_t i = 0; s->slots && i < s->nslots; i++) {
        struct send_slot *slot = &s->slots[i];
        if (!slot->easy) continue;
        curl_multi_remove_handle(s->multi, slot->easy); /* harmless when not added */
        curl_easy_cleanup(slot->easy);
        exchange_release(&slot->x);
        buf_free(&slot->raw);
        buf_free(&slot->hdrtext);
        free(slot->nodes);
    }
    free(s->slots);
    if (s->multi) curl_multi_cleanup(s->multi);
    if (s->timer_fd >= 0) close(s->timer_fd);
    free(s);
}

size_t sender_free_slots(const struct sender *s, int dest)
{
    if (s->h1) return h1send_free_slots(s->h1, dest);
    return s->pool.nfree[dest];
}

void slot_pool_put(struct slot_pool *p, struct send_slot *slot)
{
    slot->next_free = p->free_list[slot->dest];
    p->free_list[slot->dest] = slot;
    p->nfree[slot->dest]++;
}

struct send_slot *slot_pool_take(struct slot_pool *p, int dest)
{
    struct send_slot *slot = p->free_list[dest];
    if (!slot) return NULL;
    p->free_list[dest] = slot->next_free;
    p->nfree[dest]--;
    slot->next_free = NULL;
    return slot;
}

struct send_slot *sender_acquire(struct sender *s, int dest)
{
    if (s->h1) return h1send_acquire(s->h1, dest);
    return slot_pool_take(&s->pool, dest);
}

void sender_release(struct sender *s, struct send_slot *slot)
{
    if (s->h1)
        h1send_release(s->h1, slot);
    else
        slot_pool_put(&s->pool, slot);
}

size_t sender_in_flight(const struct sender *s)
{
    return s->h1 ? h1send_in_flight(s->h1) : s->in_flight;
}

enum send_engine sender_engine(const struct sender *s)
{
    return s->h1 ? SEND_ENGINE_NATIVE : SEND_ENGINE_CURL;
}

enum send_engine sender_pick_engine(enum send_engine want, const char *const *url, int n)
{
    if (want != SEND_ENGINE_AUTO) return want;
    for (int i = 0; i < n; i++)
        if (!url[i] || strncasecmp(url[i], "http://", 7) != 0) return SEND_ENGINE_CURL;
    return SEND_ENGINE_NATIVE;
}

/* ---- request ---- */

/* Append one header line to hdrtext as libcurl wants it: "Name: value",
 * or "Name;" for an empty value ("Name:" would tell libcurl to remove its
 * own header of that name). CR and LF never reach the wire. */
static enum cut_err put_line(struct buf *b, const char *name, const char *value, bool remove)
{
    size_t start = b->len;
    enum cut_err e = buf_puts(b, name);
    /* No buf_printf: its format parsing was the largest cost of this list. */
    if (!e && !remove && *value) e = buf_append(b, ": ", 2);
    if (!e) e = remove ? buf_putc(b, ':') : *value ? buf_puts(b, value) : buf_putc(b, ';');
    if (e) return e;
    for (size_t i = start; i < b->len; i++)
        if (b->data[i] == '\r' || b->data[i] == '\n') b->data[i] = ' ';
    return buf_append(b, "", 1); /* keep the NUL: strings are packed back to back */
}

static enum cut_err build_headers(struct send_slot *slot)
{
    const struct http_request *r = &slot->x.req;
    struct buf *b = &slot->hdrtext;
    enum cut_err e = CUT_OK;
    buf_reset(b);
    for (size_t i = 0; i < r->headers.n && !e; i++)
        e = put_line(b, r->headers.v[i].name, r->headers.v[i].value, false);
    /* Headers libcurl would add by itself that the recording did not have. */
    if (!e && !headers_get(&r->headers, "Accept")) e = put_line(b, "Accept", "", true);
    if (!e && r->has_body && !headers_get(&r->headers, "Content-Type"))
        e = put_line(b, "Content-Type", "", true);
    if (!e) e = put_line(b, "Expect", "", true);
    if (e) return e;
    size_t count = 0;
    for (size_t i = 0; i < b->len; i++) count += b->data[i] == '\0';
    if (count > slot->nodes_cap) {
        struct curl_slist *n = realloc(slot->nodes, count * sizeof *n);
        if (!n) return CUT_ENOMEM;
        slot->nodes = n;
        slot->nodes_cap = count;
    }
    /* curl_slist is a public struct that libcurl only reads: the list can
     * live in the slot's own memory instead of a malloc per line. */
    char *p = b->data;
    for (size_t k = 0; k < count; k++) {
        slot->nodes[k].data = p;
        slot->nodes[k].next = k + 1 < count ? &slot->nodes[k + 1] : NULL;
        p += strlen(p) + 1;
    }
    return CUT_OK;
}

static void finish(struct sender *s, struct send_slot *slot)
{
    s->done(s->ctx, slot);
    sender_release(s, slot);
}

void send_slot_reset(struct send_slot *slot)
{
    struct http_response *r = &slot->x.resp;
    headers_clear(&r->headers);
    buf_reset(&r->body);
    buf_reset(&slot->raw);
    free(r->reason);
    free(r->version);
    free(r->compression);
    r->reason = r->version = r->compression = NULL;
    r->status = 0;
    r->body_size = r->content_size = r->headers_size = -1;
    r->body_truncated = false;
    free(slot->x.error);
    slot->x.error = NULL;
    slot->x.send_ms = slot->x.wait_ms = slot->x.receive_ms = -1;
    slot->head_done = false;
    slot->err = SEND_OK;
}

void sender_start(struct sender *s, struct send_slot *slot, int64_t now_us)
{
    if (s->h1) {
        h1send_start(s->h1, slot, now_us);
        return;
    }
    CURL *e = slot->easy;
    const struct http_request *r = &slot->x.req;
    send_slot_reset(slot);
    slot->start_us = now_us;
    slot->x.started_us = sender_wall_at(now_us);
    if (build_headers(slot) != CUT_OK) {
        slot->err = SEND_OTHER;
        finish(s, slot);
        return;
    }
    bool head = r->method && strcasecmp(r->method, "HEAD") == 0;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_NOBODY, head ? 1L : 0L);
    if (r->has_body && !head) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body.len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body.data);
    }
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method ? r->method : "GET");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, slot->nodes);
    if (curl_multi_add_handle(s->multi, e) != CURLM_OK) {
        slot->err = SEND_OTHER;
        finish(s, slot);
        return;
    }
    s->in_flight++;
}

/* ---- completion ---- */

static double span_ms(curl_off_t from, curl_off_t to)
{
    return to > from ? (double)(to - from) / 1000.0 : 0;
}

/* HAR timings from libcurl's: connection set-up (DNS, TCP, TLS) happens
 * before PRETRANSFER and belongs to none of send/wait/receive, so that a cold
 * connection does not pass for server think time. wait runs from PRETRANSFER
 * (the request about to be written) to STARTTRANSFER (first response byte);
 * libcurl does not report when the last request byte left, so a request
 * body's upload time is inside wait and send is 0. receive runs from the
 * first response byte to the end. */
static void read_timings(struct send_slot *slot)
{
    curl_off_t pre = 0, start = 0, total = 0;
    curl_easy_getinfo(slot->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(slot->easy, CURLINFO_STARTTRANSFER_TIME_T, &start);
    curl_easy_getinfo(slot->easy, CURLINFO_TOTAL_TIME_T, &total);
    slot->x.send_ms = 0;
    if (start > 0) {
        slot->x.wait_ms = span_ms(pre, start);
        slot->x.receive_ms = span_ms(start, total);
    } else {
        slot->x.wait_ms = pre > 0 ? span_ms(pre, total) : 0;
        slot->x.receive_ms = 0;
    }
}

void send_settle_body(struct send_slot *slot, size_t max_body)
{
    struct http_response *r = &slot->x.resp;
    const struct header *ce = headers_get(&r->headers, "Content-Encoding");
    enum zcodec_kind kind = ZCODEC_IDENTITY;
    r->body_size = (int64_t)slot->raw.len;
    buf_reset(&r->body);
    if (ce && zcodec_from_name(ce->value, ce->value_len, &kind) && kind != ZCODEC_IDENTITY &&
        slot->raw.len) {
        enum cut_err e = zcodec_decode(kind, slot->raw.data, slot->raw.len, &r->body, max_body);
        if (e == CUT_OK || e == CUT_ELIMIT) {
            r->body_truncated = e == CUT_ELIMIT;
            (void)exchange_strset(&r->compression, zcodec_name(kind), strlen(zcodec_name(kind)));
            r->content_size = (int64_t)r->body.len;
            return;
        }
        buf_reset(&r->body); /* undecodable: keep the bytes as they came */
    }
    struct buf t = r->body;
    r->body = slot->raw;
    slot->raw = t;
    r->body.max = 0;
    slot->raw.max = max_body;
    r->content_size = (int64_t)r->body.len;
}

static void complete(struct sender *s, struct send_slot *slot, CURLcode rc)
{
    long os_errno = 0;
    curl_easy_getinfo(slot->easy, CURLINFO_OS_ERRNO, &os_errno);
    read_timings(slot);
    slot->err = send_classify(rc, os_errno);
    if (slot->err == SEND_OK)
        send_settle_body(slot, s->o.max_body);
    else
        send_slot_fail(slot, slot->err);
    finish(s, slot);
}

void send_slot_fail(struct send_slot *slot, enum send_errkind k)
{
    struct http_response *r = &slot->x.resp;
    const char *name = send_errkind_name(k);
    slot->err = k;
    (void)exchange_strset(&slot->x.error, name, strlen(name));
    headers_release(&r->headers);
    buf_reset(&r->body);
    r->status = 0;
    r->body_size = r->content_size = 0;
    r->headers_size = -1;
    free(r->reason);
    free(r->version);
    free(r->compression);
    r->reason = r->version = r->compression = NULL;
}

/* Hand every finished transfer to the callback; how many there were. */
static size_t drain(struct sender *s)
{
    CURLMsg *m;
    int left;
    size_t n = 0;
    while ((m = curl_multi_info_read(s->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        struct send_slot *slot = NULL;
        CURL *e = m->easy_handle;
        CURLcode rc = m->data.result;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&slot);
        curl_multi_remove_handle(s->multi, e);
        s->in_flight--;
        complete(s, slot, rc);
        n++;
    }
    return n;
}

/* curl_multi_poll's timeout is whole milliseconds: waiting for a request
 * due in 0.7 ms would either spin (and a spinning process is the one the
 * scheduler preempts on a busy machine, for milliseconds) or oversleep. A
 * timerfd armed at the exact deadline is one more fd in the poll set and
 * wakes it to the microsecond; the millisecond timeout, rounded up, is only
 * the backstop. Re-arming resets the timer's expiry count, so it is never
 * read. */
int sender_poll_ms(int64_t wait_us)
{
    if (wait_us <= 0) return 0;
    int64_t ms = wait_us / 1000 + 1;
    return ms > 1000000 ? 1000000 : (int)ms;
}

bool sender_arm_timer(int fd, int64_t wait_us)
{
    struct itimerspec it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)(wait_us / 1000000);
    it.it_value.tv_nsec = (long)(wait_us % 1000000) * 1000;
    return timerfd_settime(fd, 0, &it, NULL) == 0;
}

enum cut_err sender_run(struct sender *s, int64_t wait_us, struct curl_waitfd *extra,
                        unsigned nextra)
{
    if (s->h1) return h1send_run(s->h1, wait_us, extra, nextra);
    int running = 0;
    if (curl_multi_perform(s->multi, &running) != CURLM_OK) return CUT_ENET;
    /* A slot came free: the caller may have a request waiting for it, so
     * do not block now. */
    if (drain(s)) return CUT_OK;
    if (wait_us <= 0 && !nextra) return CUT_OK;
    struct curl_waitfd fds[SENDER_MAX_EXTRA + 1];
    unsigned n = 0;
    if (wait_us > 0 && sender_arm_timer(s->timer_fd, wait_us))
        fds[n++] = (struct curl_waitfd){.fd = s->timer_fd, .events = CURL_WAIT_POLLIN};
    for (unsigned i = 0; i < nextra && i < SENDER_MAX_EXTRA; i++) fds[n++] = extra[i];
    if (curl_multi_poll(s->multi, fds, n, sender_poll_ms(wait_us), NULL) != CURLM_OK)
        return CUT_ENET;
    for (unsigned i = 0; i < nextra && i < SENDER_MAX_EXTRA; i++)
        extra[i].revents = fds[n - nextra + i].revents;
    if (curl_multi_perform(s->multi, &running) != CURLM_OK) return CUT_ENET;
    drain(s);
    return CUT_OK;
}
