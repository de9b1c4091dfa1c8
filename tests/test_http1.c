/* test_http1.c: lib/http1.c: request and status lines, header fields,
 * folding, need-more at every split point, malformed input, body framing,
 * the chunked decoder and resynchronisation.  Each input is copied to the
 * end of a page followed by an unreadable one (picohttpparser's trick), so
 * that an over-read faults at once, with or without ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cutover/http1.h"

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* Readable pages enough for n bytes (at least one). */
static size_t data_pages(size_t n)
{
    return n / page_size() + 1;
}

/* A copy of s[0..n) that ends where a PROT_NONE page begins (before: that
 * begins where one ends), so reading one byte past either end faults. */
static char *fenced(const char *s, size_t n, bool before)
{
    size_t pg = page_size(), dp = data_pages(n);
    char *m = mmap(NULL, (dp + 1) * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    assert_int_equal(mprotect(before ? m : m + dp * pg, pg, PROT_NONE), 0);
    char *p = before ? m + pg : m + dp * pg - n;
    if (n) memcpy(p, s, n);
    return p;
}

static void unfence(char *p, size_t n, bool before)
{
    size_t pg = page_size(), dp = data_pages(n);
    assert_int_equal(munmap(before ? p - pg : p + n - dp * pg, (dp + 1) * pg), 0);
}

/* The usual copy: nothing readable after its last byte. */
static char *exact(const char *s, size_t n)
{
    return fenced(s, n, false);
}

static void release(char *p, size_t n)
{
    unfence(p, n, false);
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
        release(p, n);
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
        release(p, n);
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
    release(p, n);
}

static void test_too_many_fields(void **state)
{
    (void)state;
    const char *s = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    size_t n = strlen(s);
    char *p = exact(s, n);
    struct http1_request r;
    struct http1_header h[2];
    assert_int_equal(parse_req(p, n, &r, h, 2), HTTP1_TOO_MANY);
    struct http1_header h3[3];
    assert_int_equal(parse_req(p, n, &r, h3, 3), (long)n);
    assert_int_equal(r.num_headers, 3);
    release(p, n);
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
            release(p, k);
        }
        char *p = exact(heads[t], n);
        struct http1_request r;
        struct http1_header h[8];
        memset(&r, 0, sizeof r);
        r.headers = h;
        r.max_headers = 8;
        assert_int_equal(http1_parse_request(p, n, last, &r), (long)n);
        release(p, n);
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
        release(p, k);
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
        "3\rX\r\n",                /* CR without LF after the size */
        "3;e\r\nabc\n\r\n",        /* no size after a bare LF */
        "1\r\nx\r\r\n",            /* CR CR after data */
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
    release(p, strlen(s));
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

/* Offset of slice q in the buffer that starts at base. */
static long off(const char *base, const char *q)
{
    return (long)(q - base);
}

static void assert_same_fields(const char *pa, const struct http1_header *a, const char *pb,
                               const struct http1_header *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(off(pa, a[i].name), off(pb, b[i].name));
        assert_int_equal(a[i].name_len, b[i].name_len);
        assert_int_equal(off(pa, a[i].value), off(pb, b[i].value));
        assert_int_equal(a[i].value_len, b[i].value_len);
        assert_int_equal(a[i].folded, b[i].folded);
    }
}

/* A head, then bytes that belong to the body or the next message. */
static const struct {
    const char *head, *after;
    size_t fields;
} split_requests[] = {
    {"\r\n\r\nPOST /v1/sms?x=1 HTTP/1.1\r\nHost: a\r\nX-F: a\r\n \tb \r\nEmpty:\r\nX-Dup: 1\r\n"
     "x-dup: 2\r\nContent-Length: 4\r\n\r\n",
     "BODYGET / HTTP/1.1\r\n\r\n", 6},
    {"\n\r\nGET /p HTTP/1.0\nHost: a\nX: b\n\n", "", 2},
    {"GET /p HTTP/1.1\r\nA: 1\nB: 2\r\n\n", "GET /q HTTP/1.1\r\n\r\n", 2},
    {"OPTIONS * HTTP/1.1\r\n\r\n", "\r\n", 0},
};

/* Whatever the split, the first part is "need more" until it holds the
 * whole head, and resuming from it (last_len) gives exactly the one-shot
 * result: the same length, the same slices, the same fields. */
