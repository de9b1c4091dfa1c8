/* compare.h: cutover-compare's internal model, shared by its stages
 * (join, endpoint, headers, noise, latency, gate) and the report renderers
 * in reports/.  One struct cmp holds the options and everything counted;
 * the engine fills it pair by pair, cmp_finish decides noise and the gate,
 * and the renderers only read it. */
#ifndef CUTOVER_COMPARE_H
#define CUTOVER_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/buf.h"
#include "cutover/err.h"
#include "cutover/hist.h"
#include "cutover/jdiff.h"
#include "cutover/jpath.h"

#define CMP_VERSION "0.1.0"

/* ---- options ---- */

/* Gate thresholds; NAN means "not set" (in an override: inherit). */
struct cmp_thresholds {
    double min_parity;    /* percent */
    double max_p99_ratio; /* candidate / reference */
    double max_p50_ratio;
    double max_missing; /* percent of baseline exchanges */
    double max_errors;  /* percent of baseline exchanges */
    double min_samples; /* per side, for latency rules */
};

struct cmp_rule {
    char *text;         /* as given: "$.a.b" or "header:Name" */
    struct jpath *path; /* NULL for a header rule */
    char *header;       /* header name for header:NAME, else NULL */
};

struct cmp_rules {
    struct cmp_rule *v;
    size_t n, cap;
};

/* Settings of one endpoint from the config file. */
struct cmp_override {
    char *endpoint; /* "METHOD /template" exactly as reported */
    struct cmp_thresholds th;
    struct cmp_rules ignore, unordered;
};

struct cmp_strings {
    char **v;
    size_t n, cap;
};

struct cmp_opts {
    const char *baseline, *candidate, *secondary;
    struct cmp_thresholds th;
    double alpha, noise_rel, noise_abs;
    bool strict, quiet;
    size_t max_examples;
    size_t max_example_body;
    struct cmp_rules ignore, unordered;
    struct cmp_strings templates; /* --endpoint */
    struct cmp_strings headers;   /* --header: compared besides the defaults */
    struct cmp_override *ov;
    size_t nov;
    const char *json_out, *html_out, *junit_out, *md_out;
};

/* Defaults, empty lists. Can't fail. */
void cmp_opts_init(struct cmp_opts *o);
void cmp_opts_release(struct cmp_opts *o);
/* Add a --ignore/--unordered rule ("$..." or "header:NAME"). */
enum cut_err cmp_rules_add(struct cmp_rules *r, const char *text, char *err, size_t errlen);
void cmp_rules_release(struct cmp_rules *r);
enum cut_err cmp_strings_add(struct cmp_strings *s, const char *text);
void cmp_strings_release(struct cmp_strings *s);
/* Read a --config file (config.c): its settings are added to o (lists
 * appended, values replaced); the caller applies the command line after. */
enum cut_err cmp_config_load(struct cmp_opts *o, const char *path, char *err, size_t errlen);
/* Thresholds all NAN (nothing set). */
void cmp_thresholds_unset(struct cmp_thresholds *t);
/* Copy every set (non-NAN) field of src over dst. */
void cmp_thresholds_apply(struct cmp_thresholds *dst, const struct cmp_thresholds *src);
/* Rules "rule" names and the field of struct cmp_thresholds each sets. */
double *cmp_threshold_field(struct cmp_thresholds *t, const char *name);

/* ---- endpoints (endpoint.c) ---- */

/* Append "METHOD /path/template" for a request to out. Explicit templates
 * ("GET /v1/messages/{id}") are tried first, in order; otherwise id-like
 * path segments (numbers, UUIDs, hex, long tokens) become {id}. The query
 * and fragment are dropped; an absolute-form target loses scheme and host. */
enum cut_err endpoint_name(const struct cmp_strings *templates, const char *method, size_t mlen,
                           const char *target, size_t tlen, struct buf *out);
/* Whether one path segment looks like an identifier. */
bool endpoint_segment_is_id(const char *s, size_t n);

/* ---- the record fields compare needs, read from one line ---- */

/* The value of one compared response header (every value of a repeated
 * header, joined by ", "). */
struct cmp_hval {
    const char *v; /* decoded; may point into the line (not NUL-terminated) */
    size_t n;
    bool present;
};

/* The request member of a record as read: its text, and what was taken
 * from it, so that a record whose request is the same bytes (a replayed
 * exchange) takes it without reading it again. */
