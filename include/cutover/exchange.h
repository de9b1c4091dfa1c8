/* exchange.h: one HTTP exchange (a request and its response), the record
 * the three tools pass between them.  Every string and body is owned by
 * the exchange and freed by exchange_release.  har.h reads and writes it
 * as a HAR 1.2 entry (one JSON Lines line). */
#ifndef CUTOVER_EXCHANGE_H
#define CUTOVER_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "cutover/buf.h"

/* name and value are one allocation, freed through name (headers_* do it);
 * replace a value with headers_set_at, never by assigning it. The name's
 * length is where the value starts (value - name - 1). */
struct header {
    char *name;       /* as on the wire, case kept */
    char *value;      /* folded lines joined by one space */
    size_t value_len; /* strlen(value), kept by headers_*: writers need no strlen */
    size_t room;      /* bytes of name, NUL and value the allocation holds (pair reuse) */
};

/* Headers in wire order, duplicates kept. v[n..spare), when spare > n,
 * are pairs kept by headers_clear (and by the removals), owned here:
 * headers_add writes over them. */
struct headers {
    struct header *v;
    size_t n, cap;
    size_t spare;
};

struct http_request {
    char *method;
    char *target;  /* request-target exactly as on the wire (_target) */
    char *url;     /* absolute URL: http://host + target */
    char *version; /* "HTTP/1.1" */
    struct headers headers;
    bool has_body;
    struct buf body;      /* exactly as sent (chunking removed), possibly truncated */
    int64_t body_size;    /* bytes of body on the wire before truncation; -1 unknown */
    bool body_truncated;  /* body holds only the first --max-body bytes */
    int64_t headers_size; /* bytes of request line and headers; -1 unknown */
    /* The JSON string (escaped, no quotes) a reader found for the body and
     * the body it stood for then, when it is exactly what jsonw writes for
     * those bytes (jscan_string_raw's canon); both empty otherwise. A writer
     * whose body still equals body_as_read copies body_json instead of
     * escaping the body again: a replay writes each request body it read. */
    struct buf body_json, body_as_read;
};

struct http_response {
    int status; /* 0: no response (see exchange.error) */
    char *reason;
    char *version;
    struct headers headers;
    struct buf body;      /* content as delivered: decoded when compression is set */
    int64_t body_size;    /* bytes of body on the wire (encoded); -1 unknown */
    int64_t content_size; /* bytes after content decoding (HAR content.size) */
    char *compression;    /* "gzip", "deflate" when body was decoded; else NULL */
    bool body_truncated;
    int64_t headers_size;
    /* reason's and version's memory that exchange_clear kept (NULL or owned
     * here), for the next answer's through exchange_strset_kept: a replay
     * reads each record into the exchange of an answer written before. */
    char *kept_reason, *kept_version;
};

struct exchange {
    char *id;           /* _id */
    int64_t started_us; /* epoch microseconds of the first request byte */
    double send_ms;     /* first to last request byte */
    double wait_ms;     /* last request byte to first response byte */
    double receive_ms;  /* first to last response byte */
    struct http_request req;
    struct http_response resp;
    char *client, *server; /* "ip:port", IPv6 in brackets; may be NULL */
    int64_t flow, seq;     /* -1 when unknown */
    char *error;           /* replay: why no response came; NULL otherwise */
    double lag_ms;         /* replay: send time minus due time; < 0 when absent */
};

/* Zero an exchange and set the "unknown" markers. Can't fail. */
void exchange_init(struct exchange *x);
/* Free everything x owns and re-initialise it. Accepts an initialised x. */
void exchange_release(struct exchange *x);
/* Empty x as exchange_init leaves it, but keep its header arrays and pairs
 * (cleared: headers_add writes over them), its body buffers' memory and its
 * response's reason and version as kept_reason and kept_version, for a
 * reader that fills one exchange per record. Can't fail. */
void exchange_clear(struct exchange *x);

void headers_init(struct headers *h);
void headers_release(struct headers *h);
/* Empty h but keep the array and the pairs for the next headers to be
 * written over (a sender's answer headers, once per request); release
 * frees them. Can't fail. */
void headers_clear(struct headers *h);
/* Append a copy of name[0..nlen) and value[0..vlen). A value is a C string:
 * value[0..vlen) holds no NUL (a caller whose bytes may hold one passes
 * the length up to it), so value_len is its strlen. */
enum cut_err headers_add(struct headers *h, const char *name, size_t nlen, const char *value,
                         size_t vlen);
/* First header named name[0..nlen) (case-insensitive), or NULL. */
const struct header *headers_get_n(const struct headers *h, const char *name, size_t nlen);
/* Remove every header named name[0..nlen); returns how many. Can't fail. */
size_t headers_remove_n(struct headers *h, const char *name, size_t nlen);
/* Replace the value of the first header named name[0..nlen) with
 * value[0..vlen) (no NUL in it), or append it. */
enum cut_err headers_set_n(struct headers *h, const char *name, size_t nlen, const char *value,
                           size_t vlen);
/* The same for C strings. Inline: most names are literals, whose length
 * the compiler knows. */
static inline const struct header *headers_get(const struct headers *h, const char *name)
{
    return headers_get_n(h, name, strlen(name));
}
static inline size_t headers_remove(struct headers *h, const char *name)
{
    return headers_remove_n(h, name, strlen(name));
}
static inline enum cut_err headers_set(struct headers *h, const char *name, const char *value)
{
    return headers_set_n(h, name, strlen(name), value, strlen(value));
}
/* Replace the value of header i (i < h->n) with value[0..vlen), which holds
 * no NUL; on CUT_ENOMEM it is unchanged. */
enum cut_err headers_set_at(struct headers *h, size_t i, const char *value, size_t vlen);
/* Remove header i (i < h->n), keeping the order of the others. */
void headers_delete_at(struct headers *h, size_t i);
/* Deep copy src into dst (dst initialised, contents replaced). */
enum cut_err headers_copy(struct headers *dst, const struct headers *src);

/* Set *dst to a malloc'd copy of p[0..n), freeing the old value. */
enum cut_err exchange_strset(char **dst, const char *p, size_t n);
/* The same, written into *kept's memory (taken: *kept becomes NULL) when
 * *dst is NULL and *kept holds a string at least n bytes long. */
enum cut_err exchange_strset_kept(char **dst, char **kept, const char *p, size_t n);

#endif
