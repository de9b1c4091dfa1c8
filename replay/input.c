/* input.c: replay's record sources behind one call.  Files go through the
 * shared readers (lib/har.c, lib/gor.c); a live pipe is read here without
 * blocking, line by line, because the replay's one thread also drives the
 * sends and must not sit in read(2) while answers wait. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cutover/buf.h"
#include "cutover/gor.h"
#include "cutover/har.h"

#define LIVE_MAX_LINE HAR_DEFAULT_MAX_LINE

struct input {
    enum input_kind kind;
    char *path;
    struct har_reader *har;
    struct gor_reader *gor;
    /* live */
    int fd;
    bool own_fd, eof;
    struct buf in;
    size_t pos, line;
    char err[512];
};

static bool is_live_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return false;
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode);
}

static bool sniff_gor(const char *path)
{
    char head[128];
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return gor_sniff(head, n);
}

static enum cut_err open_live(struct input *in, const char *path)
{
    in->kind = INPUT_LIVE;
    buf_init(&in->in, 0);
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (in->fd < 0) return CUT_EIO;
        in->own_fd = true;
    }
    int fl = fcntl(in->fd, F_GETFL);
    if (fl >= 0) (void)fcntl(in->fd, F_SETFL, fl | O_NONBLOCK);
    return CUT_OK;
}

enum cut_err input_open(struct input **out, const char *path)
{
    *out = NULL;
    struct input *in = calloc(1, sizeof *in);
    if (!in) return CUT_ENOMEM;
    in->fd = -1;
    in->path = strdup(path);
    if (!in->path) {
        free(in);
        return CUT_ENOMEM;
    }
    struct stat st;
    bool stdin_in = strcmp(path, "-") == 0;
    enum cut_err e;
    if ((stdin_in && is_live_fd(STDIN_FILENO)) ||
        (!stdin_in && stat(path, &st) == 0 && S_ISFIFO(st.st_mode))) {
        e = open_live(in, path);
    } else if (!stdin_in && sniff_gor(path)) {
        in->kind = INPUT_GOR;
        e = gor_reader_open(&in->gor, path, false);
    } else {
        in->kind = INPUT_HAR;
        e = har_reader_open(&in->har, path, 0);
        /* The recorded answer is compare's business; replay only sends, and
         * the capture's timings and connection facts are not the replay's. */
        if (!e) har_reader_skip(in->har, HAR_SKIP_RESPONSE | HAR_SKIP_CAPTURE);
    }
    if (e) {
        int saved = errno;
        input_free(in);
        errno = saved;
        return e;
    }
    *out = in;
    return CUT_OK;
}

/* Fill the live buffer with what the pipe has now. */
static enum cut_err live_fill(struct input *in)
{
    if (in->pos && in->pos >= in->in.len / 2) {
        buf_consume(&in->in, in->pos);
        in->pos = 0;
    }
    if (buf_grow(&in->in, 1 << 16)) return CUT_ENOMEM;
    ssize_t r = read(in->fd, in->in.data + in->in.len, in->in.cap - in->in.len - 1);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return CUT_EAGAIN;
        snprintf(in->err, sizeof in->err, "%s: read error: %s", in->path, strerror(errno));
        return CUT_EIO;
    }
    if (r == 0) {
        in->eof = true;
        return CUT_OK;
    }
    in->in.len += (size_t)r;
    in->in.data[in->in.len] = '\0';
    return CUT_OK;
}

static enum cut_err live_parse(struct input *in, const char *p, size_t n, struct exchange *x)
{
    char why[256];
    if (n && p[n - 1] == '\r') n--;
    enum cut_err e =
        har_parse_entry_parts(p, n, x, HAR_SKIP_RESPONSE | HAR_SKIP_CAPTURE, why, sizeof why);
    if (e == CUT_EPARSE) snprintf(in->err, sizeof in->err, "%s:%zu: %s", in->path, in->line, why);
    if (!e && !x->id) {
        snprintf(in->err, sizeof in->err, "%s:%zu: entry has no _id", in->path, in->line);
        e = CUT_EPARSE;
    }
    return e;
}

static enum cut_err live_next(struct input *in, struct exchange *x)
{
    for (;;) {
        char *start = in->in.data + in->pos;
        size_t avail = in->in.len - in->pos;
        char *nl = avail ? memchr(start, '\n', avail) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - start);
            in->pos += n + 1;
            in->line++;
            if (n == 0 || (n == 1 && start[0] == '\r')) continue;
            return live_parse(in, start, n, x);
        }
        if (avail > LIVE_MAX_LINE) {
            snprintf(in->err, sizeof in->err, "%s:%zu: line longer than %zu bytes", in->path,
                     in->line + 1, (size_t)LIVE_MAX_LINE);
            return CUT_EIO;
        }
        if (in->eof) {
            if (!avail) return CUT_EOF;
            in->pos = in->in.len;
            in->line++;
            snprintf(in->err, sizeof in->err, "%s:%zu: last line is incomplete, skipped", in->path,
                     in->line);
            return CUT_EPARSE;
        }
        enum cut_err e = live_fill(in);
        if (e) return e;
    }
}

enum cut_err input_next(struct input *in, struct exchange *x)
{
    in->err[0] = '\0';
    switch (in->kind) {
    case INPUT_LIVE:
        return live_next(in, x);
    case INPUT_GOR:
        return gor_reader_next(in->gor, x);
    case INPUT_HAR:
    default:
        break;
    }
    return har_reader_next(in->har, x);
}

const char *input_warning(const struct input *in)
{
    /* A torn last line (a writer killed mid-record) is skipped, as every
     * reader of the project does, and said once. */
    if (in->kind == INPUT_HAR && in->har && har_reader_torn(in->har))
        return har_reader_error(in->har);
    return NULL;
}

const char *input_error(const struct input *in)
{
    if (in->err[0]) return in->err;
    if (in->har) return har_reader_error(in->har);
    if (in->gor) return gor_reader_error(in->gor);
    return "";
}

enum input_kind input_kind(const struct input *in)
{
    return in->kind;
}

int input_fd(const struct input *in)
{
    return in->kind == INPUT_LIVE ? in->fd : -1;
}

uint64_t input_count_hint(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char chunk[1 << 16];
    uint64_t lines = 0;
    bool first = true, jsonl = false;
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0) {
        if (first) {
            /* JSON Lines from a cutover tool: a record per line, _id first. */
            jsonl = r > 8 && memcmp(chunk, "{\"_id\":", 7) == 0;
            first = false;
            if (!jsonl) break;
        }
        for (char *p = chunk; (p = memchr(p, '\n', (size_t)(chunk + r - p))); p++) lines++;
    }
    close(fd);
    return jsonl ? lines : 0;
}

void input_free(struct input *in)
{
    if (!in) return;
    har_reader_free(in->har);
    gor_reader_free(in->gor);
    if (in->own_fd && in->fd >= 0) close(in->fd);
    buf_free(&in->in);
    free(in->path);
    free(in);
}
