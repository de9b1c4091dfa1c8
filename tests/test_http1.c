/* test_http1.c: lib/http1.c: request and status lines, header fields,
 * folding, need-more at every split point, malformed input, body framing,
 * the chunked decoder and resynchronisation.  Each input is copied into a
 * buffer of exactly its size so that an over-read shows under ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/http1.h"

/* An exact-size heap copy of s (no NUL after it). */
static char *exact(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, s, n);
    return p;
}

static long parse_req(const char *s, size_t n, struct http1_request *r, struct http1_header *h,
                      size_t maxh)
{
    memset(r, 0, sizeof *r);
    r->headers = h;
    r->max_headers = maxh;
    return http1_parse_request(s, n, 0, r);
}

static long parse_resp(const char *s, size_t n, struct http1_response *r, struct http1_header *h,
                       size_t maxh)
{
    memset(r, 0, sizeof *r);
    r->headers = h;
    r->max_headers = maxh;
    return http1_parse_response(s, n, 0, r);
}

static void assert_slice(const char *p, size_t n, const char *want)
{
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
}

static void test_request_lines(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        long want; /* > 0: the whole input is the head */
        const char *method, *target;
        int minor;
    } rows[] = {
        {"GET / HTTP/1.1\r\n\r\n", 1, "GET", "/", 1},
        {"POST /v1/sms?to=%2B1555&x=a+b HTTP/1.0\r\nHost: a\r\n\r\n", 1, "POST",
         "/v1/sms?to=%2B1555&x=a+b", 0},
        {"\r\n\r\nGET /after-blank HTTP/1.1\r\n\r\n", 1, "GET", "/after-blank", 1},
        {"OPTIONS * HTTP/1.1\nHost: x\n\n", 1, "OPTIONS", "*", 1},
        {"CONNECT example.com:443 HTTP/1.1\r\n\r\n", 1, "CONNECT", "example.com:443", 1},
        {"M-SEARCH http://h/p HTTP/1.1\r\n\r\n", 1, "M-SEARCH", "http://h/p", 1},
        {"GET / HTTP/2.0\r\n\r\n", HTTP1_MALFORMED, NULL, NULL, 0},
        {"GET /a b HTTP/1.1\r\n\r\n", HTTP1_MALFORMED, NULL, NULL, 0},
        {"GET\r\n\r\n", HTTP1_MALFORMED, NULL, NULL, 0},
        {"G(T / HTTP/1.1\r\n\r\n", HTTP1_MALFORMED, NULL, NULL, 0},
        {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", HTTP1_MALFORMED, NULL, NULL, 0},
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", HTTP1_MALFORMED, NULL, NULL, 0},
        {"GET / HTTP/1.1\r\n folded-first: x\r\n\r\n", HTTP1_MALFORMED, NULL, NULL, 0},
        {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", HTTP1_MALFORMED, NULL, NULL, 0},
        {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", HTTP1_MALFORMED, NULL, NULL, 0},
        /* Incomplete heads whose start already shows they are not HTTP. */
        {"\x16\x03\x01\x02\x00", HTTP1_MALFORMED, NULL, NULL, 0},
        {"GET / HTTX/1.1\r\nHost", HTTP1_MALFORMED, NULL, NULL, 0},
        {"GET / HTTP/1.1\r\nHost", HTTP1_NEED_MORE, NULL, NULL, 0},
        {"", HTTP1_NEED_MORE, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].in);
        char *p = exact(rows[i].in, n);
        struct http1_request r;
        struct http1_header h[8];
        long got = parse_req(p, n, &r, h, 8);
        if (rows[i].want > 0) {
            assert_int_equal(got, (long)n);
            assert_slice(r.method, r.method_len, rows[i].method);
            assert_slice(r.target, r.target_len, rows[i].target);
            assert_int_equal(r.minor_version, rows[i].minor);
            assert_slice(r.version, r.version_len, rows[i].minor ? "HTTP/1.1" : "HTTP/1.0");
        } else {
            assert_int_equal(got, rows[i].want);
        }
        free(p);
    }
}

static void test_status_lines(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        long want;
        int status;
        const char *reason;
    } rows[] = {
        {"HTTP/1.1 200 OK\r\n\r\n", 1, 200, "OK"},
        {"HTTP/1.0 404 Not Found\r\nA: b\r\n\r\n", 1, 404, "Not Found"},
        {"HTTP/1.1 204\r\n\r\n", 1, 204, ""},
        {"HTTP/1.1 201 \r\n\r\n", 1, 201, ""},
        {"HTTP/1.1 500 Internal\tServer Error\n\n", 1, 500, "Internal\tServer Error"},
        {"HTTP/1.1 20 OK\r\n\r\n", HTTP1_MALFORMED, 0, NULL},
        {"HTTP/1.1 2000 OK\r\n\r\n", HTTP1_MALFORMED, 0, NULL},
        {"HTTP/1.1 099 x\r\n\r\n", HTTP1_MALFORMED, 0, NULL},
        {"HTTP/2 200 OK\r\n\r\n", HTTP1_MALFORMED, 0, NULL},
        {"ICY 200 OK\r\n\r\n", HTTP1_MALFORMED, 0, NULL},
        {"HTTP/1.1 200 OK\r\nContent-", HTTP1_NEED_MORE, 0, NULL},
        {"HTT", HTTP1_NEED_MORE, 0, NULL},
        {"HTX", HTTP1_MALFORMED, 0, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].in);
        char *p = exact(rows[i].in, n);
        struct http1_response r;
        struct http1_header h[8];
        long got = parse_resp(p, n, &r, h, 8);
        if (rows[i].want > 0) {
            assert_int_equal(got, (long)n);
            assert_int_equal(r.status, rows[i].status);
            assert_slice(r.reason, r.reason_len, rows[i].reason);
        } else {
            assert_int_equal(got, rows[i].want);
        }
        free(p);
    }
}

