/* test_text.c: lib/text.c: UTF-8 validation, base64, percent-decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cutover/text.h"

static void test_utf8_validation_table(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
        bool ok;
    } cases[] = {
        {"plain ascii", 11, true},
        {"\xe4\xbd\xa0\xe5\xa5\xbd", 6, true}, /* Chinese */
        {"\xf0\x9f\x98\x80", 4, true},         /* emoji */
        {"\xc0\xaf", 2, false},                /* overlong '/' */
        {"\xed\xa0\x80", 3, false},            /* surrogate */
        {"\xf0\x9f\x98", 3, false},            /* cut short */
        {"\xff", 1, false},
        {"a\x00"
         "b",
         3, true}, /* NUL is valid UTF-8 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(text_utf8_valid(cases[i].s, cases[i].n), cases[i].ok);
}

static void test_base64_round_trip_all_lengths(void **state)
{
    (void)state;
    unsigned char raw[64];
    for (size_t i = 0; i < sizeof raw; i++) raw[i] = (unsigned char)(i * 37 + 1);
    for (size_t n = 0; n <= sizeof raw; n++) {
        struct buf enc = BUF_INIT, dec = BUF_INIT;
        assert_int_equal(text_b64_encode(&enc, raw, n), CUT_OK);
        assert_int_equal(enc.len, (n + 2) / 3 * 4);
        assert_int_equal(text_b64_decode(&dec, enc.data, enc.len), CUT_OK);
        assert_int_equal(dec.len, n);
        assert_memory_equal(dec.data, raw, n);
        buf_free(&enc);
        buf_free(&dec);
    }
}

static void test_base64_known_vector_and_garbage(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_int_equal(text_b64_encode(&b, "foobar", 6), CUT_OK);
    assert_string_equal(b.data, "Zm9vYmFy");
    buf_reset(&b);
    assert_int_equal(text_b64_decode(&b, "Zm9v!", 5), CUT_EPARSE);
    buf_free(&b);
}

static void test_percent_decoding(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_int_equal(text_pct_decode(&b, "a%20b+c%zz%4", 12, true), CUT_OK);
    assert_string_equal(b.data, "a b c%zz%4");
    buf_reset(&b);
    text_pct_decode(&b, "%e4%bd%a0+", 10, false);
    assert_string_equal(b.data, "\xe4\xbd\xa0+");
    buf_free(&b);
}

/* ---- JSON string bodies ---- */

#define A12 "aaaaaaaaaaaa"
#define A14 A12 "aa"
#define A15 A14 "a"
#define A20 A15 "aaaaa"

