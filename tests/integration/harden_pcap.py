#!/usr/bin/env python3
"""harden_pcap.py: write pcap files of crafted HTTP/1 traffic for the
hardening tests and the capture fuzz seeds (Python stdlib only).

  harden_pcap.py exchanges OUT N [--conns C] [--link eth|null|raw|sll|sll2] [--ipv6] [--body B]
                           [--index FILE]
      N keep-alive exchanges over C connections (round robin), handshake,
      FIN at the end. Request i is "POST /item/i" with header X-Seq: i and a
      JSON body; response i is 200 with {"item":i,...}. Packets are written
      in time order, one exchange finished before the next one starts.
      --index writes "i OFFSET" per exchange: the file offset just past the
      last packet of its response (a copy cut there still holds it whole).
  harden_pcap.py stream OUT N RATE         N exchanges at about RATE per second
                                           (OUT may be - for stdout)
  harden_pcap.py synflood OUT N            N SYNs from distinct ports, never answered
  harden_pcap.py unfinished OUT N SIZE     N connections each announcing
      Content-Length: SIZE and sending only half of it, never closing
  harden_pcap.py chunked OUT N SIZE        N connections each sending SIZE bytes
      of a chunked request body that never ends
  harden_pcap.py frames OUT LINK < PCAP    the fuzz_capture input format: one
      link-type byte, one flags byte, then each frame as u16-le length + bytes
"""
import struct
import sys

LINKS = {"eth": 1, "null": 0, "raw": 101, "sll": 113, "sll2": 276}


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Pcap:
    def __init__(self, path, link="eth"):
        self.f = sys.stdout.buffer if path == "-" else open(path, "wb")
        self.link = link
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKS[link]))
        self.ts = 1700000000.0

    def frame(self, ip, v6):
        if self.link == "eth":
            return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", 0x86DD if v6 else 0x0800) + ip
        if self.link == "null":
            return struct.pack("<I", 30 if v6 else 2) + ip
        if self.link == "raw":
            return ip
        if self.link == "sll":
            return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, 0x86DD if v6 else 0x0800) + ip
        # sll2: protocol, reserved, ifindex, arphrd, pkttype, addrlen, addr[8]
        return struct.pack("!HHIHBB8s", 0x86DD if v6 else 0x0800, 0, 1, 772, 0, 6, b"\0" * 8) + ip

    def write(self, ip, v6, step=0.0005):
        self.ts += step
        fr = self.frame(ip, v6)
        sec = int(self.ts)
        usec = int(round((self.ts - sec) * 1e6))
        self.f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)

    def close(self):
        self.f.close()


def ip_packet(src, dst, payload, v6, ident=0):
    if v6:
        return struct.pack("!IHBB16s16s", 6 << 28, len(payload), 6, 64, src, dst) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000, 64, 6, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload, v6):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(hdr) + len(payload), 6)
    else:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    # Large segments go without a checksum (as with offloading on a real
    # host); computing it in Python would dominate the flood tests.
    c = csum(pseudo + hdr + payload) if len(payload) <= 2048 else 0
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


class Conn:
    def __init__(self, pc, cport, v6=False, sport=8080):
        self.pc, self.v6 = pc, v6
        if v6:
            self.cip = b"\0" * 15 + b"\1"
            self.sip = b"\0" * 15 + b"\1"
        else:
            self.cip = bytes([127, 0, 0, 1])
            self.sip = bytes([127, 0, 0, 1])
        self.cport, self.sport = cport, sport
        self.cseq, self.sseq = 1000 + cport * 7, 500000 + cport * 13
        self.ident = 0

    def seg(self, to_server, flags, payload=b""):
        self.ident += 1
        if to_server:
            t = tcp_segment(self.cip, self.sip, self.cport, self.sport, self.cseq, self.sseq, flags, payload, self.v6)
            self.pc.write(ip_packet(self.cip, self.sip, t, self.v6, self.ident), self.v6)
            self.cseq += len(payload) + (1 if flags & (SYN | FIN) else 0)
        else:
            t = tcp_segment(self.sip, self.cip, self.sport, self.cport, self.sseq, self.cseq, flags, payload, self.v6)
            self.pc.write(ip_packet(self.sip, self.cip, t, self.v6, self.ident), self.v6)
            self.sseq += len(payload) + (1 if flags & (SYN | FIN) else 0)

    def handshake(self):
        self.seg(True, SYN)
        self.seg(False, SYN | ACK)
        self.seg(True, ACK)

    def send(self, to_server, data, mss=1400):
        for i in range(0, len(data), mss):
            self.seg(to_server, PSH | ACK, data[i:i + mss])

    def close(self):
        self.seg(True, FIN | ACK)
        self.seg(False, FIN | ACK)
        self.seg(True, ACK)


