/* jsonw.h: a JSON writer that escapes straight into a struct buf, for the
 * hot paths (capture's and replay's writers) where building a jansson tree
 * per record would cost more than the rest of the work. The caller writes
 * the punctuation; these write one value each. */
#ifndef CUTOVER_JSONW_H
#define CUTOVER_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include "cutover/buf.h"

/* A quoted JSON string for p[0..n). Well-formed UTF-8 is copied; any byte
 * that is not part of it is written as the code point of the same value
 * (\u00XX), so the output is always valid JSON. */
enum cut_err jsonw_str(struct buf *b, const void *p, size_t n);
/* Same when p[0..n) is well-formed UTF-8; otherwise writes nothing and
 * returns CUT_EPARSE (the caller writes the bytes another way, as base64).
 * One pass where a UTF-8 check and jsonw_str would take two. */
enum cut_err jsonw_utf8(struct buf *b, const void *p, size_t n);
/* Same as jsonw_str, for a C string; NULL writes null. */
enum cut_err jsonw_cstr(struct buf *b, const char *s);
/* The object {"name":…,"value":…} of the two strings (HAR's headers,
 * query strings and cookies), written as jsonw_str writes each. */
enum cut_err jsonw_name_value(struct buf *b, const char *name, size_t nlen, const char *value,
                              size_t vlen);
/* A quoted key and the colon: "key": */
enum cut_err jsonw_key(struct buf *b, const char *key);
enum cut_err jsonw_i64(struct buf *b, int64_t v);
enum cut_err jsonw_u64(struct buf *b, uint64_t v);
/* A number with up to 3 decimals (milliseconds); non-finite writes -1. */
enum cut_err jsonw_ms(struct buf *b, double v);
/* A double, shortest form that round-trips ("%.17g" trimmed). */
enum cut_err jsonw_double(struct buf *b, double v);
/* An ISO-8601 UTC timestamp with microseconds from epoch microseconds. */
enum cut_err jsonw_time(struct buf *b, int64_t epoch_us);

#endif
