#!/usr/bin/env bash
# Proves the README's two Quick-start commands work on a fresh Debian 12 machine.
#
# Builds a minimal Debian 12 root (debootstrap --variant=minbase, from the mirror this machine's
# apt sources name), copies a clean clone of HEAD into it (committed state only: uncommitted
# changes are not tested), and inside a chroot runs, exactly as the README writes them:
#   scripts/run.sh    until /healthz answers on 127.0.0.1:8080, then stops it (SIGTERM)
#   scripts/test.sh   every test
# and prints the wall time of each. Exit status: 0 when both passed, 1 when one failed, 2 when
# the root could not be prepared.
#
# What is copied from this machine besides the clone is the site's network setup only, as a
# fresh machine on the same network would have it: /etc/resolv.conf, the apt sources, the local
# CA certificates (/usr/local/share/ca-certificates, e.g. a TLS-inspecting egress proxy) and
# /etc/pip.conf. Nothing else: no compiler, no Python, no caches (~/.cache stays empty, so the
# llama.cpp wheel is compiled again: about 15 minutes on 2 cores).
#
# The chroot shares this machine's network namespace: port 8080 must be free, and the tests'
# own listeners (port 0) share the host's port space. Must run as root.
#
# Usage: scripts/fresh-root-test.sh [--keep] [--root DIR]
#   --keep       leave the root in place afterwards (default: removed)
#   --root DIR   where to build it (default: a new folder under /var/tmp)
# Environment: ISARTOR_FRESH_MIRROR overrides the mirror; ISARTOR_FRESH_RUN_TIMEOUT (seconds,
# default 5400) bounds the wait for /healthz.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEEP=0
ROOT_DIR=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keep) KEEP=1; shift ;;
    --root) ROOT_DIR="$2"; shift 2 ;;
    *) echo "usage: $0 [--keep] [--root DIR]" >&2; exit 2 ;;
  esac
done
RUN_TIMEOUT="${ISARTOR_FRESH_RUN_TIMEOUT:-5400}"

say() { echo "fresh-root: $*"; }
die() { echo "fresh-root: $*" >&2; exit 2; }

[[ "$(id -u)" -eq 0 ]] || die "must run as root (debootstrap and chroot)"
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
fi
command -v curl >/dev/null || die "curl is needed on this machine to poll /healthz"
if ss -Hltn 'sport = :8080' 2>/dev/null | grep -q .; then
  die "port 8080 is in use on this machine; the chroot shares its network, stop that listener first"
fi

# The Debian mirror this machine uses: deb822 .sources first, then the one-line format.
mirror="${ISARTOR_FRESH_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  mirror="$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources \
            2>/dev/null || true)"
fi
if [[ -z "$mirror" ]]; then
  mirror="$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list \
            2>/dev/null || true)"
fi
[[ -n "$mirror" ]] || die "no Debian mirror found in /etc/apt/sources*; set ISARTOR_FRESH_MIRROR"

[[ -n "$ROOT_DIR" ]] || ROOT_DIR="$(mktemp -d /var/tmp/isartor-fresh-root.XXXXXX)"
mkdir -p "$ROOT_DIR"
ROOT_DIR="$(cd "$ROOT_DIR" && pwd)"
[[ "$ROOT_DIR" != "/" ]] || die "refusing to use / as the root"
SERVER_PGID=""

