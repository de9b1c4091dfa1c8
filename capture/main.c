/* main.c: cutover-capture's options and wiring: packet source (source.c)
 * -> packet half (packet.c: link, IP, flows, TCP reassembly) -> HTTP half
 * (assemble.c) -> redaction (redact.c) -> writer (writer.c).  Prints the
 * statistics at the end (and every --stats-interval) and turns errors into
 * one line and an exit status: 2 for usage and input, 3 for runtime. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "assemble.h"
#include "cutover/args.h"
#include "cutover/log.h"
#include "cutover/outfile.h"
#include "packet.h"
#include "redact.h"
#include "source.h"
#include "writer.h"

#ifndef CUTOVER_VERSION
#define CUTOVER_VERSION "0.1.0"
#endif

struct opts {
    const char *iface, *filter, *out, *har, *key_file, *stats_json;
    const char **files, **redact_headers, **redact_json;
    int nfiles, nheaders, njson;
    uint64_t max_body, max_flow_bytes, rotate_size, max_buffer, count, max_flows;
    double rotate_s, duration_s, stats_interval_s, flow_timeout_s;
    long snaplen;
    long buffer_bytes;
    bool quiet, promisc;
};

struct capture {
    struct opts o;
    struct redactor *red;
    struct writer *w;
    struct assembler *as;
    struct packet_pipeline *pp;
    struct source *src;
    char runid[9];
    uint64_t written, packets_read;
    uint64_t kernel_recv, kernel_drop, if_drop;
    int64_t first_ts, last_ts, start_mono;
    int64_t next_stats;
    bool stop;
    int status;      /* exit status so far */
    char where[512]; /* name of the file being read, for messages */
};

static volatile sig_atomic_t stop_signal;
static struct source *volatile current_source;

static void on_signal(int sig)
{
    stop_signal = sig;
    source_breakloop(current_source);
}

static int64_t clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- options ---- */

