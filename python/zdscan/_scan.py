"""χ² at points, scans and result files as xarray trees, and the APV reanalysis."""
from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from typing import Dict, Optional, Sequence

import numpy as np

from . import _core
from ._config import ConfigLike, config_path, config_text


class Model:
    """A config validated and set up once, for fitting: `model(m, eps, delta)` is the total χ² at one point (a few
    µs: what a minimiser such as iminuit calls; arrays broadcast), `model.grad(m, eps, delta)` its gradient,
    `model.chi2(m, eps, delta)` every term, NumPy-broadcast. config: None, a JSON path, a result file (its stored
    config), a dict or JSON text.

    >>> model = zdscan.Model()                     # the embedded default, or a path or dict
    >>> model(47.0, 2.3e-3, 7.9e-4)                # float
    >>> model.chi2(m_grid, eps_grid, 7.9e-4)["a_mu"]

    The physics is the scan's, to the bit. config: as load_config takes it.
    """

    def __init__(self, config: ConfigLike = None):
        text = config_text(config)
        self.config = json.loads(text)
        self._core = _core.Model(text)
        # The measurements as the scan has them (a poisson0 meson_decay is two: <name> and <name>_phase).
        self.names = list(self._core.names)

    def __call__(self, m_zd_mev, epsilon, delta):
        """The total χ²: a float at one point (the fast path a minimiser calls), an array of the broadcast shape
        when any argument is an array."""
        if np.ndim(m_zd_mev) == 0 and np.ndim(epsilon) == 0 and np.ndim(delta) == 0:
            return self._core.total(float(m_zd_mev), float(epsilon), float(delta))
        return self.chi2(m_zd_mev, epsilon, delta)["total"]

    def grad(self, m_zd_mev: float, epsilon: float, delta: float) -> np.ndarray:
        """(∂χ²/∂m_Zd, ∂χ²/∂ε, ∂χ²/∂δ) at one point, for iminuit (`Minuit(model, ..., grad=model.grad)`): δ exactly
        (the pulls are cubics in δ); m_Zd and ε by a four-point central difference with steps of 1e-4 of the value
        (relative error ~1e-12 on the smooth physics; the loop functions and propagators have no kinks there)."""
        m, e, d = float(m_zd_mev), float(epsilon), float(delta)
        out = np.empty(3)
        for k, (x, f) in enumerate(((m, lambda v: self._core.total(v, e, d)), (e, lambda v: self._core.total(m, v, d)))):
            h = 1e-4 * abs(x) if x != 0 else 1e-8
            out[k] = (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h)
        out[2] = _core.delta_slope(self._core, m, e, d)
        return out

    def chi2(self, m_zd_mev, epsilon, delta) -> Dict[str, np.ndarray]:
        """χ² of each measurement (config order, disabled ones included) and "total" (the enabled ones), arrays of
        the broadcast shape of the three arguments."""
        m, e, d = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (m_zd_mev, epsilon, delta)))
        shape = m.shape
        flat = [np.ascontiguousarray(a.reshape(-1)) for a in (m, e, d)]
        table = self._core.chi2(*flat)
        out = {name: table[i].reshape(shape) for i, name in enumerate(self.names)}
        out["total"] = table[len(self.names)].reshape(shape)
        return out

    def __repr__(self) -> str:
        return f"zdscan.Model({self.config.get('name', '')!r}: {', '.join(self.names)})"


@functools.lru_cache(maxsize=8)
def _model_for(text: str) -> Model:
    return Model(json.loads(text))


def chi2(config: ConfigLike, m_zd_mev, epsilon, delta) -> Dict[str, np.ndarray]:
    """χ² of each measurement and the total at (m_zd_mev [MeV], epsilon, delta), NumPy-broadcast.

    Returns a dict: each measurement's name (config order, disabled ones included) and "total" (the enabled
    ones), arrays of the broadcast shape. The physics is the scan's, to the bit: a file's /chi2/total at a grid
    point equals "total" there. The set-up of a config is kept for the next call (zdscan.Model does it explicitly).
    """
    return _model_for(config_text(config)).chi2(m_zd_mev, epsilon, delta)


def open(path: "str | os.PathLike[str]"):  # noqa: A001 (the API's name)
    """A zdscan result file as an xarray.DataTree: one node per HDF5 group, coordinates on every node, the
    root's attributes (config, provenance) as attrs. Loaded into memory; the file is closed."""
    import xarray as xr

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file" if not os.path.exists(path) else f"{path}: not a regular file")
    # Checked as `zdscan limits` checks it, before xarray decodes anything.
    from .limit_curves import ResultFileError, _read_map

    _read_map(path, None, None, require_creator=True)
    try:
        with xr.open_datatree(path, engine="h5netcdf") as tree:
            return _axes_where_used(tree.load())
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ResultFileError(f"{path}: not a readable zdscan result file ({type(e).__name__}: {e})") from None


