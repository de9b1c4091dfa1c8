/* join.c: pairs records of two (or three) files by _id in bounded memory.
 * One side is streamed; the others are indexed as (hash of id, offset,
 * length), about 24 bytes a record, so no parsed record is ever kept.  A
 * regular JSONL file is mapped and its lines are handed on where they are
 * (pages behind the reading are given back, so the resident part stays a
 * few MB); otherwise a record is re-read with pread when its partner
 * arrives.  The indexed side is read only as far as the streamed side needs
 * it, so pairs start at once, and (when not mapped) its last few MB stay in
 * memory, so a record read a little ahead of its partner is usually not
 * read again.  Pipes are spooled to an unlinked temporary file; HAR
 * documents become JSON Lines first. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "cutover/har.h"
#include "cutover/jscan.h"
#include "cutover/log.h"

#define MAX_WARN 5

/* ---- the id of a line ---- */

/* The first '"' or '\\' in [p, e), or e: 16 bytes a step (an id is read
 * two or three times a pair, on the main thread). */
static const char *id_end(const char *p, const char *e)
{
#if defined(__SSE2__)
    for (; e - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
        if (m) return p + __builtin_ctz(m);
    }
#endif
    while (p < e && *p != '"' && *p != '\\') p++;
    return p;
}

enum cut_err join_line_id(struct jarena *a, const char *line, size_t n, const char **id,
                          size_t *idlen)
{
    static const char pre[] = "{\"_id\":\"";
    if (n > sizeof pre - 1 && memcmp(line, pre, sizeof pre - 1) == 0) {
        const char *s = line + sizeof pre - 1, *e = line + n;
        const char *q = id_end(s, e);
        if (q < e && *q == '"') {
            *id = s;
            *idlen = (size_t)(q - s);
            return CUT_OK;
        }
    }
    struct jv root;
    jarena_reset(a);
    enum cut_err e = jv_parse(a, line, n, &root, NULL);
    if (e) return e;
    *id = jv_str(&root, "_id", idlen);
    return *id ? CUT_OK : CUT_EPARSE;
}

/* ---- inputs ---- */

/* A regular JSONL file read through a mapping: the lines har_reader would
 * give, with the same line numbers, messages and torn last line, but not
 * copied. The file is followed by at least one page of zeros (an anonymous
 * mapping under it), as the reader's buffer is by a NUL. */
struct map {
    const char *p; /* NULL: not mapped */
    size_t len;    /* the file's size when opened */
    size_t span;   /* bytes mapped, zeros included */
    size_t pos;    /* next unread byte */
    size_t line;   /* lines read (1-based number of the last) */
    size_t torn;
    size_t drop; /* pages below it were given back */
    size_t keep; /* the join window's size (window_size) */
    char err[512];
};

struct src {
    const char *name; /* as given, for messages */
    struct har_reader *r;
    const char *pending; /* first line, read to sniff the format */
    size_t pending_len;
    long long pending_off;
    int fd; /* for pread: the file or its spool; -1 */
    struct map m;
    struct jarena ids;
};

static size_t window_size(void);

/* Another process truncating a mapped file turns the next touch of a page
 * past its new end into SIGBUS, where the read path would have seen an
 * early end of file. Either way the input is no longer what it was: the
 * run stops with one line naming the file and status 3, not a crash. */
#define MAP_GUARDS 4
static struct {
    const char *p;
    size_t span;
    const char *name;
    size_t namelen;
} map_guard[MAP_GUARDS];

static void say(const char *p, size_t n)
{
    ssize_t w = write(STDERR_FILENO, p, n);
    (void)w;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    const char *a = si->si_addr, *prog = log_prog(), *name = "an input";
    size_t namelen = strlen(name);
    for (size_t i = 0; i < MAP_GUARDS; i++)
        if (map_guard[i].p && a >= map_guard[i].p && a < map_guard[i].p + map_guard[i].span) {
            name = map_guard[i].name;
            namelen = map_guard[i].namelen;
        }
    static const char why[] = ": the file shrank while it was being read\n";
    say(prog, strlen(prog));
    say(": ", 2);
    say(name, namelen);
    say(why, sizeof why - 1);
    _exit(3);
}

static void map_guard_add(const struct map *m, const char *name)
{
    static bool installed;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        installed = sigaction(SIGBUS, &sa, NULL) == 0;
    }
    for (size_t i = 0; i < MAP_GUARDS; i++)
        if (!map_guard[i].p) {
            map_guard[i].name = name;
            map_guard[i].namelen = strlen(name);
            map_guard[i].span = m->span;
            map_guard[i].p = m->p;
            return;
        }
}

