/* reasm.c: per-direction TCP reassembly.  In-order bytes go to the data
 * hook straight from the packet (no copy); only out-of-order bytes are
 * copied and held, sorted and disjoint.  Where copies disagree the first
 * one wins, as it would at the receiver.  Bytes that will never come are
 * skipped with a gap hook so the stream always moves on. */
#include "reasm.h"

#include <stdlib.h>
#include <string.h>

/* An ACK further ahead than this is not a sign of loss but garbage. */
#define ACK_GAP_MAX (1u << 30)

struct reasm_seg {
    struct reasm_seg *next;
    uint32_t seq, len;
    int64_t ts_us;
    uint8_t data[];
};
_Static_assert(sizeof(struct reasm_seg) + 16 <= REASM_SEG_OVERHEAD, "overhead undercounted");

/* Where a direction is being delivered: enough to call the hooks. */
struct sink {
    struct reasm_ctx *x;
    struct reasm_dir *r;
    void *conn;
    enum stream_dir dir;
};

static void deliver(const struct sink *k, const uint8_t *p, size_t n, int64_t ts_us)
{
    if (n == 0) return;
    if (k->x->hooks->data) k->x->hooks->data(k->x->hooks->ctx, k->conn, k->dir, p, n, ts_us);
    k->r->next_seq += (uint32_t)n;
    k->r->delivered += n;
}

static void lose(const struct sink *k, uint32_t n, int64_t ts_us)
{
    if (n == 0) return;
    if (k->x->hooks->gap) k->x->hooks->gap(k->x->hooks->ctx, k->conn, k->dir, n, ts_us);
    k->r->next_seq += n;
    k->x->st.gaps++;
    k->x->st.gap_bytes += n;
}

static void check_fin(const struct sink *k, int64_t ts_us)
{
    struct reasm_dir *r = k->r;
    if (!r->fin_seen || r->fin_done || r->next_seq != r->fin_seq) return;
    r->fin_done = true;
    if (k->x->hooks->fin) k->x->hooks->fin(k->x->hooks->ctx, k->conn, k->dir, ts_us);
}

static void seg_free(struct reasm_ctx *x, struct reasm_dir *r, struct reasm_seg *s)
{
    r->held_bytes -= s->len;
    x->total_held -= s->len + REASM_SEG_OVERHEAD;
    free(s);
}

/* Deliver held segments that the stream has reached. */
static void drain(const struct sink *k)
{
    struct reasm_dir *r = k->r;
    while (r->held && reasm_seq_diff(r->held->seq, r->next_seq) <= 0) {
        struct reasm_seg *s = r->held;
        r->held = s->next;
        uint32_t off = r->next_seq - s->seq;
        if (off < s->len)
            deliver(k, s->data + off, s->len - off, s->ts_us);
        else
            k->x->st.bytes_overlap += s->len;
        seg_free(k->x, r, s);
    }
}

/* Give up on the bytes before target: a gap for each hole, with the held
 * data between holes delivered. */
static void skip_to(const struct sink *k, uint32_t target, int64_t ts_us)
{
    struct reasm_dir *r = k->r;
    while (reasm_seq_diff(target, r->next_seq) > 0) {
        uint32_t t = target;
        if (r->held && reasm_seq_diff(r->held->seq, t) < 0) t = r->held->seq;
        lose(k, t - r->next_seq, ts_us);
        drain(k);
    }
}

/* Deliver a segment that starts at or before next_seq, from the packet.
 * Bytes already delivered, or held from an earlier copy, are not taken
 * from this one. */
static void place_in_order(const struct sink *k, uint32_t seq, const uint8_t *p, size_t n,
                           int64_t ts_us)
{
    struct reasm_dir *r = k->r;
    uint32_t skip = r->next_seq - seq;
    if (skip >= n) {
        k->x->st.segments_retransmitted++;
        k->x->st.bytes_overlap += n;
        return;
    }
    k->x->st.bytes_overlap += skip;
    seq += skip;
    p += skip;
    n -= skip;
    while (n > 0) {
        size_t take = n;
        if (r->held && (size_t)(r->held->seq - seq) < n) take = r->held->seq - seq;
        deliver(k, p, take, ts_us);
        seq += (uint32_t)take;
        p += take;
        n -= take;
        drain(k);
        uint32_t behind = r->next_seq - seq; /* bytes of ours the held copy covered */
        if (n == 0 || behind == 0) continue;
        if (behind > n) behind = (uint32_t)n;
        k->x->st.bytes_overlap += behind;
        seq += behind;
        p += behind;
        n -= behind;
    }
}

static bool fits(const struct sink *k, size_t n)
{
    return k->r->held_bytes + n <= k->x->max_dir_buffer &&
           k->x->total_held + n + REASM_SEG_OVERHEAD <= k->x->max_total_buffer;
}

static struct reasm_seg *seg_new(const struct sink *k, uint32_t seq, const uint8_t *p, size_t n,
                                 int64_t ts_us)
{
    struct reasm_seg *s = malloc(sizeof *s + n);
    if (!s) return NULL;
    s->seq = seq;
    s->len = (uint32_t)n;
    s->ts_us = ts_us;
    memcpy(s->data, p, n);
    k->r->held_bytes += n;
    k->x->total_held += n + REASM_SEG_OVERHEAD;
    return s;
}

