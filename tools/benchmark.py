#!/usr/bin/env python3
"""Speed of zdscan against the NumPy reference and a ceiling probe, measured in one run on the same grids.

For each grid size n³ it runs tools/reference_scan.py's NumPy scan, bench/ceiling_probe (the hoisted inner loop
alone: four cubic pulls walked over δ, minimum kept; 1 thread and all threads) and `zdscan scan` on the CPU with
1 thread and all threads, for the grid and the exact δ profile, and on CUDA when a device is present. It reports
points/s of the grid evaluation (the time zdscan prints, without start-up and file writing) and the ratios to
NumPy and to the probe (same thread count), as markdown tables with the machine described.

Usage: benchmark.py [--zdscan build/zdscan] [--probe build/ceiling_probe] [--sizes 64 256 512] [--repeat 3]
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_scan  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def zdscan_rate(exe, n, backend, threads, out, profile="grid"):
    """points/s that zdscan reports for the grid evaluation."""
    # --no-checkpoint: the benchmark measures the computation (the checkpoint's writes are docs/cluster.md's matter).
    # Not --quiet: the rate is read from the line it would silence.
    sizes = ["--n", str(n)] if isinstance(n, int) else ["--n-m", str(n[0]), "--n-eps", str(n[1]), "--n-delta", str(n[2])]
    cmd = [exe, "scan", "--force", "--no-checkpoint", *sizes, "--backend", backend, "--delta-profile", profile,
           "--out", out]
    if threads:
        cmd += ["--threads", str(threads)]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(re.search(r"backend \w+, ([0-9.e+]+) points/s", r.stderr).group(1))


def probe_rate(exe, n, threads):
    r = subprocess.run([exe, str(n), str(n), str(n), str(threads)], capture_output=True, text=True, check=True)
    return float(re.search(r"points/s ([0-9.e+]+)", r.stdout).group(1))


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zdscan", default=os.path.join(ROOT, "build", "zdscan"))
    p.add_argument("--probe", default=os.path.join(ROOT, "build", "ceiling_probe"))
    p.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 512])
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    version = subprocess.run([a.zdscan, "--version"], capture_output=True, text=True).stdout.strip()
    has_gpu = subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0 if \
        subprocess.run(["which", "nvidia-smi"], capture_output=True).returncode == 0 else False
    cores = os.cpu_count()
    cfg_path = os.path.join(ROOT, "configs", "paper2021.json")
    print(f"machine: {machine()}\n{version}; GPU: {'yes' if has_gpu else 'none'}; best of {a.repeat} runs\n")
    headline(a.zdscan, cores)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.h5")
        best = lambda f: max(f() for _ in range(a.repeat))  # noqa: E731
        for n in a.sizes:
            cfg = json.load(open(cfg_path))
            for axis in cfg["grid"].values():
                axis["n"] = n
            r = dict(n=n)
            r["numpy"] = best(lambda: (lambda x: x["points"] / x["seconds"])(reference_scan.run(cfg)))
            r["probe1"] = best(lambda: probe_rate(a.probe, n, 1))
            r["probeN"] = best(lambda: probe_rate(a.probe, n, cores))
            for prof in ("grid", "exact"):
                r[prof + "1"] = best(lambda: zdscan_rate(a.zdscan, n, "cpu", 1, out, prof))
                r[prof + "N"] = best(lambda: zdscan_rate(a.zdscan, n, "cpu", 0, out, prof))
                if has_gpu:
                    r[prof + "_cuda"] = best(lambda: zdscan_rate(a.zdscan, n, "cuda", 0, out, prof))
            rows.append(r)
            print(f"  {n}³ done", file=sys.stderr, flush=True)
    print(f"points/s (ratio to NumPy; ratio to the probe with the same threads). Threads: 1 and all {cores}.\n")
    cols = ["grid", "NumPy", f"probe 1", f"probe {cores}", "zdscan grid 1", f"zdscan grid {cores}",
            "zdscan exact 1", f"zdscan exact {cores}"] + (["cuda grid", "cuda exact"] if has_gpu else [])
    print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for r in rows:
        cells = [f"{r['n']}³", f"{r['numpy']:.3g}", f"{r['probe1']:.3g}", f"{r['probeN']:.3g}"]
        for key in ("grid1", "gridN", "exact1", "exactN"):
            probe = r["probe1"] if key.endswith("1") else r["probeN"]
            cells.append(f"{r[key]:.3g} ({r[key] / r['numpy']:.0f}×; {r[key] / probe:.2f})")
        if has_gpu:
            cells += [f"{r[k]:.3g} ({r[k] / r['numpy']:.0f}×)" for k in ("grid_cuda", "exact_cuda")]
        print("| " + " | ".join(cells) + " |", flush=True)
    # The exact profile's extra cost per (m, ε) cell, in grid points of the same run (1 thread: the steadiest).
    print()
    for r in rows:
        per_point = 1 / r["grid1"]
        extra = (1 / r["exact1"] - per_point) * r["n"]  # seconds per cell
        print(f"{r['n']}³: the exact profile costs {extra / per_point:.0f} grid points per cell "
              f"({extra * 1e9:.0f} ns of one core)")
    measurement_scaling(a.zdscan)
    busy_neighbour(a.zdscan)
    python_point_costs()
    toys(os.path.join(os.path.dirname(a.zdscan), "toy_rate"))
    coverage(a.zdscan)
    return 0


def toys(exe):
    """The toys of `zdscan coverage` beside the scan's exact profile, in one run (bench/toy_rate.cc)."""
    if not os.path.exists(exe):
        print(f"\n(toys: {exe} not built)")
        return
    print("\nToys (zdscan coverage) beside the scan's exact profile, all threads; FC Fig. 3 = near-contour cells at "
          "1σ and 2σ, 1000 toys each:\n")
    print(subprocess.run([exe, "128", "256"], capture_output=True, text=True, check=True).stdout, flush=True)


