/* config.c: cutover-compare's options: defaults, --ignore/--unordered
 * rules, and the --config JSON file (thresholds, rules, endpoint templates
 * and per-endpoint overrides).  Not on a hot path: jansson reads the file. */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cutover/vec.h"

static const struct {
    const char *name;
    size_t off;
} th_fields[] = {
    {"min-parity", offsetof(struct cmp_thresholds, min_parity)},
    {"max-p99-ratio", offsetof(struct cmp_thresholds, max_p99_ratio)},
    {"max-p50-ratio", offsetof(struct cmp_thresholds, max_p50_ratio)},
    {"max-missing", offsetof(struct cmp_thresholds, max_missing)},
    {"max-errors", offsetof(struct cmp_thresholds, max_errors)},
    {"min-samples", offsetof(struct cmp_thresholds, min_samples)},
};

#define NFIELDS (sizeof th_fields / sizeof *th_fields)

/* "min_parity" and "min-parity" are the same name. */
static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
        if (x != y) return false;
    }
    return *a == *b;
}

double *cmp_threshold_field(struct cmp_thresholds *t, const char *name)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (same_name(th_fields[i].name, name))
            return (double *)(void *)((char *)t + th_fields[i].off);
    return NULL;
}

void cmp_thresholds_unset(struct cmp_thresholds *t)
{
    for (size_t i = 0; i < NFIELDS; i++) *(double *)(void *)((char *)t + th_fields[i].off) = NAN;
}

void cmp_thresholds_apply(struct cmp_thresholds *dst, const struct cmp_thresholds *src)
{
    for (size_t i = 0; i < NFIELDS; i++) {
        double v = *(const double *)(const void *)((const char *)src + th_fields[i].off);
        if (!isnan(v)) *(double *)(void *)((char *)dst + th_fields[i].off) = v;
    }
}

void cmp_opts_init(struct cmp_opts *o)
{
    memset(o, 0, sizeof *o);
    o->th.min_parity = 100.0;
    o->th.max_p99_ratio = 1.5;
    o->th.max_p50_ratio = 1.2;
    o->th.max_missing = 1.0;
    o->th.max_errors = 1.0;
    o->th.min_samples = 30;
    o->alpha = 0.01;
    o->noise_rel = 0.20;
    o->noise_abs = 0.0003;
    o->max_examples = 3;
    o->max_example_body = 16384;
}

void cmp_rules_release(struct cmp_rules *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].text);
        free(r->v[i].header);
        jpath_free(r->v[i].path);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

enum cut_err cmp_rules_add(struct cmp_rules *r, const char *text, char *err, size_t errlen)
{
    struct cmp_rule ru = {0};
    if (strncasecmp(text, "header:", 7) == 0) {
        if (!text[7]) {
            snprintf(err, errlen, "'%s': header name missing", text);
            return CUT_EINVAL;
        }
        ru.header = strdup(text + 7);
        if (!ru.header) return CUT_ENOMEM;
    } else if (strcmp(text, "status") != 0) {
        enum cut_err e = jpath_parse(text, &ru.path, err, errlen);
        if (e) return e == CUT_EPARSE ? CUT_EINVAL : e;
    }
    ru.text = strdup(text);
    if (ru.text && vec_reserve(&r->v, &r->cap, r->n + 1, sizeof *r->v))
        ru.text = (free(ru.text), NULL);
    if (!ru.text) {
        free(ru.header);
        jpath_free(ru.path);
        return CUT_ENOMEM;
    }
    r->v[r->n++] = ru;
    return CUT_OK;
}

enum cut_err cmp_strings_add(struct cmp_strings *s, const char *text)
{
    if (vec_reserve(&s->v, &s->cap, s->n + 1, sizeof *s->v)) return CUT_ENOMEM;
    if (!(s->v[s->n] = strdup(text))) return CUT_ENOMEM;
    s->n++;
    return CUT_OK;
}

void cmp_strings_release(struct cmp_strings *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

void cmp_opts_release(struct cmp_opts *o)
{
    cmp_rules_release(&o->ignore);
    cmp_rules_release(&o->unordered);
    cmp_strings_release(&o->templates);
    cmp_strings_release(&o->headers);
    for (size_t i = 0; i < o->nov; i++) {
        free(o->ov[i].endpoint);
        cmp_rules_release(&o->ov[i].ignore);
        cmp_rules_release(&o->ov[i].unordered);
    }
    free(o->ov);
    o->ov = NULL;
    o->nov = 0;
}

/* ---- the config file ---- */

static enum cut_err load_thresholds(json_t *obj, struct cmp_thresholds *t, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    if (!obj) return CUT_OK;
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "\"thresholds\" must be an object");
        return CUT_EINVAL;
    }
    json_object_foreach(obj, k, v)
    {
        double *f = cmp_threshold_field(t, k);
        if (!f || !(json_is_number(v) || json_is_null(v))) {
            snprintf(err, errlen, "thresholds: unknown key or non-number value \"%s\"", k);
            return CUT_EINVAL;
        }
        /* null switches a rule off (stored as infinity: never broken) */
        *f =
            json_is_null(v)
                ? (same_name(k, "min-parity") || same_name(k, "min-samples") ? -INFINITY : INFINITY)
                : json_number_value(v);
    }
    return CUT_OK;
}

/* Adds one string of a config array to its list (rules or plain strings). */
typedef enum cut_err (*add_string_fn)(void *list, const char *text, char *err, size_t errlen);

static enum cut_err add_rule(void *list, const char *text, char *err, size_t errlen)
{
    return cmp_rules_add(list, text, err, errlen);
}

