/* sim.c: cutover-sim, the notification-platform simulator the demo and the
 * end-to-end test run.  Parses the personality flags, listens, prints
 * "listening on ADDR:PORT" (so a script can use --port 0) and serves until
 * SIGTERM or SIGINT. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/args.h"
#include "cutover/log.h"
#include "sim_api.h"
#include "sim_http.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cutover-sim [--flavor legacy|new] [--regress LIST] [--latency-ms MS]\n"
               "                   [--jitter-ms MS] [--port PORT] [--bind ADDR] [--seed N]\n"
               "                   [--chunk-above BYTES] [--max-body BYTES]\n"
               "A notification platform (SMS, e-mail, push) for cutover's demo and tests.\n"
               "  --flavor legacy|new  the new one writes JSON differently but means the same\n"
               "  --regress LIST       comma list of seeded regressions:\n"
               "                       status   invalid SMS recipient answered 422, not 400\n"
               "                       segments UCS-2 SMS segments counted with GSM-7 limits\n"
               "                       drop     e-mail answer without \"recipient\"\n"
               "                       order    GET /v1/templates list reversed\n"
               "                       latency  +40 ms on POST /v1/push\n"
               "  --latency-ms, --jitter-ms  think time of every answer: MS +- jitter, where the\n"
               "                       jitter is a function of the request and --seed (same\n"
               "                       seed, same request: same time)\n"
               "  --port 0             pick a free port (printed on stdout)\n");
}

struct sim_cli {
    struct sim_api_opts api;
    struct sim_http_opts http;
    const char *bind;
    long port;
};

static int parse_args(int argc, char **argv, struct sim_cli *cli)
{
    static const struct option opts[] = {
        {"flavor", required_argument, NULL, 'f'},     {"regress", required_argument, NULL, 'r'},
        {"latency-ms", required_argument, NULL, 'l'}, {"jitter-ms", required_argument, NULL, 'j'},
        {"port", required_argument, NULL, 'p'},       {"bind", required_argument, NULL, 'b'},
        {"seed", required_argument, NULL, 's'},       {"chunk-above", required_argument, NULL, 'c'},
        {"max-body", required_argument, NULL, 'm'},   {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},          {NULL, 0, NULL, 0},
    };
    int ch;
    long v;
    char err[160];
    while ((ch = getopt_long(argc, argv, "p:b:h", opts, NULL)) != -1) {
        bool ok = true;
        switch (ch) {
        case 'f':
            ok = strcmp(optarg, "legacy") == 0 || strcmp(optarg, "new") == 0;
            cli->api.flavor = strcmp(optarg, "new") == 0 ? SIM_FLAVOR_NEW : SIM_FLAVOR_LEGACY;
            break;
        case 'r':
            if (sim_regress_parse(optarg, &cli->api.regress, err, sizeof err) != CUT_OK) {
                log_error("--regress: %s", err);
                return 2;
            }
            break;
        case 'l':
            ok = !args_long(optarg, 0, 60000, &v), cli->api.latency_ms = (unsigned)v;
            break;
        case 'j':
            ok = !args_long(optarg, 0, 60000, &v), cli->api.jitter_ms = (unsigned)v;
            break;
        case 'p':
            ok = !args_long(optarg, 0, 65535, &cli->port);
            break;
        case 'b':
            cli->bind = optarg;
            break;
        case 's':
            ok = !args_long(optarg, 0, 0x7fffffffL, &v), cli->api.seed = (uint64_t)v;
            break;
        case 'c':
            ok = !args_long(optarg, 0, 1L << 30, &v), cli->http.chunk_above = (size_t)v;
            break;
        case 'm':
            ok = !args_long(optarg, 1, 1L << 30, &v), cli->http.max_body = (size_t)v;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("cutover-sim 0.1\n");
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (!ok) {
            log_error("bad option value '%s' (see --help)", optarg);
            return 2;
        }
    }
    if (optind != argc) {
        log_error("unexpected argument '%s'", argv[optind]);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    log_init("cutover-sim");
    struct sim_cli cli = {.bind = "127.0.0.1",
                          .http = {.chunk_above = 2048, .max_body = 16u << 20, .max_conns = 1000}};
    int rc = parse_args(argc, argv, &cli);
    if (rc >= 0) return rc;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int fd, port;
    if (sim_http_listen(cli.bind, (int)cli.port, &fd, &port) != CUT_OK) {
        log_error("%s:%ld: cannot listen: %s", cli.bind, cli.port, strerror(errno));
        return 3;
    }
    struct sim_api *api = sim_api_new(&cli.api);
    if (!api) {
        log_error("out of memory");
        return 3;
    }
    cli.http.handler = sim_api_handle;
    cli.http.ctx = api;
    printf(strchr(cli.bind, ':') ? "listening on [%s]:%d\n" : "listening on %s:%d\n", cli.bind,
           port);
    fflush(stdout);
    enum cut_err e = sim_http_serve(fd, &cli.http, &stop_flag);
    sim_api_free(api);
    if (e != CUT_OK) {
        log_error("serve: %s", cutover_strerror(e));
        return 3;
    }
    return 0;
}
