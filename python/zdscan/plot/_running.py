"""Fig. 4: ŝ²(Q) in the SM and with the fitted Z_d, the measured points and the projections, labels placed where
they overlap nothing."""
from __future__ import annotations

import json
import math
import os
from typing import Dict, List, Optional

import numpy as np

from .. import _core
from ._result import ResultData
from ._panels import _axes, _data

DEFAULT_POINTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                              "sin2_points.json")
Q_RANGE_GEV = (1e-4, 1e3)  # /running/q_gev: from below the APV scale to above the LHC points
S2_RANGE = (0.225, 0.245)
POINT_COLOR, OWN_COLOR, PROJECTION_COLOR = "k", "#d62728", "#7b3294"


def read_points_json(path: str):
    """A points file's JSON, read as every zdscan reader reads: a regular file of bounded size (a FIFO would block,
    /dev/zero never end), then JSON; ValueError naming the file otherwise."""
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file")
    if os.path.getsize(path) > 16 << 20:
        raise ValueError(f"{path}: larger than 16 MB; not a points file")
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{path}: not JSON ({e})") from None


def load_points(path: Optional[str] = None) -> List[dict]:
    """The data points of Fig. 4 (default: the package's data/sin2_points.json), checked before use."""
    path = path or DEFAULT_POINTS
    doc = read_points_json(path)
    points = doc.get("points") if isinstance(doc, dict) else None
    if not isinstance(points, list):
        raise ValueError(f"{path}: no 'points' list")
    for i, p in enumerate(points):
        where = f"{path}: points[{i}]"
        if not isinstance(p, dict) or p.get("kind") not in ("measurement", "projection"):
            raise ValueError(f"{where}: kind must be measurement or projection")
        for key in ("q_gev", "sigma") + (("s2",) if p["kind"] == "measurement" else ()):
            v = p.get(key)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or (key == "q_gev" and v <= 0):
                raise ValueError(f"{where}.{key}: must be a finite number" + (" > 0" if key == "q_gev" else " >= 0"))
        if not isinstance(p.get("label"), str) or not isinstance(p.get("name", ""), str):
            raise ValueError(f"{where}: label (and name) must be strings")
    return points


def own_points(d: ResultData) -> List[dict]:
    """The result's own parity-violating measurements as ŝ²(Q) points: ŝ² = ŝ²_SM(Q) + (X^exp − X^SM)/(dX/dŝ²)
    with the fit's slopes (eqs. 13, 14, 24, 26): Q_W^p −4(1 − α/2π), Q_W(Z, N) −4Z(1 − α/2π), Q_W^e +4.
    Projections sit on the SM curve with their projected σ."""
    # About the drawn SM curve (the smooth one), so that a measurement equal to its SM value sits on the curve and
    # the distance a reader sees is the measured deviation (X^exp − X^SM)/slope. The χ² model's step running, to
    # which the measurements' SM values correspond, lies up to 3.6e-4 above the drawn curve at the PV scales: a
    # point's ŝ² about the step model (the value a paper would quote) is this plus that offset (docs/physics.md).
    q, sm = d.running["q_gev"], d.running["sin2_sm"]
    qed = _core.weak_charge_qed_factor
    out = []
    for m in d.shown():
        if m.kind == "apv":
            scale, slope = m.q_mev * 1e-3, -4.0 * m.z * qed
        elif m.kind == "pves_proton":
            scale, slope = math.sqrt(m.q2_gev2), -4.0 * qed
        elif m.kind == "pves_electron":
            scale, slope = math.sqrt(m.q2_gev2), 4.0
        else:
            continue
        s2_sm = float(np.interp(np.log(scale), np.log(q), sm))
        sigma = m.sigma / abs(slope)
        s2 = s2_sm + (0.0 if m.projection else (m.exp - m.sm) / slope)
        # The config's display label ("APV Cs (this work)" in the paper's config), else a label from the name: a
        # user's own fit says "this work" only where its config says so.
        text = m.label or {"apv_cs": "APV Cs", "qweak": "Qweak", "p2": "P2", "moller": "MOLLER"}.get(m.name, m.name)
        point = dict(name=m.name, label=text, q_gev=scale, s2=s2, sigma=sigma,
                     kind="projection" if m.projection else "own")
        # The fit's own Z_d prediction there (for APV with K(m), eq. 26, which the curve also takes there):
        # X^th = X^exp − pull σ at the refined best fit.
        pull = d.best.get("pull_refined_" + m.name)
        if pull is not None:
            x_th = m.exp - pull * m.sigma
            # About the drawn curve: the diamond shows the fit's Z_d shift where the best-fit curve shows it.
            drawn = float(np.interp(np.log(scale), np.log(q), d.running["sin2_sm"]))
            point["s2_fit"] = drawn + (x_th - m.sm) / slope
        out.append(point)
    return out


def _overlaps(a, b, pad=1.0) -> bool:
    return not (a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0)


def _distance(a, b) -> float:
    """Distance in pixels between two boxes (0 where they meet)."""
    return math.hypot(max(a.x0 - b.x1, 0, b.x0 - a.x1), max(a.y0 - b.y1, 0, b.y0 - a.y1))