static const struct jstr_case {
    const char *in; /* the body after the opening quote */
    size_t n;
    unsigned flags;
    enum text_jstr_end end;
    size_t at;
    unsigned seen;
    const char *dec; /* decoded body when OK */
    size_t declen;
} jstr_cases[] = {
    {"\"", 1, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 0, 0, "", 0},
    {"ab\"", 3, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 2, 0, "ab", 2},
    {"ab", 2, TEXT_JSTR_STRICT, TEXT_JSTR_UNTERMINATED, 2, 0, NULL, 0},
    {"abc\\", 4, TEXT_JSTR_STRICT, TEXT_JSTR_UNTERMINATED, 4, 0, NULL, 0},
    /* An escape whose backslash ends one block and whose quote starts the next. */
    {A15 "\\\"x\"", 19, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 18, TEXT_JSTR_ESC, A15 "\"x", 17},
    {A15 "\\\"", 17, TEXT_JSTR_STRICT, TEXT_JSTR_UNTERMINATED, 17, 0, NULL, 0},
    {A14 "\\\\\"", 17, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 16, TEXT_JSTR_ESC, A14 "\\", 15},
    {A15 "\\\\\\\"\"", 20, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 19, TEXT_JSTR_ESC, A15 "\\\"", 17},
    /* A surrogate pair across the block boundary. */
    {A12 "\\ud83d\\ude00\"", 25, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 24, TEXT_JSTR_ESC,
     A12 "\xf0\x9f\x98\x80", 16},
    {A14 "\\u00e9\"", 21, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 20, TEXT_JSTR_ESC, A14 "\xc3\xa9", 16},
    /* Lone surrogates: refused when strict (jansson), kept as 3 bytes when not. */
    {"\\ud800\"", 7, TEXT_JSTR_STRICT, TEXT_JSTR_BAD_U, 1, 0, NULL, 0},
    {"\\ud800\"", 7, 0, TEXT_JSTR_OK, 6, TEXT_JSTR_ESC, "\xed\xa0\x80", 3},
    {"\\\\uD800\\uDC00\"", 14, TEXT_JSTR_STRICT, TEXT_JSTR_BAD_U, 8, 0, NULL, 0},
    {"\\\\uD800\\uDC00\"", 14, 0, TEXT_JSTR_OK, 13, TEXT_JSTR_ESC, "\\uD800\xed\xb0\x80", 9},
    /* Control bytes, raw or after a backslash; bad escapes; a \u cut short. */
    {A20 "\x01\"", 22, TEXT_JSTR_STRICT, TEXT_JSTR_CONTROL, 20, 0, NULL, 0},
    {"ab\\\x01\"", 5, TEXT_JSTR_STRICT, TEXT_JSTR_BAD_ESCAPE, 3, 0, NULL, 0},
    {"ab\\x\"", 5, TEXT_JSTR_STRICT, TEXT_JSTR_BAD_ESCAPE, 3, 0, NULL, 0},
    {"ab\\u12\"", 7, 0, TEXT_JSTR_BAD_U, 3, 0, NULL, 0},
    {"ab\\u12", 6, 0, TEXT_JSTR_BAD_U, 3, 0, NULL, 0},
    {A20 "\\\"aaa", 25, TEXT_JSTR_STRICT, TEXT_JSTR_UNTERMINATED, 25, 0, NULL, 0},
    /* Bytes >= 0x80 count only before the closing quote, in any block. */
    {A20 "\xc3\xa9\"", 23, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 22, TEXT_JSTR_HIGH, A20 "\xc3\xa9", 22},
    {"abc\"\xc3\xa9", 6, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 3, 0, "abc", 3},
    {"abc\"\xc3\xc3\xc3\xc3\xc3\xc3\xc3\xc3\xc3\xc3\xc3\xc3\xc3\xc3", 18, TEXT_JSTR_STRICT,
     TEXT_JSTR_OK, 3, 0, "abc", 3},
    {"\xe4\xbd\xa0\\n\"", 6, TEXT_JSTR_STRICT, TEXT_JSTR_OK, 5, TEXT_JSTR_ESC | TEXT_JSTR_HIGH,
     "\xe4\xbd\xa0\n", 4},
};

/* Each case is copied to a buffer of exactly its length, so that a read
 * past the end shows under ASan (make SANITIZE=1 unit). */
static void test_jstr_scan_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof jstr_cases / sizeof *jstr_cases; i++) {
        const struct jstr_case *c = &jstr_cases[i];
        char *in = malloc(c->n ? c->n : 1);
        assert_non_null(in);
        memcpy(in, c->in, c->n);
        struct text_jstr r = text_jstr_scan(in, c->n, c->flags);
        if (r.end != c->end || r.at != c->at || (r.end == TEXT_JSTR_OK && r.seen != c->seen))
            fail_msg("case %zu: end %d at %zu seen %u", i, r.end, r.at, r.seen);
        if (c->dec) {
            char *out = malloc(r.at ? r.at : 1);
            assert_non_null(out);
            size_t n = text_jstr_decode(in, r.at, out);
            assert_int_equal(n, c->declen);
            assert_memory_equal(out, c->dec, n);
            free(out);
        }
        free(in);
    }
}

/* A byte at a time, as the JSON grammar reads: the reference the block
 * scanner must agree with. Only '\\', 'n' and '"' occur in its inputs. */
static size_t reference_scan(const char *p, size_t n, char *dec, size_t *declen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') {
            *declen = o;
            return i;
        }
        if (p[i] == '\\') {
            if (++i >= n) break;
            dec[o++] = p[i] == 'n' ? '\n' : p[i];
        } else {
            dec[o++] = p[i];
        }
    }
    return SIZE_MAX;
}

