/* test_inq.c: replay/inq.c, an input read ahead on a second thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../replay/inq.h"

enum { N = 500 };

/* N records, every 37th line not JSON, and a torn last line. */
static void write_input(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < N; i++) {
        if (i % 37 == 5) {
            fprintf(f, "{\"_id\":\"bad%d\",\n", i);
            continue;
        }
        fprintf(f,
                "{\"_id\":\"r%d\",\"request\":{\"method\":\"POST\",\"url\":\"http://h/v1/%d\","
                "\"httpVersion\":\"HTTP/1.1\",\"headers\":[{\"name\":\"X-N\",\"value\":\"%d\"}],"
                "\"postData\":{\"mimeType\":\"text/plain\",\"text\":\"body %d\"}}}\n",
                i, i, i, i);
    }
    fputs("{\"_id\":\"torn", f);
    fclose(f);
}

/* What one reading of path gives, one line per call: id and target, or
 * the error code and text. */
static char *transcript(const char *path, bool ahead, size_t stop_after)
{
    struct input *in;
    assert_int_equal(input_open(&in, path), CUT_OK);
    struct inq *q = NULL;
    if (ahead) assert_int_equal(inq_start(&q, in), CUT_OK);
    struct exchange x;
    exchange_init(&x);
    static char out[1 << 18];
    size_t len = 0;
    for (size_t k = 0; k < stop_after; k++) {
        const char *why = "";
        enum cut_err e;
        if (q) {
            e = inq_next(q, &x, &why);
        } else {
            e = input_next(in, &x);
            why = input_error(in);
        }
        int n = e == CUT_OK
                    ? snprintf(out + len, sizeof out - len, "%s %s %s\n", x.id, x.req.target,
                               x.req.headers.n ? x.req.headers.v[0].value : "-")
                    : snprintf(out + len, sizeof out - len, "err %d %s\n", (int)e,
                               e == CUT_EOF ? "" : why);
        len += (size_t)n;
        assert_true(len < sizeof out);
        if (e != CUT_OK && e != CUT_EPARSE) break;
    }
    exchange_release(&x);
    inq_stop(q);
    input_free(in);
    return strdup(out);
}

static void test_same_records_and_errors_as_direct(void **state)
{
    (void)state;
    char path[] = "/tmp/test_inq_XXXXXX";
    close(mkstemp(path));
    write_input(path);
    char *direct = transcript(path, false, SIZE_MAX);
    char *ahead = transcript(path, true, SIZE_MAX);
    assert_string_equal(direct, ahead);
    /* It did read: the last record, a bad line with its place, the end. */
    assert_non_null(strstr(ahead, "r499 /v1/499 499\n"));
    assert_non_null(strstr(ahead, ":6: "));
    assert_non_null(strstr(ahead, "err 8 \n"));
    free(direct);
    free(ahead);
    unlink(path);
}

/* Stopped early (as --limit does) while the reader waits on a full ring,
 * and stopped before taking anything: no hang, no leak. */
static void test_stop_early(void **state)
{
    (void)state;
    char path[] = "/tmp/test_inq_XXXXXX";
    close(mkstemp(path));
    write_input(path);
    char *direct = transcript(path, false, 10);
    char *ahead = transcript(path, true, 10);
    assert_string_equal(direct, ahead);
    free(direct);
    free(ahead);
    free(transcript(path, true, 0));
    unlink(path);
}

/* After the end, the end again. */
static void test_eof_repeats(void **state)
{
    (void)state;
    char path[] = "/tmp/test_inq_XXXXXX";
    close(mkstemp(path));
    FILE *f = fopen(path, "w");
    fputs("{\"_id\":\"only\",\"request\":{\"method\":\"GET\",\"url\":\"http://h/x\"}}\n", f);
    fclose(f);
    struct input *in;
    assert_int_equal(input_open(&in, path), CUT_OK);
    struct inq *q;
    assert_int_equal(inq_start(&q, in), CUT_OK);
    struct exchange x;
    exchange_init(&x);
    const char *why;
    assert_int_equal(inq_next(q, &x, &why), CUT_OK);
    assert_string_equal(x.id, "only");
    assert_int_equal(inq_next(q, &x, &why), CUT_EOF);
    assert_int_equal(inq_next(q, &x, &why), CUT_EOF);
    exchange_release(&x);
    inq_stop(q);
    input_free(in);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_records_and_errors_as_direct),
        cmocka_unit_test(test_stop_early),
        cmocka_unit_test(test_eof_repeats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
