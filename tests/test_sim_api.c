/* test_sim_api.c: the simulator's text rules (tests/sim/sim_sms.c) and API
 * (tests/sim/sim_api.c): segment boundaries, E.164, batch 207, the seeded
 * regressions and the two flavors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/sim/sim_api.h"
#include "../tests/sim/sim_sms.h"

/* n copies of the UTF-8 character ch. */
static char *repeat(const char *ch, size_t n)
{
    size_t l = strlen(ch);
    char *s = malloc(l * n + 1);
    for (size_t i = 0; i < n; i++) memcpy(s + i * l, ch, l);
    s[l * n] = '\0';
    return s;
}

static void test_segment_boundaries(void **state)
{
    (void)state;
    static const struct {
        const char *ch;
        size_t n;
        enum sim_sms_encoding enc;
        size_t units;
        unsigned segs;
    } rows[] = {
        {"a", 160, SIM_SMS_GSM7, 160, 1}, /* GSM-7 fits one */
        {"a", 161, SIM_SMS_GSM7, 161, 2}, /* 161 = 153 + 8 */
        {"a", 306, SIM_SMS_GSM7, 306, 2}, /* 2 * 153 */
        {"a", 307, SIM_SMS_GSM7, 307, 3},
        {"{", 80, SIM_SMS_GSM7, 160, 1}, /* extension: escape + char */
        {"{", 81, SIM_SMS_GSM7, 162, 2},
        {"\xc3\xa9", 160, SIM_SMS_GSM7, 160, 1},   /* é is in the default alphabet */
        {"\xe4\xb8\xad", 70, SIM_SMS_UCS2, 70, 1}, /* 中 */
        {"\xe4\xb8\xad", 71, SIM_SMS_UCS2, 71, 2}, /* 71 = 67 + 4 */
        {"\xe4\xb8\xad", 134, SIM_SMS_UCS2, 134, 2},
        {"\xe4\xb8\xad", 135, SIM_SMS_UCS2, 135, 3},
        {"\xf0\x9f\x98\x80", 35, SIM_SMS_UCS2, 70, 1}, /* 😀: a surrogate pair */
        {"\xf0\x9f\x98\x80", 36, SIM_SMS_UCS2, 72, 2},
        {"`", 10, SIM_SMS_UCS2, 10, 1}, /* the backtick has no GSM-7 code */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *s = repeat(rows[i].ch, rows[i].n);
        enum sim_sms_encoding enc;
        size_t units = sim_sms_units(s, strlen(s), &enc);
        assert_int_equal(enc, rows[i].enc);
        assert_int_equal(units, rows[i].units);
        assert_int_equal(sim_sms_segments(units, enc), rows[i].segs);
        free(s);
    }
}

static void test_one_chinese_character_makes_text_ucs2(void **state)
{
    (void)state;
    char *s = repeat("a", 100);
    char text[200];
    snprintf(text, sizeof text, "%s\xe4\xb8\xad", s);
    enum sim_sms_encoding enc;
    size_t units = sim_sms_units(text, strlen(text), &enc);
    assert_int_equal(enc, SIM_SMS_UCS2);
    assert_int_equal(units, 101);
    assert_int_equal(sim_sms_segments(units, enc), 2); /* fits GSM-7, not UCS-2 */
    free(s);
}

