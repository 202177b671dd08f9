#!/usr/bin/env bash
# Quick start, command 2: the same setup, then every test: unit tests (ctest), then the
# end-to-end tests (pytest) that drive the real binary with the official SDKs. The output
# ends with pytest's summary; the exit status is non-zero if either suite failed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh || exit 1

echo "== unit tests (ctest) =="
(cd build && ctest --output-on-failure -j2)
unit=$?

# The libFuzzer targets, 10 s each from their seeds (ASan + UBSan; a clang-16 build in
# build-fuzz/). Needs clang-16: skipped, saying so, on a machine without it (ISARTOR_SKIP_FUZZ=1
# skips it too); scripts/fuzz.sh installs it and runs the targets for longer.
fuzz=0
if [ "${ISARTOR_SKIP_FUZZ:-0}" != 1 ] && command -v clang++-16 >/dev/null; then
  echo "== fuzz smoke (scripts/fuzz.sh --smoke) =="
  scripts/fuzz.sh --smoke
  fuzz=$?
else
  echo "== fuzz smoke: skipped (clang-16 not installed or ISARTOR_SKIP_FUZZ=1) =="
fi

echo "== end-to-end tests (pytest) =="
.venv/bin/python -m pytest tests/e2e -q -p no:cacheprovider "$@"
e2e=$?

[ $unit -eq 0 ] && [ $fuzz -eq 0 ] && [ $e2e -eq 0 ]
