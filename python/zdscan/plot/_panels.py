"""Panels that draw onto a given matplotlib Axes and return their artists: the 90 % CL limits at a fixed δ
(Figs. 2 and 5), the 2-D regions of the combined fit (Fig. 3), and the 1-D Δχ² profiles (Fig. 3's margins)."""
from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Sequence

import numpy as np

from .. import limit_curves
from ._result import PV_KINDS, ResultData, read_result

LABELS = {"qweak": "Qweak", "apv_cs": "APV Cs", "p2": "P2", "moller": "MOLLER", "a_mu": r"$a_\mu$",
          "a_e": r"$a_e$"}
# Projections, each distinct from the solid line of today's measurements (seed paper Fig. 5: MOLLER dashed, P2
# dot-dashed).
# P2 and MOLLER project nearly the same reach: P2 as a wide, light band under MOLLER's thin dark dashes, so that both
# read where they coincide (issue 28: at 3.4 in they could not be told apart).
PROJECTION_STYLES = {"moller": dict(color="#1f3f8f", linestyle=(0, (3.5, 1.5)), zorder=3.2),
                     "p2": dict(color="#e8888a", linestyle="-", solid_capstyle="butt", zorder=3.1, lw_scale=3.0)}
OTHER_STYLES = [dict(color="#6a3d9a", linestyle=(0, (1, 1.5))), dict(color="#b15928", linestyle=(0, (5, 1, 1, 1))),
                dict(color="#33a02c", linestyle=(0, (3, 1, 1, 1, 1, 1)))]
CURRENT_STYLES = [dict(color="0.25", linestyle="--"), dict(color="0.25", linestyle=":"),
                  dict(color="0.25", linestyle="-.")]
G2_COLORS = {"a_mu": "#7fc97f", "a_e": "#80b1d3"}
CL_2D = (68.27, 95.45, 99.73)  # 1σ, 2σ, 3σ: Δχ² = 2.30, 6.18, 11.83 for 2 dof
REGION_COLORS = ("#08306b", "#4a84c4", "#b5cfea")
POSTERIOR_COLOR = "#e6550d"  # the Bayesian HPD regions of Fig. 3, beside the blue profile-likelihood ones
FC_COLOR = "#2ca02c"  # the toy-based Feldman-Cousins regions (zdscan coverage), beside the Wilks ones
FC_STYLES = ("-", "--", ":", "-.")


def label(name: str) -> str:
    return LABELS.get(name, name)


def label_of(m, short: bool = False) -> str:
    """A measurement's name in a figure: the config's display label, else a label from its name. short drops a
    trailing parenthetical ("APV Cs (this work)" -> "APV Cs") for legends that name several at once."""
    text = m.label or label(m.name)
    if short and text.endswith(")") and " (" in text:
        text = text[:text.rindex(" (")]
    return text