enum {
    OPT_HAR = 256,
    OPT_REDACT_HEADER,
    OPT_REDACT_JSON,
    OPT_REDACT_KEY_FILE,
    OPT_MAX_BODY,
    OPT_MAX_FLOW_BYTES,
    OPT_MAX_FLOWS,
    OPT_MAX_BUFFER,
    OPT_FLOW_TIMEOUT,
    OPT_ROTATE_SIZE,
    OPT_ROTATE_SECONDS,
    OPT_DURATION,
    OPT_STATS_INTERVAL,
    OPT_STATS_JSON,
    OPT_SNAPLEN,
    OPT_BUFFER_SIZE,
    OPT_PROMISC,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"interface", required_argument, NULL, 'i'},
    {"read", required_argument, NULL, 'r'},
    {"filter", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"count", required_argument, NULL, 'c'},
    {"quiet", no_argument, NULL, 'q'},
    {"har", required_argument, NULL, OPT_HAR},
    {"redact-header", required_argument, NULL, OPT_REDACT_HEADER},
    {"redact-json", required_argument, NULL, OPT_REDACT_JSON},
    {"redact-key-file", required_argument, NULL, OPT_REDACT_KEY_FILE},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"max-flow-bytes", required_argument, NULL, OPT_MAX_FLOW_BYTES},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"max-buffer", required_argument, NULL, OPT_MAX_BUFFER},
    {"flow-timeout", required_argument, NULL, OPT_FLOW_TIMEOUT},
    {"rotate-size", required_argument, NULL, OPT_ROTATE_SIZE},
    {"rotate-seconds", required_argument, NULL, OPT_ROTATE_SECONDS},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"stats-json", required_argument, NULL, OPT_STATS_JSON},
    {"snaplen", required_argument, NULL, OPT_SNAPLEN},
    {"buffer-size", required_argument, NULL, OPT_BUFFER_SIZE},
    {"promisc", no_argument, NULL, OPT_PROMISC},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char usage_text[] =
    "usage: cutover-capture (-i IFACE | -r FILE...) [options]\n"
    "Record HTTP/1 exchanges from packets as JSON Lines of HAR entries.\n"
    "\n"
    "input:\n"
    "  -i, --interface IFACE    capture live from IFACE (needs root or CAP_NET_RAW)\n"
    "  -r, --read FILE          read a pcap or pcapng file; repeatable; - is stdin\n"
    "  -f, --filter EXPR        BPF filter, e.g. 'tcp port 8080'\n"
    "      --snaplen BYTES      bytes kept per live packet (default 262144)\n"
    "      --buffer-size BYTES  kernel capture buffer (default 32M; raise it if kernel_drops > 0)\n"
    "      --promisc            put the interface in promiscuous mode\n"
    "output:\n"
    "  -o, --output FILE        JSON Lines output (default: stdout; - is stdout)\n"
    "      --har FILE           write one HAR document instead\n"
    "      --rotate-size BYTES  start a new file past BYTES (OUT-0001.jsonl, ...)\n"
    "      --rotate-seconds S   start a new file every S seconds\n"
    "redaction (Authorization, Proxy-Authorization, Cookie, Set-Cookie and\n"
    "X-Api-Key are always redacted):\n"
    "      --redact-header NAME also redact header NAME; repeatable\n"
    "      --redact-json PATH   redact JSON body values at PATH ($.a.b, $..id,\n"
    "                           $.list[*].x) or header:NAME; repeatable\n"
    "      --redact-key-file F  HMAC key for the tokens (default: random per run)\n"
    "limits:\n"
    "      --max-body BYTES     body bytes kept per message (default 1M)\n"
    "      --max-flow-bytes B   bytes one connection may hold unanswered (default 16M)\n"
    "      --max-flows N        connections tracked at once (default 262144)\n"
    "      --max-buffer BYTES   out-of-order bytes held over all flows (default 256M)\n"
    "      --flow-timeout S     idle seconds before a flow expires (default 120)\n"
    "stopping and statistics:\n"
    "  -c, --count N            stop after N exchanges\n"
    "      --duration S         stop after S seconds (of packet time for files)\n"
    "      --stats-interval S   print statistics every S seconds\n"
    "      --stats-json FILE    write the final statistics as JSON to FILE\n"
    "  -q, --quiet              no warnings, no statistics on stderr\n"
    "      --help, --version\n"
    "\n"
    "BYTES take a k, M or G suffix (powers of 1024). Exit status: 0 done,\n"
    "2 bad usage or input, 3 runtime fault (device, disk).\n";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_error("%s (see --help)", msg);
    exit(2);
}

/* "10", "64k", "16M", "1G" (args_size). */
static uint64_t parse_size(const char *opt, const char *s)
{
    uint64_t v;
    if (args_size(s, &v)) usage_error("bad size for %s", opt);
    return v;
}

static double parse_seconds(const char *opt, const char *s)
{
    double v;
    if (args_double(s, 0, 1e9, &v) || v == 0) usage_error("bad seconds for %s", opt);
    return v;
}

static void push(const char ***v, int *n, const char *s)
{
    const char **nv = realloc(*v, (size_t)(*n + 1) * sizeof *nv);
    if (!nv) {
        log_error("out of memory");
        exit(3);
    }
    nv[(*n)++] = s;
    *v = nv;
}

