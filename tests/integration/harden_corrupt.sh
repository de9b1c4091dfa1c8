#!/bin/sh
# harden_corrupt.sh: cutover-capture -r over damaged pcaps.  Pcaps of known
# exchanges are written by harden_pcap.py (Ethernet/IPv4 over three
# connections, BSD loopback/IPv6, Linux cooked v2 with bodies split over
# segments), then truncated at many points and byte-flipped (fixed seed,
# some hundreds of variants).  Every run must end within 20 s with status 0
# or 2, print no sanitizer report, write only whole JSON lines, and still
# write every exchange that lay wholly before the damage.
. "${CUTOVER_ROOT:?}/tests/integration/lib.sh"
[ -x "$bin/cutover-capture" ] || { echo "cutover-capture is not built yet" >&2; exit 77; }
it_need_cmd python3

gen="$here/harden_pcap.py"
python3 "$gen" exchanges "$tmp/a.pcap" 30 --conns 3 --index "$tmp/a.idx" &&
    python3 "$gen" exchanges "$tmp/b.pcap" 10 --link null --ipv6 --index "$tmp/b.idx" &&
    python3 "$gen" exchanges "$tmp/c.pcap" 8 --link sll2 --body 3000 --index "$tmp/c.idx" || exit 1

exec python3 - "$bin/cutover-capture" "$tmp" <<'EOF'
import json, os, random, re, subprocess, sys

capture, tmp = sys.argv[1], sys.argv[2]
SAN = re.compile(rb"ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer")
rnd = random.Random(20240607)
fails = []
runs = 0
statuses = {}


def load(name):
    data = open(os.path.join(tmp, name + ".pcap"), "rb").read()
    ends = [int(l.split()[1]) for l in open(os.path.join(tmp, name + ".idx"))]
    return data, ends


def run(label, data, must_have):
    """Capture data; check status, time, sanitizer, lines, and that the
    exchanges numbered in must_have were all written."""
    global runs
    runs += 1
    src = os.path.join(tmp, "in.pcap")
    out = os.path.join(tmp, "out.jsonl")
    with open(src, "wb") as f:
        f.write(data)
    if os.path.exists(out):
        os.unlink(out)
    try:
        p = subprocess.run([capture, "-q", "-r", src, "-o", out], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
    except subprocess.TimeoutExpired:
        fails.append("%s: no end within 20 s" % label)
        return
    statuses[p.returncode] = statuses.get(p.returncode, 0) + 1
    if p.returncode not in (0, 2):
        fails.append("%s: status %d: %s" % (label, p.returncode, p.stderr[-300:]))
    if SAN.search(p.stderr):
        fails.append("%s: sanitizer report:\n%s" % (label, p.stderr.decode("utf-8", "replace")[-2000:]))
        return
    got = set()
    if os.path.exists(out):
        raw = open(out, "rb").read()
        if raw and not raw.endswith(b"\n"):
            fails.append("%s: output ends mid-line" % label)
        for ln in raw.splitlines():
            try:
                e = json.loads(ln)
            except ValueError:
                fails.append("%s: invalid JSON line %r" % (label, ln[:80]))
                continue
            m = re.match(r"/item/(\d+)$", e.get("request", {}).get("_target", "") or "")
            if m:
                got.add(int(m.group(1)))
    missing = sorted(set(must_have) - got)
    if missing:
        fails.append("%s: status %d, exchanges before the damage missing: %s (got %s)"
                     % (label, p.returncode, missing, sorted(got)))


for name, ntrunc, nflip in (("a", 120, 120), ("b", 40, 40), ("c", 40, 40)):
    data, ends = load(name)
    # The undamaged file: everything, status 0.
    run("%s whole" % name, data, range(len(ends)))
    # Truncations: evenly spread plus random points, including inside the
    # file header and inside record headers.
    points = sorted(set([i * len(data) // ntrunc for i in range(ntrunc // 2)] +
                        [rnd.randrange(0, len(data)) for _ in range(ntrunc - ntrunc // 2)]))
    for t in points:
        run("%s cut at %d" % (name, t), data[:t], [i for i, e in enumerate(ends) if e <= t])
    # Flips: 1 to 8 random bytes past the file header, sometimes a run of
    # zeros or 0xff (lengths that lie). The exchanges that end before the
    # first damaged byte must still come out.
    for k in range(nflip):
        b = bytearray(data)
        if k % 5 == 4:
            at = rnd.randrange(24, len(b) - 16)
            fill = rnd.choice((0, 0xFF))
            for j in range(at, at + rnd.randrange(1, 16)):
                b[j] = fill
            first = at
        else:
            pos = [rnd.randrange(24, len(b)) for _ in range(rnd.randrange(1, 9))]
            for q in pos:
                b[q] ^= rnd.randrange(1, 256)
            first = min(pos)
        # a packet whose record header lies before "first" but whose data
        # covers it is damaged too: only exchanges that ended before it count
        run("%s flip #%d (first byte %d)" % (name, k, first), bytes(b),
            [i for i, e in enumerate(ends) if e <= first])

print("corrupt inputs: %d runs, statuses %s" % (runs, dict(sorted(statuses.items()))))
for f in fails[:25]:
    print("FAIL " + f)
if len(fails) > 25:
    print("... and %d more" % (len(fails) - 25))
print("%d passed, %d failed" % (runs - len({f.split(':')[0] for f in fails}), len({f.split(':')[0] for f in fails})))
sys.exit(1 if fails else 0)
EOF
