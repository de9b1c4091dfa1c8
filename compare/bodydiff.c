/* bodydiff.c: the structural diff of two JSON bodies that reads into trees
 * only the parts that differ.  Both texts are first checked whole, exactly as
 * jv_parse checks them; then objects are compared member by member in key
 * order (as jdiff walks them), and a member whose text is the same bytes on
 * both sides is equal without being parsed.  Every other member goes to
 * jdiff on the two parsed values, under the member's path, so the
 * differences, their order and their paths are those of jdiff on the trees. */
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cutover/text.h"

/* One member of an object: its key (decoded) and its value's text. */
struct bmember {
    const char *key;
    uint32_t keylen;
    const char *v;
    size_t vn;
    const char *kraw; /* the key as written */
    size_t kn;
    uint32_t pos; /* its place in the text */
    bool plain;   /* the value is a string without escapes */
};

/* Members in text order (to read the other body by) and sorted by key. */
struct bobject {
    struct bmember *text, *sorted;
    uint32_t n;
    bool alike; /* the same keys as like (members_of), so sorted alike */
};

struct bstate {
    const struct jdiff_opts *o; /* the caller's */
    struct jarena *a;
    struct cmp_sortmemo *memo; /* or NULL */
    struct buf *path;          /* the path of the value being compared */
    struct buf *sub;           /* jdiff's own path, under it */
    struct buf *full;          /* path + sub, handed to the caller */
    size_t count;
};

/* JSON's whitespace as bits: one test settles the usual byte (every
 * whitespace byte is at most ' '), a shift and a mask the rest. */
#define WS_MASK (1ULL << ' ' | 1ULL << '\n' | 1ULL << '\r' | 1ULL << '\t')

static bool is_ws(char c)
{
    return (unsigned char)c <= ' ' && ((1ULL << (unsigned char)c) & WS_MASK);
}

static const char *ws(const char *p, const char *end)
{
    while (p < end && is_ws(*p)) p++;
    return p;
}

/* ---- a validating skip: the grammar jv_parse accepts ---- */

static const char *skip(const char *p, const char *end, int depth);

static const char *skip_string(const char *p, const char *end)
{
    bool esc;
    size_t n = jv_str_scan(p + 1, (size_t)(end - p - 1), &esc);
    return n == SIZE_MAX ? NULL : p + 1 + n + 1;
}

static bool digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

static const char *skip_number(const char *p, const char *end)
{
    if (p < end && *p == '-') p++;
    if (!digit(p, end)) return NULL;
    if (*p == '0')
        p++;
    else
        while (digit(p, end)) p++;
    if (p < end && *p == '.') {
        if (!digit(++p, end)) return NULL;
        while (digit(p, end)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!digit(p, end)) return NULL;
        while (digit(p, end)) p++;
    }
    return p;
}

static const char *skip_literal(const char *p, const char *end, const char *w, size_t n)
{
    return (size_t)(end - p) >= n && memcmp(p, w, n) == 0 ? p + n : NULL;
}

/* The items of an array or the members of an object at p ('[' or '{'). */
static const char *skip_container(const char *p, const char *end, int depth)
{
    char close = *p == '{' ? '}' : ']';
    if (depth + 1 > JDIFF_MAX_DEPTH) return NULL;
    p = ws(p + 1, end);
    if (p < end && *p == close) return p + 1;
    for (;;) {
        if (close == '}') {
            if (p >= end || *p != '"' || !(p = skip_string(p, end))) return NULL;
            p = ws(p, end);
            if (p >= end || *p != ':') return NULL;
            p = ws(p + 1, end);
        }
        /* strings, the most items, without the call */
        p = p < end && *p == '"' ? skip_string(p, end) : skip(p, end, depth + 1);
        if (!p) return NULL;
        p = ws(p, end);
        if (p < end && *p == ',') {
            p = ws(p + 1, end);
            continue;
        }
        return p < end && *p == close ? p + 1 : NULL;
    }
}

/* The end of the value at p (no whitespace before it), or NULL when it is
 * not JSON. depth: containers open around it. */
