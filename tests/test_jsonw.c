/* test_jsonw.c: lib/jsonw.c, the JSON value writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/jsonw.h"
#include "cutover/text.h"

/* Every string written must parse back (jansson) to the expected bytes. */
static void test_strings_round_trip_through_a_json_parser(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
        const char *out; /* what a JSON parser reads back */
        size_t outn;
    } cases[] = {
        {"plain", 5, "plain", 5},
        {"q\"b\\s/", 6, "q\"b\\s/", 6},
        {"\n\r\t\b\f\x01\x1f", 7, "\n\r\t\b\f\x01\x1f", 7},
        {"\xe4\xbd\xa0\xf0\x9f\x98\x80", 7, "\xe4\xbd\xa0\xf0\x9f\x98\x80", 7},
        {"a\xffz", 3, "a\xc3\xbfz", 4},         /* stray byte becomes U+00FF */
        {"\xe4\xbd", 2, "\xc3\xa4\xc2\xbd", 4}, /* cut sequence: each byte alone */
        {"nul\0in", 6, "nul\0in", 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b = BUF_INIT;
        assert_int_equal(jsonw_str(&b, cases[i].in, cases[i].n), CUT_OK);
        json_error_t je;
        json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!v) fail_msg("case %zu: %s: %s", i, b.data, je.text);
        assert_int_equal(json_string_length(v), cases[i].outn);
        assert_memory_equal(json_string_value(v), cases[i].out, cases[i].outn);
        json_decref(v);
        buf_free(&b);
    }
}

static void test_numbers_and_times(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    jsonw_ms(&b, 12.25);
    buf_putc(&b, ' ');
    jsonw_ms(&b, 3.0);
    buf_putc(&b, ' ');
    jsonw_ms(&b, 0.0004);
    buf_putc(&b, ' ');
    jsonw_i64(&b, -42);
    buf_putc(&b, ' ');
    jsonw_double(&b, 0.1);
    buf_putc(&b, ' ');
    jsonw_time(&b, 0);
    assert_string_equal(b.data, "12.25 3 0 -42 0.1 \"1970-01-01T00:00:00.000000Z\"");
    buf_free(&b);
}

/* The hand-written digit formatting against what printf would print. */
static void test_integer_and_ms_edges(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    const int64_t ints[] = {0, 7, -7, 1000000, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        buf_reset(&b);
        jsonw_i64(&b, ints[i]);
        char want[32];
        snprintf(want, sizeof want, "%lld", (long long)ints[i]);
        assert_string_equal(b.data, want);
    }
    buf_reset(&b);
    jsonw_u64(&b, UINT64_MAX);
    assert_string_equal(b.data, "18446744073709551615");
    const struct {
        double v;
        const char *want;
    } ms[] = {{0.005, "0.005"},
              {-1.5, "-1.5"},
              {1000.1, "1000.1"},
              {0.12, "0.12"},
              {-0.25, "-0.25"},
              {42, "42"},
              {-3, "-3"},
              {0, "0"},
              /* exact halves of a thousandth round away from zero */
              {2.0625, "2.063"},
              {-2.0625, "-2.063"},
              {0.0625, "0.063"},
              {-0.0625, "-0.063"},
              {0.0624, "0.062"},
              {9e15, "9000000000000000"},
              {9.5e15, "-1"},
              {-0.0, "0"}};
    for (size_t i = 0; i < sizeof ms / sizeof *ms; i++) {
        buf_reset(&b);
        jsonw_ms(&b, ms[i].v);
        assert_string_equal(b.data, ms[i].want);
    }
    buf_free(&b);
}

/* A capped buffer gets the exact escaped length, not the worst case: a
 * string whose escaped form just fits is written, one byte more is refused. */
static void test_capped_buffer_takes_exact_length(void **state)
{
    (void)state;
    static const char in[] = {'a', '\0', '"', '\n', (char)0xff, (char)0xc3, (char)0xa9, 'z'};
    const char *want = "\"a\\u0000\\\"\\n\\u00ff\xc3\xa9z\"";
    struct buf b;
    buf_init(&b, strlen(want));
    assert_int_equal(jsonw_str(&b, in, sizeof in), CUT_OK);
    assert_string_equal(b.data, want);
    buf_free(&b);
    buf_init(&b, strlen(want) - 1);
    assert_int_not_equal(jsonw_str(&b, in, sizeof in), CUT_OK);
    buf_free(&b);
}

/* Longer than one chunk, with a multi-byte character across the boundary. */
static void test_long_string_across_chunks(void **state)
{
    (void)state;
    struct buf in = BUF_INIT, b = BUF_INIT;
    for (int i = 0; i < 4095; i++) buf_putc(&in, 'x');
    buf_append(&in, "\xe2\x82\xac\"", 4); /* the euro sign straddles byte 4096 */
    assert_int_equal(jsonw_str(&b, in.data, in.len), CUT_OK);
    assert_int_equal(b.len, 4095 + 3 + 2 + 2);
    assert_memory_equal(b.data + 1 + 4095, "\xe2\x82\xac\\\"\"", 6);
    buf_free(&in);
    buf_free(&b);
}

