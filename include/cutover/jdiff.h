/* jdiff.h: a small JSON reader into an arena, and the structural diff that
 * compare runs on response bodies.  The reader keeps numbers as their text
 * (so 12345678901234567890 stays exact and 1, 1.0 and 1e0 compare equal by
 * decimal value), unescapes strings, and allocates nothing per node: one
 * arena per document pair, reset between pairs.  The diff ignores object
 * key order, compares arrays in order (or as multisets where asked) and
 * calls back once per difference with a concrete path ($.a[2].b). */
#ifndef CUTOVER_JDIFF_H
#define CUTOVER_JDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "cutover/buf.h"
#include "cutover/err.h"

/* ---- arena ---- */

struct jarena_chunk;
struct jarena {
    struct jarena_chunk *head; /* current chunk; older ones linked behind */
    char *cur;                 /* the head's first free byte (private) */
    size_t left;               /* what jarena_alloc may take from cur (0 with a cap) */
    size_t total;              /* bytes handed out since the last reset */
    size_t max;                /* 0: no cap; else CUT_ELIMIT past it */
    void *scratch;             /* the parser's reusable stacks (private) */
    size_t scratch_cap;
};

/* Initialise with a cap on total bytes (0: none). Allocates nothing. */
void jarena_init(struct jarena *a, size_t max);
/* Forget every allocation but keep the first chunk's memory. Can't fail. */
void jarena_reset(struct jarena *a);
void jarena_release(struct jarena *a);
/* jarena_alloc's own way (private): n already a multiple of 8. */
void *jarena_alloc_slow(struct jarena *a, size_t n);
/* n bytes aligned to 8, or NULL (out of memory or over the cap). Inline
 * while the current chunk has room (half a million calls a run of compare
 * on 20,000 pairs; a cap sends every call the checked way). */
static inline void *jarena_alloc(struct jarena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n == 0) n = 8;
    if (n > a->left) return jarena_alloc_slow(a, n);
    void *p = a->cur;
    a->cur += n;
    a->left -= n;
    a->total += n;
    return p;
}
/* Give back the end of p, the last allocation (of n bytes), keeping its
 * first keep bytes: for a buffer sized before its content was known. Does
 * nothing when p is not the last allocation. Can't fail. */
void jarena_shrink(struct jarena *a, void *p, size_t n, size_t keep);

/* ---- values ---- */

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jmember;

/* One value; every pointer points into the arena it was parsed into. */
struct jv {
    uint8_t type; /* enum jv_type */
    uint8_t b;    /* JV_BOOL: 0 or 1 */
    uint32_t n;   /* JV_STR/JV_NUM: bytes; JV_ARR/JV_OBJ: elements */
    union {
        const char *s;       /* JV_STR: unescaped UTF-8 (NUL-terminated); JV_NUM: text */
        struct jv *items;    /* JV_ARR */
        struct jmember *mem; /* JV_OBJ, sorted by key bytes (stable) */
    } u;
};

struct jmember {
    const char *key; /* unescaped, NUL-terminated */
    uint32_t keylen;
    struct jv val;
};

#define JDIFF_MAX_DEPTH 512

/* Parse p[0..n) (RFC 8259; surrounding whitespace allowed) into *out, with
 * every node in a. Object members are sorted by key, so that equality,
 * hashing and the diff are merge walks. CUT_EPARSE for malformed text or nesting deeper than
 * JDIFF_MAX_DEPTH (*errpos then holds the byte offset, when non-NULL),
 * CUT_ENOMEM / CUT_ELIMIT when the arena is exhausted. */
enum cut_err jv_parse(struct jarena *a, const char *p, size_t n, struct jv *out, size_t *errpos);

/* The raw body of a JSON string: p[0..n) starts just after its opening
 * quote. Returns the offset of the closing quote, having checked every
 * escape and refused control characters exactly as jv_parse does; SIZE_MAX
 * when the string is malformed or unterminated. *esc tells whether it holds
 * an escape. Scans a word at a time: this is the hot loop of compare. */
