#!/usr/bin/env bash
# Runs every fuzz target under libFuzzer (clang, ASan + UBSan) for SECONDS each (default 600),
# then merges what it found into the checked-in corpus (tests/fuzz/<component>/corpus), keeping it
# minimal. A crash, leak or UB report stops that target, keeps its reproducer as
# build-fuzz/findings/<target>/crash-* and makes the script exit 1.
#   tests/fuzz/run.sh [SECONDS] [TARGET ...]
# CI does not run this (too long); it replays the corpus in the normal build instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-600}"
shift || true
./third_party/install-deps.sh
if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEDDY_LIBFUZZER=ON >/dev/null
mapfile -t targets < <(cut -d' ' -f1 build-fuzz/fuzz-targets.txt)
if [ $# -gt 0 ]; then targets=("$@"); fi
cmake --build build-fuzz --target "${targets[@]}"
status=0
for t in "${targets[@]}"; do
  corpus=$(awk -v t="$t" '$1 == t { print $2 }' build-fuzz/fuzz-targets.txt)
  work="build-fuzz/findings/$t"
  rm -rf "$work" && mkdir -p "$work/new"
  echo "== $t for ${seconds}s (corpus $corpus)"
  if (cd "$work" && ASAN_OPTIONS=detect_leaks=1 "../../bin/$t" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 new "$corpus" > log.txt 2>&1); then
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$work/log.txt" | sed "s/^/   /"
    # Fold new inputs into the checked-in corpus, minimised (libFuzzer's merge keeps only inputs
    # that add coverage).
    mkdir -p "$work/merged"
    "build-fuzz/bin/$t" -merge=1 "$work/merged" "$corpus" "$work/new" > "$work/merge.txt" 2>&1
    before=$(ls "$corpus" | wc -l)
    cp -n "$work/merged"/* "$corpus"/ 2>/dev/null || true
    echo "   corpus: $before -> $(ls "$corpus" | wc -l) files"
  else
    echo "   FINDING: see $work/log.txt and $work/crash-* / leak-* / timeout-*"
    tail -30 "$work/log.txt"
    status=1
  fi
done
exit $status
