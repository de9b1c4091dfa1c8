/* test_jdiff.c: lib/jdiff.c: the arena JSON reader and the structural diff:
 * key order, numbers by value (huge integers exactly), unicode escapes,
 * nested arrays, type changes, order and unordered arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/jdiff.h"
#include "cutover/jpath.h"

struct seen {
    char text[2048];
    size_t n;
    const char *unordered; /* a path pattern, or NULL */
};

static enum cut_err record(void *ctx, enum jdiff_kind kind, const char *path, size_t pathlen,
                           const struct jv *a, const struct jv *b)
{
    struct seen *s = ctx;
    (void)pathlen;
    (void)a;
    (void)b;
    size_t used = strlen(s->text);
    snprintf(s->text + used, sizeof s->text - used, "%s%s %s", s->n ? "; " : "",
             jdiff_kind_name(kind), path);
    s->n++;
    return CUT_OK;
}

static bool unordered(void *ctx, const char *path)
{
    struct seen *s = ctx;
    if (!s->unordered) return false;
    struct jpath *p;
    char err[64];
    if (jpath_parse(s->unordered, &p, err, sizeof err)) return false;
    bool m = jpath_match(p, path);
    jpath_free(p);
    return m;
}

/* The differences of a and b, as "kind path; kind path". */
static const char *diff_of(const char *a, const char *b, const char *unord)
{
    static struct seen s;
    struct jarena ar;
    struct jv va, vb;
    memset(&s, 0, sizeof s);
    s.unordered = unord;
    jarena_init(&ar, 0);
    assert_int_equal(jv_parse(&ar, a, strlen(a), &va, NULL), CUT_OK);
    assert_int_equal(jv_parse(&ar, b, strlen(b), &vb, NULL), CUT_OK);
    struct jdiff_opts o = {record, unordered, &s, 0};
    assert_int_equal(jdiff(&va, &vb, &o, NULL), CUT_OK);
    jarena_release(&ar);
    return s.text;
}

static void test_key_order_and_whitespace_are_ignored(void **state)
{
    (void)state;
    assert_string_equal(diff_of("{\"a\":1,\"b\":{\"x\":[1,2],\"y\":null}}",
                                " { \"b\" : { \"y\":null , \"x\":[ 1 , 2 ] },\n\"a\":1 } ", NULL),
                        "");
}

static void test_numbers_compare_by_value(void **state)
{
    (void)state;
    static const char *const equal[][2] = {
        {"1", "1.0"},
        {"1", "1e0"},
        {"1", "10E-1"},
        {"1", "0.1e1"},
        {"100", "1e2"},
        {"-0", "0"},
        {"0.0", "0e5"},
        {"1.50", "1.5"},
        {"0.0075", "7.5e-3"},
        {"-2.5E+3", "-2500"},
        {"12345678901234567890", "12345678901234567890"},
        {"12345678901234567890", "1234567890123456789e1"},
        {"12345678901234567890", "12345678901234567890.000"},
    };
    static const char *const differ[][2] = {
        {"1", "2"},
        {"1", "-1"},
        {"1e2", "1e3"},
        {"0.1", "0.01"},
        {"12345678901234567890", "12345678901234567891"},
        {"9007199254740993", "9007199254740992"}, /* equal as doubles */
        {"1", "1.0000000000000000000001"},
    };
    for (size_t i = 0; i < sizeof equal / sizeof *equal; i++) {
        assert_true(
            jv_num_equal(equal[i][0], strlen(equal[i][0]), equal[i][1], strlen(equal[i][1])));
        char a[128], b[128];
        snprintf(a, sizeof a, "{\"n\":%s}", equal[i][0]);
        snprintf(b, sizeof b, "{\"n\":%s}", equal[i][1]);
        assert_string_equal(diff_of(a, b, NULL), "");
    }
    for (size_t i = 0; i < sizeof differ / sizeof *differ; i++) {
        assert_false(
            jv_num_equal(differ[i][0], strlen(differ[i][0]), differ[i][1], strlen(differ[i][1])));
        char a[128], b[128];
        snprintf(a, sizeof a, "{\"n\":%s}", differ[i][0]);
        snprintf(b, sizeof b, "{\"n\":%s}", differ[i][1]);
        assert_string_equal(diff_of(a, b, NULL), "value $.n");
    }
}