struct cmp_req {
    const char *raw; /* NULL when the record had no request object */
    size_t len;
    const char *method, *target, *url; /* url: raw, escapes and all */
    size_t mlen, tlen, ulen;
    bool has_target, has_url, url_esc;
};

/* One element of response.headers as read: its text, and the compared
 * header it gave a value to (hi, -1 for none) with that value decoded. */
struct cmp_hdr {
    const char *raw;
    size_t len;
    int hi;
    const char *v;
    size_t n;
};

/* Every pointer points into the line or into the arena it was read with. */
struct cmp_rec {
    const char *line; /* the whole record: examples parse it again */
    size_t len;
    const char *id;
    size_t idlen;
    const char *method, *target;
    size_t mlen, tlen;
    int status;
    struct cmp_hval *hv; /* one per compared header (cmp_header_names), or NULL */
    /* response.content.text as it is in the line, escapes and all */
    const char *body_raw;
    size_t body_raw_len;
    bool body_esc;
    const char *body; /* decoded by cmp_rec_body; NULL until then */
    size_t body_len;
    bool body_b64, body_truncated;
    const char *mime; /* NULL when absent; not NUL-terminated */
    size_t mime_len;
    double wait_ms;    /* < 0 when unknown */
    double lag_ms;     /* < 0 when absent */
    const char *error; /* _error (raw), or NULL */
    struct cmp_req req;
    /* response.headers' elements, kept by a record read alone (a baseline)
     * so that its pair's same elements need not be read again */
    struct cmp_hdr *hdrs;
    uint32_t nhdrs, caphdrs;
};

/* Read the fields of a record line into r, without building a tree: the
 * values of compared headers hnames[0..nh) are collected, everything else
 * is validated and skipped. Decoded strings go to a (reset by the caller).
 * CUT_EPARSE, with a reason in err, for a line jv_parse would refuse or
 * that lacks _id, method or target. */
enum cut_err cmp_rec_parse(struct jarena *a, const char *line, size_t len,
                           const char *const *hnames, size_t nh, struct cmp_rec *r, char *err,
                           size_t errlen);
/* cmp_rec_parse of a record to be compared, paired with ref (read before,
 * and kept as long as r) or with nothing yet (ref NULL): where r's request
 * is byte for byte ref's, it is not scanned again (the same bytes are the
 * same JSON), and r's request fields are ref's. The response body is
 * decoded as it is scanned (cmp_rec_body's work, done already). */
enum cut_err cmp_rec_parse_like(struct jarena *a, const char *line, size_t len,
                                const char *const *hnames, size_t nh, const struct cmp_rec *ref,
                                struct cmp_rec *r, char *err, size_t errlen);
/* Decode r's response body into a (once); r->body is then set. */
enum cut_err cmp_rec_body(struct jarena *a, struct cmp_rec *r);

/* ---- differences and noise (noise.c) ---- */

enum cmp_where { CMP_STATUS, CMP_HEADER, CMP_BODY };
const char *cmp_where_name(int w);

enum cmp_decision {
    CMP_DIFF,            /* a real difference */
    CMP_NOISE_RULE,      /* an ignore rule */
    CMP_NOISE_SECONDARY, /* as frequent between two legacy runs */
    CMP_NOISE_UNIQUE,    /* a per-exchange unique value kept in shape */
};
const char *cmp_decision_reason(int d); /* "rule", "secondary", "unique" */

/* The shape of a leaf value, for the unique-value layer. */
enum cmp_shape {
    SHAPE_NONE = 0, /* not an id or a time: never noise by this layer */
    SHAPE_UUID,
    SHAPE_ULID,
    SHAPE_HEX,
    SHAPE_TOKEN,
    SHAPE_ISO8601,
    SHAPE_EPOCH_S,
    SHAPE_EPOCH_MS,
    SHAPE_EPOCH_US,
};
/* Whether s[0..n) is a UUID (8-4-4-4-12 hex): an id in a path, noise in a body. */
bool cmp_is_uuid(const char *s, size_t n);
/* Shape and length class of a leaf value; SHAPE_NONE for anything else. */
enum cmp_shape cmp_shape_of(const struct jv *v, uint32_t *lenclass);
const char *cmp_shape_name(int s);

struct cmp_hashset {
    uint64_t *v;
    size_t n, cap;
};

