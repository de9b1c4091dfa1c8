/* send.h: the sender.  One thread, a fixed pool of slots (each keeps its
 * connection warm between requests), and a callback per finished request
 * with the response and timings filled in.  Two engines behind one API:
 * libcurl's multi interface (https, and --engine curl) and the native
 * HTTP/1.1 engine of h1send.c (plain http, several times cheaper per
 * request); sender_opts.engine picks one for the whole sender. */
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

struct h1conn;

struct send_slot {
    CURL *easy;          /* curl engine; NULL in the native one */
    struct h1conn *conn; /* native engine: the slot's own connection */
    int dest;            /* which target: 0 primary, 1 secondary */
    struct exchange x;   /* the request as sent; the response is filled in */
    int64_t due_us;      /* monotonic µs the request was due; < 0: no pacing */
    int64_t start_us;    /* monotonic µs it was handed to libcurl */
    enum send_errkind err;
    /* private */
    struct buf raw;     /* response body as received (maybe compressed) */
    struct buf hdrtext; /* "Name: value" strings for the header list */
    struct curl_slist *nodes;
    size_t nodes_cap;
    bool head_done; /* the final response head has been seen */
    struct send_slot *next_free;
};

enum send_engine {
    SEND_ENGINE_AUTO = 0, /* native when every destination is http://, else curl */
    SEND_ENGINE_NATIVE,
    SEND_ENGINE_CURL,
};

/* Each destination's idle slots, a free list per destination: both engines
 * keep theirs in one. Slots are owned by the engine, not the pool. */
struct slot_pool {
    struct send_slot *free_list[2];
    size_t nfree[2];
};

/* Put slot on its destination's list. Can't fail. */
void slot_pool_put(struct slot_pool *p, struct send_slot *slot);
/* Take an idle slot of dest; NULL when there is none. */
struct send_slot *slot_pool_take(struct slot_pool *p, int dest);

struct sender_opts {
    enum send_engine engine;
    const char *url[2]; /* destination base URLs (native engine: resolved once) */
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
/* Arm timerfd fd to expire wait_us (> 0) from now, to the microsecond;
 * false when timerfd_settime fails. Re-arming resets the expiry count, so
 * the timer is never read. */
bool sender_arm_timer(int fd, int64_t wait_us);
/* Transfers in flight. */
size_t sender_in_flight(const struct sender *s);
/* Which engine a sender runs (never SEND_ENGINE_AUTO). */
enum send_engine sender_engine(const struct sender *s);
/* The engine AUTO means for these URLs: native when all are http://. */
enum send_engine sender_pick_engine(enum send_engine want, const char *const *url, int n);

/* Shared by both engines (send.c). Clear slot's response and error for a
 * new request. Can't fail. */
void send_slot_reset(struct send_slot *slot);
/* Store the received body (slot->raw) as capture does: decoded when gzip
 * or deflate, with compression set; bodySize stays the encoded length.
 * max_body caps the decoded body. Can't fail (an undecodable body is kept
 * as it came). */
void send_settle_body(struct send_slot *slot, size_t max_body);
/* Turn slot into an error record of kind k: status 0, no headers or body,
 * _error set. Can't fail. */
void send_slot_fail(struct send_slot *slot, enum send_errkind k);

/* Monotonic clock in µs (shared by main.c's pacing). */
int64_t sender_now_us(void);
/* Wall clock in epoch µs. */
int64_t sender_wall_us(void);
/* The wall clock at mono_us (a sender_now_us reading just taken): mono_us
 * plus the wall clock's offset from the monotonic one, read again when a
 * second has passed. A request's startedDateTime costs no clock read of its
 * own (each is 30-40 ns here, beside some 11 µs a replayed request costs). */
int64_t sender_wall_at(int64_t mono_us);

#endif
