/* drv_mix.c: what production traffic to a notification platform looks
 * like, in miniature: mostly SMS and e-mail, some push and batches, reads
 * of earlier ids and of ids nobody issued, template listings and health
 * probes; Chinese and emoji text, invalid recipients, large attachments,
 * gzip, chunked uploads, fresh connections.  Each request draws from its
 * own random stream (seed and index), so the plan is reproducible. */
#include "drv_mix.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cutover/text.h"

#define LARGE_ATTACHMENT_RAW (150 * 1024) /* 200 KiB once base64 */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static unsigned pick(uint64_t *s, unsigned n)
{
    return (unsigned)(splitmix(s) % n);
}

static bool chance(uint64_t *s, unsigned pct)
{
    return pick(s, 100) < pct;
}

static const struct {
    enum drv_kind kind;
    unsigned weight;
    const char *endpoint, *method;
} kinds[] = {
    {DRV_SMS, 38, "POST /v1/sms", "POST"},
    {DRV_EMAIL, 25, "POST /v1/email", "POST"},
    {DRV_PUSH, 10, "POST /v1/push", "POST"},
    {DRV_BATCH, 6, "POST /v1/batch", "POST"},
    {DRV_MSG_KNOWN, 8, "GET /v1/messages/{id}", "GET"},
    {DRV_MSG_UNKNOWN, 3, "GET /v1/messages/{id}", "GET"},
    {DRV_TEMPLATES, 4, "GET /v1/templates", "GET"},
    {DRV_HEALTH_HEAD, 4, "HEAD /healthz", "HEAD"},
    {DRV_HEALTH_GET, 2, "GET /healthz", "GET"},
};

const char *drv_endpoint(enum drv_kind k)
{
    return (size_t)k < sizeof kinds / sizeof kinds[0] ? kinds[k].endpoint : "?";
}

void drv_req_init(struct drv_req *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->path, 0);
    buf_init(&r->body, 0);
}

void drv_req_release(struct drv_req *r)
{
    buf_free(&r->path);
    buf_free(&r->body);
    drv_req_init(r);
}

/* --- text ------------------------------------------------------------- */

static const char *const gsm_phrases[] = {
    "Your code is 482913. ",
    "Your parcel arrives tomorrow between 9 and 12. ",
    "Payment of EUR 42.50 received, thank you! ",
    "Ihr Termin ist am Montag um 10 Uhr. ",
    "Reply STOP to opt out. ",
    "Café Müller: your table for 4 is ready. ",
    "Use code {SAVE10} at checkout [today only]. ",
    "Bonjour, votre colis est arrivé. ",
};
static const char *const zh_phrases[] = {
    "您的验证码是482913。",   "您的包裹将于明天上午送达。", "感谢您的购买！",
    "请在十分钟内完成支付。", "您的预约已确认。",
};
static const char *const emoji_phrases[] = {
    "Your order shipped 📦🚚 ", "Happy birthday! 🎉🎂 ",   "All done ✅ ",
    "See you soon ❤️ ",   "Flash sale 🔥 50% off ",
};

/* Append phrases from list until out holds at least target bytes. */
static void fill_text(uint64_t *s, const char *const *list, size_t n, size_t target,
                      struct buf *out)
{
    while (out->len < target) buf_puts(out, list[pick(s, (unsigned)n)]);
}

static void sms_text(uint64_t *s, struct buf *out)
{
    unsigned style = pick(s, 100);
    if (style < 55)
        fill_text(s, gsm_phrases, sizeof gsm_phrases / sizeof gsm_phrases[0], 20 + pick(s, 400),
                  out);
    else if (style < 85) /* Chinese: 3 bytes a character, so 20 to 100 characters */
        fill_text(s, zh_phrases, sizeof zh_phrases / sizeof zh_phrases[0], 60 + pick(s, 240), out);
    else
        fill_text(s, emoji_phrases, sizeof emoji_phrases / sizeof emoji_phrases[0],
                  20 + pick(s, 200), out);
}

/* --- bodies ----------------------------------------------------------- */