static void test_requests_split_at_every_byte(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof split_requests / sizeof split_requests[0]; t++) {
        struct buf in = BUF_INIT;
        buf_puts(&in, split_requests[t].head);
        buf_puts(&in, split_requests[t].after);
        size_t n = in.len, want = strlen(split_requests[t].head);
        char *whole = exact(in.data, n);
        struct http1_request one;
        struct http1_header h1[16];
        assert_int_equal(parse_req(whole, n, &one, h1, 16), (long)want);
        assert_int_equal(one.num_headers, split_requests[t].fields);
        for (size_t k = 0; k <= n; k++) {
            char *first = exact(in.data, k);
            struct http1_request r;
            struct http1_header h[16];
            long got = parse_req(first, k, &r, h, 16);
            release(first, k);
            if (k >= want) {
                assert_int_equal(got, (long)want);
                continue;
            }
            assert_int_equal(got, HTTP1_NEED_MORE);
            r.num_headers = 99;
            assert_int_equal(http1_parse_request(whole, n, k, &r), (long)want);
            assert_int_equal(off(whole, r.method), off(whole, one.method));
            assert_int_equal(off(whole, r.target), off(whole, one.target));
            assert_int_equal(r.target_len, one.target_len);
            assert_int_equal(r.minor_version, one.minor_version);
            assert_int_equal(r.num_headers, one.num_headers);
            assert_same_fields(whole, h, whole, h1, one.num_headers);
        }
        release(whole, n);
        buf_free(&in);
    }
}

static const struct {
    const char *head, *after;
    int status;
} split_responses[] = {
    {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-F: a\r\n b\r\nContent-Length: 5\r\n\r\n",
     "helloHTTP/1.1 204 No Content\r\n\r\n", 200},
    {"HTTP/1.0 404 Not Found\nA: b\n\n", "", 404},
    {"HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n", 100},
    {"HTTP/1.1 204\r\nA: 1\n\r\n", "x", 204},
};

static void test_responses_split_at_every_byte(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof split_responses / sizeof split_responses[0]; t++) {
        struct buf in = BUF_INIT;
        buf_puts(&in, split_responses[t].head);
        buf_puts(&in, split_responses[t].after);
        size_t n = in.len, want = strlen(split_responses[t].head);
        char *whole = exact(in.data, n);
        struct http1_response one;
        struct http1_header h1[16];
        assert_int_equal(parse_resp(whole, n, &one, h1, 16), (long)want);
        assert_int_equal(one.status, split_responses[t].status);
        for (size_t k = 0; k <= n; k++) {
            char *first = exact(in.data, k);
            struct http1_response r;
            struct http1_header h[16];
            long got = parse_resp(first, k, &r, h, 16);
            release(first, k);
            if (k >= want) {
                assert_int_equal(got, (long)want);
                continue;
            }
            assert_int_equal(got, HTTP1_NEED_MORE);
            assert_int_equal(http1_parse_response(whole, n, k, &r), (long)want);
            assert_int_equal(r.status, one.status);
            assert_int_equal(off(whole, r.reason), off(whole, one.reason));
            assert_int_equal(r.reason_len, one.reason_len);
            assert_int_equal(r.num_headers, one.num_headers);
            assert_same_fields(whole, h, whole, h1, one.num_headers);
        }
        release(whole, n);
        buf_free(&in);
    }
}

/* Bare LF is accepted wherever CRLF is, mixed in one head, and never ends
 * up in a value; a CR anywhere else in a line is refused, even before the
 * head is complete. */
static void test_bare_lf_line_ends(void **state)
{
    (void)state;
    const char *s = "PUT /x HTTP/1.1\nA: 1\r\nB: two words \n\r\n";
    size_t n = strlen(s);
    char *p = exact(s, n);
    struct http1_request r;
    struct http1_header h[4];
    assert_int_equal(parse_req(p, n, &r, h, 4), (long)n);
    assert_int_equal(r.num_headers, 2);
    assert_slice(h[0].value, h[0].value_len, "1");
    assert_slice(h[1].value, h[1].value_len, "two words");
    release(p, n);

    static const char *bad_start[] = {"GET / HT\rTP/1.1\nHost", "HTTP/1.1 200\rOK\nA"};
    p = exact(bad_start[0], strlen(bad_start[0]));
    assert_int_equal(parse_req(p, strlen(bad_start[0]), &r, h, 4), HTTP1_MALFORMED);
    release(p, strlen(bad_start[0]));
    struct http1_response rs;
    p = exact(bad_start[1], strlen(bad_start[1]));
    assert_int_equal(parse_resp(p, strlen(bad_start[1]), &rs, h, 4), HTTP1_MALFORMED);
    release(p, strlen(bad_start[1]));

    const char *body = "3\nabc\n0\n\n";
    struct http1_chunked d;
    struct buf out = BUF_INIT;
    size_t used;
    http1_chunked_init(&d);
    assert_int_equal(http1_chunked_feed(&d, body, strlen(body), &used, sink_buf, &out), CUT_OK);
    assert_true(d.done);
    assert_int_equal(used, strlen(body));
    assert_string_equal(out.data, "abc");
    buf_free(&out);
}

