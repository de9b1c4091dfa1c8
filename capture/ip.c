/* ip.c: IPv4/IPv6 header decoding and fragment reassembly.  Owns every
 * held fragment: datagrams sit in a small hash table and on an age list,
 * and are dropped, oldest first, when they time out or the byte budget is
 * spent.  Overlapping fragments keep the bytes that arrived first. */
#include "ip.h"

#include <stdlib.h>
#include <string.h>
#include "cutover/buf.h"

#define FRAG_BUCKETS 256
#define FRAG_MAX_RANGES 64 /* more holes than this is an attack, not a datagram */
#define IP_MAX_PAYLOAD 65535
#define IP6_MAX_EXT_HEADERS 16

struct frag_range {
    uint32_t lo, hi;
};

struct frag_dgram {
    struct frag_dgram *hnext;         /* hash chain */
    struct frag_dgram *older, *newer; /* age list */
    int version;
    uint8_t proto; /* IPv4: from the header; IPv6: next header of the offset-0 fragment */
    bool have_first, have_last;
    uint32_t id;
    uint8_t src[16], dst[16];
    int64_t first_ts;
    uint32_t total; /* payload length, known once the last fragment came */
    struct buf data;
    size_t accounted; /* bytes charged to the budget */
    unsigned nranges;
    struct frag_range ranges[FRAG_MAX_RANGES]; /* sorted, disjoint, not adjacent */
};

struct ip_defrag {
    size_t max_bytes, held;
    int64_t timeout_us;
    struct frag_dgram *buckets[FRAG_BUCKETS];
    struct frag_dgram *oldest, *newest;
    struct frag_dgram *done; /* last completed datagram, freed on the next call */
    struct ip_frag_stats st;
};

/* What identifies one datagram's fragments (RFC 791 / RFC 8200). */
struct frag_key {
    int version;
    uint8_t proto;
    uint32_t id;
    const uint8_t *src, *dst;
};

/* A fragment as read off the wire: its place and bytes. */
struct frag_piece {
    uint32_t offset;
    bool more;
    struct cursor bytes;
};

enum cut_err ip_defrag_new(size_t max_bytes, int64_t timeout_us, struct ip_defrag **out)
{
    struct ip_defrag *d = calloc(1, sizeof *d);
    if (!d) return CUT_ENOMEM;
    d->max_bytes = max_bytes;
    d->timeout_us = timeout_us;
    *out = d;
    return CUT_OK;
}

static void dgram_free(struct frag_dgram *g)
{
    if (!g) return;
    buf_free(&g->data);
    free(g);
}

static size_t addr_len(int version)
{
    return version == 4 ? 4 : 16;
}

static unsigned key_hash(const struct frag_key *k)
{
    uint32_t h = 2166136261u ^ k->id ^ ((uint32_t)k->proto << 24);
    size_t n = addr_len(k->version);
    for (size_t i = 0; i < n; i++) h = (h ^ k->src[i] ^ ((uint32_t)k->dst[i] << 8)) * 16777619u;
    return (h ^ (h >> 16)) & (FRAG_BUCKETS - 1);
}

static bool key_match(const struct frag_dgram *g, const struct frag_key *k)
{
    size_t n = addr_len(k->version);
    return g->version == k->version && g->id == k->id &&
           (k->version == 6 || g->proto == k->proto) && memcmp(g->src, k->src, n) == 0 &&
           memcmp(g->dst, k->dst, n) == 0;
}

/* Take g out of the table and the age list (its memory stays). */
static void dgram_unlink(struct ip_defrag *d, struct frag_dgram *g)
{
    struct frag_key k = {g->version, g->proto, g->id, g->src, g->dst};
    struct frag_dgram **pp = &d->buckets[key_hash(&k)];
    while (*pp && *pp != g) pp = &(*pp)->hnext;
    if (*pp) *pp = g->hnext;
    if (g->older)
        g->older->newer = g->newer;
    else
        d->oldest = g->newer;
    if (g->newer)
        g->newer->older = g->older;
    else
        d->newest = g->older;
    d->held -= g->accounted;
    g->accounted = 0;
}

static void dgram_drop(struct ip_defrag *d, struct frag_dgram *g)
{
    dgram_unlink(d, g);
    dgram_free(g);
    d->st.dropped++;
}

