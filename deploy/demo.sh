#!/usr/bin/env bash
# The README's demo command: installs dependencies, builds, then
#  1. runs the wordcount job standalone with `eddy run` on a sample text and prints the top counts;
#  2. starts a grid on 127.0.0.1 (log store, coordinator, 2 nodes), submits wordcount as a package,
#     reads live state, kills a container and watches it recover, and scales the job
#     (deploy/grid/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./third_party/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build

printf '\n== eddy run: wordcount over jobs/wordcount/sample/lines.txt on an embedded log store\n'
RUN_DIR=$(mktemp -d /tmp/eddy-run-XXXXXX)
build/bin/eddy run --config build/jobs/wordcount/config/wordcount.properties \
  --log-dir "$RUN_DIR/log" --work-dir "$RUN_DIR/work" --until-caught-up \
  --input wordcount-lines=jobs/wordcount/sample/lines.txt --print-top wordcount-counts:10
rm -rf "$RUN_DIR"

exec deploy/grid/demo.sh build
