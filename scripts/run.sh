#!/usr/bin/env bash
# Quick start, command 1: set up what is missing, build, and serve on 127.0.0.1:8080 with the
# embedded defaults (in-memory caches, local model files). Extra arguments go to `isartor`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
exec "$ROOT/build/isartor" "$@"
