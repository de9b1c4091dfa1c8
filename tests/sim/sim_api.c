/* sim_api.c: the notification platform's endpoints.  Owns the table of
 * message ids it issued (so GET /v1/messages/{id} can answer 404 for the
 * rest), its random state, and how each flavor writes JSON.  The seeded
 * regressions are single, visible departures from the legacy behaviour;
 * everything else must mean the same in both flavors. */
#include "sim_api.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cutover/text.h"

#define SMS_PRICE_MICROS 40000 /* 0.04 EUR a segment */
#define SMS_MAX_SEGMENTS 10
#define BATCH_MAX 100
#define ID_LEN 36 /* "msg_" and 32 hex digits */

struct msg {
    char id[ID_LEN + 1];
    char channel[8];
    long long created_us;
};

struct sim_api {
    struct sim_api_opts o;
    uint64_t idrng;   /* ids and request ids: different in every run */
    struct msg *msgs; /* open addressing, cap a power of two */
    size_t nmsgs, cap;
};

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void iso_time(long long us, char out[80])
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((us % 1000000) / 1000));
}

struct sim_api *sim_api_new(const struct sim_api_opts *o)
{
    struct sim_api *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->o = *o;
    a->idrng = (uint64_t)now_us() ^ ((uint64_t)getpid() << 32) ^ 0xD1B54A32D192ED03ULL;
    a->cap = 1024;
    a->msgs = calloc(a->cap, sizeof *a->msgs);
    if (!a->msgs) {
        free(a);
        return NULL;
    }
    return a;
}

void sim_api_free(struct sim_api *a)
{
    if (!a) return;
    free(a->msgs);
    free(a);
}

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

static struct msg *msg_slot(struct msg *v, size_t cap, const char *id)
{
    size_t i = (size_t)hash_id(id) & (cap - 1);
    while (v[i].id[0] && strcmp(v[i].id, id) != 0) i = (i + 1) & (cap - 1);
    return &v[i];
}

static void msg_remember(struct sim_api *a, const char *id, const char *channel)
{
    if ((a->nmsgs + 1) * 2 > a->cap) {
        struct msg *nv = calloc(a->cap * 2, sizeof *nv);
        if (!nv) return; /* forgetting an id only turns a later read into 404 */
        for (size_t i = 0; i < a->cap; i++)
            if (a->msgs[i].id[0]) *msg_slot(nv, a->cap * 2, a->msgs[i].id) = a->msgs[i];
        free(a->msgs);
        a->msgs = nv;
        a->cap *= 2;
    }
    struct msg *m = msg_slot(a->msgs, a->cap, id);
    snprintf(m->id, sizeof m->id, "%s", id);
    snprintf(m->channel, sizeof m->channel, "%s", channel);
    m->created_us = now_us();
    a->nmsgs++;
}

static void new_id(struct sim_api *a, const char *prefix, char *out, size_t outlen)
{
    uint64_t hi = rng_next(&a->idrng), lo = rng_next(&a->idrng);
    snprintf(out, outlen, "%s%016llx%016llx", prefix, (unsigned long long)hi,
             (unsigned long long)lo);
}

/* --- writing JSON the way each flavor does ------------------------------ */

/* The legacy platform writes whole-number reals without a fraction ("0"),
 * the new one keeps it ("0.0"): the same number either way. */
static void reals_to_integers(json_t *j)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(j)) {
        json_object_foreach(j, k, v)
        {
            if (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v))
                json_object_set_new(j, k, json_integer((long long)json_real_value(v)));
            else
                reals_to_integers(v);
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v)
        {
            if (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v))
                json_array_set_new(j, i, json_integer((long long)json_real_value(v)));
            else
                reals_to_integers(v);
        }
    }
}

