#!/usr/bin/env bash
# Builds everything with clang under AddressSanitizer + UndefinedBehaviorSanitizer
# (EDDY_SANITIZE=address,undefined, in build-asan/) and runs the whole test suite there. Any
# sanitizer report aborts the process that hit it, so the test fails. Takes far longer than the
# normal build; not part of CI.
#   deploy/sanitize.sh [ctest args...]     e.g. deploy/sanitize.sh -R Kafka
set -euo pipefail
cd "$(dirname "$0")/.."
./third_party/install-deps.sh
if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEDDY_SANITIZE=address,undefined
cmake --build build-asan
# detect_leaks: daemons are stopped with SIGTERM and exit cleanly, so leaks are real findings.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd build-asan && ctest --output-on-failure -j2 --timeout 1800 "$@"
