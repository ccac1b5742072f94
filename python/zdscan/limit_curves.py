"""Limit curves from a zdscan result: contours in the (m_Zd, ε) plane and per-mass ε bands, written as CSV,
DarkCast .lmt, JSON or HEPData YAML. `zdscan limits FILE.h5 ...` is main() below.

The map: the total χ² profiled over δ (/profile/chi2_total; --combined, the default), or at a fixed δ
(--delta-slice, from /slices: the total or one measurement, --measurement NAME). Δχ² is taken relative to a
reference minimum and compared with the level of the requested CL for the degrees of freedom of the question:
- kind "contour" (default): a region in the (m_Zd, ε) plane, 2 dof (90 % CL: Δχ² = 4.61), relative to the map's own
  minimum (reference "own"; "global" uses the minimum of the total χ² profiled over δ, /profile/chi2_total);
- kind "raster": at each mass an interval in ε, 1 dof (90 % CL: 2.71), relative to the minimum at that mass.
Contours are extracted with contourpy, in log10 coordinates on log axes (the grid's own interpolation).

The region outlines are closed polygons. Pieces of them that run along the grid boundary are not limits: they
are flagged (`on_grid_edge`), and band ends at the grid edge are flagged too (docs/python.md, "Limits").
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import os
import statistics
import sys
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

__all__ = ["delta_chi2_for", "limits", "Limits", "Region", "write", "read_lmt", "main"]


def cl_percent(cl: float) -> float:
    """One rule for confidence levels everywhere (the C++ summary's too): a value in (0, 1) is a fraction, a value
    in (1, 100) a percent; the result is in percent (0.95 → 95, 90 → 90). 1 is ambiguous and refused."""
    try:
        value = float(cl)
    except (TypeError, ValueError):
        raise ValueError(f"cl must be a number (got {cl!r})") from None
    if 0 < value < 1:
        return value * 100.0
    if 1 < value < 100:
        return value
    raise ValueError(f"cl must be a fraction in (0, 1) or a percent in (1, 100) (got {cl!r})")


def delta_chi2_for(cl: float, dof: int) -> float:
    """Δχ² of a CL (a percent, or a fraction: cl_percent) for 1 or 2 degrees of freedom (Wilks): 90 % → 2.706
    (1 dof), 4.605 (2)."""
    p = cl_percent(cl) / 100.0
    if dof == 1:
        return statistics.NormalDist().inv_cdf(0.5 + p / 2) ** 2
    if dof == 2:
        return -2.0 * math.log1p(-p)
    raise ValueError(f"dof must be 1 or 2 (got {dof})")


@dataclass
class Region:
    """One closed outline (outer boundary or hole) of the region, as points (m_Zd [MeV], ε). on_grid_edge[i]
    says that the segment from point i to point i + 1 runs along the grid boundary: not a limit. Outlines with
    the same `polygon` number bound one piece of the region (the first its outside, the others its holes)."""

    m_zd_mev: np.ndarray
    epsilon: np.ndarray
    on_grid_edge: np.ndarray
    closed: bool = True
    polygon: int = 0

    def limit_pieces(self):
        """The parts of the outline that are limits (not on the grid edge), as (m_zd_mev, epsilon) arrays."""
        pieces, start = [], None
        n = len(self.m_zd_mev)
        for i in range(n - 1):
            if not self.on_grid_edge[i]:
                start = i if start is None else start
            elif start is not None:
                pieces.append((start, i))
                start = None
        if start is not None:
            pieces.append((start, n - 1))
        # A closed outline whose limit part wraps around the first point: join the two ends.
        if self.closed and len(pieces) > 1 and pieces[0][0] == 0 and pieces[-1][1] == n - 1:
            a, b = pieces.pop(), pieces.pop(0)
            idx = list(range(a[0], n)) + list(range(1, b[1] + 1))
            pieces.append(idx)
        out = []
        for p in pieces:
            idx = p if isinstance(p, list) else list(range(p[0], p[1] + 1))
            out.append((self.m_zd_mev[idx], self.epsilon[idx]))
        return out

    def __repr__(self) -> str:
        edge = int(np.count_nonzero(self.on_grid_edge))
        return (f"Region({len(self.m_zd_mev)} points, polygon {self.polygon}, m_Zd {self.m_zd_mev.min():.4g}–"
                f"{self.m_zd_mev.max():.4g} MeV, epsilon {self.epsilon.min():.3g}–{self.epsilon.max():.3g}"
                + (f", {edge} segments on the grid edge" if edge else "") + ")") if len(self.m_zd_mev) else \
            f"Region(empty, polygon {self.polygon})"


class _Meta(dict):
    """Limit metadata whose source_sha256 is computed when first read: a limit file records it, a figure never reads
    it, and hashing a large result file took a third of a figure's time. Every way of reading the dict (items,
    iteration, get, json.dumps, copies) sees the key."""

    def __init__(self, *args, source_path: Optional[str] = None, **kw):
        super().__init__(*args, **kw)
        self._source = source_path

    def _complete(self):
        if self._source is not None and not dict.__contains__(self, "source_sha256"):
            dict.__setitem__(self, "source_sha256", _sha256(self._source))

    def __missing__(self, key):
        if key == "source_sha256" and self._source is not None:
            self._complete()
            return dict.__getitem__(self, key)
        raise KeyError(key)

    def __contains__(self, key):
        if key == "source_sha256":
            self._complete()
        return dict.__contains__(self, key)

    def get(self, key, default=None):
        if key == "source_sha256":
            self._complete()
        return dict.get(self, key, default)

    def __iter__(self):
        self._complete()
        return dict.__iter__(self)

    def __len__(self):
        self._complete()
        return dict.__len__(self)

    def keys(self):
        self._complete()
        return dict.keys(self)

    def items(self):
        self._complete()
        return dict.items(self)

    def values(self):
        self._complete()
        return dict.values(self)

    def copy(self):
        self._complete()
        return dict(dict.items(self))

    def __eq__(self, other):
        self._complete()
        return dict.__eq__(self, other)

    __hash__ = None

    def __repr__(self):
        self._complete()
        return dict.__repr__(self)


@dataclass
class Limits:
    meta: dict
    regions: List[Region]
    #: per grid mass: the ε intervals of the region, [(lower, upper, lower_at_grid_edge, upper_at_grid_edge)]
    bands: List[List[tuple]] = field(default_factory=list)
    m_zd_mev: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: the result file the limits were read from: never replaced by write()
    source_path: Optional[str] = None

    def __repr__(self) -> str:
        m = self.meta
        delta = "delta profiled" if m.get("delta") == "profiled" else f"delta = {m.get('delta'):g}"
        with_band = sum(1 for row in self.bands if row)
        return (f"Limits({m.get('measurement')} {m.get('region')}, {m.get('cl_percent'):g}% CL (delta chi2 = "
                f"{m.get('delta_chi2'):.4g}, {m.get('dof')} dof), {delta}; {len(self.regions)} outlines, "
                f"{with_band} of {len(self.m_zd_mev)} masses with an interval; from {m.get('source_file')})")


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


class ResultFileError(ValueError):
    """A file given as a zdscan result that is not one: the message names the file and the object at fault."""


_MAX_AXIS = 1_000_000  # the longest axis a config allows: nothing longer is read from a file


def _axis(f, name, ordered=True):
    d = f.get(name)
    if d is None or not hasattr(d, "shape"):
        raise ResultFileError(f"missing dataset /{name}")
    if d.ndim != 1 or not 1 <= d.shape[0] <= _MAX_AXIS or d.dtype.kind not in "fiu":
        raise ResultFileError(f"/{name} must be a 1-D numeric axis of 1 to {_MAX_AXIS} values")
    v = np.asarray(d[...], dtype=float)
    if not np.all(np.isfinite(v)) or (ordered and np.any(np.diff(v) <= 0)):
        raise ResultFileError(f"/{name} is not finite and strictly increasing")
    if not ordered:
        return v, False
    scale = d.attrs.get("scale", "log")
    if not isinstance(scale, (str, bytes)):
        raise ResultFileError(f"/{name}@scale is not a string")
    log = _text(scale) == "log"
    if log and np.any(v <= 0):
        raise ResultFileError(f"/{name} has values <= 0 on a log axis")
    return v, log


def _map(f, name, shape):
    d = f.get(name)
    if d is None or not hasattr(d, "shape"):
        raise ResultFileError(f"missing dataset /{name}")
    if tuple(d.shape) != tuple(shape) or d.dtype.kind not in "fiu":
        raise ResultFileError(f"/{name} has shape {tuple(d.shape)} ({d.dtype}) where the axes give {tuple(shape)}")
    return d


_HEADERS: dict = {}  # file version -> what every map of the file shares (config, axes, total), read once
# Kept between calls only up to 2048² cells (32 MB a map): a notebook that once read a larger grid should not hold
# it, and there a map's contours cost far more than reading it again.
_CACHE_MAX_CELLS = 1 << 22


def _version_key(path):
    """What stat says of a file version: a rewritten file (new inode, mtime or size) is read again."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _read_map(path, measurement, delta_slice, require_creator=False):
    """measurement: None (the total), a name, or a list of names (their sum, e.g. the PV measurements).
    require_creator: also refuse a file zdscan did not write (zdscan.open; limits reads any file of this layout)."""
    import h5py

    try:
        if not h5py.is_hdf5(path):
            raise ResultFileError("not an HDF5 file")
        key = (_version_key(path), require_creator)
        with h5py.File(path, "r") as f:
            header = _HEADERS.get(key)
            if header is None:  # a figure asks for twenty maps of one file: the shared part is read and checked once
                header = _read_header(f, require_creator)
                _HEADERS.clear()
                if header[5].size <= _CACHE_MAX_CELLS:
                    _HEADERS[key] = header
            return _read_map_from(f, header, measurement, delta_slice)
    except ResultFileError as e:
        raise ResultFileError(f"{path}: not a zdscan result file ({e})") from None
    except (OSError, KeyError, TypeError, IndexError, AttributeError, json.JSONDecodeError) as e:
        raise ResultFileError(f"{path}: not a zdscan result file ({type(e).__name__}: {e})") from None


