/* endpoint.c: which endpoint a request belongs to: its method and its path
 * as a template.  Declared templates (--endpoint, the config file) win, in
 * the order given; otherwise every path segment that looks like an id
 * (number, UUID, hex, ULID or another long token) becomes {id}. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "compare.h"

static bool all_of(const char *s, size_t n, int (*pred)(int))
{
    for (size_t i = 0; i < n; i++)
        if (!pred((unsigned char)s[i])) return false;
    return n > 0;
}

static int is_num_char(int c)
{
    return isdigit(c) || c == '.' || c == '-' || c == '+';
}

static bool has_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isdigit((unsigned char)s[i])) return true;
    return false;
}

static size_t count_digits(const char *s, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++) d += isdigit((unsigned char)s[i]) != 0;
    return d;
}

static int is_token_char(int c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '=' || c == '~' || c == '.' || c == '%';
}

/* Numbers (also "+15550100000"), UUIDs, hex of 8+ with a digit, tokens of
 * 16+ with a digit or of 6+ with 4 digits (ULIDs, base64url ids, "msg_01H..."), e-mail addresses.
 */
bool endpoint_segment_is_id(const char *s, size_t n)
{
    if (n == 0) return false;
    if (all_of(s, n, is_num_char) && has_digit(s, n)) return true;
    if (cmp_is_uuid(s, n)) return true;
    if (n >= 8 && all_of(s, n, isxdigit) && has_digit(s, n)) return true;
    if (n >= 16 && all_of(s, n, is_token_char) && has_digit(s, n)) return true;
    /* "msg000192", "INV-2024-0042": many digits, unlike "v1" or "oauth2" */
    if (n >= 6 && all_of(s, n, is_token_char) && count_digits(s, n) >= 4) return true;
    if (memchr(s, '@', n)) return true;
    /* memmem costs more than the rest together: only where a '%' is */
    return n >= 3 && memchr(s, '%', n) && memmem(s, n, "%40", 3);
}

/* The path part of a request-target: no scheme and host, no query. */
static void path_of(const char *t, size_t n, const char **p, size_t *pn)
{
    const char *e = t + n;
    const char *sch = n && t[0] != '/' ? memmem(t, n, "://", 3) : NULL; /* origin-form: none */
    if (sch && (size_t)(sch - t) < 16) {
        const char *slash = memchr(sch + 3, '/', (size_t)(e - sch - 3));
        t = slash ? slash : e;
    }
    const char *q = t;
    while (q < e && *q != '?' && *q != '#') q++;
    *p = t;
    *pn = (size_t)(q - t);
}

/* Whether template path tp[0..tn) matches path p[0..pn) segment by segment:
 * "{...}" matches any one non-empty segment. */
static bool tpl_match(const char *tp, size_t tn, const char *p, size_t pn)
{
    size_t i = 0, j = 0;
    while (i < tn && j < pn) {
        size_t ti = i, pj = j;
        while (i < tn && tp[i] != '/') i++;
        while (j < pn && p[j] != '/') j++;
        size_t tl = i - ti, pl = j - pj;
        bool param = tl >= 2 && tp[ti] == '{' && tp[i - 1] == '}';
        if (param ? pl == 0 : (tl != pl || memcmp(tp + ti, p + pj, tl) != 0)) return false;
        if (i < tn) i++;
        if (j < pn) j++;
        if ((i >= tn) != (j >= pn)) return false;
    }
    return i >= tn && j >= pn;
}

static bool template_wins(const char *tpl, const char *m, size_t mlen, const char *p, size_t pn)
{
    const char *sp = strchr(tpl, ' ');
    if (!sp) return tpl_match(tpl, strlen(tpl), p, pn);
    size_t tml = (size_t)(sp - tpl);
    bool any = tml == 1 && tpl[0] == '*';
    if (!any && (tml != mlen || strncasecmp(tpl, m, mlen) != 0)) return false;
    while (*sp == ' ') sp++;
    return tpl_match(sp, strlen(sp), p, pn);
}

static enum cut_err put_method(struct buf *out, const char *m, size_t mlen)
{
    enum cut_err e = CUT_OK;
    for (size_t i = 0; i < mlen && !e; i++) e = buf_putc(out, (char)toupper((unsigned char)m[i]));
    return e ? e : buf_putc(out, ' ');
}

enum cut_err endpoint_name(const struct cmp_strings *templates, const char *m, size_t mlen,
                           const char *target, size_t tlen, struct buf *out)
{
    const char *p;
    size_t pn;
    path_of(target, tlen, &p, &pn);
    enum cut_err e = put_method(out, m, mlen);
    if (e) return e;
    for (size_t i = 0; templates && i < templates->n; i++) {
        if (!template_wins(templates->v[i], m, mlen, p, pn)) continue;
        const char *sp = strchr(templates->v[i], ' ');
        const char *tp = sp ? sp : templates->v[i];
        while (*tp == ' ') tp++;
        return buf_puts(out, tp);
    }
    if (pn == 0) return buf_putc(out, '/');
    for (size_t i = 0; i < pn && !e;) {
        if (p[i] == '/') {
            e = buf_putc(out, '/');
            i++;
            continue;
        }
        size_t s = i;
        while (i < pn && p[i] != '/') i++;
        e = endpoint_segment_is_id(p + s, i - s) ? buf_puts(out, "{id}")
                                                 : buf_append(out, p + s, i - s);
    }
    return e;
}