static void test_fields_folding_and_duplicates_in_order(void **state)
{
    (void)state;
    const char *s = "POST /x HTTP/1.1\r\n"
                    "Host: api.local\r\n"
                    "X-Dup: 1\r\n"
                    "X-Folded: first   \r\n"
                    "   second\r\n"
                    "\tthird\r\n"
                    "x-dup:2\r\n"
                    "Empty:\r\n"
                    "Spaces:   padded value  \r\n"
                    "\r\n"
                    "BODY";
    size_t n = strlen(s);
    char *p = exact(s, n);
    struct http1_request r;
    struct http1_header h[8];
    long got = parse_req(p, n, &r, h, 8);
    assert_int_equal(got, (long)(n - 4));
    assert_int_equal(r.num_headers, 6);
    static const char *names[] = {"Host", "X-Dup", "X-Folded", "x-dup", "Empty", "Spaces"};
    static const char *values[] = {"api.local", "1", "first second third", "2", "", "padded value"};
    struct headers copy;
    headers_init(&copy);
    assert_int_equal(http1_headers_copy(&copy, h, r.num_headers), CUT_OK);
    assert_int_equal(copy.n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_slice(h[i].name, h[i].name_len, names[i]);
        assert_string_equal(copy.v[i].name, names[i]);
        assert_string_equal(copy.v[i].value, values[i]);
    }
    assert_true(h[2].folded);
    assert_false(h[1].folded);
    const struct http1_header *d = http1_find_header(h, r.num_headers, "X-DUP");
    assert_ptr_equal(d, &h[1]);
    headers_release(&copy);
    free(p);
}

static void test_too_many_fields(void **state)
{
    (void)state;
    const char *s = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    struct http1_request r;
    struct http1_header h[2];
    assert_int_equal(parse_req(s, strlen(s), &r, h, 2), HTTP1_TOO_MANY);
    struct http1_header h3[3];
    assert_int_equal(parse_req(s, strlen(s), &r, h3, 3), (long)strlen(s));
}

/* Every proper prefix of a head is "need more" (resuming with last_len),
 * and the whole is accepted with the same result as in one piece. */
