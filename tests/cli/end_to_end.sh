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
# --deflate: the same χ² values, compressed (shuffle + gzip at the level), the level recorded; none by default.
"$zdscan" scan --n 24 --full-grid --deflate 3 --quiet --out "$work/deflate3.h5"
"$zdscan" scan --n 24 --full-grid --quiet --out "$work/deflate0.h5"
python3 - "$work/deflate3.h5" "$work/deflate0.h5" << 'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["chi2/total"] for p in sys.argv[1:])
assert (a.compression, a.compression_opts, a.shuffle, a.attrs["deflate_level"]) == ("gzip", 3, True, 3), a
assert (b.compression, b.shuffle, b.attrs["deflate_level"]) == (None, False, 0), b
assert np.array_equal(a[...], b[...])
PY
# --store: /profile holds only what is asked; the summary needs chi2_total alone; float32 maps round the float64 ones.
"$zdscan" scan --n 24 --store total --quiet --out "$work/total.h5"
"$zdscan" scan --n 24 --store argmin,terms32 --quiet --out "$work/terms32.h5"
"$zdscan" summary "$work/total.h5" | grep -q "^refined (between grid points)"
python3 - "$work/total.h5" "$work/terms32.h5" "$work/deflate0.h5" << 'PY'
import sys, h5py, numpy as np
total, t32, full = (h5py.File(p, "r")["profile"] for p in sys.argv[1:])
assert sorted(k for k in total if k.startswith(("chi2", "argmin"))) == ["chi2_total"], list(total)
assert total.attrs["stored"] == "chi2_total" and full.attrs["stored"] == "chi2_total,argmin,terms"
assert t32.attrs["stored"] == "chi2_total,argmin,terms32" and t32["chi2_qweak"].dtype == np.float32
np.testing.assert_array_equal(t32["chi2_total"][...], full["chi2_total"][...])
np.testing.assert_array_equal(t32["argmin_delta"][...], full["argmin_delta"][...])
for name in ("qweak", "apv_cs", "a_mu", "a_e"):
    np.testing.assert_array_equal(t32["chi2_" + name][...], full["chi2_" + name][...].astype(np.float32))
PY
"$zdscan" config > "$work/config.json"
grep -q '"name": "paper2021"' "$work/config.json"
ls -A "$work" | grep -q 'zdscan-tmp\.' && { echo "temporary file left" >&2; exit 1; }
echo "ok"