/* The limit is the caller's array: folds are no new field, and bytes that
 * are not HTTP are reported as such even when the array is full. */
static void test_header_count_limit(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t max;
        long want; /* 1: the whole input */
        size_t fields;
    } rows[] = {
        {"GET / HTTP/1.1\r\n\r\n", 0, 1, 0},
        {"GET / HTTP/1.1\r\nA: 1\r\n\r\n", 0, HTTP1_TOO_MANY, 0},
        {"GET / HTTP/1.1\r\nA: 1\r\n b\r\nB: 2\r\n\r\n", 2, 1, 2},
        {"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 2, HTTP1_TOO_MANY, 0},
        {"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nBad Name: 3\r\n\r\n", 2, HTTP1_MALFORMED, 0},
        {"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n", 2, HTTP1_NEED_MORE, 0},
        {"HTTP/1.1 200 OK\r\nA: 1\r\nA: 1\r\n\r\n", 1, HTTP1_TOO_MANY, 0},
        {"HTTP/1.1 200 OK\r\nA: 1\r\nA: 1\r\n\r\n", 2, 1, 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].in);
        char *p = exact(rows[i].in, n);
        struct http1_header h[4];
        long got;
        size_t fields;
        if (p[0] == 'H') {
            struct http1_response r;
            got = parse_resp(p, n, &r, h, rows[i].max);
            fields = r.num_headers;
        } else {
            struct http1_request r;
            got = parse_req(p, n, &r, h, rows[i].max);
            fields = r.num_headers;
        }
        assert_int_equal(got, rows[i].want == 1 ? (long)n : rows[i].want);
        if (got > 0) assert_int_equal(fields, rows[i].fields);
        release(p, n);
    }
}

/* Sizes up to 2^63 - 1 are taken, however many leading zeros; one hex
 * digit more would wrap, and is refused instead. */
static void test_chunk_size_limits(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        enum cut_err want;
        bool done;
    } rows[] = {
        {"7fffffffffffffff\r\n", CUT_OK, false},
        {"7FFFFFFFFFFFFFFF;x\r\nab", CUT_OK, false},
        {"8000000000000000\r\n", CUT_EPARSE, false},
        {"ffffffffffffffffffffffffffffffffffffffff\r\n", CUT_EPARSE, false},
        {"00000000000000000000000000000000000000001\r\nx\r\n0\r\n\r\n", CUT_OK, true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].in);
        char *p = exact(rows[i].in, n);
        struct http1_chunked d;
        http1_chunked_init(&d);
        size_t used;
        assert_int_equal(http1_chunked_feed(&d, p, n, &used, NULL, NULL), rows[i].want);
        assert_int_equal(d.done, rows[i].done);
        if (rows[i].want == CUT_OK) assert_int_equal(used, n);
        release(p, n);
    }
    /* A size line of leading zeros is still a size line: capped at 4 KiB. */
    struct buf b = BUF_INIT;
    for (int i = 0; i < 5000; i++) buf_putc(&b, '0');
    buf_puts(&b, "1\r\n");
    struct http1_chunked d;
    http1_chunked_init(&d);
    size_t used;
    assert_int_equal(http1_chunked_feed(&d, b.data, b.len, &used, NULL, NULL), CUT_EPARSE);
    /* So are the trailers, at 64 KiB. */
    buf_reset(&b);
    buf_puts(&b, "0\r\n");
    for (int i = 0; i < 3000; i++) buf_puts(&b, "X-Trailer-Padding: 0123456789\r\n");
    buf_puts(&b, "\r\n");
    http1_chunked_init(&d);
    assert_int_equal(http1_chunked_feed(&d, b.data, b.len, &used, NULL, NULL), CUT_EPARSE);
    assert_false(d.done);
    buf_free(&b);
}

