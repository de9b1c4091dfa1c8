/* source.h: where packets come from: a pcap or pcapng file (or stdin), or
 * a live interface, through libpcap, with an optional BPF filter.  Errors
 * come back as enum cut_err with a message that names the file or
 * interface and the reason. */
#ifndef CUTOVER_CAPTURE_SOURCE_H
#define CUTOVER_CAPTURE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/err.h"

struct source;

/* One packet; data points into libpcap's buffer and is valid until the
 * next call on the source. */
struct source_packet {
    int64_t ts_us; /* epoch microseconds */
    const uint8_t *data;
    size_t caplen, wire_len;
};

struct source_live_opts {
    int snaplen;      /* bytes kept per packet; 0: 262144 */
    bool promisc;     /* off by default: only traffic for this host */
    int buffer_bytes; /* kernel buffer (default 32 MiB); 0: libpcap's default */
    int timeout_ms;   /* how long next() may wait; 0: 50 ms */
};

/* Defaults for live capture. Can't fail. */
void source_live_opts_default(struct source_live_opts *o);

/* Open a pcap or pcapng file ("-" for stdin). On failure err holds a
 * message naming path and why. The caller frees *out with source_free. */
enum cut_err source_open_file(const char *path, struct source **out, char *err, size_t errlen);
/* Open a live interface (buffered: packets arrive in blocks, at most
 * timeout_ms late). CUT_EIO for faults (with the
 * hint "needs root or CAP_NET_RAW" on a permission failure), CUT_ENOTFOUND
 * for no such device. */
enum cut_err source_open_live(const char *iface, const struct source_live_opts *o,
                              struct source **out, char *err, size_t errlen);
/* Compile and set a BPF filter; CUT_EINVAL with libpcap's reason when the
 * expression is bad. */
enum cut_err source_set_filter(struct source *s, const char *expr, char *err, size_t errlen);

/* The next packet: CUT_OK with *pkt filled, CUT_EAGAIN when a live source
 * had nothing within its timeout, CUT_EOF at the end of a file or after
 * source_breakloop, CUT_EIO (message in err) on a read fault. */
enum cut_err source_next(struct source *s, struct source_packet *pkt, char *err, size_t errlen);
/* Call cb for each packet until the end, an error, or a break (cb
 * returning false, or source_breakloop). Returns as source_next does,
 * CUT_EOF at a clean end. */
enum cut_err source_loop(struct source *s, bool (*cb)(void *ctx, const struct source_packet *pkt),
                         void *ctx, char *err, size_t errlen);
/* Make a pending or future next()/loop() return CUT_EOF; safe from a
 * signal handler. */
void source_breakloop(struct source *s);

int source_linktype(const struct source *s);
const char *source_name(const struct source *s);
bool source_is_live(const struct source *s);
/* Kernel counters of a live source: packets received and dropped (by the
 * kernel buffer and by the interface). CUT_EUNSUPP for files. */
enum cut_err source_stats(struct source *s, uint64_t *received, uint64_t *dropped,
                          uint64_t *if_dropped);
/* Accepts NULL. */
void source_free(struct source *s);

#endif
