/* rewrite.c: request rewriting for replay.  Only the request is touched;
 * the order is fixed (path, body, headers, marker) so that a user's
 * --set-header can override anything but the marker, which is always sent. */
#include "rewrite.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cutover/text.h"

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        enum cut_err e_ = (expr);                                                                  \
        if (e_) return e_;                                                                         \
    } while (0)

#define DEFAULT_MARK "X-Cutover-Replay"

/* Headers that describe one hop (RFC 9110 7.6.1) or that libcurl computes
 * from what it actually sends. Expect is dropped so that no request waits
 * on a 100-continue the candidate may never send. */
/* clang-format off */
#define HOP_HEADERS(X)                                                                  \
    X("Connection") X("Keep-Alive") X("Transfer-Encoding") X("TE") X("Upgrade")         \
    X("Trailer") X("Content-Length") X("Expect") X("Proxy-Connection")
/* clang-format on */
#define HOP_ENTRY(s) {s, sizeof s - 1},
#define HOP_LEN_BIT(s) | 1u << (sizeof s - 1)
static const struct {
    const char *name;
    size_t len; /* compared first: this runs for every header of every request */
} hop_headers[] = {HOP_HEADERS(HOP_ENTRY)};
/* The lengths of those names (all below 32), one bit each: most headers
 * of a request have none of them and need no look at the table. */
static const uint32_t hop_lens = 0 HOP_HEADERS(HOP_LEN_BIT);
#undef HOP_ENTRY
#undef HOP_LEN_BIT

static bool is_hop(const char *name, size_t n)
{
    if (n < 32 && (hop_lens >> n & 1))
        for (size_t i = 0; i < sizeof hop_headers / sizeof *hop_headers; i++)
            if (text_ieqn(name, n, hop_headers[i].name, hop_headers[i].len)) return true;
    return n >= 6 && (name[0] | 0x20) == 'p' && strncasecmp(name, "Proxy-", 6) == 0;
}

bool rewrite_is_hop_header(const char *name)
{
    return is_hop(name, strlen(name));
}

enum cut_err rewrite_init(struct rewrite *rw)
{
    memset(rw, 0, sizeof *rw);
    headers_init(&rw->set);
    buf_init(&rw->scratch, 0);
    rw->mark_name = strdup(DEFAULT_MARK);
    return rw->mark_name ? CUT_OK : CUT_ENOMEM;
}

void rewrite_release(struct rewrite *rw)
{
    headers_release(&rw->set);
    for (size_t i = 0; i < rw->ndrop; i++) free(rw->drop[i]);
    free(rw->drop);
    for (size_t i = 0; i < rw->npaths; i++) {
        regfree(&rw->paths[i].re);
        free(rw->paths[i].repl);
    }
    free(rw->paths);
    for (size_t i = 0; i < rw->njsons; i++) {
        jpath_free(rw->jsons[i].path);
        json_decref(rw->jsons[i].value);
    }
    free(rw->jsons);
    free(rw->mark_name);
    free(rw->mark_value);
    buf_free(&rw->scratch);
    memset(rw, 0, sizeof *rw);
}

/* ---- target ---- */

static enum cut_err url_part(CURLU *u, CURLUPart part, char **out)
{
    *out = NULL;
    CURLUcode rc = curl_url_get(u, part, out, 0);
    return rc == CURLUE_OK ? CUT_OK : CUT_EINVAL;
}

enum cut_err rewrite_target_parse(struct rewrite_target *t, const char *url, char *err,
                                  size_t errlen)
{
    memset(t, 0, sizeof *t);
    CURLU *u = curl_url();
    if (!u) return CUT_ENOMEM;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    enum cut_err e = CUT_EINVAL;
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (rc != CURLUE_OK) {
        snprintf(err, errlen, "%s: not a usable URL (%s)", url, curl_url_strerror(rc));
        goto out;
    }
    if (url_part(u, CURLUPART_SCHEME, &scheme) || url_part(u, CURLUPART_HOST, &host)) {
        snprintf(err, errlen, "%s: URL needs a scheme and a host", url);
        goto out;
    }
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        snprintf(err, errlen, "%s: scheme must be http or https", url);
        goto out;
    }
    (void)url_part(u, CURLUPART_PORT, &port); /* absent when default */
    (void)url_part(u, CURLUPART_PATH, &path);
    struct buf b = BUF_INIT;
    e = buf_printf(&b, "%s%s%s", host, port ? ":" : "", port ? port : "");
    if (!e) t->authority = buf_detach(&b, NULL);
    if (!e) e = buf_printf(&b, "%s://%s", scheme, t->authority);
    if (!e) t->base = buf_detach(&b, NULL);
    size_t plen = path ? strlen(path) : 0;
    while (plen && path[plen - 1] == '/') plen--;
    if (!e) t->prefix = strndup(path ? path : "", plen);
    t->https = strcmp(scheme, "https") == 0;
    if (!e && (!t->authority || !t->base || !t->prefix)) e = CUT_ENOMEM;
    if (!e) {
        t->base_len = strlen(t->base);
        t->authority_len = strlen(t->authority);
        t->prefix_len = plen;
    }
    buf_free(&b);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    if (e) rewrite_target_release(t);
    return e;
}

