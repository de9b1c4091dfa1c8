/* html.c: report.html, one self-contained file (inline CSS, JS and SVG; a
 * Content-Security-Policy forbids loading anything else): verdict and gate
 * at the top, a sortable endpoints table, differences grouped by endpoint
 * with side-by-side examples (differing JSON paths highlighted, a line diff
 * for text bodies, "copy as curl"), noise with its reasons, latency CDFs.
 * Every byte that came from traffic goes through esc(): HTML-escaped, and
 * invalid UTF-8 or control bytes replaced; no traffic data is ever put
 * inside the <script> element. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../compare/compare.h"
#include "cutover/jsonw.h"
#include "cutover/sha256.h"
#include "cutover/text.h"

#define MAX_KEYS_SHOWN 500
#define MAX_NOISE_SHOWN 500
#define MAX_DIFF_LINES 2000

struct out {
    struct buf *b;
    enum cut_err e;
};

static void raw(struct out *o, const char *s)
{
    if (!o->e) o->e = buf_puts(o->b, s);
}

static void rawf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rawf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!o->e) o->e = buf_vprintf(o->b, fmt, ap);
    va_end(ap);
}

/* Length of the well-formed UTF-8 sequence at p (of at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] < 0x80             ? 1
                 : (p[0] & 0xE0) == 0xC0 ? 2
                 : (p[0] & 0xF0) == 0xE0 ? 3
                 : (p[0] & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (len == 0 || len > n) return 0;
    return text_utf8_valid(p, len) ? len : 0;
}

/* HTML-escape p[0..n): markup characters become entities, bytes that are
 * not well-formed UTF-8 and control characters become U+FFFD; U+2028/2029
 * are written as character references. */
static void esc_n(struct out *o, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n && !o->e;) {
        unsigned char ch = s[i];
        const char *rep = NULL;
        switch (ch) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        case '`':
            rep = "&#96;";
            break;
        default:
            break;
        }
        if (rep) {
            o->e = buf_puts(o->b, rep);
            i++;
            continue;
        }
        if (ch < 0x20 && ch != '\n' && ch != '\t') {
            o->e = buf_puts(o->b, "\xEF\xBF\xBD");
            i++;
            continue;
        }
        size_t len = utf8_len(s + i, n - i);
        if (len == 0 || ch == 0x7f) {
            o->e = buf_puts(o->b, "\xEF\xBF\xBD");
            i++;
        } else if (len == 3 && s[i] == 0xE2 && s[i + 1] == 0x80 &&
                   (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
            o->e = buf_puts(o->b, s[i + 2] == 0xA8 ? "&#x2028;" : "&#x2029;");
            i += 3;
        } else {
            o->e = buf_append(o->b, s + i, len);
            i += len;
        }
    }
}

static void esc(struct out *o, const char *s)
{
    esc_n(o, s, strlen(s));
}

/* A number cell; prec < 0 means %g with -prec significant digits. */
static void numcell(struct out *o, double v, int prec)
{
    if (isnan(v))
        raw(o, "<td data-v=\"-1\">n/a</td>");
    else if (isinf(v))
        raw(o, "<td data-v=\"-1\">off</td>");
    else {
        rawf(o, "<td data-v=\"%.6g\">", v);
        if (prec < 0)
            rawf(o, "%.*g", -prec, v);
        else
            rawf(o, "%.*f", prec, v);
        raw(o, "</td>");
    }
}

