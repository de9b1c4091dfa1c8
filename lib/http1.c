/* http1.c: the incremental HTTP/1 head parser, body framing and chunked
 * decoder.  Every read of the caller's bytes goes through a cursor
 * (cursor.h): lines are split off with cur_take_until, the start line and
 * each field are parsed from the line's own sub-cursor, so no read can pass
 * the length the caller gave.  Keeps no state between calls except what the
 * caller hands back (last_len, the chunked decoder) and copies nothing:
 * results are slices of the input. */
#include "cutover/http1.h"

#include <string.h>

#include "cutover/cursor.h"
#include "cutover/text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* RFC 9110 tchar: the bytes of a method or a header name (digits, letters
 * and !#$%&'*+-.^_`|~). One load per byte rather than range tests: this
 * runs on every name byte. */
static const unsigned char tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
    ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};

static bool is_tchar(uint8_t c)
{
    return tchar[c];
}

/* cur_span(c, is_tchar), four table tests a step (no branch between them):
 * every header name goes through it. */
static size_t tchar_span(const struct cursor *c)
{
    const uint8_t *p = c->p;
    size_t n = c->len, i = 0;
    while (n - i >= 4 && (tchar[p[i]] & tchar[p[i + 1]] & tchar[p[i + 2]] & tchar[p[i + 3]]))
        i += 4;
    while (i < n && tchar[p[i]]) i++;
    return i;
}

#define ONES8 0x0101010101010101ULL

static bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static bool is_sp(uint8_t c)
{
    return c == ' ';
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_upper(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

/* Field values and reasons: visible ASCII, SP, HT and obs-text. */
static bool is_vchar_or_ws(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* A request target: any visible byte, so that a raw UTF-8 path from a
 * sloppy client is still recorded as sent. */
static bool is_target_char(uint8_t c)
{
    return c > 0x20 && c != 0x7f;
}

/* Whitespace around list elements, and the bytes of an obs-fold. */
static bool is_fold_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool not_line_end(uint8_t c)
{
    return c != '\r' && c != '\n';
}

enum line_res {
    LINE_OK,
    LINE_PARTIAL, /* no LF yet: nothing was consumed */
    LINE_BAD,     /* a CR other than just before the LF: consumed all the same */
};

/* Split the next line off c, without its LF or CRLF. A bare CR inside a
 * line is refused: parsers disagree on whether it ends the line, which is
 * how requests get smuggled. */
static enum line_res take_line(struct cursor *c, struct cursor *line)
{
    if (!cur_take_until(c, '\n', line)) return LINE_PARTIAL;
    cur_chop(line, '\r');
    return cur_find(line, '\r') < 0 ? LINE_OK : LINE_BAD;
}

/* Offset in all just past the empty line that ends the head, searching
 * from offset from, or 0 when it is not there yet. The terminator is "LF
 * LF" or "LF CR LF" (bare LF line ends are accepted), so each LF found is
 * followed by a look at the next one or two bytes. */
static size_t lf_ends_head(const uint8_t *p, size_t n, size_t k)
{
    if (k + 1 < n && p[k + 1] == '\n') return k + 2;
    if (k + 2 < n && p[k + 1] == '\r' && p[k + 2] == '\n') return k + 3;
    return 0;
}

static size_t head_end(const struct cursor *all, size_t from)
{
    const uint8_t *p = all->p;
    size_t n = all->len, i = from;
    if (from > n) return 0;
#if defined(__SSE2__)
    /* The LFs of 16 bytes from one mask, instead of a memchr per line. */
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned lf = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
        for (; lf; lf &= lf - 1) {
            size_t end = lf_ends_head(p, n, i + (size_t)__builtin_ctz(lf));
            if (end) return end;
        }
    }
#endif
    for (; i < n; i++) {
        size_t end = p[i] == '\n' ? lf_ends_head(p, n, i) : 0;
        if (end) return end;
    }
    return 0;
}

/* Where a resumed search for the head's end starts: the previous call saw
 * last_len bytes without a terminator, and a terminator is at most 3 bytes,
 * so one ending after last_len begins no earlier than last_len - 3. */
static size_t resume_from(size_t last_len, size_t start)
{
    size_t from = last_len >= 3 ? last_len - 3 : 0;
    return from > start ? from : start;
}

/* Skip the empty lines a client may send before a request (RFC 9112 2.2). */
static void skip_blank_lines(struct cursor *c)
{
    for (;;) {
        if (cur_starts_with(c, "\n", 1))
            cur_skip(c, 1);
        else if (cur_starts_with(c, "\r\n", 2))
            cur_skip(c, 2);
        else
            return;
    }
}

/* "HTTP/1.d", the whole of v; sets minor. */
static bool parse_version(struct cursor v, int *minor)
{
    uint8_t d = 0;
    if (v.len != 8 || !cur_starts_with(&v, "HTTP/1.", 7)) return false;
    if (!cur_peek(&v, 7, &d) || !is_digit(d)) return false;
    *minor = d - '0';
    return true;
}

/* Split off a token of the bytes pred accepts that must be followed by at
 * least one SP, and skip the spaces (RFC 9112 is strict on one SP; real
 * clients are not, and the bytes are recorded either way). */
static bool take_word(struct cursor *ln, bool (*pred)(uint8_t), struct cursor *word)
{
    size_t m = cur_span(ln, pred);
    if (m == 0 || !cur_sub(ln, m, word) || !cur_starts_with(ln, " ", 1)) return false;
    cur_skip(ln, cur_span(ln, is_sp));
    return true;
}

static bool parse_request_line(struct cursor ln, struct http1_request *req)
{
    struct cursor method = {NULL, 0}, target = {NULL, 0};
    if (!take_word(&ln, is_tchar, &method) || !take_word(&ln, is_target_char, &target))
        return false;
    if (!parse_version(ln, &req->minor_version)) return false;
    req->method = (const char *)method.p;
    req->method_len = method.len;
    req->target = (const char *)target.p;
    req->target_len = target.len;
    req->version = (const char *)ln.p;
    req->version_len = ln.len;
    return true;
}

/* "HTTP/1.x SP+ NNN [SP+ reason]"; the reason may be empty or absent. */
static bool parse_status_line(struct cursor ln, struct http1_response *resp)
{
    struct cursor ver = {NULL, 0};
    if (!cur_sub(&ln, 8, &ver) || !parse_version(ver, &resp->minor_version)) return false;
    if (!cur_starts_with(&ln, " ", 1)) return false;
    cur_skip(&ln, cur_span(&ln, is_sp));
    int status = 0;
    for (int k = 0; k < 3; k++) {
        uint8_t d = 0;
        if (!cur_u8(&ln, &d) || !is_digit(d)) return false;
        status = status * 10 + (d - '0');
    }
    if (status < 100) return false;
    if (ln.len && !cur_starts_with(&ln, " ", 1)) return false; /* "2000" is not 200 */
    cur_skip(&ln, cur_span(&ln, is_sp));
    if (cur_span(&ln, is_vchar_or_ws) != ln.len) return false;
    resp->version = (const char *)ver.p;
    resp->version_len = ver.len;
    resp->status = status;
    resp->reason = (const char *)ln.p;
    resp->reason_len = ln.len;
    return true;
}

/* An obs-fold line (ln, starting with OWS) continues the value of h, whose
 * value begins at offset *voff of the field section; ln begins at line_off.
 * The value slice is stretched over the fold (http1_header_value joins it),
 * so offsets rather than pointers say where it ends. */
static void fold_line(struct cursor ln, size_t line_off, struct http1_header *h, size_t *voff)
{
    cur_trim_end(&ln, is_ows);
    size_t lead = cur_span(&ln, is_ows);
    if (lead == ln.len) return; /* whitespace only: adds nothing */
    if (h->value_len == 0) {
        /* "Name:" then the value on the next line: not a join, just late. */
        cur_skip(&ln, lead);
        h->value = (const char *)ln.p;
        h->value_len = ln.len;
        *voff = line_off + lead;
        return;
    }
    h->value_len = line_off + ln.len - *voff;
    h->folded = true;
}

/* "Name: value" in ln into h; *voff is set to the value's offset in the
 * field section (ln begins at line_off). */
static bool field_line(struct cursor ln, size_t line_off, struct http1_header *h, size_t *voff)
{
    struct cursor name, rest = ln;
    size_t m = tchar_span(&rest);
    if (m == 0 || !cur_sub(&rest, m, &name) || !cur_starts_with(&rest, ":", 1)) return false;
    cur_skip(&rest, 1);
    cur_skip(&rest, cur_span(&rest, is_ows));
    *voff = line_off + cur_offset(&ln, &rest);
    cur_trim_end(&rest, is_ows);
    h->name = (const char *)name.p;
    h->name_len = name.len;
    h->value = (const char *)rest.p;
    h->value_len = rest.len;
    h->folded = false;
    return true;
}

/* Bit 7 of each byte of the result is set for a byte of x below 0x20 or
 * equal to 0x7F (a borrow may flag a byte above one: a false alarm only
 * sends that word to the byte test). */
static inline uint64_t word_ctl(uint64_t x)
{
    uint64_t d = x ^ (ONES8 * 0x7f);
    return (((x - ONES8 * 0x20) & ~x) | ((d - ONES8) & ~d)) & (ONES8 * 0x80);
}

static bool bytes_vchar_or_ws(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_vchar_or_ws(p[i])) return false;
    return true;
}

#if defined(__SSE2__)
/* The bytes of the 16 in v that are no field character: controls other
 * than HTAB (CR and LF included), and DEL. */
static inline unsigned field_bad_mask(__m128i v)
{
    __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v); /* v <= 0x1f */
    __m128i bad = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), low),
                               _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
    return (unsigned)_mm_movemask_epi8(bad);
}
#endif