/* Two feeds split anywhere (inside a size line, an extension, the data,
 * a trailer, the final CRLF) decode as one, and the bytes of the next
 * message are left over, each piece in a buffer of its own. */
static void test_chunked_split_at_every_byte(void **state)
{
    (void)state;
    const char *next = "GET /next HTTP/1.1\r\n\r\n";
    struct buf in = BUF_INIT, out = BUF_INIT;
    buf_puts(&in, chunked_body);
    buf_puts(&in, next);
    size_t body = strlen(chunked_body);
    for (size_t k = 0; k <= in.len; k++) {
        buf_reset(&out);
        struct http1_chunked d;
        http1_chunked_init(&d);
        char *a = exact(in.data, k), *b = exact(in.data + k, in.len - k);
        size_t u1 = 0, u2 = 0;
        assert_int_equal(http1_chunked_feed(&d, a, k, &u1, sink_buf, &out), CUT_OK);
        assert_int_equal(u1, k < body ? k : body);
        assert_int_equal(d.done, k >= body);
        assert_int_equal(http1_chunked_feed(&d, b, in.len - k, &u2, sink_buf, &out), CUT_OK);
        assert_true(d.done);
        assert_int_equal(u1 + u2, k < body ? body : u1);
        assert_int_equal(d.wire_bytes, body);
        assert_string_equal(out.data, chunked_decoded);
        assert_int_equal(d.trailer_bytes, strlen("Trailer-A: 1\r\nTrailer-B: 2\r\n\r\n"));
        release(a, k);
        release(b, in.len - k);
    }
    buf_free(&in);
    buf_free(&out);
}

/* Every prefix of every input, placed against an unreadable page on one
 * side and then the other, through every entry point: an over-read or an
 * under-read faults. */
static const char *fence_inputs[] = {
    "\r\n\r\nPOST /v1/sms HTTP/1.1\r\nHost: a\r\nX-F: a \r\n\t b\r\nEmpty:\r\n\r\nBODY",
    "GET / HTTP/1.1\nA:b\n\n",
    "GET /a b HTTP/1.1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX: y\r\n z \r\nContent-Length: 3\r\n\r\nabc",
    "HTTP/1.1 201 \t\r\n\n",
    "HTTP/1.1 2000 OK\r\n\r\n",
    "junk\r\nmore junk\nGET /x HTTP/1.1\r\n",
    "xx HTTP/1.1 200 OK\r\nHTTP/1.1 404 Not Found\r\n",
    "5;name=val\r\nhello\r\n0\r\nTrailer: 1\r\n\r\n",
    "3\nabc\n0\n\n",
    "1 \r\nx\r\n0;e\r\n\r\n",
    "keep-alive, Upgrade , ,chunked",
    " 12 , 12",
    "a\r\n b \r\n\tc",
};

static void fenced_calls(const char *p, size_t n)
{
    struct http1_header h[8];
    struct http1_request rq;
    struct http1_response rs;
    long r = parse_req(p, n, &rq, h, 8);
    assert_true(r <= (long)n);
    if (r > 0) {
        struct http1_body b;
        (void)http1_request_framing(&rq, &b);
        struct headers copy;
        headers_init(&copy);
        assert_int_equal(http1_headers_copy(&copy, h, rq.num_headers), CUT_OK);
        headers_release(&copy);
    }
    assert_true(http1_parse_request(p, n, n / 2, &rq) <= (long)n);
    r = parse_resp(p, n, &rs, h, 8);
    assert_true(r <= (long)n);
    if (r > 0) {
        struct http1_body b;
        (void)http1_response_framing(&rs, "GET", 3, &b);
    }
    size_t discard;
    assert_true(http1_resync(p, n, false, &discard) <= (long)n);
    assert_true(http1_resync(p, n, true, &discard) <= (long)n);
    (void)http1_looks_like_request(p, n);
    (void)http1_looks_like_response(p, n);
    struct http1_chunked d;
    http1_chunked_init(&d);
    size_t used;
    (void)http1_chunked_feed(&d, p, n, &used, NULL, NULL);
    assert_true(used <= n);
    /* The header helpers read values that the caller may have built. */
    for (int folded = 0; folded < 2; folded++) {
        struct http1_header v = {"Content-Length", 14, p, n, folded};
        struct buf out = BUF_INIT;
        assert_int_equal(http1_header_value(&v, &out), CUT_OK);
        buf_free(&out);
        (void)http1_header_has_token(&v, "chunked");
        rq.headers = &v;
        rq.num_headers = 1;
        struct http1_body b;
        (void)http1_request_framing(&rq, &b);
    }
}

