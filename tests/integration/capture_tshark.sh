#!/bin/sh
# capture_tshark.sh: on a capture of real clients (the one capture_clients.sh
# makes), tshark's requests (method, target, body) must all be in what
# cutover-capture recorded.  Skipped without tshark.
command -v tshark >/dev/null || { echo "tshark is not installed" >&2; exit 77; }
TSHARK_CHECK=1 exec sh "$(dirname "$0")/capture_clients.sh"
