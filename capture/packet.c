/* packet.c: the packet half of cutover-capture, wired together: each frame
 * goes link -> IP (defragmented) -> TCP header -> flow table -> the
 * direction's reassembler, which calls the stream hooks.  Owns the flow
 * table, the defragmenter and the counters; decides when a connection
 * opens, closes, expires or is evicted. */
#include "packet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flow.h"
#include "ip.h"
#include "link.h"
#include "reasm.h"

#define FRAG_TIMEOUT_US (30 * 1000000LL) /* as Linux's ipfrag_time */
#define EXPIRE_EVERY_US 1000000LL        /* how often feed looks for idle flows */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

struct packet_pipeline {
    struct packet_limits lim;
    struct stream_hooks hooks;
    struct packet_stats st;
    struct reasm_ctx rx;
    struct ip_defrag *defrag;
    struct flow_table *flows;
    uint64_t next_id;
    int64_t now_us, last_expire_us;
};

/* A decoded TCP segment with the addresses it travelled between. */
struct tcp_pkt {
    const struct ip_packet *ip;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    struct cursor payload;
    size_t missing;
};

void packet_limits_default(struct packet_limits *lim)
{
    lim->max_flows = 262144;
    lim->max_flow_buffer = (size_t)1 << 20;
    lim->max_total_buffer = (size_t)256 << 20;
    lim->max_frag_bytes = (size_t)16 << 20;
    lim->flow_timeout_us = 120 * 1000000LL;
}

int packet_linktype_supported(int linktype)
{
    return link_supported(linktype);
}

enum cut_err packet_pipeline_new(const struct packet_limits *lim, const struct stream_hooks *hooks,
                                 struct packet_pipeline **out)
{
    struct packet_pipeline *pp = calloc(1, sizeof *pp);
    if (!pp) return CUT_ENOMEM;
    pp->lim = *lim;
    pp->hooks = *hooks;
    pp->rx.hooks = &pp->hooks;
    pp->rx.max_dir_buffer = lim->max_flow_buffer;
    pp->rx.max_total_buffer = lim->max_total_buffer;
    int64_t frag_to =
        lim->flow_timeout_us < FRAG_TIMEOUT_US ? lim->flow_timeout_us : FRAG_TIMEOUT_US;
    if (ip_defrag_new(lim->max_frag_bytes, frag_to, &pp->defrag) != CUT_OK ||
        flow_table_new(lim->max_flows, &pp->flows) != CUT_OK) {
        packet_pipeline_free(pp);
        return CUT_ENOMEM;
    }
    *out = pp;
    return CUT_OK;
}

static void sync_stats(struct packet_pipeline *pp)
{
    const struct reasm_stats *r = &pp->rx.st;
    const struct ip_frag_stats *f = ip_defrag_stats(pp->defrag);
    pp->st.segments_out_of_order = r->segments_out_of_order;
    pp->st.segments_retransmitted = r->segments_retransmitted;
    pp->st.bytes_overlap = r->bytes_overlap;
    pp->st.gaps = r->gaps;
    pp->st.gap_bytes = r->gap_bytes;
    pp->st.buffer_shed = r->buffer_shed;
    pp->st.fragments = f->fragments;
    pp->st.frag_reassembled = f->reassembled;
    pp->st.frag_dropped = f->dropped;
    pp->st.frag_overlap = f->overlaps;
    pp->st.frag_timeouts = f->timeouts;
}

/* ---- connections: open, close ---- */

static void format_endpoint(char *out, size_t n, int version, const uint8_t *addr, uint16_t port)
{
    char a[INET6_ADDRSTRLEN];
    if (!inet_ntop(version == 4 ? AF_INET : AF_INET6, addr, a, sizeof a)) a[0] = '\0';
    if (version == 4)
        snprintf(out, n, "%s:%u", a, port);
    else
        snprintf(out, n, "[%s]:%u", a, port);
}