/* Every run of 18 bytes drawn from '\\' and 'n' (every run length of
 * backslashes), then a quote, placed across the scanner's block boundaries
 * at 16, 32 and 64 in an 80-byte text: where the string ends and what it
 * decodes to, as the byte loop says. */
static void test_jstr_backslash_runs_match_a_byte_loop(void **state)
{
    (void)state;
    static const size_t starts[] = {7, 23, 55};
    char in[80], want[80], got[80];
    for (size_t s = 0; s < sizeof starts / sizeof *starts; s++) {
        size_t pre = starts[s];
        memset(in, 'n', pre);
        in[pre + 18] = '"';
        memset(in + pre + 19, 'x', sizeof in - pre - 19);
        for (unsigned bits = 0; bits < (1u << 18); bits++) {
            for (size_t k = 0; k < 18; k++) in[pre + k] = (bits >> k & 1) ? '\\' : 'n';
            size_t wantlen = 0, end = reference_scan(in, sizeof in, want, &wantlen);
            struct text_jstr r = text_jstr_scan(in, sizeof in, TEXT_JSTR_STRICT);
            if (end == SIZE_MAX) {
                if (r.end != TEXT_JSTR_UNTERMINATED) fail_msg("%zu/%05x: end %d", pre, bits, r.end);
                continue;
            }
            if (r.end != TEXT_JSTR_OK || r.at != end) fail_msg("%zu/%05x: at %zu", pre, bits, r.at);
            size_t n = text_jstr_decode(in, r.at, got);
            if (n != wantlen || memcmp(got, want, n) != 0) fail_msg("%zu/%05x: decoded", pre, bits);
        }
    }
}

/* Escaped strings built from pieces whose decoded bytes are known (short
 * escapes, \u escapes of 2, 3 and 4 UTF-8 bytes, plain runs), at every
 * length up to 200 and from several seeds, so escapes fall on every place
 * of the decoder's 16-byte blocks and across them; each must decode to the
 * concatenation of its pieces. A malformed escape placed after them stops
 * the decoding there, with everything before it decoded. */
static void test_jstr_decode_pieces(void **state)
{
    (void)state;
    static const struct {
        const char *raw, *dec;
    } pieces[] = {
        {"\\\"", "\""},
        {"\\\\", "\\"},
        {"\\/", "/"},
        {"\\n", "\n"},
        {"\\t", "\t"},
        {"\\u00e9", "\xc3\xa9"},
        {"\\u20ac", "\xe2\x82\xac"},
        {"\\ud83d\\ude00", "\xf0\x9f\x98\x80"},
        {"\\u0041", "A"},
        {"ab", "ab"},
        {"x", "x"},
        {"0123456789abcdefghij", "0123456789abcdefghij"},
    };
    const size_t np = sizeof pieces / sizeof *pieces;
    char raw[256], want[256], got[256];
    for (unsigned seed = 1; seed <= 200; seed++) {
        size_t rn = 0, wn = 0;
        unsigned x = seed * 2654435761u;
        while (rn < 200) {
            x = x * 1103515245u + 12345u;
            size_t k = (x >> 16) % np;
            size_t rl = strlen(pieces[k].raw), dl = strlen(pieces[k].dec);
            if (rn + rl > 200) break;
            memcpy(raw + rn, pieces[k].raw, rl);
            memcpy(want + wn, pieces[k].dec, dl);
            rn += rl;
            wn += dl;
            size_t n = text_jstr_decode(raw, rn, got);
            if (n != wn || memcmp(got, want, n) != 0) fail_msg("seed %u: %zu bytes", seed, rn);
            /* the same text with a malformed escape, then more bytes */
            memcpy(raw + rn, "\\x\\\"0123456789abcdef0123456789abcdef", 36);
            n = text_jstr_decode(raw, rn + 36, got);
            if (n != wn || memcmp(got, want, n) != 0) fail_msg("seed %u: bad at %zu", seed, rn);
        }
    }
}

