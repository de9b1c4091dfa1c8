/* test_packet.c: capture/packet.c: the packet half end to end, fed with
 * crafted frames, and every capture in ../shared/pcaps when it is there.
 * The recording hooks (pktbuild.h) keep each connection's bytes per
 * direction, "<gap N>" where bytes were lost, and a log of events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>

#include "../capture/packet.h"
#include "../capture/reasm.h"
#include "../capture/source.h"
#include "pktbuild.h"

#define SEC 1000000LL
#define T0 (1700000000LL * SEC)

struct fx {
    struct recorder *rec;
    struct stream_hooks hooks;
    struct packet_limits lim;
    struct packet_pipeline *pp;
};

static struct fx *fx_new(void (*tune)(struct packet_limits *))
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->rec = rec_new();
    f->hooks = rec_hooks(f->rec);
    packet_limits_default(&f->lim);
    if (tune) tune(&f->lim);
    assert_int_equal(packet_pipeline_new(&f->lim, &f->hooks, &f->pp), CUT_OK);
    return f;
}

static void fx_free(struct fx *f)
{
    packet_pipeline_free(f->pp);
    rec_free(f->rec);
    free(f);
}

static const struct packet_stats *stats(const struct fx *f)
{
    return packet_pipeline_stats(f->pp);
}

static void feed_frame(struct fx *f, int linktype, const struct pb *p, int64_t ts)
{
    assert_int_equal(packet_pipeline_feed(f->pp, linktype, ts, p->b, p->len, p->len), CUT_OK);
}

/* One Ethernet frame of connection c. */
static void tx(struct fx *f, const struct pb_conn *c, bool from_client, uint32_t seq, uint32_t ack,
               uint8_t flags, const char *data, int64_t ts)
{
    struct pb p;
    pb_frame(&p, c, from_client, seq, ack, flags, data, data ? strlen(data) : 0);
    feed_frame(f, 1, &p, ts);
}

static const char *c2s(const struct fx *f, size_t i)
{
    assert_true(i < f->rec->n);
    return f->rec->conns[i].data[STREAM_C2S].data;
}

static const char *s2c(const struct fx *f, size_t i)
{
    assert_true(i < f->rec->n);
    return f->rec->conns[i].data[STREAM_S2C].data;
}

static const struct pb_conn WEB = {4, "10.0.0.1", "10.0.0.2", 40000, 80};

static void handshake(struct fx *f, const struct pb_conn *c, uint32_t ci, uint32_t si, int64_t ts)
{
    tx(f, c, true, ci, 0, PB_SYN, NULL, ts);
    tx(f, c, false, si, ci + 1, PB_SYN | PB_ACK, NULL, ts + 1);
    tx(f, c, true, ci + 1, si + 1, PB_ACK, NULL, ts + 2);
}

static void test_exchange_with_handshake_and_fin(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    handshake(f, &WEB, 1000, 5000, T0);
    tx(f, &WEB, true, 1001, 5001, PB_ACK | PB_PSH, "GET / HTTP/1.1\r\n\r\n", T0 + 10);
    tx(f, &WEB, false, 5001, 1019, PB_ACK | PB_PSH, "HTTP/1.1 200 OK\r\n", T0 + 20);
    tx(f, &WEB, false, 5018, 1019, PB_ACK | PB_PSH, "\r\n", T0 + 21);
    /* a retransmission of the request is not delivered twice */
    tx(f, &WEB, true, 1001, 5001, PB_ACK | PB_PSH, "GET / HTTP/1.1\r\n\r\n", T0 + 22);
    tx(f, &WEB, true, 1019, 5020, PB_ACK | PB_FIN, NULL, T0 + 30);
    tx(f, &WEB, false, 5020, 1020, PB_ACK | PB_FIN, NULL, T0 + 31);
    assert_string_equal(f->rec->log.data, "open 1 10.0.0.1:40000>10.0.0.2:80 syn\n"
                                          "fin 1 c2s\nfin 1 s2c\nclose 1 fin\n");
    tx(f, &WEB, true, 1020, 5021, PB_ACK, NULL, T0 + 32);
    /* late duplicates after the close neither reopen nor reach the hooks */
    tx(f, &WEB, false, 5001, 1019, PB_ACK | PB_PSH, "HTTP/1.1 200 OK\r\n", T0 + 33);
    assert_string_equal(c2s(f, 0), "GET / HTTP/1.1\r\n\r\n");
    assert_string_equal(s2c(f, 0), "HTTP/1.1 200 OK\r\n\r\n");
    assert_int_equal(f->rec->conns[0].first_ts[STREAM_S2C], T0 + 20);
    const struct packet_stats *st = stats(f);
    assert_int_equal(st->packets, 11);
    assert_int_equal(st->flows, 1);
    assert_int_equal(st->flows_fin, 1);
    assert_int_equal(st->segments_retransmitted, 1);
    packet_pipeline_finish(f->pp, T0 + 40);
    assert_int_equal(f->rec->n, 1);
    fx_free(f);
}

