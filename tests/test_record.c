/* test_record.c: compare/record.c: the fields compare pulls out of a record
 * line without building a tree (first of a duplicated key, escaped keys,
 * target from the url, compared headers joined), and a line is refused
 * exactly when the whole-tree reader (jv_parse) refuses it: checked on
 * hand-made cases and on every one-byte mutation of a real record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../compare/compare.h"

static const char *const hnames[] = {"Content-Type", "Location", "Cache-Control", "ETag"};
#define NH 4

static const char line[] =
    "{\"_id\":\"x1-7\",\"startedDateTime\":\"2024-03-01T10:00:00.000Z\",\"time\":12.5,"
    "\"request\":{\"method\":\"POST\",\"url\":\"http://api:8080/v1/sms?a=1\","
    "\"headers\":[{\"name\":\"Host\",\"value\":\"api\"}],\"_target\":\"/v1/sms?a=1\","
    "\"postData\":{\"mimeType\":\"application/json\",\"text\":\"{\\\"to\\\":\\\"+1555\\\"}\"}},"
    "\"response\":{\"status\":201,\"statusText\":\"Created\",\"headers\":["
    "{\"name\":\"content-type\",\"value\":\"application/json; charset=utf-8\"},"
    "{\"name\":\"Date\",\"value\":\"Fri, 01 Mar 2024 10:00:00 GMT\"},"
    "{\"value\":\"W/\\\"1\\\"\",\"name\":\"ETag\"},{\"name\":\"etag\",\"value\":\"2\"}],"
    "\"content\":{\"size\":24,\"mimeType\":\"application/json\","
    "\"text\":\"{\\\"id\\\":\\\"m\\u00e9\\\",\\\"n\\\":[1,2.5e3,null,true,false]}\"}},"
    "\"cache\":{},\"timings\":{\"send\":0.1,\"wait\":11.25,\"receive\":0.2},"
    "\"_lag\":0.75,\"_client\":\"10.0.0.1:4000\"}";

struct fix {
    struct jarena a;
    struct cmp_rec r;
    char err[128];
};

static enum cut_err rec(struct fix *f, const char *l, size_t n)
{
    jarena_reset(&f->a);
    return cmp_rec_parse(&f->a, l, n, hnames, NH, &f->r, f->err, sizeof f->err);
}

static void assert_span(const char *p, size_t n, const char *want)
{
    assert_non_null(p);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
}

static void test_fields_of_a_record(void **state)
{
    (void)state;
    struct fix f;
    jarena_init(&f.a, 0);
    assert_int_equal(rec(&f, line, strlen(line)), CUT_OK);
    assert_span(f.r.id, f.r.idlen, "x1-7");
    assert_span(f.r.method, f.r.mlen, "POST");
    assert_span(f.r.target, f.r.tlen, "/v1/sms?a=1");
    assert_int_equal(f.r.status, 201);
    assert_true(f.r.wait_ms == 11.25);
    assert_true(f.r.lag_ms == 0.75);
    assert_null(f.r.error);
    assert_false(f.r.body_b64);
    assert_false(f.r.body_truncated);
    assert_span(f.r.mime, f.r.mime_len, "application/json");
    /* compared headers: by name in any case, a repeated one joined */
    assert_true(f.r.hv[0].present);
    assert_span(f.r.hv[0].v, f.r.hv[0].n, "application/json; charset=utf-8");
    assert_false(f.r.hv[1].present);
    assert_false(f.r.hv[2].present);
    assert_span(f.r.hv[3].v, f.r.hv[3].n, "W/\"1\", 2");
    /* the body stays raw until it is asked for, then is decoded */
    assert_true(f.r.body_esc);
    assert_null(f.r.body);
    assert_int_equal(cmp_rec_body(&f.a, &f.r), CUT_OK);
    assert_span(f.r.body, f.r.body_len, "{\"id\":\"m\xc3\xa9\",\"n\":[1,2.5e3,null,true,false]}");
    jarena_release(&f.a);
}