void rewrite_target_release(struct rewrite_target *t)
{
    free(t->base);
    free(t->authority);
    free(t->prefix);
    memset(t, 0, sizeof *t);
}

/* ---- option parsing ---- */

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t')) (*p)++, (*n)--;
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t')) (*n)--;
}

static enum cut_err split_header(const char *spec, const char **name, size_t *nlen,
                                 const char **value, size_t *vlen)
{
    const char *colon = strchr(spec, ':');
    if (!colon) return CUT_EINVAL;
    *name = spec;
    *nlen = (size_t)(colon - spec);
    *value = colon + 1;
    *vlen = strlen(*value);
    trim(name, nlen);
    trim(value, vlen);
    if (!*nlen || memchr(*name, ' ', *nlen)) return CUT_EINVAL;
    return CUT_OK;
}

enum cut_err rewrite_add_set_header(struct rewrite *rw, const char *spec)
{
    const char *n, *v;
    size_t nl, vl;
    TRY(split_header(spec, &n, &nl, &v, &vl));
    return headers_add(&rw->set, n, nl, v, vl);
}

enum cut_err rewrite_add_drop_header(struct rewrite *rw, const char *name)
{
    if (!*name || strchr(name, ':') || strchr(name, ' ')) return CUT_EINVAL;
    char **v = realloc(rw->drop, (rw->ndrop + 1) * sizeof *v);
    if (!v) return CUT_ENOMEM;
    rw->drop = v;
    if (!(v[rw->ndrop] = strdup(name))) return CUT_ENOMEM;
    rw->ndrop++;
    return CUT_OK;
}

enum cut_err rewrite_add_path(struct rewrite *rw, const char *spec, char *err, size_t errlen)
{
    struct buf re = BUF_INIT;
    const char *p = spec;
    for (; *p && *p != '='; p++) {
        if (p[0] == '\\' && p[1] == '=')
            p++;
        else if (p[0] == '\\' && p[1])
            buf_putc(&re, *p++);
        buf_putc(&re, *p);
    }
    if (*p != '=' || !re.len) {
        snprintf(err, errlen, "--rewrite-path %s: expected REGEX=REPLACEMENT", spec);
        buf_free(&re);
        return CUT_EINVAL;
    }
    struct rewrite_path_rule *v = realloc(rw->paths, (rw->npaths + 1) * sizeof *v);
    if (!v) {
        buf_free(&re);
        return CUT_ENOMEM;
    }
    rw->paths = v;
    struct rewrite_path_rule *r = &v[rw->npaths];
    int rc = regcomp(&r->re, re.data, REG_EXTENDED);
    buf_free(&re);
    if (rc != 0) {
        char why[128];
        regerror(rc, &r->re, why, sizeof why);
        snprintf(err, errlen, "--rewrite-path %s: %s", spec, why);
        return CUT_EINVAL;
    }
    if (!(r->repl = strdup(p + 1))) {
        regfree(&r->re);
        return CUT_ENOMEM;
    }
    rw->npaths++;
    return CUT_OK;
}

static json_t *value_of(const char *s)
{
    json_error_t je;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &je);
    if (v) return v;
    return json_stringn_nocheck(s, strlen(s));
}

