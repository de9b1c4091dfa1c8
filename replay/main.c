/* main.c: cutover-replay's options and wiring: inputs -> selection -> pacing
 * -> rewrite -> sender (native HTTP/1.1 or libcurl) -> JSONL output.  One thread; the loop
 * below decides when the next record is due and lets the sender wait on the
 * network (and on a live input pipe) until then. */
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cutover/args.h"
#include "cutover/har.h"
#include "cutover/log.h"
#include "cutover/outfile.h"
#include "input.h"
#include "progress.h"
#include "resume.h"
#include "rewrite.h"
#include "sched.h"
#include "select.h"
#include "send.h"

#ifndef CUTOVER_VERSION
#define CUTOVER_VERSION "0.1.0"
#endif

enum { MAX_DEST = 2 };

struct opts {
    const char *target, *out, *secondary, *secondary_out, *cacert;
    const char *mark;
    char **inputs;
    int ninputs;
    enum sched_mode mode;
    int pace_opts; /* how many of --speed/--rate/--max were given */
    double speed, rate, max_wait_s, timeout_s, stats_interval;
    long concurrency, loop;
    enum send_engine engine;
    bool resume, dry_run, insecure, quiet, skip_bad;
};

struct replay {
    struct opts o;
    struct rewrite rw;
    struct rewrite_target tgt[MAX_DEST];
    int ndest;
    struct selector sel;
    struct sched sched;
    struct idset done[MAX_DEST];
    struct outfile out[MAX_DEST];
    struct sender *sender;
    struct progress prog;
    struct buf pend[MAX_DEST]; /* whole records not yet handed to out[] */
    char run_id[17];
    /* reading */
    struct input *in;
    int input_idx;
    long pass;
    bool input_done;
    int64_t start_us;
    /* the next record, read ahead */
    struct exchange next;
    bool have_next, need[MAX_DEST];
    int64_t next_due; /* monotonic µs */
    enum cut_err fatal;
    int fatal_status;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* ---- options ---- */

enum {
    OPT_SECONDARY = 256,
    OPT_SECONDARY_OUT,
    OPT_SPEED,
    OPT_RATE,
    OPT_MAX,
    OPT_MAX_WAIT,
    OPT_LOOP,
    OPT_CONCURRENCY,
    OPT_TIMEOUT,
    OPT_SET_HEADER,
    OPT_DROP_HEADER,
    OPT_PRESERVE_HOST,
    OPT_REWRITE_PATH,
    OPT_SET_JSON,
    OPT_INCLUDE,
    OPT_EXCLUDE,
    OPT_SAMPLE,
    OPT_SHARD,
    OPT_LIMIT,
    OPT_RESUME,
    OPT_DRY_RUN,
    OPT_MARK,
    OPT_CACERT,
    OPT_INSECURE,
    OPT_STATS,
    OPT_ON_BAD,
    OPT_ENGINE,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"target", required_argument, NULL, 't'},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"secondary", required_argument, NULL, OPT_SECONDARY},
    {"secondary-out", required_argument, NULL, OPT_SECONDARY_OUT},
    {"speed", required_argument, NULL, OPT_SPEED},
    {"rate", required_argument, NULL, OPT_RATE},
    {"max", no_argument, NULL, OPT_MAX},
    {"max-wait", required_argument, NULL, OPT_MAX_WAIT},
    {"loop", required_argument, NULL, OPT_LOOP},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"set-header", required_argument, NULL, OPT_SET_HEADER},
    {"drop-header", required_argument, NULL, OPT_DROP_HEADER},
    {"preserve-host", no_argument, NULL, OPT_PRESERVE_HOST},
    {"rewrite-path", required_argument, NULL, OPT_REWRITE_PATH},
    {"set-json", required_argument, NULL, OPT_SET_JSON},
    {"include", required_argument, NULL, OPT_INCLUDE},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"sample", required_argument, NULL, OPT_SAMPLE},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"mark-header", required_argument, NULL, OPT_MARK},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"stats-interval", required_argument, NULL, OPT_STATS},
    {"on-bad-input", required_argument, NULL, OPT_ON_BAD},
    {"engine", required_argument, NULL, OPT_ENGINE},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char usage_text[] =
    "usage: cutover-replay -t URL [options] INPUT...\n"
    "Send recorded requests (capture JSONL, HAR, GoReplay .gor; - for stdin) to URL\n"
    "and write one JSONL record per request with the answer and its timings.\n"
    "\n"
    "  -t, --target URL           where to send (http or https; path and query kept)\n"
    "  -o, --output FILE          records out (default: stdout), mode 0600\n"
    "      --secondary URL        also send each request here (a second legacy copy)\n"
    "      --secondary-out FILE   records of the secondary's answers\n"
    "pacing (default --speed 1):\n"
    "      --speed X              original inter-arrival times divided by X\n"
    "      --rate N               N requests per second\n"
    "      --max                  as fast as --concurrency allows\n"
    "      --max-wait S           cap every idle gap at S seconds\n"
    "      --loop N               replay the input N times (ids get ~2, ~3, ...)\n"
    "      --concurrency N        requests in flight at most (default 16)\n"
    "      --timeout S            per request (default 30)\n"
    "rewriting:\n"
    "      --set-header 'N: V'    set a header (repeatable)\n"
    "      --drop-header N        remove a header (repeatable)\n"
    "      --preserve-host        keep the recorded Host header\n"
    "      --rewrite-path 'RE=R'  POSIX extended regex on the path, \\1..\\9 in R\n"
    "      --set-json 'PATH=V'    replace JSON body values ($.to, $..email); V is JSON or text\n"
    "      --mark-header N[: V]   marker header (default X-Cutover-Replay: <run id>)\n"
    "selection:\n"
    "      --include 'M GLOB'     only these methods and path globs (repeatable)\n"
    "      --exclude 'M GLOB'     not these (repeatable)\n"
    "      --sample PCT           a stable PCT percent share by id\n"
    "      --shard K/N            the K-th (1..N) of N stable shares by id\n"
    "      --limit N              at most N records\n"
    "other:\n"
    "      --resume               keep the output, send only ids not yet in it\n"
    "      --dry-run              print the requests, send nothing\n"
    "      --on-bad-input skip|fail  a bad input record (default: fail, exit 2)\n"
    "      --cacert FILE          CA bundle for https\n"
    "      --insecure             do not verify TLS certificates\n"
    "      --engine auto|native|curl  HTTP client (default auto: native for http://,\n"
    "                             libcurl for https://)\n"
    "      --stats-interval S     a progress line every S seconds when not on a terminal\n"
    "  -q, --quiet                no progress, no summary\n"
    "      --help, --version\n"
    "exit: 0 done, 2 bad usage or input, 3 runtime fault or interrupted\n";

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

