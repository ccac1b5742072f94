#!/usr/bin/env bash
# `zdscan plot` end to end on small scans: Figs. 1-5 at both journal widths as PNG and PDF files.
# Usage: figures_check.sh ZDSCAN PYTHON TOOLS_DIR WORKDIR
set -euo pipefail
zdscan=$1 tools=$3 work=$4
configs=$(cd "$tools/../configs" && pwd)
rm -rf "$work" && mkdir -p "$work"
"$zdscan" scan --n 32 --delta-slices 0,0.001,0.01 --quiet --out "$work/scan.h5" > /dev/null
"$zdscan" scan --config "$configs/projections2021.json" --n 24 --delta-slices 0.001,0.01 --quiet \
  --out "$work/projections.h5" > /dev/null
for width in single double; do
  "$zdscan" plot all "$work/scan.h5" --out "$work" --width $width --suffix "_$width" > /dev/null
  "$zdscan" plot fig5 "$work/projections.h5" --out "$work" --width $width --suffix "_$width" > /dev/null
  for f in fig1_skin_correlation fig2_limits fig3_contours fig4_running fig5_projections; do
    head -c 8 "$work/${f}_$width.png" | od -An -c | grep -q "P   N   G" || { echo "${f}_$width.png is not a PNG" >&2; exit 1; }
    head -c 5 "$work/${f}_$width.pdf" | grep -q "%PDF" || { echo "${f}_$width.pdf is not a PDF" >&2; exit 1; }
  done
done
echo ok
