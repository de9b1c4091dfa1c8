/* source.c: the libpcap packet source: files (pcap, pcapng, stdin) and
 * live interfaces, BPF filters, kernel drop counters.  Turns libpcap's
 * errbuf texts into one-line messages that name the file or interface.
 * Owns the pcap handle; never prints. */
#include "source.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SNAPLEN 262144
#define DEFAULT_TIMEOUT_MS 50

struct source {
    pcap_t *p;
    char *name;
    bool live;
    int fd;         /* live: selectable descriptor, polled by source_next */
    int timeout_ms; /* live: how long source_next waits for a packet */
};

void source_live_opts_default(struct source_live_opts *o)
{
    o->snaplen = DEFAULT_SNAPLEN;
    o->promisc = false;
    /* Above libpcap's 2 MiB default: bursts of large bodies on a busy host
     * need room while the capture is scheduled out. */
    o->buffer_bytes = 32 << 20;
    o->timeout_ms = DEFAULT_TIMEOUT_MS;
}

/* "NAME: why", without repeating NAME when libpcap already put it first. */
static void set_err(char *err, size_t errlen, const char *name, const char *why, const char *hint)
{
    if (!err || !errlen) return;
    size_t n = strlen(name);
    if (strncmp(why, name, n) == 0 && strncmp(why + n, ": ", 2) == 0) why += n + 2;
    snprintf(err, errlen, "%s: %s%s", name, why, hint ? hint : "");
}

static enum cut_err source_new(pcap_t *p, const char *name, bool live, struct source **out)
{
    struct source *s = calloc(1, sizeof *s);
    if (s) s->name = strdup(name);
    if (!s || !s->name) {
        free(s);
        pcap_close(p);
        return CUT_ENOMEM;
    }
    s->p = p;
    s->live = live;
    *out = s;
    return CUT_OK;
}

enum cut_err source_open_file(const char *path, struct source **out, char *err, size_t errlen)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, eb);
    if (!p) {
        set_err(err, errlen, name, eb[0] ? eb : "cannot open", NULL);
        return CUT_EIO;
    }
    enum cut_err e = source_new(p, name, false, out);
    if (e != CUT_OK) set_err(err, errlen, name, "out of memory", NULL);
    return e;
}

/* Map a failed pcap_activate to an error and message. */
static enum cut_err activate_error(pcap_t *p, int rc, const char *iface, char *err, size_t errlen)
{
    const char *why = rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc);
    const char *hint = NULL;
    enum cut_err e = CUT_EIO;
    if (rc == PCAP_ERROR_PERM_DENIED || strstr(why, "ermission denied") ||
        strstr(why, "Operation not permitted"))
        hint = " (needs root or CAP_NET_RAW)";
    else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
        e = CUT_ENOTFOUND;
    if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_NO_SUCH_DEVICE) {
        /* pcap_geterr may hold the detail; the status text always reads well */
        const char *detail = pcap_geterr(p);
        why = detail && detail[0] ? detail : pcap_statustostr(rc);
    }
    set_err(err, errlen, iface, why, hint);
    return e;
}

enum cut_err source_open_live(const char *iface, const struct source_live_opts *o,
                              struct source **out, char *err, size_t errlen)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    struct source_live_opts def;
    if (!o) {
        source_live_opts_default(&def);
        o = &def;
    }
    pcap_t *p = pcap_create(iface, eb);
    if (!p) {
        set_err(err, errlen, iface, eb[0] ? eb : "cannot open", NULL);
        return CUT_EIO;
    }
    pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen : DEFAULT_SNAPLEN);
    pcap_set_promisc(p, o->promisc ? 1 : 0);
    /* No immediate mode: on Linux it selects TPACKET_V2, one MTU-sized frame
     * per packet (64 KiB on lo), so even 32 MiB holds ~500 packets and a
     * burst overflows it. TPACKET_V3 packs packets by their real size; the
     * timeout bounds how long a quiet link holds a partly filled block. */
    pcap_set_timeout(p, o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
    if (o->buffer_bytes > 0) pcap_set_buffer_size(p, o->buffer_bytes);
    int rc = pcap_activate(p);
    if (rc < 0) {
        enum cut_err e = activate_error(p, rc, iface, err, errlen);
        pcap_close(p);
        return e;
    }
    /* Non-blocking, and source_next polls: with TPACKET_V3 libpcap itself
     * would wait with no timeout on an idle link, and the capture's clocks
     * (--duration, --rotate-seconds, stats, a stop) would stall. */
    if (pcap_setnonblock(p, 1, eb) < 0 || pcap_get_selectable_fd(p) < 0) {
        set_err(err, errlen, iface, eb[0] ? eb : "cannot poll the device", NULL);
        pcap_close(p);
        return CUT_EIO;
    }
    enum cut_err e = source_new(p, iface, true, out);
    if (e != CUT_OK) set_err(err, errlen, iface, "out of memory", NULL);
    if (e == CUT_OK) {
        (*out)->fd = pcap_get_selectable_fd(p);
        (*out)->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    }
    return e;
}

