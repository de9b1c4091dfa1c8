/* zcodec.c: gzip and deflate decoding and encoding with zlib.  Decoding
 * inflates in bounded steps into the caller's buffer and stops at the cap,
 * so an input of a few KiB that claims gigabytes costs only the cap. */
#include "cutover/zcodec.h"

#include <limits.h>
#include <string.h>
#include <zlib.h>

#include "cutover/text.h"

static const struct {
    const char *name;
    enum zcodec_kind kind;
} zcodec_names[] = {
    {"gzip", ZCODEC_GZIP},         {"x-gzip", ZCODEC_GZIP}, {"deflate", ZCODEC_DEFLATE},
    {"identity", ZCODEC_IDENTITY}, {"", ZCODEC_IDENTITY},
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

bool zcodec_from_name(const char *s, size_t n, enum zcodec_kind *out)
{
    while (n && is_ws(s[0])) s++, n--;
    while (n && is_ws(s[n - 1])) n--;
    for (size_t i = 0; i < sizeof zcodec_names / sizeof zcodec_names[0]; i++) {
        if (text_ieq(s, n, zcodec_names[i].name)) {
            *out = zcodec_names[i].kind;
            return true;
        }
    }
    return false;
}

const char *zcodec_name(enum zcodec_kind kind)
{
    switch (kind) {
    case ZCODEC_GZIP:
        return "gzip";
    case ZCODEC_DEFLATE:
        return "deflate";
    default:
        return "identity";
    }
}

/* A zlib header: CM 8, window at most 32K, and the check bits (RFC 1950). */
static bool looks_zlib(const unsigned char *p, size_t n)
{
    return n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 && ((p[0] << 8) | p[1]) % 31 == 0;
}

static enum cut_err z_to_err(int zr)
{
    switch (zr) {
    case Z_MEM_ERROR:
        return CUT_ENOMEM;
    case Z_BUF_ERROR:
        return CUT_ETRUNC;
    default:
        return CUT_EPARSE;
    }
}

/* Inflate in into out until the stream ends, the input runs out or the
 * cap is hit. For gzip, members that follow the first are decoded too. */
static enum cut_err inflate_into(z_stream *zs, bool gzip, const unsigned char *in, size_t n,
                                 struct buf *out, size_t max_out)
{
    size_t start = out->len;
    zs->next_in = (unsigned char *)in;
    zs->avail_in = 0;
    size_t left = n;
    for (;;) {
        if (zs->avail_in == 0 && left) {
            zs->avail_in = left > UINT_MAX ? UINT_MAX : (unsigned)left;
            left -= zs->avail_in;
        }
        size_t room = 16384;
        if (max_out) {
            size_t got = out->len - start;
            if (got >= max_out) {
                /* Cap reached: is there any more output at all? */
                unsigned char probe;
                /* Only inflate below sees this pointer; it is replaced before
                 * the next inflate and never read after return. */
                zs->next_out = &probe; // cppcheck-suppress autoVariables
                zs->avail_out = 1;
                int zr = inflate(zs, Z_NO_FLUSH);
                if (zs->avail_out == 0) return CUT_ELIMIT;
                if (zr == Z_STREAM_END) goto member_end;
                if (zr != Z_OK) return zr == Z_BUF_ERROR ? CUT_ETRUNC : z_to_err(zr);
                if (zs->avail_in == 0 && !left) return CUT_ETRUNC;
                continue;
            }
            if (room > max_out - got) room = max_out - got;
        }
        enum cut_err e = buf_grow(out, room);
        if (e) return e;
        zs->next_out = (unsigned char *)out->data + out->len;
        zs->avail_out = (unsigned)room;
        int zr = inflate(zs, Z_NO_FLUSH);
        out->len += room - zs->avail_out;
        out->data[out->len] = '\0';
        if (zr == Z_STREAM_END) goto member_end;
        if (zr == Z_BUF_ERROR) {
            if (zs->avail_in == 0 && !left) return CUT_ETRUNC;
            continue;
        }
        if (zr != Z_OK) return z_to_err(zr);
        if (zs->avail_in == 0 && !left && zs->avail_out != 0) return CUT_ETRUNC;
        continue;
    member_end:
        if (!gzip) return CUT_OK;
        left += zs->avail_in;
        zs->avail_in = 0;
        /* Another gzip member (magic 1f 8b) continues the body; anything
         * else after the end (padding, junk) is ignored as browsers do. */
        if (left < 2 || zs->next_in[0] != 0x1f || zs->next_in[1] != 0x8b) return CUT_OK;
        if (inflateReset(zs) != Z_OK) return CUT_EPARSE;
    }
}

enum cut_err zcodec_decode(enum zcodec_kind kind, const void *in, size_t n, struct buf *out,
                           size_t max_out)
{
    const unsigned char *p = in;
    if (kind == ZCODEC_IDENTITY) {
        if (max_out && n > max_out) {
            enum cut_err e = buf_append(out, p, max_out);
            return e ? e : CUT_ELIMIT;
        }
        return buf_append(out, p, n);
    }
    int wbits = kind == ZCODEC_GZIP ? 15 + 16 : looks_zlib(p, n) ? 15 : -15;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, wbits) != Z_OK) return CUT_ENOMEM;
    enum cut_err e = inflate_into(&zs, kind == ZCODEC_GZIP, p, n, out, max_out);
    inflateEnd(&zs);
    return e;
}

enum cut_err zcodec_encode(enum zcodec_kind kind, const void *in, size_t n, struct buf *out)
{
    if (kind == ZCODEC_IDENTITY) return buf_append(out, in, n);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int wbits = kind == ZCODEC_GZIP ? 15 + 16 : 15;
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return CUT_ENOMEM;
    if (n > UINT_MAX) {
        deflateEnd(&zs);
        return CUT_EINVAL;
    }
    size_t bound = deflateBound(&zs, (uLong)n) + 32;
    enum cut_err e = buf_grow(out, bound);
    if (!e) {
        zs.next_in = (unsigned char *)in;
        zs.avail_in = (unsigned)n;
        zs.next_out = (unsigned char *)out->data + out->len;
        zs.avail_out = (unsigned)bound;
        int zr = deflate(&zs, Z_FINISH);
        if (zr != Z_STREAM_END)
            e = CUT_ENOMEM;
        else {
            out->len += bound - zs.avail_out;
            out->data[out->len] = '\0';
        }
    }
    deflateEnd(&zs);
    return e;
}