def place_labels(ax, items: List[dict], curves: List) -> List:
    """Writes each item's label at the first of several places around its point where the text's box overlaps no
    other label, no marker or error bar, no curve, and stays inside the axes. Returns the texts."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    pt = fig.dpi / 72.0
    axes_box = ax.get_window_extent(renderer)
    from matplotlib.transforms import Bbox

    obstacles = [Bbox.from_extents(*(to_px((it["q_gev"], it["s2"] - it["sigma"])) - 3 * pt),
                                   *(to_px((it["q_gev"], it["s2"] + it["sigma"])) + 3 * pt)) for it in items]
    curve_px = [to_px(np.column_stack(c.get_data())) for c in curves]
    # Points of one colour whose markers nearly touch (the Z-pole-scale points at single width) share one label, their
    # names left to right: separate labels around a tight cluster cannot all sit next to their own point.
    order = sorted(range(len(items)), key=lambda k: to_px((items[k]["q_gev"], items[k]["s2"]))[0])
    groups: List[List[int]] = []
    for k in order:
        p = to_px((items[k]["q_gev"], items[k]["s2"]))
        last = groups[-1][-1] if groups else None
        if last is not None and items[last]["color"] == items[k]["color"]:
            q = to_px((items[last]["q_gev"], items[last]["s2"]))
            if p[0] - q[0] < 10 * pt and abs(p[1] - q[1]) < 4 * pt:
                groups[-1].append(k)
                continue
        groups.append([k])
    groups.sort(key=lambda g: (-len(g), min(g)))  # shared labels first (they need the room), then the items' order
    placed, texts = [], []
    for group in groups:
        members = [items[k] for k in group]
        it = dict(members[len(members) // 2], label=", ".join(m["label"] for m in members))
        own_box = Bbox.union([obstacles[k] for k in group])
        top = max(members, key=lambda m: m["s2"] + m["sigma"])
        bottom = min(members, key=lambda m: m["s2"] - m["sigma"])
        candidates = [(0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1)]
        if len(members) > 1:  # a shared label may also end at the last member or start at the first, below or above
            candidates += [(0, -2), (0, 2)]
        best = None
        # Near places where the label is nearer its own point than any other first; then near places where it is
        # not; farther out only where every nearer place is taken.
        # A shared label may also break into two lines, or one name a line.
        names = [m["label"] for m in members]
        texts_ = [it["label"]] + ([", ".join(names[:(len(names) + 1) // 2]) + ",\n"
                                   + ", ".join(names[(len(names) + 1) // 2:])] if len(names) > 1 else [])
        texts_ += [",\n".join(names)] if len(names) > 2 else []
        tries = ([(r, True, x) for x in texts_ for r in (3, 9, 16, 24)]
                 + [(r, False, x) for x in texts_ for r in (3, 9, 16, 24, 34, 46)])
        for reach, strict, text in tries:
            for dx, dy in candidates:
                ha = "left" if dx > 0 else "right" if dx < 0 or abs(dy) == 2 else "center"
                va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
                # Offsets from the error bar's end (above/below) or the marker's side (the outer member's).
                side = members[-1] if dx > 0 or abs(dy) == 2 else members[0] if dx < 0 else it
                anchor = ((side["q_gev"], top["s2"] + top["sigma"]) if dy > 0 and dx == 0
                          else (side["q_gev"], bottom["s2"] - bottom["sigma"]) if dy < 0 and dx == 0
                          else (side["q_gev"], side["s2"] + side["sigma"]) if dy > 0
                          else (side["q_gev"], side["s2"] - side["sigma"]) if dy < 0
                          else (side["q_gev"], side["s2"]))
                t = ax.annotate(text, anchor, xytext=(dx * reach, ((dy > 0) - (dy < 0)) * reach * 0.6),
                                textcoords="offset points", ha=ha, va=va, color=it["color"],
                                fontsize=7, annotation_clip=False)
                box = t.get_window_extent(renderer)
                inside = (box.x0 >= axes_box.x0 + 2 and box.x1 <= axes_box.x1 - 2 and box.y0 >= axes_box.y0 + 2
                          and box.y1 <= axes_box.y1 - 2)
                # ... and unambiguous: no other point (marker and error bar) nearer to the text than its own.
                own_d = _distance(box, own_box)
                clear = inside and (not strict or all(_distance(box, o) > own_d
                                                      for k, o in enumerate(obstacles) if k not in group))
                clear = clear and not any(_overlaps(box, o) for o in placed + obstacles) and not any(
                    np.any((c[:, 0] >= box.x0 - 1) & (c[:, 0] <= box.x1 + 1) & (c[:, 1] >= box.y0 - 1)
                           & (c[:, 1] <= box.y1 + 1)) for c in curve_px)
                if clear:
                    best = (t, box)
                    break
                t.remove()
            if best:
                break
        if best is None:  # nowhere free: above the point, and the test that checks figures will say so
            t = ax.annotate(it["label"], (it["q_gev"], it["s2"] + it["sigma"]), xytext=(0, 3),
                            textcoords="offset points", ha="center", va="bottom", color=it["color"], fontsize=7)
            best = (t, t.get_window_extent(renderer))
        texts.append(best[0])
        placed.append(best[1])
    return texts


def running(result, *, ax=None, points: Optional[str] = None, labels: bool = True) -> Dict[str, list]:
    """Fig. 4: ŝ²(Q) of the SM (MS-bar, solid), with the Z_d at the refined best fit (dashed red) and at the ends
    of the 1σ m_Zd interval (dotted), the measured points (black), the result's own PV measurements (red: this
    work's Q_W(Cs) and the others it fits) and the projections on the SM curve (violet, open). points: a JSON file
    like the package's data/sin2_points.json (the entry with a result measurement's name gives way to it)."""
    d = _data(result)
    if d.running is None:
        raise ValueError(f"{d.path}: no /running group (written by every zdscan scan since 0.1.0)")
    ax = _axes(ax)
    q = d.running["q_gev"]
    artists: Dict[str, list] = {}
    artists["SM"] = ax.plot(q, d.running["sin2_sm"], color="#1f5fa8", linewidth=1.1)
    curves = list(artists["SM"])
    if "sin2_refined" in d.running:
        a = d.running_attrs.get("sin2_refined", {})
        artists["Z_d best fit"] = ax.plot(q, d.running["sin2_refined"], color=OWN_COLOR, linestyle="--",
                                          linewidth=1.0)
        curves += artists["Z_d best fit"]
    ends = [ax.plot(q, d.running[k], color="#2ca02c", linestyle=":", linewidth=0.9)[0]
            for k in ("sin2_m_lower_1sigma", "sin2_m_upper_1sigma") if k in d.running]
    if ends:
        artists["Z_d 1 sigma in m_Zd"] = ends
        curves += ends
    own = own_points(d)
    own_names = {p["name"] for p in own}
    items = []
    for p in load_points(points):
        if p.get("name") in own_names:
            continue
        if p["kind"] == "projection":
            s2 = float(np.interp(np.log(p["q_gev"]), np.log(q), d.running["sin2_sm"]))
            items.append(dict(p, s2=s2, color=PROJECTION_COLOR, open=True))
        else:
            items.append(dict(p, color=POINT_COLOR, open=False))
    for p in own:
        # As the paper's caption: experimental determinations black, red only for "this work" (a value derived
        # here, labelled so by the config), projections violet and open.
        this_work = "this work" in p["label"]
        items.append(dict(p, color=PROJECTION_COLOR if p["kind"] == "projection" else
                          (OWN_COLOR if this_work else POINT_COLOR), open=p["kind"] == "projection"))
    # Points closer in Q than a marker's width at single width (0.146 decade; APV: PDG and this work; Qweak and E158;
    # the Z-pole cluster) are spread apart, each cluster evenly about its mean log Q, until no two are closer (the
    # offset said in the docs). A point's diamond (the fit's prediction there) moves with it.
    gap = math.log10(1.4)
    order = sorted(items, key=lambda i: i["q_gev"])
    logs = [math.log10(i["q_gev"]) for i in order]
    for _ in range(len(order)):
        clusters, start = [], 0
        for k in range(1, len(order) + 1):
            if k == len(order) or logs[k] - logs[k - 1] >= gap - 1e-12:
                clusters.append((start, k))
                start = k
        if all(b - a == 1 for a, b in clusters):
            break
        for a, b in clusters:
            if b - a > 1:
                mean = sum(logs[a:b]) / (b - a)
                for k in range(a, b):
                    logs[k] = mean + gap * (k - a - (b - a - 1) / 2)
    for it, lq in zip(order, logs):
        it["q_gev"] = 10.0 ** lq
    moved = {it["name"]: it["q_gev"] for it in items if it.get("name") and it["color"] != PROJECTION_COLOR}
    for kind, members in (("measurements", [i for i in items if i["color"] == POINT_COLOR]),
                          ("this work", [i for i in items if i["color"] == OWN_COLOR]),
                          ("projections", [i for i in items if i["open"]])):
        artists[kind] = []
        for it in members:
            eb = ax.errorbar(it["q_gev"], it["s2"], yerr=it["sigma"], fmt="o" if it["open"] else "s",
                             color=it["color"], mfc="white" if it["open"] else it["color"], ms=3.2,
                             elinewidth=0.8, capsize=1.5, zorder=4)
            artists[kind].append(eb)
    fits = [p for p in own if "s2_fit" in p]  # the fit's prediction at each of its own points (diamonds)
    artists["Z_d fit prediction"] = [ax.plot([moved.get(p["name"], p["q_gev"]) for p in fits],
                                             [p["s2_fit"] for p in fits], "D",
                                             color=OWN_COLOR, mfc="none", ms=4.5, mew=0.8, zorder=5)[0]] if fits else []
    ax.set_xscale("log")
    ax.set_xlim(*Q_RANGE_GEV)
    ax.set_ylim(*S2_RANGE)
    if labels:
        artists["labels"] = place_labels(ax, items, curves)
    return artists