void ip_defrag_free(struct ip_defrag *d)
{
    if (!d) return;
    while (d->oldest) {
        struct frag_dgram *g = d->oldest;
        dgram_unlink(d, g);
        dgram_free(g);
    }
    dgram_free(d->done);
    free(d);
}

void ip_defrag_expire(struct ip_defrag *d, int64_t now_us)
{
    /* Datagrams join the age list in order of their first fragment, so
     * the expired ones are at its head. */
    while (d->oldest && now_us - d->oldest->first_ts > d->timeout_us) {
        d->st.timeouts++;
        dgram_drop(d, d->oldest);
    }
}

const struct ip_frag_stats *ip_defrag_stats(const struct ip_defrag *d)
{
    return &d->st;
}

size_t ip_defrag_held(const struct ip_defrag *d)
{
    return d->held;
}

/* Make room for n more bytes, dropping the oldest other datagrams. */
static bool budget_reserve(struct ip_defrag *d, struct frag_dgram *keep, size_t n)
{
    while (d->held + n > d->max_bytes) {
        struct frag_dgram *victim = d->oldest;
        if (victim && victim == keep) victim = victim->newer;
        if (!victim) return false;
        dgram_drop(d, victim);
    }
    d->held += n;
    if (keep) keep->accounted += n;
    return true;
}

static struct frag_dgram *dgram_find_or_add(struct ip_defrag *d, const struct frag_key *k,
                                            int64_t ts_us)
{
    unsigned h = key_hash(k);
    for (struct frag_dgram *g = d->buckets[h]; g; g = g->hnext)
        if (key_match(g, k)) return g;
    if (!budget_reserve(d, NULL, sizeof(struct frag_dgram))) return NULL;
    struct frag_dgram *g = calloc(1, sizeof *g);
    if (!g) {
        d->held -= sizeof(struct frag_dgram);
        return NULL;
    }
    g->accounted = sizeof *g;
    g->version = k->version;
    g->proto = k->proto;
    g->id = k->id;
    memcpy(g->src, k->src, addr_len(k->version));
    memcpy(g->dst, k->dst, addr_len(k->version));
    g->first_ts = ts_us;
    buf_init(&g->data, IP_MAX_PAYLOAD + 1);
    g->hnext = d->buckets[h];
    d->buckets[h] = g;
    g->older = d->newest;
    if (d->newest)
        d->newest->newer = g;
    else
        d->oldest = g;
    d->newest = g;
    return g;
}

/* Copy the parts of [lo, hi) that no earlier fragment covered: a later
 * copy of the same bytes must not overwrite what arrived first. Returns
 * whether any byte was already held. */
static bool copy_uncovered(struct frag_dgram *g, uint32_t lo, uint32_t hi, const uint8_t *p)
{
    bool overlap = false;
    uint32_t pos = lo;
    for (unsigned i = 0; i < g->nranges && pos < hi; i++) {
        const struct frag_range *r = &g->ranges[i];
        if (r->hi <= pos || r->lo >= hi) continue;
        overlap = true;
        if (r->lo > pos) memcpy(g->data.data + pos, p + (pos - lo), r->lo - pos);
        pos = r->hi;
    }
    if (pos < hi) memcpy(g->data.data + pos, p + (pos - lo), hi - pos);
    return overlap;
}

/* Add [lo, hi) to the sorted range list, merging what touches it. */
static bool ranges_add(struct frag_dgram *g, uint32_t lo, uint32_t hi)
{
    unsigned i = 0, j;
    while (i < g->nranges && g->ranges[i].hi < lo) i++;
    j = i;
    while (j < g->nranges && g->ranges[j].lo <= hi) {
        if (g->ranges[j].lo < lo) lo = g->ranges[j].lo;
        if (g->ranges[j].hi > hi) hi = g->ranges[j].hi;
        j++;
    }
    /* ranges [i, j) merge into one at i */
    if (i == j) {
        if (g->nranges == FRAG_MAX_RANGES) return false;
        memmove(&g->ranges[i + 1], &g->ranges[i], (g->nranges - i) * sizeof g->ranges[0]);
        g->nranges++;
    } else if (j - i > 1) {
        memmove(&g->ranges[i + 1], &g->ranges[j], (g->nranges - j) * sizeof g->ranges[0]);
        g->nranges -= j - i - 1;
    }
    g->ranges[i].lo = lo;
    g->ranges[i].hi = hi;
    return true;
}

