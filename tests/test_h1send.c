/* test_h1send.c: replay/h1send.c, the native HTTP/1.1 engine, through the
 * sender API against a scripted server on a thread of this process: the
 * bytes of the request, keep-alive reuse, chunked, gzip, a body split
 * across reads, HEAD, a reset mid-body, a refused port, a timeout, the
 * retry of a request a closing keep-alive connection dropped, DNS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../replay/send.h"
#include "cutover/zcodec.h"

/* ---- the scripted server ---- */

enum { MAX_LOG = 16 };

struct server {
    int lfd;
    int port;
    pthread_t th;
    pthread_mutex_t mu;
    int conns;          /* connections accepted */
    int nlog;           /* requests received */
    char *log[MAX_LOG]; /* each request, head and body, as received */
    int drops;          /* /drop-once: how many it dropped */
};

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

static void send_str(int fd, const char *s)
{
    send_all(fd, s, strlen(s));
}

/* One request from fd into out (head and Content-Length body); pending
 * holds bytes read past it. false at EOF. */
static bool read_request(int fd, char *pending, size_t *plen, size_t cap, char **out)
{
    char *end;
    for (;;) {
        pending[*plen] = '\0';
        if ((end = strstr(pending, "\r\n\r\n")) != NULL) break;
        ssize_t n = read(fd, pending + *plen, cap - *plen - 1);
        if (n <= 0) return false;
        *plen += (size_t)n;
    }
    size_t head = (size_t)(end - pending) + 4, body = 0;
    const char *cl = strcasestr(pending, "\r\nContent-Length:");
    if (cl && cl < end) body = (size_t)strtoul(cl + 17, NULL, 10);
    while (*plen < head + body) {
        ssize_t n = read(fd, pending + *plen, cap - *plen - 1);
        if (n <= 0) return false;
        *plen += (size_t)n;
    }
    *out = strndup(pending, head + body);
    memmove(pending, pending + head + body, *plen - head - body);
    *plen -= head + body;
    return true;
}