static void test_need_more_at_every_split_point(void **state)
{
    (void)state;
    static const char *heads[] = {
        "POST /v1/sms HTTP/1.1\r\nHost: a\r\nX-F: a\r\n b\r\nContent-Length: 4\r\n\r\n",
        "GET /p HTTP/1.0\nA: b\n\n",
    };
    for (size_t t = 0; t < 2; t++) {
        size_t n = strlen(heads[t]);
        size_t last = 0;
        for (size_t k = 1; k < n; k++) {
            char *p = exact(heads[t], k);
            struct http1_request r;
            struct http1_header h[8];
            memset(&r, 0, sizeof r);
            r.headers = h;
            r.max_headers = 8;
            assert_int_equal(http1_parse_request(p, k, last, &r), HTTP1_NEED_MORE);
            last = k;
            free(p);
        }
        char *p = exact(heads[t], n);
        struct http1_request r;
        struct http1_header h[8];
        memset(&r, 0, sizeof r);
        r.headers = h;
        r.max_headers = 8;
        assert_int_equal(http1_parse_request(p, n, last, &r), (long)n);
        free(p);
    }
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
    size_t n = strlen(resp), last = 0;
    for (size_t k = 0; k <= n; k++) {
        char *p = exact(resp, k);
        struct http1_response r;
        struct http1_header h[4];
        memset(&r, 0, sizeof r);
        r.headers = h;
        r.max_headers = 4;
        long got = http1_parse_response(p, k, last, &r);
        assert_int_equal(got, k == n ? (long)n : HTTP1_NEED_MORE);
        last = k;
        free(p);
    }
}

static void test_body_framing_decisions(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        const char *req_method; /* NULL: the head is a request */
        enum cut_err err;
        enum http1_framing framing;
        uint64_t length;
    } rows[] = {
        {"GET / HTTP/1.1\r\n\r\n", NULL, CUT_OK, HTTP1_BODY_NONE, 0},
        {"POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", NULL, CUT_OK, HTTP1_BODY_LENGTH, 12},
        {"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", NULL, CUT_OK, HTTP1_BODY_NONE, 0},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", NULL, CUT_OK,
         HTTP1_BODY_CHUNKED, 0},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", NULL, CUT_OK,
         HTTP1_BODY_CHUNKED, 0},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", NULL, CUT_EPARSE, HTTP1_BODY_NONE,
         0},
        {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", NULL, CUT_OK,
         HTTP1_BODY_LENGTH, 5},
        {"POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", NULL, CUT_OK, HTTP1_BODY_LENGTH, 5},
        {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", NULL, CUT_EPARSE,
         HTTP1_BODY_NONE, 0},
        {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", NULL, CUT_EPARSE, HTTP1_BODY_NONE, 0},
        {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", NULL, CUT_EPARSE,
         HTTP1_BODY_NONE, 0},
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", "GET", CUT_OK, HTTP1_BODY_LENGTH, 7},
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", "HEAD", CUT_OK, HTTP1_BODY_NONE, 0},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "head", CUT_OK, HTTP1_BODY_NONE,
         0},
        {"HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", "GET", CUT_OK, HTTP1_BODY_NONE, 0},
        {"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n", "GET", CUT_OK, HTTP1_BODY_NONE,
         0},
        {"HTTP/1.1 100 Continue\r\n\r\n", "POST", CUT_OK, HTTP1_BODY_NONE, 0},
        {"HTTP/1.1 101 Switching Protocols\r\n\r\n", "GET", CUT_OK, HTTP1_BODY_TUNNEL, 0},
        {"HTTP/1.1 200 Connection established\r\n\r\n", "CONNECT", CUT_OK, HTTP1_BODY_TUNNEL, 0},
        {"HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\n", "CONNECT", CUT_OK, HTTP1_BODY_LENGTH, 2},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", CUT_OK, HTTP1_BODY_CHUNKED,
         0},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "GET", CUT_OK,
         HTTP1_BODY_UNTIL_CLOSE, 0},
        {"HTTP/1.0 200 OK\r\n\r\n", "GET", CUT_OK, HTTP1_BODY_UNTIL_CLOSE, 0},
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", NULL /* unknown */, CUT_OK,
         HTTP1_BODY_NONE, 0},
        {"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "GET", CUT_EPARSE, HTTP1_BODY_NONE, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *s = rows[i].head;
        struct http1_header h[8];
        struct http1_body body;
        enum cut_err e;
        if (s[0] == 'H') {
            struct http1_response r;
            assert_true(parse_resp(s, strlen(s), &r, h, 8) > 0);
            const char *m = rows[i].req_method;
            e = http1_response_framing(&r, m, m ? strlen(m) : 0, &body);
        } else {
            struct http1_request r;
            assert_true(parse_req(s, strlen(s), &r, h, 8) > 0);
            e = http1_request_framing(&r, &body);
        }
        assert_int_equal(e, rows[i].err);
        if (e) continue;
        assert_int_equal(body.framing, rows[i].framing);
        assert_int_equal(body.length, rows[i].length);
    }
}

