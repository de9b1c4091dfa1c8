/* http1.h: an incremental HTTP/1.0 and 1.1 parser (after picohttpparser).
 * It is handed the bytes that have arrived and answers with the bytes the
 * message head took, HTTP1_NEED_MORE or HTTP1_MALFORMED.  Nothing is
 * copied: method, target, reason, header names and values are slices into
 * the caller's buffer, valid while that buffer is.  Also: the body framing
 * decision (RFC 9112 section 6) and an incremental chunked decoder. */
#ifndef CUTOVER_HTTP1_H
#define CUTOVER_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/buf.h"
#include "cutover/err.h"
#include "cutover/exchange.h"

/* Negative results of the parse functions (>= 0 is bytes consumed). */
#define HTTP1_MALFORMED (-1L) /* the bytes are not HTTP/1: resynchronise */
#define HTTP1_NEED_MORE (-2L) /* the head is incomplete: call again with more */
#define HTTP1_TOO_MANY (-3L)  /* more header fields than the caller's array holds */

/* A head larger than this is treated as malformed by callers that buffer
 * (the parser itself has no limit beyond the length it is given). */
#define HTTP1_MAX_HEAD ((size_t)64 << 10)

/* One header field. value has leading and trailing whitespace removed; a
 * value continued on the next line (obs-fold) is a slice that still holds
 * the CRLF and indentation, and folded is set: http1_header_value copies it
 * with each fold joined by one space. Duplicates stay, in wire order. */
struct http1_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
    bool folded;
};

/* The caller points headers at an array of max_headers entries before each
 * parse call; the parser fills num_headers. */
struct http1_request {
    const char *method;
    size_t method_len;
    const char *target;
    size_t target_len;
    const char *version; /* "HTTP/1.1" as on the wire (8 bytes) */
    size_t version_len;
    int minor_version; /* 0 or 1 */
    struct http1_header *headers;
    size_t max_headers, num_headers;
};

struct http1_response {
    const char *version;
    size_t version_len;
    int minor_version;
    int status; /* 100..999 */
    const char *reason;
    size_t reason_len;
    struct http1_header *headers;
    size_t max_headers, num_headers;
};

/* Parse a request head from p[0..n). last_len is how many of these bytes a
 * previous call already saw and answered HTTP1_NEED_MORE to (0 on the first
 * call): the search for the end of the head resumes there instead of
 * rescanning. Returns the head's length (request line, header fields and
 * the empty line), HTTP1_NEED_MORE, HTTP1_MALFORMED or HTTP1_TOO_MANY.
 * Empty lines before the request line (RFC 9112 2.2) are skipped and
 * counted in the length. Bare LF line ends are accepted. */
long http1_parse_request(const char *p, size_t n, size_t last_len, struct http1_request *req);
/* Same for a response head (status line "HTTP/1.x NNN reason"). */
long http1_parse_response(const char *p, size_t n, size_t last_len, struct http1_response *resp);

/* The first header named name (ASCII case-insensitive), or NULL. */
const struct http1_header *http1_find_header(const struct http1_header *h, size_t n,
                                             const char *name);
/* Append h's value to out, each obs-fold replaced by one space. */
enum cut_err http1_header_value(const struct http1_header *h, struct buf *out);
/* Append copies of the n headers to dst (struct headers of exchange.h),
 * folded values joined. */
enum cut_err http1_headers_copy(struct headers *dst, const struct http1_header *h, size_t n);
/* Whether the value of a header (a comma-separated list) holds token tok,
 * case-insensitive: "Connection: keep-alive, Upgrade" holds "upgrade". */
bool http1_header_has_token(const struct http1_header *h, const char *tok);

/* How the body after a head is delimited. */
enum http1_framing {
    HTTP1_BODY_NONE,        /* no body (length 0) */
    HTTP1_BODY_LENGTH,      /* exactly length bytes (Content-Length) */
    HTTP1_BODY_CHUNKED,     /* chunked transfer coding: use struct http1_chunked */
    HTTP1_BODY_UNTIL_CLOSE, /* response only: everything until the server's FIN */
    HTTP1_BODY_TUNNEL,      /* CONNECT 2xx or 101 Switching Protocols: the bytes
                             * that follow are no longer HTTP/1 */
};

struct http1_body {
    enum http1_framing framing;
    uint64_t length; /* for HTTP1_BODY_LENGTH */
};

/* Framing of a request's body: chunked when Transfer-Encoding ends in
 * chunked (and Content-Length is then ignored), else Content-Length, else
 * none. CUT_EPARSE for a Transfer-Encoding that does not end in chunked,
 * an invalid Content-Length or several that disagree. */
enum cut_err http1_request_framing(const struct http1_request *req, struct http1_body *out);
/* Framing of a response's body. req_method is the method of the request it
 * answers (NULL/0 when unknown): HEAD, 1xx, 204 and 304 have no body;
 * CONNECT answered 2xx and 101 are tunnels; then chunked, Content-Length,
 * and otherwise until close. CUT_EPARSE for a bad Content-Length. */
enum cut_err http1_response_framing(const struct http1_response *resp, const char *req_method,
                                    size_t req_method_len, struct http1_body *out);

/* Incremental decoder of the chunked transfer coding: chunk sizes with
 * extensions (";name=value", skipped), data, the last chunk, and the
 * trailer section (fields skipped, counted in trailer_bytes). */
struct http1_chunked {
    int state;           /* private */
    uint64_t remaining;  /* private: bytes left in the current chunk */
    size_t line_len;     /* private: bytes of the current size/trailer line */
    bool done;           /* the last chunk and trailers were consumed */
    uint64_t decoded;    /* data bytes so far */
    uint64_t wire_bytes; /* encoded bytes consumed so far */
    uint64_t trailer_bytes;
};

/* Receives decoded body bytes; a non-CUT_OK return stops the decoder and is
 * handed back by http1_chunked_feed. */
typedef enum cut_err (*http1_sink_fn)(void *ctx, const char *p, size_t n);

/* Initialise d for a new body. Can't fail. */
void http1_chunked_init(struct http1_chunked *d);
/* Decode from p[0..n), passing data to sink (may be NULL to discard).
 * *consumed is how many bytes were used: all of n unless the body ended
 * (d->done), in which case the bytes after the trailers belong to the next
 * message. CUT_EPARSE on a malformed chunk size or line end (a size line
 * longer than 4 KiB counts as malformed); a sink's error is returned as is.
 * After d->done, further calls consume nothing. */
enum cut_err http1_chunked_feed(struct http1_chunked *d, const char *p, size_t n, size_t *consumed,
                                http1_sink_fn sink, void *ctx);

/* Resynchronisation after a hole in the stream: the offset in p[0..n) of
 * the first line start (offset 0, or just after a LF) where a complete
 * request line ("METHOD SP target SP HTTP/1.x" CRLF) begins, or for
 * response set, a status line ("HTTP/1.x NNN"). Returns -1 when none is
 * there yet; *discard is then how many leading bytes can be dropped
 * because no start can lie in them (a partial line at the end is kept). */
long http1_resync(const char *p, size_t n, bool response, size_t *discard);

/* Whether p[0..n) begins like a request ("GET /", a method token and a
 * space) or like a response ("HTTP/1."): used to tell a connection's roles
 * when the handshake was not seen. Needs only the first few bytes. */
bool http1_looks_like_request(const char *p, size_t n);
bool http1_looks_like_response(const char *p, size_t n);

#endif
