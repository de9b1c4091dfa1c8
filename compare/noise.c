/* noise.c: every difference of every pair is counted here under a key
 * (endpoint, where, generalised path, kind), and here it is decided which
 * keys are noise: an ignore rule; the secondary (Diffy) method, a path that
 * differs about as often between two legacy runs; or a unique value (an id
 * or a timestamp that is distinct per exchange and keeps its shape).  Each
 * exchange's set of keys is kept as a shared signature, so matched and
 * mismatched are recounted once the decisions are made. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compare.h"
#include "cutover/vec.h"

#define SEEN_CAP ((size_t)1 << 16)
#define MAX_EXAMPLE_PATHS 64
#define RULE_CACHE 4096

const char *cmp_where_name(int w)
{
    static const char *const n[] = {"status", "header", "body"};
    return w >= 0 && w <= CMP_BODY ? n[w] : "?";
}

const char *cmp_decision_reason(int d)
{
    static const char *const n[] = {"difference", "rule", "secondary", "unique"};
    return d >= 0 && d <= CMP_NOISE_UNIQUE ? n[d] : "?";
}

const char *cmp_shape_name(int s)
{
    static const char *const n[] = {"none",    "uuid",    "ulid",     "hex",     "token",
                                    "iso8601", "epoch_s", "epoch_ms", "epoch_us"};
    return s >= 0 && s <= SHAPE_EPOCH_US ? n[s] : "mixed";
}

/* ---- shapes ---- */

/* Character classes of the "C" locale without a call per byte (shapes are
 * tested on every differing value). */
static bool is_dig(int c)
{
    return (unsigned)(c - '0') < 10;
}

static bool is_alpha(int c)
{
    return (unsigned)((c | 0x20) - 'a') < 26;
}

static bool is_xdig(int c)
{
    return is_dig(c) || (unsigned)((c | 0x20) - 'a') < 6;
}

bool cmp_is_uuid(const char *s, size_t n)
{
    if (n != 36) return false;
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_xdig((unsigned char)s[i])) return false;
    }
    return true;
}

/* Crockford's base 32, either case: digits and letters but I, L, O, U. */
static bool is_ulid(const char *s, size_t n)
{
    if (n != 26 || s[0] < '0' || s[0] > '7') return false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i], u = c & ~0x20;
        if (!is_dig(c) && !(is_alpha(c) && u != 'I' && u != 'L' && u != 'O' && u != 'U'))
            return false;
    }
    return true;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_dig((unsigned char)s[i])) return false;
    return n > 0;
}

/* One of ":.,Zz+-" or NUL (as memchr of the literal's 8 bytes matched):
 * a test of bits instead of a call per byte. */
static bool is_time_tail(unsigned c)
{
    static const uint64_t low =
        1ULL << 0 | 1ULL << ':' | 1ULL << '.' | 1ULL << ',' | 1ULL << '+' | 1ULL << '-';
    return c < 64 ? (low >> c) & 1 : c == 'Z' || c == 'z';
}

/* YYYY-MM-DD, optionally followed by [T ]HH:MM[:SS[.frac]][Z|+hh:mm]. */
static bool is_iso8601(const char *s, size_t n)
{
    if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return false;
    if (n == 10) return true;
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || n < 16) return false;
    if (!digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2)) return false;
    for (size_t i = 16; i < n; i++)
        if (!is_dig((unsigned char)s[i]) && !is_time_tail((unsigned char)s[i])) return false;
    return true;
}

static int epoch_class(double v)
{
    if (v >= 946684800.0 && v < 4102444800.0) return SHAPE_EPOCH_S;
    if (v >= 946684800e3 && v < 4102444800e3) return SHAPE_EPOCH_MS;
    if (v >= 946684800e6 && v < 4102444800e6) return SHAPE_EPOCH_US;
    return SHAPE_NONE;
}

static bool is_hex(const char *s, size_t n)
{
    bool digit = false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (!is_xdig(c)) return false;
        digit = digit || is_dig(c);
    }
    return n >= 8 && digit;
}

static bool is_token(const char *s, size_t n)
{
    bool digit = false, alpha = false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        /* 8 bytes: the NUL too, as strchr would have matched it */
        if (!is_dig(c) && !is_alpha(c) && !memchr("_-.:=+/", c, 8)) return false;
        digit = digit || is_dig(c);
        alpha = alpha || is_alpha(c);
    }
    return n >= 12 && digit && alpha;
}

