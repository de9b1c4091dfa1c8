/* packet.h: the packet half of cutover-capture.  Takes captured frames of a
 * given link type and drives stream hooks: link layer (Ethernet with
 * 802.1Q/QinQ, Linux cooked v1/v2, BSD NULL/loopback, raw IP) -> IPv4/IPv6
 * with fragment reassembly -> TCP flow table -> per-direction reassembly.
 * Memory is bounded by struct packet_limits, and everything shed or lost is
 * counted in struct packet_stats. */
#ifndef CUTOVER_CAPTURE_PACKET_H
#define CUTOVER_CAPTURE_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include "cutover/err.h"
#include "stream.h"

struct packet_limits {
    size_t max_flows;        /* open connections tracked at once */
    size_t max_flow_buffer;  /* out-of-order bytes held per direction */
    size_t max_total_buffer; /* out-of-order bytes held over all flows */
    size_t max_frag_bytes;   /* bytes held in IP fragment reassembly */
    int64_t flow_timeout_us; /* idle time before a flow is expired */
};

/* Defaults suitable for a busy production host. Can't fail. */
void packet_limits_default(struct packet_limits *lim);

struct packet_stats {
    uint64_t packets, bytes;
    uint64_t non_ip, non_tcp, truncated, invalid, unsupported_link;
    uint64_t fragments, frag_reassembled, frag_dropped;
    uint64_t flows, flows_expired, flows_evicted, flows_rst, flows_fin;
    uint64_t segments_out_of_order, segments_retransmitted, bytes_overlap;
    uint64_t gaps, gap_bytes;
    uint64_t buffer_shed;   /* times a buffer cap made a hole be given up (see gaps) */
    uint64_t frag_overlap;  /* fragments overlapping bytes already held (first copy kept) */
    uint64_t frag_timeouts; /* of frag_dropped: datagrams still incomplete at their timeout */
    uint64_t flows_dropped; /* flows not followed because the open hook returned NULL */
};

struct packet_pipeline;

/* Create a pipeline that calls hooks (copied; hooks->ctx is kept, not
 * owned). */
enum cut_err packet_pipeline_new(const struct packet_limits *lim, const struct stream_hooks *hooks,
                                 struct packet_pipeline **out);
/* Feed one frame. linktype is the pcap DLT_ value; caplen bytes of data
 * were captured of a frame of wire_len. Malformed or truncated frames are
 * counted, not fatal: the return is CUT_OK for them, and an error only for
 * a fault (CUT_ENOMEM). */
enum cut_err packet_pipeline_feed(struct packet_pipeline *pp, int linktype, int64_t ts_us,
                                  const uint8_t *data, size_t caplen, size_t wire_len);
/* Expire flows idle since before now_us - flow_timeout. */
void packet_pipeline_expire(struct packet_pipeline *pp, int64_t now_us);
/* Close every flow (STREAM_END_EOF), delivering what is buffered. */
void packet_pipeline_finish(struct packet_pipeline *pp, int64_t now_us);
/* Whether linktype is one the pipeline decodes. */
int packet_linktype_supported(int linktype);
const struct packet_stats *packet_pipeline_stats(const struct packet_pipeline *pp);
/* Frees the pipeline; call finish first to deliver open flows. Accepts NULL. */
void packet_pipeline_free(struct packet_pipeline *pp);

#endif