static enum cut_err sink_buf(void *ctx, const char *p, size_t n)
{
    return buf_append(ctx, p, n);
}

static const char chunked_body[] = "5;name=val;q=\"x;y\"\r\nhello\r\n"
                                   "6\r\n world\r\n"
                                   "A \r\n0123456789\r\n"
                                   "0;last\r\n"
                                   "Trailer-A: 1\r\n"
                                   "Trailer-B: 2\r\n"
                                   "\r\n";
static const char chunked_decoded[] = "hello world0123456789";

static void test_chunked_with_extensions_and_trailers(void **state)
{
    (void)state;
    /* In one piece, followed by the next message, which must be left. */
    const char *next = "GET /next HTTP/1.1\r\n\r\n";
    struct buf in = BUF_INIT, out = BUF_INIT;
    buf_puts(&in, chunked_body);
    buf_puts(&in, next);
    struct http1_chunked d;
    http1_chunked_init(&d);
    size_t used = 0;
    assert_int_equal(http1_chunked_feed(&d, in.data, in.len, &used, sink_buf, &out), CUT_OK);
    assert_true(d.done);
    assert_int_equal(used, strlen(chunked_body));
    assert_string_equal(out.data, chunked_decoded);
    assert_int_equal(d.decoded, strlen(chunked_decoded));
    assert_int_equal(d.trailer_bytes, strlen("Trailer-A: 1\r\nTrailer-B: 2\r\n\r\n"));
    /* Done: nothing more is consumed. */
    assert_int_equal(http1_chunked_feed(&d, next, strlen(next), &used, sink_buf, &out), CUT_OK);
    assert_int_equal(used, 0);

    /* Byte by byte gives the same result. */
    buf_reset(&out);
    http1_chunked_init(&d);
    size_t n = strlen(chunked_body);
    for (size_t i = 0; i < n; i++) {
        assert_false(d.done);
        assert_int_equal(http1_chunked_feed(&d, chunked_body + i, 1, &used, sink_buf, &out),
                         CUT_OK);
        assert_int_equal(used, 1);
    }
    assert_true(d.done);
    assert_string_equal(out.data, chunked_decoded);
    assert_int_equal(d.wire_bytes, n);
    buf_free(&in);
    buf_free(&out);
}

static void test_chunked_malformed(void **state)
{
    (void)state;
    static const char *bad[] = {
        "x\r\n",                   /* not hex */
        "\r\n",                    /* no size */
        "3\r\nabcX",               /* no CRLF after data */
        "3\r\nabc\rX",             /* CR without LF */
        "fffffffffffffffffff\r\n", /* overflow */
        "0\r\n\rX",                /* bad end of trailers */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct http1_chunked d;
        http1_chunked_init(&d);
        size_t used;
        assert_int_equal(http1_chunked_feed(&d, bad[i], strlen(bad[i]), &used, NULL, NULL),
                         CUT_EPARSE);
        assert_false(d.done);
    }
    /* An endless extension is cut off. */
    struct buf b = BUF_INIT;
    buf_puts(&b, "1;");
    for (int i = 0; i < 5000; i++) buf_putc(&b, 'x');
    struct http1_chunked d;
    http1_chunked_init(&d);
    size_t used;
    assert_int_equal(http1_chunked_feed(&d, b.data, b.len, &used, NULL, NULL), CUT_EPARSE);
    buf_free(&b);
}

