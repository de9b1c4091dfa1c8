#!/bin/bash
# run.sh: build the libFuzzer targets of tests/fuzz/ and run them.
#   run.sh [SECONDS] [TARGET...]      fuzz each target for SECONDS (default
#                                     $FUZZ_SECONDS or 60) on a scratch copy
#                                     of tests/fuzz/corpus/TARGET/
#   run.sh --regress [TARGET...]      run every committed corpus file through
#                                     its target once (the regression suite)
#   run.sh --build [TARGET...]        only build
# Environment: FUZZ_SECONDS, FUZZ_CC (clang), FUZZ_CFLAGS (added to every
# compile, e.g. -fno-sanitize=... to look past a known finding; use with
# FUZZ_OUT, a build directory of its own), FUZZ_KEEP_CORPUS (copy each
# grown corpus there).
# Targets are built with clang -fsanitize=fuzzer,address,undefined from the
# lib/ and tool sources directly (every main.c left out) into build/fuzz/.
# A target whose sources do not exist yet is skipped with a message; a
# crash, leak, timeout or sanitizer report fails the run, and the input that
# caused it is kept in build/fuzz/artifacts/.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
out=${FUZZ_OUT:-build/fuzz}      # another directory for other FUZZ_CFLAGS
CC=${FUZZ_CC:-clang}

mode=fuzz
case "${1:-}" in
--regress) mode=regress; shift ;;
--build) mode=build; shift ;;
[0-9]*) FUZZ_SECONDS=$1; shift ;;
esac
secs=${FUZZ_SECONDS:-60}
[ -n "$secs" ] || secs=60