/* Serialise j (stolen) into resp's body. */
static void reply_json(struct sim_api *a, struct sim_http_resp *resp, int status, json_t *j)
{
    size_t flags = JSON_REAL_PRECISION(12);
    if (a->o.flavor == SIM_FLAVOR_LEGACY) {
        reals_to_integers(j);
        flags |= JSON_COMPACT | JSON_PRESERVE_ORDER;
    } else {
        flags |= JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII;
    }
    char *s = json_dumps(j, flags);
    json_decref(j);
    resp->status = status;
    buf_reset(&resp->body);
    if (s) {
        buf_puts(&resp->body, s);
        if (a->o.flavor == SIM_FLAVOR_NEW) buf_putc(&resp->body, '\n');
    }
    free(s);
    headers_set(&resp->headers, "Content-Type", "application/json");
}

static void reply_error(struct sim_api *a, struct sim_http_resp *resp, int status, const char *code,
                        const char *message, const char *field)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (field) json_object_set_new(e, "field", json_string(field));
    reply_json(a, resp, status, json_pack("{s:o}", "error", e));
}

/* --- templates ---------------------------------------------------------- */

struct tmpl {
    const char *id, *channel, *text;
};

static const struct tmpl templates[] = {
    {"otp", "sms", "Your code is {{code}}. It expires in 10 minutes."},
    {"otp_zh", "sms", "您的验证码是{{code}}，10分钟内有效。"},
    {"delivery", "sms", "Your parcel {{parcel}} arrives {{day}} between {{from}} and {{to}}."},
    {"welcome", "email", "Welcome aboard, {{name}}!"},
    {"receipt", "email", "Receipt {{number}}: {{amount}} paid."},
    {"password_reset", "email", "Reset your password: {{link}}"},
    {"promo", "push", "🎉 {{percent}}% off this weekend only"},
    {"reminder", "push", "Reminder: {{event}} starts at {{time}}"},
};
#define NTEMPLATES (sizeof templates / sizeof templates[0])

static const struct tmpl *tmpl_find(const char *id)
{
    for (size_t i = 0; i < NTEMPLATES; i++)
        if (strcmp(templates[i].id, id) == 0) return &templates[i];
    return NULL;
}

/* Render t with vars into out; on a missing variable, its name goes to
 * missing and false is returned. */
static bool tmpl_render(const struct tmpl *t, json_t *vars, struct buf *out, char *missing,
                        size_t mlen)
{
    const char *p = t->text;
    while (*p) {
        const char *open = strstr(p, "{{"), *close = open ? strstr(open, "}}") : NULL;
        if (!close) {
            buf_puts(out, p);
            break;
        }
        buf_append(out, p, (size_t)(open - p));
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(close - open - 2), open + 2);
        json_t *v = json_object_get(vars, name);
        if (json_is_string(v)) {
            buf_puts(out, json_string_value(v));
        } else if (json_is_number(v)) {
            buf_printf(out, "%g", json_number_value(v));
        } else {
            snprintf(missing, mlen, "%s", name);
            return false;
        }
        p = close + 2;
    }
    return true;
}

static void api_templates(struct sim_api *a, const struct sim_http_req *req,
                          struct sim_http_resp *resp, const char *arg)
{
    (void)req, (void)arg;
    json_t *list = json_array();
    for (size_t k = 0; k < NTEMPLATES; k++) {
        size_t i = (a->o.regress & SIM_REGRESS_ORDER) ? NTEMPLATES - 1 - k : k;
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "id", templates[i].id, "channel",
                                              templates[i].channel, "text", templates[i].text));
    }
    reply_json(a, resp, 200,
               json_pack("{s:o, s:i}", "templates", list, "count", (json_int_t)NTEMPLATES));
}

/* --- channels ------------------------------------------------------------ */

/* One message's outcome: status, and either a result object or an error. */
struct outcome {
    int status;
    json_t *body; /* new reference */
};

static struct outcome fail(int status, const char *code, const char *message, const char *field)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (field) json_object_set_new(e, "field", json_string(field));
    struct outcome r = {status, json_pack("{s:o}", "error", e)};
    return r;
}

