#!/usr/bin/env bash
# demo.sh: `make demo`, the whole migration rehearsal on this machine.
# Starts a legacy notification platform, a new one (with the regressions
# named in $REGRESS) and a second legacy one as the secondary, records the
# driver's traffic to the legacy one off the loopback interface, replays it
# at the new one (and the secondary), compares, and prints the verdict, the
# top differences and where the reports are.  Everything it starts is
# stopped on exit, on failure and on Ctrl-C.
#
# Environment: CUTOVER_BUILD (build dir, binaries in $CUTOVER_BUILD/bin),
# DEMO_OUT (output dir, default ./demo-out), REGRESS (comma list: status,
# segments, drop, order, latency), DEMO_COUNT (requests, default 400),
# DEMO_SEED (driver seed, default 1).
set -u -o pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CUTOVER_BUILD:-build/rel}
case "$build" in /*) bin="$build/bin" ;; *) bin="$root/$build/bin" ;; esac
out=${DEMO_OUT:-./demo-out}
regress=${REGRESS:-}
count=${DEMO_COUNT:-400}
seed=${DEMO_SEED:-1}
latency_ms=25 # every simulator: 25 ms +- 5 ms of think time, well above the noise of a busy machine
jitter_ms=5

say() { printf '%s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit "${2:-3}"; }

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    pids=()
}
trap cleanup EXIT
exec 3>&1 # the demo's own stdout, also inside redirected steps
trap 'say "demo: interrupted" >&3; exit 130' INT TERM

# run CMD...: run a step in the background and wait for it, so that an
# interrupt is handled at once (bash defers traps while a foreground child
# runs) and the step is stopped with everything else.
run() {
    "$@" &
    local p=$!
    pids+=("$p")
    wait "$p"
    local rc=$?
    forget "$p"
    return "$rc"
}
forget() {
    local q keep=()
    for q in "${pids[@]}"; do [ "$q" = "$1" ] || keep+=("$q"); done
    pids=("${keep[@]}")
}

for t in cutover-capture cutover-replay cutover-compare cutover-sim cutover-driver; do
    [ -x "$bin/$t" ] || die "$bin/$t is missing: run 'make all' first" 2
done

# Live capture needs CAP_NET_RAW: root, or the capability on the binary.
can_capture() {
    [ "$(id -u)" -eq 0 ] && return 0
    local eff
    eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status 2>/dev/null)
    [ -n "$eff" ] && (( (16#$eff >> 13) & 1 )) && return 0
    command -v getcap >/dev/null && getcap "$bin/cutover-capture" 2>/dev/null | grep -q cap_net_raw
}
if ! can_capture; then
    cat >&2 <<EOF
demo: the live capture on the loopback interface needs root or CAP_NET_RAW,
demo: and this shell has neither (nothing was started).  Run one of:
demo:     sudo make demo${regress:+ REGRESS=$regress}
demo:     sudo setcap cap_net_raw,cap_net_admin+eip $bin/cutover-capture && make demo
demo: (see docs/demo.md: "Without root").
EOF
    exit 2
fi

mkdir -p "$out" || die "cannot create $out" 3
out=$(cd "$out" && pwd)
rm -f "$out"/{capture,candidate,secondary}.jsonl "$out"/report.{json,html} \
      "$out"/{junit.xml,summary.md} "$out"/*.log "$out"/driver.txt

# start_sim NAME ARGS...: start a simulator on a free port; sets $port.
start_sim() {
    local name=$1
    shift
    "$bin/cutover-sim" --port 0 --latency-ms "$latency_ms" --jitter-ms "$jitter_ms" "$@" \
        >"$out/$name.port" 2>"$out/$name.log" &
    pids+=($!)
    port=""
    for _ in $(seq 50); do
        port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$out/$name.port" 2>/dev/null)
        [ -n "$port" ] && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    die "the $name simulator did not start: $(cat "$out/$name.log")"
}

start_sim legacy --flavor legacy --seed 7; legacy=$port
start_sim new --flavor new --seed 7 ${regress:+--regress "$regress"}; new=$port
start_sim secondary --flavor legacy --seed 7; secondary=$port
say "demo: legacy platform on 127.0.0.1:$legacy, new platform on 127.0.0.1:$new" \
    "(regressions: ${regress:-none}), second legacy on 127.0.0.1:$secondary"

"$bin/cutover-capture" -i lo -f "tcp port $legacy" -o "$out/capture.jsonl" \
    2>"$out/capture.log" &
cap_pid=$!
pids+=($cap_pid)
# The capture is ready once it says it is listening (libpcap has the
# interface open and the filter set); it may also exit at once (bad filter).
for _ in $(seq 50); do
    grep -qs 'listening on' "$out/capture.log" && break
    kill -0 "$cap_pid" 2>/dev/null || die "cutover-capture exited at once: $(cat "$out/capture.log")"
    sleep 0.1
done
grep -qs 'listening on' "$out/capture.log" || say "demo: warning: cutover-capture has not said it is listening"

say "demo: driving $count requests at the legacy platform (capture running)"
run "$bin/cutover-driver" --count "$count" --concurrency 4 --seed "$seed" \
    "http://127.0.0.1:$legacy" >"$out/driver.txt" 2>"$out/driver.log" ||
    die "the driver failed: $(tail -n 3 "$out/driver.log")"
sed 's/^/    /' "$out/driver.txt"

sleep 0.5 # let the last packets reach libpcap's buffer
kill -INT "$cap_pid"
wait "$cap_pid"
rc=$?
forget "$cap_pid"
[ "$rc" -eq 0 ] || die "cutover-capture exited with status $rc: $(tail -n 3 "$out/capture.log")"
captured=$(wc -l <"$out/capture.jsonl")
say "demo: captured $captured exchanges into $out/capture.jsonl"
sent=$(sed -n 's/^sent \([0-9]*\) requests.*/\1/p' "$out/driver.txt")
if [ "$captured" -lt "${sent:-0}" ]; then
    say "demo: warning: the driver sent $sent requests but only $captured were captured;" \
        "cutover-capture's own account:"
    grep 'final:' "$out/capture.log" | sed 's/^/    /'