def _read_header(f, require_creator):
    if require_creator and _text(f.attrs.get("creator", "")) != "zdscan" and "bestfit" not in f:  # 0.1: no creator
        raise ResultFileError("no root attribute creator = zdscan")
    raw = f.attrs.get("config")
    if not isinstance(raw, (str, bytes)):
        raise ResultFileError("the root attribute config is missing or not a string")
    config = json.loads(_text(raw))
    if not isinstance(config, dict) or not isinstance(config.get("measurements"), list):
        raise ResultFileError("the root attribute config is not a zdscan config")
    m, log_m = _axis(f, "axes/m_zd_mev")
    eps, log_eps = _axis(f, "axes/epsilon")
    total = np.asarray(_map(f, "profile/chi2_total", (len(m), len(eps)))[...], dtype=float)
    total.setflags(write=False)  # shared by every map of the file
    version = _text(f.attrs.get("zdscan_version", f.attrs.get("version", "")))
    return config, m, eps, log_m, log_eps, total, version


def _read_map_from(f, header, measurement, delta_slice):
    config, m, eps, log_m, log_eps, total, version = header
    names = [x.get("name") if isinstance(x, dict) else None for x in config["measurements"]]
    wanted = [measurement] if isinstance(measurement, str) else list(measurement or [])
    for w in wanted:
        if w not in names:
            raise ValueError(f"--measurement: '{w}' is not in this file (it has {', '.join(map(str, names))})")
    # A poisson0 meson_decay's chi2 is two terms in the file: <name> and its companion <name>_phase (the scan adds
    # the companion; the file's slices say whether it is there).
    for x in config["measurements"]:
        if (isinstance(x, dict) and x.get("kind") == "meson_decay" and x.get("name") in wanted
                and f"slices/chi2_{x['name']}_phase" in f):
            wanted.append(x["name"] + "_phase")
    if delta_slice is None:
        if measurement is not None:
            raise ValueError("--measurement needs --delta-slice: the file stores each measurement's chi2 over "
                             "(m_Zd, epsilon) at fixed delta only (/slices; zdscan scan --delta-slices)")
        z, delta = total, "profiled"
    else:
        if not math.isfinite(delta_slice):
            raise ValueError(f"--delta-slice: must be a finite number (got {delta_slice})")
        if "slices" not in f:
            raise ValueError("--delta-slice: this file has no /slices (run zdscan scan --delta-slices)")
        values, _ = _axis(f, "slices/delta_slice", ordered=False)
        shape = (len(values), len(m), len(eps))
        i = int(np.argmin(np.abs(values - delta_slice)))
        if not abs(values[i] - delta_slice) <= 1e-9 * max(1.0, abs(delta_slice)) + 1e-15:
            raise ValueError(f"--delta-slice: {delta_slice:g} is not one of the file's slices "
                             f"({', '.join(f'{v:g}' for v in values)})")
        z = (sum(np.asarray(_map(f, "slices/chi2_" + w, shape)[i], dtype=float) for w in wanted) if wanted
             else np.asarray(_map(f, "slices/chi2_total", shape)[i], dtype=float))
        delta = float(values[i])
    return config, m, eps, log_m, log_eps, np.asarray(z, dtype=float), total, delta, version


