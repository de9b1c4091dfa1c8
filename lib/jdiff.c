/* jdiff.c: an arena JSON reader and the structural diff of two documents.
 * Numbers stay text and compare by exact decimal value; strings are
 * unescaped once; object members are sorted at parse time so that equality,
 * hashing and the diff are merge walks.  Never reads past the length it is
 * given, and bounds nesting depth (it is a fuzz target). */
#include "cutover/jdiff.h"

#include <stdlib.h>
#include <string.h>

#include "cutover/jpath.h"
#include "cutover/text.h"

/* ---- arena ---- */

struct jarena_chunk {
    struct jarena_chunk *next;
    size_t cap, used;
    max_align_t data[];
};

#define CHUNK_MIN ((size_t)64 << 10)

void jarena_init(struct jarena *a, size_t max)
{
    memset(a, 0, sizeof *a);
    a->max = max;
}

void jarena_reset(struct jarena *a)
{
    /* Keep the largest chunk: the next document is likely of similar size. */
    struct jarena_chunk *keep = NULL;
    for (struct jarena_chunk *c = a->head; c; c = c->next)
        if (!keep || c->cap > keep->cap) keep = c;
    for (struct jarena_chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        if (c != keep) free(c);
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->cur = keep ? (char *)keep->data : NULL;
    a->left = keep && !a->max ? keep->cap : 0;
    a->total = 0;
}

void jarena_release(struct jarena *a)
{
    for (struct jarena_chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a->scratch);
    size_t max = a->max;
    jarena_init(a, max);
}

void *jarena_alloc_slow(struct jarena *a, size_t n)
{
    if (a->max && a->total + n > a->max) return NULL;
    struct jarena_chunk *c = a->head;
    if (c) c->used = (size_t)(a->cur - (char *)c->data); /* the inline path's */
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        if (c && c->cap * 2 > cap && c->cap < ((size_t)16 << 20)) cap = c->cap * 2;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    a->cur = (char *)c->data + c->used;
    a->left = a->max ? 0 : c->cap - c->used;
    a->total += n;
    return p;
}

void jarena_shrink(struct jarena *a, void *p, size_t n, size_t keep)
{
    n = n ? (n + 7) & ~(size_t)7 : 8;
    keep = keep ? (keep + 7) & ~(size_t)7 : 8;
    if (!a->head || keep >= n || (char *)p + n != a->cur) return;
    a->cur -= n - keep;
    if (!a->max) a->left += n - keep;
    a->total -= n - keep;
}

/* ---- parser ---- */

struct parser {
    const char *p, *end, *start;
    struct jarena *a;
    size_t sp; /* bytes used on the scratch stack */
    int depth;
};

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

/* Room for n more bytes on the scratch stack; returns its base. */
static char *scratch_push(struct parser *ps, size_t n)
{
    struct jarena *a = ps->a;
    if (ps->sp + n > a->scratch_cap) {
        size_t cap = a->scratch_cap ? a->scratch_cap * 2 : 4096;
        while (cap < ps->sp + n) cap *= 2;
        void *s = realloc(a->scratch, cap);
        if (!s) return NULL;
        a->scratch = s;
        a->scratch_cap = cap;
    }
    char *at = (char *)a->scratch + ps->sp;
    ps->sp += n;
    return at;
}

/* ---- strings: the block scanner shared with jscan (lib/text.c) ---- */

#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
/* The stops (quote, backslash, byte < 0x20) of the 16 bytes at p, and
 * which of them are quotes. */
static inline unsigned block_stops(const char *p, unsigned *quotes)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
                                _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v));
    *quotes = (unsigned)_mm_movemask_epi8(q);
    return *quotes | (unsigned)_mm_movemask_epi8(stop);
}

/* Plain 16-byte blocks are passed over here, without a call: most strings
 * of a record (dates, ids, URLs, media types) are 16 to 40 bytes with no
 * escape, and the general scan's set-up costs more than their blocks. At
 * the first stop that is not the closing quote the general scan takes
 * over from that block (no backslash before it: nothing carries over). */
