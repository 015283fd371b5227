#!/usr/bin/env bash
# Installs, builds and starts a local 3-node Parley cluster on loopback: nodes n1..n3,
# data under ./run/, mutual TLS between the nodes with certificates made in run/certs.
# Ctrl-C stops all three cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p run
ids=(n1 n2 n3)
bash scripts/make-cluster-certs.sh run/certs "${ids[@]}"
[ -f run/secret ] || head -c 48 /dev/urandom > run/secret  # signs tokens: valid on every node
pids=()
stop() {
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  exit 0
}
trap stop INT TERM
for i in 0 1 2; do
  id=${ids[$i]}
  join=""
  for j in 0 1 2; do
    if [ "$j" != "$i" ]; then join+="127.0.0.1:709$j,"; fi
  done
  ./build/apps/parley-node --id="$id" --data="run/$id" --client="127.0.0.1:707$i" \
    --admin="127.0.0.1:708$i" --cluster="127.0.0.1:709$i" --join="${join%,}" \
    --secret-file=run/secret --tls-dir="run/certs/$id" > "run/$id.out" 2> "run/$id.log" &
  pids+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 100); do
    grep -q '^ready$' "run/${ids[$i]}.out" 2>/dev/null && break
    kill -0 "${pids[$i]}" 2>/dev/null || { cat "run/${ids[$i]}.log" >&2; stop; }
    sleep 0.1
  done
done
cat <<MSG
Parley cluster of 3 nodes is running (logs: run/n1.log, run/n2.log, run/n3.log).
  n1 clients: ws://127.0.0.1:7070/v1/ws   console: http://127.0.0.1:7080/
  n2 clients: ws://127.0.0.1:7071/v1/ws   console: http://127.0.0.1:7081/
  n3 clients: ws://127.0.0.1:7072/v1/ws   console: http://127.0.0.1:7082/
  (REST on the client ports under /v1/..., metrics and cluster view on the consoles'
   /metrics and /v1/cluster)
Chat from two terminals, on any nodes:
  ./build/apps/parley-chat --server ws://127.0.0.1:7070 --user alice
  ./build/apps/parley-chat --server ws://127.0.0.1:7071 --user bob
Press Ctrl-C to stop.
MSG
wait "${pids[@]}"