/* Option numbers through args.h: whole strings, no NaN or infinity (a
 * --speed of nan would stall the schedule, a --timeout of inf overflow). */
static double parse_double(const char *opt, const char *s, double min)
{
    double v;
    if (args_double(s, min, DBL_MAX, &v)) usage_error("bad value for %s", opt);
    return v;
}

static long parse_long(const char *opt, const char *s, long min)
{
    long v;
    if (args_long(s, min, LONG_MAX, &v)) usage_error("bad value for %s", opt);
    return v;
}

static void add_or_die(enum cut_err e, const char *opt, const char *arg, const char *why)
{
    if (e == CUT_ENOMEM) {
        log_error("out of memory");
        exit(3);
    }
    if (e) {
        if (why && *why) usage_error("%s", why);
        char msg[256];
        snprintf(msg, sizeof msg, "%s %s: invalid", opt, arg);
        usage_error("%s", msg);
    }
}

static const char *const engine_names[] = {
    [SEND_ENGINE_AUTO] = "auto",
    [SEND_ENGINE_NATIVE] = "native",
    [SEND_ENGINE_CURL] = "curl",
};

static enum cut_err parse_engine(const char *s, enum send_engine *out)
{
    for (size_t i = 0; i < sizeof engine_names / sizeof *engine_names; i++)
        if (strcmp(s, engine_names[i]) == 0) {
            *out = (enum send_engine)i;
            return CUT_OK;
        }
    return CUT_EINVAL;
}

