/* test_har.c: lib/har.c: the exchange record's writer and reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cutover/har.h"

static void fill_exchange(struct exchange *x)
{
    exchange_init(x);
    x->id = strdup("run1-7-2");
    x->started_us = 1700000000123456LL;
    x->send_ms = 0.5;
    x->wait_ms = 12.25;
    x->receive_ms = 1;
    x->req.method = strdup("POST");
    x->req.target = strdup("/v1/sms?to=%2B1555&x=a+b");
    x->req.url = strdup("http://api.local/v1/sms?to=%2B1555&x=a+b");
    x->req.version = strdup("HTTP/1.1");
    headers_add(&x->req.headers, "Content-Type", 12, "application/json", 16);
    headers_add(&x->req.headers, "X-Dup", 5, "1", 1);
    headers_add(&x->req.headers, "X-Dup", 5, "2", 1);
    x->req.has_body = true;
    buf_puts(&x->req.body, "{\"text\":\"\xe4\xbd\xa0\xe5\xa5\xbd \\\" \\n\"}");
    x->req.body_size = (int64_t)x->req.body.len;
    x->resp.status = 201;
    x->resp.reason = strdup("Created");
    x->resp.version = strdup("HTTP/1.1");
    headers_add(&x->resp.headers, "Content-Encoding", 16, "gzip", 4);
    buf_append(&x->resp.body, "\x00\xff\x01", 3);
    x->resp.body_size = 20;
    x->resp.compression = strdup("gzip");
    x->client = strdup("[::1]:5555");
    x->server = strdup("127.0.0.1:80");
    x->flow = 7;
    x->seq = 2;
}

static void test_written_entry_is_valid_har(void **state)
{
    (void)state;
    struct exchange x;
    fill_exchange(&x);
    struct buf b = BUF_INIT;
    assert_int_equal(har_write_entry(&b, &x), CUT_OK);
    assert_null(memchr(b.data, '\n', b.len));
    assert_memory_equal(b.data, "{\"_id\":\"run1-7-2\"", 17);
    json_error_t je;
    json_t *o = json_loadb(b.data, b.len, 0, &je);
    assert_non_null(o);
    json_t *rq = json_object_get(o, "request");
    assert_string_equal(json_string_value(json_object_get(o, "startedDateTime")),
                        "2023-11-14T22:13:20.123456Z");
    assert_true(json_real_value(json_object_get(o, "time")) > 13.74);
    assert_int_equal(json_array_size(json_object_get(rq, "headers")), 3);
    json_t *qs = json_object_get(rq, "queryString");
    assert_int_equal(json_array_size(qs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 0), "value")),
                        "+1555");
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 1), "value")), "a b");
    json_t *content = json_object_get(json_object_get(o, "response"), "content");
    assert_string_equal(json_string_value(json_object_get(content, "encoding")), "base64");
    assert_int_equal(json_integer_value(json_object_get(content, "compression")), 3 - 20);
    assert_non_null(json_object_get(o, "cache"));
    json_decref(o);
    buf_free(&b);
    exchange_release(&x);
}

/* mimeType and redirectURL come from the first Content-Type and Location
 * of their side, in any case, and only from a name of exactly that word. */
static void test_mime_type_and_redirect_from_the_first_header(void **state)
{
    (void)state;
    struct exchange x;
    exchange_init(&x);
    x.id = strdup("h-1");
    x.req.method = strdup("POST");
    x.req.has_body = true;
    buf_puts(&x.req.body, "a");
    headers_add(&x.req.headers, "Content-Types", 13, "not/this", 8);
    headers_add(&x.req.headers, "content-TYPE", 12, "text/first", 10);
    headers_add(&x.req.headers, "Content-Type", 12, "text/second", 11);
    headers_add(&x.req.headers, "Location", 8, "/request/side", 13);
    x.resp.status = 302;
    headers_add(&x.resp.headers, "Locatio", 7, "/short", 6);
    headers_add(&x.resp.headers, "LOCATION", 8, "/first", 6);
    headers_add(&x.resp.headers, "Location", 8, "/second", 7);
    struct buf b = BUF_INIT;
    assert_int_equal(har_write_entry(&b, &x), CUT_OK);
    json_error_t je;
    json_t *o = json_loadb(b.data, b.len, 0, &je);
    assert_non_null(o);
    json_t *rq = json_object_get(o, "request"), *rs = json_object_get(o, "response");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(rq, "postData"), "mimeType")),
        "text/first");
    assert_string_equal(json_string_value(json_object_get(rs, "redirectURL")), "/first");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(rs, "content"), "mimeType")), "");
    json_decref(o);
    buf_free(&b);
    exchange_release(&x);
}

