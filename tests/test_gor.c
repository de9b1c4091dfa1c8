/* test_gor.c: lib/gor.c: GoReplay records read as exchanges, pairing of
 * requests with their original responses, and bad records named by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cutover/buf.h"
#include "cutover/gor.h"
#include "cutover/zcodec.h"

#define SEP "\n" GOR_SEPARATOR "\n"

static char *write_tmp(const char *p, size_t n)
{
    char *path = strdup("/tmp/test_gor_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
    return path;
}

static const char two_requests[] =
    "1 aaaa0001 1700000000000000000 0\n"
    "POST /v1/sms?x=1 HTTP/1.1\r\nHost: api.local\r\nContent-Type: application/json\r\n"
    "Content-Length: 13\r\n\r\n{\"to\":\"+1\"}\r\n" SEP "2 aaaa0001 1700000000005000000 4500000\n"
    "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok" SEP
    "3 aaaa0001 1700000001000000000 3000000\n"
    "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n" SEP "1 aaaa0002 1700000000250000000 0\n"
    "GET /health HTTP/1.1\r\nHost: api.local\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3\r\nabc\r\n0\r\n\r\n" SEP;

static void test_requests_without_pairing(void **state)
{
    (void)state;
    char *path = write_tmp(two_requests, sizeof two_requests - 1);
    struct gor_reader *r;
    struct exchange x;
    exchange_init(&x);
    assert_int_equal(gor_reader_open(&r, path, false), CUT_OK);
    assert_int_equal(gor_reader_next(r, &x), CUT_OK);
    assert_string_equal(x.id, "aaaa0001");
    assert_string_equal(x.req.method, "POST");
    assert_string_equal(x.req.target, "/v1/sms?x=1");
    assert_string_equal(x.req.url, "http://api.local/v1/sms?x=1");
    assert_true(x.req.has_body);
    /* Content-Length 13 takes the body and its CRLF: exactly 13 bytes */
    assert_int_equal(x.req.body.len, 13);
    assert_memory_equal(x.req.body.data, "{\"to\":\"+1\"}\r\n", 13);
    assert_int_equal(x.started_us, 1700000000000000LL);
    assert_int_equal(x.resp.status, 0);
    assert_int_equal(gor_reader_next(r, &x), CUT_OK);
    assert_string_equal(x.id, "aaaa0002");
    assert_string_equal(x.req.body.data, "abc"); /* chunking removed */
    assert_int_equal(gor_reader_next(r, &x), CUT_EOF);
    assert_int_equal(gor_reader_skipped(r), 2); /* the type 2 and the type 3 */
    gor_reader_free(r);
    exchange_release(&x);
    unlink(path);
    free(path);
}

static void test_pairing_attaches_original_response(void **state)
{
    (void)state;
    char *path = write_tmp(two_requests, sizeof two_requests - 1);
    struct gor_reader *r;
    struct exchange x;
    exchange_init(&x);
    assert_int_equal(gor_reader_open(&r, path, true), CUT_OK);
    assert_int_equal(gor_reader_next(r, &x), CUT_OK);
    assert_string_equal(x.id, "aaaa0001");
    assert_int_equal(x.resp.status, 201); /* type 2, not the replayed type 3 */
    assert_string_equal(x.resp.body.data, "ok");
    assert_true(x.wait_ms > 4.49 && x.wait_ms < 4.51);
    assert_int_equal(gor_reader_next(r, &x), CUT_OK);
    assert_string_equal(x.id, "aaaa0002");
    assert_int_equal(x.resp.status, 0); /* never answered */
    assert_int_equal(gor_reader_next(r, &x), CUT_EOF);
    gor_reader_free(r);
    exchange_release(&x);
    unlink(path);
    free(path);
}

static void test_gzip_response_is_decoded(void **state)
{
    (void)state;
    struct buf z = BUF_INIT, msg = BUF_INIT;
    assert_int_equal(zcodec_encode(ZCODEC_GZIP, "{\"a\":1}", 7, &z), CUT_OK);
    buf_printf(&msg, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
               z.len);
    buf_append(&msg, z.data, z.len);
    struct exchange x;
    exchange_init(&x);
    const char *why = NULL;
    assert_int_equal(gor_parse_response(msg.data, msg.len, "GET", &x, &why), CUT_OK);
    assert_string_equal(x.resp.body.data, "{\"a\":1}");
    assert_string_equal(x.resp.compression, "gzip");
    assert_int_equal(x.resp.body_size, (int64_t)z.len);
    exchange_release(&x);
    buf_free(&z);
    buf_free(&msg);
}

static void test_bad_records_name_file_and_line(void **state)
{
    (void)state;
    static const char bad[] = "1 aaaa0001 1700000000000000000 0\n"
                              "GET / HTTP/1.1\r\nHost: a\r\n\r\n" SEP "9 zz 1 2\n"
                              "GET / HTTP/1.1\r\n\r\n" SEP "1 aaaa0003 1700000000000000000 0\n"
                              "this is not http\r\n\r\n" SEP "1 aaaa0004 1700000000000000000 0\n"
                              "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n" SEP;
    char *path = write_tmp(bad, sizeof bad - 1);
    struct gor_reader *r;
    struct exchange x;
    exchange_init(&x);
    assert_int_equal(gor_reader_open(&r, path, false), CUT_OK);
    assert_int_equal(gor_reader_next(r, &x), CUT_OK);
    assert_int_equal(gor_reader_next(r, &x), CUT_EPARSE);
    char want[256];
    /* record 2's header line is line 7: 1 header + 3 head lines + blank + separator */
    snprintf(want, sizeof want, "%s:7: bad record header", path);
    assert_memory_equal(gor_reader_error(r), want, strlen(want));
    assert_int_equal(gor_reader_next(r, &x), CUT_EPARSE);
    /* record 3's header is line 12; its HTTP message starts on line 13 */
    snprintf(want, sizeof want, "%s:13: malformed HTTP request head", path);
    assert_string_equal(gor_reader_error(r), want);
    assert_int_equal(gor_reader_next(r, &x), CUT_OK);
    assert_string_equal(x.req.target, "/ok");
    assert_int_equal(gor_reader_next(r, &x), CUT_EOF);
    gor_reader_free(r);
    exchange_release(&x);
    unlink(path);
    free(path);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_true(gor_sniff("1 0a1b 1700000000000000000 0\nGET", 31));
    assert_true(gor_sniff("2 ff 17 12\n", 11));
    assert_false(gor_sniff("{\"_id\":\"x\"}\n", 12));
    assert_false(gor_sniff("1 xyz 17 0\n", 11));
    assert_false(gor_sniff("1 ab 17 0", 9)); /* no newline yet */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_without_pairing),
        cmocka_unit_test(test_pairing_attaches_original_response),
        cmocka_unit_test(test_gzip_response_is_decoded),
        cmocka_unit_test(test_bad_records_name_file_and_line),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
