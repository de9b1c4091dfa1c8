/* test_args.c: lib/args.c, the numbers in option values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <math.h>

#include "cutover/args.h"

static void test_long_whole_string_in_range(void **state)
{
    (void)state;
    long v = 0;
    assert_int_equal(args_long("42", 0, 100, &v), CUT_OK);
    assert_int_equal(v, 42);
    assert_int_equal(args_long("-3", -5, 5, &v), CUT_OK);
    assert_int_equal(v, -3);
    assert_int_equal(args_long("0", 0, 0, &v), CUT_OK);
    assert_int_equal(v, 0);
    /* The bounds are inclusive. */
    assert_int_equal(args_long("100", 0, 100, &v), CUT_OK);
    assert_int_equal(v, 100);
}

static void test_long_refuses_and_leaves_out_alone(void **state)
{
    (void)state;
    static const char *const bad[] = {"",    "x",  "10x", "1.5",
                                      "101", "-1", "1e3", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long v = 7;
        assert_int_equal(args_long(bad[i], 0, 100, &v), CUT_EINVAL);
        assert_int_equal(v, 7);
    }
    long v = 7;
    assert_int_equal(args_long("9223372036854775808", LONG_MIN, LONG_MAX, &v), CUT_EINVAL);
    assert_int_equal(v, 7);
}

static void test_double_forms_and_limits(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(args_double("0.25", 0, 1, &v), CUT_OK);
    assert_true(v == 0.25);
    assert_int_equal(args_double("1e-3", 0, 1, &v), CUT_OK);
    assert_true(v == 0.001);
    assert_int_equal(args_double("2", 0, 2, &v), CUT_OK);
    assert_true(v == 2.0);
    static const char *const bad[] = {"",     "nan", "inf",  "-inf", "2.0001",
                                      "-0.5", "1e",  "0.5s", "1e999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 9;
        assert_int_equal(args_double(bad[i], 0, 2, &v), CUT_EINVAL);
        assert_true(v == 9);
    }
    /* NaN and infinity are refused even when the range is unbounded. */
    assert_int_equal(args_double("nan", -HUGE_VAL, HUGE_VAL, &v), CUT_EINVAL);
    assert_int_equal(args_double("inf", -HUGE_VAL, HUGE_VAL, &v), CUT_EINVAL);
}

static void test_size_units(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t want;
    } good[] = {
        {"0", 0},
        {"10", 10},
        {"64k", 65536},
        {"64K", 65536},
        {"64kB", 65536},
        {"16M", 16777216},
        {"16mb", 16777216},
        {"1G", 1073741824},
        {"3g", 3221225472ULL},
        {"100B", 100},
        {"18446744073709551615", UINT64_MAX},
        {"16777215G", 16777215ULL << 30},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t v = 1;
        assert_int_equal(args_size(good[i].s, &v), CUT_OK);
        assert_true(v == good[i].want);
    }
}

static void test_size_refuses(void **state)
{
    (void)state;
    /* A sign or blank would let strtoull wrap "-5" to a huge size; a
     * product past 2^64 would wrap too. */
    static const char *const bad[] = {
        "",    "-5", " 5", "+5", "5T", "5kk", "5 k", "k", "18446744073709551616", "17179869184G",
        "1.5M"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 3;
        assert_int_equal(args_size(bad[i], &v), CUT_EINVAL);
        assert_true(v == 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_whole_string_in_range),
        cmocka_unit_test(test_long_refuses_and_leaves_out_alone),
        cmocka_unit_test(test_double_forms_and_limits),
        cmocka_unit_test(test_size_units),
        cmocka_unit_test(test_size_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