_HASHES: dict = {}  # (device, inode, size, mtime_ns) -> SHA-256: a figure asks limits() of one file many times


def _sha256(path):
    """The file's SHA-256 (provenance of every limit written from it), computed once per version of the file: the
    key is what stat says of it, so a rewritten file (new inode or mtime or size) is hashed again."""
    key = _version_key(path)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        if len(_HASHES) > 64:
            _HASHES.clear()
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


_GRIDS: list = []  # [(x, y, X, Y)] of the last call of _grids


def _grids(x, y):
    """np.meshgrid(x, y), kept for the next call with the same axes (a figure contours twenty maps of one grid)."""
    if _GRIDS and np.array_equal(_GRIDS[0][0], x) and np.array_equal(_GRIDS[0][1], y):
        return _GRIDS[0][2], _GRIDS[0][3]
    gx, gy = np.meshgrid(x, y)
    for a in (gx, gy):
        a.setflags(write=False)
    _GRIDS[:] = [(np.array(x), np.array(y), gx, gy)] if gx.size <= _CACHE_MAX_CELLS else []
    return gx, gy


def _outlines(x, y, dchi2, level, region):
    """Closed outlines of {Δχ² ≤ level} (allowed) or {Δχ² > level} (excluded) in grid coordinates x, y."""
    import contourpy

    # A contiguous copy: contourpy copies a transposed view itself, more slowly (10 ms a call at 1024²). The 2-D
    # coordinates are those of the last call when the axes are (contourpy would build them again: 4 ms at 1024²).
    gx, gy = _grids(x, y)
    gen = contourpy.contour_generator(gx, gy, np.ascontiguousarray(dchi2.T), fill_type=contourpy.FillType.OuterOffset)
    lo, hi = float(np.min(dchi2)), float(np.max(dchi2))
    if region == "allowed":
        if lo > level:
            return []
        polygons, offsets = gen.filled(lo - 1.0, level)
    else:
        if hi <= level:
            return []
        polygons, offsets = gen.filled(level, hi + 1.0)
    rings = []
    for polygon, (points, offs) in enumerate(zip(polygons, offsets)):
        for a, b in zip(offs[:-1], offs[1:]):
            ring = points[a:b]
            if len(ring) and not np.array_equal(ring[0], ring[-1]):
                ring = np.vstack([ring, ring[:1]])
            rings.append((polygon, ring))
    return rings


def _edge_flags(ring, x, y):
    """Segment i (point i → i + 1) lies on one side of the grid box."""
    tol_x = 1e-9 * (x[-1] - x[0])
    tol_y = 1e-9 * (y[-1] - y[0])
    px, py = ring[:, 0], ring[:, 1]
    flags = np.zeros(len(ring), dtype=bool)
    for side_x in (x[0], x[-1]):
        on = np.abs(px - side_x) <= tol_x
        flags[:-1] |= on[:-1] & on[1:]
    for side_y in (y[0], y[-1]):
        on = np.abs(py - side_y) <= tol_y
        flags[:-1] |= on[:-1] & on[1:]
    return flags


