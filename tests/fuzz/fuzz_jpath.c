/* fuzz_jpath.c: libFuzzer target for lib/jpath.c.  The input's first line
 * is a path pattern: it is parsed, counted and replaced on a fixed document
 * (and on the rest of the input when that is JSON), and matched against the
 * rest taken as a concrete path.  The rest, split on 0x01, also builds a
 * concrete path with jpath_append_key/jpath_append_index: what compare
 * writes must parse back and match itself, before and after generalising. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/jpath.h"

#include "fuzz_util.h"

static const char doc_text[] =
    "{\"id\":\"m-1\",\"to\":\"+15550100\",\"a\":{\"b\":[1,{\"id\":2,\"c\":[[],{}]},\"x\"]},"
    "\"list\":[{\"id\":1,\"n\":\"a\"},{\"id\":2,\"n\":null},{\"sub\":{\"id\":3}}],"
    "\"we.ird\":{\"k'q\":true,\"\":0},\"deep\":{\"deep\":{\"deep\":{\"id\":[4,5]}}}}";

/* An invariant the code promises; a broken one is a bug, so crash. */
static json_t *to_marker(json_t *old, void *ctx)
{
    (void)old;
    (void)ctx;
    return json_string("<redacted>");
}

static void on_tree(const struct jpath *p, json_t *tree)
{
    size_t n = jpath_count(p, tree);
    size_t r = jpath_replace(p, tree, to_marker, NULL);
    check(r <= n);
    check(jpath_count(p, tree) <= n + 1);
}

static void patterns(const char *pat, const char *rest, size_t rest_len)
{
    struct jpath *p;
    char err[128];
    if (jpath_parse(pat, &p, err, sizeof err) != CUT_OK) {
        check(err[0] != '\0');
        return;
    }
    check(strcmp(jpath_text(p), pat) == 0);
    json_error_t je;
    json_t *doc = json_loads(doc_text, 0, &je);
    check(doc != NULL);
    on_tree(p, doc);
    json_decref(doc);
    json_t *other = json_loadb(rest, rest_len, JSON_DECODE_ANY, &je);
    if (other) {
        on_tree(p, other);
        json_decref(other);
    }
    (void)jpath_match(p, rest);
    jpath_free(p);
}

static int all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 9) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

/* Build "$" + one step per 0x01-separated piece of rest, as compare does. */
static void concrete(const char *rest, size_t n)
{
    struct buf b = BUF_INIT, g = BUF_INIT;
    check(buf_putc(&b, '$') == CUT_OK);
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && rest[i] != '\x01') continue;
        const char *k = rest + start;
        size_t len = i - start;
        if (all_digits(k, len))
            check(jpath_append_index(&b, strtoul(k, NULL, 10)) == CUT_OK);
        else
            check(jpath_append_key(&b, k, len) == CUT_OK);
        start = i + 1;
    }
    struct jpath *p;
    char err[128];
    if (jpath_parse(b.data, &p, err, sizeof err) != CUT_OK) {
        fprintf(stderr, "concrete path does not parse: %s\n", err);
        abort();
    }
    check(jpath_match(p, b.data));
    check(jpath_generalise(b.data, &g) == CUT_OK);
    struct jpath *gp;
    if (jpath_parse(g.data, &gp, err, sizeof err) != CUT_OK) {
        fprintf(stderr, "generalised path does not parse: %s\n", err);
        abort();
    }
    check(jpath_match(gp, b.data));
    jpath_free(gp);
    jpath_free(p);
    buf_free(&b);
    buf_free(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    /* NUL-terminated copies: the API takes C strings. */
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t len = strlen(s); /* pieces end at the first NUL */
    char *nl = memchr(s, '\n', len);
    const char *rest = nl ? nl + 1 : s + len;
    if (nl) *nl = '\0';
    size_t rest_len = len - (size_t)(rest - s);
    patterns(s, rest, rest_len);
    concrete(rest, rest_len);
    struct buf g = BUF_INIT;
    (void)jpath_generalise(rest, &g);
    buf_free(&g);
    free(s);
    return 0;
}
