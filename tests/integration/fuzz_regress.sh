#!/bin/sh
# fuzz_regress.sh: every committed input of tests/fuzz/corpus/ (seeds and
# the regression inputs of fixed crashes) run once through its libFuzzer
# target, built with ASan and UBSan (tests/fuzz/run.sh --regress).
# Skipped when clang cannot build libFuzzer targets.
root=${CUTOVER_ROOT:?}
bash "$root/tests/fuzz/run.sh" --regress
rc=$?
[ $rc -eq 77 ] && echo "clang with libFuzzer is not available (scripts/deps.sh test installs clang)" >&2
exit $rc