/* A number's value as strtod reads it; an integer of up to 15 digits is
 * exact in a double, so it needs no strtod. */
static double number_value(const char *s, size_t n)
{
    size_t neg = n && s[0] == '-';
    if (n - neg == 0 || n - neg > 15 || !digits(s + neg, n - neg)) return strtod(s, NULL);
    uint64_t m = 0;
    for (size_t i = neg; i < n; i++) m = m * 10 + (uint64_t)(s[i] - '0');
    return neg ? -(double)m : (double)m;
}

enum cmp_shape cmp_shape_of(const struct jv *v, uint32_t *lenclass)
{
    *lenclass = 0;
    if (!v) return SHAPE_NONE;
    if (v->type == JV_NUM) return (enum cmp_shape)epoch_class(number_value(v->u.s, v->n));
    if (v->type != JV_STR) return SHAPE_NONE;
    const char *s = v->u.s;
    size_t n = v->n;
    if (cmp_is_uuid(s, n)) return SHAPE_UUID;
    if (is_iso8601(s, n)) return SHAPE_ISO8601;
    if (n >= 9 && n <= 17 && digits(s, n)) {
        int ec = epoch_class(number_value(s, n));
        if (ec != SHAPE_NONE) return (enum cmp_shape)ec;
    }
    *lenclass = (uint32_t)n;
    if (is_ulid(s, n)) return SHAPE_ULID;
    if (is_hex(s, n)) return SHAPE_HEX;
    if (is_token(s, n)) return SHAPE_TOKEN;
    *lenclass = 0;
    return SHAPE_NONE;
}

static bool is_time_shape(int s)
{
    return s == SHAPE_ISO8601 || s == SHAPE_EPOCH_S || s == SHAPE_EPOCH_MS || s == SHAPE_EPOCH_US;
}

/* ---- a capped set of 64-bit hashes ---- */

/* The set of a key's baseline values, as hashes with bit 0 cleared; bit 0
 * marks a value seen again (k->dups counts those). Past SEEN_CAP values,
 * only those whose hash is at most k->seen_limit are kept, and the limit is
 * halved until they fit: the values kept, and which of them repeated, are
 * then the same whatever order the exchanges came in. */
static uint64_t seen_key(uint64_t h)
{
    h &= ~(uint64_t)1;
    return h ? h : 2;
}

static void seen_put(uint64_t *v, size_t cap, uint64_t x)
{
    size_t j = x & (cap - 1);
    while (v[j]) j = (j + 1) & (cap - 1);
    v[j] = x;
}

/* Move the set to a table of cap slots, keeping values under the limit. */
static bool seen_rebuild(struct cmp_key *k, size_t cap)
{
    struct cmp_hashset *s = &k->seen;
    uint64_t *v = calloc(cap, sizeof *v);
    if (!v) return false;
    s->n = 0;
    k->dups = 0;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->v[i] || (s->v[i] & ~(uint64_t)1) > k->seen_limit) continue;
        seen_put(v, cap, s->v[i]);
        s->n++;
        k->dups += s->v[i] & 1;
    }
    free(s->v);
    s->v = v;
    s->cap = cap;
    return true;
}

static void seen_add(struct cmp_key *k, uint64_t h)
{
    struct cmp_hashset *s = &k->seen;
    uint64_t x = seen_key(h);
    if (x > k->seen_limit) return;
    for (size_t j = s->cap ? x & (s->cap - 1) : 0; s->cap && s->v[j]; j = (j + 1) & (s->cap - 1))
        if ((s->v[j] & ~(uint64_t)1) == x) {
            k->dups += !(s->v[j] & 1);
            s->v[j] |= 1;
            return;
        }
    while (s->n >= SEEN_CAP) {
        k->seen_limit >>= 1;
        if (!seen_rebuild(k, s->cap)) return;
        if (x > k->seen_limit) return;
    }
    if ((s->n + 1) * 2 > s->cap && !seen_rebuild(k, s->cap ? s->cap * 2 : 64)) return;
    seen_put(s->v, s->cap, x);
    s->n++;
}

/* ---- rules ---- */

bool cmp_rule_hit(const struct cmp_rules *r, enum cmp_where where, const char *concrete)
{
    for (size_t i = 0; r && i < r->n; i++) {
        const struct cmp_rule *ru = &r->v[i];
        if (where == CMP_HEADER) {
            if (ru->header && strcasecmp(ru->header, concrete + 7) == 0) return true;
        } else if (where == CMP_STATUS) {
            if (strcmp(ru->text, "status") == 0) return true;
        } else if (ru->path && jpath_match(ru->path, concrete)) {
            return true;
        }
    }
    return false;
}