/* The record is a C string when written, and so is what a capped buffer
 * holds when the record did not fit, wherever it stopped. */
static void test_written_entry_is_terminated_even_when_cut(void **state)
{
    (void)state;
    struct exchange x;
    fill_exchange(&x);
    struct buf full = BUF_INIT;
    assert_int_equal(har_write_entry(&full, &x), CUT_OK);
    assert_int_equal(full.data[full.len], '\0');
    assert_int_equal(strlen(full.data), full.len);
    for (size_t cap = 1; cap < full.len + 2; cap++) {
        struct buf b;
        buf_init(&b, cap);
        enum cut_err e = har_write_entry(&b, &x);
        assert_int_equal(e, cap >= full.len ? CUT_OK : CUT_ELIMIT); /* max: len at most */
        assert_true(b.len <= full.len);
        assert_memory_equal(b.data, full.data, b.len);
        assert_int_equal(b.data[b.len], '\0');
        buf_free(&b);
    }
    buf_free(&full);
    exchange_release(&x);
}

static void test_round_trip_keeps_every_field(void **state)
{
    (void)state;
    struct exchange x, y;
    fill_exchange(&x);
    exchange_init(&y);
    struct buf b = BUF_INIT;
    har_write_entry(&b, &x);
    char err[128];
    assert_int_equal(har_parse_entry(b.data, b.len, &y, err, sizeof err), CUT_OK);
    assert_string_equal(y.id, x.id);
    assert_string_equal(y.req.target, x.req.target);
    assert_int_equal(y.req.body.len, x.req.body.len);
    assert_memory_equal(y.req.body.data, x.req.body.data, x.req.body.len);
    assert_int_equal(y.resp.body.len, 3);
    assert_memory_equal(y.resp.body.data, "\x00\xff\x01", 3);
    assert_string_equal(y.resp.compression, "gzip");
    assert_int_equal(y.resp.status, 201);
    assert_int_equal(y.req.headers.n, 3);
    assert_string_equal(y.req.headers.v[2].value, "2");
    assert_int_equal(y.started_us, x.started_us);
    assert_true(y.wait_ms > 12.24 && y.wait_ms < 12.26);
    assert_int_equal(y.flow, 7);
    assert_string_equal(y.client, "[::1]:5555");
    /* And writing y again gives the same bytes. */
    struct buf b2 = BUF_INIT;
    har_write_entry(&b2, &y);
    assert_int_equal(b2.len, b.len);
    assert_memory_equal(b2.data, b.data, b.len);
    buf_free(&b);
    buf_free(&b2);
    exchange_release(&x);
    exchange_release(&y);
}

