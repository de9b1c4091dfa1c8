/* redact.h: capture's redaction, applied to every exchange before anything
 * is written.  Header values (Authorization, Proxy-Authorization, Cookie,
 * Set-Cookie, X-Api-Key and any added) and JSON body values named by
 * --redact-json paths are replaced with "redacted:" and the first 16 hex
 * digits of HMAC-SHA256(key, value): equal values stay equal, so replay
 * and compare still see which requests shared a credential, while the
 * value cannot be recovered without the key. */
#ifndef CUTOVER_CAPTURE_REDACT_H
#define CUTOVER_CAPTURE_REDACT_H

#include <stddef.h>
#include <stdint.h>
#include "cutover/err.h"
#include "cutover/exchange.h"

#define REDACT_PREFIX "redacted:"
#define REDACT_TOKEN_LEN (sizeof REDACT_PREFIX - 1 + 16)

struct redact_stats {
    uint64_t headers;         /* header values replaced */
    uint64_t json_values;     /* JSON values replaced */
    uint64_t json_unparsed;   /* bodies the paths could not be applied to (not JSON) */
    uint64_t bodies_withheld; /* truncated JSON bodies emptied: they could not be redacted */
};

struct redactor;

/* A redactor with the default headers and a random key (getrandom). */
enum cut_err redact_new(struct redactor **out);
/* Use key[0..n) (n > 0) instead of the random one. */
enum cut_err redact_set_key(struct redactor *r, const void *key, size_t n);
/* Read the key from a file (its bytes, up to 4 KiB, trailing newline
 * dropped). On failure err names the file and why. */
enum cut_err redact_key_file(struct redactor *r, const char *path, char *err, size_t errlen);
/* Redact the values of header name too (case-insensitive). */
enum cut_err redact_add_header(struct redactor *r, const char *name);
/* Redact JSON body values at path (jpath.h syntax); "header:Name" adds a
 * header instead. CUT_EPARSE with the reason in err for a bad path. */
enum cut_err redact_add_json(struct redactor *r, const char *path, char *err, size_t errlen);
/* The token for v[0..n) into out (REDACT_TOKEN_LEN + 1 bytes). Remembers
 * recent values (a small cache), hence the non-const redactor. */
void redact_token(struct redactor *r, const void *v, size_t n, char *out);
/* Redact x in place: request and response headers; with JSON paths, the
 * request body and the response content when they parse as JSON. */
enum cut_err redact_exchange(struct redactor *r, struct exchange *x);
const struct redact_stats *redact_stats(const struct redactor *r);
/* Accepts NULL; wipes the key. */
void redact_free(struct redactor *r);

#endif