/* Grow the datagram's buffer to end bytes, zero-filled, charging what
 * the buffer really allocated to the budget. */
static bool dgram_extend(struct ip_defrag *d, struct frag_dgram *g, uint32_t end)
{
    size_t old = g->data.len, old_cap = g->data.cap;
    if (end <= old) return true;
    if (buf_grow(&g->data, end - old) != CUT_OK) return false;
    if (!budget_reserve(d, g, g->data.cap - old_cap)) return false;
    memset(g->data.data + old, 0, end - old);
    g->data.len = end;
    g->data.data[end] = '\0';
    return true;
}

/* Place one fragment; returns the datagram when it became complete. */
static enum ip_status frag_add(struct ip_defrag *d, const struct frag_key *k,
                               const struct frag_piece *fp, int64_t ts_us,
                               struct frag_dgram **complete)
{
    d->st.fragments++;
    ip_defrag_expire(d, ts_us);
    uint32_t lo = fp->offset, hi = fp->offset + (uint32_t)fp->bytes.len;
    /* Every fragment but the last carries a multiple of 8 bytes. */
    if (hi > IP_MAX_PAYLOAD || (fp->more && (fp->bytes.len % 8 != 0 || fp->bytes.len == 0)))
        return IP_INVALID;
    struct frag_dgram *g = dgram_find_or_add(d, k, ts_us);
    if (!g) {
        d->st.dropped++;
        return IP_DROPPED;
    }
    bool bad = (!fp->more && g->have_last && g->total != hi) ||
               (fp->more && g->have_last && hi > g->total) || (!fp->more && g->data.len > hi);
    if (bad) {
        dgram_drop(d, g);
        return IP_INVALID;
    }
    if (!dgram_extend(d, g, hi)) {
        dgram_drop(d, g);
        return IP_DROPPED;
    }
    if (copy_uncovered(g, lo, hi, fp->bytes.p)) d->st.overlaps++;
    if (!ranges_add(g, lo, hi)) {
        dgram_drop(d, g);
        return IP_DROPPED;
    }
    if (lo == 0) {
        g->have_first = true;
        g->proto = k->proto;
    }
    if (!fp->more) {
        g->have_last = true;
        g->total = hi;
    }
    if (g->have_last && g->nranges == 1 && g->ranges[0].lo == 0 && g->ranges[0].hi == g->total) {
        dgram_unlink(d, g);
        d->st.reassembled++;
        *complete = g;
        return IP_OK;
    }
    return IP_HELD;
}

/* Hand a completed datagram out; d keeps it until the next call. */
static void deliver_dgram(struct ip_defrag *d, struct frag_dgram *g, struct ip_packet *out)
{
    d->done = g;
    out->proto = g->proto;
    out->payload = cur_make(g->data.data, g->data.len);
    out->wire_len = g->data.len;
    out->reassembled = true;
}

static enum ip_status decode_v4(struct ip_defrag *d, struct cursor c, int64_t ts_us,
                                struct ip_packet *out)
{
    uint8_t vihl, tos, ttl, proto;
    uint16_t total, id, frag, csum;
    struct cursor whole = c;
    if (!cur_u8(&c, &vihl) || !cur_u8(&c, &tos) || !cur_be16(&c, &total) || !cur_be16(&c, &id) ||
        !cur_be16(&c, &frag) || !cur_u8(&c, &ttl) || !cur_u8(&c, &proto) || !cur_be16(&c, &csum) ||
        !cur_bytes(&c, out->src, 4) || !cur_bytes(&c, out->dst, 4))
        return IP_TRUNCATED;
    size_t hlen = (size_t)(vihl & 0x0f) * 4;
    if ((vihl >> 4) != 4 || hlen < 20) return IP_INVALID;
    /* A length of 0 comes from TCP segmentation offload on the capturing
     * host: the real length is what was captured. */
    size_t len = total ? total : whole.len;
    if (len < hlen) return IP_INVALID;
    if (!cur_skip(&c, hlen - 20)) return IP_TRUNCATED; /* options */
    out->truncated = !cur_limit(&c, len - hlen);
    out->proto = proto;
    out->payload = c;
    out->wire_len = out->truncated ? len - hlen : c.len;
    uint32_t offset = (uint32_t)(frag & 0x1fff) * 8;
    bool more = (frag & 0x2000) != 0;
    if (offset == 0 && !more) return IP_OK;
    if (out->truncated) return IP_TRUNCATED;
    struct frag_key k = {4, proto, id, out->src, out->dst};
    struct frag_piece fp = {offset, more, c};
    struct frag_dgram *g = NULL;
    enum ip_status st = frag_add(d, &k, &fp, ts_us, &g);
    if (st == IP_OK) deliver_dgram(d, g, out);
    return st;
}

