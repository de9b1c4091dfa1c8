/* sim_http.c: the simulator's HTTP/1.1 server: one poll() loop over the
 * listening socket and every connection.  Request heads are parsed by
 * lib's http1 parser; bodies are read by Content-Length or the chunked
 * decoder.  Answers go out in request order: while one is held back by its
 * delay, later pipelined requests wait in the input buffer. */
#include "sim_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cutover/http1.h"
#include "cutover/vec.h"
#include "cutover/zcodec.h"

#define MAX_HEADERS 100
#define CHUNK_SIZE 4096

enum conn_state { C_HEAD, C_BODY, C_WAIT };

struct conn {
    int fd;
    enum conn_state state;
    struct buf in;  /* received, not yet consumed */
    size_t scanned; /* bytes of in the head parser already saw */
    struct sim_http_req req;
    struct http1_body framing;
    uint64_t body_left;
    struct http1_chunked chunked;
    int minor;
    bool keep_alive, head, gzip;
    long long arrived_ms, due_ms;
    struct sim_http_resp resp;
    struct buf out;
    size_t out_off;
    bool close_after, peer_closed;
};

struct server {
    const struct sim_http_opts *o;
    struct conn **conns;
    size_t n, cap;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct {
    int code;
    const char *text;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {207, "Multi-Status"},
    {400, "Bad Request"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {413, "Content Too Large"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Content"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
};

const char *sim_http_reason(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].code == status) return reasons[i].text;
    return "Unknown";
}

enum cut_err sim_http_listen(const char *bind_addr, int port, int *fd, int *bound_port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, bind_addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        sl = sizeof *s4;
    } else if (inet_pton(AF_INET6, bind_addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        sl = sizeof *s6;
    } else {
        errno = EINVAL;
        return CUT_EINVAL;
    }
    int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s < 0) return CUT_ENET;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&ss, sl) != 0 || listen(s, 512) != 0 ||
        getsockname(s, (struct sockaddr *)&ss, &sl) != 0) {
        int e = errno;
        close(s);
        errno = e;
        return CUT_ENET;
    }
    *fd = s;
    *bound_port = ntohs(ss.ss_family == AF_INET ? s4->sin_port : s6->sin6_port);
    return CUT_OK;
}

static void req_reset(struct sim_http_req *r)
{
    free(r->target);
    r->target = NULL;
    headers_release(&r->headers);
    headers_init(&r->headers);
    buf_reset(&r->body);
    r->method[0] = '\0';
}

static void resp_reset(struct sim_http_resp *r)
{
    headers_release(&r->headers);
    headers_init(&r->headers);
    buf_reset(&r->body);
    r->status = 0;
    r->delay_ms = 0;
}

