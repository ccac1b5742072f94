#!/usr/bin/env bash
# SIGINT during a scan: exit code 130, the good file already at the target untouched, no temporary left.
# The interrupted scan is sized to need ~25 s on one thread, so the signal always lands mid-run.
# Usage: interrupt.sh ZDSCAN WORKDIR
set -euo pipefail
zdscan=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
"$zdscan" scan --n 8 --quiet --out "$work/result.h5" > /dev/null
before=$(cksum < "$work/result.h5")
"$zdscan" scan --n-m 2000 --n-eps 2000 --n-delta 500 --threads 1 --quiet --out "$work/result.h5" > /dev/null 2> "$work/err" &
pid=$!
sleep 1
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" -eq 130 ] || { echo "exit code $rc, expected 130" >&2; cat "$work/err" >&2; exit 1; }
grep -q "interrupted" "$work/err"
[ "$(cksum < "$work/result.h5")" = "$before" ] || { echo "the previous result file was modified" >&2; exit 1; }
if ls -A "$work" | grep -q 'zdscan-tmp\.'; then echo "temporary file left" >&2; exit 1; fi
echo "ok"
