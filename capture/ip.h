/* ip.h: IPv4 and IPv6 decoding with fragment reassembly.  Finds the
 * upper-layer protocol and payload of a packet, walking IPv4 options and
 * IPv6 extension headers, and puts fragmented datagrams back together in
 * bounded memory, dropping (and counting) those that time out. */
#ifndef CUTOVER_CAPTURE_IP_H
#define CUTOVER_CAPTURE_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/cursor.h"
#include "cutover/err.h"

#define IP_PROTO_TCP 6

struct ip_packet {
    int version;              /* 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 addresses in the first 4 bytes */
    uint8_t proto;            /* upper-layer protocol after every extension header */
    struct cursor payload;    /* the captured payload, never past the header's length */
    size_t wire_len;          /* payload length the header claims (>= payload.len) */
    bool truncated;           /* the capture holds less payload than the header claims */
    bool reassembled;         /* payload was put together from fragments */
};

enum ip_status {
    IP_OK,        /* *out holds a packet (or a whole reassembled datagram) */
    IP_HELD,      /* a fragment was kept; nothing to deliver yet */
    IP_DROPPED,   /* a fragment could not be used (counted in ip_frag_stats) */
    IP_TRUNCATED, /* the capture cut the IP header (or a fragment) short */
    IP_INVALID,   /* header values that make no sense */
};

struct ip_frag_stats {
    uint64_t fragments;   /* fragments seen */
    uint64_t reassembled; /* datagrams completed */
    uint64_t dropped;     /* datagrams abandoned: timeout, memory cap, bad layout */
    uint64_t timeouts;    /* of dropped: incomplete when their time ran out */
    uint64_t overlaps;    /* fragments that overlapped bytes already held (first copy kept) */
};

struct ip_defrag;

/* State for reassembly holding at most max_bytes (datagram bookkeeping
 * included) and giving up on a datagram timeout_us after its first
 * fragment. */
enum cut_err ip_defrag_new(size_t max_bytes, int64_t timeout_us, struct ip_defrag **out);
/* Accepts NULL. */
void ip_defrag_free(struct ip_defrag *d);
/* Drop datagrams whose time ran out by now_us. Cheap when none did. */
void ip_defrag_expire(struct ip_defrag *d, int64_t now_us);
const struct ip_frag_stats *ip_defrag_stats(const struct ip_defrag *d);
/* Bytes held now (for tests and statistics). */
size_t ip_defrag_held(const struct ip_defrag *d);

/* Decode one IP packet of the given version. out->payload points into pkt,
 * or, for a reassembled datagram, into memory owned by d that stays valid
 * until the next call on d. */
enum ip_status ip_decode(struct ip_defrag *d, int version, struct cursor pkt, int64_t ts_us,
                         struct ip_packet *out);

#endif