static void parse_opt(struct opts *o, int c, const char *arg)
{
    switch (c) {
    case 'i':
        o->iface = arg;
        break;
    case 'r':
        push(&o->files, &o->nfiles, arg);
        break;
    case 'f':
        o->filter = arg;
        break;
    case 'o':
        o->out = arg;
        break;
    case 'c':
        o->count = parse_size("-c", arg);
        break;
    case 'q':
        o->quiet = true;
        break;
    case OPT_HAR:
        o->har = arg;
        break;
    case OPT_REDACT_HEADER:
        push(&o->redact_headers, &o->nheaders, arg);
        break;
    case OPT_REDACT_JSON:
        push(&o->redact_json, &o->njson, arg);
        break;
    case OPT_REDACT_KEY_FILE:
        o->key_file = arg;
        break;
    case OPT_MAX_BODY:
        o->max_body = parse_size("--max-body", arg);
        break;
    case OPT_MAX_FLOW_BYTES:
        o->max_flow_bytes = parse_size("--max-flow-bytes", arg);
        break;
    case OPT_MAX_FLOWS:
        o->max_flows = parse_size("--max-flows", arg);
        break;
    case OPT_MAX_BUFFER:
        o->max_buffer = parse_size("--max-buffer", arg);
        break;
    case OPT_FLOW_TIMEOUT:
        o->flow_timeout_s = parse_seconds("--flow-timeout", arg);
        break;
    case OPT_ROTATE_SIZE:
        o->rotate_size = parse_size("--rotate-size", arg);
        break;
    case OPT_ROTATE_SECONDS:
        o->rotate_s = parse_seconds("--rotate-seconds", arg);
        break;
    case OPT_DURATION:
        o->duration_s = parse_seconds("--duration", arg);
        break;
    case OPT_STATS_INTERVAL:
        o->stats_interval_s = parse_seconds("--stats-interval", arg);
        break;
    case OPT_STATS_JSON:
        o->stats_json = arg;
        break;
    case OPT_SNAPLEN: {
        uint64_t v = parse_size("--snaplen", arg);
        if (v < 64 || v > 262144) usage_error("--snaplen must be 64..262144, not %s", arg);
        o->snaplen = (long)v;
        break;
    }
    case OPT_BUFFER_SIZE: {
        uint64_t v = parse_size("--buffer-size", arg);
        if (v < 65536 || v > ((uint64_t)1 << 30))
            usage_error("--buffer-size must be 64K..1G, not %s", arg);
        o->buffer_bytes = (long)v;
        break;
    }
    case OPT_PROMISC:
        o->promisc = true;
        break;
    case OPT_HELP:
        fputs(usage_text, stdout);
        exit(0);
    case OPT_VERSION:
        printf("cutover-capture %s\n", CUTOVER_VERSION);
        exit(0);
    default:
        usage_error("%s", "unknown option");
    }
}

static void parse_args(struct opts *o, int argc, char **argv)
{
    int c;
    opterr = 0; /* one line of our own instead of getopt's */
    while ((c = getopt_long(argc, argv, ":i:r:f:o:c:q", long_opts, NULL)) != -1) {
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            char shortopt[3] = {'-', (char)optopt, '\0'};
            if (optopt && optopt < 256) bad = shortopt;
            usage_error("%s '%s'", c == ':' ? "missing argument to" : "unknown option", bad);
        }
        parse_opt(o, c, optarg);
    }
    if (optind < argc) usage_error("unexpected argument '%s'", argv[optind]);
    if (!o->iface && !o->nfiles) usage_error("%s", "give -i IFACE or -r FILE");
    if (o->iface && o->nfiles) usage_error("%s", "-i and -r cannot be combined");
    if (o->out && o->har) usage_error("%s", "-o and --har cannot be combined");
    if (o->max_body == 0) o->max_body = ASSEMBLE_DEFAULT_MAX_BODY;
}

/* ---- statistics ---- */

static uint64_t sum_lost(const uint64_t *v)
{
    uint64_t n = 0;
    for (int i = 0; i < ASM_LOSS_COUNT; i++) n += v[i];
    return n;
}

static void lost_line(char *out, size_t len, const uint64_t *v)
{
    size_t k = 0;
    for (int i = 0; i < ASM_LOSS_COUNT && k < len; i++) {
        int n = snprintf(out + k, len - k, "%s%s=%llu", i ? " " : "",
                         assemble_loss_name((enum assemble_loss)i), (unsigned long long)v[i]);
        if (n < 0) break;
        k += (size_t)n;
    }
}

static void refresh_kernel_stats(struct capture *C)
{
    uint64_t r, d, i;
    if (C->src && source_stats(C->src, &r, &d, &i) == CUT_OK) {
        C->kernel_recv = r;
        C->kernel_drop = d;
        C->if_drop = i;
    }
}

/* The packet layer's counters that say what it could not follow or shed,
 * so that a capture can be reconciled with the traffic (a SYN flood at
 * --max-flows shows up here, not as lost requests). */
