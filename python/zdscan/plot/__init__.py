"""zdscan.plot: figures of zdscan results at journal sizes (matplotlib).

Panels draw onto a given Axes and return their artists, so that users compose their own figures:

>>> import matplotlib.pyplot as plt, zdscan.plot as zp
>>> fig, ax = plt.subplots()
>>> zp.limits("paper2021.h5", delta=1e-3, ax=ax)       # Figs. 2/5: one δ panel
>>> zp.contours("paper2021.h5", ax=ax)                  # Fig. 3: 1σ/2σ/3σ regions, best fit
>>> zp.profile1d("paper2021.h5", "epsilon", ax=ax)      # a 1-D Δχ² profile
>>> zp.running("paper2021.h5", ax=ax)                   # Fig. 4: ŝ²(Q)
>>> zp.searches("visible.h5", ax=ax)                   # the config's direct searches, grey

The seed paper's figures, whole: `zp.figure("fig3", "paper2021.h5", width="single")` returns a Figure;
`zp.save(fig, "fig3.pdf")` writes it (Type 42 fonts, PNG at 300 dpi, zdscan's output policy);
`zdscan plot fig1|...|fig5 RESULT.h5 [FIGURES RESULT.h5 ...] [--out DIR] [--format pdf,png,svg]
[--width single|double|INCHES] [--no-searches]` does both.
See docs/python.md.
"""
from ._figures import (figure, figure_contours, figure_coverage, figure_limits, figure_mesons, figure_running, figure_skin, save,
                       write_figure_sets, write_figures)
from ._panels import (contours, coverage_map, fc_boundaries, legend_handles, limits, profile1d, search_legend_handle,
                      searches)
from ._result import read_result
from ._running import load_points, running
from ._style import DOUBLE_COLUMN_IN, MIN_TEXT_PT, SINGLE_COLUMN_IN, journal_style, set_style, width_inches
from ._cli import main

__all__ = ["figure", "figure_contours", "figure_coverage", "figure_mesons", "coverage_map", "fc_boundaries", "figure_limits", "figure_running", "figure_skin", "save", "write_figures", "write_figure_sets",
           "contours", "legend_handles", "limits", "profile1d", "search_legend_handle", "searches", "read_result", "load_points", "running",
           "DOUBLE_COLUMN_IN", "MIN_TEXT_PT", "SINGLE_COLUMN_IN", "journal_style", "set_style", "width_inches", "main"]
