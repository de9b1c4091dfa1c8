/* test_jscan.c: lib/jscan.c, the JSON pull scanner, checked against jansson
 * as a second opinion on what is valid JSON and what a string decodes to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>

#include "cutover/jscan.h"
#include "cutover/jsonw.h"

static const char *texts[] = {
    "{}",
    "[]",
    "{\"a\":1}",
    "{\"a\":[1,2,{\"b\":null}],\"c\":true,\"d\":false}",
    "  {\"a\" : \"x\" }  ",
    "[1.5e3,-0,0.25,-12E-2]",
    "\"\\u00e9\\ud83d\\ude00\\n\"",
    "{\"a\":1,}",
    "[1,]",
    "{,}",
    "[,1]",
    "{\"a\" 1}",
    "{\"a\":01}",
    "[1.]",
    "[.5]",
    "[1e]",
    "[\"\\x\"]",
    "[\"\\ud800\"]",
    "[\"\\udc00x\"]",
    "{\"a\":tru}",
    "[nul]",
    "{\"a\":1} x",
    "[\"tab\there\"]",
    "[\"\xff\"]",
    "{\"a\":{\"b\":{}}",
    "",
    "   ",
    "[1 2]",
    "{\"k\":\"\\u0041\\\"\"}",
    "[[[[[]]]]]",
    "[\"\xe4\xbd\xa0\"]",
    "{1:2}",
};

static void test_validity_agrees_with_jansson(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_error_t je;
        json_t *v = json_loadb(texts[i], strlen(texts[i]), JSON_DECODE_ANY, &je);
        struct jscan s;
        jscan_init(&s, texts[i], strlen(texts[i]));
        bool ok = jscan_skip(&s) && jscan_done(&s);
        if (ok != (v != NULL))
            fail_msg("text %zu (%s): jscan %d, jansson %d", i, texts[i], ok, v != NULL);
        json_decref(v);
    }
}

static void test_strings_decode_like_jansson(void **state)
{
    (void)state;
    const char *t = "[\"plain\",\"\\u00e9\\ud83d\\ude00\\/\\b\",\"nul\\u0000byte\"]";
    json_error_t je;
    json_t *arr = json_loads(t, JSON_ALLOW_NUL, &je);
    assert_non_null(arr);
    struct jscan s;
    jscan_init(&s, t, strlen(t));
    assert_true(jscan_enter(&s, JS_ARRAY));
    size_t i = 0;
    while (jscan_element(&s)) {
        struct buf b = BUF_INIT;
        assert_true(jscan_string(&s, &b));
        json_t *want = json_array_get(arr, i++);
        assert_int_equal(b.len, json_string_length(want));
        assert_memory_equal(b.data, json_string_value(want), b.len);
        buf_free(&b);
    }
    assert_int_equal(i, 3);
    assert_true(jscan_done(&s));
    json_decref(arr);
}

static void test_members_and_numbers(void **state)
{
    (void)state;
    const char *t = "{\"status\": 201, \"x\": {\"deep\": [1, {\"y\": 2}]}, \"t\": 1.25}";
    struct jscan s;
    const char *k;
    size_t kl;
    bool esc;
    double status = 0, tv = 0;
    jscan_init(&s, t, strlen(t));
    assert_true(jscan_enter(&s, JS_OBJECT));
    int members = 0;
    while (jscan_member(&s, &k, &kl, &esc)) {
        members++;
        if (jscan_key_is(k, kl, esc, "status"))
            assert_true(jscan_number(&s, &status));
        else if (jscan_key_is(k, kl, esc, "t"))
            assert_true(jscan_number(&s, &tv));
        else
            assert_true(jscan_skip(&s));
    }
    assert_int_equal(members, 3);
    assert_true(jscan_done(&s));
    assert_true(status == 201 && tv == 1.25);
}

static void test_deep_nesting_is_refused_not_a_crash(void **state)
{
    (void)state;
    char deep[4001];
    memset(deep, '[', 4000);
    deep[4000] = '\0';
    struct jscan s;
    jscan_init(&s, deep, 4000);
    assert_false(jscan_skip(&s));
    assert_non_null(s.err);
}

/* Integers take a path without strtod; every literal must still read as
 * strtod reads it, 15 digits and beyond, fractions and exponents. */