/* ---- head, verdict, gate ---- */

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0 2em 4em;color:#222}"
    "h1{margin:.6em 0 .2em}.verdict{display:inline-block;padding:.2em .8em;border-radius:4px;"
    "color:#fff;font-weight:bold}.pass{background:#2a7d2e}.fail{background:#b3261e}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:"
    ".2em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    "table.sort th{cursor:pointer}tr.bad td{background:#fde7e7}"
    "pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:.5em;margin:.2em 0;"
    "max-height:30em;overflow:auto}mark{background:#ffe066}.side{display:flex;gap:1em}"
    ".side>div{flex:1;min-width:0}details{margin:.3em 0 .6em}summary{cursor:pointer}"
    ".ex{border-left:3px solid #ccc;padding-left:.8em;margin:.6em 0}.del{background:#fdd}"
    ".ins{background:#dfd}.note{color:#666;font-style:italic}#filter{width:30em;padding:.3em}"
    "svg{background:#fafafa;border:1px solid #ddd}.charts{display:flex;flex-wrap:wrap;gap:1em}"
    "code{background:#f3f3f3;padding:0 .2em}";

static const char js[] =
    "(function(){"
    "function val(td){var v=td.getAttribute('data-v');return v===null?td.textContent:"
    "parseFloat(v);}"
    "document.querySelectorAll('table.sort').forEach(function(t){"
    "t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){"
    "var asc=th.getAttribute('data-asc')!=='1';th.setAttribute('data-asc',asc?'1':'0');"
    "var rows=Array.prototype.slice.call(t.tBodies[0].rows);rows.sort(function(a,b){"
    "var x=val(a.cells[i]),y=val(b.cells[i]);if(x<y)return asc?-1:1;if(x>y)return asc?1:-1;"
    "return 0;});rows.forEach(function(r){t.tBodies[0].appendChild(r);});});});});"
    "var f=document.getElementById('filter');if(f)f.addEventListener('input',function(){"
    "var q=f.value.toLowerCase();document.querySelectorAll('.f').forEach(function(e){"
    "e.style.display=e.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});"
    "document.querySelectorAll('button.copy').forEach(function(b){b.addEventListener('click',"
    "function(){var t=document.getElementById(b.getAttribute('data-for'));"
    "if(t&&navigator.clipboard)navigator.clipboard.writeText(t.textContent).then(function(){"
    "b.textContent='copied';},function(){b.textContent='select and copy';});});});"
    "document.body.setAttribute('data-ready','1');"
    "})();";

/* The policy allows exactly the report's own script, by its SHA-256, so
 * that even markup that escaped the escaping could not run one; nothing may
 * be loaded from elsewhere, and no form or <base> can send data anywhere. */
static void csp(struct out *o)
{
    uint8_t digest[SHA256_LEN];
    struct buf h = BUF_INIT;
    sha256(js, sizeof js - 1, digest);
    if (!o->e) o->e = text_b64_encode(&h, digest, sizeof digest);
    rawf(o,
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'sha256-%s'; img-src data:; base-uri 'none'; "
         "form-action 'none'\">\n",
         h.data);
    buf_free(&h);
}

static void head(struct out *o, const struct cmp *c)
{
    raw(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    csp(o);
    raw(o, "<meta name=\"referrer\" content=\"no-referrer\">\n");
    rawf(o, "<title>cutover-compare: %s</title>\n<style>%s</style></head>\n<body>\n",
         c->passed ? "PASS" : "FAIL", css);
    rawf(o, "<h1>cutover-compare <span id=\"verdict\" class=\"verdict %s\">%s</span></h1>\n",
         c->passed ? "pass" : "fail", c->passed ? "PASS" : "FAIL");
    raw(o, "<p>Baseline <code>");
    esc(o, c->o->baseline);
    raw(o, "</code>, candidate <code>");
    esc(o, c->o->candidate);
    raw(o, "</code>");
    if (c->o->secondary) {
        raw(o, ", secondary <code>");
        esc(o, c->o->secondary);
        raw(o, "</code>");
    }
    rawf(o, ". Generated %s by cutover-compare " CMP_VERSION ".</p>\n", c->started);
    rawf(o,
         "<p id=\"totals\"><b>%llu</b> exchanges, <b>%llu</b> compared, <b>%llu</b> matched, "
         "<b>%llu</b> mismatched: <b>parity %.2f%%</b>; %llu missing, %llu extra, %llu errors"
         "%s</p>\n",
         (unsigned long long)c->exchanges, (unsigned long long)c->compared,
         (unsigned long long)c->matched, (unsigned long long)c->mismatched, c->parity,
         (unsigned long long)c->missing, (unsigned long long)c->extra,
         (unsigned long long)c->errors, c->bad_lines ? " (some input lines were unreadable)" : "");
}

static void gate(struct out *o, const struct cmp *c)
{
    raw(o, "<h2>Gate</h2>\n<table id=\"gate\" class=\"sort\"><thead><tr><th>outcome</th>"
           "<th>rule</th><th>scope</th><th>threshold</th><th>actual</th><th>p-value</th>"
           "<th>note</th></tr></thead><tbody>\n");
    for (int pass = 0; pass < 2; pass++) /* failed rules first */
        for (size_t i = 0; i < c->ngate; i++) {
            const struct cmp_gate_row *r = &c->gate[i];
            if (r->passed != (pass == 1)) continue;
            rawf(o, "<tr class=\"f%s\"><td>%s</td><td>", r->passed ? "" : " bad",
                 r->passed ? "pass" : "FAIL");
            esc(o, r->rule);
            raw(o, "</td><td>");
            esc(o, r->scope);
            raw(o, "</td>");
            numcell(o, r->threshold, -4);
            numcell(o, r->actual, -4);
            numcell(o, r->p_value, -3);
            raw(o, "<td>");
            if (r->note) esc(o, r->note);
            raw(o, "</td></tr>\n");
        }
    raw(o, "</tbody></table>\n");
}

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 100.0;
}

static void endpoints(struct out *o, const struct cmp *c)
{
    raw(o, "<h2>Endpoints</h2>\n<p><input id=\"filter\" type=\"search\" "
           "placeholder=\"filter endpoints, paths, rules\" aria-label=\"filter\"></p>\n"
           "<table id=\"endpoints\" class=\"sort\"><thead><tr><th>endpoint</th><th>exchanges</th>"
           "<th>compared</th><th>parity %</th><th>mismatched</th><th>status mismatches</th>"
           "<th>missing</th><th>extra</th><th>errors</th><th>ref p50</th><th>cand p50</th>"
           "<th>ref p99</th><th>cand p99</th><th>p99 ratio</th><th>p-value</th></tr></thead>"
           "<tbody>\n");
    for (size_t i = 0; i < c->neps; i++) {
        const struct cmp_endpoint *ep = &c->eps[i];
        const struct cmp_latency *l = &ep->lat;
        rawf(o, "<tr class=\"f%s\"><td>", ep->mismatched ? " bad" : "");
        esc(o, ep->name);
        raw(o, "</td>");
        numcell(o, (double)ep->exchanges, 0);
        numcell(o, (double)ep->compared, 0);
        numcell(o, pct(ep->matched, ep->compared), 2);
        numcell(o, (double)ep->mismatched, 0);
        numcell(o, (double)ep->status_mismatch, 0);
        numcell(o, (double)ep->missing, 0);
        numcell(o, (double)ep->extra, 0);
        numcell(o, (double)ep->errors, 0);
        numcell(o, l->ref_p[0], 3);
        numcell(o, l->cand_p[0], 3);
        numcell(o, l->ref_p[2], 3);
        numcell(o, l->cand_p[2], 3);
        numcell(o, l->p99_ratio, 3);
        numcell(o, l->p_value, -3);
        raw(o, "</tr>\n");
    }
    raw(o, "</tbody></table>\n");
}

/* ---- example bodies ---- */

struct pp {
    struct out *o;
    const struct cmp_strings *paths;
    struct buf path, tmp;
};

static bool highlighted(const struct pp *p)
{
    for (size_t i = 0; i < p->paths->n; i++)
        if (strcmp(p->paths->v[i], p->path.data) == 0) return true;
    return false;
}

static void indent(struct out *o, int n)
{
    for (int i = 0; i < n && !o->e; i++) o->e = buf_puts(o->b, "  ");
}

static void json_str(struct pp *p, const char *s, size_t n)
{
    buf_reset(&p->tmp);
    if (!p->o->e) p->o->e = jsonw_str(&p->tmp, s, n);
    esc_n(p->o, p->tmp.data, p->tmp.len);
}

static void pp_value(struct pp *p, const struct jv *v, int depth)
{
    struct out *o = p->o;
    bool mark = highlighted(p);
    size_t mark_len = p->path.len;
    if (mark) raw(o, "<mark>");
    if (v->type == JV_OBJ || v->type == JV_ARR) {
        bool obj = v->type == JV_OBJ;
        raw(o, obj ? "{" : "[");
        for (uint32_t i = 0; i < v->n && !o->e; i++) {
            raw(o, i ? ",\n" : "\n");
            indent(o, depth + 1);
            if (obj) {
                const struct jmember *m = &v->u.mem[i];
                json_str(p, m->key, m->keylen);
                raw(o, ": ");
                if (!o->e) o->e = jpath_append_key(&p->path, m->key, m->keylen);
                pp_value(p, &m->val, depth + 1);
            } else {
                if (!o->e) o->e = jpath_append_index(&p->path, i);
                pp_value(p, &v->u.items[i], depth + 1);
            }
            buf_truncate(&p->path, mark_len);
        }
        if (v->n) {
            raw(o, "\n");
            indent(o, depth);
        }
        raw(o, obj ? "}" : "]");
    } else if (v->type == JV_STR) {
        json_str(p, v->u.s, v->n);
    } else if (v->type == JV_NUM) {
        esc_n(o, v->u.s, v->n);
    } else {
        raw(o, v->type == JV_NULL ? "null" : v->b ? "true" : "false");
    }
    if (mark) raw(o, "</mark>");
}

/* A body: pretty JSON with the differing paths marked, or escaped text. */
static void body(struct out *o, const struct buf *b, bool capped, const struct cmp_strings *paths)
{
    struct jarena a;
    struct jv v;
    jarena_init(&a, (size_t)64 << 20);
    raw(o, "<pre>");
    if (b->len && jv_parse(&a, b->data, b->len, &v, NULL) == CUT_OK) {
        struct pp p = {o, paths, BUF_INIT, BUF_INIT};
        if (!o->e) o->e = buf_putc(&p.path, '$');
        pp_value(&p, &v, 0);
        buf_free(&p.path);
        buf_free(&p.tmp);
    } else {
        esc_n(o, b->data, b->len);
    }
    raw(o, "</pre>");
    if (capped) raw(o, "<p class=\"note\">body cut at the report's size limit</p>");
    jarena_release(&a);
}

/* ---- line diff of two text bodies (LCS over lines, bounded) ---- */

struct lines {
    const char **p;
    size_t *n;
    size_t count;
};

static bool split_lines(const struct buf *b, struct lines *l)
{
    size_t cap = 1;
    for (size_t i = 0; i < b->len; i++) cap += b->data[i] == '\n';
    if (cap > MAX_DIFF_LINES) return false;
    l->p = malloc(cap * sizeof *l->p);
    l->n = malloc(cap * sizeof *l->n);
    l->count = 0;
    if (!l->p || !l->n) return false;
    const char *s = b->data, *e = b->data + b->len;
    while (s < e) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        const char *end = nl ? nl : e;
        l->p[l->count] = s;
        l->n[l->count++] = (size_t)(end - s);
        s = nl ? nl + 1 : e;
    }
    return true;
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->n[i] == b->n[j] && memcmp(a->p[i], b->p[j], a->n[i]) == 0;
}