def _bands(y, dchi2, level, region):
    """Per mass (row of dchi2): the ε intervals of the region, crossings interpolated linearly in y. Vectorised over
    the whole map (a Python loop over the cells took 0.14 s per call at 1024², most of a figure's time)."""
    y = np.asarray(y, dtype=float)
    dchi2 = np.asarray(dchi2, dtype=float)
    n_rows, n = dchi2.shape
    inside = dchi2 <= level if region == "allowed" else dchi2 > level
    padded = np.zeros((n_rows, n + 2), dtype=np.int8)
    padded[:, 1:-1] = inside
    step = np.diff(padded, axis=1)  # +1 where a run starts (at j), −1 one past where it ends (at k + 1)
    rows, j = np.nonzero(step == 1)
    _, k_end = np.nonzero(step == -1)  # row-major: the runs pair up in order
    k = k_end - 1

    def cross(r, a, b):
        t = (level - dchi2[r, a]) / (dchi2[r, b] - dchi2[r, a])
        return y[a] + t * (y[b] - y[a])

    with np.errstate(divide="ignore", invalid="ignore"):  # the edge cases' crossings are computed but not used
        lo = np.where(j == 0, y[0], cross(rows, np.maximum(j - 1, 0), j))
        hi = np.where(k == n - 1, y[-1], cross(rows, k, np.minimum(k + 1, n - 1)))
    out = [[] for _ in range(n_rows)]
    for r, a, b, lo_edge, hi_edge in zip(rows.tolist(), lo.tolist(), hi.tolist(), (j == 0).tolist(),
                                         (k == n - 1).tolist()):
        out[r].append((a, b, lo_edge, hi_edge))
    return out


def limits(source, cl: float = 90, *, measurement=None, delta_slice: Optional[float] = None,
           kind: str = "contour", dof: Optional[int] = None, reference: str = "own",
           region: str = "excluded") -> Limits:
    """Limit curves from a result file (path) at confidence level cl (%).

    measurement: one measurement's map, or a list whose maps are summed (needs delta_slice), else the combined
    (total) χ². delta_slice: a δ of the
    file's /slices, else the total profiled over δ. kind: "contour" (2-D region, 2 dof by default, Δχ² relative
    to the reference minimum) or "raster" (per mass, 1 dof by default, relative to the minimum at that mass).
    reference: "own" (the map's minimum) or "global" (the minimum of the total profiled over δ). region:
    "excluded" (Δχ² > level) or "allowed" (Δχ² ≤ level).
    """
    if kind not in ("contour", "raster"):
        raise ValueError(f"kind must be contour or raster (got {kind!r})")
    cl = cl_percent(cl)
    if reference not in ("own", "global"):
        raise ValueError(f"reference must be own or global (got {reference!r})")
    if region not in ("excluded", "allowed"):
        raise ValueError(f"region must be excluded or allowed (got {region!r})")
    dof = dof or (2 if kind == "contour" else 1)
    level = delta_chi2_for(cl, dof)
    path = os.fspath(source)
    config, m, eps, log_m, log_eps, z, total, delta, version = _read_map(path, measurement, delta_slice)
    if not np.all(np.isfinite(z)) or not np.all(np.isfinite(total)):
        raise ResultFileError(f"{path}: not a zdscan result file (the chi2 map has inf or NaN values)")
    if kind == "raster":
        ref = z.min(axis=1, keepdims=True)
        ref_value = None
    else:
        ref_value = float(z.min() if reference == "own" else total.min())
        ref = ref_value
    dchi2 = z - ref
    x = np.log10(m) if log_m else m
    y = np.log10(eps) if log_eps else eps
    rings = _outlines(x, y, dchi2, level, region) if len(x) > 1 and len(y) > 1 else []
    regions = []
    for polygon, ring in rings:
        flags = _edge_flags(ring, x, y)
        rx = 10 ** ring[:, 0] if log_m else ring[:, 0]
        ry = 10 ** ring[:, 1] if log_eps else ring[:, 1]
        regions.append(Region(rx, ry, flags, True, polygon))
    bands = _bands(y, dchi2, level, region)
    if log_eps:
        bands = [[(10 ** lo, 10 ** hi, a, b) for lo, hi, a, b in row] for row in bands]
    from . import __version__

    label = measurement if isinstance(measurement, str) else "+".join(measurement or []) or "combined"
    if measurement is None:
        used = [m.get("name", "") for m in config.get("measurements", []) if m.get("enabled", True)]
    else:
        used = [measurement] if isinstance(measurement, str) else list(measurement)
    # A projection (config "projection": true) is a forecast, not a result of today: the metadata says which.
    projected = [m.get("name", "") for m in config.get("measurements", [])
                 if isinstance(m, dict) and m.get("projection") is True and m.get("name") in used]
    meta = dict(creator="zdscan", config=config.get("name", ""), measurement=label, measurements_used=used,
                projections_used=projected, cl_percent=cl, dof=dof,
                delta_chi2=level, kind=kind, m_zd_mev_range=[float(m[0]), float(m[-1])],
                epsilon_range=[float(eps[0]), float(eps[-1])], reference=reference if kind == "contour" else "minimum at each mass",
                reference_chi2=ref_value, region=region, delta=delta, zdscan_version=__version__,
                file_zdscan_version=version, source_file=os.path.basename(path))
    meta = _Meta(meta, source_path=path)  # source_sha256 when first read
    return Limits(meta=meta, regions=regions, bands=bands, m_zd_mev=np.asarray(m, dtype=float), source_path=path)


# ---- writers ----------------------------------------------------------------------------------------------------
def _meta_lines(meta, prefix="# "):
    return [f"{prefix}{k}: {v}" for k, v in meta.items()]


def _csv(lim: Limits) -> str:
    s = io.StringIO()
    s.write("\n".join(_meta_lines(lim.meta)) + "\n")
    s.write("# one row per outline point; on_grid_edge: the segment to the next point runs along the grid boundary "
            "(not a limit)\n")
    w = csv.writer(s, lineterminator="\n")
    w.writerow(["segment_id", "m_zd_mev", "epsilon", "closed", "on_grid_edge"])
    for i, r in enumerate(lim.regions):
        for mm, ee, edge in zip(r.m_zd_mev, r.epsilon, r.on_grid_edge):
            w.writerow([i, f"{mm:.10g}", f"{ee:.10g}", int(r.closed), int(edge)])
    return s.getvalue()


