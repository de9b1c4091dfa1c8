/* test_rewrite.c: replay/rewrite.c: target URL, Host, hop-by-hop headers,
 * --set-header/--drop-header, --rewrite-path backreferences, --set-json,
 * the marker header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "../replay/rewrite.h"

static void make_request(struct exchange *x, const char *method, const char *target,
                         const char *body)
{
    exchange_init(x);
    x->req.method = strdup(method);
    x->req.target = strdup(target);
    x->req.url = strdup("http://legacy.example");
    headers_add(&x->req.headers, "Host", 4, "legacy.example", 14);
    headers_add(&x->req.headers, "Connection", 10, "keep-alive, X-Hop", 17);
    headers_add(&x->req.headers, "X-Hop", 5, "1", 1);
    headers_add(&x->req.headers, "Keep-Alive", 10, "timeout=5", 9);
    headers_add(&x->req.headers, "Transfer-Encoding", 17, "chunked", 7);
    headers_add(&x->req.headers, "Content-Length", 14, "999", 3);
    headers_add(&x->req.headers, "Expect", 6, "100-continue", 12);
    headers_add(&x->req.headers, "Proxy-Authorization", 19, "x", 1);
    headers_add(&x->req.headers, "Accept-Encoding", 15, "gzip", 4);
    headers_add(&x->req.headers, "Authorization", 13, "Bearer prod", 11);
    if (body) {
        x->req.has_body = true;
        buf_puts(&x->req.body, body);
    }
}

static const char *hval(const struct exchange *x, const char *name)
{
    const struct header *h = headers_get(&x->req.headers, name);
    return h ? h->value : NULL;
}

static void test_target_parse(void **state)
{
    (void)state;
    struct rewrite_target t;
    char err[256];
    assert_int_equal(rewrite_target_parse(&t, "https://new.example:8443/api/", err, sizeof err),
                     CUT_OK);
    assert_string_equal(t.base, "https://new.example:8443");
    assert_int_equal(t.base_len, strlen(t.base));
    assert_int_equal(t.authority_len, strlen(t.authority));
    assert_int_equal(t.prefix_len, strlen(t.prefix));
    assert_string_equal(t.authority, "new.example:8443");
    assert_string_equal(t.prefix, "/api");
    assert_true(t.https);
    rewrite_target_release(&t);
    assert_int_equal(rewrite_target_parse(&t, "http://10.0.0.1", err, sizeof err), CUT_OK);
    assert_string_equal(t.authority, "10.0.0.1");
    assert_string_equal(t.prefix, "");
    rewrite_target_release(&t);
    assert_int_equal(rewrite_target_parse(&t, "ftp://x", err, sizeof err), CUT_EINVAL);
    assert_non_null(strstr(err, "http or https"));
    assert_int_equal(rewrite_target_parse(&t, "not a url", err, sizeof err), CUT_EINVAL);
}

static void test_url_host_and_hop_headers(void **state)
{
    (void)state;
    struct rewrite rw;
    struct rewrite_target t;
    struct exchange x;
    char err[256];
    assert_int_equal(rewrite_init(&rw), CUT_OK);
    assert_int_equal(rewrite_set_mark(&rw, "X-Cutover-Replay", "abc123"), CUT_OK);
    assert_int_equal(rewrite_target_parse(&t, "http://127.0.0.1:9000/p", err, sizeof err), CUT_OK);
    make_request(&x, "GET", "http://legacy.example/v1/sms?to=1#frag", NULL);
    assert_int_equal(rewrite_request(&rw, &x.req), CUT_OK);
    assert_int_equal(rewrite_for_target(&rw, &t, &x.req), CUT_OK);
    assert_string_equal(x.req.target, "/v1/sms?to=1");
    assert_string_equal(x.req.url, "http://127.0.0.1:9000/p/v1/sms?to=1");
    assert_string_equal(hval(&x, "Host"), "127.0.0.1:9000");
    const char *gone[] = {"Connection",     "X-Hop",  "Keep-Alive",         "Transfer-Encoding",
                          "Content-Length", "Expect", "Proxy-Authorization"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) assert_null(hval(&x, gone[i]));
    assert_string_equal(hval(&x, "Accept-Encoding"), "gzip");
    assert_string_equal(hval(&x, "Authorization"), "Bearer prod");
    assert_string_equal(hval(&x, "X-Cutover-Replay"), "abc123");
    exchange_release(&x);
    rw.preserve_host = true;
    make_request(&x, "GET", "/", NULL);
    rewrite_request(&rw, &x.req);
    rewrite_for_target(&rw, &t, &x.req);
    assert_string_equal(hval(&x, "Host"), "legacy.example");
    exchange_release(&x);
    rewrite_target_release(&t);
    rewrite_release(&rw);
}

/* Every hop-by-hop name in any case is one, a name of the same length
 * that differs is not, and a Connection header after other hop headers
 * (one pass drops them, then meets it) takes the headers its first
 * occurrence names, wherever they are, as when it came first. */
