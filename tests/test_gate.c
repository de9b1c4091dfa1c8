/* test_gate.c: compare/gate.c: every rule listed with threshold, actual
 * and outcome; parity and missing per endpoint and overall; per-endpoint
 * overrides; latency rules fail only when over threshold AND significant,
 * and report "not enough data" below the minimum sample size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../compare/compare.h"

static struct cmp_opts o;
static struct cmp c;

static uint32_t ep(const char *name)
{
    uint32_t i;
    assert_int_equal(cmp_endpoint_get(&c, name, strlen(name), &i), CUT_OK);
    return i;
}

/* n compared pairs of which bad differ; latencies ref_ms / cand_ms. */
static void pairs(uint32_t e, int n, int bad, double ref_ms, double cand_ms, double spread)
{
    for (int i = 0; i < n; i++) {
        c.eps[e].exchanges++;
        c.eps[e].compared++;
        cmp_pair_begin(&c, e, 0);
        if (i < bad)
            assert_int_equal(cmp_note(&c, CMP_STATUS, JDIFF_VALUE, "status", NULL, NULL), CUT_OK);
        assert_int_equal(cmp_pair_end(&c), CUT_OK);
        double jitter = spread * (double)((i * 37) % n) / n;
        assert_int_equal(cmp_latency_add(&c.eps[e].lat, ref_ms + jitter, cand_ms + jitter, -1),
                         CUT_OK);
    }
}

static const struct cmp_gate_row *row(const char *rule, const char *scope)
{
    for (size_t i = 0; i < c.ngate; i++)
        if (strcmp(c.gate[i].rule, rule) == 0 && strcmp(c.gate[i].scope, scope) == 0)
            return &c.gate[i];
    fail_msg("no gate row %s %s", rule, scope);
    return NULL;
}

static void start(void)
{
    cmp_opts_init(&o);
    o.max_examples = 0;
}

static void stop(void)
{
    cmp_release(&c);
    cmp_opts_release(&o);
}

static void test_latency_rules_need_significance_and_samples(void **state)
{
    (void)state;
    start();
    cmp_init(&c, &o);
    uint32_t slow = ep("GET /slow"), thin = ep("GET /thin"), noisy = ep("GET /noisy");
    pairs(slow, 100, 0, 10, 30, 2); /* 3x slower everywhere */
    pairs(thin, 20, 0, 10, 30, 2);  /* 3x slower but only 20 samples */
    pairs(noisy, 50, 0, 10, 10, 2); /* the same, but for one outlier */
    c.eps[noisy].lat.cand_s.v[49] = 500;
    hist_record(&c.eps[noisy].lat.cand, 500000);
    assert_int_equal(cmp_finish(&c), CUT_OK);
    const struct cmp_gate_row *r = row("max-p50-ratio", "GET /slow");
    assert_false(r->passed);
    assert_true(r->actual > 2.5 && r->actual < 3.5);
    assert_true(r->p_value < 1e-6);
    assert_true(r->threshold == 1.2);
    r = row("max-p99-ratio", "GET /thin");
    assert_true(r->passed);
    assert_string_equal(r->note, "not enough data");
    r = row("max-p99-ratio", "GET /noisy");
    assert_true(r->actual > 1.5);
    assert_true(r->passed);
    assert_string_equal(r->note, "over threshold but not significant");
    assert_true(row("min-parity", "overall")->passed);
    assert_false(c.passed);
    stop();
}

static void test_parity_missing_and_overrides(void **state)
{
    (void)state;
    start();
    o.nov = 1;
    o.ov = calloc(1, sizeof *o.ov);
    o.ov[0].endpoint = strdup("POST /lenient");
    cmp_thresholds_unset(&o.ov[0].th);
    o.ov[0].th.min_parity = 80;
    cmp_init(&c, &o);
    uint32_t strict = ep("POST /strict"), lenient = ep("POST /lenient"), gone = ep("GET /gone");
    pairs(strict, 10, 1, 10, 10, 1);
    pairs(lenient, 10, 1, 10, 10, 1);
    pairs(gone, 10, 0, 10, 10, 1);
    c.eps[gone].exchanges += 5;
    c.eps[gone].missing += 5;
    assert_int_equal(cmp_finish(&c), CUT_OK);
    const struct cmp_gate_row *r = row("min-parity", "POST /strict");
    assert_false(r->passed);
    assert_true(fabs(r->actual - 90) < 1e-9 && r->threshold == 100);
    r = row("min-parity", "POST /lenient");
    assert_true(r->passed && r->threshold == 80);
    r = row("max-missing", "GET /gone");
    assert_false(r->passed);
    assert_true(fabs(r->actual - 100.0 * 5 / 15) < 1e-9);
    r = row("max-missing", "overall");
    assert_true(fabs(r->actual - 100.0 * 5 / 35) < 1e-9);
    assert_false(r->passed);
    r = row("min-parity", "overall");
    assert_true(fabs(r->actual - 100.0 * 28 / 30) < 1e-9);
    assert_true(row("max-p99-ratio", "POST /strict")->passed);
    assert_string_equal(row("max-p99-ratio", "POST /strict")->note, "not enough data");
    assert_false(c.passed);
    stop();
}

static void test_all_clean_passes(void **state)
{
    (void)state;
    start();
    cmp_init(&c, &o);
    pairs(ep("GET /a"), 200, 0, 20, 20, 5);
    assert_int_equal(cmp_finish(&c), CUT_OK);
    assert_true(c.passed);
    for (size_t i = 0; i < c.ngate; i++) assert_true(c.gate[i].passed);
    assert_true(c.ngate == 3 + 5); /* overall: 3 rules; per endpoint: 5 */
    stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latency_rules_need_significance_and_samples),
        cmocka_unit_test(test_parity_missing_and_overrides),
        cmocka_unit_test(test_all_clean_passes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
