/* writer.c: JSON Lines (or one HAR document) out of capture, with rotation.
 * Owns the current output file and one reusable line buffer; a record is
 * formatted whole before it is handed to the file, so no file ever holds
 * half a line unless the process dies mid-write. */
#include "writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/buf.h"
#include "cutover/har.h"
#include "cutover/outfile.h"

struct writer {
    struct writer_config cfg;
    char *path;
    struct outfile out;
    bool open;
    unsigned index;      /* number of the current file */
    uint64_t file_bytes; /* bytes handed to the current file */
    uint64_t file_records;
    int64_t opened_us;
    struct buf line;
    struct writer_stats st;
    char err[512];
};

void writer_file_name(const char *path, unsigned n, char *out, size_t outlen)
{
    if (n == 0) {
        snprintf(out, outlen, "%s", path);
        return;
    }
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : path))
        snprintf(out, outlen, "%s-%04u", path, n);
    else
        snprintf(out, outlen, "%.*s-%04u%s", (int)(dot - path), path, n, dot);
}

static enum cut_err fail(struct writer *w, const char *what, int err_no)
{
    char name[4096];
    writer_file_name(w->path, w->index, name, sizeof name);
    int n =
        snprintf(w->err, sizeof w->err, "%s: %s: %s", name, what, strerror(err_no ? err_no : EIO));
    if (n < 0) w->err[0] = '\0'; /* a cut message is still a message */
    return CUT_EIO;
}

static enum cut_err open_file(struct writer *w, int64_t now_us)
{
    char name[4096];
    writer_file_name(w->path, w->index, name, sizeof name);
    enum cut_err e = outfile_open(&w->out, name, false);
    if (e) {
        int en = w->out.err_no;
        outfile_close(&w->out, false);
        return e == CUT_EIO ? fail(w, "cannot create", en) : e;
    }
    w->out.flush_at = w->cfg.flush_at;
    w->open = true;
    w->file_bytes = 0;
    w->file_records = 0;
    w->opened_us = now_us;
    w->st.files++;
    if (w->cfg.har) {
        buf_reset(&w->line);
        e = har_write_doc_open(&w->line, w->cfg.version ? w->cfg.version : "");
        if (!e) e = outfile_put(&w->out, w->line.data, w->line.len);
        if (e == CUT_EIO) return fail(w, "write", w->out.err_no);
    }
    return e;
}

static enum cut_err close_file(struct writer *w, bool sync)
{
    if (!w->open) return CUT_OK;
    enum cut_err e = CUT_OK;
    if (w->cfg.har) {
        buf_reset(&w->line);
        e = har_write_doc_close(&w->line);
        if (!e) e = buf_putc(&w->line, '\n');
        if (!e) e = outfile_put(&w->out, w->line.data, w->line.len);
    }
    int en = w->out.err_no;
    enum cut_err c = outfile_close(&w->out, sync);
    w->open = false;
    if (!e) e = c;
    if (e == CUT_EIO) return fail(w, "write", en ? en : w->out.err_no);
    return e;
}

enum cut_err writer_open(const struct writer_config *cfg, int64_t now_us, struct writer **out,
                         char *err, size_t errlen)
{
    bool to_stdout = !cfg->path || strcmp(cfg->path, "-") == 0;
    if ((cfg->rotate_size || cfg->rotate_us) && (to_stdout || cfg->har)) {
        snprintf(err, errlen, "%s",
                 cfg->har ? "a HAR document cannot be rotated (--rotate-* need JSON Lines)"
                          : "rotation needs an output file (-o FILE)");
        return CUT_EINVAL;
    }
    struct writer *w = calloc(1, sizeof *w);
    if (!w) return CUT_ENOMEM;
    w->cfg = *cfg;
    w->path = strdup(to_stdout ? "-" : cfg->path);
    buf_init(&w->line, 0);
    enum cut_err e = w->path ? open_file(w, now_us) : CUT_ENOMEM;
    if (e) {
        snprintf(err, errlen, "%s", w->err[0] ? w->err : cutover_strerror(e));
        buf_free(&w->line);
        free(w->path);
        free(w);
        return e;
    }
    *out = w;
    return CUT_OK;
}

static bool due(const struct writer *w, size_t next, int64_t now_us)
{
    if (!w->file_records) return false; /* never leave a file empty */
    if (w->cfg.rotate_size && w->file_bytes + next > w->cfg.rotate_size) return true;
    return w->cfg.rotate_us && now_us - w->opened_us >= w->cfg.rotate_us;
}

static enum cut_err rotate(struct writer *w, int64_t now_us)
{
    enum cut_err e = close_file(w, false);
    if (e) return e;
    w->index++;
    return open_file(w, now_us);
}

enum cut_err writer_put(struct writer *w, const struct exchange *x, int64_t now_us)
{
    buf_reset(&w->line);
    if (w->cfg.har && w->file_records) {
        enum cut_err e = buf_putc(&w->line, ',');
        if (e) return e;
    }
    enum cut_err e = har_write_entry(&w->line, x);
    if (!e && !w->cfg.har) e = buf_putc(&w->line, '\n');
    if (e) return e;
    if (due(w, w->line.len, now_us)) {
        /* The line was formatted for the old file; JSON Lines needs no
         * separator, so it stands as it is. */
        e = rotate(w, now_us);
        if (e) return e;
    }
    e = outfile_put(&w->out, w->line.data, w->line.len);
    if (e == CUT_EIO) return fail(w, "write", w->out.err_no);
    if (e) return e;
    w->file_bytes += w->line.len;
    w->file_records++;
    w->st.records++;
    w->st.bytes += w->line.len;
    return CUT_OK;
}

enum cut_err writer_tick(struct writer *w, int64_t now_us)
{
    if (due(w, 0, now_us)) {
        enum cut_err e = rotate(w, now_us);
        if (e) return e;
    }
    return writer_flush(w);
}

enum cut_err writer_flush(struct writer *w)
{
    enum cut_err e = outfile_flush(&w->out);
    return e == CUT_EIO ? fail(w, "write", w->out.err_no) : e;
}

enum cut_err writer_close(struct writer *w, char *err, size_t errlen)
{
    if (!w) return CUT_OK;
    enum cut_err e = close_file(w, true);
    if (e && err) snprintf(err, errlen, "%s", w->err[0] ? w->err : cutover_strerror(e));
    buf_free(&w->line);
    free(w->path);
    free(w);
    return e;
}

const char *writer_error(const struct writer *w)
{
    return w->err;
}

const struct writer_stats *writer_stats(const struct writer *w)
{
    return &w->st;
}
