/* test_jpath.c: lib/jpath.c, the JSONPath subset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/jpath.h"

static struct jpath *must_parse(const char *s)
{
    struct jpath *p;
    char err[128];
    assert_int_equal(jpath_parse(s, &p, err, sizeof err), CUT_OK);
    return p;
}

static void test_parse_rejects_bad_paths(void **state)
{
    (void)state;
    static const char *bad[] = {"a.b", "$.", "$[", "$[x]", "$['open", "$.a[1", "$..", "$ .a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct jpath *p = (struct jpath *)1;
        char err[128] = "";
        assert_int_equal(jpath_parse(bad[i], &p, err, sizeof err), CUT_EPARSE);
        assert_null(p);
        assert_true(strlen(err) > 0);
    }
}

static void test_concrete_matching_table(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *concrete;
        bool match;
    } cases[] = {
        {"$.a.b", "$.a.b", true},
        {"$.a.b", "$.a.b.c", true}, /* below what it names */
        {"$.a.b", "$.a.c", false},
        {"$.a", "$.ab", false},
        {"$.list[3]", "$.list[3].x", true},
        {"$.list[3]", "$.list[2]", false},
        {"$.list[*].id", "$.list[17].id", true},
        {"$.list[*].id", "$.list[17].name", false},
        {"$..id", "$.id", true},
        {"$..id", "$.a[2].b.id", true},
        {"$..id", "$.a[2].b.idx", false},
        {"$['we.ird']", "$['we.ird']", true},
        {"$['we.ird']", "$.we", false},
        {"$.*", "$.anything", true},
        {"$", "$.x", true},
        {"$..[*].id", "$.a[0].id", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct jpath *p = must_parse(cases[i].pattern);
        if (jpath_match(p, cases[i].concrete) != cases[i].match)
            fail_msg("%s vs %s", cases[i].pattern, cases[i].concrete);
        jpath_free(p);
    }
}

static json_t *to_x(json_t *old, void *ctx)
{
    (void)old;
    (*(int *)ctx)++;
    return json_string("X");
}

static void test_replace_every_match(void **state)
{
    (void)state;
    json_error_t je;
    json_t *doc = json_loads(
        "{\"to\":\"+1\",\"items\":[{\"to\":\"+2\"},{\"to\":\"+3\",\"n\":{\"to\":4}}]}", 0, &je);
    assert_non_null(doc);
    struct jpath *p = must_parse("$..to");
    int calls = 0;
    assert_int_equal(jpath_replace(p, doc, to_x, &calls), 4);
    assert_int_equal(calls, 4);
    char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(
        s, "{\"items\":[{\"to\":\"X\"},{\"n\":{\"to\":\"X\"},\"to\":\"X\"}],\"to\":\"X\"}");
    free(s);
    jpath_free(p);
    p = must_parse("$.items[1].to");
    assert_int_equal(jpath_count(p, doc), 1);
    jpath_free(p);
    p = must_parse("$.items[*].n");
    assert_int_equal(jpath_count(p, doc), 1);
    jpath_free(p);
    json_decref(doc);
}

static void test_build_and_generalise_concrete_paths(void **state)
{
    (void)state;
    struct buf b = BUF_INIT, g = BUF_INIT;
    buf_puts(&b, "$");
    jpath_append_key(&b, "results", 7);
    jpath_append_index(&b, 2);
    jpath_append_key(&b, "a'b[3]", 6);
    assert_string_equal(b.data, "$.results[2]['a\\'b[3]']");
    assert_int_equal(jpath_generalise(b.data, &g), CUT_OK);
    assert_string_equal(g.data, "$.results[*]['a\\'b[3]']");
    struct jpath *p = must_parse("$.results[*]['a\\'b[3]']");
    assert_true(jpath_match(p, b.data));
    jpath_free(p);
    buf_free(&b);
    buf_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_rejects_bad_paths),
        cmocka_unit_test(test_concrete_matching_table),
        cmocka_unit_test(test_replace_every_match),
        cmocka_unit_test(test_build_and_generalise_concrete_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
