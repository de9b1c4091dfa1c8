/* text.c: UTF-8 validation, base64 and percent-decoding.  All of them read
 * only the n bytes they are given. */
#include "cutover/text.h"

#include <stdint.h>
#include <string.h>

bool text_utf8_valid(const void *vp, size_t n)
{
    const uint8_t *p = vp;
    size_t i = 0;
    while (i < n) {
        /* Mostly ASCII: eight bytes per test (memcpy: no alignment assumed). */
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, p + i, 8), (w & 0x8080808080808080ULL) == 0)) {
            i += 8;
            continue;
        }
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i - 1 < need) return false;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

enum cut_err text_b64_encode(struct buf *out, const void *vp, size_t n)
{
    const uint8_t *p = vp;
    enum cut_err e = buf_grow(out, (n + 2) / 3 * 4);
    if (e) return e;
    char *o = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = b64_alphabet[(v >> 6) & 63];
        *o++ = b64_alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return CUT_OK;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

enum cut_err text_b64_decode(struct buf *out, const char *s, size_t n)
{
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    enum cut_err e = buf_grow(out, n / 4 * 3 + 3);
    if (e) return e;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad) return CUT_EPARSE;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->data[out->len++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out->data[out->len] = '\0';
    return pad > 2 ? CUT_EPARSE : CUT_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

enum cut_err text_pct_decode(struct buf *out, const char *s, size_t n, bool plus_is_space)
{
    enum cut_err e = buf_grow(out, n);
    if (e) return e;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        out->data[out->len++] = c;
    }
    out->data[out->len] = '\0';
    return CUT_OK;
}

bool text_ieq(const char *a, size_t alen, const char *b)
{
    return text_ieqn(a, alen, b, strlen(b));
}

/* ---- JSON string bodies ----
 * A block of 16 bytes gives four bit masks (quotes, backslashes, control
 * bytes, bytes >= 0x80). Escaped positions come from the backslash mask
 * without a loop over the escapes (the odd-run arithmetic of simdjson), so
 * a body full of \" costs the same per block as a plain one; only \u
 * escapes, rare, are checked one by one. */

struct jstr_masks {
    uint32_t quote, bslash, ctrl, high;
};

#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
#include <emmintrin.h>

static inline void block_masks(const char *p, struct jstr_masks *m)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    m->quote = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
    m->bslash = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    /* v <= 0x1f unsigned: min(v, 0x1f) == v */
    m->ctrl = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v));
    m->high = (uint32_t)_mm_movemask_epi8(v);
}

static uint32_t block_bslash(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
}

/* Bytes of p[0..16) that may follow a backslash: "\/bfnrt and u apart. */
static void block_escape_chars(const char *p, uint32_t *simple, uint32_t *u)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i s =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    s = _mm_or_si128(s, _mm_cmpeq_epi8(v, _mm_set1_epi8('/')));
    s = _mm_or_si128(s, _mm_cmpeq_epi8(v, _mm_set1_epi8('b')));
    s = _mm_or_si128(s, _mm_cmpeq_epi8(v, _mm_set1_epi8('f')));
    s = _mm_or_si128(s, _mm_cmpeq_epi8(v, _mm_set1_epi8('n')));
    s = _mm_or_si128(s, _mm_cmpeq_epi8(v, _mm_set1_epi8('r')));
    s = _mm_or_si128(s, _mm_cmpeq_epi8(v, _mm_set1_epi8('t')));
    *simple = (uint32_t)_mm_movemask_epi8(s);
    *u = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('u')));
}

/* What the escaper stops at in p[0..16): the mask of every stop ('"',
 * '\\', controls, and with high bytes >= 0x80); *other gets the stops that
 * are neither '"' nor '\\'. Two movemasks where block_masks takes four. */
static inline uint32_t block_escape_stops(const char *p, bool high, uint32_t *other)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i qb =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    /* signed v < 0x20: controls and bytes >= 0x80 at once */
    __m128i ctl = high ? _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))
                       : _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
    *other = (uint32_t)_mm_movemask_epi8(ctl);
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(qb, ctl));
}
#else
/* Portable: exact per-byte tests on two 64-bit words (no borrow between
 * bytes), then the high bit of each byte gathered into one bit. */
#define ONES 0x0101010101010101ULL
#define LOW7 0x7f7f7f7f7f7f7f7fULL
#define HIGHS 0x8080808080808080ULL

