/* test_buf.c: lib/buf.c, the growable buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/buf.h"

static void test_empty_buffer_is_a_valid_string(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    buf_reset(&b);
    buf_free(&b);
    assert_string_equal(b.data, "");
}

static void test_append_grows_and_terminates(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    for (int i = 0; i < 1000; i++) assert_int_equal(buf_append(&b, "abc", 3), CUT_OK);
    assert_int_equal(b.len, 3000);
    assert_int_equal(b.data[3000], '\0');
    assert_memory_equal(b.data + 2997, "abc", 3);
    buf_free(&b);
}

static void test_printf_appends_formatted_text(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_int_equal(buf_puts(&b, "x="), CUT_OK);
    assert_int_equal(buf_printf(&b, "%d/%s", 42, "y"), CUT_OK);
    assert_string_equal(b.data, "x=42/y");
    /* Longer than the first allocation, to exercise the second pass. */
    assert_int_equal(buf_printf(&b, "%0200d", 7), CUT_OK);
    assert_int_equal(b.len, 206);
    assert_int_equal(b.data[205], '7');
    buf_free(&b);
}

static void test_cap_refuses_growth_past_max(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_append(&b, "0123456789", 10), CUT_OK);
    assert_int_equal(buf_append(&b, "x", 1), CUT_ELIMIT);
    assert_int_equal(buf_putc(&b, 'x'), CUT_ELIMIT);
    assert_int_equal(buf_printf(&b, "%s", "y"), CUT_ELIMIT);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    buf_free(&b);
}

static void test_consume_and_truncate(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "hello world");
    buf_consume(&b, 6);
    assert_string_equal(b.data, "world");
    buf_truncate(&b, 3);
    assert_string_equal(b.data, "wor");
    buf_consume(&b, 99);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

static void test_detach_hands_over_memory(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    size_t n;
    char *s = buf_detach(&b, &n);
    assert_string_equal(s, "");
    free(s);
    buf_puts(&b, "kept");
    s = buf_detach(&b, &n);
    assert_int_equal(n, 4);
    assert_string_equal(s, "kept");
    assert_int_equal(b.len, 0);
    free(s);
    buf_free(&b);
}

/* A run of _nonul appends, through growth, reads as one string once
 * buf_nul ends it; a cap still stops them. */
static void test_nonul_run_then_nul(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    char want[3000];
    size_t n = 0;
    for (int i = 0; i < 500; i++) {
        assert_int_equal(buf_append_nonul(&b, "ab,", 3), CUT_OK);
        assert_int_equal(buf_putc_nonul(&b, 'z'), CUT_OK);
        memcpy(want + n, "ab,z", 4);
        n += 4;
    }
    want[n] = '\0';
    buf_nul(&b);
    assert_int_equal(b.len, n);
    assert_string_equal(b.data, want);
    buf_free(&b);
    struct buf c;
    buf_init(&c, 4);
    assert_int_equal(buf_append_nonul(&c, "abc", 3), CUT_OK);
    assert_int_equal(buf_putc_nonul(&c, 'd'), CUT_OK);
    assert_int_equal(buf_putc_nonul(&c, 'e'), CUT_ELIMIT);
    assert_int_equal(buf_append_nonul(&c, "e", 1), CUT_ELIMIT);
    buf_nul(&c);
    assert_string_equal(c.data, "abcd");
    buf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_buffer_is_a_valid_string),
        cmocka_unit_test(test_append_grows_and_terminates),
        cmocka_unit_test(test_printf_appends_formatted_text),
        cmocka_unit_test(test_cap_refuses_growth_past_max),
        cmocka_unit_test(test_consume_and_truncate),
        cmocka_unit_test(test_detach_hands_over_memory),
        cmocka_unit_test(test_nonul_run_then_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