/* The general scan from p + i on (a call of its own, so that the inline
 * loop saves no registers). */
__attribute__((noinline)) static size_t str_scan_rest(const char *p, size_t n, size_t i, bool *esc)
{
    /* Fewer than 16 bytes left (a string near the end of its text, or a
     * short value handed over alone): one block settles it when its first
     * stop is the closing quote. The text's last 16 bytes when it has as
     * many (those before i are plain), else a copy padded with spaces. */
    if (n - i < 16) {
        unsigned quotes, stops;
        if (n >= 16) {
            unsigned before = 16 - (unsigned)(n - i);
            stops = block_stops(p + n - 16, &quotes) >> before;
            quotes >>= before;
        } else {
            char pad[16];
            memset(pad, ' ', sizeof pad);
            memcpy(pad, p, n);
            stops = block_stops(pad, &quotes);
        }
        unsigned first = stops & (0u - stops);
        if (first & quotes) {
            *esc = false;
            return i + (size_t)__builtin_ctz(first);
        }
    }
    /* the rest by text.c's block scan: quicker on a long escaped string (a
     * body in a record), text_jstr_scan itself on a short one */
    struct text_jstr r = text_jstr_scan_decode(p + i, n - i, 0, NULL, NULL);
    *esc = r.seen & TEXT_JSTR_ESC;
    return r.end == TEXT_JSTR_OK ? i + r.at : SIZE_MAX;
}

size_t jv_str_scan(const char *p, size_t n, bool *esc)
{
    size_t i = 0;
    for (; n - i >= 16; i += 16) {
        unsigned quotes, stops = block_stops(p + i, &quotes), first = stops & (0u - stops);
        if (!stops) continue;
        if (!(first & quotes)) break;
        *esc = false;
        return i + (size_t)__builtin_ctz(first);
    }
    return str_scan_rest(p, n, i, esc);
}
#else
size_t jv_str_scan(const char *p, size_t n, bool *esc)
{
    struct text_jstr r = text_jstr_scan(p, n, 0);
    *esc = r.seen & TEXT_JSTR_ESC;
    return r.end == TEXT_JSTR_OK ? r.at : SIZE_MAX;
}
#endif

size_t jv_str_decode(const char *raw, size_t n, char *out)
{
    return text_jstr_decode(raw, n, out);
}

/* A string at ps->p (on the opening quote): unescaped copy into the arena. */
static enum cut_err parse_string(struct parser *ps, const char **out, uint32_t *outlen)
{
    const char *s = ps->p + 1;
    bool escaped;
    size_t raw = jv_str_scan(s, (size_t)(ps->end - s), &escaped);
    if (raw == SIZE_MAX) return CUT_EPARSE;
    if (raw > UINT32_MAX - 1) return CUT_ELIMIT;
    char *o = jarena_alloc(ps->a, raw + 1);
    if (!o) return CUT_ENOMEM;
    size_t n = raw;
    if (escaped)
        n = jv_str_decode(s, raw, o);
    else
        memcpy(o, s, raw);
    o[n] = '\0';
    *out = o;
    *outlen = (uint32_t)n;
    ps->p = s + raw + 1;
    return CUT_OK;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static enum cut_err parse_number(struct parser *ps, struct jv *v)
{
    const char *p = ps->p, *e = ps->end, *s = p;
    if (p < e && *p == '-') p++;
    if (p >= e || !is_digit(*p)) return CUT_EPARSE;
    if (*p == '0')
        p++;
    else
        while (p < e && is_digit(*p)) p++;
    if (p < e && *p == '.') {
        p++;
        if (p >= e || !is_digit(*p)) return CUT_EPARSE;
        while (p < e && is_digit(*p)) p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || !is_digit(*p)) return CUT_EPARSE;
        while (p < e && is_digit(*p)) p++;
    }
    size_t n = (size_t)(p - s);
    if (n > UINT32_MAX - 1) return CUT_ELIMIT;
    char *t = jarena_alloc(ps->a, n + 1);
    if (!t) return CUT_ENOMEM;
    memcpy(t, s, n);
    t[n] = '\0';
    v->type = JV_NUM;
    v->n = (uint32_t)n;
    v->u.s = t;
    ps->p = p;
    return CUT_OK;
}

