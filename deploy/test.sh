#!/usr/bin/env bash
# Installs dependencies, builds everything and runs every test (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
./third_party/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build
cd build && ctest --output-on-failure -j2 --timeout 900