static void test_rst_closes_the_flow(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    handshake(f, &WEB, 1, 2, T0);
    tx(f, &WEB, true, 2, 3, PB_ACK, "abc", T0 + 5);
    tx(f, &WEB, false, 3, 5, PB_RST | PB_ACK, NULL, T0 + 6);
    assert_string_equal(f->rec->log.data, "open 1 10.0.0.1:40000>10.0.0.2:80 syn\nclose 1 rst\n");
    assert_string_equal(c2s(f, 0), "abc");
    assert_int_equal(stats(f)->flows_rst, 1);
    /* a new SYN on the same 4-tuple is a new connection */
    handshake(f, &WEB, 900, 7000, T0 + 10);
    tx(f, &WEB, true, 901, 7001, PB_ACK, "again", T0 + 15);
    packet_pipeline_finish(f->pp, T0 + 20);
    assert_string_equal(c2s(f, 1), "again");
    assert_int_equal(stats(f)->flows, 2);
    assert_string_equal(f->rec->log.data, "open 1 10.0.0.1:40000>10.0.0.2:80 syn\nclose 1 rst\n"
                                          "open 2 10.0.0.1:40000>10.0.0.2:80 syn\nclose 2 eof\n");
    fx_free(f);
}

/* Without a handshake the well-known or lower port is the server. */
static void test_mid_stream_roles_from_ports(void **state)
{
    (void)state;
    static const struct {
        uint16_t sport, dport; /* of the first packet seen */
        const char *want;
    } cases[] = {
        {80, 40000, "open 1 10.0.0.2:40000>10.0.0.1:80\n"},
        {40000, 8080, "open 1 10.0.0.1:40000>10.0.0.2:8080\n"},
        {443, 22, "open 1 10.0.0.2:22>10.0.0.1:443\n"},
        {5000, 700, "open 1 10.0.0.1:5000>10.0.0.2:700\n"},
        {20000, 30000, "open 1 10.0.0.2:30000>10.0.0.1:20000\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx *f = fx_new(NULL);
        struct pb_conn c = {4, "10.0.0.1", "10.0.0.2", cases[i].sport, cases[i].dport};
        tx(f, &c, true, 77, 99, PB_ACK, "first", T0);
        assert_string_equal(f->rec->log.data, cases[i].want);
        fx_free(f);
    }
    /* bytes go to the guessed directions and continue across packets */
    struct fx *f = fx_new(NULL);
    tx(f, &WEB, false, 500000, 100, PB_ACK, "HTTP/1.1 200 OK\r\n", T0);
    tx(f, &WEB, true, 100, 500017, PB_ACK, "GET /next", T0 + 1);
    tx(f, &WEB, false, 500017, 109, PB_ACK, "Content-Length: 0", T0 + 2);
    packet_pipeline_finish(f->pp, T0 + 3);
    assert_false(f->rec->conns[0].info.saw_syn);
    assert_string_equal(s2c(f, 0), "HTTP/1.1 200 OK\r\nContent-Length: 0");
    assert_string_equal(c2s(f, 0), "GET /next");
    fx_free(f);
}

/* Stray ACKs and RSTs of unknown connections open nothing. */
static void test_stray_packets_open_nothing(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    tx(f, &WEB, true, 1, 1, PB_ACK, NULL, T0);
    tx(f, &WEB, false, 1, 1, PB_RST, NULL, T0 + 1);
    tx(f, &WEB, false, 1, 1, PB_FIN | PB_ACK, NULL, T0 + 2);
    assert_int_equal(stats(f)->flows, 0);
    assert_string_equal(f->rec->log.data, "");
    fx_free(f);
}

/* Only one direction is captured: its FIN ends that direction, and the
 * flow ends when the capture does (the other side might still answer). */
static void test_one_sided_flow(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    tx(f, &WEB, true, 10, 0, PB_SYN, NULL, T0);
    tx(f, &WEB, true, 11, 1, PB_ACK, "POST /a HTTP/1.0\r\n\r\n", T0 + 1);
    tx(f, &WEB, true, 31, 1, PB_ACK | PB_FIN, NULL, T0 + 2);
    assert_string_equal(f->rec->log.data, "open 1 10.0.0.1:40000>10.0.0.2:80 syn\nfin 1 c2s\n");
    packet_pipeline_finish(f->pp, T0 + 3);
    assert_string_equal(f->rec->log.data, "open 1 10.0.0.1:40000>10.0.0.2:80 syn\nfin 1 c2s\n"
                                          "close 1 eof\n");
    assert_string_equal(c2s(f, 0), "POST /a HTTP/1.0\r\n\r\n");
    assert_string_equal(s2c(f, 0), "");
    fx_free(f);
}

/* A client that half-closes right after its request, seen mid-stream
 * before any server packet: the answer still arrives. */
static void test_half_close_before_the_answer(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    tx(f, &WEB, true, 100, 900, PB_ACK | PB_FIN, "GET / HTTP/1.0\r\n\r\n", T0);
    tx(f, &WEB, false, 900, 119, PB_ACK, "HTTP/1.0 200 OK\r\n\r\nbody", T0 + 1);
    tx(f, &WEB, false, 923, 119, PB_ACK | PB_FIN, NULL, T0 + 2);
    assert_string_equal(c2s(f, 0), "GET / HTTP/1.0\r\n\r\n");
    assert_string_equal(s2c(f, 0), "HTTP/1.0 200 OK\r\n\r\nbody");
    assert_string_equal(f->rec->log.data, "open 1 10.0.0.1:40000>10.0.0.2:80\nfin 1 c2s\n"
                                          "fin 1 s2c\nclose 1 fin\n");
    fx_free(f);
}

static void test_lost_segment_is_a_gap_and_data_resumes(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    handshake(f, &WEB, 0, 100, T0);
    tx(f, &WEB, true, 1, 101, PB_ACK, "0123456789", T0 + 1);
    /* bytes 11..20 never reach the capture */
    tx(f, &WEB, true, 21, 101, PB_ACK, "KLMNO", T0 + 3);
    tx(f, &WEB, false, 101, 26, PB_ACK, NULL, T0 + 4); /* the server had them all */
    tx(f, &WEB, true, 26, 101, PB_ACK, "xyz", T0 + 5);
    assert_string_equal(c2s(f, 0), "0123456789<gap 10>KLMNOxyz");
    assert_string_equal(f->rec->log.data, "open 1 10.0.0.1:40000>10.0.0.2:80 syn\n"
                                          "gap 1 c2s 10\n");
    assert_int_equal(stats(f)->gaps, 1);
    assert_int_equal(stats(f)->gap_bytes, 10);
    assert_int_equal(stats(f)->segments_out_of_order, 1);
    fx_free(f);
}

static void test_seq_wrap_through_the_pipeline(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    uint32_t isn = 0xfffffff6u; /* 2^32 - 10 */
    handshake(f, &WEB, isn, 7, T0);
    tx(f, &WEB, true, isn + 1, 8, PB_ACK, "abcdef", T0 + 1);
    tx(f, &WEB, true, isn + 13, 8, PB_ACK, "mnop", T0 + 2);  /* out of order, past 0 */
    tx(f, &WEB, true, isn + 7, 8, PB_ACK, "ghijkl", T0 + 3); /* crosses 2^32 */
    tx(f, &WEB, true, isn + 4, 8, PB_ACK, "defghi", T0 + 4); /* retransmitted, overlapping */
    packet_pipeline_finish(f->pp, T0 + 5);
    assert_string_equal(c2s(f, 0), "abcdefghijklmnop");
    assert_int_equal(stats(f)->gaps, 0);
    fx_free(f);
}

static void short_timeout(struct packet_limits *l)
{
    l->flow_timeout_us = 10 * SEC;
}

static void test_idle_flows_expire(void **state)
{
    (void)state;
    struct fx *f = fx_new(short_timeout);
    struct pb_conn other = WEB;
    other.cport = 40001;
    tx(f, &WEB, true, 1, 1, PB_ACK, "a", T0);
    tx(f, &other, true, 1, 1, PB_ACK, "b", T0 + 5 * SEC);
    tx(f, &other, true, 2, 1, PB_ACK, "c", T0 + 11 * SEC);
    assert_string_equal(f->rec->log.data, "open 1 10.0.0.1:40000>10.0.0.2:80\n"
                                          "open 2 10.0.0.1:40001>10.0.0.2:80\n"
                                          "close 1 idle\n");
    packet_pipeline_expire(f->pp, T0 + 20 * SEC);
    assert_int_equal(stats(f)->flows_expired, 1);
    packet_pipeline_expire(f->pp, T0 + 21 * SEC + 1);
    assert_int_equal(stats(f)->flows_expired, 2);
    assert_string_equal(c2s(f, 1), "bc");
    fx_free(f);
}

static void two_flows(struct packet_limits *l)
{
    l->max_flows = 2;
}

static void test_flow_cap_evicts_least_recent(void **state)
{
    (void)state;
    struct fx *f = fx_new(two_flows);
    for (uint16_t i = 0; i < 3; i++) {
        struct pb_conn c = WEB;
        c.cport = (uint16_t)(41000 + i);
        tx(f, &c, true, 1, 1, PB_ACK, "data", T0 + i);
    }
    assert_string_equal(f->rec->log.data, "open 1 10.0.0.1:41000>10.0.0.2:80\n"
                                          "open 2 10.0.0.1:41001>10.0.0.2:80\n"
                                          "close 1 evicted\n"
                                          "open 3 10.0.0.1:41002>10.0.0.2:80\n");
    assert_int_equal(stats(f)->flows_evicted, 1);
    fx_free(f);
}

static void eight_flows(struct packet_limits *l)
{
    l->max_flows = 8;
}

/* A SYN flood fills the table with half-open flows; those are shed
 * before the connections that carry data, and the table stays at cap. */
static void test_syn_flood_stays_bounded_and_spares_real_flows(void **state)
{
    (void)state;
    struct fx *f = fx_new(eight_flows);
    struct pb_conn a = WEB, b = WEB;
    b.cport = 40001;
    tx(f, &a, true, 1, 1, PB_ACK, "real ", T0);
    tx(f, &b, true, 1, 1, PB_ACK, "also ", T0 + 1);
    for (unsigned i = 0; i < 1000; i++) {
        struct pb_conn c = {4, "192.0.2.1", "10.0.0.2", (uint16_t)(10000 + i), 80};
        tx(f, &c, true, i * 7919u, 0, PB_SYN, NULL, T0 + 2 + i);
    }
    tx(f, &a, true, 6, 1, PB_ACK, "a", T0 + 2000);
    tx(f, &b, true, 6, 1, PB_ACK, "b", T0 + 2001);
    const struct packet_stats *st = stats(f);
    assert_int_equal(st->flows, 1002);
    assert_int_equal(st->flows - st->flows_evicted, 8);
    assert_false(f->rec->conns[0].closed);
    assert_false(f->rec->conns[1].closed);
    assert_string_equal(c2s(f, 0), "real a");
    assert_string_equal(c2s(f, 1), "also b");
    fx_free(f);
}

static void tiny_buffers(struct packet_limits *l)
{
    l->max_flow_buffer = 16;
    l->max_total_buffer = 24 + 2 * REASM_SEG_OVERHEAD;
}

static void test_buffer_caps_shed_holes(void **state)
{
    (void)state;
    struct fx *f = fx_new(tiny_buffers);
    struct pb_conn b = WEB;
    b.cport = 40001;
    tx(f, &WEB, true, 1, 1, PB_ACK, "abcd", T0);
    tx(f, &WEB, true, 11, 1, PB_ACK, "AAAAAAAAAA", T0 + 1); /* held: 10 */
    tx(f, &WEB, true, 31, 1, PB_ACK, "BBBBBBBBBB", T0 + 2); /* over 16: give up 5..10 */
    assert_string_equal(c2s(f, 0), "abcd<gap 6>AAAAAAAAAA");
    tx(f, &b, true, 1, 1, PB_ACK, "x", T0 + 3);
    /* 10 + 12 bytes in two segments fit the total; 4 more in a third do not */
    tx(f, &b, true, 5, 1, PB_ACK, "CCCCCCCCCCCC", T0 + 4);
    tx(f, &b, true, 20, 1, PB_ACK, "DDDD", T0 + 5);
    assert_string_equal(c2s(f, 1), "x<gap 3>CCCCCCCCCCCC");
    assert_int_equal(stats(f)->buffer_shed, 2);
    packet_pipeline_finish(f->pp, T0 + 6);
    assert_string_equal(c2s(f, 0), "abcd<gap 6>AAAAAAAAAA<gap 10>BBBBBBBBBB");
    assert_string_equal(c2s(f, 1), "x<gap 3>CCCCCCCCCCCC<gap 3>DDDD");
    assert_int_equal(stats(f)->gaps, 4);
    assert_int_equal(stats(f)->gap_bytes, 22);
    fx_free(f);
}

/* The same TCP/IP packet under every link type reaches the hooks. */
static void test_every_link_type_reaches_tcp(void **state)
{
    (void)state;
    static const struct {
        int linktype;
        uint8_t hdr[24];
        size_t hdrlen;
    } links[] = {
        {1, {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00}, 14},
        {1, {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0x00, 0, 9, 0x08, 0x00}, 18},
        {1,
         {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0xa8, 0, 9, 0x81, 0x00, 0, 10, 0x08, 0x00},
         22},
        {113, {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}, 16},
        {276, {0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, 20},
        {0, {2, 0, 0, 0}, 4},
        {0, {0, 0, 0, 2}, 4},
        {108, {0, 0, 0, 2}, 4},
        {12, {0}, 0},
        {14, {0}, 0},
        {101, {0}, 0},
        {228, {0}, 0},
    };
    struct fx *f = fx_new(NULL);
    size_t n = sizeof links / sizeof links[0];
    for (size_t i = 0; i < n; i++) {
        struct pb seg = {.len = 0}, p = {.len = 0};
        struct pb_tcp t = {(uint16_t)(30000 + i), 80, 1, 1, PB_ACK, "hi", 2, 0};
        pb_tcp_seg(&seg, &t);
        pb_put(&p, links[i].hdr, links[i].hdrlen);
        pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, 1, 0, 0, seg.b, seg.len);
        feed_frame(f, links[i].linktype, &p, T0 + (int64_t)i);
        assert_int_equal(stats(f)->flows, i + 1);
        assert_string_equal(c2s(f, i), "hi");
    }
    /* and IPv6 under LINKTYPE_IPV6 */
    struct pb seg = {.len = 0}, p = {.len = 0};
    struct pb_tcp t = {50000, 80, 1, 1, PB_ACK, "v6", 2, 0};
    pb_tcp_seg(&seg, &t);
    pb_ipv6(&p, "2001:db8::1", "2001:db8::2", 6, NULL, 0, seg.b, seg.len);
    feed_frame(f, 229, &p, T0 + 100);
    assert_string_equal(c2s(f, n), "v6");
    assert_string_equal(f->rec->conns[n].info.client, "[2001:db8::1]:50000");
    assert_string_equal(f->rec->conns[n].info.server, "[2001:db8::2]:80");
    assert_int_equal(stats(f)->unsupported_link, 0);
    feed_frame(f, 105, &p, T0 + 101);
    assert_int_equal(stats(f)->unsupported_link, 1);
    fx_free(f);
}

static void test_fragmented_segments_are_reassembled(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    const char *body = "POST /sms HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world";
    struct pb seg = {.len = 0};
    struct pb_tcp t = {40000, 80, 1, 1, PB_ACK, body, strlen(body), 0};
    pb_tcp_seg(&seg, &t);
    /* IPv4: three fragments, the last one first */
    static const size_t cuts[][2] = {{48, 0}, {16, 32}, {0, 16}};
    for (int i = 0; i < 3; i++) {
        size_t off = cuts[i][0], len = i == 0 ? seg.len - 48 : cuts[i][1];
        struct pb p = {.len = 0};
        pb_eth(&p, NULL, 0, 0x0800);
        pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, 42, (uint16_t)((i ? 0x2000 : 0) | off / 8), 0,
                seg.b + off, len);
        feed_frame(f, 1, &p, T0 + i);
    }
    assert_string_equal(c2s(f, 0), body);
    /* IPv6: two fragments in order */
    struct pb_tcp t6 = {40000, 80, 1, 1, PB_ACK, body, strlen(body), 0};
    seg.len = 0;
    pb_tcp_seg(&seg, &t6);
    for (int i = 0; i < 2; i++) {
        struct pb p = {.len = 0}, ext = {.len = 0};
        size_t off = i ? 40 : 0, len = i ? seg.len - 40 : 40;
        pb_ip6_frag_hdr(&ext, 6, (uint32_t)off, i == 0, 9);
        pb_eth(&p, NULL, 0, 0x86dd);
        pb_ipv6(&p, "::1", "::2", 44, ext.b, ext.len, seg.b + off, len);
        feed_frame(f, 1, &p, T0 + 10 + i);
    }
    assert_string_equal(c2s(f, 1), body);
    assert_int_equal(stats(f)->frag_reassembled, 2);
    assert_int_equal(stats(f)->fragments, 5);
    fx_free(f);
}

