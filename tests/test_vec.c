/* test_vec.c: lib/vec.c, the growth of plain arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/vec.h"

struct pair {
    int a;
    double b;
};

static void test_appends_keep_every_element(void **state)
{
    (void)state;
    struct pair *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(vec_reserve(&v, &cap, n + 1, sizeof *v), CUT_OK);
        assert_true(cap >= n + 1);
        v[n++] = (struct pair){i, i * 0.5};
    }
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(v[i].a, i);
        assert_true(v[i].b == i * 0.5);
    }
    free(v);
}

static void test_capacity_doubles_from_eight(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    assert_int_equal(vec_reserve(&v, &cap, 1, sizeof *v), CUT_OK);
    assert_int_equal(cap, 8);
    assert_int_equal(vec_reserve(&v, &cap, 8, sizeof *v), CUT_OK);
    assert_int_equal(cap, 8); /* enough room: nothing moves */
    assert_int_equal(vec_reserve(&v, &cap, 9, sizeof *v), CUT_OK);
    assert_int_equal(cap, 16);
    assert_int_equal(vec_reserve(&v, &cap, 100, sizeof *v), CUT_OK);
    assert_int_equal(cap, 128);
    free(v);
}

static void test_overflow_fails_and_keeps_the_array(void **state)
{
    (void)state;
    char **v = NULL;
    size_t cap = 0;
    assert_int_equal(vec_reserve(&v, &cap, 3, sizeof *v), CUT_OK);
    v[0] = "kept";
    char **before = v;
    assert_int_equal(vec_reserve(&v, &cap, SIZE_MAX / 4, sizeof *v), CUT_ENOMEM);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 8);
    assert_string_equal(v[0], "kept");
    assert_int_equal(vec_reserve(&v, &cap, 1, 0), CUT_OK); /* need <= cap */
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_keep_every_element),
        cmocka_unit_test(test_capacity_doubles_from_eight),
        cmocka_unit_test(test_overflow_fails_and_keeps_the_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