def _data(result) -> ResultData:
    return result if isinstance(result, ResultData) else read_result(result)


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def fill_regions(ax, lim, **style) -> list:
    """The region of a zdscan.limits result, holes included, as filled patches."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    by_polygon: Dict[int, list] = {}
    for r in lim.regions:
        by_polygon.setdefault(r.polygon, []).append(Path(np.column_stack([r.m_zd_mev, r.epsilon]), closed=True))
    out = []
    for rings in by_polygon.values():
        # add_artist, not add_patch: the axes' limits are the grid's, and add_patch walks every vertex of a
        # 1024² contour (as Bézier segments) to update the data limits: a third of Fig. 2's time.
        patch = PathPatch(Path.make_compound_path(*rings), transform=ax.transData, **style)
        patch.set_clip_path(ax.patch)
        out.append(ax.add_artist(patch))
    return out


def draw_limit_lines(ax, lim, **style) -> list:
    """The limit lines of a zdscan.limits result: outlines without their pieces along the grid edge (a region
    closed by the box's edge is not a limit there)."""
    out = []
    for r in lim.regions:
        for m, eps in r.limit_pieces():
            out += ax.plot(m, eps, **style)
    return out


def sci_tex(v: float, digits: Optional[int] = None) -> str:
    """v as a reader writes it, in TeX without the $: 0, 10^{-3}, 5\\times10^{-3} (the mantissa to `digits`
    significant digits, or as it is)."""
    if v == 0:
        return "0"
    e = int(np.floor(np.log10(abs(v))))
    mant = v / 10.0 ** e
    if digits is not None:
        mant = float(f"{mant:.{digits}g}")
        if abs(mant) >= 10:  # 9.996 to three digits is 10.0: one more decade
            mant, e = mant / 10, e + 1
    if abs(mant - round(mant)) < 1e-9:
        mant = round(mant)
    return rf"10^{{{e}}}" if mant == 1 else rf"{mant:g}\times10^{{{e}}}"


def delta_text(delta: float) -> str:
    """δ as a reader writes it: 0, 10^-3, 5×10^-3."""
    return rf"$\delta = {sci_tex(delta)}$"


M_LABEL = r"$m_{Z_d}$ [MeV]"
EPS_LABEL = r"$\varepsilon$"


def _log_axes(ax, d: ResultData, axis_labels: bool = False):
    """The (m_Zd, ε) plane's log axes and the grid's ranges; with axis_labels, its axis labels where the axes have
    none yet (a panel drawn alone reads by itself; a figure that shares axes places them itself)."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(d.m_zd_mev[0], d.m_zd_mev[-1])
    ax.set_ylim(d.epsilon[0], d.epsilon[-1])
    if axis_labels:
        if not ax.get_xlabel():
            ax.set_xlabel(M_LABEL)
        if not ax.get_ylabel():
            ax.set_ylabel(EPS_LABEL)


@dataclasses.dataclass
class _Layer:
    """One entry of a limits() panel and of its legend: what is drawn (a favoured region filled, a limit line, or
    today's PV combination with its excluded side hatched), of which measurement(s), in which style."""

    label: str
    kind: str  # "favoured", "line" or "combined"
    measurement: object  # a name, or the list of names summed
    style: dict


def _one_sided(d: ResultData, name: str, cl: float) -> bool:
    """Whether the measurement's allowed region reaches the grid's lowest ε in some δ panel: it is then an upper
    limit (everything below allowed), not a favoured band, and is labelled "allowed"."""
    if d.delta_slices is None:
        return False
    # Once per result, measurement and CL: the label is asked for by every panel and by the legend.
    cache = d.__dict__.setdefault("_one_sided", {})
    if (name, cl) not in cache:
        cache[(name, cl)] = any(
            iv[2] for s in d.delta_slices
            for row in limit_curves.limits(d.path, cl, measurement=name, delta_slice=float(s), region="allowed").bands
            for iv in row)
    return cache[(name, cl)]


def _layers(d: ResultData, individual: Optional[bool], cl: float = 90) -> List[_Layer]:
    """The layers of Figs. 2 and 5, in drawing and legend order. Only enabled measurements; a projection is never
    part of the combination; today's PV measurements each get a line when `individual` (default: no projections).
    A g−2 region is "favoured" when it is a band, "allowed" when it reaches the box's lowest ε (an upper limit)."""
    shown = d.shown()
    current = [m for m in shown if m.kind in PV_KINDS and not m.projection]
    projected = [m for m in shown if m.kind in PV_KINDS and m.projection]
    if individual is None:
        individual = not projected
    layers = [_Layer(f"{label_of(m, short=True)} {'allowed' if _one_sided(d, m.name, cl) else 'favoured'}"
                     + (" (projected)" if m.projection else ""), "favoured", m.name,
                     dict(facecolor=G2_COLORS.get(m.name, "#fdb462")))
              for m in shown if m.kind == "lepton_g2"]
    if current:
        if individual and len(current) > 1:
            layers += [_Layer(label_of(m, short=True), "line", m.name, dict(linewidth=0.9, **style))
                       for m, style in zip(current, CURRENT_STYLES)]
        layers.append(_Layer(" + ".join(label_of(m, short=True) for m in current) + ", excluded", "combined",
                             [m.name for m in current], {}))
    others = iter(OTHER_STYLES)
    for m in projected:
        style = PROJECTION_STYLES.get(m.name) or next(others, OTHER_STYLES[0])
        style = dict(style)
        width = 1.2 * style.pop("lw_scale", 1.0)
        layers.append(_Layer(f"{label_of(m, short=True)} (projected)", "line", m.name, dict(linewidth=width, **style)))
    return layers


def limits(result, delta: float, *, ax=None, cl: float = 90, individual: Optional[bool] = None,
           with_searches: bool = True, axis_labels: bool = True, search_labels: bool = True) -> Dict[str, list]:
    """Figs. 2 and 5 at one δ of the file's /slices: the g−2 favoured regions (filled), the combination of today's
    parity-violating measurements (solid, excluded side hatched), each projection as its own line, and, when
    `individual` (default: when there are no projections), each of today's PV measurements as its own line.
    A projection is never part of the solid line; disabled measurements appear nowhere.

    result: a result file's path (or read_result's data); returns {legend label: [artists]}."""
    d = _data(result)
    ax = _axes(ax)
    artists: Dict[str, list] = searches(d, ax=ax, labels=search_labels) if with_searches else {}
    for layer in _layers(d, individual, cl):
        lim = limit_curves.limits(d.path, cl, measurement=layer.measurement, delta_slice=float(delta),
                                  region="allowed" if layer.kind == "favoured" else "excluded")
        if layer.kind == "favoured":
            artists[layer.label] = fill_regions(ax, lim, edgecolor="none", alpha=0.8, lw=0, **layer.style)
        elif layer.kind == "line":
            artists[layer.label] = draw_limit_lines(ax, lim, **layer.style)
        else:
            hatch = fill_regions(ax, lim, facecolor="none", edgecolor="0.55", hatch="/////", lw=0)
            artists[layer.label] = draw_limit_lines(ax, lim, color="k", linewidth=1.4) + hatch
            if not lim.regions:  # say it, rather than leave the reader to wonder where the line went
                names = layer.label[:-len(", excluded")] if layer.label.endswith(", excluded") else layer.label
                artists["nothing in range"] = [ax.text(
                    0.96, 0.04, f"{names}:\nno exclusion in range", transform=ax.transAxes, ha="right", va="bottom",
                    bbox=dict(facecolor="white", edgecolor="none", pad=1.0, alpha=0.85))]
    _log_axes(ax, d, axis_labels)
    ax.text(0.04, 0.96, delta_text(delta), transform=ax.transAxes, ha="left", va="top",
            bbox=dict(facecolor="white", edgecolor="none", pad=1.0, alpha=0.85))
    return artists


def legend_handles(result, cl: float = 90, individual: Optional[bool] = None, with_searches: bool = True):
    """Proxy handles and labels for the legend of limits() panels (one legend for all panels)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = []
    layers = _layers(_data(result), individual, cl)
    extra = search_legend_handle(result) if with_searches else None
    for layer in layers:
        if layer.kind == "favoured":
            handles.append(Patch(alpha=0.8, lw=0, **layer.style))
        elif layer.kind == "line":
            handles.append(Line2D([], [], **layer.style))
        else:
            handles.append(Patch(facecolor="white", edgecolor="k", hatch="/////", linewidth=1.2))
    texts = [layer.label for layer in layers]
    if extra is not None:
        handles.append(extra[0])
        texts.append(extra[1])
        if any(x["upper"] is not None and x["enabled"] for x in _data(result).searches):
            handles.append(Patch(**BAND_STYLE))
            texts.append("beam dumps (excluded bands)")
    return handles, texts


def contours(result, *, ax=None, cls: Sequence[float] = CL_2D, with_searches: bool = True,
             with_posterior: bool = True, axis_labels: bool = True) -> Dict[str, list]:
    """Fig. 3's main panel: the combined fit's 2-D regions (δ profiled) at cls (default 1σ, 2σ, 3σ for two
    parameters), the refined best fit as a black dot, over the direct searches of the result's config (grey).
    Returns {label: [artists]}."""
    d = _data(result)
    ax = _axes(ax)
    artists: Dict[str, list] = searches(d, ax=ax) if with_searches else {}
    names = {68.27: r"1$\sigma$", 95.45: r"2$\sigma$", 99.73: r"3$\sigma$"}
    levels = sorted(cls)
    colors = REGION_COLORS if len(levels) <= 3 else [None] * len(levels)
    for cl, color in reversed(list(zip(levels, colors))):  # the widest first, the narrowest on top
        lim = limit_curves.limits(d.path, cl, region="allowed")
        patches = fill_regions(ax, lim, facecolor=color, edgecolor="none", lw=0)
        artists[names.get(cl, f"{cl:g}% CL")] = patches + draw_limit_lines(ax, lim, color="k", linewidth=0.5)
    if d.posterior is not None and with_posterior:
        # The Bayesian 68 % and 95 % HPD regions (δ integrated) beside the profile-likelihood ones.
        # Levels that coincide (a posterior whose 68 % and 95 % HPD regions are the same cells) are drawn once.
        if d.posterior["hpd95"] < d.posterior["hpd68"]:
            levels_hpd, styles, label = [d.posterior["hpd95"], d.posterior["hpd68"]], ["--", "-"], "posterior HPD 68%/95%"
        else:
            levels_hpd, styles, label = [d.posterior["hpd68"]], ["-"], "posterior HPD 68% = 95%"
        cs = ax.contour(d.m_zd_mev, d.epsilon, d.posterior["log_density"].T, levels=levels_hpd,
                        colors=POSTERIOR_COLOR, linestyles=styles, linewidths=0.9, zorder=4)
        artists[label] = [cs]
    if d.coverage is not None:
        # The Feldman-Cousins regions (toys, zdscan coverage) at those of the levels drawn that it computed.
        shared = [c for c in d.coverage["cl"] if any(abs(c - x) < 0.01 for x in levels)]
        artists.update(fc_boundaries(d, ax, shared))
    if with_searches and any(s["enabled"] for s in d.searches):
        artists.update(search_artefacts(d, ax, cls))
    artists["best fit"] = ax.plot(d.best["refined_m_zd_mev"], d.best["refined_epsilon"], "o", color="k", ms=3.5,
                                  zorder=5, clip_on=False)
    _log_axes(ax, d, axis_labels)
    return artists


def fc_boundaries(d: ResultData, ax, cls: Sequence[float]) -> Dict[str, list]:
    """The boundaries of the Feldman-Cousins regions of /coverage at the CLs (%) given, as lines (one style a CL):
    the zero line of Δχ²_data − Δχ²_crit, interpolated between cells, where cells were tested, and of
    Δχ²_data − (Wilks threshold) elsewhere (the rule by which /coverage/fc_region classifies untested cells)."""
    out: Dict[str, list] = {}
    cov = d.coverage
    for k, cl in enumerate(cls):
        wilks = cov["wilks"][cov["cl"].index(cl)]
        field = np.where(cov["tested"], cov["dchi2"] - np.nan_to_num(cov["crit"][cl]), cov["dchi2"] - wilks)
        if field.min() >= 0 or field.max() <= 0:
            continue  # all in or all out: no boundary on the grid
        cs = ax.contour(d.m_zd_mev, d.epsilon, field.T, levels=[0.0], colors=FC_COLOR,
                        linestyles=[FC_STYLES[k % len(FC_STYLES)]], linewidths=1.0, zorder=4)
        out[f"Feldman-Cousins {cl:.4g}%"] = [cs]
    return out


def coverage_map(result, *, ax=None, cl: Optional[float] = None) -> Dict[str, list]:
    """The coverage of the Wilks region at cl (%; default the lowest in /coverage) at each tested cell: the fraction
    of toys thrown there whose Δχ² lies below the Wilks threshold. Nominal coverage is the CL; below it the Wilks
    region undercovers. The data's Wilks contour at that CL for orientation. Returns {label: [artists]}."""
    d = _data(result)
    ax = _axes(ax)
    cov = d.coverage
    cl = cov["cl"][0] if cl is None else cl
    nominal = cl / 100
    values = np.where(cov["tested"], cov["wilks_coverage"][cl], np.nan)
    spread = max(0.05, float(np.nanmax(np.abs(values - nominal))) if np.any(cov["tested"]) else 0.05)
    mesh = ax.pcolormesh(d.m_zd_mev, d.epsilon, values.T, cmap="RdBu", vmin=nominal - spread, vmax=nominal + spread,
                         shading="nearest", rasterized=True)
    k = cov["cl"].index(cl)
    lines = ax.contour(d.m_zd_mev, d.epsilon, cov["dchi2"].T, levels=[cov["wilks"][k]], colors="k", linewidths=0.7)
    best = ax.plot(d.best["refined_m_zd_mev"], d.best["refined_epsilon"], "o", color="k", ms=3)
    _log_axes(ax, d)
    return {"coverage": [mesh], "Wilks": [lines], "best fit": best}


SEARCH_STYLE = dict(facecolor="0.55", alpha=0.22, edgecolor="none", lw=0)
BAND_STYLE = dict(facecolor="none", edgecolor="0.5", hatch="\\\\\\", lw=0)  # beam dumps: hatched, beside the grey


def _runs(flags: np.ndarray):
    """(start, stop) of each run of True in flags."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.astype(int), [0]))))
    return list(zip(edges[0::2], edges[1::2]))


def _applied_rows(s: dict):
    """A search's rows where the fit applies it (up to valid_below_gev): masses in MeV, lower and upper (None for a
    one-sided limit) ε; None when fewer than two rows remain."""
    keep = s["mass_gev"] <= s["valid_below_gev"]
    if keep.sum() < 2:
        return None
    hi = s["upper"][keep] if s["upper"] is not None else None
    return s["mass_gev"][keep] * 1e3, s["lower"][keep], hi


def _one_sided_limit(m: np.ndarray, lo: np.ndarray, masses_mev: np.ndarray):
    """A one-sided limit at masses_mev, log-log between its rows (m in MeV, lo), as the fit takes it: (the masses its
    rows cover, the limit there and +inf elsewhere)."""
    inside = (masses_mev >= m[0]) & (masses_mev <= m[-1])
    limit = np.full(masses_mev.size, np.inf)
    limit[inside] = np.exp(np.interp(np.log(masses_mev[inside]), np.log(m), np.log(lo)))
    return inside, limit


def _no_limit_names(d: ResultData, masses_mev: np.ndarray) -> List[List[str]]:
    """Per mass, the enabled one-sided searches whose file has no limit there although the mass lies inside the
    masses it covers (a veto window: DarkCast's "no limit" of ε ≥ 1), where no other search sets one: the masses
    where a region or a best fit is only the file's gap (issue 28). Empty lists elsewhere."""
    names: List[List[str]] = [[] for _ in masses_mev]
    covered = np.zeros(masses_mev.size, bool)
    gap = np.zeros((len(d.searches), masses_mev.size), bool)
    for k, s in enumerate(d.searches):
        rows = _applied_rows(s) if s["enabled"] and s["upper"] is None else None
        if rows is None:
            continue
        inside, limit = _one_sided_limit(rows[0], rows[1], masses_mev)
        covered |= limit < 1
        gap[k] = inside & (limit >= 1)
    for k, s in enumerate(d.searches):
        for i in np.flatnonzero(gap[k] & ~covered):
            names[i].append(s["label"] or s["name"])
    return names


def without_searches(d: ResultData) -> Optional[np.ndarray]:
    """Δχ² [m, ε] of the fit without the enabled direct searches: their terms do not depend on δ, so the profiled
    total less their maps (/profile/chi2_<name>) is the profile of the rest, exactly. None when the file does not
    hold their maps (--store total)."""
    import h5py

    names = [s["name"] for s in d.searches if s["enabled"]]
    if not names:
        return None
    with h5py.File(d.path, "r") as f:
        keys = ["profile/chi2_" + n for n in names]
        if any(k not in f for k in keys):
            return None
        rest = np.array(d.chi2_map, dtype=float)
        for k in keys:
            term = f[k][...]
            if term.shape != rest.shape or not np.all(np.isfinite(term)):
                return None
            rest = rest - term
    return rest - rest.min()


def search_artefacts(d: ResultData, ax, cls: Sequence[float] = CL_2D) -> Dict[str, list]:
    """What the direct searches do to Fig. 3, drawn so that their files' gaps are not read as favoured islands
    (issue 28): the 1σ and 2σ outlines of the fit without the searches (dotted, nested), and a note naming where a
    region of the fit with them, or its best fit, lies only in a veto window of a search's file (no limit at those
    masses)."""
    from ..limit_curves import delta_chi2_for

    artists: Dict[str, list] = {}
    rest = without_searches(d)
    if rest is not None:
        levels = [delta_chi2_for(cl, 2) for cl in sorted(cls)[:2]]
        cs = ax.contour(d.m_zd_mev, d.epsilon, rest.T, levels=levels, colors="0.15", linestyles=":",
                        linewidths=0.9, zorder=4.2)
        artists["without searches"] = [cs]
    names = _no_limit_names(d, d.m_zd_mev)
    widest = delta_chi2_for(max(cls), 2)
    dchi2 = d.chi2_map - d.chi2_map.min()
    in_gap = [i for i in range(d.m_zd_mev.size) if names[i] and np.any(dchi2[i] <= widest)]
    lines = []
    best_m = d.best.get("refined_m_zd_mev")
    if best_m is not None:
        at = _no_limit_names(d, np.array([best_m]))[0]
        if at:
            lines.append("best fit in a veto gap of " + ", ".join(at) + "\n(no limit at its mass)")
    if in_gap:
        who = sorted({n for i in in_gap for n in names[i]})
        lo, hi = d.m_zd_mev[in_gap[0]], d.m_zd_mev[in_gap[-1]]
        span = f"{lo:.3g} MeV" if lo == hi else f"{lo:.3g}–{hi:.3g} MeV"
        lines.append(f"regions at {span} in veto gaps of\n" + ", ".join(who) + " (no limit there)")
    if lines:
        text = ax.text(0.97, 0.03, "\n".join(lines), transform=ax.transAxes,
                       ha="right", va="bottom", fontsize=7, color="#b2182b", zorder=6,
                       bbox=dict(facecolor="white", edgecolor="none", pad=1.0, alpha=0.85))
        text.set_in_layout(False)
        artists["veto gaps"] = [text]
    return artists


def searches(result, *, ax=None, labels: bool = True) -> Dict[str, list]:
    """The direct searches of the result's config (search_limit measurements, enabled ones) as excluded regions in
    (m_Zd, ε), each at its own CL, under the fit's own curves, only where the fit applies the limit (its masses, up
    to valid_below_gev). The one-sided limits are drawn as their envelope (the lowest limit at each mass, each limit
    log-log between its rows, as the fit takes it), one grey region, and each stretch of the envelope is named by the
    search that sets it, inside the region just above its edge (issue 28: eleven overlapping greys could not be told
    apart). Excluded bands (beam dumps) are hatched, each outlined and named inside. A name is drawn where it fits
    without covering another. Returns {"direct searches": [artists]} (empty when the result has none)."""
    d = _data(result)
    ax = _axes(ax)
    shown = [s for s in d.searches if s["enabled"]]
    if not shown:
        return {}
    top = float(d.epsilon[-1]) * 10  # above the axes: a one-sided region reaches the top
    artists, placed = [], []
    renderer = ax.figure.canvas.get_renderer() if labels else None
    _log_axes(ax, d)

    def place(x, y, text, va="bottom"):
        t = ax.text(x, y, text, ha="center", va=va, fontsize=7, color="0.25", zorder=4.5, clip_on=True)
        box = t.get_window_extent(renderer)
        axes_box = ax.get_window_extent(renderer)
        fits = axes_box.x0 <= box.x0 and box.x1 <= axes_box.x1 and axes_box.y0 <= box.y0 and box.y1 <= axes_box.y1
        if not fits or any(box.overlaps(b) for b in placed):
            t.remove()
            return
        placed.append(box)
        artists.append(t)

    one_sided = [(s, _applied_rows(s)) for s in shown if s["upper"] is None]
    one_sided = [(s, e) for s, e in one_sided if e is not None]
    if one_sided:
        mm = np.geomspace(d.m_zd_mev[0], d.m_zd_mev[-1], 1200)
        limits = np.array([_one_sided_limit(m, lo, mm)[1] for _, (m, lo, _) in one_sided])
        envelope = limits.min(axis=0)
        who = limits.argmin(axis=0)
        has = envelope < top  # DarkCast's "no limit" marks (1e5) and masses no search reaches stay open
        artists.append(ax.fill_between(mm, np.where(has, envelope, top), top, where=has, zorder=0.6,
                                       interpolate=False, step=None, **SEARCH_STYLE))
        for a, b in _runs(has):
            artists += ax.plot(mm[a:b], envelope[a:b], color="0.4", linewidth=0.6, zorder=0.7)
        if labels:
            # The longest stretches first (in log m): each named once, where its name fits.
            stretches = []
            for a, b in _runs(has):
                k0 = a
                for i in range(a + 1, b + 1):
                    if i == b or who[i] != who[k0]:
                        stretches.append((np.log(mm[i - 1] / mm[k0]), int(who[k0]), k0, i))
                        k0 = i
            named = set()
            for length, k, a, b in sorted(stretches, reverse=True):
                if k in named or length <= 0:
                    continue
                mid = (a + b - 1) // 2
                y = envelope[a:b].max() * 1.3  # above its whole stretch: inside the region
                if not d.epsilon[0] <= y <= d.epsilon[-1]:
                    continue
                before = len(artists)
                place(mm[mid], y, one_sided[k][0]["label"])
                if len(artists) > before:
                    named.add(k)
    for s in shown:
        if s["upper"] is None:
            continue
        e = _applied_rows(s)
        if e is None:
            continue
        m, lo, hi = e
        hi = np.minimum(hi, top)
        artists.append(ax.fill_between(m, lo, hi, where=hi > lo, zorder=0.65, interpolate=False, **BAND_STYLE))
        artists += ax.plot(m, lo, color="0.35", linewidth=0.6, zorder=0.7)
        artists += ax.plot(m, hi, color="0.35", linewidth=0.6, zorder=0.7)
        if labels:
            open_ = hi > lo * 4  # wide enough to hold a name
            if open_.any():
                k = int(np.flatnonzero(open_)[np.argmax(np.log(hi[open_] / lo[open_]))])
                place(m[k], float(np.sqrt(lo[k] * hi[k])), s["label"], va="center")
    return {"direct searches": artists}


def search_forms(d: ResultData) -> str:
    """The likelihood forms the enabled searches enter by, for a legend ("poisson0"; docs/searches.md)."""
    return "/".join(sorted({s["likelihood"] for s in d.searches if s["enabled"] and s.get("likelihood")}))


def forecast_text(d: ResultData) -> Optional[str]:
    """What a figure of a fit with projections says about it ("FORECAST: with P2, MOLLER"), or None."""
    projected = [label_of(m, short=True) for m in d.shown() if m.projection]
    if not projected:
        return None
    names = ", ".join(projected)
    return "FORECAST: with " + (names if len(names) <= 24 else "projections")


def search_legend_handle(result):
    """The legend entry of searches(), or None when the result has no enabled search."""
    from matplotlib.patches import Patch

    d = _data(result)
    shown = [s for s in d.searches if s["enabled"]]
    if not shown:
        return None
    cls = sorted({s["cl_percent"] for s in shown})
    decays = sorted({s["decay"] for s in shown if s["decay"]})
    forms = search_forms(d)
    text = (f"direct searches ({', '.join(decays) + ', ' if decays else ''}"
            f"{'/'.join(f'{c:g}' for c in cls)}% CL{', ' + forms if forms else ''}), excluded")
    return Patch(**SEARCH_STYLE), text


def _edge_bound(d: ResultData, axis: str) -> np.ndarray:
    """Where the 1-D profile of axis is set by the other axis's grid edge: its minimum over the other axis lies on
    that axis's first or last grid point (the box, not the data, makes the profile there)."""
    along = 1 if axis == "m_zd_mev" else 0
    idx = np.argmin(d.chi2_map, axis=along)
    n_other = d.chi2_map.shape[along]
    return (idx == 0) | (idx == n_other - 1)


def profile1d(result, axis: str = "m_zd_mev", *, ax=None, orientation: str = "vertical",
              ymax: float = 6.0) -> Dict[str, list]:
    """The 1-D Δχ² profile of m_zd_mev or epsilon (minimised over the other two parameters), the Δχ² = 1 line and
    the refined best fit (black dot). Stretches set by the other axis's grid edge are drawn grey and dashed and
    marked, not drawn as physics. orientation "horizontal" puts Δχ² on the x axis (Fig. 3's right margin)."""
    if axis not in ("m_zd_mev", "epsilon"):
        raise ValueError(f"axis must be m_zd_mev or epsilon (got {axis!r})")
    d = _data(result)
    ax = _axes(ax)
    x = d.m_zd_mev if axis == "m_zd_mev" else d.epsilon
    prof = d.profile_m if axis == "m_zd_mev" else d.profile_eps
    dchi2 = prof - prof.min()
    edge = _edge_bound(d, axis)
    flip = orientation == "horizontal"

    def draw(xs, ys, **style):
        return ax.plot(ys, xs, **style) if flip else ax.plot(xs, ys, **style)

    artists: Dict[str, list] = {"profile": [], "set by the grid edge": []}
    # Runs of equal edge flag, each drawn with its style; neighbours share a point so the line is unbroken.
    start = 0
    for i in range(1, len(x) + 1):
        if i == len(x) or edge[i] != edge[start]:
            sl = slice(max(start - 1, 0), i)
            if edge[start]:
                artists["set by the grid edge"] += draw(x[sl], dchi2[sl], color="0.55", linestyle="--",
                                                       linewidth=0.9)
            else:
                artists["profile"] += draw(x[sl], dchi2[sl], color="k", linewidth=1.0)
            start = i
    one = ax.axvline(1.0, color="0.4", linewidth=0.6, linestyle=":") if flip else \
        ax.axhline(1.0, color="0.4", linewidth=0.6, linestyle=":")
    artists["delta chi2 = 1"] = [one]
    artists["best fit"] = draw([d.best["refined_" + axis]], [0.0], marker="o", color="k", ms=3, linestyle="none",
                               zorder=5, clip_on=False)  # whole also on the frame's edge
    # Scaled to the data where most of the profile would leave the default frame (a fit held at one edge by the
    # searches: the profile lay above 5.5 at 255 of 256 masses), and what still leaves it is marked.
    rescaled = bool(np.median(dchi2) > ymax)
    if rescaled:
        ymax = float(np.ceil(1.2 * np.median(dchi2)))
    if rescaled and np.max(dchi2) > ymax:
        note = f"up to {np.max(dchi2):.3g} off the frame"
        # On a white box: over the curve it must still read (at single width the margin is 0.9 in wide).
        box = dict(facecolor="white", edgecolor="none", alpha=0.85, pad=0.6)
        artists["off the frame"] = [ax.text(0.98, 0.96, note, transform=ax.transAxes, ha="right", va="top",
                                            color="0.3", fontsize=7, bbox=box, zorder=6) if not flip else
                                    ax.text(0.96, 0.02, note, transform=ax.transAxes, ha="right", va="bottom",
                                            color="0.3", rotation=90, fontsize=7, bbox=box, zorder=6)]
    if flip:
        ax.set_yscale("log")
        ax.set_xlim(0, ymax)
        ax.set_ylim(x[0], x[-1])
    else:
        ax.set_xscale("log")
        ax.set_ylim(0, ymax)
        ax.set_xlim(x[0], x[-1])
    return artists
