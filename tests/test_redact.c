/* test_redact.c: capture/redact.c: default and added headers, JSON paths,
 * keyed deterministic tokens, key files, truncated bodies withheld. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/redact.h"
#include "cutover/sha256.h"

static void make(struct exchange *x, const char *req_body, const char *resp_body)
{
    exchange_init(x);
    headers_add(&x->req.headers, "Host", 4, "h", 1);
    headers_add(&x->req.headers, "authorization", 13, "Bearer s3cret", 13);
    headers_add(&x->req.headers, "Cookie", 6, "sid=1", 5);
    headers_add(&x->req.headers, "X-Tenant", 8, "acme", 4);
    headers_add(&x->resp.headers, "Set-Cookie", 10, "sid=2; Path=/", 13);
    headers_add(&x->resp.headers, "Content-Type", 12, "application/json", 16);
    if (req_body) buf_puts(&x->req.body, req_body);
    if (resp_body) buf_puts(&x->resp.body, resp_body);
}

static const char *hval(const struct headers *h, const char *name)
{
    const struct header *v = headers_get(h, name);
    return v ? v->value : NULL;
}

static void test_token_is_hmac_prefix(void **state)
{
    (void)state;
    struct redactor *r;
    assert_int_equal(redact_new(&r), CUT_OK);
    assert_int_equal(redact_set_key(r, "Jefe", 4), CUT_OK);
    char tok[REDACT_TOKEN_LEN + 1];
    redact_token(r, "what do ya want for nothing?", 28, tok);
    /* RFC 4231 test case 2 starts 5bdcc146bf60754e. */
    assert_string_equal(tok, "redacted:5bdcc146bf60754e");
    redact_free(r);
}

static void test_default_and_added_headers(void **state)
{
    (void)state;
    struct redactor *r;
    assert_int_equal(redact_new(&r), CUT_OK);
    assert_int_equal(redact_add_header(r, "x-tenant"), CUT_OK);
    struct exchange x;
    make(&x, NULL, NULL);
    assert_int_equal(redact_exchange(r, &x), CUT_OK);
    char tok[REDACT_TOKEN_LEN + 1];
    redact_token(r, "Bearer s3cret", 13, tok);
    assert_string_equal(hval(&x.req.headers, "Authorization"), tok);
    assert_non_null(strstr(hval(&x.req.headers, "Cookie"), "redacted:"));
    assert_non_null(strstr(hval(&x.req.headers, "X-Tenant"), "redacted:"));
    assert_non_null(strstr(hval(&x.resp.headers, "Set-Cookie"), "redacted:"));
    assert_string_equal(hval(&x.req.headers, "Host"), "h");
    assert_string_equal(hval(&x.resp.headers, "Content-Type"), "application/json");
    assert_int_equal(redact_stats(r)->headers, 4);
    exchange_release(&x);
    redact_free(r);
}

static void test_equal_values_equal_tokens_and_key_matters(void **state)
{
    (void)state;
    struct redactor *a, *b;
    assert_int_equal(redact_new(&a), CUT_OK);
    assert_int_equal(redact_new(&b), CUT_OK);
    char t1[REDACT_TOKEN_LEN + 1], t2[REDACT_TOKEN_LEN + 1], t3[REDACT_TOKEN_LEN + 1];
    redact_token(a, "v", 1, t1);
    redact_token(a, "v", 1, t2);
    redact_token(b, "v", 1, t3);
    assert_string_equal(t1, t2);
    assert_string_not_equal(t1, t3); /* two random keys */
    assert_int_equal(strlen(t1), REDACT_TOKEN_LEN);
    redact_free(a);
    redact_free(b);
}