def _axes_where_used(tree):
    """The tree without coordinates at the root. The file links the three axes at its root too (netCDF readers
    look dimension scales up the tree), and a DataTree would hand them down to every group: then
    tree["measurements"].to_dataset() carries 256³ cells of (m, ε, δ) it does not use and to_dataframe() runs out of
    memory. Here each group gets the axes of its own dimensions as coordinates, and /axes holds all three."""
    import xarray as xr

    nodes = {node.path: node.to_dataset(inherit=False) for node in tree.subtree}
    root = nodes["/"]
    for path, ds in nodes.items():
        used = {d: root.coords[d] for d in ds.dims if d in root.coords and d not in ds.coords}
        if path != "/" and used:
            nodes[path] = ds.assign_coords(used)
    nodes["/"] = xr.Dataset(attrs=root.attrs)
    axes = nodes.get("/axes", xr.Dataset())
    nodes["/axes"] = xr.merge([axes, root.coords.to_dataset()], combine_attrs="override").assign_attrs(axes.attrs)
    return xr.DataTree.from_dict(nodes)


def _written_and_opened(caller: str, out, write):
    """write(path, kept) writes the file: into out when given (kept: the user's file, by the output policy), else
    into a temporary directory removed once the file is read; returns it as open() does."""
    if out is not None:
        path = os.fspath(out)
        if not path:
            raise ValueError(f"{caller}: out= is an empty path")
        write(path, True)
        return open(path)
    tmp = tempfile.mkdtemp(prefix="zdscan-")
    try:
        path = os.path.join(tmp, f"{caller}.h5")
        write(path, False)
        return open(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scan(config: ConfigLike = None, *, n: Optional[int] = None, n_m: Optional[int] = None,
         n_eps: Optional[int] = None, n_delta: Optional[int] = None, backend: str = "auto", threads: int = 0,
         full_grid: bool = False, delta_profile: str = "exact", delta_slices: Sequence[float] = (),
         out: "str | os.PathLike[str] | None" = None, force: bool = False, store: str = "all", deflate: int = 0,
         posterior: bool = False, delta_prior: Optional[str] = None):
    """Runs a scan and returns it as an xarray.DataTree with the same groups, names and attributes as the file
    `zdscan scan` writes (docs/output.md).

    n sets every axis; n_m, n_eps, n_delta set one each (default: the config's grid). backend: "cpu", "cuda",
    "cuda-emulated" (the CUDA kernels on the CPU, for tests) or "auto"; threads: CPU threads (0: all). delta_profile: "exact" or "grid". delta_slices: fixed δ values stored
    under /slices. store: what /profile holds beside chi2_total ("all", "total", or e.g. "argmin,terms32", as
    --store); deflate: compression level 0-9 of the full grid (as --deflate); posterior: also the Bayesian posterior
    (/posterior, as --posterior; docs/statistics.md); delta_prior: its prior of δ, "uniform" (default), "log" or
    "log:FLOOR" (log-uniform |δ| above FLOOR, as --delta-prior). out: also keep the file there (the CLI's rules: only a previous zdscan result is replaced
    unless force). The GIL is released while the scan runs; Ctrl-C stops it (KeyboardInterrupt, nothing written).
    """
    if n is not None and any(v is not None for v in (n_m, n_eps, n_delta)):
        raise ValueError("scan: give n= or n_m=/n_eps=/n_delta=, not both")
    names = ("n", "n", "n") if n is not None else ("n_m", "n_eps", "n_delta")
    for name, v in zip(names, (n, n, n) if n is not None else (n_m, n_eps, n_delta)):
        if v is not None and not (isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                                  and 1 <= v <= 1_000_000):
            raise ValueError(f"scan: {name}= must be an integer between 1 and 1000000 (got {v!r})")
    if backend not in ("cpu", "cuda", "cuda-emulated", "auto"):
        raise ValueError(f"scan: backend= must be 'cpu', 'cuda', 'cuda-emulated' or 'auto' (got {backend!r})")
    if delta_profile not in ("exact", "grid"):
        raise ValueError(f"scan: delta_profile= must be 'exact' or 'grid' (got {delta_profile!r})")
    if not (isinstance(threads, (int, np.integer)) and not isinstance(threads, (bool, np.bool_)) and threads >= 0):
        raise ValueError(f"scan: threads= must be 0 (all) or a positive integer (got {threads!r})")
    if isinstance(delta_slices, (str, bytes)) or np.ndim(delta_slices) != 1:
        raise ValueError(f"scan: delta_slices= must be a sequence of numbers (got {delta_slices!r})")
    try:
        slices = [float(x) for x in delta_slices]
    except (TypeError, ValueError):
        raise ValueError(f"scan: delta_slices= must be a sequence of numbers (got {delta_slices!r})") from None
    # Plain ints from here (np.int64 is taken as the CLI takes any integer).
    n, n_m, n_eps, n_delta = (None if v is None else int(v) for v in (n, n_m, n_eps, n_delta))
    threads = int(threads)
    counts = [n if n is not None else v for v in (n_m, n_eps, n_delta)]
    text = config_text(config)
    command = "python: zdscan.scan(" + ", ".join(
        f"{k}={v!r}" for k, v in dict(n=n, n_m=n_m, n_eps=n_eps, n_delta=n_delta, backend=backend,
                                      threads=threads, full_grid=full_grid, delta_profile=delta_profile,
                                      delta_slices=slices, store=None if store == "all" else store,
                                      deflate=deflate, posterior=posterior, delta_prior=delta_prior).items()
        if v not in (None, 0, (), [], False)) + ")"
    if not isinstance(store, str):
        raise ValueError(f"scan: store= must be a string such as 'all', 'total' or 'argmin,terms32' (got {store!r})")
    if not (isinstance(deflate, (int, np.integer)) and not isinstance(deflate, (bool, np.bool_)) and 0 <= deflate <= 9):
        raise ValueError(f"scan: deflate= must be an integer from 0 to 9 (got {deflate!r})")
    args = dict(n_m=counts[0] or 0, n_eps=counts[1] or 0, n_delta=counts[2] or 0, backend=backend,
                threads=threads, full_grid=bool(full_grid), delta_profile=delta_profile,
                delta_slices=slices, command_line=command, store=store, deflate=int(deflate),
                posterior=bool(posterior), delta_prior="" if delta_prior is None else str(delta_prior))
    return _written_and_opened("scan", out, lambda path, kept: _core.scan_to_file(
        text, config_path(config) if kept else "", path, force=bool(force) and kept, **args))


def coverage(result: "str | os.PathLike[str]", *, toys: int = 1000, cl: Sequence[float] = (68, 90, 95),
             points: "str | os.PathLike[str]" = "near-contour", band: Sequence[float] = (0.25, 2.5), seed: int = 1,
             threads: int = 0, backend: str = "auto", out: "str | os.PathLike[str] | None" = None,
             force: bool = False):
    """Toy-based Feldman-Cousins regions of (m_Zd, ε) and the coverage of the Wilks regions, as `zdscan coverage`
    (docs/statistics.md): returns the result with /coverage as an xarray.DataTree.

    result: a file of `zdscan scan`. toys: pseudo-datasets per tested cell (10 to 10^7). cl: levels in % (68 is
    68.27 %). points: "near-contour" (cells whose Δχ² lies within band × a Wilks threshold), "all", or a file of
    "m_zd_mev epsilon" lines. seed: the Philox key (the numbers depend on seed, cell and toy only). backend: "cpu",
    "cuda", "cuda-emulated" or "auto". out: also keep the file there (default: none; the CLI's rules: never the
    input, only a previous zdscan result unless force). The GIL is released; Ctrl-C stops it (nothing written).
    """
    def integer(name, v, lo, hi):
        if not (isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and lo <= v <= hi):
            raise ValueError(f"coverage: {name}= must be an integer between {lo} and {hi} (got {v!r})")
        return int(v)

    toys = integer("toys", toys, 10, 10_000_000)
    seed = integer("seed", seed, 0, 2**64 - 1)
    threads = integer("threads", threads, 0, 1 << 20)
    if isinstance(cl, (str, bytes)) or np.ndim(cl) != 1 or len(cl) == 0:
        raise ValueError(f"coverage: cl= must be a sequence of percentages, e.g. (68, 95.45) (got {cl!r})")
    try:
        levels = ",".join(repr(float(c)) if float(c) != 68 else "68" for c in cl)
        band_low, band_high = (float(b) for b in band)
    except (TypeError, ValueError):
        raise ValueError(f"coverage: cl= and band= must hold numbers (got {cl!r}, {band!r})") from None
    if backend not in ("cpu", "cuda", "cuda-emulated", "auto"):
        raise ValueError(f"coverage: backend= must be 'cpu', 'cuda', 'cuda-emulated' or 'auto' (got {backend!r})")
    result = os.fspath(result)
    points = os.fspath(points)
    command = f"python: zdscan.coverage({os.path.basename(result)!r}, toys={toys}, cl={list(cl)!r}, " \
              f"points={points!r}, seed={seed})"
    args = dict(force=bool(force), toys=toys, cl=levels, points=points, band_low=band_low, band_high=band_high,
                seed=seed, threads=threads, backend=backend, command_line=command)
    return _written_and_opened("coverage", out, lambda path, kept: _core.coverage_to_file(result, path, **args))


def apv(config: ConfigLike = None, alternatives: bool = False) -> dict:
    """The Q_W(133Cs) reanalysis (seed paper eqs. 16-23) from the config's apv_reanalysis inputs: the inputs,
    every step with its uncertainty, the budget and, if asked, the alternatives (as `zdscan apv --json`)."""
    return json.loads(_core.apv(config_text(config), alternatives))
