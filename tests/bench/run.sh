#!/usr/bin/env bash
# run.sh: `make bench`.  Measures the three tools beside what people would
# use instead (tcpdump, tshark, wrk, jsondiffpatch) on this machine, in one
# run, and writes bench/results.json plus a table (tests/bench/report.py).
# Every figure is the median of several runs; every ratio compares figures
# taken in the same run.  Knobs (environment):
#   BENCH_QUICK=1            small sizes, 3 runs (a few minutes)
#   BENCH_RUNS=5             runs per timed figure
#   BENCH_EXCHANGES=150000   exchanges in the recorded pcap
#   BENCH_PAIRS=1000000      exchange pairs for compare
#   BENCH_NODE_PAIRS=N       pairs for the jsondiffpatch script (default: BENCH_PAIRS)
#   BENCH_REPEAT=10          copies in the memory benchmark's big pcap
#   BENCH_LIVE_SECONDS=5     wrk time in the live capture
#   BENCH_PACE_SECONDS=5     length of each pacing run
#   BENCH_ONLY=capture,live,memory,replay,compare   sections to run
#   BENCH_PROFILE=1          callgrind the tools whose goal was missed
#   BENCH_OUT=bench          where results.json and the scratch files go
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/bench
build=${CUTOVER_BUILD:-build/rel}
out=${BENCH_OUT:-$root/bench}
work=$out/work
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    q_runs=3 q_exch=30000 q_pairs=100000 q_repeat=3 q_live=2 q_pace=2
else
    q_runs=5 q_exch=150000 q_pairs=1000000 q_repeat=10 q_live=5 q_pace=5
fi
runs=${BENCH_RUNS:-$q_runs}
exchanges=${BENCH_EXCHANGES:-$q_exch}
pairs=${BENCH_PAIRS:-$q_pairs}
node_pairs=${BENCH_NODE_PAIRS:-$pairs}
repeat=${BENCH_REPEAT:-$q_repeat}
live_s=${BENCH_LIVE_SECONDS:-$q_live}
pace_s=${BENCH_PACE_SECONDS:-$q_pace}
only=${BENCH_ONLY:-capture,live,memory,replay,compare}
limit_s=${BENCH_TIMEOUT:-600} # no single command may run longer
pace_rate=2000

mkdir -p "$work"
samples=$work/samples.tsv
: >"$samples"
bg="" # the one background process running now (tcpdump or the capture)

log() { printf 'bench: %s\n' "$*" >&2; }
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }
note() { printf '%s\t%s\n' "$1" "$2" >>"$samples"; }

