/* drv_mix.h: the traffic driver's request mix.  Request number i of a run
 * with seed s is always the same request (only reads of earlier ids depend
 * on which ids the server handed out), so a run can be repeated. */
#ifndef CUTOVER_DRV_MIX_H
#define CUTOVER_DRV_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/buf.h"

enum drv_kind {
    DRV_SMS,
    DRV_EMAIL,
    DRV_PUSH,
    DRV_BATCH,
    DRV_MSG_KNOWN,   /* GET /v1/messages/{id} of an id answered earlier */
    DRV_MSG_UNKNOWN, /* ... of an id nobody issued */
    DRV_TEMPLATES,
    DRV_HEALTH_HEAD,
    DRV_HEALTH_GET,
    DRV_KIND_COUNT
};

/* One planned request; every buffer is owned by it. */
struct drv_req {
    enum drv_kind kind;
    const char *method;  /* static */
    struct buf path;     /* request-target */
    struct buf body;     /* JSON, empty for reads */
    bool gzip;           /* send Accept-Encoding: gzip */
    bool chunked;        /* send the body with Transfer-Encoding: chunked */
    bool expect;         /* send Expect: 100-continue */
    bool fresh;          /* a new connection, closed afterwards */
    bool close;          /* send Connection: close */
    char request_id[40]; /* X-Request-Id to send; "" for none */
};

void drv_req_init(struct drv_req *r);
void drv_req_release(struct drv_req *r);

/* The endpoint label of a kind ("POST /v1/sms", "GET /v1/messages/{id}"). */
const char *drv_endpoint(enum drv_kind k);

/* Plan request number index of the run with seed into r (initialised;
 * contents replaced). A read of a known id picks one of ids[0..nids) and
 * becomes a read of an unknown id when nids is 0. */
enum cut_err drv_mix_make(uint64_t seed, size_t index, char *const *ids, size_t nids,
                          struct drv_req *r);

#endif
