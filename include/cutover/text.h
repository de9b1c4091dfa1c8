/* text.h: byte-level text helpers shared by every tool: UTF-8 validation,
 * base64, percent-decoding and case-insensitive comparison of slices. */
#ifndef CUTOVER_TEXT_H
#define CUTOVER_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include "cutover/buf.h"

/* Whether p[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool text_utf8_valid(const void *p, size_t n);
/* Append the base64 of p[0..n) to out. */
enum cut_err text_b64_encode(struct buf *out, const void *p, size_t n);
/* Append the bytes of base64 text s[0..n) to out; whitespace is skipped.
 * CUT_EPARSE on any other non-alphabet byte or bad padding. */
enum cut_err text_b64_decode(struct buf *out, const char *s, size_t n);
/* Append the percent-decoded form of s[0..n) to out; '+' becomes ' ' when
 * plus_is_space. Malformed escapes are copied as they are. */
enum cut_err text_pct_decode(struct buf *out, const char *s, size_t n, bool plus_is_space);
/* ASCII case-insensitive equality of a slice and a C string. */
bool text_ieq(const char *a, size_t alen, const char *b);

#endif
