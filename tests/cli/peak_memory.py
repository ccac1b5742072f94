#!/usr/bin/env python3
"""A --full-grid scan of one huge mass row stays within its tile budget: peak RSS far below one row's χ².

Usage: peak_memory.py ZDSCAN WORKDIR
"""
import os
import resource
import subprocess
import sys

zdscan, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
out = os.path.join(work, "mem.h5")
# One mass row = 1500 x 20000 doubles = 240 MB; --max-tile-mb 32 bounds a tile to 32 MB.
cmd = [zdscan, "scan", "--n-m", "2", "--n-eps", "1500", "--n-delta", "20000", "--full-grid",
       "--max-tile-mb", "32", "--quiet", "--out", out]
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
row_mb = 1500 * 20000 * 8 / 2**20
print(f"peak RSS {peak_mb:.0f} MB; one mass row of chi2 is {row_mb:.0f} MB")
os.remove(out)
if peak_mb > 150:
    sys.exit(f"FAIL: peak RSS {peak_mb:.0f} MB exceeds 150 MB")
print("ok")
