#!/usr/bin/env bash
# `zdscan coverage` end to end: /coverage in a copy of the result; the same numbers for 1 and 2 threads, for a run
# killed after two batches and resumed, and (with MPI) for 2 ranks; bad options exit 2 naming the option; the input
# and a file that is not zdscan's are never replaced.
# Usage: coverage.sh ZDSCAN PYTHON WORKDIR [MPIEXEC]
set -euo pipefail
zdscan=$1 python=$2 work=$3 mpiexec=${4:-}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
same() {  # every /coverage dataset of $1 and $2 equal (NaN where NaN)
  "$python" - "$1" "$2" <<'PY' || fail "$1 and $2 differ"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["coverage"] for p in sys.argv[1:])
names = []
a.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
assert names and sorted(names) == sorted(n for n in names if n in b), names
for k in names:  # every dataset, the 1-D intervals' included
    x, y = a[k][()], b[k][()]
    ok = np.array_equal(x, y) if x.dtype.kind in "OS" else np.array_equal(x, y, equal_nan=True)
    assert ok, k
for k in ("toys", "seed", "tested_cells", "points"):
    assert a.attrs[k] == b.attrs[k], k
PY
}
"$zdscan" scan --n-m 30 --n-eps 30 --n-delta 8 --out r.h5 --quiet
sum_before=$(sha256sum r.h5)
args=(--toys 40 --seed 5 --quiet)
"$zdscan" coverage r.h5 "${args[@]}" --threads 1 --out a.h5
"$zdscan" coverage r.h5 "${args[@]}" --threads 2 --out b.h5
same a.h5 b.h5
"$python" - <<'PY' || fail "a.h5 is not a result with /coverage"
import h5py, numpy as np
f = h5py.File("a.h5", "r")
g = f["coverage"]
assert "profile" in f and "bestfit" in f  # the scan's groups are kept
assert int(g.attrs["tested_cells"]) > 10 and int(g.attrs["toys"]) == 40
tested = g["tested"][()] == 1
for s in ("68p27", "90", "95"):
    crit = g["dchi2_crit_" + s][()]
    assert np.all(np.isfinite(crit[tested])) and np.all(np.isnan(crit[~tested]))
    assert np.all((g["wilks_coverage_" + s][()][tested] >= 0) & (g["wilks_coverage_" + s][()][tested] <= 1))
    region = g["fc_region_" + s][()]
    assert np.array_equal(region[tested], (g["dchi2"][()] <= crit)[tested])
assert g["dchi2_crit_68p27"].attrs["units"] == "1" and g["dchi2_crit_68p27"].attrs["long_name"]
for axis, n in (("m_zd_mev", 30), ("epsilon", 30)):  # the 1-D intervals by toys
    i = g["interval_" + axis]
    assert i["dchi2"].shape == (n,) and i["tested"][()].sum() > 0
    t = i["tested"][()] == 1
    assert np.all(np.isfinite(i["dchi2_crit_68p27"][()][t])) and np.all(np.isnan(i["dchi2_crit_68p27"][()][~t]))
    assert abs(i.attrs["wilks_dchi2_68p27"] - 1.0) < 1e-9
PY
"$zdscan" summary a.h5 > summary.txt || fail "summary of the coverage file"
grep -q "^Feldman-Cousins (zdscan coverage: 40 toys" summary.txt || fail "summary: $(cat summary.txt)"
grep -q "^  1-D at 68.27% (one parameter, the others profiled): m_Zd \[MeV\] FC \[" summary.txt ||
  fail "summary without the 1-D intervals: $(cat summary.txt)"
grep -q "nan\|inf" summary.txt && fail "summary prints nan or inf: $(cat summary.txt)"
"$zdscan" summary a.h5 --json | "$python" -c "import json, sys; assert json.load(sys.stdin)['feldman_cousins']['toys'] == 40" ||
  fail "summary --json: no feldman_cousins"

# Killed after two batches (checkpoint saved after every batch): no output; --resume gives the same numbers.
set +e
ZDSCAN_FAULT=kill ZDSCAN_FAULT_AFTER_TILES=2 "$zdscan" coverage r.h5 "${args[@]}" --checkpoint-interval 0 --out c.h5 2> err.txt
rc=$?
set -e
[ $rc -ne 0 ] || fail "the killed run exited 0"
[ ! -e c.h5 ] || fail "the killed run left c.h5"
"$zdscan" coverage r.h5 --toys 40 --seed 5 --resume --out c.h5 2> err.txt > /dev/null
grep -q "resumed: 2 of" err.txt || fail "resume: $(cat err.txt)"
same a.h5 c.h5
# A resume with another seed is refused, naming the difference.
ZDSCAN_FAULT=kill ZDSCAN_FAULT_AFTER_TILES=1 "$zdscan" coverage r.h5 "${args[@]}" --checkpoint-interval 0 --out d.h5 2> /dev/null || true
set +e
"$zdscan" coverage r.h5 --toys 40 --seed 6 --resume --quiet --out d.h5 2> err.txt
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "config" err.txt || fail "resume with another seed: exit $rc: $(cat err.txt)"
[ -d .d.h5.zdscan-checkpoint ] || fail "the refused resume removed the earlier run's checkpoint"
rm -rf .d.h5.zdscan-checkpoint