static uint64_t eq_bytes(uint64_t w, unsigned char c)
{
    uint64_t t = w ^ (ONES * c);
    return ~(((t & LOW7) + LOW7) | t) & HIGHS;
}

static uint32_t gather(uint64_t m)
{
    uint32_t out = 0;
    for (int i = 0; i < 8; i++) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        out |= (uint32_t)((m >> (63 - 8 * i)) & 1) << i;
#else
        out |= (uint32_t)((m >> (8 * i + 7)) & 1) << i;
#endif
    }
    return out;
}

static uint64_t ctrl_bytes(uint64_t w)
{
    return ~(((w & LOW7) + ONES * 0x60) | w) & HIGHS; /* < 0x20 */
}

static uint64_t quote_bytes(uint64_t w)
{
    return eq_bytes(w, '"');
}

static uint64_t bslash_bytes(uint64_t w)
{
    return eq_bytes(w, '\\');
}

static uint64_t high_bytes(uint64_t w)
{
    return w & HIGHS;
}

static uint64_t simple_escape_bytes(uint64_t w)
{
    return eq_bytes(w, '"') | eq_bytes(w, '\\') | eq_bytes(w, '/') | eq_bytes(w, 'b') |
           eq_bytes(w, 'f') | eq_bytes(w, 'n') | eq_bytes(w, 'r') | eq_bytes(w, 't');
}

static uint64_t u_bytes(uint64_t w)
{
    return eq_bytes(w, 'u');
}

/* The 16-bit mask of the bytes of p[0..16) that test flags. */
static uint32_t block_mask(const char *p, uint64_t (*test)(uint64_t))
{
    uint64_t w[2];
    memcpy(w, p, 16);
    return gather(test(w[0])) | gather(test(w[1])) << 8;
}

static void block_masks(const char *p, struct jstr_masks *m)
{
    m->quote = block_mask(p, quote_bytes);
    m->bslash = block_mask(p, bslash_bytes);
    m->ctrl = block_mask(p, ctrl_bytes);
    m->high = block_mask(p, high_bytes);
}

static uint32_t block_bslash(const char *p)
{
    return block_mask(p, bslash_bytes);
}

static void block_escape_chars(const char *p, uint32_t *simple, uint32_t *u)
{
    *simple = block_mask(p, simple_escape_bytes);
    *u = block_mask(p, u_bytes);
}

static inline uint32_t block_escape_stops(const char *p, bool high, uint32_t *other)
{
    struct jstr_masks m;
    block_masks(p, &m);
    *other = m.ctrl | (high ? m.high : 0);
    return m.quote | m.bslash | *other;
}
#endif

/* The four masks of a 32-byte block, two 16-byte ones side by side.
 * Inline: it is most of the work of each block of the loops below. */