def _table_csv_text(lim: Limits, columns, notes, rows) -> str:
    """The .lmt table as a CSV that a search_limit measurement reads back (docs/searches.md): header mass_gev,epsilon
    (one-sided, or one edge of a preferred band) or mass_gev,epsilon_lower,epsilon_upper (an excluded band)."""
    s = io.StringIO()
    s.write("\n".join(_meta_lines(lim.meta)) + "\n")
    s.write("".join(f"# note: {n}\n" for n in notes))
    s.write("# the same rows as --format lmt; a search_limit measurement reads this file back\n")
    w = csv.writer(s, lineterminator="\n")
    w.writerow(["mass_gev", "epsilon"] if len(columns) == 2 else ["mass_gev", "epsilon_lower", "epsilon_upper"])
    for row in rows:
        w.writerow([f"{v:.10g}" for v in row])
    return s.getvalue()


def csv_table_paths(path: str, lim: Limits) -> List[str]:
    """The limit tables a CSV output at path adds beside the outline: NAME_table.csv, or NAME_lower_table.csv and
    NAME_upper_table.csv for a preferred band."""
    stem, _ = os.path.splitext(os.fspath(path))
    return [stem + suffix + "_table.csv" for suffix, *_ in _lmt_tables(lim)]


def _lmt_tables(lim: Limits):
    """The .lmt files of lim as [(suffix, columns, rows, notes)], by DarkCast's rules: line 1 names the columns,
    `# mass lower` (one-sided: ε above `lower` is excluded) or `# mass lower upper` (the band between is excluded);
    mass in GeV; one band per mass. A band end at the grid edge is not a bound: such a row is left out or written
    one-sided, and the notes say so. An allowed (preferred) band is two one-sided files of its edges, `_lower` and
    `_upper`, never `lower upper` (which DarkCast reads as excluded)."""
    eps_edges = lim.meta.get("epsilon_range")
    allowed = lim.meta["region"] == "allowed"
    several = at_bottom = 0
    firsts = []
    for m, row in zip(lim.m_zd_mev, lim.bands):
        if not allowed:
            # An excluded interval that starts at the grid's lowest ε has no lower bound (with a preferred region
            # it is the disfavoured small-ε side); the bounded ones are the limit.
            at_bottom += any(iv[2] for iv in row)
            row = [iv for iv in row if not iv[2]]
        if not row:
            continue
        several += len(row) > 1
        firsts.append((float(m) * 1e-3, row[0]))  # DarkCast holds one band per mass: the lowest interval
    notes = []
    if lim.meta.get("projections_used"):
        notes.append("PROJECTION, not a result of today: the fit includes projected measurements ("
                     + ", ".join(lim.meta["projections_used"]) + ")")
    if several:
        notes.append(f"{several} masses have several {lim.meta['region']} intervals in epsilon; the lowest is written "
                     "(the JSON output has all)")
    edge_text = f" (the grid's epsilon range is {eps_edges[0]:.6g} to {eps_edges[1]:.6g})" if eps_edges else ""
    if allowed:
        lower = [(m, lo) for m, (lo, hi, lo_edge, hi_edge) in firsts if not lo_edge]
        upper = [(m, hi) for m, (lo, hi, lo_edge, hi_edge) in firsts if not hi_edge]
        # A region that runs down to the grid's lowest ε is an upper limit (everything below allowed), not a
        # preferred band: say so, as the figures label it "allowed".
        what = ("allowed region reaching the grid's lowest epsilon at some masses (an upper limit there, not a "
                "preferred band)" if len(lower) < len(firsts) else "preferred band, not a limit")
        out = []
        for suffix, rows, side, dropped in (("_lower", lower, "lower", len(firsts) - len(lower)),
                                            ("_upper", upper, "upper", len(firsts) - len(upper))):
            n = [f"{what}: the {side} edge of the allowed epsilon band at each mass (the other edge is in "
                 f"the {'_upper' if side == 'lower' else '_lower'} file); the column is named lower as in "
                 "DarkCast's one-sided files"] + notes
            if dropped:
                n.append(f"{dropped} masses left out: their band's {side} edge is the grid edge, not a bound"
                         + edge_text)
            out.append((suffix, ("mass", "lower"), rows, n))
        return out
    one_sided = [(m, lo) for m, (lo, hi, lo_edge, hi_edge) in firsts if hi_edge]
    two_sided = [(m, lo, hi) for m, (lo, hi, lo_edge, hi_edge) in firsts if not hi_edge]
    if at_bottom:
        notes.append(f"{at_bottom} masses have an excluded interval reaching the grid's lowest epsilon"
                     + edge_text + ": left out, its lower end is not a bound (the JSON output has it)")
    if two_sided:
        if one_sided:
            notes.append(f"{len(one_sided)} masses left out: their excluded band reaches the grid's highest "
                         "epsilon, so it has no upper bound here (the JSON output has them)" + edge_text)
        notes.insert(0, "excluded band: epsilon between lower and upper is excluded at each mass")
        return [("", ("mass", "lower", "upper"), two_sided, notes)]
    notes.insert(0, "one-sided limit: epsilon above lower is excluded at each mass, up to the grid's highest "
                    "epsilon" + edge_text)
    return [("", ("mass", "lower"), one_sided, notes)]


