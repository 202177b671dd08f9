#!/usr/bin/env bash
# ThreadSanitizer run of the unit tests that exercise threads: the embedder worker pool, the
# audit log writer, the trace exporter and its bounded queue, the semantic index (readers and a
# writer), the exact cache, metrics. Builds build-tsan/ (ISARTOR_SANITIZE=thread) and runs those
# tests; exit status non-zero on any report. Not part of scripts/test.sh (a third full build
# would not fit the CI budget on 2 cores); run it after changing threaded code.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="$ROOT/build-tsan"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISARTOR_EMBED_MODEL=OFF \
  -DISARTOR_SANITIZE=thread > "$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; exit 1; }
cmake --build "$BUILD" --target embed_tests audit_test otel_tests core_tests || exit 1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/tests/sanitizers/tsan.supp"
cd "$BUILD" && ctest --output-on-failure -j2 \
  -R 'Embedder|AuditLog|Otlp|BoundedQueue|Tracer|SemanticIndex|SemanticCache|ExactCache|Metrics'