/* ---- keys ---- */

static enum cut_err key_get(struct cmp *c, uint32_t ep, enum cmp_where where, enum jdiff_kind kind,
                            const char *gpath, size_t glen, uint32_t *out, bool *added)
{
    struct buf *kb = &c->kbuf;
    buf_reset(kb);
    enum cut_err e = buf_append(kb, &ep, sizeof ep);
    if (!e) e = buf_putc(kb, (char)where);
    if (!e) e = buf_putc(kb, (char)kind);
    if (!e) e = buf_append(kb, gpath, glen);
    if (e) return e;
    if (vec_reserve(&c->keys, &c->capkeys, c->nkeys + 1, sizeof *c->keys)) return CUT_ENOMEM;
    e = cmp_map_put(&c->key_index, kb->data, kb->len, (uint32_t)c->nkeys, out, added);
    if (e || !*added) return e;
    struct cmp_key *k = &c->keys[c->nkeys];
    memset(k, 0, sizeof *k);
    k->endpoint = ep;
    k->where = (uint8_t)where;
    k->kind = (uint8_t)kind;
    k->shape = SHAPE_NONE;
    k->seen_limit = UINT64_MAX;
    k->path = strndup(gpath, glen);
    if (!k->path) return CUT_ENOMEM;
    c->nkeys++;
    return CUT_OK;
}

/* Whether key i was already noted for this pair; else remember it. */
static enum cut_err cur_add(struct cmp *c, uint32_t i, bool *was)
{
    *was = false;
    for (size_t j = 0; j < c->ncur; j++)
        if (c->cur[j] == i) {
            *was = true;
            return CUT_OK;
        }
    if (vec_reserve(&c->cur, &c->capcur, c->ncur + 1, sizeof *c->cur)) return CUT_ENOMEM;
    c->cur[c->ncur++] = i;
    return CUT_OK;
}

static int id_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int r = memcmp(a, b, an < bn ? an : bn);
    return r ? r : (an > bn) - (an < bn);
}

/* Whether the current pair comes before example x in the order examples
 * are kept in: by a hash of the id (a fixed one, so the choice is the same
 * on every run, and no order of arrival makes each pair displace the
 * last), then by the id. */
static uint64_t pair_rank(struct cmp *c)
{
    if (!c->cur_ranked) {
        c->cur_rank = cmp_hash(c->cur_b->id, c->cur_b->idlen);
        c->cur_ranked = true;
    }
    return c->cur_rank;
}

static bool pair_before(struct cmp *c, const struct cmp_example *x)
{
    uint64_t r = pair_rank(c);
    if (r != x->rank) return r < x->rank;
    return id_cmp(c->cur_b->id, c->cur_b->idlen, x->id, strlen(x->id)) < 0;
}

/* Key k keeps the max_examples first exchanges in that order (k->ex is
 * sorted): which exchanges a report shows does not depend on the order
 * they arrived in. An exchange no key shows any more is freed. */
static enum cut_err add_example(struct cmp *c, struct cmp_key *k)
{
    size_t max = c->o->max_examples, at = k->nex;
    if (max == 0) return CUT_OK;
    while (at > 0 && pair_before(c, &c->examples[k->ex[at - 1]])) at--;
    if (at >= max || (at > 0 && c->cur_example >= 0 && k->ex[at - 1] == (uint32_t)c->cur_example))
        return CUT_OK;
    if (c->cur_example < 0) {
        uint32_t idx;
        enum cut_err e = cmp_example_make(c, &idx);
        if (e) return e;
        c->cur_example = (int32_t)idx;
        c->examples[idx].rank = pair_rank(c);
    }
    if (!k->ex && !(k->ex = calloc(max, sizeof *k->ex))) return CUT_ENOMEM;
    if (k->nex == max) {
        enum cut_err e = cmp_example_unref(c, k->ex[--k->nex]);
        if (e) return e;
    }
    memmove(&k->ex[at + 1], &k->ex[at], (k->nex - at) * sizeof *k->ex);
    k->ex[at] = (uint32_t)c->cur_example;
    k->nex++;
    c->examples[c->cur_example].refs++;
    return CUT_OK;
}

/* The concrete paths of the pair's differences (the first MAX_EXAMPLE_PATHS)
 * on the example made of it, if one was. */