static char *write_tmp(const char *content, size_t n)
{
    char *path = strdup("/tmp/test_har.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, n), (ssize_t)n);
    close(fd);
    return path;
}

static void test_reader_reports_bad_line_and_goes_on(void **state)
{
    (void)state;
    struct exchange x;
    fill_exchange(&x);
    struct buf f = BUF_INIT;
    har_write_entry(&f, &x);
    buf_puts(&f, "\n{not json}\n\n");
    har_write_entry(&f, &x);
    buf_puts(&f, "\n{\"_id\":\"torn");
    char *path = write_tmp(f.data, f.len);
    struct har_reader *r;
    assert_int_equal(har_reader_open(&r, path, 0), CUT_OK);
    assert_int_equal(har_reader_next(r, &x), CUT_OK);
    assert_int_equal(har_reader_next(r, &x), CUT_EPARSE);
    assert_non_null(strstr(har_reader_error(r), ":2: invalid JSON"));
    assert_int_equal(har_reader_next(r, &x), CUT_OK);
    assert_int_equal(har_reader_line(r), 4);
    assert_int_equal(har_reader_next(r, &x), CUT_EOF);
    assert_int_equal(har_reader_torn(r), 1);
    har_reader_free(r);
    unlink(path);
    free(path);
    buf_free(&f);
    exchange_release(&x);
}

static void test_reader_bounds_line_length(void **state)
{
    (void)state;
    struct buf f = BUF_INIT;
    for (int i = 0; i < 5000; i++) buf_putc(&f, 'x');
    buf_puts(&f, "\n{\"_id\":\"a\",\"request\":{\"method\":\"GET\",\"url\":\"http://h/p\"}}\n");
    char *path = write_tmp(f.data, f.len);
    struct har_reader *r;
    struct exchange x;
    exchange_init(&x);
    assert_int_equal(har_reader_open(&r, path, 1024), CUT_OK);
    assert_int_equal(har_reader_next(r, &x), CUT_EPARSE);
    assert_non_null(strstr(har_reader_error(r), "line longer than 1024 bytes"));
    assert_int_equal(har_reader_next(r, &x), CUT_OK);
    assert_string_equal(x.req.target, "/p");
    assert_int_equal(x.resp.status, 0);
    assert_int_equal(har_reader_next(r, &x), CUT_EOF);
    har_reader_free(r);
    unlink(path);
    free(path);
    buf_free(&f);
    exchange_release(&x);
}

static void test_reader_accepts_pretty_har_document(void **state)
{
    (void)state;
    const char *doc = "{\n  \"log\": {\"version\": \"1.2\", \"entries\": [\n"
                      "    {\"startedDateTime\": \"2024-01-02T03:04:05.678+01:00\",\n"
                      "     \"request\": {\"method\": \"GET\", \"url\": \"https://x.io/a?b=1\",\n"
                      "       \"headers\": []},\n"
                      "     \"response\": {\"status\": 200, \"headers\": [],\n"
                      "       \"content\": {\"text\": \"ok\"}}, \"timings\": {\"wait\": 5}}\n"
                      "  ]}\n}\n";
    char *path = write_tmp(doc, strlen(doc));
    struct har_reader *r;
    struct exchange x;
    exchange_init(&x);
    assert_int_equal(har_reader_open(&r, path, 0), CUT_OK);
    assert_int_equal(har_reader_next(r, &x), CUT_OK);
    assert_true(har_reader_is_document(r));
    assert_string_equal(x.id, "har-1");
    assert_string_equal(x.req.target, "/a?b=1");
    assert_string_equal(x.resp.body.data, "ok");
    assert_int_equal(x.started_us, 1704161045678000LL);
    assert_int_equal(har_reader_next(r, &x), CUT_EOF);
    har_reader_free(r);
    unlink(path);
    free(path);
    exchange_release(&x);
}

static void test_complete_last_line_without_newline_is_kept(void **state)
{
    (void)state;
    struct exchange x;
    fill_exchange(&x);
    struct buf f = BUF_INIT;
    har_write_entry(&f, &x);
    buf_putc(&f, '\n');
    har_write_entry(&f, &x); /* no newline after the last record */
    char *path = write_tmp(f.data, f.len);
    struct har_reader *r;
    assert_int_equal(har_reader_open(&r, path, 0), CUT_OK);
    assert_int_equal(har_reader_next(r, &x), CUT_OK);
    assert_int_equal(har_reader_next(r, &x), CUT_OK);
    assert_string_equal(x.id, "run1-7-2");
    assert_int_equal(har_reader_next(r, &x), CUT_EOF);
    assert_int_equal(har_reader_torn(r), 0);
    har_reader_free(r);
    unlink(path);
    free(path);
    buf_free(&f);
    exchange_release(&x);
}

static void test_one_line_document_with_a_bad_entry(void **state)
{
    (void)state;
    /* No newline at the end; the second entry lacks a request. */
    const char *doc = "{\"log\":{\"version\":\"1.2\",\"entries\":["
                      "{\"request\":{\"method\":\"GET\",\"url\":\"http://h/1\"}},"
                      "{\"response\":{\"status\":200}},"
                      "{\"_id\":\"z\",\"request\":{\"method\":\"PUT\",\"url\":\"http://h/3\"}}"
                      "],\"pages\":[]}}";
    char *path = write_tmp(doc, strlen(doc));
    struct har_reader *r;
    struct exchange x;
    exchange_init(&x);
    assert_int_equal(har_reader_open(&r, path, 0), CUT_OK);
    assert_int_equal(har_reader_next(r, &x), CUT_OK);
    assert_string_equal(x.id, "har-1");
    assert_int_equal(har_reader_next(r, &x), CUT_EPARSE);
    assert_non_null(strstr(har_reader_error(r), "entry 2: request"));
    assert_int_equal(har_reader_next(r, &x), CUT_OK);
    assert_string_equal(x.id, "z");
    assert_string_equal(x.req.method, "PUT");
    assert_int_equal(har_reader_next(r, &x), CUT_EOF);
    har_reader_free(r);
    unlink(path);
    free(path);
    exchange_release(&x);
}

static void test_bad_entries_say_why(void **state)
{
    (void)state;
    static const struct {
        const char *line, *why;
    } cases[] = {
        {"[1]", "not a JSON object"},
        {"{\"_id\":\"a\"}", "request: missing"},
        {"{\"request\":{\"url\":\"http://h/\"}}", "request: missing"},
        {"{\"request\":{\"method\":\"GET\",\"url\":\"/\",\"headers\":[{\"name\":\"A\"}]}}",
         "a header without a string name and value"},
        {"{\"request\":{\"method\":\"GET\",\"url\":\"/\",\"postData\":{\"text\":\"!!\","
         "\"_encoding\":\"base64\"}}}",
         "not valid base64"},
        {"{\"request\":{\"method\":\"GET\",\"url\":\"/\"}} trailing", "invalid JSON at column"},
        {"{\"request\":{\"method\":\"GET\",\"url\":\"/\",}}",
         "invalid JSON at column 38: expected a key"},
        /* JSON that breaks inside a header after its name: a JSON error, and
         * no header added from the half-read one (fuzz_har found it). */
        {"{\"request\":{\"method\":\"GET\",\"url\":\"/\",\"headers\":[{\"name\":\"A\" x}]}}",
         "invalid JSON at column 61: expected ',' or closing bracket"},
        /* Escaped names and values are decoded; a bad escape is a JSON error. */
        {"{\"request\":{\"method\":\"GET\",\"url\":\"/\",\"headers\":[{\"name\":\"A\\q\"}]}}",
         "invalid JSON at column 60: bad escape in string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct exchange x;
        char err[256] = "";
        exchange_init(&x);
        assert_int_equal(har_parse_entry(cases[i].line, strlen(cases[i].line), &x, err, sizeof err),
                         CUT_EPARSE);
        if (!strstr(err, cases[i].why)) fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].why);
        exchange_release(&x);
    }
}