static void map_guard_drop(const struct map *m)
{
    for (size_t i = 0; i < MAP_GUARDS; i++)
        if (map_guard[i].p == m->p) map_guard[i].p = NULL;
}

static bool map_open(struct map *m, int fd)
{
    struct stat sb;
    long pg = sysconf(_SC_PAGESIZE);
    memset(m, 0, sizeof *m);
    if (pg <= 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
        (unsigned long long)sb.st_size > SIZE_MAX / 2)
        return false;
    size_t len = (size_t)sb.st_size, span = (len / (size_t)pg + 2) * (size_t)pg;
    void *base = mmap(NULL, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return false;
    if (mmap(base, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
        munmap(base, span);
        return false;
    }
    m->p = base;
    m->len = len;
    m->span = span;
    return true;
}

static void map_close(struct map *m)
{
    if (m->p) map_guard_drop(m);
    if (m->p) munmap((void *)m->p, m->span);
    m->p = NULL;
}

/* Pages more than keep..2*keep bytes behind the reading (keep: the join
 * window's size, 4 MB unless CUTOVER_JOIN_WINDOW says) are given back
 * (MADV_DONTNEED): the resident set stays bounded, whatever the file's
 * size. A record wanted from there (a partner far behind, what is left at
 * the end) is read with pread instead: touching the mapping would map it
 * again, up to 2 MB a fault (large folios). Lines handed on just before
 * are far above that line; touching one given back would only cost a
 * fault: this is about memory, never correctness. */
static void map_drop_behind(struct map *m)
{
    if (m->pos - m->drop < 2 * m->keep) return;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), to = (m->pos - m->keep) / pg * pg;
    if (to <= m->drop) return;
    madvise((void *)(m->p + m->drop), to - m->drop, MADV_DONTNEED);
    m->drop = to;
}

/* har_reader_next_line's next line (see its read_line): blank lines and a
 * CR before the newline dropped, an over-long line refused, a last line
 * without its newline taken when it is a whole JSON value and otherwise
 * counted as torn. */
static enum cut_err map_line(struct map *m, const char *name, const char **line, size_t *n,
                             long long *off)
{
    m->err[0] = '\0';
    map_drop_behind(m);
    while (m->pos < m->len) {
        const char *start = m->p + m->pos;
        size_t avail = m->len - m->pos, o = m->pos;
        /* The line 8 KB on is asked for now: this is the first touch of
         * the input, and the hardware's streams stop at each 4 KB page. */
        for (size_t k = 0; k < 2048 && k + 8192 < avail; k += 64)
            __builtin_prefetch(start + 8192 + k);
        const char *nl = memchr(start, '\n', avail);
        if (!nl) { /* the last line, without its newline */
            m->pos = m->len;
            if (avail > HAR_DEFAULT_MAX_LINE) {
                snprintf(m->err, sizeof m->err, "%s:%zu: line longer than %zu bytes", name,
                         m->line + 1, HAR_DEFAULT_MAX_LINE);
                return CUT_EPARSE;
            }
            if (jscan_whole_value(start, avail)) {
                m->line++;
                *line = start;
                *n = avail;
                *off = (long long)o;
                return CUT_OK;
            }
            if (strspn(start, " \t\r") < avail) {
                m->line++;
                m->torn++;
                snprintf(m->err, sizeof m->err,
                         "%s:%zu: last line is incomplete (torn write?), skipped", name, m->line);
            }
            return CUT_EOF;
        }
        size_t len = (size_t)(nl - start);
        m->pos += len + 1;
        m->line++;
        if (len > HAR_DEFAULT_MAX_LINE) {
            snprintf(m->err, sizeof m->err, "%s:%zu: line longer than %zu bytes", name, m->line,
                     HAR_DEFAULT_MAX_LINE);
            return CUT_EPARSE;
        }
        if (len && start[len - 1] == '\r') len--;
        if (len == 0) continue;
        *line = start;
        *n = len;
        *off = (long long)o;
        return CUT_OK;
    }
    return CUT_EOF;
}

/* The reader's error, line number and torn count, mapped or not. */
static const char *src_error(const struct src *s)
{
    return s->m.p ? s->m.err : har_reader_error(s->r);
}

static size_t src_lineno(const struct src *s)
{
    return s->m.p ? s->m.line : har_reader_line(s->r);
}

static size_t src_torn(const struct src *s)
{
    return s->m.p ? s->m.torn : har_reader_torn(s->r);
}

static int make_temp(char *path, size_t n)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/cutover-compare.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd >= 0) unlink(path);
    return fd;
}