/* Whether every byte of ln is a field character (VCHAR, obs-text, SP or
 * HTAB; no CR): 8 bytes a word, a flagged word (a tab, mostly) byte by
 * byte. Every line of every head goes through it. */
static bool all_vchar_or_ws(struct cursor ln)
{
    const uint8_t *p = ln.p;
    size_t n = ln.len, i = 0;
#if defined(__SSE2__)
    if (n >= 16) { /* 16 at a time, the last block overlapping; exact, no byte pass */
        for (;; i += 16) {
            size_t at = n - i < 16 ? n - 16 : i;
            if (field_bad_mask(_mm_loadu_si128((const __m128i *)(const void *)(p + at))))
                return false;
            if (at + 16 == n) return true;
        }
    }
#endif
    if (n < 8) return bytes_vchar_or_ws(p, n);
    for (;; i += 8) {
        if (n - i < 8) i = n - 8; /* the last word overlaps the one before */
        uint64_t x;
        memcpy(&x, p + i, 8);
        if (word_ctl(x) && !bytes_vchar_or_ws(p + i, 8)) return false;
        if (i + 8 == n) return true;
    }
}

/* The next line of c as ln (its LF consumed, a CR before it chopped), and
 * whether all its bytes are field characters (all_vchar_or_ws): while 16
 * bytes are there, the LF and the bad bytes of a block come from one load
 * each (a field line is mostly 16 to 48 bytes), instead of a memchr and a
 * second pass. false when there is no LF. */
static bool take_field_line(struct cursor *c, struct cursor *ln, bool *clean)
{
#if defined(__SSE2__)
    const uint8_t *p = c->p;
    size_t n = c->len;
    unsigned seen = 0, prev = 0; /* bad bytes in the blocks before the last, in the last */
    for (size_t i = 0; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned bad = field_bad_mask(v);
        unsigned lf = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
        if (!lf) {
            seen |= prev;
            prev = bad;
            continue;
        }
        size_t at = i + (size_t)__builtin_ctz(lf), len = at;
        if (len && p[len - 1] == '\r') len--;
        /* The line's bytes in this block are those below len - i; when the
         * chopped CR ended the block before, that block's last byte is not
         * the line's. */
        unsigned mine = len > i ? (1u << (len - i)) - 1 : 0;
        if (len < i) prev &= 0x7fffu;
        *clean = !seen && !prev && !(bad & mine);
        ln->p = p;
        ln->len = len;
        c->p += at + 1;
        c->len -= at + 1;
        return true;
    }
#endif
    if (!cur_take_until(c, '\n', ln)) return false;
    cur_chop(ln, '\r');
    *clean = all_vchar_or_ws(*ln);
    return true;
}

/* The header fields in sec, which ends with the empty line. Returns 0,
 * HTTP1_MALFORMED or HTTP1_TOO_MANY. */
