#!/bin/sh
# compare_html.sh: report.html from hostile traffic (script tags, javascript:
# URLs, quotes, broken UTF-8, U+2028) holds no markup from traffic, has the
# Content-Security-Policy, is valid UTF-8, and its "copy as curl" command
# quotes every value from traffic so the shell sees it literally.
set -u
command -v python3 >/dev/null || { echo "python3 is not installed" >&2; exit 77; }
CMP="$CUTOVER_BIN/cutover-compare"
T=${TMPDIR:-/tmp}/html.$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$CUTOVER_ROOT/tests/integration/compare_hostile.py" "$T" || fail "fixtures"
"$CMP" -q --header X-Nothing --html "$T/r.html" --junit "$T/j.xml" --markdown "$T/s.md" \
    --json "$T/r.json" "$T/hostile-base.jsonl" "$T/hostile-cand.jsonl"; rc=$?
[ $rc -eq 1 ] || fail "exit $rc, want 1"
python3 - "$T/r.html" "$T/j.xml" "$T/s.md" <<'PY' || exit 1
import html, re, shlex, sys, xml.dom.minidom
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")                        # valid UTF-8, or this raises
low = text.lower()
def need(cond, why):
    if not cond:
        print("FAIL:", why, file=sys.stderr)
        sys.exit(1)
need(low.count("<script") == 1, "exactly one <script> element (ours)")
need("pwned" not in text.split("<script>")[1], "no traffic inside our script")
# every element and attribute in the file is one the renderer writes
from html.parser import HTMLParser
class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.bad = set(), []
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k.startswith("on") or (v or "").strip().lower().startswith("javascript:"):
                self.bad.append((tag, k, v))
t = Tags()
t.feed(text)
ours = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "span", "p", "code",
        "b", "i", "table", "thead", "tbody", "tr", "th", "td", "input", "section", "details",
        "summary", "div", "pre", "mark", "button", "figure", "figcaption", "svg", "line", "text",
        "polyline", "script"}
need(t.tags <= ours, "unexpected elements: %s" % (t.tags - ours))
need(not t.bad, "event handler or javascript: URL attributes: %s" % t.bad[:3])
need("&lt;script&gt;document.title=" in text, "the injected script is shown escaped")
need('http-equiv="Content-Security-Policy"' in text and "default-src 'none'" in text, "CSP meta")
need("script-src 'sha256-" in text and "script-src 'unsafe-inline'" not in text,
     "CSP allows only the report's own script, by hash")
need("\u2028" not in text and "\u2029" not in text, "U+2028/2029 written as references")
need("\ufffd" in text, "broken UTF-8 replaced by U+FFFD")
need(re.search(r"<link|<iframe|<object|<embed|@import|url\(", low) is None, "nothing loaded")
need("<title>cutover-compare: FAIL</title>" in text, "fixed title")
# the curl command, once unescaped, must split into the original arguments
m = re.search(r'<pre id="curl0">(.*?)</pre>', text, re.S)
need(m is not None, "a curl command")
cmd = html.unescape(m.group(1)).replace("\\\n", " ")
args = shlex.split(cmd)
need(args[0] == "curl" and "-H" in args, "curl arguments")
note = [args[i + 1] for i in range(len(args) - 1) if args[i] == "-H" and args[i + 1].startswith("X-Note")]
need(note == ["X-Note: it's \"$(touch /tmp/cutover-hostile-ran)\" `x` \\"], "header value quoted literally: %r" % note)
xml.dom.minidom.parse(sys.argv[2])
md = open(sys.argv[3]).read()
need("<script" not in md.lower() or "`" in md, "markdown keeps traffic in code spans")
for line in md.splitlines():
    if line.startswith("|") and "`" in line:
        need(line.count("`") % 2 == 0, "balanced code spans: " + line)
PY
[ ! -e /tmp/cutover-hostile-ran ] || fail "something ran a command from traffic"
echo "compare_html: all checks passed"