static void test_e164(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
    } rows[] = {
        {"+4915112345678", true},
        {"+12345678", true},
        {"+123456789012345", true},
        {"+1234567", false},
        {"+1234567890123456", false},
        {"4915112345678", false},
        {"+0123456789", false},
        {"+49 151 1234567", false},
        {"+49151a2345678", false},
        {"+", false},
        {"", false},
        {NULL, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(sim_e164_valid(rows[i].s), rows[i].ok);
}

static void test_regress_list(void **state)
{
    (void)state;
    unsigned m;
    char err[128];
    assert_int_equal(sim_regress_parse("status,latency", &m, err, sizeof err), CUT_OK);
    assert_int_equal(m, SIM_REGRESS_STATUS | SIM_REGRESS_LATENCY);
    assert_int_equal(sim_regress_parse("", &m, err, sizeof err), CUT_OK);
    assert_int_equal(m, 0);
    assert_int_equal(sim_regress_parse("none", &m, err, sizeof err), CUT_OK);
    assert_int_equal(m, 0);
    assert_int_equal(sim_regress_parse("order,bogus", &m, err, sizeof err), CUT_EINVAL);
    assert_non_null(strstr(err, "bogus"));
}

/* One request through the API; returns the parsed body (or NULL). */
static json_t *call(struct sim_api *api, const char *method, const char *target, const char *body,
                    int *status, struct sim_http_resp *keep)
{
    struct sim_http_req req;
    memset(&req, 0, sizeof req);
    snprintf(req.method, sizeof req.method, "%s", method);
    req.target = strdup(target);
    headers_init(&req.headers);
    buf_init(&req.body, 0);
    if (body) {
        headers_add(&req.headers, "Content-Type", 12, "application/json", 16);
        buf_puts(&req.body, body);
    }
    struct sim_http_resp resp;
    memset(&resp, 0, sizeof resp);
    headers_init(&resp.headers);
    buf_init(&resp.body, 0);
    sim_api_handle(api, &req, &resp);
    *status = resp.status;
    json_t *j = json_loadb(resp.body.data, resp.body.len, 0, NULL);
    free(req.target);
    headers_release(&req.headers);
    buf_free(&req.body);
    if (keep) {
        *keep = resp;
    } else {
        headers_release(&resp.headers);
        buf_free(&resp.body);
    }
    return j;
}

static struct sim_api *api_with(enum sim_flavor flavor, unsigned regress)
{
    struct sim_api_opts o = {.flavor = flavor, .regress = regress};
    struct sim_api *a = sim_api_new(&o);
    assert_non_null(a);
    return a;
}

static void test_batch_answers_207_with_per_item_results(void **state)
{
    (void)state;
    struct sim_api *a = api_with(SIM_FLAVOR_LEGACY, 0);
    int st;
    json_t *j =
        call(a, "POST", "/v1/batch",
             "{\"messages\":[{\"channel\":\"sms\",\"to\":\"+4915112345678\",\"text\":\"hi\"},"
             "{\"channel\":\"sms\",\"to\":\"0151\",\"text\":\"hi\"},"
             "{\"channel\":\"fax\"}]}",
             &st, NULL);
    assert_int_equal(st, 207);
    assert_int_equal(json_integer_value(json_object_get(j, "accepted")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "rejected")), 2);
    json_t *r = json_object_get(j, "results");
    assert_int_equal(json_array_size(r), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "status")), 201);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 1), "status")), 400);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 2), "status")), 422);
    json_decref(j);
    j = call(a, "POST", "/v1/batch", "{\"messages\":[]}", &st, NULL);
    assert_int_equal(st, 422);
    json_decref(j);
    sim_api_free(a);
}

static void test_messages_known_and_unknown(void **state)
{
    (void)state;
    struct sim_api *a = api_with(SIM_FLAVOR_LEGACY, 0);
    int st;
    json_t *j =
        call(a, "POST", "/v1/sms", "{\"to\":\"+4915112345678\",\"text\":\"hello\"}", &st, NULL);
    assert_int_equal(st, 201);
    assert_int_equal(json_integer_value(json_object_get(j, "segments")), 1);
    char path[128];
    snprintf(path, sizeof path, "/v1/messages/%s",
             json_string_value(json_object_get(j, "message_id")));
    json_decref(j);
    j = call(a, "GET", path, NULL, &st, NULL);
    assert_int_equal(st, 200);
    assert_string_equal(json_string_value(json_object_get(j, "channel")), "sms");
    json_decref(j);
    j = call(a, "GET", "/v1/messages/msg_00000000000000000000000000000000", NULL, &st, NULL);
    assert_int_equal(st, 404);
    assert_non_null(json_object_get(j, "error"));
    json_decref(j);
    j = call(a, "DELETE", "/v1/sms", NULL, &st, NULL);
    assert_int_equal(st, 405);
    json_decref(j);
    sim_api_free(a);
}

static void test_regressions_change_what_they_say(void **state)
{
    (void)state;
    /* 100 Chinese characters: 2 UCS-2 segments, but 1 by the GSM-7 limits. */
    char *zh = repeat("\xe4\xb8\xad", 100), body[512];
    snprintf(body, sizeof body, "{\"to\":\"+4915112345678\",\"text\":\"%s\"}", zh);
    free(zh);
    static const char email[] = "{\"to\":\"a@example.com\",\"subject\":\"s\",\"text\":\"t\"}";
    int st;
    struct sim_api *good = api_with(SIM_FLAVOR_NEW, 0);
    struct sim_api *bad = api_with(SIM_FLAVOR_NEW, SIM_REGRESS_STATUS | SIM_REGRESS_SEGMENTS |
                                                       SIM_REGRESS_DROP | SIM_REGRESS_ORDER);
    json_t *j = call(good, "POST", "/v1/sms", body, &st, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "segments")), 2);
    json_decref(j);
    j = call(bad, "POST", "/v1/sms", body, &st, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "segments")), 1);
    json_decref(j);
    j = call(good, "POST", "/v1/sms", "{\"to\":\"12\",\"text\":\"x\"}", &st, NULL);
    assert_int_equal(st, 400);
    json_decref(j);
    j = call(bad, "POST", "/v1/sms", "{\"to\":\"12\",\"text\":\"x\"}", &st, NULL);
    assert_int_equal(st, 422);
    json_decref(j);
    j = call(good, "POST", "/v1/email", email, &st, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "recipient")), "a@example.com");
    json_decref(j);
    j = call(bad, "POST", "/v1/email", email, &st, NULL);
    assert_int_equal(st, 202);
    assert_null(json_object_get(j, "recipient"));
    json_decref(j);
    json_t *t1 = call(good, "GET", "/v1/templates", NULL, &st, NULL);
    json_t *t2 = call(bad, "GET", "/v1/templates", NULL, &st, NULL);
    json_t *l1 = json_object_get(t1, "templates"), *l2 = json_object_get(t2, "templates");
    size_t n = json_array_size(l1);
    assert_true(n > 2);
    assert_true(json_equal(json_array_get(l1, 0), json_array_get(l2, n - 1)));
    assert_false(json_equal(l1, l2));
    json_decref(t1);
    json_decref(t2);
    sim_api_free(good);
    sim_api_free(bad);
}

