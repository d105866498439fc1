#!/usr/bin/env bash
# The cluster demo: a grid on 127.0.0.1 (log store, coordinator, 2 nodes), a topic fed with text,
# wordcount submitted as a package with 2 containers, the top word totals read from its output
# topic, a container killed with kill -9 and seen recovering (totals still exact), the job scaled
# 2 → 3,
# then the grid taken down.
#   deploy/grid/demo.sh [BUILD_DIR]        (default: build)
set -euo pipefail
BUILD=${1:-build}
B=$(cd "$BUILD/bin" && pwd)
PKG=$(cd "$BUILD/jobs" && pwd)/wordcount.tar.gz
export EDDY_GRID_DIR=${EDDY_GRID_DIR:-$(mktemp -d /tmp/eddy-demo-XXXXXX)}
trap '"$B/eddy" grid down >/dev/null 2>&1 || true' EXIT

step() { printf '\n== %s\n' "$*"; }

step "eddy grid up --nodes 2"
up=$("$B/eddy" grid up --nodes 2)
echo "$up"
eval "$(echo "$up" | grep '^export ')"   # EDDY_BOOTSTRAP: the grid's log store

step "topics and input text"
"$B/eddy" topic create wordcount-lines --partitions 4
"$B/eddy" topic create wordcount-counts --partitions 4
text="the quick brown fox jumps over the lazy dog and the dog sleeps while the fox runs"
# One word per record, keyed by the word: each word is counted by one task.
for i in $(seq 1 500); do
  for w in $text; do echo "$w|$w"; done
done | "$B/eddy" topic produce wordcount-lines --key-separator '|'

step "eddy job submit wordcount.tar.gz (2 containers)"
"$B/eddy" job submit "$PKG" --set job.container.count=2 --set job.host-affinity.enabled=true \
  --set cluster-manager.container.memory.mb=512 --wait
"$B/eddy" job status wordcount
"$B/eddy" node list

# Word totals: wordcount repartitions by word, so each word is counted by one task and its
# output (key = word, value = running total) ends with the word's total; the last value per key
# of the output topic is the answer (the text has "the" 4 times: 2000 after 500 copies).
totals() {
  for i in $(seq 1 100); do
    t=$("$B/eddy" topic consume wordcount-counts --from-beginning --print-key |
      awk -F'\t' '{t[$1] = $2} END {for (w in t) print t[w] "\t" w}' | sort -k1,1nr -k2 | head -5)
    if [ "$(echo "$t" | head -1 | cut -f1)" = 2000 ]; then break; fi
    sleep 0.2
  done
  echo "$t"
}

step "word totals (last value per word of wordcount-counts)"
totals

step "kill -9 of container 0"
json() { "$B/eddy" job status wordcount --json; }
first() { grep -o "\"$1\":\"[^\"]*\"" | head -1 | cut -d'"' -f4; }
wd=$(json | first work_dir)
pid=$(pgrep -f -- "--work-dir $wd\$" | head -1)
echo "killing eddy-container pid $pid ($wd)"
kill -9 "$pid"
for i in $(seq 1 100); do
  if [ "$(json | first restarts)" != 0 ] && [ "$(json | grep -o "\"containers\":.*" | first state)" = running ]; then break; fi
  sleep 0.1
done
"$B/eddy" job status wordcount
"$B/eddy" job logs wordcount --container 0 | grep "restored from" || true
"$B/eddy" state stats wordcount
totals

step "eddy job scale wordcount --containers 3"
"$B/eddy" job scale wordcount --containers 3
for i in $(seq 1 200); do
  if [ "$("$B/eddy" job status wordcount | grep -c ' running ')" = 3 ]; then break; fi
  sleep 0.1
done
"$B/eddy" job status wordcount
totals

step "eddy grid down"