/* Hold an out-of-order segment, storing only the bytes no held segment
 * already covers. Returns whether any byte was new. */
static bool hold(const struct sink *k, uint32_t seq, const uint8_t *p, size_t n, int64_t ts_us)
{
    struct reasm_seg **pp = &k->r->held;
    bool stored = false;
    while (n > 0) {
        struct reasm_seg *h = *pp;
        int32_t before = h ? reasm_seq_diff(h->seq, seq) : INT32_MAX;
        if (before > 0) { /* a run of new bytes before h (or at the end) */
            size_t take = (size_t)before < n ? (size_t)before : n;
            /* Each piece costs its own overhead: stop at the cap, or when
             * allocation fails; the rest becomes a hole. */
            struct reasm_seg *s = fits(k, take) ? seg_new(k, seq, p, take, ts_us) : NULL;
            if (!s) break;
            s->next = h;
            *pp = s;
            pp = &s->next;
            stored = true;
            seq += (uint32_t)take;
            p += take;
            n -= take;
            continue;
        }
        int32_t covered = reasm_seq_diff(h->seq + h->len, seq);
        if (covered > 0) {
            size_t c = (size_t)covered < n ? (size_t)covered : n;
            k->x->st.bytes_overlap += c;
            seq += (uint32_t)c;
            p += c;
            n -= c;
        }
        pp = &h->next;
    }
    return stored;
}

static void place(const struct sink *k, uint32_t seq, const struct reasm_segment *seg)
{
    struct reasm_dir *r = k->r;
    for (;;) {
        if (reasm_seq_diff(seq, r->next_seq) <= 0) {
            place_in_order(k, seq, seg->data, seg->len, seg->ts_us);
            /* The capture cut this segment short: its tail is lost. */
            if (seg->missing && r->next_seq == seq + (uint32_t)seg->len)
                skip_to(k, seq + (uint32_t)(seg->len + seg->missing), seg->ts_us);
            return;
        }
        if (seg->len == 0) return;
        if (fits(k, seg->len)) {
            if (hold(k, seq, seg->data, seg->len, seg->ts_us))
                k->x->st.segments_out_of_order++;
            else
                k->x->st.segments_retransmitted++;
            return;
        }
        /* Over a cap: the first hole will not be filled in time. Give it
         * up and deliver what follows, until this segment fits or is next. */
        k->x->st.buffer_shed++;
        uint32_t target = seq;
        if (r->held && reasm_seq_diff(r->held->seq, seq) < 0) target = r->held->seq;
        skip_to(k, target, seg->ts_us);
    }
}

void reasm_segment(struct reasm_ctx *x, struct reasm_dir *r, void *conn, enum stream_dir dir,
                   const struct reasm_segment *seg)
{
    struct sink k = {x, r, conn, dir};
    uint32_t seq = seg->seq;
    if (seg->syn) {
        if (!r->started) {
            r->next_seq = seq + 1;
            r->started = true;
        }
        seq++; /* the SYN takes one sequence number; data (TFO) follows it */
    }
    if (r->fin_done) return;
    if (!r->started) { /* joined mid-stream: the stream starts here */
        r->next_seq = seq;
        r->started = true;
    }
    if (seg->fin && !r->fin_seen) {
        r->fin_seen = true;
        r->fin_seq = seq + (uint32_t)(seg->len + seg->missing);
    }
    if (seg->len + seg->missing > 0) place(&k, seq, seg);
    check_fin(&k, seg->ts_us);
}

void reasm_acked(struct reasm_ctx *x, struct reasm_dir *r, void *conn, enum stream_dir dir,
                 uint32_t ack, int64_t ts_us)
{
    if (!r->started || r->fin_done) return;
    uint32_t limit = ack;
    if (r->fin_seen && reasm_seq_diff(ack, r->fin_seq) > 0) limit = r->fin_seq;
    int32_t ahead = reasm_seq_diff(limit, r->next_seq);
    if (ahead <= 0 || (uint32_t)ahead > ACK_GAP_MAX) return;
    struct sink k = {x, r, conn, dir};
    skip_to(&k, limit, ts_us);
    check_fin(&k, ts_us);
}

void reasm_flush(struct reasm_ctx *x, struct reasm_dir *r, void *conn, enum stream_dir dir,
                 int64_t ts_us)
{
    if (!r->started || r->fin_done) return;
    struct sink k = {x, r, conn, dir};
    struct reasm_seg *last = r->held;
    while (last && last->next) last = last->next;
    if (last) skip_to(&k, last->seq + last->len, ts_us);
    if (r->fin_seen && reasm_seq_diff(r->fin_seq, r->next_seq) > 0) skip_to(&k, r->fin_seq, ts_us);
    check_fin(&k, ts_us);
}

void reasm_release(struct reasm_ctx *x, struct reasm_dir *r)
{
    while (r->held) {
        struct reasm_seg *s = r->held;
        r->held = s->next;
        seg_free(x, r, s);
    }
    memset(r, 0, sizeof *r);
}
