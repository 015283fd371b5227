#!/usr/bin/env bash
# Starts a 3-node parley cluster on loopback (ports picked by the kernel, one shared token
# secret, data in a temporary directory), waits until every node sees all three up, runs
# parley-bench against it with the flags given, and stops every node by its PID. Builds
# nothing.
#
#   bench/run-cluster.sh BUILD_DIR [--tool=one|group] [--failover] [bench flags...]
#   bench/run-cluster.sh build --users=1000 --duration=20
#   bench/run-cluster.sh build --failover --users=1000 --rate=1000 --duration=20
#   bench/run-cluster.sh build --tool=group --group-size=1000 --groups=3 --duration=15
#
# --tool=group runs parley-group-bench instead of parley-bench (one-to-one, the default);
# it has no failover mode.
#
# PARLEY_BENCH_KEEP=1 keeps the temporary directory (data, node logs) for a look afterwards.
#
# --failover makes the bench SIGKILL node 3 at --failover-at seconds into the measured
# window (default 5): its clients reconnect to the next node of the list.
#
# The exit status is the bench's (0 fine, 1 problems seen, 2 bad flags), or 1 if a
# node other than the one killed on purpose died during the run.
set -uo pipefail

usage() { echo "usage: $0 BUILD_DIR [--tool=one|group] [--failover] [bench flags...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
build=$1; shift
. "$(dirname "$0")/script_common.sh"

node_count=3
killed=$node_count  # the node --failover kills (1-based); not the seed the others joined
failover=0
failover_at=""
bench_flags=()
# Each node holds only its share of the sockets, even after a failover: the users cap
# is the bench's (script_common.sh).
for arg in "$@"; do
  case $arg in
    --tool=*) take_tool_flag "$arg"; continue ;;
    --failover) failover=1; continue ;;
    --failover-at=*) failover_at=${arg#--failover-at=} ;;
    --users=*) check_users_flag "$arg" ;;
    --server=*|--servers=*|--admin=*|--admins=*|--server-pid=*|--server-pids=*|--failover-kill-pid=*)
      echo "$0: ${arg%%=*} is set by this script" >&2; exit 2 ;;
  esac
  bench_flags+=("$arg")
done
if [ -n "$failover_at" ] && [ "$failover" = 0 ]; then
  echo "$0: --failover-at needs --failover" >&2; exit 2
fi
if [ "$failover" = 1 ] && [ "$bench_tool" = group ]; then
  echo "$0: --failover is for the one-to-one bench, not --tool=group" >&2; exit 2
fi
bench_binaries "$build"

dir=$(mktemp -d "${TMPDIR:-/tmp}/parley-cluster.XXXXXX")
pids=()     # the nodes
waiters=()  # the subshells that wait for them
bench_pid=""