static void test_truncated_and_invalid_are_counted_apart(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    struct pb p;
    pb_frame(&p, &WEB, true, 1, 1, PB_ACK, "abcdef", 6);
    /* the capture kept 3 of the 6 payload bytes */
    assert_int_equal(packet_pipeline_feed(f->pp, 1, T0, p.b, p.len - 3, p.len), CUT_OK);
    tx(f, &WEB, true, 7, 1, PB_ACK, "gh", T0 + 1);
    assert_string_equal(c2s(f, 0), "abc<gap 3>gh");
    assert_int_equal(stats(f)->truncated, 1);
    /* cut inside the TCP header */
    assert_int_equal(packet_pipeline_feed(f->pp, 1, T0 + 2, p.b, 14 + 20 + 10, p.len), CUT_OK);
    assert_int_equal(stats(f)->truncated, 2);
    assert_int_equal(stats(f)->invalid, 0);
    /* a TCP data offset of 4 words */
    p.b[14 + 20 + 12] = 0x40;
    feed_frame(f, 1, &p, T0 + 3);
    assert_int_equal(stats(f)->invalid, 1);
    /* UDP, ARP */
    p.len = 0;
    pb_eth(&p, NULL, 0, 0x0800);
    pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 17, 1, 0, 0, "udp.....", 8);
    feed_frame(f, 1, &p, T0 + 4);
    p.len = 0;
    pb_eth(&p, NULL, 0, 0x0806);
    pb_put(&p, "arp", 3);
    feed_frame(f, 1, &p, T0 + 5);
    const struct packet_stats *st = stats(f);
    assert_int_equal(st->non_tcp, 1);
    assert_int_equal(st->non_ip, 1);
    assert_int_equal(st->truncated, 2);
    assert_int_equal(st->invalid, 1);
    assert_int_equal(st->packets, 6);
    fx_free(f);
}

