#!/usr/bin/env bash
# Builds the signed release bundle dist/isartor-<version>-linux-x86_64.tar.gz (docs/release.md):
#   bin/isartor (model embedded, stripped; DT_RPATH $ORIGIN/../lib), bin/isartor-slim (the same
#   without the model, for the image that mounts it), lib/ (oneDNN and the
#   runtime it needs), docs/, deploy/systemd/isartor.service (when present), licenses/,
#   sbom.cdx.json (CycloneDX 1.5), SHA256SUMS and SHA256SUMS.sig (Ed25519, detached).
# Beside the tarball: the debug info (isartor-<version>-linux-x86_64.debug, found by gdb through
# the binary's .gnu_debuglink) and, with --throwaway-key, the test key pair.
#
# Usage: scripts/release.sh --signing-key FILE [--build-dir DIR] [--out DIR]
#        scripts/release.sh --throwaway-key    [--build-dir DIR] [--out DIR]   (tests only)
#   --signing-key FILE  PEM Ed25519 private key (`isartor release keygen --out DIR`)
#   --throwaway-key     generate a fresh key into OUT/throwaway-key/ (never for a real release)
#   --build-dir DIR     release build tree (default build-release; configured if missing)
#   --out DIR           output folder (default dist)
# The release build is a second build tree (ISARTOR_STATIC_RELEASE=ON): ccache is used when
# installed. Exit 0 when the bundle is built and verified; non-zero with a message otherwise.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

KEY="" THROWAWAY=0 BUILD="build-release" OUT="dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --signing-key) KEY="$2"; shift 2 ;;
    --throwaway-key) THROWAWAY=1; shift ;;
    --build-dir) BUILD="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "release: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
if [ -z "$KEY" ] && [ "$THROWAWAY" -eq 0 ]; then
  echo "release: needs --signing-key FILE (or --throwaway-key for a test bundle)" >&2
  exit 2
fi
if [ -n "$KEY" ] && [ ! -r "$KEY" ]; then
  echo "release: cannot read the signing key $KEY" >&2
  exit 2
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
BUILD="$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)"
MODEL_DIR="$ROOT/models/all-MiniLM-L6-v2"
START=$(date +%s)

# 1. Build. ccache shares objects with the dev build only where the flags agree.
if [ ! -f "$BUILD/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DISARTOR_EMBED_MODEL=ON -DISARTOR_STATIC_RELEASE=ON -DISARTOR_BUILD_TESTS=OFF \
    -DISARTOR_MODEL_DIR="$MODEL_DIR" "${launcher[@]}"
fi
cmake --build "$BUILD" --target isartor isartor-slim
VERSION="$("$BUILD/isartor" --version | awk '{print $2}')"
NAME="isartor-$VERSION-linux-x86_64"
STAGE="$OUT/$NAME"
"$BUILD/isartor" --version | grep -q "model embedded" || {
  echo "release: $BUILD/isartor was built without the embedded model" >&2; exit 1; }
if "$BUILD/isartor-slim" --version | grep -q "model embedded"; then
  echo "release: $BUILD/isartor-slim embeds the model; it must not" >&2; exit 1
fi

# 2. Stage: the binary (debug info split off), then every shared library ldd resolves that is
#    not glibc's, copied under its soname into lib/ (the binary finds them via $ORIGIN/../lib).
rm -rf "$STAGE" && mkdir -p "$STAGE"
cmake --install "$BUILD" --prefix "$STAGE" >/dev/null
objcopy --only-keep-debug "$STAGE/bin/isartor" "$OUT/$NAME.debug"
objcopy --strip-all --add-gnu-debuglink="$OUT/$NAME.debug" "$STAGE/bin/isartor"
objcopy --only-keep-debug "$STAGE/bin/isartor-slim" "$OUT/$NAME-slim.debug"
objcopy --strip-all --add-gnu-debuglink="$OUT/$NAME-slim.debug" "$STAGE/bin/isartor-slim"
# The Debian package of a file; dpkg knows merged-/usr files under one spelling only.
owner() {
  local p real
  real="$(readlink -f "$1")"
  for p in "$1" "$real" "${real#/usr}" "/usr${real}"; do
    dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1 && return 0
  done
  echo "?"
}
mkdir -p "$STAGE/lib"
: > "$BUILD/shipped-libs.txt"
while read -r soname path; do
  [ "$(owner "$path")" = "libc6" ] && continue  # glibc comes from the host
  cp -L "$path" "$STAGE/lib/$soname"
  printf '%s\t%s\n' "$soname" "$(readlink -f "$path")" >> "$BUILD/shipped-libs.txt"
done < <(ldd "$BUILD/isartor" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}')
# Everything not from glibc must now resolve inside the bundle.
STAGE_LIB="$(readlink -f "$STAGE/lib")"
while read -r path; do
  case "$(readlink -f "$path")" in "$STAGE_LIB/"*) continue ;; esac
  if [ "$(owner "$path")" != "libc6" ]; then
    echo "release: $STAGE/bin/isartor resolves $path outside the bundle:" >&2
    ldd "$STAGE/bin/isartor" >&2
    exit 1
  fi
done < <(ldd "$STAGE/bin/isartor" "$STAGE/bin/isartor-slim" | awk '$2 == "=>" {print $3}')

# 3. Documents, the service unit, SBOM and license texts.
cp -r "$ROOT/docs" "$STAGE/docs"
cp "$ROOT/README.md" "$STAGE/README.md"
if [ -f "$ROOT/deploy/systemd/isartor.service" ]; then
  mkdir -p "$STAGE/deploy/systemd"
  cp "$ROOT/deploy/systemd/isartor.service" "$STAGE/deploy/systemd/"
fi
python3 "$ROOT/scripts/release_sbom.py" --build-dir "$BUILD" --stage "$STAGE" \
  --model-dir "$MODEL_DIR" --version "$VERSION" --shipped-libs "$BUILD/shipped-libs.txt"

# 4. Sign. SHA256SUMS lists every file; the signature is over SHA256SUMS.
if [ "$THROWAWAY" -eq 1 ]; then
  rm -rf "$OUT/throwaway-key"
  "$BUILD/isartor" release keygen --out "$OUT/throwaway-key" >/dev/null
  KEY="$OUT/throwaway-key/release_ed25519.pem"
fi
"$BUILD/isartor" release sign "$STAGE" --signing-key "$KEY"

# 5. Pack reproducibly (fixed owner, order and times; gzip without a name or time stamp).
MTIME="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)"
TARBALL="$OUT/$NAME.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$MTIME" --format=gnu \
  -C "$OUT" -cf - "$NAME" | gzip -n -6 > "$TARBALL"
PUB="$OUT/$NAME.pub.pem"
"$BUILD/isartor" release verify "$TARBALL" --public-key "$KEY" >/dev/null
[ "$THROWAWAY" -eq 1 ] && cp "$OUT/throwaway-key/release_ed25519.pub.pem" "$PUB"

size() { du -b "$1" | cut -f1 | awk '{printf "%.1f MB", $1 / 1e6}'; }
echo "release: $TARBALL ($(size "$TARBALL"))"
echo "release:   bin/isartor stripped $(size "$STAGE/bin/isartor"), bin/isartor-slim" \
     "$(size "$STAGE/bin/isartor-slim"), lib/ $(size "$STAGE/lib")," \
     "debug info $OUT/$NAME.debug ($(size "$OUT/$NAME.debug"))"
echo "release:   built, signed and verified in $(( $(date +%s) - START )) s"
