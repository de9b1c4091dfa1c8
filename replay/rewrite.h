/* rewrite.h: what replay changes in a recorded request before sending it:
 * the target (scheme, host and port replaced; path and query kept), the Host
 * header, hop-by-hop headers, --set-header/--drop-header, --rewrite-path,
 * --set-json and the marker header that tells the candidate the request is
 * shadow traffic. */
#ifndef CUTOVER_REPLAY_REWRITE_H
#define CUTOVER_REPLAY_REWRITE_H

#include <jansson.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include "cutover/buf.h"
#include "cutover/exchange.h"
#include "cutover/jpath.h"

/* Where requests go: built from -t URL (or --secondary URL). */
struct rewrite_target {
    char *base;      /* "scheme://host[:port]", no trailing slash */
    char *authority; /* "host[:port]" as the Host header carries it */
    char *prefix;    /* path of the URL without its trailing '/', "" for none */
    size_t base_len, authority_len, prefix_len; /* their strlen: used per request */
    bool https;
};

struct rewrite_path_rule {
    regex_t re;
    char *repl; /* \0..\9 name groups, \\ is a backslash */
};

struct rewrite_json_rule {
    struct jpath *path;
    json_t *value;
};

struct rewrite {
    bool preserve_host;
    struct headers set; /* --set-header, applied in order */
    char **drop;        /* --drop-header names */
    size_t ndrop;
    struct rewrite_path_rule *paths;
    size_t npaths;
    struct rewrite_json_rule *jsons;
    size_t njsons;
    char *mark_name, *mark_value;
    /* counters */
    unsigned long long json_rewritten; /* bodies changed by --set-json */
    unsigned long long json_not_json;  /* bodies --set-json left alone: not JSON */
    struct buf scratch;
};

/* Empty rewrite with the default marker name and no value yet. */
enum cut_err rewrite_init(struct rewrite *rw);
void rewrite_release(struct rewrite *rw);

/* Parse an http or https URL into t. On CUT_EINVAL err says why. */
enum cut_err rewrite_target_parse(struct rewrite_target *t, const char *url, char *err,
                                  size_t errlen);
void rewrite_target_release(struct rewrite_target *t);

/* "Name: value" (value may be empty). */
enum cut_err rewrite_add_set_header(struct rewrite *rw, const char *spec);
enum cut_err rewrite_add_drop_header(struct rewrite *rw, const char *name);
/* "REGEX=REPLACEMENT" split at the first '=' not preceded by a backslash
 * ("\=" in REGEX stands for '='). POSIX extended regex. */
enum cut_err rewrite_add_path(struct rewrite *rw, const char *spec, char *err, size_t errlen);
/* "PATH=VALUE": VALUE is JSON if it parses as JSON, else a string. */
enum cut_err rewrite_add_json(struct rewrite *rw, const char *spec, char *err, size_t errlen);
/* "Name" (value: run_id) or "Name: value". */
enum cut_err rewrite_set_mark(struct rewrite *rw, const char *spec, const char *run_id);

/* The target-independent part: path rules, --set-json, hop-by-hop removal,
 * --drop-header, --set-header, the marker header. req->target becomes
 * origin-form (path and query). */
enum cut_err rewrite_request(struct rewrite *rw, struct http_request *req);
/* Point req at t: req->url becomes t's base + prefix + target, and Host
 * becomes t's authority unless preserve_host. */
enum cut_err rewrite_for_target(const struct rewrite *rw, const struct rewrite_target *t,
                                struct http_request *req);

/* Apply the path rules to path[0..n), result in out (exposed for tests). */
enum cut_err rewrite_path(const struct rewrite *rw, const char *path, size_t n, struct buf *out);
/* Whether a header name is hop-by-hop or recomputed by the sender. */
bool rewrite_is_hop_header(const char *name);

#endif
