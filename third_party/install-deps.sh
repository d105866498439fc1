#!/usr/bin/env bash
# Installs every Debian 12 package Eddy's build, tests and demos need.
# Idempotent: packages already present are skipped by apt; safe to run again.
set -euo pipefail

PACKAGES=(
  # toolchain
  cmake ninja-build g++ pkg-config ccache
  # core libraries (see README "Dependencies")
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev librdkafka-dev
  libsnappy-dev liblz4-dev libzstd-dev zlib1g-dev
  libcli11-dev nlohmann-json3-dev libarchive-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev kcat
  # the demo: procps (pgrep)
  procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