static long parse_fields(struct cursor sec, struct http1_header *hv, size_t max, size_t *num)
{
    struct cursor c = sec, ln;
    size_t count = 0, voff = 0;
    for (;;) {
        size_t line_off = cur_offset(&sec, &c);
        bool clean;
        /* take_line's check for a CR inside the line is the field check's:
         * a CR is no field character. */
        if (!take_field_line(&c, &ln, &clean)) return HTTP1_MALFORMED;
        if (ln.len == 0) break; /* the empty line */
        if (!clean) return HTTP1_MALFORMED;
        uint8_t first = 0;
        cur_peek(&ln, 0, &first);
        if (is_ows(first)) {
            if (count == 0) return HTTP1_MALFORMED; /* a fold with nothing to continue */
            fold_line(ln, line_off, &hv[count - 1], &voff);
            continue;
        }
        /* Validate before counting, so that a malformed field is reported
         * as such even when the array is full. */
        struct http1_header h;
        if (!field_line(ln, line_off, &h, &voff)) return HTTP1_MALFORMED;
        if (count == max) return HTTP1_TOO_MANY;
        hv[count++] = h;
    }
    *num = count;
    return 0;
}

/* What can be said of a request before its head is complete: a request
 * line already whole must be valid, and so must the method so far. */
static long partial_request(struct cursor c)
{
    struct cursor ln = {NULL, 0};
    struct http1_request scratch;
    enum line_res r = take_line(&c, &ln);
    if (r == LINE_OK) return parse_request_line(ln, &scratch) ? HTTP1_NEED_MORE : HTTP1_MALFORMED;
    if (r == LINE_BAD) return HTTP1_MALFORMED;
    /* A lone CR may be the first half of one more blank line. */
    if (c.len == 1 && cur_starts_with(&c, "\r", 1)) return HTTP1_NEED_MORE;
    size_t m = cur_span(&c, is_tchar);
    uint8_t next = 0;
    return !cur_peek(&c, m, &next) || next == ' ' ? HTTP1_NEED_MORE : HTTP1_MALFORMED;
}

/* Whether c (the first bytes of a status line) still agrees with "HTTP/1.". */
static bool could_be_status(const struct cursor *c)
{
    return cur_starts_with(c, "HTTP/1.", c->len < 7 ? c->len : 7);
}

static long partial_response(struct cursor c)
{
    struct cursor ln = {NULL, 0};
    struct http1_response scratch;
    enum line_res r = take_line(&c, &ln);
    if (r == LINE_OK) return parse_status_line(ln, &scratch) ? HTTP1_NEED_MORE : HTTP1_MALFORMED;
    if (r == LINE_BAD) return HTTP1_MALFORMED;
    return could_be_status(&c) ? HTTP1_NEED_MORE : HTTP1_MALFORMED;
}

long http1_parse_request(const char *p, size_t n, size_t last_len, struct http1_request *req)
{
    struct cursor all = cur_make(p, n), head = all, ln;
    req->num_headers = 0;
    skip_blank_lines(&head);
    size_t start = cur_offset(&all, &head);
    size_t end = head_end(&all, resume_from(last_len, start));
    if (!end) return partial_request(head);
    cur_limit(&head, end - start);
    if (take_line(&head, &ln) != LINE_OK || !parse_request_line(ln, req)) return HTTP1_MALFORMED;
    long r = parse_fields(head, req->headers, req->max_headers, &req->num_headers);
    return r < 0 ? r : (long)end;
}

long http1_parse_response(const char *p, size_t n, size_t last_len, struct http1_response *resp)
{
    struct cursor all = cur_make(p, n), head = all, ln;
    resp->num_headers = 0;
    size_t end = head_end(&all, resume_from(last_len, 0));
    if (!end) return partial_response(head);
    cur_limit(&head, end);
    if (take_line(&head, &ln) != LINE_OK || !parse_status_line(ln, resp)) return HTTP1_MALFORMED;
    long r = parse_fields(head, resp->headers, resp->max_headers, &resp->num_headers);
    return r < 0 ? r : (long)end;
}

/* Whether h is named lit (a literal of litlen bytes): the length first,
 * which tells most names apart without a call. */
__attribute__((always_inline)) static inline bool named(const struct http1_header *h,
                                                        const char *lit, size_t litlen)
{
    return text_ieqn(h->name, h->name_len, lit, litlen);
}

const struct http1_header *http1_find_header(const struct http1_header *h, size_t n,
                                             const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (named(&h[i], name, len)) return &h[i];
    return NULL;
}