/* One counted difference: endpoint, where, generalised path, kind. */
struct cmp_key {
    uint32_t endpoint;
    uint8_t where, kind, decision;
    char *path;
    uint64_t raw; /* baseline vs candidate: exchanges with it */
    uint64_t sec; /* baseline vs secondary: exchanges with it */
    /* unique-value layer */
    uint64_t occ, shaped, same_shape, dups;
    int shape; /* baseline shape seen; -1 when mixed */
    uint32_t lenclass;
    struct cmp_hashset seen;
    uint64_t seen_limit; /* values whose hash is over it are not kept (sampling) */
    /* examples: indices into cmp.examples, in example order (cmp_ex_before) */
    uint32_t *ex;
    size_t nex;
};

/* A snapshot of one exchange for the reports, bodies capped. */
struct cmp_example {
    char *id;
    uint32_t endpoint;
    char *method, *target;
    struct buf req_headers; /* "Name: value\n" lines */
    struct buf req_body;
    bool req_body_capped;
    int b_status, c_status;
    struct buf b_headers, c_headers;
    struct buf b_body, c_body;
    bool b_capped, c_capped;
    struct cmp_strings paths; /* concrete paths that differ (capped) */
    uint64_t rank;            /* cmp_hash of the id: the order examples are kept in */
    uint32_t refs;            /* keys showing it; at 0 its slot is free for reuse */
};

/* ---- endpoints and latency (latency.c) ---- */

struct cmp_samples {
    double *v;
    size_t n, cap;
};

struct cmp_latency {
    struct hist ref, cand, lag; /* microseconds */
    struct cmp_samples ref_s, cand_s;
    bool computed;
    double ref_p[5], cand_p[5];  /* p50 p90 p99 p99.9 max, ms */
    double p50_ratio, p99_ratio; /* NAN when undefined */
    double p_value;              /* NAN when not computed */
    double u;
};

struct cmp_endpoint {
    char *name;
    uint64_t exchanges, compared, matched, mismatched, missing, extra, errors;
    uint64_t status_mismatch;
    const struct cmp_override *ov;
    struct cmp_latency lat;
    uint32_t first; /* its index in the order first seen (cmp_finish sorts) */
};

/* ---- gate (gate.c) ---- */

struct cmp_gate_row {
    char *rule;               /* "min-parity", ... */
    char *scope;              /* "overall" or an endpoint */
    double threshold, actual; /* actual NAN when not applicable */
    double p_value;           /* latency rules; NAN otherwise */
    bool passed;
    const char *note; /* static text or NULL */
};

/* ---- a small hash map of byte strings to indices (map.c) ---- */

struct cmp_map_slot {
    uint64_t h;
    char *key; /* NULL: empty slot */
    size_t len;
    uint32_t val;
};

struct cmp_map {
    struct cmp_map_slot *s;
    size_t n, cap;
};

uint64_t cmp_hash(const void *p, size_t n);
/* The value stored under key, or (when absent) store newval and set *added.
 * The map keeps a copy of the key. */
enum cut_err cmp_map_put(struct cmp_map *m, const void *key, size_t len, uint32_t newval,
                         uint32_t *out, bool *added);
/* The slot of key, or NULL. */
const struct cmp_map_slot *cmp_map_get(const struct cmp_map *m, const void *key, size_t len);
void cmp_map_release(struct cmp_map *m);

/* What a concrete path comes to: an ignore rule covers it; generalised. */
struct cmp_pathinfo {
    bool rule;
    char *gpath;
    size_t glen;
};

/* A distinct set of keys that exchanges had: counted once per pattern. */
struct cmp_sig {
    uint32_t *keys;
    uint32_t n, ep;
    uint64_t count;
};

/* ---- one record or pair, compared in two halves ---- */

struct cmp;

/* A difference found while comparing a pair, kept to be counted later in
 * the pair's order (the values and path live in the item's arena). */
struct cmp_event {
    uint8_t where, kind;
    const char *path;
    const struct jv *a, *b; /* only while it is prepared; NULL once recorded */
    /* worked out where it was found (noise.c), so that counting it is
     * little more than finding its key */
    bool rule;         /* an ignore rule covers it */
    bool shaped;       /* a value change: sa, sb, la, lb, ha are set */
    uint8_t sa, sb;    /* enum cmp_shape of a and b */
    uint32_t la, lb;   /* their length classes */
    uint64_t ha;       /* jv_hash(a) when sa is a shape */
    const char *gpath; /* the generalised path */
    size_t glen;
    bool gkept; /* gpath is a remembered answer's: its address names it until
                 * the pathinfo of the cmp that made it is released */
};

