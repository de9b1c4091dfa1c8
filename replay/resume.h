/* resume.h: --resume.  An existing output file is scanned for the _id of
 * every whole record (a torn last line, left by a killed writer, is cut off
 * so appending starts on a line boundary), and the ids go into a set that
 * the replay consults before sending. */
#ifndef CUTOVER_REPLAY_RESUME_H
#define CUTOVER_REPLAY_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include "cutover/err.h"

/* A set of strings (open addressing on FNV-1a). */
struct idset {
    char **slots;
    size_t cap, n;
};

void idset_init(struct idset *s);
void idset_release(struct idset *s);
bool idset_has(const struct idset *s, const char *id, size_t len);
/* Add a copy of id[0..len); adding a present id does nothing. */
enum cut_err idset_add(struct idset *s, const char *id, size_t len);

struct resume_info {
    size_t records;    /* whole records found */
    size_t torn_bytes; /* bytes cut off the end (0 when the file ended on a newline) */
    size_t no_id;      /* whole lines without a readable _id */
};

/* Scan path: add each record's _id to done and truncate a torn last line.
 * A missing file is an empty one. CUT_EIO (errno set) when the file cannot
 * be read or truncated. */
enum cut_err resume_scan(const char *path, struct idset *done, struct resume_info *info);
/* The _id of one JSONL record line[0..n) appended to *id as a malloc'd
 * string (exposed for tests). CUT_ENOTFOUND when the line has none. */
enum cut_err resume_line_id(const char *line, size_t n, char **id);

#endif
