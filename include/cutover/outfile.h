/* outfile.h: an output file of whole records.  Created with mode 0600
 * (captures hold personal data); a record is handed over complete and
 * written with as few write(2) calls as it takes, so a reader never sees
 * half a line unless the process dies mid-write. "-" is stdout. */
#ifndef CUTOVER_OUTFILE_H
#define CUTOVER_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "cutover/buf.h"

struct outfile {
    int fd;
    bool own; /* close fd on outfile_close */
    char *path;
    struct buf pending;       /* whole records waiting for one write */
    size_t flush_at;          /* write when pending reaches this many bytes */
    unsigned long long bytes; /* bytes written so far */
    int err_no;               /* errno of the first failed write */
};

/* Open path for writing (truncate, or append when append is set) with mode
 * 0600. The outfile owns its copy of path. */
enum cut_err outfile_open(struct outfile *o, const char *path, bool append);
/* Queue one complete record (its bytes including the newline). Records are
 * written when flush_at bytes are pending (0: at once). */
enum cut_err outfile_put(struct outfile *o, const void *p, size_t n);
/* Write everything pending. CUT_EIO with o->err_no set (ENOSPC: disk full). */
enum cut_err outfile_flush(struct outfile *o);
/* Flush, fsync when sync is set, close. Returns the first error seen. */
enum cut_err outfile_close(struct outfile *o, bool sync);

#endif
