#!/usr/bin/env bash
# What `zdscan scan --out` may replace, and what happens around it (one case per call).
# Usage: output_safety.sh ZDSCAN WORKDIR CONFIG CASE
set -euo pipefail
zdscan=$1 work=$2 config=$3 case=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL ($case): $*" >&2; exit 1; }
# run EXPECTED_RC CMD...: stdout/stderr into out.txt/err.txt
run() {
  local want=$1; shift
  set +e; "$@" > out.txt 2> err.txt; local rc=$?; set -e
  [ "$rc" -eq "$want" ] || { cat err.txt >&2; fail "exit code $rc, expected $want: $*"; }
}
no_temporaries() { ! ls -A . | grep -q 'zdscan-tmp\.' || fail "temporary file left: $(ls -A)"; }
small=(scan --n 6 --quiet)

case $case in
  out_is_config)
    cp "$config" my.json; before=$(cksum < my.json)
    run 2 "$zdscan" "${small[@]}" --config my.json --out my.json --force
    grep -q -- "--out: my.json is the config file" err.txt || fail "message"
    [ "$(cksum < my.json)" = "$before" ] || fail "config modified" ;;
  text_file_kept)
    echo "my notes" > notes.txt
    run 2 "$zdscan" "${small[@]}" --out notes.txt
    grep -q "is not a zdscan result.*--force" err.txt || fail "message"
    [ "$(cat notes.txt)" = "my notes" ] || fail "file modified"
    run 0 "$zdscan" "${small[@]}" --out notes.txt --force
    "$zdscan" summary notes.txt > /dev/null || fail "--force did not write a result" ;;
  previous_result_replaced)
    run 0 "$zdscan" scan --n 5 --quiet --out r.h5
    run 0 "$zdscan" "${small[@]}" --out r.h5
    "$zdscan" summary r.h5 | grep -q "grid 6 x 6 x 6" || fail "not replaced" ;;
  symlink_kept)
    run 0 "$zdscan" "${small[@]}" --out real.h5
    ln -s real.h5 link.h5
    run 2 "$zdscan" "${small[@]}" --out link.h5 --force
    grep -q "symbolic link" err.txt || fail "message"
    [ -L link.h5 ] || fail "the link was replaced" ;;
  device_refused)
    run 2 "$zdscan" "${small[@]}" --out /dev/null --force
    grep -q "not a regular file" err.txt || fail "message"
    [ -c /dev/null ] || fail "/dev/null is no longer a device" ;;
  directory_before_work)
    mkdir adir
    # 768^3 would take minutes: the refusal must come first.
    run 2 "$zdscan" scan --n 768 --out adir
    grep -q -- "--out: adir is a directory" err.txt || fail "message"
    ! grep -q "points/s" err.txt || fail "the scan ran before the check"
    run 2 "$zdscan" scan --n 768 --out missing/x.h5
    grep -q "No such file or directory" err.txt || fail "no errno text" ;;
  name_sanitised)
    python3 - "$config" > escaped.json << 'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["name"] = "../escaped"; print(json.dumps(c))
PY
    mkdir sub && cd sub
    run 0 "$zdscan" "${small[@]}" --config ../escaped.json
    [ -f _escaped.h5 ] || fail "expected sub/_escaped.h5: $(ls -A)"
    [ ! -e ../escaped.h5 ] || fail "wrote outside the working directory"
    sed 's/"name": "..\/escaped"/"name": ""/' ../escaped.json > ../empty.json
    run 0 "$zdscan" "${small[@]}" --config ../empty.json
    [ -f zdscan.h5 ] || fail "expected zdscan.h5 for an empty name: $(ls -A)"
    ! ls -A | grep -q '^\.h5$' || fail "hidden .h5 written" ;;
  stdout_full)
    run 0 "$zdscan" "${small[@]}" --out r.h5
    set +e; "$zdscan" summary r.h5 > /dev/full 2> err.txt; rc=$?; set -e
    [ "$rc" -eq 1 ] || fail "exit code $rc"
    grep -q "writing to standard output: No space left on device" err.txt || fail "message"
    set +e; "$zdscan" config > /dev/full 2> err.txt; rc=$?; set -e
    [ "$rc" -eq 1 ] || fail "config: exit code $rc" ;;
  concurrent_writer_refused)
    run 0 "$zdscan" "${small[@]}" --out r.h5
    before=$(cksum < r.h5)
    "$zdscan" scan --n-m 2000 --n-eps 2000 --n-delta 500 --threads 1 --quiet --out r.h5 > /dev/null 2> first.txt &
    pid=$!
    for _ in $(seq 100); do ls -A | grep -q 'zdscan-tmp' && break; sleep 0.05; done
    run 1 "$zdscan" "${small[@]}" --out r.h5
    grep -q "another zdscan run (pid $pid" err.txt || { cat err.txt >&2; fail "message"; }
    kill -INT "$pid"; wait "$pid" || true
    [ "$(cksum < r.h5)" = "$before" ] || fail "the result changed"
    no_temporaries
    [ ! -e .r.h5.zdscan-lock ] || fail "lock file left" ;;
  stale_after_kill9)
    "$zdscan" scan --n-m 2000 --n-eps 2000 --n-delta 500 --threads 1 --quiet --out r.h5 > /dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do ls -A | grep -q 'zdscan-tmp' && break; sleep 0.05; done
    kill -KILL "$pid"; wait "$pid" || true
    ls -A | grep -q "zdscan-tmp.*\.$pid\$" || fail "kill -9 left no temporary (cannot test)"
    run 0 "$zdscan" "${small[@]}" --out r.h5
    grep -q "removed .*zdscan-tmp.*pid $pid" err.txt || { cat err.txt >&2; fail "not reported"; }
    no_temporaries ;;
  empty_out_refused)
    run 2 "$zdscan" "${small[@]}" --out ""
    grep -q -- "--out: empty value" err.txt || fail "message"
    [ -z "$(ls -A | grep -v -e out.txt -e err.txt)" ] || fail "wrote $(ls -A)" ;;
  *) fail "unknown case" ;;
esac
no_temporaries
echo "ok ($case)"
