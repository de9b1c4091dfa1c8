/* workers.c: pairs are read and diffed on a small pool of threads while the
 * join goes on; what they found is counted on the caller's thread in the
 * order the pairs came, so the report is the same as with no thread at all.
 * Items travel in batches (a ring of them), each with its own arena and
 * its own copy of the lines the caller does not keep (a mapped input's are
 * kept); the caller also works batches itself while it waits. Owns the
 * threads, the ring and each worker's struct cmp. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

#define BATCH 32 /* items a batch holds */
#define RING 8   /* batches in flight */

enum { B_FREE, B_FILLING, B_QUEUED, B_BUSY, B_DONE };

struct batch {
    int state;
    size_t n;
    struct cmp_item items[BATCH];
    size_t off[BATCH][3];       /* line offsets in lines while filling */
    const char *kept[BATCH][3]; /* lines the caller keeps (not copied), or NULL */
    struct buf lines;
    struct jarena arena;
    enum cut_err fault; /* of the work half */
};

struct cmp_pool {
    struct cmp *c;
    struct batch ring[RING];
    size_t head, tail; /* batch being filled, oldest not applied */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    pthread_t *threads;
    struct cmp *workers; /* one struct cmp per thread, and one for the caller */
    int nthreads, started;
    bool stop;
    cmp_pool_bad_fn on_bad;
    void *ctx;
    size_t apply_next; /* next item of ring[tail] to apply */
};

static void work_batch(struct cmp *w, struct batch *b)
{
    jarena_reset(&b->arena);
    b->fault = CUT_OK;
    for (size_t i = 0; i < b->n && !b->fault; i++)
        b->fault = cmp_item_work(w, &b->arena, &b->items[i]);
}

/* The oldest queued batch, or NULL. Called with mu held. */
static struct batch *take_queued(struct cmp_pool *p)
{
    for (size_t k = 0; k < RING; k++) {
        struct batch *b = &p->ring[(p->tail + k) % RING];
        if (b->state == B_QUEUED) {
            b->state = B_BUSY;
            return b;
        }
    }
    return NULL;
}

struct worker_arg {
    struct cmp_pool *p;
    struct cmp *w;
};