/* Ports that say "server" when the handshake was not seen. */
static bool is_server_port(uint16_t p)
{
    static const uint16_t known[] = {80, 443, 8080, 8000, 8008, 8081, 8443, 8888, 3128};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i] == p) return true;
    return false;
}

/* Whether the packet's source is the client, guessed from its ports. */
static bool source_is_client_by_port(uint16_t sport, uint16_t dport)
{
    bool sk = is_server_port(sport), dk = is_server_port(dport);
    if (sk != dk) return dk;
    if ((sport < 1024) != (dport < 1024)) return dport < 1024;
    return sport >= dport;
}

static void flow_close(struct packet_pipeline *pp, struct flow *f, enum stream_end why,
                       int64_t ts_us)
{
    if (f->closed) return;
    for (int d = 0; d < 2; d++)
        reasm_flush(&pp->rx, &f->dir[d], f->conn, (enum stream_dir)d, ts_us);
    if (pp->hooks.close) pp->hooks.close(pp->hooks.ctx, f->conn, why, ts_us);
    reasm_release(&pp->rx, &f->dir[0]);
    reasm_release(&pp->rx, &f->dir[1]);
    f->conn = NULL;
    f->closed = true;
    switch (why) {
    case STREAM_END_FIN:
        pp->st.flows_fin++;
        break;
    case STREAM_END_RST:
        pp->st.flows_rst++;
        break;
    case STREAM_END_IDLE:
        pp->st.flows_expired++;
        break;
    case STREAM_END_EVICTED:
        pp->st.flows_evicted++;
        break;
    case STREAM_END_EOF:
        break;
    }
}

/* Close a flow for good and free its entry. */
static void flow_drop(struct packet_pipeline *pp, struct flow *f, enum stream_end why,
                      int64_t ts_us)
{
    flow_close(pp, f, why, ts_us);
    flow_table_remove(pp->flows, f);
}

/* After a close the entry stays, quiet and empty, so the last ACKs and
 * retransmissions are not taken for a new connection. */
static void flow_bury(struct packet_pipeline *pp, struct flow *f, enum stream_end why,
                      int64_t ts_us)
{
    flow_close(pp, f, why, ts_us);
    flow_table_move(pp->flows, f, FLOW_QUIET);
}

static struct flow *flow_open(struct packet_pipeline *pp, const struct flow_key *k, uint32_t hash,
                              const struct tcp_pkt *t, uint8_t src_side, int64_t ts_us)
{
    if (flow_table_full(pp->flows)) {
        struct flow *victim = flow_table_victim(pp->flows);
        if (victim) flow_drop(pp, victim, STREAM_END_EVICTED, ts_us);
    }
    struct flow *f = flow_table_insert(pp->flows, k, hash, ts_us);
    if (!f) return NULL;
    bool syn = (t->flags & TCP_SYN) != 0, ack = (t->flags & TCP_ACK) != 0;
    bool src_client = syn ? !ack : source_is_client_by_port(t->sport, t->dport);
    f->client = src_client ? src_side : (uint8_t)!src_side;
    f->saw_syn = syn;
    f->id = ++pp->next_id;
    pp->st.flows++;

    struct stream_info info;
    memset(&info, 0, sizeof info);
    info.flow = f->id;
    info.saw_syn = syn;
    const struct ip_packet *ip = t->ip;
    format_endpoint(src_client ? info.client : info.server, sizeof info.client, ip->version,
                    ip->src, t->sport);
    format_endpoint(src_client ? info.server : info.client, sizeof info.client, ip->version,
                    ip->dst, t->dport);
    f->conn = pp->hooks.open ? pp->hooks.open(pp->hooks.ctx, &info) : NULL;
    if (!f->conn) {
        pp->st.flows_dropped++;
        f->closed = true; /* its packets are absorbed until it ages out */
    }
    return f;
}

/* ---- per packet ---- */