static int lit(struct parser *ps, const char *word, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return 0;
    ps->p += n;
    return 1;
}

static enum cut_err parse_value(struct parser *ps, struct jv *v);

static int member_cmp(const struct jmember *a, const struct jmember *b)
{
    return jdiff_key_cmp(a->key, a->keylen, b->key, b->keylen);
}

static void sort_members(struct jmember *m, size_t n)
{
    /* Insertion sort: objects are small, and it is stable for duplicates. */
    for (size_t i = 1; i < n; i++) {
        if (member_cmp(&m[i - 1], &m[i]) <= 0) continue;
        struct jmember t = m[i];
        size_t j = i;
        while (j > 0 && member_cmp(&m[j - 1], &t) > 0) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = t;
    }
}

/* Move the elements pushed since base from the scratch stack to the arena. */
static void *settle(struct parser *ps, size_t base)
{
    size_t n = ps->sp - base;
    void *dst = jarena_alloc(ps->a, n);
    if (dst && n) memcpy(dst, (char *)ps->a->scratch + base, n);
    ps->sp = base;
    return dst;
}

static enum cut_err parse_array(struct parser *ps, struct jv *v)
{
    size_t base = ps->sp, count = 0;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
    } else {
        for (;;) {
            struct jv item;
            enum cut_err e = parse_value(ps, &item);
            if (e) return e;
            char *slot = scratch_push(ps, sizeof item);
            if (!slot) return CUT_ENOMEM;
            memcpy(slot, &item, sizeof item);
            count++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                skip_ws(ps);
                continue;
            }
            if (ps->p < ps->end && *ps->p == ']') {
                ps->p++;
                break;
            }
            return CUT_EPARSE;
        }
    }
    if (count > UINT32_MAX) return CUT_ELIMIT;
    v->type = JV_ARR;
    v->n = (uint32_t)count;
    v->u.items = settle(ps, base);
    return v->u.items ? CUT_OK : CUT_ENOMEM;
}

static enum cut_err parse_object(struct parser *ps, struct jv *v)
{
    size_t base = ps->sp, count = 0;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
    } else {
        for (;;) {
            struct jmember m;
            if (ps->p >= ps->end || *ps->p != '"') return CUT_EPARSE;
            enum cut_err e = parse_string(ps, &m.key, &m.keylen);
            if (e) return e;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') return CUT_EPARSE;
            ps->p++;
            skip_ws(ps);
            if ((e = parse_value(ps, &m.val))) return e;
            char *slot = scratch_push(ps, sizeof m);
            if (!slot) return CUT_ENOMEM;
            memcpy(slot, &m, sizeof m);
            count++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                skip_ws(ps);
                continue;
            }
            if (ps->p < ps->end && *ps->p == '}') {
                ps->p++;
                break;
            }
            return CUT_EPARSE;
        }
    }
    if (count > UINT32_MAX) return CUT_ELIMIT;
    v->type = JV_OBJ;
    v->n = (uint32_t)count;
    v->u.mem = settle(ps, base);
    if (!v->u.mem) return CUT_ENOMEM;
    sort_members(v->u.mem, count);
    return CUT_OK;
}