def _lmt_text(lim: Limits, columns, rows, notes) -> str:
    """One .lmt file: the DarkCast header line first, then zdscan's metadata as comments, then the rows."""
    lines = ["#" + "".join(f" {c:>12s}" for c in columns)]
    lines += _meta_lines(lim.meta)
    lines += [f"# note: {n}" for n in notes]
    lines.append("# units: mass in GeV, epsilon dimensionless")
    lines += ["".join(f" {v:.8e}" for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def lmt_paths(path: str, lim: Limits) -> List[str]:
    """The files a .lmt output of lim at path makes: path itself, or NAME_lower.lmt and NAME_upper.lmt for an
    allowed (preferred) band."""
    stem, ext = os.path.splitext(os.fspath(path))
    return [stem + suffix + (ext or ".lmt") for suffix, *_ in _lmt_tables(lim)]


def write_darkcast_band(lim: Limits, stem: str, *, force: bool = False) -> List[str]:
    """An allowed per-mass band as DarkCast names g-2 bands: STEM_2l.lmt and STEM_2u.lmt, its lower and upper 2 sigma
    edges (the same rows as write()'s _lower and _upper files)."""
    from . import _output

    tables = _lmt_tables(lim)
    if [t[0] for t in tables] != ["_lower", "_upper"]:
        raise ValueError("--darkcast-band: needs an allowed band")
    inputs = [lim.source_path] if lim.source_path else []
    paths = [stem + "_2l.lmt", stem + "_2u.lmt"]
    for p in paths:
        _output.check(p, "file", force=force, inputs=inputs, option="--out")
    for p, (_, columns, rows, notes) in zip(paths, tables):
        _output.write_text(p, _lmt_text(lim, columns, rows, notes + ["DarkCast's naming: _2l/_2u are the 2 sigma "
                                                                     "edges of the per-mass band"]),
                           force=force, inputs=inputs, option="--out")
    return paths


def _json(lim: Limits) -> str:
    doc = dict(creator="zdscan", meta=lim.meta,
               regions=[dict(closed=r.closed, m_zd_mev=r.m_zd_mev.tolist(), epsilon=r.epsilon.tolist(),
                             on_grid_edge=r.on_grid_edge.astype(bool).tolist()) for r in lim.regions],
               bands=[dict(m_zd_mev=float(m), intervals=[dict(lower=lo, upper=hi, lower_at_grid_edge=bool(a),
                                                               upper_at_grid_edge=bool(b)) for lo, hi, a, b in row])
                      for m, row in zip(lim.m_zd_mev, lim.bands)])
    return json.dumps(doc, indent=1) + "\n"


def _hepdata_files(lim: Limits, out_dir: str) -> None:
    """The submission's YAML files in out_dir (hepdata_lib's tables; its create_files is not used: it removes the
    directory it is given and writes submission.tar.gz into the working directory)."""
    try:
        import yaml
        from hepdata_lib import Table, Variable
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("--format hepdata needs hepdata_lib (pip install hepdata_lib)") from e
    meta = lim.meta
    # The table's name makes its file's name: no "%" or "+" (measurement sums are joined by "+").
    label = meta["measurement"].replace("+", " plus ")
    delta = "profiled over delta" if meta["delta"] == "profiled" else f"{meta['delta']:g}"
    measurements = ", ".join(meta["measurements_used"])
    if meta.get("projections_used"):
        measurements += " (projected: " + ", ".join(meta["projections_used"]) + ")"
    tables = []
    # The same rows as the .lmt files: a band end at the grid edge is never a bound (left out or one-sided), and a
    # preferred band is its two edges, never an excluded band.
    for suffix, columns, rows, notes in _lmt_tables(lim):
        side = {"_lower": " lower edge", "_upper": " upper edge"}.get(suffix, "")
        what = "preferred band" if meta["region"] == "allowed" else "excluded region"
        table = Table(f"{label} {what}{side} at {meta['cl_percent']:g} percent CL")
        table.location = f"zdscan limits from {meta['source_file']} (config {meta['config']})"
        table.description = (f"zdscan {meta['zdscan_version']}: {what}{side} in epsilon per m_Zd at "
                             f"{meta['cl_percent']:g}% CL (Delta chi2 = {meta['delta_chi2']:.4g}, {meta['dof']} "
                             f"dof, {meta['kind']}), delta = {delta}, measurements: {measurements}, config "
                             f"{meta['config']}, source {meta['source_file']} (sha256 {meta['source_sha256']}). "
                             + " ".join(n[0].upper() + n[1:] + "." for n in notes))
        table.keywords["observables"] = ["LIMIT"] if meta["region"] == "excluded" else ["PREFERRED REGION"]
        table.keywords["phrases"] = ["Dark Z", "Dark photon", "Kinetic mixing", "Mass mixing", "Parity violation",
                                     "Anomalous magnetic moment", "Weak charge"]
        mass = Variable("m_Zd", is_independent=True, is_binned=False, units="GeV")
        mass.values = [r[0] for r in rows]
        table.add_variable(mass)
        if what == "preferred band":
            names = ["epsilon" + side]
        else:
            names = ["epsilon lower", "epsilon upper"] if len(columns) == 3 else ["epsilon limit"]
        for i, name in enumerate(names, start=1):
            v = Variable(name, is_independent=False, is_binned=False, units="")
            v.values = [r[i] for r in rows]
            v.add_qualifier("CL", f"{meta['cl_percent']:g} %")
            v.add_qualifier("Delta chi2", f"{meta['delta_chi2']:.4f}")
            v.add_qualifier("degrees of freedom", meta["dof"])
            v.add_qualifier("delta", delta)
            v.add_qualifier("measurements", measurements)
            v.add_qualifier("config", meta["config"])
            v.add_qualifier("region", what)
            table.add_variable(v)
        tables.append(table)
    # As hepdata_lib's create_files: the submission's general document first; write_output then appends the table's
    # entry to submission.yaml and writes the table's own file.
    submission = {"comment": f"zdscan {lim.meta['zdscan_version']} limits from {lim.meta['source_file']}",
                  "data_license": {"name": "cc-by-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}}
    with open(os.path.join(out_dir, "submission.yaml"), "w", encoding="utf-8") as f:
        # zdscan's mark that it made the directory (the next write may replace it): a YAML comment, which HEPData
        # ignores, so the directory validates as it stands (docs/output.md).
        from . import _core

        f.write(_core.submission_marker + "; the next zdscan write to this directory may replace it\n")
        yaml.dump(submission, f, default_flow_style=False, explicit_start=True)
    for table in tables:
        table.write_output(out_dir)
    try:
        from hepdata_validator.full_submission_validator import FullSubmissionValidator
    except ImportError:  # pragma: no cover - hepdata_lib depends on it
        return
    validator = FullSubmissionValidator()
    if not validator.validate(directory=out_dir):
        problems = "; ".join(str(m.message) for msgs in validator.get_messages().values() for m in msgs)
        raise RuntimeError(f"the HEPData submission does not validate: {problems}")


def _archive_bytes(directory: str) -> bytes:
    """The directory's YAML files as a .tar.gz whose gzip header names it zdscan's (the output policy's mark)."""
    import gzip
    import tarfile

    buf = io.BytesIO()
    with gzip.GzipFile(filename="zdscan-hepdata.tar", mode="wb", fileobj=buf, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w") as tar:
            for name in sorted(os.listdir(directory)):
                if name.endswith(".yaml"):
                    tar.add(os.path.join(directory, name), arcname=name)
    return buf.getvalue()


FORMATS = ("csv", "lmt", "json", "hepdata")


def format_for(path: str, fmt: Optional[str] = None) -> str:
    """The output format: fmt when given, else from path's extension (.csv, .lmt, .json; a name without one is a
    HEPData directory). The same rule in the CLI and in Python."""
    if fmt:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})")
        return fmt
    ext = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if ext in ("csv", "lmt", "json"):
        return ext
    if ext == "":
        return "hepdata"
    raise ValueError(f"cannot tell the format from {path!r}: give --format (csv, lmt, json, hepdata)")


def write(lim: Limits, path: str, fmt: Optional[str] = None, *, force: bool = False,
          option: str = "out=") -> List[str]:
    """Writes lim as csv, lmt, json, or hepdata: a directory of YAML files `path` and its archive `path.tar.gz`.
    Returns the paths written. A preferred (allowed) band in .lmt is two files, NAME_lower.lmt and NAME_upper.lmt
    (lmt_paths).

    Every write follows zdscan's output policy (zdscan._output, docs/output.md): the input result and anything
    zdscan did not write are never replaced (force: any regular file but the input), files appear whole or not
    at all, and a HEPData directory is replaced only when zdscan made it."""
    from . import _output

    path = os.fspath(path)
    fmt = format_for(path, fmt)
    inputs = [lim.source_path] if lim.source_path else []
    if fmt == "hepdata":
        if path == "-":
            raise ValueError("format hepdata needs an output directory")
        archive = path.rstrip("/") + ".tar.gz"
        _output.check(path, "directory", inputs=inputs, option=option)
        _output.check(archive, "file", force=force, inputs=inputs, option=option)

        def fill(tmp):
            _hepdata_files(lim, tmp)
            _output.write_bytes(archive, _archive_bytes(tmp), force=force, inputs=inputs, option=option)

        _output.write_directory(path, fill, inputs=inputs, option=option, marker_file=False)
        return [path, archive]
    if fmt == "lmt":
        tables = _lmt_tables(lim)
        if path == "-":
            if len(tables) > 1:
                raise ValueError("a preferred (allowed) band in .lmt is two one-sided files: give an output "
                                 "NAME.lmt (NAME_lower.lmt and NAME_upper.lmt are written)")
            sys.stdout.write(_lmt_text(lim, *tables[0][1:]))
            return [path]
        paths = lmt_paths(path, lim)
        for p in paths:  # every target is checked before any is written
            _output.check(p, "file", force=force, inputs=inputs, option=option)
        for p, (_, columns, rows, notes) in zip(paths, tables):
            _output.write_text(p, _lmt_text(lim, columns, rows, notes), force=force, inputs=inputs, option=option)
        return paths
    text = dict(csv=_csv, json=_json)[fmt](lim)
    if path == "-":
        sys.stdout.write(text)
        return [path]
    if fmt == "csv":
        # Beside the outline (which is no per-mass table), the limit as a table search_limit reads back.
        tables = _lmt_tables(lim)
        extra = csv_table_paths(path, lim)
        for p in [path] + extra:  # every target is checked before any is written
            _output.check(p, "file", force=force, inputs=inputs, option=option)
        _output.write_text(path, text, force=force, inputs=inputs, option=option)
        for p, (_, columns, rows, notes) in zip(extra, tables):
            _output.write_text(p, _table_csv_text(lim, columns, notes, rows), force=force, inputs=inputs,
                               option=option)
        return [path] + extra
    _output.write_text(path, text, force=force, inputs=inputs, option=option)
    return [path]


def read_lmt(path: str) -> dict:
    """A .lmt file read by DarkCast's rules: line 1 is `#` and the column names (`mass lower` or `mass lower
    upper`), every later line starting with `#` is a comment, every other non-blank line has one number per
    column. Returns {column: array} (mass in GeV) and "meta": zdscan's `# key: value` comments."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if not lines or not lines[0].startswith("#"):
        raise ValueError(f"{path}: line 1 must name the columns ('# mass lower' or '# mass lower upper')")
    columns = lines[0][1:].split()
    if columns not in (["mass", "lower"], ["mass", "lower", "upper"]):
        raise ValueError(f"{path}: line 1 names columns {columns}, not 'mass lower' or 'mass lower upper'")
    meta, rows = {}, []
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if sep:
                meta.setdefault(key.strip(), value.strip())
            continue
        if not line.strip():
            continue
        values = line.split()
        if len(values) != len(columns):
            raise ValueError(f"{path}: line {number} has {len(values)} values for {len(columns)} columns")
        try:
            rows.append([float(v) for v in values])
        except ValueError:
            raise ValueError(f"{path}: line {number} is not numbers: {line!r}") from None
    table = np.array(rows, dtype=float).reshape(-1, len(columns))
    out = {c: table[:, i] for i, c in enumerate(columns)}
    out["meta"] = meta
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="zdscan limits", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="zdscan result (HDF5)")
    p.add_argument("--cl", default="90", help="confidence level: a percent in (1, 100) or a fraction in (0, 1) "
                                              "(default 90)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--measurement", help="one measurement's chi2, or the sum of a comma-separated list "
                                             "(needs --delta-slice)")
    which.add_argument("--combined", action="store_true", help="the total chi2 (the default)")
    p.add_argument("--delta-slice", help="a delta of the file's /slices (default: profiled over delta)")
    p.add_argument("--kind", choices=("contour", "raster"), default="contour")
    p.add_argument("--dof", type=int, choices=(1, 2), help="degrees of freedom (default: 2 contour, 1 raster)")
    p.add_argument("--reference", choices=("own", "global"), default="own")
    p.add_argument("--region", choices=("excluded", "allowed"),
                   help="excluded (the default) or allowed; a .lmt of a fit with a preferred band needs it named")
    p.add_argument("--darkcast-band", action="store_true",
                   help="the per-mass 2 sigma band DarkCast uses for g-2 (Delta chi2 = 4 at each mass, one parameter): "
                        "--kind raster --cl 95.45 --region allowed, written as NAME_2l.lmt and NAME_2u.lmt")
    p.add_argument("--format", choices=FORMATS, help="default: from --out's extension (no extension: hepdata); "
                                                      "csv on standard output")
    p.add_argument("--out", default="-", help="output file (hepdata: a new directory, and DIR.tar.gz beside it); "
                                              "default: standard output. Replaces only an earlier zdscan output "
                                              "unless --force")
    p.add_argument("--force", action="store_true", help="replace any regular file at --out (never the input)")
    try:
        a = p.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code in (0, None) else 2

    def bad(message):
        print(f"zdscan limits: {message}", file=sys.stderr)
        return 2

    for option, value in (("--cl", a.cl), ("--delta-slice", a.delta_slice), ("--out", a.out),
                          ("--measurement", a.measurement)):
        if value is not None and not str(value).strip():
            return bad(f"{option}: empty value")
    try:
        cl = cl_percent(a.cl)
    except ValueError as e:
        return bad(f"--cl: {e}")
    delta_slice = None
    if a.delta_slice is not None:
        try:
            delta_slice = float(a.delta_slice)
        except ValueError:
            return bad(f"--delta-slice: not a number ({a.delta_slice!r})")
        if not math.isfinite(delta_slice):
            return bad(f"--delta-slice: must be a finite number (got {a.delta_slice})")
    if not os.path.isfile(a.file):
        return bad(f"file: {a.file}: no such file" if not os.path.exists(a.file) else
                   f"file: {a.file}: not a regular file")
    region_named = a.region is not None
    if a.darkcast_band:
        if a.kind != "contour" or a.region == "excluded" or a.dof == 2:
            return bad("--darkcast-band: is the per-mass allowed band (raster, 1 dof, 2 sigma); drop --kind, --dof and "
                       "--region")
        a.kind, a.region, cl, region_named = "raster", "allowed", 0.954499736103642, True
        if a.out == "-" or not a.out.endswith(".lmt"):
            return bad("--darkcast-band: give --out NAME.lmt (NAME_2l.lmt and NAME_2u.lmt are written)")
    a.region = a.region or "excluded"
    try:
        fmt = a.format or ("csv" if a.out == "-" else format_for(a.out))
    except ValueError as e:
        return bad(f"--out: {e}")
    if fmt == "hepdata" and a.out == "-":
        return bad("--format hepdata needs --out DIRECTORY")
    from . import _output

    with _output.signals_as_exceptions():
        try:
            if a.out != "-":  # refused before any work
                _output.check(a.out, "directory" if fmt == "hepdata" else "file", force=a.force,
                              inputs=[a.file], option="--out")
            measurement = a.measurement.split(",") if a.measurement and "," in a.measurement else a.measurement
            lim = limits(a.file, cl, measurement=measurement, delta_slice=delta_slice, kind=a.kind, dof=a.dof,
                         reference=a.reference, region=a.region)
        except (ValueError, KeyError, FileExistsError) as e:
            return bad(str(e).strip("'\""))
        # A .lmt reads as "epsilon above lower is excluded": for a fit with a preferred band (an excluded interval
        # below it, down to the grid's lowest epsilon) the default would publish the band's upper edge as an
        # exclusion, which DarkCast plots as one. The region must then be named.
        if fmt == "lmt" and not region_named and lim.meta["region"] == "excluded" and any(
                iv[2] for row in lim.bands for iv in row):
            return bad("--region: this fit has a preferred band (it excludes small epsilon too), so a one-sided .lmt "
                       "would publish the band's upper edge as an exclusion: give --region excluded to write that "
                       "anyway, or --region allowed for the band's two edges (or --darkcast-band)")
        try:
            if a.darkcast_band:
                stem = a.out[:-len(".lmt")]
                written = write_darkcast_band(lim, stem, force=a.force)
            else:
                written = write(lim, a.out, fmt, force=a.force, option="--out")
        except (FileExistsError, ValueError) as e:
            return bad(str(e))
        except (OSError, RuntimeError) as e:
            print(f"zdscan limits: {e}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("zdscan limits: interrupted; nothing was written", file=sys.stderr)
            return 130
    if fmt == "lmt" and len(written) > 1:
        print("zdscan limits: a preferred band is two one-sided files (not a limit): " + ", ".join(written),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
