/* assemble.h: the HTTP half of cutover-capture.  It receives each TCP
 * connection's bytes through the stream hooks (stream.h), parses the
 * client's bytes as requests and the server's as responses (lib/http1),
 * pairs them in order and hands every complete exchange to an emit
 * callback.  Whatever does not become a complete exchange is counted by
 * reason in struct assemble_stats; nothing is ever invented. */
#ifndef CUTOVER_CAPTURE_ASSEMBLE_H
#define CUTOVER_CAPTURE_ASSEMBLE_H

#include <stddef.h>
#include <stdint.h>
#include "cutover/err.h"
#include "cutover/exchange.h"
#include "stream.h"

#define ASSEMBLE_DEFAULT_MAX_BODY ((size_t)1 << 20)
#define ASSEMBLE_DEFAULT_MAX_FLOW_BYTES ((size_t)16 << 20)
#define ASSEMBLE_DEFAULT_MAX_QUEUE 1024
#define ASSEMBLE_MARKER_HEADER "X-Cutover-Replay"

/* Why a request or a response did not become part of a complete exchange. */
enum assemble_loss {
    ASM_LOSS_GAP,         /* bytes of it were lost (a segment never captured) */
    ASM_LOSS_EXPIRED,     /* its connection went idle past the flow timeout */
    ASM_LOSS_EVICTED,     /* its connection was shed to stay under the flow caps */
    ASM_LOSS_CAP,         /* the per-connection buffered-bytes or queue cap was reached */
    ASM_LOSS_UNPARSEABLE, /* not valid HTTP/1 (the stream was resynchronised after it) */
    ASM_LOSS_INCOMPLETE,  /* the connection closed, or the capture ended, mid-message */
    ASM_LOSS_UNPAIRED,    /* a request never answered, or a response to no seen request */
    ASM_LOSS_COUNT
};

/* "gap", "expired", "evicted", "cap", "unparseable", "incomplete", "unpaired". */
const char *assemble_loss_name(enum assemble_loss why);

struct assemble_config {
    const char *runid;         /* prefix of every _id (kept, not copied); "" if NULL */
    size_t max_body;           /* bytes of each body kept; 0: ASSEMBLE_DEFAULT_MAX_BODY */
    size_t max_flow_bytes;     /* bytes of headers and bodies a connection may hold
                                * while its exchanges are unfinished; 0: default */
    size_t max_queue;          /* requests awaiting a response per connection; 0: default */
    const char *marker_header; /* requests carrying it are skipped; NULL: the default */
};

struct assemble_stats {
    uint64_t connections;
    uint64_t requests;  /* request heads parsed */
    uint64_t responses; /* final (non-1xx) response heads parsed */
    uint64_t interim;   /* 1xx responses (100 Continue, 103 ...), skipped */
    uint64_t exchanges; /* complete exchanges handed to emit */
    uint64_t lost_requests[ASM_LOSS_COUNT];
    uint64_t lost_responses[ASM_LOSS_COUNT];
    uint64_t parse_errors;      /* malformed heads, bad framing or chunking */
    uint64_t skipped_requests;  /* carried the replay marker header */
    uint64_t skipped_responses; /* answered a skipped request */
    uint64_t tunnels;           /* CONNECT or Upgrade: the rest was not HTTP/1 */
    uint64_t role_swaps;        /* client and server guessed the wrong way round */
    uint64_t bodies_truncated;  /* bodies cut at max_body */
    uint64_t decoded_bodies;    /* gzip/deflate response bodies decoded */
    uint64_t decode_errors;     /* ... that failed to decode, kept as sent */
    uint64_t bytes[2];          /* stream bytes per direction (STREAM_C2S, STREAM_S2C) */
    uint64_t bytes_discarded;   /* skipped while resynchronising or in tunnels */
};

/* Receives each complete exchange. The exchange stays owned by the
 * assembler, which releases it after the call; the callee may modify it
 * (redaction) or steal its fields (setting them to NULL). A non-CUT_OK
 * return is remembered (assemble_error) and later exchanges are counted
 * but not emitted. */
typedef enum cut_err (*assemble_emit_fn)(void *ctx, struct exchange *x);

struct assembler;

/* Create an assembler; cfg is copied (its strings are kept, not copied). */
enum cut_err assemble_new(const struct assemble_config *cfg, assemble_emit_fn emit, void *ctx,
                          struct assembler **out);
/* The hooks that drive a (the packet half calls them). */
void assemble_hooks(struct assembler *a, struct stream_hooks *out);
const struct assemble_stats *assemble_stats(const struct assembler *a);
/* The first error an emit call returned, or CUT_OK. */
enum cut_err assemble_error(const struct assembler *a);
/* Frees a; connections still open must have been closed through the hooks
 * (the packet half's finish does that). Accepts NULL. */
void assemble_free(struct assembler *a);

#endif