enum { CMP_ITEM_PAIR, CMP_ITEM_MISSING, CMP_ITEM_EXTRA };

/* The work on one pair (or one-sided record) that needs nothing but the
 * options: reading the records and diffing them. cmp_item_apply then
 * counts it into struct cmp. Everything points into the lines or the
 * arena the item was worked in. */
struct cmp_item {
    uint8_t what;
    const char *bl, *cl, *sl; /* sl NULL without a secondary record */
    size_t bn, cn, sn;
    enum cut_err err; /* of the work: CUT_EPARSE for a bad record */
    struct cmp_rec b, x, s;
    const char *ep; /* endpoint name */
    size_t eplen;
    bool errored;  /* the candidate has no response: not compared */
    bool with_sec; /* baseline/secondary events follow nev0 */
    uint32_t capped;
    struct cmp_event *ev;
    size_t nev, nev0, capev;
};

/* The first half, safe on any thread with its own w (cmp_worker_init).
 * Its result is in it (it->err); the return is a fault (out of memory). */
enum cut_err cmp_item_work(struct cmp *w, struct jarena *a, struct cmp_item *it);
/* The second half, in the items' order: endpoints, counts, differences,
 * examples, latency. a is the arena it was worked in. Returns it->err. */
enum cut_err cmp_item_apply(struct cmp *c, struct jarena *a, struct cmp_item *it);
/* A struct cmp for cmp_item_work on another thread: it shares c's options
 * and compared-header names (c must have them: cmp_header_names). */
enum cut_err cmp_worker_init(struct cmp *w, struct cmp *c);

/* workers.c: cmp_item_work on a pool of threads, cmp_item_apply in the
 * order items were added, on the caller's thread. */
struct cmp_pool;
/* Called (on the caller's thread) for each item whose record could not be
 * read, in order, after it was counted in c->bad_lines. */
typedef void (*cmp_pool_bad_fn)(void *ctx, int what);
/* threads 0: everything on the caller's thread. */
enum cut_err cmp_pool_new(struct cmp_pool **p, struct cmp *c, int threads, cmp_pool_bad_fn on_bad,
                          void *ctx);
/* Bits of cmp_pool_add's keep: that line stays valid, unchanged, until
 * the pool is drained (a mapped input), so it is not copied. */
#define CMP_KEEP_B 1u
#define CMP_KEEP_C 2u
#define CMP_KEEP_S 4u
/* Add an item (CMP_ITEM_*); returns a fault met on the way, if any. Lines
 * are copied, except those keep (CMP_KEEP_*) says the caller keeps. */
enum cut_err cmp_pool_add(struct cmp_pool *p, int what, const char *bl, size_t bn, const char *cl,
                          size_t cn, const char *sl, size_t sn, unsigned keep);
/* Apply everything still pending. */
enum cut_err cmp_pool_drain(struct cmp_pool *p);
void cmp_pool_free(struct cmp_pool *p);

/* ---- the whole comparison ---- */

struct cmp_epmemo;
struct cmp_keymemo;
struct cmp_sortmemo;