enum cut_err cmp_example_paths(struct cmp *c, const struct cmp_event *ev, size_t n)
{
    if (c->cur_example < 0) return CUT_OK;
    struct cmp_example *x = &c->examples[c->cur_example];
    enum cut_err e = CUT_OK;
    for (size_t i = 0; i < n && x->paths.n < MAX_EXAMPLE_PATHS && !e; i++)
        e = cmp_strings_add(&x->paths, ev[i].path);
    return e;
}

/* What a concrete path comes to (its rule, its generalised path) for an
 * endpoint override ov. Matching a rule and generalising parse the path;
 * the same few paths come back on every pair, so answers are remembered
 * (up to RULE_CACHE paths; they live as long as c). *gpath is in c->gpath
 * or in the memory of c's answers. */
static enum cut_err path_info(struct cmp *c, const struct cmp_override *ov, enum cmp_where where,
                              const char *concrete, bool *hit, const char **gpath, size_t *glen)
{
    struct buf *kb = &c->kbuf;
    buf_reset(kb);
    enum cut_err e = buf_append(kb, &ov, sizeof ov);
    if (!e) e = buf_putc(kb, (char)where);
    if (!e) e = buf_puts(kb, concrete);
    if (e) return e;
    const struct cmp_map_slot *sl = cmp_map_get(&c->rule_cache, kb->data, kb->len);
    if (sl) {
        const struct cmp_pathinfo *pi = &c->pinfo[sl->val];
        *hit = pi->rule;
        *gpath = pi->gpath;
        *glen = pi->glen;
        return CUT_OK;
    }
    *hit = (c->o->ignore.n && cmp_rule_hit(&c->o->ignore, where, concrete)) ||
           (ov && ov->ignore.n && cmp_rule_hit(&ov->ignore, where, concrete));
    buf_reset(&c->gpath);
    e = where == CMP_BODY ? jpath_generalise(concrete, &c->gpath) : buf_puts(&c->gpath, concrete);
    *gpath = c->gpath.data;
    *glen = c->gpath.len;
    if (e || c->rule_cache.n >= RULE_CACHE) return e;
    if (vec_reserve(&c->pinfo, &c->cappinfo, c->npinfo + 1, sizeof *c->pinfo)) return CUT_ENOMEM;
    struct cmp_pathinfo *pi = &c->pinfo[c->npinfo];
    if (!(pi->gpath = malloc(*glen + 1))) return CUT_ENOMEM;
    memcpy(pi->gpath, *gpath, *glen + 1);
    pi->glen = *glen;
    pi->rule = *hit;
    uint32_t v;
    e = cmp_map_put(&c->rule_cache, kb->data, kb->len, (uint32_t)c->npinfo, &v, NULL);
    if (e) {
        free(pi->gpath);
        return e;
    }
    c->npinfo++;
    *gpath = pi->gpath;
    return CUT_OK;
}

void cmp_pathinfo_release(struct cmp *c)
{
    free(c->keymemo); /* it may hold these answers' addresses */
    c->keymemo = NULL;
    for (size_t i = 0; i < c->npinfo; i++) free(c->pinfo[i].gpath);
    free(c->pinfo);
    c->pinfo = NULL;
    c->npinfo = c->cappinfo = 0;
    cmp_map_release(&c->rule_cache);
}

/* Everything about a difference that needs neither the counts nor the
 * other pairs: its rule, generalised path (in c->gpath) and value shapes. */
static enum cut_err prepare(struct cmp *c, const struct cmp_override *ov, struct cmp_event *ev)
{
    enum cut_err e = path_info(c, ov, ev->where, ev->path, &ev->rule, &ev->gpath, &ev->glen);
    /* shapes only matter to the unique layer, never to a rule's key */
    ev->shaped = !ev->rule && ev->kind == JDIFF_VALUE && ev->a && ev->b;
    if (ev->shaped) {
        ev->sa = (uint8_t)cmp_shape_of(ev->a, &ev->la);
        ev->sb = (uint8_t)cmp_shape_of(ev->b, &ev->lb);
        ev->ha = ev->sa != SHAPE_NONE ? jv_hash(ev->a) : 0;
    }
    return e;
}