# Everything mounted below the root, deepest first (the tests may add netns mounts under /run).
unmount_all() {
  local target
  for target in $(findmnt -rn -o TARGET | grep -E "^${ROOT_DIR}(/|$)" | sort -r); do
    umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || true
  done
}
cleanup() {
  if [[ -n "$SERVER_PGID" ]] && kill -0 -- "-$SERVER_PGID" 2>/dev/null; then
    kill -TERM -- "-$SERVER_PGID" 2>/dev/null || true
  fi
  unmount_all
  if [[ $KEEP -eq 0 ]]; then
    if findmnt -rn -o TARGET | grep -qE "^${ROOT_DIR}(/|$)"; then
      echo "fresh-root: $ROOT_DIR still has mounts; not removing it" >&2
    else
      # --one-file-system: never follow into anything still bound from the host.
      rm -rf --one-file-system "$ROOT_DIR"
    fi
  else
    say "root kept in $ROOT_DIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

elapsed() { echo $(( $(date +%s) - $1 )); }
fmt() { printf '%dm%02ds' $(( $1 / 60 )) $(( $1 % 60 )); }

# --- the root ------------------------------------------------------------------------------------
t0=$(date +%s)
if [[ ! -x "$ROOT_DIR/bin/bash" ]]; then
  say "debootstrap --variant=minbase bookworm $ROOT_DIR $mirror"
  debootstrap --variant=minbase bookworm "$ROOT_DIR" "$mirror" > "$ROOT_DIR.debootstrap.log" 2>&1 \
    || { tail -20 "$ROOT_DIR.debootstrap.log" >&2; die "debootstrap failed"; }
  rm -f "$ROOT_DIR.debootstrap.log"
fi
say "root ready in $(fmt "$(elapsed "$t0")")"

cp -L /etc/resolv.conf "$ROOT_DIR/etc/resolv.conf"
rm -f "$ROOT_DIR/etc/apt/sources.list"
mkdir -p "$ROOT_DIR/etc/apt/sources.list.d"
cp /etc/apt/sources.list.d/*.sources "$ROOT_DIR/etc/apt/sources.list.d/" 2>/dev/null || true
[[ -f /etc/apt/sources.list ]] && cp /etc/apt/sources.list "$ROOT_DIR/etc/apt/sources.list"
mkdir -p "$ROOT_DIR/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$ROOT_DIR/usr/local/share/ca-certificates/" 2>/dev/null || true
[[ -f /etc/pip.conf ]] && cp /etc/pip.conf "$ROOT_DIR/etc/pip.conf"

# A clean clone of HEAD (no worktree symlinks, no build tree, no models).
head="$(git -C "$REPO" rev-parse HEAD)"
rm -rf "$ROOT_DIR/root/isartor"
git clone -q --no-hardlinks "$REPO" "$ROOT_DIR/root/isartor"
git -C "$ROOT_DIR/root/isartor" checkout -q --detach "$head"
say "clone of $head in /root/isartor"
[[ -z "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]] \
  || say "note: $REPO has uncommitted changes; they are NOT part of this test"

# The root a mount point of its own, as / is on a real machine: buildah (the image tests)
# remounts / when it applies a layer, which fails on a plain directory ("remount /: invalid
# argument"). Mounted first so that proc, sys and dev sit on top of it.
mount --bind "$ROOT_DIR" "$ROOT_DIR"
mount -t proc proc "$ROOT_DIR/proc"
mount -t sysfs sysfs "$ROOT_DIR/sys"
mount --bind /dev "$ROOT_DIR/dev"
mount --bind /dev/pts "$ROOT_DIR/dev/pts"

# A login-like environment: nothing from this shell leaks in except the OpenBLAS settings this
# machine needs (see NOTES: older OpenBLAS builds misbehave on this CPU without them).
in_root() {
  local envs=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
              LANG=C.UTF-8 TERM=dumb)
  local v
  for v in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
    [[ -n "${!v:-}" ]] && envs+=("$v=${!v}")
  done
  env -i "${envs[@]}" chroot "$ROOT_DIR" /bin/bash -c "cd /root/isartor && $1"
}

# --- command 1: scripts/run.sh until /healthz answers ---------------------------------------------
LOG_DIR="${ISARTOR_FRESH_LOG_DIR:-/var/tmp}"
RUN_LOG="$LOG_DIR/isartor-fresh-run.log"
TEST_LOG="$LOG_DIR/isartor-fresh-test.log"
say "scripts/run.sh (log: $RUN_LOG)"
t_run=$(date +%s)
setsid bash -c "$(declare -f in_root); ROOT_DIR='$ROOT_DIR'; in_root 'scripts/run.sh'" \
  > "$RUN_LOG" 2>&1 &
SERVER_PGID=$!
run_ok=0
while (( $(elapsed "$t_run") < RUN_TIMEOUT )); do
  if curl -fsS -m 2 http://127.0.0.1:8080/healthz >/dev/null 2>&1; then run_ok=1; break; fi
  kill -0 "$SERVER_PGID" 2>/dev/null || break
  sleep 2
done
run_secs=$(elapsed "$t_run")
if [[ $run_ok -eq 1 ]]; then
  say "scripts/run.sh: /healthz answered after $(fmt "$run_secs")"
  kill -TERM -- "-$SERVER_PGID" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 -- "-$SERVER_PGID" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$SERVER_PGID" 2>/dev/null || true
  wait "$SERVER_PGID" 2>/dev/null || true
else
  say "scripts/run.sh FAILED after $(fmt "$run_secs") (no /healthz); last lines of $RUN_LOG:"
  tail -30 "$RUN_LOG" >&2
  kill -KILL -- "-$SERVER_PGID" 2>/dev/null || true
  wait "$SERVER_PGID" 2>/dev/null || true
fi
SERVER_PGID=""

# --- command 2: scripts/test.sh --------------------------------------------------------------------
test_ok=0
test_secs=0
if [[ $run_ok -eq 1 ]]; then
  say "scripts/test.sh (log: $TEST_LOG)"
  t_test=$(date +%s)
  if in_root 'scripts/test.sh' > "$TEST_LOG" 2>&1; then test_ok=1; fi
  test_secs=$(elapsed "$t_test")
  tail -3 "$TEST_LOG"
  say "scripts/test.sh $([[ $test_ok -eq 1 ]] && echo passed || echo FAILED) in $(fmt "$test_secs")"
fi

verdict() { [[ $1 -eq 1 ]] && echo ok || echo FAILED; }
echo "fresh-root: summary: run.sh to /healthz $(fmt "$run_secs") ($(verdict $run_ok))," \
     "test.sh $(fmt "$test_secs") ($(verdict $test_ok)), total $(fmt "$(elapsed "$t0")")"
[[ $run_ok -eq 1 && $test_ok -eq 1 ]]
