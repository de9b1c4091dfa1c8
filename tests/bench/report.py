#!/usr/bin/env python3
"""report.py: the arithmetic of `make bench` (tests/bench/run.sh).

  report.py --report SAMPLES.tsv OUT.json   medians, ratios, goals; prints the table
  report.py --lag LABEL REPLAY.jsonl        _lag distribution, as SAMPLES lines
  report.py --totals LABEL REPORT.json      compare's totals, as SAMPLES lines
  report.py --capstats LABEL STATS.json     capture's final counters, as SAMPLES lines
  report.py --pace RATE < IN.jsonl          rewrite startedDateTime to Poisson arrivals

SAMPLES.tsv holds one "key<TAB>value" per line; a key noted several times
(one per run) is reported as the median of its values.
"""
import json
import random
import re
import statistics
import sys
from datetime import datetime, timedelta, timezone


def load_samples(path):
    vals = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            vals.setdefault(key, []).append(value)
    return vals


class Figures:
    def __init__(self, vals):
        self.vals = vals

    def num(self, key, how="median"):
        xs = []
        for v in self.vals.get(key, []):
            try:
                xs.append(float(v))
            except ValueError:
                pass
        if not xs:
            return None
        if how == "max":
            return max(xs)
        if how == "min":
            return min(xs)
        if how == "all":
            return xs
        return statistics.median(xs)

    def text(self, key):
        v = self.vals.get(key)
        return v[-1] if v else None


