#!/usr/bin/env bash
# Starts one parley-node on loopback (ports picked by the kernel, data in a temporary
# directory), runs parley-bench against it with the flags given, prints the results, and
# stops the node by its PID. Builds nothing.
#
#   bench/run-single-node.sh BUILD_DIR [--tool=one|group] [bench flags...]
#   bench/run-single-node.sh build --users=200 --duration=5
#   bench/run-single-node.sh build --users=10000 --idle
#   bench/run-single-node.sh build --tool=group --group-size=100 --groups=10 --duration=15
#
# --tool=group runs parley-group-bench instead of parley-bench (one-to-one, the default).
# The exit status is the bench's (0 fine, 1 problems seen, 2 bad flags), or 1 if the
# node died during the run.
set -uo pipefail

usage() { echo "usage: $0 BUILD_DIR [--tool=one|group] [bench flags...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
build=$1; shift
. "$(dirname "$0")/script_common.sh"

# The node holds one socket per user too: the same cap covers it (parley-group-bench
# checks its own group-size x groups).
bench_flags=()
for arg in "$@"; do
  case $arg in
    --tool=*) take_tool_flag "$arg"; continue ;;
    --users=*) check_users_flag "$arg" ;;
    --server=*|--admin=*|--server-pid=*)
      echo "$0: $arg is set by this script" >&2; exit 2 ;;
  esac
  bench_flags+=("$arg")
done
bench_binaries "$build"

dir=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench.XXXXXX")
node_pid=""

stop_node() {
  [ -n "$node_pid" ] || return 0
  if kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null
    for _ in $(seq 50); do
      kill -0 "$node_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$node_pid" 2>/dev/null; then
      echo "$0: node $node_pid ignored SIGTERM for 5 s; killing it" >&2
      kill -KILL "$node_pid" 2>/dev/null
    fi
  fi
  wait "$node_pid" 2>/dev/null
  node_pid=""
}
cleanup() {
  stop_node
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$node_bin" --id=bench1 --data="$dir/data" --client=127.0.0.1:0 --admin=127.0.0.1:0 \
  --cluster=127.0.0.1:0 >"$dir/node.out" 2>"$dir/node.err" &
node_pid=$!

for _ in $(seq 300); do
  grep -qx ready "$dir/node.out" 2>/dev/null && break
  if ! kill -0 "$node_pid" 2>/dev/null; then
    echo "$0: the node exited before it was ready:" >&2
    cat "$dir/node.err" >&2
    exit 1
  fi
  sleep 0.1
done
if ! grep -qx ready "$dir/node.out"; then
  echo "$0: the node was not ready within 30 s" >&2
  exit 1
fi
client=$(sed -n 's/^listening client=//p' "$dir/node.out")
admin=$(sed -n 's/^listening admin=//p' "$dir/node.out")
echo "node pid $node_pid client $client admin $admin data $dir/data" >&2

"$bench_bin" --server="$client" --admin="$admin" --server-pid="$node_pid" "${bench_flags[@]}"
status=$?

if ! kill -0 "$node_pid" 2>/dev/null; then
  echo "$0: the node died during the run; its stderr ends with:" >&2
  tail -n 20 "$dir/node.err" >&2
  node_pid=""
  exit 1
fi
fds=$(ls "/proc/$node_pid/fd" | wc -l)
echo "node open files after the run: $fds (cap 20,000)" >&2
if [ -s "$dir/node.err" ]; then
  echo "node stderr (last 10 lines):" >&2
  tail -n 10 "$dir/node.err" >&2
fi
exit "$status"
