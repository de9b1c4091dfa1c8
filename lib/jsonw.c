/* jsonw.c: JSON value writer.  Strings are the hot part: a table marks the
 * bytes that need escaping so runs of plain bytes are copied in one go. */
#include "cutover/jsonw.h"

#include <math.h>
#include <stdbool.h>
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
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, cp = c & 0x07;
    else
        return 0;
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

/* Write the escape of c at o; returns its length (2 or 6). */
static size_t put_escape(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    static const char shorts[] = "\"\"\\\\\nn\rr\tt\bb\ff";
    for (const char *s = shorts; *s; s += 2) {
        if ((unsigned char)s[0] == c) {
            o[0] = '\\';
            o[1] = s[1];
            return 2;
        }
    }
    memcpy(o, "\\u00", 4);
    o[4] = hex[c >> 4];
    o[5] = hex[c & 15];
    return 6;
}

/* Escaped length of p[0..n) (the quotes not counted). */
static size_t escaped_len(const unsigned char *p, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        size_t sl = esc_class[p[i]] == 2 ? utf8_seq(p + i, n - i) : 0;
        if (sl) {
            len += sl;
            i += sl;
            continue;
        }
        unsigned char c = p[i++];
        bool shortesc = c == '"' || c == '\\' || (c && strchr("\n\r\t\b\f", c));
        len += esc_class[c] == 0 ? 1 : shortesc ? 2 : 6;
    }
    return len;
}

/* Escape p[0..n) straight into o; returns the end. */
static char *escape_into(char *o, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && esc_class[p[run]] == 0) run++;
        memcpy(o, p + i, run - i);
        o += run - i;
        i = run;
        if (i >= n) break;
        if (esc_class[p[i]] == 2) {
            size_t sl = utf8_seq(p + i, n - i);
            if (sl) {
                memcpy(o, p + i, sl);
                o += sl;
                i += sl;
                continue;
            }
        }
        o += put_escape(o, p[i]);
        i++;
    }
    return o;
}

/* Strings go in chunks, each with room for its worst case (every byte a
 * 6-byte \u00XX) made once, so runs and escapes are stored directly rather
 * than by a buf_append each; a chunk bounds the over-allocation. A capped
 * buffer near its cap gets the exact length instead. */
#define JSONW_CHUNK 4096

enum cut_err jsonw_str(struct buf *b, const void *vp, size_t n)
{
    const unsigned char *p = vp;
    enum cut_err e;
    if (!esc_ready) esc_init();
    if ((e = buf_putc(b, '"'))) return e;
    for (size_t i = 0; i < n;) {
        size_t k = n - i < JSONW_CHUNK ? n - i : JSONW_CHUNK;
        /* Never split a UTF-8 sequence: end the chunk before a lead byte. */
        while (i + k < n && k > 1 && (p[i + k] & 0xC0) == 0x80) k--;
        size_t need = k * 6;
        if (b->max && b->len + need > b->max) need = escaped_len(p + i, k);
        if ((e = buf_grow(b, need))) return e;
        char *o = escape_into(b->data + b->len, p + i, k);
        b->len = (size_t)(o - b->data);
        b->data[b->len] = '\0';
        i += k;
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
    /* Microseconds: packet timestamps have them, and replay's pacing of
     * requests less than a millisecond apart needs them. ISO 8601 allows
     * any number of fraction digits. Every record has a timestamp and most
     * fall in the same second as the one before: the date part is kept per
     * thread and gmtime_r runs once a second. */
    static _Thread_local int64_t cached_sec = -1;
    static _Thread_local char date[64];
    if (us < 0) us = 0;
    int64_t sec = us / 1000000;
    if (sec != cached_sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_sec = sec;
    }
    char tmp[80] = "\"";
    size_t n = 1 + strlen(date);
    memcpy(tmp + 1, date, n - 1);
    tmp[n++] = '.';
    for (int i = 5, frac = (int)(us % 1000000); i >= 0; i--, frac /= 10)
        tmp[n + (size_t)i] = (char)('0' + frac % 10);
    n += 6;
    tmp[n++] = 'Z';
    tmp[n++] = '"';
    return buf_append(b, tmp, n);
}