static bool seekable(const char *path)
{
    struct stat sb;
    return strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static enum cut_err write_all(int fd, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return CUT_EIO;
        s += w;
        n -= (size_t)w;
    }
    return CUT_OK;
}

static enum cut_err src_line(struct src *s, const char **line, size_t *n, long long *off)
{
    if (s->pending) {
        *line = s->pending;
        *n = s->pending_len;
        *off = s->pending_off;
        s->pending = NULL;
        return CUT_OK;
    }
    if (s->m.p) return map_line(&s->m, s->name, line, n, off);
    return har_reader_next_line(s->r, line, n, off);
}

/* Whether a first line starts a HAR document rather than a JSONL record. */
static bool is_document(struct jarena *a, const char *line, size_t n)
{
    if (n > 7 && memcmp(line, "{\"_id\":", 7) == 0) return false;
    struct jv root;
    jarena_reset(a);
    if (jv_parse(a, line, n, &root, NULL)) return true;
    return jv_get(&root, "log") != NULL;
}

static enum cut_err reopen_fd(struct src *s, int fd, char *err, size_t errlen)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    har_reader_free(s->r);
    s->r = NULL;
    enum cut_err e = har_reader_open(&s->r, path, 0);
    if (e) snprintf(err, errlen, "%s: cannot reopen spool: %s", s->name, strerror(errno));
    return e;
}

/* Brackets still open after the bytes of p[0..n): scanned outside strings. */
struct depth {
    char stack[256];
    size_t n, lost; /* lost: nesting beyond the stack */
    bool in_str, esc;
};

static void depth_feed(struct depth *d, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (d->in_str) {
            if (d->esc)
                d->esc = false;
            else if (ch == '\\')
                d->esc = true;
            else if (ch == '"')
                d->in_str = false;
        } else if (ch == '"') {
            d->in_str = true;
        } else if (ch == '{' || ch == '[') {
            if (d->n < sizeof d->stack)
                d->stack[d->n++] = ch == '{' ? '}' : ']';
            else
                d->lost++;
        } else if ((ch == '}' || ch == ']') && (d->lost || d->n)) {
            if (d->lost)
                d->lost--;
            else
                d->n--;
        }
    }
}

/* A HAR document on a pipe: copy it to a spool for the HAR reader. The
 * line reader drops a last line without a newline as torn: for a document
 * that line can only close brackets, so they are closed again here. */
static enum cut_err spool_document(struct src *s, int raw, const char *line, size_t n)
{
    struct depth d = {{0}, 0, 0, false, false};
    long long off;
    enum cut_err e = CUT_OK;
    while (!e) {
        depth_feed(&d, line, n);
        e = write_all(raw, line, n);
        if (!e) e = write_all(raw, "\n", 1);
        if (!e) e = har_reader_next_line(s->r, &line, &n, &off);
    }
    if (e != CUT_EOF) return e;
    e = CUT_OK;
    while (d.n && !e) e = write_all(raw, &d.stack[--d.n], 1);
    return e ? e : write_all(raw, "\n", 1);
}

/* The input is a HAR document: read its entries with the HAR reader (from
 * the file itself, or from a spool of the pipe) and write them as JSON
 * Lines to a second spool. */
static enum cut_err convert_document(struct src *s, const char *path, const char *first, size_t n,
                                     char *err, size_t errlen)
{
    char tpath[512];
    int raw = -1, out = make_temp(tpath, sizeof tpath);
    enum cut_err e = out < 0 ? CUT_EIO : CUT_OK;
    if (!e && seekable(path)) {
        har_reader_free(s->r);
        s->r = NULL;
        e = har_reader_open(&s->r, path, 0);
    } else if (!e) {
        raw = make_temp(tpath, sizeof tpath);
        e = raw < 0 ? CUT_EIO : spool_document(s, raw, first, n);
        if (!e) e = reopen_fd(s, raw, err, errlen);
    }
    struct exchange x;
    struct buf b = BUF_INIT;
    exchange_init(&x);
    while (!e) {
        e = har_reader_next(s->r, &x);
        if (e) break;
        buf_reset(&b);
        e = har_write_entry(&b, &x);
        if (!e) e = buf_putc(&b, '\n');
        if (!e) e = write_all(out, b.data, b.len);
    }
    if (e && e != CUT_EOF && !*err)
        snprintf(err, errlen, "%s",
                 s->r && *har_reader_error(s->r) ? har_reader_error(s->r) : s->name);
    exchange_release(&x);
    buf_free(&b);
    if (e == CUT_EOF) e = reopen_fd(s, out, err, errlen);
    if (raw >= 0) close(raw);
    if (!e) {
        s->fd = out;
    } else if (out >= 0) {
        close(out);
    }
    return e;
}