static enum cut_err parse_value(struct parser *ps, struct jv *v)
{
    memset(v, 0, sizeof *v);
    if (ps->p >= ps->end) return CUT_EPARSE;
    enum cut_err e;
    switch (*ps->p) {
    case '{':
    case '[':
        if (++ps->depth > JDIFF_MAX_DEPTH) return CUT_EPARSE;
        e = *ps->p == '{' ? parse_object(ps, v) : parse_array(ps, v);
        ps->depth--;
        return e;
    case '"':
        v->type = JV_STR;
        return parse_string(ps, &v->u.s, &v->n);
    case 't':
        v->type = JV_BOOL;
        v->b = 1;
        return lit(ps, "true", 4) ? CUT_OK : CUT_EPARSE;
    case 'f':
        v->type = JV_BOOL;
        return lit(ps, "false", 5) ? CUT_OK : CUT_EPARSE;
    case 'n':
        v->type = JV_NULL;
        return lit(ps, "null", 4) ? CUT_OK : CUT_EPARSE;
    default:
        return parse_number(ps, v);
    }
}

enum cut_err jv_parse(struct jarena *a, const char *p, size_t n, struct jv *out, size_t *errpos)
{
    struct parser ps = {p, p + n, p, a, 0, 0};
    skip_ws(&ps);
    enum cut_err e = parse_value(&ps, out);
    if (!e) {
        skip_ws(&ps);
        if (ps.p != ps.end) e = CUT_EPARSE;
    }
    if (e && errpos) *errpos = (size_t)(ps.p - ps.start);
    return e;
}

/* ---- access ---- */

const struct jv *jv_get(const struct jv *o, const char *key)
{
    if (!o || o->type != JV_OBJ) return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < o->n; i++)
        if (o->u.mem[i].keylen == kl && memcmp(o->u.mem[i].key, key, kl) == 0)
            return &o->u.mem[i].val;
    return NULL;
}

const char *jv_str(const struct jv *o, const char *key, size_t *len)
{
    const struct jv *v = jv_get(o, key);
    if (!v || v->type != JV_STR) return NULL;
    if (len) *len = v->n;
    return v->u.s;
}

double jv_num(const struct jv *o, const char *key, double dflt)
{
    const struct jv *v = jv_get(o, key);
    return v && v->type == JV_NUM ? strtod(v->u.s, NULL) : dflt;
}

const char *jv_type_name(int type)
{
    static const char *const names[] = {"null", "boolean", "number", "string", "array", "object"};
    return type >= 0 && type <= JV_OBJ ? names[type] : "?";
}

/* ---- numbers by value ---- */

/* A number as sign, significant digits and a decimal exponent: the value is
 * the digits (as an integer) times 10^exp. The digits are the concatenation
 * of the integer and fraction parts, read through digit(). */
struct canon {
    const char *ip, *fp;
    size_t ilen, flen;
    size_t first, count; /* significant digits: positions first..first+count */
    long long exp;
    int neg;
};

static char digit(const struct canon *c, size_t i)
{
    return i < c->ilen ? c->ip[i] : c->fp[i - c->ilen];
}

static void canon_of(const char *s, size_t n, struct canon *c)
{
    const char *e = s + n, *p = s;
    memset(c, 0, sizeof *c);
    if (p < e && *p == '-') c->neg = 1, p++;
    c->ip = p;
    while (p < e && is_digit(*p)) p++;
    c->ilen = (size_t)(p - c->ip);
    c->fp = p;
    if (p < e && *p == '.') {
        c->fp = ++p;
        while (p < e && is_digit(*p)) p++;
        c->flen = (size_t)(p - c->fp);
    }
    long long x = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        int xneg = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-')) xneg = *p++ == '-';
        for (; p < e && is_digit(*p); p++)
            if (x < 100000000000000000LL) x = x * 10 + (*p - '0'); /* saturates */
        if (xneg) x = -x;
    }
    size_t total = c->ilen + c->flen, first = 0, last = total;
    while (first < total && digit(c, first) == '0') first++;
    while (last > first && digit(c, last - 1) == '0') last--;
    c->first = first;
    c->count = last - first;
    c->exp = x - (long long)c->flen + (long long)(total - last);
    if (c->count == 0) c->neg = 0, c->exp = 0;
}

