/* jsonw.c: JSON value writer.  Strings are the hot part: runs of bytes
 * that need no escaping are found and copied a block at a time
 * (text_json_plain_copy), and room is made once per string. */
#include "cutover/jsonw.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cutover/text.h"

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

/* The letter of a two-byte escape (\n), or 0 for \u00XX. */
static const char short_escape[256] = {['"'] = '"',  ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r',
                                       ['\t'] = 't', ['\b'] = 'b',  ['\f'] = 'f'};

/* Write the escape of c at o; returns its length (2 or 6). */
static size_t put_escape(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    if (short_escape[c]) {
        o[0] = '\\';
        o[1] = short_escape[c];
        return 2;
    }
    memcpy(o, "\\u00", 4);
    o[4] = hex[c >> 4];
    o[5] = hex[c & 15];
    return 6;
}

/* Room is made once for the string as if nothing needed escaping (the
 * least it can take, so a capped buffer fails only when the string cannot
 * fit), and again at each escape for what is left. Plain runs are copied a
 * block at a time. Bytes >= 0x80 stop the copy only until the rest of the
 * string is found to be valid UTF-8 (the common case: one check); when it
 * is not, each sequence is checked, and a byte outside one is escaped. */
enum cut_err jsonw_str(struct buf *b, const void *vp, size_t n)
{
    const char *p = vp;
    enum cut_err e;
    if ((e = buf_grow(b, n + 2))) return e;
    char *o = b->data + b->len;
    *o++ = '"';
    enum { HIGH_UNKNOWN, HIGH_VALID, HIGH_CHECK } high = HIGH_UNKNOWN;
    size_t i = 0;
    for (;;) {
        size_t k = text_json_plain_copy(o, p + i, n - i, high != HIGH_VALID);
        o += k;
        i += k;
        if (i >= n) break;
        const unsigned char *u = (const unsigned char *)p + i;
        if (*u >= 0x80) {
            if (high == HIGH_UNKNOWN) {
                high = text_utf8_valid(u, n - i) ? HIGH_VALID : HIGH_CHECK;
                continue;
            }
            size_t sl = utf8_seq(u, n - i);
            if (sl) {
                memcpy(o, u, sl);
                o += sl;
                i += sl;
                continue;
            }
        }
        size_t len = short_escape[*u] ? 2 : 6, at = (size_t)(o - b->data);
        size_t least = len + (n - i - 1) + 1; /* this escape, the rest, the quote */
        if (b->cap - at < least + 1 || (b->max && at + least > b->max)) {
            b->len = at;
            if ((e = buf_grow(b, least))) {
                b->data[b->len] = '\0';
                return e;
            }
            o = b->data + at;
        }
        o += put_escape(o, *u);
        i++;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return CUT_OK;
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