static const char *skip(const char *p, const char *end, int depth)
{
    if (p >= end) return NULL;
    switch (*p) {
    case '{':
    case '[':
        return skip_container(p, end, depth);
    case '"':
        return skip_string(p, end);
    case 't':
        return skip_literal(p, end, "true", 4);
    case 'f':
        return skip_literal(p, end, "false", 5);
    case 'n':
        return skip_literal(p, end, "null", 4);
    default:
        return skip_number(p, end);
    }
}

/* ---- the members of an object ---- */

static int member_cmp(const struct bmember *a, const struct bmember *b)
{
    return jdiff_key_cmp(a->key, a->keylen, b->key, b->keylen);
}

/* Stable, as jv_parse sorts members: duplicated keys keep their order. */
static void sort_members(struct bmember *m, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (member_cmp(&m[i - 1], &m[i]) <= 0) continue;
        struct bmember t = m[i];
        size_t j = i;
        while (j > 0 && member_cmp(&m[j - 1], &t) > 0) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = t;
    }
}

/* The sorted orders of the last objects sorted (a worker's, kept across
 * pairs): the bodies of an endpoint have their keys in the same order, and
 * the same raw keys in the same order sort the same way (decoded keys
 * equal, the sort stable), so an order met before is taken instead of
 * sorting again. Objects of up to MEMO_KEYS keys of MEMO_BYTES bytes. */
#define MEMO_WAYS 4
#define MEMO_KEYS 32
#define MEMO_BYTES 512
struct cmp_sortmemo {
    struct {
        uint32_t k, kn[MEMO_KEYS];
        uint8_t perm[MEMO_KEYS]; /* sorted[i] is text[perm[i]] */
        char keys[MEMO_BYTES];   /* the raw keys, one after another */
    } way[MEMO_WAYS];
    unsigned next; /* the way replaced next */
};

/* m[0..k) in key order into sorted, from the memory when it has these keys
 * in this order (and into it when not). */
static void sort_into(struct cmp_sortmemo *memo, const struct bmember *m, uint32_t k,
                      struct bmember *sorted)
{
    for (unsigned w = 0; memo && k <= MEMO_KEYS && w < MEMO_WAYS; w++) {
        if (memo->way[w].k != k || !k) continue;
        size_t off = 0;
        uint32_t i = 0;
        for (; i < k; i++) {
            size_t kn = memo->way[w].kn[i];
            if (kn != m[i].kn || memcmp(memo->way[w].keys + off, m[i].kraw, kn) != 0) break;
            off += kn;
        }
        if (i < k) continue;
        for (i = 0; i < k; i++) sorted[i] = m[memo->way[w].perm[i]];
        return;
    }
    if (k) memcpy(sorted, m, k * sizeof *m);
    sort_members(sorted, k);
    size_t total = 0;
    for (uint32_t i = 0; i < k && total <= MEMO_BYTES; i++) total += m[i].kn;
    if (!memo || !k || k > MEMO_KEYS || total > MEMO_BYTES) return;
    unsigned w = memo->next;
    memo->next = (w + 1) % MEMO_WAYS;
    memo->way[w].k = k;
    size_t off = 0;
    for (uint32_t i = 0; i < k; i++) {
        memo->way[w].kn[i] = (uint32_t)m[i].kn;
        memcpy(memo->way[w].keys + off, m[i].kraw, m[i].kn);
        off += m[i].kn;
        memo->way[w].perm[i] = (uint8_t)sorted[i].pos;
    }
}

/* Whether like's k-th member has the key whose raw text is key[0..kn). */
static bool same_key(const struct bobject *like, uint32_t k, const char *key, size_t kn)
{
    if (!like || k >= like->n) return false;
    const struct bmember *m = &like->text[k];
    return m->kn == kn && text_eq_short(m->kraw, key, kn);
}

/* Whether the value at p is like's k-th member's (whose key it has) byte
 * for byte: it is then the same valid JSON (checked in like's body, at the
 * same depth) and is not scanned again. Not for a number: "1" is the start
 * of "1.5" (strings, literals and containers end where they end). */
