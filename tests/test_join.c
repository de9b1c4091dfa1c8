/* test_join.c: compare/join.c's join_line_id: the _id of a record line read
 * where it is when the line starts with it, and by a whole parse when it
 * has an escape (or does not come first), at every length and every place
 * of the 16-byte blocks the fast path reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../compare/compare.h"

/* join_line_id of text in a heap buffer of its exact size (no reading
 * past it under ASan); the id must be want. */
static void check_id(struct jarena *a, const char *text, const char *want)
{
    size_t n = strlen(text);
    char *line = malloc(n);
    assert_non_null(line);
    memcpy(line, text, n);
    const char *id = NULL;
    size_t idlen = 0;
    assert_int_equal(join_line_id(a, line, n, &id, &idlen), CUT_OK);
    assert_int_equal(idlen, strlen(want));
    assert_memory_equal(id, want, idlen);
    free(line);
}

static void test_ids_of_every_length(void **state)
{
    (void)state;
    struct jarena a;
    jarena_init(&a, 0);
    char id[64], text[160];
    for (size_t len = 0; len <= 40; len++) {
        for (size_t i = 0; i < len; i++) id[i] = (char)('a' + i % 26);
        id[len] = '\0';
        /* the id, then the rest of the record: short, or none but the brace */
        snprintf(text, sizeof text, "{\"_id\":\"%s\",\"request\":{\"method\":\"GET\"}}", id);
        check_id(&a, text, id);
        snprintf(text, sizeof text, "{\"_id\":\"%s\"}", id);
        check_id(&a, text, id);
        /* an escape at each place: the parse decodes it */
        for (size_t at = 0; at < len; at++) {
            char want[64];
            memcpy(want, id, len + 1);
            want[at] = 'A';
            snprintf(text, sizeof text, "{\"_id\":\"%.*s\\u0041%s\",\"x\":[1]}", (int)at, id,
                     id + at + 1);
            check_id(&a, text, want);
            want[at] = '"';
            snprintf(text, sizeof text, "{\"_id\":\"%.*s\\\"%s\"}", (int)at, id, id + at + 1);
            check_id(&a, text, want);
        }
    }
    /* not first: the parse finds it */
    check_id(&a, "{\"request\":{},\"_id\":\"late-1\"}", "late-1");
    jarena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_of_every_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
