#!/usr/bin/env bash
# Installs, builds and starts a local Parley node on loopback, data under ./run/.
# Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p run
./build/apps/parley-node --id=n1 --data=run/n1 --client=127.0.0.1:7070 \
  --admin=127.0.0.1:7080 --cluster=127.0.0.1:7090 > run/n1.out 2> run/n1.log &
node_pid=$!
trap 'kill -TERM $node_pid 2>/dev/null; wait $node_pid 2>/dev/null; exit 0' INT TERM
for _ in $(seq 50); do
  grep -q '^ready$' run/n1.out 2>/dev/null && break
  kill -0 $node_pid 2>/dev/null || { cat run/n1.log >&2; exit 1; }
  sleep 0.1
done
cat <<MSG
Parley node n1 is running (log: run/n1.log).
  clients : ws://127.0.0.1:7070/v1/ws   (REST on http://127.0.0.1:7070/v1/...)
  console : http://127.0.0.1:7080/      (metrics: /metrics, cluster: /v1/cluster)
Chat from two terminals:
  ./build/apps/parley-chat --server ws://127.0.0.1:7070 --user alice
  ./build/apps/parley-chat --server ws://127.0.0.1:7070 --user bob
Press Ctrl-C to stop.
MSG
wait $node_pid
