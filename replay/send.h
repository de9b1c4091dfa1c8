/* send.h: the libcurl multi sender.  One thread, one multi handle, a fixed
 * pool of slots (an easy handle each, reused so connections stay warm);
 * every transfer carries its slot in CURLOPT_PRIVATE, and each pass of
 * sender_run drains curl_multi_info_read and hands finished slots to the
 * caller's callback with the response and timings filled in. */
#ifndef CUTOVER_REPLAY_SEND_H
#define CUTOVER_REPLAY_SEND_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/buf.h"
#include "cutover/exchange.h"

/* Why no response came; SEND_OK when one did. */
enum send_errkind {
    SEND_OK = 0,
    SEND_REFUSED,
    SEND_TIMEOUT,
    SEND_RESET,
    SEND_TLS,
    SEND_DNS,
    SEND_CONNECT, /* other connect failures: unreachable, no route */
    SEND_PROTOCOL,
    SEND_TOO_LARGE,
    SEND_ABORTED,
    SEND_OTHER,
    SEND_ERR_COUNT
};

/* The _error text of a kind ("refused", "timeout", ...); "" for SEND_OK. */
const char *send_errkind_name(enum send_errkind k);
/* The kind a libcurl result maps to; os_errno is CURLINFO_OS_ERRNO. */
enum send_errkind send_classify(CURLcode rc, long os_errno);

struct send_slot {
    CURL *easy;
    int dest;          /* which target: 0 primary, 1 secondary */
    struct exchange x; /* the request as sent; the response is filled in */
    int64_t due_us;    /* monotonic µs the request was due; < 0: no pacing */
    int64_t start_us;  /* monotonic µs it was handed to libcurl */
    enum send_errkind err;
    /* private */
    struct buf raw;     /* response body as received (maybe compressed) */
    struct buf hdrtext; /* "Name: value" strings for the header list */
    struct curl_slist *nodes;
    size_t nodes_cap;
    bool head_done; /* the final response head has been seen */
    struct send_slot *next_free;
};

struct sender_opts {
    size_t concurrency; /* slots per destination */
    int ndest;          /* 1 or 2 */
    long timeout_ms;    /* whole transfer */
    long connect_timeout_ms;
    const char *cacert; /* NULL: system store */
    bool insecure;      /* no TLS verification */
    size_t max_body;    /* response body cap, 0: none */
};

/* Called for each finished transfer; the slot goes back to the pool after
 * the callback returns, so the callback must copy or swap out what it keeps. */
typedef void (*send_done_fn)(void *ctx, struct send_slot *slot);

struct sender;

#define SENDER_MAX_EXTRA 4

enum cut_err sender_new(struct sender **out, const struct sender_opts *o, send_done_fn done,
                        void *ctx);
/* Aborts what is still in flight without calling back. Accepts NULL. */
void sender_free(struct sender *s);
/* Number of free slots for dest. */
size_t sender_free_slots(const struct sender *s, int dest);
/* Take a free slot of dest (NULL when none); fill slot->x then sender_start. */
struct send_slot *sender_acquire(struct sender *s, int dest);
/* Hand the slot back unused. */
void sender_release(struct sender *s, struct send_slot *slot);
/* Start sending slot->x.req to slot->x.req.url. On failure the slot is
 * finished at once with err set (SEND_OTHER) and the callback is called. */
void sender_start(struct sender *s, struct send_slot *slot, int64_t now_us);
/* Drive transfers: perform, call back for each finished one, and when none
 * finished wait up to wait_us (0: don't block; to the microsecond, not
 * libcurl's millisecond) for the network or one of the extra fds (at most
 * SENDER_MAX_EXTRA; their revents are set), then perform and call back
 * again. Returns early when a transfer finished: a slot is free. */
enum cut_err sender_run(struct sender *s, int64_t wait_us, struct curl_waitfd *extra,
                        unsigned nextra);
/* The backstop timeout curl_multi_poll gets for a wait of wait_us: whole
 * milliseconds, rounded up so it never fires before the exact timer. */
int sender_poll_ms(int64_t wait_us);
/* Transfers in flight. */
size_t sender_in_flight(const struct sender *s);
/* Monotonic clock in µs (shared by main.c's pacing). */
int64_t sender_now_us(void);
/* Wall clock in epoch µs. */
int64_t sender_wall_us(void);

#endif