bool jv_num_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen == blen && memcmp(a, b, alen) == 0) return true;
    struct canon x, y;
    canon_of(a, alen, &x);
    canon_of(b, blen, &y);
    if (x.neg != y.neg || x.count != y.count || x.exp != y.exp) return false;
    for (size_t i = 0; i < x.count; i++)
        if (digit(&x, x.first + i) != digit(&y, y.first + i)) return false;
    return true;
}

/* ---- hashing and equality ---- */

#define FNV_OFF 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0;
    /* four bytes a turn of the loop: the same sequence, less loop */
    for (; n - i >= 4; i += 4) {
        h = (h ^ s[i]) * FNV_PRIME;
        h = (h ^ s[i + 1]) * FNV_PRIME;
        h = (h ^ s[i + 2]) * FNV_PRIME;
        h = (h ^ s[i + 3]) * FNV_PRIME;
    }
    for (; i < n; i++) h = (h ^ s[i]) * FNV_PRIME;
    return h;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static uint64_t num_hash(const struct jv *v)
{
    struct canon c;
    canon_of(v->u.s, v->n, &c);
    uint64_t h = fnv(FNV_OFF, &c.neg, sizeof c.neg);
    for (size_t i = 0; i < c.count; i++) {
        char d = digit(&c, c.first + i);
        h = (h ^ (unsigned char)d) * FNV_PRIME; /* fnv of the one byte */
    }
    return fnv(h, &c.exp, sizeof c.exp);
}

uint64_t jv_hash(const struct jv *v)
{
    uint64_t h = mix((uint64_t)v->type + 1);
    switch (v->type) {
    case JV_BOOL:
        return mix(h + v->b);
    case JV_NUM:
        return mix(h ^ num_hash(v));
    case JV_STR:
        return mix(fnv(h, v->u.s, v->n));
    case JV_ARR:
        for (uint32_t i = 0; i < v->n; i++) h = mix(h * 31 + jv_hash(&v->u.items[i]));
        return h;
    case JV_OBJ:
        /* Members are sorted, so an ordered combination is key-order free. */
        for (uint32_t i = 0; i < v->n; i++) {
            const struct jmember *m = &v->u.mem[i];
            h = mix(h * 31 + fnv(FNV_OFF, m->key, m->keylen));
            h = mix(h * 31 + jv_hash(&m->val));
        }
        return h;
    default:
        return h;
    }
}

bool jv_equal(const struct jv *a, const struct jv *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case JV_NULL:
        return true;
    case JV_BOOL:
        return a->b == b->b;
    case JV_NUM:
        return jv_num_equal(a->u.s, a->n, b->u.s, b->n);
    case JV_STR:
        return a->n == b->n && memcmp(a->u.s, b->u.s, a->n) == 0;
    case JV_ARR:
        if (a->n != b->n) return false;
        for (uint32_t i = 0; i < a->n; i++)
            if (!jv_equal(&a->u.items[i], &b->u.items[i])) return false;
        return true;
    case JV_OBJ:
        if (a->n != b->n) return false;
        for (uint32_t i = 0; i < a->n; i++) {
            const struct jmember *x = &a->u.mem[i], *y = &b->u.mem[i];
            if (x->keylen != y->keylen || memcmp(x->key, y->key, x->keylen) != 0) return false;
            if (!jv_equal(&x->val, &y->val)) return false;
        }
        return true;
    default:
        return false;
    }
}

/* ---- diff ---- */

const char *jdiff_kind_name(enum jdiff_kind k)
{
    static const char *const names[] = {"value", "type", "missing", "extra", "order"};
    return (unsigned)k <= JDIFF_ORDER ? names[k] : "?";
}

struct dstate {
    const struct jdiff_opts *o;
    struct buf *path;
    struct jarena *scratch;
    size_t count;
};

#define STOP CUT_ERR_COUNT /* internal: the diff limit was reached */