static void parse_opt(struct replay *R, int c, const char *arg)
{
    struct opts *o = &R->o;
    char why[300] = "";
    switch (c) {
    case 't':
        o->target = arg;
        break;
    case 'o':
        o->out = arg;
        break;
    case 'q':
        o->quiet = true;
        break;
    case OPT_SECONDARY:
        o->secondary = arg;
        break;
    case OPT_SECONDARY_OUT:
        o->secondary_out = arg;
        break;
    case OPT_SPEED:
        o->speed = parse_double("--speed", arg, 1e-9);
        o->mode = SCHED_SPEED;
        o->pace_opts++;
        break;
    case OPT_RATE:
        o->rate = parse_double("--rate", arg, 1e-9);
        o->mode = SCHED_RATE;
        o->pace_opts++;
        break;
    case OPT_MAX:
        o->mode = SCHED_MAX;
        o->pace_opts++;
        break;
    case OPT_MAX_WAIT:
        o->max_wait_s = parse_double("--max-wait", arg, 0);
        break;
    case OPT_LOOP:
        o->loop = parse_long("--loop", arg, 1);
        break;
    case OPT_CONCURRENCY:
        o->concurrency = parse_long("--concurrency", arg, 1);
        break;
    case OPT_TIMEOUT:
        o->timeout_s = parse_double("--timeout", arg, 0.001);
        break;
    case OPT_SET_HEADER:
        add_or_die(rewrite_add_set_header(&R->rw, arg), "--set-header", arg, NULL);
        break;
    case OPT_DROP_HEADER:
        add_or_die(rewrite_add_drop_header(&R->rw, arg), "--drop-header", arg, NULL);
        break;
    case OPT_PRESERVE_HOST:
        R->rw.preserve_host = true;
        break;
    case OPT_REWRITE_PATH:
        add_or_die(rewrite_add_path(&R->rw, arg, why, sizeof why), "--rewrite-path", arg, why);
        break;
    case OPT_SET_JSON:
        add_or_die(rewrite_add_json(&R->rw, arg, why, sizeof why), "--set-json", arg, why);
        break;
    case OPT_INCLUDE:
        add_or_die(select_add_rule(&R->sel, true, arg), "--include", arg, NULL);
        break;
    case OPT_EXCLUDE:
        add_or_die(select_add_rule(&R->sel, false, arg), "--exclude", arg, NULL);
        break;
    case OPT_SAMPLE:
        R->sel.sample_pct = parse_double("--sample", arg, 0);
        if (R->sel.sample_pct > 100) usage_error("--sample %s: a percentage, 0 to 100", arg);
        break;
    case OPT_SHARD:
        if (select_parse_shard(arg, &R->sel.shard_k, &R->sel.shard_n))
            usage_error("--shard %s: expected K/N with 1 <= K <= N", arg);
        break;
    case OPT_LIMIT:
        R->sel.limit = (uint64_t)parse_long("--limit", arg, 1);
        break;
    case OPT_RESUME:
        o->resume = true;
        break;
    case OPT_DRY_RUN:
        o->dry_run = true;
        break;
    case OPT_MARK:
        o->mark = arg;
        break;
    case OPT_CACERT:
        o->cacert = arg;
        break;
    case OPT_INSECURE:
        o->insecure = true;
        break;
    case OPT_STATS:
        o->stats_interval = parse_double("--stats-interval", arg, 0);
        break;
    case OPT_ON_BAD:
        if (strcmp(arg, "skip") && strcmp(arg, "fail"))
            usage_error("--on-bad-input %s: skip or fail", arg);
        o->skip_bad = strcmp(arg, "skip") == 0;
        break;
    case OPT_ENGINE:
        if (parse_engine(arg, &o->engine)) usage_error("--engine %s: auto, native or curl", arg);
        break;
    case OPT_HELP:
        fputs(usage_text, stdout);
        exit(0);
    case OPT_VERSION:
        printf("cutover-replay %s (%s)\n", CUTOVER_VERSION, curl_version());
        exit(0);
    default:
        usage_error("%s", "unknown option");
    }
}

