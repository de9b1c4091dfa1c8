/* gor.h: GoReplay's file format (.gor), read as exchanges.  A file is a
 * sequence of records, each a header line "TYPE ID TIMESTAMP_NS LATENCY_NS"
 * (type 1 request, 2 original response, 3 replayed response) followed by
 * the raw HTTP message, records separated by the line "🐵🙈🙉".  With
 * pairing on, a request waits (within a bounded window) for the type 2
 * record of the same id, so that a GoReplay capture with tracked responses
 * can serve as a baseline; without it, requests come out as they are read. */
#ifndef CUTOVER_GOR_H
#define CUTOVER_GOR_H

#include <stdbool.h>
#include <stddef.h>
#include "cutover/exchange.h"

/* The separator line between records (without its newlines). */
#define GOR_SEPARATOR "\xf0\x9f\x90\xb5\xf0\x9f\x99\x88\xf0\x9f\x99\x89"

/* Requests held waiting for their response before they are given out
 * unpaired. */
#define GOR_PAIR_WINDOW 4096

struct gor_reader;

/* Open path ("-" for stdin). The reader owns the FILE it opens. On CUT_EIO
 * errno says why and *r is NULL. */
enum cut_err gor_reader_open(struct gor_reader **r, const char *path, bool pair);
/* The next request as an exchange (_id is GoReplay's id, started_us its
 * timestamp; with pairing, the response and its latency as wait when the
 * type 2 record was found). CUT_EOF at the end; CUT_EPARSE for a bad record
 * (gor_reader_error says "FILE:LINE: reason"; the next call goes on after
 * it); CUT_EIO on a read error. */
enum cut_err gor_reader_next(struct gor_reader *r, struct exchange *x);
const char *gor_reader_error(const struct gor_reader *r);
/* Records of type 3 (replayed responses) and unpaired type 2 skipped. */
size_t gor_reader_skipped(const struct gor_reader *r);
void gor_reader_free(struct gor_reader *r);

/* Whether p[0..n) starts like a .gor file: "1 ", "2 " or "3 ", a hex id,
 * two decimal numbers, a newline. */
bool gor_sniff(const char *p, size_t n);
/* Parse one record's payload (after the header line): a raw HTTP request
 * into x->req, or a response into x->resp. why gets the reason on
 * CUT_EPARSE. Exposed for tests. */
enum cut_err gor_parse_request(const char *p, size_t n, struct exchange *x, const char **why);
enum cut_err gor_parse_response(const char *p, size_t n, const char *method, struct exchange *x,
                                const char **why);

#endif
