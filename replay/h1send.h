/* h1send.h: the native HTTP/1.1 engine behind send.h for plain http://
 * destinations.  One thread, one epoll set, a fixed pool of slots each
 * owning one keep-alive connection to its destination (resolved once).
 * send.c dispatches to it; the functions mirror sender_* one for one, with
 * the same contract (see send.h). */
#ifndef CUTOVER_REPLAY_H1SEND_H
#define CUTOVER_REPLAY_H1SEND_H

#include "send.h"

struct h1send;

/* o->url[0..ndest) must be http:// URLs; a name that does not resolve is
 * not an error here: every request to it finishes with SEND_DNS. CUT_EINVAL
 * for a URL that is not http://host[:port][/path], CUT_ENOMEM, CUT_EIO when
 * epoll or the timer cannot be set up. */
enum cut_err h1send_new(struct h1send **out, const struct sender_opts *o, send_done_fn done,
                        void *ctx);
/* Closes every connection; what is in flight is dropped without callback.
 * Accepts NULL. */
void h1send_free(struct h1send *h);
size_t h1send_free_slots(const struct h1send *h, int dest);
struct send_slot *h1send_acquire(struct h1send *h, int dest);
void h1send_release(struct h1send *h, struct send_slot *slot);
void h1send_start(struct h1send *h, struct send_slot *slot, int64_t now_us);
enum cut_err h1send_run(struct h1send *h, int64_t wait_us, struct curl_waitfd *extra,
                        unsigned nextra);
size_t h1send_in_flight(const struct h1send *h);

#endif