static bool ip6_is_ext(uint8_t nh)
{
    /* hop-by-hop, routing, destination options, mobility, HIP, shim6 */
    return nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140;
}

/* Walk extension headers from *nh over c, stopping at the fragment
 * header (returned true with *frag_hdr set) or the upper layer. */
static enum ip_status ip6_walk(struct cursor *c, uint8_t *nh, bool *frag_hdr)
{
    *frag_hdr = false;
    for (int i = 0; i < IP6_MAX_EXT_HEADERS; i++) {
        uint8_t next, hl;
        if (*nh == 44) {
            *frag_hdr = true;
            return IP_OK;
        }
        if (!ip6_is_ext(*nh) && *nh != 51) return IP_OK;
        if (!cur_u8(c, &next) || !cur_u8(c, &hl)) return IP_TRUNCATED;
        size_t skip = *nh == 51 ? ((size_t)hl + 2) * 4 : ((size_t)hl + 1) * 8;
        if (!cur_skip(c, skip - 2)) return IP_TRUNCATED;
        *nh = next;
    }
    return IP_INVALID;
}

static enum ip_status decode_v6(struct ip_defrag *d, struct cursor c, int64_t ts_us,
                                struct ip_packet *out)
{
    uint32_t vtf;
    uint16_t plen;
    uint8_t nh, hops;
    if (!cur_be32(&c, &vtf) || !cur_be16(&c, &plen) || !cur_u8(&c, &nh) || !cur_u8(&c, &hops) ||
        !cur_bytes(&c, out->src, 16) || !cur_bytes(&c, out->dst, 16))
        return IP_TRUNCATED;
    if ((vtf >> 28) != 6) return IP_INVALID;
    /* A payload length of 0 is a jumbogram or offload: use what was captured. */
    if (plen) out->truncated = !cur_limit(&c, plen);
    size_t missing = out->truncated ? plen - c.len : 0;
    bool frag_hdr;
    enum ip_status st = ip6_walk(&c, &nh, &frag_hdr);
    if (st != IP_OK) return st;
    out->proto = nh;
    out->payload = c;
    out->wire_len = c.len + missing;
    if (!frag_hdr) return IP_OK;
    uint8_t next, res;
    uint16_t offm;
    uint32_t id;
    if (!cur_u8(&c, &next) || !cur_u8(&c, &res) || !cur_be16(&c, &offm) || !cur_be32(&c, &id))
        return IP_TRUNCATED;
    uint32_t offset = offm & 0xfff8;
    bool more = (offm & 1) != 0;
    if (offset == 0 && !more) { /* an atomic fragment (RFC 6946): not really split */
        out->proto = next;
        st = ip6_walk(&c, &out->proto, &frag_hdr);
        out->payload = c;
        out->wire_len = c.len + missing;
        return st != IP_OK ? st : frag_hdr ? IP_INVALID : IP_OK;
    }
    if (out->truncated) return IP_TRUNCATED;
    struct frag_key k = {6, next, id, out->src, out->dst};
    struct frag_piece fp = {offset, more, c};
    struct frag_dgram *g = NULL;
    st = frag_add(d, &k, &fp, ts_us, &g);
    if (st != IP_OK) return st;
    deliver_dgram(d, g, out);
    /* Extension headers after the fragment header travel in the
     * fragmentable part: walk them over the whole datagram. */
    st = ip6_walk(&out->payload, &out->proto, &frag_hdr);
    out->wire_len = out->payload.len;
    return st != IP_OK ? st : frag_hdr ? IP_INVALID : IP_OK;
}

enum ip_status ip_decode(struct ip_defrag *d, int version, struct cursor pkt, int64_t ts_us,
                         struct ip_packet *out)
{
    dgram_free(d->done);
    d->done = NULL;
    memset(out, 0, sizeof *out);
    out->version = version;
    if (version == 4) return decode_v4(d, pkt, ts_us, out);
    if (version == 6) return decode_v6(d, pkt, ts_us, out);
    return IP_INVALID;
}
