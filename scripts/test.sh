#!/usr/bin/env bash
# Installs, builds, and runs the whole test suite (unit and integration) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 300 -j2