static void test_open_failure_drops_the_flow(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->rec->fail_open = true;
    tx(f, &WEB, true, 1, 1, PB_ACK, "lost", T0);
    tx(f, &WEB, true, 5, 1, PB_ACK, "also", T0 + 1);
    f->rec->fail_open = false;
    tx(f, &WEB, true, 9, 1, PB_ACK | PB_FIN, "end", T0 + 2);
    packet_pipeline_finish(f->pp, T0 + 3);
    assert_int_equal(stats(f)->flows_dropped, 1);
    assert_int_equal(stats(f)->flows, 1);
    assert_int_equal(f->rec->n, 0);
    fx_free(f);
}

/* Mutated frames (bit flips, cut lengths, random link types) never
 * crash and every one is counted; memory stays under the caps. */
static void test_mutated_frames_are_survived(void **state)
{
    (void)state;
    static const int linktypes[] = {0, 1, 12, 101, 108, 113, 228, 229, 276};
    static const char REQ[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct fx *f = fx_new(eight_flows);
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    struct pb p, seg;
    for (int i = 0; i < 20000; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        struct pb_conn c = WEB;
        c.cport = (uint16_t)(40000 + rng % 16);
        c.version = rng & 0x100 ? 6 : 4;
        if (c.version == 6) c.client = "::1", c.server = "::2";
        pb_frame(&p, &c, rng & 1, (uint32_t)(rng >> 32) % 4096, (uint32_t)(rng >> 20) % 4096,
                 (uint8_t)(rng >> 40), REQ, strlen(REQ));
        if (rng & 0x200) { /* an IP fragment instead */
            seg.len = 0;
            pb_put(&seg, p.b + 34, p.len - 34);
            p.len = 0;
            pb_eth(&p, NULL, 0, 0x0800);
            pb_ipv4(&p, "10.0.0.1", "10.0.0.2", 6, (uint16_t)(rng % 4),
                    (uint16_t)((rng >> 9) & 0x2003), 0, seg.b, (rng >> 50) % 2 ? 24 : seg.len);
        }
        for (int k = 0; k < 3; k++)
            p.b[(rng >> (k * 11)) % p.len] ^= (uint8_t)(1u << (k + (rng & 3)));
        size_t cap = rng & 0x400 ? p.len : (size_t)((rng >> 24) % (p.len + 1));
        int lt = rng & 0x800 ? linktypes[(rng >> 28) % 9] : 1;
        assert_int_equal(packet_pipeline_feed(f->pp, lt, T0 + i * 1000, p.b, cap, p.len), CUT_OK);
    }
    packet_pipeline_finish(f->pp, T0 + 30 * SEC);
    const struct packet_stats *st = stats(f);
    assert_int_equal(st->packets, 20000);
    assert_true(st->flows > 0);
    assert_true(st->truncated > 0);
    fx_free(f);
}

/* ---- the public capture corpus ---- */

struct corpus_run {
    struct recorder rec_unused;
    struct buf bytes[2]; /* all connections' bytes, by direction, in close order */
    uint64_t opened, closed, gap_events;
    bool open_conn[4096];
};

struct corpus_conn {
    uint64_t flow;
    struct buf data[2];
};

static void *corpus_open(void *ctx, const struct stream_info *info)
{
    struct corpus_run *r = ctx;
    struct corpus_conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->flow = info->flow;
    assert_int_equal(info->flow, r->opened + 1); /* ids count from 1 in order */
    r->opened++;
    buf_init(&c->data[0], 0);
    buf_init(&c->data[1], 0);
    return c;
}

static void corpus_data(void *ctx, void *conn, enum stream_dir d, const uint8_t *p, size_t n,
                        int64_t ts)
{
    (void)ctx;
    (void)ts;
    struct corpus_conn *c = conn;
    assert_true(n > 0);
    buf_append(&c->data[d], p, n);
}

static void corpus_gap(void *ctx, void *conn, enum stream_dir d, uint64_t lost, int64_t ts)
{
    (void)conn;
    (void)d;
    (void)ts;
    struct corpus_run *r = ctx;
    assert_true(lost > 0);
    r->gap_events++;
}

static void corpus_close(void *ctx, void *conn, enum stream_end why, int64_t ts)
{
    (void)why;
    (void)ts;
    struct corpus_run *r = ctx;
    struct corpus_conn *c = conn;
    for (int d = 0; d < 2; d++) {
        buf_append(&r->bytes[d], c->data[d].data, c->data[d].len);
        buf_free(&c->data[d]);
    }
    r->closed++;
    free(c);
}

static const char *corpus_dir(void)
{
    static char path[4096];
    const char *root = getenv("CUTOVER_ROOT");
    snprintf(path, sizeof path, "%s/../shared/pcaps", root ? root : ".");
    return path;
}

/* Run one file through source + pipeline; the caller frees r's buffers. */
static struct packet_stats run_pcap(const char *name, struct corpus_run *r)
{
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/%s", corpus_dir(), name);
    struct source *src;
    if (source_open_file(path, &src, err, sizeof err) != CUT_OK) fail_msg("%s", err);
    memset(r, 0, sizeof *r);
    buf_init(&r->bytes[0], 0);
    buf_init(&r->bytes[1], 0);
    struct stream_hooks h = {r, corpus_open, corpus_data, corpus_gap, NULL, corpus_close};
    struct packet_limits lim;
    packet_limits_default(&lim);
    struct packet_pipeline *pp;
    assert_int_equal(packet_pipeline_new(&lim, &h, &pp), CUT_OK);
    struct source_packet pkt;
    uint64_t n = 0;
    int64_t last = 0;
    enum cut_err e;
    while ((e = source_next(src, &pkt, err, sizeof err)) == CUT_OK) {
        assert_int_equal(packet_pipeline_feed(pp, source_linktype(src), pkt.ts_us, pkt.data,
                                              pkt.caplen, pkt.wire_len),
                         CUT_OK);
        last = pkt.ts_us;
        n++;
    }
    assert_int_equal(e, CUT_EOF);
    packet_pipeline_finish(pp, last);
    struct packet_stats st = *packet_pipeline_stats(pp);
    assert_int_equal(st.packets, n);
    assert_int_equal(r->opened, st.flows - st.flows_dropped);
    assert_int_equal(r->closed, r->opened);
    packet_pipeline_free(pp);
    source_free(src);
    return st;
}

static void run_free(struct corpus_run *r)
{
    buf_free(&r->bytes[0]);
    buf_free(&r->bytes[1]);
}

static size_t count(const struct buf *b, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (size_t i = 0; i + k <= b->len; i++)
        if (memcmp(b->data + i, needle, k) == 0) n++;
    return n;
}

/* Expectations per file, checked against what tcpdump -r shows. */
struct expect {
    const char *file;
    int flows;       /* -1: not checked */
    int gaps;        /* -1: not checked */
    int requests;    /* " HTTP/1." (request lines) in C2S, -1: not checked */
    int responses;   /* "HTTP/1." (status lines) in S2C */
    int reassembled; /* IP datagrams put together */
};

static const struct expect expects[] = {
    {"three_http_streams.pcap", 3, 0, 3, 3, 0},
    {"tcp-reassembly.pcap", 1, 0, 14, 14, 0},
    {"one_tcp_stream.pcap", 1, 0, 2, 2, 0},
    {"one_tcp_stream_max_seq.pcap", 1, 0, 2, 2, 0},
    {"one_http_stream_fin.pcap", 1, 0, 1, 1, 0},
    {"one_http_stream_fin2.pcap", 1, 0, 1, 1, 0},
    {"one_http_stream_rst.pcap", 1, 0, 1, 1, 0},
    {"one_ipv6_http_stream.pcap", 1, 0, 3, 3, 0},
    {"four_ipv6_http_streams.pcap", 4, 0, 9, 9, 0},
    {"frag_http_req.pcap", 1, 0, 1, 0, 1},
    {"ip4_fragments.pcap", 0, 0, 0, 0, 6},
    {"ip6_fragments.pcap", 0, 0, 0, 0, 4},
    {"sll.pcap", 1, 0, -1, -1, 0},
    {"sll2.pcap", 1, 0, -1, -1, 0},
    {"unidirectional_tcp_stream_with_missing_packet.pcap", 1, 1, -1, 0, 0},
    {"TwoHttpRequests.pcap", 2, 0, 2, 0, 0},
};

static void test_every_shared_pcap(void **state)
{
    (void)state;
    DIR *dir = opendir(corpus_dir());
    if (!dir) {
        print_message("no %s: skipped\n", corpus_dir());
        skip();
    }
    struct dirent *de;
    size_t files = 0, checked = 0;
    while ((de = readdir(dir))) {
        const char *dot = strrchr(de->d_name, '.');
        if (!dot || (strcmp(dot, ".pcap") != 0 && strcmp(dot, ".pcapng") != 0)) continue;
        struct corpus_run r;
        struct packet_stats st = run_pcap(de->d_name, &r);
        files++;
        if (st.unsupported_link || st.invalid || st.truncated)
            fail_msg("%s: unsupported %llu invalid %llu truncated %llu", de->d_name,
                     (unsigned long long)st.unsupported_link, (unsigned long long)st.invalid,
                     (unsigned long long)st.truncated);
        for (size_t i = 0; i < sizeof expects / sizeof expects[0]; i++) {
            const struct expect *x = &expects[i];
            if (strcmp(x->file, de->d_name) != 0) continue;
            checked++;
            size_t req = count(&r.bytes[0], " HTTP/1."), resp = count(&r.bytes[1], "HTTP/1.");
            bool ok = (x->flows < 0 || st.flows == (uint64_t)x->flows) &&
                      (x->gaps < 0 || st.gaps == (uint64_t)x->gaps) &&
                      (x->requests < 0 || req == (size_t)x->requests) &&
                      (x->responses < 0 || resp == (size_t)x->responses) &&
                      st.frag_reassembled == (uint64_t)x->reassembled;
            if (!ok)
                fail_msg("%s: flows %llu gaps %llu requests %zu responses %zu reassembled %llu",
                         x->file, (unsigned long long)st.flows, (unsigned long long)st.gaps, req,
                         resp, (unsigned long long)st.frag_reassembled);
        }
        run_free(&r);
    }
    closedir(dir);
    assert_true(files >= 20);
    assert_int_equal(checked, sizeof expects / sizeof expects[0]);
}

/* The same connection with sequence numbers shifted to wrap past 2^32
 * gives the same bytes both ways. */
static void test_shared_pcap_seq_wrap_matches(void **state)
{
    (void)state;
    DIR *dir = opendir(corpus_dir());
    if (!dir) skip();
    closedir(dir);
    struct corpus_run a, b;
    run_pcap("one_tcp_stream.pcap", &a);
    run_pcap("one_tcp_stream_max_seq.pcap", &b);
    for (int d = 0; d < 2; d++) {
        assert_true(a.bytes[d].len > 1000);
        assert_int_equal(a.bytes[d].len, b.bytes[d].len);
        assert_memory_equal(a.bytes[d].data, b.bytes[d].data, a.bytes[d].len);
    }
    run_free(&a);
    run_free(&b);
    /* the fragmented request comes out whole */
    struct corpus_run fr;
    run_pcap("frag_http_req.pcap", &fr);
    assert_true(fr.bytes[0].len > 1400);
    assert_memory_equal(fr.bytes[0].data, "GET /convert_data.js?partner_id=29 HTTP/1.1\r\n", 45);
    assert_memory_equal(fr.bytes[0].data + fr.bytes[0].len - 4, "\r\n\r\n", 4);
    run_free(&fr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exchange_with_handshake_and_fin),
        cmocka_unit_test(test_rst_closes_the_flow),
        cmocka_unit_test(test_mid_stream_roles_from_ports),
        cmocka_unit_test(test_stray_packets_open_nothing),
        cmocka_unit_test(test_one_sided_flow),
        cmocka_unit_test(test_half_close_before_the_answer),
        cmocka_unit_test(test_lost_segment_is_a_gap_and_data_resumes),
        cmocka_unit_test(test_seq_wrap_through_the_pipeline),
        cmocka_unit_test(test_idle_flows_expire),
        cmocka_unit_test(test_flow_cap_evicts_least_recent),
        cmocka_unit_test(test_syn_flood_stays_bounded_and_spares_real_flows),
        cmocka_unit_test(test_buffer_caps_shed_holes),
        cmocka_unit_test(test_every_link_type_reaches_tcp),
        cmocka_unit_test(test_fragmented_segments_are_reassembled),
        cmocka_unit_test(test_truncated_and_invalid_are_counted_apart),
        cmocka_unit_test(test_open_failure_drops_the_flow),
        cmocka_unit_test(test_mutated_frames_are_survived),
        cmocka_unit_test(test_every_shared_pcap),
        cmocka_unit_test(test_shared_pcap_seq_wrap_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