static json_t *accepted(struct sim_api *a, const char *channel, const char *state)
{
    char id[ID_LEN + 1], ts[80];
    new_id(a, "msg_", id, sizeof id);
    msg_remember(a, id, channel);
    iso_time(now_us(), ts);
    return json_pack("{s:s, s:s, s:s, s:s}", "message_id", id, "channel", channel, "status", state,
                     "created_at", ts);
}

static struct outcome send_sms(struct sim_api *a, json_t *m)
{
    const char *to = json_string_value(json_object_get(m, "to"));
    if (!sim_e164_valid(to))
        return fail((a->o.regress & SIM_REGRESS_STATUS) ? 422 : 400, "invalid_recipient",
                    "recipient must be an E.164 number such as +4915112345678", "to");
    struct buf text = BUF_INIT;
    json_t *t = json_object_get(m, "text");
    const char *tid = json_string_value(json_object_get(m, "template_id"));
    if (json_is_string(t)) {
        buf_append(&text, json_string_value(t), json_string_length(t));
    } else if (tid) {
        const struct tmpl *tp = tmpl_find(tid);
        char missing[64];
        if (!tp || strcmp(tp->channel, "sms") != 0) {
            buf_free(&text);
            return fail(422, "unknown_template", "no SMS template with this id", "template_id");
        }
        if (!tmpl_render(tp, json_object_get(m, "variables"), &text, missing, sizeof missing)) {
            buf_free(&text);
            return fail(422, "missing_variable", missing, "variables");
        }
    } else {
        return fail(422, "missing_field", "text or template_id is required", "text");
    }
    enum sim_sms_encoding enc;
    size_t units = sim_sms_units(text.data, text.len, &enc);
    buf_free(&text);
    unsigned segs = sim_sms_segments(units, enc);
    if ((a->o.regress & SIM_REGRESS_SEGMENTS) && enc == SIM_SMS_UCS2)
        segs = sim_sms_segments(units, SIM_SMS_GSM7);
    if (units == 0) return fail(422, "empty_text", "text must not be empty", "text");
    if (segs > SMS_MAX_SEGMENTS)
        return fail(422, "text_too_long", "text needs more than 10 segments", "text");
    json_t *r = accepted(a, "sms", "queued");
    json_object_set_new(r, "to", json_string(to));
    json_object_set_new(r, "encoding", json_string(enc == SIM_SMS_GSM7 ? "GSM-7" : "UCS-2"));
    json_object_set_new(r, "characters", json_integer((json_int_t)units));
    json_object_set_new(r, "segments", json_integer(segs));
    json_object_set_new(r, "cost",
                        json_pack("{s:f, s:s}", "amount", segs * (double)SMS_PRICE_MICROS / 1e6,
                                  "currency", "EUR"));
    if (tid) json_object_set_new(r, "template_id", json_string(tid));
    struct outcome o = {201, r};
    return o;
}

static bool email_valid(const char *s)
{
    const char *at = s ? strchr(s, '@') : NULL;
    return at && at != s && !strchr(at + 1, '@') && strchr(at + 1, '.') && !strchr(s, ' ') &&
           at[strlen(at) - 1] != '.';
}

/* Check and measure the attachments; *total gets the decoded bytes. */
static struct outcome email_attachments(json_t *list, json_t *out, size_t *total)
{
    size_t i;
    json_t *att;
    struct outcome ok = {0, NULL};
    if (list && !json_is_array(list))
        return fail(422, "invalid_attachment", "attachments must be a list", "attachments");
    json_array_foreach(list, i, att)
    {
        const char *name = json_string_value(json_object_get(att, "filename"));
        json_t *c = json_object_get(att, "content");
        struct buf raw = BUF_INIT;
        if (!name || !json_is_string(c) ||
            text_b64_decode(&raw, json_string_value(c), json_string_length(c)) != CUT_OK) {
            buf_free(&raw);
            return fail(422, "invalid_attachment",
                        "each attachment needs a filename and base64 content", "attachments");
        }
        const char *type = json_string_value(json_object_get(att, "content_type"));
        json_array_append_new(out, json_pack("{s:s, s:s, s:I}", "filename", name, "content_type",
                                             type ? type : "application/octet-stream", "size",
                                             (json_int_t)raw.len));
        *total += raw.len;
        buf_free(&raw);
    }
    return ok;
}

