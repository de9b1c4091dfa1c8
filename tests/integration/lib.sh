# lib.sh: what the integration tests share; each sources it first thing,
#   . "$CUTOVER_ROOT/tests/integration/lib.sh"
# (run_integration.sh does not run it).  It sets bin, root, here and tmp,
# a scratch directory named after the test, and cleans up at exit however
# the test ends: the processes given to it_bg are stopped and waited for,
# then it_on_exit's command runs, then tmp is removed.
set -u
bin=${CUTOVER_BIN:?}
root=${CUTOVER_ROOT:?}
here=$root/tests/integration
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$(basename "$0" .sh).XXXXXX")
it_pids=""
it_hook=""
it_cleanup() {
    for p in $it_pids; do kill "$p" 2>/dev/null; done
    for p in $it_pids; do wait "$p" 2>/dev/null; done
    [ -n "$it_hook" ] && eval "$it_hook"
    rm -rf "$tmp"
}
trap it_cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM # so that the EXIT trap runs

# it_bg PID: stop PID at exit (killing one that already ended is harmless).
it_bg() { it_pids="$it_pids $1"; }

# it_on_exit CMD: run CMD at exit, after the processes are gone.
it_on_exit() { it_hook=$1; }

# it_need TOOL...: skip the test (77) unless every cutover tool is built.
it_need() {
    for t; do [ -x "$bin/$t" ] || { echo "$t is not built yet" >&2; exit 77; }; done
}

# it_need_cmd CMD...: skip the test (77) unless every command is installed
# (scripts/deps.sh test installs them).
it_need_cmd() {
    for c; do
        command -v "$c" >/dev/null || { echo "$c is not installed (scripts/deps.sh test)" >&2; exit 77; }
    done
}

# it_port FILE: the port a server announces in FILE, as "N", "listening N"
# or "listening on ADDR:N"; waits up to 10 s and prints it, or prints
# nothing when none came.
it_port() {
    _i=0
    while [ $_i -lt 100 ]; do
        _p=$(sed -n 's/^\(listening.*[: ]\)\{0,1\}\([0-9][0-9]*\)$/\2/p' "$1" 2>/dev/null | head -n 1)
        [ -n "$_p" ] && { echo "$_p"; return 0; }
        sleep 0.1
        _i=$((_i + 1))
    done
    return 1
}