static enum cut_err sink_limit(void *ctx, const char *p, size_t n)
{
    (void)p;
    size_t *left = ctx;
    if (n > *left) return CUT_ELIMIT;
    *left -= n;
    return CUT_OK;
}

static void test_chunked_sink_error_stops(void **state)
{
    (void)state;
    struct http1_chunked d;
    http1_chunked_init(&d);
    size_t left = 3, used;
    assert_int_equal(
        http1_chunked_feed(&d, chunked_body, strlen(chunked_body), &used, sink_limit, &left),
        CUT_ELIMIT);
    assert_false(d.done);
}

static void test_resync_finds_next_start_line(void **state)
{
    (void)state;
    size_t discard = 99;
    /* The hole ended mid-body: the next request starts after a line end. */
    const char *s = "dy-of-lost-request\r\nmore\r\nPOST /v1/sms HTTP/1.1\r\nHost: a\r\n";
    char *p = exact(s, strlen(s));
    assert_int_equal(http1_resync(p, strlen(s), false, &discard), 26);
    free(p);
    /* A start right at the hole's end. */
    assert_int_equal(http1_resync("GET / HTTP/1.1\r\n", 16, false, &discard), 0);
    /* Nothing yet; the partial last line might be a start and is kept. */
    s = "junk\r\nmore junk\nGET /x HT";
    assert_int_equal(http1_resync(s, strlen(s), false, &discard), -1);
    assert_int_equal(discard, 16);
    /* A partial last line that cannot start a request is dropped too. */
    s = "junk\r\n{\"a\":1";
    assert_int_equal(http1_resync(s, strlen(s), false, &discard), -1);
    assert_int_equal(discard, strlen(s));
    /* Responses: body text with "HTTP/1.1" inside a line does not count. */
    s = "xx HTTP/1.1 200 OK\r\nHTTP/1.1 404 Not Found\r\n";
    assert_int_equal(http1_resync(s, strlen(s), true, &discard), 20);
    s = "abc\nHTTP/1.";
    assert_int_equal(http1_resync(s, strlen(s), true, &discard), -1);
    assert_int_equal(discard, 4);
}

static void test_role_sniffing(void **state)
{
    (void)state;
    assert_true(http1_looks_like_request("GET / HTTP/1.1", 14));
    assert_true(http1_looks_like_request("DELETE /x", 9));
    assert_false(http1_looks_like_request("HTTP/1.1 200 OK", 15));
    assert_false(http1_looks_like_request("GET", 3));
    assert_true(http1_looks_like_response("HTTP/1.1 200 OK", 15));
    assert_false(http1_looks_like_response("GET / HTTP/1.1", 14));
}

static void test_header_tokens(void **state)
{
    (void)state;
    struct http1_header h = {"Connection", 10, "keep-alive, Upgrade", 19, false};
    assert_true(http1_header_has_token(&h, "upgrade"));
    assert_true(http1_header_has_token(&h, "Keep-Alive"));
    assert_false(http1_header_has_token(&h, "close"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_lines),
        cmocka_unit_test(test_status_lines),
        cmocka_unit_test(test_fields_folding_and_duplicates_in_order),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_need_more_at_every_split_point),
        cmocka_unit_test(test_body_framing_decisions),
        cmocka_unit_test(test_chunked_with_extensions_and_trailers),
        cmocka_unit_test(test_chunked_malformed),
        cmocka_unit_test(test_chunked_sink_error_stops),
        cmocka_unit_test(test_resync_finds_next_start_line),
        cmocka_unit_test(test_role_sniffing),
        cmocka_unit_test(test_header_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