static void test_numbers_read_as_strtod_reads_them(void **state)
{
    (void)state;
    static const char *const lits[] = {"0",
                                       "-0",
                                       "42",
                                       "-17",
                                       "123456789012345",
                                       "-999999999999999",
                                       "1234567890123456789",
                                       "1.5",
                                       "-2e3",
                                       "7E-2",
                                       "0.000001",
                                       "1234567890123456",
                                       "9007199254740993",
                                       "12e5",
                                       "12.25",
                                       "1E2"};
    for (size_t i = 0; i < sizeof lits / sizeof *lits; i++) {
        struct jscan s;
        double v = -1;
        jscan_init(&s, lits[i], strlen(lits[i]));
        assert_true(jscan_number(&s, &v));
        assert_true(jscan_done(&s));
        assert_true(v == strtod(lits[i], NULL));
    }
    /* Inside a list: each number ends where the list says, or is refused. */
    const char *list = "[12,3e2,45]";
    double v[3];
    struct jscan s;
    jscan_init(&s, list, strlen(list));
    assert_true(jscan_enter(&s, JS_ARRAY));
    for (int i = 0; i < 3; i++) assert_true(jscan_element(&s) && jscan_number(&s, &v[i]));
    assert_false(jscan_element(&s));
    assert_true(v[0] == 12 && v[1] == 300 && v[2] == 45);
    static const char *const bad[] = {"12.", "12e", "12e+", "1.e3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double d;
        jscan_init(&s, bad[i], strlen(bad[i]));
        assert_false(jscan_number(&s, &d));
    }
}

/* Skipping keeps one bit per open container: nesting deeper than 64 (past
 * the first word of bits) with objects and arrays mixed must close in the
 * right order, and a wrong closing bracket deep inside is found where it
 * is. */
static void test_skip_deep_mixed_nesting(void **state)
{
    (void)state;
    static char doc[2048];
    for (int broken = 0; broken < 2; broken++) {
        size_t n = 0;
        for (int i = 0; i < 150; i++) {
            if (i % 3 == 0) {
                memcpy(doc + n, "{\"k\":", 5);
                n += 5;
            } else {
                doc[n++] = '[';
            }
        }
        doc[n++] = '1';
        size_t wrong = 0;
        for (int i = 149; i >= 0; i--) {
            doc[n++] = i % 3 == 0 ? '}' : ']';
            if (broken && i == 70) {
                wrong = n - 1;
                doc[wrong] = doc[wrong] == '}' ? ']' : '}';
            }
        }
        struct jscan s;
        jscan_init(&s, doc, n);
        bool ok = jscan_skip(&s);
        if (!broken) {
            assert_true(ok);
            assert_true(jscan_done(&s));
            assert_int_equal(s.depth, 0);
        } else {
            assert_false(ok);
            assert_string_equal(s.err, "expected ',' or closing bracket");
            assert_int_equal(s.err_at, wrong);
        }
    }
}

/* jscan_skip's fast loop gives up on anything it does not accept and lets
 * the careful loop say why: the two must agree on every text, on the
 * verdict, where the scan ended, the error and its offset. Random
 * mutations of record-like texts (bytes changed, inserted, deleted, the
 * text cut short) give many broken ones near the valid ones. */
static const char *const seeds[] = {
    "{\"status\":201,\"statusText\":\"Created\",\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],"
    "\"headers\":[{\"name\":\"Content-Type\",\"value\":\"application/json\"},{\"name\":\"Date\","
    "\"value\":\"Fri, 27 Nov 2026 00:09:22 GMT\"}],\"content\":{\"size\":193,\"mimeType\":"
    "\"application/json\",\"text\":\"{\\\"id\\\":\\\"SM5f\\\",\\\"price\\\":null,\\\"t\\\":"
    "[\\\"otp\\\"]}\"},\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":1.5e3}",
    "[1, -0.25E+2 , true,false,null, \"\\u00e9\\ud83d\\ude00\", {\"a\" : [ {} , [ ] ] } ]",
    "{\"k\":\"\xe4\xbd\xa0\xe5\xa5\xbd a string longer than sixteen bytes \xc3\xa9 and more\"}",
    "{ \"a\" :\t{ \"b\" :\n[ 0 , 1e5 , \"x\\\\y\\/z\" ] } }",
    "\"a plain string of a little more than thirty-two bytes\"",
    "[[[{\"x\":[[{\"y\":{}}]]}]]]",
    "\"{\\\"to\\\":\\\"+15550100123\\\",\\\"text\\\":\\\"Your code is 481516.\\\\n\\\\t\\\\/ "
    "It expires in 5 minutes "
    "\xc3\xa9.\\\",\\\"tags\\\":[\\\"otp\\\",\\\"login\\\"],\\\"n\\\":300}\"",
    /* Escapes dense enough for several in a block, runs of backslashes,
     * an escape's two bytes across blocks as mutations move them. */
    "\"{\\\"to\\\":\\\"+15550100123\\\",\\\"path\\\":\\\"C:\\\\\\\\dir\\\\\\\\sub\\\\\\\\\\\","
    "\\\"q\\\":"
    "\\\"\\\\\\\"quoted\\\\\\\" "
    "\\\\\\\\\\\\\\\"x\\\\\\\\\\\\\\\"\\\",\\\"text\\\":\\\"line\\\\nbreak\\\\ttab\\/"
    "slash \\\\b\\\\f\\\\r end of a string long enough for two "
    "blocks\\\",\\\"tags\\\":[\\\"otp\\\","
    "\\\"login\\\"],\\\"n\\\":300}\"",
};