static void test_skipping_the_response_keeps_the_request(void **state)
{
    (void)state;
    struct exchange x, y;
    fill_exchange(&x);
    exchange_init(&y);
    struct buf b = BUF_INIT;
    har_write_entry(&b, &x);
    char err[128];
    assert_int_equal(har_parse_entry_parts(b.data, b.len, &y, HAR_SKIP_RESPONSE, err, sizeof err),
                     CUT_OK);
    assert_string_equal(y.req.target, x.req.target);
    assert_int_equal(y.req.body.len, x.req.body.len);
    assert_int_equal(y.resp.status, 0);
    assert_int_equal(y.resp.headers.n, 0);
    assert_int_equal(y.resp.body.len, 0);
    assert_true(y.wait_ms > 12.24 && y.wait_ms < 12.26);
    /* A skipped part must still be well-formed. */
    const char *bad = "{\"request\":{\"method\":\"GET\",\"url\":\"/\"},\"response\":{\"status\":}}";
    assert_int_equal(
        har_parse_entry_parts(bad, strlen(bad), &y, HAR_SKIP_RESPONSE, err, sizeof err),
        CUT_EPARSE);
    buf_free(&b);
    exchange_release(&x);
    exchange_release(&y);
}

/* A header value is a C string (exchange.h): a decoded \u0000 ends it, as
 * it ended it for every reader of the value before value_len; a name keeps
 * its bytes. Escaped values without one keep their length. */