static void line_out(struct out *o, const char *cls, const char *sign, const char *p, size_t n)
{
    rawf(o, "<span class=\"%s\">%s", cls, sign);
    esc_n(o, p, n);
    raw(o, "</span>\n");
}

static bool line_diff(struct out *o, const struct buf *x, const struct buf *y)
{
    struct lines a = {0}, b = {0};
    bool ok = split_lines(x, &a) && split_lines(y, &b);
    size_t w = b.count + 1;
    uint16_t *t = ok ? calloc((a.count + 1) * w, sizeof *t) : NULL;
    if (t) {
        for (size_t i = a.count; i-- > 0;)
            for (size_t j = b.count; j-- > 0;)
                t[i * w + j] = line_eq(&a, i, &b, j) ? (uint16_t)(t[(i + 1) * w + j + 1] + 1)
                               : t[(i + 1) * w + j] > t[i * w + j + 1] ? t[(i + 1) * w + j]
                                                                       : t[i * w + j + 1];
        raw(o, "<p>Line diff (baseline to candidate):</p><pre>");
        size_t i = 0, j = 0;
        while (i < a.count || j < b.count) {
            if (i < a.count && j < b.count && line_eq(&a, i, &b, j)) {
                line_out(o, "same", "  ", a.p[i], a.n[i]);
                i++, j++;
            } else if (j < b.count && (i == a.count || t[i * w + j + 1] >= t[(i + 1) * w + j])) {
                line_out(o, "ins", "+ ", b.p[j], b.n[j]);
                j++;
            } else {
                line_out(o, "del", "- ", a.p[i], a.n[i]);
                i++;
            }
        }
        raw(o, "</pre>");
    }
    free(t);
    free(a.p);
    free(a.n);
    free(b.p);
    free(b.n);
    return t != NULL;
}

