/* flow.h: the table of live TCP connections, keyed by their 4-tuple in a
 * canonical order so both directions find the same entry.  Two
 * least-recently-active lists drive idle expiry and eviction: "quiet"
 * flows (handshake only, or closed and kept briefly to absorb stray
 * packets) are shed before flows that carried data, so a SYN flood cannot
 * push out real connections. */
#ifndef CUTOVER_CAPTURE_FLOW_H
#define CUTOVER_CAPTURE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/err.h"
#include "reasm.h"

/* Endpoint a is the lesser of the two (address, then port); memcmp-able. */
struct flow_key {
    uint8_t a[16], b[16]; /* IPv4 in the first 4 bytes, the rest zero */
    uint16_t pa, pb;
    uint8_t version;
    uint8_t pad_[3];
};

enum flow_list { FLOW_QUIET, FLOW_ACTIVE };

struct flow {
    struct flow *hnext;       /* hash chain */
    struct flow *prev, *next; /* its list, least recently active first */
    struct flow_key key;
    uint64_t id;
    int64_t last_ts;
    enum flow_list list;
    uint8_t client; /* 0: key side a is the client, 1: side b */
    bool closed;    /* hooks closed; kept only to absorb late packets */
    bool saw_syn;
    bool seen[2];            /* packets seen per stream direction */
    void *conn;              /* the HTTP half's state; not owned */
    struct reasm_dir dir[2]; /* by enum stream_dir */
};

struct flow_table;

/* A table for at most max_flows flows. */
enum cut_err flow_table_new(size_t max_flows, struct flow_table **out);
/* Frees every flow and its held data without calling hooks; x is the
 * context that data was counted in (NULL only if nothing is held).
 * Accepts NULL. */
void flow_table_free(struct flow_table *t, struct reasm_ctx *x);

/* Build the canonical key of a packet from src:sport to dst:dport;
 * *src_side says which side of the key the source is (0 a, 1 b). */
void flow_key_make(struct flow_key *k, int version, const uint8_t *src, uint16_t sport,
                   const uint8_t *dst, uint16_t dport, uint8_t *src_side);
uint32_t flow_key_hash(const struct flow_key *k);

struct flow *flow_table_lookup(struct flow_table *t, const struct flow_key *k, uint32_t hash);
/* Add a zeroed flow for k on the quiet list, stamped ts_us. NULL when the
 * table is full (evict first) or memory ran out. The table owns it. */
struct flow *flow_table_insert(struct flow_table *t, const struct flow_key *k, uint32_t hash,
                               int64_t ts_us);
/* Record activity: the flow becomes the most recent of its list. */
void flow_table_touch(struct flow_table *t, struct flow *f, int64_t ts_us);
/* Move f to list l (as its most recent). */
void flow_table_move(struct flow_table *t, struct flow *f, enum flow_list l);
/* Unlink and free f (its reasm dirs must have been released). */
void flow_table_remove(struct flow_table *t, struct flow *f);
/* The flow to shed when full: the least recently active quiet flow, else
 * the least recently active of all. NULL when empty. */
struct flow *flow_table_victim(struct flow_table *t);
/* A flow last active before cutoff_us, or NULL. */
struct flow *flow_table_expired(struct flow_table *t, int64_t cutoff_us);
/* Any flow (for tearing everything down), or NULL when empty. */
struct flow *flow_table_any(struct flow_table *t);
size_t flow_table_count(const struct flow_table *t);
bool flow_table_full(const struct flow_table *t);

#endif
