"""The seed paper's Figs. 1–5 from a result file, at journal widths, and their writer (the output policy of every
zdscan writer: docs/output.md)."""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .. import _core, _output
from ._panels import (CL_2D, EPS_LABEL, FC_COLOR, FC_STYLES, M_LABEL, POSTERIOR_COLOR, REGION_COLORS, _data, _log_axes,
                      contours, coverage_map, fc_boundaries, forecast_text, label, label_of, legend_handles, limits,
                      profile1d, sci_tex, search_forms, search_legend_handle)
from ._result import PV_KINDS, ResultData, read_result
from ._running import read_points_json, running
from ._style import FORMATS, PNG_DPI, journal_style, width_inches

DCHI2 = r"$\Delta\chi^2$"


def forecast_mark(ax, d: ResultData):
    """A fit that includes projections (expected uncertainties of future measurements) is a forecast: Fig. 3 says so
    in its panel, as the summary does (Fig. 4 in its legend's title)."""
    text = forecast_text(d)
    if text is None:
        return None
    mark = ax.text(0.03, 0.97, text, transform=ax.transAxes, ha="left", va="top", color="#7b3294",
                   bbox=dict(facecolor="white", edgecolor="none", pad=1.0, alpha=0.85))
    mark.set_in_layout(False)  # inside the panel: the layout need not make room for it
    return mark


def _new_figure(width_in: float, height_in: float):
    import matplotlib.figure

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    # A bare Figure (not pyplot): no global state, nothing left open; an Agg canvas to measure text on (Jupyter
    # shows it inline all the same).
    fig = matplotlib.figure.Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0.02, hspace=0.02)
    return fig


def _panel_grid(n: int):
    """Rows and columns for n δ panels: 2×2 for four, one row for up to three, rows of three beyond."""
    if n == 4:
        return 2, 2
    if n <= 3:
        return 1, n
    return (n + 2) // 3, 3


def figure_limits(result, width="double", *, deltas: Optional[Sequence[float]] = None, cl: float = 90,
                  searches: bool = True):
    """Figs. 2 (today's measurements) and 5 (with projections): one panel per δ of the file's /slices (or those
    given), shared axes, one legend below the panels."""
    d = _data(result)
    if d.delta_slices is None:
        raise ValueError(f"{d.path}: no /slices; scan with --delta-slices (e.g. 0,0.001,0.005,0.01) for Figs. 2 and 5")
    deltas = list(d.delta_slices if deltas is None else deltas)
    if not deltas:
        raise ValueError("no δ to draw")
    w = width_inches(width)
    rows, cols = _panel_grid(len(deltas))
    # Square panels (0.45 in for the ε label and ticks) up to 2.3 in tall: at double width they grow wider only.
    panel = min((w - 0.45) / cols, 2.3)
    handles, labels = legend_handles(d, cl, with_searches=searches)
    fig = _new_figure(w, rows * panel + 0.35)
    # Room between columns and rows for the tick labels at the shared edges (10³ of one panel beside 10⁰ of the next).
    fig.get_layout_engine().set(wspace=0.1, hspace=0.04)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= len(deltas):
            ax.set_visible(False)
            continue
        # The searches do not depend on δ: named once, in the first panel (issue 28: they repeated in all four).
        limits(d, deltas[k], ax=ax, cl=cl, with_searches=searches, axis_labels=False, search_labels=k == 0)
        if k % cols == 0:
            ax.set_ylabel(EPS_LABEL)
        if k // cols == rows - 1 or k + cols >= len(deltas):
            ax.set_xlabel(M_LABEL)
            ax.tick_params(labelbottom=True)
    _fitted_legend(fig, handles, labels)
    return fig


def _fitted_legend(fig, handles, labels):
    """One legend below the panels, in as many columns as fit the figure's width (never wider than the figure; with
    two columns or one, the longest labels are wrapped before a column is given up); the figure grows by the legend's
    height so that the panels keep their size."""
    if not labels:
        return None
    import textwrap

    renderer = fig.canvas.get_renderer()
    width_px = fig.get_figwidth() * fig.dpi
    longest = max(len(t) for t in labels)
    for ncol in range(len(labels), 0, -1):
        widths = [longest] + (list(range(longest - 4, 11, -4)) if ncol <= 2 else [])
        for chars in widths:
            texts = ["\n".join(textwrap.wrap(t, chars)) if len(t) > chars else t for t in labels]
            legend = fig.legend(handles, texts, loc="outside lower center", ncol=ncol, columnspacing=1.0,
                                handletextpad=0.5)
            box = legend.get_window_extent(renderer)
            if box.width <= 0.98 * width_px or (ncol == 1 and chars == widths[-1]):
                fig.set_figheight(fig.get_figheight() + box.height / fig.dpi + 0.05)
                return legend
            legend.remove()
    return None


