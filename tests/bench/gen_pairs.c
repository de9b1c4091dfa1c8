/* gen_pairs.c: writes N exchange pairs of notification-platform traffic
 * (SMS, e-mail, push, status look-ups) as two JSONL files, baseline and
 * candidate, in the record format of lib/har.c, for the compare benchmark.
 * Ids, timestamps and a few headers differ on every pair (as two real
 * platforms' would); a few percent of pairs carry a real difference.
 * Usage: gen_pairs N BASELINE CANDIDATE [SEED [DIFF_PCT]] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cutover/buf.h"
#include "cutover/exchange.h"
#include "cutover/har.h"
#include "cutover/outfile.h"

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        enum cut_err e_ = (expr);                                                                  \
        if (e_) return e_;                                                                         \
    } while (0)

#define SHUFFLE_WINDOW 64 /* candidate lines come out of order, as a replay's do */

enum kind { K_SMS, K_EMAIL, K_PUSH, K_STATUS };

enum diff {
    D_NONE,
    D_STATUS_VALUE, /* "queued" becomes "accepted" */
    D_NUMBER,       /* a count is off by one */
    D_MISSING,      /* a field is gone */
    D_EXTRA,        /* a field appears */
    D_TYPE,         /* a number becomes a string */
    D_ORDER,        /* an array comes reversed */
    D_HTTP_500,     /* the candidate fails */
    D_ABSENT,       /* no candidate line at all */
    D_COUNT
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* What both sides of one pair share, drawn once. */
struct pair {
    uint64_t n;
    enum kind kind;
    enum diff diff;
    int64_t started_us;
    char to[16];
    unsigned code, account, nrecip, ntokens, tmpl_ver, mnc, hop_ms[2], attach;
    char reqid[40];
    char msgref[40]; /* the message a status look-up asks about */
};

/* What differs on every pair between the two platforms. */
struct side {
    int cand;
    uint64_t uid[2];
    int64_t at_us;
    double wait_ms;
};

static const char *const first_names[] = {"Ana", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus"};
static const char *const templates[] = {"welcome", "receipt", "reset_password", "digest"};
static const char *const carriers[] = {"t-mobile-us", "verizon", "att", "us-cellular"};

static void iso_time(char *out, size_t n, int64_t us)
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us / 1000 % 1000));
}

static enum diff draw_diff(unsigned diff_permille)
{
    if (below(1000) >= diff_permille) return D_NONE;
    return (enum diff)(1 + below(D_COUNT - 1));
}

static void draw_pair(struct pair *p, uint64_t n, unsigned diff_permille, int64_t t0)
{
    static const unsigned mix[] = {K_SMS,   K_SMS,  K_SMS,  K_SMS,   K_SMS,   K_SMS,   K_SMS,
                                   K_SMS,   K_SMS,  K_SMS,  K_EMAIL, K_EMAIL, K_EMAIL, K_EMAIL,
                                   K_EMAIL, K_PUSH, K_PUSH, K_PUSH,  K_PUSH,  K_STATUS};
    memset(p, 0, sizeof *p);
    p->n = n;
    p->kind = (enum kind)mix[below(sizeof mix / sizeof mix[0])];
    p->diff = draw_diff(diff_permille);
    p->started_us = t0 + (int64_t)n * 500 + below(400);
    snprintf(p->to, sizeof p->to, "+1555%07u", below(10000000));
    p->code = below(1000000);
    p->account = below(50000);
    p->nrecip = 1 + below(4);
    p->ntokens = 1 + below(5);
    p->tmpl_ver = 1 + below(12);
    p->mnc = 10 + below(800);
    p->hop_ms[0] = 1 + below(4);
    p->hop_ms[1] = 2 + below(9);
    p->attach = below(3) == 0;
    uint64_t a = rnd(), b = rnd();
    snprintf(p->reqid, sizeof p->reqid, "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a & 0xffff), (unsigned)(b >> 52), (unsigned)((b >> 40) & 0xfff),
             (unsigned long long)(b & 0xffffffffffffULL));
    snprintf(p->msgref, sizeof p->msgref, "SM%016llx%016llx", (unsigned long long)rnd(),
             (unsigned long long)rnd());
}

static void draw_side(struct side *s, const struct pair *p, int cand)
{
    s->cand = cand;
    s->uid[0] = rnd();
    s->uid[1] = rnd();
    s->wait_ms = 2.0 + (double)below(3000) / 100.0 + (cand ? (double)below(500) / 100.0 : 0);
    s->at_us = p->started_us + (int64_t)(s->wait_ms * 1000);
}