struct cmp {
    struct cmp_opts *o;
    struct cmp_endpoint *eps;
    size_t neps, capeps;
    struct cmp_map ep_index;
    struct {
        uint32_t ep;
        size_t len; /* of its name, which holds no NUL */
    } ep_recent[4]; /* the last endpoints cmp_endpoint_get found */
    unsigned nep_recent, ep_recent_next;
    struct cmp_key *keys;
    size_t nkeys, capkeys;
    struct cmp_map key_index;
    struct cmp_example *examples; /* slots; those with refs 0 are free */
    size_t nexamples, capexamples;
    uint32_t *free_ex; /* free example slots */
    size_t nfree_ex, capfree_ex;
    struct cmp_map sig_index;
    struct cmp_sig *sigs;
    size_t nsigs, capsigs;
    /* totals */
    uint64_t exchanges, compared, matched, mismatched, missing, extra, errors;
    uint64_t dup_baseline, dup_candidate, dup_secondary, secondary_missing, bad_lines;
    uint64_t diff_capped; /* bodies whose diff stopped at the cap */
    struct cmp_gate_row *gate;
    size_t ngate, capgate;
    bool passed;
    double parity;
    char started[32]; /* ISO-8601 UTC */
    double elapsed_s;
    /* scratch for the pair being processed (engine.c) */
    uint32_t *cur;
    size_t ncur, capcur;
    int mode; /* 0: baseline/candidate, 1: baseline/secondary */
    uint32_t cur_ep;
    int32_t cur_example; /* example made for this pair, or -1 */
    uint64_t cur_rank;   /* the pair's example rank, when cur_ranked */
    bool cur_ranked;
    const struct cmp_rec *cur_b, *cur_c;
    struct buf kbuf, gpath; /* scratch of cmp_note */
    struct jarena *arena;   /* the pair's records and bodies live here */
    /* compared headers (headers.c): names, and the normaliser of each */
    const char **hnames;
    uint8_t *hnorm;
    size_t nhnames;
    bool hready;
    struct buf htmp[5];        /* scratch of cmp_headers */
    struct cmp_map rule_cache; /* noise.c: answers per concrete path (pinfo index) */
    struct cmp_pathinfo *pinfo;
    size_t npinfo, cappinfo;
    struct cmp_item *rec;              /* cmp_note records here instead (work half) */
    const struct cmp_override *cur_ov; /* the pair's endpoint's override (work half) */
    struct cmp_epmemo *epmemo;         /* engine.c: endpoint names met (work half), or NULL */
    struct cmp_keymemo *keymemo;       /* noise.c: keys of remembered paths (count half), or NULL */
    struct cmp_sortmemo *sortmemo;     /* bodydiff.c: member orders met (work half), or NULL */
    struct buf dpath;                  /* the body diff's path buffer */
    struct buf dsub, dfull;            /* bodydiff.c: jdiff's path under dpath, and both */
};

enum cut_err cmp_init(struct cmp *c, struct cmp_opts *o);
void cmp_release(struct cmp *c);
/* Index of the endpoint named name[0..n), created when new. */
enum cut_err cmp_endpoint_get(struct cmp *c, const char *name, size_t n, uint32_t *out);

/* ---- join (join.c) ---- */

/* keep: CMP_KEEP_* bits of the lines that stay valid until the join's
 * end (sink.end) rather than only until the callback returns. */
typedef enum cut_err (*join_pair_fn)(void *ctx, const char *bl, size_t bn, const char *cl,
                                     size_t cn, const char *sl, size_t sn, unsigned keep);
typedef enum cut_err (*join_one_fn)(void *ctx, const char *line, size_t n, unsigned keep);

/* Where the join hands its records. A CUT_EPARSE from a callback counts
 * the record as bad and goes on; any other error stops the join. */
struct join_sink {
    join_pair_fn pair;   /* sl is NULL when there is no secondary record */
    join_one_fn missing; /* baseline only */
    join_one_fn extra;   /* candidate only */
    void *ctx;
    /* Called once after the last record, while kept lines are still valid:
     * the sink is done with them when it returns. May be NULL. */
    enum cut_err (*end)(void *ctx);
};

struct join_stats {
    uint64_t dup_baseline, dup_candidate, dup_secondary;
    uint64_t secondary_missing, bad_lines, torn;
    bool streamed_baseline; /* the baseline was streamed, the candidate indexed */
};

/* Count a bad record in st, with a warning for the first few. */
void join_warn_bad(struct join_stats *st, const char *what);
/* Join baseline and candidate (and secondary, may be NULL) by _id in
 * bounded memory: one side is streamed, the other indexed by offset (a
 * pipe is first spooled to an unlinked temporary file); HAR documents are
 * converted to JSON Lines first. err gets "FILE: reason" on failure. */
enum cut_err join_run(const char *base, const char *cand, const char *sec,
                      const struct join_sink *sink, struct join_stats *st, char *err,
                      size_t errlen);
/* The _id of a record line, without parsing when "_id" comes first (as
 * the writer puts it); a falls back to a full parse. */
enum cut_err join_line_id(struct jarena *a, const char *line, size_t n, const char **id,
                          size_t *idlen);

/* engine.c: one joined pair (s may be NULL), or a one-sided record. */
enum cut_err cmp_pair(struct cmp *c, struct jarena *a, const char *bl, size_t bn, const char *cl,
                      size_t cn, const char *sl, size_t sn, char *err, size_t errlen);
enum cut_err cmp_missing(struct cmp *c, struct jarena *a, const char *bl, size_t bn);
enum cut_err cmp_extra(struct cmp *c, struct jarena *a, const char *cl, size_t cn);
/* Compare status, compared headers and bodies of b and cand, reporting
 * each difference through cmp_note (used for candidate and secondary). */