def figure_contours(result, width="single", *, searches: bool = True):
    """Fig. 3: the 1σ/2σ/3σ regions of the combined fit (δ profiled) with the 1-D Δχ² profiles as marginal
    panels aligned with the main panel's axes (m_Zd on top, ε on the right)."""
    d = _data(result)
    w = width_inches(width)
    fig = _new_figure(w, min(w * 0.92, 4.6))  # at double width wider, not taller than a page allows
    fig.get_layout_engine().set(wspace=0.06, hspace=0.04)  # room for the tick labels where the panels meet
    gs = fig.add_gridspec(2, 2, width_ratios=(3.2, 1), height_ratios=(1, 3.2))
    main = fig.add_subplot(gs[1, 0])
    top = fig.add_subplot(gs[0, 0], sharex=main)
    right = fig.add_subplot(gs[1, 1], sharey=main)
    corner = fig.add_subplot(gs[0, 1])
    drawn = contours(d, ax=main, with_searches=searches, axis_labels=False)
    main.set_xlabel(M_LABEL)
    main.set_ylabel(EPS_LABEL)
    forecast_mark(main, d)
    t = profile1d(d, "m_zd_mev", ax=top)
    r = profile1d(d, "epsilon", ax=right, orientation="horizontal")
    if d.posterior is not None:
        # The 1-D marginal posteriors on the profiles' Δχ² scale: −2 ln(p/p_max) (a Gaussian gives Δχ²).
        for axis, a, vertical in (("m_zd_mev", top, True), ("epsilon", right, False)):
            p = d.posterior["marginal"][axis]
            x = d.m_zd_mev if axis == "m_zd_mev" else d.epsilon
            with np.errstate(divide="ignore"):
                y = -2 * np.log(p / p.max())
            keep = np.isfinite(y)
            xs, ys = (x[keep], y[keep]) if vertical else (y[keep], x[keep])
            a.plot(xs, ys, color=POSTERIOR_COLOR, linestyle="-.", linewidth=0.9, zorder=3)
    top.set_ylabel(DCHI2)
    right.set_xlabel(DCHI2)
    top.tick_params(labelbottom=False)
    right.tick_params(labelleft=False)
    from matplotlib.ticker import MaxNLocator

    for a in (top, right):
        # 0, 2, 4 on the usual frame of 6; a frame scaled to the data (profile1d) takes three round ticks of its own.
        limit = a.get_ylim()[1] if a is top else a.get_xlim()[1]
        ticks = [0, 2, 4] if limit <= 6 else list(MaxNLocator(3, steps=[1, 2, 5, 10]).tick_values(0, limit))[:4]
        ticks = [t for t in ticks if t <= limit]
        a.set_yticks(ticks) if a is top else a.set_xticks(ticks)
    corner.axis("off")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=c, edgecolor="k", lw=0.4) for c in REGION_COLORS]
    texts = [r"1$\sigma$", r"2$\sigma$", r"3$\sigma$"]
    handles.append(Line2D([], [], marker="o", color="k", ms=3, linestyle="none"))
    texts.append("best fit")
    if t["set by the grid edge"] or r["set by the grid edge"]:
        handles.append(Line2D([], [], color="0.55", linestyle="--", linewidth=0.9))
        texts.append("set by grid edge")
    extra = search_legend_handle(d) if searches else None
    if extra is not None:
        handles.append(extra[0])
        forms = search_forms(d)  # the form each limit enters by (docs/searches.md, "Likelihood of a limit")
        texts.append("direct searches\n(excluded" + (", " + forms if forms else "") + ")")
        if any(x["upper"] is not None and x["enabled"] for x in d.searches):
            from matplotlib.patches import Patch

            from ._panels import BAND_STYLE

            handles.append(Patch(**BAND_STYLE))
            texts.append("beam dumps\n(excluded bands)")
    if "without searches" in drawn:  # search_artefacts: the fit without the searches, for comparison
        handles.append(Line2D([], [], color="0.15", linestyle=":", linewidth=0.9))
        texts.append("without searches\n" + r"(1$\sigma$, 2$\sigma$)")
    if d.coverage is not None:  # the Feldman-Cousins lines contours() drew (the levels both have)
        shared = [c for c in d.coverage["cl"] if any(abs(c - x) < 0.01 for x in CL_2D)]
        for k, c in enumerate(shared):
            handles.append(Line2D([], [], color=FC_COLOR, linestyle=FC_STYLES[k % len(FC_STYLES)], linewidth=1.0))
            texts.append(f"FC {c:.4g}%")
    if d.posterior is not None:
        handles += [Line2D([], [], color=POSTERIOR_COLOR, linestyle="-", linewidth=0.9),
                    Line2D([], [], color=POSTERIOR_COLOR, linestyle="--", linewidth=0.9)]
        handles.append(Line2D([], [], color=POSTERIOR_COLOR, linestyle="-.", linewidth=0.9))
        texts += ["68% HPD", "95% HPD", r"marginal, $-2\Delta\ln p$"]
        if d.posterior.get("box_set"):  # the prior range sets some credible interval (docs/statistics.md)
            names = {"m_zd_mev": r"$m_{Z_d}$", "epsilon": r"$\varepsilon$", "delta": r"$\delta$"}
            handles.append(Line2D([], [], linestyle="none"))
            texts.append("posterior of " + ", ".join(names[a] for a in d.posterior["box_set"]) + "\nset by the box")
    if w < 5 and len(handles) > 6:
        # At single width a long legend (searches, beam dumps, the fit without them) would crowd the corner and
        # squeeze the panels: under the figure, in two columns, the figure taller by its rows.
        rows = (len(handles) + 1) // 2
        fig.set_figheight(fig.get_figheight() + 0.2 * rows)
        fig.legend(handles, texts, loc="outside lower center", ncol=2, handlelength=1.4, labelspacing=0.3,
                   columnspacing=1.0, frameon=False)
    else:
        corner.legend(handles, texts, loc="center", handlelength=1.4, borderaxespad=0, labelspacing=0.3)
    return fig


