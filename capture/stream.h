/* stream.h: the seam between the packet half of cutover-capture (link and
 * IP decoding, defragmentation, the flow table, TCP reassembly: packet.h)
 * and its HTTP half (assemble.c).  The packet half calls these hooks with
 * each connection's bytes in order, per direction; the HTTP half never sees
 * a packet. */
#ifndef CUTOVER_CAPTURE_STREAM_H
#define CUTOVER_CAPTURE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Direction of bytes on a connection. */
enum stream_dir {
    STREAM_C2S = 0, /* client (the side that sent SYN, or our best guess) to server */
    STREAM_S2C = 1,
};

/* Why a connection's stream ended. */
enum stream_end {
    STREAM_END_FIN,     /* both sides closed, or one side closed and the other was done */
    STREAM_END_RST,     /* reset */
    STREAM_END_IDLE,    /* idle longer than the flow timeout */
    STREAM_END_EVICTED, /* shed to stay under the flow or memory caps */
    STREAM_END_EOF,     /* the capture ended with the connection still open */
};

struct stream_info {
    uint64_t flow;   /* connection number in this capture, from 1 */
    char client[64]; /* "ip:port", IPv6 as "[addr]:port" */
    char server[64];
    bool saw_syn; /* the handshake was seen: roles are certain */
};

struct stream_hooks {
    void *ctx;
    /* A new connection. Returns the HTTP half's state for it (may be NULL
     * only on allocation failure, in which case the flow is dropped and
     * counted). */
    void *(*open)(void *ctx, const struct stream_info *info);
    /* The next n bytes of direction dir, in order, from a packet stamped
     * ts_us (epoch microseconds). */
    void (*data)(void *ctx, void *conn, enum stream_dir dir, const uint8_t *p, size_t n,
                 int64_t ts_us);
    /* Bytes of dir were lost (a segment never arrived); lost is how many
     * when known, 0 when not. The next data call resumes after the hole. */
    void (*gap)(void *ctx, void *conn, enum stream_dir dir, uint64_t lost, int64_t ts_us);
    /* dir sent FIN: no more bytes will come that way (bodies delimited by
     * close end here). */
    void (*fin)(void *ctx, void *conn, enum stream_dir dir, int64_t ts_us);
    /* The connection is gone; conn must be freed by the HTTP half here. */
    void (*close)(void *ctx, void *conn, enum stream_end why, int64_t ts_us);
};

#endif
