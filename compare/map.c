/* map.c: an open-addressing hash map from byte strings to uint32 indices,
 * for the few tables compare keeps that are not on a per-exchange budget
 * (endpoints, difference keys, difference signatures). */
#include <stdlib.h>
#include <string.h>

#include "compare.h"

/* Bytes as a little-endian number, the same on every machine (the hash
 * picks the example exchanges, which must not depend on the host). */
static uint64_t le_bytes(const unsigned char *s, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) w |= (uint64_t)s[i] << (8 * i);
    return w;
}

static uint64_t le_word(const unsigned char *s)
{
    uint64_t w;
    memcpy(&w, s, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 29);
}

/* Eight bytes a step (ids, paths and endpoint names are hashed on every
 * pair), then splitmix64's finaliser so that the low bits, which the
 * tables index by, depend on every byte. */
uint64_t cmp_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)n * 0xFF51AFD7ED558CCDULL);
    for (; n >= 8; s += 8, n -= 8) h = mix(h, le_word(s));
    if (n) h = mix(h, le_bytes(s, n) | (uint64_t)1 << 63);
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBULL;
    return h ^ (h >> 31);
}

static enum cut_err grow(struct cmp_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct cmp_map_slot *s = calloc(cap, sizeof *s);
    if (!s) return CUT_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->s[i].key) continue;
        size_t j = m->s[i].h & (cap - 1);
        while (s[j].key) j = (j + 1) & (cap - 1);
        s[j] = m->s[i];
    }
    free(m->s);
    m->s = s;
    m->cap = cap;
    return CUT_OK;
}

enum cut_err cmp_map_put(struct cmp_map *m, const void *key, size_t len, uint32_t newval,
                         uint32_t *out, bool *added)
{
    if (added) *added = false;
    if ((m->n + 1) * 10 > m->cap * 7) {
        enum cut_err e = grow(m);
        if (e) return e;
    }
    uint64_t h = cmp_hash(key, len);
    size_t j = h & (m->cap - 1);
    for (; m->s[j].key; j = (j + 1) & (m->cap - 1)) {
        const struct cmp_map_slot *s = &m->s[j];
        if (s->h == h && s->len == len && memcmp(s->key, key, len) == 0) {
            *out = s->val;
            return CUT_OK;
        }
    }
    char *copy = malloc(len + 1);
    if (!copy) return CUT_ENOMEM;
    memcpy(copy, key, len);
    copy[len] = '\0';
    m->s[j] = (struct cmp_map_slot){h, copy, len, newval};
    m->n++;
    *out = newval;
    if (added) *added = true;
    return CUT_OK;
}

const struct cmp_map_slot *cmp_map_get(const struct cmp_map *m, const void *key, size_t len)
{
    if (!m->cap) return NULL;
    uint64_t h = cmp_hash(key, len);
    for (size_t j = h & (m->cap - 1); m->s[j].key; j = (j + 1) & (m->cap - 1)) {
        const struct cmp_map_slot *s = &m->s[j];
        if (s->h == h && s->len == len && memcmp(s->key, key, len) == 0) return s;
    }
    return NULL;
}

void cmp_map_release(struct cmp_map *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->s[i].key);
    free(m->s);
    memset(m, 0, sizeof *m);
}
