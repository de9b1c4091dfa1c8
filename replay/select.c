/* select.c: record selection for replay.  Sharding and sampling hash the
 * _id (never the position in the file) so that N machines reading the same
 * capture split it exactly, and a re-run picks the same records. */
#include "select.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

void select_init(struct selector *s)
{
    memset(s, 0, sizeof *s);
    s->sample_pct = 100;
}

static void rules_free(struct select_rule *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].method);
        free(r[i].glob);
    }
    free(r);
}

void select_release(struct selector *s)
{
    rules_free(s->inc, s->ninc);
    rules_free(s->exc, s->nexc);
    select_init(s);
}

enum cut_err select_add_rule(struct selector *s, bool include, const char *spec)
{
    while (*spec == ' ') spec++;
    if (!*spec) return CUT_EINVAL;
    const char *sp = strchr(spec, ' ');
    char *method, *glob;
    if (sp) {
        const char *g = sp;
        while (*g == ' ') g++;
        method = strndup(spec, (size_t)(sp - spec));
        glob = strdup(*g ? g : "*");
    } else if (spec[0] == '/' || spec[0] == '*') {
        method = strdup("*");
        glob = strdup(spec);
    } else {
        method = strdup(spec);
        glob = strdup("*");
    }
    struct select_rule **v = include ? &s->inc : &s->exc;
    size_t *n = include ? &s->ninc : &s->nexc;
    struct select_rule *nv = method && glob ? realloc(*v, (*n + 1) * sizeof **v) : NULL;
    if (!nv) {
        free(method);
        free(glob);
        return CUT_ENOMEM;
    }
    nv[*n].method = method;
    nv[*n].glob = glob;
    *v = nv;
    (*n)++;
    return CUT_OK;
}

static bool parse_uint(const char *p, const char *end, unsigned *out)
{
    unsigned long v = 0;
    if (p == end) return false;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 1000000) return false;
    }
    *out = (unsigned)v;
    return true;
}

enum cut_err select_parse_shard(const char *spec, unsigned *k, unsigned *n)
{
    const char *slash = strchr(spec, '/');
    if (!slash || !parse_uint(spec, slash, k) || !parse_uint(slash + 1, slash + strlen(slash), n))
        return CUT_EINVAL;
    return *n >= 1 && *k >= 1 && *k <= *n ? CUT_OK : CUT_EINVAL;
}

uint64_t select_hash(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

bool select_in_shard(uint64_t h, unsigned k, unsigned n)
{
    return n == 0 || h % n == (uint64_t)(k - 1);
}

/* splitmix64's finaliser: the sample must not correlate with h % n, or
 * --sample 50 --shard 1/2 could keep everything or nothing. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

bool select_in_sample(uint64_t h, double pct)
{
    if (pct >= 100) return true;
    if (pct <= 0) return false;
    return mix(h) % 1000000 < (uint64_t)(pct * 10000 + 0.5);
}

static bool rule_matches(const struct select_rule *r, const char *method, const char *path)
{
    return fnmatch(r->method, method, FNM_CASEFOLD) == 0 && fnmatch(r->glob, path, 0) == 0;
}

bool select_match(const struct selector *s, const char *method, const char *path, size_t pathlen)
{
    if (!s->ninc && !s->nexc) return true;
    char small[512];
    char *p = pathlen < sizeof small ? small : malloc(pathlen + 1);
    if (!p) return false;
    memcpy(p, path, pathlen);
    p[pathlen] = '\0';
    bool keep = s->ninc == 0;
    for (size_t i = 0; i < s->ninc && !keep; i++) keep = rule_matches(&s->inc[i], method, p);
    for (size_t i = 0; i < s->nexc && keep; i++) keep = !rule_matches(&s->exc[i], method, p);
    if (p != small) free(p);
    return keep;
}

enum select_verdict select_record(struct selector *s, const char *id, const char *method,
                                  const char *target)
{
    if (s->limit && s->kept >= s->limit) return SELECT_STOP;
    if (s->shard_n || s->sample_pct < 100) {
        uint64_t h = select_hash(id, strlen(id));
        if (!select_in_shard(h, s->shard_k, s->shard_n)) return SELECT_SKIP;
        if (!select_in_sample(h, s->sample_pct)) return SELECT_SKIP;
    }
    /* The path is looked for only when a rule needs it (a strcspn per record). */
    if ((s->ninc || s->nexc) && !select_match(s, method, target, strcspn(target, "?#")))
        return SELECT_SKIP;
    s->kept++;
    return SELECT_KEEP;
}

void select_new_pass(struct selector *s)
{
    s->kept = 0;
}
