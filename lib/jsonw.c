/* jsonw.c: JSON value writer.  Strings are the hot part: a table marks the
 * bytes that need escaping so runs of plain bytes are copied in one go. */
#include "cutover/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 0: copy; 1: short escape or \u00XX; 2: start of a multi-byte sequence. */
static unsigned char esc_class[256];
static int esc_ready;

static void esc_init(void)
{
    for (int i = 0; i < 256; i++) esc_class[i] = i < 0x20 ? 1 : i >= 0x80 ? 2 : 0;
    esc_class['"'] = 1;
    esc_class['\\'] = 1;
    esc_ready = 1;
}

/* Length of a well-formed UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t need;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) need = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) need = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) need = 3, cp = c & 0x07;
    else return 0;
    if (n - 1 < need) return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need + 1;
}

static enum cut_err put_escape(struct buf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    switch (c) {
    case '"': return buf_append(b, "\\\"", 2);
    case '\\': return buf_append(b, "\\\\", 2);
    case '\n': return buf_append(b, "\\n", 2);
    case '\r': return buf_append(b, "\\r", 2);
    case '\t': return buf_append(b, "\\t", 2);
    case '\b': return buf_append(b, "\\b", 2);
    case '\f': return buf_append(b, "\\f", 2);
    default: return buf_append(b, e, 6);
    }
}

enum cut_err jsonw_str(struct buf *b, const void *vp, size_t n)
{
    const unsigned char *p = vp;
    enum cut_err e;
    if (!esc_ready) esc_init();
    if ((e = buf_grow(b, n + 2))) return e;
    b->data[b->len++] = '"';
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && esc_class[p[run]] == 0) run++;
        if (run > i && (e = buf_append(b, p + i, run - i))) return e;
        i = run;
        if (i >= n) break;
        if (esc_class[p[i]] == 2) {
            size_t sl = utf8_seq(p + i, n - i);
            if (sl) {
                if ((e = buf_append(b, p + i, sl))) return e;
                i += sl;
                continue;
            }
        }
        if ((e = put_escape(b, p[i]))) return e;
        i++;
    }
    return buf_putc(b, '"');
}

enum cut_err jsonw_cstr(struct buf *b, const char *s)
{
    if (!s) return buf_append(b, "null", 4);
    return jsonw_str(b, s, strlen(s));
}

enum cut_err jsonw_key(struct buf *b, const char *key)
{
    enum cut_err e = jsonw_cstr(b, key);
    return e ? e : buf_putc(b, ':');
}

/* Decimal digits of v, right-aligned before end; returns where they start.
 * Numbers are written for every field of every record: snprintf's format
 * parsing cost more than the rest of a record's numbers together. */
static char *put_digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

enum cut_err jsonw_u64(struct buf *b, uint64_t v)
{
    char tmp[24];
    char *p = put_digits(tmp + sizeof tmp, v);
    return buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

enum cut_err jsonw_i64(struct buf *b, int64_t v)
{
    char tmp[24];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = put_digits(tmp + sizeof tmp, u);
    if (v < 0) *--p = '-';
    return buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

enum cut_err jsonw_ms(struct buf *b, double v)
{
    /* Past 9e15 ms (285,000 years) llround would overflow: treat as unknown. */
    if (!isfinite(v) || fabs(v) > 9e15) return buf_append(b, "-1", 2);
    /* Integer thousandths, trailing zeros trimmed: cheap and exact enough. */
    int64_t t = (int64_t)llround(v * 1000.0);
    char tmp[32], *end = tmp + sizeof tmp, *p = end;
    int neg = t < 0;
    if (neg) t = -t;
    int frac = (int)(t % 1000);
    if (frac) {
        int width = 3;
        while (frac % 10 == 0) frac /= 10, width--; /* trailing zeros trimmed */
        for (int k = 0; k < width; k++, frac /= 10) *--p = (char)('0' + frac % 10);
        *--p = '.';
    }
    p = put_digits(p, (uint64_t)(t / 1000));
    if (neg) *--p = '-';
    return buf_append(b, p, (size_t)(end - p));
}

enum cut_err jsonw_double(struct buf *b, double v)
{
    if (!isfinite(v)) return buf_append(b, "null", 4);
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.15g", v);
    if (strtod(tmp, NULL) != v) n = snprintf(tmp, sizeof tmp, "%.17g", v);
    return buf_append(b, tmp, (size_t)n);
}

enum cut_err jsonw_time(struct buf *b, int64_t us)
{
    time_t s = (time_t)(us / 1000000);
    int ms = (int)((us % 1000000) / 1000);
    if (us < 0) s = 0, ms = 0;
    struct tm tm;
    gmtime_r(&s, &tm);
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return buf_append(b, tmp, (size_t)n);
}