def figure_coverage(result, width="single"):
    """The toys of `zdscan coverage`: (a) the Wilks regions (filled) and the Feldman-Cousins regions (lines) at the
    same CLs; (b) the coverage of the Wilks region at the lowest CL over the tested cells. Side by side at double
    width, one above the other at single width."""
    d = _data(result)
    if d.coverage is None:
        raise ValueError(f"{d.path}: the coverage figure needs /coverage (run `zdscan coverage` on the result)")
    cov = d.coverage
    w = width_inches(width)
    double = w > 5
    fig = _new_figure(w, w * 0.45 if double else min(w * 1.6, 8.5))
    a, b = fig.subplots(1, 2) if double else fig.subplots(2, 1)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n = len(cov["cl"])
    colors = list(REGION_COLORS[:n]) if n <= 3 else [plt_color(k, n) for k in range(n)]
    a.contourf(d.m_zd_mev, d.epsilon, cov["dchi2"].T, levels=[0.0] + list(cov["wilks"]), colors=colors)
    fc_boundaries(d, a, cov["cl"])
    a.plot(d.best["refined_m_zd_mev"], d.best["refined_epsilon"], "o", color="k", ms=3, zorder=5)
    _log_axes(a, d)
    a.set_xlabel(M_LABEL)
    a.set_ylabel(EPS_LABEL)
    handles = [Patch(facecolor=c, edgecolor="none") for c in colors]
    texts = [f"Wilks {c:.4g}%" for c in cov["cl"]]
    handles += [Line2D([], [], color=FC_COLOR, linestyle=FC_STYLES[k % len(FC_STYLES)], linewidth=1.0)
                for k in range(n)]
    texts += [f"FC {c:.4g}%" for c in cov["cl"]]
    a.legend(handles, texts, loc="best", ncol=2, handlelength=1.5, columnspacing=0.8, labelspacing=0.25,
             borderaxespad=0.3, framealpha=0.85)
    art = coverage_map(d, ax=b)
    b.set_xlabel(M_LABEL)
    b.set_ylabel(EPS_LABEL)
    bar = fig.colorbar(art["coverage"][0], ax=b, pad=0.02)
    bar.set_label(f"coverage of the Wilks {cov['cl'][0]:.4g}% region")
    bar.ax.axhline(cov["cl"][0] / 100, color="k", linewidth=0.8)
    for ax, tag in ((a, "(a)"), (b, "(b)")):
        ax.text(0.02, 0.97, tag, transform=ax.transAxes, va="top", ha="left")
    b.text(0.98, 0.03, f"{cov['toys']} toys a cell", transform=b.transAxes, va="bottom", ha="right")
    return fig


def plt_color(k: int, n: int):
    import matplotlib

    return matplotlib.colormaps["Blues_r"](0.15 + 0.7 * k / max(1, n - 1))


