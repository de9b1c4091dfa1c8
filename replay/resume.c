/* resume.c: what an interrupted run already wrote.  Records are whole lines
 * (outfile.c writes them in one go), so the only damage a SIGKILL can leave
 * is a partial last line; it is cut off here, never parsed. */
#include "resume.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cutover/buf.h"
#include "select.h"

void idset_init(struct idset *s)
{
    s->slots = NULL;
    s->cap = s->n = 0;
}

void idset_release(struct idset *s)
{
    for (size_t i = 0; i < s->cap; i++) free(s->slots[i]);
    free(s->slots);
    idset_init(s);
}

static size_t find(char *const *slots, size_t cap, const char *id, size_t len, bool *found)
{
    size_t i = (size_t)select_hash(id, len) & (cap - 1);
    for (;; i = (i + 1) & (cap - 1)) {
        if (!slots[i]) {
            *found = false;
            return i;
        }
        if (strncmp(slots[i], id, len) == 0 && slots[i][len] == '\0') {
            *found = true;
            return i;
        }
    }
}

bool idset_has(const struct idset *s, const char *id, size_t len)
{
    bool found = false;
    if (s->n) find(s->slots, s->cap, id, len, &found);
    return found;
}

static enum cut_err grow(struct idset *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    char **nv = calloc(ncap, sizeof *nv);
    if (!nv) return CUT_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i]) continue;
        bool found;
        nv[find(nv, ncap, s->slots[i], strlen(s->slots[i]), &found)] = s->slots[i];
    }
    free(s->slots);
    s->slots = nv;
    s->cap = ncap;
    return CUT_OK;
}

enum cut_err idset_add(struct idset *s, const char *id, size_t len)
{
    if ((s->n + 1) * 2 > s->cap) {
        enum cut_err e = grow(s);
        if (e) return e;
    }
    bool found;
    size_t i = find(s->slots, s->cap, id, len, &found);
    if (found) return CUT_OK;
    if (!(s->slots[i] = strndup(id, len))) return CUT_ENOMEM;
    s->n++;
    return CUT_OK;
}

enum cut_err resume_line_id(const char *line, size_t n, char **id)
{
    static const char lead[] = "{\"_id\":\"";
    size_t ll = sizeof lead - 1;
    /* Fast path: our own writer puts a plain _id first. */
    if (n > ll && memcmp(line, lead, ll) == 0) {
        const char *end = memchr(line + ll, '"', n - ll);
        if (end && !memchr(line + ll, '\\', (size_t)(end - line - ll))) {
            *id = strndup(line + ll, (size_t)(end - line - ll));
            return *id ? CUT_OK : CUT_ENOMEM;
        }
    }
    json_error_t je;
    json_t *o = json_loadb(line, n, 0, &je);
    json_t *v = json_object_get(o, "_id");
    enum cut_err e = CUT_ENOTFOUND;
    if (json_is_string(v)) {
        *id = strndup(json_string_value(v), json_string_length(v));
        e = *id ? CUT_OK : CUT_ENOMEM;
    }
    json_decref(o);
    return e;
}

static enum cut_err scan_lines(struct buf *b, size_t upto, struct idset *done,
                               struct resume_info *info)
{
    size_t pos = 0;
    while (pos < upto) {
        const char *nl = memchr(b->data + pos, '\n', upto - pos);
        size_t len = (size_t)(nl - b->data) - pos;
        if (len) {
            char *id = NULL;
            enum cut_err e = resume_line_id(b->data + pos, len, &id);
            if (e == CUT_OK) {
                e = idset_add(done, id, strlen(id));
                free(id);
                if (e) return e;
                info->records++;
            } else if (e == CUT_ENOTFOUND) {
                info->no_id++;
            } else {
                return e;
            }
        }
        pos += len + 1;
    }
    buf_consume(b, upto);
    return CUT_OK;
}

enum cut_err resume_scan(const char *path, struct idset *done, struct resume_info *info)
{
    memset(info, 0, sizeof *info);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? CUT_OK : CUT_EIO;
    struct buf b = BUF_INIT;
    enum cut_err e = CUT_OK;
    off_t whole = 0; /* file offset just past the last newline */
    off_t off = 0;
    for (;;) {
        if ((e = buf_grow(&b, 1 << 16))) break;
        ssize_t r = read(fd, b.data + b.len, b.cap - b.len - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            e = CUT_EIO;
            break;
        }
        if (r == 0) break;
        b.len += (size_t)r;
        b.data[b.len] = '\0';
        off += r;
        const char *last = memrchr(b.data, '\n', b.len);
        if (!last) continue;
        size_t upto = (size_t)(last - b.data) + 1;
        whole = off - (off_t)(b.len - upto);
        if ((e = scan_lines(&b, upto, done, info))) break;
    }
    if (!e && off > whole) {
        info->torn_bytes = (size_t)(off - whole);
        if (ftruncate(fd, whole) != 0) e = CUT_EIO;
    }
    int saved = errno;
    buf_free(&b);
    close(fd);
    errno = saved;
    return e;
}
