#!/bin/sh
# The container image's entrypoint: the first argument names the daemon or tool, the rest are
# its flags (each binary's --help lists them).
#   logd | coordinator | node | container | package-check  → eddy-<name>
#   eddy | eddy-*                                          → that binary
set -e
cmd=${1:-help}
[ $# -gt 0 ] && shift
case "$cmd" in
  logd | coordinator | node | container | package-check) exec "/usr/local/bin/eddy-$cmd" "$@" ;;
  eddy | eddy-*) exec "/usr/local/bin/$cmd" "$@" ;;
  help | -h | --help)
    echo "usage: IMAGE logd|coordinator|node|container|package-check [FLAGS...]"
    echo "       IMAGE eddy COMMAND [FLAGS...]"
    echo "Runs the named Eddy daemon or tool; IMAGE <name> --help shows its flags."
    exit 0 ;;
  *)
    echo "eddy-entrypoint: unknown command '$cmd' (want logd, coordinator, node, container," \
         "package-check, eddy or eddy-*)" >&2
    exit 2 ;;
esac
