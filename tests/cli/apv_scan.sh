#!/usr/bin/env bash
# A scan whose Cs APV measurement comes from the reanalysis: the config resolves to the recipe, and the scan runs.
set -euo pipefail
zdscan=$1 config=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$zdscan" config --config "$config" > "$work/config.json"
grep -q '"exp": "reanalysis"' "$work/config.json"
"$zdscan" scan --config "$config" --n 8 --out "$work/scan.h5" > "$work/summary.txt" 2> /dev/null
grep -q "best fit (grid point)" "$work/summary.txt"
echo ok
