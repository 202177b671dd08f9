#!/usr/bin/env bash
# The unit tests and the end-to-end suite against an AddressSanitizer + UndefinedBehaviorSanitizer
# build (build-asan/). Run by scripts/test.sh after the normal suites. Every sanitizer report of
# the gateway processes goes to a file under build-asan/reports/; pytest fails the session if
# any is there (see tests/e2e/conftest.py), so a finding in a child process cannot go unnoticed.
# Environment: ISARTOR_SANITIZE (default address,undefined).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SAN="${ISARTOR_SANITIZE:-address,undefined}"
BUILD="$ROOT/build-asan"

# The model is read from models/ (not linked in): the sanitized binary is for tests only, and
# linking 90 MB into it would only slow the build.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISARTOR_EMBED_MODEL=OFF \
  -DISARTOR_SANITIZE="$SAN" > "$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; exit 1; }
cmake --build "$BUILD" || exit 1

REPORTS="$BUILD/reports"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
# Leak checking stays off: LeakSanitizer cannot stop a process that strace (the phone-home tests)
# is tracing, and the gateway's process-lifetime singletons are not leaks worth a report.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$REPORTS/ubsan"
export ISARTOR_SANITIZER_REPORTS="$REPORTS"

echo "== unit tests under $SAN (ctest) =="
(cd "$BUILD" && ctest --output-on-failure -j2)
unit=$?

echo "== end-to-end tests under $SAN (pytest) =="
ISARTOR_BIN="$BUILD/isartor" .venv/bin/python -m pytest tests/e2e -q -p no:cacheprovider "$@"
e2e=$?

[ $unit -eq 0 ] && [ $e2e -eq 0 ]
