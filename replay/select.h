/* select.h: which input records a replay sends: --include/--exclude by
 * method and path glob, --sample PCT and --shard K/N (both stable by a hash
 * of the record's _id, so every run and every machine agrees), --limit N. */
#ifndef CUTOVER_REPLAY_SELECT_H
#define CUTOVER_REPLAY_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/err.h"

struct select_rule {
    char *method; /* fnmatch pattern, case-insensitive; "*" for any */
    char *glob;   /* fnmatch pattern on the path (query excluded) */
};

struct selector {
    struct select_rule *inc, *exc;
    size_t ninc, nexc;
    double sample_pct; /* 100: everything */
    unsigned shard_k;  /* 1..shard_n; shard_n 0: no sharding */
    unsigned shard_n;
    uint64_t limit; /* 0: none */
    uint64_t kept;  /* records kept so far (what --limit counts) */
};

enum select_verdict { SELECT_KEEP, SELECT_SKIP, SELECT_STOP };

/* Everything kept, no limit. Can't fail. */
void select_init(struct selector *s);
void select_release(struct selector *s);
/* Add "METHOD PATHGLOB", "PATHGLOB" (starts with '/' or '*') or "METHOD". */
enum cut_err select_add_rule(struct selector *s, bool include, const char *spec);
/* Parse "K/N" with 1 <= K <= N. */
enum cut_err select_parse_shard(const char *spec, unsigned *k, unsigned *n);
/* FNV-1a 64 of p[0..n). */
uint64_t select_hash(const void *p, size_t n);
/* Whether a record whose id hashes to h belongs to shard k of n (1-based):
 * exactly one k in 1..n answers true for any h. */
bool select_in_shard(uint64_t h, unsigned k, unsigned n);
/* Whether h falls in the first pct percent (a hash-mixed share, independent
 * of the shard). */
bool select_in_sample(uint64_t h, double pct);
/* Whether method and path pass the include and exclude rules. */
bool select_match(const struct selector *s, const char *method, const char *path, size_t pathlen);
/* The verdict on one record; counts kept ones. target is the request-target
 * (path and query). SELECT_STOP once --limit records were kept. */
enum select_verdict select_record(struct selector *s, const char *id, const char *method,
                                  const char *target);
/* Forget the kept count (a new --loop pass replays the same records). */
void select_new_pass(struct selector *s);

#endif