static void test_every_input_fenced_on_both_sides(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof fence_inputs / sizeof fence_inputs[0]; t++) {
        size_t n = strlen(fence_inputs[t]);
        for (size_t k = 0; k <= n; k++) {
            for (int before = 0; before < 2; before++) {
                char *p = fenced(fence_inputs[t], k, before);
                fenced_calls(p, k);
                unfence(p, k, before);
            }
        }
    }
}

/* Field lines are checked 8 bytes at a time: one odd byte at every place
 * of field lines of every length around the word size. A tab, obs-text and
 * DEL's neighbours are field characters; CR, NUL, other controls and DEL
 * are not, and make the head malformed. */
static void test_field_bytes_at_every_position(void **state)
{
    (void)state;
    static const struct {
        unsigned char c;
        bool ok;
    } odd[] = {{'\t', true},  {0x80, true},  {0xff, true},  {0x7e, true},  {0x20, true},
               {'\r', false}, {0x00, false}, {0x1f, false}, {0x7f, false}, {0x01, false}};
    char head[128], value[40];
    struct http1_header hv[8];
    for (size_t vlen = 1; vlen < 30; vlen++) {
        for (size_t at = 0; at < vlen; at++) {
            for (size_t k = 0; k < sizeof odd / sizeof *odd; k++) {
                for (size_t i = 0; i < vlen; i++) value[i] = (char)('a' + i % 26);
                value[at] = (char)odd[k].c;
                /* by hand: a NUL in value would end a %s */
                static const char pre[] = "HTTP/1.1 200 OK\r\nA: 1\r\nX-V: ";
                size_t n = sizeof pre - 1;
                memcpy(head, pre, n);
                memcpy(head + n, value, vlen);
                memcpy(head + n + vlen, "\r\n\r\n", 4);
                n += vlen + 4;
                struct http1_response r = {.headers = hv, .max_headers = 8};
                long got = http1_parse_response(head, n, 0, &r);
                if (odd[k].ok) {
                    assert_int_equal(got, (long)n);
                    assert_int_equal(r.num_headers, 2);
                } else {
                    assert_int_equal(got, HTTP1_MALFORMED);
                }
            }
        }
    }
}

/* A header name is tchar (RFC 9110 5.6.2): every byte value in the middle
 * of a name, and as a method's byte, is accepted exactly when it is a
 * digit, a letter or one of !#$%&'*+-.^_`|~. */
static void test_name_bytes_are_rfc_tchar(void **state)
{
    (void)state;
    struct http1_header hv[8];
    for (unsigned c = 0; c < 256; c++) {
        bool want = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c && strchr("!#$%&'*+-.^_`|~", (int)c));
        char head[64];
        static const char pre[] = "HTTP/1.1 200 OK\r\nX";
        size_t n = sizeof pre - 1;
        memcpy(head, pre, n);
        head[n++] = (char)c;
        memcpy(head + n, "Y: v\r\n\r\n", 8);
        n += 8;
        struct http1_response r = {.headers = hv, .max_headers = 8};
        long got = http1_parse_response(head, n, 0, &r);
        if (want) {
            assert_int_equal(got, (long)n);
            assert_int_equal(r.num_headers, 1);
            assert_int_equal(r.headers[0].name_len, 3);
        } else if (c == ':') { /* the name is "X", the value "Y: v" */
            assert_int_equal(got, (long)n);
            assert_int_equal(r.headers[0].name_len, 1);
        } else {
            assert_int_equal(got, HTTP1_MALFORMED);
        }
        char req[64];
        n = 0;
        req[n++] = 'P';
        req[n++] = (char)c;
        memcpy(req + n, " / HTTP/1.1\r\n\r\n", 15);
        n += 15;
        /* the same byte at every place of a longer name */
        for (size_t at = 1; at < 11; at++) {
            char line[64] = "HTTP/1.1 200 OK\r\nAbcdefghijk: v\r\n\r\n";
            size_t ln = strlen(line);
            line[17 + at] = (char)c;
            struct http1_response r2 = {.headers = hv, .max_headers = 8};
            long g2 = http1_parse_response(line, ln, 0, &r2);
            if (want) {
                assert_int_equal(g2, (long)ln);
                assert_int_equal(r2.headers[0].name_len, 11);
            } else if (c == ':') {
                assert_int_equal(g2, (long)ln);
                assert_int_equal(r2.headers[0].name_len, at);
            } else {
                assert_int_equal(g2, HTTP1_MALFORMED);
            }
        }
        struct http1_request q = {.headers = hv, .max_headers = 8};
        got = http1_parse_request(req, n, 0, &q);
        if (want)
            assert_int_equal(got, (long)n);
        else if (c != ' ') /* "P  /": the method is "P", the rest the line's business */
            assert_true(got < 0);
    }
}