# --max-minutes: a run stops at its budget with exit 75 and keeps its batches; each run does at least one, so a chain
# of resumed runs ends, with the same numbers as one run.
set +e
"$zdscan" coverage r.h5 "${args[@]}" --checkpoint-interval 0 --max-minutes 1e-9 --out e.h5 2> err.txt
rc=$?
set -e
[ $rc -eq 75 ] && grep -q "stopped after --max-minutes 1e-09: 1 of .* --resume" err.txt ||
  fail "--max-minutes: exit $rc: $(cat err.txt)"
[ -d .e.h5.zdscan-checkpoint ] && [ ! -e e.h5 ] || fail "--max-minutes left no checkpoint, or an output"
for run in $(seq 1 100); do
  set +e
  "$zdscan" coverage r.h5 "${args[@]}" --checkpoint-interval 0 --max-minutes 1e-9 --resume --out e.h5 2> err.txt
  rc=$?
  set -e
  [ $rc -eq 0 ] && break
  [ $rc -eq 75 ] || fail "--max-minutes --resume: exit $rc: $(cat err.txt)"
done
[ $rc -eq 0 ] && [ "$run" -gt 1 ] || fail "--max-minutes: the chain of resumed runs did not end ($run runs)"
same a.h5 e.h5

if [ -n "$mpiexec" ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  for n in 2 3; do
    timeout 120 "$mpiexec" --oversubscribe -n $n "$zdscan" coverage r.h5 "${args[@]}" --out m$n.h5 2> err.txt ||
      fail "mpi -n $n: $(cat err.txt)"
    same a.h5 m$n.h5
  done
fi

# Bad input: exit 2, the option named; the input and a user's file untouched.
expect2() {
  local regex=$1; shift
  set +e
  "$zdscan" coverage "$@" > /dev/null 2> err.txt
  local rc=$?
  set -e
  [ $rc -eq 2 ] && grep -Eq -- "$regex" err.txt || fail "coverage $*: exit $rc, stderr: $(cat err.txt)"
}
expect2 "--toys: must be an integer between 10" r.h5 --toys 5
expect2 "--cl: each level must be a percentage" r.h5 --cl 68,100
expect2 "--cl: a level is given twice" r.h5 --cl 90,90
expect2 "--band: must be LOW,HIGH" r.h5 --band 2,1
expect2 "--seed: must be an integer" r.h5 --seed -1
expect2 "--max-minutes: must be a number of minutes above 0" r.h5 --max-minutes 0
expect2 "--max-minutes: needs the checkpoint" r.h5 --max-minutes 5 --no-checkpoint
expect2 "--max-minutes: must be a number of minutes above 0" r.h5 --max-minutes nan
# The benchmarks' and tests' environment switches are bad input too, named.
ZDSCAN_TOY_WALK=fast expect2 'ZDSCAN_TOY_WALK: must be bounds \(the default\) or triangle \(got "fast"\)' r.h5
ZDSCAN_EMULATED_LANES=sideways expect2 'ZDSCAN_EMULATED_LANES: must be ascending, descending, random or random:SEED' \
  r.h5 --backend cuda-emulated
expect2 "--points: no_such_file.txt: No such file or directory" r.h5 --points no_such_file.txt
printf '# m_zd_mev epsilon\n50 2e-3\n1e9 2e-3\n' > points.txt
expect2 "--points: points.txt line 3: the point lies outside" r.h5 --points points.txt
expect2 "--out" r.h5 --out r.h5
echo "a user's notes" > notes.txt
expect2 "--out" r.h5 --out notes.txt
grep -q "a user's notes" notes.txt || fail "notes.txt changed"
expect2 "not a zdscan result|not HDF5" notes.txt
[ "$(sha256sum r.h5)" = "$sum_before" ] || fail "the input changed"
# A points file of one point tests the cell nearest to it.
printf '50, 2e-3\n' > one.txt
"$zdscan" coverage r.h5 --toys 20 --points one.txt --quiet --out p.h5
"$python" -c "import h5py; g = h5py.File('p.h5')['coverage']; assert g['tested'][()].sum() == 1" || fail "one point"
ls -a | grep -q zdscan-checkpoint && fail "a checkpoint was left behind: $(ls -a)"
echo "coverage: ok"
