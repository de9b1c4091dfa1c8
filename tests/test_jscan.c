/* test_jscan.c: lib/jscan.c, the JSON pull scanner, checked against jansson
 * as a second opinion on what is valid JSON and what a string decodes to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>

#include "cutover/jscan.h"

static const char *texts[] = {
    "{}",
    "[]",
    "{\"a\":1}",
    "{\"a\":[1,2,{\"b\":null}],\"c\":true,\"d\":false}",
    "  {\"a\" : \"x\" }  ",
    "[1.5e3,-0,0.25,-12E-2]",
    "\"\\u00e9\\ud83d\\ude00\\n\"",
    "{\"a\":1,}",
    "[1,]",
    "{,}",
    "[,1]",
    "{\"a\" 1}",
    "{\"a\":01}",
    "[1.]",
    "[.5]",
    "[1e]",
    "[\"\\x\"]",
    "[\"\\ud800\"]",
    "[\"\\udc00x\"]",
    "{\"a\":tru}",
    "[nul]",
    "{\"a\":1} x",
    "[\"tab\there\"]",
    "[\"\xff\"]",
    "{\"a\":{\"b\":{}}",
    "",
    "   ",
    "[1 2]",
    "{\"k\":\"\\u0041\\\"\"}",
    "[[[[[]]]]]",
    "[\"\xe4\xbd\xa0\"]",
    "{1:2}",
};

static void test_validity_agrees_with_jansson(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_error_t je;
        json_t *v = json_loadb(texts[i], strlen(texts[i]), JSON_DECODE_ANY, &je);
        struct jscan s;
        jscan_init(&s, texts[i], strlen(texts[i]));
        bool ok = jscan_skip(&s) && jscan_done(&s);
        if (ok != (v != NULL))
            fail_msg("text %zu (%s): jscan %d, jansson %d", i, texts[i], ok, v != NULL);
        json_decref(v);
    }
}

static void test_strings_decode_like_jansson(void **state)
{
    (void)state;
    const char *t = "[\"plain\",\"\\u00e9\\ud83d\\ude00\\/\\b\",\"nul\\u0000byte\"]";
    json_error_t je;
    json_t *arr = json_loads(t, JSON_ALLOW_NUL, &je);
    assert_non_null(arr);
    struct jscan s;
    jscan_init(&s, t, strlen(t));
    assert_true(jscan_enter(&s, JS_ARRAY));
    size_t i = 0;
    while (jscan_element(&s)) {
        struct buf b = BUF_INIT;
        assert_true(jscan_string(&s, &b));
        json_t *want = json_array_get(arr, i++);
        assert_int_equal(b.len, json_string_length(want));
        assert_memory_equal(b.data, json_string_value(want), b.len);
        buf_free(&b);
    }
    assert_int_equal(i, 3);
    assert_true(jscan_done(&s));
    json_decref(arr);
}

static void test_members_and_numbers(void **state)
{
    (void)state;
    const char *t = "{\"status\": 201, \"x\": {\"deep\": [1, {\"y\": 2}]}, \"t\": 1.25}";
    struct jscan s;
    const char *k;
    size_t kl;
    bool esc;
    double status = 0, tv = 0;
    jscan_init(&s, t, strlen(t));
    assert_true(jscan_enter(&s, JS_OBJECT));
    int members = 0;
    while (jscan_member(&s, &k, &kl, &esc)) {
        members++;
        if (jscan_key_is(k, kl, esc, "status"))
            assert_true(jscan_number(&s, &status));
        else if (jscan_key_is(k, kl, esc, "t"))
            assert_true(jscan_number(&s, &tv));
        else
            assert_true(jscan_skip(&s));
    }
    assert_int_equal(members, 3);
    assert_true(jscan_done(&s));
    assert_true(status == 201 && tv == 1.25);
}

static void test_deep_nesting_is_refused_not_a_crash(void **state)
{
    (void)state;
    char deep[4001];
    memset(deep, '[', 4000);
    deep[4000] = '\0';
    struct jscan s;
    jscan_init(&s, deep, 4000);
    assert_false(jscan_skip(&s));
    assert_non_null(s.err);
}

/* Integers take a path without strtod; every literal must still read as
 * strtod reads it, 15 digits and beyond, fractions and exponents. */
static void test_numbers_read_as_strtod_reads_them(void **state)
{
    (void)state;
    static const char *const lits[] = {"0",
                                       "-0",
                                       "42",
                                       "-17",
                                       "123456789012345",
                                       "-999999999999999",
                                       "1234567890123456789",
                                       "1.5",
                                       "-2e3",
                                       "7E-2",
                                       "0.000001"};
    for (size_t i = 0; i < sizeof lits / sizeof *lits; i++) {
        struct jscan s;
        double v = -1;
        jscan_init(&s, lits[i], strlen(lits[i]));
        assert_true(jscan_number(&s, &v));
        assert_true(jscan_done(&s));
        assert_true(v == strtod(lits[i], NULL));
    }
}

/* Skipping keeps one bit per open container: nesting deeper than 64 (past
 * the first word of bits) with objects and arrays mixed must close in the
 * right order, and a wrong closing bracket deep inside is found where it
 * is. */
static void test_skip_deep_mixed_nesting(void **state)
{
    (void)state;
    static char doc[2048];
    for (int broken = 0; broken < 2; broken++) {
        size_t n = 0;
        for (int i = 0; i < 150; i++) {
            if (i % 3 == 0) {
                memcpy(doc + n, "{\"k\":", 5);
                n += 5;
            } else {
                doc[n++] = '[';
            }
        }
        doc[n++] = '1';
        size_t wrong = 0;
        for (int i = 149; i >= 0; i--) {
            doc[n++] = i % 3 == 0 ? '}' : ']';
            if (broken && i == 70) {
                wrong = n - 1;
                doc[wrong] = doc[wrong] == '}' ? ']' : '}';
            }
        }
        struct jscan s;
        jscan_init(&s, doc, n);
        bool ok = jscan_skip(&s);
        if (!broken) {
            assert_true(ok);
            assert_true(jscan_done(&s));
            assert_int_equal(s.depth, 0);
        } else {
            assert_false(ok);
            assert_string_equal(s.err, "expected ',' or closing bracket");
            assert_int_equal(s.err_at, wrong);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validity_agrees_with_jansson),
        cmocka_unit_test(test_strings_decode_like_jansson),
        cmocka_unit_test(test_members_and_numbers),
        cmocka_unit_test(test_numbers_read_as_strtod_reads_them),
        cmocka_unit_test(test_deep_nesting_is_refused_not_a_crash),
        cmocka_unit_test(test_skip_deep_mixed_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
