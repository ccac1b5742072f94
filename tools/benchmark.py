#!/usr/bin/env python3
"""Speed of zdscan against the NumPy reference, measured in one run on the same grids.

For each grid size it runs `zdscan scan` (CPU with 1 thread and with all threads, and CUDA when a device is
present) and tools/reference_scan.py's scan. It reports points/s of the grid evaluation (the time zdscan prints,
without start-up and file writing) and the ratios against NumPy, as a markdown table with the machine described.

Usage: benchmark.py [--zdscan build/zdscan] [--sizes 64 128 256] [--repeat 3]
"""
import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_scan  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def zdscan_rate(exe, n, backend, threads, out):
    """Best of the repeats: points/s that zdscan reports for the grid evaluation."""
    cmd = [exe, "scan", "--quiet", "--n", str(n), "--backend", backend, "--out", out]
    if threads:
        cmd += ["--threads", str(threads)]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(re.search(r"backend \w+, ([0-9.e+]+) points/s", r.stderr).group(1))


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
    p.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    version = subprocess.run([a.zdscan, "--version"], capture_output=True, text=True).stdout.strip()
    has_gpu = subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0 if \
        subprocess.run(["which", "nvidia-smi"], capture_output=True).returncode == 0 else False
    cfg_path = os.path.join(ROOT, "configs", "paper2021.json")
    print(f"machine: {machine()}\n{version}; GPU: {'yes' if has_gpu else 'none'}\n")
    cols = ["grid", "NumPy [points/s]", "zdscan cpu 1 thread", "zdscan cpu all threads"] + (["zdscan cuda"] if has_gpu else [])
    print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.h5")
        for n in a.sizes:
            import json
            cfg = json.load(open(cfg_path))
            for axis in cfg["grid"].values():
                axis["n"] = n
            numpy_rate = max(r["points"] / r["seconds"] for r in (reference_scan.run(cfg) for _ in range(a.repeat)))
            rates = [max(zdscan_rate(a.zdscan, n, "cpu", 1, out) for _ in range(a.repeat)),
                     max(zdscan_rate(a.zdscan, n, "cpu", 0, out) for _ in range(a.repeat))]
            if has_gpu:
                rates.append(max(zdscan_rate(a.zdscan, n, "cuda", 0, out) for _ in range(a.repeat)))
            cells = [f"{n}³", f"{numpy_rate:.3g}"] + [f"{r:.3g} ({r / numpy_rate:.1f}×)" for r in rates]
            print("| " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