static uint64_t rng_next(uint64_t *st)
{
    *st ^= *st << 13;
    *st ^= *st >> 7;
    *st ^= *st << 17;
    return *st;
}

static void mutate(char *t, size_t *n, size_t cap, uint64_t *st)
{
    static const char bytes[] = "{}[]:,\" \\u0123456789eE+-.tfnrl\x01\x7f\x80\xc3\xa9\xed\xa0\xff";
    int edits = 1 + (int)(rng_next(st) % 3);
    for (int e = 0; e<edits && * n> 0; e++) {
        size_t at = (size_t)(rng_next(st) % *n);
        char c = bytes[rng_next(st) % (sizeof bytes - 1)];
        switch (rng_next(st) % 4) {
        case 0:
            t[at] = c;
            break;
        case 1:
            if (*n + 1 < cap) {
                memmove(t + at + 1, t + at, *n - at);
                t[at] = c;
                (*n)++;
            }
            break;
        case 2:
            memmove(t + at, t + at + 1, *n - at - 1);
            (*n)--;
            break;
        default:
            *n = at;
            break;
        }
    }
}

/* A value walked member by member and element by element (the readers'
 * way), scalars skipped. */
static bool walk(struct jscan *s)
{
    const char *k;
    size_t kl;
    bool esc;
    switch (jscan_peek(s)) {
    case JS_OBJECT:
        if (!jscan_enter(s, JS_OBJECT)) return false;
        while (jscan_member(s, &k, &kl, &esc))
            if (!walk(s)) return false;
        return !s->err;
    case JS_ARRAY:
        if (!jscan_enter(s, JS_ARRAY)) return false;
        while (jscan_element(s))
            if (!walk(s)) return false;
        return !s->err;
    default:
        return jscan_skip(s);
    }
}

