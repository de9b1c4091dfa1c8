/* pktbuild.h: helpers for the capture tests: build Ethernet, IPv4, IPv6
 * (with options, extension headers, fragments) and TCP frames in a
 * buffer, and a recording set of stream hooks that keeps each
 * connection's bytes per direction and a text log of its events. */
#ifndef CUTOVER_TESTS_PKTBUILD_H
#define CUTOVER_TESTS_PKTBUILD_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cutover/buf.h"
#include "../capture/stream.h"

#define PB_FIN 0x01
#define PB_SYN 0x02
#define PB_RST 0x04
#define PB_PSH 0x08
#define PB_ACK 0x10

/* A frame under construction. */
struct pb {
    uint8_t b[70000];
    size_t len;
};

static inline void pb_put(struct pb *p, const void *d, size_t n)
{
    if (n > sizeof p->b - p->len) abort();
    memcpy(p->b + p->len, d, n);
    p->len += n;
}

static inline void pb_u8(struct pb *p, unsigned v)
{
    uint8_t b = (uint8_t)v;
    pb_put(p, &b, 1);
}

static inline void pb_be16(struct pb *p, unsigned v)
{
    pb_u8(p, v >> 8);
    pb_u8(p, v);
}

static inline void pb_be32(struct pb *p, uint32_t v)
{
    pb_be16(p, v >> 16);
    pb_be16(p, v & 0xffff);
}

static inline void pb_addr(struct pb *p, int version, const char *s)
{
    uint8_t a[16];
    if (inet_pton(version == 4 ? AF_INET : AF_INET6, s, a) != 1) abort();
    pb_put(p, a, version == 4 ? 4 : 16);
}

/* A TCP segment: header (no options unless optlen), then payload. */
struct pb_tcp {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    const void *data;
    size_t len;
    size_t optlen; /* NOP bytes of options, a multiple of 4 */
};

static inline void pb_tcp_seg(struct pb *p, const struct pb_tcp *t)
{
    pb_be16(p, t->sport);
    pb_be16(p, t->dport);
    pb_be32(p, t->seq);
    pb_be32(p, t->ack);
    pb_u8(p, (unsigned)((20 + t->optlen) / 4) << 4);
    pb_u8(p, t->flags);
    pb_be16(p, 65535); /* window */
    pb_be32(p, 0);     /* checksum, urgent pointer: nobody checks */
    for (size_t i = 0; i < t->optlen; i++) pb_u8(p, 1);
    if (t->len) pb_put(p, t->data, t->len);
}

/* IPv4 header + payload. frag is the flags/offset field as on the wire
 * (0x2000 = more fragments, low 13 bits = offset / 8); optlen bytes of
 * NOP options (a multiple of 4). */
static inline void pb_ipv4(struct pb *p, const char *src, const char *dst, uint8_t proto,
                           uint16_t id, uint16_t frag, size_t optlen, const void *payload, size_t n)
{
    pb_u8(p, 0x40 | (unsigned)((20 + optlen) / 4));
    pb_u8(p, 0);
    pb_be16(p, (unsigned)(20 + optlen + n));
    pb_be16(p, id);
    pb_be16(p, frag);
    pb_u8(p, 64);
    pb_u8(p, proto);
    pb_be16(p, 0);
    pb_addr(p, 4, src);
    pb_addr(p, 4, dst);
    for (size_t i = 0; i < optlen; i++) pb_u8(p, 1);
    pb_put(p, payload, n);
}

/* IPv6 header + ext (already encoded extension headers, whose chain
 * starts with next header nh) + payload. */
static inline void pb_ipv6(struct pb *p, const char *src, const char *dst, uint8_t nh,
                           const void *ext, size_t extlen, const void *payload, size_t n)
{
    pb_be32(p, 0x60000000u);
    pb_be16(p, (unsigned)(extlen + n));
    pb_u8(p, nh);
    pb_u8(p, 64);
    pb_addr(p, 6, src);
    pb_addr(p, 6, dst);
    if (extlen) pb_put(p, ext, extlen);
    pb_put(p, payload, n);
}

/* IPv6 fragment header: offset in bytes (multiple of 8). */
static inline void pb_ip6_frag_hdr(struct pb *p, uint8_t next, uint32_t offset, bool more,
                                   uint32_t id)
{
    pb_u8(p, next);
    pb_u8(p, 0);
    pb_be16(p, (offset & 0xfff8) | (more ? 1 : 0));
    pb_be32(p, id);
}

