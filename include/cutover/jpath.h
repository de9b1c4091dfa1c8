/* jpath.h: the small JSONPath subset that names places in JSON bodies,
 * shared by capture (--redact-json), replay (--set-json) and compare
 * (--ignore, --unordered): $.a.b, $.list[3], $.list[*].id, $..id (any
 * depth), $['odd key']. A path is parsed once and then matched against
 * jansson trees or against the concrete paths compare produces. */
#ifndef CUTOVER_JPATH_H
#define CUTOVER_JPATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "cutover/buf.h"
#include "cutover/err.h"

struct jpath;

/* Parse s. On CUT_EPARSE, err says why and at which character. The caller
 * frees *out with jpath_free. */
enum cut_err jpath_parse(const char *s, struct jpath **out, char *err, size_t errlen);
void jpath_free(struct jpath *p);
/* The text the path was parsed from. */
const char *jpath_text(const struct jpath *p);

/* Called for each value the path matches; returns the new value to put in
 * its place (a new reference, which the tree takes) or NULL to leave it. */
typedef json_t *(*jpath_replace_fn)(json_t *old, void *ctx);
/* Visit every match in root (the root itself when the path is "$") and
 * replace it as fn says. Returns how many values were replaced. */
size_t jpath_replace(const struct jpath *p, json_t *root, jpath_replace_fn fn, void *ctx);
/* Number of values in root that the path matches. */
size_t jpath_count(const struct jpath *p, json_t *root);

/* Whether the path matches a concrete path such as "$.results[2].status"
 * (as written by jpath_append_key/jpath_append_index). A pattern matches
 * a concrete path that it names exactly, or any path below it. */
bool jpath_match(const struct jpath *p, const char *concrete);

/* Extend a concrete path being built in b by one step: ".key" (or
 * "['key']" when the key is not a plain identifier) or "[index]". */
enum cut_err jpath_append_key(struct buf *b, const char *key, size_t keylen);
enum cut_err jpath_append_index(struct buf *b, size_t index);
/* Rewrite a concrete path with every [N] turned into [*] (how counted
 * differences are grouped). */
enum cut_err jpath_generalise(const char *concrete, struct buf *out);

#endif