static void test_escaped_keys_duplicates_and_url(void **state)
{
    (void)state;
    struct fix f;
    jarena_init(&f.a, 0);
    /* "_\u0069d" is "_id"; the first of a duplicated key counts (as jv_get
     * takes it); with no _target, the url's path is the target */
    static const char l[] =
        "{\"_\\u0069d\":\"a\\\"b\",\"_id\":\"late\",\"request\":{\"method\":\"GET\","
        "\"url\":\"https://h:1/v1/m/\\u00e9?q=1\"},\"response\":{\"status\":404,"
        "\"st\\u0061tus\":500,\"content\":{\"text\":\"nope\",\"encoding\":\"base64\","
        "\"_truncated\":true}},\"_error\":\"\",\"_error\":null,\"_lag\":\"x\"}";
    assert_int_equal(rec(&f, l, strlen(l)), CUT_OK);
    assert_span(f.r.id, f.r.idlen, "a\"b");
    assert_span(f.r.target, f.r.tlen, "/v1/m/\xc3\xa9?q=1");
    assert_int_equal(f.r.status, 404);
    assert_non_null(f.r.error);
    assert_true(f.r.lag_ms < 0);
    assert_true(f.r.wait_ms < 0);
    assert_true(f.r.body_b64);
    assert_true(f.r.body_truncated);
    assert_false(f.r.body_esc);
    assert_span(f.r.body_raw, f.r.body_raw_len, "nope");
    jarena_release(&f.a);
}

static void test_missing_fields_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"request\":{\"method\":\"GET\",\"_target\":\"/\"}}",
        "{\"_id\":1,\"request\":{\"method\":\"GET\",\"_target\":\"/\"}}",
        "{\"_id\":\"a\",\"request\":{\"_target\":\"/\"}}",
        "{\"_id\":\"a\",\"request\":{\"method\":\"GET\"}}",
        "{\"_id\":\"a\",\"request\":[{\"method\":\"GET\",\"_target\":\"/\"}]}",
        "[{\"_id\":\"a\",\"request\":{\"method\":\"GET\",\"_target\":\"/\"}}]",
        "\"_id\"",
        "",
    };
    struct fix f;
    jarena_init(&f.a, 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(rec(&f, bad[i], strlen(bad[i])), CUT_EPARSE);
    static const char ok[] =
        " {\"_id\":\"a\",\"request\":{\"method\":\"GET\",\"_target\":\"/\"}}\r\n";
    assert_int_equal(rec(&f, ok, strlen(ok)), CUT_OK);
    assert_int_equal(f.r.status, 0);
    assert_int_equal(f.r.body_raw_len, 0);
    jarena_release(&f.a);
}

/* Whether jv_parse accepts p[0..n). */
static bool tree_accepts(struct jarena *a, const char *p, size_t n)
{
    struct jv v;
    jarena_reset(a);
    return jv_parse(a, p, n, &v, NULL) == CUT_OK;
}

/* The fields as the whole-tree reader took them before (jv_get on the
 * parsed line), to check the scanner against on every mutation it accepts. */
static void check_like_tree(struct fix *f, struct jarena *t, const char *p, size_t n)
{
    struct jv root;
    jarena_reset(t);
    assert_int_equal(jv_parse(t, p, n, &root, NULL), CUT_OK);
    const struct jv *rq = jv_get(&root, "request"), *rs = jv_get(&root, "response");
    const struct jv *content = jv_get(rs, "content");
    size_t len = 0;
    const char *id = jv_str(&root, "_id", &len);
    assert_span(f->r.id, f->r.idlen, id);
    const char *m = jv_str(rq, "method", &len);
    assert_span(f->r.method, f->r.mlen, m);
    assert_int_equal(f->r.status, (int)jv_num(rs, "status", 0));
    assert_true(f->r.wait_ms == jv_num(jv_get(&root, "timings"), "wait", -1));
    assert_true(f->r.lag_ms == jv_num(&root, "_lag", -1));
    assert_int_equal(f->r.error != NULL, jv_str(&root, "_error", NULL) != NULL);
    const char *text = jv_str(content, "text", &len);
    assert_int_equal(cmp_rec_body(&f->a, &f->r), CUT_OK);
    assert_int_equal(f->r.body_len, text ? len : 0);
    if (text) assert_memory_equal(f->r.body, text, len);
    const char *mime = jv_str(content, "mimeType", NULL);
    assert_int_equal(f->r.mime != NULL, mime != NULL);
    if (mime) assert_span(f->r.mime, f->r.mime_len, mime);
    const struct jv *h = jv_get(rs, "headers");
    for (size_t k = 0; k < NH; k++) {
        struct buf want = BUF_INIT;
        bool found = false;
        for (uint32_t i = 0; h && h->type == JV_ARR && i < h->n; i++) {
            const char *hn = jv_str(&h->u.items[i], "name", NULL);
            const char *hv = jv_str(&h->u.items[i], "value", &len);
            if (!hn || !hv || strcasecmp(hn, hnames[k]) != 0) continue;
            if (found) assert_int_equal(buf_append(&want, ", ", 2), CUT_OK);
            assert_int_equal(buf_append(&want, hv, len), CUT_OK);
            found = true;
        }
        assert_int_equal(f->r.hv[k].present, found);
        if (found) assert_span(f->r.hv[k].v, f->r.hv[k].n, want.data);
        buf_free(&want);
    }
}