/* ---- copy as curl ---- */

/* Single-quote s for a POSIX shell: ' becomes '\'' ; nothing else is special. */
static enum cut_err shq(struct buf *b, const char *s, size_t n)
{
    enum cut_err e = buf_putc(b, '\'');
    for (size_t i = 0; i < n && !e; i++)
        e = s[i] == '\'' ? buf_puts(b, "'\\''") : buf_putc(b, s[i]);
    return e ? e : buf_putc(b, '\'');
}

static bool skip_header(const char *line, size_t n)
{
    static const char *const skip[] = {
        "host:", "content-length:", "connection:", "transfer-encoding:", "keep-alive:", NULL};
    for (size_t i = 0; skip[i]; i++) {
        size_t k = strlen(skip[i]);
        if (n >= k && strncasecmp(line, skip[i], k) == 0) return true;
    }
    return false;
}

static enum cut_err curl_cmd(const struct cmp_example *x, struct buf *b)
{
    enum cut_err e = buf_puts(b, "curl -sS -X ");
    if (!e) e = shq(b, x->method, strlen(x->method));
    if (!e) e = buf_puts(b, " \"${CANDIDATE:-http://localhost:8080}\"");
    if (!e) e = shq(b, x->target, strlen(x->target));
    const char *s = x->req_headers.data, *end = s + x->req_headers.len;
    while (!e && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = (size_t)((nl ? nl : end) - s);
        if (n && !skip_header(s, n)) {
            e = buf_puts(b, " \\\n  -H ");
            if (!e) e = shq(b, s, n);
        }
        s += n + 1;
    }
    if (!e && x->req_body.len) {
        e = buf_puts(b, " \\\n  --data-binary ");
        if (!e) e = shq(b, x->req_body.data, x->req_body.len);
    }
    return e;
}

