/* test_select.c: replay/select.c: sharding partitions exactly, sampling is
 * stable, include/exclude rules, --limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../replay/select.h"

static void test_every_id_is_in_exactly_one_shard(void **state)
{
    (void)state;
    for (unsigned n = 1; n <= 7; n++) {
        unsigned per[7] = {0};
        for (int i = 0; i < 5000; i++) {
            char id[32];
            snprintf(id, sizeof id, "run-%d-%d", i % 97, i);
            uint64_t h = select_hash(id, strlen(id));
            int owners = 0;
            for (unsigned k = 1; k <= n; k++)
                if (select_in_shard(h, k, n)) owners++, per[k - 1]++;
            assert_int_equal(owners, 1);
        }
        /* and the shares are roughly even: no shard under half its share */
        for (unsigned k = 0; k < n; k++) assert_true(per[k] > 5000 / n / 2);
    }
}

static void test_fnv1a_known_values(void **state)
{
    (void)state;
    /* published FNV-1a 64 test vectors */
    assert_true(select_hash("", 0) == 0xcbf29ce484222325ULL);
    assert_true(select_hash("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(select_hash("foobar", 6) == 0x85944171f73967e8ULL);
}

static void test_sample_is_stable_and_about_the_share(void **state)
{
    (void)state;
    int kept = 0;
    for (int i = 0; i < 20000; i++) {
        char id[32];
        snprintf(id, sizeof id, "x%d", i);
        uint64_t h = select_hash(id, strlen(id));
        bool a = select_in_sample(h, 10), b = select_in_sample(h, 10);
        assert_true(a == b);
        if (a) kept++;
        /* a smaller sample is a subset of a larger one */
        if (select_in_sample(h, 5)) assert_true(a);
    }
    assert_in_range(kept, 1700, 2300);
    assert_true(select_in_sample(42, 100));
    assert_false(select_in_sample(42, 0));
}

static void test_parse_shard(void **state)
{
    (void)state;
    unsigned k, n;
    assert_int_equal(select_parse_shard("2/3", &k, &n), CUT_OK);
    assert_int_equal(k, 2);
    assert_int_equal(n, 3);
    const char *bad[] = {"0/3", "4/3", "3", "/3", "1/", "a/b", "1/0", "-1/3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_not_equal(select_parse_shard(bad[i], &k, &n), CUT_OK);
}

static void test_include_exclude_rules(void **state)
{
    (void)state;
    struct selector s;
    select_init(&s);
    assert_int_equal(select_add_rule(&s, true, "POST /v1/*"), CUT_OK);
    assert_int_equal(select_add_rule(&s, true, "/health"), CUT_OK);
    assert_int_equal(select_add_rule(&s, false, "* /v1/internal/*"), CUT_OK);
    static const struct {
        const char *method, *target;
        enum select_verdict want;
    } cases[] = {
        {"POST", "/v1/sms?to=1", SELECT_KEEP},   {"post", "/v1/email", SELECT_KEEP},
        {"GET", "/v1/sms", SELECT_SKIP},         {"GET", "/health", SELECT_KEEP},
        {"POST", "/v1/internal/x", SELECT_SKIP}, {"POST", "/v2/sms", SELECT_SKIP},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(select_record(&s, "id", cases[i].method, cases[i].target), cases[i].want);
    select_release(&s);
    /* Excludes alone: the path (query and fragment left out) is still matched. */
    select_init(&s);
    assert_int_equal(select_add_rule(&s, false, "/health"), CUT_OK);
    assert_int_equal(select_record(&s, "id", "GET", "/health?deep=1"), SELECT_SKIP);
    assert_int_equal(select_record(&s, "id", "GET", "/health#top"), SELECT_SKIP);
    assert_int_equal(select_record(&s, "id", "GET", "/healthz"), SELECT_KEEP);
    select_release(&s);
}

static void test_limit_stops_and_new_pass_restarts(void **state)
{
    (void)state;
    struct selector s;
    select_init(&s);
    s.limit = 2;
    assert_int_equal(select_record(&s, "a", "GET", "/"), SELECT_KEEP);
    assert_int_equal(select_record(&s, "b", "GET", "/"), SELECT_KEEP);
    assert_int_equal(select_record(&s, "c", "GET", "/"), SELECT_STOP);
    select_new_pass(&s);
    assert_int_equal(select_record(&s, "a", "GET", "/"), SELECT_KEEP);
    select_release(&s);
}

static void test_record_verdict_follows_shard(void **state)
{
    (void)state;
    struct selector s[3];
    int total = 0;
    for (int k = 0; k < 3; k++) {
        select_init(&s[k]);
        s[k].shard_k = (unsigned)k + 1;
        s[k].shard_n = 3;
    }
    for (int i = 0; i < 300; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%d", i);
        int owners = 0;
        for (int k = 0; k < 3; k++) owners += select_record(&s[k], id, "GET", "/") == SELECT_KEEP;
        assert_int_equal(owners, 1);
        total += owners;
    }
    assert_int_equal(total, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_id_is_in_exactly_one_shard),
        cmocka_unit_test(test_fnv1a_known_values),
        cmocka_unit_test(test_sample_is_stable_and_about_the_share),
        cmocka_unit_test(test_parse_shard),
        cmocka_unit_test(test_include_exclude_rules),
        cmocka_unit_test(test_limit_stops_and_new_pass_restarts),
        cmocka_unit_test(test_record_verdict_follows_shard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