static void track_shape(struct cmp_key *k, const struct cmp_event *ev)
{
    if (!ev->shaped) return;
    k->occ++;
    if (ev->sa == SHAPE_NONE) return;
    k->shaped++;
    if (ev->sa == ev->sb && ev->la == ev->lb) k->same_shape++;
    if (k->shaped == 1) {
        k->shape = ev->sa;
        k->lenclass = ev->la;
    } else if (k->shape != (int)ev->sa || k->lenclass != ev->la) {
        k->shape = -1;
    }
    seen_add(k, ev->ha);
}

/* The work half of a pair: keep the difference, prepared, for
 * cmp_item_apply. */
static enum cut_err record_event(struct cmp *c, enum cmp_where where, enum jdiff_kind kind,
                                 const char *concrete, const struct jv *a, const struct jv *b)
{
    struct cmp_item *it = c->rec;
    if (it->nev == it->capev) {
        size_t cap = it->capev ? it->capev * 2 : 16;
        struct cmp_event *v = jarena_alloc(c->arena, cap * sizeof *v);
        if (!v) return CUT_ENOMEM;
        if (it->nev) memcpy(v, it->ev, it->nev * sizeof *v);
        it->ev = v;
        it->capev = cap;
    }
    struct cmp_event *ev = &it->ev[it->nev];
    memset(ev, 0, sizeof *ev);
    size_t n = strlen(concrete);
    char *path = jarena_alloc(c->arena, n + 1);
    if (!path) return CUT_ENOMEM;
    memcpy(path, concrete, n + 1);
    ev->where = (uint8_t)where;
    ev->kind = (uint8_t)kind;
    ev->path = path;
    ev->a = a;
    ev->b = b;
    enum cut_err e = prepare(c, c->cur_ov, ev);
    ev->a = ev->b = NULL; /* they may be on the caller's stack; prepare took what counts */
    if (e) return e;
    ev->gkept = ev->gpath != c->gpath.data;
    if (!ev->gkept) { /* not a remembered one: reused by the next */
        char *g = jarena_alloc(c->arena, ev->glen + 1);
        if (!g) return CUT_ENOMEM;
        memcpy(g, ev->gpath, ev->glen + 1);
        ev->gpath = g;
    }
    it->nev++;
    return CUT_OK;
}

/* The keys of differences whose generalised path is a remembered one
 * (gkept), by its address: the same few paths differ on every pair, and
 * building and hashing the key text again cost ten times this. Direct-
 * mapped; forgotten when the answers are released. */
#define KEY_MEMO 256
struct cmp_keymemo {
    const char *gpath;
    uint32_t ep, ki;
    uint8_t where, kind;
};

/* key_get for ev in the current endpoint. */
static enum cut_err key_of(struct cmp *c, const struct cmp_event *ev, uint32_t *ki, bool *added)
{
    struct cmp_keymemo *m = NULL;
    if (ev->gkept) {
        if (!c->keymemo && !(c->keymemo = calloc(KEY_MEMO, sizeof *c->keymemo))) return CUT_ENOMEM;
        uint64_t h = ((uint64_t)(uintptr_t)ev->gpath ^ (uint64_t)c->cur_ep << 40 ^
                      (uint64_t)ev->kind << 56 ^ (uint64_t)ev->where << 60) *
                     0x9E3779B97F4A7C15ull;
        m = &c->keymemo[h >> 56]; /* KEY_MEMO is 2^8 */
        if (m->gpath == ev->gpath && m->ep == c->cur_ep && m->where == ev->where &&
            m->kind == ev->kind) {
            *ki = m->ki;
            *added = false;
            return CUT_OK;
        }
    }
    enum cut_err e = key_get(c, c->cur_ep, ev->where, ev->kind, ev->gpath, ev->glen, ki, added);
    if (!e && m) *m = (struct cmp_keymemo){ev->gpath, c->cur_ep, *ki, ev->where, ev->kind};
    return e;
}

enum cut_err cmp_note_event(struct cmp *c, const struct cmp_event *ev)
{
    if (ev->rule && c->mode == 1) return CUT_OK;
    uint32_t ki;
    bool added, was;
    enum cut_err e = key_of(c, ev, &ki, &added);
    if (!e) e = cur_add(c, ki, &was);
    if (e) return e;
    struct cmp_key *k = &c->keys[ki];
    if (added && ev->rule) k->decision = CMP_NOISE_RULE;
    if (c->mode == 1) {
        if (!was) k->sec++;
        return CUT_OK;
    }
    if (!was) {
        k->raw++;
        if (ev->where == CMP_STATUS) c->eps[c->cur_ep].status_mismatch++;
    }
    track_shape(k, ev);
    return add_example(c, k);
}