static void example(struct out *o, const struct cmp_example *x, size_t id)
{
    raw(o, "<div class=\"ex\"><p>Exchange <code>");
    esc(o, x->id);
    raw(o, "</code>: <code>");
    esc(o, x->method);
    raw(o, " ");
    esc(o, x->target);
    raw(o, "</code>");
    if (x->paths.n) {
        raw(o, " &mdash; differs at ");
        for (size_t i = 0; i < x->paths.n; i++) {
            raw(o, i ? ", <code>" : "<code>");
            esc(o, x->paths.v[i]);
            raw(o, "</code>");
        }
    }
    raw(o, "</p><details><summary>request</summary><pre>");
    esc_n(o, x->req_headers.data, x->req_headers.len);
    raw(o, "</pre>");
    struct cmp_strings none = {0}; /* the differing paths are in the responses */
    if (x->req_body.len) body(o, &x->req_body, x->req_body_capped, &none);
    struct buf cmd = BUF_INIT;
    if (!o->e) o->e = curl_cmd(x, &cmd);
    rawf(o,
         "<p>Copy as curl (set CANDIDATE to the candidate's base URL) "
         "<button class=\"copy\" data-for=\"curl%zu\">copy</button></p><pre id=\"curl%zu\">",
         id, id);
    esc_n(o, cmd.data, cmd.len);
    raw(o, "</pre></details>\n");
    buf_free(&cmd);
    rawf(o, "<div class=\"side\"><div><p><b>baseline</b> status %d</p><pre>", x->b_status);
    esc_n(o, x->b_headers.data, x->b_headers.len);
    raw(o, "</pre>");
    body(o, &x->b_body, x->b_capped, &x->paths);
    rawf(o, "</div><div><p><b>candidate</b> status %d</p><pre>", x->c_status);
    esc_n(o, x->c_headers.data, x->c_headers.len);
    raw(o, "</pre>");
    body(o, &x->c_body, x->c_capped, &x->paths);
    raw(o, "</div></div>");
    struct jarena a;
    struct jv v;
    jarena_init(&a, (size_t)16 << 20);
    bool json = jv_parse(&a, x->b_body.data, x->b_body.len, &v, NULL) == CUT_OK ||
                jv_parse(&a, x->c_body.data, x->c_body.len, &v, NULL) == CUT_OK;
    jarena_release(&a);
    bool differ = x->b_body.len != x->c_body.len ||
                  memcmp(x->b_body.data, x->c_body.data, x->b_body.len) != 0;
    if (!json && differ && !line_diff(o, &x->b_body, &x->c_body))
        raw(o, "<p class=\"note\">bodies too long for a line diff</p>");
    raw(o, "</div>\n");
}