static enum cut_err src_open(struct src *s, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->name = path;
    s->fd = -1;
    jarena_init(&s->ids, 0);
    enum cut_err e = har_reader_open(&s->r, path, 0);
    if (e) {
        int en = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(en));
        /* a file that is not there or not readable is bad input, not a fault */
        return en == ENOENT || en == EACCES || en == EISDIR || en == ENOTDIR ? CUT_EINVAL : e;
    }
    const char *line;
    size_t n;
    long long off;
    e = har_reader_next_line(s->r, &line, &n, &off);
    if (e == CUT_EOF) return CUT_OK;
    if (e) {
        snprintf(err, errlen, "%s", har_reader_error(s->r));
        return e;
    }
    if (is_document(&s->ids, line, n)) return convert_document(s, path, line, n, err, errlen);
    s->pending = line;
    s->pending_len = n;
    s->pending_off = off;
    if (seekable(path)) {
        s->fd = open(path, O_RDONLY);
        if (s->fd < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return CUT_EIO;
        }
        if (map_open(&s->m, s->fd)) { /* read again from the start, mapped */
            map_guard_add(&s->m, s->name);
            s->m.keep = window_size();
            s->pending = NULL;
            har_reader_free(s->r);
            s->r = NULL;
        }
    }
    return CUT_OK;
}

static void src_close(struct src *s)
{
    har_reader_free(s->r);
    map_close(&s->m);
    if (s->fd >= 0) close(s->fd);
    jarena_release(&s->ids);
}

/* ---- the index ---- */

struct slot {
    uint64_t h;
    uint64_t off;
    uint32_t len;
    uint32_t flags; /* 1: used, 2: paired */
};

struct index {
    struct slot *s;
    size_t cap, n;
    struct src *src;
    struct buf line;
    uint64_t dups;
    struct buf spool; /* lines not yet written to the spool file */
    int spool_fd;     /* the spool (also src->fd), or -1 */
    uint64_t spool_off;
    bool done; /* the whole source is indexed */
    /* The bytes last read, at offsets [win_off, win_off + win.len): a
     * record read ahead of the stream is usually taken from here rather
     * than read again (a replay's output is in about the input's order). */
    struct buf win;
    uint64_t win_off;
    size_t win_max; /* 0: no window (a side indexed whole at once) */
    /* The record index_read or index_take found: in line, in the window
     * or in the reader's buffer; valid until this index reads again. */
    const char *rec;
    size_t recn;
    bool kept; /* rec is in the mapping (stays valid) */
    /* The last two ids index_prefetch_next hashed, where they are in the
     * mapping, so that the insert or take that follows need not hash
     * them again (the same place and length: the same bytes). */
    struct {
        const char *id;
        size_t len;
        uint64_t h;
    } pf[2];
    unsigned pf_next;
};

/* cmp_hash of an id, taken from the prefetch's when it is that one. */
static uint64_t id_hash(const struct index *ix, const char *id, size_t idlen)
{
    for (int k = 0; k < 2; k++)
        if (ix->pf[k].id == id && ix->pf[k].len == idlen) return ix->pf[k].h;
    return cmp_hash(id, idlen);
}

#define WIN_MAX ((size_t)4 << 20)

#define SPOOL_FLUSH ((size_t)1 << 20)

static enum cut_err spool_flush(struct index *ix)
{
    enum cut_err e = ix->spool.len ? write_all(ix->src->fd, ix->spool.data, ix->spool.len) : CUT_OK;
    buf_reset(&ix->spool);
    return e;
}

/* Slot tables of SLOTS_HUGE bytes and more are mapped on their own and
 * asked for huge pages: every insert and take lands on a random slot, and
 * with 4 KB pages each one also missed the TLB (tens of MB at a million
 * records). The table is touched all over anyway, so this costs no memory
 * but the rounding to 2 MB. */
#define SLOTS_HUGE ((size_t)4 << 20)

static struct slot *slots_alloc(size_t cap)
{
    size_t bytes = cap * sizeof(struct slot);
    if (bytes < SLOTS_HUGE) return calloc(cap, sizeof(struct slot));
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it, 4 KB pages */
    return p;
}

static void slots_free(struct slot *s, size_t cap)
{
    if (cap * sizeof *s < SLOTS_HUGE)
        free(s);
    else
        munmap(s, cap * sizeof *s);
}