static void new_run_id(char out[17])
{
    unsigned char r[8] = {0};
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        uint64_t t = (uint64_t)sender_wall_us() ^ ((uint64_t)getpid() << 32);
        memcpy(r, &t, sizeof r);
    }
    for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static void parse_args(struct replay *R, int argc, char **argv)
{
    struct opts *o = &R->o;
    o->speed = 1;
    o->concurrency = 16;
    o->timeout_s = 30;
    o->loop = 1;
    o->max_wait_s = -1;
    o->out = "-";
    /* The default engine can come from the environment, so that the
     * integration tests run the same scripts against both. */
    const char *env = getenv("CUTOVER_REPLAY_ENGINE");
    if (env && *env && parse_engine(env, &o->engine))
        usage_error("CUTOVER_REPLAY_ENGINE=%s: auto, native or curl", env);
    int c;
    while ((c = getopt_long(argc, argv, "t:o:q", long_opts, NULL)) != -1) parse_opt(R, c, optarg);
    o->inputs = argv + optind;
    o->ninputs = argc - optind;
    if (!o->target) usage_error("%s", "-t URL is required");
    if (!o->ninputs) usage_error("%s", "no INPUT given (a file, or - for stdin)");
    if (o->pace_opts > 1) usage_error("%s", "--speed, --rate and --max exclude each other");
    if (!o->secondary != !o->secondary_out)
        usage_error("%s", "--secondary and --secondary-out go together");
    if (o->resume && !o->dry_run && strcmp(o->out, "-") == 0)
        usage_error("%s", "--resume needs -o FILE");
    char why[300];
    if (rewrite_target_parse(&R->tgt[0], o->target, why, sizeof why)) usage_error("%s", why);
    R->ndest = 1;
    if (o->secondary) {
        if (rewrite_target_parse(&R->tgt[1], o->secondary, why, sizeof why)) usage_error("%s", why);
        R->ndest = 2;
    }
    for (int d = 0; d < R->ndest; d++)
        if (o->engine == SEND_ENGINE_NATIVE && R->tgt[d].https)
            usage_error("--engine native speaks plain http only (%s)",
                        d ? o->secondary : o->target);
    new_run_id(R->run_id);
    add_or_die(rewrite_set_mark(&R->rw, o->mark ? o->mark : "X-Cutover-Replay", R->run_id),
               "--mark-header", o->mark ? o->mark : "", NULL);
    log_set_quiet(o->quiet);
}

/* ---- reading ---- */

/* The record's id for this --loop pass. */
static enum cut_err pass_id(struct replay *R, struct exchange *x)
{
    if (R->pass == 0) return CUT_OK;
    struct buf b = BUF_INIT;
    enum cut_err e = buf_printf(&b, "%s~%ld", x->id, R->pass + 1);
    if (!e) e = exchange_strset(&x->id, b.data, b.len);
    buf_free(&b);
    return e;
}

/* Open the next input (next pass after the last); false when all are read. */
static bool open_next_input(struct replay *R)
{
    if (R->input_idx >= R->o.ninputs) {
        if (R->pass + 1 >= R->o.loop) return false;
        R->pass++;
        R->input_idx = 0;
        sched_new_pass(&R->sched);
        select_new_pass(&R->sel);
    }
    const char *path = R->o.inputs[R->input_idx];
    if (input_open(&R->in, path)) {
        log_error("%s: %s", path, strerror(errno));
        R->fatal = CUT_EIO;
        R->fatal_status = 2;
        return false;
    }
    if (R->o.loop > 1 && input_kind(R->in) == INPUT_LIVE) {
        log_error("%s: --loop needs a file, not a pipe", path);
        R->fatal = CUT_EINVAL;
        R->fatal_status = 2;
        return false;
    }
    return true;
}

