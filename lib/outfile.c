/* outfile.c: record-at-a-time output with 0600 files and full writes. */
#include "cutover/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum cut_err outfile_open(struct outfile *o, const char *path, bool append)
{
    memset(o, 0, sizeof *o);
    buf_init(&o->pending, 0);
    o->fd = -1;
    o->path = strdup(path);
    if (!o->path) return CUT_ENOMEM;
    if (strcmp(path, "-") == 0) {
        o->fd = STDOUT_FILENO;
        return CUT_OK;
    }
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    o->fd = open(path, flags, 0600);
    if (o->fd < 0) {
        o->err_no = errno;
        return CUT_EIO;
    }
    o->own = true;
    /* An existing file keeps its mode through open(); captures must not be
     * left world-readable because an older file was. */
    struct stat st;
    if (fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
        (void)fchmod(o->fd, 0600);
    return CUT_OK;
}

static enum cut_err write_all(struct outfile *o, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (!o->err_no) o->err_no = errno;
            return CUT_EIO;
        }
        p += w;
        n -= (size_t)w;
        o->bytes += (unsigned long long)w;
    }
    return CUT_OK;
}

enum cut_err outfile_flush(struct outfile *o)
{
    if (o->err_no) return CUT_EIO;
    if (!o->pending.len) return CUT_OK;
    enum cut_err e = write_all(o, o->pending.data, o->pending.len);
    buf_reset(&o->pending);
    return e;
}

enum cut_err outfile_put(struct outfile *o, const void *p, size_t n)
{
    if (o->err_no) return CUT_EIO;
    if (!o->flush_at) return write_all(o, p, n);
    if (o->pending.len + n > o->flush_at) {
        enum cut_err e = outfile_flush(o);
        if (e) return e;
        if (n >= o->flush_at) return write_all(o, p, n);
    }
    return buf_append(&o->pending, p, n);
}

enum cut_err outfile_close(struct outfile *o, bool sync)
{
    enum cut_err e = o->fd >= 0 ? outfile_flush(o) : CUT_OK;
    if (o->fd >= 0 && sync && fsync(o->fd) != 0 && errno != EINVAL && errno != EROFS) {
        if (!o->err_no) o->err_no = errno;
        e = CUT_EIO;
    }
    if (o->own && o->fd >= 0 && close(o->fd) != 0 && !e) {
        if (!o->err_no) o->err_no = errno;
        e = CUT_EIO;
    }
    o->fd = -1;
    buf_free(&o->pending);
    free(o->path);
    o->path = NULL;
    return e;
}