static void test_strings_compare_after_unescaping(void **state)
{
    (void)state;
    assert_string_equal(diff_of("[\"\\u00e9\"]", "[\"\xc3\xa9\"]", NULL), "");
    assert_string_equal(diff_of("[\"\\ud83d\\ude00\"]", "[\"\xf0\x9f\x98\x80\"]", NULL), "");
    assert_string_equal(diff_of("[\"a\\/b\\n\"]", "[\"a/b\\u000a\"]", NULL), "");
    assert_string_equal(diff_of("[\"\\u00e9\"]", "[\"e\"]", NULL), "value $[0]");
}

static void test_nested_arrays_and_missing_extra(void **state)
{
    (void)state;
    assert_string_equal(diff_of("{\"r\":[[1,2],[3]]}", "{\"r\":[[1,2],[4]]}", NULL),
                        "value $.r[1][0]");
    assert_string_equal(diff_of("{\"a\":1,\"b\":2}", "{\"a\":1,\"c\":3}", NULL),
                        "missing $.b; extra $.c");
    assert_string_equal(diff_of("[1,2]", "[1,2,3]", NULL), "extra $[2]");
    assert_string_equal(diff_of("[1,2,3]", "[1]", NULL), "missing $[1]; missing $[2]");
    assert_string_equal(diff_of("{\"odd key\":1}", "{\"odd key\":2}", NULL), "value $['odd key']");
}

static void test_type_changes(void **state)
{
    (void)state;
    assert_string_equal(diff_of("{\"a\":1}", "{\"a\":\"1\"}", NULL), "type $.a");
    assert_string_equal(diff_of("{\"a\":null}", "{\"a\":{}}", NULL), "type $.a");
    assert_string_equal(diff_of("{\"a\":[]}", "{\"a\":{}}", NULL), "type $.a");
    assert_string_equal(diff_of("{\"a\":true}", "{\"a\":false}", NULL), "value $.a");
}

static void test_reordered_array_is_one_order_difference(void **state)
{
    (void)state;
    const char *a = "{\"items\":[{\"id\":1},{\"id\":2},{\"id\":3}]}";
    const char *b = "{\"items\":[{\"id\":3},{\"id\":1},{\"id\":2}]}";
    assert_string_equal(diff_of(a, b, NULL), "order $.items");
    assert_string_equal(diff_of(a, b, "$.items"), "");
    assert_string_equal(diff_of(a, b, "$..items"), "");
}

/* The permutation check starts from the first element that differs; a
 * match further on must not be taken for a permutation, and duplicates
 * must still make one. */
static void test_order_needs_a_true_permutation(void **state)
{
    (void)state;
    assert_string_equal(diff_of("[1,1,2]", "[1,2,1]", NULL), "order $");
    assert_string_equal(diff_of("[1,2,3]", "[1,3,4]", NULL), "value $[1]; value $[2]");
    assert_string_equal(diff_of("[1,2,2]", "[1,1,2]", NULL), "value $[1]");
    assert_string_equal(diff_of("[{\"a\":[1]},{\"a\":[2]}]", "[{\"a\":[2]},{\"a\":[1]}]", NULL),
                        "order $");
    assert_string_equal(diff_of("[{\"a\":[1]},{\"a\":[2]}]", "[{\"a\":[3]},{\"a\":[1]}]", NULL),
                        "value $[0].a[0]; value $[1].a[0]");
}

static void test_unordered_array_pairs_what_differs(void **state)
{
    (void)state;
    const char *a = "{\"l\":[{\"id\":1,\"v\":1},{\"id\":2,\"v\":2},5]}";
    const char *b = "{\"l\":[{\"id\":2,\"v\":2},{\"id\":1,\"v\":9}]}";
    assert_string_equal(diff_of(a, b, "$.l"), "value $.l[0].v; missing $.l[2]");
    assert_string_equal(diff_of("[1,1,2]", "[1,2,2]", "$"), "value $[1]");
}