static void test_fast_and_careful_skips_agree(void **state)
{
    (void)state;
    static char t[1024];
    uint64_t st = 0x9e3779b97f4a7c15u;
    size_t accepted = 0, refused = 0;
    for (int i = 0; i < 200000; i++) {
        const char *seed = seeds[(size_t)i % (sizeof seeds / sizeof *seeds)];
        size_t n = strlen(seed);
        memcpy(t, seed, n);
        if (i % 10) mutate(t, &n, sizeof t, &st); /* a tenth stay valid */
        struct jscan a, b;
        jscan_init(&a, t, n);
        jscan_init(&b, t, n);
        /* Inside a container already, sometimes: depth counts from there. */
        a.depth = b.depth = i % 7 == 0 ? 500 : 0;
        bool fa = jscan_skip(&a), fb = jscan_skip_careful_(&b);
        /* The same text in a block of exactly its size: a read past its end
         * shows under ASan (build/asan). */
        char *exact = malloc(n ? n : 1);
        assert_non_null(exact);
        memcpy(exact, t, n);
        struct jscan x;
        jscan_init(&x, exact, n);
        x.depth = i % 7 == 0 ? 500 : 0;
        assert_int_equal(jscan_skip(&x), fa);
        assert_int_equal(x.p - exact, a.p - t);
        free(exact);
        if (fa != fb || a.p != b.p || a.depth != b.depth || a.err_at != b.err_at ||
            (a.err == NULL) != (b.err == NULL) || (a.err && strcmp(a.err, b.err) != 0))
            fail_msg("text %d (%.*s): fast %d at %td err %s, careful %d at %td err %s", i, (int)n,
                     t, fa, a.p - t, a.err ? a.err : "-", fb, b.p - t, b.err ? b.err : "-");
        /* Walking it with jscan_member (which has a fast path of its own)
         * and jscan_element finds what the careful skip finds. */
        struct jscan w;
        jscan_init(&w, t, n);
        bool fw = i % 7 == 0 ? fb : walk(&w); /* from depth 0 only, as b then is */
        if (i % 7 != 0 &&
            (fw != fb || w.p != b.p || w.err_at != b.err_at || (w.err == NULL) != (b.err == NULL) ||
             (w.err && strcmp(w.err, b.err) != 0)))
            fail_msg("text %d (%.*s): walk %d at %td err %s, careful %d at %td err %s", i, (int)n,
                     t, fw, w.p - t, w.err ? w.err : "-", fb, b.p - t, b.err ? b.err : "-");
        /* A value walked whole closes every container it opened. */
        if (i % 7 != 0 && fw && w.depth != 0)
            fail_msg("text %d (%.*s): walk ends at depth %d", i, (int)n, t, w.depth);
        const char *raw1 = NULL, *raw2 = NULL;
        size_t n1 = 0, n2 = 0;
        bool e1 = false, e2 = false;
        /* Decoding agrees with the general way: the raw string decoded. */
        struct jscan d1, d2;
        struct buf o1 = BUF_INIT, o2 = BUF_INIT;
        jscan_init(&d1, t, n);
        jscan_init(&d2, t, n);
        buf_puts(&o1, "kept|");
        buf_puts(&o2, "kept|");
        bool g1 = jscan_string(&d1, &o1), g2 = jscan_raw_string_(&d2, &raw1, &n1, &e1);
        if (g2 && e1) {
            buf_grow(&o2, n1);
            o2.len += text_jstr_decode(raw1, n1, o2.data + o2.len);
            o2.data[o2.len] = '\0';
        } else if (g2) {
            buf_append(&o2, raw1, n1);
        }
        if (g1 != g2 || d1.p != d2.p || d1.err_at != d2.err_at || o1.len != o2.len ||
            memcmp(o1.data, o2.data, o1.len) != 0 || o1.data[o1.len] != '\0')
            fail_msg("text %d (%.*s): string decoded %d, general %d", i, (int)n, t, g1, g2);
        buf_free(&o1);
        buf_free(&o2);
        /* The inline string read and the general one agree too. */
        struct jscan r1, r2;
        jscan_init(&r1, t, n);
        jscan_init(&r2, t, n);
        bool s1 = jscan_raw_string(&r1, &raw1, &n1, &e1),
             s2 = jscan_raw_string_(&r2, &raw2, &n2, &e2);
        if (s1 != s2 || r1.p != r2.p || r1.err_at != r2.err_at ||
            (s1 && (raw1 != raw2 || n1 != n2 || e1 != e2)))
            fail_msg("text %d (%.*s): raw string inline %d, general %d", i, (int)n, t, s1, s2);
        if (fa)
            accepted++;
        else
            refused++;
    }
    /* Both kinds were met often, or the test proves little. */
    assert_true(accepted > 20000);
    assert_true(refused > 20000);
}

/* Each escape (good ones and bad ones) at every offset of the blocks the
 * string readers work in, with plain bytes after it up to the closing
 * quote: skipping and decoding agree with jansson wherever it falls. */