static enum cut_err emit(struct dstate *d, enum jdiff_kind k, const struct jv *a,
                         const struct jv *b)
{
    if (d->o->max_diffs && d->count >= d->o->max_diffs) return STOP;
    d->count++;
    return d->o->on_diff ? d->o->on_diff(d->o->ctx, k, d->path->data, d->path->len, a, b) : CUT_OK;
}

static enum cut_err diff_value(struct dstate *d, const struct jv *a, const struct jv *b);

static enum cut_err at_key(struct dstate *d, const struct jmember *m, enum jdiff_kind k,
                           const struct jv *a, const struct jv *b)
{
    size_t mark = d->path->len;
    enum cut_err e = jpath_append_key(d->path, m->key, m->keylen);
    if (!e) e = a && b ? diff_value(d, a, b) : emit(d, k, a, b);
    buf_truncate(d->path, mark);
    return e;
}

static enum cut_err at_index(struct dstate *d, size_t i, enum jdiff_kind k, const struct jv *a,
                             const struct jv *b)
{
    size_t mark = d->path->len;
    enum cut_err e = jpath_append_index(d->path, i);
    if (!e) e = a && b ? diff_value(d, a, b) : emit(d, k, a, b);
    buf_truncate(d->path, mark);
    return e;
}

static enum cut_err diff_object(struct dstate *d, const struct jv *a, const struct jv *b)
{
    uint32_t i = 0, j = 0;
    enum cut_err e = CUT_OK;
    while (!e && (i < a->n || j < b->n)) {
        const struct jmember *x = i < a->n ? &a->u.mem[i] : NULL;
        const struct jmember *y = j < b->n ? &b->u.mem[j] : NULL;
        int c = !x ? 1 : !y ? -1 : member_cmp(x, y);
        if (c < 0) {
            e = at_key(d, x, JDIFF_MISSING, &x->val, NULL);
            i++;
        } else if (c > 0) {
            e = at_key(d, y, JDIFF_EXTRA, NULL, &y->val);
            j++;
        } else {
            e = at_key(d, x, JDIFF_VALUE, &x->val, &y->val);
            i++, j++;
        }
    }
    return e;
}

struct hidx {
    uint64_t h;
    uint32_t i;
    uint32_t used;
};

