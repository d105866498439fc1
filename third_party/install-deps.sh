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
  # HTTP endpoints (/metrics, dashboard) and Prometheus metrics
  libcpp-httplib-dev prometheus-cpp-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev kcat
  # the monitoring and dashboard tests: a real Prometheus server, headless Chromium + WebDriver,
  # systemd-analyze for the unit files
  prometheus chromium chromium-driver systemd
  # tests/deploy: parses the Kubernetes manifests
  python3-yaml
  # the demo: procps (pgrep)
  procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm run the KafkaJS compatibility tests; a machine that already has them (from any
# source) keeps its own, otherwise Debian's are installed.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# KafkaJS 2.2.4 (pinned by package-lock.json) for tests/integration/kafka/kafkajs. Without it the
# KafkaJS tests are not built, and CMake says so.
KAFKAJS_DIR="$(cd "$(dirname "$0")/.." && pwd)/tests/integration/kafka/kafkajs"
if [ ! -f "$KAFKAJS_DIR/node_modules/kafkajs/package.json" ]; then
  echo "install-deps: npm ci in $KAFKAJS_DIR"
  if ! npm ci --no-audit --no-fund --prefix "$KAFKAJS_DIR" >/dev/null; then
    echo "install-deps: WARNING: npm ci failed; the KafkaJS tests will be skipped" >&2
  fi
fi