static struct outcome send_email(struct sim_api *a, json_t *m)
{
    const char *to = json_string_value(json_object_get(m, "to"));
    if (!email_valid(to))
        return fail(400, "invalid_recipient", "recipient must be an e-mail address", "to");
    const char *subject = json_string_value(json_object_get(m, "subject"));
    if (!subject || !*subject) return fail(422, "missing_field", "subject is required", "subject");
    json_t *html = json_object_get(m, "html"), *text = json_object_get(m, "text");
    if (!json_is_string(html) && !json_is_string(text))
        return fail(422, "missing_field", "html or text is required", "text");
    json_t *atts = json_array();
    size_t total = json_string_length(html) + json_string_length(text);
    struct outcome bad = email_attachments(json_object_get(m, "attachments"), atts, &total);
    if (bad.body) {
        json_decref(atts);
        return bad;
    }
    json_t *r = accepted(a, "email", "accepted");
    if (!(a->o.regress & SIM_REGRESS_DROP)) json_object_set_new(r, "recipient", json_string(to));
    json_object_set_new(r, "subject", json_string(subject));
    json_object_set_new(r, "attachments", atts);
    json_object_set_new(r, "size_bytes", json_integer((json_int_t)total));
    json_object_set_new(r, "cost", json_pack("{s:f, s:s}", "amount", 0.0, "currency", "EUR"));
    struct outcome o = {202, r};
    return o;
}

static bool token_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 32 && n <= 200 && strspn(s, "0123456789abcdefABCDEF:_-") == n;
}

static struct outcome send_push(struct sim_api *a, json_t *m)
{
    const char *tok = json_string_value(json_object_get(m, "device_token"));
    if (!token_valid(tok))
        return fail(400, "invalid_device_token", "device_token is not a valid token",
                    "device_token");
    const char *title = json_string_value(json_object_get(m, "title"));
    const char *body = json_string_value(json_object_get(m, "body"));
    if (!title || !body) return fail(422, "missing_field", "title and body are required", "body");
    json_t *badge = json_object_get(m, "badge");
    if (badge && (!json_is_integer(badge) || json_integer_value(badge) < 0))
        return fail(422, "invalid_badge", "badge must be a non-negative integer", "badge");
    json_t *data = json_object_get(m, "data");
    char *ds = data ? json_dumps(data, JSON_COMPACT) : NULL;
    size_t payload = strlen(title) + strlen(body) + (ds ? strlen(ds) : 0);
    free(ds);
    if (payload > 4096) return fail(413, "payload_too_large", "push payload over 4 KiB", "data");
    json_t *r = accepted(a, "push", "queued");
    const char *platform = json_string_value(json_object_get(m, "platform"));
    json_object_set_new(r, "platform", json_string(platform ? platform : "android"));
    json_object_set_new(r, "badge", json_integer(badge ? json_integer_value(badge) : 0));
    json_object_set_new(r, "payload_bytes", json_integer((json_int_t)payload));
    json_object_set_new(r, "cost", json_pack("{s:f, s:s}", "amount", 0.0, "currency", "EUR"));
    struct outcome o = {201, r};
    return o;
}

struct channel {
    const char *name;
    struct outcome (*send)(struct sim_api *, json_t *);
};

static const struct channel channels[] = {
    {"sms", send_sms},
    {"email", send_email},
    {"push", send_push},
};

/* --- endpoints ----------------------------------------------------------- */

/* The request body as a JSON object, or an error answer already made. */
static json_t *body_object(struct sim_api *a, const struct sim_http_req *req,
                           struct sim_http_resp *resp)
{
    const struct header *ct = headers_get(&req->headers, "Content-Type");
    if (!ct || strncmp(ct->value, "application/json", 16) != 0) {
        reply_error(a, resp, 415, "unsupported_media_type", "send application/json", NULL);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(req->body.data, req->body.len, 0, &je);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        reply_error(a, resp, 400, "invalid_json", j ? "body must be a JSON object" : je.text, NULL);
        return NULL;
    }
    return j;
}