fi

say "demo: replaying them at the new platform and the second legacy one"
run "$bin/cutover-replay" -t "http://127.0.0.1:$new" -o "$out/candidate.jsonl" \
    --secondary "http://127.0.0.1:$secondary" --secondary-out "$out/secondary.jsonl" \
    "$out/capture.jsonl" 2>"$out/replay.log"
rc=$?
[ "$rc" -eq 0 ] || die "cutover-replay exited with status $rc: $(tail -n 3 "$out/replay.log")"

say "demo: comparing"
run "$bin/cutover-compare" --secondary "$out/secondary.jsonl" --json "$out/report.json" \
    --html "$out/report.html" --junit "$out/junit.xml" --markdown "$out/summary.md" \
    "$out/capture.jsonl" "$out/candidate.jsonl" >"$out/compare.txt" 2>"$out/compare.log"
crc=$?
[ "$crc" -le 1 ] || die "cutover-compare exited with status $crc: $(tail -n 3 "$out/compare.log")"
[ -s "$out/report.json" ] || die "cutover-compare wrote no report.json"

python3 - "$out/report.json" <<'EOF' || die "report.json is not what docs say it is"
import json, sys
r = json.load(open(sys.argv[1]))
t = r.get("totals", {})
print()
print("verdict: %s   parity %.2f%%   (%d exchanges: %d matched, %d mismatched, %d missing, %d errors)" % (
    r["verdict"].upper(), t.get("parity_pct", 0), t.get("exchanges", 0), t.get("matched", 0),
    t.get("mismatched", 0), t.get("missing", 0), t.get("errors", 0)))
failed = [g for g in r.get("gate", []) if not g.get("passed")]
for g in failed[:10]:
    print("  gate failed: %-14s %-24s actual %s, threshold %s" % (
        g.get("rule"), g.get("scope"), g.get("actual"), g.get("threshold")))
diffs = sorted(r.get("differences", []), key=lambda d: -d.get("count", 0))
if diffs:
    print("top differences:")
    for d in diffs[:8]:
        print("  %5d x  %-22s %-6s %-36s %s" % (d.get("count", 0), d.get("endpoint"),
              d.get("where"), d.get("path"), d.get("kind")))
noise = r.get("noise", [])
if noise:
    print("noise set aside: %d paths (e.g. %s)" % (len(noise), ", ".join(
        sorted({n.get("path", "?") for n in noise})[:4])))
EOF

cat <<EOF

reports:
  $out/report.html   open in a browser
  $out/report.json   the CI contract (verdict, gate, differences)
  $out/junit.xml     for CI test views
  $out/summary.md    for a merge-request comment
EOF

if [ -n "$regress" ]; then
    if [ "$crc" -eq 1 ]; then
        say "demo: the seeded regressions ($regress) were caught."
        exit 0
    fi
    say "demo: the seeded regressions ($regress) were NOT caught."
    exit 1
fi
exit "$crc"