def div(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def lag_stats(label, path):
    lag = re.compile(rb'"_lag":(-?[0-9.eE+-]+)')
    xs, missing = [], 0
    with open(path, "rb") as f:
        for line in f:
            m = lag.search(line)
            if m:
                xs.append(float(m.group(1)))
            else:
                missing += 1
    out = {"n": len(xs), "no_lag": missing}
    if xs:
        xs.sort()
        q = lambda p: xs[min(len(xs) - 1, int(p * len(xs)))]
        out.update(within_1ms_pct=100.0 * sum(1 for x in xs if x <= 1.0) / len(xs),
                   p50_ms=q(0.5), p99_ms=q(0.99), p999_ms=q(0.999), max_ms=xs[-1])
    for k, v in out.items():
        print(f"{label}.{k}\t{v}")


def totals(label, path):
    """report.json's totals, as SAMPLES lines."""
    try:
        with open(path) as f:
            t = json.load(f).get("totals", {})
    except (OSError, ValueError):
        return
    for k in ("compared", "matched", "mismatched", "missing", "parity_pct"):
        if k in t:
            print(f"{label}.{k}\t{t[k]}")


def capstats(label, path):
    """cutover-capture --stats-json's counters, as SAMPLES lines."""
    try:
        with open(path) as f:
            st = json.load(f)
    except (OSError, ValueError):
        return
    for k in ("packets", "kernel_drops", "if_drops", "exchanges", "written", "gaps",
              "lost_requests_total", "lost_responses_total"):
        if k in st:
            print(f"{label}.{k}\t{st[k]}")


def pace(rate):
    """Poisson arrivals at rate per second from a fixed start, seeded."""
    rnd = random.Random(7)
    t = datetime(2026, 11, 26, 23, 10, 4, tzinfo=timezone.utc)
    field = re.compile(r'"startedDateTime":"[^"]*"')
    for line in sys.stdin:
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        sys.stdout.write(field.sub(f'"startedDateTime":"{stamp}"', line, count=1))
        t += timedelta(seconds=rnd.expovariate(rate))


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if abs(v) >= 1e6:
        s = f"{v / 1e6:.2f} M"
    elif abs(v) >= 1e4:
        s = f"{v / 1e3:.0f} k"
    elif abs(v) >= 100:
        s = f"{v:.0f}"
    elif abs(v) >= 10:
        s = f"{v:.1f}"
    else:
        s = f"{v:.3g}"
    return s + (" " + unit if unit else "")


def build(F):
    """Every figure and goal, as (section, dict)."""
    r = {}
    exch = F.num("capture.exchanges")
    cap_s, td_s, ts_s = F.num("capture_offline.wall"), F.num("tcpdump_read.wall"), F.num("tshark.wall")
    pkts, size = F.num("record.packets"), F.num("record.bytes")
    r["capture_offline"] = {
        "pcap_bytes": size, "pcap_packets": pkts, "wrk_requests": F.num("record.wrk_requests"),
        "record_dropped": F.num("record.dropped"),
        "exchanges": exch, "tshark_requests": F.num("tshark.requests"),
        "cutover_s": cap_s, "tcpdump_s": td_s, "tshark_s": ts_s,
        "cutover_runs": F.num("capture_offline.wall", "all"),
        "tcpdump_runs": F.num("tcpdump_read.wall", "all"),
        "exchanges_per_s": div(exch, cap_s), "packets_per_s": div(pkts, cap_s),
        "mb_per_s": div(size, cap_s and cap_s * 1e6),
        "ratio_to_tcpdump": div(cap_s, td_s), "speedup_over_tshark": div(ts_s, cap_s),
        "cutover_cpu_s": F.num("capture_offline.cpu_s"), "tcpdump_cpu_s": F.num("tcpdump_read.cpu_s"),
        "tshark_cpu_s": F.num("tshark.cpu_s"), "cutover_rss_kb": F.num("capture_offline.rss_kb"),
        "capture_packets": F.num("capture.packets"), "capture_gaps": F.num("capture.gaps"),
        "capture_lost": (F.num("capture.lost_requests_total") or 0) + (F.num("capture.lost_responses_total") or 0),
    }
    wrk_live, rec = F.num("live.wrk_requests"), F.num("live.recorded")
    pcts = [100.0 * a / b for a, b in zip(F.num("live.recorded", "all") or [],
                                           F.num("live.wrk_requests", "all") or []) if b]
    r["capture_live"] = {
        "runs": len(pcts), "wrk_requests": wrk_live, "recorded": rec,
        "recorded_pct": statistics.median(pcts) if pcts else None,
        "recorded_pct_min": min(pcts) if pcts else None,
        "kernel_drops_max": F.num("live.kernel_drops", "max"),
        "if_drops_max": F.num("live.if_drops", "max"),
        "lost_requests_max": F.num("live.lost_requests_total", "max"),
        "lost_responses_max": F.num("live.lost_responses_total", "max"),
        "cpu_s": F.num("live.cpu_s"), "window_s": F.num("live.window_s"),
        "cpu_us_per_exchange": div(F.num("live.cpu_s"), rec and rec / 1e6),
        "rss_kb": F.num("live.rss_kb"),
        "tcpdump_wrk_requests": F.num("tdlive.wrk_requests"), "tcpdump_packets": F.num("tdlive.packets"),
        "tcpdump_dropped": F.num("tdlive.dropped"),
    }
    rb, rr = F.num("memory_big.rss_kb"), F.num("memory_rep.rss_kb")
    r["capture_memory"] = {
        "repeat": F.num("memory.repeat"), "exchanges_big": F.num("memory_big.exchanges"),
        "exchanges_rep": F.num("memory_rep.exchanges"),
        "rss_kb_big": rb, "rss_kb_rep": rr, "rss_growth": div(rr, rb),
    }
    n, rep_s, wrk_rate = F.num("replay.requests"), F.num("replay_max.wall"), F.num("wrk.rate")
    rps = div(n, rep_s)
    r["replay"] = {
        "requests": n, "answered": F.num("replay.answered"), "errors": F.num("replay.errors"),
        "cutover_s": rep_s, "cutover_rps": rps, "wrk_rps": wrk_rate,
        "cutover_runs": F.num("replay_max.wall", "all"), "wrk_runs": F.num("wrk.rate", "all"),
        "ratio_to_wrk": div(rps, wrk_rate), "cpu_s": F.num("replay_max.cpu_s"),
        "rss_kb": F.num("replay_max.rss_kb"),
    }
    for lab in ("pace_speed", "pace_rate", "pace_floor"):
        r["replay"][lab] = {k: F.num(f"{lab}.{k}") for k in
                            ("n", "no_lag", "within_1ms_pct", "p50_ms", "p99_ms", "p999_ms", "max_ms")}
    pairs, small, npairs = F.num("compare.pairs"), F.num("compare.small"), F.num("compare.node_pairs")
    c_s, node_s = F.num("compare.wall"), F.num("node.wall")
    c_same = c_s if npairs == pairs else F.num("compare_nodeset.wall")
    def per_exch(big, little):
        if None in (big, little, pairs, small):
            return None
        return div((big - little) * 1024.0, pairs - small)
    r["compare"] = {
        "pairs": pairs, "bytes": F.num("compare.bytes"), "real_differences": F.num("compare.real_diffs"),
        "cutover_s": c_s, "cutover_pairs_per_s": div(pairs, c_s), "cutover_cpu_s": F.num("compare.cpu_s"),
        "cutover_runs": F.num("compare.wall", "all"), "node_cpu_s": F.num("node.cpu_s"),
        "cutover_rss_kb": F.num("compare.rss_kb"), "cutover_rss_kb_small": F.num("compare_small.rss_kb"),
        "cutover_bytes_per_exchange": per_exch(F.num("compare.rss_kb"), F.num("compare_small.rss_kb")),
        "node_pairs": npairs, "node_s": node_s, "node_pairs_per_s": div(npairs, node_s),
        "node_rss_kb": F.num("node.rss_kb"),
        "node_bytes_per_exchange": per_exch(F.num("node.rss_kb"), F.num("node_small.rss_kb"))
        if npairs == pairs else None,
        # both timed on the same pairs
        "speedup_over_jsondiffpatch": div(node_s, c_same),
        "cutover_compared": F.num("compare.compared"), "cutover_mismatched": F.num("compare.mismatched"),
        "cutover_missing": F.num("compare.missing"), "cutover_parity_pct": F.num("compare.parity_pct"),
        "node_result": F.text("node.result"),
    }
    return r


def goals(r):
    """(benchmark, cutover, alternative, ratio, goal, met)."""
    co, cl, cm, rp, cp = (r["capture_offline"], r["capture_live"], r["capture_memory"], r["replay"],
                          r["compare"])
    def met(v, ok):
        return "n/a" if v is None else ("yes" if ok(v) else "NO")
    rows = [
        ("Capture offline vs tcpdump -r (time)",
         f"{fmt(co['cutover_s'], 's')} ({fmt(co['exchanges_per_s'])} exch/s, {fmt(co['packets_per_s'])} pkt/s)",
         f"tcpdump {fmt(co['tcpdump_s'], 's')}", fmt(co["ratio_to_tcpdump"], "x"), "<= 3x",
         met(co["ratio_to_tcpdump"], lambda v: v <= 3)),
        ("Capture offline vs tshark (speed-up)", fmt(co["cutover_s"], "s"),
         f"tshark {fmt(co['tshark_s'], 's')}", fmt(co["speedup_over_tshark"], "x"), ">= 30x",
         met(co["speedup_over_tshark"], lambda v: v >= 30)),
        ("Capture live: recorded / wrk requests (worst of {} runs)".format(cl["runs"]),
         f"{fmt(cl['recorded_pct'], '%')} median; kernel drops up to {fmt(cl['kernel_drops_max'])} pkts",
         f"tcpdump -i lo: drops {fmt(cl['tcpdump_dropped'])} of {fmt(cl['tcpdump_packets'])} pkts",
         fmt(cl["recorded_pct_min"], "%"), ">= 99.9%, 0 drops",
         met(cl["recorded_pct_min"], lambda v: v >= 99.9 and not cl["kernel_drops_max"])),
        ("Capture memory: peak RSS, 1x vs {}x pcap".format(int(cm["repeat"] or 0)),
         f"{fmt(cm['rss_kb_big'], 'KB')} / {fmt(cm['rss_kb_rep'], 'KB')}", "",
         fmt(cm["rss_growth"], "x"), "flat (<= 1.5x)", met(cm["rss_growth"], lambda v: v <= 1.5)),
        ("Replay --max -c 32 vs wrk -c 32 (req/s)", fmt(rp["cutover_rps"], "req/s"),
         f"wrk {fmt(rp['wrk_rps'], 'req/s')}", fmt(rp["ratio_to_wrk"], "x"), ">= 0.8x",
         met(rp["ratio_to_wrk"], lambda v: v >= 0.8)),
        ("Replay pacing --speed 1: lag <= 1 ms",
         f"p50 {fmt(rp['pace_speed']['p50_ms'], 'ms')}, p99 {fmt(rp['pace_speed']['p99_ms'], 'ms')}",
         f"floor (sleep to each due time): {fmt(rp['pace_floor']['within_1ms_pct'], '%')}",
         fmt(rp["pace_speed"]["within_1ms_pct"], "%"), ">= 99%",
         met(rp["pace_speed"]["within_1ms_pct"], lambda v: v >= 99)),
        ("Replay pacing --rate 2000: lag <= 1 ms",
         f"p50 {fmt(rp['pace_rate']['p50_ms'], 'ms')}, p99 {fmt(rp['pace_rate']['p99_ms'], 'ms')}",
         f"floor p99 {fmt(rp['pace_floor']['p99_ms'], 'ms')}, {fmt(rp['pace_floor']['within_1ms_pct'], '%')}",
         fmt(rp["pace_rate"]["within_1ms_pct"], "%"), ">= 99%",
         met(rp["pace_rate"]["within_1ms_pct"], lambda v: v >= 99)),
        ("Compare vs jsondiffpatch (pairs/s)",
         f"{fmt(cp['cutover_pairs_per_s'], 'pairs/s')}",
         f"node {fmt(cp['node_pairs_per_s'], 'pairs/s')}", fmt(cp["speedup_over_jsondiffpatch"], "x"),
         ">= 10x", met(cp["speedup_over_jsondiffpatch"], lambda v: v >= 10)),
        ("Compare memory per exchange (marginal RSS)",
         f"{fmt(cp['cutover_bytes_per_exchange'], 'B')} (peak {fmt(cp['cutover_rss_kb'], 'KB')})",
         f"node {fmt(cp['node_bytes_per_exchange'], 'B')} (peak {fmt(cp['node_rss_kb'], 'KB')})", "",
         "< 300 B", met(cp["cutover_bytes_per_exchange"], lambda v: v < 300)),
    ]
    return rows


def report(samples, out):
    vals = load_samples(samples)
    F = Figures(vals)
    res = build(F)
    res["machine"] = {k.split(".", 1)[1]: v[-1] for k, v in vals.items() if k.startswith("machine.")}
    res["versions"] = {k.split(".", 1)[1]: v[-1] for k, v in vals.items() if k.startswith("version.")}
    res["runs"] = F.num("config.runs")
    rows = goals(res)
    res["goals"] = [dict(zip(("benchmark", "cutover", "alternative", "ratio", "goal", "met"), r))
                    for r in rows]
    with open(out, "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    m = res["machine"]
    print(f"\ncutover benchmarks: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, "
          f"{m.get('mem_gib', '?')} GiB; load {m.get('load_start', '?')} -> {m.get('load_end', '?')}; "
          f"median of {fmt(res['runs'])} runs\n")
    head = ("Benchmark", "cutover", "Alternative", "Ratio", "Goal", "Met")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    co, rp, cp = res["capture_offline"], res["replay"], res["compare"]
    print(f"\nCPU seconds (less sensitive to the machine's load than wall time): capture "
          f"{fmt(co['cutover_cpu_s'])} vs tcpdump {fmt(co['tcpdump_cpu_s'])} vs tshark "
          f"{fmt(co['tshark_cpu_s'])}; replay {fmt(rp['cpu_s'])} for {fmt(rp['requests'])} requests; "
          f"compare {fmt(cp['cutover_cpu_s'])} vs node {fmt(cp['node_cpu_s'])}")
    print(f"written: {out}")


def main(argv):
    if len(argv) == 4 and argv[1] == "--report":
        report(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "--lag":
        lag_stats(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "--totals":
        totals(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "--capstats":
        capstats(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "--pace":
        pace(float(argv[2]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
