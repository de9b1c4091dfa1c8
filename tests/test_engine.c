/* test_engine.c: compare/engine.c on record pairs: bodies equal as written
 * are settled without a parse, and that shortcut never hides a difference
 * in the status or a compared header; bodies written differently but equal
 * once decoded are equal; a base64 flag on one side is a difference. */
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
    struct jarena a;
};

static void setup(struct fix *f)
{
    cmp_opts_init(&f->o);
    f->o.max_examples = 1;
    assert_int_equal(cmp_init(&f->c, &f->o), CUT_OK);
    jarena_init(&f->a, 0);
}

static void teardown(struct fix *f)
{
    jarena_release(&f->a);
    cmp_release(&f->c);
    cmp_opts_release(&f->o);
}

/* A record line: status, the Content-Type and Date headers, and the body
 * as it is written inside the JSON string (escapes and all). */
static void rec(struct buf *b, int status, const char *ctype, const char *date, const char *text,
                const char *enc)
{
    buf_reset(b);
    assert_int_equal(
        buf_printf(b,
                   "{\"_id\":\"id-1\",\"request\":{\"method\":\"GET\",\"_target\":\"/v1/m/1\"},"
                   "\"response\":{\"status\":%d,\"headers\":[{\"name\":\"Content-Type\","
                   "\"value\":\"%s\"},{\"name\":\"Date\",\"value\":\"%s\"}],\"content\":{"
                   "\"mimeType\":\"application/json\",\"text\":\"%s\"%s}},"
                   "\"timings\":{\"wait\":5}}",
                   status, ctype, date, text, enc ? enc : ""),
        CUT_OK);
}

/* Compare one pair; returns the number of keys noted, and the first one's
 * where and path through the pointers. */
static size_t pair(struct fix *f, const struct buf *b, const struct buf *x, int *where,
                   const char **path)
{
    char err[128];
    size_t before = f->c.nkeys;
    assert_int_equal(
        cmp_pair(&f->c, &f->a, b->data, b->len, x->data, x->len, NULL, 0, err, sizeof err), CUT_OK);
    if (f->c.nkeys > before) {
        *where = f->c.keys[before].where;
        *path = f->c.keys[before].path;
    }
    return f->c.nkeys - before;
}

static const char body[] = "{\\\"id\\\":\\\"m1\\\",\\\"n\\\":[1,2]}";

static void test_equal_raw_bodies_still_compare_status_and_headers(void **state)
{
    (void)state;
    struct fix f;
    struct buf b = BUF_INIT, x = BUF_INIT;
    int where = -1;
    const char *path = NULL;
    setup(&f);
    rec(&b, 200, "application/json", "Mon", body, NULL);
    rec(&x, 200, "application/json; charset=utf-8", "Tue", body, NULL);
    assert_int_equal(pair(&f, &b, &x, &where, &path), 0); /* media type and Date: not differences */
    rec(&x, 500, "application/json", "Mon", body, NULL);
    assert_int_equal(pair(&f, &b, &x, &where, &path), 1);
    assert_int_equal(where, CMP_STATUS);
    assert_string_equal(path, "status");
    rec(&x, 200, "text/html", "Mon", body, NULL);
    assert_int_equal(pair(&f, &b, &x, &where, &path), 1);
    assert_int_equal(where, CMP_HEADER);
    assert_string_equal(path, "header:Content-Type");
    /* one example per key, made from the records read raw */
    assert_int_equal(f.c.nexamples, 2);
    assert_int_equal(f.c.examples[0].c_status, 500);
    assert_string_equal(f.c.examples[0].c_body.data, "{\"id\":\"m1\",\"n\":[1,2]}");
    assert_non_null(strstr(f.c.examples[1].c_headers.data, "Content-Type: text/html\n"));
    teardown(&f);
    buf_free(&b);
    buf_free(&x);
}

/* A record with id "id-N" and the given status. */
static void rec_id(struct buf *b, int n, int status)
{
    buf_reset(b);
    assert_int_equal(
        buf_printf(b,
                   "{\"_id\":\"id-%d\",\"request\":{\"method\":\"GET\",\"_target\":\"/v1/m/1\"},"
                   "\"response\":{\"status\":%d,\"content\":{\"text\":\"x\"}}}",
                   n, status),
        CUT_OK);
}

/* The example ids kept for the status key after pairs n = 0..39 in the
 * order order(n): the key keeps the three first by a hash of the id, so
 * the order of arrival must not matter; examples no key shows are freed. */
