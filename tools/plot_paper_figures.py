#!/usr/bin/env python3
"""Figures 1-5 of Cadeddu et al., PRD 104, L011701 (2021) from zdscan result files (PNG and PDF).

  Fig. 1: the Cs-Pb neutron-skin correlation, from `zdscan apv --json` (tools/plot_fig1_skin.py).
  Fig. 2: 90% CL (Δχ² = 4.61) regions in (m_Zd, ε) at fixed δ, from the /slices of RESULT.h5 (a scan with
          --delta-slices): every parity-violating measurement (pves_proton, pves_electron, apv) as its own line, their
          combination solid with the excluded side hatched, and the a_μ and a_e favoured regions filled.
  Fig. 3: 1σ/2σ/3σ regions (Δχ² = 2.30, 6.18, 11.83) of the combined fit marginalised over δ, the refined best fit,
          and the 1-D profiles of m_Zd and ε (Δχ² = 1 marked), from RESULT.h5.
  Fig. 4: ŝ²(Q) in the SM and with the best-fit Z_d, from RESULT.h5 (/running).
  Fig. 5: as Fig. 2 for the projections (configs/projections2021.json), from PROJECTIONS.h5 if given.

Make the inputs with, e.g.:
  zdscan scan --delta-slices 0,0.001,0.005,0.01 --out results/paper2021.h5
  zdscan scan --config configs/projections2021.json --delta-slices 0,0.001,0.005,0.01 --out results/projections2021.h5

Usage: plot_paper_figures.py [--result results/paper2021.h5] [--projections results/projections2021.h5]
                             [--zdscan build/zdscan] [--out results]
"""
import argparse
import json
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_fig1_skin  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PV_KINDS = ("pves_proton", "pves_electron", "apv")
PV_STYLES = ["--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 3))]
LEVEL_90_2D = 4.61
LEVELS_2D = [2.30, 6.18, 11.83]
LABELS = {"qweak": "Qweak", "apv_cs": "APV (Cs)", "p2": "P2", "moller": "MOLLER", "a_mu": r"$a_\mu$", "a_e": r"$a_e$"}


def label(name):
    return LABELS.get(name, name)


def load(path):
    """Axes, profiles, best fit, measurement table and (if present) the δ slices of a result file."""
    with h5py.File(path, "r") as f:
        d = {k: f[k][...] for k in ("axes/m_zd_mev", "axes/epsilon", "axes/delta", "profile/chi2_total",
                                    "profile1d/chi2_m_zd_mev", "profile1d/chi2_epsilon",
                                    "running/q_gev", "running/sin2_sm", "running/sin2_bestfit")}
        d["zd_curves"] = {k[5:]: (f["running"][k][...], dict(f["running"][k].attrs)) for k in f["running"]
                          if k in ("sin2_refined", "sin2_m_lower_1sigma", "sin2_m_upper_1sigma")}
        d["best"] = dict(f["bestfit"].attrs)
        config = json.loads(f.attrs["config"])
        d["measurements"] = [(m["name"], m["kind"], m.get("enabled", True)) for m in config["measurements"]]
        d["name"] = config["name"]
        if "slices" in f:
            d["slices"] = {k: f["slices"][k][...] for k in f["slices"]}
    return d


def save(fig, out, stem):
    paths = [os.path.join(out, f"{stem}.{ext}") for ext in ("png", "pdf")]
    for p in paths:
        fig.savefig(p, dpi=150)
    plt.close(fig)
    return paths


def limits_figure(d, out, stem, title):
    """Figs. 2 and 5: one panel per δ slice."""
    if "slices" not in d:
        print(f"{stem}: {d['name']} has no /slices (scan it with --delta-slices); skipped", file=sys.stderr)
        return []
    m, eps, sl = d["axes/m_zd_mev"], d["axes/epsilon"], d["slices"]
    deltas = sl["delta_slice"]
    pv = [(n, k) for n, k, on in d["measurements"] if k in PV_KINDS]
    g2 = [(n, k) for n, k, on in d["measurements"] if k == "lepton_g2"]
    fig, axes = plt.subplots(1, len(deltas), figsize=(4.3 * len(deltas), 4.2), squeeze=False, sharey=True)
    for ax, s in zip(axes[0], range(len(deltas))):
        # The a_μ and a_e favoured regions: Δχ² ≤ 4.61 around each one's own minimum in the slice.
        for (name, _), color in zip(g2, ("tab:green", "tab:cyan", "tab:olive")):
            chi2 = sl["chi2_" + name][s]
            ax.contourf(m, eps, (chi2 - chi2.min()).T, levels=[-1, LEVEL_90_2D], colors=[color], alpha=0.45)
            ax.plot([], [], "s", color=color, alpha=0.6, ms=9, label=f"{label(name)} favoured")
        # Each PV measurement: the 90% CL boundary of its own Δχ²; the region above it is excluded.
        for (name, _), style in zip(pv, PV_STYLES):
            chi2 = sl["chi2_" + name][s]
            ax.contour(m, eps, (chi2 - chi2.min()).T, levels=[LEVEL_90_2D], colors="0.2", linestyles=[style],
                       linewidths=1.2)
            ax.plot([], [], color="0.2", linestyle=style, label=label(name))
        if len(pv) > 1:
            combined = sum(sl["chi2_" + name][s] for name, _ in pv)
            dchi2 = (combined - combined.min()).T
            ax.contour(m, eps, dchi2, levels=[LEVEL_90_2D], colors="k", linewidths=2)
            ax.contourf(m, eps, dchi2, levels=[LEVEL_90_2D, np.inf], colors="none", hatches=["////"])
            ax.plot([], [], "k-", lw=2, label="PV combined (hatched: excluded)")
        ax.set(xscale="log", yscale="log", xlabel=r"$m_{Z_d}$ [MeV]", title=rf"$\delta = {deltas[s]:g}$")
    axes[0][0].set_ylabel(r"$\varepsilon$")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9, frameon=False)
    fig.suptitle(f"{title}: 90% CL (Δχ² = 4.61) at fixed δ — {d['name']}")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return save(fig, out, stem)