/* The record reader must refuse a line exactly when jv_parse does (it
 * skips without building, but validates the same grammar). Every one-byte
 * mutation of a real record, with a set of bytes that break JSON in
 * different ways, is read both ways. */
static void test_refuses_exactly_what_the_tree_reader_refuses(void **state)
{
    (void)state;
    static const char subst[] = "\"\\{}[]:,0-.eEu \x01\x1f"
                                "a\xc3";
    size_t n = strlen(line);
    char *m = malloc(n + 1);
    struct fix f;
    struct jarena t;
    jarena_init(&f.a, 0);
    jarena_init(&t, 0);
    size_t tried = 0, refused = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k <= sizeof subst - 1; k++) {
            size_t len = n;
            memcpy(m, line, n);
            if (k == sizeof subst - 1) { /* delete byte i */
                memmove(m + i, m + i + 1, n - i - 1);
                len--;
            } else {
                m[i] = subst[k];
            }
            bool tree = tree_accepts(&t, m, len);
            enum cut_err e = rec(&f, m, len);
            assert_true(e == CUT_OK || e == CUT_EPARSE);
            if (!tree && e != CUT_EPARSE)
                fail_msg("accepted what jv_parse refuses: %.*s", (int)len, m);
            /* accepted JSON may still lack a field compare needs */
            if (tree && e == CUT_EPARSE && strstr(f.err, "invalid JSON"))
                fail_msg("refused valid JSON: %.*s", (int)len, m);
            if (e == CUT_OK) check_like_tree(&f, &t, m, len);
            tried++;
            refused += !tree;
        }
    }
    /* about 45%: the mutations did break the line in many places */
    assert_true(refused > tried / 3);
    free(m);
    jarena_release(&f.a);
    jarena_release(&t);
}

static void test_nesting_depth_matches_the_tree_reader(void **state)
{
    (void)state;
    struct fix f;
    struct jarena t;
    jarena_init(&f.a, 0);
    jarena_init(&t, 0);
    for (int depth = JDIFF_MAX_DEPTH - 2; depth <= JDIFF_MAX_DEPTH + 1; depth++) {
        struct buf b = BUF_INIT;
        assert_int_equal(buf_puts(&b, "{\"_id\":\"a\",\"request\":{\"method\":\"GET\","
                                      "\"_target\":\"/\"},\"x\":"),
                         CUT_OK);
        for (int i = 0; i < depth - 1; i++) assert_int_equal(buf_putc(&b, '['), CUT_OK);
        for (int i = 0; i < depth - 1; i++) assert_int_equal(buf_putc(&b, ']'), CUT_OK);
        assert_int_equal(buf_putc(&b, '}'), CUT_OK);
        bool tree = tree_accepts(&t, b.data, b.len);
        assert_int_equal(tree, depth <= JDIFF_MAX_DEPTH);
        assert_int_equal(rec(&f, b.data, b.len), tree ? CUT_OK : CUT_EPARSE);
        buf_free(&b);
    }
    /* the innermost level a flat object of strings, as a header element
     * (passed over without a walk) */
    for (int depth = JDIFF_MAX_DEPTH - 2; depth <= JDIFF_MAX_DEPTH + 1; depth++) {
        struct buf b = BUF_INIT;
        assert_int_equal(buf_puts(&b, "{\"_id\":\"a\",\"request\":{\"method\":\"GET\","
                                      "\"_target\":\"/\"},\"x\":"),
                         CUT_OK);
        for (int i = 0; i < depth - 2; i++) assert_int_equal(buf_putc(&b, '['), CUT_OK);
        assert_int_equal(buf_puts(&b, "{\"name\":\"a\",\"value\":\"b\"}"), CUT_OK);
        for (int i = 0; i < depth - 2; i++) assert_int_equal(buf_putc(&b, ']'), CUT_OK);
        assert_int_equal(buf_putc(&b, '}'), CUT_OK);
        bool tree = tree_accepts(&t, b.data, b.len);
        assert_int_equal(tree, depth <= JDIFF_MAX_DEPTH);
        assert_int_equal(rec(&f, b.data, b.len), tree ? CUT_OK : CUT_EPARSE);
        buf_free(&b);
    }
    jarena_release(&f.a);
    jarena_release(&t);
}

