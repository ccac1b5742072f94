#!/usr/bin/env bash
# zdscan summary: --cl levels, --json, the coarse-grid warning, and a bad --cl.
# Usage: summary_options.sh ZDSCAN WORKDIR
set -euo pipefail
zdscan=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
"$zdscan" scan --n 10 --quiet --out "$work/coarse.h5" > /dev/null
"$zdscan" summary "$work/coarse.h5" > "$work/s68.txt"
grep -q "68.27% CL (1 sigma) intervals (delta chi2 = 1," "$work/s68.txt"
grep -q "warning: the .* axis is too coarse to resolve its interval" "$work/s68.txt"
"$zdscan" summary --cl 90 "$work/coarse.h5" > "$work/s90.txt"
grep -q "90% CL intervals (delta chi2 = 2.706" "$work/s90.txt"
"$zdscan" summary --cl dchi2=4 "$work/coarse.h5" > "$work/s4.txt"
grep -q "(delta chi2 = 4," "$work/s4.txt"
"$zdscan" summary --json --cl 95 "$work/coarse.h5" > "$work/s.json"
python3 - "$work/s.json" << 'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert abs(j["level"]["delta_chi2"] - 3.841458820694124) < 1e-12
m = j["intervals"]["m_zd_mev"]
assert m["lower"] <= m["centre"] <= m["upper"], m
assert j["refined"]["chi2"] <= j["best_grid_point"]["chi2"]
assert [x["name"] for x in j["measurements"]] == ["qweak", "apv_cs", "a_mu", "a_e"]
assert any("too coarse" in w for w in j["warnings"]), j["warnings"]
PY
# One CL rule everywhere: (0, 1) a fraction, (1, 100) a percent; the label is always a percent. Δχ² for one
# parameter: 80 % -> 1.642 (chi2 quantile), 0.95 -> 3.841, 68.27 -> 1.000.
"$zdscan" summary --cl 80 "$work/coarse.h5" | grep -q "^80% CL intervals (delta chi2 = 1.642,"
"$zdscan" summary --cl 0.95 "$work/coarse.h5" | grep -q "^95% CL intervals (delta chi2 = 3.841,"
"$zdscan" summary --cl 68.27 "$work/coarse.h5" | grep -q "^68.27% CL intervals (delta chi2 = 1,"
for bad in 1 100 0 -5 abc 95% dchi2=0; do
  set +e; "$zdscan" summary --cl "$bad" "$work/coarse.h5" 2> "$work/err.txt"; rc=$?; set -e
  [ "$rc" -eq 2 ] && grep -q -- "--cl: must be a percent in (1, 100), a fraction in (0, 1)" "$work/err.txt"
done
"$zdscan" scan --n 64 --quiet --out "$work/fine.h5" > /dev/null
! "$zdscan" summary "$work/fine.h5" | grep -q "too coarse"
echo ok