static void test_header_value_ends_at_a_decoded_nul(void **state)
{
    (void)state;
    struct exchange x;
    exchange_init(&x);
    const char *e = "{\"request\":{\"method\":\"GET\",\"url\":\"/\",\"headers\":["
                    "{\"name\":\"X-A\",\"value\":\"a\\u0000b\"},"
                    "{\"name\":\"X-B\",\"value\":\"q\\\"t\\\\\"},"
                    "{\"name\":\"X-C\",\"value\":\"plain\"}]}}";
    char err[128];
    assert_int_equal(har_parse_entry(e, strlen(e), &x, err, sizeof err), CUT_OK);
    assert_int_equal(x.req.headers.n, 3);
    assert_string_equal(x.req.headers.v[0].value, "a");
    assert_int_equal(x.req.headers.v[0].value_len, 1);
    assert_string_equal(x.req.headers.v[1].value, "q\"t\\");
    assert_int_equal(x.req.headers.v[1].value_len, 4);
    assert_int_equal(x.req.headers.v[2].value_len, 5);
    struct buf b = BUF_INIT;
    assert_int_equal(har_write_entry(&b, &x), CUT_OK);
    assert_non_null(strstr(b.data, "{\"name\":\"X-A\",\"value\":\"a\"}"));
    assert_non_null(strstr(b.data, "{\"name\":\"X-B\",\"value\":\"q\\\"t\\\\\"}"));
    buf_free(&b);
    exchange_release(&x);
}

/* A request body read from a JSON string that is what jsonw writes is
 * kept (body_json) and copied by the writer; the record written is the
 * one the escaping would give, also after the body changed (to bytes of
 * the same length) and for texts that are not kept (\/, \u, base64). */
static void test_request_text_copied_only_when_it_is_the_same(void **state)
{
    (void)state;
    static const struct {
        const char *text; /* the postData member's inside */
        bool kept;
    } cases[] = {
        {"\"text\":\"{\\\"to\\\":\\\"+1555\\\",\\\"n\\\":\\\"a\\\\\\\\b\\\\n\\\",\\\"t\\\":[1,2]}"
         "tail of the body, long enough\"",
         true},
        {"\"text\":\"plain \xc3\xa9 body with \\t tab and \\b\\f, \\r\\n\"", true},
        {"\"text\":\"a\\/b and more text after the slash\"", false},
        {"\"text\":\"\\u00e9 and \\u0041 and \\u001f\"", false},
        {"\"text\":\"aGVsbG8gd29ybGQ=\",\"_encoding\":\"base64\"", false},
        {"\"_encoding\":\"base64\",\"text\":\"aGVsbG8gd29ybGQ=\"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char e[1024];
        snprintf(e, sizeof e,
                 "{\"_id\":\"r%zu\",\"request\":{\"method\":\"POST\",\"url\":\"/x\",\"headers\":[],"
                 "\"postData\":{\"mimeType\":\"text/plain\",%s}},\"response\":{\"status\":200}}",
                 i, cases[i].text);
        struct exchange x;
        exchange_init(&x);
        char err[128];
        assert_int_equal(har_parse_entry(e, strlen(e), &x, err, sizeof err), CUT_OK);
        assert_int_equal(x.req.body_json.len > 0, cases[i].kept);
        struct buf w1 = BUF_INIT, w2 = BUF_INIT;
        assert_int_equal(har_write_entry(&w1, &x), CUT_OK);
        struct buf keep = x.req.body_json;
        x.req.body_json.len = 0; /* the escaping's record */
        assert_int_equal(har_write_entry(&w2, &x), CUT_OK);
        assert_string_equal(w1.data, w2.data);
        x.req.body_json = keep;
        /* the same length, other bytes: the kept string no longer stands */
        struct buf w0 = w1;
        w1 = (struct buf)BUF_INIT;
        x.req.body.data[0] = x.req.body.data[0] == 'Z' ? 'Y' : 'Z';
        buf_reset(&w2);
        assert_int_equal(har_write_entry(&w1, &x), CUT_OK);
        x.req.body_json.len = 0;
        assert_int_equal(har_write_entry(&w2, &x), CUT_OK);
        assert_string_equal(w1.data, w2.data);
        assert_string_not_equal(w1.data, w0.data);
        x.req.body_json = keep;
        buf_free(&w0);
        buf_free(&w1);
        buf_free(&w2);
        exchange_release(&x);
    }
}

/* Header objects as the writers put them are read by a shortcut; every
 * other form the member-by-member way. Both give the same headers, in
 * order, and the same errors. */
static void test_header_objects_of_every_form(void **state)
{
    (void)state;
    static const struct {
        const char *headers; /* the headers array */
        size_t n;
        const char *want[4][2];
    } ok[] = {
        {"[{\"name\":\"Host\",\"value\":\"a.example:8080\"},{\"name\":\"X\",\"value\":\"\"},"
         "{\"name\":\"\",\"value\":\"v\"}]",
         3,
         {{"Host", "a.example:8080"}, {"X", ""}, {"", "v"}}},
        {"[{\"name\":\"A\",\"value\":\"1\"},{\"value\":\"2\",\"name\":\"B\"},"
         "{\"name\":\"C\",\"x\":0,\"value\":\"3\"},{ \"name\" : \"D\" , \"value\" : \"4\" }]",
         4,
         {{"A", "1"}, {"B", "2"}, {"C", "3"}, {"D", "4"}}},
        {"[{\"name\":\"E\\u0041\",\"value\":\"q\\\"t\"},{\"name\":\"F\",\"value\":"
         "\"\xc3\xa9t\xc3\xa9\"},"
         "{\"name\":\"a long header name past 16\",\"value\":\"and a value longer than that "
         "too\"}]",
         3,
         {{"EA", "q\"t"},
          {"F", "\xc3\xa9t\xc3\xa9"},
          {"a long header name past 16", "and a value longer than that too"}}},
    };
    static const char *const bad[] = {
        "[{\"name\":\"A\",\"value\":\"v\"},{\"name\":\"B\"}]",
        "[{\"name\":\"A\",\"value\":\"v\"}",
        "[{\"name\":\"A\",\"value\":\"v\"}x]",
        "[{\"name\":\"A\",\"value\":\"v\x01\"}]",
        "[{\"name\":\"A\",\"value\":\"v\"},]",
        "[{\"name\":\"A\",\"value\":\"v\"]",
    };
    char e[1024], err[128];
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        snprintf(e, sizeof e, "{\"request\":{\"method\":\"GET\",\"url\":\"/\",\"headers\":%s}}",
                 ok[i].headers);
        struct exchange x;
        exchange_init(&x);
        assert_int_equal(har_parse_entry(e, strlen(e), &x, err, sizeof err), CUT_OK);
        assert_int_equal(x.req.headers.n, ok[i].n);
        for (size_t k = 0; k < ok[i].n; k++) {
            assert_string_equal(x.req.headers.v[k].name, ok[i].want[k][0]);
            assert_string_equal(x.req.headers.v[k].value, ok[i].want[k][1]);
            assert_int_equal(x.req.headers.v[k].value_len, strlen(ok[i].want[k][1]));
        }
        exchange_release(&x);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(e, sizeof e, "{\"request\":{\"method\":\"GET\",\"url\":\"/\",\"headers\":%s}}",
                 bad[i]);
        struct exchange x;
        exchange_init(&x);
        if (har_parse_entry(e, strlen(e), &x, err, sizeof err) != CUT_EPARSE)
            fail_msg("accepted: %s", bad[i]);
        exchange_release(&x);
    }
}