static enum stream_dir packet_dir(const struct flow *f, uint8_t src_side)
{
    return src_side == f->client ? STREAM_C2S : STREAM_S2C;
}

/* Find the packet's connection, opening one when the packet starts (or
 * joins) a stream worth following. NULL: ignore the packet. */
static struct flow *flow_for(struct packet_pipeline *pp, const struct tcp_pkt *t, uint8_t *src_side,
                             int64_t ts_us)
{
    struct flow_key k;
    const struct ip_packet *ip = t->ip;
    flow_key_make(&k, ip->version, ip->src, t->sport, ip->dst, t->dport, src_side);
    uint32_t h = flow_key_hash(&k);
    struct flow *f = flow_table_lookup(pp->flows, &k, h);
    bool syn_only = (t->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;
    if (f && !f->closed && syn_only && f->dir[packet_dir(f, *src_side)].started &&
        f->dir[packet_dir(f, *src_side)].next_seq != t->seq + 1) {
        /* The 4-tuple was reused: the old connection ended unseen. */
        flow_drop(pp, f, STREAM_END_EVICTED, ts_us);
        f = NULL;
    }
    if (f && f->closed) {
        if (!syn_only) {
            flow_table_touch(pp->flows, f, ts_us);
            return NULL;
        }
        flow_table_remove(pp->flows, f); /* a new connection on a closed tuple */
        f = NULL;
    }
    if (f) return f;
    /* A stray ACK or RST carries nothing to follow; a SYN or data does. */
    bool worth = (t->flags & TCP_SYN) || t->payload.len + t->missing > 0;
    if (!worth || (t->flags & TCP_RST)) return NULL;
    f = flow_open(pp, &k, h, t, *src_side, ts_us);
    return f && !f->closed ? f : NULL;
}

static void tcp_segment(struct packet_pipeline *pp, const struct tcp_pkt *t, int64_t ts_us)
{
    uint8_t src_side;
    struct flow *f = flow_for(pp, t, &src_side, ts_us);
    if (!f) return;
    enum stream_dir d = packet_dir(f, src_side);
    flow_table_touch(pp->flows, f, ts_us);
    f->seen[d] = true;
    if (t->flags & TCP_RST) {
        flow_bury(pp, f, STREAM_END_RST, ts_us);
        return;
    }
    struct reasm_segment seg = {t->seq,
                                t->payload.p,
                                t->payload.len,
                                t->missing,
                                (t->flags & TCP_SYN) != 0,
                                (t->flags & TCP_FIN) != 0,
                                ts_us};
    reasm_segment(&pp->rx, &f->dir[d], f->conn, d, &seg);
    if (t->flags & TCP_ACK)
        reasm_acked(&pp->rx, &f->dir[!d], f->conn, (enum stream_dir) !d, t->ack, ts_us);
    if (f->dir[0].fin_done && f->dir[1].fin_done) {
        flow_bury(pp, f, STREAM_END_FIN, ts_us);
        return;
    }
    /* When the only side seen so far has closed, the other may still be
     * about to answer a half-closed request, so the flow stays open; but
     * it is the first to go when room is needed. */
    bool only_side_done = f->dir[d].fin_done && !f->seen[!d];
    if (only_side_done && f->list == FLOW_ACTIVE)
        flow_table_move(pp->flows, f, FLOW_QUIET);
    else if (!only_side_done && f->list == FLOW_QUIET && t->payload.len > 0)
        flow_table_move(pp->flows, f, FLOW_ACTIVE);
}

static void tcp_decode(struct packet_pipeline *pp, const struct ip_packet *ip, int64_t ts_us)
{
    struct cursor c = ip->payload;
    struct tcp_pkt t = {.ip = ip};
    uint8_t off, flags;
    uint16_t win;
    if (!cur_be16(&c, &t.sport) || !cur_be16(&c, &t.dport) || !cur_be32(&c, &t.seq) ||
        !cur_be32(&c, &t.ack) || !cur_u8(&c, &off) || !cur_u8(&c, &flags) || !cur_be16(&c, &win) ||
        !cur_skip(&c, 4)) {
        pp->st.truncated++;
        return;
    }
    size_t hlen = (size_t)(off >> 4) * 4;
    if (hlen < 20 || hlen > ip->wire_len || t.sport == 0 || t.dport == 0) {
        pp->st.invalid++;
        return;
    }
    if (!cur_skip(&c, hlen - 20)) { /* options */
        pp->st.truncated++;
        return;
    }
    t.flags = flags;
    t.payload = c;
    t.missing = ip->wire_len - hlen - c.len;
    if (t.missing) pp->st.truncated++;
    tcp_segment(pp, &t, ts_us);
}

static const uint64_t link_counter_offset[] = {
    [LINK_NOT_IP] = offsetof(struct packet_stats, non_ip),
    [LINK_TRUNCATED] = offsetof(struct packet_stats, truncated),
    [LINK_INVALID] = offsetof(struct packet_stats, invalid),
    [LINK_UNSUPPORTED] = offsetof(struct packet_stats, unsupported_link),
};

static void count_at(struct packet_stats *st, size_t offset)
{
    uint64_t *field = (uint64_t *)((char *)st + offset);
    (*field)++;
}

static void decode(struct packet_pipeline *pp, int linktype, int64_t ts_us, const uint8_t *data,
                   size_t caplen)
{
    struct cursor ipc;
    int version = 0;
    enum link_status ls = link_decode(linktype, cur_make(data, caplen), &ipc, &version);
    if (ls != LINK_OK) {
        count_at(&pp->st, link_counter_offset[ls]);
        return;
    }
    struct ip_packet ip;
    switch (ip_decode(pp->defrag, version, ipc, ts_us, &ip)) {
    case IP_OK:
        break;
    case IP_HELD:
    case IP_DROPPED:
        return;
    case IP_TRUNCATED:
        pp->st.truncated++;
        return;
    case IP_INVALID:
        pp->st.invalid++;
        return;
    }
    if (ip.proto != IP_PROTO_TCP) {
        pp->st.non_tcp++;
        return;
    }
    tcp_decode(pp, &ip, ts_us);
}

enum cut_err packet_pipeline_feed(struct packet_pipeline *pp, int linktype, int64_t ts_us,
                                  const uint8_t *data, size_t caplen, size_t wire_len)
{
    pp->st.packets++;
    pp->st.bytes += wire_len;
    if (ts_us > pp->now_us) pp->now_us = ts_us;
    ip_defrag_expire(pp->defrag, pp->now_us);
    decode(pp, linktype, ts_us, data, caplen);
    if (pp->now_us - pp->last_expire_us >= EXPIRE_EVERY_US) packet_pipeline_expire(pp, pp->now_us);
    sync_stats(pp);
    return CUT_OK;
}

void packet_pipeline_expire(struct packet_pipeline *pp, int64_t now_us)
{
    pp->last_expire_us = now_us;
    ip_defrag_expire(pp->defrag, now_us);
    struct flow *f;
    while ((f = flow_table_expired(pp->flows, now_us - pp->lim.flow_timeout_us)))
        flow_drop(pp, f, STREAM_END_IDLE, now_us);
    sync_stats(pp);
}

void packet_pipeline_finish(struct packet_pipeline *pp, int64_t now_us)
{
    struct flow *f;
    while ((f = flow_table_any(pp->flows))) flow_drop(pp, f, STREAM_END_EOF, now_us);
    sync_stats(pp);
}

const struct packet_stats *packet_pipeline_stats(const struct packet_pipeline *pp)
{
    return &pp->st;
}

void packet_pipeline_free(struct packet_pipeline *pp)
{
    if (!pp) return;
    flow_table_free(pp->flows, &pp->rx);
    ip_defrag_free(pp->defrag);
    free(pp);
}
