/* record.c: the few fields of an exchange record that compare needs, read
 * from one JSON line parsed into an arena (no jansson, no copies beyond the
 * arena): id, method, target, status, headers, bodies, timings, _error. */
#include <stdio.h>
#include <string.h>

#include "compare.h"

static const char *target_of_url(const char *url, size_t *n)
{
    const char *p = strstr(url, "://");
    if (!p) {
        *n = strlen(url);
        return url;
    }
    p = strchr(p + 3, '/');
    if (!p) p = "/";
    *n = strlen(p);
    return p;
}

static void read_body(const struct jv *content, const char *enc_key, const char **p, size_t *n,
                      bool *b64, bool *trunc)
{
    size_t len = 0;
    const char *t = jv_str(content, "text", &len);
    const char *enc = jv_str(content, enc_key, NULL);
    *p = t ? t : "";
    *n = t ? len : 0;
    *b64 = enc && strcmp(enc, "base64") == 0;
    const struct jv *tr = jv_get(content, "_truncated");
    if (trunc) *trunc = tr && tr->type == JV_BOOL && tr->b;
}

enum cut_err cmp_rec_parse(struct jarena *a, const char *line, size_t len, struct cmp_rec *r,
                           char *err, size_t errlen)
{
    struct jv root;
    size_t at = 0;
    memset(r, 0, sizeof *r);
    enum cut_err e = jv_parse(a, line, len, &root, &at);
    if (e) {
        if (e == CUT_EPARSE) snprintf(err, errlen, "invalid JSON at byte %zu", at + 1);
        return e;
    }
    if (root.type != JV_OBJ) {
        snprintf(err, errlen, "not a JSON object");
        return CUT_EPARSE;
    }
    const struct jv *rq = jv_get(&root, "request"), *rs = jv_get(&root, "response");
    r->id = jv_str(&root, "_id", &r->idlen);
    r->method = jv_str(rq, "method", &r->mlen);
    r->target = jv_str(rq, "_target", &r->tlen);
    if (!r->target) {
        const char *url = jv_str(rq, "url", NULL);
        if (url) r->target = target_of_url(url, &r->tlen);
    }
    if (!r->id || !r->method || !r->target) {
        snprintf(err, errlen, "entry lacks %s", !r->id ? "_id" : "request.method or request.url");
        return CUT_EPARSE;
    }
    r->req_headers = jv_get(rq, "headers");
    const struct jv *pd = jv_get(rq, "postData");
    if (pd) read_body(pd, "_encoding", &r->req_body, &r->req_body_len, &r->req_body_b64, NULL);
    r->status = (int)jv_num(rs, "status", 0);
    r->resp_headers = jv_get(rs, "headers");
    const struct jv *content = jv_get(rs, "content");
    read_body(content, "encoding", &r->body, &r->body_len, &r->body_b64, &r->body_truncated);
    r->mime = jv_str(content, "mimeType", NULL);
    r->wait_ms = jv_num(jv_get(&root, "timings"), "wait", -1);
    r->lag_ms = jv_num(&root, "_lag", -1);
    r->error = jv_str(&root, "_error", NULL);
    return CUT_OK;
}