static void kept_examples(int reverse, char ids[3][16])
{
    struct fix f;
    struct buf b = BUF_INIT, x = BUF_INIT;
    char err[128];
    setup(&f);
    f.o.max_examples = 3;
    for (int i = 0; i < 40; i++) {
        int n = reverse ? 39 - i : (i * 17) % 40;
        rec_id(&b, n, 200);
        rec_id(&x, n, 500);
        assert_int_equal(
            cmp_pair(&f.c, &f.a, b.data, b.len, x.data, x.len, NULL, 0, err, sizeof err), CUT_OK);
    }
    assert_int_equal(f.c.nkeys, 1);
    const struct cmp_key *k = &f.c.keys[0];
    assert_int_equal(k->nex, 3);
    assert_int_equal(f.c.nexamples - f.c.nfree_ex, 3); /* the others were freed */
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(f.c.examples[k->ex[i]].refs, 1);
        snprintf(ids[i], 16, "%s", f.c.examples[k->ex[i]].id);
    }
    teardown(&f);
    buf_free(&b);
    buf_free(&x);
}

static void test_examples_do_not_depend_on_order(void **state)
{
    (void)state;
    char fwd[3][16], rev[3][16];
    kept_examples(0, fwd);
    kept_examples(1, rev);
    /* the three ids of 40 with the smallest hashes, in that order */
    uint64_t best[3] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    char want[3][16];
    for (int n = 0; n < 40; n++) {
        char id[16];
        snprintf(id, sizeof id, "id-%d", n);
        uint64_t h = cmp_hash(id, strlen(id));
        for (int j = 0; j < 3; j++) {
            if (h >= best[j]) continue;
            for (int m = 2; m > j; m--) {
                best[m] = best[m - 1];
                memcpy(want[m], want[m - 1], sizeof want[m]);
            }
            best[j] = h;
            memcpy(want[j], id, sizeof id);
            break;
        }
    }
    for (int j = 0; j < 3; j++) {
        assert_string_equal(fwd[j], want[j]);
        assert_string_equal(rev[j], want[j]);
    }
}

static void test_bodies_written_differently_but_equal_are_equal(void **state)
{
    (void)state;
    struct fix f;
    struct buf b = BUF_INIT, x = BUF_INIT;
    int where = -1;
    const char *path = NULL;
    setup(&f);
    rec(&b, 200, "application/json", "Mon", "{\\\"s\\\":\\\"\\u00e9/\\\"}", NULL);
    rec(&x, 200, "application/json", "Mon", "{\\\"s\\\":\\\"\xc3\xa9\\/\\\"}", NULL);
    assert_int_equal(pair(&f, &b, &x, &where, &path), 0);
    rec(&x, 200, "application/json", "Mon", "{\\\"s\\\":\\\"e/\\\"}", NULL);
    assert_int_equal(pair(&f, &b, &x, &where, &path), 1);
    assert_int_equal(where, CMP_BODY);
    assert_string_equal(path, "$.s");
    /* the same text, base64 on one side only: not the same body */
    rec(&b, 200, "application/json", "Mon", "AAAA", NULL);
    rec(&x, 200, "application/json", "Mon", "AAAA", ",\"encoding\":\"base64\"");
    assert_int_equal(pair(&f, &b, &x, &where, &path), 1);
    assert_int_equal(where, CMP_BODY);
    assert_string_equal(path, "$");
    teardown(&f);
    buf_free(&b);
    buf_free(&x);
}

/* The endpoint names a worker remembers per method and target are those
 * endpoint_name gives, with their override, in whatever order pairs come:
 * 120 methods (two of one length) and targets (ids, a declared template, one with an
 * override, targets too long to remember, many sharing a slot), three
 * rounds in different orders. */
