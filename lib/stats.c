/* stats.c: the Mann-Whitney U test over two samples, sorted in place and
 * ranked by one merge walk, so a million samples need no extra memory. */
#include "cutover/stats.h"

#include <math.h>
#include <stdlib.h>

static int dcmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
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
    qsort(x, nx, sizeof *x, dcmp);
    qsort(y, ny, sizeof *y, dcmp);
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