static const struct {
    const char *name;
    size_t off;
} packet_counters[] = {
    {"truncated", offsetof(struct packet_stats, truncated)},
    {"invalid", offsetof(struct packet_stats, invalid)},
    {"unsupported_link", offsetof(struct packet_stats, unsupported_link)},
    {"non_ip", offsetof(struct packet_stats, non_ip)},
    {"non_tcp", offsetof(struct packet_stats, non_tcp)},
    {"frag_dropped", offsetof(struct packet_stats, frag_dropped)},
    {"flows_expired", offsetof(struct packet_stats, flows_expired)},
    {"flows_evicted", offsetof(struct packet_stats, flows_evicted)},
    {"flows_dropped", offsetof(struct packet_stats, flows_dropped)},
    {"buffer_shed", offsetof(struct packet_stats, buffer_shed)},
    {"gap_bytes", offsetof(struct packet_stats, gap_bytes)},
};

static uint64_t packet_counter(const struct packet_stats *ps, size_t i)
{
    uint64_t v;
    memcpy(&v, (const char *)ps + packet_counters[i].off, sizeof v);
    return v;
}

/* The counters as "name=value …", or as JSON members. */
static void packet_line(FILE *f, const struct packet_stats *ps, bool json)
{
    for (size_t i = 0; i < sizeof packet_counters / sizeof packet_counters[0]; i++)
        fprintf(f, json ? "%s\"%s\":%llu" : "%s%s=%llu", i ? (json ? "," : " ") : "",
                packet_counters[i].name, (unsigned long long)packet_counter(ps, i));
}

static void print_stats(struct capture *C, const char *when)
{
    if (C->o.quiet) return;
    refresh_kernel_stats(C);
    const struct packet_stats *ps = packet_pipeline_stats(C->pp);
    const struct assemble_stats *as = assemble_stats(C->as);
    const struct redact_stats *rs = redact_stats(C->red);
    fprintf(stderr,
            "%s: %s: packets=%llu bytes=%llu kernel_drops=%llu if_drops=%llu flows=%llu "
            "exchanges=%llu written=%llu requests=%llu responses=%llu interim=%llu "
            "unpaired_requests=%llu unpaired_responses=%llu skipped_replay=%llu "
            "parse_errors=%llu gaps=%llu truncated_bodies=%llu decode_errors=%llu "
            "redacted_headers=%llu redacted_json=%llu\n",
            log_prog(), when, (unsigned long long)ps->packets, (unsigned long long)ps->bytes,
            (unsigned long long)C->kernel_drop, (unsigned long long)C->if_drop,
            (unsigned long long)ps->flows, (unsigned long long)as->exchanges,
            (unsigned long long)C->written, (unsigned long long)as->requests,
            (unsigned long long)as->responses, (unsigned long long)as->interim,
            (unsigned long long)as->lost_requests[ASM_LOSS_UNPAIRED],
            (unsigned long long)as->lost_responses[ASM_LOSS_UNPAIRED],
            (unsigned long long)as->skipped_requests, (unsigned long long)as->parse_errors,
            (unsigned long long)ps->gaps, (unsigned long long)as->bodies_truncated,
            (unsigned long long)as->decode_errors, (unsigned long long)rs->headers,
            (unsigned long long)rs->json_values);
    char l[512];
    lost_line(l, sizeof l, as->lost_requests);
    fprintf(stderr, "%s: %s: lost requests: %s\n", log_prog(), when, l);
    lost_line(l, sizeof l, as->lost_responses);
    fprintf(stderr, "%s: %s: lost responses: %s\n", log_prog(), when, l);
    fprintf(stderr, "%s: %s: packet layer: ", log_prog(), when);
    packet_line(stderr, ps, false);
    fputc('\n', stderr);
}

static void json_counts(FILE *f, const char *key, const uint64_t *v)
{
    fprintf(f, ",\"%s\":{", key);
    for (int i = 0; i < ASM_LOSS_COUNT; i++)
        fprintf(f, "%s\"%s\":%llu", i ? "," : "", assemble_loss_name((enum assemble_loss)i),
                (unsigned long long)v[i]);
    fputc('}', f);
}