static void assert_same_span(const char *a, size_t an, const char *b, size_t bn)
{
    assert_int_equal(a != NULL, b != NULL);
    assert_int_equal(an, bn);
    if (a) assert_memory_equal(a, b, an);
}

/* Every field compare uses is the same in a and b. */
static void assert_same_record(const struct cmp_rec *a, const struct cmp_rec *b)
{
    assert_same_span(a->id, a->idlen, b->id, b->idlen);
    assert_same_span(a->method, a->mlen, b->method, b->mlen);
    assert_same_span(a->target, a->tlen, b->target, b->tlen);
    assert_int_equal(a->status, b->status);
    assert_true(a->wait_ms == b->wait_ms && a->lag_ms == b->lag_ms);
    assert_same_span(a->body_raw, a->body_raw_len, b->body_raw, b->body_raw_len);
    assert_same_span(a->mime, a->mime_len, b->mime, b->mime_len);
    assert_int_equal(a->error != NULL, b->error != NULL);
    for (size_t i = 0; i < NH; i++) {
        assert_int_equal(a->hv[i].present, b->hv[i].present);
        assert_same_span(a->hv[i].v, a->hv[i].n, b->hv[i].v, b->hv[i].n);
    }
}

/* A record read beside its pair (cmp_rec_parse_like) is read exactly as
 * alone, whether its request is the pair's bytes (taken, not scanned) or
 * not: every one-byte mutation of the record, paired with the original. */
static void test_paired_record_reads_as_alone(void **state)
{
    (void)state;
    static const char subst[] = "\"\\{}[]:,0-.eEu \x01"
                                "aP";
    struct fix ref, alone, like;
    jarena_init(&ref.a, 0);
    jarena_init(&alone.a, 0);
    jarena_init(&like.a, 0);
    assert_int_equal(rec(&ref, line, strlen(line)), CUT_OK);
    assert_non_null(ref.r.req.raw);
    size_t n = strlen(line), taken = 0;
    char *m = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof subst - 1; k++) {
            memcpy(m, line, n);
            m[i] = subst[k];
            enum cut_err e = rec(&alone, m, n);
            jarena_reset(&like.a);
            enum cut_err el = cmp_rec_parse_like(&like.a, m, n, hnames, NH, &ref.r, &like.r,
                                                 like.err, sizeof like.err);
            assert_int_equal(e, el);
            if (e) continue;
            assert_same_record(&alone.r, &like.r);
            /* the body decoded as it was scanned, as cmp_rec_body decodes it */
            assert_int_equal(cmp_rec_body(&alone.a, &alone.r), CUT_OK);
            assert_int_equal(like.r.body != NULL, like.r.body_esc);
            assert_int_equal(cmp_rec_body(&like.a, &like.r), CUT_OK);
            assert_same_span(alone.r.body, alone.r.body_len, like.r.body, like.r.body_len);
            taken += like.r.req.raw == ref.r.req.raw;
        }
    }
    /* most mutations are outside the request: it was taken from the pair */
    assert_true(taken > 100);
    /* another request entirely: its own fields */
    static const char other[] = "{\"_id\":\"x1-7\",\"request\":{\"method\":\"GET\","
                                "\"url\":\"http://h/v2/x\"},\"response\":{\"status\":200}}";
    jarena_reset(&like.a);
    assert_int_equal(cmp_rec_parse_like(&like.a, other, strlen(other), hnames, NH, &ref.r, &like.r,
                                        like.err, sizeof like.err),
                     CUT_OK);
    assert_span(like.r.method, like.r.mlen, "GET");
    assert_span(like.r.target, like.r.tlen, "/v2/x");
    free(m);
    jarena_release(&ref.a);
    jarena_release(&alone.a);
    jarena_release(&like.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_of_a_record),
        cmocka_unit_test(test_escaped_keys_duplicates_and_url),
        cmocka_unit_test(test_missing_fields_are_refused),
        cmocka_unit_test(test_refuses_exactly_what_the_tree_reader_refuses),
        cmocka_unit_test(test_nesting_depth_matches_the_tree_reader),
        cmocka_unit_test(test_paired_record_reads_as_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