def figure_running(result, width="single", *, points: Optional[str] = None):
    """Fig. 4: the running of ŝ² with the fitted Z_d, the measurements and the projections."""
    d = _data(result)
    w = width_inches(width)
    import matplotlib.figure

    # A fixed layout: the labels are placed against the final axes (a layout engine would move them after).
    h = min(w * 0.75, 3.6)
    fig = matplotlib.figure.Figure(figsize=(w, h))
    left, bottom = 0.62 / w, 0.42 / h
    ax = fig.add_axes((left, bottom, 1 - left - 0.16 / w, 1 - bottom - 0.1 / h))  # room for the last tick label
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    ax.set_xlabel("Q [GeV]")
    ax.set_ylabel(r"$\hat{s}^2(Q)$")
    arts = running(d, ax=ax, points=points)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="#1f5fa8", linewidth=1.1), Line2D([], [], color="#d62728", linestyle="--")]
    texts = ["SM", r"$Z_d$ best fit"]
    if arts.get("Z_d 1 sigma in m_Zd"):
        handles.append(Line2D([], [], color="#2ca02c", linestyle=":"))
        texts.append(r"$Z_d$, 1$\sigma$ ends of $m_{Z_d}$")
    if arts.get("Z_d fit prediction"):
        handles.append(Line2D([], [], marker="D", color="#d62728", mfc="none", ms=4.5, mew=0.8, linestyle="none"))
        texts.append(r"$Z_d$ best fit at each fitted point")  # what the fit predicts there (K(m) for APV)
    # A fit with projections is a forecast: the legend's title says so (the labels of the points fill the panel).
    legend = ax.legend(handles, texts, loc="lower left", title=forecast_text(d))
    legend.get_title().set_color("#7b3294")
    return fig


SKIN_MARKERS = {"SHF": ("o", "#1f78b4"), "RMF": ("s", "#e31a1c")}  # other families: triangles, grey


def load_skin_points(path: str) -> List[dict]:
    """Fig. 1's nuclear-model points from a JSON file {"skin_points": [{"model": "SHF", "name": "SkI3",
    "pb208_skin_fm": 0.23, "cs133_skin_fm": 0.17}, ...]} (the paper does not tabulate them; users supply their
    own), checked before use: a regular file of at most 16 MB, finite skins in [-0.5, 1] fm, strings for the rest."""
    doc = read_points_json(path)
    points = doc.get("skin_points") if isinstance(doc, dict) else None
    if not isinstance(points, list) or not points:
        raise ValueError(f"{path}: no 'skin_points' list (Fig. 1's nuclear-model points)")
    for i, p in enumerate(points):
        where = f"{path}: skin_points[{i}]"
        if not isinstance(p, dict):
            raise ValueError(f"{where}: must be an object")
        for key in ("pb208_skin_fm", "cs133_skin_fm"):
            v = p.get(key)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not -0.5 <= v <= 1:
                raise ValueError(f"{where}.{key}: must be a number in [-0.5, 1] fm")
        if not isinstance(p.get("model", ""), str) or not isinstance(p.get("name", ""), str):
            raise ValueError(f"{where}: model and name must be strings")
    return points


def _points_file_keys(path: Optional[str]) -> set:
    """Which figures' points a --points file holds: "points" (Fig. 4), "skin_points" (Fig. 1)."""
    if not path:
        return set()
    try:
        doc = read_points_json(path)
    except (OSError, ValueError):
        return {"points"}  # Fig. 4's reader names the problem
    return {k for k in ("points", "skin_points") if isinstance(doc, dict) and k in doc}