enum cut_err http1_header_value(const struct http1_header *h, struct buf *out)
{
    if (!h->folded) return buf_append(out, h->value, h->value_len);
    struct cursor v = cur_make(h->value, h->value_len), text = {NULL, 0};
    for (;;) {
        cur_sub(&v, cur_span(&v, not_line_end), &text);
        if (!v.len) return buf_append(out, text.p, text.len);
        /* A fold: the line's trailing whitespace, the line end and the next
         * line's indentation become one space. */
        cur_trim_end(&text, is_ows);
        cur_skip(&v, cur_span(&v, is_fold_ws));
        enum cut_err e = buf_append(out, text.p, text.len);
        if (!e) e = buf_putc(out, ' ');
        if (e) return e;
    }
}

enum cut_err http1_headers_copy(struct headers *dst, const struct http1_header *h, size_t n)
{
    struct buf v = BUF_INIT;
    enum cut_err e = CUT_OK;
    for (size_t i = 0; i < n && !e; i++) {
        if (!h[i].folded) {
            e = headers_add(dst, h[i].name, h[i].name_len, h[i].value, h[i].value_len);
            continue;
        }
        buf_reset(&v);
        e = http1_header_value(&h[i], &v);
        if (!e) e = headers_add(dst, h[i].name, h[i].name_len, v.data, v.len);
    }
    buf_free(&v);
    return e;
}

/* Call fn on each non-empty element of a comma-separated value, trimmed;
 * stop when it returns false. */
static bool each_element(const char *v, size_t n, bool (*fn)(struct cursor, void *), void *ctx)
{
    struct cursor c = cur_make(v, n), el;
    for (;;) {
        bool last = !cur_take_until(&c, ',', &el);
        if (last) el = c;
        cur_skip(&el, cur_span(&el, is_fold_ws));
        cur_trim_end(&el, is_fold_ws);
        if (el.len && !fn(el, ctx)) return false;
        if (last) return true;
    }
}

static bool token_differs(struct cursor el, void *ctx)
{
    return !text_ieqn((const char *)el.p, el.len, ctx, strlen(ctx));
}

bool http1_header_has_token(const struct http1_header *h, const char *tok)
{
    /* One element (no comma), the usual Connection value: the same trim
     * and compare as each_element's, without its calls. */
    if (!h->value_len) return false;
    if (!memchr(h->value, ',', h->value_len)) {
        struct cursor el = cur_make(h->value, h->value_len);
        cur_skip(&el, cur_span(&el, is_fold_ws));
        cur_trim_end(&el, is_fold_ws);
        return el.len && text_ieqn((const char *)el.p, el.len, tok, strlen(tok));
    }
    return !each_element(h->value, h->value_len, token_differs, (void *)tok);
}

/* Content-Length: every value of every field must be the same number. */
struct clen_state {
    bool seen, bad;
    uint64_t value;
};

static bool clen_element(struct cursor el, void *ctx)
{
    struct clen_state *st = ctx;
    uint64_t v = 0;
    uint8_t d = 0;
    while (cur_u8(&el, &d)) {
        if (!is_digit(d) || v > (UINT64_MAX - 9) / 10) {
            st->bad = true;
            return false;
        }
        v = v * 10 + (uint64_t)(d - '0');
    }
    if (st->seen && v != st->value) st->bad = true;
    st->seen = true;
    st->value = v;
    return !st->bad;
}

static enum cut_err content_length(const struct http1_header *h, size_t n, bool *present,
                                   uint64_t *len)
{
    struct clen_state st = {false, false, 0};
    for (size_t i = 0; i < n; i++) {
        if (!named(&h[i], "Content-Length", 14)) continue;
        each_element(h[i].value, h[i].value_len, clen_element, &st);
        if (st.bad || !st.seen) return CUT_EPARSE;
    }
    *present = st.seen;
    *len = st.value;
    return CUT_OK;
}

/* Transfer-Encoding over all its fields: 0 absent (or only "identity"),
 * 1 the last coding is chunked, -1 present but not ending in chunked. */
struct te_state {
    bool any, last_chunked;
};

static bool te_element(struct cursor el, void *ctx)
{
    struct te_state *st = ctx;
    if (text_ieqn((const char *)el.p, el.len, "identity", 8)) return true;
    st->any = true;
    st->last_chunked = text_ieqn((const char *)el.p, el.len, "chunked", 7);
    return true;
}

static int transfer_encoding(const struct http1_header *h, size_t n)
{
    struct te_state st = {false, false};
    for (size_t i = 0; i < n; i++)
        if (named(&h[i], "Transfer-Encoding", 17))
            each_element(h[i].value, h[i].value_len, te_element, &st);
    return !st.any ? 0 : st.last_chunked ? 1 : -1;
}