static void *worker(void *arg)
{
    struct cmp_pool *p = ((struct worker_arg *)arg)->p;
    struct cmp *w = ((struct worker_arg *)arg)->w;
    free(arg);
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct batch *b = take_queued(p);
        if (!b) {
            pthread_cond_wait(&p->work, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        work_batch(w, b);
        pthread_mutex_lock(&p->mu);
        b->state = B_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

enum cut_err cmp_pool_new(struct cmp_pool **out, struct cmp *c, int threads, cmp_pool_bad_fn on_bad,
                          void *ctx)
{
    const char *const *hn;
    size_t nh;
    struct cmp_pool *p = calloc(1, sizeof *p);
    *out = p;
    if (!p) return CUT_ENOMEM;
    p->c = c;
    p->on_bad = on_bad;
    p->ctx = ctx;
    for (size_t i = 0; i < RING; i++) {
        buf_init(&p->ring[i].lines, 0);
        jarena_init(&p->ring[i].arena, 0);
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    enum cut_err e = cmp_header_names(c, &hn, &nh);
    p->workers = calloc((size_t)threads + 1, sizeof *p->workers);
    p->threads = calloc((size_t)threads + 1, sizeof *p->threads);
    if (!e && (!p->workers || !p->threads)) e = CUT_ENOMEM;
    for (int i = 0; !e && i <= threads; i++) e = cmp_worker_init(&p->workers[i], c);
    p->nthreads = e ? 0 : threads;
    for (int i = 0; !e && i < threads; i++) {
        struct worker_arg *a = malloc(sizeof *a);
        if (!a) return CUT_ENOMEM;
        a->p = p;
        a->w = &p->workers[i + 1];
        if (pthread_create(&p->threads[i], NULL, worker, a) != 0) {
            free(a);
            break; /* fewer threads: the caller does the rest */
        }
        p->started++;
    }
    return e;
}

/* Apply ring[tail]'s remaining items in order, working it first when no
 * thread has taken it. Stops at an item's error (returned; the next call
 * goes on after it). */
static enum cut_err apply_tail(struct cmp_pool *p)
{
    struct batch *b = &p->ring[p->tail];
    pthread_mutex_lock(&p->mu);
    /* While the oldest batch is not done, work any queued one (the oldest
     * first): waiting would leave a processor idle. */
    while (b->state != B_DONE) {
        struct batch *q = take_queued(p);
        if (!q) {
            pthread_cond_wait(&p->done, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        work_batch(&p->workers[0], q);
        pthread_mutex_lock(&p->mu);
        q->state = B_DONE;
    }
    pthread_mutex_unlock(&p->mu);
    if (b->fault) return b->fault;
    while (p->apply_next < b->n) {
        struct cmp_item *it = &b->items[p->apply_next++];
        enum cut_err e = cmp_item_apply(p->c, &b->arena, it);
        if (e == CUT_EPARSE && p->on_bad) p->on_bad(p->ctx, it->what);
        if (e && e != CUT_EPARSE) return e;
    }
    b->state = B_FREE;
    b->n = 0;
    buf_reset(&b->lines);
    p->apply_next = 0;
    p->tail = (p->tail + 1) % RING;
    return CUT_OK;
}

static void seal(struct cmp_pool *p, struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct cmp_item *it = &b->items[i];
        const char **l[3] = {&it->bl, &it->cl, &it->sl};
        for (int k = 0; k < 3; k++)
            *l[k] = b->kept[i][k]              ? b->kept[i][k]
                    : b->off[i][k] != SIZE_MAX ? b->lines.data + b->off[i][k]
                                               : NULL;
    }
    pthread_mutex_lock(&p->mu);
    b->state = B_QUEUED;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    p->head = (p->head + 1) % RING;
}

/* Line k of the item being filled: kept as it is when the caller keeps it
 * (bit k of keep), else copied into the batch. */
static enum cut_err put_line(struct batch *b, int k, unsigned keep, const char *l, size_t n)
{
    if (keep & (1u << k)) {
        b->kept[b->n][k] = l;
        return CUT_OK;
    }
    b->off[b->n][k] = b->lines.len;
    return buf_append(&b->lines, l, n);
}

enum cut_err cmp_pool_add(struct cmp_pool *p, int what, const char *bl, size_t bn, const char *cl,
                          size_t cn, const char *sl, size_t sn, unsigned keep)
{
    struct batch *b = &p->ring[p->head];
    /* the ring is full: count the oldest batch to free its place */
    while (b->state != B_FREE && b->state != B_FILLING) {
        enum cut_err e = apply_tail(p);
        if (e) return e;
    }
    b->state = B_FILLING;
    struct cmp_item *it = &b->items[b->n];
    memset(it, 0, sizeof *it);
    it->what = (uint8_t)what;
    it->bn = bn;
    it->cn = cl ? cn : 0;
    it->sn = sl ? sn : 0;
    for (int k = 0; k < 3; k++) {
        b->off[b->n][k] = SIZE_MAX;
        b->kept[b->n][k] = NULL;
    }
    enum cut_err e = put_line(b, 0, keep, bl, bn);
    if (!e && cl) e = put_line(b, 1, keep, cl, cn);
    if (!e && sl) e = put_line(b, 2, keep, sl, sn);
    if (e) return e;
    if (++b->n == BATCH) seal(p, b);
    return CUT_OK;
}

enum cut_err cmp_pool_drain(struct cmp_pool *p)
{
    struct batch *h = &p->ring[p->head];
    if (h->state == B_FILLING) seal(p, h);
    while (p->ring[p->tail].state != B_FREE) {
        enum cut_err e = apply_tail(p);
        if (e) return e;
    }
    return CUT_OK;
}

void cmp_pool_free(struct cmp_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++) pthread_join(p->threads[i], NULL);
    for (int i = 0; p->workers && i <= p->nthreads; i++) {
        struct cmp *w = &p->workers[i];
        buf_free(&w->kbuf);
        buf_free(&w->dpath);
        buf_free(&w->dsub);
        buf_free(&w->dfull);
        buf_free(&w->gpath);
        cmp_pathinfo_release(w);
        free(w->epmemo);
        free(w->sortmemo);
        for (size_t k = 0; k < sizeof w->htmp / sizeof *w->htmp; k++) buf_free(&w->htmp[k]);
    }
    if (p->c) { /* its key memory holds addresses of the workers' answers */
        free(p->c->keymemo);
        p->c->keymemo = NULL;
    }
    for (size_t i = 0; i < RING; i++) {
        buf_free(&p->ring[i].lines);
        jarena_release(&p->ring[i].arena);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p->workers);
    free(p->threads);
    free(p);
}
