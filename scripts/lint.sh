#!/bin/sh
# lint.sh: the project's static checks, run by `make test`:
# 1. refuse the calls this project bans (as curl's checksrc does): sprintf,
#    strcat, strncat, gets, atoi; use snprintf, struct buf, strtol;
# 2. cppcheck (warning, portability, performance) must say nothing;
# 3. every C file is formatted as .clang-format says.
cd "$(dirname "$0")/.." || exit 2
fail=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find lib capture replay compare reports tests -name '*.[ch]')
bad=$(grep -nE '(^|[^a-z_])(sprintf|vsprintf|strcat|strncat|gets|atoi)[[:space:]]*\(' $files \
      2>/dev/null | grep -v 'lint: allow')
if [ -n "$bad" ]; then
    echo "lint: banned calls:" >&2
    echo "$bad" >&2
    fail=1
fi
if command -v cppcheck >/dev/null 2>&1; then
    out=$(cppcheck --quiet --enable=warning,portability,performance --std=c11 -Iinclude -Icapture \
          --inline-suppr --suppress=missingIncludeSystem lib capture replay compare reports \
          tests/sim 2>&1)
    if [ -n "$out" ]; then
        echo "lint: cppcheck:" >&2
        echo "$out" >&2
        fail=1
    fi
else
    echo "lint: cppcheck not installed; skipped (scripts/deps.sh test installs it)" >&2
fi
if command -v clang-format >/dev/null 2>&1; then
    unformatted=$(for f in $files; do
        clang-format --dry-run "$f" 2>&1 | grep -q . && echo "$f"
    done)
    if [ -n "$unformatted" ]; then
        echo "lint: not clang-formatted (run make format):" $unformatted >&2
        fail=1
    fi
fi
if [ $fail -eq 0 ]; then echo "lint: 1 passed, 0 failed"; else echo "lint: 0 passed, 1 failed"; fi
exit $fail