static void rst_close(int fd)
{
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

static const char ok_answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/* Answer one request by its path; false when the connection is over. */
static bool answer(struct server *sv, int fd, const char *req)
{
    const char *path = strchr(req, ' ') + 1;
    bool head = strncmp(req, "HEAD ", 5) == 0;
    if (strncmp(path, "/chunked", 8) == 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n");
        usleep(20000);
        send_str(fd, "5;ext=1\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n");
    } else if (strncmp(path, "/gzip", 5) == 0) {
        struct buf z = BUF_INIT;
        const char text[] = "{\"zipped\":\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}";
        zcodec_encode(ZCODEC_GZIP, text, strlen(text), &z);
        char h[160];
        snprintf(h, sizeof h,
                 "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", z.len);
        send_str(fd, h);
        send_all(fd, z.data, z.len);
        buf_free(&z);
    } else if (strncmp(path, "/split", 6) == 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123");
        usleep(50000);
        send_str(fd, "456789");
    } else if (head) {
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    } else if (strncmp(path, "/reset", 6) == 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nrrrrrrrrrr");
        usleep(20000);
        rst_close(fd);
        return false;
    } else if (strncmp(path, "/hang", 5) == 0) {
        char b[256];
        while (read(fd, b, sizeof b) > 0) {
        }
        close(fd);
        return false;
    } else if (strncmp(path, "/drop-once", 10) == 0) {
        pthread_mutex_lock(&sv->mu);
        bool drop = sv->drops++ == 0;
        pthread_mutex_unlock(&sv->mu);
        if (drop) {
            close(fd);
            return false;
        }
        send_str(fd, ok_answer);
    } else if (strncmp(path, "/fold", 5) == 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nX-Fold: first\r\n  second\r\nContent-Length: 2\r\n\r\nok");
    } else if (strncmp(path, "/status/204", 11) == 0) {
        send_str(fd, "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
    } else if (strncmp(path, "/close", 6) == 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        close(fd);
        return false;
    } else {
        send_str(fd, ok_answer);
    }
    return true;
}

/* One connection at a time: the tests send one request at a time. */
static void *serve(void *arg)
{
    struct server *sv = arg;
    static char pending[1 << 16];
    for (;;) {
        int fd = accept(sv->lfd, NULL, NULL);
        if (fd < 0) return NULL;
        pthread_mutex_lock(&sv->mu);
        sv->conns++;
        pthread_mutex_unlock(&sv->mu);
        size_t plen = 0;
        char *req;
        bool open = true;
        while (open && read_request(fd, pending, &plen, sizeof pending, &req)) {
            pthread_mutex_lock(&sv->mu);
            if (sv->nlog < MAX_LOG) sv->log[sv->nlog++] = strdup(req);
            pthread_mutex_unlock(&sv->mu);
            open = answer(sv, fd, req);
            free(req);
        }
        if (open) close(fd);
    }
}

static void server_start(struct server *sv)
{
    memset(sv, 0, sizeof *sv);
    pthread_mutex_init(&sv->mu, NULL);
    sv->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(sv->lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(sv->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(sv->lfd, 16), 0);
    socklen_t len = sizeof a;
    getsockname(sv->lfd, (struct sockaddr *)&a, &len);
    sv->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&sv->th, NULL, serve, sv), 0);
}

static void server_stop(struct server *sv)
{
    shutdown(sv->lfd, SHUT_RDWR); /* ends the accept */
    close(sv->lfd);
    pthread_join(sv->th, NULL);
    pthread_mutex_destroy(&sv->mu);
}

/* After the assertions on what the server received. */
static void server_forget(struct server *sv)
{
    for (int i = 0; i < sv->nlog; i++) free(sv->log[i]);
    sv->nlog = 0;
}

/* ---- the client side ---- */

struct result {
    int done;
    enum send_errkind err;
    int status;
    char body[256];
    char compression[16];
    int64_t body_size, headers_size;
    double wait_ms;
    char fold[64]; /* the answer's X-Fold header */
};

static void on_done(void *ctx, struct send_slot *slot)
{
    struct result *r = ctx;
    r->done++;
    r->err = slot->err;
    r->status = slot->x.resp.status;
    snprintf(r->body, sizeof r->body, "%.*s", (int)slot->x.resp.body.len, slot->x.resp.body.data);
    snprintf(r->compression, sizeof r->compression, "%s",
             slot->x.resp.compression ? slot->x.resp.compression : "");
    r->body_size = slot->x.resp.body_size;
    r->headers_size = slot->x.resp.headers_size;
    r->wait_ms = slot->x.wait_ms;
    const struct header *f = headers_get(&slot->x.resp.headers, "X-Fold");
    snprintf(r->fold, sizeof r->fold, "%s", f ? f->value : "");
}

static struct sender *new_sender_on(const char *base, struct result *res, long timeout_ms,
                                    enum send_engine engine)
{
    struct sender_opts o = {
        .concurrency = 1,
        .ndest = 1,
        .timeout_ms = timeout_ms,
        .connect_timeout_ms = timeout_ms,
        .max_body = 1 << 20,
        .engine = engine,
        .url = {base, NULL},
    };
    struct sender *s = NULL;
    assert_int_equal(sender_new(&s, &o, on_done, res), CUT_OK);
    assert_int_equal(sender_engine(s), engine);
    return s;
}

static struct sender *new_sender(const char *base, struct result *res, long timeout_ms)
{
    return new_sender_on(base, res, timeout_ms, SEND_ENGINE_NATIVE);
}

static void set_str(char **dst, const char *s)
{
    assert_int_equal(exchange_strset(dst, s, strlen(s)), CUT_OK);
}

/* Send one request and drive the sender until it is answered (5 s at most). */
static void send_one(struct sender *s, struct result *res, const char *method, const char *url,
                     const char *body)
{
    struct send_slot *slot = sender_acquire(s, 0);
    assert_non_null(slot);
    exchange_release(&slot->x);
    set_str(&slot->x.req.method, method);
    set_str(&slot->x.req.url, url);
    if (body) {
        slot->x.req.has_body = true;
        assert_int_equal(buf_set(&slot->x.req.body, body, strlen(body)), CUT_OK);
    }
    int before = res->done;
    sender_start(s, slot, sender_now_us());
    int64_t t0 = sender_now_us();
    while (res->done == before && sender_now_us() - t0 < 5000000)
        assert_int_equal(sender_run(s, 20000, NULL, 0), CUT_OK);
    assert_int_equal(res->done, before + 1);
    assert_int_equal(sender_in_flight(s), 0);
    assert_int_equal(sender_free_slots(s, 0), 1);
}

static char *url_of(const struct server *sv, const char *path)
{
    static char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d%s", sv->port, path);
    return u;
}

static struct sender *start(struct server *sv, struct result *res, long timeout_ms)
{
    server_start(sv);
    memset(res, 0, sizeof *res);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", sv->port);
    return new_sender(base, res, timeout_ms);
}

/* The request bytes as the server receives them, and keep-alive reuse. */
static void test_request_bytes_and_keepalive(void **state)
{
    (void)state;
    struct server sv;
    struct result res;
    struct sender *s = start(&sv, &res, 2000);
    struct send_slot *slot = sender_acquire(s, 0);
    exchange_release(&slot->x);
    set_str(&slot->x.req.method, "POST");
    set_str(&slot->x.req.url, url_of(&sv, "/v1/sms?a=1"));
    headers_add(&slot->x.req.headers, "Host", 4, "api.test", 8);
    headers_add(&slot->x.req.headers, "X-Evil", 6, "a\r\nInjected: 1", 14);
    headers_add(&slot->x.req.headers, "Expect", 6, "100-continue", 12);
    headers_add(&slot->x.req.headers, "X-Empty", 7, "", 0);
    headers_add(&slot->x.req.headers, "X-Long", 6, "0123456789\rabcdefgh\nijklmnopqrstu", 33);
    headers_add(&slot->x.req.headers, "X-Clean-And-Long-Enough", 23,
                "0123456789abcdefghijklmnopqrstuvwxyz!", 37);
    headers_add(&slot->x.req.headers, "X-Lf-Last", 9, "0123456789abcdefghij\n", 21);
    slot->x.req.has_body = true;
    buf_set(&slot->x.req.body, "{\"to\":1}", 8);
    sender_start(s, slot, sender_now_us());
    int64_t t0 = sender_now_us();
    while (!res.done && sender_now_us() - t0 < 5000000) sender_run(s, 20000, NULL, 0);
    assert_int_equal(res.err, SEND_OK);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body, "ok");
    /* "HTTP/1.1 200 OK\r\n" 17 + "Content-Length: 2\r\n" 19 + "\r\n" 2 */
    assert_int_equal(res.headers_size, 38);
    send_one(s, &res, "GET", url_of(&sv, "/second"), NULL);
    send_one(s, &res, "POST", url_of(&sv, "/empty"), NULL);
    send_one(s, &res, "GET", url_of(&sv, "?q"), NULL);
    assert_int_equal(res.status, 200);
    sender_free(s);
    server_stop(&sv);
    assert_int_equal(sv.conns, 1);
    assert_int_equal(sv.nlog, 4);
    assert_string_equal(sv.log[0],
                        "POST /v1/sms?a=1 HTTP/1.1\r\n"
                        "Host: api.test\r\n"
                        "X-Evil: a  Injected: 1\r\n"
                        "X-Empty:\r\n"
                        "X-Long: 0123456789 abcdefgh ijklmnopqrstu\r\n"
                        "X-Clean-And-Long-Enough: 0123456789abcdefghijklmnopqrstuvwxyz!\r\n"
                        "X-Lf-Last: 0123456789abcdefghij \r\n"
                        "Content-Length: 8\r\n"
                        "\r\n"
                        "{\"to\":1}");
    char want[128];
    snprintf(want, sizeof want, "GET /second HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", sv.port);
    assert_string_equal(sv.log[1], want);
    snprintf(want, sizeof want,
             "POST /empty HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 0\r\n\r\n", sv.port);
    assert_string_equal(sv.log[2], want);
    snprintf(want, sizeof want, "GET /?q HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", sv.port);
    assert_string_equal(sv.log[3], want);
    server_forget(&sv);
}

