/* fuzz_http1.c: libFuzzer target for lib/http1.c (request and response
 * heads, parsed whole and incrementally, body framing, header helpers,
 * resynchronisation, the chunked decoder) and lib/zcodec.c (the body
 * decoder that follows it).  The first input byte picks the mode, the
 * second where an incremental parse splits; the rest is the wire bytes,
 * in an exactly sized heap copy so that any over-read trips ASan. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/http1.h"
#include "cutover/zcodec.h"

#include "fuzz_util.h"

#define MAX_HEADERS 64

/* An invariant the code promises; a broken one is a bug, so crash. */
static int within(const char *base, size_t n, const char *p, size_t len)
{
    return p >= base && len <= n && (size_t)(p - base) <= n - len;
}

static void use_headers(const char *p, size_t n, const struct http1_header *h, size_t nh)
{
    struct buf v = BUF_INIT;
    for (size_t i = 0; i < nh; i++) {
        check(within(p, n, h[i].name, h[i].name_len));
        check(within(p, n, h[i].value, h[i].value_len));
        buf_reset(&v);
        (void)http1_header_value(&h[i], &v);
        (void)http1_header_has_token(&h[i], "chunked");
        (void)http1_header_has_token(&h[i], "close");
    }
    (void)http1_find_header(h, nh, "content-length");
    (void)http1_find_header(h, nh, "Transfer-Encoding");
    struct headers copy;
    headers_init(&copy);
    (void)http1_headers_copy(&copy, h, nh);
    headers_release(&copy);
    buf_free(&v);
}

static enum cut_err count_sink(void *ctx, const char *p, size_t n)
{
    size_t *total = ctx;
    if (n) check(p != NULL);
    *total += n;
    return *total > ((size_t)1 << 20) ? CUT_ELIMIT : CUT_OK;
}

/* Feed the chunked decoder in pieces whose sizes come from step. */
static void chunked(const char *p, size_t n, unsigned step)
{
    struct http1_chunked d;
    http1_chunked_init(&d);
    size_t off = 0, total = 0;
    size_t piece = step % 17 + 1;
    while (off < n) {
        size_t len = n - off < piece ? n - off : piece;
        size_t used = 0;
        enum cut_err e = http1_chunked_feed(&d, p + off, len, &used, count_sink, &total);
        check(used <= len);
        if (e || d.done) break;
        check(used == len);
        off += used;
    }
    check(d.decoded == total || total > ((size_t)1 << 20));
}

static void request(const char *p, size_t n, size_t split)
{
    struct http1_header h1[MAX_HEADERS], h2[MAX_HEADERS];
    struct http1_request whole = {.headers = h1, .max_headers = MAX_HEADERS};
    long r = http1_parse_request(p, n, 0, &whole);
    check(r >= HTTP1_TOO_MANY && r <= (long)n);
    if (r > 0) {
        check(within(p, n, whole.method, whole.method_len));
        check(within(p, n, whole.target, whole.target_len));
        use_headers(p, n, h1, whole.num_headers);
        struct http1_body b;
        if (http1_request_framing(&whole, &b) == CUT_OK && b.framing == HTTP1_BODY_CHUNKED)
            chunked(p + r, n - (size_t)r, (unsigned)split);
    }
    /* Incremental: a first call on a prefix, then the whole with last_len. */
    struct http1_request part = {.headers = h2, .max_headers = MAX_HEADERS};
    split = n ? split % (n + 1) : 0;
    long r1 = http1_parse_request(p, split, 0, &part);
    if (r1 == HTTP1_NEED_MORE) {
        part.num_headers = 0;
        long r2 = http1_parse_request(p, n, split, &part);
        check(r2 == r);
    }
}

static void response(const char *p, size_t n, size_t split, const char *method)
{
    struct http1_header h1[MAX_HEADERS], h2[MAX_HEADERS];
    struct http1_response whole = {.headers = h1, .max_headers = MAX_HEADERS};
    long r = http1_parse_response(p, n, 0, &whole);
    check(r >= HTTP1_TOO_MANY && r <= (long)n);
    if (r > 0) {
        check(whole.status >= 100 && whole.status <= 999);
        check(within(p, n, whole.reason, whole.reason_len));
        use_headers(p, n, h1, whole.num_headers);
        struct http1_body b;
        if (http1_response_framing(&whole, method, method ? strlen(method) : 0, &b) == CUT_OK &&
            b.framing == HTTP1_BODY_CHUNKED)
            chunked(p + r, n - (size_t)r, (unsigned)split);
    }
    struct http1_response part = {.headers = h2, .max_headers = MAX_HEADERS};
    split = n ? split % (n + 1) : 0;
    long r1 = http1_parse_response(p, split, 0, &part);
    if (r1 == HTTP1_NEED_MORE) {
        part.num_headers = 0;
        long r2 = http1_parse_response(p, n, split, &part);
        check(r2 == r);
    }
}

static void resync(const char *p, size_t n, int response)
{
    size_t discard = 0;
    long at = http1_resync(p, n, response, &discard);
    check(at >= -1 && at <= (long)n);
    if (at < 0) check(discard <= n);
    (void)http1_looks_like_request(p, n);
    (void)http1_looks_like_response(p, n);
}

static void decode(const char *p, size_t n, unsigned kind)
{
    static const enum zcodec_kind kinds[] = {ZCODEC_GZIP, ZCODEC_DEFLATE, ZCODEC_IDENTITY};
    struct buf out = BUF_INIT;
    size_t cap = (size_t)64 << 10;
    enum cut_err e = zcodec_decode(kinds[kind % 3], p, n, &out, cap);
    check(out.len <= cap);
    (void)e;
    buf_free(&out);
    enum zcodec_kind k;
    (void)zcodec_from_name(p, n < 32 ? n : 32, &k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *methods[] = {"GET", "HEAD", "CONNECT", "POST", NULL};
    if (size < 2) return 0;
    unsigned mode = data[0];
    size_t split = data[1];
    size_t n = size - 2;
    char *p = malloc(n ? n : 1);
    if (!p) return 0;
    memcpy(p, data + 2, n);
    switch (mode % 6) {
    case 0:
        request(p, n, split);
        break;
    case 1:
        response(p, n, split, methods[(mode >> 3) % 5]);
        break;
    case 2:
        chunked(p, n, (unsigned)split);
        break;
    case 3:
        resync(p, n, 0);
        break;
    case 4:
        resync(p, n, 1);
        break;
    default:
        decode(p, n, mode >> 3);
        break;
    }
    free(p);
    return 0;
}
