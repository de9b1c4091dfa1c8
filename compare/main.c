/* main.c: cutover-compare's command line: options and config, then join,
 * compare, decide, render the reports; exit 0 when the gate passed, 1 when
 * it failed, 2 for bad usage or input, 3 for a runtime fault. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "cutover/args.h"
#include "cutover/log.h"

enum {
    OPT_SECONDARY = 256,
    OPT_CONFIG,
    OPT_IGNORE,
    OPT_UNORDERED,
    OPT_ENDPOINT,
    OPT_HEADER,
    OPT_MIN_PARITY,
    OPT_MAX_P99,
    OPT_MAX_P50,
    OPT_MAX_MISSING,
    OPT_MAX_ERRORS,
    OPT_MIN_SAMPLES,
    OPT_ALPHA,
    OPT_NOISE_REL,
    OPT_NOISE_ABS,
    OPT_STRICT,
    OPT_JSON,
    OPT_HTML,
    OPT_JUNIT,
    OPT_MARKDOWN,
    OPT_MAX_EXAMPLES,
    OPT_VERSION,
};

static const struct option longopts[] = {
    {"secondary", required_argument, NULL, OPT_SECONDARY},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"ignore", required_argument, NULL, OPT_IGNORE},
    {"unordered", required_argument, NULL, OPT_UNORDERED},
    {"endpoint", required_argument, NULL, OPT_ENDPOINT},
    {"header", required_argument, NULL, OPT_HEADER},
    {"min-parity", required_argument, NULL, OPT_MIN_PARITY},
    {"max-p99-ratio", required_argument, NULL, OPT_MAX_P99},
    {"max-p50-ratio", required_argument, NULL, OPT_MAX_P50},
    {"max-missing", required_argument, NULL, OPT_MAX_MISSING},
    {"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
    {"min-samples", required_argument, NULL, OPT_MIN_SAMPLES},
    {"alpha", required_argument, NULL, OPT_ALPHA},
    {"noise-relative", required_argument, NULL, OPT_NOISE_REL},
    {"noise-absolute", required_argument, NULL, OPT_NOISE_ABS},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"json", required_argument, NULL, OPT_JSON},
    {"html", required_argument, NULL, OPT_HTML},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"markdown", required_argument, NULL, OPT_MARKDOWN},
    {"max-examples", required_argument, NULL, OPT_MAX_EXAMPLES},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cutover-compare [options] BASELINE CANDIDATE\n"
            "Compare a candidate's answers with the baseline's, by exchange id.\n"
            "BASELINE and CANDIDATE are JSONL exchange files or HAR documents; one may be '-'.\n"
            "\n"
            "  --secondary FILE        a second legacy run: what differs there too is noise\n"
            "  --config FILE           JSON: thresholds, ignore, unordered, headers, endpoints,\n"
            "                          overrides per endpoint (see docs/compare.md)\n"
            "  --ignore PATH           ignore a JSON path ($.meta.trace, $..id) or header:NAME\n"
            "  --unordered PATH        compare the array at PATH as a multiset\n"
            "  --endpoint 'M /p/{x}'   declare an endpoint template (wins over guessing)\n"
            "  --header NAME           also compare response header NAME\n"
            "  --min-parity PCT        matched share of compared exchanges (default 100)\n"
            "  --max-p99-ratio R       candidate/reference p99 (default 1.5)\n"
            "  --max-p50-ratio R       candidate/reference p50 (default 1.2)\n"
            "  --max-missing PCT       baseline ids absent from the candidate (default 1)\n"
            "  --max-errors PCT        candidate records with _error (default 1)\n"
            "  --min-samples N         fewer latency samples: 'not enough data' (default 30)\n"
            "  --alpha P               significance for latency rules (default 0.01)\n"
            "  --noise-relative F      secondary method's relative margin (default 0.20)\n"
            "  --noise-absolute F      secondary method's absolute margin (default 0.0003)\n"
            "  --strict                no unique-value noise layer\n"
            "  --json OUT              report.json ('-' for stdout)\n"
            "  --html OUT              self-contained report.html\n"
            "  --junit OUT             junit.xml, one test case per endpoint\n"
            "  --markdown OUT          short summary for a pull request\n"
            "  --max-examples N        examples kept per difference (default 3)\n"
            "  -q, --quiet             no warnings or summary on stderr\n"
            "  -h, --help              this text;  --version\n"
            "Exit status: 0 gate passed, 1 gate failed, 2 bad usage or input, 3 runtime fault.\n");
}

struct cli {
    struct cmp_thresholds th; /* NAN: not given */
    double alpha, noise_rel, noise_abs, max_examples;
    bool strict;
    const char *config;
};

static int bad_value(const char *opt, const char *v)
{
    log_error("--%s: invalid value '%s'", opt, v);
    return 2;
}

