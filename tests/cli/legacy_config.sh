#!/usr/bin/env bash
# A zdscan 0.1 config (four-key "observables" block) scans like today's default: same summary.
# Usage: legacy_config.sh ZDSCAN LEGACY_CONFIG WORKDIR
set -euo pipefail
zdscan=$1 legacy=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$zdscan" config --config "$legacy" > "$work/converted.json"
grep -q '"measurements"' "$work/converted.json"
"$zdscan" scan --config "$legacy" --n 12 --quiet --out "$work/legacy.h5" | tail -n +2 > "$work/legacy.txt"
"$zdscan" scan --n 12 --quiet --out "$work/current.h5" | tail -n +2 > "$work/current.txt"
diff "$work/legacy.txt" "$work/current.txt"
echo ok
