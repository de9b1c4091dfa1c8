/* pcap_repeat.c: writes a pcap file TIMES times over into one, each copy
 * shifted in time past the end of the one before and with the client side
 * of every TCP connection moved to another port (checksum updated), so the
 * copies are new connections, not retransmissions.  For the capture memory
 * benchmark; reads classic pcap (tcpdump -w), any byte order.
 * Usage: pcap_repeat IN.pcap OUT.pcap TIMES SERVER_PORT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAPLEN (262144u + 65536u)
#define PORT_STEP 1009u /* prime, so the shifted ports of one copy stay apart */

struct pcap_in {
    unsigned char *data;
    size_t len;
    int swapped; /* file written on a host of the other byte order */
    int nano;    /* timestamps in nanoseconds */
    uint32_t linktype;
};

static uint32_t rd32(const struct pcap_in *in, const unsigned char *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return in->swapped ? __builtin_bswap32(v) : v;
}

static void wr32(const struct pcap_in *in, unsigned char *p, uint32_t v)
{
    if (in->swapped) v = __builtin_bswap32(v);
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static int load(struct pcap_in *in, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 1 << 20;
    in->data = malloc(cap);
    in->len = 0;
    size_t n;
    while (in->data && (n = fread(in->data + in->len, 1, cap - in->len, f)) > 0) {
        in->len += n;
        if (in->len == cap) {
            unsigned char *more = realloc(in->data, cap *= 2);
            if (!more) free(in->data);
            in->data = more;
        }
    }
    fclose(f);
    if (!in->data || in->len < 24) return -1;
    static const uint32_t magics[] = {0xa1b2c3d4, 0xa1b23c4d};
    uint32_t m = rd32(in, in->data);
    for (int sw = 0; sw < 2; sw++, m = __builtin_bswap32(m)) {
        for (int k = 0; k < 2; k++) {
            if (m != magics[k]) continue;
            in->swapped = sw;
            in->nano = k;
            in->linktype = rd32(in, in->data + 20);
            return 0;
        }
    }
    return -1;
}

/* Offset of the IP header in a frame of link type lt, or -1. */
static long ip_offset(uint32_t lt, const unsigned char *p, size_t caplen)
{
    size_t off;
    unsigned type;
    switch (lt) {
    case 1: /* Ethernet, with at most one VLAN tag */
        if (caplen < 14) return -1;
        off = 12;
        type = (unsigned)p[off] << 8 | p[off + 1];
        if (type == 0x8100 && caplen >= 18) off += 4, type = (unsigned)p[off] << 8 | p[off + 1];
        return (type == 0x0800 || type == 0x86dd) ? (long)(off + 2) : -1;
    case 113: /* Linux cooked */
        return caplen >= 16 ? 16 : -1;
    case 0: /* BSD loopback */
        return caplen >= 4 ? 4 : -1;
    case 12:
    case 101: /* raw IP */
        return 0;
    default:
        return -1;
    }
}

/* Offset of the TCP header, or -1 for anything but an unfragmented TCP segment. */
static long tcp_offset(const unsigned char *p, size_t caplen, long ip)
{
    if (ip < 0 || (size_t)ip + 20 > caplen) return -1;
    const unsigned char *h = p + ip;
    if ((h[0] >> 4) == 4) {
        size_t ihl = (size_t)(h[0] & 15) * 4;
        int frag = ((h[6] & 0x1f) << 8 | h[7]) != 0;
        if (h[9] != 6 || frag || ihl < 20) return -1;
        return (size_t)ip + ihl + 18 <= caplen ? ip + (long)ihl : -1;
    }
    if ((h[0] >> 4) == 6 && (size_t)ip + 40 + 18 <= caplen && h[6] == 6) return ip + 40;
    return -1;
}

static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

/* RFC 1624: HC' = ~(~HC + ~m + m'). */
static uint16_t csum_update(uint16_t hc, uint16_t old, uint16_t new_)
{
    uint32_t s = (uint32_t)(uint16_t)~hc + (uint16_t)~old + new_;
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static uint16_t shifted_port(uint16_t port, unsigned copy)
{
    if (port < 1024) return port;
    return (uint16_t)(1024 + (port - 1024 + copy * PORT_STEP) % (65536 - 1024));
}

static void move_client_port(const struct pcap_in *in, unsigned char *pkt, size_t caplen,
                             unsigned copy, uint16_t server_port)
{
    long tcp = tcp_offset(pkt, caplen, ip_offset(in->linktype, pkt, caplen));
    if (tcp < 0) return;
    unsigned char *t = pkt + tcp;
    int side = get16(t) == server_port ? 2 : get16(t + 2) == server_port ? 0 : -1;
    if (side < 0) return;
    uint16_t old = get16(t + side), moved = shifted_port(old, copy);
    put16(t + side, moved);
    put16(t + 16, csum_update(get16(t + 16), old, moved));
}

/* First and last timestamps in seconds; -1 on a malformed file. */
static int span(const struct pcap_in *in, double *first, double *last, size_t *packets)
{
    double unit = in->nano ? 1e-9 : 1e-6;
    *packets = 0;
    for (size_t off = 24; off < in->len;) {
        if (off + 16 > in->len) return -1;
        uint32_t caplen = rd32(in, in->data + off + 8);
        if (caplen > MAX_CAPLEN || off + 16 + caplen > in->len) return -1;
        double t = rd32(in, in->data + off) + rd32(in, in->data + off + 4) * unit;
        if (!*packets) *first = t;
        *last = t;
        ++*packets;
        off += 16 + caplen;
    }
    return 0;
}

static int write_copy(const struct pcap_in *in, FILE *out, unsigned copy, uint32_t shift_s,
                      uint16_t server_port, unsigned char *scratch)
{
    for (size_t off = 24; off < in->len;) {
        uint32_t caplen = rd32(in, in->data + off + 8);
        memcpy(scratch, in->data + off, 16 + caplen);
        wr32(in, scratch, rd32(in, scratch) + copy * shift_s);
        if (copy) move_client_port(in, scratch + 16, caplen, copy, server_port);
        if (fwrite(scratch, 1, 16 + caplen, out) != 16 + caplen) return -1;
        off += 16 + caplen;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fputs("usage: pcap_repeat IN.pcap OUT.pcap TIMES SERVER_PORT\n", stderr);
        return 2;
    }
    unsigned long times = strtoul(argv[3], NULL, 10), port = strtoul(argv[4], NULL, 10);
    struct pcap_in in = {0};
    double first = 0, last = 0;
    size_t packets;
    if (times == 0 || times > 1000 || port == 0 || port > 65535) {
        fputs("pcap_repeat: TIMES must be 1..1000 and SERVER_PORT 1..65535\n", stderr);
        return 2;
    }
    if (load(&in, argv[1]) || span(&in, &first, &last, &packets)) {
        fprintf(stderr, "pcap_repeat: %s: not a readable classic pcap file\n", argv[1]);
        return 2;
    }
    uint32_t shift_s = (uint32_t)(last - first) + 2;
    unsigned char *scratch = malloc(16 + MAX_CAPLEN);
    FILE *out = fopen(argv[2], "wb");
    if (!scratch || !out) return 3;
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    int bad = fwrite(in.data, 1, 24, out) != 24;
    for (unsigned c = 0; c < times && !bad; c++)
        bad = write_copy(&in, out, c, shift_s, (uint16_t)port, scratch);
    if (fclose(out) || bad) {
        fprintf(stderr, "pcap_repeat: %s: write failed\n", argv[2]);
        return 3;
    }
    fprintf(stderr, "pcap_repeat: %zu packets in, %zu out\n", packets, packets * times);
    free(scratch);
    free(in.data);
    return 0;
}
