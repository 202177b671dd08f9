#!/usr/bin/env bash
# Builds the two OCI images from a release bundle, without a container daemon (buildah, vfs
# storage, `from scratch`), and saves them as OCI archives:
#   dist/isartor-<version>-airgapped.oci.tar   isartor:<version>-airgapped  (model in the binary)
#   dist/isartor-<version>.oci.tar             isartor:<version>  (model read from /models, a
#                                              mounted folder; needs a binary built with
#                                              ISARTOR_EMBED_MODEL=OFF: bin/isartor-slim in the
#                                              bundle, or --slim-binary FILE)
# Each image holds the binary under /opt/isartor/bin, the bundle's other files except docs/
# (licenses, SBOM, lib/ if the binary has $ORIGIN-relative libraries), exactly the shared
# libraries `ldd` lists for the binary (glibc and whatever else it still links), /etc/passwd and
# /etc/group entries for the non-root user 10001, and nothing else: no shell, no CA bundle
# (site bundles are configured with ISARTOR__*_CA_FILE and mounted).
# deploy/Containerfile describes the same image for sites that build with docker or podman.
#
# Usage: scripts/build-images.sh [--slim-binary FILE] [--airgapped-only] [--docker-archives]
#                                [--out DIR] BUNDLE.tar.gz
#   --docker-archives  also write docker-archive tarballs (*.docker.tar): the OCI image format
#                      has no HEALTHCHECK, the Docker format keeps it (docker load, podman load)
# Environment: ISARTOR_BUILDAH_ROOT keeps the buildah storage there (default: a temporary folder,
# removed afterwards). Must run as root (vfs storage, chroot isolation).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO/dist"
SLIM_BINARY=""
AIRGAPPED_ONLY=0
DOCKER_ARCHIVES=0
BUNDLE=""
usage() {
  echo "usage: $0 [--slim-binary FILE] [--airgapped-only] [--docker-archives] [--out DIR] BUNDLE.tar.gz" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --slim-binary) SLIM_BINARY="$(realpath "$2")"; shift 2 ;;
    --airgapped-only) AIRGAPPED_ONLY=1; shift ;;
    --docker-archives) DOCKER_ARCHIVES=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    -*) usage ;;
    *) [[ -z "$BUNDLE" ]] || usage; BUNDLE="$1"; shift ;;
  esac
done
[[ -n "$BUNDLE" ]] || usage
die() { echo "build-images: $*" >&2; exit 1; }
say() { echo "build-images: $*"; }

[[ -f "$BUNDLE" ]] || die "no such bundle: $BUNDLE"
[[ "$(id -u)" -eq 0 ]] || die "must run as root (buildah with vfs storage)"
command -v buildah >/dev/null || die "buildah is not installed (apt-get install buildah)"

