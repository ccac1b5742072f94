#!/usr/bin/env bash
# Configures and builds zdscan into build/ (Release). The CUDA backend is built when nvcc is found
# (override: ZDSCAN_CUDA=ON|OFF). Extra arguments go to cmake's configure step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ZDSCAN_BUILD_DIR:-$root/build}
# nvcc ships outside PATH in the CUDA toolkit's default location.
if ! command -v nvcc > /dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DZDSCAN_CUDA="${ZDSCAN_CUDA:-AUTO}" "$@" > "$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
grep -E "zdscan:|Warning" "$build.configure.log" || true
cmake --build "$build" -j "$(nproc)"
