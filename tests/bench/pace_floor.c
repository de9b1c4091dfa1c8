/* pace_floor.c: the pacing floor of this machine at this moment: sleeps
 * until each of N due times RATE per second apart (clock_nanosleep on an
 * absolute monotonic time, nothing else to do) and prints how late it woke,
 * as {"_lag":MS} lines like a replay record's, so report.py reads both the
 * same way.  What cutover-replay's pacing can be held against under the
 * same load.  Usage: pace_floor N RATE */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: pace_floor N RATE\n", stderr);
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    double rate = strtod(argv[2], NULL);
    if (n <= 0 || rate <= 0) {
        fputs("pace_floor: N and RATE must be positive\n", stderr);
        return 2;
    }
    long long start = now_ns() + 10000000LL, step = (long long)(1e9 / rate);
    for (long i = 0; i < n; i++) {
        long long due = start + i * step;
        struct timespec ts = {(time_t)(due / 1000000000LL), (long)(due % 1000000000LL)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
        printf("{\"_lag\":%.3f}\n", (double)(now_ns() - due) / 1e6);
    }
    return 0;
}
