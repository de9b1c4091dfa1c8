/* test_reasm.c: capture/reasm.c: one direction's TCP reassembly, driven
 * segment by segment; each case says exactly which bytes (with "<gap N>"
 * where bytes were lost) and which events the hooks must see. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../capture/reasm.h"
#include "pktbuild.h"

/* The case tables leave trailing fields to their zero default. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

enum { SYN = 'S', DATA = 'D', ACK = 'A', FLUSH = 'F' };

struct step {
    char kind;
    uint32_t rel;     /* DATA: offset of the first byte from ISN + 1; ACK: acked offset */
    const char *data; /* DATA payload */
    bool fin;
    size_t missing; /* DATA: bytes the capture cut off after data */
};

struct rcase {
    const char *name;
    uint32_t isn;
    size_t cap; /* per-direction buffer cap; 0: 1 MiB */
    struct step steps[8];
    const char *want; /* bytes delivered, gaps as <gap N> */
    const char *want_log;
    uint64_t ooo, retr, shed;
};

static const struct rcase cases[] = {
    {"in order",
     100,
     0,
     {{SYN}, {DATA, 0, "hello "}, {DATA, 6, "world"}},
     "hello world",
     "",
     0,
     0,
     0},
    {"out of order is reordered",
     100,
     0,
     {{SYN}, {DATA, 6, "world"}, {DATA, 0, "hello "}},
     "hello world",
     "",
     1,
     0,
     0},
    {"retransmission is not duplicated",
     100,
     0,
     {{SYN}, {DATA, 0, "hello "}, {DATA, 0, "hello "}, {DATA, 6, "world"}},
     "hello world",
     "",
     0,
     1,
     0},
    {"partial overlap keeps the first copy",
     7,
     0,
     {{SYN}, {DATA, 0, "abcdef"}, {DATA, 3, "XYZghi"}},
     "abcdefghi",
     "",
     0,
     0,
     0},
    {"held bytes win over a later in-order copy",
     7,
     0,
     {{SYN}, {DATA, 4, "EFGH"}, {DATA, 0, "abcdefgh"}},
     "abcdEFGH",
     "",
     1,
     0,
     0},
    {"overlapping held segments keep the first copy",
     7,
     0,
     {{SYN}, {DATA, 4, "EFGH"}, {DATA, 2, "cdXXYYij"}, {DATA, 0, "ab"}},
     "abcdEFGHij",
     "",
     2,
     0,
     0},
    {"sequence wraps past 2^32",
     0xfffffff6u,
     0,
     {{SYN}, {DATA, 0, "0123456789ABCDEF"}, {DATA, 16, "xyz"}},
     "0123456789ABCDEFxyz",
     "",
     0,
     0,
     0},
    {"out of order across the wrap",
     0xfffffff6u,
     0,
     {{SYN}, {DATA, 12, "CDEF"}, {DATA, 0, "0123456789AB"}, {DATA, 8, "89ABCD"}},
     "0123456789ABCDEF",
     "",
     1,
     1,
     0},
    {"mid-stream start begins at the first segment",
     5000,
     0,
     {{DATA, 1000, "mid"}, {DATA, 1003, "dle"}, {DATA, 990, "early"}},
     "middle",
     "",
     0,
     1,
     0},
    {"ack past a hole reports the lost bytes",
     1,
     0,
     {{SYN}, {DATA, 0, "aaaa"}, {DATA, 8, "cccc"}, {ACK, 12}, {DATA, 12, "dd"}},
     "aaaa<gap 4>ccccdd",
     "gap 1 c2s 4\n",
     1,
     0,
     0},
    {"ack with nothing held",
     1,
     0,
     {{SYN}, {DATA, 0, "aaaa"}, {ACK, 10}, {DATA, 10, "x"}, {ACK, 3}},
     "aaaa<gap 6>x",
     "gap 1 c2s 6\n",
     0,
     0,
     0},
    {"hole at flush becomes a gap",
     1,
     0,
     {{SYN}, {DATA, 0, "aaaa"}, {DATA, 8, "cccc"}, {FLUSH}},
     "aaaa<gap 4>cccc",
     "gap 1 c2s 4\n",
     1,
     0,
     0},
    {"over the cap the first hole is given up",
     1,
     8,
     {{SYN}, {DATA, 0, "aa"}, {DATA, 4, "bbbb"}, {DATA, 10, "cccccc"}, {FLUSH}},
     "aa<gap 2>bbbb<gap 2>cccccc",
     "gap 1 c2s 2\ngap 1 c2s 2\n",
     2,
     0,
     1},
    {"segment bigger than the cap is delivered after the hole",
     1,
     4,
     {{SYN}, {DATA, 0, "aa"}, {DATA, 5, "0123456789"}, {DATA, 2, "bbb"}},
     "aa<gap 3>0123456789",
     "gap 1 c2s 3\n",
     0,
     1,
     1},
    {"fin after the data", 1, 0, {{SYN}, {DATA, 0, "bye", true}}, "bye", "fin 1 c2s\n", 0, 0, 0},
    {"fin before missing data waits for it",
     1,
     0,
     {{SYN}, {DATA, 3, "", true}, {DATA, 0, "bye"}},
     "bye",
     "fin 1 c2s\n",
     0,
     0,
     0},
    {"fin behind a hole is delivered at flush",
     1,
     0,
     {{SYN}, {DATA, 0, "ab"}, {DATA, 4, "ef", true}, {FLUSH}},
     "ab<gap 2>ef",
     "gap 1 c2s 2\nfin 1 c2s\n",
     1,
     0,
     0},
    {"ack of the fin skips the hole",
     1,
     0,
     {{SYN}, {DATA, 0, "ab"}, {DATA, 4, "", true}, {ACK, 5}},
     "ab<gap 2>",
     "gap 1 c2s 2\nfin 1 c2s\n",
     0,
     0,
     0},
    {"data after fin is ignored",
     1,
     0,
     {{SYN}, {DATA, 0, "ab", true}, {DATA, 2, "zz"}},
     "ab",
     "fin 1 c2s\n",
     0,
     0,
     0},
    {"a truncated segment's tail is a gap",
     1,
     0,
     {{SYN}, {DATA, 0, "abc", false, 2}, {DATA, 5, "fg"}},
     "abc<gap 2>fg",
     "gap 1 c2s 2\n",
     0,
     0,
     0},
    {"a bogus ack far ahead is ignored",
     1,
     0,
     {{SYN}, {DATA, 0, "ab"}, {ACK, 0x7fff0000u}, {DATA, 2, "cd"}},
     "abcd",
     "",
     0,
     0,
     0},
};