# target | files that must exist before it can be built | tool sources it links
# (globs; main.c is always left out) | extra libFuzzer flags
targets="
fuzz_http1|lib/http1.c lib/zcodec.c||-max_len=8192 -dict=tests/fuzz/http1.dict
fuzz_har|lib/har.c||-max_len=16384 -dict=tests/fuzz/json.dict
fuzz_jpath|lib/jpath.c||-max_len=1024 -dict=tests/fuzz/jpath.dict
fuzz_gor|lib/gor.c include/cutover/gor.h||-max_len=16384 -dict=tests/fuzz/http1.dict
fuzz_jdiff|lib/jdiff.c include/cutover/jdiff.h||-max_len=8192 -dict=tests/fuzz/json.dict
fuzz_html|reports/html.c|compare/*.c reports/*.c|-max_len=16384 -dict=tests/fuzz/json.dict
fuzz_capture|capture/assemble.c sym:packet_pipeline_new sym:assemble_new|capture/*.c|-max_len=65536 -dict=tests/fuzz/http1.dict
"

pkgs="libpcap libcurl jansson zlib"
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -Iinclude -fno-omit-frame-pointer $(pkg-config --cflags $pkgs 2>/dev/null)"
ldlibs="$(pkg-config --libs $pkgs 2>/dev/null) -lm"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

have_fuzzer() {
    command -v "$CC" >/dev/null 2>&1 || return 1
    local t
    t=$(mktemp -d) || return 1
    printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$t/t.c"
    "$CC" -fsanitize=fuzzer,address "$t/t.c" -o "$t/t" >/dev/null 2>&1
    local rc=$?
    rm -rf "$t"
    return $rc
}

# Compile one source to an instrumented object unless the object is newer
# than the source and every header it included (clang -MMD lists them).
# Written through a temporary name so that two runs at once never link
# half an object.
fresh() {
    local obj=$1 d
    [ -e "$obj" ] && [ -e "$obj.d" ] || return 1
    for d in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d"); do
        [ "$d" -nt "$obj" ] && return 1
    done
    return 0
}
compile() {
    local src=$1 obj=$out/obj/${1%.c}.o
    if fresh "$obj"; then
        echo "$obj"
        return 0
    fi
    mkdir -p "$(dirname "$obj")"
    if ! $CC $cflags $san -fsanitize=fuzzer-no-link ${FUZZ_CFLAGS:-} -MMD -MF "$obj.d.$$" -c "$src" \
        -o "$obj.tmp.$$" >&2; then
        rm -f "$obj.tmp.$$" "$obj.d.$$"
        echo "fuzz: cannot compile $src" >&2
        return 1
    fi
    mv -f "$obj.d.$$" "$obj.d"
    mv -f "$obj.tmp.$$" "$obj"
    echo "$obj"
}

# build NAME NEEDS TOOLSRC: echoes "skip" when sources are missing.
build() {
    local name=$1 needs=$2 toolsrc=$3 f objs="" o
    for f in $needs tests/fuzz/$name.c; do
        case "$f" in
        sym:*) # a function some source of the target must define
            # shellcheck disable=SC2086
            grep -qs "^[a-z].*[ *]${f#sym:}(" $toolsrc lib/*.c ||
                { echo "skip: nothing defines ${f#sym:}() yet"; return 0; } ;;
        *) [ -e "$f" ] || { echo "skip: $f does not exist yet"; return 0; } ;;
        esac
    done
    o=$(compile "tests/fuzz/$name.c") || return 1
    objs="$o"
    # Tool sources are linked as objects (not an archive) only when the
    # target's own sources reach them; lib/ goes in as an archive so that
    # unused modules cost nothing.
    for f in $toolsrc; do
        [ -e "$f" ] || continue
        case "$f" in */main.c) continue ;; esac
        o=$(compile "$f") || return 1
        objs="$objs $o"
    done
    local libobjs=""
    for f in lib/*.c; do
        o=$(compile "$f") || return 1
        libobjs="$libobjs $o"
    done
    rm -f "$out/libcutover.a.$$"
    ar rcs "$out/libcutover.a.$$" $libobjs && mv -f "$out/libcutover.a.$$" "$out/libcutover.a"
    $CC $san -fsanitize=fuzzer -o "$out/$name.$$" $objs "$out/libcutover.a" $ldlibs >&2 || {
        rm -f "$out/$name.$$"
        echo "fuzz: cannot link $name" >&2
        return 1
    }
    mv -f "$out/$name.$$" "$out/$name"
    echo built
}

if ! have_fuzzer; then
    echo "fuzz: $CC with libFuzzer (-fsanitize=fuzzer) is not available; install clang" >&2
    exit 77
fi
mkdir -p "$out/artifacts"

want=" $* "
failed=""
ran=0
skipped=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
while IFS='|' read -r name needs toolsrc flags; do
    [ -n "$name" ] || continue
    [ "$want" = "  " ] || case "$want" in *" $name "*) ;; *) continue ;; esac
    res=$(build "$name" "$needs" "$toolsrc")
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL $name: build failed"
        failed="$failed $name"
        ran=$((ran + 1))
        continue
    fi
    case "$res" in skip*)
        echo "skip $name: ${res#skip: }"
        skipped=$((skipped + 1))
        continue ;;
    esac
    corpus=tests/fuzz/corpus/$name
    case $mode in
    build) echo "built $out/$name"; continue ;;
    regress)
        files=$(find "$corpus" -type f 2>/dev/null | sort)
        if [ -z "$files" ]; then
            echo "skip $name: no corpus files"
            skipped=$((skipped + 1))
            continue
        fi
        n=$(echo "$files" | wc -l)
        # shellcheck disable=SC2086
        if "$out/$name" -timeout=20 -rss_limit_mb=2048 $files >"$out/$name.regress.log" 2>&1; then
            echo "ok   $name ($n inputs)"
        else
            echo "FAIL $name: see $out/$name.regress.log"
            grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$out/$name.regress.log" | head -n 5 | sed 's/^/    /'
            failed="$failed $name"
        fi
        ;;
    fuzz)
        scratch=$(mktemp -d "${TMPDIR:-/tmp}/cutover-fuzz-$name.XXXXXX")
        [ -d "$corpus" ] && cp -r "$corpus/." "$scratch/" 2>/dev/null
        start=$(date +%s)
        # shellcheck disable=SC2086
        "$out/$name" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$out/artifacts/$name-" $flags "$scratch" >"$out/$name.log" 2>&1
        rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log" | tail -n 1)
        size=$(find "$scratch" -type f | wc -l)
        el=$(($(date +%s) - start))
        if [ $rc -eq 0 ]; then
            echo "ok   $name (${el}s, ${execs:-?} runs, corpus $size files)"
        else
            echo "FAIL $name (status $rc after ${el}s): see $out/$name.log"
            grep -E 'ERROR|SUMMARY|runtime error|Test unit written|deadly signal' "$out/$name.log" | head -n 6 | sed 's/^/    /'
            failed="$failed $name"
        fi
        if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
            mkdir -p "$FUZZ_KEEP_CORPUS/$name" && cp -r "$scratch/." "$FUZZ_KEEP_CORPUS/$name/"
        fi
        rm -rf "$scratch"
        ;;
    esac
    ran=$((ran + 1))
done <<EOF
$targets
EOF
failures=$(echo $failed | wc -w)
echo "fuzz: $((ran - failures)) passed, $failures failed, $skipped skipped"
[ -z "$failed" ]
