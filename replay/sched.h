/* sched.h: the replay's pacing arithmetic: when each request is due,
 * relative to the start of the run.  Pure arithmetic on microseconds, no
 * clocks: main.c adds the run's start and measures lag against the result. */
#ifndef CUTOVER_REPLAY_SCHED_H
#define CUTOVER_REPLAY_SCHED_H

#include <stdbool.h>
#include <stdint.h>

enum sched_mode {
    SCHED_SPEED, /* original inter-arrival times divided by speed */
    SCHED_RATE,  /* a fixed number of requests per second */
    SCHED_MAX,   /* as fast as the concurrency allows: everything due at once */
};

struct sched {
    enum sched_mode mode;
    double speed;        /* SCHED_SPEED: > 0 */
    double rate;         /* SCHED_RATE: requests per second, > 0 */
    int64_t max_wait_us; /* cap on any one gap after scaling; < 0: none */
    /* state */
    int64_t prev_orig_us; /* latest original start seen in this pass; 0: none yet */
    int64_t prev_due_us;  /* due time of the last record scheduled */
    uint64_t n;           /* records scheduled (all passes) */
};

/* Can't fail. */
void sched_init(struct sched *s, enum sched_mode mode, double speed, double rate,
                int64_t max_wait_us);
/* Due time (µs after the run's start) of the next record, whose original
 * start was orig_us (epoch µs; 0 when unknown, which counts as no gap).
 * Records a little out of order (concurrent connections) get no gap rather
 * than a negative one, and the clock of the capture is not rewound by them. */
int64_t sched_next(struct sched *s, int64_t orig_us);
/* A new --loop pass: its first record follows the previous pass's last
 * without a gap. */
void sched_new_pass(struct sched *s);

#endif
