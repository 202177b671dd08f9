#!/usr/bin/env bash
# Installs the real Claude Code CLI that tests/e2e/test_claude_code.py drives through the
# gateway, once, from the npm registry (the package ships its native binary as an optional
# dependency: nothing else is downloaded). It goes into a cache outside the clone, like the
# llama-cpp-python wheel, so fresh clones and later setups reuse it at once.
# Idempotent: when the pinned version answers `claude --version`, it returns immediately.
# The gateway itself never needs this.
#
# Environment:
#   ISARTOR_NPM_CACHE   install prefix (default: ${XDG_CACHE_HOME:-~/.cache}/isartor/npm)
#   The test finds the binary at $ISARTOR_NPM_CACHE/claude-code-<version>/node_modules/.bin/claude
set -euo pipefail

VERSION="2.1.197"
PREFIX_ROOT="${ISARTOR_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/isartor/npm}"
PREFIX="$PREFIX_ROOT/claude-code-$VERSION"
BIN="$PREFIX/node_modules/.bin/claude"

installed() {
  [[ -x "$BIN" ]] || return 1
  # --version prints "2.1.197 (Claude Code)"; a throwaway HOME keeps it from writing ~/.claude.
  local home
  home="$(mktemp -d)"
  local out
  out="$(HOME="$home" DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
         timeout 60 "$BIN" --version 2>/dev/null || true)"
  rm -rf "$home"
  [[ "$out" == "$VERSION"* ]]
}

if installed; then
  echo "setup_claude_code: Claude Code $VERSION is installed ($BIN)"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "setup_claude_code: installing Debian's nodejs and npm"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi
echo "setup_claude_code: installing @anthropic-ai/claude-code@$VERSION into $PREFIX"
mkdir -p "$PREFIX"
# A private package.json keeps npm from walking up into some parent project.
[[ -f "$PREFIX/package.json" ]] || echo '{"name":"isartor-claude-code","private":true}' \
  > "$PREFIX/package.json"
npm install --prefix "$PREFIX" --no-audit --no-fund --no-save --loglevel=error \
  "@anthropic-ai/claude-code@$VERSION"
installed || { echo "setup_claude_code: $BIN does not report version $VERSION" >&2; exit 1; }
echo "setup_claude_code: ready: $BIN"
