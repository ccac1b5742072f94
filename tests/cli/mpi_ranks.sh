#!/usr/bin/env bash
# MPI ranks over tiles (OpenMPI): -n 1, 2 and 3 give a file identical to the serial run (and -n 3 the same /posterior
# bits); a rank killed with -9 at a
# random tile leaves a checkpoint that -n 2 resumes to the same file; a rank's error ends the job with its message,
# exit 1 and no file, without hanging (timeout); SIGTERM on rank 0 keeps the checkpoint and exits 143.
# Usage: mpi_ranks.sh ZDSCAN MPIEXEC PYTHON COMPARE_PY WORKDIR
set -euo pipefail
zdscan=$1 mpiexec=$2 python=$3 compare=$4 work=$5
rm -rf "$work" && mkdir -p "$work/run" && cd "$work/run"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpirun() { timeout 120 "$mpiexec" --oversubscribe "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
args=(--n-m 26 --n-eps 20 --n-delta 18 --full-grid --tile-masses 2 --delta-slices 0,0.001 --quiet)
"$zdscan" scan "${args[@]}" --out ../serial.h5 > /dev/null 2>&1

for n in 1 2 3; do
  mpirun -n $n "$zdscan" scan "${args[@]}" --out r$n.h5 > /dev/null 2> ../err.txt || fail "-n $n: $(cat ../err.txt)"
  "$python" "$compare" ../serial.h5 r$n.h5 || fail "-n $n differs from the serial run"
done
# Tile records sent in chunks (MPI counts are int; a record can exceed 2 GiB): 1000-byte chunks here, so that every
# record of this scan (~6 kB with --full-grid) goes through the chunked path; the file is the same.
ZDSCAN_MPI_MAX_CHUNK_BYTES=1000 mpirun -n 3 "$zdscan" scan "${args[@]}" --out chunked.h5 > /dev/null 2> ../err.txt ||
  fail "chunked: $(cat ../err.txt)"
"$python" "$compare" ../serial.h5 chunked.h5 || fail "records sent in chunks give another file"
rm r1.h5 r2.h5 r3.h5 chunked.h5
# The posterior over ranks: the same bits as the serial run (its delta marginal is summed in a fixed order).
"$zdscan" scan --n 24 --tile-masses 2 --posterior --quiet --out ../post_serial.h5 > /dev/null 2>&1
mpirun -n 3 "$zdscan" scan --n 24 --tile-masses 2 --posterior --quiet --out post3.h5 > /dev/null 2> ../err.txt ||
  fail "posterior -n 3: $(cat ../err.txt)"
"$python" - ../post_serial.h5 post3.h5 << 'PY' || fail "-n 3 gives another /posterior than the serial run"
import sys, h5py
a, b = (h5py.File(p, "r")["posterior"] for p in sys.argv[1:])
for k in a:
    if isinstance(a[k], h5py.Dataset):
        assert a[k][...].tobytes() == b[k][...].tobytes(), k
for k in a.attrs:
    assert str(a.attrs[k]) == str(b.attrs[k]), k
PY
rm post3.h5

k=$((RANDOM % 5 + 1))
set +e
ZDSCAN_FAULT=kill ZDSCAN_FAULT_AFTER_TILES=$k ZDSCAN_FAULT_RANK=1 mpirun -n 2 "$zdscan" scan "${args[@]}" \
  --checkpoint-interval 0 --out x.h5 > /dev/null 2> ../err.txt
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "rank 1 killed after $k tiles: exit $rc"
[ ! -e x.h5 ] || fail "kill: a result file exists"
mpirun -n 2 "$zdscan" scan "${args[@]}" --resume --out x.h5 > /dev/null 2> ../err.txt || fail "resume: $(cat ../err.txt)"
grep -q "resumed: " ../err.txt || fail "resume: $(cat ../err.txt)"
"$python" "$compare" ../serial.h5 x.h5 || fail "-n 2 resumed after rank 1 was killed differs from the serial run"
rm x.h5

set +e
ZDSCAN_FAULT=throw ZDSCAN_FAULT_AFTER_TILES=1 ZDSCAN_FAULT_RANK=2 mpirun -n 3 "$zdscan" scan "${args[@]}" \
  --no-checkpoint --out y.h5 > /dev/null 2> ../err.txt
rc=$?
set -e
[ $rc -eq 1 ] || fail "rank 2 error: exit $rc (124: it hung)"
grep -q "zdscan: error: rank 2: injected fault" ../err.txt || fail "rank 2 error not reported: $(cat ../err.txt)"
[ ! -e y.h5 ] || fail "a rank's error left a result file"

# Failures before any tile: rank 0 refuses its output while the workers wait for the tile list; a worker fails
# before its first tile. Both end the job (no MPI_Abort, no hang) with rank 0's code.
echo "a user's notes" > notes.txt
set +e
mpirun -n 3 "$zdscan" scan "${args[@]}" --no-checkpoint --out notes.txt > /dev/null 2> ../err.txt
rc=$?
set -e
[ $rc -eq 2 ] || fail "rank 0 refusing --out: exit $rc (124: it hung): $(cat ../err.txt)"
grep -q "a user's notes" notes.txt || fail "the refused --out changed"
set +e
ZDSCAN_FAULT=throw ZDSCAN_FAULT_AFTER_TILES=0 ZDSCAN_FAULT_RANK=1 mpirun -n 2 "$zdscan" scan "${args[@]}" \
  --no-checkpoint --out y.h5 > /dev/null 2> ../err.txt
rc=$?
set -e
[ $rc -eq 1 ] || fail "rank 1 failing before its first tile: exit $rc (124: it hung): $(cat ../err.txt)"
grep -q "zdscan: error: rank 1: injected fault" ../err.txt || fail "early rank 1 error not reported: $(cat ../err.txt)"
[ ! -e y.h5 ] || fail "an early rank error left a result file"

set +e
ZDSCAN_FAULT=term ZDSCAN_FAULT_AFTER_TILES=2 ZDSCAN_FAULT_RANK=0 mpirun -n 2 "$zdscan" scan "${args[@]}" \
  --checkpoint-interval 0 --out z.h5 > /dev/null 2> ../err.txt
rc=$?
set -e
[ $rc -eq 143 ] || fail "SIGTERM on rank 0: exit $rc"
grep -q "checkpoint kept" ../err.txt || fail "SIGTERM: $(cat ../err.txt)"
mpirun -n 3 "$zdscan" scan "${args[@]}" --resume --out z.h5 > /dev/null 2> ../err.txt || fail "resume: $(cat ../err.txt)"
"$python" "$compare" ../serial.h5 z.h5 || fail "resumed with 3 ranks after SIGTERM differs"
echo ok
