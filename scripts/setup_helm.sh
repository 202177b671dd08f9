#!/usr/bin/env bash
# Builds Helm (for the chart tests: helm lint / helm template of deploy/helm/isartor) once, from
# the Go module proxy, and keeps the binary outside the clone:
#   ${ISARTOR_TOOLS_BIN:-~/.cache/isartor/bin}/helm-v4.3.2
# Debian 12 has no Helm package. Helm 4.3.2 needs Go >= 1.26: a Go on PATH (or in
# /usr/local/go) that is new enough, or any Go >= 1.21, which fetches the toolchain its go.mod
# asks for from the module proxy by itself (GOTOOLCHAIN). Without one, Debian's golang-go
# (1.19, too old to build Helm) is installed and used only to download the Go toolchain module
# (golang.org/toolchain, the same module GOTOOLCHAIN uses), kept beside the Helm binary.
# Idempotent: returns at once when the binary is in place. Prints the binary's path last.
set -euo pipefail

HELM_VERSION="v4.3.2"
GO_TOOLCHAIN="go1.26.0"
BIN_DIR="${ISARTOR_TOOLS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/isartor/bin}"
HELM="$BIN_DIR/helm-$HELM_VERSION"

# `go install` builds report only the minor version ("v4.3"); the module version is in the
# build info, checked when the binary is built.
if [[ -x "$HELM" ]] && "$HELM" version --short 2>/dev/null | grep -q "^${HELM_VERSION%.*}"; then
  echo "setup_helm: $HELM is in place"
  echo "$HELM"
  exit 0
fi

go_minor() {  # "go1.26.8" -> 26; 0 when unknown
  "$1" env GOVERSION 2>/dev/null | sed -nE 's/^go1\.([0-9]+).*/\1/p' | grep . || echo 0
}

GO=""
for candidate in "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go/bin/go; do
  [[ -n "$candidate" && -x "$candidate" ]] || continue
  if (( $(go_minor "$candidate") >= 21 )); then GO="$candidate"; break; fi
done
if [[ -z "$GO" ]]; then
  if [[ ! -x /usr/lib/go/bin/go ]]; then
    echo "setup_helm: installing Debian's golang-go (to fetch the Go $GO_TOOLCHAIN toolchain module)"
    SUDO=""
    [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends golang-go
  fi
  MOD="golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-amd64"
  GOROOT_COPY="$BIN_DIR/$GO_TOOLCHAIN"
  if [[ ! -x "$GOROOT_COPY/bin/go" ]]; then
    echo "setup_helm: downloading the Go toolchain module $MOD"
    dir="$(/usr/lib/go/bin/go mod download -json "$MOD" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')"
    [[ -n "$dir" && -f "$dir/bin/go" ]] || { echo "setup_helm: no bin/go in $MOD" >&2; exit 1; }
    # Module zips keep no executable bits (Go's own toolchain switch restores them too); the
    # module cache is read-only, so the toolchain is copied next to the Helm binary.
    mkdir -p "$BIN_DIR"
    rm -rf "$GOROOT_COPY.tmp"
    cp -r "$dir" "$GOROOT_COPY.tmp"
    chmod -R u+w "$GOROOT_COPY.tmp"
    chmod +x "$GOROOT_COPY.tmp"/bin/* "$GOROOT_COPY.tmp"/pkg/tool/linux_amd64/*
    mv "$GOROOT_COPY.tmp" "$GOROOT_COPY"
  fi
  GO="$GOROOT_COPY/bin/go"
fi

echo "setup_helm: building helm $HELM_VERSION with $("$GO" env GOVERSION) (takes a few minutes once)"
mkdir -p "$BIN_DIR"
TMP="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOFLAGS=-mod=mod GOBIN="$TMP" \
  "$GO" install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
"$GO" version -m "$TMP/helm" | grep -qE "^\s+mod\s+helm.sh/helm/v4\s+$HELM_VERSION\b" \
  || { echo "setup_helm: the built helm is not helm.sh/helm/v4 $HELM_VERSION" >&2; exit 1; }
"$TMP/helm" version --short >/dev/null || { echo "setup_helm: the built helm does not run" >&2; exit 1; }
mv -f "$TMP/helm" "$HELM"
echo "setup_helm: built $HELM"
echo "$HELM"