static void test_escapes_at_every_block_position(void **state)
{
    (void)state;
    /* t: ["PLAIN ESCAPE PLAIN","ROOM"]; the first string is read with
     * room after it, so no block is cut short by the input's end. */
    static const char *const escapes[] = {
        "\\n",     "\\\"",     "\\\\", "\\/",      "\\u00e9", "\\x",  "\\u00zz",
        "\\ud800", "\\\\\\\"", "\x01", "\xc3\xa9", "\xff",    "\xc3", "\xed\xa0\x80"};
    char t[256];
    for (size_t e = 0; e < sizeof escapes / sizeof *escapes; e++) {
        for (int off = 0; off < 70; off++) {
            int n = snprintf(
                t, sizeof t, "[\"%.*s%s%.*s\",\"%s\"]", off,
                "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
                escapes[e], 40, "0123456789012345678901234567890123456789",
                "room after the string: blocks read whole up to its end");
            json_error_t je;
            json_t *v = json_loadb(t, (size_t)n, JSON_ALLOW_NUL, &je);
            struct jscan s, c;
            jscan_init(&s, t, (size_t)n);
            jscan_init(&c, t, (size_t)n);
            bool ok = jscan_skip(&s) && jscan_done(&s), careful = jscan_skip_careful_(&c);
            if (ok != (v != NULL) || careful != ok)
                fail_msg("%s at %d: skip %d, careful %d, jansson %d", t, off, ok, careful,
                         v != NULL);
            struct buf b = BUF_INIT;
            jscan_init(&s, t + 1, (size_t)n - 1);
            bool dec = jscan_string(&s, &b);
            if (dec != (v != NULL) ||
                (v && (b.len != json_string_length(json_array_get(v, 0)) ||
                       memcmp(b.data, json_string_value(json_array_get(v, 0)), b.len) != 0)))
                fail_msg("%s at %d: decoded %d (%zu bytes), jansson %d", t, off, dec, b.len,
                         v != NULL);
            buf_free(&b);
            json_decref(v);
        }
    }
}

/* The scanner's verdict on the mutated texts, against jansson's: the fast
 * and careful loops agreeing (above) proves nothing about a block read
 * they share, such as the padded copy of a string in the input's last 16
 * bytes. Numbers jansson cannot hold (it refuses them) are left out. */
static void test_mutated_validity_agrees_with_jansson(void **state)
{
    (void)state;
    static char t[1024];
    uint64_t st = 0x2545f4914f6cdd1du;
    size_t valid = 0, invalid = 0;
    for (int i = 0; i < 40000; i++) {
        const char *seed = seeds[(size_t)i % (sizeof seeds / sizeof *seeds)];
        size_t n = strlen(seed);
        memcpy(t, seed, n);
        if (i % 10) mutate(t, &n, sizeof t, &st);
        json_error_t je;
        json_t *v = json_loadb(t, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!v && (strstr(je.text, "too big") || strstr(je.text, "overflow"))) continue;
        struct jscan s;
        jscan_init(&s, t, n);
        bool ok = jscan_skip(&s) && jscan_done(&s);
        if (ok != (v != NULL))
            fail_msg("text %d (%.*s): jscan %d, jansson %d (%s)", i, (int)n, t, ok, v != NULL,
                     v ? "" : je.text);
        json_decref(v);
        if (ok)
            valid++;
        else
            invalid++;
    }
    assert_true(valid > 4000);
    assert_true(invalid > 4000);
}

/* A last line without its newline: whole when it is one JSON value. */
static void test_whole_value(void **state)
{
    (void)state;
    static const char *whole[] = {"{\"_id\":\"a\"}", " [1,2] ", "\"x\"", "0", "{}\r"};
    static const char *torn[] = {"{\"_id\":\"a\"", "{\"_id\":\"a\"}x", "", "  ", "[1,", "{} {}"};
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++)
        assert_true(jscan_whole_value(whole[i], strlen(whole[i])));
    for (size_t i = 0; i < sizeof torn / sizeof *torn; i++)
        assert_false(jscan_whole_value(torn[i], strlen(torn[i])));
}

/* Every prefix of texts whose pairs end exactly 32 bytes from a key (the
 * fast pair's window) skipped from a block of exactly its size: nothing is
 * read past the end (ASan, build/asan), and the verdict is the careful
 * loop's. */
static void test_skip_reads_nothing_past_the_end(void **state)
{
    (void)state;
    static const char *const edge_texts[] = {
        "{\"a\":[{\"name\":\"01234567890123456789012\",\"value\":\"v\"},{\"name\":\"n\",\"value\":"
        "\"0123456789012345678901\"}],\"b\":{\"name\":\"01234567890123456789012\"}}",
        "[{\"k\":\"0123456789012345678901234\",\"k\":\"0123456789012345678901234\"}]",
    };
    for (size_t t = 0; t < sizeof edge_texts / sizeof *edge_texts; t++) {
        size_t len = strlen(edge_texts[t]);
        for (size_t n = 1; n <= len; n++) {
            char *exact = malloc(n);
            assert_non_null(exact);
            memcpy(exact, edge_texts[t], n);
            struct jscan a, b;
            jscan_init(&a, exact, n);
            jscan_init(&b, exact, n);
            bool fa = jscan_skip(&a), fb = jscan_skip_careful_(&b);
            assert_int_equal(fa, fb);
            assert_ptr_equal(a.p, b.p);
            assert_int_equal(fa, n == len);
            free(exact);
        }
    }
}

