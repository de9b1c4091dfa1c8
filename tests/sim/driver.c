/* driver.c: cutover-driver, the traffic driver of the demo and the
 * end-to-end test.  Sends --count requests of drv_mix's plan to a base URL
 * through libcurl's multi interface, --concurrency at a time, each slot
 * keeping its easy handle (and so its connection) warm, and prints how
 * many requests it sent and answered, per endpoint. */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/args.h"
#include "cutover/log.h"
#include "drv_mix.h"

#define MAX_IDS 4096

struct slot {
    CURL *easy;
    struct drv_req req;
    struct curl_slist *hdrs;
    struct buf resp;
    size_t sent_off; /* for chunked uploads through the read callback */
    long index;
};

struct driver {
    const char *base;
    long count, concurrency;
    uint64_t seed;
    bool quiet;
    long next, sent, answered, failed;
    long per_kind[DRV_KIND_COUNT];
    long per_status[6]; /* 1xx..5xx, [0] other */
    char *ids[MAX_IDS];
    size_t nids;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
    struct buf *b = ctx;
    return buf_append(b, p, sz * n) == CUT_OK ? sz * n : 0;
}

/* Hands the body out in uneven pieces, so that curl sends several chunks. */
static size_t on_read(char *p, size_t sz, size_t n, void *ctx)
{
    struct slot *s = ctx;
    size_t left = s->req.body.len - s->sent_off, room = sz * n;
    size_t k = left < room ? left : room;
    if (k > 700) k = 700;
    memcpy(p, s->req.body.data + s->sent_off, k);
    s->sent_off += k;
    return k;
}

static void remember_id(struct driver *d, const struct buf *body)
{
    json_t *j = json_loadb(body->data, body->len, 0, NULL);
    const char *id = json_string_value(json_object_get(j, "message_id"));
    if (id && d->nids < MAX_IDS) d->ids[d->nids++] = strdup(id);
    json_decref(j);
}

static struct curl_slist *add_header(struct curl_slist *l, const char *h)
{
    struct curl_slist *n = curl_slist_append(l, h);
    return n ? n : l;
}

static void slot_start(struct driver *d, struct slot *s, CURLM *multi)
{
    s->index = d->next++;
    drv_mix_make(d->seed, (size_t)s->index, d->ids, d->nids, &s->req);
    buf_reset(&s->resp);
    s->sent_off = 0;
    curl_slist_free_all(s->hdrs);
    s->hdrs = add_header(NULL, "Authorization: Bearer sk_demo_4f2a9c0e77d1");
    s->hdrs = add_header(s->hdrs, "User-Agent: cutover-driver/0.1");
    char line[80];
    if (s->req.request_id[0]) {
        snprintf(line, sizeof line, "X-Request-Id: %s", s->req.request_id);
        s->hdrs = add_header(s->hdrs, line);
    }
    if (s->req.close) s->hdrs = add_header(s->hdrs, "Connection: close");
    s->hdrs = add_header(s->hdrs, s->req.expect ? "Expect: 100-continue" : "Expect:");

    struct buf url = BUF_INIT;
    buf_printf(&url, "%s%s", d->base, s->req.path.data);
    CURL *e = s->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, url.data);
    buf_free(&url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &s->resp);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, s->req.fresh ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, s->req.fresh ? 1L : 0L);
    /* "gzip" rather than "" so the request says exactly what it accepts. */
    if (s->req.gzip) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    if (strcmp(s->req.method, "HEAD") == 0) curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    if (s->req.body.len) {
        s->hdrs = add_header(s->hdrs, "Content-Type: application/json");
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        if (s->req.chunked) {
            s->hdrs = add_header(s->hdrs, "Transfer-Encoding: chunked");
            curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(e, CURLOPT_READDATA, s);
        } else {
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->req.body.data);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->req.body.len);
        }
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->hdrs);
    curl_multi_add_handle(multi, e);
    d->sent++;
    d->per_kind[s->req.kind]++;
}