cleanup() {
    [ -n "$bg" ] && kill "$bg" 2>/dev/null
    [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The tool of this build flavour, or nothing when it is not built yet.
tool() {
    local t
    for t in "$root/$build/bin/cutover-$1" "$root/bin/cutover-$1"; do
        [ -x "$t" ] && { echo "$t"; return 0; }
    done
    return 1
}

# measure LABEL CMD...: run CMD once with stdout to $MEASURE_STDOUT (default
# /dev/null) and stderr to $work/LABEL.err; note LABEL.wall (s, from the
# monotonic clock around it), LABEL.rss_kb and LABEL.cpu_s.  Returns CMD's
# status.
measure() {
    local label=$1 t0 t1 rc
    shift
    # What an earlier step wrote (big.jsonl is 230 MB, the pairs 3.8 GB) is
    # written back now, not by the kernel's flusher during a timed run.
    sync
    t0=$(date +%s%N)
    /usr/bin/time -f '%M %U %S' -o "$work/$label.time" timeout -s KILL "$limit_s" "$@" \
        >"${MEASURE_STDOUT:-/dev/null}" 2>"$work/$label.err"
    rc=$?
    t1=$(date +%s%N)
    note "$label.wall" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')"
    # /usr/bin/time writes "Command exited with non-zero status N" first.
    read -r rss us ss < <(tail -n 1 "$work/$label.time")
    note "$label.rss_kb" "$rss"
    note "$label.cpu_s" "$(awk -v a="$us" -v b="$ss" 'BEGIN { printf "%.2f", a + b }')"
    note "$label.status" "$rc"
    return $rc
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- nginx: one worker, a private prefix, answers every POST with JSON ----
port=""
start_nginx() {
    [ -n "$port" ] && return 0
    port=$(free_port)
    local d=$work/nginx
    rm -rf "$d" && mkdir -p "$d/logs" "$d/tmp"
    cat >"$d/nginx.conf" <<EOF
worker_processes 1;
daemon on;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 65;
    server {
        listen 127.0.0.1:$port;
        location / {
            default_type application/json;
            return 201 '{"id":"SM5f3a9c1e0b7d4e2a9c1e5f3a9c1e0b7d","status":"queued","to":"+15550100123","num_segments":1,"price":null,"price_unit":"USD","created_at":"2026-11-26T23:10:04.512Z","tags":["otp","login"]}';
        }
    }
}
EOF
    nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" || { log "nginx did not start"; return 1; }
    for _ in $(seq 50); do
        curl -s -o /dev/null -X POST "http://127.0.0.1:$port/v1/sms" && return 0
        sleep 0.1
    done
    log "nginx does not answer on port $port"
    return 1
}

# wrk_run OUTFILE SECONDS [STOP_AFTER]: the one request, 1 thread, 32 connections.
wrk_run() {
    BENCH_STOP_AFTER=${3:-0} timeout 120 wrk -t1 -c32 -d"$2"s -s "$here/post.lua" \
        "http://127.0.0.1:$port/" >"$1" 2>&1
}
wrk_requests() { awk '/ requests in / { print $1 }' "$1"; }
wrk_rate() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }

# ---- helpers built from tests/bench/*.c ----
build_helpers() {
    local cflags="-O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes"
    # The helpers link the release library even when the tools are sanitised.
    make -s -C "$root" SANITIZE=0 build/rel/libcutover.a >&2 || return 1
    # shellcheck disable=SC2046,SC2086
    cc $cflags -I"$root/include" "$here/gen_pairs.c" "$root/build/rel/libcutover.a" \
        $(pkg-config --libs jansson zlib) -lm -o "$work/gen_pairs" &&
        cc $cflags "$here/pcap_repeat.c" -o "$work/pcap_repeat" &&
        cc $cflags "$here/pace_floor.c" -o "$work/pace_floor"
}

machine_info() {
    note machine.cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    note machine.cores "$(nproc)"
    note machine.mem_gib "$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
    note machine.kernel "$(uname -r)"
    note machine.load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
    note version.cutover "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
    note version.nginx "$(nginx -v 2>&1 | sed 's/.*nginx\///')"
    note version.wrk "$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
    note version.tcpdump "$(tcpdump --version 2>&1 | awk 'NR == 1 { print $3 }')"
    note version.tshark "$(tshark -v 2>/dev/null | awk 'NR == 1 { print $NF }' | sed 's/[().]*$//')"
    note version.node "$(node --version 2>/dev/null)"
    note config.runs "$runs"
}

# ---- 1. capture, offline ----
record_pcap() {
    start_nginx || return 1
    local pcap=$work/big.pcap secs=$((exchanges / 40000 + 2))
    rm -f "$pcap"
    tcpdump -i lo -w "$pcap" -s 0 -B 262144 -Z root "tcp port $port" 2>"$work/record.err" &
    local tp=$!
    bg=$tp
    for _ in $(seq 50); do grep -q listening "$work/record.err" && break; sleep 0.1; done
    wrk_run "$work/record.wrk" "$secs" "$exchanges"
    sleep 0.5
    kill -INT "$tp"
    wait "$tp"
    bg=""
    note record.wrk_requests "$(wrk_requests "$work/record.wrk")"
    note record.packets "$(awk '/packets captured/ { print $1 }' "$work/record.err")"
    note record.dropped "$(awk '/dropped by kernel/ { print $1 }' "$work/record.err")"
    note record.bytes "$(stat -c %s "$pcap")"
    echo "$port" >"$work/big.port"
    log "recorded $(wrk_requests "$work/record.wrk") exchanges, $(stat -c %s "$pcap") bytes"
}

bench_capture_offline() {
    record_pcap || return 1
    local cap pcap=$work/big.pcap
    tcpdump -r "$pcap" -w /dev/null 2>/dev/null # page cache
    cap=$(tool capture) || { log "cutover-capture not built: offline capture skipped"; }
    if [ -n "$cap" ]; then
        measure capture_jsonl "$cap" -r "$pcap" -o "$work/big.jsonl" \
            --stats-json "$work/capture.stats.json" ||
            log "cutover-capture -r failed: $(tail -n 1 "$work/capture_jsonl.err")"
        note capture.exchanges "$(wc -l <"$work/big.jsonl")"
        python3 "$here/report.py" --capstats capture "$work/capture.stats.json" >>"$samples"
    fi
    for i in $(seq "$runs"); do
        measure tcpdump_read tcpdump -r "$pcap" -w /dev/null
        [ -n "$cap" ] && measure capture_offline "$cap" -r "$pcap" -o /dev/null
        log "capture offline run $i/$runs"
    done
    # tshark takes about 100x longer: one run.
    MEASURE_STDOUT=$work/tshark.uris measure tshark tshark -r "$pcap" -d "tcp.port==$port,http" \
        -Y http.request -T fields -e http.request.uri
    note tshark.requests "$(wc -l <"$work/tshark.uris")"
}

# ---- 2. capture, live ----
bench_capture_live() {
    local cap
    cap=$(tool capture) || { log "cutover-capture not built: live capture skipped"; return 0; }
    start_nginx || return 1
    local n=$((runs < 3 ? runs : 3)) stop=$((live_s + 3))
    bench_tcpdump_live
    for i in $(seq "$n"); do
        rm -f "$work/live.jsonl" "$work/live.stats.json"
        # SIGINT after the window: the capture flushes and prints its final stats.
        /usr/bin/time -f '%M %U %S %e' -o "$work/live.time" \
            timeout -s INT -k 10 "$stop" "$cap" -i lo -f "tcp port $port" \
            -o "$work/live.jsonl" --stats-json "$work/live.stats.json" 2>"$work/live.err" &
        local cp=$!
        bg=$cp
        sleep 1.5
        wrk_run "$work/live.wrk" "$live_s"
        wait "$cp"
        bg=""
        note live.wrk_requests "$(wrk_requests "$work/live.wrk")"
        note live.recorded "$(wc -l <"$work/live.jsonl" 2>/dev/null || echo 0)"
        python3 "$here/report.py" --capstats live "$work/live.stats.json" >>"$samples"
        read -r rss us ss el < <(tail -n 1 "$work/live.time")
        note live.cpu_s "$(awk -v a="$us" -v b="$ss" 'BEGIN { printf "%.2f", a + b }')"
        note live.rss_kb "$rss"
        note live.window_s "$el"
        log "live run $i/$n: wrk $(wrk_requests "$work/live.wrk"), recorded $(wc -l <"$work/live.jsonl" 2>/dev/null)"
    done
}

# tcpdump's own live capture (default buffer) under the same load: what
# libpcap on this machine keeps up with.
bench_tcpdump_live() {
    tcpdump -i lo -w /dev/null "tcp port $port" 2>"$work/tdlive.err" &
    local tp=$!
    bg=$tp
    for _ in $(seq 50); do grep -q listening "$work/tdlive.err" && break; sleep 0.1; done
    wrk_run "$work/tdlive.wrk" "$live_s"
    sleep 0.5
    kill -INT "$tp"
    wait "$tp"
    bg=""
    note tdlive.wrk_requests "$(wrk_requests "$work/tdlive.wrk")"
    note tdlive.packets "$(awk '/packets captured/ { print $1 }' "$work/tdlive.err")"
    note tdlive.dropped "$(awk '/dropped by kernel/ { print $1 }' "$work/tdlive.err")"
}

# ---- 3. capture memory ----
bench_capture_memory() {
    local cap
    cap=$(tool capture) || { log "cutover-capture not built: memory skipped"; return 0; }
    [ -s "$work/big.pcap" ] || record_pcap || return 1
    "$work/pcap_repeat" "$work/big.pcap" "$work/big10.pcap" "$repeat" "$(cat "$work/big.port")" \
        2>"$work/repeat.err" ||
        { log "pcap_repeat failed: $(cat "$work/repeat.err")"; return 1; }
    note memory.repeat "$repeat"
    note memory.bytes_big "$(stat -c %s "$work/big.pcap")"
    note memory.bytes_rep "$(stat -c %s "$work/big10.pcap")"
    rm -f "$work/count.fifo" && mkfifo "$work/count.fifo"
    local i
    for i in 1 2; do
        local pcap=$work/big.pcap label=memory_big
        [ $i = 2 ] && pcap=$work/big10.pcap label=memory_rep
        wc -l <"$work/count.fifo" >"$work/count.txt" &
        MEASURE_STDOUT=$work/count.fifo measure "$label" "$cap" -r "$pcap" -o -
        wait
        note "$label.exchanges" "$(cat "$work/count.txt")"
    done
    rm -f "$work/big10.pcap" "$work/count.fifo"
}

# ---- 4. replay ----
# pace_input N RATE: the first N exchanges of big.jsonl with Poisson arrivals
# at RATE per second (a production-like schedule for --speed 1).
pace_input() {
    head -n "$1" "$work/big.jsonl" | python3 "$here/report.py" --pace "$2" >"$work/paced.jsonl"
}

bench_replay() {
    local rep
    rep=$(tool replay) || { log "cutover-replay not built: replay skipped"; return 0; }
    [ -s "$work/big.jsonl" ] || { log "no capture JSONL (big.jsonl): replay skipped"; return 0; }
    start_nginx || return 1
    local url=http://127.0.0.1:$port n
    n=$(wc -l <"$work/big.jsonl")
    note replay.requests "$n"
    # One untimed run that keeps its output, to check every request got an answer.
    "$rep" --max --concurrency 32 -t "$url" -o "$work/replay.jsonl" "$work/big.jsonl" \
        2>"$work/replay_check.err"
    note replay.status "$?"
    note replay.answered "$(grep -c '"status":201' "$work/replay.jsonl")"
    note replay.errors "$(grep -c '"_error"' "$work/replay.jsonl")"
    rm -f "$work/replay.jsonl"
    local i
    for i in $(seq "$runs"); do
        measure replay_max "$rep" -q --max --concurrency 32 -t "$url" -o /dev/null "$work/big.jsonl"
        wrk_run "$work/replay.wrk" 3
        note wrk.rate "$(wrk_rate "$work/replay.wrk")"
        log "replay run $i/$runs"
    done
    local pn=$((pace_s * pace_rate))
    pace_input "$pn" "$pace_rate"
    "$rep" -q --speed 1 --concurrency 32 -t "$url" -o "$work/pace_speed.jsonl" \
        "$work/paced.jsonl" 2>"$work/pace_speed.err"
    note pace_speed.status "$?"
    "$rep" -q --rate "$pace_rate" --limit "$pn" --concurrency 32 -t "$url" \
        -o "$work/pace_rate.jsonl" "$work/big.jsonl" 2>"$work/pace_rate.err"
    note pace_rate.status "$?"
    python3 "$here/report.py" --lag pace_speed "$work/pace_speed.jsonl" >>"$samples"
    python3 "$here/report.py" --lag pace_rate "$work/pace_rate.jsonl" >>"$samples"
    "$work/pace_floor" "$pn" "$pace_rate" >"$work/pace_floor.jsonl"
    python3 "$here/report.py" --lag pace_floor "$work/pace_floor.jsonl" >>"$samples"
}

# ---- 5. compare ----
gen_pairs() { # N -> $work/pairs-N.{base,cand}.jsonl, reused when present
    local f=$work/pairs-$1
    [ -s "$f.cand.jsonl" ] && return 0
    log "generating $1 exchange pairs"
    "$work/gen_pairs" "$1" "$f.base.jsonl" "$f.cand.jsonl" 42 3 2>"$work/gen-$1.err" ||
        { log "gen_pairs failed: $(cat "$work/gen-$1.err")"; return 1; }
}

node_ready() {
    [ -d "$here/node/node_modules/jsondiffpatch" ] && return 0
    (cd "$here/node" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) ||
        (cd "$here/node" && npm install --no-audit --no-fund --silent >/dev/null 2>&1)
}

bench_compare() {
    local cmp small=$((pairs / 10)) f g
    gen_pairs "$pairs" && gen_pairs "$small" || return 1
    [ "$node_pairs" != "$pairs" ] && { gen_pairs "$node_pairs" || return 1; }
    f=$work/pairs-$pairs g=$work/pairs-$small
    note compare.pairs "$pairs"
    note compare.small "$small"
    note compare.node_pairs "$node_pairs"
    note compare.bytes "$(($(stat -c %s "$f.base.jsonl") + $(stat -c %s "$f.cand.jsonl")))"
    note compare.real_diffs "$(grep -oE '[0-9]+ with a real difference' "$work/gen-$pairs.err" | cut -d' ' -f1)"
    cat "$f.base.jsonl" "$f.cand.jsonl" >/dev/null # page cache
    if cmp=$(tool compare); then
        local i n=$((runs < 3 ? runs : 3))
        # The ids the two platforms mint differ on every pair; a user ignores them.
        local ignore=(--ignore '$.id' --ignore '$.multicast_id' --ignore '$.results[*].message_id')
        for i in $(seq "$n"); do
            measure compare "$cmp" "${ignore[@]}" --json "$work/compare.json" \
                "$f.base.jsonl" "$f.cand.jsonl"
            log "compare run $i/$n: status $?"
        done
        python3 "$here/report.py" --totals compare "$work/compare.json" >>"$samples"
        measure compare_small "$cmp" "${ignore[@]}" --json /dev/null "$g.base.jsonl" "$g.cand.jsonl"
        if [ "$node_pairs" != "$pairs" ]; then
            local h=$work/pairs-$node_pairs
            measure compare_nodeset "$cmp" "${ignore[@]}" --json /dev/null "$h.base.jsonl" \
                "$h.cand.jsonl"
        fi
    else
        log "cutover-compare not built: compare skipped (jsondiffpatch measured alone)"
    fi
    node_ready || { log "npm could not install jsondiffpatch"; return 1; }
    local h=$work/pairs-$node_pairs
    MEASURE_STDOUT=$work/node.out measure node node --max-old-space-size=16384 \
        "$here/jsondiffpatch_diff.js" "$h.base.jsonl" "$h.cand.jsonl"
    note node.result "$(cat "$work/node.out")"
    MEASURE_STDOUT=$work/node_small.out measure node_small node --max-old-space-size=16384 \
        "$here/jsondiffpatch_diff.js" "$g.base.jsonl" "$g.cand.jsonl"
}

# ---- 6. profiles: callgrind on small inputs, top functions by own cost ----
profile() { # LABEL CMD...
    local cg=$work/callgrind.$1
    shift
    timeout -s KILL "$limit_s" valgrind --tool=callgrind --callgrind-out-file="$cg.out" "$@" \
        >/dev/null 2>"$cg.err" || true
    [ -s "$cg.out" ] || { log "callgrind failed: $(tail -n 1 "$cg.err")"; return 1; }
    callgrind_annotate --threshold=95 "$cg.out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' |
        head -n 16 >"$cg.top"
    log "profile $cg.top:"
    sed 's/^/    /' "$cg.top" >&2
}

bench_profile() {
    local t
    if t=$(tool capture) && [ -s "$work/big.pcap" ]; then
        tcpdump -r "$work/big.pcap" -c 40000 -w "$work/small.pcap" 2>/dev/null
        profile capture "$t" -r "$work/small.pcap" -o /dev/null
    fi
    if t=$(tool replay) && [ -s "$work/big.jsonl" ] && start_nginx; then
        profile replay "$t" -q --max --concurrency 32 --limit 5000 -t "http://127.0.0.1:$port" \
            -o /dev/null "$work/big.jsonl"
    fi
    local g=$work/pairs-$((pairs / 10))
    if t=$(tool compare) && [ -s "$g.cand.jsonl" ]; then
        head -n 5000 "$g.base.jsonl" >"$work/prof.base.jsonl"
        head -n 5000 "$g.cand.jsonl" >"$work/prof.cand.jsonl"
        profile compare "$t" --json /dev/null "$work/prof.base.jsonl" "$work/prof.cand.jsonl"
    fi
}

main() {
    for t in nginx wrk tcpdump tshark node python3 valgrind /usr/bin/time; do
        command -v "$t" >/dev/null || { log "missing $t: run 'sh scripts/deps.sh bench'"; exit 2; }
    done
    build_helpers || { log "could not build the helpers"; exit 3; }
    case $build in *asan*) log "warning: $build is a sanitizer build; its figures mean little" ;; esac
    machine_info
    local s
    for s in capture live memory replay compare; do
        want "$s" || continue
        log "== $s"
        case $s in
        capture) bench_capture_offline ;;
        live) bench_capture_live ;;
        memory) bench_capture_memory ;;
        replay) bench_replay ;;
        compare) bench_compare ;;
        esac || log "$s: failed (see $work)"
    done
    note machine.load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
    [ "${BENCH_PROFILE:-0}" = 1 ] && bench_profile
    python3 "$here/report.py" --report "$samples" "$out/results.json"
}

main "$@"
