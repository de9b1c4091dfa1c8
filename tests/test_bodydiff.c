/* test_bodydiff.c: compare/bodydiff.c, the body diff that parses only the
 * members whose texts differ: hand-checked cases, then its differences
 * (kind, path, values, order, the limit) and its verdict on what is JSON
 * must be those of jv_parse + jdiff on generated and mutated documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../compare/compare.h"

struct seen {
    struct buf text;
    size_t n;
    const char *unordered; /* a path pattern, or NULL */
};

static void put_value(struct buf *b, const struct jv *v)
{
    if (!v) {
        buf_puts(b, "-");
        return;
    }
    buf_printf(b, "%s", jv_type_name(v->type));
    if (v->type == JV_STR || v->type == JV_NUM) buf_printf(b, "(%.*s)", (int)v->n, v->u.s);
    if (v->type == JV_ARR || v->type == JV_OBJ) buf_printf(b, "[%u]", v->n);
}

static enum cut_err record(void *ctx, enum jdiff_kind kind, const char *path, size_t pathlen,
                           const struct jv *a, const struct jv *b)
{
    struct seen *s = ctx;
    assert_int_equal(strlen(path), pathlen);
    buf_printf(&s->text, "%s%s %s ", s->n ? "; " : "", jdiff_kind_name(kind), path);
    put_value(&s->text, a);
    buf_putc(&s->text, ' ');
    put_value(&s->text, b);
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

/* What jv_parse + jdiff_reuse make of a and b: "invalid" when either is
 * not JSON, else the differences. */
static void by_trees(const char *a, size_t an, const char *b, size_t bn, const char *unord,
                     size_t max, struct buf *out)
{
    struct seen s = {BUF_INIT, 0, unord};
    struct jarena ar;
    struct buf path = BUF_INIT;
    struct jv va, vb;
    jarena_init(&ar, 0);
    bool oka = jv_parse(&ar, a, an, &va, NULL) == CUT_OK;
    bool okb = jv_parse(&ar, b, bn, &vb, NULL) == CUT_OK;
    buf_reset(out);
    if (!oka || !okb) {
        buf_printf(out, "invalid %d %d", oka, okb);
    } else {
        struct jdiff_opts o = {record, unordered, &s, max};
        size_t n = 0;
        assert_int_equal(jdiff_reuse(&va, &vb, &o, &ar, &path, &n), CUT_OK);
        assert_int_equal(n, s.n);
        buf_append(out, s.text.data, s.text.len);
    }
    buf_free(&s.text);
    buf_free(&path);
    jarena_release(&ar);
}

static void by_texts(const char *a, size_t an, const char *b, size_t bn, const char *unord,
                     size_t max, struct buf *out)
{
    struct seen s = {BUF_INIT, 0, unord};
    struct jarena ar;
    struct cmp_opts opts;
    struct cmp c;
    bool oka, okb;
    size_t n;
    cmp_opts_init(&opts);
    cmp_init(&c, &opts);
    /* one memory of member orders for every body of the run, as a worker
     * keeps it across pairs: orders met in other bodies are taken */
    static struct cmp_sortmemo *memo; /* made by the first body */
    c.sortmemo = memo;
    jarena_init(&ar, 0);
    struct jdiff_opts o = {record, unordered, &s, max};
    n = 99;
    assert_int_equal(cmp_body_diff(a, an, b, bn, &o, &ar, &c, &oka, &okb, &n), CUT_OK);
    memo = c.sortmemo;
    buf_reset(out);
    if (!oka || !okb) {
        assert_int_equal(s.n, 0);
        buf_printf(out, "invalid %d %d", oka, okb);
    } else {
        assert_int_equal(n, s.n);
        buf_append(out, s.text.data, s.text.len);
    }
    buf_free(&s.text);
    jarena_release(&ar);
    c.sortmemo = NULL; /* kept for the next body */
    cmp_release(&c);
    cmp_opts_release(&opts);
}

/* Both ways agree; returns the texts' result (static). */
static const char *check(const char *a, size_t an, const char *b, size_t bn, const char *unord,
                         size_t max)
{
    static struct buf t, l;
    by_trees(a, an, b, bn, unord, max, &t);
    by_texts(a, an, b, bn, unord, max, &l);
    if (strcmp(t.data, l.data) != 0) {
        fprintf(stderr, "a: %.*s\nb: %.*s\ntrees: %s\ntexts: %s\n", (int)an, a, (int)bn, b, t.data,
                l.data);
        fail();
    }
    return l.data;
}

static const char *diff_of(const char *a, const char *b)
{
    return check(a, strlen(a), b, strlen(b), NULL, 0);
}

static void test_hand_checked_differences(void **state)
{
    (void)state;
    assert_string_equal(diff_of("{\"a\":1,\"b\":[1,2]}", " { \"b\" : [1,2], \"a\" : 1.0 } "), "");
    assert_string_equal(diff_of("{\"b\":{\"x\":1,\"y\":[1,2]},\"a\":\"s\"}",
                                "{\"a\":\"t\",\"b\":{\"y\":[2,1],\"x\":1}}"),
                        "value $.a string(s) string(t); order $.b.y array[2] array[2]");
    assert_string_equal(
        diff_of("{\"k\":{\"gone\":true,\"same\":null}}", "{\"k\":{\"same\":null,\"new\":[1]}}"),
        "missing $.k.gone boolean -; extra $.k.new - array[1]"); /* key order */
    assert_string_equal(diff_of("{\"v\":{\"a\":1}}", "{\"v\":[1]}"), "type $.v object[1] array[1]");
    /* escaped keys are the same keys: "a\u0062" is "ab" */
    assert_string_equal(diff_of("{\"a\\u0062\":1}", "{\"ab\":2}"),
                        "value $.ab number(1) number(2)");
    assert_string_equal(diff_of("{\"odd key\":1}", "{\"odd key\":\"1\"}"),
                        "type $['odd key'] number(1) string(1)");
    /* not objects at the top: the whole trees */
    assert_string_equal(diff_of("[1,{\"a\":2}]", "[1,{\"a\":3}]"),
                        "value $[1].a number(2) number(3)");
    assert_string_equal(diff_of("3", "\"3\""), "type $ number(3) string(3)");
    assert_string_equal(diff_of("{}", "[]"), "type $ object[0] array[0]");
}

static void test_duplicates_whitespace_and_unordered(void **state)
{
    (void)state;
    assert_string_equal(diff_of("{\"d\":1,\"d\":2}", "{\"d\":1,\"d\":3}"),
                        "value $.d number(2) number(3)");
    assert_string_equal(diff_of("{\"d\":1,\"d\":2}", "{\"d\":1}"), "missing $.d number(2) -");
    assert_string_equal(diff_of("\n\t{\"a\" :\r{ \"b\":[ 1 ,2 ] } }\n", "{\"a\":{\"b\":[1,3]}}"),
                        "value $.a.b[1] number(2) number(3)");
    const char *a = "{\"x\":{\"tags\":[\"a\",\"b\"],\"n\":1}}";
    const char *b = "{\"x\":{\"tags\":[\"b\",\"a\"],\"n\":2}}";
    assert_string_equal(check(a, strlen(a), b, strlen(b), "$.x.tags", 0),
                        "value $.x.n number(1) number(2)");
}

static void test_invalid_bodies_are_found_whole(void **state)
{
    (void)state;
    assert_string_equal(diff_of("{\"a\":1}", "{\"a\":1,}"), "invalid 1 0");
    assert_string_equal(diff_of("{\"a\":1} x", "{\"a\":1}"), "invalid 0 1");
    assert_string_equal(diff_of("{\"a\":01}", "{\"a\":\"\x01\"}"), "invalid 0 0");
    assert_string_equal(diff_of("", "{}"), "invalid 0 1");
    assert_string_equal(diff_of("{\"a\":tru}", "{\"a\":true}"), "invalid 0 1");
    assert_string_equal(diff_of("{\"a\":\"\\x\"}", "{\"a\":\"x\"}"), "invalid 0 1");
    /* nesting: 512 levels are JSON, 513 are not (jv_parse's limit) */
    struct buf deep = BUF_INIT, ok = BUF_INIT;
    for (int i = 0; i < 513; i++) buf_puts(&deep, "{\"a\":");
    buf_puts(&deep, "1");
    for (int i = 0; i < 513; i++) buf_putc(&deep, '}');
    for (int i = 0; i < 512; i++) buf_puts(&ok, "{\"a\":");
    buf_puts(&ok, "2");
    for (int i = 0; i < 512; i++) buf_putc(&ok, '}');
    assert_string_equal(check(deep.data, deep.len, ok.data, ok.len, NULL, 0), "invalid 0 1");
    /* 511 levels against 512: the innermost differs in type */
    const char *r = check(ok.data + 5, ok.len - 6, ok.data, ok.len, NULL, 0);
    assert_int_equal(strncmp(r, "type $.a.a.", 11), 0);
    assert_non_null(strstr(r, ".a number(2) object[1]"));
    buf_free(&deep);
    buf_free(&ok);
}

/* The candidate's members that are the baseline's bytes at the same place
 * are not checked again: only where the bytes end the value. */
static void test_same_bytes_shortcut_is_exact(void **state)
{
    (void)state;
    assert_string_equal(diff_of("{\"a\":1,\"b\":2}", "{\"a\":1.5,\"b\":2}"),
                        "value $.a number(1) number(1.5)");
    assert_string_equal(diff_of("{\"a\":1,\"b\":2}", "{\"a\":1e1,\"b\":2}"),
                        "value $.a number(1) number(1e1)");
    assert_string_equal(diff_of("{\"a\":true}", "{\"a\":truex}"), "invalid 1 0");
    assert_string_equal(diff_of("{\"a\":\"x\"}", "{\"a\":\"x\"y}"), "invalid 1 0");
    assert_string_equal(diff_of("{\"a\":[1]}", "{\"a\":[1]]}"), "invalid 1 0");
    assert_string_equal(diff_of("{\"a\":{\"b\":[1,{}]},\"c\":0}", "{\"a\":{\"b\":[1,{}]},\"c\":1}"),
                        "value $.c number(0) number(1)");
}

static void test_limit_counts_across_members(void **state)
{
    (void)state;
    const char *a = "{\"a\":[1,2,3],\"b\":{\"x\":1,\"y\":2},\"c\":1,\"d\":1}";
    const char *b = "{\"a\":[4,5,6],\"b\":{\"x\":3,\"y\":4},\"c\":2,\"e\":1}";
    for (size_t max = 0; max <= 10; max++) check(a, strlen(a), b, strlen(b), NULL, max);
    assert_string_equal(check(a, strlen(a), b, strlen(b), NULL, 4),
                        "value $.a[0] number(1) number(4); value $.a[1] number(2) number(5); "
                        "value $.a[2] number(3) number(6); value $.b.x number(1) number(3)");
}

/* ---- generated documents ---- */

static uint64_t rng = 88172645463325252ULL;

static unsigned next(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void gen(struct buf *b, int depth)
{
    static const char *const keys[] = {"id", "a", "b", "status", "n\\u0061me", "x y", "\\\"q", ""};
    static const char *const strs[] = {"\"\"", "\"s\"", "\"t\\n\"", "\"\\u00e9\"", "\"a\\/b\""};
    static const char *const nums[] = {"0", "1", "1.0", "-2e3", "12345678901234567890", "0.5"};
    unsigned k = depth > 3 ? 2 + next(4) : next(6);
    if (k == 0 || k == 1) {
        bool obj = k == 0;
        unsigned n = next(5);
        buf_putc(b, obj ? '{' : '[');
        for (unsigned i = 0; i < n; i++) {
            if (i) buf_puts(b, next(4) ? "," : " , ");
            if (obj) buf_printf(b, "\"%s\":", keys[next(8)]);
            gen(b, depth + 1);
        }
        buf_putc(b, obj ? '}' : ']');
    } else if (k == 2) {
        buf_puts(b, strs[next(5)]);
    } else if (k == 3) {
        buf_puts(b, nums[next(6)]);
    } else {
        buf_puts(b, next(2) ? "true" : next(2) ? "false" : "null");
    }
}

/* A changed copy: values replaced, members dropped or added, bytes
 * changed (which may make it something other than JSON). */
static void mutate(const struct buf *in, struct buf *out)
{
    buf_reset(out);
    buf_append(out, in->data, in->len);
    unsigned edits = 1 + next(3);
    for (unsigned e = 0; e < edits && out->len; e++) {
        size_t at = next((unsigned)out->len);
        switch (next(4)) {
        case 0: /* a digit changes */
            for (size_t i = at; i < out->len; i++)
                if (out->data[i] >= '0' && out->data[i] <= '8') {
                    out->data[i]++;
                    break;
                }
            break;
        case 1: { /* a member is added at the top */
            struct buf t = BUF_INIT;
            if (out->data[0] == '{') {
                buf_puts(&t, out->len > 2 ? "{\"zz\":7," : "{\"zz\":7");
                buf_append(&t, out->data + 1, out->len - 1);
                buf_set(out, t.data, t.len);
            }
            buf_free(&t);
            break;
        }
        case 2: /* any byte */
            out->data[at] = "{}[]\":,1a \\"[next(12)];
            break;
        default: /* true becomes false */
            for (size_t i = at; i + 4 <= out->len; i++)
                if (memcmp(out->data + i, "true", 4) == 0) {
                    memcpy(out->data + i, "null", 4);
                    break;
                }
            break;
        }
    }
}

static void test_generated_documents_agree_with_trees(void **state)
{
    (void)state;
    struct buf a = BUF_INIT, b = BUF_INIT;
    size_t diffs = 0, invalid = 0;
    for (int i = 0; i < 4000; i++) {
        buf_reset(&a);
        buf_putc(&a, '{');
        unsigned n = 1 + next(6);
        for (unsigned k = 0; k < n; k++) {
            buf_printf(&a, "%s\"m%u\":", k ? "," : "", next(4));
            gen(&a, 1);
        }
        buf_putc(&a, '}');
        mutate(&a, &b);
        const char *r = check(a.data, a.len, b.data, b.len, i % 7 ? NULL : "$..*", i % 5);
        invalid += strncmp(r, "invalid", 7) == 0;
        diffs += *r && strncmp(r, "invalid", 7) != 0;
        check(b.data, b.len, a.data, a.len, NULL, 0);
    }
    /* the generator reaches both outcomes often */
    assert_true(diffs > 1000);
    assert_true(invalid > 200);
    buf_free(&a);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_checked_differences),
        cmocka_unit_test(test_duplicates_whitespace_and_unordered),
        cmocka_unit_test(test_invalid_bodies_are_found_whole),
        cmocka_unit_test(test_same_bytes_shortcut_is_exact),
        cmocka_unit_test(test_limit_counts_across_members),
        cmocka_unit_test(test_generated_documents_agree_with_trees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