/* The final statistics as one JSON object (for scripts and tests). */
static void write_stats_json(struct capture *C)
{
    struct outfile of;
    if (outfile_open(&of, C->o.stats_json, false) != CUT_OK) {
        log_error("%s: cannot create: %s", C->o.stats_json, strerror(of.err_no));
        outfile_close(&of, false);
        C->status = C->status ? C->status : 3;
        return;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        outfile_close(&of, false);
        return;
    }
    const struct packet_stats *ps = packet_pipeline_stats(C->pp);
    const struct assemble_stats *as = assemble_stats(C->as);
    fprintf(f,
            "{\"packets\":%llu,\"bytes\":%llu,\"kernel_drops\":%llu,\"if_drops\":%llu,"
            "\"flows\":%llu,\"gaps\":%llu,\"connections\":%llu,\"requests\":%llu,"
            "\"responses\":%llu,\"interim\":%llu,\"exchanges\":%llu,\"written\":%llu,"
            "\"skipped_requests\":%llu,\"skipped_responses\":%llu,\"parse_errors\":%llu,"
            "\"tunnels\":%llu,\"role_swaps\":%llu,\"truncated_bodies\":%llu,"
            "\"decoded_bodies\":%llu,\"decode_errors\":%llu,\"lost_requests_total\":%llu,"
            "\"lost_responses_total\":%llu",
            (unsigned long long)ps->packets, (unsigned long long)ps->bytes,
            (unsigned long long)C->kernel_drop, (unsigned long long)C->if_drop,
            (unsigned long long)ps->flows, (unsigned long long)ps->gaps,
            (unsigned long long)as->connections, (unsigned long long)as->requests,
            (unsigned long long)as->responses, (unsigned long long)as->interim,
            (unsigned long long)as->exchanges, (unsigned long long)C->written,
            (unsigned long long)as->skipped_requests, (unsigned long long)as->skipped_responses,
            (unsigned long long)as->parse_errors, (unsigned long long)as->tunnels,
            (unsigned long long)as->role_swaps, (unsigned long long)as->bodies_truncated,
            (unsigned long long)as->decoded_bodies, (unsigned long long)as->decode_errors,
            (unsigned long long)sum_lost(as->lost_requests),
            (unsigned long long)sum_lost(as->lost_responses));
    json_counts(f, "lost_requests", as->lost_requests);
    json_counts(f, "lost_responses", as->lost_responses);
    fputs(",\"packet_layer\":{", f);
    packet_line(f, ps, true);
    fputs("}}\n", f);
    fclose(f);
    if (outfile_put(&of, text, len) != CUT_OK || outfile_close(&of, false) != CUT_OK) {
        log_error("%s: write: %s", C->o.stats_json, strerror(of.err_no ? of.err_no : EIO));
        C->status = C->status ? C->status : 3;
    }
    free(text);
}

/* ---- the pipeline ---- */

static enum cut_err on_exchange(void *ctx, struct exchange *x)
{
    struct capture *C = ctx;
    if (C->o.count && C->written >= C->o.count) return CUT_OK;
    enum cut_err e = redact_exchange(C->red, x);
    if (!e) e = writer_put(C->w, x, clock_us(CLOCK_MONOTONIC));
    if (e) return e;
    if (++C->written == C->o.count) {
        C->stop = true;
        source_breakloop(C->src);
    }
    return CUT_OK;
}

static void fatal_writer(struct capture *C, enum cut_err e)
{
    const char *why = writer_error(C->w);
    if (why[0])
        log_error("%s", why);
    else
        log_error("output: %s", cutover_strerror(e));
    C->status = 3;
    C->stop = true;
}

/* Things done on a clock rather than per packet. */
static void periodic(struct capture *C)
{
    int64_t mono = clock_us(CLOCK_MONOTONIC);
    enum cut_err e = writer_tick(C->w, mono);
    if (e) fatal_writer(C, e);
    if (C->o.stats_interval_s > 0 && mono >= C->next_stats) {
        print_stats(C, "stats");
        C->next_stats = mono + (int64_t)(C->o.stats_interval_s * 1e6);
    }
    if (C->o.duration_s > 0 && source_is_live(C->src) &&
        mono - C->start_mono >= (int64_t)(C->o.duration_s * 1e6))
        C->stop = true;
}

/* A live interface hands packets over a kernel block at a time, so a stop
 * (signal, -c, --duration) first drains what the kernel still holds: up to
 * one block timeout and a little more. Otherwise the exchanges just before
 * Ctrl-C would be lost. A fault stops at once. */