/* text_jstr_scan_decode against the byte loop: every string of 12 bytes
 * drawn from '\\', '"' and 'n' (runs of backslashes escaping quotes,
 * backslashes and n's, in every order), placed so that it meets the
 * scanner's 32-byte blocks and the fast path's 64-byte lookahead at every
 * offset, in texts that end 0 or 1 bytes after it or go on to 100 bytes.
 * Where the string ends, how, and what it decodes to. */
static void test_jstr_scan_decode_runs_match_a_byte_loop(void **state)
{
    (void)state;
    static const size_t starts[] = {0, 20, 29, 31, 50, 55};
    static const char sym[] = {'\\', '"', 'n'};
    char in[100], want[100], got[100 + 32];
    for (size_t s = 0; s < sizeof starts / sizeof *starts; s++) {
        size_t pre = starts[s];
        memset(in, 'n', sizeof in);
        for (unsigned code = 0; code < 531441; code++) { /* 3^12 */
            for (unsigned k = 0, c = code; k < 12; k++, c /= 3) in[pre + k] = sym[c % 3];
            const size_t ns[] = {pre + 12, pre + 13, sizeof in};
            for (size_t t = 0; t < 3; t++) {
                size_t n = ns[t], wantlen = 0, olen = SIZE_MAX;
                size_t end = reference_scan(in, n, want, &wantlen);
                struct text_jstr r = text_jstr_scan_decode(in, n, 0, got, &olen);
                struct text_jstr q = text_jstr_scan_decode(in, n, 0, NULL, NULL);
                if (q.end != r.end || q.at != r.at || q.seen != r.seen)
                    fail_msg("%zu/%u/%zu: the scan alone ends elsewhere", pre, code, n);
                if (end == SIZE_MAX) {
                    if (r.end != TEXT_JSTR_UNTERMINATED)
                        fail_msg("%zu/%u/%zu: end %d", pre, code, n, r.end);
                    continue;
                }
                if (r.end != TEXT_JSTR_OK || r.at != end)
                    fail_msg("%zu/%u/%zu: at %zu", pre, code, n, r.at);
                if (olen != wantlen || memcmp(got, want, olen) != 0)
                    fail_msg("%zu/%u/%zu: decoded", pre, code, n);
            }
        }
    }
}

/* text_jstr_scan_decode (and its scan alone) against text_jstr_scan then text_jstr_decode on
 * texts of pieces of every kind (\" and \\ mostly, as in an escaped body;
 * other short escapes, \u escapes and surrogates, bad escapes, control and
 * high bytes, plain runs), cut at every length up to 300: the same end,
 * place and flags, and on TEXT_JSTR_OK the same decoded bytes. */
static void test_jstr_scan_decode_matches_two_passes(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "\\\"",
        "\\\"",
        "\\\"",
        "\\\\",
        "\\\\\\\"",
        "\\/",
        "\\n",
        "\\t",
        "\\u00e9",
        "\\ud83d\\ude00",
        "\\ud83d",
        "\\x",
        "\\u12",
        "\x01",
        "\xc3\xa9",
        "\"",
        "\"",
        "ab",
        "x",
        ":",
        "{",
        "0123456789abcdefghij",
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
    };
    const size_t np = sizeof pieces / sizeof *pieces;
    char raw[300], got[300 + 32], want[300];
    for (unsigned seed = 1; seed <= 400; seed++) {
        size_t rn = 0;
        unsigned x = seed * 2654435761u;
        while (rn < sizeof raw) {
            x = x * 1103515245u + 12345u;
            /* as an escaped body: mostly \" and plain runs, a closing quote now
             * and then; in a third of the texts, any piece as often */
            static const unsigned char body[16] = {0,  0,  0,  0,  0,  0,  3,  4,
                                                   17, 18, 19, 20, 21, 22, 22, 15};
            size_t k = seed % 3 ? body[(x >> 16) % 16] : (x >> 16) % np;
            size_t l = strlen(pieces[k]);
            if (rn + l > sizeof raw) break;
            memcpy(raw + rn, pieces[k], l);
            rn += l;
        }
        for (size_t n = 0; n <= rn; n++) {
            unsigned fl = (n & 1) ? TEXT_JSTR_STRICT : 0;
            size_t olen = SIZE_MAX;
            struct text_jstr w = text_jstr_scan(raw, n, fl);
            struct text_jstr r = text_jstr_scan_decode(raw, n, fl, got, &olen);
            if (r.end != w.end || r.at != w.at || r.seen != w.seen)
                fail_msg("seed %u n %zu: %d at %zu, want %d at %zu", seed, n, r.end, r.at, w.end,
                         w.at);
            struct text_jstr q = text_jstr_scan_decode(raw, n, fl, NULL, NULL); /* scan alone */
            if (q.end != w.end || q.at != w.at || q.seen != w.seen)
                fail_msg("seed %u n %zu: scan %d at %zu, want %d at %zu", seed, n, q.end, q.at,
                         w.end, w.at);
            if (w.end != TEXT_JSTR_OK) continue;
            size_t wn = text_jstr_decode(raw, w.at, want);
            if (olen != wn || memcmp(got, want, wn) != 0)
                fail_msg("seed %u n %zu: decoded %zu bytes, want %zu", seed, n, olen, wn);
        }
    }
}

