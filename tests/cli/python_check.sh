#!/usr/bin/env bash
# A scan through the executable, then tools/check_scan_file.py on its file (h5py, xarray, NumPy reference); then the
# same for the shipped projections (correlated Qweak and P2 uncertainties) and for a config with direct searches
# (one-sided and band limits written here), each recomputed independently by the NumPy reference.
# Usage: python_check.sh ZDSCAN PYTHON TOOLS_DIR WORKDIR
set -euo pipefail
zdscan=$1 python=$2 tools=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
"$zdscan" scan --n-m 40 --n-eps 36 --n-delta 30 --full-grid --delta-slices 0,0.002 --quiet --out "$work/scan.h5" > /dev/null
"$python" "$tools/check_scan_file.py" "$work/scan.h5"
"$zdscan" scan --config "$tools/../configs/projections2021.json" --n 24 --full-grid --quiet --out "$work/corr.h5"
"$python" "$tools/check_scan_file.py" "$work/corr.h5"
"$python" - "$work" << 'PY'
import json, math, sys
work = sys.argv[1]
masses = [0.002 * 10 ** (i * 2.8 / 60) for i in range(61)]
with open(f"{work}/one.lmt", "w") as f:
    f.write("# mass lower\n" + "".join(f"{m:.17g} {1e-3 * math.sqrt(m / 0.1):.17g}\n" for m in masses))
with open(f"{work}/band.lmt", "w") as f:
    f.write("# mass lower upper\n" + "".join(f"{m:.17g} {3e-6 * 0.1 / m:.17g} {2e-3 * (0.1 / m) ** 1.5:.17g}\n" for m in masses))
PY
"$zdscan" config > "$work/paper.json"
"$python" - "$work" << 'PY'
import json, sys
work = sys.argv[1]
c = json.load(open(f"{work}/paper.json"))
c["measurements"] += [{"name": "toy_visible", "kind": "search_limit", "file": "one.lmt", "cl": 95,
                       "branching_fraction": 0.7, "source": "analytic"},
                      {"name": "toy_dump", "kind": "search_limit", "file": "band.lmt", "source": "analytic band"}]
json.dump(c, open(f"{work}/searches.json", "w"))
PY
"$zdscan" scan --config "$work/searches.json" --n 24 --full-grid --quiet --out "$work/searches.h5"
"$python" "$tools/check_scan_file.py" "$work/searches.h5"
