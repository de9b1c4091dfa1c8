/* test_send.c: replay/send.c without a network: the sender's wait is
 * microsecond-exact (not libcurl's whole milliseconds), returns at once
 * when told not to block, and wakes for an extra fd; the error mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "../replay/send.h"

static void no_done(void *ctx, struct send_slot *slot)
{
    (void)ctx;
    (void)slot;
}

static struct sender *new_sender(void)
{
    struct sender_opts o = {.concurrency = 2, .ndest = 1, .timeout_ms = 1000};
    struct sender *s = NULL;
    assert_int_equal(sender_new(&s, &o, no_done, NULL), CUT_OK);
    return s;
}

static void test_poll_backstop_rounds_up(void **state)
{
    (void)state;
    assert_int_equal(sender_poll_ms(0), 0);
    assert_int_equal(sender_poll_ms(-5), 0);
    assert_int_equal(sender_poll_ms(1), 1);
    assert_int_equal(sender_poll_ms(999), 1);
    assert_int_equal(sender_poll_ms(1000), 2);
    assert_int_equal(sender_poll_ms(2500), 3);
}

/* A 1.7 ms wait: libcurl's millisecond poll would give 1 or 2 ms; the
 * timer must not wake before 1.7 ms and (on an idle enough machine) not
 * much after. The upper bound is loose: a loaded machine delays wake-ups. */
static void test_wait_is_finer_than_a_millisecond(void **state)
{
    (void)state;
    struct sender *s = new_sender();
    int64_t worst = 0;
    for (int i = 0; i < 5; i++) {
        int64_t t0 = sender_now_us();
        assert_int_equal(sender_run(s, 1700, NULL, 0), CUT_OK);
        int64_t took = sender_now_us() - t0;
        assert_true(took >= 1700);
        if (took > worst) worst = took;
    }
    assert_true(worst < 200000);
    sender_free(s);
}

static void test_no_wait_returns_at_once(void **state)
{
    (void)state;
    struct sender *s = new_sender();
    int64_t t0 = sender_now_us();
    for (int i = 0; i < 100; i++) assert_int_equal(sender_run(s, 0, NULL, 0), CUT_OK);
    assert_true(sender_now_us() - t0 < 100000);
    assert_int_equal(sender_in_flight(s), 0);
    sender_free(s);
}

/* An fd that becomes readable ends the wait early, with revents set. */
static void test_extra_fd_wakes_the_wait(void **state)
{
    (void)state;
    struct sender *s = new_sender();
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    struct curl_waitfd w = {.fd = p[0], .events = CURL_WAIT_POLLIN};
    int64_t t0 = sender_now_us();
    assert_int_equal(sender_run(s, 2000000, &w, 1), CUT_OK);
    assert_true(sender_now_us() - t0 < 1000000);
    assert_true(w.revents & CURL_WAIT_POLLIN);
    close(p[0]);
    close(p[1]);
    sender_free(s);
}

/* sender_wall_at(now) is the wall clock at now (within the 2 ms the two
 * readings may lie apart here), before and after its offset is read again,
 * and moves with its argument microsecond for microsecond. */
static void test_wall_clock_from_the_monotonic_one(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        int64_t mono = sender_now_us(), at = sender_wall_at(mono), wall = sender_wall_us();
        assert_true(at <= wall + 2000 && at >= wall - 2000);
        assert_int_equal(sender_wall_at(mono + 250) - at, 250);
        /* a second on (the offset read again) and back (again) */
        int64_t later = sender_wall_at(mono + 1500000);
        assert_true(later - at >= 1500000 - 2000 && later - at <= 1500000 + 2000);
        assert_true(sender_wall_at(mono) - at <= 2000 && at - sender_wall_at(mono) <= 2000);
    }
}

static void test_errors_are_classified(void **state)
{
    (void)state;
    assert_int_equal(send_classify(CURLE_OK, 0), SEND_OK);
    assert_int_equal(send_classify(CURLE_COULDNT_CONNECT, 111 /* ECONNREFUSED */), SEND_REFUSED);
    assert_int_equal(send_classify(CURLE_OPERATION_TIMEDOUT, 0), SEND_TIMEOUT);
    assert_int_equal(send_classify(CURLE_GOT_NOTHING, 0), SEND_RESET);
    assert_string_equal(send_errkind_name(SEND_RESET), "reset");
}

/* Each destination's slots come back from its own list, last put first,
 * and the counts follow; an empty list gives NULL. */
static void test_slot_pool_per_destination(void **state)
{
    (void)state;
    struct slot_pool p = {{NULL, NULL}, {0, 0}};
    struct send_slot a = {.dest = 0}, b = {.dest = 1}, c = {.dest = 0};
    slot_pool_put(&p, &a);
    slot_pool_put(&p, &b);
    slot_pool_put(&p, &c);
    assert_int_equal(p.nfree[0], 2);
    assert_int_equal(p.nfree[1], 1);
    assert_ptr_equal(slot_pool_take(&p, 1), &b);
    assert_null(slot_pool_take(&p, 1));
    assert_ptr_equal(slot_pool_take(&p, 0), &c);
    assert_null(c.next_free);
    assert_ptr_equal(slot_pool_take(&p, 0), &a);
    assert_null(slot_pool_take(&p, 0));
    assert_int_equal(p.nfree[0], 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poll_backstop_rounds_up),
        cmocka_unit_test(test_slot_pool_per_destination),
        cmocka_unit_test(test_wait_is_finer_than_a_millisecond),
        cmocka_unit_test(test_no_wait_returns_at_once),
        cmocka_unit_test(test_extra_fd_wakes_the_wait),
        cmocka_unit_test(test_wall_clock_from_the_monotonic_one),
        cmocka_unit_test(test_errors_are_classified),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
