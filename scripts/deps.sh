#!/bin/sh
# deps.sh: install the Debian packages a make goal needs, or say exactly
# which command would.  Usage: deps.sh test|demo|bench
set -e
goal=${1:-test}
base="build-essential pkg-config libpcap-dev libcurl4-openssl-dev libjansson-dev libcmocka-dev zlib1g-dev"
case "$goal" in
test)  pkgs="$base tcpdump curl python3 iproute2 procps clang valgrind time chromium tshark cppcheck clang-format" ;;
demo)  pkgs="$base tcpdump curl python3 procps" ;;
bench) pkgs="$base tcpdump curl procps python3 nginx wrk tshark nodejs time valgrind"
       # nodesource's nodejs bundles npm and conflicts with Debian's npm package.
       command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm" ;;
*) echo "deps.sh: unknown goal '$goal' (test, demo or bench)" >&2; exit 2 ;;
esac
[ -n "$CUTOVER_EXTRA_PKGS" ] && pkgs="$pkgs $CUTOVER_EXTRA_PKGS"

missing=""
for p in $pkgs; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "cutover: missing Debian packages:$missing" >&2
    echo "cutover: install them with:  sudo apt-get install -y$missing" >&2
    exit 2
fi
echo "cutover: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null
