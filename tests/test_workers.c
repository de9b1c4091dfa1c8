/* test_workers.c: compare/workers.c: pairs worked on threads and counted in
 * their order give the same report.json as pairs compared one by one on
 * the caller's thread, bad records included and counted once each, and
 * whether its lines are copied or kept by the caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../compare/compare.h"

#define PAIRS 700

/* Record i of one side: endpoints, statuses, ids and timestamps that vary,
 * a real difference now and then, and a broken line every 97th. */
static void line(struct buf *b, int i, bool cand)
{
    static const char *const targets[] = {"/v1/sms", "/v1/email", "/v1/messages/SM123456789"};
    buf_reset(b);
    if (cand && i % 97 == 5) {
        assert_int_equal(buf_puts(b, "{\"_id\":\"x\",\"request\":"), CUT_OK);
        return;
    }
    int status = cand && i % 13 == 0 ? 500 : 200;
    assert_int_equal(
        buf_printf(b,
                   "{\"_id\":\"id-%d\",\"request\":{\"method\":\"%s\",\"_target\":\"%s\"},"
                   "\"response\":{\"status\":%d,\"headers\":[{\"name\":\"Content-Type\","
                   "\"value\":\"%s\"}],\"content\":{\"mimeType\":\"application/json\","
                   "\"text\":\"{\\\"id\\\":\\\"%08x-1234-4abc-8def-%012x\\\",\\\"n\\\":%d,"
                   "\\\"l\\\":[%d,%d]}\"}},\"timings\":{\"wait\":%d.%d}}",
                   i, i % 3 == 2 ? "GET" : "POST", targets[i % 3], status,
                   cand && i % 17 == 0 ? "text/plain" : "application/json",
                   (unsigned)(i * 7919 + cand), (unsigned)i, cand && i % 11 == 0 ? 2 : 1,
                   cand && i % 19 == 0 ? 2 : 1, cand && i % 19 == 0 ? 1 : 2, 5 + i % 40,
                   cand ? i % 10 : 0),
        CUT_OK);
}

static int bad_calls;

static void on_bad(void *ctx, int what)
{
    (void)ctx;
    (void)what;
    bad_calls++;
}

/* report.json of PAIRS pairs (and a few one-sided records) through a pool
 * of the given threads; the caller frees the text. With keep, every line
 * is a memory of its own, kept until the pool is drained and handed over
 * as kept (CMP_KEEP_*, not copied). */
static char *report(int threads, bool keep, int *bad)
{
    char *kept[2 * PAIRS];
    size_t nkept = 0;
    struct cmp_opts o;
    struct cmp c;
    struct cmp_pool *p;
    struct buf b = BUF_INIT, x = BUF_INIT, out = BUF_INIT;
    cmp_opts_init(&o);
    o.baseline = "b.jsonl";
    o.candidate = "c.jsonl";
    assert_int_equal(cmp_init(&c, &o), CUT_OK);
    bad_calls = 0;
    assert_int_equal(cmp_pool_new(&p, &c, threads, on_bad, NULL), CUT_OK);
    for (int i = 0; i < PAIRS; i++) {
        line(&b, i, false);
        line(&x, i, true);
        int what = i % 50 == 7 ? CMP_ITEM_MISSING : i % 50 == 8 ? CMP_ITEM_EXTRA : CMP_ITEM_PAIR;
        const struct buf *one = what == CMP_ITEM_EXTRA ? &x : &b;
        const char *bl = b.data, *xl = x.data, *ol = one->data;
        unsigned k = 0;
        if (keep) {
            bl = ol = kept[nkept++] = strndup(b.data, b.len);
            xl = kept[nkept++] = strndup(x.data, x.len);
            if (what == CMP_ITEM_EXTRA) ol = xl;
            assert_non_null(bl);
            assert_non_null(xl);
            k = CMP_KEEP_B | CMP_KEEP_C;
        }
        if (what == CMP_ITEM_PAIR)
            assert_int_equal(cmp_pool_add(p, what, bl, b.len, xl, x.len, NULL, 0, k), CUT_OK);
        else
            assert_int_equal(cmp_pool_add(p, what, ol, one->len, NULL, 0, NULL, 0, k & 1), CUT_OK);
    }
    assert_int_equal(cmp_pool_drain(p), CUT_OK);
    for (size_t i = 0; i < nkept; i++) free(kept[i]);
    cmp_pool_free(p);
    assert_int_equal(cmp_finish(&c), CUT_OK);
    memcpy(c.started, "2024-01-01T00:00:00Z", 21);
    c.elapsed_s = 0;
    assert_int_equal(report_json_buf(&c, &out), CUT_OK);
    *bad = bad_calls;
    char *text = buf_detach(&out, NULL);
    cmp_release(&c);
    cmp_opts_release(&o);
    buf_free(&b);
    buf_free(&x);
    return text;
}

static void test_threads_give_the_same_report(void **state)
{
    (void)state;
    int bad0, bad;
    char *one = report(0, false, &bad0);
    assert_non_null(strstr(one, "\"path\":\"$.n\"")); /* real differences were found */
    assert_int_equal(bad0, 8); /* i % 97 == 5 below 700: 5, 102, ... 684, all pairs */
    for (int t = 0; t <= 3; t++) {
        for (int keep = t == 0; keep < 2; keep++) {
            char *r = report(t, keep, &bad);
            assert_string_equal(r, one);
            assert_int_equal(bad, bad0);
            free(r);
        }
    }
    free(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_give_the_same_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