static enum cut_err add_plain(void *list, const char *text, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return cmp_strings_add(list, text);
}

/* A config member that must be an array of strings, each handed to add. */
static enum cut_err load_array(json_t *arr, const char *what, add_string_fn add, void *list,
                               char *err, size_t errlen)
{
    size_t i;
    json_t *v;
    if (!arr) return CUT_OK;
    if (!json_is_array(arr)) {
        snprintf(err, errlen, "\"%s\" must be an array of strings", what);
        return CUT_EINVAL;
    }
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v)) {
            snprintf(err, errlen, "\"%s\"[%zu] is not a string", what, i);
            return CUT_EINVAL;
        }
        enum cut_err e = add(list, json_string_value(v), err, errlen);
        if (e) return e;
    }
    return CUT_OK;
}

static enum cut_err load_rules(json_t *arr, const char *what, struct cmp_rules *r, char *err,
                               size_t errlen)
{
    return load_array(arr, what, add_rule, r, err, errlen);
}

static enum cut_err load_strings(json_t *arr, const char *what, struct cmp_strings *s, char *err,
                                 size_t errlen)
{
    return load_array(arr, what, add_plain, s, err, errlen);
}

static enum cut_err load_overrides(struct cmp_opts *o, json_t *obj, char *err, size_t errlen)
{
    const char *name;
    json_t *v;
    if (!obj) return CUT_OK;
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "\"overrides\" must be an object keyed by endpoint");
        return CUT_EINVAL;
    }
    size_t n = json_object_size(obj);
    struct cmp_override *ov = realloc(o->ov, (o->nov + n) * sizeof *ov);
    if (!ov) return CUT_ENOMEM;
    o->ov = ov;
    json_object_foreach(obj, name, v)
    {
        struct cmp_override *x = &o->ov[o->nov];
        memset(x, 0, sizeof *x);
        cmp_thresholds_unset(&x->th);
        if (!(x->endpoint = strdup(name))) return CUT_ENOMEM;
        o->nov++;
        if (!json_is_object(v)) {
            snprintf(err, errlen, "overrides: \"%s\" must be an object", name);
            return CUT_EINVAL;
        }
        enum cut_err e = load_thresholds(json_object_get(v, "thresholds"), &x->th, err, errlen);
        if (!e) e = load_rules(json_object_get(v, "ignore"), "ignore", &x->ignore, err, errlen);
        if (!e)
            e = load_rules(json_object_get(v, "unordered"), "unordered", &x->unordered, err,
                           errlen);
        if (e) return e;
    }
    return CUT_OK;
}

static enum cut_err load_number(json_t *root, const char *key, double *out, char *err,
                                size_t errlen)
{
    json_t *v = json_object_get(root, key);
    if (!v) return CUT_OK;
    if (!json_is_number(v)) {
        snprintf(err, errlen, "\"%s\" must be a number", key);
        return CUT_EINVAL;
    }
    *out = json_number_value(v);
    return CUT_OK;
}

static const char *const known_keys[] = {
    "thresholds", "ignore",         "unordered",      "headers", "endpoints",    "overrides",
    "alpha",      "noise-relative", "noise-absolute", "strict",  "max-examples", NULL};

enum cut_err cmp_config_load(struct cmp_opts *o, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        snprintf(err, errlen, "%s: line %d: %s", path, je.line, je.text);
        return CUT_EINVAL;
    }
    char why[400] = "";
    enum cut_err e = json_is_object(root) ? CUT_OK : CUT_EINVAL;
    if (e) snprintf(why, sizeof why, "not a JSON object");
    const char *k;
    json_t *v;
    if (!e) json_object_foreach(root, k, v)
        {
            bool known = false;
            for (size_t i = 0; known_keys[i]; i++) known = known || same_name(known_keys[i], k);
            if (!known && !e) {
                snprintf(why, sizeof why, "unknown key \"%s\"", k);
                e = CUT_EINVAL;
            }
        }
    if (!e) e = load_thresholds(json_object_get(root, "thresholds"), &o->th, why, sizeof why);
    if (!e) e = load_rules(json_object_get(root, "ignore"), "ignore", &o->ignore, why, sizeof why);
    if (!e)
        e = load_rules(json_object_get(root, "unordered"), "unordered", &o->unordered, why,
                       sizeof why);
    if (!e)
        e = load_strings(json_object_get(root, "headers"), "headers", &o->headers, why, sizeof why);
    if (!e)
        e = load_strings(json_object_get(root, "endpoints"), "endpoints", &o->templates, why,
                         sizeof why);
    if (!e) e = load_overrides(o, json_object_get(root, "overrides"), why, sizeof why);
    if (!e) e = load_number(root, "alpha", &o->alpha, why, sizeof why);
    if (!e) e = load_number(root, "noise-relative", &o->noise_rel, why, sizeof why);
    if (!e) e = load_number(root, "noise-absolute", &o->noise_abs, why, sizeof why);
    double mx = (double)o->max_examples;
    if (!e) e = load_number(root, "max-examples", &mx, why, sizeof why);
    if (!e && (mx < 0 || mx > 1000)) {
        snprintf(why, sizeof why, "\"max-examples\" must be 0..1000");
        e = CUT_EINVAL;
    }
    if (!e) o->max_examples = (size_t)mx;
    json_t *st = json_object_get(root, "strict");
    if (!e && st) o->strict = json_is_true(st);
    if (e) snprintf(err, errlen, "%s: %s", path, why);
    json_decref(root);
    return e;
}