enum cut_err rewrite_add_json(struct rewrite *rw, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    /* A path may hold '=' inside ['...']: split after the path's last ']' when there is one. */
    const char *close = strrchr(spec, ']');
    if (close && eq && eq < close) eq = strchr(close, '=');
    if (!eq) {
        snprintf(err, errlen, "--set-json %s: expected PATH=VALUE", spec);
        return CUT_EINVAL;
    }
    char *ptext = strndup(spec, (size_t)(eq - spec));
    if (!ptext) return CUT_ENOMEM;
    struct jpath *jp = NULL;
    char why[200] = "";
    enum cut_err e = jpath_parse(ptext, &jp, why, sizeof why);
    free(ptext);
    if (e) {
        snprintf(err, errlen, "--set-json %s: %s", spec, why[0] ? why : cutover_strerror(e));
        return e == CUT_ENOMEM ? e : CUT_EINVAL;
    }
    json_t *val = value_of(eq + 1);
    struct rewrite_json_rule *v = val ? realloc(rw->jsons, (rw->njsons + 1) * sizeof *v) : NULL;
    if (!v) {
        jpath_free(jp);
        json_decref(val);
        return CUT_ENOMEM;
    }
    rw->jsons = v;
    v[rw->njsons].path = jp;
    v[rw->njsons].value = val;
    rw->njsons++;
    return CUT_OK;
}

enum cut_err rewrite_set_mark(struct rewrite *rw, const char *spec, const char *run_id)
{
    const char *n = spec, *v = run_id;
    size_t nl = strlen(spec), vl = run_id ? strlen(run_id) : 0;
    if (strchr(spec, ':')) TRY(split_header(spec, &n, &nl, &v, &vl));
    if (!nl || memchr(n, ' ', nl)) return CUT_EINVAL;
    char *name = strndup(n, nl), *value = strndup(v ? v : "", vl);
    if (!name || !value) {
        free(name);
        free(value);
        return CUT_ENOMEM;
    }
    free(rw->mark_name);
    free(rw->mark_value);
    rw->mark_name = name;
    rw->mark_value = value;
    return CUT_OK;
}

/* ---- applying ---- */

/* Append the replacement for one match: \N is group N, \\ a backslash. */
static enum cut_err expand(struct buf *out, const char *repl, const char *subject,
                           const regmatch_t *m)
{
    for (const char *r = repl; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '9') {
            const regmatch_t *g = &m[r[1] - '0'];
            if (g->rm_so >= 0)
                TRY(buf_append(out, subject + g->rm_so, (size_t)(g->rm_eo - g->rm_so)));
            r++;
        } else if (r[0] == '\\' && r[1] == '\\') {
            TRY(buf_putc(out, '\\'));
            r++;
        } else {
            TRY(buf_putc(out, *r));
        }
    }
    return CUT_OK;
}

enum cut_err rewrite_path(const struct rewrite *rw, const char *path, size_t n, struct buf *out)
{
    struct buf cur = BUF_INIT;
    enum cut_err e = buf_set(out, path, n);
    for (size_t i = 0; i < rw->npaths && !e; i++) {
        regmatch_t m[10];
        if (regexec(&rw->paths[i].re, out->data, 10, m, 0) != 0) continue;
        e = buf_set(&cur, out->data, (size_t)m[0].rm_so);
        if (!e) e = expand(&cur, rw->paths[i].repl, out->data, m);
        if (!e) e = buf_puts(&cur, out->data + m[0].rm_eo);
        if (!e) e = buf_set(out, cur.data, cur.len);
    }
    buf_free(&cur);
    return e;
}

/* Make target origin-form ("/path?query"): an absolute-form target (sent to
 * a proxy) loses scheme and authority, a fragment is dropped. */
static const char *origin_form(const char *t, size_t *len)
{
    if ((t[0] | 0x20) == 'h' &&
        (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0)) {
        const char *slash = strchr(strstr(t, "://") + 3, '/');
        t = slash ? slash : "/";
    }
    *len = strcspn(t, "#");
    return t;
}

static enum cut_err rewrite_target_path(struct rewrite *rw, struct http_request *req)
{
    const char *t = req->target ? req->target : "/";
    size_t tlen;
    t = origin_form(t, &tlen);
    /* The usual case, an origin-form target and no rule: it stays as it is. */
    if (!rw->npaths && t == req->target && t[0] == '/' && t[tlen] == '\0') return CUT_OK;
    size_t plen = strcspn(t, "?#");
    if (plen > tlen) plen = tlen;
    struct buf *b = &rw->scratch;
    if (rw->npaths) {
        TRY(rewrite_path(rw, t, plen, b));
    } else {
        TRY(buf_set(b, t, plen));
    }
    /* A rule that ate the leading slash must not produce "http://hostpath". */
    bool slash = b->len && (b->data[0] == '/' || (b->len == 1 && b->data[0] == '*'));
    TRY(buf_append(b, t + plen, tlen - plen));
    free(req->target);
    req->target = malloc(b->len + 2);
    if (!req->target) return CUT_ENOMEM;
    req->target[0] = '/';
    memcpy(req->target + !slash, b->data, b->len + 1);
    return CUT_OK;
}