def figure_skin(result, width="single", *, points: Optional[str] = None):
    """Fig. 1: the Cs–Pb point neutron-skin correlation (eq. 18) with its 1σ and 3σ bands, the PREX-1+2 value of
    ²⁰⁸Pb and the ¹³³Cs skin derived from it, from the result's own apv_reanalysis inputs. The nuclear-model points
    behind the correlation are not tabulated in the paper: with `points` (a JSON file, load_skin_points) the figure
    draws them by model family, else it says they are not shown."""
    model_points = load_skin_points(points) if points else None
    d = _data(result)
    import h5py

    with h5py.File(d.path, "r") as f:
        from ..limit_curves import _text

        config = json.loads(_text(f.attrs["config"]))
    from .._scan import apv

    report = apv(config)
    inputs, res = report["inputs"], report["result"]
    slope, s_slope = inputs["skin_slope"]["value"], inputs["skin_slope"]["sigma"]
    icpt, s_icpt = inputs["skin_intercept_fm"]["value"], inputs["skin_intercept_fm"]["sigma"]
    pb, s_pb = inputs["pb208_skin_point_fm"]["value"], inputs["pb208_skin_point_fm"]["sigma"]
    cs = res["skin_point_cs_fm"]
    w = width_inches(width)
    fig = _new_figure(w, min(w * 0.8, 3.6))
    ax = fig.add_subplot()
    x = np.linspace(0.0, 0.45, 200)
    y = slope * x + icpt
    sy = np.hypot(x * s_slope, s_icpt)  # slope and intercept uncorrelated: the paper quotes no covariance
    ax.fill_between(x, y - 3 * sy, y + 3 * sy, color="0.87", lw=0, label=r"3$\sigma$ band")
    ax.fill_between(x, y - sy, y + sy, color="0.65", lw=0, label=r"1$\sigma$ band")
    ax.plot(x, y, "k-", lw=1.0, label=f"linear fit: {slope:.3f} x + {icpt:.3f} fm")
    ax.axvspan(pb - s_pb, pb + s_pb, color="#4daf4a", alpha=0.3, lw=0, label=f"PREX-1+2: {pb:.3f}({s_pb * 1e3:.0f}) fm")
    if inputs.get("skin_source") == "prex":
        ax.errorbar([pb], [cs["value"]], xerr=[s_pb], yerr=[cs["sigma"]], fmt="o", color="#7b3294", ms=3.5,
                    label=rf"$^{{133}}$Cs, eq. 18: {cs['value']:.3f}({cs['sigma'] * 1e3:.0f}) fm")
    had_cs, had_pb = res["hadronic_skin_cs_fm"], res["hadronic_skin_pb_fm"]
    ax.errorbar([had_pb["value"]], [had_cs["value"]], xerr=[had_pb["sigma"]], yerr=[had_cs["sigma"]], fmt="s",
                mfc="white", color="0.3", ms=3.5, label="hadronic probes, eq. 16")
    ax.set(xlim=(0, 0.45), ylim=(0, 0.42), xlabel=r"$\Delta R_{np}^{\rm point}(^{208}$Pb) [fm]",
           ylabel=r"$\Delta R_{np}^{\rm point}(^{133}$Cs) [fm]")
    ax.legend(loc="upper left", labelspacing=0.25, frameon=True, facecolor="white", edgecolor="none", framealpha=0.9)
    if model_points:
        families = {}
        for p in model_points:
            families.setdefault(p.get("model") or "model", []).append(p)
        for family, ps in families.items():
            marker, color = SKIN_MARKERS.get(family.upper(), ("^", "0.35"))
            ax.plot([p["pb208_skin_fm"] for p in ps], [p["cs133_skin_fm"] for p in ps], marker, mfc="none",
                    color=color, ms=3.5, mew=0.8, ls="none", label=f"{family} ({len(ps)})", zorder=3)
        ax.legend(loc="upper left", labelspacing=0.25, frameon=True, facecolor="white", edgecolor="none",
                  framealpha=0.9)
    else:
        ax.text(0.98, 0.03, "nuclear-model points (SHF, RMF)\nnot tabulated in the paper: not shown\n(zdscan plot "
                "--points FILE with skin_points)", transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
                color="0.3")
    return fig


FIGURES: Dict[str, Callable] = {"fig1": figure_skin, "fig2": figure_limits, "fig3": figure_contours,
                                "fig4": figure_running, "fig5": figure_limits, "coverage": figure_coverage}
STEMS = {"fig1": "fig1_skin_correlation", "fig2": "fig2_limits", "fig3": "fig3_contours", "fig4": "fig4_running",
         "fig5": "fig5_projections", "coverage": "fig3_coverage"}


def figure(which: str, result, width="single", **kw):
    """One of the seed paper's figures (fig1 … fig5), or the toys' coverage figure (coverage: needs /coverage), from a
    result file, as a matplotlib Figure."""
    if which not in FIGURES:
        raise ValueError(f"figure must be one of {', '.join(FIGURES)} (got {which!r})")
    d = read_result(result) if not isinstance(result, ResultData) else result
    if which == "fig5" and not any(m.projection for m in d.shown()):
        raise ValueError(f"{d.path}: fig5 shows projections and this result has none (measurements with "
                         "\"projection\": true, e.g. configs/projections2021.json)")
    with journal_style():
        return FIGURES[which](d, width, **kw)


def save(fig, path: str, *, force: bool = False, inputs: Sequence[str] = ()) -> str:
    """Writes fig to path (format from the extension: pdf, png, svg) through zdscan's output policy: a new file, or
    one zdscan drew (its metadata carries the figure marker), written to a temporary and renamed. PNG at 300 dpi,
    PDF with Type 42 fonts."""
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    if ext not in FORMATS:
        raise ValueError(f"{path}: the format follows the extension, one of {', '.join(FORMATS)}")
    from .. import __version__

    marker = f"{_core.figure_marker} {__version__}"
    meta = {"png": {"Software": marker}, "svg": {"Creator": marker}, "pdf": {"Creator": marker}}[ext]
    buf = io.BytesIO()
    with journal_style():
        fig.savefig(buf, format=ext, dpi=PNG_DPI, metadata=meta)
    _output.write_bytes(path, buf.getvalue(), force=force, inputs=inputs, option="--out")
    return path


def _draw_and_save(w: str, d: ResultData, result: str, out_dir: str, formats: Sequence[str], width, force: bool,
                   points: Optional[str], suffix: str, searches: bool = True) -> List[str]:
    keys = _points_file_keys(points)
    kw = {"points": points} if points and ((w == "fig4" and "points" in keys) or (w == "fig1" and "skin_points" in keys)) else {}
    if w in ("fig2", "fig3", "fig5") and not searches:
        kw["searches"] = False
    fig = figure(w, d, width, **kw)
    if fig.get_layout_engine() is not None:  # lay out once, not once per format (a third of the time)
        with journal_style():
            fig.get_layout_engine().execute(fig)  # the layout alone: a draw would also rasterise every artist
        fig.set_layout_engine("none")
    written = [save(fig, os.path.join(out_dir, f"{STEMS[w]}{suffix}.{f}"), force=force,
                    inputs=[result] + ([points] if points else [])) for f in formats]
    import matplotlib.pyplot as plt

    plt.close(fig)
    return written


