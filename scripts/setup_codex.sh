#!/usr/bin/env bash
# Installs the real clients the Responses tests drive, from npm, pinned, into a cache outside
# the clone (so fresh clones and later setups reuse it):
#   @openai/codex   the Codex CLI (its only wire protocol is the Responses API)
#   openai          the OpenAI JS SDK (responses.create)
# Idempotent: a marker file holds the pinned versions; nothing runs when it matches.
#   ISARTOR_NPM_CACHE   install prefix (default: ~/.cache/isartor/npm)
# The tests find the tools through the same variable (tests/e2e/npm_tools.py).
set -euo pipefail
CODEX_VERSION=0.171.0
OPENAI_JS_VERSION=6.30.1
PREFIX="${ISARTOR_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/isartor/npm}"
WANT="codex=$CODEX_VERSION openai=$OPENAI_JS_VERSION"
if [ "$(cat "$PREFIX/.isartor-pins" 2>/dev/null)" = "$WANT" ] && \
   [ -x "$PREFIX/node_modules/.bin/codex" ] && [ -d "$PREFIX/node_modules/openai" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "setup_codex: npm not found (Debian package npm); the Codex / JS SDK tests will be skipped" >&2
  exit 0
fi
echo "setup_codex: installing @openai/codex@$CODEX_VERSION and openai@$OPENAI_JS_VERSION into $PREFIX"
mkdir -p "$PREFIX"
[ -f "$PREFIX/package.json" ] || echo '{"name":"isartor-test-clients","private":true}' > "$PREFIX/package.json"
npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error \
  "@openai/codex@$CODEX_VERSION" "openai@$OPENAI_JS_VERSION"
echo "$WANT" > "$PREFIX/.isartor-pins"