def figure3(d, out):
    m, eps, chi2 = d["axes/m_zd_mev"], d["axes/epsilon"], d["profile/chi2_total"]
    dchi2 = chi2 - chi2.min()
    fig = plt.figure(figsize=(9.5, 4.3))
    ax = fig.add_axes([0.08, 0.13, 0.42, 0.78])
    ax.contourf(m, eps, dchi2.T, levels=[0] + LEVELS_2D, colors=["#1f4e8c", "#4f86c6", "#a9c7ea"])
    ax.contour(m, eps, dchi2.T, levels=LEVELS_2D, colors="k", linewidths=0.6)
    b = d["best"]
    ax.plot(b["refined_m_zd_mev"], b["refined_epsilon"], "r*", ms=11, label="best fit (refined)")
    for lev, color, name in zip(LEVELS_2D, ["#1f4e8c", "#4f86c6", "#a9c7ea"], ["1σ", "2σ", "3σ"]):
        ax.plot([], [], "s", color=color, ms=9, label=name)
    ax.set(xscale="log", yscale="log", xlabel=r"$m_{Z_d}$ [MeV]", ylabel=r"$\varepsilon$",
           title=r"combined fit, marginalised over $\delta$ (Fig. 3)")
    ax.legend(fontsize=8, loc="upper left")
    # The regions may reach the mass axis's end: say so rather than suggest a closed region.
    edge = dchi2[-1, :].min()
    if edge < LEVELS_2D[-1]:
        reached = [n for lev, n in zip(LEVELS_2D, ["1σ", "2σ", "3σ"]) if edge < lev]
        ax.text(0.98, 0.03, f"{', '.join(reached)} region(s) open at the grid edge\nm = {m[-1]:g} MeV "
                f"(Δχ² there = {edge:.2f})", transform=ax.transAxes, ha="right", va="bottom", fontsize=7.5,
                bbox=dict(fc="white", alpha=0.8, lw=0))
    for i, (axis, prof, xlabel, key) in enumerate(((m, d["profile1d/chi2_m_zd_mev"], r"$m_{Z_d}$ [MeV]", "m_zd_mev"),
                                                   (eps, d["profile1d/chi2_epsilon"], r"$\varepsilon$", "epsilon"))):
        a = fig.add_axes([0.59 + 0.205 * i, 0.13, 0.17, 0.78])
        a.plot(axis, prof - prof.min(), "k-")
        a.axhline(1.0, color="r", lw=0.8, ls="--")
        a.axvline(b["refined_" + key], color="r", lw=0.8)
        a.set(xscale="log", ylim=(0, 6), xlabel=xlabel, ylabel=r"$\Delta\chi^2$" if i == 0 else None)
    return save(fig, out, "fig3_contours")