static void test_chunked_gzip_split_head(void **state)
{
    (void)state;
    struct server sv;
    struct result res;
    struct sender *s = start(&sv, &res, 2000);
    send_one(s, &res, "GET", url_of(&sv, "/chunked"), NULL);
    assert_int_equal(res.err, SEND_OK);
    assert_string_equal(res.body, "hello world");
    assert_int_equal(res.body_size, 11); /* decoded chunk data: the body, not the framing */
    send_one(s, &res, "GET", url_of(&sv, "/gzip"), NULL);
    assert_int_equal(res.err, SEND_OK);
    assert_string_equal(res.body,
                        "{\"zipped\":\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}");
    assert_string_equal(res.compression, "gzip");
    assert_true(res.body_size > 0 && res.body_size < (int64_t)strlen(res.body));
    send_one(s, &res, "GET", url_of(&sv, "/split"), NULL);
    assert_int_equal(res.err, SEND_OK);
    assert_string_equal(res.body, "0123456789");
    /* HEAD: a Content-Length but no body; the connection stays usable */
    send_one(s, &res, "HEAD", url_of(&sv, "/head"), NULL);
    assert_int_equal(res.err, SEND_OK);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body, "");
    send_one(s, &res, "GET", url_of(&sv, "/status/204"), NULL);
    assert_int_equal(res.status, 204);
    send_one(s, &res, "GET", url_of(&sv, "/after"), NULL);
    assert_string_equal(res.body, "ok");
    sender_free(s);
    server_stop(&sv);
    assert_int_equal(sv.conns, 1);
    assert_int_equal(sv.nlog, 6);
    server_forget(&sv);
}

