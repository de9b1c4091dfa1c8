/* test_sched.c: replay/sched.c: due times for --speed, --rate, --max,
 * --max-wait and --loop, checked against hand-computed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../replay/sched.h"

#define T0 1700000000000000LL /* an epoch in µs */

static void test_speed_one_keeps_original_gaps(void **state)
{
    (void)state;
    struct sched s;
    sched_init(&s, SCHED_SPEED, 1, 0, -1);
    assert_int_equal(sched_next(&s, T0), 0);
    assert_int_equal(sched_next(&s, T0 + 1500), 1500);
    assert_int_equal(sched_next(&s, T0 + 1500), 1500);
    assert_int_equal(sched_next(&s, T0 + 1000000), 1000000);
}

static void test_speed_scales_gaps(void **state)
{
    (void)state;
    struct sched s;
    sched_init(&s, SCHED_SPEED, 4, 0, -1);
    assert_int_equal(sched_next(&s, T0), 0);
    assert_int_equal(sched_next(&s, T0 + 4000), 1000);
    assert_int_equal(sched_next(&s, T0 + 12000), 3000);
    sched_init(&s, SCHED_SPEED, 0.5, 0, -1);
    assert_int_equal(sched_next(&s, T0), 0);
    assert_int_equal(sched_next(&s, T0 + 1000), 2000);
}

static void test_out_of_order_record_gets_no_gap_and_does_not_rewind(void **state)
{
    (void)state;
    struct sched s;
    sched_init(&s, SCHED_SPEED, 1, 0, -1);
    assert_int_equal(sched_next(&s, T0), 0);
    assert_int_equal(sched_next(&s, T0 + 10000), 10000);
    assert_int_equal(sched_next(&s, T0 + 9000), 10000);  /* earlier than the last: now */
    assert_int_equal(sched_next(&s, T0 + 11000), 11000); /* measured from T0+10000 */
}

static void test_max_wait_caps_each_gap_and_shifts_the_rest(void **state)
{
    (void)state;
    struct sched s;
    sched_init(&s, SCHED_SPEED, 1, 0, 2000000);
    assert_int_equal(sched_next(&s, T0), 0);
    /* an hour of silence becomes 2 s */
    assert_int_equal(sched_next(&s, T0 + 3600000000LL), 2000000);
    /* the following gap of 5 ms is kept, after the capped gap */
    assert_int_equal(sched_next(&s, T0 + 3600005000LL), 2005000);
}

static void test_max_wait_applies_after_speed(void **state)
{
    (void)state;
    struct sched s;
    sched_init(&s, SCHED_SPEED, 10, 0, 500000);
    sched_next(&s, T0);
    assert_int_equal(sched_next(&s, T0 + 4000000), 400000);  /* 4 s / 10 < cap */
    assert_int_equal(sched_next(&s, T0 + 14000000), 900000); /* 1 s capped to 0.5 s */
}

static void test_rate_is_fixed_spacing(void **state)
{
    (void)state;
    struct sched s;
    sched_init(&s, SCHED_RATE, 1, 250, -1);
    assert_int_equal(sched_next(&s, T0 + 999), 0);
    assert_int_equal(sched_next(&s, T0), 4000);
    assert_int_equal(sched_next(&s, 0), 8000);
    for (int i = 3; i < 1000; i++) sched_next(&s, 0);
    assert_int_equal(sched_next(&s, 0), 4000000); /* the 1001st: exactly 4 s */
}

static void test_max_is_always_due(void **state)
{
    (void)state;
    struct sched s;
    sched_init(&s, SCHED_MAX, 1, 0, -1);
    assert_int_equal(sched_next(&s, T0), 0);
    assert_int_equal(sched_next(&s, T0 + 5000000), 0);
}

static void test_loop_pass_starts_without_gap(void **state)
{
    (void)state;
    struct sched s;
    sched_init(&s, SCHED_SPEED, 1, 0, -1);
    sched_next(&s, T0);
    assert_int_equal(sched_next(&s, T0 + 3000), 3000);
    sched_new_pass(&s);
    /* pass 2 replays from T0 again: not a negative gap, not a rewind */
    assert_int_equal(sched_next(&s, T0), 3000);
    assert_int_equal(sched_next(&s, T0 + 3000), 6000);
}

static void test_unknown_start_counts_as_no_gap(void **state)
{
    (void)state;
    struct sched s;
    sched_init(&s, SCHED_SPEED, 1, 0, -1);
    assert_int_equal(sched_next(&s, 0), 0);
    assert_int_equal(sched_next(&s, T0), 0);
    assert_int_equal(sched_next(&s, 0), 0);
    assert_int_equal(sched_next(&s, T0 + 700), 700);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_speed_one_keeps_original_gaps),
        cmocka_unit_test(test_speed_scales_gaps),
        cmocka_unit_test(test_out_of_order_record_gets_no_gap_and_does_not_rewind),
        cmocka_unit_test(test_max_wait_caps_each_gap_and_shifts_the_rest),
        cmocka_unit_test(test_max_wait_applies_after_speed),
        cmocka_unit_test(test_rate_is_fixed_spacing),
        cmocka_unit_test(test_max_is_always_due),
        cmocka_unit_test(test_loop_pass_starts_without_gap),
        cmocka_unit_test(test_unknown_start_counts_as_no_gap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
