#!/usr/bin/env bash
# Quick start, step 1: install what is needed, build, and run the default scan (the embedded
# configs/paper2021.json, 256^3 grid, reproducing Cadeddu et al. PRD 104, L011701) into results/paper2021.h5.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install_deps.sh"
"$root/tools/build.sh"
mkdir -p "$root/results"
"$root/build/zdscan" scan --delta-slices 0,0.001,0.005,0.01 --out "$root/results/paper2021.h5"
"$root/build/zdscan" plot all "$root/results/paper2021.h5" --out "$root/results"
