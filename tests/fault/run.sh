#!/bin/sh
# The issue-8 fault suite (tests/fault/README.md). Needs root and `ip netns`.
#   tests/fault/run.sh            the short size: the two sequences ctest runs
#   tests/fault/run.sh --full     every sequence at 1,000,000 lines, 120,000 distinct words
#   tests/fault/run.sh [--full] [--build DIR] [--filter 'FaultSuite.Pause*']
# Prints one FAULT-RESULT block per sequence (figures: words over/under-counted in the stores
# and in the read_committed output, fenced writes refused by the log store).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build="$here/build"
filter="FaultSuite.CrashEarlyCommitMove:FaultSuite.PauseTakeoverResumeSecondFault"
full=0
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full=1; filter="FaultSuite.*" ;;
    --build) build="$2"; shift ;;
    --filter) filter="$2"; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
cmake --build "$build" --target fault_suite_test
EDDY_FAULT_FULL=$full exec "$build/bin/fault_suite_test" --gtest_filter="$filter"