static void test_json_paths_in_both_bodies(void **state)
{
    (void)state;
    struct redactor *r;
    char err[128];
    assert_int_equal(redact_new(&r), CUT_OK);
    assert_int_equal(redact_set_key(r, "k", 1), CUT_OK);
    assert_int_equal(redact_add_json(r, "$.to", err, sizeof err), CUT_OK);
    assert_int_equal(redact_add_json(r, "$..pin", err, sizeof err), CUT_OK);
    assert_int_equal(redact_add_json(r, "$.list[*].n", err, sizeof err), CUT_OK);
    assert_int_equal(redact_add_json(r, "header:X-Tenant", err, sizeof err), CUT_OK);
    assert_int_equal(redact_add_json(r, "$.[", err, sizeof err), CUT_EPARSE);
    struct exchange x;
    make(&x,
         "{\"to\": \"+15550100\", \"text\": \"hi\", \"a\": {\"pin\": 1234},"
         " \"list\": [{\"n\": 1}, {\"n\": 1}]}",
         "{\"to\":\"+15550100\",\"id\":\"m1\"}");
    assert_int_equal(redact_exchange(r, &x), CUT_OK);
    char to[REDACT_TOKEN_LEN + 1], pin[REDACT_TOKEN_LEN + 1], one[REDACT_TOKEN_LEN + 1];
    redact_token(r, "+15550100", 9, to);
    redact_token(r, "1234", 4, pin);
    redact_token(r, "1", 1, one);
    char want[512];
    snprintf(want, sizeof want,
             "{\"to\":\"%s\",\"text\":\"hi\",\"a\":{\"pin\":\"%s\"},\"list\":[{\"n\":\"%s\"},"
             "{\"n\":\"%s\"}]}",
             to, pin, one, one);
    assert_string_equal(x.req.body.data, want);
    snprintf(want, sizeof want, "{\"to\":\"%s\",\"id\":\"m1\"}", to);
    assert_string_equal(x.resp.body.data, want);
    assert_int_equal(redact_stats(r)->json_values, 5);
    assert_non_null(strstr(hval(&x.req.headers, "X-Tenant"), "redacted:"));
    exchange_release(&x);
    redact_free(r);
}

static void test_unparseable_left_and_truncated_withheld(void **state)
{
    (void)state;
    struct redactor *r;
    char err[128];
    assert_int_equal(redact_new(&r), CUT_OK);
    assert_int_equal(redact_add_json(r, "$.to", err, sizeof err), CUT_OK);
    struct exchange x;
    make(&x, "to=+1555 (form)", "{\"to\":\"+1555\",\"cut her");
    x.resp.body_truncated = true;
    assert_int_equal(redact_exchange(r, &x), CUT_OK);
    assert_string_equal(x.req.body.data, "to=+1555 (form)");
    assert_int_equal(x.resp.body.len, 0);
    assert_int_equal(redact_stats(r)->json_unparsed, 1);
    assert_int_equal(redact_stats(r)->bodies_withheld, 1);
    exchange_release(&x);
    redact_free(r);
}

static void test_key_file(void **state)
{
    (void)state;
    char path[] = "/tmp/cutover-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "Jefe\n", 5), 5);
    close(fd);
    struct redactor *r;
    char err[256];
    assert_int_equal(redact_new(&r), CUT_OK);
    assert_int_equal(redact_key_file(r, path, err, sizeof err), CUT_OK);
    char tok[REDACT_TOKEN_LEN + 1];
    redact_token(r, "what do ya want for nothing?", 28, tok);
    assert_string_equal(tok, "redacted:5bdcc146bf60754e");
    unlink(path);
    assert_int_equal(redact_key_file(r, path, err, sizeof err), CUT_EINVAL);
    assert_non_null(strstr(err, path));
    redact_free(r);
}

/* The token cache must give what the HMAC gives, also for values that
 * share a cache slot and for values too long to cache. */
static void test_cached_tokens_equal_fresh_hmacs(void **state)
{
    (void)state;
    struct redactor *r;
    assert_int_equal(redact_new(&r), CUT_OK);
    assert_int_equal(redact_set_key(r, "k3y", 3), CUT_OK);
    char big[400];
    memset(big, 'x', sizeof big);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 500; i++) {
            char v[32], tok[REDACT_TOKEN_LEN + 1], want[REDACT_TOKEN_LEN + 1];
            int n = snprintf(v, sizeof v, "Bearer t%d", i);
            const char *val = i == 499 ? big : v;
            size_t len = i == 499 ? sizeof big : (size_t)n;
            uint8_t mac[SHA256_LEN];
            hmac_sha256("k3y", 3, val, len, mac);
            int k = snprintf(want, sizeof want, "%s", REDACT_PREFIX);
            for (int b = 0; b < 8; b++)
                k += snprintf(want + k, sizeof want - (size_t)k, "%02x", mac[b]);
            redact_token(r, val, len, tok);
            if (strcmp(tok, want) != 0) fail_msg("pass %d value %d: %s != %s", pass, i, tok, want);
        }
    }
    redact_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_is_hmac_prefix),
        cmocka_unit_test(test_default_and_added_headers),
        cmocka_unit_test(test_equal_values_equal_tokens_and_key_matters),
        cmocka_unit_test(test_json_paths_in_both_bodies),
        cmocka_unit_test(test_unparseable_left_and_truncated_withheld),
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_cached_tokens_equal_fresh_hmacs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