static void test_skipping_the_capture_facts(void **state)
{
    (void)state;
    struct exchange x, y;
    fill_exchange(&x);
    x.error = strdup("reset");
    x.lag_ms = 3;
    x.req.headers_size = 99;
    exchange_init(&y);
    struct buf b = BUF_INIT;
    har_write_entry(&b, &x);
    char err[128];
    assert_int_equal(har_parse_entry_parts(b.data, b.len, &y, HAR_SKIP_RESPONSE | HAR_SKIP_CAPTURE,
                                           err, sizeof err),
                     CUT_OK);
    /* What a replay sends and paces by is read... */
    assert_string_equal(y.id, "run1-7-2");
    assert_int_equal(y.started_us, x.started_us);
    assert_string_equal(y.req.method, "POST");
    assert_string_equal(y.req.url, x.req.url);
    assert_string_equal(y.req.version, "HTTP/1.1");
    assert_int_equal(y.req.headers.n, 3);
    assert_int_equal(y.req.body_size, x.req.body_size);
    assert_memory_equal(y.req.body.data, x.req.body.data, x.req.body.len);
    /* ...the capture's own facts are left as exchange_init leaves them. */
    assert_null(y.client);
    assert_null(y.server);
    assert_null(y.error);
    assert_int_equal(y.flow, -1);
    assert_int_equal(y.seq, -1);
    assert_true(y.send_ms == -1 && y.wait_ms == -1 && y.receive_ms == -1 && y.lag_ms == -1);
    assert_int_equal(y.req.headers_size, -1);
    /* Without the flag the same text gives them (the flag is what skips). */
    assert_int_equal(har_parse_entry_parts(b.data, b.len, &y, HAR_SKIP_RESPONSE, err, sizeof err),
                     CUT_OK);
    assert_string_equal(y.client, "[::1]:5555");
    assert_string_equal(y.error, "reset");
    assert_int_equal(y.seq, 2);
    assert_int_equal(y.req.headers_size, 99);
    /* Skipped members are still checked. */
    static const char *const bad[] = {
        "{\"_id\":\"a\",\"request\":{\"method\":\"GET\",\"url\":\"/\"},\"timings\":{\"send\":01}}",
        "{\"_id\":\"a\",\"request\":{\"method\":\"GET\",\"url\":\"/\"},\"_client\":\"\\x\"}",
        "{\"_id\":\"a\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"headersSize\":-}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(har_parse_entry_parts(bad[i], strlen(bad[i]), &y,
                                               HAR_SKIP_RESPONSE | HAR_SKIP_CAPTURE, err,
                                               sizeof err),
                         CUT_EPARSE);
    buf_free(&b);
    exchange_release(&x);
    exchange_release(&y);
}