/* One option; returns 0, or an exit status. */
static int take(struct cmp_opts *o, struct cli *cl, int c, const char *arg, const char *name)
{
    char err[300] = "";
    double *th = NULL, lo = 0, hi = 1e12;
    enum cut_err e = CUT_OK;
    switch (c) {
    case OPT_SECONDARY:
        o->secondary = arg;
        return 0;
    case OPT_CONFIG:
        cl->config = arg;
        return 0;
    case OPT_IGNORE:
        e = cmp_rules_add(&o->ignore, arg, err, sizeof err);
        break;
    case OPT_UNORDERED:
        e = cmp_rules_add(&o->unordered, arg, err, sizeof err);
        break;
    case OPT_ENDPOINT:
        e = cmp_strings_add(&o->templates, arg);
        break;
    case OPT_HEADER:
        e = cmp_strings_add(&o->headers, arg);
        break;
    case OPT_MIN_PARITY:
        th = &cl->th.min_parity, hi = 100;
        break;
    case OPT_MAX_P99:
        th = &cl->th.max_p99_ratio;
        break;
    case OPT_MAX_P50:
        th = &cl->th.max_p50_ratio;
        break;
    case OPT_MAX_MISSING:
        th = &cl->th.max_missing, hi = 100;
        break;
    case OPT_MAX_ERRORS:
        th = &cl->th.max_errors, hi = 100;
        break;
    case OPT_MIN_SAMPLES:
        th = &cl->th.min_samples;
        break;
    case OPT_ALPHA:
        th = &cl->alpha, hi = 1;
        break;
    case OPT_NOISE_REL:
        th = &cl->noise_rel, hi = 1;
        break;
    case OPT_NOISE_ABS:
        th = &cl->noise_abs, hi = 1;
        break;
    case OPT_MAX_EXAMPLES:
        th = &cl->max_examples, hi = 1000;
        break;
    case OPT_STRICT:
        cl->strict = true;
        return 0;
    case OPT_JSON:
        o->json_out = arg;
        return 0;
    case OPT_HTML:
        o->html_out = arg;
        return 0;
    case OPT_JUNIT:
        o->junit_out = arg;
        return 0;
    case OPT_MARKDOWN:
        o->md_out = arg;
        return 0;
    case 'q':
        o->quiet = true;
        return 0;
    default:
        return 2;
    }
    if (th) return args_double(arg, lo, hi, th) ? bad_value(name, arg) : 0;
    if (e == CUT_ENOMEM) {
        log_error("out of memory");
        return 3;
    }
    if (e) {
        log_error("--%s: %s", name, err[0] ? err : arg);
        return 2;
    }
    return 0;
}

/* Values given on the command line win over the config file's. */
static void apply_cli(struct cmp_opts *o, const struct cli *cl)
{
    cmp_thresholds_apply(&o->th, &cl->th);
    if (!isnan(cl->alpha)) o->alpha = cl->alpha;
    if (!isnan(cl->noise_rel)) o->noise_rel = cl->noise_rel;
    if (!isnan(cl->noise_abs)) o->noise_abs = cl->noise_abs;
    if (!isnan(cl->max_examples)) o->max_examples = (size_t)cl->max_examples;
    if (cl->strict) o->strict = true;
}

struct run {
    struct cmp *c;
    struct jarena arena;
    struct cmp_pool *pool;
    struct join_stats *st;
};

static enum cut_err on_pair(void *ctx, const char *bl, size_t bn, const char *cl, size_t cn,
                            const char *sl, size_t sn, unsigned keep)
{
    struct run *r = ctx;
    return cmp_pool_add(r->pool, CMP_ITEM_PAIR, bl, bn, cl, cn, sl, sn, keep);
}

static enum cut_err on_missing(void *ctx, const char *l, size_t n, unsigned keep)
{
    struct run *r = ctx;
    return cmp_pool_add(r->pool, CMP_ITEM_MISSING, l, n, NULL, 0, NULL, 0, keep);
}

static enum cut_err on_extra(void *ctx, const char *l, size_t n, unsigned keep)
{
    struct run *r = ctx;
    return cmp_pool_add(r->pool, CMP_ITEM_EXTRA, l, n, NULL, 0, NULL, 0, keep);
}

/* The join's end: every item counted before its mapped lines go. */
static enum cut_err on_end(void *ctx)
{
    struct run *r = ctx;
    return cmp_pool_drain(r->pool);
}

/* An item the pool could not read: warned about and counted as the join
 * does for a callback's CUT_EPARSE. */
static void on_bad(void *ctx, int what)
{
    struct run *r = ctx;
    char why[600];
    if (what == CMP_ITEM_PAIR) {
        join_warn_bad(r->st, "a record pair could not be read; skipped");
        return;
    }
    snprintf(why, sizeof why, "%s: bad record skipped",
             what == CMP_ITEM_MISSING ? r->c->o->baseline : r->c->o->candidate);
    join_warn_bad(r->st, why);
}

/* Threads besides the caller's: one per other processor, at most 3;
 * CUTOVER_THREADS overrides (0: none). */
static int pool_threads(void)
{
    const char *env = getenv("CUTOVER_THREADS");
    long n;
    if (env && !args_long(env, 0, 64, &n)) return (int)n;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 4 ? 3 : cpus > 1 ? (int)cpus - 1 : 0;
}

