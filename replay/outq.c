/* outq.c: the replayer's output records, written by a second thread (see
 * outq.h).  The sending thread swaps each finished exchange into a ring
 * cell and gets a spent one back, so no record is copied; the writer turns
 * the cells into JSON lines in ring order and hands them to the outfile
 * in 64 KiB batches.  The writer is woken once per WAKE_AT records, on the
 * run's periodic flush and at the end, not once per record: a wake-up
 * costs the sender more than a record's JSON. */
#include "outq.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "cutover/buf.h"
#include "cutover/har.h"

enum { DEPTH = 128, WAKE_AT = 32, MAX_OUT = 2 };

struct cell {
    struct exchange x;
    int d;
};

struct outq {
    struct outfile *files;
    int ndest;
    struct buf pend[MAX_OUT]; /* records not yet handed to the outfile */
    enum cut_err err;         /* first failure; written by the writer only */
    int err_d;
    bool threaded;
    /* the ring: cells [tail, tail + count) wait for the writer */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work, space;
    size_t head, tail, count;
    bool flush, stop;
    struct cell cells[DEPTH];
};

static enum cut_err put_pending(struct outq *q, int d)
{
    struct buf *p = &q->pend[d];
    if (!p->len) return CUT_OK;
    enum cut_err e = outfile_put(&q->files[d], p->data, p->len);
    buf_reset(p);
    return e;
}

static void fail(struct outq *q, int d, enum cut_err e)
{
    if (q->threaded) pthread_mutex_lock(&q->mu);
    if (!q->err) {
        q->err = e;
        q->err_d = d;
    }
    if (q->threaded) pthread_mutex_unlock(&q->mu);
}

/* Records are written into pend[d] and handed over a batch at a time:
 * outfile_put writes a batch of flush_at bytes or more as it is, where a
 * record handed over alone would be copied into its pending buffer first. */
static void write_record(struct outq *q, int d, const struct exchange *x)
{
    if (q->err) return; /* set by this same thread: no lock needed to read it */
    struct buf *p = &q->pend[d];
    size_t mark = p->len;
    enum cut_err e = har_write_entry(p, x);
    if (!e) e = buf_putc(p, '\n');
    if (e)
        buf_truncate(p, mark); /* whole records only */
    else if (p->len >= q->files[d].flush_at)
        e = put_pending(q, d);
    if (e) fail(q, d, e);
}

static void flush_all(struct outq *q)
{
    for (int d = 0; d < q->ndest && !q->err; d++) {
        enum cut_err e = put_pending(q, d);
        if (e) fail(q, d, e);
        (void)outfile_flush(&q->files[d]); /* a failure shows again at close */
    }
}

static void *writer_main(void *arg)
{
    struct outq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->count < WAKE_AT && !q->flush && !q->stop) pthread_cond_wait(&q->work, &q->mu);
        size_t n = q->count, at = q->tail;
        bool flush = q->flush || q->stop;
        q->flush = false;
        pthread_mutex_unlock(&q->mu);
        for (size_t i = 0; i < n; i++) {
            struct cell *c = &q->cells[(at + i) % DEPTH];
            write_record(q, c->d, &c->x);
        }
        if (flush) flush_all(q);
        pthread_mutex_lock(&q->mu);
        q->tail = (at + n) % DEPTH;
        q->count -= n;
        if (n) pthread_cond_signal(&q->space);
        if (q->stop && !q->count) break;
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* The writer takes no signal: SIGINT and SIGTERM must reach the sending
 * thread, whose poll they interrupt. */
static bool start_writer(struct outq *q)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    bool ok = pthread_create(&q->thread, NULL, writer_main, q) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

enum cut_err outq_new(struct outq **out, struct outfile *files, int ndest, bool threaded)
{
    if (ndest < 1 || ndest > MAX_OUT) return CUT_EINVAL;
    struct outq *q = calloc(1, sizeof *q);
    if (!q) return CUT_ENOMEM;
    q->files = files;
    q->ndest = ndest;
    for (int d = 0; d < ndest; d++) buf_init(&q->pend[d], 0);
    for (size_t i = 0; i < DEPTH; i++) exchange_init(&q->cells[i].x);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->work, NULL);
    pthread_cond_init(&q->space, NULL);
    q->threaded = threaded && start_writer(q);
    *out = q;
    return CUT_OK;
}

void outq_put(struct outq *q, int d, struct exchange *x)
{
    if (!q->threaded) {
        write_record(q, d, x);
        return;
    }
    pthread_mutex_lock(&q->mu);
    while (q->count == DEPTH) pthread_cond_wait(&q->space, &q->mu);
    struct cell *c = &q->cells[q->head];
    struct exchange spent = c->x;
    c->x = *x;
    *x = spent;
    c->d = d;
    q->head = (q->head + 1) % DEPTH;
    if (++q->count == WAKE_AT) pthread_cond_signal(&q->work);
    pthread_mutex_unlock(&q->mu);
}

void outq_flush(struct outq *q)
{
    if (!q->threaded) {
        flush_all(q);
        return;
    }
    pthread_mutex_lock(&q->mu);
    q->flush = true;
    pthread_cond_signal(&q->work);
    pthread_mutex_unlock(&q->mu);
}

enum cut_err outq_error(struct outq *q, int *d)
{
    if (q->threaded) pthread_mutex_lock(&q->mu);
    enum cut_err e = q->err;
    *d = q->err_d;
    if (q->threaded) pthread_mutex_unlock(&q->mu);
    return e;
}

enum cut_err outq_finish(struct outq *q, int *d)
{
    if (q->threaded) {
        pthread_mutex_lock(&q->mu);
        q->stop = true;
        pthread_cond_signal(&q->work);
        pthread_mutex_unlock(&q->mu);
        pthread_join(q->thread, NULL);
        q->threaded = false;
    }
    flush_all(q);
    enum cut_err e = q->err;
    *d = q->err_d;
    for (int i = 0; i < q->ndest; i++) buf_free(&q->pend[i]);
    for (size_t i = 0; i < DEPTH; i++) exchange_release(&q->cells[i].x);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->space);
    free(q);
    return e;
}
