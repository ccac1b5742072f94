#!/usr/bin/env bash
# Quick start, step 2: (install what is missing,) build, and run the whole test suite with CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install_deps.sh"
"$root/tools/build.sh"
cd "${ZDSCAN_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j "$(nproc)"