static void close_input(struct replay *R)
{
    const char *warn = input_warning(R->in);
    if (warn) log_error("warning: %s", warn); /* lost data is said even with -q */
    input_free(R->in);
    R->in = NULL;
    R->input_idx++;
}

/* A record passed selection: decide where it still has to go (resume). */
static bool still_needed(struct replay *R, const struct exchange *x)
{
    bool any = false;
    for (int d = 0; d < R->ndest; d++) {
        R->need[d] = !idset_has(&R->done[d], x->id, strlen(x->id));
        any |= R->need[d];
    }
    return any;
}

static void bad_input(struct replay *R)
{
    R->prog.bad++;
    const char *why = input_error(R->in);
    if (R->o.skip_bad) {
        log_warn("%s (skipped)", why);
        return;
    }
    log_error("%s", why);
    R->fatal = CUT_EPARSE;
    R->fatal_status = 2;
}

/* Read ahead the next record to send into R->next. CUT_OK: there is one;
 * CUT_EAGAIN: a live input has nothing yet; CUT_EOF: nothing more. */
static enum cut_err fetch(struct replay *R, int64_t now)
{
    struct exchange *x = &R->next;
    while (!R->fatal && !stop_signal) {
        if (!R->in && !open_next_input(R)) return CUT_EOF;
        enum cut_err e = input_next(R->in, x);
        if (e == CUT_EAGAIN) return e;
        if (e == CUT_EOF) {
            close_input(R);
            continue;
        }
        if (e == CUT_EPARSE) {
            bad_input(R);
            continue;
        }
        if (e) {
            log_error("%s", *input_error(R->in) ? input_error(R->in) : cutover_strerror(e));
            R->fatal = e;
            R->fatal_status = 3;
            return e;
        }
        enum select_verdict v = select_record(&R->sel, x->id, x->req.method ? x->req.method : "GET",
                                              x->req.target ? x->req.target : "/");
        if (v == SELECT_STOP) {
            close_input(R);
            R->input_idx = R->o.ninputs; /* --limit reached: this pass is over */
            continue;
        }
        if (v == SELECT_SKIP) {
            R->prog.skipped++;
            continue;
        }
        if ((e = pass_id(R, x)) || !still_needed(R, x)) {
            if (e) return R->fatal = e;
            R->prog.resumed++;
            continue;
        }
        bool live = input_kind(R->in) == INPUT_LIVE;
        if (live && R->o.mode != SCHED_RATE)
            R->next_due = now;
        else
            R->next_due = R->start_us + sched_next(&R->sched, x->started_us);
        if (live && R->next_due < now && R->o.mode == SCHED_RATE) R->next_due = now;
        if ((e = rewrite_request(&R->rw, &x->req))) return R->fatal = e;
        return CUT_OK;
    }
    return CUT_EOF;
}

/* ---- sending ---- */

static enum cut_err copy_request(struct exchange *dst, const struct exchange *src)
{
    const struct http_request *s = &src->req;
    struct http_request *d = &dst->req;
    enum cut_err e = exchange_strset(&dst->id, src->id, strlen(src->id));
    if (!e)
        e = exchange_strset(&d->method, s->method ? s->method : "GET",
                            strlen(s->method ? s->method : "GET"));
    if (!e) e = exchange_strset(&d->target, s->target, strlen(s->target));
    if (!e) e = exchange_strset(&d->version, "HTTP/1.1", 8);
    if (!e) e = headers_copy(&d->headers, &s->headers);
    if (!e) e = buf_set(&d->body, s->body.data, s->body.len);
    d->has_body = s->has_body;
    d->body_size = s->body_size;
    d->headers_size = -1;
    return e;
}

