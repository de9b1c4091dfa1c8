/* test_assemble.c: capture/assemble.c driven by synthetic stream hook
 * calls, as the packet half makes them: keep-alive, pipelining,
 * 100-continue, HEAD/204/304, close-delimited and chunked bodies, gaps and
 * resynchronisation, role swap, the replay marker, body caps, timings and
 * the loss counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/assemble.h"
#include "cutover/zcodec.h"

#define MAXX 16

/* What the emit callback saw, copied out. */
struct seen {
    char id[64], method[16], target[128], url[160], client[64], server[64];
    char req_body[256], resp_body[256], compression[16];
    size_t req_len, resp_len;
    int status;
    int64_t req_body_size, resp_body_size, started_us, seq, flow;
    bool req_trunc, resp_trunc;
    double send, wait, receive;
};

struct harness {
    struct assembler *a;
    struct stream_hooks hk;
    void *conn;
    struct seen x[MAXX];
    size_t n;
    int64_t ts;
};

static void cp(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

static enum cut_err on_exchange(void *ctx, struct exchange *x)
{
    struct harness *t = ctx;
    assert_true(t->n < MAXX);
    struct seen *s = &t->x[t->n++];
    memset(s, 0, sizeof *s);
    cp(s->id, sizeof s->id, x->id);
    cp(s->method, sizeof s->method, x->req.method);
    cp(s->target, sizeof s->target, x->req.target);
    cp(s->url, sizeof s->url, x->req.url);
    cp(s->client, sizeof s->client, x->client);
    cp(s->server, sizeof s->server, x->server);
    cp(s->compression, sizeof s->compression, x->resp.compression);
    s->req_len = x->req.body.len < sizeof s->req_body ? x->req.body.len : sizeof s->req_body - 1;
    memcpy(s->req_body, x->req.body.data, s->req_len);
    s->resp_len =
        x->resp.body.len < sizeof s->resp_body ? x->resp.body.len : sizeof s->resp_body - 1;
    memcpy(s->resp_body, x->resp.body.data, s->resp_len);
    s->status = x->resp.status;
    s->req_body_size = x->req.body_size;
    s->resp_body_size = x->resp.body_size;
    s->req_trunc = x->req.body_truncated;
    s->resp_trunc = x->resp.body_truncated;
    s->started_us = x->started_us;
    s->seq = x->seq;
    s->flow = x->flow;
    s->send = x->send_ms;
    s->wait = x->wait_ms;
    s->receive = x->receive_ms;
    return CUT_OK;
}

static struct harness *setup(size_t max_body, bool syn)
{
    struct harness *t = calloc(1, sizeof *t);
    assert_non_null(t);
    struct assemble_config cfg = {.runid = "r1", .max_body = max_body};
    assert_int_equal(assemble_new(&cfg, on_exchange, t, &t->a), CUT_OK);
    assemble_hooks(t->a, &t->hk);
    struct stream_info info = {.flow = 7, .saw_syn = syn};
    cp(info.client, sizeof info.client, "10.0.0.1:40000");
    cp(info.server, sizeof info.server, "10.0.0.2:8080");
    t->conn = t->hk.open(t->hk.ctx, &info);
    assert_non_null(t->conn);
    t->ts = 1000000;
    return t;
}

static void c2s(struct harness *t, const char *s)
{
    t->hk.data(t->hk.ctx, t->conn, STREAM_C2S, (const uint8_t *)s, strlen(s), t->ts);
}

static void s2c(struct harness *t, const char *s)
{
    t->hk.data(t->hk.ctx, t->conn, STREAM_S2C, (const uint8_t *)s, strlen(s), t->ts);
}

static void bytewise(struct harness *t, enum stream_dir dir, const char *s)
{
    for (size_t i = 0; s[i]; i++)
        t->hk.data(t->hk.ctx, t->conn, dir, (const uint8_t *)s + i, 1, t->ts);
}

static void finish(struct harness *t, enum stream_end why)
{
    if (t->conn) t->hk.close(t->hk.ctx, t->conn, why, t->ts);
    t->conn = NULL;
}

static void teardown(struct harness *t)
{
    finish(t, STREAM_END_FIN);
    assemble_free(t->a);
    free(t);
}

static const struct assemble_stats *st(struct harness *t)
{
    return assemble_stats(t->a);
}

static uint64_t lost_req(struct harness *t, enum assemble_loss w)
{
    return st(t)->lost_requests[w];
}

static uint64_t lost_resp(struct harness *t, enum assemble_loss w)
{
    return st(t)->lost_responses[w];
}

static uint64_t total_lost(struct harness *t)
{
    uint64_t n = 0;
    for (int i = 0; i < ASM_LOSS_COUNT; i++) n += lost_req(t, i) + lost_resp(t, i);
    return n;
}

#define RESP_OK(body) "HTTP/1.1 200 OK\r\nContent-Length: " #body "\r\n\r\n"

static void test_keep_alive_exchanges_in_order(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "GET /a?x=%2F HTTP/1.1\r\nHost: api.local\r\n\r\n");
    s2c(t, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
    c2s(t, "POST /b HTTP/1.1\r\nHost: api.local\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
    s2c(t, "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\ntwo");
    assert_int_equal(t->n, 2);
    assert_string_equal(t->x[0].id, "r1-7-1");
    assert_string_equal(t->x[0].method, "GET");
    assert_string_equal(t->x[0].target, "/a?x=%2F");
    assert_string_equal(t->x[0].url, "http://api.local/a?x=%2F");
    assert_string_equal(t->x[0].resp_body, "one");
    assert_string_equal(t->x[0].client, "10.0.0.1:40000");
    assert_string_equal(t->x[0].server, "10.0.0.2:8080");
    assert_int_equal(t->x[0].flow, 7);
    assert_string_equal(t->x[1].id, "r1-7-2");
    assert_int_equal(t->x[1].seq, 2);
    assert_string_equal(t->x[1].req_body, "{\"a\":1}");
    assert_int_equal(t->x[1].req_body_size, 7);
    assert_int_equal(t->x[1].status, 201);
    assert_string_equal(t->x[1].resp_body, "two");
    assert_int_equal(total_lost(t), 0);
    teardown(t);
}

static void test_pipelined_responses_pair_in_order(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
           "POST /3 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi");
    s2c(t, RESP_OK(1) "1" RESP_OK(1) "2");
    s2c(t, RESP_OK(1) "3");
    assert_int_equal(t->n, 3);
    for (int i = 0; i < 3; i++) {
        char want[4];
        snprintf(want, sizeof want, "/%d", i + 1);
        assert_string_equal(t->x[i].target, want);
        assert_string_equal(t->x[i].resp_body, want + 1);
    }
    assert_string_equal(t->x[2].req_body, "hi");
    teardown(t);
}

static void test_100_continue_is_skipped_not_paired(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "PUT /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    s2c(t, "HTTP/1.1 100 Continue\r\n\r\n");
    c2s(t, "hello");
    s2c(t, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" RESP_OK(2) "ok");
    c2s(t, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, RESP_OK(4) "next");
    assert_int_equal(t->n, 2);
    assert_string_equal(t->x[0].req_body, "hello");
    assert_int_equal(t->x[0].status, 200);
    assert_string_equal(t->x[0].resp_body, "ok");
    assert_string_equal(t->x[1].resp_body, "next");
    assert_int_equal(st(t)->interim, 2);
    assert_int_equal(st(t)->responses, 2);
    teardown(t);
}

static void test_head_204_304_have_no_body(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\nGET /nc HTTP/1.1\r\nHost: h\r\n\r\n"
           "GET /nm HTTP/1.1\r\nHost: h\r\n\r\nGET /last HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
           "HTTP/1.1 204 No Content\r\n\r\n"
           "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n" RESP_OK(4) "last");
    assert_int_equal(t->n, 4);
    assert_int_equal(t->x[0].status, 200);
    assert_int_equal(t->x[0].resp_len, 0);
    assert_int_equal(t->x[1].status, 204);
    assert_int_equal(t->x[2].status, 304);
    assert_string_equal(t->x[3].resp_body, "last");
    assert_int_equal(total_lost(t), 0);
    teardown(t);
}

static void test_close_delimited_body_ends_at_fin(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "GET /old HTTP/1.0\r\n\r\n");
    s2c(t, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ");
    s2c(t, "part two");
    assert_int_equal(t->n, 0);
    t->hk.fin(t->hk.ctx, t->conn, STREAM_S2C, t->ts);
    assert_int_equal(t->n, 1);
    assert_string_equal(t->x[0].resp_body, "part one, part two");
    assert_int_equal(t->x[0].resp_body_size, 18);
    teardown(t);
}

static void test_chunked_both_ways_byte_by_byte(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    bytewise(t, STREAM_C2S,
             "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
             "4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\nX-Trailer: t\r\n\r\n");
    bytewise(t, STREAM_S2C,
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    c2s(t, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, RESP_OK(2) "ok");
    assert_int_equal(t->n, 2);
    assert_string_equal(t->x[0].req_body, "abcdefg");
    assert_int_equal(t->x[0].req_body_size, 7);
    assert_string_equal(t->x[0].resp_body, "hello");
    assert_string_equal(t->x[1].target, "/after");
    teardown(t);
}

static void test_request_gap_counts_and_resyncs(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, RESP_OK(3) "one");
    /* Request 2 loses part of its body; its answer still comes. */
    c2s(t, "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n01234");
    t->hk.gap(t->hk.ctx, t->conn, STREAM_C2S, 10, t->ts);
    s2c(t, RESP_OK(3) "two");
    c2s(t, "89\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, RESP_OK(5) "three");
    assert_int_equal(t->n, 2);
    assert_string_equal(t->x[0].target, "/1");
    assert_string_equal(t->x[1].target, "/3");
    assert_string_equal(t->x[1].resp_body, "three");
    assert_int_equal(lost_req(t, ASM_LOSS_GAP), 1);
    assert_int_equal(lost_resp(t, ASM_LOSS_GAP), 1);
    assert_int_equal(total_lost(t), 2);
    teardown(t);
}

static void test_whole_request_lost_between_messages(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, RESP_OK(3) "one");
    t->hk.gap(t->hk.ctx, t->conn, STREAM_C2S, 30, t->ts); /* request 2 entirely */
    s2c(t, RESP_OK(3) "two");
    c2s(t, "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, RESP_OK(5) "three");
    assert_int_equal(t->n, 2);
    assert_string_equal(t->x[1].target, "/3");
    assert_string_equal(t->x[1].resp_body, "three");
    assert_int_equal(lost_req(t, ASM_LOSS_GAP), 1);
    assert_int_equal(lost_resp(t, ASM_LOSS_GAP), 1);
    teardown(t);
}

static void test_response_gap_counts_and_resyncs(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01");
    t->hk.gap(t->hk.ctx, t->conn, STREAM_S2C, 5, t->ts);
    s2c(t, "789");
    t->ts += 1000;
    c2s(t, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    t->ts += 1000;
    s2c(t, RESP_OK(3) "two");
    assert_int_equal(t->n, 1);
    assert_string_equal(t->x[0].target, "/2");
    assert_string_equal(t->x[0].resp_body, "two");
    assert_int_equal(lost_req(t, ASM_LOSS_GAP), 1);
    assert_int_equal(lost_resp(t, ASM_LOSS_GAP), 1);
    assert_int_equal(total_lost(t), 2);
    /* A whole response lost in a hole: its request is counted when the
     * next answer pairs by time with the newer request. */
    c2s(t, "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
    t->hk.gap(t->hk.ctx, t->conn, STREAM_S2C, 40, t->ts);
    t->ts += 1000;
    c2s(t, "GET /4 HTTP/1.1\r\nHost: h\r\n\r\n");
    t->ts += 1000;
    s2c(t, RESP_OK(4) "four");
    assert_int_equal(t->n, 2);
    assert_string_equal(t->x[1].target, "/4");
    assert_string_equal(t->x[1].resp_body, "four");
    assert_int_equal(lost_req(t, ASM_LOSS_GAP), 2);
    assert_int_equal(lost_resp(t, ASM_LOSS_GAP), 2);
    teardown(t);
}

static void test_roles_swapped_when_guessed_wrong(void **state)
{
    (void)state;
    struct harness *t = setup(0, false);
    s2c(t, "GET /swapped HTTP/1.1\r\nHost: h\r\n\r\n");
    c2s(t, RESP_OK(2) "ok");
    assert_int_equal(t->n, 1);
    assert_string_equal(t->x[0].target, "/swapped");
    assert_string_equal(t->x[0].resp_body, "ok");
    assert_string_equal(t->x[0].client, "10.0.0.2:8080");
    assert_string_equal(t->x[0].server, "10.0.0.1:40000");
    assert_int_equal(st(t)->role_swaps, 1);
    teardown(t);
}

static void test_mid_stream_start_resyncs(void **state)
{
    (void)state;
    struct harness *t = setup(0, false);
    c2s(t, "tail of an earlier body\r\nGET /seen HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, "rest of an earlier response\r\n" RESP_OK(4) "seen");
    assert_int_equal(t->n, 1);
    assert_string_equal(t->x[0].target, "/seen");
    assert_string_equal(t->x[0].resp_body, "seen");
    teardown(t);
}

static void test_replay_marker_skips_request_and_response(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "POST /r HTTP/1.1\r\nHost: h\r\nX-Cutover-Replay: run9\r\nContent-Length: 2\r\n\r\nab"
           "GET /real HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, RESP_OK(7) "replay!" RESP_OK(4) "real");
    assert_int_equal(t->n, 1);
    assert_string_equal(t->x[0].target, "/real");
    assert_string_equal(t->x[0].resp_body, "real");
    assert_string_equal(t->x[0].id, "r1-7-2");
    assert_int_equal(st(t)->skipped_requests, 1);
    assert_int_equal(st(t)->skipped_responses, 1);
    assert_int_equal(total_lost(t), 0);
    teardown(t);
}

static void test_max_body_truncates_and_keeps_size(void **state)
{
    (void)state;
    struct harness *t = setup(10, true);
    c2s(t, "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 25\r\n\r\n0123456789abcdefghijklmno");
    s2c(t, RESP_OK(12) "ABCDEFGHIJKL");
    assert_int_equal(t->n, 1);
    assert_int_equal(t->x[0].req_len, 10);
    assert_string_equal(t->x[0].req_body, "0123456789");
    assert_true(t->x[0].req_trunc);
    assert_int_equal(t->x[0].req_body_size, 25);
    assert_string_equal(t->x[0].resp_body, "ABCDEFGHIJ");
    assert_true(t->x[0].resp_trunc);
    assert_int_equal(t->x[0].resp_body_size, 12);
    assert_int_equal(st(t)->bodies_truncated, 2);
    teardown(t);
}

static void test_timings_from_packet_times(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    t->ts = 1700000000001000LL;
    c2s(t, "POST /t HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab");
    t->ts += 2000; /* last request byte 2 ms later */
    c2s(t, "cd");
    t->ts += 7250; /* server thinks 7.25 ms */
    s2c(t, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nxy");
    t->ts += 500;
    s2c(t, "zw");
    assert_int_equal(t->n, 1);
    assert_int_equal(t->x[0].started_us, 1700000000001000LL);
    assert_true(t->x[0].send > 1.999 && t->x[0].send < 2.001);
    assert_true(t->x[0].wait > 7.249 && t->x[0].wait < 7.251);
    assert_true(t->x[0].receive > 0.499 && t->x[0].receive < 0.501);
    teardown(t);
}

static void test_gzip_response_is_decoded(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    const char *plain = "{\"status\":\"queued\"}";
    struct buf z = BUF_INIT, msg = BUF_INIT;
    assert_int_equal(zcodec_encode(ZCODEC_GZIP, plain, strlen(plain), &z), CUT_OK);
    buf_printf(&msg, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
               z.len);
    buf_append(&msg, z.data, z.len);
    c2s(t, "GET /z HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\n");
    t->hk.data(t->hk.ctx, t->conn, STREAM_S2C, (const uint8_t *)msg.data, msg.len, t->ts);
    /* A body that says gzip but is not: kept as sent, counted. */
    c2s(t, "GET /bad HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nplain");
    assert_int_equal(t->n, 2);
    assert_string_equal(t->x[0].resp_body, plain);
    assert_string_equal(t->x[0].compression, "gzip");
    assert_int_equal(t->x[0].resp_body_size, (int64_t)z.len);
    assert_string_equal(t->x[1].resp_body, "plain");
    assert_string_equal(t->x[1].compression, "");
    assert_int_equal(st(t)->decode_errors, 1);
    assert_int_equal(st(t)->decoded_bodies, 1);
    buf_free(&z);
    buf_free(&msg);
    teardown(t);
}

static void test_unpaired_and_incomplete_are_counted(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    s2c(t, RESP_OK(2) "?!"); /* answers nothing seen */
    c2s(t, "GET /never HTTP/1.1\r\nHost: h\r\n\r\n");
    c2s(t, "POST /cut HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n123");
    finish(t, STREAM_END_FIN);
    assert_int_equal(t->n, 0);
    assert_int_equal(lost_resp(t, ASM_LOSS_UNPAIRED), 1);
    assert_int_equal(lost_req(t, ASM_LOSS_UNPAIRED), 1);
    assert_int_equal(lost_req(t, ASM_LOSS_INCOMPLETE), 1);
    assert_int_equal(total_lost(t), 3);
    teardown(t);
}

static void test_expired_flow_counts_as_expired(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    finish(t, STREAM_END_IDLE);
    assert_int_equal(lost_req(t, ASM_LOSS_EXPIRED), 1);
    assert_int_equal(lost_resp(t, ASM_LOSS_EXPIRED), 1);
    assert_int_equal(total_lost(t), 2);
    teardown(t);
}

static void test_garbage_is_unparseable_then_resync(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "\x16\x03\x01 binary junk\r\nGET /ok HTTP/1.1\r\nHost: h\r\n\r\n");
    s2c(t, RESP_OK(2) "ok");
    assert_int_equal(t->n, 1);
    assert_string_equal(t->x[0].target, "/ok");
    assert_int_equal(lost_req(t, ASM_LOSS_UNPARSEABLE), 1);
    assert_int_equal(st(t)->parse_errors, 1);
    teardown(t);
}

static void test_url_falls_back_to_server_address(void **state)
{
    (void)state;
    struct harness *t = setup(0, true);
    c2s(t, "GET /nohost HTTP/1.0\r\n\r\n");
    s2c(t, RESP_OK(0));
    assert_int_equal(t->n, 1);
    assert_string_equal(t->x[0].url, "http://10.0.0.2:8080/nohost");
    teardown(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keep_alive_exchanges_in_order),
        cmocka_unit_test(test_pipelined_responses_pair_in_order),
        cmocka_unit_test(test_100_continue_is_skipped_not_paired),
        cmocka_unit_test(test_head_204_304_have_no_body),
        cmocka_unit_test(test_close_delimited_body_ends_at_fin),
        cmocka_unit_test(test_chunked_both_ways_byte_by_byte),
        cmocka_unit_test(test_request_gap_counts_and_resyncs),
        cmocka_unit_test(test_whole_request_lost_between_messages),
        cmocka_unit_test(test_response_gap_counts_and_resyncs),
        cmocka_unit_test(test_roles_swapped_when_guessed_wrong),
        cmocka_unit_test(test_mid_stream_start_resyncs),
        cmocka_unit_test(test_replay_marker_skips_request_and_response),
        cmocka_unit_test(test_max_body_truncates_and_keeps_size),
        cmocka_unit_test(test_timings_from_packet_times),
        cmocka_unit_test(test_gzip_response_is_decoded),
        cmocka_unit_test(test_unpaired_and_incomplete_are_counted),
        cmocka_unit_test(test_expired_flow_counts_as_expired),
        cmocka_unit_test(test_garbage_is_unparseable_then_resync),
        cmocka_unit_test(test_url_falls_back_to_server_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