_job: dict = {}  # what the forked workers of write_figures draw from (inherited, not pickled)

# Rough drawing cost of each figure, to start the longest first when several share the workers (1024² maps on the
# 2-core machine of docs/benchmarks.md: Figs. 2 and 5 contour 20 maps each).
_COST = {"fig2": 3, "fig5": 3, "fig3": 2, "coverage": 2, "fig1": 1, "fig4": 1}


def _load_drawing_modules(formats: Sequence[str]) -> None:
    """Imports what every figure draws with (figure, Agg, the formats' backends, contourpy) and loads the fonts by
    measuring one string, so that forked workers inherit them."""
    import importlib

    import contourpy  # noqa: F401
    import matplotlib.figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for f in formats:
        importlib.import_module(f"matplotlib.backends.backend_{'agg' if f == 'png' else f}")
    from matplotlib.font_manager import FontProperties

    with journal_style():
        renderer = FigureCanvasAgg(matplotlib.figure.Figure(figsize=(1, 1))).get_renderer()
        renderer.get_text_width_height_descent(r"$10^{-3}$", FontProperties(), ismath=True)


def _draw_job(job) -> List[str]:
    w, k = job
    return _draw_and_save(w, d=_job["data"][k], result=_job["results"][k], **_job["options"])


def write_figures(which: Sequence[str], result: str, out_dir: str, *, formats: Sequence[str] = ("pdf", "png"),
                  width="single", force: bool = False, points: Optional[str] = None, suffix: str = "",
                  processes: Optional[int] = None, searches: bool = True) -> List[str]:
    """Draws each figure and writes it in each format into out_dir (created if missing): STEM[suffix].FORMAT.
    Several figures are drawn side by side in forked processes, one a core (processes: how many; 1 draws them here
    one after the other); matplotlib's drawing is single-threaded, and most of the time a figure takes."""
    return write_figure_sets([(which, result)], out_dir, formats=formats, width=width, force=force, points=points,
                             suffix=suffix, processes=processes, searches=searches)