static void run_case(const struct rcase *c)
{
    struct recorder *rec = rec_new();
    struct stream_hooks hooks = rec_hooks(rec);
    struct stream_info info = {.flow = 1};
    struct rec_conn *conn = rec_open(rec, &info);
    buf_reset(&rec->log);
    struct reasm_ctx x = {&hooks, c->cap ? c->cap : (size_t)1 << 20, (size_t)1 << 30, 0, {0}};
    struct reasm_dir r;
    memset(&r, 0, sizeof r);
    uint32_t base = c->isn + 1;
    for (size_t i = 0; i < sizeof c->steps / sizeof c->steps[0] && c->steps[i].kind; i++) {
        const struct step *s = &c->steps[i];
        struct reasm_segment seg = {0};
        seg.ts_us = (int64_t)i;
        switch (s->kind) {
        case SYN:
            seg.seq = c->isn;
            seg.syn = true;
            reasm_segment(&x, &r, conn, STREAM_C2S, &seg);
            break;
        case DATA:
            seg.seq = base + s->rel;
            seg.data = (const uint8_t *)s->data;
            seg.len = strlen(s->data);
            seg.fin = s->fin;
            seg.missing = s->missing;
            reasm_segment(&x, &r, conn, STREAM_C2S, &seg);
            break;
        case ACK:
            reasm_acked(&x, &r, conn, STREAM_C2S, base + s->rel, (int64_t)i);
            break;
        case FLUSH:
            reasm_flush(&x, &r, conn, STREAM_C2S, (int64_t)i);
            break;
        }
    }
    bool ok = strcmp(conn->data[STREAM_C2S].data, c->want) == 0 &&
              strcmp(rec->log.data, c->want_log) == 0 && x.st.segments_out_of_order == c->ooo &&
              x.st.segments_retransmitted == c->retr && x.st.buffer_shed == c->shed;
    if (!ok)
        print_error("case '%s': ooo %llu retr %llu shed %llu\n", c->name,
                    (unsigned long long)x.st.segments_out_of_order,
                    (unsigned long long)x.st.segments_retransmitted,
                    (unsigned long long)x.st.buffer_shed);
    assert_string_equal(conn->data[STREAM_C2S].data, c->want);
    assert_string_equal(rec->log.data, c->want_log);
    assert_int_equal(x.st.segments_out_of_order, c->ooo);
    assert_int_equal(x.st.segments_retransmitted, c->retr);
    assert_int_equal(x.st.buffer_shed, c->shed);
    reasm_release(&x, &r);
    assert_int_equal(x.total_held, 0);
    rec_free(rec);
}

static void test_reassembly_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
}

