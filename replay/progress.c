/* progress.c: counters, the lag histogram and the operator's display.
 * Lag is what coordinated omission hides: a request that waited behind its
 * due time because the candidate was slow. Its percentiles are shown beside
 * the rate so a slow candidate cannot look fast by being sent less. */
#include "progress.h"

#include <string.h>

void laghist_init(struct laghist *h)
{
    memset(h, 0, sizeof *h);
}

static size_t bucket_of(int64_t v)
{
    if (v < 128) return v < 0 ? 0 : (size_t)v;
    int msb = 63 - __builtin_clzll((unsigned long long)v);
    uint64_t mant = (uint64_t)v >> (msb - 6); /* 64..127 */
    size_t i = 128 + (size_t)(msb - 7) * 64 + (size_t)(mant - 64);
    return i < LAGHIST_BUCKETS ? i : LAGHIST_BUCKETS - 1;
}

/* Midpoint of bucket i. */
static int64_t value_of(size_t i)
{
    if (i < 128) return (int64_t)i;
    size_t msb = (i - 128) / 64 + 7;
    uint64_t mant = (i - 128) % 64 + 64;
    uint64_t width = 1ULL << (msb - 6);
    return (int64_t)((mant << (msb - 6)) + width / 2);
}

void laghist_add(struct laghist *h, int64_t v)
{
    h->count[bucket_of(v)]++;
    h->n++;
    if (v <= 1000) h->within_1ms++;
    if (v > h->max) h->max = v;
}

int64_t laghist_quantile(const struct laghist *h, double q)
{
    if (!h->n) return 0;
    uint64_t want = (uint64_t)(q * (double)h->n + 0.999999);
    if (want < 1) want = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < LAGHIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= want) {
            int64_t v = value_of(i);
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

void progress_init(struct progress *p, FILE *out, bool tty, bool quiet, double interval_s,
                   int64_t now_us)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = tty;
    p->quiet = quiet;
    p->interval_s = interval_s;
    p->start_us = p->last_us = now_us;
    laghist_init(&p->lag);
}

void progress_result(struct progress *p, int status, enum send_errkind err)
{
    p->done++;
    if (err != SEND_OK)
        p->errors[err < SEND_ERR_COUNT ? err : SEND_OTHER]++;
    else
        p->status[status >= 100 && status < 600 ? status / 100 : 0]++;
}

static uint64_t errors_total(const struct progress *p)
{
    uint64_t n = 0;
    for (int i = 1; i < SEND_ERR_COUNT; i++) n += p->errors[i];
    return n;
}

static double secs(int64_t us)
{
    return (double)us / 1e6;
}

static void line(struct progress *p, int64_t now_us, size_t in_flight)
{
    double el = secs(now_us - p->start_us);
    double rate = el > 0 ? (double)p->done / el : 0;
    char total[32] = "";
    if (p->total) snprintf(total, sizeof total, "/~%llu", (unsigned long long)p->total);
    char eta[32] = "";
    if (p->total > p->done && rate > 0) {
        long s = (long)((double)(p->total - p->done) / rate);
        snprintf(eta, sizeof eta, "  eta %ld:%02ld", s / 60, s % 60);
    }
    fprintf(p->out, "%s%llu%s done, %zu in flight, %.0f/s, %llu errors, lag p99 %.1f ms%s%s",
            p->tty ? "\r" : "", (unsigned long long)p->done, total, in_flight, rate,
            (unsigned long long)errors_total(p), (double)laghist_quantile(&p->lag, 0.99) / 1000,
            eta, p->tty ? "\033[K" : "\n");
    fflush(p->out);
    p->drawn = p->tty;
}

void progress_tick(struct progress *p, int64_t now_us, size_t in_flight)
{
    if (p->quiet) return;
    double every = p->tty ? 0.25 : p->interval_s;
    if (every <= 0 || secs(now_us - p->last_us) < every) return;
    p->last_us = now_us;
    line(p, now_us, in_flight);
}

void progress_final(struct progress *p, int64_t now_us)
{
    if (p->quiet) return;
    if (p->drawn) fprintf(p->out, "\r\033[K");
    double el = secs(now_us - p->start_us);
    fprintf(p->out, "cutover-replay: sent %llu in %.1f s (%.1f/s)", (unsigned long long)p->done, el,
            el > 0 ? (double)p->done / el : 0.0);
    if (p->skipped || p->resumed || p->bad)
        fprintf(p->out, "; not sent: %llu unselected, %llu already done, %llu bad input",
                (unsigned long long)p->skipped, (unsigned long long)p->resumed,
                (unsigned long long)p->bad);
    fprintf(p->out, "\ncutover-replay: answered");
    static const char *const cls[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    int any = 0;
    for (int i = 1; i < 6 + 1; i++) {
        int k = i % 6; /* 1xx..5xx, then "other" */
        if (!p->status[k]) continue;
        fprintf(p->out, "%s %s %llu", any++ ? "," : "", cls[k], (unsigned long long)p->status[k]);
    }
    if (!any) fprintf(p->out, " none");
    fprintf(p->out, "; errors");
    any = 0;
    for (int i = 1; i < SEND_ERR_COUNT; i++) {
        if (!p->errors[i]) continue;
        fprintf(p->out, "%s %s %llu", any++ ? "," : "", send_errkind_name((enum send_errkind)i),
                (unsigned long long)p->errors[i]);
    }
    if (!any) fprintf(p->out, " none");
    fprintf(p->out, "\n");
    if (p->lag.n)
        fprintf(p->out,
                "cutover-replay: lag behind schedule: p50 %.3f ms, p99 %.3f ms, max %.3f ms; "
                "%.2f%% within 1 ms\n",
                (double)laghist_quantile(&p->lag, 0.5) / 1000,
                (double)laghist_quantile(&p->lag, 0.99) / 1000, (double)p->lag.max / 1000,
                100.0 * (double)p->lag.within_1ms / (double)p->lag.n);
    fflush(p->out);
}
