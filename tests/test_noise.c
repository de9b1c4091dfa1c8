/* test_noise.c: compare/noise.c: each noise layer: ignore rules; the
 * secondary (Diffy) method with its relative and absolute margins; unique
 * values that keep their shape; --strict; and matched/mismatched recounted
 * from the decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../compare/compare.h"

struct fix {
    struct cmp_opts o;
    struct cmp c;
    uint32_t ep;
};

static void setup_fix(struct fix *f, bool secondary, bool strict)
{
    cmp_opts_init(&f->o);
    f->o.max_examples = 0; /* no records behind these pairs */
    f->o.secondary = secondary ? "secondary.jsonl" : NULL;
    f->o.strict = strict;
    cmp_init(&f->c, &f->o);
    assert_int_equal(cmp_endpoint_get(&f->c, "POST /v1/sms", 12, &f->ep), CUT_OK);
}

static void teardown_fix(struct fix *f)
{
    cmp_release(&f->c);
    cmp_opts_release(&f->o);
}

static struct jv str(const char *s)
{
    struct jv v = {JV_STR, 0, (uint32_t)strlen(s), {.s = s}};
    return v;
}

/* One compared pair with one body difference at path (or none). */
static void pair(struct fix *f, const char *path, const char *a, const char *b)
{
    f->c.eps[f->ep].exchanges++;
    f->c.eps[f->ep].compared++;
    cmp_pair_begin(&f->c, f->ep, 0);
    if (path) {
        struct jv va = str(a), vb = str(b);
        assert_int_equal(cmp_note(&f->c, CMP_BODY, JDIFF_VALUE, path, &va, &vb), CUT_OK);
    }
    assert_int_equal(cmp_pair_end(&f->c), CUT_OK);
}

/* The baseline/secondary comparison of the same exchange. */
static void secondary(struct fix *f, const char *path)
{
    cmp_pair_begin(&f->c, f->ep, 1);
    if (path) {
        struct jv va = str("a"), vb = str("b");
        assert_int_equal(cmp_note(&f->c, CMP_BODY, JDIFF_VALUE, path, &va, &vb), CUT_OK);
    }
}

static const struct cmp_key *key(const struct fix *f, const char *path)
{
    for (size_t i = 0; i < f->c.nkeys; i++)
        if (strcmp(f->c.keys[i].path, path) == 0) return &f->c.keys[i];
    fail_msg("no key %s", path);
    return NULL;
}

static void uuid_of(int i, char *out, size_t n)
{
    snprintf(out, n, "%08x-1234-4abc-8def-%012x", 0x1000u + (unsigned)i * 7919u, (unsigned)i * 31u);
}

static void test_rule_ignores_and_counts(void **state)
{
    (void)state;
    struct fix f;
    char err[128];
    cmp_opts_init(&f.o);
    assert_int_equal(cmp_rules_add(&f.o.ignore, "$.meta", err, sizeof err), CUT_OK);
    f.o.max_examples = 0;
    cmp_init(&f.c, &f.o);
    assert_int_equal(cmp_endpoint_get(&f.c, "GET /x", 6, &f.ep), CUT_OK);
    for (int i = 0; i < 10; i++) pair(&f, "$.meta.trace[3].id", "a", "b");
    pair(&f, "$.status", "queued", "sent");
    assert_int_equal(cmp_noise_decide(&f.c), CUT_OK);
    const struct cmp_key *k = key(&f, "$.meta.trace[*].id");
    assert_int_equal(k->decision, CMP_NOISE_RULE);
    assert_int_equal(k->raw, 10);
    assert_int_equal(key(&f, "$.status")->decision, CMP_DIFF);
    assert_int_equal(f.c.eps[f.ep].matched, 10);
    assert_int_equal(f.c.eps[f.ep].mismatched, 1);
    teardown_fix(&f);
}

/* Rule answers are remembered per concrete path, but per endpoint too: an
 * endpoint's own ignore rule must not leak to another endpoint. */
static void test_endpoint_rules_stay_with_their_endpoint(void **state)
{
    (void)state;
    struct fix f;
    char err[128];
    uint32_t other;
    cmp_opts_init(&f.o);
    f.o.max_examples = 0;
    f.o.ov = calloc(1, sizeof *f.o.ov);
    assert_non_null(f.o.ov);
    f.o.nov = 1;
    f.o.ov[0].endpoint = strdup("GET /x");
    cmp_thresholds_unset(&f.o.ov[0].th);
    assert_int_equal(cmp_rules_add(&f.o.ov[0].ignore, "$.t", err, sizeof err), CUT_OK);
    cmp_init(&f.c, &f.o);
    assert_int_equal(cmp_endpoint_get(&f.c, "GET /x", 6, &f.ep), CUT_OK);
    assert_int_equal(cmp_endpoint_get(&f.c, "GET /y", 6, &other), CUT_OK);
    for (int i = 0; i < 3; i++) {
        pair(&f, "$.t", "a", "b");
        uint32_t x = f.ep;
        f.ep = other;
        pair(&f, "$.t", "a", "b");
        f.ep = x;
    }
    assert_int_equal(cmp_noise_decide(&f.c), CUT_OK);
    for (size_t i = 0; i < f.c.nkeys; i++)
        assert_int_equal(f.c.keys[i].decision,
                         f.c.keys[i].endpoint == f.ep ? CMP_NOISE_RULE : CMP_DIFF);
    assert_int_equal(f.c.nkeys, 2);
    assert_int_equal(f.c.eps[other].mismatched, 3);
    assert_int_equal(f.c.eps[f.ep].matched, 3);
    teardown_fix(&f);
}

