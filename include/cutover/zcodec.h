/* zcodec.h: Content-Encoding gzip and deflate through zlib, decoding with an
 * output cap so that a decompression bomb stops at a counted limit.  For
 * "deflate" both the zlib-wrapped form (RFC 1950, what the RFC means) and
 * raw deflate (RFC 1951, what some servers send) are accepted. */
#ifndef CUTOVER_ZCODEC_H
#define CUTOVER_ZCODEC_H

#include <stdbool.h>
#include <stddef.h>
#include "cutover/buf.h"
#include "cutover/err.h"

enum zcodec_kind {
    ZCODEC_IDENTITY = 0,
    ZCODEC_GZIP,    /* gzip, x-gzip; several concatenated members accepted */
    ZCODEC_DEFLATE, /* zlib-wrapped or raw deflate */
};

/* The kind named by a Content-Encoding value s[0..n) (case-insensitive,
 * surrounding whitespace ignored): "gzip"/"x-gzip", "deflate", "identity"
 * or empty. false for anything else (br, compress, a list of several). */
bool zcodec_from_name(const char *s, size_t n, enum zcodec_kind *out);
/* The Content-Encoding name of kind ("gzip", "deflate", "identity"). */
const char *zcodec_name(enum zcodec_kind kind);

/* Decode in[0..n) and append the result to out. At most max_out bytes are
 * appended (0: no cap): past it, CUT_ELIMIT, with out holding the first
 * max_out bytes. CUT_EPARSE for corrupt data, CUT_ETRUNC when the stream
 * ends early (out holds what decoded), CUT_ENOMEM. ZCODEC_IDENTITY copies. */
enum cut_err zcodec_decode(enum zcodec_kind kind, const void *in, size_t n, struct buf *out,
                           size_t max_out);
/* Encode in[0..n) with kind (deflate: zlib-wrapped) and append to out; for
 * tests and the simulator. */
enum cut_err zcodec_encode(enum zcodec_kind kind, const void *in, size_t n, struct buf *out);

#endif