static void test_parser_rejects_malformed_and_deep_input(void **state)
{
    (void)state;
    static const char *const bad[] = {"{",        "[1,]",      "01",    "1.",  "-",
                                      "\"abc",    "{\"a\" 1}", "[1] x", "tru", "\"\\x\"",
                                      "\"a\nb\"", "{1:2}",     ""};
    struct jarena ar;
    struct jv v;
    jarena_init(&ar, 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(jv_parse(&ar, bad[i], strlen(bad[i]), &v, NULL), CUT_EPARSE);
    char deep[2 * (JDIFF_MAX_DEPTH + 10)];
    memset(deep, '[', JDIFF_MAX_DEPTH + 10);
    memset(deep + JDIFF_MAX_DEPTH + 10, ']', JDIFF_MAX_DEPTH + 10);
    assert_int_equal(jv_parse(&ar, deep, sizeof deep, &v, NULL), CUT_EPARSE);
    assert_int_equal(jv_parse(&ar, deep + 20, sizeof deep - 40, &v, NULL), CUT_OK);
    /* the length bounds the read: a valid prefix of a longer buffer */
    assert_int_equal(jv_parse(&ar, "[1]]]]", 3, &v, NULL), CUT_OK);
    jarena_release(&ar);
}

static void test_hash_is_consistent_with_equality(void **state)
{
    (void)state;
    struct jarena ar;
    struct jv a, b, c;
    jarena_init(&ar, 0);
    const char *ta = "{\"a\":1,\"b\":[1.0,\"x\"]}", *tb = "{\"b\":[1,\"x\"],\"a\":1e0}",
               *tc = "{\"b\":[\"x\",1],\"a\":1}";
    assert_int_equal(jv_parse(&ar, ta, strlen(ta), &a, NULL), CUT_OK);
    assert_int_equal(jv_parse(&ar, tb, strlen(tb), &b, NULL), CUT_OK);
    assert_int_equal(jv_parse(&ar, tc, strlen(tc), &c, NULL), CUT_OK);
    assert_true(jv_equal(&a, &b));
    assert_true(jv_hash(&a) == jv_hash(&b));
    assert_false(jv_equal(&a, &c));
    assert_true(jv_hash(&a) != jv_hash(&c));
    jarena_release(&ar);
}

static void test_diff_stops_at_its_limit(void **state)
{
    (void)state;
    struct seen s;
    struct jarena ar;
    struct jv a, b;
    memset(&s, 0, sizeof s);
    jarena_init(&ar, 0);
    assert_int_equal(jv_parse(&ar, "[1,2,3,4]", 9, &a, NULL), CUT_OK);
    assert_int_equal(jv_parse(&ar, "[5,6,7,8,9]", 11, &b, NULL), CUT_OK);
    struct jdiff_opts o = {record, NULL, &s, 2};
    size_t n = 0;
    assert_int_equal(jdiff(&a, &b, &o, &n), CUT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(s.n, 2);
    jarena_release(&ar);
}

static void test_arena_cap_is_enforced(void **state)
{
    (void)state;
    struct jarena ar;
    struct jv v;
    jarena_init(&ar, 64);
    const char *big =
        "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]";
    assert_int_equal(jv_parse(&ar, big, strlen(big), &v, NULL), CUT_ENOMEM);
    jarena_reset(&ar);
    assert_int_equal(jv_parse(&ar, "[1]", 3, &v, NULL), CUT_OK);
    jarena_release(&ar);
}

/* The arena, with and without a cap: 3,000 allocations of 0-300 bytes
 * (several chunks), each filled with its own byte, every tenth shrunk to
 * part of itself, and a reset in the middle: every allocation is aligned
 * to 8 and keeps its bytes (none overlaps another), a shrunk one's end is
 * where the next one starts, and with a cap an allocation past it is
 * refused while smaller ones still fit. */
static void test_arena_allocations_keep_their_bytes(void **state)
{
    (void)state;
    for (int capped = 0; capped < 2; capped++) {
        struct jarena ar;
        jarena_init(&ar, capped ? (size_t)200000 : 0);
        for (int half = 0; half < 2; half++) {
            static unsigned char *ptr[1500];
            static size_t len[1500];
            size_t total = 0;
            unsigned x = 12345u + (unsigned)half;
            int n = 0;
            for (int i = 0; i < 1500; i++) {
                x = x * 1103515245u + 12345u;
                size_t want = (x >> 16) % 301;
                unsigned char *p = jarena_alloc(&ar, want);
                size_t rounded = want ? (want + 7) & ~(size_t)7 : 8;
                if (capped && total + rounded > 200000) {
                    assert_null(p);
                    continue;
                }
                assert_non_null(p);
                assert_int_equal((uintptr_t)p % 8, 0);
                total += rounded;
                memset(p, i & 0xff, want);
                if (i % 10 == 0 && want > 8) {
                    jarena_shrink(&ar, p, want, want / 2);
                    total -= rounded - (((want / 2) + 7) & ~(size_t)7);
                    want /= 2;
                    unsigned char *q = jarena_alloc(&ar, 1);
                    assert_ptr_equal(q, p + ((want + 7) & ~(size_t)7));
                    total += 8;
                }
                ptr[n] = p;
                len[n++] = want;
            }
            for (int i = 0; i < n; i++)
                for (size_t k = 0; k < len[i]; k++)
                    if (ptr[i][k] != ptr[i][0]) fail_msg("allocation %d lost its bytes", i);
            jarena_reset(&ar);
        }
        jarena_release(&ar);
    }
}

/* jv_str_scan on string bodies whose end falls at every place of the
 * 16-byte blocks it reads: plain bytes, then the piece that decides, then
 * more bytes. Each body is in a buffer of its exact size (no reading past
 * it under ASan). */
static void check_scan(const char *plain, size_t k, const char *piece, size_t pn, size_t tail,
                       size_t want, bool want_esc)
{
    size_t n = k + pn + tail;
    char *b = malloc(n ? n : 1);
    assert_non_null(b);
    memcpy(b, plain, k);
    memcpy(b + k, piece, pn);
    memset(b + k + pn, 'z', tail);
    bool esc = !want_esc;
    size_t got = jv_str_scan(b, n, &esc);
    assert_int_equal(got, want);
    if (want != SIZE_MAX) assert_int_equal(esc, want_esc);
    free(b);
}

static void test_string_scan_at_every_block_place(void **state)
{
    (void)state;
    char plain[100];
    memset(plain, 'a', sizeof plain);
    plain[7] = (char)0xC3; /* UTF-8 is not the scan's business */
    plain[8] = (char)0xA9;
    for (size_t k = 0; k <= 80; k++) {
        const size_t tails[] = {0, 1, 2, 7, 14, 15, 40};
        for (size_t t = 0; t < sizeof tails / sizeof *tails; t++) {
            size_t tl = tails[t];
            check_scan(plain, k, "\"", 1, tl, k, false);
            check_scan(plain, k, "\\\"abc\"", 6, tl, k + 5, true);
            check_scan(plain, k, "\\\\\"", 3, tl, k + 2, true);
            check_scan(plain, k, "\\u00e9\"", 7, tl, k + 6, true);
            check_scan(plain, k, "\\q\"", 3, tl, SIZE_MAX, false);
            check_scan(plain, k, "\\u00g9\"", 7, tl, SIZE_MAX, false);
            check_scan(plain, k, "\x01\"", 2, tl, SIZE_MAX, false);
        }
        check_scan(plain, k, "", 0, 0, SIZE_MAX, false);     /* no closing quote */
        check_scan(plain, k, "\\\"", 2, 0, SIZE_MAX, false); /* an escaped one only */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_order_and_whitespace_are_ignored),
        cmocka_unit_test(test_numbers_compare_by_value),
        cmocka_unit_test(test_strings_compare_after_unescaping),
        cmocka_unit_test(test_nested_arrays_and_missing_extra),
        cmocka_unit_test(test_type_changes),
        cmocka_unit_test(test_reordered_array_is_one_order_difference),
        cmocka_unit_test(test_order_needs_a_true_permutation),
        cmocka_unit_test(test_unordered_array_pairs_what_differs),
        cmocka_unit_test(test_parser_rejects_malformed_and_deep_input),
        cmocka_unit_test(test_hash_is_consistent_with_equality),
        cmocka_unit_test(test_diff_stops_at_its_limit),
        cmocka_unit_test(test_arena_cap_is_enforced),
        cmocka_unit_test(test_arena_allocations_keep_their_bytes),
        cmocka_unit_test(test_string_scan_at_every_block_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
