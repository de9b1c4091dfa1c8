/* jpath.c: the JSONPath subset ($.a.b, $.l[3], $.l[*].id, $..id, $['k']).
 * A path is a list of steps; a step names one key, one index, or any child,
 * and may be preceded by ".." (any depth). The same matcher serves jansson
 * trees (replace, count) and the concrete paths compare writes. */
#include "cutover/jpath.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/vec.h"

enum step_kind { STEP_KEY, STEP_INDEX, STEP_ANY };

struct step {
    enum step_kind kind;
    int deep; /* preceded by "..": matches at any depth below */
    char *key;
    size_t keylen;
    size_t index;
};

struct jpath {
    char *text;
    struct step *steps;
    size_t n, cap;
};

static int is_plain_key_char(int c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '$' || c == '@' || (c & 0x80);
}

static enum cut_err add_step(struct jpath *p, struct step s)
{
    if (vec_reserve(&p->steps, &p->cap, p->n + 1, sizeof *p->steps)) {
        free(s.key);
        return CUT_ENOMEM;
    }
    p->steps[p->n++] = s;
    return CUT_OK;
}

/* A quoted key inside brackets: '...' or "..." with backslash escapes.
 * *pos is at the opening quote; on return it is after the closing one. */
static enum cut_err parse_quoted(const char *s, size_t *pos, struct step *st)
{
    char q = s[*pos];
    struct buf k = BUF_INIT;
    size_t i = *pos + 1;
    for (; s[i] && s[i] != q; i++) {
        if (s[i] == '\\' && s[i + 1]) i++;
        if (buf_putc(&k, s[i])) {
            buf_free(&k);
            return CUT_ENOMEM;
        }
    }
    if (s[i] != q) {
        buf_free(&k);
        return CUT_EPARSE;
    }
    *pos = i + 1;
    st->kind = STEP_KEY;
    st->key = buf_detach(&k, &st->keylen);
    return st->key ? CUT_OK : CUT_ENOMEM;
}

/* "[...]" at *pos: an index, "*", or a quoted key. */
static enum cut_err parse_bracket(const char *s, size_t *pos, struct step *st)
{
    size_t i = *pos + 1;
    enum cut_err e = CUT_OK;
    if (s[i] == '*') {
        st->kind = STEP_ANY;
        i++;
    } else if (s[i] == '\'' || s[i] == '"') {
        e = parse_quoted(s, &i, st);
    } else if (isdigit((unsigned char)s[i])) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s + i, &end, 10);
        if (errno) return CUT_EPARSE;
        st->kind = STEP_INDEX;
        st->index = (size_t)v;
        i = (size_t)(end - s);
    } else {
        return CUT_EPARSE;
    }
    if (e) return e;
    if (s[i] != ']') {
        free(st->key);
        st->key = NULL;
        return CUT_EPARSE;
    }
    *pos = i + 1;
    return CUT_OK;
}

/* ".name", ".*" or (after "..") "name" at *pos. */
static enum cut_err parse_dotted(const char *s, size_t *pos, struct step *st)
{
    size_t i = *pos;
    if (s[i] == '*') {
        st->kind = STEP_ANY;
        *pos = i + 1;
        return CUT_OK;
    }
    size_t start = i;
    while (s[i] && is_plain_key_char((unsigned char)s[i])) i++;
    if (i == start) return CUT_EPARSE;
    st->kind = STEP_KEY;
    st->key = strndup(s + start, i - start);
    st->keylen = i - start;
    *pos = i;
    return st->key ? CUT_OK : CUT_ENOMEM;
}

static enum cut_err parse_steps(struct jpath *p, const char *s, size_t *where)
{
    size_t i = 1;
    while (s[i]) {
        struct step st = {0};
        enum cut_err e;
        *where = i;
        if (s[i] == '.' && s[i + 1] == '.') {
            st.deep = 1;
            i += 2;
            e = s[i] == '[' ? parse_bracket(s, &i, &st) : parse_dotted(s, &i, &st);
        } else if (s[i] == '.') {
            i++;
            e = parse_dotted(s, &i, &st);
        } else if (s[i] == '[') {
            e = parse_bracket(s, &i, &st);
        } else {
            e = CUT_EPARSE;
        }
        if (!e) e = add_step(p, st);
        if (e) return e;
    }
    return CUT_OK;
}

enum cut_err jpath_parse(const char *s, struct jpath **out, char *err, size_t errlen)
{
    *out = NULL;
    if (s[0] != '$') {
        snprintf(err, errlen, "a path starts with '$'");
        return CUT_EPARSE;
    }
    struct jpath *p = calloc(1, sizeof *p);
    if (!p || !(p->text = strdup(s))) {
        free(p);
        return CUT_ENOMEM;
    }
    size_t where = 0;
    enum cut_err e = parse_steps(p, s, &where);
    if (e) {
        if (e == CUT_EPARSE)
            snprintf(err, errlen, "bad path step at character %zu of '%s'", where + 1, s);
        jpath_free(p);
        return e;
    }
    *out = p;
    return CUT_OK;
}

void jpath_free(struct jpath *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) free(p->steps[i].key);
    free(p->steps);
    free(p->text);
    free(p);
}