static void test_remembered_endpoints_are_named_as_new(void **state)
{
    (void)state;
    struct fix f;
    setup(&f);
    assert_int_equal(cmp_strings_add(&f.o.templates, "GET /v1/t/{name}/items"), CUT_OK);
    struct cmp_override ovs[2];
    memset(ovs, 0, sizeof ovs);
    ovs[0].endpoint = "GET /v1/t/{name}/items";
    ovs[1].endpoint = "POST /v1/x3";
    f.o.ov = ovs;
    f.o.nov = 2;
    const char *const *hn;
    size_t nh;
    assert_int_equal(cmp_header_names(&f.c, &hn, &nh), CUT_OK);
    struct cmp w;
    assert_int_equal(cmp_worker_init(&w, &f.c), CUT_OK);
    static const char *const methods[] = {"GET", "PUT", "post"};
    char longseg[150];
    memset(longseg, 'q', sizeof longseg - 1);
    longseg[sizeof longseg - 1] = '\0';
    struct buf line = BUF_INIT, want = BUF_INIT;
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned k = 0; k < 120; k++) {
            unsigned i = round == 1 ? 119 - k : round == 2 ? (k * 37) % 120 : k;
            const char *m = methods[i % 3];
            char target[200];
            switch (i % 4) {
            case 0:
                snprintf(target, sizeof target, "/v1/t/n%u/items", i / 4 % 5);
                break;
            case 1:
                snprintf(target, sizeof target, "/v1/x%u", i / 4 % 7);
                break;
            case 2:
                snprintf(target, sizeof target, "/v1/m/%u?q=%u", 1000 + i, i);
                break;
            default:
                snprintf(target, sizeof target, "/v1/%s/%u", longseg + i % 60, i);
                break;
            }
            buf_reset(&line);
            assert_int_equal(buf_printf(&line,
                                        "{\"_id\":\"i\",\"request\":{\"method\":\"%s\",\"_target\":"
                                        "\"%s\"},\"response\":{\"status\":200}}",
                                        m, target),
                             CUT_OK);
            struct cmp_item it = {.what = CMP_ITEM_PAIR,
                                  .bl = line.data,
                                  .bn = line.len,
                                  .cl = line.data,
                                  .cn = line.len};
            jarena_reset(&f.a);
            assert_int_equal(cmp_item_work(&w, &f.a, &it), CUT_OK);
            assert_int_equal(it.err, CUT_OK);
            buf_reset(&want);
            assert_int_equal(
                endpoint_name(&f.o.templates, m, strlen(m), target, strlen(target), &want), CUT_OK);
            assert_int_equal(it.eplen, want.len);
            assert_memory_equal(it.ep, want.data, want.len);
            const struct cmp_override *ov = NULL;
            for (size_t j = 0; j < 2; j++)
                if (strcmp(ovs[j].endpoint, want.data) == 0) ov = &ovs[j];
            assert_ptr_equal(w.cur_ov, ov);
        }
    }
    buf_free(&line);
    buf_free(&want);
    buf_free(&w.kbuf);
    buf_free(&w.dpath);
    buf_free(&w.dsub);
    buf_free(&w.dfull);
    buf_free(&w.gpath);
    cmp_pathinfo_release(&w);
    for (size_t k = 0; k < sizeof w.htmp / sizeof *w.htmp; k++) buf_free(&w.htmp[k]);
    free(w.epmemo);
    free(w.sortmemo);
    f.o.ov = NULL;
    f.o.nov = 0;
    teardown(&f);
}

/* cmp_endpoint_get compares the last endpoints it found before hashing:
 * five names met in turn (one more than it remembers) in several orders,
 * a name holding a NUL (kept by the map, not remembered) beside the name
 * it starts with, and after cmp_finish sorted the endpoints: each name
 * finds its own endpoint every time (under ASan, a name remembered with a
 * NUL in it reads past the endpoint's copy). */
static void test_endpoints_found_again_by_name(void **state)
{
    (void)state;
    struct fix f;
    setup(&f);
    static const char *const names[] = {"GET /e", "GET /d", "GET /c", "GET /b", "GET /a"};
    uint32_t first[5], x;
    for (unsigned round = 0; round < 4; round++) {
        for (unsigned k = 0; k < 5; k++) {
            unsigned i = round % 2 ? 4 - k : (k * (round + 1)) % 5;
            assert_int_equal(cmp_endpoint_get(&f.c, names[i], 6, &x), CUT_OK);
            if (round == 0) first[i] = x;
            assert_int_equal(x, first[i]);
            assert_string_equal(f.c.eps[x].name, names[i]);
        }
    }
    uint32_t z, again;
    assert_int_equal(cmp_endpoint_get(&f.c, "GET /a\0z", 8, &z), CUT_OK);
    assert_int_not_equal(z, first[4]);
    assert_int_equal(cmp_endpoint_get(&f.c, "GET /a", 6, &again), CUT_OK);
    assert_int_equal(again, first[4]);
    assert_int_equal(cmp_endpoint_get(&f.c, "GET /a\0z", 8, &again), CUT_OK);
    assert_int_equal(again, z);
    assert_int_equal(f.c.neps, 6);
    assert_int_equal(cmp_finish(&f.c), CUT_OK);
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(cmp_endpoint_get(&f.c, names[i], 6, &x), CUT_OK);
        assert_string_equal(f.c.eps[x].name, names[i]);
    }
    assert_int_equal(f.c.neps, 6);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_raw_bodies_still_compare_status_and_headers),
        cmocka_unit_test(test_bodies_written_differently_but_equal_are_equal),
        cmocka_unit_test(test_examples_do_not_depend_on_order),
        cmocka_unit_test(test_remembered_endpoints_are_named_as_new),
        cmocka_unit_test(test_endpoints_found_again_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