/* ---- differences and noise ---- */

static void differences(struct out *o, const struct cmp *c)
{
    size_t n;
    uint32_t *v = report_keys_sorted(c, false, &n);
    if (!v) {
        o->e = CUT_ENOMEM;
        return;
    }
    raw(o, "<h2>Differences</h2>\n");
    if (!n) raw(o, "<p id=\"nodiff\">No differences beyond noise.</p>\n");
    size_t ex_id = 0, shown = 0;
    /* grouped by endpoint, the endpoint of the most frequent difference first */
    for (size_t i = 0; i < n && shown < MAX_KEYS_SHOWN; i++) {
        uint32_t ep = c->keys[v[i]].endpoint;
        bool first = true;
        for (size_t k = 0; k < i && first; k++) first = c->keys[v[k]].endpoint != ep;
        if (!first) continue;
        raw(o, "<section class=\"f\"><h3>");
        esc(o, c->eps[ep].name);
        raw(o, "</h3>\n");
        for (size_t j = i; j < n && shown < MAX_KEYS_SHOWN; j++) {
            const struct cmp_key *k = &c->keys[v[j]];
            if (k->endpoint != ep) continue;
            shown++;
            rawf(o, "<details class=\"diff\"%s><summary><b>%llu</b> &times; %s <code>",
                 shown == 1 ? " open" : "", (unsigned long long)k->raw, cmp_where_name(k->where));
            esc(o, k->path);
            rawf(o, "</code> %s</summary>\n", jdiff_kind_name(k->kind));
            for (size_t e = 0; e < k->nex; e++) example(o, &c->examples[k->ex[e]], ex_id++);
            raw(o, "</details>\n");
        }
        raw(o, "</section>\n");
    }
    if (n > shown)
        rawf(o, "<p class=\"note\">%zu more differences in report.json.</p>\n", n - shown);
    free(v);
}

static void noise(struct out *o, const struct cmp *c)
{
    size_t n;
    uint32_t *v = report_keys_sorted(c, true, &n);
    if (!v) {
        o->e = CUT_ENOMEM;
        return;
    }
    raw(o, "<h2>Noise</h2>\n<p>Differences that were not counted, and why: <i>rule</i> (an "
           "ignore rule), <i>secondary</i> (as frequent between two legacy runs), <i>unique</i> "
           "(a per-exchange id or timestamp that kept its shape).</p>\n"
           "<table id=\"noise\" class=\"sort\"><thead><tr><th>endpoint</th><th>where</th>"
           "<th>path</th><th>kind</th><th>reason</th><th>count</th><th>secondary count</th>"
           "<th>shape</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < n && i < MAX_NOISE_SHOWN; i++) {
        const struct cmp_key *k = &c->keys[v[i]];
        raw(o, "<tr class=\"f\"><td>");
        esc(o, c->eps[k->endpoint].name);
        rawf(o, "</td><td>%s</td><td><code>", cmp_where_name(k->where));
        esc(o, k->path);
        rawf(o, "</code></td><td>%s</td><td>%s</td>", jdiff_kind_name(k->kind),
             cmp_decision_reason(k->decision));
        numcell(o, (double)k->raw, 0);
        numcell(o, (double)k->sec, 0);
        rawf(o, "<td>%s</td></tr>\n",
             k->decision == CMP_NOISE_UNIQUE ? cmp_shape_name(k->shape) : "");
    }
    raw(o, "</tbody></table>\n");
    if (n > MAX_NOISE_SHOWN)
        rawf(o, "<p class=\"note\">%zu more in report.json.</p>\n", n - MAX_NOISE_SHOWN);
    free(v);
}