/* The date part is cached per second: crossing a second, and going back,
 * must still give the right text. */
static void test_times_across_seconds(void **state)
{
    (void)state;
    static const struct {
        int64_t us;
        const char *want;
    } cases[] = {
        {1700000000999999LL, "\"2023-11-14T22:13:20.999999Z\""},
        {1700000001000000LL, "\"2023-11-14T22:13:21.000000Z\""},
        {1700000000000001LL, "\"2023-11-14T22:13:20.000001Z\""},
        {-5, "\"1970-01-01T00:00:00.000000Z\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b = BUF_INIT;
        assert_int_equal(jsonw_time(&b, cases[i].us), CUT_OK);
        assert_string_equal(b.data, cases[i].want);
        buf_free(&b);
    }
}

/* What a JSON parser must read back from jsonw_str(p): well-formed UTF-8
 * as it is, any other byte as the code point of its value. */
static void expected_text(const unsigned char *p, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : 2;
        if (p[i] >= 0x80 && (i + len > n || !text_utf8_valid(p + i, len))) len = 0;
        if (len) {
            buf_append(out, p + i, len);
            i += len;
        } else {
            char u[2] = {(char)(0xC0 | (p[i] >> 6)), (char)(0x80 | (p[i] & 0x3F))};
            buf_append(out, u, 2);
            i++;
        }
    }
}

static void test_random_strings_escape_exactly(void **state)
{
    (void)state;
    static const unsigned char alphabet[] =
        "ab \"\\/\n\x01\x1f\x7f\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80\xff";
    unsigned seed = 12345;
    for (int t = 0; t < 3000; t++) {
        unsigned char in[80];
        size_t n = (size_t)(t % 80);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (seed >> 16) % 3 ? (unsigned char)('a' + (seed >> 20) % 26)
                                     : alphabet[(seed >> 18) % (sizeof alphabet - 1)];
        }
        struct buf b = BUF_INIT, want = BUF_INIT;
        assert_int_equal(jsonw_str(&b, in, n), CUT_OK);
        expected_text(in, n, &want);
        json_error_t je;
        json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!v) fail_msg("case %d: %s: %s", t, b.data, je.text);
        assert_int_equal(json_string_length(v), want.len);
        assert_memory_equal(json_string_value(v), want.data, want.len);
        json_decref(v);
        buf_free(&b);
        buf_free(&want);
    }
}

/* Plain runs are copied 16 bytes at a time: a quote, a valid two-byte
 * character and a byte that is not UTF-8 land at every offset of a block
 * and of the padded tail, and come out as \", the character itself and
 * \u00ff. */
static void test_escapes_at_every_block_offset(void **state)
{
    (void)state;
    struct buf b = BUF_INIT, want = BUF_INIT;
    char in[80];
    for (size_t off = 0; off < 40; off++) {
        memset(in, 'x', off);
        memcpy(in + off, "\"\xc3\xa9yyyyy\xff", 9);
        buf_reset(&b);
        buf_reset(&want);
        assert_int_equal(jsonw_str(&b, in, off + 9), CUT_OK);
        buf_putc(&want, '"');
        buf_append(&want, in, off);
        buf_append(&want, "\\\"\xc3\xa9yyyyy\\u00ff\"", 16);
        assert_int_equal(b.len, want.len);
        assert_memory_equal(b.data, want.data, b.len);
        assert_int_equal(b.data[b.len], '\0');
        /* All valid UTF-8: after the first character the rest is copied
         * without stopping at its bytes >= 0x80; escapes still are made. */
        memcpy(in + off, "\xc3\xa9\"\xe4\xbd\xa0yyyyyyyyyyyyyyyyyy\n\x01", 26);
        buf_reset(&b);
        buf_reset(&want);
        assert_int_equal(jsonw_str(&b, in, off + 26), CUT_OK);
        buf_putc(&want, '"');
        buf_append(&want, in, off);
        buf_append(&want, "\xc3\xa9\\\"\xe4\xbd\xa0yyyyyyyyyyyyyyyyyy\\n\\u0001\"", 34);
        assert_int_equal(b.len, want.len);
        assert_memory_equal(b.data, want.data, b.len);
    }
    buf_free(&b);
    buf_free(&want);
}

/* Short strings are checked a word at a time: every length around the word
 * and short-path sizes, with one byte that needs care (or one that does
 * not: 0x20, 0x7f, '/') at every position, after text already in the
 * buffer. The result must equal the careful path's (taken by a capped
 * buffer), and a string without such a byte is written as it is. */