/* The total cap is shared: a second direction cannot hold what the first
 * already holds, and the hole-skipping keeps the total under it. */
static void test_total_cap_is_shared_between_directions(void **state)
{
    (void)state;
    struct recorder *rec = rec_new();
    struct stream_hooks hooks = rec_hooks(rec);
    struct stream_info info = {.flow = 1};
    struct rec_conn *conn = rec_open(rec, &info);
    struct reasm_ctx x = {&hooks, 100, 10 + REASM_SEG_OVERHEAD, 0, {0}};
    struct reasm_dir a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    struct reasm_segment s = {.seq = 0, .data = (const uint8_t *)"x", .len = 1};
    reasm_segment(&x, &a, conn, STREAM_C2S, &s);
    reasm_segment(&x, &b, conn, STREAM_S2C, &s);
    s.seq = 5;
    s.data = (const uint8_t *)"AAAAAAAA";
    s.len = 8;
    reasm_segment(&x, &a, conn, STREAM_C2S, &s);
    assert_int_equal(x.total_held, 8 + REASM_SEG_OVERHEAD);
    s.data = (const uint8_t *)"BBBBBBBB";
    reasm_segment(&x, &b, conn, STREAM_S2C, &s);
    assert_true(x.total_held <= 10 + REASM_SEG_OVERHEAD);
    assert_int_equal(x.st.buffer_shed, 1);
    assert_string_equal(conn->data[STREAM_S2C].data, "x<gap 4>BBBBBBBB");
    reasm_flush(&x, &a, conn, STREAM_C2S, 1);
    assert_string_equal(conn->data[STREAM_C2S].data, "x<gap 4>AAAAAAAA");
    reasm_release(&x, &a);
    reasm_release(&x, &b);
    assert_int_equal(x.total_held, 0);
    rec_free(rec);
}

/* Many small out-of-order segments, fed in reverse: every byte arrives,
 * once, in order. */
static void test_reverse_order_reassembles(void **state)
{
    (void)state;
    struct recorder *rec = rec_new();
    struct stream_hooks hooks = rec_hooks(rec);
    struct stream_info info = {.flow = 1};
    struct rec_conn *conn = rec_open(rec, &info);
    struct reasm_ctx x = {&hooks, 1 << 20, 1 << 20, 0, {0}};
    struct reasm_dir r;
    memset(&r, 0, sizeof r);
    char text[401];
    for (int i = 0; i < 400; i++) text[i] = (char)('a' + i % 26);
    text[400] = '\0';
    struct reasm_segment syn = {.seq = 0xffffff00u, .syn = true};
    reasm_segment(&x, &r, conn, STREAM_C2S, &syn);
    for (int i = 99; i >= 0; i--) {
        struct reasm_segment s = {
            .seq = 0xffffff01u + (uint32_t)i * 4, .data = (const uint8_t *)text + i * 4, .len = 4};
        reasm_segment(&x, &r, conn, STREAM_C2S, &s);
    }
    assert_string_equal(conn->data[STREAM_C2S].data, text);
    assert_int_equal(x.st.segments_out_of_order, 99);
    assert_int_equal(x.total_held, 0);
    rec_free(rec);
}

/* One-byte segments with holes between them cost their overhead: a flood
 * of them stays under the total cap. */
static void test_tiny_segment_flood_is_bounded(void **state)
{
    (void)state;
    struct recorder *rec = rec_new();
    struct stream_hooks hooks = rec_hooks(rec);
    struct stream_info info = {.flow = 1};
    struct rec_conn *conn = rec_open(rec, &info);
    struct reasm_ctx x = {&hooks, 1 << 20, 4096, 0, {0}};
    struct reasm_dir r;
    memset(&r, 0, sizeof r);
    struct reasm_segment s = {.seq = 0, .data = (const uint8_t *)"x", .len = 1};
    reasm_segment(&x, &r, conn, STREAM_C2S, &s);
    for (uint32_t i = 1; i <= 10000; i++) {
        s.seq = 2 * i;
        reasm_segment(&x, &r, conn, STREAM_C2S, &s);
        assert_true(x.total_held <= 4096);
    }
    assert_true(x.st.buffer_shed > 9000);
    reasm_flush(&x, &r, conn, STREAM_C2S, 1);
    assert_int_equal(x.total_held, 0);
    assert_int_equal(r.delivered, 10001);
    assert_int_equal(x.st.gaps, 10000);
    rec_free(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reassembly_cases),
        cmocka_unit_test(test_total_cap_is_shared_between_directions),
        cmocka_unit_test(test_reverse_order_reassembles),
        cmocka_unit_test(test_tiny_segment_flood_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
