/* test_flow.c: capture/flow.c: canonical keys, lookup, the flow cap,
 * which flow is shed first, idle expiry order, and growth of the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../capture/flow.h"

static const uint8_t A[4] = {10, 0, 0, 1}, B[4] = {10, 0, 0, 2};

static struct flow *add(struct flow_table *t, uint16_t cport, int64_t ts)
{
    struct flow_key k;
    uint8_t side;
    flow_key_make(&k, 4, A, cport, B, 80, &side);
    return flow_table_insert(t, &k, flow_key_hash(&k), ts);
}

static struct flow *find(struct flow_table *t, uint16_t cport)
{
    struct flow_key k;
    uint8_t side;
    flow_key_make(&k, 4, B, 80, A, cport, &side);
    return flow_table_lookup(t, &k, flow_key_hash(&k));
}

static void test_both_directions_share_a_key(void **state)
{
    (void)state;
    struct flow_key k1, k2;
    uint8_t s1, s2;
    flow_key_make(&k1, 4, A, 5555, B, 80, &s1);
    flow_key_make(&k2, 4, B, 80, A, 5555, &s2);
    assert_memory_equal(&k1, &k2, sizeof k1);
    assert_int_equal(flow_key_hash(&k1), flow_key_hash(&k2));
    assert_int_not_equal(s1, s2);
    /* same addresses, ports swapped: a different connection */
    flow_key_make(&k2, 4, A, 80, B, 5555, &s2);
    assert_memory_not_equal(&k1, &k2, sizeof k1);
    /* IPv6 ::a vs IPv4 10.0.0.1 share bytes but not a key */
    uint8_t v6a[16] = {10, 0, 0, 1}, v6b[16] = {10, 0, 0, 2};
    flow_key_make(&k2, 6, v6a, 5555, v6b, 80, &s2);
    assert_memory_not_equal(&k1, &k2, sizeof k1);
}

static void test_insert_lookup_remove(void **state)
{
    (void)state;
    struct flow_table *t;
    assert_int_equal(flow_table_new(100, &t), CUT_OK);
    struct flow *f = add(t, 1000, 1);
    assert_non_null(f);
    assert_ptr_equal(find(t, 1000), f);
    assert_null(find(t, 1001));
    assert_int_equal(flow_table_count(t), 1);
    flow_table_remove(t, f);
    assert_null(find(t, 1000));
    assert_int_equal(flow_table_count(t), 0);
    flow_table_free(t, NULL);
}

static void test_cap_and_victim_order(void **state)
{
    (void)state;
    struct flow_table *t;
    assert_int_equal(flow_table_new(3, &t), CUT_OK);
    struct flow *f1 = add(t, 1, 1), *f2 = add(t, 2, 2), *f3 = add(t, 3, 3);
    assert_non_null(f3);
    assert_true(flow_table_full(t));
    assert_null(add(t, 4, 4));
    /* all quiet: the least recently active goes first */
    assert_ptr_equal(flow_table_victim(t), f1);
    flow_table_touch(t, f1, 5);
    assert_ptr_equal(flow_table_victim(t), f2);
    /* flows that carried data are shed only when no quiet flow is left */
    flow_table_move(t, f2, FLOW_ACTIVE);
    flow_table_move(t, f3, FLOW_ACTIVE);
    assert_ptr_equal(flow_table_victim(t), f1);
    flow_table_remove(t, f1);
    assert_ptr_equal(flow_table_victim(t), f2);
    assert_non_null(add(t, 5, 6));
    flow_table_free(t, NULL);
}

static void test_expiry_follows_activity(void **state)
{
    (void)state;
    struct flow_table *t;
    assert_int_equal(flow_table_new(10, &t), CUT_OK);
    struct flow *f1 = add(t, 1, 100), *f2 = add(t, 2, 200);
    flow_table_move(t, f2, FLOW_ACTIVE);
    assert_null(flow_table_expired(t, 100));
    assert_ptr_equal(flow_table_expired(t, 101), f1);
    flow_table_touch(t, f1, 300);
    assert_ptr_equal(flow_table_expired(t, 250), f2);
    flow_table_remove(t, f2);
    assert_null(flow_table_expired(t, 250));
    assert_ptr_equal(flow_table_any(t), f1);
    flow_table_free(t, NULL);
}

static void test_many_flows_grow_the_table(void **state)
{
    (void)state;
    struct flow_table *t;
    assert_int_equal(flow_table_new(20000, &t), CUT_OK);
    for (uint16_t p = 1; p <= 20000; p++) assert_non_null(add(t, p, p));
    for (uint16_t p = 1; p <= 20000; p++) {
        struct flow *f = find(t, p);
        assert_non_null(f);
        assert_int_equal(f->last_ts, p);
    }
    assert_null(find(t, 20001));
    assert_int_equal(flow_table_count(t), 20000);
    flow_table_free(t, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_directions_share_a_key),
        cmocka_unit_test(test_insert_lookup_remove),
        cmocka_unit_test(test_cap_and_victim_order),
        cmocka_unit_test(test_expiry_follows_activity),
        cmocka_unit_test(test_many_flows_grow_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
