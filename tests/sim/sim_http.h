/* sim_http.h: the simulator's tiny HTTP/1.1 server.  One thread, one poll()
 * loop, many connections; keep-alive and pipelining, Content-Length and
 * chunked request bodies, Expect: 100-continue, answers chunked above a
 * size and gzip-encoded when the client asks, Connection: close honoured,
 * and a per-answer delay that holds the answer without blocking the loop. */
#ifndef CUTOVER_SIM_HTTP_H
#define CUTOVER_SIM_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include "cutover/buf.h"
#include "cutover/err.h"
#include "cutover/exchange.h"

/* A request as the handler sees it; owned by the server. */
struct sim_http_req {
    char method[16];
    char *target; /* request-target, NUL-terminated */
    struct headers headers;
    struct buf body; /* chunking removed */
};

/* The handler fills this; the server adds Date, framing, Content-Encoding,
 * Vary and Connection. body is the whole entity (also for HEAD: the server
 * then sends only its length). */
struct sim_http_resp {
    int status;
    struct headers headers;
    struct buf body;
    unsigned delay_ms; /* hold the answer this long after the request arrived */
};

typedef void (*sim_http_handler_fn)(void *ctx, const struct sim_http_req *req,
                                    struct sim_http_resp *resp);

struct sim_http_opts {
    size_t chunk_above; /* bodies longer than this are sent chunked */
    size_t max_body;    /* larger request bodies get 413 and the connection closes */
    size_t max_conns;   /* further connections wait in the listen queue */
    sim_http_handler_fn handler;
    void *ctx;
};

/* Listen on bind:port (port 0 picks a free one); *fd and *port get the
 * socket and the bound port. CUT_ENET with errno set on failure. */
enum cut_err sim_http_listen(const char *bind_addr, int port, int *fd, int *bound_port);

/* Serve on listening socket fd until *stop becomes non-zero; then close
 * every connection (answers being written are dropped) and return. */
enum cut_err sim_http_serve(int fd, const struct sim_http_opts *o, volatile sig_atomic_t *stop);

/* Reason phrase for a status code ("OK", "Multi-Status", ...). */
const char *sim_http_reason(int status);

#endif