/* Names, methods and tokens compare in any ASCII case, and only so: a byte
 * that differs from a letter by the case bit but is no letter ('@' and
 * '`', '[' and '{', '-' and CR aside) or a longer or shorter word does not
 * match. "identity" is no coding at all. */
static void test_case_insensitive_names_and_tokens(void **state)
{
    (void)state;
    struct http1_header hv[8];
    struct http1_body body;
    static const struct {
        const char *head, *method;
        enum http1_framing framing;
    } rows[] = {
        {"HTTP/1.1 200 OK\r\ncontent-LENGTH: 7\r\n\r\n", "GET", HTTP1_BODY_LENGTH},
        {"HTTP/1.1 200 OK\r\nTRANSFER-encoding: CHUNKED\r\n\r\n", "GET", HTTP1_BODY_CHUNKED},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, IDENTITY\r\n\r\n", "GET",
         HTTP1_BODY_CHUNKED}, /* identity is no coding: chunked stays the last */
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: Identity\r\nContent-Length: 3\r\n\r\n", "GET",
         HTTP1_BODY_LENGTH},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunke\r\n\r\n", "GET", HTTP1_BODY_UNTIL_CLOSE},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedd\r\n\r\n", "GET", HTTP1_BODY_UNTIL_CLOSE},
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", "hEaD", HTTP1_BODY_NONE},
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", "HEA@", HTTP1_BODY_LENGTH},
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", "HEADS", HTTP1_BODY_LENGTH},
        {"HTTP/1.1 200 Connected\r\n\r\n", "connect", HTTP1_BODY_TUNNEL},
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "CONNEC{", HTTP1_BODY_NONE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct http1_response r = {.headers = hv, .max_headers = 8};
        assert_true(http1_parse_response(rows[i].head, strlen(rows[i].head), 0, &r) > 0);
        assert_int_equal(http1_response_framing(&r, rows[i].method, strlen(rows[i].method), &body),
                         CUT_OK);
        assert_int_equal(body.framing, rows[i].framing);
    }
    struct http1_header h[] = {{"CONNECTION", 10, "Close", 5, false},
                               {"Connectio[", 10, "close", 5, false},
                               {"Connection", 10, "closE, keep-alive", 17, false},
                               {"Connection", 10, "clos@", 5, false}};
    assert_ptr_equal(http1_find_header(h, 4, "connection"), &h[0]);
    assert_ptr_equal(http1_find_header(h + 1, 3, "Connection"), &h[2]);
    assert_null(http1_find_header(h + 1, 1, "Connection"));
    assert_null(http1_find_header(h, 4, "Connectio"));
    assert_true(http1_header_has_token(&h[0], "close"));
    assert_true(http1_header_has_token(&h[2], "CLOSE"));
    assert_true(http1_header_has_token(&h[2], "Keep-Alive"));
    assert_false(http1_header_has_token(&h[3], "close"));
    assert_false(http1_header_has_token(&h[2], "keep-aliv"));
    /* one element or several: trimmed of spaces, tabs and fold line ends */
    static const struct {
        const char *value;
        bool close;
    } v[] = {{"close", true},         {" close ", true},  {"\tclose\t", true},
             {"\r\n close", true},    {"", false},        {" ", false},
             {"closed", false},       {"clos", false},    {"cl ose", false},
             {"close,", true},        {",close", true},   {"a, Close ,b", true},
             {"keep-alive,,", false}, {"x-close", false}, {"close x", false}};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        struct http1_header t = {"Connection", 10, v[i].value, strlen(v[i].value), false};
        assert_int_equal(http1_header_has_token(&t, "close"), v[i].close);
    }
}