enum cut_err cmp_note(struct cmp *c, enum cmp_where where, enum jdiff_kind kind,
                      const char *concrete, const struct jv *a, const struct jv *b)
{
    if (c->rec) return record_event(c, where, kind, concrete, a, b);
    struct cmp_event ev;
    memset(&ev, 0, sizeof ev);
    ev.where = (uint8_t)where;
    ev.kind = (uint8_t)kind;
    ev.path = concrete;
    ev.a = a;
    ev.b = b;
    enum cut_err e = prepare(c, c->eps[c->cur_ep].ov, &ev);
    ev.gkept = ev.gpath != c->gpath.data;
    return e ? e : cmp_note_event(c, &ev);
}

void cmp_pair_begin(struct cmp *c, uint32_t ep, int mode)
{
    c->ncur = 0;
    c->cur_ep = ep;
    c->mode = mode;
    if (mode == 0) {
        c->cur_example = -1;
        c->cur_ranked = false;
    }
}

static int u32cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

/* Record the pair's signature: the sorted set of its non-rule keys. */
enum cut_err cmp_pair_end(struct cmp *c)
{
    if (c->mode != 0) return CUT_OK;
    size_t n = 0;
    for (size_t i = 0; i < c->ncur; i++)
        if (c->keys[c->cur[i]].decision != CMP_NOISE_RULE) c->cur[n++] = c->cur[i];
    if (n > 1) qsort(c->cur, n, sizeof *c->cur, u32cmp);
    struct buf *kb = &c->kbuf;
    buf_reset(kb);
    enum cut_err e = buf_append(kb, &c->cur_ep, sizeof c->cur_ep);
    if (!e && n) e = buf_append(kb, c->cur, n * sizeof *c->cur);
    if (e) return e;
    if (vec_reserve(&c->sigs, &c->capsigs, c->nsigs + 1, sizeof *c->sigs)) return CUT_ENOMEM;
    uint32_t si;
    bool added;
    e = cmp_map_put(&c->sig_index, kb->data, kb->len, (uint32_t)c->nsigs, &si, &added);
    if (e) return e;
    if (added) {
        struct cmp_sig *s = &c->sigs[c->nsigs++];
        s->keys = n ? malloc(n * sizeof *s->keys) : NULL;
        if (n && !s->keys) return CUT_ENOMEM;
        if (n) memcpy(s->keys, c->cur, n * sizeof *s->keys);
        s->n = (uint32_t)n;
        s->ep = c->cur_ep;
        s->count = 0;
    }
    c->sigs[si].count++;
    return CUT_OK;
}

/* ---- decisions ---- */

static bool secondary_says_noise(const struct cmp *c, const struct cmp_key *k)
{
    double r = (double)k->raw, n = (double)k->sec;
    double total = (double)c->eps[k->endpoint].compared;
    if (r <= n || total <= 0) return true;
    return !((r - n) / (r + n) > c->o->noise_rel && (r - n) / total > c->o->noise_abs);
}

static bool unique_says_noise(const struct cmp_key *k)
{
    if (k->kind != JDIFF_VALUE || k->raw < 2 || k->occ == 0) return false;
    if (k->shaped != k->occ || k->same_shape != k->occ || k->shape <= SHAPE_NONE) return false;
    if (is_time_shape(k->shape)) return k->seen.n >= 2; /* time moves on: not a constant */
    return k->dups == 0;
}

enum cut_err cmp_noise_decide(struct cmp *c)
{
    for (size_t i = 0; i < c->nkeys; i++) {
        struct cmp_key *k = &c->keys[i];
        if (k->decision != CMP_DIFF || k->raw == 0) continue;
        if (c->o->secondary) {
            if (secondary_says_noise(c, k)) k->decision = CMP_NOISE_SECONDARY;
        } else if (!c->o->strict && unique_says_noise(k)) {
            k->decision = CMP_NOISE_UNIQUE;
        }
    }
    for (size_t i = 0; i < c->neps; i++) c->eps[i].matched = c->eps[i].mismatched = 0;
    for (size_t i = 0; i < c->nsigs; i++) {
        const struct cmp_sig *s = &c->sigs[i];
        bool real = false;
        for (uint32_t j = 0; j < s->n && !real; j++)
            real = c->keys[s->keys[j]].decision == CMP_DIFF;
        if (real)
            c->eps[s->ep].mismatched += s->count;
        else
            c->eps[s->ep].matched += s->count;
    }
    return CUT_OK;
}