static bool same_value(const struct bobject *like, uint32_t k, const char *p, const char *end)
{
    const struct bmember *m = &like->text[k];
    return (*m->v == '"' || *m->v == '{' || *m->v == '[') && (size_t)(end - p) >= m->vn &&
           memcmp(m->v, p, m->vn) == 0;
}

/* The members of the object at p ('{'); each value is checked (depth:
 * containers open around the object), unless it is the same bytes as the
 * member at the same place in like (NULL: none). *valid false when the
 * object is not JSON; *after gets the byte after it. */
static enum cut_err members_of(struct jarena *a, struct cmp_sortmemo *memo, const char *p,
                               const char *end, int depth, const struct bobject *like,
                               struct bobject *out, const char **after, bool *valid)
{
    uint32_t cap = 16, k = 0;
    bool keys_alike = like != NULL; /* every key so far is like's at its place */
    struct bmember *m = jarena_alloc(a, cap * sizeof *m);
    if (!m) return CUT_ENOMEM;
    *valid = false;
    if (depth + 1 > JDIFF_MAX_DEPTH) return CUT_OK;
    p = ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            if (p >= end || *p != '"') return CUT_OK;
            bool esc;
            size_t kn = jv_str_scan(p + 1, (size_t)(end - p - 1), &esc);
            if (kn == SIZE_MAX || kn > UINT32_MAX - 1) return CUT_OK;
            if (k == cap) {
                struct bmember *v = jarena_alloc(a, 2 * cap * sizeof *v);
                if (!v) return CUT_ENOMEM;
                memcpy(v, m, cap * sizeof *v);
                m = v;
                cap *= 2;
            }
            struct bmember *x = &m[k];
            x->kraw = x->key = p + 1;
            x->kn = x->keylen = (uint32_t)kn;
            x->pos = k;
            if (esc) {
                char *d = jarena_alloc(a, kn + 1);
                if (!d) return CUT_ENOMEM;
                x->keylen = (uint32_t)jv_str_decode(p + 1, kn, d);
                x->key = d;
            }
            p = ws(p + 1 + kn + 1, end);
            if (p >= end || *p != ':') return CUT_OK;
            p = ws(p + 1, end);
            x->v = p;
            bool key_alike = same_key(like, k, x->kraw, x->kn);
            keys_alike = keys_alike && key_alike;
            x->plain = false;
            if (key_alike && same_value(like, k, p, end)) {
                x->plain = like->text[k].plain; /* the same bytes */
                p += like->text[k].vn;
            } else if (p < end && *p == '"') {
                /* a string here, so that whether it is plain is known */
                size_t vn = jv_str_scan(p + 1, (size_t)(end - p - 1), &esc);
                if (vn == SIZE_MAX) return CUT_OK;
                x->plain = !esc && vn <= UINT32_MAX - 1;
                p += vn + 2;
            } else if (!(p = skip(p, end, depth + 1))) {
                return CUT_OK;
            }
            x->vn = (size_t)(p - x->v);
            k++;
            p = ws(p, end);
            if (p < end && *p == ',') {
                p = ws(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return CUT_OK;
        }
    }
    struct bmember *sorted = jarena_alloc(a, (k ? k : 1) * sizeof *sorted);
    if (!sorted) return CUT_ENOMEM;
    bool alike = keys_alike && k == like->n;
    if (alike) {
        /* the same keys in the same order sort the same way */
        for (uint32_t i = 0; i < k; i++) sorted[i] = m[like->sorted[i].pos];
    } else {
        sort_into(memo, m, k, sorted);
    }
    *out = (struct bobject){m, sorted, k, alike};
    *after = p;
    *valid = true;
    return CUT_OK;
}

/* ---- the diff ---- */

#define STOP CUT_ERR_COUNT /* internal: the diff limit was reached */

static enum cut_err full_path(struct bstate *s, const char *sub, size_t n)
{
    buf_reset(s->full);
    enum cut_err e = buf_append(s->full, s->path->data, s->path->len);
    return e || n <= 1 ? e : buf_append(s->full, sub + 1, n - 1); /* sub starts with "$" */
}

