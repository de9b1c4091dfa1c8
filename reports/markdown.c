/* markdown.c: summary.md, a short report for a pull-request comment or a
 * CI job summary: verdict, the gate rules (failed ones first), and the
 * most frequent differences.  Text from traffic is put in code spans with
 * backticks and pipes neutralised, so it cannot break the tables. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../compare/compare.h"

#define TOP 10

/* A table cell: a code span without backticks, pipes or line breaks. */
static enum cut_err cell(struct buf *b, const char *s)
{
    enum cut_err e = buf_putc(b, '`');
    for (; *s && !e; s++) {
        char ch = *s == '`' ? '\'' : *s == '|' ? '/' : (*s == '\n' || *s == '\r') ? ' ' : *s;
        e = buf_putc(b, ch);
    }
    return e ? e : buf_putc(b, '`');
}

static enum cut_err fmt(struct buf *b, double v)
{
    if (isnan(v)) return buf_puts(b, "n/a");
    if (isinf(v)) return buf_puts(b, "off");
    return buf_printf(b, "%.4g", v);
}

static enum cut_err gate_rows(struct buf *b, const struct cmp *c, bool failed, size_t *shown)
{
    enum cut_err e = CUT_OK;
    for (size_t i = 0; i < c->ngate && !e; i++) {
        const struct cmp_gate_row *r = &c->gate[i];
        if (r->passed == failed) continue;
        if (!failed && strcmp(r->scope, "overall") != 0) continue;
        e = buf_printf(b, "| %s | %s | ", r->passed ? "pass" : "**FAIL**", r->rule);
        if (!e) e = cell(b, r->scope);
        if (!e) e = buf_puts(b, " | ");
        if (!e) e = fmt(b, r->threshold);
        if (!e) e = buf_puts(b, " | ");
        if (!e) e = fmt(b, r->actual);
        if (!e) e = buf_puts(b, " | ");
        if (!e && !isnan(r->p_value)) e = buf_printf(b, "p=%.3g ", r->p_value);
        if (!e && r->note) e = buf_puts(b, r->note);
        if (!e) e = buf_puts(b, " |\n");
        (*shown)++;
    }
    return e;
}

enum cut_err report_markdown(const struct cmp *c, const char *path)
{
    struct buf b = BUF_INIT;
    size_t shown = 0, n = 0;
    enum cut_err e =
        buf_printf(&b,
                   "## cutover-compare: %s\n\n"
                   "%llu exchanges, %llu compared, **parity %.2f%%**, %llu missing, "
                   "%llu extra, %llu errors.\n\n"
                   "| outcome | rule | scope | threshold | actual | note |\n"
                   "|---|---|---|---|---|---|\n",
                   c->passed ? "PASS" : "FAIL", (unsigned long long)c->exchanges,
                   (unsigned long long)c->compared, c->parity, (unsigned long long)c->missing,
                   (unsigned long long)c->extra, (unsigned long long)c->errors);
    if (!e) e = gate_rows(&b, c, true, &shown);
    if (!e) e = gate_rows(&b, c, false, &shown);
    if (!e && c->ngate > shown)
        e = buf_printf(&b, "\n%zu more rules passed (per endpoint; see report.json).\n",
                       c->ngate - shown);
    uint32_t *v = e ? NULL : report_keys_sorted(c, false, &n);
    if (!e && !v) e = CUT_ENOMEM;
    if (!e && n) {
        e = buf_puts(&b, "\n### Top differences\n\n| count | endpoint | where | path | kind |\n"
                         "|---|---|---|---|---|\n");
        for (size_t i = 0; i < n && i < TOP && !e; i++) {
            const struct cmp_key *k = &c->keys[v[i]];
            e = buf_printf(&b, "| %llu | ", (unsigned long long)k->raw);
            if (!e) e = cell(&b, c->eps[k->endpoint].name);
            if (!e) e = buf_printf(&b, " | %s | ", cmp_where_name(k->where));
            if (!e) e = cell(&b, k->path);
            if (!e) e = buf_printf(&b, " | %s |\n", jdiff_kind_name(k->kind));
        }
        if (!e && n > TOP) e = buf_printf(&b, "\n%zu more in report.json.\n", n - TOP);
    } else if (!e) {
        e = buf_puts(&b, "\nNo differences beyond noise.\n");
    }
    free(v);
    if (!e) e = report_write(path, &b);
    buf_free(&b);
    return e;
}
