#!/usr/bin/env bash
# Installs the Debian bookworm packages Parley builds against (DESIGN.md, "Dependencies").
# Idempotent; run as root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libcaf-dev
  libboost1.81-dev libboost-json1.81-dev
  libsqlite3-dev sqlite3
  libjemalloc-dev
  libspdlog-dev libfmt-dev
  libsodium-dev libssl-dev openssl
  libgtest-dev libgmock-dev libbenchmark-dev
  curl procps
)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-debian.sh: run as root (it calls apt-get)" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
