/* test_hist.c: lib/hist.c: percentiles within 0.1% of the exact ones
 * (nearest rank) over generated samples; merging equals recording all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "cutover/hist.h"

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t xorshift(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Log-uniform over 1 us .. 100 s: every bucket size gets exercised. */
static uint64_t sample(void)
{
    double u = (double)(xorshift() >> 11) / 9007199254740992.0;
    return (uint64_t)exp(u * log(1e8));
}

static int ucmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t exact(const uint64_t *sorted, size_t n, double pct)
{
    size_t rank = (size_t)ceil(pct / 100.0 * (double)n);
    if (rank < 1) rank = 1;
    return sorted[rank - 1];
}

static void test_percentiles_within_a_tenth_of_a_percent(void **state)
{
    (void)state;
    enum { N = 100000 };
    uint64_t *v = malloc(N * sizeof *v);
    struct hist h;
    hist_init(&h);
    for (size_t i = 0; i < N; i++) {
        v[i] = sample();
        assert_int_equal(hist_record(&h, v[i]), CUT_OK);
    }
    qsort(v, N, sizeof *v, ucmp);
    static const double pcts[] = {0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99};
    for (size_t i = 0; i < sizeof pcts / sizeof *pcts; i++) {
        double want = (double)exact(v, N, pcts[i]), got = (double)hist_percentile(&h, pcts[i]);
        assert_true(fabs(got - want) <= want * 0.001);
    }
    assert_int_equal(hist_max(&h), v[N - 1]);
    assert_int_equal(hist_min(&h), v[0]);
    assert_int_equal(hist_count(&h), N);
    free(v);
    hist_release(&h);
}

static void test_small_values_are_exact(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    for (uint64_t v = 1; v <= 100; v++) hist_record(&h, v);
    assert_int_equal(hist_percentile(&h, 50), 50);
    assert_int_equal(hist_percentile(&h, 99), 99);
    assert_int_equal(hist_percentile(&h, 100), 100);
    assert_int_equal(hist_percentile(&h, 0), 1);
    hist_release(&h);
    assert_int_equal(hist_percentile(&h, 50), 0); /* empty */
}

static void test_merge_equals_recording_everything(void **state)
{
    (void)state;
    struct hist a, b, all;
    hist_init(&a);
    hist_init(&b);
    hist_init(&all);
    for (int i = 0; i < 20000; i++) {
        uint64_t v = sample();
        hist_record(i % 3 ? &a : &b, v);
        hist_record(&all, v);
    }
    assert_int_equal(hist_merge(&a, &b), CUT_OK);
    assert_int_equal(hist_count(&a), hist_count(&all));
    for (double p = 1; p < 100; p += 7)
        assert_int_equal(hist_percentile(&a, p), hist_percentile(&all, p));
    assert_int_equal(hist_max(&a), hist_max(&all));
    hist_release(&a);
    hist_release(&b);
    hist_release(&all);
}

static void test_huge_values_fit(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    assert_int_equal(hist_record(&h, UINT64_MAX), CUT_OK);
    assert_int_equal(hist_record_n(&h, 1ULL << 40, 3), CUT_OK);
    assert_int_equal(hist_count(&h), 4);
    double got = (double)hist_percentile(&h, 50), want = (double)(1ULL << 40);
    assert_true(fabs(got - want) <= want * 0.001);
    hist_release(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles_within_a_tenth_of_a_percent),
        cmocka_unit_test(test_small_values_are_exact),
        cmocka_unit_test(test_merge_equals_recording_everything),
        cmocka_unit_test(test_huge_values_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