static void test_latency_regression_delays_push_only(void **state)
{
    (void)state;
    struct sim_api *a = api_with(SIM_FLAVOR_NEW, SIM_REGRESS_LATENCY);
    static const char push[] = "{\"device_token\":\"0123456789abcdef0123456789abcdef\","
                               "\"title\":\"t\",\"body\":\"b\",\"badge\":1}";
    int st;
    struct sim_http_resp r;
    json_t *j = call(a, "POST", "/v1/push", push, &st, &r);
    assert_int_equal(st, 201);
    assert_int_equal(r.delay_ms, SIM_REGRESS_LATENCY_MS);
    headers_release(&r.headers);
    buf_free(&r.body);
    json_decref(j);
    j = call(a, "GET", "/healthz", NULL, &st, &r);
    assert_int_equal(r.delay_ms, 0);
    headers_release(&r.headers);
    buf_free(&r.body);
    json_decref(j);
    sim_api_free(a);
}

/* The flavors write different bytes that mean the same JSON. */
static void test_flavors_differ_in_form_not_meaning(void **state)
{
    (void)state;
    struct sim_api *legacy = api_with(SIM_FLAVOR_LEGACY, 0);
    struct sim_api *nu = api_with(SIM_FLAVOR_NEW, 0);
    int st;
    struct sim_http_resp r1, r2;
    json_t *a = call(legacy, "GET", "/v1/templates", NULL, &st, &r1);
    json_t *b = call(nu, "GET", "/v1/templates", NULL, &st, &r2);
    assert_true(json_equal(a, b));
    assert_true(r1.body.len != r2.body.len);
    assert_non_null(strstr(r1.body.data, "\xe6\x82\xa8")); /* 您 raw in legacy */
    assert_non_null(strstr(r2.body.data, "\\u60A8"));      /* escaped in new */
    json_decref(a);
    json_decref(b);
    headers_release(&r1.headers);
    buf_free(&r1.body);
    headers_release(&r2.headers);
    buf_free(&r2.body);
    a = call(legacy, "POST", "/v1/email", "{\"to\":\"a@b.io\",\"subject\":\"s\",\"text\":\"t\"}",
             &st, &r1);
    b = call(nu, "POST", "/v1/email", "{\"to\":\"a@b.io\",\"subject\":\"s\",\"text\":\"t\"}", &st,
             &r2);
    assert_non_null(strstr(r1.body.data, "\"amount\":0,"));
    assert_non_null(strstr(r2.body.data, "\"amount\": 0.0"));
    json_decref(a);
    json_decref(b);
    headers_release(&r1.headers);
    buf_free(&r1.body);
    headers_release(&r2.headers);
    buf_free(&r2.body);
    sim_api_free(legacy);
    sim_api_free(nu);
}

/* Think time depends on the request and the seed, not on arrival order, so
 * two simulators with one seed take the same time over the same request. */
static void test_jitter_is_a_function_of_request_and_seed(void **state)
{
    (void)state;
    struct sim_api_opts o = {.latency_ms = 25, .jitter_ms = 5, .seed = 7};
    struct sim_api *a = sim_api_new(&o), *b = sim_api_new(&o);
    int st;
    struct sim_http_resp r;
    unsigned da[8], db[8];
    char target[32];
    for (int i = 0; i < 8; i++) {
        snprintf(target, sizeof target, "/v1/messages/x%d", i);
        json_decref(call(a, "GET", target, NULL, &st, &r));
        da[i] = r.delay_ms;
        headers_release(&r.headers);
        buf_free(&r.body);
    }
    for (int i = 7; i >= 0; i--) { /* the other order */
        snprintf(target, sizeof target, "/v1/messages/x%d", i);
        json_decref(call(b, "GET", target, NULL, &st, &r));
        db[i] = r.delay_ms;
        headers_release(&r.headers);
        buf_free(&r.body);
    }
    bool varies = false;
    for (int i = 0; i < 8; i++) {
        assert_int_equal(da[i], db[i]);
        assert_in_range(da[i], 20, 30);
        varies |= da[i] != da[0];
    }
    assert_true(varies);
    sim_api_free(a);
    sim_api_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segment_boundaries),
        cmocka_unit_test(test_one_chinese_character_makes_text_ucs2),
        cmocka_unit_test(test_e164),
        cmocka_unit_test(test_regress_list),
        cmocka_unit_test(test_batch_answers_207_with_per_item_results),
        cmocka_unit_test(test_messages_known_and_unknown),
        cmocka_unit_test(test_regressions_change_what_they_say),
        cmocka_unit_test(test_latency_regression_delays_push_only),
        cmocka_unit_test(test_flavors_differ_in_form_not_meaning),
        cmocka_unit_test(test_jitter_is_a_function_of_request_and_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