/* Connection: close is honoured: the next request opens a new connection
 * at once, with no failed attempt on the closed one. */
static void test_connection_close(void **state)
{
    (void)state;
    struct server sv;
    struct result res;
    struct sender *s = start(&sv, &res, 2000);
    send_one(s, &res, "GET", url_of(&sv, "/close"), NULL);
    assert_int_equal(res.err, SEND_OK);
    send_one(s, &res, "GET", url_of(&sv, "/next"), NULL);
    assert_int_equal(res.err, SEND_OK);
    sender_free(s);
    server_stop(&sv);
    assert_int_equal(sv.conns, 2);
    assert_int_equal(sv.nlog, 2);
    server_forget(&sv);
}

static void test_reset_mid_body(void **state)
{
    (void)state;
    struct server sv;
    struct result res;
    struct sender *s = start(&sv, &res, 2000);
    send_one(s, &res, "GET", url_of(&sv, "/reset"), NULL);
    assert_int_equal(res.err, SEND_RESET);
    assert_int_equal(res.status, 0);
    send_one(s, &res, "GET", url_of(&sv, "/ok"), NULL); /* a fresh connection */
    assert_int_equal(res.err, SEND_OK);
    sender_free(s);
    server_stop(&sv);
    assert_int_equal(sv.conns, 2);
    server_forget(&sv);
}

/* A reused connection closed by the server as the request went out: the
 * request is sent once more on a new connection. On a fresh connection the
 * same drop is an error (nothing says the server did not act on it). */
static void test_stale_keepalive_is_retried_once(void **state)
{
    (void)state;
    struct server sv;
    struct result res;
    struct sender *s = start(&sv, &res, 2000);
    send_one(s, &res, "GET", url_of(&sv, "/ok"), NULL);
    send_one(s, &res, "GET", url_of(&sv, "/drop-once"), NULL);
    assert_int_equal(res.err, SEND_OK);
    assert_string_equal(res.body, "ok");
    sender_free(s);
    server_stop(&sv);
    assert_int_equal(sv.conns, 2);
    assert_int_equal(sv.nlog, 3); /* /ok, /drop-once dropped, /drop-once answered */
    server_forget(&sv);

    s = start(&sv, &res, 2000);
    send_one(s, &res, "GET", url_of(&sv, "/drop-once"), NULL);
    assert_int_equal(res.err, SEND_RESET);
    sender_free(s);
    server_stop(&sv);
    assert_int_equal(sv.nlog, 1);
    server_forget(&sv);
}

static void test_timeout(void **state)
{
    (void)state;
    struct server sv;
    struct result res;
    struct sender *s = start(&sv, &res, 200);
    int64_t t0 = sender_now_us();
    send_one(s, &res, "GET", url_of(&sv, "/hang"), NULL);
    int64_t took = sender_now_us() - t0;
    assert_int_equal(res.err, SEND_TIMEOUT);
    assert_int_equal(res.status, 0);
    assert_true(took >= 200000 && took < 2000000);
    assert_true(res.wait_ms >= 150);
    sender_free(s);
    server_stop(&sv);
    server_forget(&sv);
}

