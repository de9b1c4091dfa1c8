/* fuzz_html.c: libFuzzer target for compare's reports, above all the HTML
 * one, fed exchanges built from the input.  The first byte holds options
 * (a secondary, an ignore rule, unordered arrays); the rest is record lines:
 * each pair of lines is a baseline and a candidate record with the same
 * _id, an odd one out is a baseline record with no candidate.  The engine
 * compares them as cutover-compare does, then report.html, report.json,
 * junit.xml and summary.md are written.  Checked on report.html: exactly
 * one <script> element, and outside it no markup that traffic could have
 * smuggled in (no other element that loads or runs anything, no event
 * handler attribute, no href/src); report.json must be valid JSON. */
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../compare/compare.h"

#include "fuzz_util.h"

static char dir[64];

static void cleanup(void)
{
    static const char *names[] = {"r.html", "r.json", "r.xml", "r.md"};
    char p[128];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

static const char *path_of(const char *name)
{
    static char p[128];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/fuzz_html.XXXXXX",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir)) abort();
        atexit(cleanup);
    }
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct buf b = BUF_INIT;
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) check(buf_append(&b, tmp, k) == CUT_OK);
    fclose(f);
    return buf_detach(&b, n);
}

static const char *find_ci(const char *h, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(h + i, needle, k) == 0) return h + i;
    return NULL;
}

/* The elements and attributes report.html is made of.  Anything else
 * outside the one script element can only have come from traffic that
 * escaped esc(): a finding. */
static const char *const tags[] = {
    "html",    "head",    "meta",       "title", "style", "body",     "h1",   "h2",       "h3",
    "p",       "b",       "i",          "code",  "pre",   "mark",     "span", "div",      "section",
    "details", "summary", "table",      "thead", "tbody", "tr",       "th",   "td",       "button",
    "input",   "figure",  "figcaption", "svg",   "line",  "polyline", "text", "!doctype", NULL};
static const char *const attrs[] = {
    "aria-label", "charset", "class",     "content",     "data-for",
    "data-v",     "fill",    "font-size", "http-equiv",  "id",
    "lang",       "name",    "points",    "role",        "stroke-width",
    "stroke",     "style",   "type",      "width",       "height",
    "x",          "y",       "x1",        "x2",          "y1",
    "y2",         "xmlns",   "viewbox",   "text-anchor", "placeholder",
    "open",       "title",   "colspan",   "for",         NULL};

static bool listed(const char *const *list, const char *p, size_t n)
{
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]) == n && strncasecmp(list[i], p, n) == 0) return true;
    return false;
}

static void bad_markup(const char *what, const char *h, size_t n, size_t at)
{
    fprintf(stderr, "report.html: %s at byte %zu: ...%.*s...\n", what, at,
            (int)(n - at < 100 ? n - at : 100), h + at);
    abort();
}

/* Check the tags in h[from..to): names and attribute names from the lists. */
static void check_tags(const char *h, size_t n, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (h[i] != '<') continue;
        size_t j = i + 1;
        if (j < to && h[j] == '/') j++;
        size_t name = j;
        while (j < to && (isalnum((unsigned char)h[j]) || h[j] == '!')) j++;
        if (j == name) bad_markup("a bare '<'", h, n, i);
        if (!listed(tags, h + name, j - name)) bad_markup("an unexpected element", h, n, i);
        /* attributes up to '>', values in double quotes */
        while (j < to && h[j] != '>') {
            if (h[j] == '"') {
                const char *q = memchr(h + j + 1, '"', to - j - 1);
                if (!q) bad_markup("an unterminated attribute", h, n, i);
                j = (size_t)(q - h) + 1;
                continue;
            }
            if (isalpha((unsigned char)h[j])) {
                size_t a = j;
                while (j < to && (isalnum((unsigned char)h[j]) || h[j] == '-' || h[j] == ':')) j++;
                if (!listed(attrs, h + a, j - a) &&
                    !(j - a == 4 && strncasecmp(h + a, "html", 4) == 0))
                    bad_markup("an unexpected attribute", h, n, a);
                continue;
            }
            if (h[j] == '<') bad_markup("a '<' inside a tag", h, n, j);
            j++;
        }
        i = j;
    }
}

static void check_html(const char *h, size_t n)
{
    const char *s = find_ci(h, n, "<script");
    check(s != NULL);
    size_t before = (size_t)(s - h);
    const char *end = find_ci(s, n - before, "</script>");
    check(end != NULL);
    size_t after = (size_t)(end - h) + 9;
    check(find_ci(h + after, n - after, "<script") == NULL);
    check_tags(h, n, 0, before);
    check_tags(h, n, after, n);
}

static void feed(struct cmp *c, struct jarena *a, const char *p, size_t n)
{
    const char *lines[64];
    size_t lens[64], k = 0;
    while (n && k < 64) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        lines[k] = p;
        lens[k++] = len;
        p += len + (nl ? 1 : 0);
        n -= len + (nl ? 1 : 0);
    }
    char err[256];
    size_t i = 0;
    for (; i + 1 < k; i += 2) {
        jarena_reset(a);
        /* With a secondary, the candidate line stands in for it too. */
        const char *sl = c->o->secondary ? lines[i + 1] : NULL;
        enum cut_err e = cmp_pair(c, a, lines[i], lens[i], lines[i + 1], lens[i + 1], sl,
                                  sl ? lens[i + 1] : 0, err, sizeof err);
        check(e == CUT_OK || e == CUT_EPARSE);
    }
    if (i < k) {
        jarena_reset(a);
        enum cut_err e = cmp_missing(c, a, lines[i], lens[i]);
        check(e == CUT_OK || e == CUT_EPARSE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned flags = data[0];
    char *p = malloc(size);
    if (!p) return 0;
    memcpy(p, data + 1, size - 1);

    struct cmp_opts o;
    cmp_opts_init(&o);
    o.baseline = "base<script>alert(1)</script>.jsonl";
    o.candidate = "cand.jsonl";
    o.secondary = (flags & 1) ? "sec.jsonl" : NULL;
    o.quiet = true;
    char err[256];
    if (flags & 2) check(cmp_rules_add(&o.ignore, "$..id", err, sizeof err) == CUT_OK);
    if (flags & 4) check(cmp_rules_add(&o.unordered, "$.list", err, sizeof err) == CUT_OK);
    if (flags & 8) check(cmp_strings_add(&o.templates, "POST /v1/{kind}") == CUT_OK);
    struct cmp c;
    if (cmp_init(&c, &o) != CUT_OK) {
        cmp_opts_release(&o);
        free(p);
        return 0;
    }
    struct jarena a;
    jarena_init(&a, (size_t)64 << 20);
    feed(&c, &a, p, size - 1);
    if (cmp_finish(&c) == CUT_OK) {
        check(report_html(&c, path_of("r.html")) == CUT_OK);
        check(report_json(&c, path_of("r.json")) == CUT_OK);
        check(report_junit(&c, path_of("r.xml")) == CUT_OK);
        check(report_markdown(&c, path_of("r.md")) == CUT_OK);
        size_t n;
        char *h = slurp(path_of("r.html"), &n);
        check(h != NULL);
        check_html(h, n);
        free(h);
        json_error_t je;
        json_t *j = json_load_file(path_of("r.json"), 0, &je);
        if (!j) {
            fprintf(stderr, "report.json is not JSON: %s at %d\n", je.text, je.position);
            abort();
        }
        json_decref(j);
    }
    jarena_release(&a);
    cmp_release(&c);
    cmp_opts_release(&o);
    free(p);
    return 0;
}
