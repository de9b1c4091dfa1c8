/* test_ip.c: capture/ip.c: IPv4 options, IPv6 extension headers, and
 * fragment reassembly for both (in order, out of order, overlapping,
 * missing a piece until the timeout, over the memory cap). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../capture/ip.h"
#include "pktbuild.h"

#define SEC 1000000LL

static struct ip_defrag *new_defrag(size_t max)
{
    struct ip_defrag *d = NULL;
    assert_int_equal(ip_defrag_new(max, 30 * SEC, &d), CUT_OK);
    return d;
}

static enum ip_status decode(struct ip_defrag *d, int version, const struct pb *p, int64_t ts,
                             struct ip_packet *out)
{
    return ip_decode(d, version, cur_make(p->b, p->len), ts, out);
}

static void assert_payload(const struct ip_packet *ip, const char *want)
{
    assert_int_equal(ip->payload.len, strlen(want));
    assert_memory_equal(ip->payload.p, want, strlen(want));
}

static void test_ipv4_with_options(void **state)
{
    (void)state;
    struct ip_defrag *d = new_defrag(1 << 20);
    static const size_t optlens[] = {0, 4, 12, 40};
    for (size_t i = 0; i < 4; i++) {
        struct pb p = {.len = 0};
        pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, 7, 0x4000, optlens[i], "payload", 7);
        struct ip_packet ip;
        assert_int_equal(decode(d, 4, &p, 1, &ip), IP_OK);
        assert_int_equal(ip.proto, 6);
        assert_payload(&ip, "payload");
        assert_false(ip.truncated);
        assert_memory_equal(ip.src, "\x0a\x00\x00\x01", 4);
        assert_memory_equal(ip.dst, "\x0a\x00\x00\x02", 4);
    }
    ip_defrag_free(d);
}

static void test_ipv4_padding_and_truncation(void **state)
{
    (void)state;
    struct ip_defrag *d = new_defrag(1 << 20);
    struct pb p = {.len = 0};
    struct ip_packet ip;
    pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, 7, 0, 0, "abc", 3);
    pb_put(&p, "\0\0\0\0\0\0", 6); /* Ethernet padding after the datagram */
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_OK);
    assert_payload(&ip, "abc");

    p.len = 0;
    pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, 7, 0, 0, "abcdef", 6);
    p.len -= 2; /* the capture kept all but 2 bytes */
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_OK);
    assert_true(ip.truncated);
    assert_payload(&ip, "abcd");
    assert_int_equal(ip.wire_len, 6);

    p.len = 12;
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_TRUNCATED);
    ip_defrag_free(d);
}

static void test_ipv4_invalid_headers(void **state)
{
    (void)state;
    struct ip_defrag *d = new_defrag(1 << 20);
    struct ip_packet ip;
    struct pb p = {.len = 0};
    pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, 7, 0, 0, "abc", 3);
    p.b[0] = 0x44; /* header length 16 */
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_INVALID);
    p.b[0] = 0x55; /* version 5 */
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_INVALID);
    p.b[0] = 0x45;
    p.b[2] = 0;
    p.b[3] = 10; /* total length shorter than the header */
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_INVALID);
    p.b[3] = 0; /* total length 0: offload, take what was captured */
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_OK);
    assert_payload(&ip, "abc");
    ip_defrag_free(d);
}

static void test_ipv6_extension_headers(void **state)
{
    (void)state;
    struct ip_defrag *d = new_defrag(1 << 20);
    /* hop-by-hop (8 bytes) -> routing (24 bytes) -> AH (12+4 bytes) ->
     * destination options (16 bytes) -> TCP */
    uint8_t ext[8 + 24 + 16 + 16];
    memset(ext, 1, sizeof ext);
    ext[0] = 43, ext[1] = 0;
    ext[8] = 51, ext[9] = 2;
    ext[32] = 60, ext[33] = 2; /* AH: (2 + 2) * 4 = 16 bytes */
    ext[48] = 6, ext[49] = 1;
    struct pb p = {.len = 0};
    pb_ipv6(&p, "fe80::1", "fe80::2", 0, ext, sizeof ext, "tcp!", 4);
    struct ip_packet ip;
    assert_int_equal(decode(d, 6, &p, 1, &ip), IP_OK);
    assert_int_equal(ip.proto, 6);
    assert_payload(&ip, "tcp!");
    assert_int_equal(ip.src[15], 1);
    assert_int_equal(ip.dst[0], 0xfe);

    p.len = 40 + 20; /* cut inside the routing header */
    assert_int_equal(decode(d, 6, &p, 1, &ip), IP_TRUNCATED);

    p.len = 0;
    pb_ipv6(&p, "::1", "::1", 59, NULL, 0, "", 0);
    assert_int_equal(decode(d, 6, &p, 1, &ip), IP_OK);
    assert_int_equal(ip.proto, 59);

    p.len = 0;
    pb_ipv6(&p, "::1", "::1", 6, NULL, 0, "xy", 2);
    p.b[0] = 0x40; /* version 4 in an IPv6 packet */
    assert_int_equal(decode(d, 6, &p, 1, &ip), IP_INVALID);
    ip_defrag_free(d);
}

