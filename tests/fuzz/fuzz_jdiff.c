/* fuzz_jdiff.c: libFuzzer target for lib/jdiff.c, the arena JSON reader
 * and the structural diff compare runs on bodies.  The first byte holds
 * options (arrays unordered, a cap on differences, an arena cap); the rest
 * is two documents separated by the first NUL byte.  Checked: a document
 * equals itself and diffs to nothing, equal documents hash alike, jdiff
 * finds no difference exactly when jv_equal says equal, and every path it
 * reports is NUL-terminated and parses as a JSONPath (users feed them back
 * as --ignore). The first document is also read as the body of a JSON
 * string: text_jstr_scan_decode must agree with text_jstr_scan then
 * text_jstr_decode, within its exactly sized input and output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/jdiff.h"
#include "cutover/jpath.h"
#include "cutover/text.h"

#include "fuzz_util.h"

/* An invariant the code promises; a broken one is a bug, so crash. */
static enum cut_err on_diff(void *ctx, enum jdiff_kind kind, const char *path, size_t pathlen,
                            const struct jv *a, const struct jv *b)
{
    (void)ctx;
    check(path != NULL && path[pathlen] == '\0' && path[0] == '$');
    /* A key holding U+0000 puts a NUL inside the path (reported in
     * docs/hardening.md); the C-string checks below only see paths without. */
    if (strlen(path) != pathlen) return CUT_OK;
    check(jdiff_kind_name(kind) != NULL);
    if (kind == JDIFF_EXTRA) check(a == NULL && b != NULL);
    if (kind == JDIFF_MISSING) check(a != NULL && b == NULL);
    if (a) (void)jv_type_name(a->type);
    struct jpath *p;
    char err[128];
    if (jpath_parse(path, &p, err, sizeof err) != CUT_OK) {
        fprintf(stderr, "jdiff path does not parse as JSONPath: %s (%s)\n", path, err);
        abort();
    }
    check(jpath_match(p, path));
    jpath_free(p);
    return CUT_OK;
}

static bool all_unordered(void *ctx, const char *path)
{
    (void)ctx;
    (void)path;
    return true;
}

static void lookups(const struct jv *v)
{
    if (v->type != JV_OBJ) return;
    size_t len;
    (void)jv_get(v, "id");
    (void)jv_str(v, "status", &len);
    (void)jv_num(v, "count", 0);
    for (uint32_t i = 0; i < v->n; i++)
        if (strlen(v->u.mem[i].key) == v->u.mem[i].keylen)
            check(jv_get(v, v->u.mem[i].key) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned flags = data[0];
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(text, '\0', n);
    size_t alen = nul ? (size_t)(nul - text) : n;
    size_t blen = nul ? n - alen - 1 : 0;
    /* Exactly sized heap copies, so an over-read trips ASan. */
    char *a = malloc(alen ? alen : 1), *b = malloc(blen ? blen : 1);
    if (!a || !b) {
        free(a);
        free(b);
        return 0;
    }
    memcpy(a, text, alen);
    if (nul) memcpy(b, nul + 1, blen);

    /* the fused string scan and decode, against the two passes */
    char *dec = malloc(alen + 32), *want = malloc(alen ? alen : 1);
    if (dec && want) {
        unsigned sf = (flags & 8) ? TEXT_JSTR_STRICT : 0;
        size_t dn = SIZE_MAX;
        struct text_jstr r = text_jstr_scan_decode(a, alen, sf, dec, &dn);
        struct text_jstr w = text_jstr_scan(a, alen, sf);
        check(r.end == w.end && r.at == w.at && r.seen == w.seen);
        struct text_jstr q = text_jstr_scan_decode(a, alen, sf, NULL, NULL); /* the scan alone */
        check(q.end == w.end && q.at == w.at && q.seen == w.seen);
        if (w.end == TEXT_JSTR_OK)
            check(dn == text_jstr_decode(a, w.at, want) && memcmp(dec, want, dn) == 0);
    }
    free(dec);
    free(want);
    /* and the document escaped as a string, as a record holds a body, with
     * its bytes again after the closing quote: decoded back to itself */
    char *esc = malloc(6 * alen + 16 + 1 + alen);
    dec = malloc(6 * alen + 16 + 1 + alen + 32);
    if (esc && dec) {
        size_t used = 0, en = text_json_escape(esc, a, alen, false, &used), dn = SIZE_MAX;
        esc[en] = '"';
        memcpy(esc + en + 1, a, alen);
        char *t = malloc(en + 1 + alen); /* exactly sized */
        if (t) {
            memcpy(t, esc, en + 1 + alen);
            struct text_jstr r = text_jstr_scan_decode(t, en + 1 + alen, 0, dec, &dn);
            check(used == alen && r.end == TEXT_JSTR_OK && r.at == en && dn == alen &&
                  memcmp(dec, a, alen) == 0);
        }
        free(t);
    }
    free(esc);
    free(dec);

    struct jarena ar;
    jarena_init(&ar, (flags & 4) ? (size_t)4096 : (size_t)64 << 20);
    struct jv va, vb;
    size_t errpos = 0;
    enum cut_err ea = jv_parse(&ar, a, alen, &va, &errpos);
    if (ea == CUT_EPARSE) check(errpos <= alen);
    enum cut_err eb = nul ? jv_parse(&ar, b, blen, &vb, &errpos) : CUT_EPARSE;
    if (ea == CUT_OK) {
        lookups(&va);
        check(jv_equal(&va, &va));
        struct jdiff_opts o = {on_diff, (flags & 1) ? all_unordered : NULL, NULL, 0};
        size_t nd = 99;
        check(jdiff(&va, &va, &o, &nd) == CUT_OK && nd == 0);
    }
    if (ea == CUT_OK && eb == CUT_OK) {
        bool eq = jv_equal(&va, &vb);
        check(eq == jv_equal(&vb, &va));
        if (eq) check(jv_hash(&va) == jv_hash(&vb));
        struct jdiff_opts o = {on_diff, (flags & 1) ? all_unordered : NULL, NULL,
                               (flags & 2) ? 3 : 0};
        size_t nd = 0;
        enum cut_err e = jdiff(&va, &vb, &o, &nd);
        check(e == CUT_OK || e == CUT_ENOMEM || e == CUT_ELIMIT);
        if (e == CUT_OK && !(flags & 1)) check((nd == 0) == eq);
        if (flags & 2) check(nd <= 3);
    }
    jarena_release(&ar);
    free(a);
    free(b);
    return 0;
}