static void test_hop_names_and_connection_anywhere(void **state)
{
    (void)state;
    static const char *const hop[] = {
        "Connection",       "keep-alive", "TRANSFER-ENCODING",  "te",
        "Upgrade",          "trailer",    "Content-Length",     "EXPECT",
        "Proxy-Connection", "proxy-x",    "Proxy-Authorization"};
    static const char *const not_hop[] = {"Connectiom", "Keep-Alivf", "Transfer-Encodinh", "TF",
                                          "Upgrada",    "Trailex",    "Content-Type",      "Expecu",
                                          "Proxy",      "Host",       "X-Proxy-Id",        ""};
    for (size_t i = 0; i < sizeof hop / sizeof *hop; i++)
        if (!rewrite_is_hop_header(hop[i])) fail_msg("%s is hop-by-hop", hop[i]);
    for (size_t i = 0; i < sizeof not_hop / sizeof *not_hop; i++)
        if (rewrite_is_hop_header(not_hop[i])) fail_msg("%s is not hop-by-hop", not_hop[i]);

    struct rewrite rw;
    struct exchange x;
    assert_int_equal(rewrite_init(&rw), CUT_OK);
    assert_int_equal(rewrite_set_mark(&rw, "X-Mark", "m"), CUT_OK);
    exchange_init(&x);
    static const char *const in[][2] = {
        {"X-Before", "1"},        {"Keep-Alive", "t"},
        {"Accept", "*/*"},        {"connection", "x-before, X-After"},
        {"X-Keep", "k"},          {"X-After", "2"},
        {"Connection", "X-Keep"}, {"Content-Length", "3"},
        {"Proxy-Foo", "p"},       {"X-Last", "l"}};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        headers_add(&x.req.headers, in[i][0], strlen(in[i][0]), in[i][1], strlen(in[i][1]));
    assert_int_equal(rewrite_request(&rw, &x.req), CUT_OK);
    /* The second Connection header goes too; X-Keep, which only it names, stays. */
    static const char *const want[] = {"Accept", "X-Keep", "X-Last", "X-Mark"};
    assert_int_equal(x.req.headers.n, sizeof want / sizeof *want);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        assert_string_equal(x.req.headers.v[i].name, want[i]);
    exchange_release(&x);
    rewrite_release(&rw);
}

/* Without --rewrite-path an origin-form target is kept as it is (a
 * fragment still goes); the target's URL is written over the recorded one
 * when that is long enough, and is right either way. */
static void test_origin_form_target_and_url_in_place(void **state)
{
    (void)state;
    struct rewrite rw;
    struct rewrite_target t;
    struct exchange x;
    char err[256];
    assert_int_equal(rewrite_init(&rw), CUT_OK);
    assert_int_equal(rewrite_target_parse(&t, "http://10.1.2.3:81", err, sizeof err), CUT_OK);
    make_request(&x, "GET", "/v1/a?b=1", NULL);
    free(x.req.url);
    x.req.url = strdup("http://legacy.example:8080/v1/a?b=1");
    const char *target = x.req.target, *url = x.req.url;
    assert_int_equal(rewrite_request(&rw, &x.req), CUT_OK);
    assert_ptr_equal(x.req.target, target);
    assert_string_equal(x.req.target, "/v1/a?b=1");
    assert_int_equal(rewrite_for_target(&rw, &t, &x.req), CUT_OK);
    assert_ptr_equal(x.req.url, url);
    assert_string_equal(x.req.url, "http://10.1.2.3:81/v1/a?b=1");
    exchange_release(&x);
    make_request(&x, "GET", "/v1/a#frag", NULL); /* recorded URL "http://legacy.example" */
    assert_int_equal(rewrite_request(&rw, &x.req), CUT_OK);
    assert_string_equal(x.req.target, "/v1/a");
    assert_int_equal(rewrite_for_target(&rw, &t, &x.req), CUT_OK);
    assert_string_equal(x.req.url, "http://10.1.2.3:81/v1/a");
    exchange_release(&x);
    make_request(&x, "GET", "/v1/a", NULL);
    free(x.req.url);
    x.req.url = strdup("http://s/"); /* too short: a new URL */
    assert_int_equal(rewrite_request(&rw, &x.req), CUT_OK);
    assert_int_equal(rewrite_for_target(&rw, &t, &x.req), CUT_OK);
    assert_string_equal(x.req.url, "http://10.1.2.3:81/v1/a");
    exchange_release(&x);
    rewrite_target_release(&t);
    rewrite_release(&rw);
}

