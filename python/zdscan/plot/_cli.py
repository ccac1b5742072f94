"""`zdscan plot`: the seed paper's figures from a result file."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

USAGE = """zdscan plot FIGURE[,FIGURE...] RESULT.h5 [FIGURE[,...] RESULT.h5 ...] [--out DIR] [--format pdf,png,svg]
       [--width single|double|INCHES] [--no-searches] [--style sans|serif]

FIGURE: fig1 (Cs-Pb skin correlation), fig2 (90%% CL limits at fixed delta), fig3 (1/2/3 sigma regions and the 1-D
profiles), fig4 (running of sin^2 theta_W), fig5 (as fig2 with projections), coverage (the toys of `zdscan coverage`:
Feldman-Cousins beside Wilks regions and the Wilks regions' coverage), mesons (the (m_Zd, delta) and (epsilon, delta)
planes with the meson decays that bound delta), or all (those the file can make). Several
results in one command (e.g. fig2,fig3,fig4 paper.h5 fig5 projections.h5) share one start-up and the cores."""


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C: one line, the shells' code, nothing half-written (the writers clean up)
        print("zdscan plot: interrupted; no figure was left half-written", file=sys.stderr)
        return 130


def _main(argv: Optional[Sequence[str]]) -> int:
    try:
        import matplotlib
    except ImportError:  # an install without the plot extra: one line that says how to get it
        print("zdscan plot: needs matplotlib, which this install lacks: pip install 'zdscan[plot]' (or pip install "
              "matplotlib)", file=sys.stderr)
        return 1

    matplotlib.use("Agg")
    from . import _figures, _style
    from .._output import signals_as_exceptions
    from ..limit_curves import ResultFileError
    from ._result import read_result

    p = argparse.ArgumentParser(prog="zdscan plot", usage=USAGE, description="Figures at journal sizes.")
    p.add_argument("pairs", nargs="+", metavar="FIGURES RESULT",
                   help="fig1..fig5 or coverage, comma-separated, or all; then a zdscan result file; repeatable")
    p.add_argument("--out", default=".", help="directory for the figures (default: the working directory)")
    p.add_argument("--format", default="pdf,png", help="comma-separated: pdf, png, svg (default pdf,png)")
    p.add_argument("--width", default="single", help="single (3.4 in), double (7.0 in) or inches (default single)")
    p.add_argument("--points", help="Fig. 4's data points (JSON like zdscan/data/sin2_points.json, key 'points') and/or "
                                    "Fig. 1's nuclear-model skins (key 'skin_points'; docs/python.md)")
    p.add_argument("--suffix", default="", help="appended to each file's stem (e.g. _single)")
    p.add_argument("--force", action="store_true", help="replace files zdscan did not write")
    p.add_argument("--style", default="sans", choices=_style.STYLES,
                   help="text face: sans (DejaVu Sans, default) or serif (STIX, Times-like, with matching math)")
    p.add_argument("--no-searches", action="store_true",
                   help="leave out the direct searches of the result's config (grey excluded regions of Figs. 2, 3, 5)")
    a = p.parse_args(argv)

    def bad(message: str) -> int:
        print(f"zdscan plot: error: {message}", file=sys.stderr)
        return 2

    if not a.out:
        return bad("--out: empty; give a directory for the figures")
    _style.set_style(a.style)  # before the workers fork: they inherit it
    formats = [f.strip().lower() for f in a.format.split(",") if f.strip()]
    if not formats or any(f not in _style.FORMATS for f in formats):
        return bad(f"--format: {a.format!r}: give one or more of {', '.join(_style.FORMATS)}")
    try:
        _style.width_inches(a.width)
    except ValueError as e:
        return bad(f"--width: {e}")
    if any(c in a.suffix for c in "/\\") or a.suffix.startswith("."):
        return bad("--suffix: must not contain a path separator or start with a dot")
    if len(a.pairs) % 2:
        return bad(f"FIGURES RESULT: give figures and a result file in pairs (got {' '.join(a.pairs)})")
    sets = []
    for figures, result in zip(a.pairs[0::2], a.pairs[1::2]):
        try:
            d = read_result(result)
        except (ResultFileError, OSError) as e:
            return bad(str(e))
        wanted = [w.strip() for w in figures.split(",") if w.strip()]
        # The (m_Zd, epsilon) regions need a plane: two points on each axis at least.
        plane = len(d.m_zd_mev) >= 2 and len(d.epsilon) >= 2
        if wanted == ["all"]:
            wanted = ["fig1"] + (["fig3"] if plane else []) + (["fig4"] if d.running is not None else [])
            if d.delta_slices is not None:
                wanted.append("fig5" if any(m.projection for m in d.shown()) else "fig2")
            if d.coverage is not None:
                wanted.append("coverage")
            if plane and d.has_meson_decays:
                wanted.append("mesons")
        if not plane and any(w in ("fig2", "fig3", "fig5", "coverage", "mesons") for w in wanted):
            return bad(f"{result}: its grid has {len(d.m_zd_mev)} m_Zd x {len(d.epsilon)} epsilon points; the "
                       "(m_Zd, epsilon) figures (fig2, fig3, fig5, coverage, mesons) need at least 2 x 2")
        if "mesons" in wanted and not d.has_meson_decays:
            return bad(f"{result}: mesons draws the meson_decay measurements, and this result has none "
                       "(docs/searches.md, 'Rare meson decays')")
        unknown = [w for w in wanted if w not in _figures.FIGURES]
        if not wanted or unknown:
            return bad(f"FIGURE: {', '.join(unknown) or figures!r} is not one of fig1, fig2, fig3, fig4, fig5, coverage, "
                       "mesons, all")
        sets.append((wanted, result))
    try:
        with signals_as_exceptions():
            written = _figures.write_figure_sets(sets, a.out, formats=formats, width=a.width, force=a.force,
                                                 points=a.points, suffix=a.suffix, searches=not a.no_searches)
    except FileExistsError as e:
        return bad(str(e))
    except (ValueError, ResultFileError) as e:
        return bad(str(e))
    except OSError as e:
        print(f"zdscan plot: error: {e}", file=sys.stderr)
        return 1
    print("wrote " + ", ".join(os.path.basename(w) for w in written) + f" to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