#define DRAIN_US 200000

static bool keep_reading(struct capture *C, bool live, int64_t *drain_until)
{
    if (!stop_signal && !C->stop) return true;
    if (!live || C->status) return false;
    int64_t now = clock_us(CLOCK_MONOTONIC);
    if (!*drain_until) *drain_until = now + DRAIN_US;
    return now < *drain_until;
}

static void read_source(struct capture *C)
{
    struct source *s = C->src;
    int linktype = source_linktype(s);
    bool live = source_is_live(s);
    char err[1024];
    uint64_t n = 0;
    int64_t drain_until = 0;
    while (keep_reading(C, live, &drain_until)) {
        struct source_packet pkt;
        enum cut_err e = source_next(s, &pkt, err, sizeof err);
        if (e == CUT_EAGAIN) {
            packet_pipeline_expire(C->pp, clock_us(CLOCK_REALTIME));
            periodic(C);
            continue;
        }
        /* breakloop's wake-up: the drain starts on the next keep_reading */
        if (e == CUT_EOF && live && (stop_signal || C->stop)) continue;
        if (e == CUT_EOF) break;
        if (e) {
            log_error("%s (after packet %llu)", err, (unsigned long long)n);
            C->status = C->status ? C->status : cutover_exit_status(e);
            break;
        }
        n++;
        C->packets_read++;
        if (!C->first_ts) C->first_ts = pkt.ts_us;
        C->last_ts = pkt.ts_us;
        if (!live && C->o.duration_s > 0 &&
            pkt.ts_us - C->first_ts >= (int64_t)(C->o.duration_s * 1e6)) {
            C->stop = true;
            break;
        }
        e = packet_pipeline_feed(C->pp, linktype, pkt.ts_us, pkt.data, pkt.caplen, pkt.wire_len);
        if (e) {
            log_error("%s: packet %llu: %s", source_name(s), (unsigned long long)n,
                      cutover_strerror(e));
            C->status = 3;
            C->stop = true;
        }
        if (assemble_error(C->as)) {
            fatal_writer(C, assemble_error(C->as));
            break;
        }
        if (live || (n & 1023) == 0) periodic(C);
    }
    refresh_kernel_stats(C);
}

static enum cut_err open_source(struct capture *C, const char *name)
{
    char err[1024];
    enum cut_err e;
    if (C->o.iface) {
        struct source_live_opts lo;
        source_live_opts_default(&lo);
        if (C->o.snaplen) lo.snaplen = (int)C->o.snaplen;
        if (C->o.buffer_bytes) lo.buffer_bytes = (int)C->o.buffer_bytes;
        lo.promisc = C->o.promisc;
        e = source_open_live(name, &lo, &C->src, err, sizeof err);
    } else {
        e = source_open_file(name, &C->src, err, sizeof err);
    }
    if (e) {
        log_error("%s", err);
        C->status = C->o.iface ? (e == CUT_ENOTFOUND ? 2 : 3) : 2;
        return e;
    }
    if (C->o.filter && (e = source_set_filter(C->src, C->o.filter, err, sizeof err)) != CUT_OK) {
        log_error("%s", err);
        C->status = e == CUT_EINVAL ? 2 : 3;
        return e;
    }
    if (!packet_linktype_supported(source_linktype(C->src))) {
        log_error("%s: unsupported link type %d", source_name(C->src), source_linktype(C->src));
        C->status = 2;
        return CUT_EUNSUPP;
    }
    current_source = C->src;
    return CUT_OK;
}

static void close_source(struct capture *C)
{
    current_source = NULL;
    source_free(C->src);
    C->src = NULL;
}

static void run(struct capture *C)
{
    int n = C->o.iface ? 1 : C->o.nfiles;
    for (int i = 0; i < n && !stop_signal && !C->stop; i++) {
        const char *name = C->o.iface ? C->o.iface : C->o.files[i];
        if (open_source(C, name) == CUT_OK) {
            if (C->o.iface && !C->o.quiet)
                log_info("listening on %s%s%s", name, C->o.filter ? ", filter " : "",
                         C->o.filter ? C->o.filter : "");
            read_source(C);
        }
        /* Keep the counters of a live source for the final statistics. */
        if (C->src && !source_is_live(C->src)) close_source(C);
        if (C->status && C->o.iface) break;
    }
    int64_t end = C->o.iface ? clock_us(CLOCK_REALTIME) : C->last_ts;
    packet_pipeline_finish(C->pp, end);
    if (assemble_error(C->as) && C->status != 3) fatal_writer(C, assemble_error(C->as));
}

