#!/usr/bin/env python3
"""Exit 0 when two zdscan result files hold the same data: every dataset bit for bit, and every attribute except
the provenance of the run (command line, times, device, backend threads). Usage: compare_results.py A.h5 B.h5"""
import sys

import h5py
import numpy as np

PROVENANCE = {"command_line", "start_time", "wall_time_s", "wall_time_this_run_s", "resumed", "tiles_restored", "device", "git_commit", "seconds", "points_per_second",
              "DIMENSION_LIST", "REFERENCE_LIST"}  # the last two: object references, valid within one file


def items(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    return out


def main(a, b):
    problems = []
    with h5py.File(a) as fa, h5py.File(b) as fb:
        ia, ib = items(fa), items(fb)
        if ia.keys() != ib.keys():
            problems.append(f"objects differ: {sorted(set(ia) ^ set(ib))}")
        for name in sorted(set(ia) & set(ib)):
            x, y = ia[name], ib[name]
            if isinstance(x, h5py.Dataset):
                vx, vy = x[()], y[()]
                same = (vx.shape == vy.shape and vx.dtype == vy.dtype
                        and (np.array_equal(vx, vy, equal_nan=True) if vx.dtype.kind == "f" else np.array_equal(vx, vy)))
                if not same:
                    problems.append(f"dataset {name} differs")
        for name, x, y in [("/", fa, fb)] + [(n, ia[n], ib[n]) for n in sorted(set(ia) & set(ib))]:
            for key in set(x.attrs) | set(y.attrs):
                if key in PROVENANCE or key not in x.attrs or key not in y.attrs:
                    if key not in PROVENANCE:
                        problems.append(f"attribute {name}@{key} only in one file")
                    continue
                if not np.array_equal(np.asarray(x.attrs[key]), np.asarray(y.attrs[key])):
                    problems.append(f"attribute {name}@{key} differs")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
