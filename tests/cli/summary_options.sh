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

# Goodness of fit and the SM comparison, against closed forms from the config's numbers: every SM pull is
# (exp - sm)/sqrt(exp_sigma^2 + sm_sigma^2); p-values of chi2 with 1 and 3 dof in closed form.
"$zdscan" summary --json "$work/fine.h5" > "$work/fine.json"
python3 - "$work/fine.json" "$(dirname "$0")/../../configs/paper2021.json" << 'PY'
import json, math, sys
j = json.load(open(sys.argv[1]))
cfg = json.load(open(sys.argv[2]))
pulls = {m["name"]: (m["exp"] - m["sm"]) / math.hypot(m["exp_sigma"], m["sm_sigma"]) for m in cfg["measurements"]}
sm = sum(p * p for p in pulls.values())
assert abs(j["sm"]["chi2"] - sm) < 1e-8 * sm, (j["sm"]["chi2"], sm)
for name, p in pulls.items():
    assert abs(j["pulls"][name]["sm"] - p) < 1e-8 * abs(p), (name, j["pulls"][name], p)
    assert abs(j["sm"]["terms"][name] - p * p) < 1e-8 * p * p, name
refined = j["refined"]["chi2"]
assert abs(sum(v["best_fit"] ** 2 for v in j["pulls"].values()) - refined) < 1e-10
g = j["goodness_of_fit"]
assert (g["n_measurements"], g["n_parameters"], g["ndf"]) == (4, 3, 1), g
assert abs(g["p_value"] - math.erfc(math.sqrt(refined / 2))) < 1e-12, g
d = sm - refined
assert abs(j["sm"]["delta_chi2"] - d) < 1e-8 * d
q3 = math.erfc(math.sqrt(d / 2)) + math.sqrt(2 * d / math.pi) * math.exp(-d / 2)
assert j["sm"]["dof"] == 3 and abs(j["sm"]["p_value"] / q3 - 1) < 1e-10, (j["sm"], q3)
z = j["sm"]["significance_sigma"]
assert abs(math.erfc(z / math.sqrt(2)) / q3 - 1) < 1e-9 and 3.8 < z < 3.95, z
assert any("upper m_Zd edge (m_Zd = 1000 MeV)" in w for w in j["warnings"]), j["warnings"]
assert any("interval of delta reaches the grid's lower edge" in w for w in j["warnings"]), j["warnings"]
# 64³ does not resolve the m_Zd interval's upper end (98.1 on the grid): the end refined between grid points is
# 108.0 (the paper: 47 + 61), and the summary says how far off the grid's is.
r = j["intervals"]["m_zd_mev"]["refined"]
assert abs(r["lower"] - 31.57) < 0.02 and abs(r["upper"] - 107.99) < 0.05, r
e = j["intervals"]["epsilon"]["refined"]
assert abs(e["lower"] - 1.826e-3) < 2e-6 and abs(e["upper"] - 3.332e-3) < 3e-6, e
grid_upper = j["intervals"]["m_zd_mev"]["upper"]
assert any(w.startswith("the m_Zd interval's upper end on the grid (%.4g MeV) is %.1f%% from its value between"
                        % (grid_upper, 100 * abs(grid_upper / r["upper"] - 1))) for w in j["warnings"]), j["warnings"]
PY
"$zdscan" summary --json --cl 90 "$work/fine.h5" | python3 -c "
import json, sys; j = json.load(sys.stdin)
assert 'refined' not in j['intervals']['m_zd_mev'] and not any('grid does not resolve' in w for w in j['warnings'])"
"$zdscan" summary "$work/fine.h5" > "$work/fine.txt"
grep -q "^goodness of fit: chi2_min = .* for 4 measurements - 3 parameters = 1 dof: p = " "$work/fine.txt"
grep -q "^SM (epsilon = delta = 0): chi2 = 20.95; delta chi2 = chi2_SM - chi2_min = 20.9. for 3 dof" "$work/fine.txt"
grep -q "^  a_mu  *[-+]0\.[0-9]*  *+4\.225$" "$work/fine.txt"

# A file from before the SM attributes: the summary says so instead of inventing them.
cp "$work/fine.h5" "$work/old.h5"
python3 -c "
import h5py, sys
with h5py.File(sys.argv[1], 'r+') as f:
    for k in [k for k in f['bestfit'].attrs if k.startswith(('sm_', 'pull_'))]:
        del f['bestfit'].attrs[k]" "$work/old.h5"
"$zdscan" summary "$work/old.h5" | grep -q "^SM (epsilon = delta = 0): not in this file"
"$zdscan" summary --json "$work/old.h5" | python3 -c "import json, sys; j = json.load(sys.stdin); assert j['sm'] is None and j['pulls'] is None"

# A best fit on the box's edge is said to be the box's: m_Zd up to 40 MeV puts the minimum at 40 MeV.
python3 - "$(dirname "$0")/../../configs/paper2021.json" "$work/edge.json" << 'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["grid"] = {"m_zd_mev": {"min": 5, "max": 40, "n": 48, "scale": "log"},
             "epsilon": {"min": 1e-4, "max": 0.1, "n": 48, "scale": "log"},
             "delta": {"min": 0, "max": 0.01, "n": 16, "scale": "linear"}}
json.dump(c, open(sys.argv[2], "w"))
PY
"$zdscan" scan --config "$work/edge.json" --quiet --out "$work/edge.h5" > /dev/null
"$zdscan" summary "$work/edge.h5" > "$work/edge.txt"
grep -q "^  m_Zd \[MeV\] = 40 at the grid's upper edge (a bound of the box, not a measurement)" "$work/edge.txt"
grep -q "^warning: the best fit lies on the grid's upper m_Zd edge (m_Zd = 40 MeV): it is where the box ends" \
  "$work/edge.txt"
echo ok