static void api_channel(struct sim_api *a, const struct sim_http_req *req,
                        struct sim_http_resp *resp, const char *arg)
{
    json_t *m = body_object(a, req, resp);
    if (!m) return;
    for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++) {
        if (strcmp(channels[i].name, arg) != 0) continue;
        struct outcome o = channels[i].send(a, m);
        reply_json(a, resp, o.status, o.body);
    }
    json_decref(m);
    if ((a->o.regress & SIM_REGRESS_LATENCY) && strcmp(arg, "push") == 0)
        resp->delay_ms += SIM_REGRESS_LATENCY_MS;
}

static json_t *batch_item(struct sim_api *a, size_t index, json_t *m)
{
    const char *ch = json_string_value(json_object_get(m, "channel"));
    struct outcome o =
        fail(422, "unknown_channel", "channel must be sms, email or push", "channel");
    for (size_t i = 0; ch && i < sizeof channels / sizeof channels[0]; i++) {
        if (strcmp(channels[i].name, ch) != 0) continue;
        json_decref(o.body);
        o = channels[i].send(a, m);
    }
    json_t *r = json_pack("{s:I, s:i}", "index", (json_int_t)index, "status", o.status);
    json_t *err = json_object_get(o.body, "error");
    if (err)
        json_object_set(r, "error", err);
    else
        json_object_set(r, "message", o.body);
    json_decref(o.body);
    return r;
}

static void api_batch(struct sim_api *a, const struct sim_http_req *req, struct sim_http_resp *resp,
                      const char *arg)
{
    (void)arg;
    json_t *b = body_object(a, req, resp);
    if (!b) return;
    json_t *msgs = json_object_get(b, "messages");
    if (!json_is_array(msgs) || json_array_size(msgs) == 0) {
        reply_error(a, resp, 422, "missing_field", "messages must be a non-empty list", "messages");
    } else if (json_array_size(msgs) > BATCH_MAX) {
        reply_error(a, resp, 413, "batch_too_large", "at most 100 messages a batch", "messages");
    } else {
        json_t *results = json_array();
        size_t i, ok = 0;
        json_t *m;
        json_array_foreach(msgs, i, m)
        {
            json_t *r = batch_item(a, i, m);
            ok += json_integer_value(json_object_get(r, "status")) < 300;
            json_array_append_new(results, r);
        }
        char bid[ID_LEN + 1];
        new_id(a, "bat_", bid, sizeof bid);
        reply_json(a, resp, 207,
                   json_pack("{s:s, s:I, s:I, s:o}", "batch_id", bid, "accepted", (json_int_t)ok,
                             "rejected", (json_int_t)(json_array_size(msgs) - ok), "results",
                             results));
    }
    json_decref(b);
}

static void api_message(struct sim_api *a, const struct sim_http_req *req,
                        struct sim_http_resp *resp, const char *id)
{
    (void)req;
    struct msg *m = strlen(id) == ID_LEN ? msg_slot(a->msgs, a->cap, id) : NULL;
    if (!m || !m->id[0]) {
        reply_error(a, resp, 404, "not_found", "no message with this id", NULL);
        return;
    }
    char created[80], updated[80];
    iso_time(m->created_us, created);
    iso_time(now_us(), updated);
    reply_json(a, resp, 200,
               json_pack("{s:s, s:s, s:s, s:s, s:s}", "message_id", m->id, "channel", m->channel,
                         "status", "delivered", "created_at", created, "updated_at", updated));
}

static void api_health(struct sim_api *a, const struct sim_http_req *req,
                       struct sim_http_resp *resp, const char *arg)
{
    (void)req, (void)arg;
    reply_json(a, resp, 200, json_pack("{s:s}", "status", "ok"));
}