def request(i, body_extra=0):
    body = ('{"to":"+1555010%04d","text":"message %d","pad":"%s"}' % (i, i, "x" * body_extra)).encode()
    head = "POST /item/%d HTTP/1.1\r\nHost: legacy:8080\r\nContent-Type: application/json\r\nX-Seq: %d\r\nContent-Length: %d\r\n\r\n" % (i, i, len(body))
    return head.encode() + body


def response(i):
    body = ('{"item":%d,"status":"queued","id":"m-%d"}' % (i, i)).encode()
    head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    return head.encode() + body


def exchanges(path, n, conns=1, link="eth", v6=False, body=0, index=None):
    pc = Pcap(path, link)
    ends = []
    cs = [Conn(pc, 40000 + k, v6) for k in range(conns)]
    for c in cs:
        c.handshake()
    for i in range(n):
        c = cs[i % conns]
        c.send(True, request(i, body))
        c.send(False, response(i))
        ends.append(pc.f.tell())
        c.seg(True, ACK)
    for c in cs:
        c.close()
    pc.close()
    if index:
        with open(index, "w") as f:
            for i, e in enumerate(ends):
                f.write("%d %d\n" % (i, e))


def stream(path, n, rate):
    """n exchanges over 8 connections, written (and flushed) at about rate
    exchanges per second, for a reader that is killed while they flow."""
    import time
    pc = Pcap(path)
    cs = [Conn(pc, 40000 + k) for k in range(8)]
    for c in cs:
        c.handshake()
    t0 = time.time()
    try:
        for i in range(n):
            c = cs[i % 8]
            c.send(True, request(i))
            c.send(False, response(i))
            c.seg(True, ACK)
            if i % 50 == 49:
                pc.f.flush()
                ahead = (i + 1) / float(rate) - (time.time() - t0)
                if ahead > 0:
                    time.sleep(ahead)
        for c in cs:
            c.close()
        pc.close()
    except BrokenPipeError:
        pass


def synflood(path, n):
    pc = Pcap(path)
    for k in range(n):
        c = Conn(pc, 1024 + (k % 60000))
        c.sport = 8080 + k // 60000
        c.seg(True, SYN)
    pc.close()


def unfinished(path, n, size):
    pc = Pcap(path)
    for k in range(n):
        c = Conn(pc, 1024 + (k % 60000))
        c.sport = 8080 + k // 60000
        c.handshake()
        head = "POST /slow/%d HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % (k, size)
        c.send(True, head.encode() + b"a" * (size // 2))
    pc.close()


def chunked(path, n, size):
    pc = Pcap(path)
    cs = []
    for k in range(n):
        c = Conn(pc, 1024 + k)
        c.handshake()
        c.send(True, ("POST /stream/%d HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" % k).encode())
        cs.append(c)
    chunk = (b"1000\r\n" + b"c" * 4096 + b"\r\n") * 8
    sent = 0
    while sent < size:
        for c in cs:
            c.send(True, chunk, mss=len(chunk))
        sent += len(chunk)
    pc.close()


def frames(path, link):
    data = sys.stdin.buffer.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    out = bytearray([{1: 0, 0: 1, 108: 2, 101: 3, 113: 4, 276: 5, 228: 6, 229: 7}[LINKS[link]], 0])
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        fr = data[off + 16:off + 16 + incl]
        out += struct.pack("<H", len(fr)) + fr
        off += 16 + incl
    open(path, "wb").write(out)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, out = argv[1], argv[2]
    rest = argv[3:]
    if cmd == "exchanges":
        opts = {"--conns": 1, "--link": "eth", "--body": 0, "--index": None}
        v6 = "--ipv6" in rest
        rest = [a for a in rest if a != "--ipv6"]
        n = int(rest[0])
        for k, v in zip(rest[1::2], rest[2::2]):
            opts[k] = v
        exchanges(out, n, int(opts["--conns"]), opts["--link"], v6, int(opts["--body"]), opts["--index"])
    elif cmd == "stream":
        stream(out, int(rest[0]), int(rest[1]))
    elif cmd == "synflood":
        synflood(out, int(rest[0]))
    elif cmd == "unfinished":
        unfinished(out, int(rest[0]), int(rest[1]))
    elif cmd == "chunked":
        chunked(out, int(rest[0]), int(rest[1]))
    elif cmd == "frames":
        frames(out, rest[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