/* ---- setup ---- */

static void setup_redaction(struct capture *C)
{
    char err[1024];
    if (redact_new(&C->red) != CUT_OK) {
        log_error("cannot make a redaction key: %s", strerror(errno));
        exit(3);
    }
    if (C->o.key_file && redact_key_file(C->red, C->o.key_file, err, sizeof err) != CUT_OK) {
        log_error("--redact-key-file: %s", err);
        exit(2);
    }
    for (int i = 0; i < C->o.nheaders; i++) {
        if (redact_add_header(C->red, C->o.redact_headers[i]) != CUT_OK) exit(3);
    }
    for (int i = 0; i < C->o.njson; i++) {
        if (redact_add_json(C->red, C->o.redact_json[i], err, sizeof err) != CUT_OK) {
            log_error("--redact-json %s: %s", C->o.redact_json[i], err);
            exit(2);
        }
    }
}

static void make_runid(char out[9])
{
    uint8_t r[4] = {0};
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        /* Uniqueness across runs matters, secrecy does not. */
        uint64_t t = (uint64_t)clock_us(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 20);
        memcpy(r, &t, sizeof r);
    }
    snprintf(out, 9, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

static void setup_pipeline(struct capture *C)
{
    char err[1024];
    struct writer_config wc = {
        .path = C->o.har ? C->o.har : C->o.out,
        .har = C->o.har != NULL,
        .rotate_size = C->o.rotate_size,
        .rotate_us = (int64_t)(C->o.rotate_s * 1e6),
        /* Live captures stream record by record (pipes, tail -f); files batch. */
        .flush_at = C->o.iface ? 0 : (size_t)64 << 10,
        .version = CUTOVER_VERSION,
    };
    enum cut_err e = writer_open(&wc, clock_us(CLOCK_MONOTONIC), &C->w, err, sizeof err);
    if (e) {
        log_error("%s", err);
        exit(e == CUT_EINVAL ? 2 : 3);
    }
    struct assemble_config ac = {
        .runid = C->runid,
        .max_body = C->o.max_body,
        .max_flow_bytes = C->o.max_flow_bytes,
    };
    if (assemble_new(&ac, on_exchange, C, &C->as) != CUT_OK) exit(3);
    struct stream_hooks hooks;
    assemble_hooks(C->as, &hooks);
    struct packet_limits lim;
    packet_limits_default(&lim);
    if (C->o.max_flows) lim.max_flows = C->o.max_flows;
    if (C->o.max_buffer) lim.max_total_buffer = C->o.max_buffer;
    if (C->o.flow_timeout_s > 0) lim.flow_timeout_us = (int64_t)(C->o.flow_timeout_s * 1e6);
    if (packet_pipeline_new(&lim, &hooks, &C->pp) != CUT_OK) {
        log_error("out of memory");
        exit(3);
    }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
    log_init("cutover-capture");
    static struct capture C;
    parse_args(&C.o, argc, argv);
    log_set_quiet(C.o.quiet);
    make_runid(C.runid);
    setup_redaction(&C);
    setup_pipeline(&C);
    install_signals();
    C.start_mono = clock_us(CLOCK_MONOTONIC);
    C.next_stats = C.start_mono + (int64_t)(C.o.stats_interval_s * 1e6);
    run(&C);
    char err[1024];
    if (writer_close(C.w, err, sizeof err) != CUT_OK) {
        log_error("%s", err);
        C.status = 3;
    }
    print_stats(&C, "final");
    if (C.o.stats_json) write_stats_json(&C);
    if (C.src) close_source(&C);
    packet_pipeline_free(C.pp);
    assemble_free(C.as);
    redact_free(C.red);
    free(C.o.files);
    free(C.o.redact_headers);
    free(C.o.redact_json);
    return C.status;
}
