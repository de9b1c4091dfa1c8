/* har.h: the exchange record codec.  One exchange is one HAR 1.2 entry on
 * one line of JSON (JSON Lines); the _-prefixed extension fields carry what
 * HAR has no place for (see docs/record.md).  The writer escapes straight
 * into a buffer; the reader streams a file line by line with a bounded line
 * length, and also accepts a whole HAR document ({"log":{"entries":[…]}}). */
#ifndef CUTOVER_HAR_H
#define CUTOVER_HAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "cutover/buf.h"
#include "cutover/exchange.h"

#define HAR_DEFAULT_MAX_LINE ((size_t)256 << 20)

/* Append x as one HAR entry (a JSON object, no newline) to out. The _id
 * field comes first so that a reader can find it without parsing. */
enum cut_err har_write_entry(struct buf *out, const struct exchange *x);

/* Append the opening and closing of a HAR document; entries go between,
 * separated by commas. */
enum cut_err har_write_doc_open(struct buf *out, const char *creator_version);
enum cut_err har_write_doc_close(struct buf *out);

/* Parse one entry from JSON text p[0..n) into x (initialised by the caller,
 * contents replaced). On CUT_EPARSE a reason goes to err. */
enum cut_err har_parse_entry(const char *p, size_t n, struct exchange *x, char *err, size_t errlen);

/* Parts of an entry a reader may walk over without storing them: replay
 * sends requests and never reads the recorded response. Skipped parts are
 * still checked to be well-formed JSON. */
#define HAR_SKIP_RESPONSE 1u
/* The capture's facts about its own exchange that a replay does not carry
 * over (timings, _client, _server, _flow, _seq, _error, _lag and the
 * request's headersSize): left at exchange_init's values. */
#define HAR_SKIP_CAPTURE 2u

/* har_parse_entry, leaving the parts in skip (HAR_SKIP_*) unread. */
enum cut_err har_parse_entry_parts(const char *p, size_t n, struct exchange *x, unsigned skip,
                                   char *err, size_t errlen);

struct har_reader;

/* Open path ("-" for stdin) for reading; max_line 0 means the default.
 * The reader owns the FILE it opens (not stdin). On failure *err gets the
 * errno-based reason. */
enum cut_err har_reader_open(struct har_reader **r, const char *path, size_t max_line);
/* Read the next exchange into x. CUT_EOF at the end; CUT_EPARSE for a bad
 * record (har_reader_error says where and why; the next call goes on with
 * the record after it); CUT_EIO for a read error. */
enum cut_err har_reader_next(struct har_reader *r, struct exchange *x);
/* The next raw JSONL line, without parsing (NULL-free, not NUL-terminated
 * past len; valid until the next call). *offset is its byte offset in the
 * file. Not available for HAR documents (CUT_EUNSUPP). */
enum cut_err har_reader_next_line(struct har_reader *r, const char **line, size_t *len,
                                  long long *offset);
/* Leave the parts in skip (HAR_SKIP_*) of every entry unread. Can't fail. */
void har_reader_skip(struct har_reader *r, unsigned skip);
/* "FILE:LINE: reason" for the last error; "" when none. */
const char *har_reader_error(const struct har_reader *r);
/* Line number of the last record returned (1-based). */
size_t har_reader_line(const struct har_reader *r);
/* Number of torn last lines skipped (0 or 1): the file ended mid-line, as a
 * killed writer leaves it. */
size_t har_reader_torn(const struct har_reader *r);
/* Whether the input turned out to be a HAR document rather than JSONL. */
bool har_reader_is_document(const struct har_reader *r);
void har_reader_free(struct har_reader *r);

#endif
