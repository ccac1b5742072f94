#!/usr/bin/env bash
# A shipped dataset (configs/*.json) scans on a 16^3 grid; the file's measurement table lists its entries.
# Usage: dataset_scan.sh ZDSCAN CONFIG WORKDIR
set -euo pipefail
zdscan=$1 config=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$zdscan" scan --config "$config" --n 16 --quiet --out "$work/scan.h5" > "$work/summary.txt"
grep -q "refined (between grid points)" "$work/summary.txt"
"$zdscan" summary --json "$work/scan.h5" > "$work/summary.json"
python3 - "$config" "$work/summary.json" << 'PY'
import json, sys
config, summary = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert [m["name"] for m in summary["measurements"]] == [m["name"] for m in config["measurements"]]
for m in config["measurements"]:
    assert m.get("source"), f"{m['name']}: every shipped measurement cites its source"
print("ok:", config["name"], [m["name"] for m in config["measurements"]])
PY