enum cut_err http1_request_framing(const struct http1_request *req, struct http1_body *out)
{
    out->framing = HTTP1_BODY_NONE;
    out->length = 0;
    int te = transfer_encoding(req->headers, req->num_headers);
    if (te < 0) return CUT_EPARSE;
    if (te > 0) {
        out->framing = HTTP1_BODY_CHUNKED;
        return CUT_OK;
    }
    bool has_len;
    uint64_t len;
    enum cut_err e = content_length(req->headers, req->num_headers, &has_len, &len);
    if (e) return e;
    if (has_len && len > 0) {
        out->framing = HTTP1_BODY_LENGTH;
        out->length = len;
    }
    return CUT_OK;
}

enum cut_err http1_response_framing(const struct http1_response *resp, const char *req_method,
                                    size_t req_method_len, struct http1_body *out)
{
    out->framing = HTTP1_BODY_NONE;
    out->length = 0;
    int st = resp->status;
    bool connect = req_method && text_ieqn(req_method, req_method_len, "CONNECT", 7);
    if (st == 101 || (connect && st >= 200 && st < 300)) {
        out->framing = HTTP1_BODY_TUNNEL;
        return CUT_OK;
    }
    if (st < 200 || st == 204 || st == 304) return CUT_OK;
    if (req_method && text_ieqn(req_method, req_method_len, "HEAD", 4)) return CUT_OK;
    int te = transfer_encoding(resp->headers, resp->num_headers);
    if (te != 0) {
        out->framing = te > 0 ? HTTP1_BODY_CHUNKED : HTTP1_BODY_UNTIL_CLOSE;
        return CUT_OK;
    }
    bool has_len;
    uint64_t len;
    enum cut_err e = content_length(resp->headers, resp->num_headers, &has_len, &len);
    if (e) return e;
    if (!has_len)
        out->framing = HTTP1_BODY_UNTIL_CLOSE;
    else if (len > 0) {
        out->framing = HTTP1_BODY_LENGTH;
        out->length = len;
    }
    return CUT_OK;
}

enum chunk_state {
    CS_SIZE0, /* first hex digit of a size line */
    CS_SIZE,  /* more hex digits */
    CS_EXT,   /* chunk extension up to the line end */
    CS_SIZE_LF,
    CS_DATA,
    CS_DATA_CR,
    CS_DATA_LF,
    CS_TRAILER_START,
    CS_TRAILER_LINE,
    CS_END_LF,
    CS_DONE,
};

#define CHUNK_LINE_MAX 4096
#define CHUNK_TRAILER_MAX ((uint64_t)64 << 10)

