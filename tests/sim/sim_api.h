/* sim_api.h: the notification platform's API as the simulator answers it:
 * SMS, e-mail, push, batch, message status, templates and health, with the
 * validation a real platform does and the personality flags (flavor,
 * seeded regressions, latency).  The text rules live in sim_sms.h. */
#ifndef CUTOVER_SIM_API_H
#define CUTOVER_SIM_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim_http.h"
#include "sim_sms.h"

enum sim_flavor { SIM_FLAVOR_LEGACY, SIM_FLAVOR_NEW };

/* Seeded regressions, one bit each (see sim_regress_parse). */
enum {
    SIM_REGRESS_STATUS = 1u << 0,   /* invalid SMS recipient: 400 becomes 422 */
    SIM_REGRESS_SEGMENTS = 1u << 1, /* UCS-2 SMS counted with GSM-7 limits */
    SIM_REGRESS_DROP = 1u << 2,     /* e-mail answer loses "recipient" */
    SIM_REGRESS_ORDER = 1u << 3,    /* templates array reversed */
    SIM_REGRESS_LATENCY = 1u << 4,  /* +40 ms on POST /v1/push */
};

#define SIM_REGRESS_LATENCY_MS 40u

struct sim_api_opts {
    enum sim_flavor flavor;
    unsigned regress;
    unsigned latency_ms, jitter_ms;
    uint64_t seed;
};

/* Parse "status,segments,..." ("" or "none" for none) into SIM_REGRESS_*
 * bits. CUT_EINVAL with the bad name in err. */
enum cut_err sim_regress_parse(const char *list, unsigned *mask, char *err, size_t errlen);

struct sim_api;

/* Allocates the API state (issued message ids, random state); NULL on ENOMEM. */
struct sim_api *sim_api_new(const struct sim_api_opts *o);
void sim_api_free(struct sim_api *api);
/* The sim_http handler: answer req into resp (api is the ctx). */
void sim_api_handle(void *api, const struct sim_http_req *req, struct sim_http_resp *resp);

#endif
