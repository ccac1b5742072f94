"""Journal sizes and the one matplotlib style of zdscan's figures.

Widths are those of two-column journals (APS: 3.375 in single, 7.0 in double; 3.4 in leaves the rounding to the
journal). No text is below 7 pt at the printed size; PDF and PS embed TrueType fonts whole (Type 42, never
Type 3: journals' production systems reject Type 3); PNG at 300 dpi.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, Union

SINGLE_COLUMN_IN = 3.4
DOUBLE_COLUMN_IN = 7.0
MIN_TEXT_PT = 7.0
PNG_DPI = 300
FORMATS = ("pdf", "png", "svg")


def width_inches(width: Union[str, float]) -> float:
    """'single' (3.4 in), 'double' (7.0 in) or a number of inches in [2, 12]."""
    if isinstance(width, str):
        if width in ("single", "double"):
            return SINGLE_COLUMN_IN if width == "single" else DOUBLE_COLUMN_IN
        try:
            width = float(width)
        except ValueError:
            raise ValueError(f"width must be single, double or inches between 2 and 12 (got {width!r})") from None
    w = float(width)
    if not 2 <= w <= 12:
        raise ValueError(f"width must be single, double or inches between 2 and 12 (got {width!r})")
    return w


STYLES = ("sans", "serif")
_style = "sans"


def set_style(style: str) -> None:
    """The text style of every figure drawn from now on: "sans" (DejaVu Sans, the default) or "serif" (STIX, a
    Times-like face with matching mathematics, for journals that want the figures' text to match theirs; bundled
    with matplotlib, embedded as TrueType like the default)."""
    global _style
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)} (got {style!r})")
    _style = style


def rc_params(style: str = "") -> dict:
    """The style: 8 pt text, 7 pt ticks and legends (the smallest text), thin lines, Type 42 fonts; the text face of
    style (default: set_style's, "sans")."""
    face = {"font.family": "serif", "font.serif": ["STIXGeneral", "DejaVu Serif"], "mathtext.fontset": "stix"} \
        if (style or _style) == "serif" else {"mathtext.fontset": "dejavusans"}
    return {**face, **{
        "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "xtick.labelsize": MIN_TEXT_PT,
        "ytick.labelsize": MIN_TEXT_PT, "legend.fontsize": MIN_TEXT_PT, "legend.title_fontsize": MIN_TEXT_PT,
        "figure.titlesize": 8,
        "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "path",
        "savefig.dpi": PNG_DPI, "figure.dpi": 100, "savefig.bbox": None,
        "lines.linewidth": 1.0, "lines.markersize": 4, "axes.linewidth": 0.6, "patch.linewidth": 0.6,
        "xtick.major.width": 0.6, "ytick.major.width": 0.6, "xtick.minor.width": 0.4, "ytick.minor.width": 0.4,
        "xtick.direction": "in", "ytick.direction": "in", "xtick.top": True, "ytick.right": True,
        "legend.frameon": False, "legend.handlelength": 2.2, "legend.borderaxespad": 0.3,
        "hatch.linewidth": 0.5, "errorbar.capsize": 1.5,
    }}


@contextlib.contextmanager
def journal_style(style: str = "") -> Iterator[None]:
    """matplotlib.rc_context with rc_params(style): figures made inside it have zdscan's style."""
    import matplotlib

    with matplotlib.rc_context(rc_params(style)):
        yield
