#!/usr/bin/env bash
# systemd_verify_test: installs the build with `cmake --install` into a fresh root (DESTDIR), puts
# the example env files in <root>/etc/eddy and a token in <root>/etc/eddy/token, and runs
# `systemd-analyze verify --root=<root>` on the installed eddy-logd, eddy-coordinator and
# eddy-node units. Any line it prints about an eddy unit, or a non-zero exit, fails the test.
# systemd is installed but not PID 1 here, so the root also gets a copy of the host's
# /usr/lib/systemd/system (network-online.target, multi-user.target, ...).
# To show the check can fail, it first verifies a copy of a unit with an unknown key and a
# missing binary and expects both to be reported.
#   systemd_verify_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed"
  exit 77
fi
root=$(mktemp -d /tmp/eddy-systemd-verify-XXXXXX)
trap 'rm -rf "$root"' EXIT
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
DESTDIR="$root" cmake --install "$build" >"$root/install.log"
mkdir -p "$root/usr/lib/systemd" "$root/etc/eddy"
cp -a --no-clobber /usr/lib/systemd/system "$root/usr/lib/systemd/"
units=(eddy-logd eddy-coordinator eddy-node)
for u in "${units[@]}"; do
  test -f "$root$prefix/lib/systemd/system/$u.service" || {
    echo "FAIL: cmake --install did not install $prefix/lib/systemd/system/$u.service"
    exit 1
  }
  cp "$root$prefix/share/eddy/systemd/$u.env" "$root/etc/eddy/$u.env"
done
(umask 077 && echo "0123456789abcdef" >"$root/etc/eddy/token")

# verify UNIT...: prints what systemd-analyze says about eddy units; returns its exit code.
verify() {
  local rc=0 out
  out=$(systemd-analyze verify --root="$root" "$@" 2>&1) || rc=$?
  printf '%s\n' "$out" | grep -i 'eddy' || true
  return $rc
}

# 1. The check can fail: an unknown key and a binary that is not installed are reported.
bad="$root/etc/systemd/system/eddy-broken.service"
mkdir -p "$(dirname "$bad")"
sed -e 's|^TimeoutStopSec=|TimeoutStopSecs=|' \
    -e "s|$prefix/bin/eddy-logd|$prefix/bin/eddy-logd-not-installed|" \
    "$root$prefix/lib/systemd/system/eddy-logd.service" >"$bad"
bad_out=$(verify /etc/systemd/system/eddy-broken.service || true)
for want in "'TimeoutStopSecs'" "eddy-logd-not-installed"; do
  if ! grep -qF "$want" <<<"$bad_out"; then
    echo "FAIL: systemd-analyze verify did not report \"$want\" on a broken unit; it said:"
    echo "$bad_out"
    exit 1
  fi
done
rm "$bad"

# 2. The installed units: no complaint at all.
paths=()
for u in "${units[@]}"; do paths+=("$prefix/lib/systemd/system/$u.service"); done
rc=0
out=$(verify "${paths[@]}") || rc=$?
if [[ $rc -ne 0 || -n "$out" ]]; then
  echo "FAIL: systemd-analyze verify (exit $rc) on ${paths[*]}:"
  echo "$out"
  exit 1
fi
# Each unit runs the installed binary with its data dir, and the coordinator and nodes read the
# token as a credential.
for u in "${units[@]}"; do
  f="$root$prefix/lib/systemd/system/$u.service"
  grep -q "^ExecStart=$prefix/bin/$u " "$f" || { echo "FAIL: $u: ExecStart is not $prefix/bin/$u"; exit 1; }
  test -x "$root$prefix/bin/$u" || { echo "FAIL: $prefix/bin/$u is not installed"; exit 1; }
  grep -q '^StateDirectory=eddy/' "$f" || { echo "FAIL: $u has no StateDirectory"; exit 1; }
done
# The installed binaries run from the install root (their RUNPATH finds lib/).
for b in eddy eddy-logd eddy-coordinator eddy-node eddy-container eddy-package-check; do
  "$root$prefix/bin/$b" --help >/dev/null ||
    { echo "FAIL: the installed $prefix/bin/$b --help does not run"; exit 1; }
done
test -f "$root$prefix/share/doc/eddy/DEPLOY.md" || { echo "FAIL: DEPLOY.md is not installed"; exit 1; }
for u in eddy-coordinator eddy-node; do
  grep -q '^LoadCredential=token:/etc/eddy/token' "$root$prefix/lib/systemd/system/$u.service" ||
    { echo "FAIL: $u does not load /etc/eddy/token"; exit 1; }
done
echo "PASS: systemd-analyze verify has nothing to say about ${units[*]}"
