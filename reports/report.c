/* report.c: what every renderer shares: writing a finished report to its
 * file (mode 0600 through outfile) and the order differences are shown in
 * (most frequent first). */
#include <stdlib.h>
#include <string.h>

#include "../compare/compare.h"
#include "cutover/outfile.h"

enum cut_err report_write(const char *path, const struct buf *b)
{
    struct outfile o;
    enum cut_err e = outfile_open(&o, path, false);
    if (e) {
        if (e != CUT_ENOMEM) outfile_close(&o, false);
        return e;
    }
    e = outfile_put(&o, b->data, b->len);
    enum cut_err ec = outfile_close(&o, false);
    return e ? e : ec;
}

static const struct cmp *sort_ctx;

static int by_count(const void *pa, const void *pb)
{
    const struct cmp_key *a = &sort_ctx->keys[*(const uint32_t *)pa];
    const struct cmp_key *b = &sort_ctx->keys[*(const uint32_t *)pb];
    if (a->raw != b->raw) return a->raw > b->raw ? -1 : 1;
    int c = strcmp(sort_ctx->eps[a->endpoint].name, sort_ctx->eps[b->endpoint].name);
    if (c) return c;
    if (a->where != b->where) return a->where < b->where ? -1 : 1;
    c = strcmp(a->path, b->path);
    return c ? c : (a->kind > b->kind) - (a->kind < b->kind);
}

uint32_t *report_keys_sorted(const struct cmp *c, bool noise, size_t *n)
{
    uint32_t *v = malloc((c->nkeys + 1) * sizeof *v);
    *n = 0;
    if (!v) return NULL;
    for (size_t i = 0; i < c->nkeys; i++) {
        const struct cmp_key *k = &c->keys[i];
        if (k->raw == 0) continue;
        if ((k->decision != CMP_DIFF) == noise) v[(*n)++] = (uint32_t)i;
    }
    sort_ctx = c;
    qsort(v, *n, sizeof *v, by_count);
    sort_ctx = NULL;
    return v;
}