/* text_ieqn against strncasecmp (the C locale): every pair of byte values
 * at every place of names of 1 to 12 bytes (the word paths of 1-3, 4-7
 * and 8+ bytes), the rest of the name the same letters in another case. */
static void test_ieqn_matches_strncasecmp(void **state)
{
    (void)state;
    static const char base[] = "cOnTeNt-LeNg";
    char a[16], b[16];
    for (size_t n = 1; n <= 12; n++) {
        for (size_t at = 0; at < n; at++) {
            for (int x = 0; x < 256; x++) {
                for (int y = 0; y < 256; y++) {
                    for (size_t i = 0; i < n; i++) {
                        a[i] = base[i];
                        b[i] = (char)(base[i] ^ 0x20 * (base[i] != '-'));
                    }
                    a[at] = (char)x;
                    b[at] = (char)y;
                    bool want = x && y ? strncasecmp(a, b, n) == 0 : x == y;
                    if (text_ieqn(a, n, b, n) != want)
                        fail_msg("n %zu at %zu: %02x vs %02x", n, at, (unsigned)x, (unsigned)y);
                }
            }
        }
    }
    assert_false(text_ieqn("Host", 4, "Hos", 3));
    assert_true(text_ieq("transfer-ENCODING", 17, "Transfer-Encoding"));
}

/* text_eq_short against memcmp: at every length 0-40 (each of its load
 * widths and the overlaps between them), equal, and one byte changed at
 * each place. */
static void test_eq_short_matches_memcmp(void **state)
{
    (void)state;
    char a[48], b[48];
    for (size_t i = 0; i < sizeof a; i++) a[i] = (char)('a' + i % 26);
    for (size_t n = 0; n <= 40; n++) {
        memcpy(b, a, sizeof a);
        assert_true(text_eq_short(a, b, n));
        for (size_t k = 0; k < n; k++) {
            b[k] ^= 0x20;
            assert_false(text_eq_short(a, b, n));
            b[k] ^= 0x20;
        }
        b[n] ^= 0x20; /* a byte past n does not count */
        assert_true(text_eq_short(a, b, n));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_validation_table),
        cmocka_unit_test(test_base64_round_trip_all_lengths),
        cmocka_unit_test(test_base64_known_vector_and_garbage),
        cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_jstr_scan_table),
        cmocka_unit_test(test_jstr_backslash_runs_match_a_byte_loop),
        cmocka_unit_test(test_jstr_decode_pieces),
        cmocka_unit_test(test_jstr_scan_decode_runs_match_a_byte_loop),
        cmocka_unit_test(test_jstr_scan_decode_matches_two_passes),
        cmocka_unit_test(test_ieqn_matches_strncasecmp),
        cmocka_unit_test(test_eq_short_matches_memcmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
