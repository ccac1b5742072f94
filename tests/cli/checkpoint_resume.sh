#!/usr/bin/env bash
# Checkpoint and resume in one process: kill -9 and SIGTERM at a random tile (the ZDSCAN_FAULT test hook), then
# --resume gives a file identical to an uninterrupted run; mismatched runs are refused naming the difference; a
# stale checkpoint is reported and replaced; nothing stays behind after success.
# Usage: checkpoint_resume.sh ZDSCAN PYTHON COMPARE_PY WORKDIR
set -euo pipefail
zdscan=$1 python=$2 compare=$3 work=$4
rm -rf "$work" && mkdir -p "$work/run" && cd "$work/run"  # errors go to ../err.txt
args=(--n-m 24 --n-eps 20 --n-delta 18 --full-grid --tile-masses 2 --delta-slices 0,0.001 --quiet)
"$zdscan" scan "${args[@]}" --out ref.h5 > /dev/null 2>&1
fail() { echo "FAIL: $*" >&2; exit 1; }
only_result() { [ "$(ls -A | grep -v '^ref.h5$' | sort | tr '\n' ' ')" = "$1 " ] || fail "left behind: $(ls -A)"; }

for fault in kill term; do
  k=$((RANDOM % 10 + 1))
  set +e
  ZDSCAN_FAULT=$fault ZDSCAN_FAULT_AFTER_TILES=$k "$zdscan" scan "${args[@]}" --checkpoint-interval 0 --out x.h5 \
    > /dev/null 2> ../err.txt
  rc=$?
  set -e
  expected=$([ $fault = kill ] && echo 137 || echo 143)
  [ $rc -eq "$expected" ] || fail "$fault after $k tiles: exit $rc, expected $expected"
  [ ! -e x.h5 ] || fail "$fault: a result file exists"
  [ -s .x.h5.zdscan-checkpoint/manifest.json ] || fail "$fault: no checkpoint"
  if [ $fault = term ]; then grep -q "checkpoint kept: $k of 12 tiles" ../err.txt || fail "term: $(cat ../err.txt)"; fi
  "$zdscan" scan "${args[@]}" --resume --out x.h5 > /dev/null 2> ../err.txt
  grep -q "resumed: $k of 12 tiles" ../err.txt || fail "$fault: $(cat ../err.txt)"
  "$python" "$compare" ref.h5 x.h5 || fail "$fault after $k tiles: the resumed file differs"
  # Provenance: resumed, with the tiles restored and the wall time of both runs.
  "$python" -c "
import h5py, sys
a = h5py.File('x.h5', 'r').attrs
assert a['resumed'] == 1 and a['tiles_restored'] == $k, dict(a)
assert a['wall_time_s'] >= a['wall_time_this_run_s'] > 0, (a['wall_time_s'], a['wall_time_this_run_s'])
assert '/' not in a['command_line'].split()[0], a['command_line']" || fail "$fault: provenance of the resumed run"
  only_result x.h5
  rm x.h5
done

# The device path (CUDA's host code over the emulated device): two tiles in flight, so the kill also drops the tile
# started after the k-th; the resume computes it again and the file is the uninterrupted run's.
"$zdscan" scan "${args[@]}" --backend cuda-emulated --out ref_device.h5 > /dev/null 2>&1
k=$((RANDOM % 10 + 1))
set +e
ZDSCAN_FAULT=kill ZDSCAN_FAULT_AFTER_TILES=$k "$zdscan" scan "${args[@]}" --backend cuda-emulated --checkpoint-interval 0 \
  --out x.h5 > /dev/null 2> ../err.txt
rc=$?
set -e
[ $rc -eq 137 ] || fail "cuda-emulated, kill after $k tiles: exit $rc"
"$zdscan" scan "${args[@]}" --backend cuda-emulated --resume --out x.h5 > /dev/null 2> ../err.txt
grep -q "resumed: $k of 12 tiles" ../err.txt || fail "cuda-emulated: $(cat ../err.txt)"
"$python" "$compare" ref_device.h5 x.h5 || fail "cuda-emulated, kill after $k tiles: the resumed file differs"
rm x.h5
# A device fault (issue 30: a walk launched with no blocks, which the runtime refuses) ends the scan with that one
# error and exit 1, not a crash; nothing at --out, the tiles before it kept, and the resumed file is the same.
set +e
ZDSCAN_FAULT=device ZDSCAN_FAULT_AFTER_TILES=4 "$zdscan" scan "${args[@]}" --backend cuda-emulated \
  --checkpoint-interval 0 --out x.h5 > /dev/null 2> ../err.txt
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "error: CUDA error in walk_kernel launch: invalid configuration argument" ../err.txt ||
  fail "planted device fault: exit $rc: $(cat ../err.txt)"
[ "$(grep -c "error" ../err.txt)" -eq 1 ] || fail "planted device fault: more than one error: $(cat ../err.txt)"
[ ! -e x.h5 ] || fail "planted device fault: x.h5 written"
"$zdscan" scan "${args[@]}" --backend cuda-emulated --resume --out x.h5 > /dev/null 2> ../err.txt
grep -q "resumed: [1-9][0-9]* of 12 tiles" ../err.txt || fail "after the device fault: $(cat ../err.txt)"
"$python" "$compare" ref_device.h5 x.h5 || fail "after the device fault: the resumed file differs"
rm x.h5 ref_device.h5

# Refused: another config, another delta profile, another tile plan; and --resume with no checkpoint.
set +e
ZDSCAN_FAULT=kill ZDSCAN_FAULT_AFTER_TILES=3 "$zdscan" scan "${args[@]}" --checkpoint-interval 0 --out x.h5 \
  > /dev/null 2>&1
expect_refusal() {
  local what=$1; shift
  "$zdscan" scan "$@" --resume --out x.h5 > /dev/null 2> ../err.txt; local rc=$?
  [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2"
  grep -q -- "$what" ../err.txt || fail "$what not named: $(cat ../err.txt)"
}
expect_refusal "grid.epsilon.n: 20 vs 21" --n-m 24 --n-eps 21 --n-delta 18 --full-grid --tile-masses 2 --quiet
expect_refusal "another --delta-profile" "${args[@]}" --delta-profile grid
expect_refusal "tile plan" --n-m 24 --n-eps 20 --n-delta 18 --full-grid --tile-masses 3 --delta-slices 0,0.001 --quiet
"$zdscan" scan "${args[@]}" --resume --out other.h5 > /dev/null 2> ../err.txt; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "no checkpoint to resume" ../err.txt || fail "--resume without a checkpoint: $rc $(cat ../err.txt)"
[ -s .x.h5.zdscan-checkpoint/manifest.json ] || fail "a refused resume must keep the checkpoint"

# Stale: a run without --resume says so, starts over, and removes the checkpoint when it succeeds.
"$zdscan" scan "${args[@]}" --out x.h5 > /dev/null 2> ../err.txt
grep -q "a checkpoint of an earlier run exists (3 of 12 tiles" ../err.txt || fail "stale checkpoint not listed: $(cat ../err.txt)"
"$python" "$compare" ref.h5 x.h5 || fail "the fresh run differs"
only_result x.h5
echo ok
