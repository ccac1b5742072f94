#!/usr/bin/env python3
"""Figures 1-4 of Cadeddu et al., PRD 104, L011701 (2021) from zdscan output.

  Fig. 1: the Cs-Pb neutron-skin correlation with PREX-1+2 and the derived 133Cs skin, from `zdscan apv --json`
          (tools/plot_fig1_skin.py; PNG and PDF).
  Fig. 3: 1σ/2σ/3σ contours (Δχ² = 2.30, 6.18, 11.83) of the combined fit in (m_Zd, ε), marginalised over δ,
          with the best fit, from RESULT.h5 (default: results/paper2021.h5, made by tools/quickstart.sh).
  Fig. 4: ŝ²(Q) in the SM and with the best-fit Z_d, from the same file (/running).
  Fig. 2: 90% CL (Δχ² = 4.61) regions in (m_Zd, ε) at fixed δ: Qweak, APV and their combination (allowed
          regions), and the a_μ and a_e favoured regions. Each δ is a separate zdscan run on a single-δ grid.

Fig. 5 needs MOLLER and P2 projections, which zdscan does not model yet.

Usage: plot_paper_figures.py [--result results/paper2021.h5] [--zdscan build/zdscan] [--out results]
                             [--deltas 0 0.001 0.005 0.01] [--n 200]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_fig1_skin  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(path):
    with h5py.File(path, "r") as f:
        d = {k: f[k][...] for k in ("axes/m_zd_mev", "axes/epsilon", "profile/chi2_total", "profile/chi2_qweak",
                                    "profile/chi2_apv_cs", "profile/chi2_a_mu", "profile/chi2_a_e",
                                    "running/q_gev", "running/sin2_sm", "running/sin2_bestfit")}
        d["best"] = dict(f["bestfit"].attrs)
    return d


def figure3(d, out):
    m, eps, chi2 = d["axes/m_zd_mev"], d["axes/epsilon"], d["profile/chi2_total"]
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    cs = ax.contour(m, eps, (chi2 - chi2.min()).T, levels=[2.30, 6.18, 11.83], colors=["C0", "C1", "C2"])
    ax.clabel(cs, fmt={2.30: "1σ", 6.18: "2σ", 11.83: "3σ"})
    b = d["best"]
    ax.plot(b["refined_m_zd_mev"], b["refined_epsilon"], "ko", label="best fit")
    ax.set(xscale="log", yscale="log", xlabel=r"$m_{Z_d}$ [MeV]", ylabel=r"$\varepsilon$",
           title=r"combined fit, marginalised over $\delta$ (Fig. 3)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig3_contours.png"), dpi=120)


def figure4(d, out):
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    ax.plot(d["running/q_gev"], d["running/sin2_sm"], label="SM (MS-bar, LO running)")
    b = d["best"]
    ax.plot(d["running/q_gev"], d["running/sin2_bestfit"], "r--",
            label=rf"with $Z_d$: {b['m_zd_mev']:.0f} MeV, $\varepsilon$={b['epsilon']:.2g}, $\delta$={b['delta']:.2g}")
    ax.set(xscale="log", xlabel="Q [GeV]", ylabel=r"$\sin^2\theta_W(Q)$", title="running of the weak mixing angle (Fig. 4)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig4_running.png"), dpi=120)


def figure2(zdscan, deltas, n, out):
    base = json.load(open(os.path.join(ROOT, "configs", "paper2021.json")))
    fig, axes = plt.subplots(1, len(deltas), figsize=(4.2 * len(deltas), 4.0), squeeze=False)
    with tempfile.TemporaryDirectory() as tmp:
        for ax, delta in zip(axes[0], deltas):
            cfg = json.loads(json.dumps(base))
            cfg["grid"]["delta"] = {"min": delta, "max": delta, "n": 1, "scale": "linear"}
            cfg["grid"]["m_zd_mev"]["n"] = cfg["grid"]["epsilon"]["n"] = n
            path = os.path.join(tmp, "c.json")
            json.dump(cfg, open(path, "w"))
            result = os.path.join(tmp, f"delta_{delta}.h5")
            subprocess.run([zdscan, "scan", "--quiet", "--config", path, "--out", result], check=True,
                           stdout=subprocess.DEVNULL)
            d = load(result)
            m, eps = d["axes/m_zd_mev"], d["axes/epsilon"]
            terms = {"Qweak": d["profile/chi2_qweak"], "APV": d["profile/chi2_apv_cs"]}
            terms["Qweak+APV"] = terms["Qweak"] + terms["APV"]
            style = {"Qweak": "--", "APV": ":", "Qweak+APV": "-"}
            for name, chi2 in terms.items():  # allowed below the 90% CL line
                ax.contour(m, eps, (chi2 - chi2.min()).T, levels=[4.61], colors="k", linestyles=style[name])
                ax.plot([], [], "k" + style[name], label=name)
            for name, key, color in (("$a_\\mu$", "profile/chi2_a_mu", "green"), ("$a_e$", "profile/chi2_a_e", "skyblue")):
                chi2 = d[key]
                ax.contourf(m, eps, (chi2 - chi2.min()).T, levels=[-1, 4.61], colors=[color], alpha=0.5)
                ax.plot([], [], "s", color=color, label=name + " favoured")
            ax.set(xscale="log", yscale="log", xlabel=r"$m_{Z_d}$ [MeV]", title=rf"$\delta$ = {delta:g}")
        axes[0][0].set_ylabel(r"$\varepsilon$")
        axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle("90% CL (Δχ² = 4.61) at fixed δ (Fig. 2)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig2_limits.png"), dpi=120)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--result", default=os.path.join(ROOT, "results", "paper2021.h5"))
    p.add_argument("--zdscan", default=os.path.join(ROOT, "build", "zdscan"))
    p.add_argument("--out", default=os.path.join(ROOT, "results"))
    p.add_argument("--deltas", type=float, nargs="+", default=[0.0, 1e-3, 5e-3, 1e-2])
    p.add_argument("--n", type=int, default=200, help="m and ε points of the Fig. 2 scans")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    d = load(a.result)
    figure3(d, a.out)
    figure4(d, a.out)
    figure2(a.zdscan, a.deltas, a.n, a.out)
    plot_fig1_skin.figure1(plot_fig1_skin.apv_json(a.zdscan), a.out)
    print(f"wrote fig1_skin_correlation.png/.pdf, fig2_limits.png, fig3_contours.png, fig4_running.png to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