UID_NUM=10001
WORK="$(mktemp -d /var/tmp/isartor-images.XXXXXX)"
STORAGE="${ISARTOR_BUILDAH_ROOT:-$WORK/storage}"
# Docker format from the start: the working container keeps HEALTHCHECK (OCI has no field).
export BUILDAH_FORMAT=docker
B=(buildah --storage-driver vfs --root "$STORAGE" --runroot "$WORK/run")
CONTAINERS=()
cleanup() {
  local c
  for c in "${CONTAINERS[@]}"; do "${B[@]}" rm "$c" >/dev/null 2>&1 || true; done
  # vfs layers are plain folders; a kept storage (ISARTOR_BUILDAH_ROOT) stays.
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# --- the bundle ----------------------------------------------------------------------------------
tar -xzf "$BUNDLE" -C "$WORK" || die "$BUNDLE is not a readable .tar.gz"
tops=("$WORK"/isartor-*/)
[[ ${#tops[@]} -eq 1 && -d "${tops[0]}" ]] || die "$BUNDLE has no single isartor-<version>/ folder"
TOP="${tops[0]%/}"
VERSION="${TOP##*/isartor-}"
VERSION="${VERSION%-linux-x86_64}"
[[ "$VERSION" =~ ^[0-9A-Za-z._+-]+$ ]] || die "cannot read a version from ${TOP##*/}"
AIRGAPPED_BIN="$TOP/bin/isartor"
[[ -x "$AIRGAPPED_BIN" ]] || die "$BUNDLE has no executable isartor-$VERSION/bin/isartor"
"$AIRGAPPED_BIN" --version | grep -q "model embedded" \
  || die "isartor-$VERSION/bin/isartor has no embedded model ($("$AIRGAPPED_BIN" --version))"
if [[ -z "$SLIM_BINARY" && -x "$TOP/bin/isartor-slim" ]]; then SLIM_BINARY="$TOP/bin/isartor-slim"; fi
if [[ $AIRGAPPED_ONLY -eq 0 ]]; then
  [[ -n "$SLIM_BINARY" ]] || die "isartor:$VERSION needs a binary without the embedded model" \
    "(bin/isartor-slim in the bundle, or --slim-binary FILE); or pass --airgapped-only"
  [[ -x "$SLIM_BINARY" ]] || die "$SLIM_BINARY is not executable"
  "$SLIM_BINARY" --version | grep -q "not embedded" \
    || die "$SLIM_BINARY embeds the model; the slim image needs ISARTOR_EMBED_MODEL=OFF"
fi
say "bundle isartor-$VERSION"

# --- root filesystems ----------------------------------------------------------------------------
# The files the dynamic loader needs for `binary`: its interpreter and every library ldd
# resolves (transitively), at the paths the loader looks in.
copy_runtime_libs() {
  local binary="$1" root="$2" interp lib
  interp="$(readelf -l "$binary" | sed -nE 's/.*Requesting program interpreter: (.*)]/\1/p')"
  [[ -n "$interp" ]] && install -D -m 0755 "$(readlink -f "$interp")" "$root$interp"
  while read -r lib; do
    [[ "$lib" == "$root"* ]] && continue  # already inside (an $ORIGIN library of the bundle)
    install -D -m 0644 "$(readlink -f "$lib")" "$root$lib"
  done < <(ldd "$binary" | sed -nE 's/.*=> (\/[^ ]+) \(0x.*/\1/p')
  if ldd "$binary" | grep -q "not found"; then
    die "$binary needs libraries this machine does not have: $(ldd "$binary" | grep 'not found')"
  fi
}

stage_root() {
  local binary="$1" root="$2"
  mkdir -p "$root/opt/isartor/bin" "$root/etc" "$root/tmp" "$root/models" "$root/var/lib"
  chmod 1777 "$root/tmp"
  # The bundle's files except the binaries and docs/ (licenses, SBOM, lib/).
  (cd "$TOP" && find . -mindepth 1 -maxdepth 1 ! -name bin ! -name docs -exec cp -a {} "$root/opt/isartor/" \;)
  install -m 0755 "$binary" "$root/opt/isartor/bin/isartor"
  copy_runtime_libs "$root/opt/isartor/bin/isartor" "$root"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nisartor:x:%d:%d:isartor:/var/lib/isartor:/sbin/nologin\n' \
    "$UID_NUM" "$UID_NUM" > "$root/etc/passwd"
  printf 'root:x:0:\nisartor:x:%d:\n' "$UID_NUM" > "$root/etc/group"
  echo "hosts: files dns" > "$root/etc/nsswitch.conf"
  chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"
}

# build NAME TAG BINARY [extra buildah config args...]
build() {
  local name="$1" tag="$2" binary="$3"
  shift 3
  local root="$WORK/root-$name" state="$WORK/state-$name" ctr
  stage_root "$binary" "$root"
  mkdir -p "$state/isartor"
  chmod 0700 "$state/isartor"
  ctr="$("${B[@]}" from --quiet scratch)"
  CONTAINERS+=("$ctr")
  "${B[@]}" copy --quiet "$ctr" "$root/" / >/dev/null
  # State and the audit log; the only folder the user may write besides /tmp.
  "${B[@]}" copy --quiet --chown "$UID_NUM:$UID_NUM" "$ctr" "$state/" /var/lib/ >/dev/null
  "${B[@]}" config \
    --user "$UID_NUM:$UID_NUM" \
    --port 8080/tcp \
    --workingdir /var/lib/isartor \
    --env PATH=/opt/isartor/bin \
    --env ISARTOR__HOST_PORT=0.0.0.0:8080 \
    --entrypoint '["/opt/isartor/bin/isartor"]' \
    --cmd '[]' \
    --stop-signal SIGTERM \
    --healthcheck 'CMD /opt/isartor/bin/isartor healthcheck' \
    --healthcheck-interval 30s --healthcheck-timeout 5s \
    --healthcheck-start-period 20s --healthcheck-retries 3 \
    --label org.opencontainers.image.title=isartor \
    --label org.opencontainers.image.version="$VERSION" \
    --label org.opencontainers.image.description="isartor LLM gateway ($name)" \
    "$@" "$ctr"
  # Docker format: the only one that carries HEALTHCHECK (the OCI archive drops it).
  "${B[@]}" commit --quiet --format docker "$ctr" "isartor:$tag" >/dev/null
  mkdir -p "$OUT"
  rm -f "$OUT/isartor-$tag.oci.tar"
  "${B[@]}" push --quiet "isartor:$tag" "oci-archive:$OUT/isartor-$tag.oci.tar:isartor:$tag"
  say "isartor:$tag -> $OUT/isartor-$tag.oci.tar ($(du -m "$OUT/isartor-$tag.oci.tar" | cut -f1) MB)"
  if [[ $DOCKER_ARCHIVES -eq 1 ]]; then
    rm -f "$OUT/isartor-$tag.docker.tar"
    "${B[@]}" push --quiet "isartor:$tag" "docker-archive:$OUT/isartor-$tag.docker.tar:isartor:$tag"
    say "isartor:$tag -> $OUT/isartor-$tag.docker.tar ($(du -m "$OUT/isartor-$tag.docker.tar" | cut -f1) MB)"
  fi
}

build airgapped "$VERSION-airgapped" "$AIRGAPPED_BIN"
if [[ $AIRGAPPED_ONLY -eq 0 ]]; then
  # /models is an empty folder to mount over, not a VOLUME: an anonymous volume would hide a
  # forgotten mount behind an empty folder (and buildah run does not bind over a VOLUME).
  build slim "$VERSION" "$SLIM_BINARY" --env ISARTOR__EMBEDDING_MODEL_DIR=/models
fi
