#!/usr/bin/env bash
# tools/plot_paper_figures.py end to end on a small scan: the three figures are written as PNG files.
# Usage: figures_check.sh ZDSCAN PYTHON TOOLS_DIR WORKDIR
set -euo pipefail
zdscan=$1 python=$2 tools=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
"$zdscan" scan --n 32 --quiet --out "$work/scan.h5" > /dev/null
"$python" "$tools/plot_paper_figures.py" --result "$work/scan.h5" --zdscan "$zdscan" --out "$work" --n 24 --deltas 0.001 0.01 2> /dev/null
head -c 5 "$work/fig1_skin_correlation.pdf" | grep -q "%PDF" || { echo "fig1 PDF missing" >&2; exit 1; }
for f in fig1_skin_correlation fig2_limits fig3_contours fig4_running; do
  head -c 8 "$work/$f.png" | od -An -c | grep -q "P   N   G" || { echo "$f.png is not a PNG" >&2; exit 1; }
done
echo ok