/* Ethernet header with tags (TPIDs, each followed by a VLAN id). */
static inline void pb_eth(struct pb *p, const uint16_t *tpids, size_t ntags, uint16_t ethertype)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    pb_put(p, macs, sizeof macs);
    for (size_t i = 0; i < ntags; i++) {
        pb_be16(p, tpids[i]);
        pb_be16(p, (unsigned)(100 + i));
    }
    pb_be16(p, ethertype);
}

/* A whole Ethernet/IPv4-or-IPv6/TCP frame, the common case. */
struct pb_conn {
    int version;
    const char *client, *server;
    uint16_t cport, sport;
};

static inline size_t pb_frame(struct pb *p, const struct pb_conn *c, bool from_client, uint32_t seq,
                              uint32_t ack, uint8_t flags, const void *data, size_t len)
{
    struct pb seg = {.len = 0};
    struct pb_tcp t = {from_client ? c->cport : c->sport,
                       from_client ? c->sport : c->cport,
                       seq,
                       ack,
                       flags,
                       data,
                       len,
                       0};
    pb_tcp_seg(&seg, &t);
    p->len = 0;
    pb_eth(p, NULL, 0, c->version == 4 ? 0x0800 : 0x86dd);
    const char *src = from_client ? c->client : c->server;
    const char *dst = from_client ? c->server : c->client;
    if (c->version == 4)
        pb_ipv4(p, src, dst, 6, 1, 0x4000, 0, seg.b, seg.len);
    else
        pb_ipv6(p, src, dst, 6, NULL, 0, seg.b, seg.len);
    return p->len;
}

/* ---- a recording set of stream hooks ---- */

#define REC_MAX_CONNS 1100

struct rec_conn {
    struct stream_info info;
    struct buf data[2];
    int64_t first_ts[2];
    bool closed;
};

struct recorder {
    struct rec_conn conns[REC_MAX_CONNS];
    size_t n;
    struct buf log; /* one line per open, gap, fin, close */
    bool fail_open;
};

static inline void *rec_open(void *ctx, const struct stream_info *info)
{
    struct recorder *r = ctx;
    if (r->fail_open || r->n == REC_MAX_CONNS) return NULL;
    struct rec_conn *c = &r->conns[r->n++];
    c->info = *info;
    buf_init(&c->data[0], 0);
    buf_init(&c->data[1], 0);
    buf_printf(&r->log, "open %llu %s>%s%s\n", (unsigned long long)info->flow, info->client,
               info->server, info->saw_syn ? " syn" : "");
    return c;
}

static inline const char *rec_dir(enum stream_dir d)
{
    return d == STREAM_C2S ? "c2s" : "s2c";
}

static inline void rec_data(void *ctx, void *conn, enum stream_dir dir, const uint8_t *p, size_t n,
                            int64_t ts_us)
{
    (void)ctx;
    struct rec_conn *c = conn;
    if (c->data[dir].len == 0) c->first_ts[dir] = ts_us;
    buf_append(&c->data[dir], p, n);
}

static inline void rec_gap(void *ctx, void *conn, enum stream_dir dir, uint64_t lost, int64_t ts_us)
{
    (void)ts_us;
    struct recorder *r = ctx;
    struct rec_conn *c = conn;
    buf_printf(&r->log, "gap %llu %s %llu\n", (unsigned long long)c->info.flow, rec_dir(dir),
               (unsigned long long)lost);
    buf_printf(&c->data[dir], "<gap %llu>", (unsigned long long)lost);
}

static inline void rec_fin(void *ctx, void *conn, enum stream_dir dir, int64_t ts_us)
{
    (void)ts_us;
    struct recorder *r = ctx;
    struct rec_conn *c = conn;
    buf_printf(&r->log, "fin %llu %s\n", (unsigned long long)c->info.flow, rec_dir(dir));
}

static inline void rec_close(void *ctx, void *conn, enum stream_end why, int64_t ts_us)
{
    (void)ts_us;
    static const char *const names[] = {"fin", "rst", "idle", "evicted", "eof"};
    struct recorder *r = ctx;
    struct rec_conn *c = conn;
    c->closed = true;
    buf_printf(&r->log, "close %llu %s\n", (unsigned long long)c->info.flow, names[why]);
}

static inline struct stream_hooks rec_hooks(struct recorder *r)
{
    struct stream_hooks h = {r, rec_open, rec_data, rec_gap, rec_fin, rec_close};
    return h;
}

static inline struct recorder *rec_new(void)
{
    struct recorder *r = calloc(1, sizeof *r);
    if (!r) abort();
    buf_init(&r->log, 0);
    return r;
}

static inline void rec_free(struct recorder *r)
{
    for (size_t i = 0; i < r->n; i++) {
        buf_free(&r->conns[i].data[0]);
        buf_free(&r->conns[i].data[1]);
    }
    buf_free(&r->log);
    free(r);
}

#endif
