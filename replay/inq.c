/* inq.c: an input's records parsed ahead by a second thread (see inq.h).
 * The reader fills ring cells with input_next; the sender swaps a filled
 * cell's exchange with its spent one, so no record is copied.  The reader
 * runs ahead until the ring is full and is woken again only when it is
 * half empty: a wake-up per record would cost the sender more than the
 * parsing it saves. */
#include "inq.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

enum { DEPTH = 64, REFILL_AT = DEPTH / 2, WHY_MAX = 512 };

struct cell {
    struct exchange x;
    enum cut_err e;
    char why[WHY_MAX]; /* input_error's text for a failed record */
};

struct inq {
    struct input *in;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t ready, space;
    /* cells [tail, tail + count) are read and wait for the sender */
    size_t head, tail, count;
    bool started;      /* the thread exists: join it */
    bool ended;        /* the reader stopped after EOF or a failure */
    bool stop;         /* inq_stop asked the reader to stop */
    bool reader_waits; /* for space */
    bool sender_waits; /* for a record */
    char why[WHY_MAX]; /* the sender's copy of the last record's error */
    struct cell cells[DEPTH];
};

/* One record into the cell at head; false when the input is over. */
static bool read_one(struct inq *q, struct cell *c)
{
    c->e = input_next(q->in, &c->x);
    if (c->e && c->e != CUT_EOF) snprintf(c->why, sizeof c->why, "%s", input_error(q->in));
    return c->e == CUT_OK || c->e == CUT_EPARSE;
}

static void *reader_main(void *arg)
{
    struct inq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->count == DEPTH && !q->stop) {
            q->reader_waits = true;
            pthread_cond_wait(&q->space, &q->mu);
            q->reader_waits = false;
        }
        if (q->stop) break;
        struct cell *c = &q->cells[q->head];
        pthread_mutex_unlock(&q->mu);
        bool more = read_one(q, c);
        pthread_mutex_lock(&q->mu);
        q->head = (q->head + 1) % DEPTH;
        q->count++;
        if (q->sender_waits) pthread_cond_signal(&q->ready);
        if (!more) {
            q->ended = true;
            break;
        }
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* The reader takes no signal: SIGINT and SIGTERM must reach the sender,
 * whose poll they interrupt. */
enum cut_err inq_start(struct inq **out, struct input *in)
{
    struct inq *q = calloc(1, sizeof *q);
    if (!q) return CUT_ENOMEM;
    q->in = in;
    for (size_t i = 0; i < DEPTH; i++) exchange_init(&q->cells[i].x);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->ready, NULL);
    pthread_cond_init(&q->space, NULL);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&q->thread, NULL, reader_main, q);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        inq_stop(q);
        return CUT_EAGAIN;
    }
    q->started = true;
    *out = q;
    return CUT_OK;
}

enum cut_err inq_next(struct inq *q, struct exchange *x, const char **why)
{
    pthread_mutex_lock(&q->mu);
    while (!q->count) {
        if (q->ended) { /* only after its last cell was taken: say EOF again */
            pthread_mutex_unlock(&q->mu);
            return CUT_EOF;
        }
        q->sender_waits = true;
        pthread_cond_wait(&q->ready, &q->mu);
        q->sender_waits = false;
    }
    struct cell *c = &q->cells[q->tail];
    struct exchange t = c->x;
    c->x = *x;
    *x = t;
    enum cut_err e = c->e;
    if (e && e != CUT_EOF) snprintf(q->why, sizeof q->why, "%s", c->why);
    q->tail = (q->tail + 1) % DEPTH;
    if (--q->count <= REFILL_AT && q->reader_waits) pthread_cond_signal(&q->space);
    pthread_mutex_unlock(&q->mu);
    *why = q->why;
    return e;
}

void inq_stop(struct inq *q)
{
    if (!q) return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_signal(&q->space);
    pthread_mutex_unlock(&q->mu);
    if (q->started) pthread_join(q->thread, NULL);
    for (size_t i = 0; i < DEPTH; i++) exchange_release(&q->cells[i].x);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->ready);
    pthread_cond_destroy(&q->space);
    free(q);
}