def figure4(d, out):
    """ŝ²(Q): the SM curve, the Z_d curves at the refined best fit and the ends of the 1σ m_Zd interval, the measured
    points (tools/data/sin2_points.json) with this paper's APV value in red, and the P2/MOLLER/SoLID projections."""
    q, sm = d["running/q_gev"], d["running/sin2_sm"]
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    ax.plot(q, sm, "k-", lw=1.2, label="SM (MS-bar)")
    styles = {"refined": ("r-", "best fit"), "m_lower_1sigma": ("r:", r"1$\sigma$ ends in $m_{Z_d}$"),
              "m_upper_1sigma": ("r:", None)}
    for name, (values, attrs) in d["zd_curves"].items():
        style, text = styles[name]
        if text == "best fit":
            text = (rf"$Z_d$ best fit: {attrs['m_zd_mev']:.0f} MeV, $\varepsilon$ = {attrs['epsilon']:.2g}, "
                    rf"$\delta$ = {attrs['delta']:.2g}")
        ax.plot(q, values, style, lw=1.2, label=text)
    points = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "sin2_points.json")))
    for p in points["points"]:
        if p["kind"] == "projection":
            y = float(np.interp(np.log(p["q_gev"]), np.log(q), sm))
            ax.errorbar(p["q_gev"], y, yerr=p["sigma"], fmt="o", mfc="white", color="tab:blue", capsize=3, ms=4)
            ax.annotate(p["label"].replace(" (projected)", ""), (p["q_gev"], y - p["sigma"]), fontsize=6.5,
                        ha="center", va="top", color="tab:blue", xytext=p.get("label_offset_pt", (0, -2)),
                        textcoords="offset points")
        else:
            color = "red" if p["kind"] == "this_paper" else "tab:green"
            ax.errorbar(p["q_gev"], p["s2"], yerr=p["sigma"], fmt="s", color=color, capsize=3, ms=4)
            ax.annotate(p["label"], (p["q_gev"], p["s2"] + p["sigma"]), fontsize=6.5, ha="center", va="bottom",
                        color=color, xytext=p.get("label_offset_pt", (0, 2)), textcoords="offset points")
    ax.errorbar([], [], yerr=[], fmt="s", color="tab:green", label="measurements")
    ax.errorbar([], [], yerr=[], fmt="o", mfc="white", color="tab:blue", label="projections (on the SM curve)")
    ax.set(xscale="log", xlim=(1e-3, 1e3), ylim=(0.2275, 0.2435), xlabel="Q [GeV]",
           ylabel=r"$\hat s^2_{\rm eff}(Q)$", title="running of the weak mixing angle (Fig. 4)")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return save(fig, out, "fig4_running")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--result", default=os.path.join(ROOT, "results", "paper2021.h5"))
    p.add_argument("--projections", help="a scan of configs/projections2021.json with --delta-slices (Fig. 5)")
    p.add_argument("--zdscan", default=os.path.join(ROOT, "build", "zdscan"), help="for Fig. 1 (zdscan apv)")
    p.add_argument("--out", default=os.path.join(ROOT, "results"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    d = load(a.result)
    written = figure3(d, a.out) + figure4(d, a.out) + limits_figure(d, a.out, "fig2_limits", "Fig. 2")
    if a.projections:
        written += limits_figure(load(a.projections), a.out, "fig5_projections", "Fig. 5")
    written += plot_fig1_skin.figure1(plot_fig1_skin.apv_json(a.zdscan), a.out)
    print("wrote " + ", ".join(os.path.basename(w) for w in written) + f" to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