/* Whether this side shows the pair's difference d. */
static int shows(const struct pair *p, const struct side *s, enum diff d)
{
    return s->cand && p->diff == d;
}

static enum cut_err sms_request(struct buf *b, const struct pair *p)
{
    return buf_printf(b,
                      "{\"to\":\"%s\",\"from\":\"ACME\",\"text\":\"Your verification code is "
                      "%06u. It expires in 5 minutes.\",\"tags\":[\"otp\",\"login\"],"
                      "\"callback_url\":\"https://hooks.acme.example/sms/status\","
                      "\"validity_period\":300,\"account\":\"AC%08x\"}",
                      p->to, p->code, p->account);
}

static enum cut_err sms_response(struct buf *b, const struct pair *p, const struct side *s)
{
    char at[80];
    iso_time(at, sizeof at, s->at_us);
    TRY(buf_printf(b,
                   "{\"id\":\"SM%016llx%016llx\",\"account_id\":\"AC%08x\",\"status\":\"%s\","
                   "\"direction\":\"outbound-api\",\"from\":\"ACME\",\"to\":\"%s\","
                   "\"body\":\"Your verification code is %06u. It expires in 5 minutes.\",",
                   (unsigned long long)s->uid[0], (unsigned long long)s->uid[1], p->account,
                   shows(p, s, D_STATUS_VALUE) ? "accepted" : "queued", p->to, p->code));
    unsigned segs = 1 + (shows(p, s, D_NUMBER) ? 1 : 0);
    TRY(buf_printf(b, shows(p, s, D_TYPE) ? "\"num_segments\":\"%u\"," : "\"num_segments\":%u,",
                   segs));
    TRY(buf_puts(b, "\"price\":null,"));
    if (!shows(p, s, D_MISSING)) TRY(buf_puts(b, "\"price_unit\":\"USD\","));
    TRY(buf_printf(b, "\"created_at\":\"%s\",\"updated_at\":\"%s\",\"error_code\":null,", at, at));
    TRY(buf_puts(b, shows(p, s, D_ORDER) ? "\"tags\":[\"login\",\"otp\"],"
                                         : "\"tags\":[\"otp\",\"login\"],"));
    TRY(buf_printf(b,
                   "\"routing\":{\"carrier\":\"%s\",\"mcc\":\"310\",\"mnc\":\"%03u\","
                   "\"hops\":[{\"node\":\"edge-%u\",\"ms\":%u},{\"node\":\"core-%u\",\"ms\":%u}]}",
                   carriers[p->mnc % 4], p->mnc, p->mnc % 7, p->hop_ms[0], p->mnc % 3,
                   p->hop_ms[1]));
    if (shows(p, s, D_EXTRA)) TRY(buf_puts(b, ",\"region\":\"eu-west-1\""));
    return buf_putc(b, '}');
}

static enum cut_err email_request(struct buf *b, const struct pair *p)
{
    TRY(buf_puts(b, "{\"to\":["));
    for (unsigned i = 0; i < p->nrecip; i++)
        TRY(buf_printf(b, "%s{\"email\":\"user%u.%u@example.com\",\"name\":\"%s\"}", i ? "," : "",
                       p->account, i, first_names[(p->account + i) % 7]));
    return buf_printf(b,
                      "],\"from\":{\"email\":\"no-reply@acme.example\",\"name\":\"ACME\"},"
                      "\"template_id\":\"tpl_%s\",\"variables\":{\"first_name\":\"%s\","
                      "\"plan\":\"pro\",\"items\":[{\"sku\":\"A-%u\",\"qty\":%u}]},"
                      "\"tracking\":{\"opens\":true,\"clicks\":true}}",
                      templates[p->tmpl_ver % 4], first_names[p->account % 7], p->code % 997,
                      1 + p->code % 5);
}