/* jscan_string_raw's canon is a promise to a writer: the raw body is
 * exactly what jsonw_utf8 writes for the decoded string, so it may be
 * copied instead. Held on strings built from every kind of piece (each
 * short escape, \/, \u forms, UTF-8, a bad byte, DEL, plain runs of many
 * lengths, so escapes fall at every block position), ended in the middle of
 * a record or at the input's very end; the decoding is jscan_string's, and
 * both answers come up often. */
static void test_raw_string_canon_is_what_jsonw_writes(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "a",
        "\\\"",
        "\\\\",
        "\\/",
        "\\n",
        "\\r",
        "\\t",
        "\\b",
        "\\f",
        "\\u0041",
        "\\u00e9",
        "\\u001f",
        "\\u0000",
        "\xc3\xa9",
        "\xff",
        "\x7f",
        " ",
        "xxxxxxxxxxxxxxx",
        "{\\\"k\\\":1}",
        "/",
        "\xe2\x82\xac",
        "0123456789abcdef0123",
    };
    const size_t npieces = sizeof pieces / sizeof *pieces;
    uint64_t st = 0x9e3779b97f4a7c15ull;
    int canon_n = 0, other_n = 0;
    for (int i = 0; i < 20000; i++) {
        char t[2048];
        size_t n = 0;
        t[n++] = '"';
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        int count = (int)(st >> 33) % 40;
        for (int k = 0; k < count; k++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            /* mostly plain pieces and \" \\, as an escaped JSON body */
            size_t pick = (st >> 33) % 12 ? (st >> 40) % 3 : (st >> 40) % npieces;
            if (pick == 0) pick = (st >> 45) % 2 ? 17 : 0;
            size_t pl = strlen(pieces[pick]);
            memcpy(t + n, pieces[pick], pl);
            n += pl;
        }
        t[n++] = '"';
        size_t strend = n;
        if (i % 3) {
            memcpy(t + n, ",\"k\":1}", 7);
            n += 7;
        }
        struct jscan sc;
        jscan_init(&sc, t, n);
        struct buf dec = BUF_INIT, plain = BUF_INIT, out = BUF_INIT;
        const char *raw;
        size_t rawlen;
        bool canon;
        bool ok = jscan_string_raw(&sc, &dec, &raw, &rawlen, &canon);
        struct jscan sc2;
        jscan_init(&sc2, t, n);
        bool ok2 = jscan_string(&sc2, &plain);
        assert_int_equal(ok, ok2);
        if (ok) {
            assert_int_equal(dec.len, plain.len);
            assert_memory_equal(dec.data, plain.data, dec.len);
            assert_ptr_equal(raw, t + 1);
            assert_int_equal(rawlen, strend - 2);
            assert_ptr_equal(sc.p, t + strend);
        }
        if (ok && canon) {
            canon_n++;
            assert_int_equal(jsonw_utf8(&out, dec.data, dec.len), CUT_OK);
            if (out.len != rawlen + 2 || memcmp(out.data + 1, raw, rawlen) != 0)
                fail_msg("text %d (%.*s): canon, but jsonw writes %s", i, (int)strend, t, out.data);
        } else if (ok) {
            other_n++;
        }
        buf_free(&dec);
        buf_free(&plain);
        buf_free(&out);
    }
    assert_true(canon_n > 2000);
    assert_true(other_n > 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validity_agrees_with_jansson),
        cmocka_unit_test(test_strings_decode_like_jansson),
        cmocka_unit_test(test_members_and_numbers),
        cmocka_unit_test(test_numbers_read_as_strtod_reads_them),
        cmocka_unit_test(test_deep_nesting_is_refused_not_a_crash),
        cmocka_unit_test(test_skip_deep_mixed_nesting),
        cmocka_unit_test(test_fast_and_careful_skips_agree),
        cmocka_unit_test(test_mutated_validity_agrees_with_jansson),
        cmocka_unit_test(test_escapes_at_every_block_position),
        cmocka_unit_test(test_whole_value),
        cmocka_unit_test(test_skip_reads_nothing_past_the_end),
        cmocka_unit_test(test_raw_string_canon_is_what_jsonw_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