static void test_secondary_keeps_regressions_over_noise(void **state)
{
    (void)state;
    struct fix f;
    setup_fix(&f, true, false);
    /* $.a: 60% baseline/candidate vs 5% baseline/secondary: a regression.
     * $.b: 50% in both: noise. */
    for (int i = 0; i < 100; i++) {
        f.c.eps[f.ep].exchanges++;
        f.c.eps[f.ep].compared++;
        cmp_pair_begin(&f.c, f.ep, 0);
        struct jv va = str("x"), vb = str("y");
        if (i < 60)
            assert_int_equal(cmp_note(&f.c, CMP_BODY, JDIFF_VALUE, "$.a", &va, &vb), CUT_OK);
        if (i % 2) assert_int_equal(cmp_note(&f.c, CMP_BODY, JDIFF_VALUE, "$.b", &va, &vb), CUT_OK);
        assert_int_equal(cmp_pair_end(&f.c), CUT_OK);
        cmp_pair_begin(&f.c, f.ep, 1);
        if (i < 5) assert_int_equal(cmp_note(&f.c, CMP_BODY, JDIFF_VALUE, "$.a", &va, &vb), CUT_OK);
        if (i % 2 == 0)
            assert_int_equal(cmp_note(&f.c, CMP_BODY, JDIFF_VALUE, "$.b", &va, &vb), CUT_OK);
    }
    assert_int_equal(cmp_noise_decide(&f.c), CUT_OK);
    assert_int_equal(key(&f, "$.a")->decision, CMP_DIFF);
    assert_int_equal(key(&f, "$.a")->sec, 5);
    assert_int_equal(key(&f, "$.b")->decision, CMP_NOISE_SECONDARY);
    /* exchanges 0..59 have $.a: mismatched; the rest only noise: matched */
    assert_int_equal(f.c.eps[f.ep].mismatched, 60);
    assert_int_equal(f.c.eps[f.ep].matched, 40);
    teardown_fix(&f);
}

static void test_secondary_margins(void **state)
{
    (void)state;
    struct fix f;
    setup_fix(&f, true, false);
    /* raw 11 vs noise 10 of 100: relative margin 1/21 < 20%: noise */
    for (int i = 0; i < 100; i++) {
        pair(&f, i < 11 ? "$.r" : NULL, "x", "y");
        secondary(&f, i < 10 ? "$.r" : NULL);
    }
    /* raw 1 vs 0 of 10000: relative 100% but absolute 0.01% < 0.03%: noise */
    for (int i = 0; i < 9900; i++) pair(&f, i == 0 ? "$.rare" : NULL, "x", "y");
    assert_int_equal(cmp_noise_decide(&f.c), CUT_OK);
    assert_int_equal(key(&f, "$.r")->decision, CMP_NOISE_SECONDARY);
    assert_int_equal(key(&f, "$.rare")->decision, CMP_NOISE_SECONDARY);
    teardown_fix(&f);
    /* with a zero absolute margin the rare one is a difference */
    setup_fix(&f, true, false);
    f.o.noise_abs = 0;
    for (int i = 0; i < 10000; i++) pair(&f, i == 0 ? "$.rare" : NULL, "x", "y");
    assert_int_equal(cmp_noise_decide(&f.c), CUT_OK);
    assert_int_equal(key(&f, "$.rare")->decision, CMP_DIFF);
    teardown_fix(&f);
}