static enum cut_err email_response(struct buf *b, const struct pair *p, const struct side *s)
{
    char at[80];
    iso_time(at, sizeof at, s->at_us);
    TRY(buf_printf(b, "{\"id\":\"<%016llx.%llu@mail.acme.example>\",\"status\":\"%s\",",
                   (unsigned long long)s->uid[0], (unsigned long long)(s->uid[1] % 100000),
                   shows(p, s, D_STATUS_VALUE) ? "queued" : "accepted"));
    TRY(buf_printf(b, "\"template\":{\"id\":\"tpl_%s\",\"version\":%u},\"recipients\":[",
                   templates[p->tmpl_ver % 4], p->tmpl_ver + (shows(p, s, D_NUMBER) ? 1 : 0)));
    for (unsigned k = 0; k < p->nrecip; k++) {
        unsigned i = shows(p, s, D_ORDER) ? p->nrecip - 1 - k : k;
        TRY(buf_printf(b,
                       "%s{\"email\":\"user%u.%u@example.com\",\"type\":\"to\","
                       "\"status\":\"accepted\",\"reject_reason\":null}",
                       k ? "," : "", p->account, i));
    }
    TRY(buf_puts(b, shows(p, s, D_TYPE) ? "],\"tracking\":{\"opens\":\"true\",\"clicks\":true},"
                                        : "],\"tracking\":{\"opens\":true,\"clicks\":true},"));
    TRY(buf_puts(b, "\"attachments\":["));
    if (p->attach)
        TRY(buf_printf(b,
                       "{\"filename\":\"invoice-%u.pdf\",\"size\":%u,"
                       "\"content_type\":\"application/pdf\"}",
                       p->code, 20000 + p->code % 90000));
    TRY(buf_putc(b, ']'));
    if (!shows(p, s, D_MISSING)) TRY(buf_printf(b, ",\"created_at\":\"%s\"", at));
    if (shows(p, s, D_EXTRA)) TRY(buf_puts(b, ",\"sandbox\":false"));
    return buf_putc(b, '}');
}

static enum cut_err push_request(struct buf *b, const struct pair *p)
{
    TRY(buf_puts(b, "{\"registration_ids\":["));
    for (unsigned i = 0; i < p->ntokens; i++)
        TRY(buf_printf(b, "%s\"fcm:%08x%08x:APA91b%06u\"", i ? "," : "", p->account, p->code + i,
                       p->code));
    return buf_printf(b,
                      "],\"notification\":{\"title\":\"Your order has shipped\","
                      "\"body\":\"Order %u is on its way\"},\"data\":{\"order_id\":\"ORD-%u\","
                      "\"deep_link\":\"acme://orders/%u\"},\"priority\":\"high\",\"ttl\":3600}",
                      p->code, p->code, p->code);
}

static enum cut_err push_response(struct buf *b, const struct pair *p, const struct side *s)
{
    char at[80];
    unsigned fail = p->ntokens > 2 ? 1 : 0;
    iso_time(at, sizeof at, s->at_us);
    TRY(buf_printf(b,
                   "{\"multicast_id\":%llu,\"success\":%u,\"failure\":%u,\"canonical_ids\":0,"
                   "\"results\":[",
                   (unsigned long long)(s->uid[0] >> 11),
                   p->ntokens - fail + (shows(p, s, D_NUMBER) ? 1 : 0), fail));
    for (unsigned k = 0; k < p->ntokens; k++) {
        unsigned i = shows(p, s, D_ORDER) ? p->ntokens - 1 - k : k;
        if (i == 1 && fail)
            TRY(buf_printf(b, "%s{\"error\":\"NotRegistered\"}", k ? "," : ""));
        else
            TRY(buf_printf(b, "%s{\"message_id\":\"0:%llu%%%08x\"}", k ? "," : "",
                           (unsigned long long)(s->uid[1] >> 20) + i, p->account));
    }
    TRY(buf_putc(b, ']'));
    if (!shows(p, s, D_MISSING)) TRY(buf_printf(b, ",\"created_at\":\"%s\"", at));
    if (shows(p, s, D_TYPE))
        TRY(buf_puts(b, ",\"ttl\":\"3600\""));
    else
        TRY(buf_puts(b, ",\"ttl\":3600"));
    if (shows(p, s, D_EXTRA) || shows(p, s, D_STATUS_VALUE)) TRY(buf_puts(b, ",\"dry_run\":true"));
    return buf_putc(b, '}');
}

static enum cut_err status_response(struct buf *b, const struct pair *p, const struct side *s)
{
    static const char *const steps[] = {"queued", "sent", "delivered"};
    char at[80];
    TRY(buf_printf(b, "{\"id\":\"%s\",\"status\":\"%s\",\"events\":[", p->msgref,
                   shows(p, s, D_STATUS_VALUE) ? "sent" : "delivered"));
    for (unsigned k = 0; k < 3; k++) {
        unsigned i = shows(p, s, D_ORDER) ? 2 - k : k;
        iso_time(at, sizeof at, s->at_us - 3000000 + (int64_t)i * 1000000);
        TRY(buf_printf(b, "%s{\"type\":\"%s\",\"at\":\"%s\"}", k ? "," : "", steps[i], at));
    }
    TRY(buf_printf(b, "],\"error_code\":null,\"num_segments\":%u,",
                   1 + (shows(p, s, D_NUMBER) ? 1 : 0)));
    TRY(buf_puts(b, shows(p, s, D_TYPE) ? "\"price\":-0.0075" : "\"price\":\"-0.00750\""));
    if (!shows(p, s, D_MISSING)) TRY(buf_puts(b, ",\"price_unit\":\"USD\""));
    if (shows(p, s, D_EXTRA)) TRY(buf_puts(b, ",\"carrier\":\"verizon\""));
    return buf_putc(b, '}');
}