static int hidx_cmp(const void *pa, const void *pb)
{
    const struct hidx *a = pa, *b = pb;
    if (a->h != b->h) return a->h < b->h ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

static struct hidx *hashes_of(struct dstate *d, const struct jv *arr)
{
    struct hidx *v = jarena_alloc(d->scratch, (arr->n + 1) * sizeof *v);
    if (!v) return NULL;
    for (uint32_t i = 0; i < arr->n; i++) {
        v[i].h = jv_hash(&arr->u.items[i]);
        v[i].i = i;
        v[i].used = 0;
    }
    qsort(v, arr->n, sizeof *v, hidx_cmp);
    return v;
}

/* Pair equal elements of a and b (marking them used); returns how many. */
static size_t match_multiset(const struct jv *a, struct hidx *ha, const struct jv *b,
                             struct hidx *hb)
{
    size_t i = 0, j = 0, pairs = 0;
    while (i < a->n && j < b->n) {
        if (ha[i].h < hb[j].h) {
            i++;
        } else if (ha[i].h > hb[j].h) {
            j++;
        } else {
            if (jv_equal(&a->u.items[ha[i].i], &b->u.items[hb[j].i])) {
                ha[i].used = hb[j].used = 1;
                pairs++;
            }
            i++, j++;
        }
    }
    return pairs;
}

static int by_index(const void *pa, const void *pb)
{
    const struct hidx *a = pa, *b = pb;
    return a->i < b->i ? -1 : a->i > b->i;
}

static enum cut_err diff_unordered(struct dstate *d, const struct jv *a, const struct jv *b)
{
    struct hidx *ha = hashes_of(d, a), *hb = hashes_of(d, b);
    if (!ha || !hb) return CUT_ENOMEM;
    match_multiset(a, ha, b, hb);
    qsort(ha, a->n, sizeof *ha, by_index);
    qsort(hb, b->n, sizeof *hb, by_index);
    size_t i = 0, j = 0;
    enum cut_err e = CUT_OK;
    for (;;) {
        while (i < a->n && ha[i].used) i++;
        while (j < b->n && hb[j].used) j++;
        if (i >= a->n && j >= b->n) break;
        if (i < a->n && j < b->n)
            e = at_index(d, ha[i].i, JDIFF_VALUE, &a->u.items[ha[i].i], &b->u.items[hb[j].i]);
        else if (i < a->n)
            e = at_index(d, ha[i].i, JDIFF_MISSING, &a->u.items[ha[i].i], NULL);
        else
            e = at_index(d, hb[j].i, JDIFF_EXTRA, NULL, &b->u.items[hb[j].i]);
        if (e) return e;
        if (i < a->n) i++;
        if (j < b->n) j++;
    }
    return CUT_OK;
}

static enum cut_err diff_array(struct dstate *d, const struct jv *a, const struct jv *b)
{
    if (d->o->unordered && d->o->unordered(d->o->ctx, d->path->data))
        return diff_unordered(d, a, b);
    uint32_t i = 0, n = a->n < b->n ? a->n : b->n;
    while (i < n && jv_equal(&a->u.items[i], &b->u.items[i])) i++;
    if (i == n && a->n == b->n) return CUT_OK;
    /* The same multiset with an equal prefix: a[i] must be further on in b.
     * Cheap to refute, and it usually is: then no hashing and sorting. */
    bool perm = false;
    for (uint32_t j = i + 1; a->n == b->n && j < b->n && !perm; j++)
        perm = jv_equal(&a->u.items[i], &b->u.items[j]);
    if (perm) {
        struct hidx *ha = hashes_of(d, a), *hb = hashes_of(d, b);
        if (!ha || !hb) return CUT_ENOMEM;
        if (match_multiset(a, ha, b, hb) == a->n) return emit(d, JDIFF_ORDER, a, b);
    }
    enum cut_err e = CUT_OK;
    for (; i < n && !e; i++) e = at_index(d, i, JDIFF_VALUE, &a->u.items[i], &b->u.items[i]);
    for (uint32_t k = n; k < a->n && !e; k++)
        e = at_index(d, k, JDIFF_MISSING, &a->u.items[k], NULL);
    for (uint32_t k = n; k < b->n && !e; k++) e = at_index(d, k, JDIFF_EXTRA, NULL, &b->u.items[k]);
    return e;
}

static enum cut_err diff_value(struct dstate *d, const struct jv *a, const struct jv *b)
{
    if (a->type != b->type) return emit(d, JDIFF_TYPE, a, b);
    switch (a->type) {
    case JV_OBJ:
        return diff_object(d, a, b);
    case JV_ARR:
        return diff_array(d, a, b);
    default:
        return jv_equal(a, b) ? CUT_OK : emit(d, JDIFF_VALUE, a, b);
    }
}

enum cut_err jdiff_reuse(const struct jv *a, const struct jv *b, const struct jdiff_opts *o,
                         struct jarena *scratch, struct buf *path, size_t *ndiffs)
{
    struct dstate d = {o, path, scratch, 0};
    buf_reset(path);
    enum cut_err e = buf_putc(path, '$');
    if (!e) e = diff_value(&d, a, b);
    if (e == STOP) e = CUT_OK;
    if (ndiffs) *ndiffs = d.count;
    return e;
}

enum cut_err jdiff(const struct jv *a, const struct jv *b, const struct jdiff_opts *o,
                   size_t *ndiffs)
{
    struct buf path;
    struct jarena scratch;
    buf_init(&path, 0);
    jarena_init(&scratch, 0);
    enum cut_err e = jdiff_reuse(a, b, o, &scratch, &path, ndiffs);
    buf_free(&path);
    jarena_release(&scratch);
    return e;
}