/* The baseline's connection facts do not describe the candidate's. */
static void forget_capture_fields(struct exchange *x)
{
    free(x->client);
    free(x->server);
    x->client = x->server = NULL;
    x->flow = x->seq = -1;
    x->req.headers_size = -1;
}

static bool slots_free(struct replay *R)
{
    for (int d = 0; d < R->ndest; d++)
        if (R->need[d] && !sender_free_slots(R->sender, d)) return false;
    return true;
}

/* Hand the read-ahead record to the sender. Its lag is taken here, at the
 * moment sender_start gets it: that is what "sent" means (the native engine
 * writes it in that call, libcurl in the curl_multi_perform right after). */
static void dispatch(struct replay *R)
{
    bool paced = R->o.mode != SCHED_MAX;
    for (int d = R->ndest - 1; d >= 0; d--) {
        if (!R->need[d]) continue;
        struct send_slot *slot = sender_acquire(R->sender, d);
        if (d == 0) {
            struct exchange t = slot->x;
            slot->x = R->next;
            R->next = t;
        } else if (copy_request(&slot->x, &R->next)) {
            R->fatal = CUT_ENOMEM;
            sender_release(R->sender, slot);
            return;
        }
        forget_capture_fields(&slot->x);
        if (rewrite_for_target(&R->rw, &R->tgt[d], &slot->x.req)) {
            R->fatal = CUT_ENOMEM;
            sender_release(R->sender, slot);
            return;
        }
        int64_t now = sender_now_us();
        int64_t lag = now > R->next_due ? now - R->next_due : 0;
        slot->due_us = R->next_due;
        slot->x.lag_ms = paced ? (double)lag / 1000.0 : -1;
        if (paced && (d == 0 || !R->need[0])) laghist_add(&R->prog.lag, lag);
        sender_start(R->sender, slot, now);
        if (d == 0) R->prog.sent++;
    }
    R->have_next = false;
}

static void output_failed(struct replay *R, int d, enum cut_err e)
{
    if (R->fatal) return;
    struct outfile *o = &R->out[d];
    log_error("%s: %s", o->path, o->err_no ? strerror(o->err_no) : cutover_strerror(e));
    R->fatal = e;
    R->fatal_status = 3;
}

/* Records are written straight into pend[d] and handed to the output a
 * batch at a time: outfile_put writes a batch of flush_at bytes or more
 * as it is, where a record handed over alone was copied into its pending
 * buffer first (a tenth of the cost of writing the record). The batch is
 * handed over when it reaches flush_at, at the loop's periodic flush and
 * at the end, so records reach the file when they did before. */
static enum cut_err put_pending(struct replay *R, int d)
{
    struct buf *p = &R->pend[d];
    if (!p->len) return CUT_OK;
    enum cut_err e = outfile_put(&R->out[d], p->data, p->len);
    buf_reset(p);
    return e;
}

static void on_done(void *ctx, struct send_slot *slot)
{
    struct replay *R = ctx;
    int d = slot->dest;
    if (d == 0)
        progress_result(&R->prog, slot->x.resp.status, slot->err);
    else
        R->prog.secondary_done++;
    struct buf *p = &R->pend[d];
    size_t mark = p->len;
    enum cut_err e = har_write_entry(p, &slot->x);
    if (!e) e = buf_putc(p, '\n');
    if (e)
        buf_truncate(p, mark); /* whole records only */
    else if (p->len >= R->out[d].flush_at)
        e = put_pending(R, d);
    if (e) output_failed(R, d, e);
}

/* ---- dry run ---- */

static void print_request(const struct http_request *r, FILE *f)
{
    fprintf(f, "%s %s HTTP/1.1\n", r->method ? r->method : "GET", r->url);
    for (size_t i = 0; i < r->headers.n; i++)
        fprintf(f, "%s: %s\n", r->headers.v[i].name, r->headers.v[i].value);
    fputc('\n', f);
    if (r->has_body && r->body.len) {
        fwrite(r->body.data, 1, r->body.len, f);
        fputc('\n', f);
    }
    fputc('\n', f);
}