size_t jv_str_scan(const char *p, size_t n, bool *esc);
/* Decode a raw string body that jv_str_scan accepted into out, which has
 * room for n bytes (decoding never lengthens). Returns the decoded length;
 * out is not NUL-terminated. Can't fail. */
size_t jv_str_decode(const char *raw, size_t n, char *out);

/* Member key of object o, or NULL (first one when duplicated). */
const struct jv *jv_get(const struct jv *o, const char *key);
/* String value of member key of o, or NULL when absent or not a string. */
const char *jv_str(const struct jv *o, const char *key, size_t *len);
/* Number value of member key of o as a double, or dflt. */
double jv_num(const struct jv *o, const char *key, double dflt);

/* Numbers by decimal value: "1", "1.0", "1e0", "10E-1" are equal; "-0" and
 * "0" are equal; no rounding ever happens, however long the digits. */
bool jv_num_equal(const char *a, size_t alen, const char *b, size_t blen);
/* Deep equality: keys unordered, numbers by value, arrays in order. */
bool jv_equal(const struct jv *a, const struct jv *b);
/* A hash consistent with jv_equal. */
uint64_t jv_hash(const struct jv *v);
/* Name of a type for messages ("object", "number", ...). */
const char *jv_type_name(int type);

/* ---- diff ---- */

enum jdiff_kind { JDIFF_VALUE, JDIFF_TYPE, JDIFF_MISSING, JDIFF_EXTRA, JDIFF_ORDER };
/* "value", "type", "missing", "extra", "order". */
const char *jdiff_kind_name(enum jdiff_kind k);

/* One difference at concrete path path[0..pathlen) (NUL-terminated).
 * a is the baseline's value (NULL for JDIFF_EXTRA), b the candidate's
 * (NULL for JDIFF_MISSING). A non-CUT_OK return stops the diff. */
typedef enum cut_err (*jdiff_fn)(void *ctx, enum jdiff_kind kind, const char *path, size_t pathlen,
                                 const struct jv *a, const struct jv *b);
/* Whether the array at concrete path is compared as a multiset. */
typedef bool (*jdiff_unordered_fn)(void *ctx, const char *path);

struct jdiff_opts {
    jdiff_fn on_diff;
    jdiff_unordered_fn unordered; /* NULL: every array is ordered */
    void *ctx;
    size_t max_diffs; /* stop after this many callbacks (0: no limit) */
};

/* Diff a (baseline) against b (candidate), starting at path "$". An ordered
 * array whose elements are the same multiset in another order gives one
 * JDIFF_ORDER at the array's path; other arrays are compared element by
 * element, with the tail as missing/extra. An unordered array compares as
 * a multiset: unmatched elements are paired in order and diffed below
 * "[i]" (i: the baseline's index), the rest are missing/extra.
 * *ndiffs (when non-NULL) gets the number of differences found. */
enum cut_err jdiff(const struct jv *a, const struct jv *b, const struct jdiff_opts *o,
                   size_t *ndiffs);
/* jdiff for a caller that diffs many documents: scratch memory comes from
 * the caller's arena (which the caller resets) and the path is built in
 * the caller's buffer, instead of both being allocated per call. */
enum cut_err jdiff_reuse(const struct jv *a, const struct jv *b, const struct jdiff_opts *o,
                         struct jarena *scratch, struct buf *path, size_t *ndiffs);

/* The order of object keys (their unescaped bytes): the tree parser and
 * compare's member-wise body diff must sort members alike. Most keys
 * differ in their first byte, settled without a call. */
static inline int jdiff_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen && blen && a[0] != b[0]) return (unsigned char)a[0] < (unsigned char)b[0] ? -1 : 1;
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return alen < blen ? -1 : alen > blen;
}

#endif
