/* test_outq.c: replay/outq.c, the records written by a second thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../replay/outq.h"

enum { N = 1000 };

static void make_record(struct exchange *x, int i)
{
    char id[32];
    int n = snprintf(id, sizeof id, "r%d", i);
    assert_int_equal(exchange_strset(&x->id, id, (size_t)n), CUT_OK);
    assert_int_equal(exchange_strset(&x->req.method, "POST", 4), CUT_OK);
    assert_int_equal(exchange_strset(&x->req.target, "/v1/sms", 7), CUT_OK);
    x->resp.status = 200 + i % 3;
}

/* Writes records r0..r(N-1) through a queue into paths[0..ndest), every
 * third to output 1 when there are two, with a flush now and then. */
static void run(bool threaded, int ndest, char *paths[2], struct outfile files[2])
{
    for (int d = 0; d < ndest; d++) {
        assert_int_equal(outfile_open(&files[d], paths[d], false), CUT_OK);
        files[d].flush_at = 4096; /* many batches */
    }
    struct outq *q;
    assert_int_equal(outq_new(&q, files, ndest, threaded), CUT_OK);
    struct exchange x;
    exchange_init(&x);
    for (int i = 0; i < N; i++) {
        exchange_clear(&x);
        make_record(&x, i);
        outq_put(q, ndest == 2 && i % 3 == 0 ? 1 : 0, &x);
        if (i % 250 == 0) outq_flush(q);
    }
    exchange_release(&x);
    int d = -1;
    assert_int_equal(outq_finish(q, &d), CUT_OK);
    for (int k = 0; k < ndest; k++) assert_int_equal(outfile_close(&files[k], false), CUT_OK);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char big[1 << 20];
    size_t n = fread(big, 1, sizeof big - 1, f);
    fclose(f);
    big[n] = 0;
    return strdup(big);
}

/* Every line is one whole record, in the order given, with its own id. */
static void check_order(const char *text, int ndest, int d)
{
    int want = 0;
    const char *p = text;
    while (*p) {
        while (ndest == 2 && (want % 3 == 0) != (d == 1)) want++;
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        char idfield[48];
        snprintf(idfield, sizeof idfield, "{\"_id\":\"r%d\",", want);
        assert_memory_equal(p, idfield, strlen(idfield));
        assert_true(nl[-1] == '}');
        want++;
        p = nl + 1;
    }
    while (ndest == 2 && want < N && (want % 3 == 0) != (d == 1)) want++;
    assert_int_equal(want, N);
}

static void test_threaded_same_bytes_as_inline(void **state)
{
    (void)state;
    char a[] = "/tmp/test_outq_aXXXXXX", b[] = "/tmp/test_outq_bXXXXXX";
    close(mkstemp(a));
    close(mkstemp(b));
    struct outfile f[2];
    char *pa[2] = {a, NULL}, *pb[2] = {b, NULL};
    run(false, 1, pa, f);
    run(true, 1, pb, f);
    char *ta = slurp(a), *tb = slurp(b);
    assert_string_equal(ta, tb);
    check_order(tb, 1, 0);
    free(ta);
    free(tb);
    unlink(a);
    unlink(b);
}

static void test_two_outputs_keep_their_order(void **state)
{
    (void)state;
    char a[] = "/tmp/test_outq_cXXXXXX", b[] = "/tmp/test_outq_dXXXXXX";
    close(mkstemp(a));
    close(mkstemp(b));
    struct outfile f[2];
    char *p[2] = {a, b};
    run(true, 2, p, f);
    char *ta = slurp(a), *tb = slurp(b);
    check_order(ta, 2, 0);
    check_order(tb, 2, 1);
    free(ta);
    free(tb);
    unlink(a);
    unlink(b);
}

/* A full disk is reported, with the output it happened in, and the run
 * does not block on the queue afterwards. */
static void test_write_failure_reported(void **state)
{
    (void)state;
    for (int threaded = 0; threaded < 2; threaded++) {
        struct outfile f[1];
        assert_int_equal(outfile_open(&f[0], "/dev/full", false), CUT_OK);
        f[0].flush_at = 1024;
        struct outq *q;
        assert_int_equal(outq_new(&q, f, 1, threaded), CUT_OK);
        struct exchange x;
        exchange_init(&x);
        for (int i = 0; i < N; i++) {
            exchange_clear(&x);
            make_record(&x, i);
            outq_put(q, 0, &x);
        }
        exchange_release(&x);
        int d = -1;
        assert_int_equal(outq_finish(q, &d), CUT_EIO);
        assert_int_equal(d, 0);
        assert_int_not_equal(f[0].err_no, 0);
        outfile_close(&f[0], false);
    }
}

static void test_error_seen_while_running(void **state)
{
    (void)state;
    struct outfile f[1];
    assert_int_equal(outfile_open(&f[0], "/dev/full", false), CUT_OK);
    f[0].flush_at = 512;
    struct outq *q;
    assert_int_equal(outq_new(&q, f, 1, true), CUT_OK);
    struct exchange x;
    exchange_init(&x);
    int d = -1;
    enum cut_err e = CUT_OK;
    /* Bounded: the writer sees the failure within a few batches. */
    for (int i = 0; i < 200000 && !e; i++) {
        exchange_clear(&x);
        make_record(&x, i);
        outq_put(q, 0, &x);
        if (i % 64 == 63) {
            outq_flush(q);
            e = outq_error(q, &d);
        }
    }
    exchange_release(&x);
    assert_int_equal(e, CUT_EIO);
    assert_int_equal(d, 0);
    assert_int_equal(outq_finish(q, &d), CUT_EIO);
    outfile_close(&f[0], false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threaded_same_bytes_as_inline),
        cmocka_unit_test(test_two_outputs_keep_their_order),
        cmocka_unit_test(test_write_failure_reported),
        cmocka_unit_test(test_error_seen_while_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