static enum cut_err sub_diff(void *ctx, enum jdiff_kind kind, const char *path, size_t n,
                             const struct jv *a, const struct jv *b)
{
    struct bstate *s = ctx;
    enum cut_err e = full_path(s, path, n);
    return e ? e : s->o->on_diff(s->o->ctx, kind, s->full->data, s->full->len, a, b);
}

static bool sub_unordered(void *ctx, const char *path)
{
    struct bstate *s = ctx;
    if (full_path(s, path, strlen(path))) return false;
    return s->o->unordered(s->o->ctx, s->full->data);
}

static enum cut_err parse(struct jarena *a, const char *p, size_t n, struct jv *out)
{
    enum cut_err e = jv_parse(a, p, n, out, NULL);
    return e == CUT_EPARSE ? CUT_EINVAL : e; /* checked already: can't be */
}

/* jdiff on two values, under s->path. */
static enum cut_err tree_diff(struct bstate *s, const struct jv *a, const struct jv *b)
{
    size_t left = s->o->max_diffs ? s->o->max_diffs - s->count : 0;
    if (s->o->max_diffs && left == 0) return STOP;
    struct jdiff_opts o = {s->o->on_diff ? sub_diff : NULL, s->o->unordered ? sub_unordered : NULL,
                           s, left};
    size_t n = 0;
    enum cut_err e = jdiff_reuse(a, b, &o, s->a, s->sub, &n);
    s->count += n;
    if (!e && s->o->max_diffs && s->count >= s->o->max_diffs) e = STOP;
    return e;
}

/* A difference at s->path itself, counted against the limit as jdiff
 * counts it. */
static enum cut_err emit(struct bstate *s, enum jdiff_kind k, const struct jv *a,
                         const struct jv *b)
{
    if (s->o->max_diffs && s->count >= s->o->max_diffs) return STOP;
    s->count++;
    return s->o->on_diff ? s->o->on_diff(s->o->ctx, k, s->path->data, s->path->len, a, b) : CUT_OK;
}

/* One member only one side has. */
static enum cut_err one_side(struct bstate *s, enum jdiff_kind k, const struct bmember *m)
{
    struct jv *v = jarena_alloc(s->a, sizeof *v);
    if (!v) return CUT_ENOMEM;
    enum cut_err e = parse(s->a, m->v, m->vn, v);
    if (e) return e;
    return emit(s, k, k == JDIFF_MISSING ? v : NULL, k == JDIFF_EXTRA ? v : NULL);
}

static enum cut_err object_diff(struct bstate *s, const struct bmember *ma, uint32_t na,
                                const struct bmember *mb, uint32_t nb, bool alike, int depth);

/* A member's value that is a string without escapes, as jv_parse reads
 * it but left where it is (not NUL-terminated: the values handed to
 * on_diff are read by their length): ids and times differ on most pairs,
 * and a parse costs ten times this. Known from members_of, which scanned it. */
static bool plain_string(const struct bmember *m, struct jv *v)
{
    if (!m->plain) return false;
    *v = (struct jv){JV_STR, 0, (uint32_t)(m->vn - 2), {.s = m->v + 1}};
    return true;
}

/* Two values of the same member, texts differing. */
static enum cut_err value_diff(struct bstate *s, const struct bmember *x, const struct bmember *y,
                               int depth)
{
    if (*x->v == '{' && *y->v == '{') {
        struct bobject oa, ob;
        const char *after;
        bool va, vb;
        enum cut_err e =
            members_of(s->a, s->memo, x->v, x->v + x->vn, depth, NULL, &oa, &after, &va);
        if (!e) e = members_of(s->a, s->memo, y->v, y->v + y->vn, depth, &oa, &ob, &after, &vb);
        if (e) return e;
        if (!va || !vb) return CUT_EINVAL; /* checked already: can't be */
        return object_diff(s, oa.sorted, oa.n, ob.sorted, ob.n, ob.alike, depth + 1);
    }
    struct jv *a = jarena_alloc(s->a, 2 * sizeof *a);
    if (!a) return CUT_ENOMEM;
    enum cut_err e = plain_string(x, &a[0]) ? CUT_OK : parse(s->a, x->v, x->vn, &a[0]);
    if (!e && !plain_string(y, &a[1])) e = parse(s->a, y->v, y->vn, &a[1]);
    if (e) return e;
    /* what jdiff's diff_value does first, without setting a diff up */
    if (a[0].type != a[1].type) return emit(s, JDIFF_TYPE, &a[0], &a[1]);
    if (a[0].type != JV_ARR && a[0].type != JV_OBJ)
        return jv_equal(&a[0], &a[1]) ? CUT_OK : emit(s, JDIFF_VALUE, &a[0], &a[1]);
    return tree_diff(s, &a[0], &a[1]);
}

