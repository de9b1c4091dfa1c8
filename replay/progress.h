/* progress.h: what a replay tells its operator.  Counters kept as records
 * finish, a lag histogram (log-linear buckets, about 1.6% resolution), a
 * one-line display on a terminal refreshed a few times a second, plain
 * lines every --stats-interval otherwise, and the closing summary. */
#ifndef CUTOVER_REPLAY_PROGRESS_H
#define CUTOVER_REPLAY_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "send.h"

#define LAGHIST_BUCKETS (128 + 57 * 64)

struct laghist {
    uint64_t count[LAGHIST_BUCKETS];
    uint64_t n;
    uint64_t within_1ms; /* values of at most 1000 (µs): the pacing goal's measure */
    int64_t max;
};

/* Can't fail. */
void laghist_init(struct laghist *h);
void laghist_add(struct laghist *h, int64_t v);
/* The value below which a share q (0..1) of the recorded values fall, to
 * the bucket's resolution; 0 when empty. */
int64_t laghist_quantile(const struct laghist *h, double q);

struct progress {
    FILE *out; /* stderr */
    bool tty;  /* redraw one line in place */
    bool quiet;
    double interval_s; /* not a tty: a plain line this often; 0: never */
    int64_t start_us, last_us;
    uint64_t total; /* expected records, 0 when unknown */
    uint64_t sent, done, status[6], errors[SEND_ERR_COUNT];
    uint64_t skipped, resumed, bad, secondary_done;
    struct laghist lag;
    bool drawn;
};

void progress_init(struct progress *p, FILE *out, bool tty, bool quiet, double interval_s,
                   int64_t now_us);
/* A finished primary transfer. */
void progress_result(struct progress *p, int status, enum send_errkind err);
/* Redraw or print a line when one is due. */
void progress_tick(struct progress *p, int64_t now_us, size_t in_flight);
/* The closing summary (cleared display first). */
void progress_final(struct progress *p, int64_t now_us);

#endif