static void slot_done(struct driver *d, struct slot *s, CURLcode rc)
{
    long status = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status == 0) {
        d->failed++;
        log_warn("request %ld (%s %s): %s", s->index, s->req.method, s->req.path.data,
                 curl_easy_strerror(rc));
        return;
    }
    d->answered++;
    d->per_status[status >= 100 && status < 600 ? status / 100 : 0]++;
    if (status == 201 || status == 202) remember_id(d, &s->resp);
}

static int run(struct driver *d)
{
    CURLM *multi = curl_multi_init();
    long nslots = d->concurrency < d->count ? d->concurrency : d->count;
    struct slot *slots = calloc((size_t)(nslots > 0 ? nslots : 1), sizeof *slots);
    if (!multi || !slots) return 3;
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, nslots);
    for (long i = 0; i < nslots; i++) {
        slots[i].easy = curl_easy_init();
        drv_req_init(&slots[i].req);
        buf_init(&slots[i].resp, 0);
        slot_start(d, &slots[i], multi);
    }
    int running = 1;
    while (running) {
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left))) {
            if (m->msg != CURLMSG_DONE) continue;
            struct slot *s;
            CURLcode rc = m->data.result;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            slot_done(d, s, rc);
            curl_multi_remove_handle(multi, s->easy);
            if (d->next < d->count) {
                slot_start(d, s, multi);
                running = 1;
            }
        }
        if (running) curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    for (long i = 0; i < nslots; i++) {
        curl_easy_cleanup(slots[i].easy);
        curl_slist_free_all(slots[i].hdrs);
        drv_req_release(&slots[i].req);
        buf_free(&slots[i].resp);
    }
    free(slots);
    curl_multi_cleanup(multi);
    return 0;
}

static void report(const struct driver *d)
{
    printf("sent %ld requests: %ld answered, %ld failed\n", d->sent, d->answered, d->failed);
    printf("status classes: 2xx %ld, 4xx %ld, 5xx %ld\n", d->per_status[2], d->per_status[4],
           d->per_status[5]);
    /* Reads of known and unknown ids share one endpoint label. */
    static const enum drv_kind order[] = {DRV_SMS,         DRV_EMAIL,     DRV_PUSH,
                                          DRV_BATCH,       DRV_MSG_KNOWN, DRV_TEMPLATES,
                                          DRV_HEALTH_HEAD, DRV_HEALTH_GET};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        long n = d->per_kind[order[i]];
        if (order[i] == DRV_MSG_KNOWN) n += d->per_kind[DRV_MSG_UNKNOWN];
        printf("  %-24s %ld\n", drv_endpoint(order[i]), n);
    }
    fflush(stdout);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cutover-driver [--count N] [--concurrency N] [--seed N] [-q] BASE_URL\n"
               "Sends a notification-platform traffic mix to BASE_URL (http://127.0.0.1:PORT)\n"
               "and prints how many requests went to each endpoint.\n");
}

int main(int argc, char **argv)
{
    log_init("cutover-driver");
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},
        {"concurrency", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct driver d = {.count = 200, .concurrency = 4, .seed = 1};
    long v = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "n:c:s:qh", opts, NULL)) != -1) {
        bool ok = true;
        switch (ch) {
        case 'n':
            ok = !args_long(optarg, 0, 10000000, &d.count);
            break;
        case 'c':
            ok = !args_long(optarg, 1, 1000, &d.concurrency);
            break;
        case 's':
            ok = !args_long(optarg, 0, 0x7fffffffL, &v), d.seed = (uint64_t)v;
            break;
        case 'q':
            log_set_quiet(true);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("cutover-driver 0.1\n");
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
    if (optind + 1 != argc) {
        usage(stderr);
        return 2;
    }
    d.base = argv[optind];
    size_t bl = strlen(d.base);
    if (bl && d.base[bl - 1] == '/') argv[optind][bl - 1] = '\0';
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = run(&d);
    curl_global_cleanup();
    report(&d);
    for (size_t i = 0; i < d.nids; i++) free(d.ids[i]);
    return rc ? rc : d.failed ? 3 : 0;
}
