#!/usr/bin/env bash
# `zdscan apv --json --alternatives` is valid JSON with every step (value, sigma, unit, equation) and the budget.
set -euo pipefail
zdscan=$1
"$zdscan" apv --json --alternatives | python3 -c '
import json, sys
j = json.load(sys.stdin)
r = j["result"]
assert abs(r["qw"]["value"] + 72.94) < 0.02, r["qw"]
assert abs(r["qw"]["sigma"] - 0.43) < 0.02, r["qw"]
for step in ("hadronic_skin_cs_fm", "skin_point_cs_fm", "r_n_fm", "qw_without_skin", "skin_factor"):
    assert {"value", "sigma", "unit", "equation"} <= set(r[step]), step
assert abs(sum(b["sigma_qw"] ** 2 for b in r["budget"]) ** 0.5 - r["qw"]["sigma"]) < 1e-9
assert j["inputs"]["pb208_skin_point_fm"]["value"] == 0.283
assert len(j["alternatives"]) >= 5
print("ok")
'