def write_figure_sets(sets: Sequence[Tuple[Sequence[str], str]], out_dir: str, *,
                      formats: Sequence[str] = ("pdf", "png"), width="single", force: bool = False,
                      points: Optional[str] = None, suffix: str = "", processes: Optional[int] = None,
                      searches: bool = True) -> List[str]:
    """write_figures for several results at once, [(figures, result), ...] (`zdscan plot fig2,fig3,fig4 paper.h5
    fig5 proj.h5`): one process start and one import for all, and the figures of every result shared among the
    workers, the longest first. Two results may not write the same file (the same figure of both)."""
    for f in formats:
        if f not in FORMATS:
            raise ValueError(f"--format: {f!r} is not one of {', '.join(FORMATS)}")
    data = [read_result(result) for _, result in sets]
    jobs, seen = [], {}
    for k, (which, result) in enumerate(sets):
        for w in which:
            if w in seen and seen[w] != result:
                raise ValueError(f"{w} is asked of both {seen[w]} and {result}: both would write "
                                 f"{STEMS[w]}{suffix}.*; draw one of them in a separate run with --suffix or --out")
            seen[w] = result
            jobs.append((w, k))
    if os.path.lexists(out_dir) and not os.path.isdir(out_dir):
        raise FileExistsError(f"--out {out_dir}: not a directory (figures go into a directory, one file each)")
    made = not os.path.lexists(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    try:
        return _write_jobs(jobs, data, sets, out_dir, formats, width, force, points, suffix, processes, searches)
    except BaseException:
        # A failed or stopped run leaves no empty directory of its own making behind.
        if made:
            with contextlib.suppress(OSError):
                os.rmdir(out_dir)  # only when empty: figures written before the failure stay
        raise


def _write_jobs(jobs, data, sets, out_dir, formats, width, force, points, suffix, processes, searches) -> List[str]:
    options = dict(out_dir=out_dir, formats=formats, width=width, force=force, points=points, suffix=suffix,
                   searches=searches)
    import multiprocessing as mp

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = min(len(jobs), processes or cores)
    global _job
    _job = dict(data=data, results=[result for _, result in sets], options=options)
    try:
        if n <= 1 or "fork" not in mp.get_all_start_methods():
            return [path for job in jobs for path in _draw_job(job)]
        _load_drawing_modules(formats)  # once here, not once in each forked worker (0.3 s each)
        order = sorted(range(len(jobs)), key=lambda i: -_COST.get(jobs[i][0], 1))  # the longest first
        pool = mp.get_context("fork").Pool(n)
        try:
            done = pool.map(_draw_job, [jobs[i] for i in order], chunksize=1)
            # The workers end by the pool's sentinel, not by a signal: Pool.terminate (the context manager's exit)
            # signals them, and a worker whose SIGTERM raced with its start-up kept the parent waiting (seen once in
            # figures_check). terminate stays for a failure or a stop request.
            pool.close()
            pool.join()
        except BaseException:
            pool.terminate()
            pool.join()
            raise
        paths: List[List[str]] = [[] for _ in jobs]
        for i, ps in zip(order, done):
            paths[i] = ps
        return [path for ps in paths for path in ps]
    finally:
        _job = {}


MESON_COLORS = ("#d95f02", "#7570b3", "#e7298a", "#a6761d")
G2_COLORS = {"mu": "#a1d99b", "e": "#d9d9d9"}  # favoured bands: a_μ green, a_e grey
PV_COLORS = {"apv": "#253494", "pves_proton": "#41b6c4", "pves_electron": "#2c7fb8"}
PAPER_BEST_FIT = (47.0, 2.3e-3, 7.9e-4)  # seed paper eqs. 28-29 and footnote 5: (m_Zd [MeV], ε, δ)


def figure_mesons(result, width="double", *, epsilon: Optional[float] = None, m_zd_mev: Optional[float] = None,
                  n: int = 241, delta_linear_width: float = 1e-4):
    """The mass mixing against the decays that bound it (docs/searches.md, "Rare meson decays"): the (m_Zd, δ) plane
    at fixed ε and the (ε, δ) plane at fixed m_Zd (default: the refined best fit's), each measurement's 90 % CL
    line (χ² = 4.61; g−2 as its favoured band), each meson decay's excluded region (its χ², the _phase companion's
    included, above its value at the limit) and the total's 1σ and 2σ regions of the slice (Δχ² = 2.30, 6.18 from the
    fit's minimum). The decays' valley, δ′ = −v ε/u where the kinetic and mass-mixing amplitudes cancel, is the
    notch in their regions. The δ axis is asinh-scaled (linear within ±delta_linear_width, logarithmic beyond), so
    that the valley, a few 10⁻⁵ wide at the paper's ε, and the weak charges' reach to 10⁻² show in one panel."""
    d = _data(result)
    import h5py

    from .._scan import Model
    from ..limit_curves import _text

    with h5py.File(d.path, "r") as f:
        config = json.loads(_text(f.attrs["config"]))
        delta_axis = np.asarray(f["axes/delta"][...], dtype=float)
        best = {k: float(np.asarray(f["bestfit"].attrs[k])) for k in ("refined_m_zd_mev", "refined_epsilon",
                                                                       "refined_delta", "refined_chi2_min")}
        thresholds = {}
        if "meson_decays" in f:
            for name, g in f["meson_decays"].items():
                v = float(np.asarray(g.attrs.get("chi2_at_limit", np.nan)))
                thresholds[name] = v if np.isfinite(v) else 4.605170185988092
    mesons = [m for m in config["measurements"] if m.get("kind") == "meson_decay" and m.get("enabled", True)]
    if not mesons:
        raise ValueError(f"{d.path}: the mesons figure needs meson_decay measurements (docs/searches.md)")
    if delta_axis.size < 2 or d.m_zd_mev.size < 2 or d.epsilon.size < 2:
        raise ValueError(f"{d.path}: the mesons figure needs at least 2 points on the m_Zd, epsilon and delta axes")
    eps0 = float(epsilon) if epsilon is not None else best["refined_epsilon"]
    m0 = float(m_zd_mev) if m_zd_mev is not None else best["refined_m_zd_mev"]
    model = Model(d.path)
    lw = float(delta_linear_width)
    delta = lw * np.sinh(np.linspace(np.arcsinh(delta_axis[0] / lw), np.arcsinh(delta_axis[-1] / lw), 2 * n))
    planes = [("m", np.geomspace(d.m_zd_mev[0], d.m_zd_mev[-1], n), M_LABEL,
               rf"$\varepsilon = {sci_tex(eps0, 3)}$"),
              ("eps", np.geomspace(d.epsilon[0], d.epsilon[-1], n), EPS_LABEL,
               rf"$m_{{Z_d}} = {m0:.3g}$ MeV")]
    w = width_inches(width)
    narrow = w < 5  # a single column: the two planes one above the other
    fig = _new_figure(w, w * (1.45 if narrow else 0.52))
    axes = fig.subplots(2, 1) if narrow else fig.subplots(1, 2, sharey=True)
    handles: Dict[str, object] = {}
    import matplotlib.lines as mlines
    import matplotlib.patches as mpatches

    for ax, (which, x, xlabel, title) in zip(axes, planes):
        X, D = np.meshgrid(x, delta)
        terms = model.chi2(X, eps0, D) if which == "m" else model.chi2(m0, X, D)
        for m in d.shown():
            if m.kind in PV_KINDS:
                color = PV_COLORS.get(m.kind, "#253494")
                ax.contour(X, D, terms[m.name], levels=[4.605170185988092], colors=[color], linewidths=1.0)
                handles.setdefault(label_of(m, short=True),
                                   mlines.Line2D([], [], color=color, lw=1.0))
            elif m.kind == "lepton_g2" and m.name in terms:
                color = G2_COLORS["e" if "e" == m.name[-1:] and "mu" not in m.name else "mu"]
                ax.contourf(X, D, terms[m.name], levels=[0, 4.605170185988092], colors=[color], alpha=0.55)
                handles.setdefault(label_of(m, short=True) + " favoured",
                                   mpatches.Patch(facecolor=color, alpha=0.55, edgecolor="none"))
        for k, meson in enumerate(mesons):
            name = meson["name"]
            chi2 = terms[name] + (terms[name + "_phase"] if name + "_phase" in terms else 0)
            color = MESON_COLORS[k % len(MESON_COLORS)]
            level = thresholds.get(name, 4.605170185988092)
            if np.nanmax(chi2) > level:
                ax.contourf(X, D, chi2, levels=[level, np.inf], colors="none", hatches=["////"])
                for coll in ax.collections[-1:]:
                    coll.set_edgecolor(color)
                    coll.set_linewidth(0)
                ax.contour(X, D, chi2, levels=[level], colors=[color], linewidths=1.2)
            channel = meson["channel"].replace("->", "→").replace("pi", "π")
            text = meson.get("label") or f"{channel} Z$_d$ ({name})"
            handles.setdefault(text + " excluded", mpatches.Patch(facecolor="none", hatch="////", edgecolor=color))
        total = terms["total"] - best["refined_chi2_min"]
        ax.contour(X, D, total, levels=[2.295748928898636, 6.180074306244173], colors=["k", "k"],
                   linestyles=["-", "--"], linewidths=0.9)
        handles.setdefault(r"total 1$\sigma$, 2$\sigma$ (slice)", mlines.Line2D([], [], color="k", lw=0.9))
        bx = best["refined_m_zd_mev"] if which == "m" else best["refined_epsilon"]
        ax.plot([bx], [best["refined_delta"]], marker="*", color="k", ms=7, ls="none")
        px = PAPER_BEST_FIT[0] if which == "m" else PAPER_BEST_FIT[1]
        ax.plot([px], [PAPER_BEST_FIT[2]], marker="x", color="#b2182b", ms=6, mew=1.5, ls="none")
        ax.axhline(0, color="0.6", lw=0.5, zorder=0)
        ax.set_xscale("log")
        ax.set_yscale("asinh", linear_width=lw)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(delta[0], delta[-1])
        ax.yaxis.set_major_locator(_matplotlib_ticker().FixedLocator(_delta_ticks(delta[0], delta[-1], lw)))
        ax.yaxis.set_major_formatter(_matplotlib_ticker().FuncFormatter(_delta_tick_label))
        ax.yaxis.set_minor_locator(_matplotlib_ticker().NullLocator())
        ax.set_xlabel(xlabel)
        ax.set_title(title, fontsize=8)
    for ax in axes if narrow else axes[:1]:
        ax.set_ylabel(r"$\delta$")
    handles["best fit"] = mlines.Line2D([], [], marker="*", color="k", ms=7, ls="none")
    handles["paper's best fit"] = mlines.Line2D([], [], marker="x", color="#b2182b", ms=6, mew=1.5, ls="none")
    fig.legend(list(handles.values()), list(handles.keys()), loc="outside lower center", ncol=2 if narrow else 3,
               frameon=False, handlelength=1.6, columnspacing=1.2)
    return fig


def _matplotlib_ticker():
    import matplotlib.ticker

    return matplotlib.ticker


def _delta_ticks(lo: float, hi: float, lw: float) -> List[float]:
    """0 and ±10^k from the linear width up: the asinh axis' own ticks crowd around 0."""
    ticks = [0.0]
    k = int(np.ceil(np.log10(lw)))
    while 10.0 ** k <= max(abs(lo), abs(hi)) * 1.0001:
        ticks += [t for t in (10.0 ** k, -(10.0 ** k)) if lo <= t <= hi]
        k += 1
    return sorted(ticks)


def _delta_tick_label(v: float, _pos=None) -> str:
    if v == 0:
        return "0"
    return rf"${'-' if v < 0 else ''}10^{{{int(round(np.log10(abs(v))))}}}$"


FIGURES["mesons"] = figure_mesons
STEMS["mesons"] = "fig_meson_decays"