struct route {
    const char *method;
    const char *path; /* a trailing '*' takes the rest as the argument */
    void (*fn)(struct sim_api *, const struct sim_http_req *, struct sim_http_resp *,
               const char *arg);
    const char *arg;
};

static const struct route routes[] = {
    {"POST", "/v1/sms", api_channel, "sms"},      {"POST", "/v1/email", api_channel, "email"},
    {"POST", "/v1/push", api_channel, "push"},    {"POST", "/v1/batch", api_batch, NULL},
    {"GET", "/v1/messages/*", api_message, NULL}, {"GET", "/v1/templates", api_templates, NULL},
    {"GET", "/healthz", api_health, NULL},        {"HEAD", "/healthz", api_health, NULL},
};

/* Whether path matches pattern; *arg gets the wildcard's part. */
static bool route_match(const char *pattern, const char *path, const char **arg)
{
    size_t n = strlen(pattern);
    if (pattern[n - 1] == '*') {
        *arg = path + n - 1;
        return strncmp(pattern, path, n - 1) == 0 && **arg && !strchr(*arg, '/');
    }
    return strcmp(pattern, path) == 0;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* The jitter is a function of the request and the seed, not of arrival
 * order: simulators started with the same seed take the same time over the
 * same request, so a replay measures the platform, not the dice. */
static unsigned latency(struct sim_api *a, const struct sim_http_req *req)
{
    long d = (long)a->o.latency_ms;
    if (a->o.jitter_ms) {
        uint64_t h = 1469598103934665603ULL ^ a->o.seed;
        h = hash_bytes(h, req->method, strlen(req->method));
        h = hash_bytes(h, req->target, strlen(req->target));
        h = hash_bytes(h, req->body.data, req->body.len);
        h = rng_next(&h);
        d += (long)(h % (2 * a->o.jitter_ms + 1)) - (long)a->o.jitter_ms;
    }
    return d > 0 ? (unsigned)d : 0;
}

void sim_api_handle(void *ctx, const struct sim_http_req *req, struct sim_http_resp *resp)
{
    struct sim_api *a = ctx;
    char path[2048];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(req->target, "?"), req->target);
    char rid[40];
    const struct header *h = headers_get(&req->headers, "X-Request-Id");
    if (h && strlen(h->value) < 128) {
        headers_set(&resp->headers, "X-Request-Id", h->value);
    } else {
        new_id(a, "req_", rid, sizeof rid);
        headers_set(&resp->headers, "X-Request-Id", rid);
    }
    resp->delay_ms = latency(a, req);
    bool path_known = false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const char *arg = routes[i].arg;
        if (!route_match(routes[i].path, path, &arg)) continue;
        path_known = true;
        if (strcmp(routes[i].method, req->method) != 0) continue;
        routes[i].fn(a, req, resp, arg);
        return;
    }
    if (path_known)
        reply_error(a, resp, 405, "method_not_allowed", "method not allowed here", NULL);
    else
        reply_error(a, resp, 404, "not_found", "no such endpoint", NULL);
}

static const char *const regress_names[] = {"status", "segments", "drop", "order", "latency"};

enum cut_err sim_regress_parse(const char *list, unsigned *mask, char *err, size_t errlen)
{
    *mask = 0;
    const char *p = list ? list : "";
    while (*p) {
        size_t n = strcspn(p, ",");
        bool found = n == 0 || (n == 4 && strncmp(p, "none", 4) == 0);
        for (size_t i = 0; !found && i < sizeof regress_names / sizeof regress_names[0]; i++) {
            if (strlen(regress_names[i]) == n && strncmp(regress_names[i], p, n) == 0) {
                *mask |= 1u << i;
                found = true;
            }
        }
        if (!found) {
            snprintf(err, errlen,
                     "unknown regression '%.*s' (status, segments, drop, order, latency)", (int)n,
                     p);
            return CUT_EINVAL;
        }
        p += n + (p[n] == ',');
    }
    return CUT_OK;
}