static const struct {
    const char *what;
    enum cut_err (*fn)(const struct cmp *, const char *);
    size_t off;
} renderers[] = {
    {"report.json", report_json, offsetof(struct cmp_opts, json_out)},
    {"report.html", report_html, offsetof(struct cmp_opts, html_out)},
    {"junit.xml", report_junit, offsetof(struct cmp_opts, junit_out)},
    {"summary.md", report_markdown, offsetof(struct cmp_opts, md_out)},
};

static int render(const struct cmp *c)
{
    for (size_t i = 0; i < sizeof renderers / sizeof *renderers; i++) {
        const char *path = *(const char *const *)((const char *)c->o + renderers[i].off);
        if (!path) continue;
        enum cut_err e = renderers[i].fn(c, path);
        if (e) {
            log_error("%s: cannot write %s: %s", path, renderers[i].what,
                      e == CUT_EIO ? strerror(errno) : cutover_strerror(e));
            return 3;
        }
    }
    return 0;
}

static void summary(const struct cmp *c)
{
    size_t failed = 0;
    for (size_t i = 0; i < c->ngate; i++) failed += !c->gate[i].passed;
    log_info("%s: %llu exchanges, %llu compared, parity %.2f%%, %llu missing, %llu extra, "
             "%llu errors; %zu of %zu gate rules failed",
             c->passed ? "PASS" : "FAIL", (unsigned long long)c->exchanges,
             (unsigned long long)c->compared, c->parity, (unsigned long long)c->missing,
             (unsigned long long)c->extra, (unsigned long long)c->errors, failed, c->ngate);
}

static int run(struct cmp_opts *o)
{
    struct cmp c;
    struct join_stats st;
    struct run r = {&c, {0}, NULL, &st};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cmp_init(&c, o);
    jarena_init(&r.arena, 0);
    struct join_sink sink = {on_pair, on_missing, on_extra, &r, on_end};
    char err[1024] = "";
    enum cut_err e = cmp_pool_new(&r.pool, &c, pool_threads(), on_bad, &r);
    if (!e) e = join_run(o->baseline, o->candidate, o->secondary, &sink, &st, err, sizeof err);
    if (!e) e = cmp_pool_drain(r.pool);
    if (e && !*err) snprintf(err, sizeof err, "comparison failed: %s", cutover_strerror(e));
    int status = 0;
    if (e) {
        log_error("%s", err);
        status = e == CUT_EPARSE || e == CUT_EINVAL || e == CUT_ELIMIT ? 2 : 3;
    }
    if (!status) {
        c.dup_baseline = st.dup_baseline;
        c.dup_candidate = st.dup_candidate;
        c.dup_secondary = st.dup_secondary;
        c.secondary_missing = st.secondary_missing;
        c.bad_lines += st.bad_lines;
        if ((e = cmp_finish(&c))) {
            log_error("comparison failed: %s", cutover_strerror(e));
            status = 3;
        }
    }
    if (!status) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        c.elapsed_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        status = render(&c);
        if (!status) summary(&c);
        if (!status && c.exchanges == 0 && c.extra == 0) {
            log_error("%s, %s: no exchange records", o->baseline, o->candidate);
            status = 2;
        }
        if (!status) status = c.passed ? 0 : 1;
    }
    cmp_pool_free(r.pool);
    jarena_release(&r.arena);
    cmp_release(&c);
    return status;
}

int main(int argc, char **argv)
{
    struct cmp_opts o;
    struct cli cl;
    log_init("cutover-compare");
    cmp_opts_init(&o);
    cmp_thresholds_unset(&cl.th);
    cl.alpha = cl.noise_rel = cl.noise_abs = cl.max_examples = NAN;
    cl.strict = false;
    cl.config = NULL;
    int c, idx, status = 0;
    while (!status && (c = getopt_long(argc, argv, "qh", longopts, &idx)) != -1) {
        if (c == 'h') {
            usage(stdout);
            cmp_opts_release(&o);
            return 0;
        }
        if (c == OPT_VERSION) {
            printf("cutover-compare %s\n", CMP_VERSION);
            cmp_opts_release(&o);
            return 0;
        }
        const char *name = "";
        for (size_t i = 0; longopts[i].name; i++)
            if (longopts[i].val == c) name = longopts[i].name;
        status = take(&o, &cl, c, optarg, name);
        if (status == 2 && c == '?') usage(stderr);
    }
    if (!status && argc - optind != 2) {
        log_error("expected BASELINE and CANDIDATE (see --help)");
        status = 2;
    }
    if (!status && cl.config) {
        char err[600];
        enum cut_err e = cmp_config_load(&o, cl.config, err, sizeof err);
        if (e) {
            log_error("%s", err);
            status = e == CUT_ENOMEM ? 3 : 2;
        }
    }
    if (!status) {
        apply_cli(&o, &cl);
        log_set_quiet(o.quiet);
        o.baseline = argv[optind];
        o.candidate = argv[optind + 1];
        status = run(&o);
    }
    cmp_opts_release(&o);
    return status;
}
