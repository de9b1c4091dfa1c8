/* junit.c: junit.xml for Jenkins and GitLab: one test suite, one test case
 * per endpoint (plus "overall"); a case fails when a gate rule of its scope
 * failed, and its failure text lists those rules and its top differences.
 * Everything from traffic is XML-escaped; bytes XML 1.0 forbids are
 * replaced by U+FFFD. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../compare/compare.h"
#include "cutover/text.h"

#define TOP 5

/* Escape for XML text and attribute values. */
static enum cut_err xml(struct buf *b, const char *s)
{
    enum cut_err e = CUT_OK;
    size_t n = strlen(s);
    bool valid = text_utf8_valid(s, n);
    for (size_t i = 0; i < n && !e; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '<':
            e = buf_puts(b, "&lt;");
            break;
        case '>':
            e = buf_puts(b, "&gt;");
            break;
        case '&':
            e = buf_puts(b, "&amp;");
            break;
        case '"':
            e = buf_puts(b, "&quot;");
            break;
        case '\'':
            e = buf_puts(b, "&apos;");
            break;
        default:
            if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f || (ch >= 0x80 && !valid))
                e = buf_puts(b, "\xEF\xBF\xBD");
            else
                e = buf_putc(b, (char)ch);
        }
    }
    return e;
}

static enum cut_err failures(struct buf *b, const struct cmp *c, const char *scope, size_t *nf)
{
    enum cut_err e = CUT_OK;
    for (size_t i = 0; i < c->ngate && !e; i++) {
        const struct cmp_gate_row *r = &c->gate[i];
        if (r->passed || strcmp(r->scope, scope) != 0) continue;
        (*nf)++;
        e = buf_printf(b, "rule %s: actual %.4g, threshold %.4g", r->rule, r->actual, r->threshold);
        if (!e && !isnan(r->p_value)) e = buf_printf(b, " (p=%.3g)", r->p_value);
        if (!e) e = buf_putc(b, '\n');
    }
    return e;
}

static enum cut_err top_diffs(struct buf *b, const struct cmp *c, const uint32_t *v, size_t n,
                              uint32_t ep)
{
    enum cut_err e = CUT_OK;
    size_t shown = 0;
    for (size_t i = 0; i < n && shown < TOP && !e; i++) {
        const struct cmp_key *k = &c->keys[v[i]];
        if (k->endpoint != ep) continue;
        shown++;
        e = buf_printf(b, "difference: %s %s %s in %llu exchanges\n", cmp_where_name(k->where),
                       k->path, jdiff_kind_name(k->kind), (unsigned long long)k->raw);
    }
    return e;
}

static enum cut_err testcase(struct buf *b, const struct cmp *c, const char *name, long ep,
                             const uint32_t *v, size_t n)
{
    struct buf msg = BUF_INIT;
    size_t nf = 0;
    enum cut_err e = failures(&msg, c, name, &nf);
    if (!e && ep >= 0) e = top_diffs(&msg, c, v, n, (uint32_t)ep);
    if (!e) e = buf_puts(b, "  <testcase classname=\"cutover.compare\" name=\"");
    if (!e) e = xml(b, name);
    if (!e) e = buf_puts(b, "\" time=\"0\">\n");
    if (!e && nf) {
        e = buf_printf(b, "    <failure type=\"gate\" message=\"%zu gate rule(s) failed\">", nf);
        if (!e) e = xml(b, msg.data);
        if (!e) e = buf_puts(b, "</failure>\n");
    } else if (!e && msg.len) {
        e = buf_puts(b, "    <system-out>");
        if (!e) e = xml(b, msg.data);
        if (!e) e = buf_puts(b, "</system-out>\n");
    }
    if (!e) e = buf_puts(b, "  </testcase>\n");
    buf_free(&msg);
    return e;
}

enum cut_err report_junit(const struct cmp *c, const char *path)
{
    struct buf b = BUF_INIT;
    size_t n = 0, failed = 0;
    uint32_t *v = report_keys_sorted(c, false, &n);
    if (!v) return CUT_ENOMEM;
    /* one case per scope: overall and each endpoint */
    const char *prev = NULL;
    for (size_t i = 0; i < c->ngate; i++) {
        if (c->gate[i].passed) continue;
        if (!prev || strcmp(prev, c->gate[i].scope) != 0) failed++;
        prev = c->gate[i].scope;
    }
    enum cut_err e = buf_printf(&b,
                                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<testsuites>\n<testsuite name=\"cutover-compare\" tests=\"%zu\" "
                                "failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
                                c->neps + 1, failed, c->elapsed_s);
    if (!e) e = testcase(&b, c, "overall", -1, v, n);
    for (size_t i = 0; i < c->neps && !e; i++) e = testcase(&b, c, c->eps[i].name, (long)i, v, n);
    if (!e) e = buf_puts(&b, "</testsuite>\n</testsuites>\n");
    if (!e) e = report_write(path, &b);
    free(v);
    buf_free(&b);
    return e;
}