stop_nodes() {
  local pid
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$0: node pid $pid did not exit within 5 s of SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  wait "${waiters[@]}" 2>/dev/null
  pids=()
  waiters=()
}
cleanup() {
  if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null
    wait "$bench_pid" 2>/dev/null
  fi
  stop_nodes
  if [ -n "${PARLEY_BENCH_KEEP:-}" ]; then
    echo "kept the nodes' data and logs in $dir" >&2
  else
    rm -rf "$dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Tokens are signed with this secret, so a token from one node's welcome logs in anywhere.
head -c 48 /dev/urandom >"$dir/secret"

# Waits for node $1 (1-based) to print `ready`; prints its stderr and fails if it exits.
wait_ready() {
  local i=$1 pid=${pids[$(($1 - 1))]}
  for _ in $(seq 300); do
    grep -qx ready "$dir/n$i.out" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$0: node n$i exited before it was ready:" >&2
      cat "$dir/n$i.err" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$0: node n$i was not ready within 30 s" >&2
  return 1
}

listener() {  # node number, listener name
  sed -n "s/^listening $2=//p" "$dir/n$1.out"
}

# Each node runs under a small subshell that waits for it: the node is reaped as soon as it
# dies (so `kill -0` tells a dead node from a live one), and bash's "Killed" notice for the
# node the failover kills goes to /dev/null instead of into the bench's report.
start_node() {  # node number, extra flags...
  local i=$1; shift
  (
    "$node_bin" --id="n$i" --data="$dir/n$i" --client=127.0.0.1:0 --admin=127.0.0.1:0 \
      --cluster=127.0.0.1:0 --replicas=2 --secret-file="$dir/secret" "$@" \
      >"$dir/n$i.out" 2>"$dir/n$i.err" &
    echo $! >"$dir/n$i.pid"
    wait
  ) 2>/dev/null &
  waiters+=($!)
  until [ -s "$dir/n$i.pid" ]; do sleep 0.01; done
  pids+=("$(cat "$dir/n$i.pid")")
}

# Node 1 first: the others join the cluster port it prints.
start_node 1
wait_ready 1 || exit 1
seed=$(listener 1 cluster)
for i in $(seq 2 $node_count); do
  start_node "$i" --join="$seed"
done
for i in $(seq 2 $node_count); do
  wait_ready "$i" || exit 1
done

servers=""; admins=""
for i in $(seq $node_count); do
  servers+="${servers:+,}$(listener "$i" client)"
  admins+="${admins:+,}$(listener "$i" admin)"
done
server_pids=$(IFS=,; echo "${pids[*]}")

# Ready means serving clients, not yet meshed: wait until every node lists all three up,
# so no user's mailbox is placed on a ring that is still growing.
count_up() {  # admin HOST:PORT
  curl -fsS --max-time 2 "http://$1/v1/cluster" 2>/dev/null | grep -o '"status":"up"' | wc -l
}
meshed=0
for _ in $(seq 150); do
  meshed=1
  IFS=, read -ra admin_list <<<"$admins"
  for a in "${admin_list[@]}"; do
    [ "$(count_up "$a")" -eq $node_count ] || { meshed=0; break; }
  done
  [ $meshed = 1 ] && break
  sleep 0.1
done
if [ $meshed = 0 ]; then
  echo "$0: the nodes did not all see $node_count nodes up within 15 s" >&2
  exit 1
fi
echo "cluster up: pids $server_pids clients $servers admins $admins data $dir" >&2

failover_flags=()
if [ $failover = 1 ]; then
  failover_flags=(--failover-kill-pid="${pids[$((killed - 1))]}")
  [ -n "$failover_at" ] || failover_flags+=(--failover-at=5)
  echo "failover: the bench kills n$killed (pid ${pids[$((killed - 1))]})" >&2
fi

# In the background, so a signal to this script runs the trap at once instead of after
# the bench's whole run.
"$bench_bin" --servers="$servers" --admins="$admins" --server-pids="$server_pids" \
  "${failover_flags[@]}" "${bench_flags[@]}" &
bench_pid=$!
wait "$bench_pid"
status=$?
bench_pid=""

for i in $(seq $node_count); do
  pid=${pids[$((i - 1))]}
  [ $failover = 1 ] && [ "$i" = "$killed" ] && continue
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "$0: node n$i died during the run; its stderr ends with:" >&2
    tail -n 20 "$dir/n$i.err" >&2
    status=1
    continue
  fi
  echo "node n$i open files after the run: $(ls "/proc/$pid/fd" | wc -l) (cap 20,000)" >&2
done
# Info lines are one per login here; what an operator must act on is W, E or C.
for i in $(seq $node_count); do
  if grep -qE '^[^ ]+ [WEC] ' "$dir/n$i.err"; then
    echo "node n$i warnings and errors ($(grep -cE '^[^ ]+ [WEC] ' "$dir/n$i.err"), last 10):" >&2
    grep -E '^[^ ]+ [WEC] ' "$dir/n$i.err" | tail -n 10 >&2
  fi
done
exit "$status"
