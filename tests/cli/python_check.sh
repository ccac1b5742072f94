#!/usr/bin/env bash
# A scan through the executable, then tools/check_scan_file.py on its file (h5py, xarray, NumPy reference).
# Usage: python_check.sh ZDSCAN PYTHON TOOLS_DIR WORKDIR
set -euo pipefail
zdscan=$1 python=$2 tools=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
"$zdscan" scan --n-m 40 --n-eps 36 --n-delta 30 --full-grid --delta-slices 0,0.002 --quiet --out "$work/scan.h5" > /dev/null
"$python" "$tools/check_scan_file.py" "$work/scan.h5"
