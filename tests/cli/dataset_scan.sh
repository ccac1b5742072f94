#!/usr/bin/env bash
# A shipped dataset (configs/*.json) scans on a 16^3 grid; the file's measurement table lists its entries.
# Usage: dataset_scan.sh ZDSCAN CONFIG WORKDIR
set -euo pipefail
zdscan=$1 config=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
# A config with direct searches needs DarkCast's limit files (never shipped): without them the scan must stop before
# it starts (exit 2) and name every missing file; with them (../shared/data/darkcast beside the project, as
# darkcast_NAME.lmt) it runs like any other dataset. The meson decays' tables are the experiments' HEPData records,
# in no shared folder: without them the scan stops naming each; the dataset then scans with analytic stand-ins
# written here (BR limit 1e-10 at every mass).
files_of() {
  python3 -c "import json,sys; print(' '.join(m['file'] for m in json.load(open(sys.argv[1]))['measurements'] if m.get('kind') == sys.argv[2] and 'file' in m))" "$config" "$1"
}
# The scan stops before it starts (exit 2, no file) and names each of the given files.
expect_refusal() {
  set +e
  "$zdscan" scan --config "$config" --n 16 --quiet --out "$work/scan.h5" 2> "$work/err.txt"
  rc=$?
  set -e
  [ $rc -eq 2 ] || { echo "scan without the limit files: exit $rc, not 2" >&2; exit 1; }
  for f in "$@"; do grep -q "$f" "$work/err.txt" || { echo "missing $f not named: $(cat "$work/err.txt")" >&2; exit 1; }; done
  [ ! -e "$work/scan.h5" ]
}
searches=$(files_of search_limit)
mesons=$(files_of meson_decay)
darkcast=$(cd "$(dirname "$0")/../../.." && pwd)/shared/data/darkcast
mkdir -p "$work/limits"
export ZDSCAN_LIMITS_DIR=$work/limits
if [ -n "$searches" ]; then
  if [ ! -d "$darkcast" ]; then
    if [ -n "$mesons" ]; then
      echo "ok: $(basename "$config"): needs DarkCast's files and the meson tables; neither is here (the scan's" \
           "refusal is tested by the configs without meson decays)"
      exit 0
    fi
    expect_refusal $searches
    grep -q "ZDSCAN_LIMITS_DIR" "$work/err.txt"
    echo "ok: $(basename "$config"): without DarkCast's files the scan stops naming all $(echo $searches | wc -w) of them"
    exit 0
  fi
  for f in $searches; do ln -s "$darkcast/darkcast_$f" "$work/limits/$f"; done
fi
if [ -n "$mesons" ]; then
  expect_refusal $mesons
  for f in $mesons; do
    case "$f" in
      *.csv) printf 'mass_gev,br\n0.001,1e-10\n5.0,1e-10\n' > "$work/limits/$f" ;;
      *.yaml) printf 'independent_variables:\n- header: {name: M_X, units: GeV}\n  values:\n  - value: 0.001\n  - value: 5.0\ndependent_variables:\n- header: {name: BR}\n  values:\n  - value: 1e-10\n  - value: 1e-10\n' > "$work/limits/$f" ;;
    esac
  done
fi
"$zdscan" scan --config "$config" --n 16 --quiet --out "$work/scan.h5" > "$work/quiet.txt" 2>&1
[ ! -s "$work/quiet.txt" ] || { echo "--quiet printed: $(cat "$work/quiet.txt")" >&2; exit 1; }
"$zdscan" summary "$work/scan.h5" > "$work/summary.txt"
grep -q "refined (between grid points)" "$work/summary.txt"
"$zdscan" summary --json "$work/scan.h5" > "$work/summary.json"
python3 - "$config" "$work/summary.json" << 'PY'
import json, sys
config, summary = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
# A poisson0 meson_decay is two measurements of the scan: <name> and <name>_phase.
expected = []
for m in config["measurements"]:
    expected.append(m["name"])
    if m["kind"] == "meson_decay" and "exp" not in m and m.get("likelihood", "poisson0") == "poisson0":
        expected.append(m["name"] + "_phase")
assert [m["name"] for m in summary["measurements"]] == expected
for m in config["measurements"]:
    assert m.get("source"), f"{m['name']}: every shipped measurement cites its source"
# Projections are flagged in the file and the summary says the fit is a forecast.
projected = [m["name"] for m in config["measurements"] if m.get("projection") and m.get("enabled", True)]
by_name = {m["name"]: m for m in config["measurements"]}
assert [x["projection"] for x in summary["measurements"]] == \
    [bool(by_name.get(n, by_name.get(n[:-6], {})).get("projection")) for n in expected]
assert any("the fit includes projections (" + ", ".join(projected) + ")" in w for w in summary["warnings"]) \
    == bool(projected), summary["warnings"]
print("ok:", config["name"], [m["name"] for m in config["measurements"]])
PY
