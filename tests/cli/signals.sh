#!/usr/bin/env bash
# Signals during a scan: exit codes 128 + signal, the previous result untouched, no temporary file left.
# Usage: signals.sh ZDSCAN WORKDIR CASE
set -euo pipefail
zdscan=$1 work=$2 case=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL ($case): $*" >&2; exit 1; }
"$zdscan" scan --n 6 --quiet --out r.h5 > /dev/null 2>&1
before=$(cksum < r.h5)
# A scan of ~25 s on one thread: every signal lands mid-run.
long=(scan --n-m 2000 --n-eps 2000 --n-delta 500 --threads 1 --quiet --out r.h5)
wait_for_temporary() { for _ in $(seq 200); do ls -A | grep -q 'zdscan-tmp' && return; sleep 0.02; done; fail "no temporary"; }
finish() {  # finish PID EXPECTED_RC
  set +e; wait "$1"; local rc=$?; set -e
  [ "$rc" -eq "$2" ] || { cat err.txt >&2; fail "exit code $rc, expected $2"; }
}

case $case in
  sigterm_143 | sighup_129)
    sig=${case%_*}; sig=${sig#sig}; code=${case#*_}
    "$zdscan" "${long[@]}" > /dev/null 2> err.txt & pid=$!
    wait_for_temporary; kill -"${sig^^}" "$pid"; finish "$pid" "$code"
    grep -q "interrupted" err.txt || fail "message" ;;
  second_sigint)
    "$zdscan" "${long[@]}" > /dev/null 2> err.txt & pid=$!
    wait_for_temporary; kill -INT "$pid"; kill -INT "$pid"; finish "$pid" 130 ;;
  fatal_signal_cleans_up)
    # A crash (here: SIGSEGV sent from outside) still removes the temporary file and the lock.
    "$zdscan" "${long[@]}" > /dev/null 2> err.txt & pid=$!
    wait_for_temporary; kill -SEGV "$pid"; finish "$pid" 139
    [ ! -e .r.h5.zdscan-lock ] || fail "lock file left" ;;
  sigint_after_grid)
    # Stop the process as soon as the grid is done (SIGSTOP), queue SIGINT, let it go on: the stop request
    # arrives while the profiles and the file are being made and must still win over the rename.
    "$zdscan" scan --n-m 3000 --n-eps 3000 --n-delta 2 --out r.h5 > /dev/null 2> err.txt & pid=$!
    for _ in $(seq 1000); do grep -q "done:" err.txt && break; sleep 0.01; done
    kill -STOP "$pid"; kill -INT "$pid"; kill -CONT "$pid"; finish "$pid" 130
    grep -q "done:" err.txt || fail "the grid did not finish first" ;;
  sigint_latency_one_row)
    # One mass row of 10^9 points: the tiles split the row, so a stop takes effect within one small tile.
    "$zdscan" scan --n-m 2 --n-eps 10000 --n-delta 100000 --quiet --out r.h5 > /dev/null 2> err.txt & pid=$!
    wait_for_temporary; sleep 0.5
    start=$(date +%s%N); kill -INT "$pid"; finish "$pid" 130; end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    echo "stop latency: $ms ms"
    [ "$ms" -lt 3000 ] || fail "took $ms ms to stop" ;;
  *) fail "unknown case" ;;
esac
[ "$(cksum < r.h5)" = "$before" ] || fail "the previous result file was modified"
! ls -A | grep -q 'zdscan-tmp' || fail "temporary file left: $(ls -A)"
echo "ok ($case)"
