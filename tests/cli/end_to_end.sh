#!/usr/bin/env bash
# End to end through the executable: a small scan (with the full grid) and `summary` on its file.
# Usage: end_to_end.sh ZDSCAN WORKDIR
set -euo pipefail
zdscan=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
"$zdscan" scan --n 40 --full-grid --threads 2 --out "$work/scan.h5" > "$work/scan.txt" 2> "$work/scan.log"
grep -q "best fit (grid point)" "$work/scan.txt"
grep -q "done: 64000 points" "$work/scan.log"
"$zdscan" summary "$work/scan.h5" > "$work/summary.txt"
diff "$work/scan.txt" "$work/summary.txt"
grep -Eq "m_Zd \[MeV\] = [0-9.]+ \(\+" "$work/summary.txt"
# Both δ profiles: the best fit of the exact one (default) is never above the grid one's (the file's attribute
# /profile@delta_profile is checked by tools/check_scan_file.py).
"$zdscan" scan --n 40 --threads 2 --delta-profile grid --out "$work/grid.h5" > "$work/grid.txt" 2> /dev/null
chi2_of() { sed -n 's/^best fit (grid point): chi2_min = \([^ ]*\) .*/\1/p' "$1"; }
awk -v e="$(chi2_of "$work/scan.txt")" -v g="$(chi2_of "$work/grid.txt")" 'BEGIN { exit !(e <= g) }'
"$zdscan" config > "$work/config.json"
grep -q '"name": "paper2021"' "$work/config.json"
ls -A "$work" | grep -q 'zdscan-tmp\.' && { echo "temporary file left" >&2; exit 1; }
echo "ok"