static void test_set_and_drop_headers_marker_always_present(void **state)
{
    (void)state;
    struct rewrite rw;
    struct exchange x;
    rewrite_init(&rw);
    assert_int_equal(rewrite_add_set_header(&rw, "Authorization: Bearer sandbox"), CUT_OK);
    assert_int_equal(rewrite_add_set_header(&rw, "X-Empty:"), CUT_OK);
    assert_int_equal(rewrite_add_drop_header(&rw, "accept-encoding"), CUT_OK);
    assert_int_equal(rewrite_add_drop_header(&rw, "X-Shadow"), CUT_OK);
    assert_int_equal(rewrite_add_set_header(&rw, "no colon"), CUT_EINVAL);
    assert_int_equal(rewrite_set_mark(&rw, "X-Shadow: yes", NULL), CUT_OK);
    make_request(&x, "GET", "/", NULL);
    rewrite_request(&rw, &x.req);
    assert_string_equal(hval(&x, "Authorization"), "Bearer sandbox");
    assert_string_equal(hval(&x, "X-Empty"), "");
    assert_null(hval(&x, "Accept-Encoding"));
    /* dropping the marker's name does not remove the marker */
    assert_string_equal(hval(&x, "X-Shadow"), "yes");
    exchange_release(&x);
    rewrite_release(&rw);
}

static void test_rewrite_path_backreferences(void **state)
{
    (void)state;
    struct rewrite rw;
    char err[256];
    rewrite_init(&rw);
    assert_int_equal(
        rewrite_add_path(&rw, "^/v1/(sms|email)/([0-9]+)$=/api/v2/\\1/id-\\2", err, sizeof err),
        CUT_OK);
    assert_int_equal(rewrite_add_path(&rw, "a\\=b=eq", err, sizeof err), CUT_OK);
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"/v1/sms/42", "/api/v2/sms/id-42"},
        {"/v1/email/7", "/api/v2/email/id-7"},
        {"/v1/push/7", "/v1/push/7"},
        {"/x/a=b/y", "/x/eq/y"},
    };
    struct buf out = BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(rewrite_path(&rw, cases[i].in, strlen(cases[i].in), &out), CUT_OK);
        assert_string_equal(out.data, cases[i].out);
    }
    /* the query is kept and not rewritten */
    struct exchange x;
    make_request(&x, "GET", "/v1/sms/42?id=1", NULL);
    rewrite_request(&rw, &x.req);
    assert_string_equal(x.req.target, "/api/v2/sms/id-42?id=1");
    exchange_release(&x);
    assert_int_equal(rewrite_add_path(&rw, "noequals", err, sizeof err), CUT_EINVAL);
    assert_int_equal(rewrite_add_path(&rw, "([=x", err, sizeof err), CUT_EINVAL);
    buf_free(&out);
    rewrite_release(&rw);
}

static void test_set_json_rewrites_recipients(void **state)
{
    (void)state;
    struct rewrite rw;
    char err[256];
    rewrite_init(&rw);
    assert_int_equal(rewrite_add_json(&rw, "$.to=+15550100000", err, sizeof err), CUT_OK);
    assert_int_equal(rewrite_add_json(&rw, "$..email=\"sink@example.test\"", err, sizeof err),
                     CUT_OK);
    assert_int_equal(rewrite_add_json(&rw, "$.priority=5", err, sizeof err), CUT_OK);
    struct exchange x;
    make_request(&x, "POST", "/v1/sms",
                 "{\"to\":\"+447700900123\",\"priority\":1,"
                 "\"cc\":[{\"email\":\"a@b.c\"},{\"email\":\"d@e.f\"}],\"text\":\"hi\"}");
    assert_int_equal(rewrite_request(&rw, &x.req), CUT_OK);
    json_error_t je;
    json_t *o = json_loadb(x.req.body.data, x.req.body.len, 0, &je);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "to")), "+15550100000");
    assert_int_equal(json_integer_value(json_object_get(o, "priority")), 5);
    json_t *cc = json_object_get(o, "cc");
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(cc, i), "email")),
                            "sink@example.test");
    assert_string_equal(json_string_value(json_object_get(o, "text")), "hi");
    assert_int_equal(x.req.body_size, (int64_t)x.req.body.len);
    json_decref(o);
    exchange_release(&x);
    /* a body that is not JSON is left as it is and counted */
    make_request(&x, "POST", "/v1/sms", "to=+447700900123");
    rewrite_request(&rw, &x.req);
    assert_string_equal(x.req.body.data, "to=+447700900123");
    assert_int_equal(rw.json_not_json, 1);
    assert_int_equal(rw.json_rewritten, 1);
    exchange_release(&x);
    assert_int_equal(rewrite_add_json(&rw, "to=1", err, sizeof err), CUT_EINVAL);
    rewrite_release(&rw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_parse),
        cmocka_unit_test(test_url_host_and_hop_headers),
        cmocka_unit_test(test_hop_names_and_connection_anywhere),
        cmocka_unit_test(test_origin_form_target_and_url_in_place),
        cmocka_unit_test(test_set_and_drop_headers_marker_always_present),
        cmocka_unit_test(test_rewrite_path_backreferences),
        cmocka_unit_test(test_set_json_rewrites_recipients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