/* The merge walk of jdiff's diff_object, on member texts. alike: the
 * i-th members of both have the same key (then na == nb). */
static enum cut_err object_diff(struct bstate *s, const struct bmember *ma, uint32_t na,
                                const struct bmember *mb, uint32_t nb, bool alike, int depth)
{
    uint32_t i = 0, j = 0;
    enum cut_err e = CUT_OK;
    while (!e && (i < na || j < nb)) {
        const struct bmember *x = i < na ? &ma[i] : NULL, *y = j < nb ? &mb[j] : NULL;
        int c = !x ? 1 : !y ? -1 : alike ? 0 : member_cmp(x, y);
        if (c == 0 && x->vn == y->vn && memcmp(x->v, y->v, x->vn) == 0) {
            i++, j++;
            continue;
        }
        const struct bmember *m = c <= 0 ? x : y;
        size_t mark = s->path->len;
        e = jpath_append_key(s->path, m->key, m->keylen);
        if (!e && c < 0) e = one_side(s, JDIFF_MISSING, x);
        if (!e && c > 0) e = one_side(s, JDIFF_EXTRA, y);
        if (!e && c == 0) e = value_diff(s, x, y, depth);
        buf_truncate(s->path, mark);
        if (c <= 0) i++;
        if (c >= 0) j++;
    }
    return e;
}

/* A whole body: whitespace around one value. *valid false when it is not
 * JSON; else, for an object, its members (like: as members_of). */
static enum cut_err body_of(struct jarena *a, struct cmp_sortmemo *memo, const char *p, size_t n,
                            const struct bobject *like, bool *valid, struct bobject *o, bool *obj)
{
    const char *end = p + n, *after = NULL;
    p = ws(p, end);
    *obj = p < end && *p == '{';
    enum cut_err e = CUT_OK;
    if (*obj)
        e = members_of(a, memo, p, end, 0, like, o, &after, valid);
    else
        *valid = (after = skip(p, end, 0)) != NULL;
    if (!e && *valid) *valid = ws(after, end) == end;
    return e;
}

enum cut_err cmp_body_diff(const char *a, size_t an, const char *b, size_t bn,
                           const struct jdiff_opts *o, struct jarena *ar, struct cmp *c, bool *va,
                           bool *vb, size_t *ndiffs)
{
    struct bobject ma = {NULL, NULL, 0, false}, mb = {NULL, NULL, 0, false};
    bool oa, ob;
    *ndiffs = 0;
    if (!c->sortmemo) c->sortmemo = calloc(1, sizeof *c->sortmemo); /* a hint: none is fine */
    enum cut_err e = body_of(ar, c->sortmemo, a, an, NULL, va, &ma, &oa);
    /* b's members that are a's bytes at the same place need no check */
    if (!e) e = body_of(ar, c->sortmemo, b, bn, *va && oa ? &ma : NULL, vb, &mb, &ob);
    if (e || !*va || !*vb) return e;
    struct bstate s = {o, ar, c->sortmemo, &c->dpath, &c->dsub, &c->dfull, 0};
    buf_reset(s.path);
    e = buf_putc(s.path, '$');
    if (e) return e;
    if (oa && ob) {
        e = object_diff(&s, ma.sorted, ma.n, mb.sorted, mb.n, mb.alike, 1);
    } else {
        struct jv ja, jb;
        e = parse(ar, a, an, &ja);
        if (!e) e = parse(ar, b, bn, &jb);
        if (!e) e = tree_diff(&s, &ja, &jb);
    }
    *ndiffs = s.count;
    return e == STOP ? CUT_OK : e;
}