static enum cut_err index_grow(struct index *ix)
{
    size_t cap = ix->cap ? ix->cap * 2 : 1024;
    struct slot *s = slots_alloc(cap);
    if (!s) return CUT_ENOMEM;
    for (size_t i = 0; i < ix->cap; i++) {
        if (!(ix->s[i].flags & 1)) continue;
        size_t j = ix->s[i].h & (cap - 1);
        while (s[j].flags & 1) j = (j + 1) & (cap - 1);
        s[j] = ix->s[i];
    }
    if (ix->s) slots_free(ix->s, ix->cap);
    ix->s = s;
    ix->cap = cap;
    return CUT_OK;
}

/* Keep line (at offset off) in the window; the oldest half goes when it
 * is full, and a gap (a line passed over) starts it again. */
static enum cut_err win_add(struct index *ix, const char *line, size_t n, uint64_t off)
{
    struct buf *w = &ix->win;
    if (n + 1 > ix->win_max / 2) {
        buf_reset(w);
        ix->win_off = off + n + 1;
        return CUT_OK;
    }
    if (off != ix->win_off + w->len) {
        buf_reset(w);
        ix->win_off = off;
    } else if (w->len + n + 1 > ix->win_max) {
        size_t drop = w->len - ix->win_max / 2;
        buf_consume(w, drop);
        ix->win_off += drop;
    }
    enum cut_err e = buf_append(w, line, n);
    return e ? e : buf_putc(w, '\n');
}

/* Find the record of slot sl (ix->rec): in the window, or read into
 * ix->line. */
