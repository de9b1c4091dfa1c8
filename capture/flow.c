/* flow.c: the table of live TCP connections, keyed by their 4-tuple.
 * Owns every struct flow; a chained hash table (grown by doubling up to
 * the flow cap, never allocating on lookup) and two activity lists that
 * make expiry and eviction O(1) per flow.  Knows nothing about HTTP. */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#define FLOW_MIN_BUCKETS 1024

struct flow_list_head {
    struct flow *head, *tail; /* head is the least recently active */
};

struct flow_table {
    struct flow **buckets;
    size_t nbuckets; /* a power of two */
    size_t max_buckets;
    size_t count, max_flows;
    struct flow_list_head lists[2]; /* by enum flow_list */
};

static size_t pow2_at_least(size_t n)
{
    size_t p = FLOW_MIN_BUCKETS;
    while (p < n && p < ((size_t)1 << 30)) p <<= 1;
    return p;
}

enum cut_err flow_table_new(size_t max_flows, struct flow_table **out)
{
    struct flow_table *t = calloc(1, sizeof *t);
    if (!t) return CUT_ENOMEM;
    t->max_flows = max_flows ? max_flows : 1;
    t->max_buckets = pow2_at_least(t->max_flows);
    t->nbuckets = FLOW_MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return CUT_ENOMEM;
    }
    *out = t;
    return CUT_OK;
}

void flow_table_free(struct flow_table *t, struct reasm_ctx *x)
{
    if (!t) return;
    for (int l = 0; l < 2; l++) {
        struct flow *f = t->lists[l].head;
        while (f) {
            struct flow *next = f->next;
            reasm_release(x, &f->dir[0]);
            reasm_release(x, &f->dir[1]);
            free(f);
            f = next;
        }
    }
    free(t->buckets);
    free(t);
}

static int endpoint_cmp(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb, size_t n)
{
    int c = memcmp(a, b, n);
    if (c) return c;
    return (int)pa - (int)pb;
}

void flow_key_make(struct flow_key *k, int version, const uint8_t *src, uint16_t sport,
                   const uint8_t *dst, uint16_t dport, uint8_t *src_side)
{
    size_t n = version == 4 ? 4 : 16;
    memset(k, 0, sizeof *k);
    k->version = (uint8_t)version;
    bool src_first = endpoint_cmp(src, sport, dst, dport, n) <= 0;
    memcpy(k->a, src_first ? src : dst, n);
    memcpy(k->b, src_first ? dst : src, n);
    k->pa = src_first ? sport : dport;
    k->pb = src_first ? dport : sport;
    *src_side = src_first ? 0 : 1;
}

uint32_t flow_key_hash(const struct flow_key *k)
{
    /* The key is 40 bytes: mix it as five 64-bit words. */
    uint64_t w[5], h = 0x9e3779b97f4a7c15ull;
    memcpy(w, k, sizeof w);
    for (int i = 0; i < 5; i++) {
        h ^= w[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
    }
    return (uint32_t)(h ^ (h >> 32));
}

struct flow *flow_table_lookup(struct flow_table *t, const struct flow_key *k, uint32_t hash)
{
    for (struct flow *f = t->buckets[hash & (t->nbuckets - 1)]; f; f = f->hnext)
        if (memcmp(&f->key, k, sizeof *k) == 0) return f;
    return NULL;
}

static void list_unlink(struct flow_table *t, struct flow *f)
{
    struct flow_list_head *l = &t->lists[f->list];
    if (f->prev)
        f->prev->next = f->next;
    else
        l->head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        l->tail = f->prev;
    f->prev = f->next = NULL;
}

static void list_append(struct flow_table *t, struct flow *f, enum flow_list which)
{
    struct flow_list_head *l = &t->lists[which];
    f->list = which;
    f->prev = l->tail;
    f->next = NULL;
    if (l->tail)
        l->tail->next = f;
    else
        l->head = f;
    l->tail = f;
}

/* Double the bucket array while it is smaller than the flow count; a
 * failed allocation just leaves longer chains. */
static void maybe_grow(struct flow_table *t)
{
    if (t->count < t->nbuckets || t->nbuckets >= t->max_buckets) return;
    size_t n = t->nbuckets * 2;
    struct flow **nb = calloc(n, sizeof *nb);
    if (!nb) return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct flow *f = t->buckets[i];
        while (f) {
            struct flow *next = f->hnext;
            size_t j = flow_key_hash(&f->key) & (n - 1);
            f->hnext = nb[j];
            nb[j] = f;
            f = next;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
}

struct flow *flow_table_insert(struct flow_table *t, const struct flow_key *k, uint32_t hash,
                               int64_t ts_us)
{
    if (t->count >= t->max_flows) return NULL;
    struct flow *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->key = *k;
    f->last_ts = ts_us;
    size_t b = hash & (t->nbuckets - 1);
    f->hnext = t->buckets[b];
    t->buckets[b] = f;
    list_append(t, f, FLOW_QUIET);
    t->count++;
    maybe_grow(t);
    return f;
}

void flow_table_touch(struct flow_table *t, struct flow *f, int64_t ts_us)
{
    f->last_ts = ts_us;
    if (t->lists[f->list].tail == f) return;
    enum flow_list l = f->list;
    list_unlink(t, f);
    list_append(t, f, l);
}

void flow_table_move(struct flow_table *t, struct flow *f, enum flow_list l)
{
    list_unlink(t, f);
    list_append(t, f, l);
}

void flow_table_remove(struct flow_table *t, struct flow *f)
{
    struct flow **pp = &t->buckets[flow_key_hash(&f->key) & (t->nbuckets - 1)];
    while (*pp && *pp != f) pp = &(*pp)->hnext;
    if (*pp) *pp = f->hnext;
    list_unlink(t, f);
    t->count--;
    free(f);
}

struct flow *flow_table_victim(struct flow_table *t)
{
    return t->lists[FLOW_QUIET].head ? t->lists[FLOW_QUIET].head : t->lists[FLOW_ACTIVE].head;
}

struct flow *flow_table_expired(struct flow_table *t, int64_t cutoff_us)
{
    /* Each list is in order of last activity (timestamps that run
     * backwards in a merged capture only make expiry a little late). */
    for (int l = 0; l < 2; l++) {
        struct flow *f = t->lists[l].head;
        if (f && f->last_ts < cutoff_us) return f;
    }
    return NULL;
}

struct flow *flow_table_any(struct flow_table *t)
{
    return t->lists[FLOW_ACTIVE].head ? t->lists[FLOW_ACTIVE].head : t->lists[FLOW_QUIET].head;
}

size_t flow_table_count(const struct flow_table *t)
{
    return t->count;
}

bool flow_table_full(const struct flow_table *t)
{
    return t->count >= t->max_flows;
}
