/* redact.c: keyed, deterministic redaction of headers and JSON body values.
 * Owns the key (wiped on free), the header names and the parsed paths.
 * Must run on every exchange before the writer sees it; a body it cannot
 * parse is left as it is and counted, except a truncated JSON body, which
 * is withheld because its secrets could not be found. */
#include "redact.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cutover/jpath.h"
#include "cutover/sha256.h"
#include "cutover/text.h"
#include "cutover/vec.h"

static const char *const default_headers[] = {
    "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key",
};

/* Recent value -> token pairs. The same credential recurs on every request
 * of a client, and an HMAC costs more than the rest of an exchange. */
#define TOKEN_CACHE 64
#define TOKEN_CACHE_MAX_VALUE 256

struct token_slot {
    size_t len; /* 0: empty */
    char value[TOKEN_CACHE_MAX_VALUE];
    char token[REDACT_TOKEN_LEN + 1];
};

struct redactor {
    uint8_t key[64];
    size_t keylen;
    struct hmac_sha256_key hk;
    struct token_slot cache[TOKEN_CACHE];
    char **names;
    size_t nnames, names_cap;
    uint64_t name_lens; /* bit n: some name has length n (63: 63 or more) */
    struct jpath **paths;
    size_t npaths, paths_cap;
    struct redact_stats st;
};

static uint64_t len_bit(size_t n)
{
    return (uint64_t)1 << (n < 63 ? n : 63);
}

/* Every header of every exchange is looked up here: the length mask turns
 * most of them away before any string comparison. */
static bool is_redacted_name(const struct redactor *r, const char *name)
{
    size_t n = strlen(name);
    if (!(r->name_lens & len_bit(n))) return false;
    for (size_t i = 0; i < r->nnames; i++)
        if (text_ieq(name, n, r->names[i])) return true;
    return false;
}

enum cut_err redact_add_header(struct redactor *r, const char *name)
{
    if (is_redacted_name(r, name)) return CUT_OK;
    char *dup = NULL;
    if (vec_reserve(&r->names, &r->names_cap, r->nnames + 1, sizeof *r->names) ||
        !(dup = strdup(name)))
        return CUT_ENOMEM;
    r->names[r->nnames++] = dup;
    r->name_lens |= len_bit(strlen(name));
    return CUT_OK;
}

enum cut_err redact_new(struct redactor **out)
{
    struct redactor *r = calloc(1, sizeof *r);
    if (!r) return CUT_ENOMEM;
    r->keylen = 32;
    size_t got = 0;
    while (got < r->keylen) {
        ssize_t k = getrandom(r->key + got, r->keylen - got, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            free(r);
            return CUT_EIO;
        }
        got += (size_t)k;
    }
    hmac_sha256_key_init(&r->hk, r->key, r->keylen);
    for (size_t i = 0; i < sizeof default_headers / sizeof default_headers[0]; i++) {
        if (redact_add_header(r, default_headers[i]) != CUT_OK) {
            redact_free(r);
            return CUT_ENOMEM;
        }
    }
    *out = r;
    return CUT_OK;
}

enum cut_err redact_set_key(struct redactor *r, const void *key, size_t n)
{
    if (!n) return CUT_EINVAL;
    /* HMAC hashes keys longer than a block anyway; keep what it would. */
    if (n > sizeof r->key) {
        sha256(key, n, r->key);
        r->keylen = SHA256_LEN;
    } else {
        memcpy(r->key, key, n);
        r->keylen = n;
    }
    hmac_sha256_key_init(&r->hk, r->key, r->keylen);
    memset(r->cache, 0, sizeof r->cache);
    return CUT_OK;
}

enum cut_err redact_key_file(struct redactor *r, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return CUT_EINVAL;
    }
    char b[4097];
    size_t n = 0;
    for (;;) {
        ssize_t k = read(fd, b + n, sizeof b - n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
            return CUT_EINVAL;
        }
        if (k == 0) break;
        n += (size_t)k;
        if (n == sizeof b) break;
    }
    close(fd);
    if (n == sizeof b) {
        snprintf(err, errlen, "%s: key file longer than 4096 bytes", path);
        return CUT_EINVAL;
    }
    while (n && (b[n - 1] == '\n' || b[n - 1] == '\r')) n--;
    if (!n) {
        snprintf(err, errlen, "%s: key file is empty", path);
        return CUT_EINVAL;
    }
    enum cut_err e = redact_set_key(r, b, n);
    memset(b, 0, sizeof b);
    return e;
}