static void test_short_strings_at_every_length_and_position(void **state)
{
    (void)state;
    static const unsigned char odd[] = {'"',  '\\', '\n', 0x00, 0x1f, 0x20,
                                        0x7f, '/',  0x80, 0xc3, 0xff};
    struct buf fast = BUF_INIT, careful;
    char in[160];
    for (size_t n = 0; n < sizeof in; n++) {
        for (size_t at = 0; at <= n; at++) {
            for (size_t k = 0; k < sizeof odd; k++) {
                if (at == n && k) break; /* at == n: no odd byte at all */
                for (size_t i = 0; i < n; i++) in[i] = (char)('A' + (i * 7) % 26);
                if (at < n) in[at] = (char)odd[k];
                buf_reset(&fast);
                buf_append(&fast, "pre", 3);
                buf_init(&careful, 1 << 20);
                buf_append(&careful, "pre", 3);
                assert_int_equal(jsonw_str(&fast, in, n), CUT_OK);
                assert_int_equal(jsonw_str(&careful, in, n), CUT_OK);
                assert_int_equal(fast.len, careful.len);
                assert_memory_equal(fast.data, careful.data, fast.len);
                assert_int_equal(fast.data[fast.len], '\0');
                if (at == n || odd[k] == 0x20 || odd[k] == 0x7f || odd[k] == '/') {
                    assert_int_equal(fast.len, 3 + n + 2);
                    assert_memory_equal(fast.data + 4, in, n);
                }
                buf_free(&careful);
            }
        }
    }
    buf_free(&fast);
}

/* jsonw_utf8 writes what jsonw_str writes for UTF-8, and for anything
 * else nothing at all (the buffer as it was, terminated), short or long,
 * capped or not, wherever the bad byte is. */
static void test_utf8_only_writes_utf8_or_nothing(void **state)
{
    (void)state;
    static const char *const tails[] = {"\xc3\xa9\"x", "\xff", "\xe4\xbd", "\xed\xa0\x80", "q\n"};
    static const bool valid[] = {true, false, false, false, true};
    char in[300];
    for (size_t cap = 0; cap < 2; cap++) {
        for (size_t lead = 0; lead < 260; lead += 13) {
            for (size_t t = 0; t < sizeof tails / sizeof *tails; t++) {
                size_t tl = strlen(tails[t]);
                memset(in, 'k', lead);
                memcpy(in + lead, tails[t], tl);
                memset(in + lead + tl, 'z', 7);
                size_t n = lead + tl + 7;
                struct buf b, ref = BUF_INIT;
                buf_init(&b, cap ? 4096 : 0);
                buf_append(&b, "pre", 3);
                buf_append(&ref, "pre", 3);
                enum cut_err e = jsonw_utf8(&b, in, n);
                if (valid[t]) {
                    assert_int_equal(e, CUT_OK);
                    assert_int_equal(jsonw_str(&ref, in, n), CUT_OK);
                } else {
                    assert_int_equal(e, CUT_EPARSE);
                }
                assert_int_equal(b.len, ref.len);
                assert_memory_equal(b.data, ref.data, b.len + 1);
                buf_free(&b);
                buf_free(&ref);
            }
        }
    }
}

/* jsonw_name_value writes exactly what the object written piece by piece
 * would be: plain, escaped, not UTF-8, empty, over the short-path length,
 * into a buffer with or without room, capped or not. */
static void test_name_value_equals_the_long_way(void **state)
{
    (void)state;
    static const char *const strs[] = {"",          "Host",     "Content-Type", "a\"b",
                                       "tab\there", "\xff\xfe", "caf\xc3\xa9",  "0123456789abcdef",
                                       "x\n"};
    char big[200];
    memset(big, 'b', sizeof big);
    for (size_t cap = 0; cap < 2; cap++) {
        for (size_t i = 0; i < sizeof strs / sizeof *strs + 2; i++) {
            for (size_t j = 0; j < sizeof strs / sizeof *strs + 2; j++) {
                size_t ns = sizeof strs / sizeof *strs;
                const char *n = i < ns ? strs[i] : big, *v = j < ns ? strs[j] : big;
                size_t nl = i < ns ? strlen(n) : (i == ns ? 128 : 129);
                size_t vl = j < ns ? strlen(v) : (j == ns ? 128 : 200);
                struct buf got, want;
                buf_init(&got, cap ? 1 << 16 : 0);
                buf_init(&want, 0);
                buf_append(&got, "[", 1);
                buf_append(&want, "[", 1);
                assert_int_equal(jsonw_name_value(&got, n, nl, v, vl), CUT_OK);
                buf_append(&want, "{\"name\":", 8);
                jsonw_str(&want, n, nl);
                buf_append(&want, ",\"value\":", 9);
                jsonw_str(&want, v, vl);
                buf_putc(&want, '}');
                assert_int_equal(got.len, want.len);
                assert_memory_equal(got.data, want.data, got.len + 1);
                buf_free(&got);
                buf_free(&want);
            }
        }
    }
}