/* ---- latency charts ---- */

static const double cdf_pcts[] = {0,  1,  5,  10, 20, 30, 40,   50,   60, 70,
                                  80, 90, 95, 97, 98, 99, 99.5, 99.9, 100};

static void cdf_line(struct out *o, const struct hist *h, double xmax, const char *color)
{
    if (!hist_count(h) || xmax <= 0) return;
    rawf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
    for (size_t i = 0; i < sizeof cdf_pcts / sizeof *cdf_pcts; i++) {
        double ms = (double)hist_percentile(h, cdf_pcts[i]) / 1000.0;
        double x = 40 + 300 * (ms > xmax ? 1 : ms / xmax);
        double y = 150 - 130 * cdf_pcts[i] / 100.0;
        rawf(o, "%.1f,%.1f ", x, y);
    }
    raw(o, "\"/>");
}

static void charts(struct out *o, const struct cmp *c)
{
    raw(o, "<h2>Latency</h2>\n<p>Cumulative distribution of <code>timings.wait</code> per "
           "endpoint: <span style=\"color:#1f77b4\">reference</span> (baseline, or secondary "
           "when given) and <span style=\"color:#e4572e\">candidate</span>; x in ms up to the "
           "larger p99.9.</p>\n<div class=\"charts\">\n");
    for (size_t i = 0; i < c->neps; i++) {
        const struct cmp_latency *l = &c->eps[i].lat;
        if (!hist_count(&l->ref) && !hist_count(&l->cand)) continue;
        double xmax = l->ref_p[3] > l->cand_p[3] ? l->ref_p[3] : l->cand_p[3];
        if (xmax <= 0) xmax = 1;
        raw(o, "<figure class=\"f\"><figcaption>");
        esc(o, c->eps[i].name);
        raw(o, "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"360\" "
               "height=\"175\" role=\"img\">"
               "<line x1=\"40\" y1=\"150\" x2=\"340\" y2=\"150\" stroke=\"#999\"/>"
               "<line x1=\"40\" y1=\"20\" x2=\"40\" y2=\"150\" stroke=\"#999\"/>"
               "<text x=\"2\" y=\"24\" font-size=\"10\">100%</text>"
               "<text x=\"2\" y=\"150\" font-size=\"10\">0%</text>"
               "<text x=\"36\" y=\"165\" font-size=\"10\">0</text>");
        rawf(o, "<text x=\"300\" y=\"165\" font-size=\"10\">%.3g ms</text>", xmax);
        cdf_line(o, &l->ref, xmax, "#1f77b4");
        cdf_line(o, &l->cand, xmax, "#e4572e");
        raw(o, "</svg></figure>\n");
    }
    raw(o, "</div>\n");
}

enum cut_err report_html(const struct cmp *c, const char *path)
{
    struct buf b = BUF_INIT;
    struct out o = {&b, CUT_OK};
    head(&o, c);
    gate(&o, c);
    endpoints(&o, c);
    differences(&o, c);
    noise(&o, c);
    charts(&o, c);
    rawf(&o, "<script>%s</script>\n</body></html>\n", js);
    enum cut_err e = o.e ? o.e : report_write(path, &b);
    buf_free(&b);
    return e;
}
