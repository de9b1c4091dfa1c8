/* fuzz_capture.c: libFuzzer target for the capture pipeline: link layer,
 * IP and defragmentation, the flow table, TCP reassembly (packet.h) and
 * HTTP exchange assembly (assemble.h), driven exactly as cutover-capture
 * drives them.  Input: a link-type byte, a flags byte (small caps, expiry),
 * then frames, each a little-endian u16 length and that many bytes; or,
 * after the two bytes, a whole pcap file, read through libpcap.  Every
 * emitted exchange must be writable as a HAR entry that reads back. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/har.h"
#include "../../capture/assemble.h"
#include "../../capture/packet.h"

#include "fuzz_util.h"

static const int links[] = {1, 0, 108, 101, 113, 276, 228, 229, 12, 14};

static enum cut_err emit(void *ctx, struct exchange *x)
{
    struct buf *out = ctx;
    struct exchange y;
    char err[256];
    buf_reset(out);
    check(har_write_entry(out, x) == CUT_OK);
    check(memchr(out->data, '\n', out->len) == NULL);
    exchange_init(&y);
    if (har_parse_entry(out->data, out->len, &y, err, sizeof err) != CUT_OK) {
        fprintf(stderr, "captured exchange does not read back: %s\n%s\n", err, out->data);
        abort();
    }
    exchange_release(&y);
    return CUT_OK;
}

/* Each frame in an exactly sized heap copy, so an over-read trips ASan. */
static void feed(struct packet_pipeline *pp, int link, int64_t ts, const uint8_t *p, size_t n,
                 size_t wire)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy) return;
    memcpy(copy, p, n);
    check(packet_pipeline_feed(pp, link, ts, copy, n, wire < n ? n : wire) == CUT_OK);
    free(copy);
}

static int64_t run_frames(struct packet_pipeline *pp, int link, unsigned flags, const uint8_t *p,
                          size_t n)
{
    int64_t ts = 1700000000000000;
    size_t k = 0;
    while (n >= 2) {
        size_t len = (size_t)p[0] | (size_t)p[1] << 8;
        p += 2;
        n -= 2;
        if (len > n) len = n;
        ts += (flags & 8) ? 40000000 : 1000; /* 40 s steps expire idle flows */
        feed(pp, link, ts, p, len, len + (flags & 16 ? 100 : 0));
        if ((flags & 4) && ++k % 8 == 0) packet_pipeline_expire(pp, ts);
        p += len;
        n -= len;
    }
    return ts;
}

static int64_t run_pcap(struct packet_pipeline *pp, const uint8_t *p, size_t n)
{
    FILE *f = fmemopen((void *)p, n, "rb");
    if (!f) return 0;
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_fopen_offline(f, errbuf); /* takes f */
    if (!pc) {
        fclose(f);
        return 0;
    }
    int link = pcap_datalink(pc);
    struct pcap_pkthdr *h;
    const u_char *d;
    int64_t ts = 0;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        feed(pp, link, ts, d, h->caplen, h->len);
    }
    pcap_close(pc);
    return ts;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int link = links[data[0] % (sizeof links / sizeof links[0])];
    unsigned flags = data[1];
    struct packet_limits lim;
    packet_limits_default(&lim);
    struct assemble_config cfg = {.runid = "fz"};
    if (flags & 1) {
        lim.max_flows = 4;
        lim.max_flow_buffer = 2048;
        lim.max_total_buffer = 4096;
        lim.max_frag_bytes = 4096;
        cfg.max_body = 64;
        cfg.max_flow_bytes = 4096;
        cfg.max_queue = 2;
    }
    struct buf out = BUF_INIT;
    struct assembler *as;
    if (assemble_new(&cfg, emit, &out, &as) != CUT_OK) return 0;
    struct stream_hooks hooks;
    assemble_hooks(as, &hooks);
    struct packet_pipeline *pp;
    if (packet_pipeline_new(&lim, &hooks, &pp) != CUT_OK) {
        assemble_free(as);
        return 0;
    }
    int64_t end;
    if (size >= 6 && (memcmp(data + 2, "\xd4\xc3\xb2\xa1", 4) == 0 ||
                      memcmp(data + 2, "\x4d\x3c\xb2\xa1", 4) == 0))
        end = run_pcap(pp, data + 2, size - 2);
    else
        end = run_frames(pp, link, flags, data + 2, size - 2);
    packet_pipeline_finish(pp, end);
    const struct packet_stats *ps = packet_pipeline_stats(pp);
    const struct assemble_stats *st = assemble_stats(as);
    check(st->exchanges <= st->requests && st->exchanges <= st->responses);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "packets %llu flows %llu requests %llu responses %llu exchanges %llu\n",
                (unsigned long long)ps->packets, (unsigned long long)ps->flows,
                (unsigned long long)st->requests, (unsigned long long)st->responses,
                (unsigned long long)st->exchanges);
    packet_pipeline_free(pp);
    assemble_free(as);
    buf_free(&out);
    return 0;
}
