/* reasm.h: TCP reassembly of one direction of a connection.  Turns
 * segments in capture order into the direction's bytes in sequence order
 * through the stream hooks: in-order data straight from the packet,
 * out-of-order data held (copied) up to a cap, retransmissions and
 * overlaps trimmed (the first copy wins, as at the receiver), lost bytes
 * reported as gaps.  Sequence numbers use serial arithmetic (RFC 1982). */
#ifndef CUTOVER_CAPTURE_REASM_H
#define CUTOVER_CAPTURE_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stream.h"

struct reasm_seg;

struct reasm_stats {
    uint64_t segments_out_of_order, segments_retransmitted, bytes_overlap;
    uint64_t gaps, gap_bytes;
    uint64_t buffer_shed; /* times a buffer cap made us give up on a hole */
};

/* Bytes charged to the total for each held segment besides its payload
 * (its header and the allocator's slack), so that a flood of one-byte
 * segments is bounded like a few big ones. */
#define REASM_SEG_OVERHEAD 48

/* Shared by every direction of a pipeline: the hooks, the caps, the
 * memory held over all flows, and the counters. */
struct reasm_ctx {
    const struct stream_hooks *hooks;
    size_t max_dir_buffer;   /* out-of-order payload bytes held per direction */
    size_t max_total_buffer; /* memory held over all directions, overhead included */
    size_t total_held;
    struct reasm_stats st;
};

/* One direction. Zeroed memory is a valid initial state. */
struct reasm_dir {
    uint32_t next_seq; /* the next byte to deliver */
    uint32_t fin_seq;  /* sequence number of the FIN, when fin_seen */
    bool started;      /* next_seq is known (from SYN or the first segment) */
    bool fin_seen, fin_done;
    struct reasm_seg *held; /* out-of-order data, sorted, disjoint; owned */
    size_t held_bytes;      /* payload bytes in held */
    uint64_t delivered;     /* bytes handed to the data hook */
};

/* One segment of a direction, as decoded from a packet. */
struct reasm_segment {
    uint32_t seq;
    const uint8_t *data; /* captured payload; borrowed for the call */
    size_t len;
    size_t missing; /* payload bytes past data that the capture cut off */
    bool syn, fin;
    int64_t ts_us;
};

/* Feed a segment of direction dir of connection conn. */
void reasm_segment(struct reasm_ctx *x, struct reasm_dir *r, void *conn, enum stream_dir dir,
                   const struct reasm_segment *seg);
/* The other side acknowledged up to ack: bytes below it that never came
 * were lost in the capture; report them as a gap and move on. */
void reasm_acked(struct reasm_ctx *x, struct reasm_dir *r, void *conn, enum stream_dir dir,
                 uint32_t ack, int64_t ts_us);
/* The connection is ending: deliver what is held, with a gap for each
 * hole, and the FIN if one was seen. */
void reasm_flush(struct reasm_ctx *x, struct reasm_dir *r, void *conn, enum stream_dir dir,
                 int64_t ts_us);
/* Free held data (no hooks called). Leaves r zeroed. */
void reasm_release(struct reasm_ctx *x, struct reasm_dir *r);

/* a - b in sequence space: negative when a is before b. */
static inline int32_t reasm_seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

#endif