static json_t *phone(uint64_t *s, bool valid)
{
    static const char *const bad[] = {"015112345678", "+49 151 1234567", "+0123456789",
                                      "+12",          "not-a-number",    "+4915112345678901"};
    static const char *const prefix[] = {"+4915", "+1555", "+86138", "+4479"};
    char num[32];
    if (!valid) return json_string(bad[pick(s, sizeof bad / sizeof bad[0])]);
    snprintf(num, sizeof num, "%s%08u", prefix[pick(s, 4)], pick(s, 100000000));
    return json_string(num);
}

static json_t *sms_body(uint64_t *s)
{
    json_t *m = json_object();
    json_object_set_new(m, "to", phone(s, !chance(s, 10)));
    json_object_set_new(m, "from", json_string("ACME"));
    unsigned t = pick(s, 100);
    if (t < 12) {
        json_object_set_new(m, "template_id", json_string(t < 6 ? "otp" : "otp_zh"));
        json_object_set_new(m, "variables", json_pack("{s:s}", "code", "731902"));
    } else if (t < 16) {
        json_object_set_new(m, "template_id", json_string("delivery"));
        json_object_set_new(
            m, "variables",
            json_pack("{s:s, s:s, s:s}", "parcel", "DE4411", "day", "Tuesday", "from", "9:00"));
    } else {
        struct buf text = BUF_INIT;
        sms_text(s, &text);
        json_object_set_new(m, "text", json_stringn(text.data, text.len));
        buf_free(&text);
    }
    return m;
}

static json_t *attachment(uint64_t *s, size_t raw_len, const char *name, const char *type)
{
    struct buf raw = BUF_INIT, b64 = BUF_INIT;
    for (size_t i = 0; i < raw_len; i += 8) {
        uint64_t v = splitmix(s);
        buf_append(&raw, &v, raw_len - i < 8 ? raw_len - i : 8);
    }
    text_b64_encode(&b64, raw.data, raw.len);
    json_t *a = json_pack("{s:s, s:s, s:s%}", "filename", name, "content_type", type, "content",
                          b64.data, b64.len);
    buf_free(&raw);
    buf_free(&b64);
    return a;
}

static json_t *email_body(uint64_t *s, bool *large)
{
    char to[64];
    unsigned u = pick(s, 10000);
    if (chance(s, 6))
        snprintf(to, sizeof to, "user%u.example.com", u);
    else
        snprintf(to, sizeof to, "user%u@example.com", u);
    static const char *const subjects[] = {"Your receipt",   "Welcome to ACME",          "您的收据",
                                           "Password reset", "Your order has shipped 📦", ""};
    json_t *m = json_pack("{s:s, s:s, s:s}", "to", to, "from", "noreply@acme.example", "subject",
                          subjects[pick(s, 6)]);
    if (chance(s, 70))
        json_object_set_new(m, "html",
                            json_string("<html><body><h1>Thank you</h1><p>Order #10442 is "
                                        "confirmed.</p><p>感谢您的订单</p></body></html>"));
    json_object_set_new(m, "text", json_string("Thank you. Order #10442 is confirmed."));
    *large = false;
    if (chance(s, 25)) {
        json_t *list = json_array();
        json_array_append_new(list,
                              attachment(s, 500 + pick(s, 4000), "receipt.pdf", "application/pdf"));
        if (chance(s, 30)) {
            *large = true;
            json_array_append_new(list,
                                  attachment(s, LARGE_ATTACHMENT_RAW, "photo.jpg", "image/jpeg"));
        }
        json_object_set_new(m, "attachments", list);
    }
    return m;
}

static json_t *push_body(uint64_t *s)
{
    char tok[80];
    if (chance(s, 10)) {
        snprintf(tok, sizeof tok, "not a token %u", pick(s, 1000));
    } else {
        snprintf(tok, sizeof tok, "%016llx%016llx%016llx%016llx", (unsigned long long)splitmix(s),
                 (unsigned long long)splitmix(s), (unsigned long long)splitmix(s),
                 (unsigned long long)splitmix(s));
    }
    static const char *const titles[] = {"Order shipped", "新消息", "Flash sale 🔥", "Reminder"};
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:{s:s, s:i}}", "device_token", tok, "platform",
                     chance(s, 50) ? "ios" : "android", "title", titles[pick(s, 4)], "body",
                     "Tap to see the details 👉", "badge", (int)pick(s, 10), "data", "deeplink",
                     "app://orders/10442", "order_id", 10442);
}