static void test_refused_and_dns(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd); /* nothing listens there now */
    char base[64], url[80];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", ntohs(a.sin_port));
    snprintf(url, sizeof url, "%s/x", base);
    struct result res = {0};
    struct sender *s = new_sender(base, &res, 2000);
    send_one(s, &res, "GET", url, NULL);
    assert_int_equal(res.err, SEND_REFUSED);
    sender_free(s);

    memset(&res, 0, sizeof res);
    s = new_sender("http://no-such-host.invalid", &res, 2000);
    send_one(s, &res, "GET", "http://no-such-host.invalid/x", NULL);
    assert_int_equal(res.err, SEND_DNS);
    sender_free(s);
}

/* An IPv6 literal target (skipped where ::1 cannot be bound). */
static void test_ipv6_literal(void **state)
{
    (void)state;
    int lfd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 4) != 0) {
        if (lfd >= 0) close(lfd);
        skip();
    }
    socklen_t len = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &len);
    struct server sv;
    memset(&sv, 0, sizeof sv);
    pthread_mutex_init(&sv.mu, NULL);
    sv.lfd = lfd;
    sv.port = ntohs(a.sin6_port);
    assert_int_equal(pthread_create(&sv.th, NULL, serve, &sv), 0);
    char base[64], url[80];
    snprintf(base, sizeof base, "http://[::1]:%d", sv.port);
    snprintf(url, sizeof url, "%s/v6", base);
    struct result res = {0};
    struct sender *s = new_sender(base, &res, 2000);
    send_one(s, &res, "GET", url, NULL);
    assert_int_equal(res.err, SEND_OK);
    sender_free(s);
    server_stop(&sv);
    char want[96];
    snprintf(want, sizeof want, "GET /v6 HTTP/1.1\r\nHost: [::1]:%d\r\n\r\n", sv.port);
    assert_string_equal(sv.log[0], want);
    server_forget(&sv);
}

/* An obs-fold answer header is joined by one space by both engines (the
 * value stays in its name's allocation: ASan sees a bad free otherwise). */
static void test_folded_answer_header_both_engines(void **state)
{
    (void)state;
    const enum send_engine engines[] = {SEND_ENGINE_NATIVE, SEND_ENGINE_CURL};
    for (size_t i = 0; i < 2; i++) {
        struct server sv;
        struct result res;
        server_start(&sv);
        memset(&res, 0, sizeof res);
        char base[64];
        snprintf(base, sizeof base, "http://127.0.0.1:%d", sv.port);
        struct sender *s = new_sender_on(base, &res, 2000, engines[i]);
        send_one(s, &res, "GET", url_of(&sv, "/fold"), NULL);
        assert_int_equal(res.err, SEND_OK);
        assert_string_equal(res.body, "ok");
        assert_string_equal(res.fold, "first second");
        sender_free(s);
        server_stop(&sv);
        server_forget(&sv);
    }
}

static void test_engine_choice(void **state)
{
    (void)state;
    const char *http[] = {"http://a", "HTTP://b:1"}, *mixed[] = {"http://a", "https://b"};
    assert_int_equal(sender_pick_engine(SEND_ENGINE_AUTO, http, 2), SEND_ENGINE_NATIVE);
    assert_int_equal(sender_pick_engine(SEND_ENGINE_AUTO, mixed, 2), SEND_ENGINE_CURL);
    assert_int_equal(sender_pick_engine(SEND_ENGINE_AUTO, mixed, 1), SEND_ENGINE_NATIVE);
    assert_int_equal(sender_pick_engine(SEND_ENGINE_CURL, http, 2), SEND_ENGINE_CURL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes_and_keepalive),
        cmocka_unit_test(test_chunked_gzip_split_head),
        cmocka_unit_test(test_connection_close),
        cmocka_unit_test(test_reset_mid_body),
        cmocka_unit_test(test_stale_keepalive_is_retried_once),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_refused_and_dns),
        cmocka_unit_test(test_ipv6_literal),
        cmocka_unit_test(test_engine_choice),
        cmocka_unit_test(test_folded_answer_header_both_engines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