static void conn_free(struct conn *c)
{
    close(c->fd);
    req_reset(&c->req);
    buf_free(&c->req.body);
    resp_reset(&c->resp);
    buf_free(&c->resp.body);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

static bool accepts_gzip(const struct http1_header *h, size_t n)
{
    const struct http1_header *ae = http1_find_header(h, n, "Accept-Encoding");
    if (!ae) return false;
    struct buf v = BUF_INIT;
    http1_header_value(ae, &v);
    const char *g = strcasestr(v.data, "gzip");
    bool yes = g && strncmp(g + 4, ";q=0", 4) != 0;
    if (yes && strncmp(g + 4, ";q=0.", 5) == 0) yes = strspn(g + 9, "0") < strcspn(g + 9, ",");
    buf_free(&v);
    return yes;
}

/* Queue a whole answer for c's current request into c->out. */
static void emit(struct server *sv, struct conn *c)
{
    struct sim_http_resp *r = &c->resp;
    struct buf body = BUF_INIT;
    bool gz = c->gzip && r->body.len > 0 &&
              zcodec_encode(ZCODEC_GZIP, r->body.data, r->body.len, &body) == CUT_OK;
    if (!gz) buf_set(&body, r->body.data, r->body.len);
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    buf_printf(&c->out, "HTTP/1.%d %d %s\r\nDate: %s\r\nServer: notify-sim\r\n", c->minor,
               r->status, sim_http_reason(r->status), date);
    for (size_t i = 0; i < r->headers.n; i++)
        buf_printf(&c->out, "%s: %s\r\n", r->headers.v[i].name, r->headers.v[i].value);
    buf_puts(&c->out, "Vary: Accept-Encoding\r\n");
    if (gz) buf_puts(&c->out, "Content-Encoding: gzip\r\n");
    bool chunked = c->minor == 1 && !c->head && body.len > sv->o->chunk_above;
    if (chunked)
        buf_puts(&c->out, "Transfer-Encoding: chunked\r\n");
    else
        buf_printf(&c->out, "Content-Length: %zu\r\n", body.len);
    if (!c->keep_alive)
        buf_puts(&c->out, "Connection: close\r\n");
    else if (c->minor == 0)
        buf_puts(&c->out, "Connection: keep-alive\r\n");
    buf_puts(&c->out, "\r\n");
    for (size_t off = 0; !c->head && off < body.len;) {
        size_t n = chunked && body.len - off > CHUNK_SIZE ? CHUNK_SIZE : body.len - off;
        if (chunked) buf_printf(&c->out, "%zx\r\n", n);
        buf_append(&c->out, body.data + off, n);
        if (chunked) buf_puts(&c->out, "\r\n");
        off += n;
    }
    if (chunked) buf_puts(&c->out, "0\r\n\r\n");
    buf_free(&body);
    if (!c->keep_alive) c->close_after = true;
    resp_reset(r);
    req_reset(&c->req);
    c->state = C_HEAD;
}

/* Answer without the handler (a framing error) and close afterwards. */
static void reject(struct server *sv, struct conn *c, int status)
{
    resp_reset(&c->resp);
    c->resp.status = status;
    headers_set(&c->resp.headers, "Content-Type", "application/json");
    buf_printf(&c->resp.body, "{\"error\":{\"code\":\"bad_request\",\"message\":\"%s\"}}",
               sim_http_reason(status));
    c->keep_alive = false;
    c->gzip = false;
    emit(sv, c);
    buf_reset(&c->in);
}

static void dispatch(struct server *sv, struct conn *c)
{
    resp_reset(&c->resp);
    sv->o->handler(sv->o->ctx, &c->req, &c->resp);
    c->due_ms = c->arrived_ms + c->resp.delay_ms;
    c->state = C_WAIT;
    if (c->resp.delay_ms == 0) emit(sv, c);
}

static void start_request(struct server *sv, struct conn *c, const struct http1_request *rq,
                          long head_len)
{
    snprintf(c->req.method, sizeof c->req.method, "%.*s", (int)rq->method_len, rq->method);
    exchange_strset(&c->req.target, rq->target, rq->target_len);
    http1_headers_copy(&c->req.headers, rq->headers, rq->num_headers);
    c->minor = rq->minor_version;
    const struct http1_header *conn = http1_find_header(rq->headers, rq->num_headers, "Connection");
    c->keep_alive = rq->minor_version == 1 ? !(conn && http1_header_has_token(conn, "close"))
                                           : (conn && http1_header_has_token(conn, "keep-alive"));
    c->head = strcmp(c->req.method, "HEAD") == 0;
    c->gzip = accepts_gzip(rq->headers, rq->num_headers);
    c->arrived_ms = mono_ms();
    const struct http1_header *expect = http1_find_header(rq->headers, rq->num_headers, "Expect");
    bool cont = expect && http1_header_has_token(expect, "100-continue");
    enum cut_err e = http1_request_framing(rq, &c->framing);
    buf_consume(&c->in, (size_t)head_len);
    c->scanned = 0;
    if (e != CUT_OK) {
        reject(sv, c, 400);
        return;
    }
    if (c->framing.framing == HTTP1_BODY_LENGTH && c->framing.length > sv->o->max_body) {
        reject(sv, c, 413);
        return;
    }
    c->body_left = c->framing.length;
    http1_chunked_init(&c->chunked);
    c->state = C_BODY;
    bool has_body = c->framing.framing == HTTP1_BODY_CHUNKED ||
                    (c->framing.framing == HTTP1_BODY_LENGTH && c->body_left > c->in.len);
    if (cont && has_body && c->minor == 1) buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
}

static enum cut_err body_sink(void *ctx, const char *p, size_t n)
{
    return buf_append(ctx, p, n);
}

/* Take body bytes from c->in; true when the body is complete. */
static bool read_body(struct server *sv, struct conn *c)
{
    if (c->framing.framing == HTTP1_BODY_NONE) return true;
    if (c->framing.framing == HTTP1_BODY_LENGTH) {
        size_t n = c->body_left < c->in.len ? (size_t)c->body_left : c->in.len;
        buf_append(&c->req.body, c->in.data, n);
        buf_consume(&c->in, n);
        c->body_left -= n;
        return c->body_left == 0;
    }
    size_t used = 0;
    enum cut_err e =
        http1_chunked_feed(&c->chunked, c->in.data, c->in.len, &used, body_sink, &c->req.body);
    buf_consume(&c->in, used);
    if (e != CUT_OK) {
        reject(sv, c, e == CUT_ELIMIT ? 413 : 400);
        return false;
    }
    return c->chunked.done;
}

/* Parse and answer as many requests as c->in holds. */
static void process(struct server *sv, struct conn *c)
{
    while (!c->close_after) {
        if (c->state == C_WAIT) return;
        if (c->state == C_HEAD) {
            if (c->in.len == 0) return;
            struct http1_header hv[MAX_HEADERS];
            struct http1_request rq = {.headers = hv, .max_headers = MAX_HEADERS};
            long r = http1_parse_request(c->in.data, c->in.len, c->scanned, &rq);
            if (r == HTTP1_NEED_MORE) {
                c->scanned = c->in.len;
                if (c->in.len > HTTP1_MAX_HEAD) reject(sv, c, 431);
                return;
            }
            if (r < 0) {
                reject(sv, c, r == HTTP1_TOO_MANY ? 431 : 400);
                return;
            }
            start_request(sv, c, &rq, r);
            continue;
        }
        if (!read_body(sv, c)) return;
        dispatch(sv, c);
    }
}

static bool conn_read(struct server *sv, struct conn *c)
{
    char tmp[65536];
    for (int rounds = 0; rounds < 16; rounds++) {
        ssize_t n = recv(c->fd, tmp, sizeof tmp, 0);
        if (n > 0) {
            if (buf_append(&c->in, tmp, (size_t)n) != CUT_OK) {
                reject(sv, c, 413);
                return true;
            }
            continue;
        }
        if (n == 0) {
            c->peer_closed = true;
            break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return false;
    }
    process(sv, c);
    return true;
}

static bool conn_write(struct conn *c)
{
    while (c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        return false;
    }
    buf_reset(&c->out);
    c->out_off = 0;
    return true;
}

/* Whether c is finished and should be closed. */
static bool conn_done(const struct conn *c)
{
    bool idle = c->out.len == 0 && c->state != C_WAIT;
    return idle && (c->close_after || c->peer_closed);
}

static void accept_all(struct server *sv, int lfd)
{
    while (sv->n < sv->o->max_conns) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        struct conn *c = calloc(1, sizeof *c);
        if (!c || vec_reserve(&sv->conns, &sv->cap, sv->n + 1, sizeof *sv->conns)) {
            free(c);
            close(fd);
            return;
        }
        c->fd = fd;
        buf_init(&c->in, sv->o->max_body + HTTP1_MAX_HEAD);
        buf_init(&c->req.body, sv->o->max_body);
        headers_init(&c->req.headers);
        headers_init(&c->resp.headers);
        sv->conns[sv->n++] = c;
    }
}

/* Release answers whose delay has run out; returns the poll timeout. */
static int release_due(struct server *sv)
{
    long long now = mono_ms(), next = -1;
    for (size_t i = 0; i < sv->n; i++) {
        struct conn *c = sv->conns[i];
        if (c->state != C_WAIT) continue;
        if (c->due_ms <= now) {
            emit(sv, c);
            process(sv, c);
        }
        if (c->state == C_WAIT && (next < 0 || c->due_ms - now < next)) next = c->due_ms - now;
    }
    return next < 0 || next > 200 ? 200 : (int)next;
}

static void serve_round(struct server *sv, int lfd, struct pollfd *pf)
{
    int timeout = release_due(sv);
    pf[0].fd = lfd;
    pf[0].events = sv->n < sv->o->max_conns ? POLLIN : 0;
    for (size_t i = 0; i < sv->n; i++) {
        struct conn *c = sv->conns[i];
        pf[i + 1].fd = c->fd;
        pf[i + 1].events =
            (c->out.len ? POLLOUT : 0) | (c->peer_closed || c->close_after ? 0 : POLLIN);
        pf[i + 1].revents = 0;
    }
    size_t n = sv->n;
    if (poll(pf, n + 1, timeout) < 0) return;
    for (size_t i = 0; i < n; i++) {
        struct conn *c = sv->conns[i];
        bool ok = true;
        if (pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) ok = conn_read(sv, c);
        if (ok && c->out.len) ok = conn_write(c);
        if (!ok || conn_done(c)) {
            conn_free(c);
            sv->conns[i] = NULL;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < sv->n; i++)
        if (sv->conns[i]) sv->conns[k++] = sv->conns[i];
    sv->n = k;
    if (pf[0].revents & POLLIN) accept_all(sv, lfd);
}

enum cut_err sim_http_serve(int lfd, const struct sim_http_opts *o, volatile sig_atomic_t *stop)
{
    struct server sv = {.o = o};
    struct pollfd *pf = calloc(o->max_conns + 1, sizeof *pf);
    if (!pf) return CUT_ENOMEM;
    while (!*stop) serve_round(&sv, lfd, pf);
    for (size_t i = 0; i < sv.n; i++) conn_free(sv.conns[i]);
    free(sv.conns);
    free(pf);
    return CUT_OK;
}