struct kind_spec {
    const char *method, *target;
    int status;
    const char *reason;
    enum cut_err (*request)(struct buf *, const struct pair *);
    enum cut_err (*response)(struct buf *, const struct pair *, const struct side *);
};

static const struct kind_spec kinds[] = {
    [K_SMS] = {"POST", "/v1/sms", 201, "Created", sms_request, sms_response},
    [K_EMAIL] = {"POST", "/v1/email", 202, "Accepted", email_request, email_response},
    [K_PUSH] = {"POST", "/v1/push", 200, "OK", push_request, push_response},
    [K_STATUS] = {"GET", "/v1/messages/", 200, "OK", NULL, status_response},
};

static enum cut_err add_header(struct headers *h, const char *name, const char *value)
{
    return headers_add(h, name, strlen(name), value, strlen(value));
}

static enum cut_err fill_request(struct exchange *x, const struct pair *p)
{
    const struct kind_spec *k = &kinds[p->kind];
    struct http_request *r = &x->req;
    char target[96], url[128];
    snprintf(target, sizeof target, "%s%s", k->target, p->kind == K_STATUS ? p->msgref : "");
    snprintf(url, sizeof url, "http://api.local:8080%s", target);
    TRY(exchange_strset(&r->method, k->method, strlen(k->method)));
    TRY(exchange_strset(&r->target, target, strlen(target)));
    TRY(exchange_strset(&r->url, url, strlen(url)));
    TRY(exchange_strset(&r->version, "HTTP/1.1", 8));
    if (k->request) {
        r->has_body = true;
        TRY(k->request(&r->body, p));
        r->body_size = (int64_t)r->body.len;
    }
    TRY(add_header(&r->headers, "Host", "api.local:8080"));
    TRY(add_header(&r->headers, "Authorization", "redacted:9d0c51b2a3f4e5d6"));
    TRY(add_header(&r->headers, "X-Request-Id", p->reqid));
    if (r->has_body) {
        TRY(add_header(&r->headers, "Content-Type", "application/json"));
    }
    r->headers_size = 180 + (int64_t)strlen(target);
    return CUT_OK;
}

static enum cut_err fill_response(struct exchange *x, const struct pair *p, const struct side *s)
{
    const struct kind_spec *k = &kinds[p->kind];
    struct http_response *r = &x->resp;
    char date[80];
    int fails = shows(p, s, D_HTTP_500);
    r->status = fails ? 500 : k->status;
    const char *reason = fails ? "Internal Server Error" : k->reason;
    TRY(exchange_strset(&r->reason, reason, strlen(reason)));
    TRY(exchange_strset(&r->version, "HTTP/1.1", 8));
    if (fails)
        TRY(buf_printf(&r->body,
                       "{\"error\":{\"code\":\"internal\",\"message\":\"upstream "
                       "timeout\",\"request_id\":\"%s\"}}",
                       p->reqid));
    else
        TRY(k->response(&r->body, p, s));
    r->body_size = r->content_size = (int64_t)r->body.len;
    iso_time(date, sizeof date, s->at_us);
    TRY(add_header(&r->headers, "Content-Type", "application/json"));
    TRY(add_header(&r->headers, "Date", date));
    TRY(add_header(&r->headers, "Server", s->cand ? "notify-ng/0.3.0" : "legacy-notify/1.9.4"));
    TRY(add_header(&r->headers, "X-Request-Id", p->reqid));
    r->headers_size = 160;
    return CUT_OK;
}

static enum cut_err build(struct exchange *x, const struct pair *p, const struct side *s)
{
    char id[48];
    exchange_init(x);
    snprintf(id, sizeof id, "5f3a9c1e-%llu-%llu", (unsigned long long)(p->n / 100 + 1),
             (unsigned long long)(p->n % 100 + 1));
    TRY(exchange_strset(&x->id, id, strlen(id)));
    x->started_us = p->started_us;
    x->send_ms = 0.04;
    x->wait_ms = s->wait_ms;
    x->receive_ms = 0.12;
    x->flow = (int64_t)(p->n / 100 + 1);
    x->seq = (int64_t)(p->n % 100 + 1);
    TRY(exchange_strset(&x->client, "10.1.2.3:41000", 14));
    TRY(exchange_strset(&x->server, "10.1.9.9:8080", 13));
    TRY(fill_request(x, p));
    return fill_response(x, p, s);
}