enum cut_err cmp_records(struct cmp *c, struct cmp_rec *b, struct cmp_rec *cand);

/* bodydiff.c: diff JSON bodies a and b as jv_parse and jdiff_reuse would
 * (differences through o, paths from "$"), reading into trees (in ar) only
 * the members whose texts differ. A string value o->on_diff gets may point
 * into a or b, not NUL-terminated: read values by their length. *va, *vb: whether each is JSON;
 * when either is not, nothing is diffed. *ndiffs: differences found. Uses c's path buffers. */
enum cut_err cmp_body_diff(const char *a, size_t an, const char *b, size_t bn,
                           const struct jdiff_opts *o, struct jarena *ar, struct cmp *c, bool *va,
                           bool *vb, size_t *ndiffs);

/* headers.c: the names of the compared response headers (the defaults,
 * then each --header that is not one of them), built once from c->o. */
enum cut_err cmp_header_names(struct cmp *c, const char *const **names, size_t *n);
/* Compare the compared headers of two records read with those names. */
enum cut_err cmp_headers(struct cmp *c, const struct cmp_rec *b, const struct cmp_rec *x);
/* The media type of a Content-Type value, lowercased, into out. */
enum cut_err cmp_media_type(const char *v, size_t n, struct buf *out);

/* noise.c */
/* Note one difference of the current pair at a concrete path ("status",
 * "header:Name" or a JSON path). a and b are the values, when JSON. */
enum cut_err cmp_note(struct cmp *c, enum cmp_where where, enum jdiff_kind kind,
                      const char *concrete, const struct jv *a, const struct jv *b);
/* Free the answers noise.c remembered per concrete path (every struct cmp
 * that noted differences, workers included). */
void cmp_pathinfo_release(struct cmp *c);
/* Count a difference recorded by cmp_note in the work half. */
enum cut_err cmp_note_event(struct cmp *c, const struct cmp_event *ev);
/* Begin / end one pair's differences (the end records its signature). */
void cmp_pair_begin(struct cmp *c, uint32_t ep, int mode);
enum cut_err cmp_pair_end(struct cmp *c);
/* Decide every key's fate, then matched/mismatched per endpoint. */
enum cut_err cmp_noise_decide(struct cmp *c);
/* Snapshot the current pair as an example (refs 0, rank unset); *idx
 * gets its index (a free slot is reused). */
enum cut_err cmp_example_make(struct cmp *c, uint32_t *idx);
/* The concrete paths of the current pair's differences ev[0..n) onto its
 * example, if one was made (noise.c). */
enum cut_err cmp_example_paths(struct cmp *c, const struct cmp_event *ev, size_t n);
/* One key less shows example i; at none its memory is freed. */
enum cut_err cmp_example_unref(struct cmp *c, uint32_t i);
void cmp_example_release(struct cmp_example *x);
/* Whether rule list r (and the endpoint override's) ignores a path. */
bool cmp_rule_hit(const struct cmp_rules *r, enum cmp_where where, const char *concrete);

/* latency.c */
enum cut_err cmp_latency_add(struct cmp_latency *l, double ref_ms, double cand_ms, double lag_ms);
/* Percentiles, ratios and the Mann-Whitney p-value. */
enum cut_err cmp_latency_compute(struct cmp_latency *l);
void cmp_latency_release(struct cmp_latency *l);

/* gate.c */
enum cut_err cmp_gate_run(struct cmp *c);
/* Effective thresholds for an endpoint (override over global). */
struct cmp_thresholds cmp_thresholds_for(const struct cmp *c, const struct cmp_endpoint *ep);

/* cmp_finish (engine.c): latency, noise, totals, gate. */
enum cut_err cmp_finish(struct cmp *c);

/* ---- reports (reports/) ---- */

/* Each writes its file with mode 0600; path "-" is stdout. */
enum cut_err report_json(const struct cmp *c, const char *path);
enum cut_err report_json_buf(const struct cmp *c, struct buf *out);
enum cut_err report_html(const struct cmp *c, const char *path);
enum cut_err report_junit(const struct cmp *c, const char *path);
enum cut_err report_markdown(const struct cmp *c, const char *path);
/* Sorted views for the renderers: key indices of real differences (or of
 * noise), most frequent first. Caller frees. */
uint32_t *report_keys_sorted(const struct cmp *c, bool noise, size_t *n);
/* Write b to path with outfile (0600). */
enum cut_err report_write(const char *path, const struct buf *b);

#endif