static inline __attribute__((always_inline)) void block_masks32(const char *p, struct jstr_masks *m)
{
    struct jstr_masks hi;
    block_masks(p, m);
    block_masks(p + 16, &hi);
    m->quote |= hi.quote << 16;
    m->bslash |= hi.bslash << 16;
    m->ctrl |= hi.ctrl << 16;
    m->high |= hi.high << 16;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hexval(p[i]);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Length from the 'u' at p of a valid \u escape (5), or with strict of a
 * surrogate pair taken whole (11); 0 when malformed. */
static size_t u_escape_len(const char *p, const char *end, bool strict)
{
    if (end - p < 5) return 0;
    int cp = hex4(p + 1);
    if (cp < 0) return 0;
    if (!strict || cp < 0xD800 || cp > 0xDFFF) return 5;
    if (cp >= 0xDC00) return 0;
    if (end - p < 11 || p[5] != '\\' || p[6] != 'u') return 0;
    int lo = hex4(p + 7);
    return lo >= 0xDC00 && lo <= 0xDFFF ? 11 : 0;
}

/* The first error among the escapes and controls of the block at p + i
 * (its 32 bytes readable at blk) below the closing quote: \u escapes are
 * checked in order against p[0..n). *pair_lo is the offset of a low
 * surrogate already checked with its high half. */
__attribute__((noinline)) static enum text_jstr_end block_errors(const char *p, size_t n, size_t i,
                                                                 const char *blk, uint32_t esc,
                                                                 uint32_t ctrl, bool strict,
                                                                 size_t *pair_lo, size_t *at)
{
    uint32_t simple = 0, u = 0, simple_hi, u_hi;
    if (esc) {
        block_escape_chars(blk, &simple, &u);
        block_escape_chars(blk + 16, &simple_hi, &u_hi);
        simple |= simple_hi << 16;
        u |= u_hi << 16;
    }
    uint32_t other = (esc & ~simple & ~u) | ctrl;
    uint32_t first_other = other & (0u - other);
    for (uint32_t us = esc & u; us; us &= us - 1) {
        if (first_other && (us & (0u - us)) > first_other) break;
        size_t pos = i + (size_t)__builtin_ctz(us);
        if (strict && pos == *pair_lo) continue;
        size_t len = u_escape_len(p + pos, p + n, strict);
        if (!len) return *at = pos, TEXT_JSTR_BAD_U;
        if (len == 11) *pair_lo = pos + 6;
    }
    if (!first_other) return TEXT_JSTR_OK;
    *at = i + (size_t)__builtin_ctz(first_other);
    return (ctrl & first_other) ? TEXT_JSTR_CONTROL : TEXT_JSTR_BAD_ESCAPE;
}

static struct text_jstr jstr_result(size_t at, enum text_jstr_end end, unsigned seen)
{
    struct text_jstr r = {at, end, seen};
    return r;
}

/* The general loop, from the first byte, 32 bytes a block: escapes,
 * controls, the tail. */
__attribute__((noinline)) static struct text_jstr scan_blocks(const char *p, size_t n,
                                                              unsigned flags)
{
    bool strict = flags & TEXT_JSTR_STRICT;
    uint32_t carry = 0, high = 0;
    unsigned found = 0;
    size_t pair_lo = SIZE_MAX, at;
    for (size_t i = 0; i < n; i += 32) {
        struct jstr_masks m;
        const char *blk = p + i;
        char pad[32];
        if (n - i < 32) {
            /* The last bytes, padded with spaces (no stop, no high bit). */
            memset(pad, ' ', sizeof pad);
            memcpy(pad, p + i, n - i);
            blk = pad;
        }
        block_masks32(blk, &m);
        uint32_t stops = m.quote | m.bslash | m.ctrl;
        if (!carry && !stops) {
            high |= m.high;
            continue;
        }
        uint32_t valid = blk == pad ? (1u << (n - i)) - 1 : 0xFFFFFFFFu;
        uint32_t esc = text_escaped_of(m.bslash & valid, &carry);
        uint32_t quote = m.quote & ~esc & valid;
        uint32_t below = quote ? (quote & (0u - quote)) - 1 : valid;
        esc &= below;
        uint32_t ctrl = m.ctrl & ~esc & below;
        high |= m.high & below;
        if (esc) found = TEXT_JSTR_ESC;
        /* Only escapes other than \" and \\, and controls, need a look. */
        if ((esc & ~m.quote & ~m.bslash) | ctrl) {
            enum text_jstr_end e = block_errors(p, n, i, blk, esc, ctrl, strict, &pair_lo, &at);
            if (e) return jstr_result(at, e, 0);
        }
        if (quote)
            return jstr_result(i + (size_t)__builtin_ctz(quote), TEXT_JSTR_OK,
                               found | (high ? TEXT_JSTR_HIGH : 0));
    }
    return jstr_result(n, TEXT_JSTR_UNTERMINATED, 0);
}

struct text_jstr text_jstr_scan(const char *p, size_t n, unsigned flags)
{
    /* Most strings are short and plain: their first block ends them. */
    if (n >= 16) {
        struct jstr_masks m;
        block_masks(p, &m);
        uint32_t stops = m.quote | m.bslash | m.ctrl, first = stops & (0u - stops);
        if (first & m.quote)
            return jstr_result((size_t)__builtin_ctz(first), TEXT_JSTR_OK,
                               (m.high & (first - 1)) ? TEXT_JSTR_HIGH : 0);
    }
    return scan_blocks(p, n, flags);
}

size_t text_json_plain_copy(char *out, const char *p, size_t n, bool high)
{
    size_t i = 0;
    uint32_t high_mask = high ? 0xFFFF : 0;
    for (; n - i >= 16; i += 16) {
        struct jstr_masks m;
        block_masks(p + i, &m);
        memmove(out + i, p + i, 16);
        uint32_t stops = m.quote | m.bslash | m.ctrl | (m.high & high_mask);
        if (stops) return i + (size_t)__builtin_ctz(stops);
    }
    if (i == n) return n;
    /* The last bytes, padded with spaces (no stop), tested as one block. */
    char pad[16];
    size_t rem = n - i;
    memset(pad, ' ', sizeof pad);
    memcpy(pad, p + i, rem);
    struct jstr_masks m;
    block_masks(pad, &m);
    uint32_t stops = m.quote | m.bslash | m.ctrl | (m.high & high_mask) | 1u << rem;
    size_t k = (size_t)__builtin_ctz(stops);
    memcpy(out + i, pad, k);
    return i + k;
}

/* The letter of a two-byte escape (\n), or 0 for \u00XX. */
static const char short_escape[256] = {['"'] = '"',  ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r',
                                       ['\t'] = 't', ['\b'] = 'b',  ['\f'] = 'f'};

size_t text_json_escape_byte(char *out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    out[0] = '\\';
    if (short_escape[c]) {
        out[1] = short_escape[c];
        return 2;
    }
    memcpy(out + 1, "u00", 3);
    out[4] = hex[c >> 4];
    out[5] = hex[c & 15];
    return 6;
}

/* Escape the first len (<= 16) bytes of src, whose stops are the bits of
 * stops (all below len), other those of them that are neither '"' nor
 * '\\'. Every stop of the block is handled from that one mask (reloading
 * the block after each escape cost a new mask and a mispredicted branch
 * per '"' of an escaped JSON body): the plain bytes before a stop are
 * stored as 16 bytes from src (so src is readable to src + 32), then its
 * escape. Returns where the output ends; *done gets len, or the offset of
 * the byte >= 0x80 it stopped before. */
static inline char *escape_block(char *o, const char *src, uint32_t stops, uint32_t other,
                                 size_t len, size_t *done)
{
    size_t j = 0;
    if (!other) { /* only \" and \\: a JSON body's own strings */
        for (; stops; stops &= stops - 1) {
            size_t k = (size_t)__builtin_ctz(stops);
            memmove(o, src + j, 16);
            o += k - j;
            o[0] = '\\';
            o[1] = src[k];
            o += 2;
            j = k + 1;
        }
    }
    for (; stops; stops &= stops - 1) {
        size_t k = (size_t)__builtin_ctz(stops);
        memmove(o, src + j, 16);
        o += k - j;
        unsigned char c = (unsigned char)src[k];
        if (c >= 0x80) {
            *done = k;
            return o;
        }
        o += text_json_escape_byte(o, c);
        j = k + 1;
    }
    memmove(o, src + j, 16);
    *done = len;
    return o + (len - j);
}

size_t text_json_escape(char *out, const char *p, size_t n, bool stop_high, size_t *used)
{
    char *o = out;
    size_t i = 0, done;
    /* Stores are 16 bytes, made before the count is known: o is at most
     * 6 * (bytes done) past out, so every store stays in 6 * n + 16. */
    for (; n - i >= 32; i += 16) {
        uint32_t other, stops = block_escape_stops(p + i, stop_high, &other);
        if (!stops) {
            memmove(o, p + i, 16);
            o += 16;
            continue;
        }
        o = escape_block(o, p + i, stops, other, 16, &done);
        if (done < 16) {
            *used = i + done;
            return (size_t)(o - out);
        }
    }
    if (i < n) {
        /* The last bytes (fewer than 32), padded with spaces (no stop), so
         * that a block can be read 32 bytes from where it starts. */
        char pad[48];
        size_t rem = n - i;
        memset(pad, ' ', sizeof pad);
        memcpy(pad, p + i, rem);
        for (size_t at = 0; at < rem; at += 16) {
            size_t len = rem - at < 16 ? rem - at : 16;
            uint32_t other, stops = block_escape_stops(pad + at, stop_high, &other);
            o = escape_block(o, pad + at, stops, other, len, &done);
            if (done < len) {
                *used = i + at + done;
                return (size_t)(o - out);
            }
        }
    }
    *used = n;
    return (size_t)(o - out);
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

const char text_unescape_short[256] = {['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
                                       ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t'};

/* Decode the escape at p[0] == '\\' (avail bytes from p) into o: bytes
 * consumed, 0 when malformed; *olen gets the bytes written (at most the
 * bytes consumed). */
static size_t unescape(const char *p, size_t avail, char *o, size_t *olen)
{
    if (avail < 2) return 0;
    if (p[1] != 'u') {
        char c = text_unescape_short[(unsigned char)p[1]];
        if (!c) return 0;
        *o = c;
        *olen = 1;
        return 2;
    }
    int cp = avail >= 6 ? hex4(p + 2) : -1;
    if (cp < 0) return 0;
    if (cp >= 0xD800 && cp < 0xDC00 && avail >= 12 && p[6] == '\\' && p[7] == 'u') {
        int lo = hex4(p + 8);
        if (lo >= 0xDC00 && lo < 0xE000) {
            *olen =
                put_utf8(o, 0x10000 + (((unsigned)cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00));
            return 12;
        }
    }
    *olen = put_utf8(o, (unsigned)cp); /* a lone surrogate: its 3-byte form */
    return 6;
}

size_t text_jstr_decode(const char *raw, size_t n, char *out)
{
    size_t i = 0, o = 0;
    /* One mask serves every escape of a block (an escaped JSON body has
     * one every few bytes). While 34 bytes remain, every 16-byte store
     * from a position in the block, and the byte after its last
     * backslash, are inside raw (and out: o <= i), so the loop checks no
     * bounds. j is where the block resumes, past its last escape. */
    while (n - i >= 34) {
        uint32_t m = block_bslash(raw + i);
        size_t j = 0;
        while (m) {
            size_t k = (size_t)__builtin_ctz(m);
            memmove(out + o, raw + i + j, 16);
            o += k - j;
            char c = text_unescape_short[(unsigned char)raw[i + k + 1]];
            if (c) {
                out[o++] = c;
                j = k + 2;
                m &= ~(3u << k); /* an escaped backslash is no escape */
                continue;
            }
            size_t olen = 0, used = unescape(raw + i + k, n - (i + k), out + o, &olen);
            if (!used) return o;
            o += olen;
            j = k + used;
            m = j < 16 ? m & ~((1u << j) - 1) : 0;
        }
        if (j < 16) {
            memmove(out + o, raw + i + j, 16);
            o += 16 - j;
            j = 16;
        }
        i += j;
    }
    while (n - i >= 16) {
        uint32_t m = block_bslash(raw + i);
        memmove(out + o, raw + i, 16);
        if (!m) {
            i += 16;
            o += 16;
            continue;
        }
        size_t k = (size_t)__builtin_ctz(m);
        i += k;
        o += k;
        size_t olen = 0, used = unescape(raw + i, n - i, out + o, &olen);
        if (!used) return o;
        i += used;
        o += olen;
    }
    for (;;) {
        const char *bs = memchr(raw + i, '\\', n - i);
        size_t k = bs ? (size_t)(bs - (raw + i)) : n - i;
        memmove(out + o, raw + i, k);
        i += k;
        o += k;
        if (!bs) return o;
        size_t olen = 0, used = unescape(raw + i, n - i, out + o, &olen);
        if (!used) return o;
        i += used;
        o += olen;
    }
}

/* The bytes of the 16 at b whose bits are set in keep, in order, at out
 * (16 bytes may be written): how many. With SSSE3 (chosen when the
 * processor has it), two shuffles of 8 bytes by a table of their 256 masks
 * instead of a copy for each run between escapes. */
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD) && defined(__x86_64__) && defined(__GNUC__)
#include <pthread.h>
#include <tmmintrin.h>
#define FUSED_SHUFFLE 1

static struct {
    uint64_t idx[256]; /* the kept bytes' places, first one lowest */
    uint8_t count[256];
    bool ssse3;
} keep8;
static pthread_once_t keep8_once = PTHREAD_ONCE_INIT;

static void keep8_init(void)
{
    for (unsigned m = 0; m < 256; m++) {
        uint64_t idx = 0;
        unsigned c = 0;
        for (unsigned b = 0; b < 8; b++)
            if (m >> b & 1) idx |= (uint64_t)b << (8 * c++);
        keep8.idx[m] = idx;
        keep8.count[m] = (uint8_t)c;
    }
    __builtin_cpu_init();
    keep8.ssse3 = __builtin_cpu_supports("ssse3");
}

__attribute__((target("ssse3"))) static inline size_t keep16(char *out, const char *b,
                                                             uint32_t keep)
{
    unsigned lo = keep & 0xFF, hi = keep >> 8 & 0xFF;
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
    __m128i idx = _mm_set_epi64x((long long)(keep8.idx[hi] + 0x0808080808080808ull),
                                 (long long)keep8.idx[lo]);
    __m128i r = _mm_shuffle_epi8(v, idx);
    size_t n = keep8.count[lo];
    _mm_storel_epi64((__m128i *)(void *)out, r);
    _mm_storel_epi64((__m128i *)(void *)(out + n), _mm_unpackhi_epi64(r, r));
    return n + keep8.count[hi];
}
#else
static inline size_t keep16(char *out, const char *b, uint32_t keep)
{
    size_t n = 0;
    for (; keep; keep &= keep - 1) out[n++] = b[__builtin_ctz(keep)];
    return n;
}
#endif

/* text_jstr_scan and text_jstr_decode in one pass, for escaped JSON bodies
 * (an escape every few bytes, nearly all \" and \\): a block whose escapes
 * are only those is decoded from the scan's own masks, its bytes but the
 * escaping backslashes shuffled together (shuffle) or the runs between
 * them copied 32 bytes a store. While 64 bytes remain, the block and the
 * 32 bytes a copy may read past it are in p[0..n). From the
 * first block with another escape or a control byte (text_jstr_scan then
 * judges the string), and for the last bytes, the two passes take over. */
static inline __attribute__((always_inline)) struct text_jstr
fused(const char *p, size_t n, unsigned flags, char *out, size_t *olen, bool decode, bool shuffle)
{
    uint32_t carry = 0, high = 0; /* carry: p[i] is escaped */
    unsigned found = 0;
    size_t i = 0, o = 0;
    for (; n - i >= 64 && n >= 64; i += 32) {
        const char *b = p + i;
        struct jstr_masks m;
        block_masks32(b, &m);
        if (!carry && !(m.quote | m.bslash | m.ctrl)) {
            if (decode) memcpy(out + o, b, 32);
            o += 32;
            high |= m.high;
            continue;
        }
        uint32_t cin = carry, bs = m.bslash;
        uint32_t esc = text_escaped_of(bs, &carry);
        uint32_t quote = m.quote & ~esc;
        uint32_t below = quote ? (quote & (0u - quote)) - 1 : 0xFFFFFFFFu;
        if (((esc & ~m.quote & ~bs) | (m.ctrl & ~esc)) & below) {
            carry = cin;
            break;
        }
        if (esc & below) found = TEXT_JSTR_ESC;
        high |= m.high & below;
        size_t lim = quote ? (size_t)__builtin_ctz(quote) : 32;
        uint32_t drop = bs & ~esc & below; /* the escaping backslashes */
        if (!decode) {
            /* the scan alone */
        } else if (shuffle) {
            uint32_t keep = below & ~drop & ~cin; /* p[i] went out with the block before */
            o += keep16(out + o, b, keep & 0xFFFF);
            o += keep16(out + o, b + 16, keep >> 16);
        } else {
            /* Byte t of the block goes to out[d + t]; each backslash
             * dropped moves the rest one place back (j <= lim: none is the
             * last byte before the quote). d wraps below 0 as a size_t, d + t
             * not. */
            size_t j = cin, d = o - j;
            for (; drop; drop &= drop - 1) {
                memcpy(out + (d + j), b + j, 32);
                j = (size_t)__builtin_ctz(drop) + 1;
                d--;
            }
            memcpy(out + (d + j), b + j, 32);
            o = d + lim;
        }
        if (quote) {
            if (decode) *olen = o;
            return jstr_result(i + lim, TEXT_JSTR_OK, found | (high ? TEXT_JSTR_HIGH : 0));
        }
        if (carry && decode) out[o++] = b[32]; /* the next block checks that it is " or \ */
    }
    /* The rest from the byte after the last decoded one: the backslash
     * before p[i] when it is escaped (what was decoded of it taken back). */
    size_t ds = i - carry;
    struct text_jstr r = text_jstr_scan(p + ds, n - ds, flags);
    r.at += ds;
    if (r.end != TEXT_JSTR_OK) return r;
    if (decode) *olen = o - carry + text_jstr_decode(p + ds, r.at - ds, out + o - carry);
    r.seen |= found | (high ? TEXT_JSTR_HIGH : 0);
    return r;
}

#ifdef FUSED_SHUFFLE
__attribute__((target("ssse3"))) static struct text_jstr
fused_ssse3(const char *p, size_t n, unsigned flags, char *out, size_t *olen)
{
    return fused(p, n, flags, out, olen, true, true);
}
#endif

struct text_jstr text_jstr_scan_decode(const char *p, size_t n, unsigned flags, char *out,
                                       size_t *olen)
{
    if (!out) return fused(p, n, flags, NULL, NULL, false, false);
#ifdef FUSED_SHUFFLE
    pthread_once(&keep8_once, keep8_init);
    if (keep8.ssse3) return fused_ssse3(p, n, flags, out, olen);
#endif
    return fused(p, n, flags, out, olen, true, false);
}