/* Parsing into an exchange that holds a previous record (as replay does,
 * into the one the sender handed back) gives what parsing into a fresh one
 * gives, whatever the previous record had that this one lacks. */
static void test_parse_over_a_previous_record(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "{\"_id\":\"a\",\"startedDateTime\":\"2026-11-27T00:09:22.691717Z\",\"request\":{"
        "\"method\":"
        "\"POST\",\"url\":\"http://h/v1/x?q=1\",\"_target\":\"/v1/x?q=1\",\"httpVersion\":\"HTTP/"
        "1.1\",\"headers\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"},{"
        "\"name\":\"C\",\"value\":\"3\"}],\"postData\":{\"mimeType\":\"text/"
        "plain\",\"text\":\"body "
        "\\\"one\\\"\"}},\"response\":{\"status\":200,\"statusText\":\"OK\",\"headers\":[{\"name\":"
        "\"D\",\"value\":\"4\"}],\"content\":{\"size\":2,\"text\":\"ok\"}},\"_client\":\"c\","
        "\"_error\":\"e\"}",
        "{\"_id\":\"b\",\"request\":{\"method\":\"GET\",\"url\":\"http://h/\",\"headers\":[]}}",
        "{\"_id\":\"c\",\"request\":{\"method\":\"GET\",\"url\":\"http://h/y\",\"headers\":[{"
        "\"name\":\"E\",\"value\":\"5\"}]},\"response\":{\"status\":404,\"headers\":[],"
        "\"content\":{\"size\":0,\"text\":\"\"}}}",
        "{\"_id\":\"a-much-longer-id\",\"request\":{\"method\":\"DELETE\",\"method\":\"PUT\","
        "\"url\":\"http://h/a/much/longer/path\",\"headers\":[{\"name\":\"Authorization\","
        "\"value\":\"a long value here\"},{\"name\":\"X\",\"value\":\"\"},{\"name\":\"\","
        "\"value\":\"v\"},{\"name\":\"Y\",\"value\":\"\\u00e9\"}]}}",
        /* A long header where the record before had a short one and the
         * long one after it (a later kept pair is taken), and back. */
        "{\"_id\":\"d\",\"request\":{\"method\":\"GET\",\"url\":\"http://h/\",\"headers\":[{"
        "\"name\":\"S\",\"value\":\"1\"},{\"name\":\"X-A-Long-Header-Name\",\"value\":"
        "\"and a long value too\"}]}}",
        "{\"_id\":\"e\",\"request\":{\"method\":\"GET\",\"url\":\"http://h/\",\"headers\":[{"
        "\"name\":\"X-A-Long-Header-Name\",\"value\":\"and a long value too!\"},{\"name\":"
        "\"S\",\"value\":\"1\"},{\"name\":\"T\",\"value\":\"2\"}]}}",
        /* Strings of 4 to 7 bytes written over longer ones. */
        "{\"_id\":\"abcdef\",\"request\":{\"method\":\"OPTIONS\",\"url\":\"http://h/\","
        "\"headers\":[{\"name\":\"Host\",\"value\":\"h:8080\"}]}}",
    };
    /* Broken after some of the request was read: what it left must not
     * show in the next record (nor leak: valgrind runs this test). */
    static const char *const broken =
        "{\"_id\":\"zz\",\"request\":{\"method\":\"GET\",\"url\":\"u\",\"headers\":[{"
        "\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\"}]}}";
    const size_t n = sizeof lines / sizeof *lines;
    for (unsigned skip = 0; skip <= (HAR_SKIP_RESPONSE | HAR_SKIP_CAPTURE); skip++) {
        struct exchange reused;
        exchange_init(&reused);
        /* Every order of two: the later one over the earlier. */
        for (size_t i = 0; i < n * n; i++) {
            const char *first = lines[i / n], *second = lines[i % n];
            char err[128];
            struct exchange fresh;
            exchange_init(&fresh);
            assert_int_equal(
                har_parse_entry_parts(first, strlen(first), &reused, skip, err, sizeof err),
                CUT_OK);
            if (i % 2)
                assert_int_equal(
                    har_parse_entry_parts(broken, strlen(broken), &reused, skip, err, sizeof err),
                    CUT_EPARSE);
            assert_int_equal(
                har_parse_entry_parts(second, strlen(second), &reused, skip, err, sizeof err),
                CUT_OK);
            assert_int_equal(
                har_parse_entry_parts(second, strlen(second), &fresh, skip, err, sizeof err),
                CUT_OK);
            struct buf a = BUF_INIT, b = BUF_INIT;
            assert_int_equal(har_write_entry(&a, &reused), CUT_OK);
            assert_int_equal(har_write_entry(&b, &fresh), CUT_OK);
            assert_string_equal(a.data, b.data);
            assert_int_equal(reused.req.has_body, fresh.req.has_body);
            assert_int_equal(reused.req.headers.n, fresh.req.headers.n);
            assert_int_equal(reused.resp.headers.n, fresh.resp.headers.n);
            buf_free(&a);
            buf_free(&b);
            exchange_release(&fresh);
        }
        exchange_release(&reused);
    }
}