/* A field line of every length from 0 to 70, after a line that moves it
 * to every offset of a 16-byte block, ended by CR LF or a bare LF, with a
 * control byte, DEL, a lone CR or a NUL at every place of its value (or a
 * tab, which is a field character, or nothing): malformed exactly when one
 * of those is in it, and otherwise the value whole. Response heads, read
 * from a block of exactly their size. */
static void test_field_lines_at_every_length_and_offset(void **state)
{
    (void)state;
    static const char bads[] = {0x01, 0x7f, '\r', 0x00, '\t', 'a'};
    char head[256];
    for (size_t shift = 0; shift < 16; shift++) {
        for (size_t len = 0; len <= 70; len++) {
            for (int crlf = 0; crlf < 2; crlf++) {
                for (size_t b = 0; b < sizeof bads; b++) {
                    for (size_t at = 0; at<(len ? len : 1); at += len> 20 ? 7 : 1) {
                        size_t n = 0;
                        n += (size_t)snprintf(head + n, sizeof head - n,
                                              "HTTP/1.1 200 OK\r\nA: %.*s\r\n", (int)shift,
                                              "0123456789abcdef");
                        memcpy(head + n, "X: ", 3);
                        n += 3;
                        size_t v0 = n;
                        memset(head + n, 'v', len);
                        /* a tab inside the value only: at an end it is OWS */
                        bool inside = at > 0 && at + 1 < len;
                        /* a CR last before a bare LF makes a CR LF, no CR in the line */
                        if (bads[b] == '\r' && !crlf && at + 1 == len) continue;
                        bool put = len && (bads[b] != '\t' || inside);
                        if (put) head[v0 + at] = bads[b];
                        n += len;
                        if (crlf) head[n++] = '\r';
                        head[n++] = '\n';
                        memcpy(head + n, "Y: z\r\n\r\n", 8);
                        n += 8;
                        bool bad = put && bads[b] != '\t' && bads[b] != 'a';
                        char *p = exact(head, n);
                        struct http1_response r;
                        struct http1_header h[4];
                        long got = parse_resp(p, n, &r, h, 4);
                        if (bad) {
                            if (got != HTTP1_MALFORMED)
                                fail_msg("shift %zu len %zu crlf %d byte %d at %zu: %ld", shift,
                                         len, crlf, bads[b], at, got);
                        } else {
                            if (got != (long)n)
                                fail_msg("shift %zu len %zu crlf %d byte %d at %zu: %ld", shift,
                                         len, crlf, bads[b], at, got);
                            assert_int_equal(r.num_headers, 3);
                            assert_int_equal(h[1].value_len, len);
                            assert_memory_equal(h[1].value, head + v0, len);
                        }
                        release(p, n);
                    }
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_lines),
        cmocka_unit_test(test_status_lines),
        cmocka_unit_test(test_fields_folding_and_duplicates_in_order),
        cmocka_unit_test(test_field_lines_at_every_length_and_offset),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_need_more_at_every_split_point),
        cmocka_unit_test(test_body_framing_decisions),
        cmocka_unit_test(test_chunked_with_extensions_and_trailers),
        cmocka_unit_test(test_chunked_malformed),
        cmocka_unit_test(test_chunked_sink_error_stops),
        cmocka_unit_test(test_resync_finds_next_start_line),
        cmocka_unit_test(test_role_sniffing),
        cmocka_unit_test(test_header_tokens),
        cmocka_unit_test(test_requests_split_at_every_byte),
        cmocka_unit_test(test_responses_split_at_every_byte),
        cmocka_unit_test(test_bare_lf_line_ends),
        cmocka_unit_test(test_header_count_limit),
        cmocka_unit_test(test_chunk_size_limits),
        cmocka_unit_test(test_chunked_split_at_every_byte),
        cmocka_unit_test(test_every_input_fenced_on_both_sides),
        cmocka_unit_test(test_field_bytes_at_every_position),
        cmocka_unit_test(test_name_bytes_are_rfc_tchar),
        cmocka_unit_test(test_case_insensitive_names_and_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
