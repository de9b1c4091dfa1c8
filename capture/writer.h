/* writer.h: capture's output.  Exchanges become HAR entries (lib/har.c),
 * one per line of JSON Lines, in files created 0600 and written whole
 * lines at a time (lib/outfile.c); or, with har set, one HAR document.
 * Long live captures rotate by size or age: OUT.jsonl is the first file,
 * then OUT-0001.jsonl, OUT-0002.jsonl, ... (the number goes before the
 * last extension, or at the end of a name without one). */
#ifndef CUTOVER_CAPTURE_WRITER_H
#define CUTOVER_CAPTURE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/err.h"
#include "cutover/exchange.h"

struct writer_config {
    const char *path;     /* "-" or NULL: stdout */
    bool har;             /* one HAR document instead of JSON Lines */
    uint64_t rotate_size; /* start a new file past this many bytes; 0: never */
    int64_t rotate_us;    /* start a new file after this long; 0: never */
    size_t flush_at;      /* bytes buffered before a write; 0: each record at once */
    const char *version;  /* creator version in a HAR document */
};

struct writer_stats {
    uint64_t records;
    uint64_t files; /* files opened, rotation included */
    uint64_t bytes;
};

struct writer;

/* Open the first file. now_us starts the rotation clock. On failure err
 * names the file and why (CUT_EIO), or the bad combination (CUT_EINVAL:
 * rotation needs a file, and HAR documents do not rotate). */
enum cut_err writer_open(const struct writer_config *cfg, int64_t now_us, struct writer **out,
                         char *err, size_t errlen);
/* Write one exchange as one record, rotating first when due. */
enum cut_err writer_put(struct writer *w, const struct exchange *x, int64_t now_us);
/* Rotate if the age limit passed (call it now and then while idle) and
 * write what is buffered. */
enum cut_err writer_tick(struct writer *w, int64_t now_us);
enum cut_err writer_flush(struct writer *w);
/* Finish (HAR: close the document), flush, close. Returns the first error
 * seen; err says which file and why. Frees w. Accepts NULL. */
enum cut_err writer_close(struct writer *w, char *err, size_t errlen);
/* "FILE: why" for the last failure, "" when none. */
const char *writer_error(const struct writer *w);
/* The name of file number n (0 is path itself) into out. */
void writer_file_name(const char *path, unsigned n, char *out, size_t outlen);
const struct writer_stats *writer_stats(const struct writer *w);

#endif