/* The JSON escape of one byte as the JSON grammar gives it, written out
 * independently of lib/text.c: the two-letter forms where JSON has them,
 * else \u00XX in lowercase hex. */
static void escape_by_hand(unsigned char c, struct buf *out)
{
    static const char hex[] = "0123456789abcdef";
    const char *two = c == '"'    ? "\\\""
                      : c == '\\' ? "\\\\"
                      : c == '\n' ? "\\n"
                      : c == '\r' ? "\\r"
                      : c == '\t' ? "\\t"
                      : c == '\b' ? "\\b"
                      : c == '\f' ? "\\f"
                                  : NULL;
    if (two) {
        buf_append(out, two, 2);
        return;
    }
    char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    buf_append(out, u, 6);
}

/* Bodies dense with escapes (several in one 16-byte block, next to each
 * other, in the first and last byte of a block and of the tail), long and
 * short: text_json_escape writes each byte < 0x20, '"' and '\\' escaped
 * and the rest as it is; with stop_high it stops at the first byte >= 0x80
 * and says so. jsonw_str of the same bytes (ASCII or valid UTF-8) equals
 * the careful way of a capped buffer. */
static void test_dense_escapes_byte_by_byte(void **state)
{
    (void)state;
    static const unsigned char odd[] = {'"', '\\', '\n', '\t', 0x00, 0x01, 0x1f, '\b', '\f', '\r'};
    unsigned seed = 777;
    char *out = malloc(6 * 300 + 16);
    assert_non_null(out);
    for (int t = 0; t < 4000; t++) {
        unsigned char in[300];
        size_t n = (size_t)(t % 300), high_at = n;
        int density = 1 + t % 4; /* 1 in 2 .. 1 in 5 bytes need an escape */
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (seed >> 16) % (unsigned)(density + 1)
                        ? (unsigned char)('a' + (seed >> 20) % 26)
                        : odd[(seed >> 18) % sizeof odd];
        }
        if (t % 3 == 0 && n) { /* one byte >= 0x80 somewhere: the stop */
            seed = seed * 1103515245u + 12345u;
            high_at = (seed >> 16) % n;
            in[high_at] = 0xc3;
        }
        struct buf want = BUF_INIT;
        for (size_t i = 0; i < high_at; i++)
            if (in[i] < 0x20 || in[i] == '"' || in[i] == '\\')
                escape_by_hand(in[i], &want);
            else
                buf_putc(&want, (char)in[i]);
        size_t used = 0;
        size_t len = text_json_escape(out, (const char *)in, n, true, &used);
        assert_int_equal(used, high_at);
        assert_int_equal(len, want.len);
        assert_memory_equal(out, want.data, len);
        if (high_at < n) { /* without stop_high the byte is copied, the rest escaped */
            buf_putc(&want, (char)in[high_at]);
            for (size_t i = high_at + 1; i < n; i++)
                if (in[i] < 0x20 || in[i] == '"' || in[i] == '\\')
                    escape_by_hand(in[i], &want);
                else
                    buf_putc(&want, (char)in[i]);
            len = text_json_escape(out, (const char *)in, n, false, &used);
            assert_int_equal(used, n);
            assert_int_equal(len, want.len);
            assert_memory_equal(out, want.data, len);
        }
        struct buf fast = BUF_INIT, careful;
        buf_init(&careful, 1 << 20);
        if (high_at < n && high_at + 1 < n) in[high_at + 1] = 0xa9; /* U+00E9, valid UTF-8 */
        assert_int_equal(jsonw_str(&fast, in, n), CUT_OK);
        assert_int_equal(jsonw_str(&careful, in, n), CUT_OK);
        assert_int_equal(fast.len, careful.len);
        assert_memory_equal(fast.data, careful.data, fast.len + 1);
        buf_free(&fast);
        buf_free(&careful);
        buf_free(&want);
    }
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_round_trip_through_a_json_parser),
        cmocka_unit_test(test_numbers_and_times),
        cmocka_unit_test(test_times_across_seconds),
        cmocka_unit_test(test_random_strings_escape_exactly),
        cmocka_unit_test(test_integer_and_ms_edges),
        cmocka_unit_test(test_capped_buffer_takes_exact_length),
        cmocka_unit_test(test_long_string_across_chunks),
        cmocka_unit_test(test_escapes_at_every_block_offset),
        cmocka_unit_test(test_short_strings_at_every_length_and_position),
        cmocka_unit_test(test_utf8_only_writes_utf8_or_nothing),
        cmocka_unit_test(test_name_value_equals_the_long_way),
        cmocka_unit_test(test_dense_escapes_byte_by_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
