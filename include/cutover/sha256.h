/* sha256.h: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), small and
 * dependency-free, for capture's keyed redaction tokens. Not constant-time
 * beyond what the algorithm is; not for anything needing a vetted library. */
#ifndef CUTOVER_SHA256_H
#define CUTOVER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
    uint32_t h[8];
    uint64_t total; /* bytes hashed */
    uint8_t block[64];
    size_t used; /* bytes in block */
};

/* Start, feed, finish; none can fail. */
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* One-shot digest of p[0..n). */
void sha256(const void *p, size_t n, uint8_t out[SHA256_LEN]);
/* A key's two padded blocks hashed once: an HMAC under it then costs two
 * compressions for a short message instead of four. */
struct hmac_sha256_key {
    struct sha256 inner, outer;
};

/* Prepare key (any length) for hmac_sha256_keyed. Can't fail. */
void hmac_sha256_key_init(struct hmac_sha256_key *hk, const void *key, size_t keylen);
/* HMAC-SHA256 of msg under a prepared key. Can't fail. */
void hmac_sha256_keyed(const struct hmac_sha256_key *hk, const void *msg, size_t n,
                       uint8_t out[SHA256_LEN]);
/* HMAC-SHA256 of msg under key (any length). */
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
                 uint8_t out[SHA256_LEN]);

#endif