static json_t *batch_body(uint64_t *s)
{
    json_t *list = json_array();
    unsigned n = 2 + pick(s, 14);
    for (unsigned i = 0; i < n; i++) {
        unsigned c = pick(s, 10);
        bool large;
        json_t *m = c < 6 ? sms_body(s) : c < 8 ? email_body(s, &large) : push_body(s);
        if (c < 8 && json_object_get(m, "attachments")) json_object_del(m, "attachments");
        json_object_set_new(m, "channel", json_string(c < 6 ? "sms" : c < 8 ? "email" : "push"));
        json_array_append_new(list, m);
    }
    return json_pack("{s:o}", "messages", list);
}

static enum cut_err set_body(struct drv_req *r, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s) return CUT_ENOMEM;
    enum cut_err e = buf_puts(&r->body, s);
    free(s);
    return e;
}

static enum drv_kind pick_kind(uint64_t *s)
{
    unsigned total = 0, k = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) total += kinds[i].weight;
    unsigned x = pick(s, total);
    while (x >= kinds[k].weight) x -= kinds[k++].weight;
    return kinds[k].kind;
}

/* The body of a write, as a new JSON reference; NULL for reads. */
static json_t *write_body(uint64_t *s, struct drv_req *r)
{
    bool large = false;
    json_t *j;
    switch (r->kind) {
    case DRV_SMS:
        return sms_body(s);
    case DRV_PUSH:
        return push_body(s);
    case DRV_BATCH:
        return batch_body(s);
    case DRV_EMAIL:
        j = email_body(s, &large);
        r->expect = large && chance(s, 50);
        return j;
    default:
        return NULL;
    }
}

static const char *const write_paths[] = {[DRV_SMS] = "/v1/sms",
                                          [DRV_EMAIL] = "/v1/email",
                                          [DRV_PUSH] = "/v1/push",
                                          [DRV_BATCH] = "/v1/batch"};

static enum cut_err make_path_and_body(uint64_t *s, char *const *ids, size_t nids,
                                       struct drv_req *r)
{
    json_t *body = write_body(s, r);
    if (body) {
        enum cut_err e = buf_puts(&r->path, write_paths[r->kind]);
        return e ? e : set_body(r, body);
    }
    if (r->kind == DRV_MSG_KNOWN && nids)
        return buf_printf(&r->path, "/v1/messages/%s", ids[pick(s, (unsigned)nids)]);
    if (r->kind == DRV_MSG_KNOWN || r->kind == DRV_MSG_UNKNOWN) {
        r->kind = DRV_MSG_UNKNOWN;
        return buf_printf(&r->path, "/v1/messages/msg_%016llx%016llx",
                          (unsigned long long)splitmix(s), (unsigned long long)splitmix(s));
    }
    if (r->kind == DRV_TEMPLATES)
        return buf_puts(&r->path, chance(s, 30) ? "/v1/templates?channel=all" : "/v1/templates");
    return buf_puts(&r->path, "/healthz");
}

enum cut_err drv_mix_make(uint64_t seed, size_t index, char *const *ids, size_t nids,
                          struct drv_req *r)
{
    drv_req_release(r);
    uint64_t s = seed * 0xD1B54A32D192ED03ULL + index;
    splitmix(&s);
    r->kind = pick_kind(&s);
    r->method = kinds[r->kind].method;
    r->gzip = chance(&s, 30);
    r->fresh = chance(&s, 12);
    r->close = !r->fresh && chance(&s, 4);
    if (chance(&s, 20))
        snprintf(r->request_id, sizeof r->request_id, "drv-%llu-%zu", (unsigned long long)seed,
                 index);
    enum cut_err e = make_path_and_body(&s, ids, nids, r);
    r->method = kinds[r->kind].method;
    r->chunked = r->body.len > 0 && chance(&s, 10);
    return e;
}