static enum cut_err index_read(struct index *ix, const struct slot *sl)
{
    enum cut_err e;
    ix->recn = sl->len;
    ix->kept = ix->src->m.p && sl->off >= ix->src->m.drop;
    if (ix->kept) {
        ix->rec = ix->src->m.p + sl->off;
        return CUT_OK;
    }
    if (sl->off >= ix->win_off && sl->off + sl->len <= ix->win_off + ix->win.len) {
        ix->rec = ix->win.data + (sl->off - ix->win_off);
        return CUT_OK;
    }
    ix->rec = ix->line.data;
    e = spool_flush(ix); /* a spooled line may still be pending */
    if (e) return e;
    buf_reset(&ix->line);
    e = buf_grow(&ix->line, sl->len);
    if (e) return e;
    size_t got = 0;
    while (got < sl->len) {
        ssize_t r = pread(ix->src->fd, ix->line.data + got, sl->len - got, (off_t)(sl->off + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return CUT_EIO;
        got += (size_t)r;
    }
    ix->line.len = sl->len;
    ix->line.data[sl->len] = '\0';
    ix->rec = ix->line.data;
    return CUT_OK;
}

/* Whether slot sl holds id (finds its record: ix->rec). */
static enum cut_err slot_is(struct index *ix, const struct slot *sl, const char *id, size_t idlen,
                            bool *same)
{
    const char *sid = NULL;
    size_t sl_idlen = 0;
    enum cut_err e = index_read(ix, sl);
    if (!e) e = join_line_id(&ix->src->ids, ix->rec, ix->recn, &sid, &sl_idlen);
    *same = !e && sl_idlen == idlen && memcmp(sid, id, idlen) == 0;
    return e;
}

static enum cut_err index_add(struct index *ix, const char *id, size_t idlen, uint64_t off,
                              size_t len, size_t *at)
{
    *at = SIZE_MAX;
    if ((ix->n + 1) * 10 > ix->cap * 7) {
        enum cut_err e = index_grow(ix);
        if (e) return e;
    }
    uint64_t h = id_hash(ix, id, idlen);
    size_t j = h & (ix->cap - 1);
    for (; ix->s[j].flags & 1; j = (j + 1) & (ix->cap - 1)) {
        if (ix->s[j].h != h) continue;
        /* the id must be copied: index_read reuses the buffer it points into */
        char *copy = strndup(id, idlen);
        bool same = false;
        enum cut_err e = copy ? slot_is(ix, &ix->s[j], copy, idlen, &same) : CUT_ENOMEM;
        free(copy);
        if (e) return e;
        if (same) {
            ix->dups++;
            return CUT_OK;
        }
    }
    ix->s[j] = (struct slot){h, off, (uint32_t)len, 1};
    ix->n++;
    *at = j;
    return CUT_OK;
}

/* Bring the slot a probe for the id of the mapped source's next line
 * starts at into the cache while the current record is worked on: on a
 * million records the table is tens of MB, and each insert and each take
 * missed the cache. Only a hint: the line is not consumed, nothing else
 * changes, and a line that does not start as the writer puts it (or a
 * table about to grow) only makes the hint useless. */
static void index_prefetch_next(struct index *ix, const struct map *m)
{
    static const char pre[] = "{\"_id\":\"";
    const size_t pn = sizeof pre - 1;
    if (!ix->cap || !m->p || m->len - m->pos <= pn) return;
    const char *l = m->p + m->pos, *q;
    size_t avail = m->len - m->pos - pn;
    if (memcmp(l, pre, pn) != 0 || !(q = memchr(l + pn, '"', avail < 256 ? avail : 256))) return;
    uint64_t h = cmp_hash(l + pn, (size_t)(q - (l + pn)));
    __builtin_prefetch(&ix->s[h & (ix->cap - 1)]);
    ix->pf[ix->pf_next].id = l + pn;
    ix->pf[ix->pf_next].len = (size_t)(q - (l + pn));
    ix->pf[ix->pf_next].h = h;
    ix->pf_next ^= 1;
}

/* Find id; on success its record is ix->rec and the slot is marked paired.
 * *found false when absent; *dup when present but already paired. */
static enum cut_err index_take(struct index *ix, const char *id, size_t idlen, bool *found,
                               bool *dup)
{
    *found = *dup = false;
    if (!ix->cap) return CUT_OK;
    uint64_t h = id_hash(ix, id, idlen);
    for (size_t j = h & (ix->cap - 1); ix->s[j].flags & 1; j = (j + 1) & (ix->cap - 1)) {
        if (ix->s[j].h != h) continue;
        bool same;
        enum cut_err e = slot_is(ix, &ix->s[j], id, idlen, &same);
        if (e) return e;
        if (!same) continue;
        if (ix->s[j].flags & 2) {
            *dup = true;
            return CUT_OK;
        }
        ix->s[j].flags |= 2;
        *found = true; /* slot_is found its record: ix->rec */
        return CUT_OK;
    }
    return CUT_OK;
}

void join_warn_bad(struct join_stats *st, const char *what)
{
    if (st->bad_lines++ < MAX_WARN) log_warn("%s", what);
}

static void warn_bad(struct join_stats *st, const char *what)
{
    join_warn_bad(st, what);
}

/* The next record of s that has an _id: bad lines and records without an
 * id are counted (warn_bad) and passed over. CUT_EOF at the end; another
 * error is a fault, described in err. */
static enum cut_err src_record(struct src *s, struct join_stats *st, const char **line, size_t *n,
                               long long *off, const char **id, size_t *idlen, char *err,
                               size_t errlen)
{
    for (;;) {
        enum cut_err e = src_line(s, line, n, off);
        if (e == CUT_EOF) return e;
        if (e == CUT_EPARSE) {
            warn_bad(st, src_error(s));
            continue;
        }
        if (e) {
            snprintf(err, errlen, "%s", src_error(s));
            return e;
        }
        if (!join_line_id(&s->ids, *line, *n, id, idlen)) return CUT_OK;
        char why[600];
        snprintf(why, sizeof why, "%s:%zu: record has no readable _id", s->name, src_lineno(s));
        warn_bad(st, why);
    }
}

/* Start an index of s; nothing is read yet (index_step reads). A source
 * that can't be read again by offset is spooled as it is read. */
static enum cut_err index_begin(struct index *ix, struct src *s, char *err, size_t errlen)
{
    memset(ix, 0, sizeof *ix);
    ix->src = s;
    ix->spool_fd = -1;
    buf_init(&ix->line, 0);
    buf_init(&ix->spool, 0);
    buf_init(&ix->win, 0);
    if (s->fd < 0) {
        char tpath[512];
        ix->spool_fd = make_temp(tpath, sizeof tpath);
        if (ix->spool_fd < 0) {
            snprintf(err, errlen, "%s: cannot create a temporary file: %s", s->name,
                     strerror(errno));
            return CUT_EIO;
        }
        s->fd = ix->spool_fd;
    }
    return CUT_OK;
}

/* Read and index the source's next record; *id is its id and *line, *n
 * the record (valid until the next step), *at its slot (SIZE_MAX when it
 * repeats an id). CUT_EOF at the end, once the source is all indexed. */
static enum cut_err index_step(struct index *ix, struct join_stats *st, const char **id,
                               size_t *idlen, const char **line_out, size_t *n_out, size_t *at,
                               char *err, size_t errlen)
{
    struct src *s = ix->src;
    if (ix->done) return CUT_EOF;
    const char *line;
    size_t n;
    long long off;
    enum cut_err e = src_record(s, st, &line, &n, &off, id, idlen, err, errlen);
    if (e == CUT_EOF) {
        ix->done = true;
        if (src_torn(s)) {
            st->torn++;
            log_warn("%s", src_error(s));
        }
        if (spool_flush(ix)) {
            snprintf(err, errlen, "%s: cannot write the spool: %s", s->name, strerror(errno));
            return CUT_EIO;
        }
        return CUT_EOF;
    }
    if (e) return e;
    if (ix->spool_fd >= 0) {
        off = (long long)ix->spool_off;
        e = buf_append(&ix->spool, line, n);
        if (!e) e = buf_putc(&ix->spool, '\n');
        if (!e && ix->spool.len >= SPOOL_FLUSH) e = spool_flush(ix);
        if (e) {
            snprintf(err, errlen, "%s: cannot write the spool: %s", s->name, strerror(errno));
            return CUT_EIO;
        }
        ix->spool_off += n + 1;
    }
    if (!s->m.p && (e = win_add(ix, line, n, (uint64_t)off))) {
        snprintf(err, errlen, "%s: %s", s->name, cutover_strerror(e));
        return e;
    }
    if ((e = index_add(ix, *id, *idlen, (uint64_t)off, n, at))) {
        snprintf(err, errlen, "%s: indexing failed: %s", s->name, cutover_strerror(e));
        return e;
    }
    index_prefetch_next(ix, &s->m); /* the next insert's slot */
    *line_out = line;
    *n_out = n;
    return CUT_OK;
}

/* Index the rest of the source. */
static enum cut_err index_finish(struct index *ix, struct join_stats *st, char *err, size_t errlen)
{
    const char *id, *line;
    size_t idlen, n, at;
    enum cut_err e = CUT_OK;
    while (!e) e = index_step(ix, st, &id, &idlen, &line, &n, &at, err, errlen);
    return e == CUT_EOF ? CUT_OK : e;
}

/* Read a whole source into an index. */
static enum cut_err index_build(struct index *ix, struct src *s, struct join_stats *st, char *err,
                                size_t errlen)
{
    enum cut_err e = index_begin(ix, s, err, errlen);
    return e ? e : index_finish(ix, st, err, errlen);
}

/* index_take on an index that is read as it is needed: the source is read
 * on until id has been indexed or the source ends. Pairs can start at once
 * instead of after a whole file is read; records are indexed in the same
 * order, so duplicates and what is left over are the same. The record
 * that brings id is the first with it (index_take did not find one
 * before), so it is taken as it was just read, without reading it again. */
static enum cut_err index_take_lazy(struct index *ix, struct join_stats *st, const char *id,
                                    size_t idlen, bool *found, bool *dup, char *err, size_t errlen)
{
    enum cut_err e = index_take(ix, id, idlen, found, dup);
    while (!e && !*found && !*dup && !ix->done) {
        const char *rid, *line;
        size_t rn, n, at;
        e = index_step(ix, st, &rid, &rn, &line, &n, &at, err, errlen);
        if (e == CUT_EOF) return CUT_OK;
        if (e || rn != idlen || memcmp(rid, id, idlen) != 0) continue;
        if (at == SIZE_MAX) { /* cannot be: id was not indexed; the general way */
            e = index_take(ix, id, idlen, found, dup);
            continue;
        }
        ix->s[at].flags |= 2;
        ix->rec = line;
        ix->recn = n;
        ix->kept = ix->src->m.p != NULL;
        *found = true;
    }
    return e;
}

static void index_free(struct index *ix)
{
    if (ix->s) slots_free(ix->s, ix->cap);
    buf_free(&ix->line);
    buf_free(&ix->spool);
    buf_free(&ix->win);
}

static enum cut_err call_one(join_one_fn fn, const struct join_sink *k, struct join_stats *st,
                             const char *name, const char *l, size_t n, bool kept)
{
    enum cut_err e = fn(k->ctx, l, n, kept ? CMP_KEEP_B : 0);
    if (e == CUT_EPARSE) {
        char why[600];
        snprintf(why, sizeof why, "%s: bad record skipped", name);
        warn_bad(st, why);
        return CUT_OK;
    }
    return e;
}

/* Every indexed record that never found its partner. */
static enum cut_err drain(struct index *ix, join_one_fn fn, const struct join_sink *k,
                          struct join_stats *st)
{
    for (size_t j = 0; j < ix->cap; j++) {
        if ((ix->s[j].flags & 3) != 1) continue;
        enum cut_err e = index_read(ix, &ix->s[j]);
        if (!e) e = call_one(fn, k, st, ix->src->name, ix->rec, ix->recn, ix->kept);
        if (e) return e;
    }
    return CUT_OK;
}

struct joiner {
    struct src in[3]; /* streamed, indexed, secondary */
    struct index ix, sx;
    bool have_sec, flip; /* flip: the streamed side is the baseline */
};

static enum cut_err stream(struct joiner *j, const struct join_sink *k, struct join_stats *st,
                           char *err, size_t errlen)
{
    struct src *s = &j->in[0];
    for (;;) {
        const char *line, *id;
        size_t n, idlen;
        long long off;
        enum cut_err e = src_record(s, st, &line, &n, &off, &id, &idlen, err, errlen);
        if (e == CUT_EOF) break;
        if (e) return e;
        bool found, dup, sfound = false, sdup;
        if ((e = index_take_lazy(&j->ix, st, id, idlen, &found, &dup, err, errlen))) return e;
        index_prefetch_next(&j->ix, &s->m); /* the next take's slot */
        if (dup) {
            (*(j->flip ? &st->dup_baseline : &st->dup_candidate))++;
            continue;
        }
        if (found && j->have_sec) {
            if ((e = index_take(&j->sx, id, idlen, &sfound, &sdup))) return e;
            if (!sfound) st->secondary_missing++;
        }
        const char *sl = sfound ? j->sx.rec : NULL;
        size_t sn = sfound ? j->sx.recn : 0;
        /* a mapped side's lines stay where they are until the end */
        bool skept = s->m.p != NULL, ikept = j->ix.kept;
        if (!found) {
            e = call_one(j->flip ? k->missing : k->extra, k, st, s->name, line, n, skept);
        } else {
            const char *bl = j->flip ? line : j->ix.rec, *cl = j->flip ? j->ix.rec : line;
            size_t bn = j->flip ? n : j->ix.recn, cn = j->flip ? j->ix.recn : n;
            unsigned keep = (j->flip ? skept : ikept) ? CMP_KEEP_B : 0;
            keep |= (j->flip ? ikept : skept) ? CMP_KEEP_C : 0;
            keep |= sfound && j->sx.kept ? CMP_KEEP_S : 0;
            e = k->pair(k->ctx, bl, bn, cl, cn, sl, sn, keep);
            if (e == CUT_EPARSE) {
                warn_bad(st, "a record pair could not be read; skipped");
                e = CUT_OK;
            }
        }
        if (e) return e;
    }
    if (src_torn(s)) {
        st->torn++;
        log_warn("%s", src_error(s));
    }
    return CUT_OK;
}

/* WIN_MAX, or CUTOVER_JOIN_WINDOW bytes (tests make it small to take
 * both ways). */
static size_t window_size(void)
{
    const char *v = getenv("CUTOVER_JOIN_WINDOW");
    if (!v || !*v) return WIN_MAX;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    return errno || *end || n > ((size_t)1 << 30) ? WIN_MAX : (size_t)n;
}

enum cut_err join_run(const char *base, const char *cand, const char *sec,
                      const struct join_sink *k, struct join_stats *st, char *err, size_t errlen)
{
    struct joiner j;
    memset(&j, 0, sizeof j);
    memset(st, 0, sizeof *st);
    err[0] = '\0';
    for (int i = 0; i < 3; i++) j.in[i].fd = -1;
    if (strcmp(base, "-") == 0 && strcmp(cand, "-") == 0) {
        snprintf(err, errlen, "only one input can be standard input");
        return CUT_EINVAL;
    }
    /* Stream the candidate (often a pipe of shards) unless only the
     * baseline is a pipe: the indexed side should be re-readable. */
    j.flip = !seekable(base) && seekable(cand);
    st->streamed_baseline = j.flip;
    j.have_sec = sec != NULL;
    enum cut_err e = src_open(&j.in[1], j.flip ? cand : base, err, errlen);
    if (!e) e = index_begin(&j.ix, &j.in[1], err, errlen); /* read as the stream needs it */
    j.ix.win_max = window_size();
    if (!e && sec) e = src_open(&j.in[2], sec, err, errlen);
    if (!e && sec) e = index_build(&j.sx, &j.in[2], st, err, errlen);
    if (!e) e = src_open(&j.in[0], j.flip ? base : cand, err, errlen);
    if (!e) e = stream(&j, k, st, err, errlen);
    if (!e) e = index_finish(&j.ix, st, err, errlen);
    if (!e) e = drain(&j.ix, j.flip ? k->extra : k->missing, k, st);
    if (k->end) { /* always: the sink may hold mapped lines, unmapped below */
        enum cut_err ee = k->end(k->ctx);
        if (!e) e = ee;
    }
    *(j.flip ? &st->dup_candidate : &st->dup_baseline) += j.ix.dups;
    st->dup_secondary = j.sx.dups;
    if (e && !*err) snprintf(err, errlen, "join failed: %s", cutover_strerror(e));
    index_free(&j.ix);
    if (sec) index_free(&j.sx);
    for (int i = 0; i < 3; i++)
        if (j.in[i].name) src_close(&j.in[i]);
    return e;
}
