/* test_text.c: lib/text.c: UTF-8 validation, base64, percent-decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cutover/text.h"

static void test_utf8_validation_table(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
        bool ok;
    } cases[] = {
        {"plain ascii", 11, true},
        {"\xe4\xbd\xa0\xe5\xa5\xbd", 6, true}, /* Chinese */
        {"\xf0\x9f\x98\x80", 4, true},         /* emoji */
        {"\xc0\xaf", 2, false},                /* overlong '/' */
        {"\xed\xa0\x80", 3, false},            /* surrogate */
        {"\xf0\x9f\x98", 3, false},            /* cut short */
        {"\xff", 1, false},
        {"a\x00"
         "b",
         3, true}, /* NUL is valid UTF-8 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(text_utf8_valid(cases[i].s, cases[i].n), cases[i].ok);
}

static void test_base64_round_trip_all_lengths(void **state)
{
    (void)state;
    unsigned char raw[64];
    for (size_t i = 0; i < sizeof raw; i++) raw[i] = (unsigned char)(i * 37 + 1);
    for (size_t n = 0; n <= sizeof raw; n++) {
        struct buf enc = BUF_INIT, dec = BUF_INIT;
        assert_int_equal(text_b64_encode(&enc, raw, n), CUT_OK);
        assert_int_equal(enc.len, (n + 2) / 3 * 4);
        assert_int_equal(text_b64_decode(&dec, enc.data, enc.len), CUT_OK);
        assert_int_equal(dec.len, n);
        assert_memory_equal(dec.data, raw, n);
        buf_free(&enc);
        buf_free(&dec);
    }
}

static void test_base64_known_vector_and_garbage(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_int_equal(text_b64_encode(&b, "foobar", 6), CUT_OK);
    assert_string_equal(b.data, "Zm9vYmFy");
    buf_reset(&b);
    assert_int_equal(text_b64_decode(&b, "Zm9v!", 5), CUT_EPARSE);
    buf_free(&b);
}

static void test_percent_decoding(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_int_equal(text_pct_decode(&b, "a%20b+c%zz%4", 12, true), CUT_OK);
    assert_string_equal(b.data, "a b c%zz%4");
    buf_reset(&b);
    text_pct_decode(&b, "%e4%bd%a0+", 10, false);
    assert_string_equal(b.data, "\xe4\xbd\xa0+");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_validation_table),
        cmocka_unit_test(test_base64_round_trip_all_lengths),
        cmocka_unit_test(test_base64_known_vector_and_garbage),
        cmocka_unit_test(test_percent_decoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
