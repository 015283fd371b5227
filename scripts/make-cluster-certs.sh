#!/usr/bin/env bash
# Creates a cluster CA and one certificate per node for mutual TLS on the cluster port:
#   make-cluster-certs.sh DIR n1 n2 n3
# writes DIR/ca.key (keep it away from the nodes) and DIR/<node>/{ca.pem,node.pem,node.key},
# each node's --tls-dir. An existing CA in DIR is reused, so nodes can be added later.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 DIR NODE_ID..." >&2
  exit 2
fi
dir=$1
shift
mkdir -p "$dir"
umask 077
if [ ! -f "$dir/ca.key" ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -subj "/CN=parley-cluster-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.pem" 2>/dev/null
fi
for node in "$@"; do
  out="$dir/$node"
  mkdir -p "$out"
  [ -f "$out/node.pem" ] && continue
  openssl ecparam -name prime256v1 -genkey -noout -out "$out/node.key"
  openssl req -new -key "$out/node.key" -subj "/CN=$node" -out "$out/node.csr" 2>/dev/null
  # Every node is both a TLS client and a TLS server to its peers.
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' \
    > "$out/node.ext"
  openssl x509 -req -in "$out/node.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 825 -sha256 -extfile "$out/node.ext" -out "$out/node.pem" 2>/dev/null
  cp "$dir/ca.pem" "$out/ca.pem"
  rm -f "$out/node.csr" "$out/node.ext"
done