def coverage(exe, sizes=(128, 256, 512)):
    """`zdscan coverage` at the issue's defaults (1000 toys per tested cell, CLs 68.27/90/95, near-contour cells),
    with the bounds of toy_bound.hpp and, in the same run, with the reference walk every cell up to the triangle
    bound (ZDSCAN_TOY_WALK=triangle, the code before them): tested cells, toys/s of each, the wall time of the
    whole command. Where 1000 toys would take long, fewer toys give the rate and the wall time is projected."""
    import h5py

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            scan = os.path.join(tmp, f"p{n}.h5")
            subprocess.run([exe, "scan", "--n-m", str(n), "--n-eps", str(n), "--n-delta", "16", "--quiet",
                            "--no-checkpoint", "--out", scan], check=True)
            row = {"n": n}
            for walk, toys in (("bounds", 1000 if n <= 256 else 100), ("triangle", 20 if n <= 128 else 10)):
                out = os.path.join(tmp, f"c{n}_{walk}.h5")
                env = dict(os.environ, ZDSCAN_TOY_WALK=walk)
                t = time.perf_counter()
                subprocess.run([exe, "coverage", scan, "--toys", str(toys), "--quiet", "--no-checkpoint", "--force",
                                "--out", out], check=True, env=env)
                wall = time.perf_counter() - t
                with h5py.File(out, "r") as f:
                    a = f["coverage"].attrs
                    cells, refits, toy_s = int(a["tested_cells"]), float(a["toy_refits"]), float(a["wall_time_s"])
                rate = refits / toy_s
                row[walk] = dict(toys=toys, rate=rate, wall=wall, projected=wall - toy_s + cells * 1000 / rate)
                row["cells"] = cells
            rows.append(row)
            print(f"  coverage {n}² done", file=sys.stderr, flush=True)
    print("\n`zdscan coverage` (1000 toys per tested cell, CLs 68.27/90/95), all threads, this build against its "
          "reference walk (ZDSCAN_TOY_WALK=triangle) in the same run:\n")
    print("| grid | tested cells | toys/s | toys/s, reference | ratio | wall time | wall time, reference |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        b, t = r["bounds"], r["triangle"]
        wall = f"{b['wall']:.1f} s" if b["toys"] == 1000 else f"{b['projected']:.0f} s (projected from {b['toys']} toys)"
        print(f"| {r['n']}² | {r['cells']} | {b['rate']:.3g} | {t['rate']:.3g} | {b['rate'] / t['rate']:.1f} | {wall} | "
              f"{t['projected']:.0f} s (projected from {t['toys']} toys) |", flush=True)


def headline(exe, cores):
    """The two numbers a user waits on: (1) exact-profile (m, ε) cells per second at n_δ = 16, the smallest n_δ
    that leaves the map unchanged (checked here against n_δ = 1024 on 256²), and (2) the time from the command to
    Figs. 2–5 at 1024² cells (two scans with δ slices, then one zdscan plot for both, as a user runs them)."""
    import h5py

    with tempfile.TemporaryDirectory() as tmp:
        maps = {}
        for n_delta in (16, 1024):
            path = os.path.join(tmp, f"d{n_delta}.h5")
            subprocess.run([exe, "scan", "--quiet", "--no-checkpoint", "--n-m", "256", "--n-eps", "256",
                            "--n-delta", str(n_delta), "--out", path], check=True)
            with h5py.File(path, "r") as f:
                maps[n_delta] = f["profile/chi2_total"][...]
        diff = float(np.max(np.abs(maps[16] - maps[1024]) / np.maximum(maps[1024], 1e-300)))
        out = os.path.join(tmp, "h.h5")
        rates = {}
        for threads in (1, cores):
            rates[threads] = max(zdscan_rate(exe, (1024, 1024, 16), "cpu", threads, out, "exact") for _ in range(3))
        print(f"(1) exact profile at n_delta = 16 (its map equals n_delta = 1024 to {diff:.1e} relative on 256²): "
              f"{rates[1] / 16:.3g} cells/s on 1 thread, {rates[cores] / 16:.3g} on {cores}")
        paper, proj = os.path.join(tmp, "paper.h5"), os.path.join(tmp, "proj.h5")
        slices = ["--n-m", "1024", "--n-eps", "1024", "--n-delta", "16", "--delta-slices", "0,0.001,0.005,0.01",
                  "--quiet", "--no-checkpoint"]
        commands = [[exe, "scan", *slices, "--out", paper],
                    [exe, "scan", "--config", os.path.join(ROOT, "configs", "projections2021.json"), *slices,
                     "--out", proj],
                    [exe, "plot", "fig2,fig3,fig4", paper, "fig5", proj, "--out", tmp, "--format", "pdf"]]
        runs = []
        for _ in range(3):  # the machine's noise is ±20 %: the best of three, and the spread
            times = []
            for cmd in commands:
                t = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                times.append(time.perf_counter() - t)
            runs.append(times)
        times = min(runs, key=sum)
        print(f"(2) command to Figs. 2-5 at 1024² (PDF): {sum(times):.1f} s = scans {times[0]:.2f} + {times[1]:.2f} s "
              f"+ figures {times[2]:.1f} s (one zdscan plot for both results; best of 3, all: "
              f"{', '.join(f'{sum(r):.1f}' for r in runs)} s)\n")


def measurement_scaling(exe):
    """Cost per point against the number of enabled measurements (the paper's four repeated under other names):
    256³, grid profile, 1 thread, best of 3. Linear means constant pull-points/s."""
    base = json.load(open(os.path.join(ROOT, "configs", "paper2021.json")))
    four = base["measurements"]
    print("\nmeasurements | points/s | pull-points/s (points/s x measurements)\n---|---|---")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, 4, 8, 9, 12, 16):
            cfg = dict(base, measurements=[dict(four[i % 4], name=f"{four[i % 4]['name']}_{i}") for i in range(n)])
            path = os.path.join(tmp, f"n{n}.json")
            with open(path, "w") as f:
                json.dump(cfg, f)
            cmd = [exe, "scan", "--config", path, "--n", "256", "--threads", "1", "--delta-profile", "grid",
                   "--no-checkpoint", "--force", "--out", os.path.join(tmp, "m.h5")]
            best = max(float(re.search(r"backend \w+, ([0-9.e+]+) points/s",
                                       subprocess.run(cmd, capture_output=True, text=True, check=True).stderr)
                             .group(1)) for _ in range(3))
            print(f"{n} | {best:.3g} | {best * n:.3g}")


