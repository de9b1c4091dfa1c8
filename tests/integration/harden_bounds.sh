#!/bin/sh
# harden_bounds.sh: cutover-capture under hostile volume stays within its
# configured caps and counts what it sheds.  Three crafted pcaps
# (harden_pcap.py): 100,000 SYNs never answered (--max-flows 1000), 3,000
# connections each announcing a 20 kB body and sending half
# (--max-flows 500 --max-flow-bytes 4k), and 4 endless chunked bodies of
# 20 MB each (default caps).  Peak RSS (GNU time's %M) must stay within
# 16 MiB of what a 10-exchange capture takes (skipped under ASan, whose
# shadow memory and quarantine make RSS meaningless), and the statistics
# (--stats-json) must account for everything shed.
#
# A shed that the statistics do not show is reported as GAP; it fails the
# test only with HARDEN_STRICT=1 (see docs/hardening.md for the open ones).
. "${CUTOVER_ROOT:?}/tests/integration/lib.sh"
[ -x "$bin/cutover-capture" ] || { echo "cutover-capture is not built yet" >&2; exit 77; }
[ -x /usr/bin/time ] || { echo "GNU time is not installed (package time; scripts/deps.sh test)" >&2; exit 77; }
it_need_cmd python3
case "$bin" in */asan/*) asan=1 ;; *) asan=0 ;; esac

gen="$here/harden_pcap.py"
python3 "$gen" exchanges "$tmp/base.pcap" 10 &&
    python3 "$gen" synflood "$tmp/syn.pcap" 100000 &&
    python3 "$gen" unfinished "$tmp/unf.pcap" 3000 20000 &&
    python3 "$gen" chunked "$tmp/chk.pcap" 4 20000000 || exit 1

fails=0
gaps=0
check() { # check NAME STATUS
    if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
gap() { # gap NAME STATUS: a known shortfall unless HARDEN_STRICT=1
    if [ "$2" -eq 0 ]; then echo "ok   $1"; return; fi
    echo "GAP  $1"
    gaps=$((gaps + 1))
    [ "${HARDEN_STRICT:-0}" = 1 ] && fails=$((fails + 1))
}
# stat FILE EXPR: evaluate a Python expression over the stats JSON as s
stat() {
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}
# cap NAME PCAP ARGS...: run the capture, record peak RSS (KiB) in $rss
cap() {
    name=$1 pcap=$2
    shift 2
    timeout 120 /usr/bin/time -f '%M' -o "$tmp/$name.rss" "$bin/cutover-capture" -q -r "$pcap" \
        -o "$tmp/$name.jsonl" --stats-json "$tmp/$name.stats" "$@" 2>"$tmp/$name.err"
    rc=$?
    rss=$(tail -n 1 "$tmp/$name.rss")
    check "$name: capture ends with status 0 (got $rc)" "$([ $rc -eq 0 ]; echo $?)"
    ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/$name.err"
    check "$name: no sanitizer report" $?
}
within() { # within NAME: peak RSS against the bound
    if [ $asan -eq 1 ]; then
        echo "skip $1: peak RSS ${rss} KiB not bounded under ASan"
        return
    fi
    check "$1: peak RSS ${rss} KiB <= ${bound} KiB" "$([ "$rss" -le "$bound" ]; echo $?)"
}

cap base "$tmp/base.pcap"
bound=$((rss + 16384))
check "base: 10 exchanges written" "$([ "$(stat "$tmp/base.stats" 's["written"]')" = 10 ]; echo $?)"

cap synflood "$tmp/syn.pcap" --max-flows 1000
within synflood
shed=$(stat "$tmp/synflood.stats" 's["packet_layer"]["flows_evicted"]')
check "synflood: flows shed at --max-flows are counted in the statistics (${shed:-none})" \
    "$([ "${shed:-0}" -gt 0 ]; echo $?)"

cap unfinished "$tmp/unf.pcap" --max-flows 500 --max-flow-bytes 4k
within unfinished
lost=$(stat "$tmp/unfinished.stats" 's["lost_requests_total"]')
check "unfinished: all 3000 never-finished requests counted as lost (${lost:-none})" \
    "$([ "${lost:-0}" -eq 3000 ]; echo $?)"

cap chunked "$tmp/chk.pcap"
within chunked
lost=$(stat "$tmp/chunked.stats" 's["lost_requests_total"]')
check "chunked: the 4 endless bodies are counted as lost (${lost:-none})" \
    "$([ "${lost:-0}" -eq 4 ]; echo $?)"
check "chunked: nothing invented (0 exchanges written)" \
    "$([ "$(stat "$tmp/chunked.stats" 's["written"]')" = 0 ]; echo $?)"

echo "bounds: $gaps known gap(s)"
[ $fails -eq 0 ]