static json_t *replace_with(json_t *old, void *ctx)
{
    (void)old;
    return json_deep_copy(ctx);
}

static enum cut_err rewrite_json(struct rewrite *rw, struct http_request *req)
{
    if (!rw->njsons || !req->has_body || !req->body.len) return CUT_OK;
    json_error_t je;
    json_t *root = json_loadb(req->body.data, req->body.len, 0, &je);
    if (!root) {
        rw->json_not_json++;
        return CUT_OK;
    }
    size_t changed = 0;
    for (size_t i = 0; i < rw->njsons; i++)
        changed += jpath_replace(rw->jsons[i].path, root, replace_with, rw->jsons[i].value);
    enum cut_err e = CUT_OK;
    if (changed) {
        char *s = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
        e = s ? buf_set(&req->body, s, strlen(s)) : CUT_ENOMEM;
        free(s);
        req->body_size = (int64_t)req->body.len;
        rw->json_rewritten++;
    }
    json_decref(root);
    return e;
}

/* Drop every Connection header and the headers the first one names. */
static void drop_connection(struct http_request *req)
{
    const struct header *c;
    while ((c = headers_get(&req->headers, "Connection"))) {
        char *list = strdup(c->value);
        headers_remove(&req->headers, "Connection");
        for (char *save = NULL, *tok = list ? strtok_r(list, ", \t", &save) : NULL; tok;
             tok = strtok_r(NULL, ", \t", &save))
            headers_remove(&req->headers, tok);
        free(list);
    }
}

/* Drop the headers a Connection header names and the fixed hop-by-hop set,
 * in one pass when there is no Connection header (the usual request). What
 * goes is the same in either order: a Connection header met on the way
 * takes its named headers out, and the pass starts over. */
static void drop_hop_headers(struct http_request *req)
{
    for (size_t i = 0; i < req->headers.n;) {
        const struct header *hd = &req->headers.v[i];
        size_t n = (size_t)(hd->value - hd->name - 1); /* one allocation */
        if (!is_hop(hd->name, n)) {
            i++;
        } else if (text_ieqn(hd->name, n, "Connection", 10)) {
            drop_connection(req);
            i = 0;
        } else {
            headers_delete_at(&req->headers, i);
        }
    }
}

static enum cut_err put_header(struct headers *h, const char *name, const char *value)
{
    headers_remove(h, name);
    return headers_add(h, name, strlen(name), value, strlen(value));
}

enum cut_err rewrite_request(struct rewrite *rw, struct http_request *req)
{
    TRY(rewrite_target_path(rw, req));
    TRY(rewrite_json(rw, req));
    drop_hop_headers(req);
    for (size_t i = 0; i < rw->ndrop; i++) headers_remove(&req->headers, rw->drop[i]);
    for (size_t i = 0; i < rw->set.n; i++)
        TRY(put_header(&req->headers, rw->set.v[i].name, rw->set.v[i].value));
    TRY(put_header(&req->headers, rw->mark_name, rw->mark_value ? rw->mark_value : ""));
    if (req->has_body) req->body_size = (int64_t)req->body.len;
    req->body_truncated = false;
    if (req->version && strcmp(req->version, "HTTP/1.1") == 0) return CUT_OK; /* the usual */
    return exchange_strset(&req->version, "HTTP/1.1", 8);
}

enum cut_err rewrite_for_target(const struct rewrite *rw, const struct rewrite_target *t,
                                struct http_request *req)
{
    /* Per request: plain copies, no printf and no scratch buffer. */
    const char *target = req->target ? req->target : "/";
    size_t bl = t->base_len, pl = t->prefix_len, tl = strlen(target);
    /* Over the recorded URL when it is long enough (it mostly is: the
     * same target with another authority). */
    char *url = req->url && strlen(req->url) >= bl + pl + tl ? req->url : malloc(bl + pl + tl + 1);
    if (!url) return CUT_ENOMEM;
    memcpy(url, t->base, bl);
    memcpy(url + bl, t->prefix, pl);
    memcpy(url + bl + pl, target, tl + 1);
    if (url != req->url) free(req->url);
    req->url = url;
    if (rw->preserve_host && headers_get(&req->headers, "Host")) return CUT_OK;
    return headers_set_n(&req->headers, "Host", 4, t->authority, t->authority_len);
}
