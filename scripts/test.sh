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

echo "== end-to-end tests (pytest) =="
.venv/bin/python -m pytest tests/e2e -q -p no:cacheprovider "$@"
e2e=$?

[ $unit -eq 0 ] && [ $e2e -eq 0 ]
