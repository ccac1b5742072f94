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

The χ² maps are read and the contours drawn with the zdscan Python package (zdscan.open, zdscan.limits: contourpy
outlines, with the pieces along the grid edge, which are not limits, left out of the lines).

Usage: plot_paper_figures.py [--result results/paper2021.h5] [--projections results/projections2021.h5]
                             [--zdscan build/zdscan] [--out results]
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_fig1_skin  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    import zdscan  # noqa: E402
except ImportError:  # the build tree's package (tools/build.sh builds it)
    sys.path.insert(0, os.path.join(ROOT, "build", "python"))
    import zdscan  # noqa: E402
PV_KINDS = ("pves_proton", "pves_electron", "apv")
PV_STYLES = ["--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 3))]
CL_2D = [68.27, 95.45, 99.73]  # 1σ, 2σ, 3σ: Δχ² = 2.30, 6.18, 11.83 for 2 dof
LABELS = {"qweak": "Qweak", "apv_cs": "APV (Cs)", "p2": "P2", "moller": "MOLLER", "a_mu": r"$a_\mu$", "a_e": r"$a_e$"}


def label(name):
    return LABELS.get(name, name)


def load(path):
    """Axes, profiles, best fit, measurement table and (if present) the δ slices of a result file."""
    tree = zdscan.open(path)
    d = {"path": path}
    for group, names in (("axes", ("m_zd_mev", "epsilon", "delta")), ("profile", ("chi2_total",)),
                         ("profile1d", ("chi2_m_zd_mev", "chi2_epsilon")),
                         ("running", ("q_gev", "sin2_sm", "sin2_bestfit"))):
        ds = tree[group].to_dataset()
        for name in names:
            d[f"{group}/{name}"] = (ds.coords[name] if name in ds.coords else ds[name]).values
    running = tree["running"].to_dataset()
    d["zd_curves"] = {k[5:]: (running[k].values, dict(running[k].attrs)) for k in running.data_vars
                      if k in ("sin2_refined", "sin2_m_lower_1sigma", "sin2_m_upper_1sigma")}
    d["best"] = dict(tree["bestfit"].attrs)
    config = json.loads(tree.attrs["config"])
    d["measurements"] = [(m["name"], m["kind"], m.get("enabled", True)) for m in config["measurements"]]
    d["name"] = config["name"]
    if "slices" in tree.children:
        sl = tree["slices"].to_dataset()
        d["slices"] = {"delta_slice": sl["delta_slice"].values}
    return d


def fill_regions(ax, lim, **style):
    """The region of a zdscan.limits result, holes included, as filled patches."""
    by_polygon = {}
    for r in lim.regions:
        by_polygon.setdefault(r.polygon, []).append(Path(np.column_stack([r.m_zd_mev, r.epsilon]), closed=True))
    for rings in by_polygon.values():
        ax.add_patch(PathPatch(Path.make_compound_path(*rings), **style))


def draw_limits(ax, lim, **style):
    """The limit lines of a zdscan.limits result: outlines without their pieces along the grid edge."""
    for r in lim.regions:
        for m, eps in r.limit_pieces():
            ax.plot(m, eps, **style)


def open_at_edge(lim):
    return any(r.on_grid_edge.any() for r in lim.regions)


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
    m, eps, deltas = d["axes/m_zd_mev"], d["axes/epsilon"], d["slices"]["delta_slice"]
    pv = [n for n, k, on in d["measurements"] if k in PV_KINDS]
    g2 = [n for n, k, on in d["measurements"] if k == "lepton_g2"]
    fig, axes = plt.subplots(1, len(deltas), figsize=(4.3 * len(deltas), 4.2), squeeze=False, sharey=True)
    for ax, delta in zip(axes[0], deltas):
        at = dict(delta_slice=float(delta))
        # The a_μ and a_e favoured regions: Δχ² ≤ 4.61 (90% CL, 2 dof) around each one's own minimum in the slice.
        for name, color in zip(g2, ("tab:green", "tab:cyan", "tab:olive")):
            fill_regions(ax, zdscan.limits(d["path"], 90, measurement=name, region="allowed", **at), color=color,
                         alpha=0.45, lw=0)
            ax.plot([], [], "s", color=color, alpha=0.6, ms=9, label=f"{label(name)} favoured")
        # Each PV measurement: the 90% CL boundary of its own Δχ²; the region above it is excluded.
        for name, style in zip(pv, PV_STYLES):
            draw_limits(ax, zdscan.limits(d["path"], 90, measurement=name, **at), color="0.2", linestyle=style,
                        linewidth=1.2)
            ax.plot([], [], color="0.2", linestyle=style, label=label(name))
        if len(pv) > 1:
            combined = zdscan.limits(d["path"], 90, measurement=pv, **at)
            draw_limits(ax, combined, color="k", linewidth=2)
            fill_regions(ax, combined, facecolor="none", edgecolor="0.35", hatch="////", lw=0)
            ax.plot([], [], "k-", lw=2, label="PV combined (hatched: excluded)")
        ax.set(xscale="log", yscale="log", xlim=(m[0], m[-1]), ylim=(eps[0], eps[-1]),
               xlabel=r"$m_{Z_d}$ [MeV]", title=rf"$\delta = {delta:g}$")
    axes[0][0].set_ylabel(r"$\varepsilon$")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9, frameon=False)
    fig.suptitle(f"{title}: 90% CL (Δχ² = 4.61) at fixed δ — {d['name']}")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return save(fig, out, stem)


def figure3(d, out):
    m, eps = d["axes/m_zd_mev"], d["axes/epsilon"]
    fig = plt.figure(figsize=(9.5, 4.3))
    ax = fig.add_axes([0.08, 0.13, 0.42, 0.78])
    colors, names = ["#1f4e8c", "#4f86c6", "#a9c7ea"], ["1σ", "2σ", "3σ"]
    regions = [zdscan.limits(d["path"], cl, region="allowed") for cl in CL_2D]
    for lim, color in reversed(list(zip(regions, colors))):  # the widest first, the 1σ region on top
        fill_regions(ax, lim, color=color, lw=0)
        draw_limits(ax, lim, color="k", linewidth=0.6)
    b = d["best"]
    ax.plot(b["refined_m_zd_mev"], b["refined_epsilon"], "r*", ms=11, label="best fit (refined)")
    for color, name in zip(colors, names):
        ax.plot([], [], "s", color=color, ms=9, label=name)
    ax.set(xscale="log", yscale="log", xlim=(m[0], m[-1]), ylim=(eps[0], eps[-1]), xlabel=r"$m_{Z_d}$ [MeV]",
           ylabel=r"$\varepsilon$", title=r"combined fit, marginalised over $\delta$ (Fig. 3)")
    ax.legend(fontsize=8, loc="upper left")
    # Regions closed by the grid's edge are not limits there: say so rather than suggest a closed region.
    reached = [n for lim, n in zip(regions, names) if open_at_edge(lim)]
    if reached:
        ax.text(0.98, 0.03, f"{', '.join(reached)} region(s) reach the grid edge\n(no line drawn along it)",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7.5, bbox=dict(fc="white", alpha=0.8, lw=0))
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
