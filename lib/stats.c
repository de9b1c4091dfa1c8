/* stats.c: the Mann-Whitney U test over two samples, sorted (a radix sort:
 * a million latencies take milliseconds, not the half second of qsort's
 * comparisons, at the end of a run when nothing else can go on) and ranked
 * by one merge walk. */
#include "cutover/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int dcmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* A double's bits as an unsigned key in the same order (no NaN): positive
 * values get the sign bit set, negative ones all bits flipped. */
static uint64_t key_of(double d)
{
    uint64_t k;
    memcpy(&k, &d, sizeof k);
    return k >> 63 ? ~k : k | (1ULL << 63);
}

static double value_of(uint64_t k)
{
    k = k >> 63 ? k & ~(1ULL << 63) : ~k;
    double d;
    memcpy(&d, &k, sizeof d);
    return d;
}

#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)

void stats_sort(double *v, size_t n)
{
    if (n < 2) return;
    uint64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    size_t *count = malloc(RADIX * sizeof *count);
    if (!a || !b || !count) {
        free(a);
        free(b);
        free(count);
        qsort(v, n, sizeof *v, dcmp);
        return;
    }
    for (size_t i = 0; i < n; i++) a[i] = key_of(v[i]);
    /* Least significant digit first; a digit every key shares is skipped
     * (latencies differ in few of the high bits). */
    for (unsigned shift = 0; shift < 64; shift += RADIX_BITS) {
        memset(count, 0, RADIX * sizeof *count);
        for (size_t i = 0; i < n; i++) count[(a[i] >> shift) & (RADIX - 1)]++;
        if (count[(a[0] >> shift) & (RADIX - 1)] == n) continue;
        size_t at = 0;
        for (size_t d = 0; d < RADIX; d++) {
            size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++) b[count[(a[i] >> shift) & (RADIX - 1)]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < n; i++) v[i] = value_of(a[i]);
    free(a);
    free(b);
    free(count);
}

enum cut_err stats_mann_whitney(double *x, size_t nx, double *y, size_t ny, double *u, double *p)
{
    *u = 0;
    *p = 1;
    for (size_t i = 0; i < nx; i++)
        if (isnan(x[i])) return CUT_EINVAL;
    for (size_t i = 0; i < ny; i++)
        if (isnan(y[i])) return CUT_EINVAL;
    if (nx == 0 || ny == 0) return CUT_OK;
    stats_sort(x, nx);
    stats_sort(y, ny);
    /* Walk both in order; each run of equal values gets the mean rank. */
    double rx = 0, ties = 0, rank = 1;
    size_t i = 0, j = 0;
    while (i < nx || j < ny) {
        double v = i < nx && (j >= ny || x[i] <= y[j]) ? x[i] : y[j];
        size_t ci = 0, cj = 0;
        while (i < nx && x[i] == v) i++, ci++;
        while (j < ny && y[j] == v) j++, cj++;
        double t = (double)(ci + cj);
        double mean = rank + (t - 1) / 2;
        rx += mean * (double)ci;
        ties += t * t * t - t;
        rank += t;
    }
    double n1 = (double)nx, n2 = (double)ny, n = n1 + n2;
    *u = rx - n1 * (n1 + 1) / 2;
    double mu = n1 * n2 / 2;
    double var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
    if (var <= 0) return CUT_OK;
    double d = fabs(*u - mu) - 0.5;
    if (d < 0) d = 0;
    double z = d / sqrt(var);
    double pv = erfc(z / sqrt(2.0));
    *p = pv > 1 ? 1 : pv;
    return CUT_OK;
}
