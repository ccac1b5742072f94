#!/usr/bin/env bash
# A shipped dataset (configs/*.json) scans on a 16^3 grid; the file's measurement table lists its entries.
# Usage: dataset_scan.sh ZDSCAN CONFIG WORKDIR
set -euo pipefail
zdscan=$1 config=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$zdscan" scan --config "$config" --n 16 --quiet --out "$work/scan.h5" > "$work/quiet.txt" 2>&1
[ ! -s "$work/quiet.txt" ] || { echo "--quiet printed: $(cat "$work/quiet.txt")" >&2; exit 1; }
"$zdscan" summary "$work/scan.h5" > "$work/summary.txt"
grep -q "refined (between grid points)" "$work/summary.txt"
"$zdscan" summary --json "$work/scan.h5" > "$work/summary.json"
python3 - "$config" "$work/summary.json" << 'PY'
import json, sys
config, summary = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert [m["name"] for m in summary["measurements"]] == [m["name"] for m in config["measurements"]]
for m in config["measurements"]:
    assert m.get("source"), f"{m['name']}: every shipped measurement cites its source"
# Projections are flagged in the file and the summary says the fit is a forecast.
projected = [m["name"] for m in config["measurements"] if m.get("projection") and m.get("enabled", True)]
assert [x["projection"] for x in summary["measurements"]] == [bool(m.get("projection")) for m in config["measurements"]]
assert any("the fit includes projections (" + ", ".join(projected) + ")" in w for w in summary["warnings"]) \
    == bool(projected), summary["warnings"]
print("ok:", config["name"], [m["name"] for m in config["measurements"]])
PY
