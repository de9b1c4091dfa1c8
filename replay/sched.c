/* sched.c: due times for --speed, --rate, --max, --max-wait and --loop.
 * Due times accumulate gap by gap (not orig - first), so a --max-wait cap
 * on one quiet stretch shifts everything after it instead of making the
 * following requests burst to catch up. */
#include "sched.h"

void sched_init(struct sched *s, enum sched_mode mode, double speed, double rate,
                int64_t max_wait_us)
{
    s->mode = mode;
    s->speed = speed > 0 ? speed : 1;
    s->rate = rate > 0 ? rate : 1;
    s->max_wait_us = max_wait_us;
    s->prev_orig_us = 0;
    s->prev_due_us = 0;
    s->n = 0;
}

static int64_t speed_gap(struct sched *s, int64_t orig_us)
{
    if (orig_us <= 0) return 0;
    if (s->prev_orig_us <= 0) {
        s->prev_orig_us = orig_us;
        return 0;
    }
    if (orig_us <= s->prev_orig_us) return 0;
    int64_t gap = (int64_t)((double)(orig_us - s->prev_orig_us) / s->speed);
    s->prev_orig_us = orig_us;
    if (s->max_wait_us >= 0 && gap > s->max_wait_us) gap = s->max_wait_us;
    return gap;
}

int64_t sched_next(struct sched *s, int64_t orig_us)
{
    int64_t due = 0;
    switch (s->mode) {
    case SCHED_MAX:
        due = 0;
        break;
    case SCHED_RATE:
        due = (int64_t)((double)s->n * 1e6 / s->rate);
        break;
    case SCHED_SPEED:
        due = s->prev_due_us + speed_gap(s, orig_us);
        break;
    }
    s->prev_due_us = due;
    s->n++;
    return due;
}

void sched_new_pass(struct sched *s)
{
    s->prev_orig_us = 0;
}