const char *jpath_text(const struct jpath *p)
{
    return p->text;
}

/* ---- trees ---- */

struct visit {
    const struct jpath *p;
    jpath_replace_fn fn;
    void *ctx;
    size_t hits;
};

static int step_takes_key(const struct step *st, const char *key)
{
    return st->kind == STEP_ANY || (st->kind == STEP_KEY && strlen(key) == st->keylen &&
                                    memcmp(key, st->key, st->keylen) == 0);
}

static int step_takes_index(const struct step *st, size_t i)
{
    return st->kind == STEP_ANY || (st->kind == STEP_INDEX && st->index == i);
}

static void visit(struct visit *v, json_t *node, size_t si);

/* child of node (under key or at index) for step si: descend further,
 * then, when it is the last step, hand it to fn. */
static json_t *visit_child(struct visit *v, json_t *child, size_t si, int taken)
{
    const struct step *st = &v->p->steps[si];
    if (st->deep) visit(v, child, si); /* ".." also looks further down */
    if (!taken) return NULL;
    if (si + 1 < v->p->n) {
        visit(v, child, si + 1);
        return NULL;
    }
    v->hits++;
    return v->fn ? v->fn(child, v->ctx) : NULL;
}

static void visit(struct visit *v, json_t *node, size_t si)
{
    const struct step *st = &v->p->steps[si];
    if (json_is_object(node)) {
        const char *key;
        json_t *child;
        void *tmp;
        json_object_foreach_safe(node, tmp, key, child)
        {
            json_t *nv = visit_child(v, child, si, step_takes_key(st, key));
            if (nv) json_object_set_new(node, key, nv);
        }
    } else if (json_is_array(node)) {
        for (size_t i = 0; i < json_array_size(node); i++) {
            json_t *nv = visit_child(v, json_array_get(node, i), si, step_takes_index(st, i));
            if (nv) json_array_set_new(node, i, nv);
        }
    }
}

size_t jpath_replace(const struct jpath *p, json_t *root, jpath_replace_fn fn, void *ctx)
{
    struct visit v = {p, fn, ctx, 0};
    if (!p->n || !root) return 0; /* "$" itself cannot be replaced in place */
    visit(&v, root, 0);
    return fn ? v.hits : 0;
}

size_t jpath_count(const struct jpath *p, json_t *root)
{
    struct visit v = {p, NULL, NULL, 0};
    if (!root) return 0;
    if (!p->n) return 1;
    visit(&v, root, 0);
    return v.hits;
}

/* ---- concrete paths ---- */

static int match_from(const struct jpath *pat, size_t pi, const struct jpath *c, size_t ci)
{
    if (pi == pat->n) return 1; /* a pattern covers everything below what it names */
    if (ci == c->n) return 0;
    const struct step *ps = &pat->steps[pi], *cs = &c->steps[ci];
    int same = cs->kind == STEP_KEY ? step_takes_key(ps, cs->key)
                                    : cs->kind == STEP_INDEX && step_takes_index(ps, cs->index);
    if (same && match_from(pat, pi + 1, c, ci + 1)) return 1;
    return ps->deep && match_from(pat, pi, c, ci + 1);
}

bool jpath_match(const struct jpath *p, const char *concrete)
{
    struct jpath *c;
    char err[8];
    if (jpath_parse(concrete, &c, err, sizeof err)) return false;
    int m = match_from(p, 0, c, 0);
    jpath_free(c);
    return m;
}

enum cut_err jpath_append_key(struct buf *b, const char *key, size_t n)
{
    int plain = n > 0;
    for (size_t i = 0; i < n && plain; i++) plain = is_plain_key_char((unsigned char)key[i]);
    if (plain) {
        enum cut_err e = buf_putc(b, '.');
        return e ? e : buf_append(b, key, n);
    }
    enum cut_err e = buf_append(b, "['", 2);
    for (size_t i = 0; i < n && !e; i++) {
        if (key[i] == '\'' || key[i] == '\\') e = buf_putc(b, '\\');
        if (!e) e = buf_putc(b, key[i]);
    }
    return e ? e : buf_append(b, "']", 2);
}

enum cut_err jpath_append_index(struct buf *b, size_t index)
{
    return buf_printf(b, "[%zu]", index);
}

enum cut_err jpath_generalise(const char *s, struct buf *out)
{
    enum cut_err e = CUT_OK;
    char quote = 0;
    for (size_t i = 0; s[i] && !e; i++) {
        if (quote) {
            if (s[i] == '\\' && s[i + 1]) {
                e = buf_append(out, s + i, 2);
                i++;
                continue;
            }
            if (s[i] == quote) quote = 0;
            e = buf_putc(out, s[i]);
        } else if (s[i] == '\'' || s[i] == '"') {
            quote = s[i];
            e = buf_putc(out, s[i]);
        } else if (s[i] == '[' && isdigit((unsigned char)s[i + 1])) {
            size_t j = i + 1;
            while (isdigit((unsigned char)s[j])) j++;
            if (s[j] == ']') {
                e = buf_append(out, "[*]", 3);
                i = j;
            } else {
                e = buf_putc(out, s[i]);
            }
        } else {
            e = buf_putc(out, s[i]);
        }
    }
    return e;
}
