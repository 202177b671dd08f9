#!/usr/bin/env bash
# libFuzzer targets (fuzz/) built with ASan + UBSan by clang-16, then run for a fixed time each.
#   scripts/fuzz.sh                    build, then run every target for 300 s
#   scripts/fuzz.sh --seconds 20 sse_fuzzer request_fuzzer
#   scripts/fuzz.sh --build-only       build only (used by the ctest smoke run)
#   scripts/fuzz.sh --make-seeds       rewrite fuzz/corpus/ from fuzz/make_seeds.cpp
#   scripts/fuzz.sh --no-build ...     run the targets as last built
#   scripts/fuzz.sh --smoke            build, then the ctest smoke run (10 s per target; CI)
# Installs clang-16, libclang-rt-16-dev and libomp-16-dev from Debian if missing. The committed
# seeds in fuzz/corpus/<target>/ stay small: each run grows a working copy in
# build-fuzz/corpus/<target>/. Crashes land in build-fuzz/artifacts/<target>/; the script exits
# non-zero when a target crashed. Runs under `nice -n 10` (shared machines).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${ISARTOR_FUZZ_BUILD:-$ROOT/build-fuzz}
SECONDS_EACH=300
BUILD_ONLY=0
NO_BUILD=0
SMOKE=0
MAKE_SEEDS=0
TARGETS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --build-only) BUILD_ONLY=1; shift ;;
    --make-seeds) MAKE_SEEDS=1; shift ;;
    --no-build) NO_BUILD=1; shift ;;
    --smoke) SMOKE=1; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
ALL=(request_fuzzer sse_fuzzer stream_translator_fuzzer translate_fuzzer tokenizer_fuzzer
     config_fuzzer audit_verify_fuzzer license_fuzzer http_head_fuzzer)
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL[@]}")

missing=()
command -v clang++-16 >/dev/null || missing+=(clang-16)
ls /usr/lib/llvm-16/lib/clang/16/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
  missing+=(libclang-rt-16-dev)
[[ -e /usr/lib/llvm-16/include/openmp/omp.h || -e /usr/lib/llvm-16/lib/clang/16/include/omp.h ]] ||
  missing+=(libomp-16-dev)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing ${missing[*]} (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [[ $NO_BUILD == 1 ]]; then
  :
elif [[ ! -f $BUILD/build.ninja ]]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-16 -DISARTOR_FUZZ=ON -DISARTOR_SANITIZE=address,undefined \
    -DISARTOR_BUILD_TESTS=OFF -DISARTOR_EMBED_MODEL=OFF \
    ${CCACHE_DIR:+-DCMAKE_CXX_COMPILER_LAUNCHER=ccache} >/dev/null
fi
[[ $NO_BUILD == 1 ]] || nice -n 10 cmake --build "$BUILD" --target fuzzers -j"${ISARTOR_FUZZ_JOBS:-2}"

if [[ $MAKE_SEEDS == 1 ]]; then
  rm -rf fuzz/corpus && mkdir -p fuzz/corpus
  "$BUILD/fuzz/fuzz_make_seeds" fuzz/corpus tests/fixtures/embed/reference.jsonl
  du -sh fuzz/corpus
  exit 0
fi
[[ $BUILD_ONLY == 1 ]] && exit 0
if [[ $SMOKE == 1 ]]; then
  cd "$BUILD" && exec nice -n 10 ctest --output-on-failure -R '^fuzz_smoke\.'
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
printf '%-26s %12s %9s %8s %8s %8s\n' target execs exec/s cov ft crashes
for t in "${TARGETS[@]}"; do
  work=$BUILD/corpus/$t
  art=$BUILD/artifacts/$t
  log=$BUILD/logs/$t.log
  mkdir -p "$work" "$art" "$(dirname "$log")"
  set +e
  nice -n 10 "$BUILD/fuzz/$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$art/" \
    "$work" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(awk '/stat::number_of_executed_units:/ {v=$2} END {print v}' "$log")
  speed=$(awk '/stat::average_exec_per_sec:/ {v=$2} END {print v}' "$log")
  covline=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]* ft: [0-9]*' | tail -1)
  cov=$(awk '{print $2}' <<<"$covline")
  ft=$(awk '{print $4}' <<<"$covline")
  crashes=$(find "$art" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%-26s %12s %9s %8s %8s %8s\n' "$t" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
  if [[ $rc != 0 || $crashes != 0 ]]; then
    status=1
    echo "  $t: exit $rc; log $log; artifacts in $art" >&2
  fi
done
exit $status