static void test_reader_names_missing_file(void **state)
{
    (void)state;
    struct har_reader *r;
    assert_int_equal(har_reader_open(&r, "/nonexistent/x.jsonl", 0), CUT_EIO);
    assert_null(r);
}

/* startedDateTime in the writers' form is read without strptime; other
 * forms strptime accepts still read the same. Expected values from
 * Python's calendar.timegm. */
static void test_started_times(void **state)
{
    (void)state;
    static const struct {
        const char *t;
        long long us;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59Z", -1000000},
        {"2024-02-29T12:00:00.5Z", 1709208000500000LL},
        {"2024-04-31T00:00:00Z", 1714521600000000LL}, /* the day after April 30 */
        {"2026-11-27T00:09:22.691717Z", 1795738162691717LL},
        {"2024-01-02T03:04:05+01:30", 1704159245000000LL},
        {"2024-1-2T03:04:05Z", 1704164645000000LL}, /* not canonical: strptime */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"_id\":\"a\",\"startedDateTime\":\"%s\",\"request\":{\"method\":\"GET\","
                 "\"url\":\"http://h/\"}}",
                 cases[i].t);
        struct exchange x;
        char err[256] = "";
        exchange_init(&x);
        assert_int_equal(har_parse_entry(line, strlen(line), &x, err, sizeof err), CUT_OK);
        if (x.started_us != cases[i].us) fail_msg("%s: %lld", cases[i].t, (long long)x.started_us);
        exchange_release(&x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_written_entry_is_valid_har),
        cmocka_unit_test(test_round_trip_keeps_every_field),
        cmocka_unit_test(test_reader_reports_bad_line_and_goes_on),
        cmocka_unit_test(test_reader_bounds_line_length),
        cmocka_unit_test(test_reader_accepts_pretty_har_document),
        cmocka_unit_test(test_complete_last_line_without_newline_is_kept),
        cmocka_unit_test(test_one_line_document_with_a_bad_entry),
        cmocka_unit_test(test_bad_entries_say_why),
        cmocka_unit_test(test_started_times),
        cmocka_unit_test(test_skipping_the_response_keeps_the_request),
        cmocka_unit_test(test_header_value_ends_at_a_decoded_nul),
        cmocka_unit_test(test_request_text_copied_only_when_it_is_the_same),
        cmocka_unit_test(test_header_objects_of_every_form),
        cmocka_unit_test(test_skipping_the_capture_facts),
        cmocka_unit_test(test_parse_over_a_previous_record),
        cmocka_unit_test(test_reader_names_missing_file),
        cmocka_unit_test(test_mime_type_and_redirect_from_the_first_header),
        cmocka_unit_test(test_written_entry_is_terminated_even_when_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