/* ---- fragments ---- */

struct frag {
    size_t off, len;
    bool more;
};

/* 64 bytes of recognisable payload. */
static const char DATAGRAM[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?";

static void v4_frag(struct pb *p, uint16_t id, const char *src, const struct frag *f)
{
    p->len = 0;
    pb_ipv4(p, src, "10.0.0.2", 6, id, (uint16_t)((f->more ? 0x2000 : 0) | (f->off / 8)), 0,
            DATAGRAM + f->off, f->len);
}

static void v6_frag(struct pb *p, uint32_t id, const struct frag *f)
{
    struct pb ext = {.len = 0};
    pb_ip6_frag_hdr(&ext, 6, (uint32_t)f->off, f->more, id);
    p->len = 0;
    pb_ipv6(p, "2001:db8::1", "2001:db8::2", 44, ext.b, ext.len, DATAGRAM + f->off, f->len);
}

struct fcase {
    const char *name;
    struct frag frags[6];
    size_t n;
    uint64_t overlaps;
};

static const struct fcase fcases[] = {
    {"in order", {{0, 16, true}, {16, 24, true}, {40, 24, false}}, 3, 0},
    {"out of order", {{40, 24, false}, {16, 24, true}, {0, 16, true}}, 3, 0},
    {"last first, first last", {{48, 16, false}, {0, 8, true}, {8, 40, true}}, 3, 0},
    {"overlapping", {{0, 24, true}, {16, 24, true}, {8, 48, true}, {48, 16, false}}, 4, 3},
    {"duplicate", {{0, 32, true}, {0, 32, true}, {32, 32, false}}, 3, 1},
};

static void run_fcase(const struct fcase *c, int version)
{
    struct ip_defrag *d = new_defrag(1 << 20);
    struct ip_packet ip;
    struct pb p;
    for (size_t i = 0; i < c->n; i++) {
        if (version == 4)
            v4_frag(&p, 99, "10.0.0.1", &c->frags[i]);
        else
            v6_frag(&p, 99, &c->frags[i]);
        enum ip_status st = decode(d, version, &p, (int64_t)i, &ip);
        enum ip_status want = i + 1 == c->n ? IP_OK : IP_HELD;
        if (st != want) print_error("case '%s' v%d fragment %zu: %d\n", c->name, version, i, st);
        assert_int_equal(st, want);
    }
    assert_int_equal(ip.proto, 6);
    assert_true(ip.reassembled);
    assert_payload(&ip, DATAGRAM);
    const struct ip_frag_stats *st = ip_defrag_stats(d);
    assert_int_equal(st->fragments, c->n);
    assert_int_equal(st->reassembled, 1);
    assert_int_equal(st->dropped, 0);
    assert_int_equal(st->overlaps, c->overlaps);
    assert_int_equal(ip_defrag_held(d), 0);
    ip_defrag_free(d);
}

static void test_fragments_reassemble(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fcases / sizeof fcases[0]; i++) {
        run_fcase(&fcases[i], 4);
        run_fcase(&fcases[i], 6);
    }
}

/* An overlap keeps the bytes that came first, as a receiver does. */
static void test_overlap_keeps_first_copy(void **state)
{
    (void)state;
    struct ip_defrag *d = new_defrag(1 << 20);
    struct ip_packet ip;
    struct pb p = {.len = 0};
    pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, 5, 0x2000, 0, "AAAAAAAAAAAAAAAA", 16);
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_HELD);
    p.len = 0;
    pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, 5, 1, 0, "BBBBBBBBBBBBBBBB", 16);
    assert_int_equal(decode(d, 4, &p, 2, &ip), IP_OK);
    assert_payload(&ip, "AAAAAAAAAAAAAAAABBBBBBBB");
    assert_int_equal(ip_defrag_stats(d)->overlaps, 1);
    ip_defrag_free(d);
}

static void test_missing_fragment_times_out(void **state)
{
    (void)state;
    struct ip_defrag *d = new_defrag(1 << 20);
    struct ip_packet ip;
    struct pb p;
    struct frag first = {0, 16, true}, last = {32, 32, false};
    v4_frag(&p, 1, "10.0.0.1", &first);
    assert_int_equal(decode(d, 4, &p, 10 * SEC, &ip), IP_HELD);
    v6_frag(&p, 1, &last);
    assert_int_equal(decode(d, 6, &p, 11 * SEC, &ip), IP_HELD);
    assert_true(ip_defrag_held(d) > 0);
    ip_defrag_expire(d, 40 * SEC); /* the IPv4 one is 30 s old, not more */
    assert_int_equal(ip_defrag_stats(d)->dropped, 0);
    ip_defrag_expire(d, 40 * SEC + 1);
    assert_int_equal(ip_defrag_stats(d)->dropped, 1);
    ip_defrag_expire(d, 42 * SEC);
    const struct ip_frag_stats *st = ip_defrag_stats(d);
    assert_int_equal(st->dropped, 2);
    assert_int_equal(st->timeouts, 2);
    assert_int_equal(st->reassembled, 0);
    assert_int_equal(ip_defrag_held(d), 0);
    /* the missing piece arriving late starts a new datagram, not a stale one */
    struct frag mid = {16, 16, true};
    v4_frag(&p, 1, "10.0.0.1", &mid);
    assert_int_equal(decode(d, 4, &p, 43 * SEC, &ip), IP_HELD);
    ip_defrag_free(d);
}