enum cut_err source_set_filter(struct source *s, const char *expr, char *err, size_t errlen)
{
    struct bpf_program prog;
    bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
    char eb[PCAP_ERRBUF_SIZE];
    if (s->live && pcap_lookupnet(s->name, &net, &mask, eb) < 0) mask = PCAP_NETMASK_UNKNOWN;
    if (pcap_compile(s->p, &prog, expr, 1, mask) < 0) {
        char why[PCAP_ERRBUF_SIZE + 64];
        snprintf(why, sizeof why, "bad filter '%s': %s", expr, pcap_geterr(s->p));
        set_err(err, errlen, s->name, why, NULL);
        return CUT_EINVAL;
    }
    int rc = pcap_setfilter(s->p, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
        set_err(err, errlen, s->name, pcap_geterr(s->p), NULL);
        return CUT_EIO;
    }
    return CUT_OK;
}

enum cut_err source_next(struct source *s, struct source_packet *pkt, char *err, size_t errlen)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(s->p, &h, &data);
    if (rc == 0 && s->live) {
        struct pollfd pfd = {s->fd, POLLIN, 0};
        if (poll(&pfd, 1, s->timeout_ms) > 0) rc = pcap_next_ex(s->p, &h, &data);
    }
    if (rc == 1) {
        pkt->ts_us = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
        pkt->data = data;
        pkt->caplen = h->caplen;
        pkt->wire_len = h->len;
        return CUT_OK;
    }
    if (rc == 0) return CUT_EAGAIN;
    if (rc == PCAP_ERROR_BREAK) return CUT_EOF;
    set_err(err, errlen, s->name, pcap_geterr(s->p), NULL);
    /* A damaged file is bad input; a failing device is a runtime fault. */
    return s->live ? CUT_EIO : CUT_EPARSE;
}

enum cut_err source_loop(struct source *s, bool (*cb)(void *ctx, const struct source_packet *pkt),
                         void *ctx, char *err, size_t errlen)
{
    struct source_packet pkt;
    for (;;) {
        enum cut_err e = source_next(s, &pkt, err, errlen);
        if (e == CUT_EAGAIN) continue;
        if (e != CUT_OK) return e;
        if (!cb(ctx, &pkt)) return CUT_EOF;
    }
}

void source_breakloop(struct source *s)
{
    if (s) pcap_breakloop(s->p);
}

int source_linktype(const struct source *s)
{
    return pcap_datalink(s->p);
}

const char *source_name(const struct source *s)
{
    return s->name;
}

bool source_is_live(const struct source *s)
{
    return s->live;
}

enum cut_err source_stats(struct source *s, uint64_t *received, uint64_t *dropped,
                          uint64_t *if_dropped)
{
    struct pcap_stat ps;
    if (!s->live) return CUT_EUNSUPP;
    if (pcap_stats(s->p, &ps) < 0) return CUT_EIO;
    *received = ps.ps_recv;
    *dropped = ps.ps_drop;
    *if_dropped = ps.ps_ifdrop;
    return CUT_OK;
}

void source_free(struct source *s)
{
    if (!s) return;
    pcap_close(s->p);
    free(s->name);
    free(s);
}