static int dry_run(struct replay *R)
{
    struct exchange copy;
    exchange_init(&copy);
    enum cut_err e;
    while ((e = fetch(R, sender_now_us())) == CUT_OK || e == CUT_EAGAIN) {
        if (e == CUT_EAGAIN) {
            usleep(10000);
            continue;
        }
        for (int d = 0; d < R->ndest; d++) {
            if (!R->need[d]) continue;
            if (copy_request(&copy, &R->next) || rewrite_for_target(&R->rw, &R->tgt[d], &copy.req))
                return 3;
            print_request(&copy.req, stdout);
        }
        R->prog.sent++;
    }
    exchange_release(&copy);
    if (fflush(stdout) != 0) return 3;
    if (!R->o.quiet)
        log_info("dry run: %llu requests printed, nothing sent", (unsigned long long)R->prog.sent);
    return R->fatal ? R->fatal_status : 0;
}

/* ---- the loop ---- */

static void open_outputs(struct replay *R)
{
    const char *paths[MAX_DEST] = {R->o.out, R->o.secondary_out};
    for (int d = 0; d < R->ndest; d++) {
        idset_init(&R->done[d]);
        if (R->o.resume) {
            struct resume_info info;
            if (resume_scan(paths[d], &R->done[d], &info)) {
                log_error("%s: cannot resume: %s", paths[d], strerror(errno));
                exit(3);
            }
            if (info.torn_bytes)
                log_warn("%s: dropped a torn last line (%zu bytes)", paths[d], info.torn_bytes);
            log_info("%s: resuming after %zu records", paths[d], info.records);
        }
        if (outfile_open(&R->out[d], paths[d], R->o.resume)) {
            log_error("%s: %s", paths[d], strerror(R->out[d].err_no));
            exit(3);
        }
        R->out[d].flush_at = 64 << 10;
        buf_init(&R->pend[d], 0);
    }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* How long the loop may block: until the next record is due, or a tick. */
static int64_t wait_us(struct replay *R, int64_t now)
{
    if (R->have_next && !stop_signal && slots_free(R)) {
        int64_t us = R->next_due - now;
        if (us <= 0) return 0;
        return us >= 250000 ? 250000 : us;
    }
    return 250000;
}

static void run_loop(struct replay *R)
{
    int64_t deadline = 0, last_flush = R->start_us;
    for (;;) {
        int64_t now = sender_now_us();
        if (stop_signal && !deadline) {
            deadline = now + (int64_t)(R->o.timeout_s * 1e6);
            log_info("%s: stopping; waiting for %zu requests in flight", strsignal(stop_signal),
                     sender_in_flight(R->sender));
        }
        bool stopping = stop_signal || R->fatal;
        enum cut_err fe = CUT_OK;
        if (!stopping && !R->have_next && !R->input_done) {
            fe = fetch(R, now);
            if (fe == CUT_OK)
                R->have_next = true;
            else if (fe != CUT_EAGAIN)
                R->input_done = true;
        }
        if (!stopping && R->have_next && now >= R->next_due && slots_free(R)) {
            dispatch(R);
            continue;
        }
        if (sender_in_flight(R->sender) == 0 && (stopping || (R->input_done && !R->have_next)))
            break;
        if (deadline && now > deadline) break;
        struct curl_waitfd wfd = {.fd = R->in ? input_fd(R->in) : -1, .events = CURL_WAIT_POLLIN};
        bool watch = fe == CUT_EAGAIN && wfd.fd >= 0;
        if (sender_run(R->sender, wait_us(R, now), watch ? &wfd : NULL, watch ? 1 : 0)) {
            log_error("the %s sender failed", engine_names[sender_engine(R->sender)]);
            R->fatal = CUT_ENET;
            R->fatal_status = 3;
        }
        now = sender_now_us();
        progress_tick(&R->prog, now, sender_in_flight(R->sender));
        if (now - last_flush > 200000) {
            for (int d = 0; d < R->ndest; d++) {
                enum cut_err e = put_pending(R, d);
                if (e) output_failed(R, d, e);
                (void)outfile_flush(&R->out[d]);
            }
            last_flush = now;
        }
    }
}

static int finish(struct replay *R)
{
    int status = R->fatal ? R->fatal_status : stop_signal ? 3 : 0;
    if (!status && R->fatal) status = 3;
    for (int d = 0; d < R->ndest; d++) {
        struct outfile *o = &R->out[d];
        const char *path = o->path ? o->path : "-";
        char pathcopy[512];
        snprintf(pathcopy, sizeof pathcopy, "%s", path);
        enum cut_err e = put_pending(R, d);
        if (e && !o->err_no) {
            log_error("%s: %s", pathcopy, cutover_strerror(e));
            status = 3;
        }
        buf_free(&R->pend[d]);
        if (outfile_close(o, true)) {
            log_error("%s: %s", pathcopy, strerror(o->err_no));
            status = 3;
        }
    }
    progress_final(&R->prog, sender_now_us());
    if (R->rw.njsons && (R->rw.json_not_json || R->rw.json_rewritten))
        log_info("--set-json: %llu bodies rewritten, %llu left alone (not JSON)",
                 R->rw.json_rewritten, R->rw.json_not_json);
    return status;
}

int main(int argc, char **argv)
{
    static struct replay R;
    log_init("cutover-replay");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("libcurl initialisation failed");
        return 3;
    }
    if (rewrite_init(&R.rw)) return 3;
    select_init(&R.sel);
    exchange_init(&R.next);
    parse_args(&R, argc, argv);
    double mw = R.o.max_wait_s;
    sched_init(&R.sched, R.o.mode, R.o.speed, R.o.rate, mw < 0 ? -1 : (int64_t)(mw * 1e6));
    R.start_us = sender_now_us();
    progress_init(&R.prog, stderr, isatty(STDERR_FILENO), R.o.quiet, R.o.stats_interval,
                  R.start_us);
    if (R.o.dry_run) return dry_run(&R);
    /* The total only feeds the progress line, and counting reads every
     * input once more: not under -q. */
    for (int i = 0; i < R.o.ninputs && !R.o.quiet; i++)
        R.prog.total += input_count_hint(R.o.inputs[i]);
    R.prog.total *= (uint64_t)R.o.loop;
    open_outputs(&R);
    struct sender_opts so = {
        .concurrency = (size_t)R.o.concurrency,
        .ndest = R.ndest,
        .timeout_ms = (long)(R.o.timeout_s * 1000),
        .connect_timeout_ms = (long)(R.o.timeout_s * 1000),
        .cacert = R.o.cacert,
        .insecure = R.o.insecure,
        .max_body = (size_t)256 << 20,
        .engine = R.o.engine,
        .url = {R.o.target, R.o.secondary},
    };
    if (sender_new(&R.sender, &so, on_done, &R)) {
        log_error("cannot set up the %s sender",
                  engine_names[sender_pick_engine(so.engine, so.url, so.ndest)]);
        return 3;
    }
    install_signals();
    log_info("run %s: %s -> %s", R.run_id, R.o.ninputs == 1 ? R.o.inputs[0] : "inputs", R.o.target);
    /* The schedule starts now, not before the outputs and the sender were set
     * up: otherwise the first records are late by the set-up time. */
    R.start_us = sender_now_us();
    run_loop(&R);
    sender_free(R.sender);
    int status = finish(&R);
    input_free(R.in);
    exchange_release(&R.next);
    rewrite_release(&R.rw);
    select_release(&R.sel);
    for (int d = 0; d < R.ndest; d++) {
        idset_release(&R.done[d]);
        rewrite_target_release(&R.tgt[d]);
        buf_free(&R.pend[d]);
    }
    curl_global_cleanup();
    return status;
}
