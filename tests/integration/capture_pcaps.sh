#!/bin/sh
# capture_pcaps.sh: cutover-capture over every file of the public corpus in
# ../shared/pcaps: no crash, exit status 0 (or 2 with one clean line), and
# at least as many requests and responses as tshark counted in its README.
set -u
bin=${CUTOVER_BIN:?}
root=${CUTOVER_ROOT:?}
dir="$root/../shared/pcaps"
[ -d "$dir" ] && [ -f "$dir/README.md" ] || { echo "no corpus at $dir" >&2; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed" >&2; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/capture_pcaps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

fails=0; n=0
for f in "$dir"/*.pcap "$dir"/*.pcapng; do
    [ -e "$f" ] || continue
    b=$(basename "$f")
    n=$((n + 1))
    timeout 120 "$bin/cutover-capture" -q -r "$f" -o "$tmp/$b.jsonl" --stats-json "$tmp/$b.json" \
        2>"$tmp/$b.err"
    rc=$?
    case $rc in
    0) ;;
    2) if [ "$(wc -l <"$tmp/$b.err")" -ne 1 ]; then
           echo "FAIL $b: exit 2 without a one-line message:"; cat "$tmp/$b.err"; fails=$((fails + 1))
       else
           echo "note $b: $(cat "$tmp/$b.err")"
       fi
       continue ;;
    *) echo "FAIL $b: exit status $rc"; cat "$tmp/$b.err"; fails=$((fails + 1)); continue ;;
    esac
    python3 - "$dir/README.md" "$b" "$tmp/$b.json" "$tmp/$b.jsonl" <<'PY' || fails=$((fails + 1))
import json, sys
readme, name, stats, out = sys.argv[1:5]
want = None
for line in open(readme):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) >= 5 and cells[0] == name:
        want = (int(cells[3]), int(cells[4]))
s = json.load(open(stats))
lines = sum(1 for _ in open(out))
for l in open(out):
    json.loads(l)  # every line is JSON
if lines != s["written"]:
    sys.exit("FAIL %s: %d lines but %d written" % (name, lines, s["written"]))
if want is None:
    print("ok   %s (not in the README): %d requests, %d responses" % (name, s["requests"], s["responses"]))
    sys.exit(0)
if s["requests"] < want[0] or s["responses"] < want[1]:
    sys.exit("FAIL %s: %d requests, %d responses; tshark counted %d and %d"
             % (name, s["requests"], s["responses"], want[0], want[1]))
print("ok   %s: %d requests (tshark %d), %d responses (tshark %d), %d exchanges"
      % (name, s["requests"], want[0], s["responses"], want[1], s["exchanges"]))
PY
done
[ $n -gt 0 ] || { echo "no pcap files in $dir" >&2; exit 77; }
[ $fails -eq 0 ] || { echo "capture_pcaps: $fails of $n files failed"; exit 1; }
echo "capture_pcaps: $n files pass"
