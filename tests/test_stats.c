/* test_stats.c: lib/stats.c: the Mann-Whitney U test against values
 * worked out by hand from the textbook formulas (normal approximation,
 * tie and continuity corrections, as scipy's asymptotic method). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/stats.h"

static void test_separated_samples(void **state)
{
    (void)state;
    /* U = 0; mu = 12.5; var = 25*11/12; z = 12/4.7871 = 2.5067; p = 0.012186 */
    double x[] = {5, 3, 1, 4, 2}, y[] = {10, 6, 9, 7, 8}, u, p;
    assert_int_equal(stats_mann_whitney(x, 5, y, 5, &u, &p), CUT_OK);
    assert_true(u == 0);
    assert_true(fabs(p - 0.0121858) < 1e-6);
    assert_int_equal(stats_mann_whitney(y, 5, x, 5, &u, &p), CUT_OK);
    assert_true(u == 25);
    assert_true(fabs(p - 0.0121858) < 1e-6);
}

static void test_ties(void **state)
{
    (void)state;
    /* ranks: 1 | 2 2 2 -> 3 | 3 3 3 -> 6 | 4 -> 8; R1 = 1+3+3+6 = 13, U = 3;
     * ties: 2*(27-3) = 48; var = 16/12*(9 - 48/56) = 10.857; z = 4.5/3.295 */
    double x[] = {1, 2, 2, 3}, y[] = {2, 3, 3, 4}, u, p;
    assert_int_equal(stats_mann_whitney(x, 4, y, 4, &u, &p), CUT_OK);
    assert_true(u == 3);
    assert_true(fabs(p - 0.172034) < 1e-5);
}

static void test_identical_samples_give_p_one(void **state)
{
    (void)state;
    double x[50], y[50], u, p;
    for (int i = 0; i < 50; i++) x[i] = y[49 - i] = 10 + i * 0.5;
    assert_int_equal(stats_mann_whitney(x, 50, y, 50, &u, &p), CUT_OK);
    assert_true(p > 0.99);
    double c1[] = {7, 7, 7}, c2[] = {7, 7};
    assert_int_equal(stats_mann_whitney(c1, 3, c2, 2, &u, &p), CUT_OK);
    assert_true(p == 1);
}

static void test_shifted_samples_give_tiny_p(void **state)
{
    (void)state;
    double x[200], y[200], u, p;
    for (int i = 0; i < 200; i++) {
        x[i] = 20 + (i * 37 % 200) * 0.05; /* 20 .. 30 */
        y[i] = 25 + (i * 53 % 200) * 0.05; /* 25 .. 35 */
    }
    assert_int_equal(stats_mann_whitney(x, 200, y, 200, &u, &p), CUT_OK);
    assert_true(p < 1e-10);
}

static void test_empty_and_nan(void **state)
{
    (void)state;
    double x[] = {1, NAN}, u, p;
    assert_int_equal(stats_mann_whitney(x, 1, x, 0, &u, &p), CUT_OK);
    assert_true(p == 1);
    assert_int_equal(stats_mann_whitney(x, 2, x, 1, &u, &p), CUT_EINVAL);
}

static int by_value(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* The radix sort orders as a comparison sort does: negative values,
 * zeros of both signs, infinities, tiny and huge values, many ties. */
static void test_sort_orders_like_qsort(void **state)
{
    (void)state;
    enum { N = 20000 };
    static double v[N], w[N];
    static const double odd[] = {-0.0, 0.0, INFINITY, -INFINITY, 5e-324, -5e-324, 1.7e308, -1.0};
    uint64_t r = 12345;
    for (size_t i = 0; i < N; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        double x = (double)(r >> 11) / 9007199254740992.0; /* [0, 1) */
        switch (i % 4) {
        case 0:
            v[i] = x * 1000;
            break; /* latencies */
        case 1:
            v[i] = (double)(r >> 60);
            break; /* few values: ties */
        case 2:
            v[i] = (x - 0.5) * 1e6;
            break; /* negatives */
        default:
            v[i] = odd[(r >> 20) % 8];
            break;
        }
        w[i] = v[i];
    }
    for (size_t n = 0; n <= N; n = n ? n * 10 : 1) {
        memcpy(w, v, n * sizeof *v);
        double *x = malloc((n ? n : 1) * sizeof *x);
        memcpy(x, v, n * sizeof *v);
        stats_sort(x, n);
        qsort(w, n, sizeof *w, by_value);
        for (size_t i = 0; i < n; i++) assert_true(x[i] == w[i]);
        for (size_t i = 1; i < n; i++) assert_true(x[i - 1] <= x[i]);
        free(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separated_samples),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_identical_samples_give_p_one),
        cmocka_unit_test(test_shifted_samples_give_tiny_p),
        cmocka_unit_test(test_empty_and_nan),
        cmocka_unit_test(test_sort_orders_like_qsort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
