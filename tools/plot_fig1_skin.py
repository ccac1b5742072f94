#!/usr/bin/env python3
"""Fig. 1 of Cadeddu et al., PRD 104, L011701 (2021): the Cs-Pb point neutron-skin correlation.

Draws the linear correlation ΔR_np^point(133Cs) = slope · ΔR_np^point(208Pb) + intercept with its 1σ and 3σ
bands, the PREX-1+2 constraint on 208Pb, and the 133Cs skin derived from it (eq. 18). The hadronic-probe values of
eq. 16 are shown for comparison. Everything comes from `zdscan apv --json` (the config's apv_reanalysis block).

The paper does not tabulate the nuclear-model points (SHF, RMF) behind the fit: they are not drawn, and the
figure says so. The bands treat slope and intercept as uncorrelated (the paper quotes no covariance):
σ(x) = sqrt((x σ_slope)² + σ_intercept²).

Usage: plot_fig1_skin.py [--apv-json FILE | --zdscan build/zdscan [--config CONFIG]] [--out results]
"""
import argparse
import json
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def apv_json(zdscan, config=None):
    """The reanalysis as `zdscan apv --json` prints it."""
    cmd = [zdscan, "apv", "--json"] + (["--config", config] if config else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def figure1(apv, out):
    """Writes fig1_skin_correlation.png and .pdf into out; returns the two paths."""
    inputs, result = apv["inputs"], apv["result"]
    slope, s_slope = inputs["skin_slope"]["value"], inputs["skin_slope"]["sigma"]
    icpt, s_icpt = inputs["skin_intercept_fm"]["value"], inputs["skin_intercept_fm"]["sigma"]
    pb, s_pb = inputs["pb208_skin_point_fm"]["value"], inputs["pb208_skin_point_fm"]["sigma"]
    cs = result["skin_point_cs_fm"]

    x = np.linspace(0.0, 0.45, 200)
    y = slope * x + icpt
    sy = np.hypot(x * s_slope, s_icpt)
    fig, ax = plt.subplots(figsize=(5.6, 4.4))
    ax.fill_between(x, y - 3 * sy, y + 3 * sy, color="0.85", label="3σ band")
    ax.fill_between(x, y - sy, y + sy, color="0.6", label="1σ band")
    ax.plot(x, y, "k-", label=f"linear fit: {slope:.3f} x + {icpt:.3f} fm")
    ax.axvspan(pb - s_pb, pb + s_pb, color="green", alpha=0.25, label=f"PREX-1+2: {pb:.3f}({s_pb * 1e3:.0f}) fm")
    if inputs["skin_source"] == "prex":
        ax.errorbar([pb], [cs["value"]], xerr=[s_pb], yerr=[cs["sigma"]], fmt="o", color="purple", capsize=3,
                    label=f"$^{{133}}$Cs, eq. 18: {cs['value']:.3f}({cs['sigma'] * 1e3:.0f}) fm")
    had_cs, had_pb = result["hadronic_skin_cs_fm"], result["hadronic_skin_pb_fm"]
    ax.errorbar([had_pb["value"]], [had_cs["value"]], xerr=[had_pb["sigma"]], yerr=[had_cs["sigma"]], fmt="s",
                mfc="white", color="0.3", capsize=3, label="hadronic probes, eq. 16")
    ax.set(xlim=(0, 0.45), ylim=(0, 0.4), xlabel=r"$\Delta R_{np}^{\rm point}(^{208}$Pb) [fm]",
           ylabel=r"$\Delta R_{np}^{\rm point}(^{133}$Cs) [fm]", title="Cs-Pb neutron-skin correlation (Fig. 1)")
    ax.legend(fontsize=7.5, loc="upper left")
    ax.text(0.99, 0.02, "nuclear-model points (SHF, RMF) not tabulated\nin the paper: not shown",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.3")
    fig.tight_layout()
    paths = [os.path.join(out, "fig1_skin_correlation." + ext) for ext in ("png", "pdf")]
    for p in paths:
        fig.savefig(p, dpi=150)
    plt.close(fig)
    return paths


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--apv-json", help="output of `zdscan apv --json` (default: run zdscan)")
    p.add_argument("--zdscan", default=os.path.join(ROOT, "build", "zdscan"))
    p.add_argument("--config", help="config whose apv_reanalysis block to use (default: the embedded one)")
    p.add_argument("--out", default=os.path.join(ROOT, "results"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    apv = json.load(open(a.apv_json)) if a.apv_json else apv_json(a.zdscan, a.config)
    print("wrote " + ", ".join(figure1(apv, a.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