enum cut_err redact_add_json(struct redactor *r, const char *path, char *err, size_t errlen)
{
    if (strncmp(path, "header:", 7) == 0) {
        if (!path[7]) {
            snprintf(err, errlen, "%s: empty header name", path);
            return CUT_EPARSE;
        }
        return redact_add_header(r, path + 7);
    }
    if (vec_reserve(&r->paths, &r->paths_cap, r->npaths + 1, sizeof *r->paths)) return CUT_ENOMEM;
    enum cut_err e = jpath_parse(path, &r->paths[r->npaths], err, errlen);
    if (!e) r->npaths++;
    return e;
}

static uint32_t fnv1a(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

void redact_token(struct redactor *r, const void *v, size_t n, char *out)
{
    struct token_slot *slot = NULL;
    if (n && n <= TOKEN_CACHE_MAX_VALUE) {
        slot = &r->cache[fnv1a(v, n) % TOKEN_CACHE];
        if (slot->len == n && memcmp(slot->value, v, n) == 0) {
            memcpy(out, slot->token, sizeof slot->token);
            return;
        }
    }
    uint8_t mac[SHA256_LEN];
    hmac_sha256_keyed(&r->hk, v, n, mac);
    size_t k = sizeof REDACT_PREFIX - 1;
    memcpy(out, REDACT_PREFIX, k);
    static const char hexd[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        out[k++] = hexd[mac[i] >> 4];
        out[k++] = hexd[mac[i] & 15];
    }
    out[k] = '\0';
    if (slot) {
        slot->len = n;
        memcpy(slot->value, v, n);
        memcpy(slot->token, out, sizeof slot->token);
    }
}

static enum cut_err redact_headers(struct redactor *r, struct headers *h)
{
    char tok[REDACT_TOKEN_LEN + 1];
    for (size_t i = 0; i < h->n; i++) {
        if (!is_redacted_name(r, h->v[i].name)) continue;
        redact_token(r, h->v[i].value, strlen(h->v[i].value), tok);
        if (headers_set_at(h, i, tok, strlen(tok))) return CUT_ENOMEM;
        r->st.headers++;
    }
    return CUT_OK;
}

/* The replacement for one matched JSON value: strings are tokenised by
 * their text, anything else by its compact JSON. */
static json_t *replace_value(json_t *old, void *ctx)
{
    struct redactor *r = ctx;
    char tok[REDACT_TOKEN_LEN + 1];
    if (json_is_string(old)) {
        redact_token(r, json_string_value(old), json_string_length(old), tok);
    } else {
        char *s = json_dumps(old, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!s) return NULL;
        redact_token(r, s, strlen(s), tok);
        free(s);
    }
    r->st.json_values++;
    return json_string(tok);
}

static bool looks_json(const struct buf *b)
{
    size_t i = 0;
    while (i < b->len &&
           (b->data[i] == ' ' || b->data[i] == '\t' || b->data[i] == '\r' || b->data[i] == '\n'))
        i++;
    return i < b->len && (b->data[i] == '{' || b->data[i] == '[');
}

static enum cut_err redact_body(struct redactor *r, struct buf *body, bool truncated)
{
    if (!r->npaths || !body->len) return CUT_OK;
    json_error_t je;
    json_t *root = json_loadb(body->data, body->len, JSON_DECODE_ANY, &je);
    if (!root) {
        if (truncated && looks_json(body)) {
            buf_reset(body);
            r->st.bodies_withheld++;
        } else {
            r->st.json_unparsed++;
        }
        return CUT_OK;
    }
    size_t hits = 0;
    for (size_t i = 0; i < r->npaths; i++)
        hits += jpath_replace(r->paths[i], root, replace_value, r);
    enum cut_err e = CUT_OK;
    if (hits) {
        char *s = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
        e = s ? buf_set(body, s, strlen(s)) : CUT_ENOMEM;
        free(s);
    }
    json_decref(root);
    return e;
}

enum cut_err redact_exchange(struct redactor *r, struct exchange *x)
{
    enum cut_err e = redact_headers(r, &x->req.headers);
    if (!e) e = redact_headers(r, &x->resp.headers);
    if (!e) e = redact_body(r, &x->req.body, x->req.body_truncated);
    if (!e) e = redact_body(r, &x->resp.body, x->resp.body_truncated);
    return e;
}

const struct redact_stats *redact_stats(const struct redactor *r)
{
    return &r->st;
}

void redact_free(struct redactor *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nnames; i++) free(r->names[i]);
    free(r->names);
    for (size_t i = 0; i < r->npaths; i++) jpath_free(r->paths[i]);
    free(r->paths);
    memset(r->key, 0, sizeof r->key);
    memset(&r->hk, 0, sizeof r->hk);
    memset(r->cache, 0, sizeof r->cache);
    free(r);
}
