/* test_progress.c: replay/progress.c's lag histogram: quantiles to the
 * bucket's resolution, the maximum, and the exact count within 1 ms that the
 * summary's pacing figure is made of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../replay/progress.h"

static void test_within_1ms_counts_up_to_1000_us(void **state)
{
    (void)state;
    struct laghist h;
    laghist_init(&h);
    const int64_t v[] = {0, 5, 999, 1000, 1001, 4000};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) laghist_add(&h, v[i]);
    assert_int_equal(h.n, 6);
    assert_int_equal(h.within_1ms, 4); /* 0, 5, 999, 1000 */
    assert_int_equal(h.max, 4000);
}

/* 100 values 1..100 µs (exact buckets below 128): p50 is 50, p99 is 99. */
static void test_quantiles_of_small_values_are_exact(void **state)
{
    (void)state;
    struct laghist h;
    laghist_init(&h);
    for (int64_t i = 1; i <= 100; i++) laghist_add(&h, i);
    assert_int_equal(laghist_quantile(&h, 0.5), 50);
    assert_int_equal(laghist_quantile(&h, 0.99), 99);
    assert_int_equal(laghist_quantile(&h, 1.0), 100);
}

/* Large values land within the histogram's 1/64 relative resolution. */
static void test_quantile_of_large_value_is_close(void **state)
{
    (void)state;
    struct laghist h;
    laghist_init(&h);
    laghist_add(&h, 3900000);
    int64_t q = laghist_quantile(&h, 0.99);
    assert_true(q <= 3900000);
    assert_true(q >= 3900000 - 3900000 / 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_1ms_counts_up_to_1000_us),
        cmocka_unit_test(test_quantiles_of_small_values_are_exact),
        cmocka_unit_test(test_quantile_of_large_value_is_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