static void test_unique_ids_and_timestamps_are_noise(void **state)
{
    (void)state;
    struct fix f;
    setup_fix(&f, false, false);
    char a[64], b[64], ta[40], tb[40];
    for (int i = 0; i < 50; i++) {
        uuid_of(i, a, sizeof a);
        uuid_of(i + 1000, b, sizeof b);
        pair(&f, "$.message_id", a, b);
        snprintf(ta, sizeof ta, "2024-03-01T10:%02d:%02d.123Z", i / 60, i % 60);
        snprintf(tb, sizeof tb, "2024-03-02T11:%02d:%02dZ", i / 60, i % 60);
        pair(&f, "$.created_at", ta, tb);
        pair(&f, "$.status", "queued", "sent");
    }
    assert_int_equal(cmp_noise_decide(&f.c), CUT_OK);
    assert_int_equal(key(&f, "$.message_id")->decision, CMP_NOISE_UNIQUE);
    assert_int_equal(key(&f, "$.message_id")->shape, SHAPE_UUID);
    assert_int_equal(key(&f, "$.created_at")->decision, CMP_NOISE_UNIQUE);
    assert_int_equal(key(&f, "$.status")->decision, CMP_DIFF);
    assert_int_equal(f.c.eps[f.ep].matched, 100);
    assert_int_equal(f.c.eps[f.ep].mismatched, 50);
    teardown_fix(&f);
}

static void test_shape_change_or_repeats_stay_differences(void **state)
{
    (void)state;
    struct fix f;
    setup_fix(&f, false, false);
    char a[64], b[64];
    for (int i = 0; i < 20; i++) {
        uuid_of(i, a, sizeof a);
        uuid_of(i + 500, b, sizeof b);
        pair(&f, "$.id", a, i == 7 ? "12345" : b); /* one candidate value loses its shape */
        uuid_of(i % 5, a, sizeof a);               /* baseline values repeat */
        pair(&f, "$.template_id", a, b);
    }
    assert_int_equal(cmp_noise_decide(&f.c), CUT_OK);
    assert_int_equal(key(&f, "$.id")->decision, CMP_DIFF);
    assert_int_equal(key(&f, "$.template_id")->decision, CMP_DIFF);
    teardown_fix(&f);
}

/* The decision on $.id when value number rep of n distinct ones comes
 * twice: both times first (where 0), first and last (1), or both last (2). */
static int repeat_decision(int n, int rep, int where, size_t *kept)
{
    struct fix f;
    setup_fix(&f, false, false);
    char a[64], b[64];
    if (where == 0) {
        uuid_of(rep, a, sizeof a);
        uuid_of(rep + 200000, b, sizeof b);
        pair(&f, "$.id", a, b);
    }
    for (int i = 0; i < n; i++) {
        uuid_of(i, a, sizeof a);
        uuid_of(i + 100000, b, sizeof b);
        pair(&f, "$.id", a, b);
    }
    if (where > 0) {
        uuid_of(rep, a, sizeof a);
        uuid_of(rep + 200000, b, sizeof b);
        pair(&f, "$.id", a, b);
    }
    assert_int_equal(cmp_noise_decide(&f.c), CUT_OK);
    int d = key(&f, "$.id")->decision;
    *kept = key(&f, "$.id")->seen.n;
    teardown_fix(&f);
    return d;
}

/* Past 65,536 distinct values a key keeps a sample of them; the sample (by
 * the values' hash) and so the decision must not depend on where in the
 * input the repeated value comes: before the sample, a repeat after the
 * set was full went unseen (noise), and the same repeat early was seen. */
static void test_unique_decision_past_the_cap_ignores_order(void **state)
{
    (void)state;
    size_t kept;
    /* under the cap every repeat is seen, wherever it comes */
    for (int where = 0; where < 3; where++)
        assert_int_equal(repeat_decision(1000, 500, where, &kept), CMP_DIFF);
    /* values first met past the 65,536th: the ones the old set missed */
    for (int rep = 66000; rep < 70000; rep += 1999) {
        int d0 = repeat_decision(70000, rep, 0, &kept);
        /* about half of 70,000 values are under the halved limit */
        assert_true(kept > 65536 / 4 && kept <= 65536);
        for (int where = 1; where < 3; where++)
            assert_int_equal(repeat_decision(70000, rep, where, &kept), d0);
    }
}

static void test_strict_turns_unique_layer_off(void **state)
{
    (void)state;
    struct fix f;
    setup_fix(&f, false, true);
    char a[64], b[64];
    for (int i = 0; i < 20; i++) {
        uuid_of(i, a, sizeof a);
        uuid_of(i + 500, b, sizeof b);
        pair(&f, "$.message_id", a, b);
    }
    assert_int_equal(cmp_noise_decide(&f.c), CUT_OK);
    assert_int_equal(key(&f, "$.message_id")->decision, CMP_DIFF);
    assert_int_equal(f.c.eps[f.ep].mismatched, 20);
    teardown_fix(&f);
}