void http1_chunked_init(struct http1_chunked *d)
{
    memset(d, 0, sizeof *d);
    d->state = CS_SIZE0;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* After a size line: data, or the trailers when it was the last chunk. */
static int after_size_line(const struct http1_chunked *d)
{
    return d->remaining ? CS_DATA : CS_TRAILER_START;
}

/* The byte after a size line's digits (chunk_size_digits took those). */
static enum cut_err chunk_size_byte(struct http1_chunked *d, uint8_t c)
{
    if (d->state == CS_SIZE0) return CUT_EPARSE; /* no digit at all */
    if (c == ';' || c == ' ' || c == '\t') {
        d->state = CS_EXT;
    } else if (c == '\r') {
        d->state = CS_SIZE_LF;
    } else if (c == '\n') {
        d->state = after_size_line(d);
    } else {
        return CUT_EPARSE;
    }
    return CUT_OK;
}

/* One byte of a size line, extension, data end or trailer. Bare LF line
 * ends are accepted, as in the head. */
static enum cut_err chunk_control_byte(struct http1_chunked *d, uint8_t c)
{
    switch (d->state) {
    case CS_SIZE0:
    case CS_SIZE:
        return chunk_size_byte(d, c);
    case CS_EXT:
        if (c == '\n') d->state = after_size_line(d);
        return CUT_OK;
    case CS_SIZE_LF:
        if (c != '\n') return CUT_EPARSE;
        d->state = after_size_line(d);
        return CUT_OK;
    case CS_DATA_CR:
        if (c != '\r' && c != '\n') return CUT_EPARSE;
        d->state = c == '\r' ? CS_DATA_LF : CS_SIZE0;
        return CUT_OK;
    case CS_DATA_LF:
        if (c != '\n') return CUT_EPARSE;
        d->state = CS_SIZE0;
        return CUT_OK;
    case CS_TRAILER_START:
        d->state = c == '\r' ? CS_END_LF : c == '\n' ? CS_DONE : CS_TRAILER_LINE;
        return CUT_OK;
    case CS_TRAILER_LINE:
        if (c == '\n') d->state = CS_TRAILER_START;
        return CUT_OK;
    case CS_END_LF:
        if (c != '\n') return CUT_EPARSE;
        d->state = CS_DONE;
        return CUT_OK;
    default:
        return CUT_EPARSE;
    }
}

/* Hand the sink as much of the current chunk's data as c holds. On a
 * sink's error nothing is consumed. */
static enum cut_err chunk_data(struct http1_chunked *d, struct cursor *c, http1_sink_fn sink,
                               void *ctx)
{
    struct cursor data = {NULL, 0};
    size_t k = c->len < d->remaining ? c->len : (size_t)d->remaining;
    struct cursor rest = *c;
    cur_sub(&rest, k, &data);
    if (sink) {
        enum cut_err e = sink(ctx, (const char *)data.p, data.len);
        if (e) return e;
    }
    *c = rest;
    d->remaining -= k;
    d->decoded += k;
    if (!d->remaining) d->state = CS_DATA_CR;
    return CUT_OK;
}

/* How many more bytes the current line can take before a cap is passed:
 * the size line with its extension (CHUNK_LINE_MAX) and, in the trailers,
 * the whole section too (CHUNK_TRAILER_MAX). */
static uint64_t chunk_room(const struct http1_chunked *d, bool trailer)
{
    uint64_t room = d->line_len < CHUNK_LINE_MAX ? CHUNK_LINE_MAX - d->line_len : 0;
    if (trailer) {
        uint64_t t =
            d->trailer_bytes < CHUNK_TRAILER_MAX ? CHUNK_TRAILER_MAX - d->trailer_bytes : 0;
        if (t < room) room = t;
    }
    return room;
}

/* One control byte from c. A refused byte is not consumed; one that makes
 * a size line longer than CHUNK_LINE_MAX or the trailers longer than
 * CHUNK_TRAILER_MAX is, and then stops the body: an endless extension or
 * trailer must not make the caller buffer forever. */
static enum cut_err chunk_control(struct http1_chunked *d, struct cursor *c)
{
    uint8_t b = 0;
    cur_peek(c, 0, &b);
    int before = d->state;
    enum cut_err e = chunk_control_byte(d, b);
    if (e) return e;
    cur_skip(c, 1);
    if (before >= CS_TRAILER_START) d->trailer_bytes++;
    d->line_len = d->state == before || d->state == CS_SIZE ? d->line_len + 1 : 0;
    if (d->line_len > CHUNK_LINE_MAX || d->trailer_bytes > CHUNK_TRAILER_MAX) return CUT_EPARSE;
    return CUT_OK;
}

/* The body of an extension or a trailer field is not looked at: skip it
 * up to its LF in one search instead of a state step per byte, with the
 * same caps and counts as chunk_control. */
static enum cut_err chunk_skip_line(struct http1_chunked *d, struct cursor *c)
{
    bool trailer = d->state == CS_TRAILER_LINE;
    long lf = cur_find(c, '\n');
    uint64_t run = lf < 0 ? c->len : (uint64_t)lf;
    uint64_t room = chunk_room(d, trailer);
    enum cut_err e = CUT_OK;
    if (run > room) { /* the byte that passes the cap is consumed, then refused */
        run = room + 1;
        e = CUT_EPARSE;
    }
    cur_skip(c, (size_t)run);
    d->line_len += run;
    if (trailer) d->trailer_bytes += run;
    return e;
}

/* The hex digits of a size line, in one step rather than one state step
 * each. The size is refused (the digit not consumed) once it could no
 * longer fit in 63 bits, however many digits arrive, so it never wraps;
 * leading zeros are only held to the line cap. Size and line length are
 * kept in locals: written back through d on every digit, they made small
 * chunks a tenth slower than the byte-at-a-time decoder this replaced. */
static enum cut_err chunk_size_digits(struct http1_chunked *d, struct cursor *c)
{
    uint64_t size = d->remaining;
    size_t line = d->line_len;
    enum cut_err e = CUT_OK;
    uint8_t b = 0;
    int h = 0;
    while (cur_peek(c, 0, &b) && (h = hexval(b)) >= 0) {
        if (size >> 59) {
            e = CUT_EPARSE;
            break;
        }
        size = size * 16 + (uint64_t)h;
        d->state = CS_SIZE;
        cur_skip(c, 1);
        if (++line > CHUNK_LINE_MAX) {
            e = CUT_EPARSE;
            break;
        }
    }
    d->remaining = size;
    d->line_len = line;
    return e;
}

/* A CRLF where one is due (ending a size line or a chunk's data) taken
 * whole: the common case, with the effect of two state steps. */
static bool chunk_crlf(struct http1_chunked *d, struct cursor *c, int next)
{
    if (!cur_starts_with(c, "\r\n", 2)) return false;
    cur_skip(c, 2);
    d->state = next;
    d->line_len = 0;
    return true;
}

/* One step of the decoder: runs that need no state step per byte (data,
 * size digits, a due CRLF, the skipped part of a line), else one byte of
 * framing through the state machine (split or bare line ends, separators,
 * trailers). Data, its CRLF and the next size line are usually all there,
 * so one step takes them in that order. */
static enum cut_err chunk_step(struct http1_chunked *d, struct cursor *c, http1_sink_fn sink,
                               void *ctx)
{
    enum cut_err e = CUT_OK;
    if (d->state == CS_DATA) {
        e = chunk_data(d, c, sink, ctx);
        if (e || d->state != CS_DATA_CR) return e;
    }
    if (d->state == CS_DATA_CR) chunk_crlf(d, c, CS_SIZE0);
    if (d->state == CS_SIZE0 || d->state == CS_SIZE) {
        e = chunk_size_digits(d, c);
        if (!e && d->state == CS_SIZE && chunk_crlf(d, c, after_size_line(d))) return CUT_OK;
    } else if (d->state == CS_EXT || d->state == CS_TRAILER_LINE) {
        e = chunk_skip_line(d, c);
    }
    if (e || !c->len) return e;
    return chunk_control(d, c);
}

enum cut_err http1_chunked_feed(struct http1_chunked *d, const char *p, size_t n, size_t *consumed,
                                http1_sink_fn sink, void *ctx)
{
    struct cursor all = cur_make(p, n), c = all;
    enum cut_err e = CUT_OK;
    while (!e && c.len && d->state != CS_DONE) e = chunk_step(d, &c, sink, ctx);
    *consumed = cur_offset(&all, &c);
    d->wire_bytes += *consumed;
    d->done = d->state == CS_DONE;
    return e;
}

/* Whether the complete line ln is a request or status line. */
static bool is_start_line(struct cursor ln, bool response)
{
    struct http1_response rs;
    struct http1_request rq;
    return response ? parse_status_line(ln, &rs) : parse_request_line(ln, &rq);
}

/* Whether the incomplete line c could still become a start line. */
static bool could_start(const struct cursor *c, bool response)
{
    if (c->len > HTTP1_MAX_HEAD) return false;
    if (response) return could_be_status(c);
    size_t m = cur_span(c, is_tchar);
    uint8_t next = 0;
    return !cur_peek(c, m, &next) || next == ' ';
}

long http1_resync(const char *p, size_t n, bool response, size_t *discard)
{
    struct cursor all = cur_make(p, n), c = all, ln;
    for (;;) {
        size_t s = cur_offset(&all, &c);
        enum line_res r = take_line(&c, &ln);
        if (r == LINE_PARTIAL) {
            *discard = c.len && could_start(&c, response) ? s : n;
            return -1;
        }
        if (r == LINE_OK && is_start_line(ln, response)) return (long)s;
    }
}

bool http1_looks_like_request(const char *p, size_t n)
{
    /* A method of up to 20 capitals, then a space: enough to tell a client
     * from a server without waiting for the whole line. */
    struct cursor c = cur_make(p, n), method = c;
    uint8_t next = 0;
    cur_limit(&method, 20);
    size_t m = cur_span(&method, is_upper);
    return m > 0 && cur_peek(&c, m, &next) && next == ' ';
}

bool http1_looks_like_response(const char *p, size_t n)
{
    struct cursor c = cur_make(p, n);
    return cur_starts_with(&c, "HTTP/1.", 7);
}