/* Format x as one line into line (reset first). */
static enum cut_err format(struct buf *line, struct exchange *x, const struct pair *p,
                           const struct side *s)
{
    buf_reset(line);
    enum cut_err e = build(x, p, s);
    if (!e) e = har_write_entry(line, x);
    if (!e) e = buf_putc(line, '\n');
    exchange_release(x);
    return e;
}

struct shuffler {
    struct buf slot[SHUFFLE_WINDOW];
    size_t used;
};

/* Queue line; once the window is full, write a random queued line. */
static enum cut_err shuffle_put(struct shuffler *sh, struct outfile *o, const struct buf *line)
{
    size_t i = sh->used < SHUFFLE_WINDOW ? sh->used++ : below(SHUFFLE_WINDOW);
    if (sh->used == SHUFFLE_WINDOW && sh->slot[i].len)
        TRY(outfile_put(o, sh->slot[i].data, sh->slot[i].len));
    return buf_set(&sh->slot[i], line->data, line->len);
}

static enum cut_err shuffle_drain(struct shuffler *sh, struct outfile *o)
{
    for (size_t i = 0; i < SHUFFLE_WINDOW; i++) {
        if (sh->slot[i].len) TRY(outfile_put(o, sh->slot[i].data, sh->slot[i].len));
        buf_free(&sh->slot[i]);
    }
    return CUT_OK;
}

static enum cut_err generate(uint64_t n, struct outfile *base, struct outfile *cand,
                             unsigned diff_permille, uint64_t counts[D_COUNT])
{
    struct exchange x;
    struct buf line = BUF_INIT;
    struct shuffler *sh = calloc(1, sizeof *sh);
    enum cut_err e = sh ? CUT_OK : CUT_ENOMEM;
    for (size_t i = 0; sh && i < SHUFFLE_WINDOW; i++) buf_init(&sh->slot[i], 0);
    for (uint64_t i = 0; i < n && !e; i++) {
        struct pair p;
        struct side sb, sc;
        draw_pair(&p, i, diff_permille, 1795734604000000LL);
        draw_side(&sb, &p, 0);
        draw_side(&sc, &p, 1);
        counts[p.diff]++;
        e = format(&line, &x, &p, &sb);
        if (!e) e = outfile_put(base, line.data, line.len);
        if (!e && p.diff != D_ABSENT) e = format(&line, &x, &p, &sc);
        if (!e && p.diff != D_ABSENT) e = shuffle_put(sh, cand, &line);
    }
    if (!e) e = shuffle_drain(sh, cand);
    free(sh);
    buf_free(&line);
    return e;
}

static int usage(void)
{
    fputs("usage: gen_pairs N BASELINE.jsonl CANDIDATE.jsonl [SEED [DIFF_PCT]]\n", stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 6) return usage();
    char *end;
    unsigned long long n = strtoull(argv[1], &end, 10);
    if (*end || n == 0) return usage();
    rng_state = argc > 4 ? strtoull(argv[4], &end, 10) : 42;
    double pct = argc > 5 ? strtod(argv[5], &end) : 3.0;
    if (pct < 0 || pct > 100) return usage();
    struct outfile base, cand;
    if (outfile_open(&base, argv[2], false) || outfile_open(&cand, argv[3], false)) {
        fprintf(stderr, "gen_pairs: cannot open the output files\n");
        return 3;
    }
    base.flush_at = cand.flush_at = 1 << 20;
    uint64_t counts[D_COUNT] = {0};
    enum cut_err e = generate(n, &base, &cand, (unsigned)(pct * 10 + 0.5), counts);
    enum cut_err e1 = outfile_close(&base, false), e2 = outfile_close(&cand, false);
    if (e || e1 || e2) {
        fprintf(stderr, "gen_pairs: %s\n", cutover_strerror(e ? e : e1 ? e1 : e2));
        return 3;
    }
    uint64_t diffs = n - counts[D_NONE];
    fprintf(stderr,
            "gen_pairs: %llu pairs, %llu with a real difference (%llu candidate lines "
            "absent)\n",
            n, (unsigned long long)diffs, (unsigned long long)counts[D_ABSENT]);
    return 0;
}