def busy_neighbour(exe):
    """2 threads while another process keeps a core busy (a shared node), against 1 thread, on 1024² x 512:
    best of 3 each, the neighbour running throughout."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "busy.h5")
        rate = lambda threads: zdscan_rate(exe, (1024, 1024, 512), "cpu", threads, out)  # noqa: E731
        quiet1 = max(rate(1) for _ in range(3))
        neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            busy1 = max(rate(1) for _ in range(3))
            busy2 = max(rate(2) for _ in range(3))
        finally:
            neighbour.kill()
            neighbour.wait()
    print(f"\n2 threads with a busy neighbour (1024² x 512, grid profile): {busy2:.3g} points/s = "
          f"{busy2 / quiet1:.2f}x one thread on a quiet node ({quiet1:.3g}), {busy2 / busy1:.2f}x one thread beside "
          f"the neighbour ({busy1:.3g})")


def python_point_costs():
    """χ² at one point from Python: zdscan.Model (set up once; what a minimiser calls, a new mass every call) and
    zdscan.chi2 (validates the config every call)."""
    sys.path.insert(0, os.path.join(ROOT, "build", "python"))
    try:
        import zdscan
    except ImportError:
        print("\nPython package not built: no zdscan.Model row")
        return
    model = zdscan.Model()
    masses = 47.0 + 1e-4 * np.arange(20000)
    t = time.perf_counter()
    for m in masses:
        model(m, 2.3e-3, 7.9e-4)
    per_model = (time.perf_counter() - t) / len(masses)
    t = time.perf_counter()
    for m in masses[:200]:
        zdscan.chi2(None, m, 2.3e-3, 7.9e-4)
    per_chi2 = (time.perf_counter() - t) / 200
    print(f"\nPython, one point, a new mass each call: zdscan.Model {per_model * 1e6:.1f} µs, "
          f"zdscan.chi2 {per_chi2 * 1e6:.0f} µs")


if __name__ == "__main__":
    sys.exit(main())