static void test_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool num;
        int shape;
    } rows[] = {
        {"550e8400-e29b-41d4-a716-446655440000", false, SHAPE_UUID},
        {"01ARZ3NDEKTSV4RRFFQ69G5FAV", false, SHAPE_ULID},
        {"9f86d081884c7d65", false, SHAPE_HEX},
        {"msg_2NfXq8ZyA7bC9dE1", false, SHAPE_TOKEN},
        {"2024-03-01T10:00:00Z", false, SHAPE_ISO8601},
        {"2024-03-01 10:00:00.123+01:00", false, SHAPE_ISO8601},
        {"2024-03-01", false, SHAPE_ISO8601},
        {"2024-03-01T10:00:00,5z", false, SHAPE_ISO8601},
        {"2024-03-01T10:00:00Y", false, SHAPE_TOKEN}, /* Y: not a time's byte */
        {"2024-03-01T10:00:00 ", false, SHAPE_NONE},  /* nor a token's */
        {"1709287200", true, SHAPE_EPOCH_S},
        {"1709287200123", true, SHAPE_EPOCH_MS},
        {"1709287200.5", true, SHAPE_EPOCH_S},
        {"1709287200", false, SHAPE_EPOCH_S},
        {"queued", false, SHAPE_NONE},
        {"42", true, SHAPE_NONE},
        {"0.0075", true, SHAPE_NONE},
        {"hello world 2024", false, SHAPE_NONE},
        {"deadbeef", false, SHAPE_NONE}, /* hex needs a digit */
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct jv v = {
            rows[i].num ? JV_NUM : JV_STR, 0, (uint32_t)strlen(rows[i].s), {.s = rows[i].s}};
        uint32_t lc;
        if ((int)cmp_shape_of(&v, &lc) != rows[i].shape) fail_msg("shape of %s", rows[i].s);
    }
}

/* A difference's key is found again by its remembered path's address
 * (cmp_note_event's memory), but only for its own endpoint, kind and
 * place: one path noted in 300 endpoints (its 300 keys of a kind cannot
 * all have slots of their own in a memory of 256) as a value and as
 * missing, and as a header's name, and 200 concrete paths of another
 * endpoint, over 5 pairs each, make one key each, counted once a pair. */
static void test_keys_of_remembered_paths_stay_apart(void **state)
{
    (void)state;
    struct fix f;
    setup_fix(&f, false, true);
    uint32_t eps[300];
    char name[32];
    for (int e = 0; e < 300; e++) {
        int n = snprintf(name, sizeof name, "GET /v1/e%d", e);
        assert_int_equal(cmp_endpoint_get(&f.c, name, (size_t)n, &eps[e]), CUT_OK);
    }
    struct jv va = str("x"), vb = str("y");
    char path[32];
    for (int round = 0; round < 5; round++) {
        for (int e = 0; e < 300; e++) {
            f.c.eps[eps[e]].exchanges++;
            f.c.eps[eps[e]].compared++;
            cmp_pair_begin(&f.c, eps[e], 0);
            assert_int_equal(cmp_note(&f.c, CMP_BODY, JDIFF_VALUE, "$.a", &va, &vb), CUT_OK);
            assert_int_equal(cmp_note(&f.c, CMP_BODY, JDIFF_MISSING, "$.a", &va, NULL), CUT_OK);
            assert_int_equal(cmp_note(&f.c, CMP_HEADER, JDIFF_VALUE, "$.a", &va, &vb), CUT_OK);
            assert_int_equal(cmp_pair_end(&f.c), CUT_OK);
        }
        f.c.eps[f.ep].exchanges++;
        f.c.eps[f.ep].compared++;
        cmp_pair_begin(&f.c, f.ep, 0);
        for (int i = 0; i < 200; i++) {
            snprintf(path, sizeof path, "$.f%d", i);
            assert_int_equal(cmp_note(&f.c, CMP_BODY, JDIFF_VALUE, path, &va, &vb), CUT_OK);
        }
        assert_int_equal(cmp_note(&f.c, CMP_BODY, JDIFF_VALUE, "$.g[0].c", &va, &vb), CUT_OK);
        assert_int_equal(cmp_note(&f.c, CMP_BODY, JDIFF_VALUE, "$.g[1].c", &va, &vb), CUT_OK);
        assert_int_equal(cmp_pair_end(&f.c), CUT_OK);
    }
    assert_int_equal(f.c.nkeys, 300 * 3 + 200 + 1);
    for (size_t k = 0; k < f.c.nkeys; k++) assert_int_equal(f.c.keys[k].raw, 5);
    teardown_fix(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_ignores_and_counts),
        cmocka_unit_test(test_keys_of_remembered_paths_stay_apart),
        cmocka_unit_test(test_endpoint_rules_stay_with_their_endpoint),
        cmocka_unit_test(test_secondary_keeps_regressions_over_noise),
        cmocka_unit_test(test_secondary_margins),
        cmocka_unit_test(test_unique_ids_and_timestamps_are_noise),
        cmocka_unit_test(test_shape_change_or_repeats_stay_differences),
        cmocka_unit_test(test_unique_decision_past_the_cap_ignores_order),
        cmocka_unit_test(test_strict_turns_unique_layer_off),
        cmocka_unit_test(test_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