static void test_fragment_memory_is_capped(void **state)
{
    (void)state;
    struct ip_defrag *d = new_defrag(4096);
    struct ip_packet ip;
    struct pb p;
    struct frag first = {0, 16, true};
    for (uint16_t id = 0; id < 500; id++) {
        char src[32];
        snprintf(src, sizeof src, "10.0.%u.%u", id / 250, id % 250 + 1);
        v4_frag(&p, id, src, &first);
        enum ip_status st = decode(d, 4, &p, id, &ip);
        assert_true(st == IP_HELD || st == IP_DROPPED);
        assert_true(ip_defrag_held(d) <= 4096);
    }
    const struct ip_frag_stats *st = ip_defrag_stats(d);
    assert_true(st->dropped > 400);
    assert_int_equal(st->timeouts, 0);
    /* the newest datagram survived the shedding and can complete */
    struct frag rest = {16, 48, false};
    v4_frag(&p, 499, "10.0.1.250", &rest);
    assert_int_equal(decode(d, 4, &p, 600, &ip), IP_OK);
    assert_payload(&ip, DATAGRAM);
    ip_defrag_free(d);
}

static void test_bad_fragments_are_invalid(void **state)
{
    (void)state;
    struct ip_defrag *d = new_defrag(1 << 20);
    struct ip_packet ip;
    struct pb p;
    struct frag odd = {0, 13, true}; /* a middle fragment must be a multiple of 8 */
    v4_frag(&p, 3, "10.0.0.1", &odd);
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_INVALID);
    struct frag a = {0, 16, false}, b = {8, 8, false}; /* two different ends */
    v4_frag(&p, 4, "10.0.0.1", &a);
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_OK);
    v4_frag(&p, 5, "10.0.0.1", &(struct frag){16, 8, false});
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_HELD);
    v4_frag(&p, 5, "10.0.0.1", &b);
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_INVALID);
    /* past 65535 bytes */
    p.len = 0;
    pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, 6, 0x1fff, 0, DATAGRAM, 16);
    assert_int_equal(decode(d, 4, &p, 1, &ip), IP_INVALID);
    ip_defrag_free(d);
}

/* Headers after the fragment header are in the fragmentable part and
 * are walked after reassembly; an atomic fragment is no fragment. */
static void test_ipv6_fragment_then_extension(void **state)
{
    (void)state;
    struct ip_defrag *d = new_defrag(1 << 20);
    struct ip_packet ip;
    uint8_t body[8 + 16];
    memset(body, 0, 8);
    body[0] = 6; /* destination options header: next is TCP, 8 bytes */
    memcpy(body + 8, "fragmented tcp!!", 16);
    struct pb p = {.len = 0}, ext = {.len = 0};
    pb_ip6_frag_hdr(&ext, 60, 0, true, 77);
    pb_ipv6(&p, "::1", "::2", 44, ext.b, ext.len, body, 16);
    assert_int_equal(decode(d, 6, &p, 1, &ip), IP_HELD);
    p.len = ext.len = 0;
    pb_ip6_frag_hdr(&ext, 60, 16, false, 77);
    pb_ipv6(&p, "::1", "::2", 44, ext.b, ext.len, body + 16, 8);
    assert_int_equal(decode(d, 6, &p, 2, &ip), IP_OK);
    assert_int_equal(ip.proto, 6);
    assert_payload(&ip, "fragmented tcp!!");

    p.len = ext.len = 0;
    pb_ip6_frag_hdr(&ext, 6, 0, false, 78);
    pb_ipv6(&p, "::1", "::2", 44, ext.b, ext.len, "atomic", 6);
    assert_int_equal(decode(d, 6, &p, 3, &ip), IP_OK);
    assert_int_equal(ip.proto, 6);
    assert_false(ip.reassembled);
    assert_payload(&ip, "atomic");
    assert_int_equal(ip_defrag_stats(d)->fragments, 2);
    ip_defrag_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_with_options),
        cmocka_unit_test(test_ipv4_padding_and_truncation),
        cmocka_unit_test(test_ipv4_invalid_headers),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_fragments_reassemble),
        cmocka_unit_test(test_overlap_keeps_first_copy),
        cmocka_unit_test(test_missing_fragment_times_out),
        cmocka_unit_test(test_fragment_memory_is_capped),
        cmocka_unit_test(test_bad_fragments_are_invalid),
        cmocka_unit_test(test_ipv6_fragment_then_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
