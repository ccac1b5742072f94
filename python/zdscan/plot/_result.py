"""What the figures read from a result file, validated before use (the readers' rule: nothing from a file is used
unchecked). The χ² maps for contours are read by zdscan.limits; this holds the rest."""
from __future__ import annotations

import dataclasses
import json
import os
from typing import Dict, List, Optional

import numpy as np

from ..limit_curves import ResultFileError, _axis, _map, _text

PV_KINDS = ("pves_proton", "pves_electron", "apv")


@dataclasses.dataclass
class Measurement:
    name: str
    kind: str
    enabled: bool
    projection: bool
    exp: float
    exp_sigma: float
    sm: float
    sm_sigma: float
    q2_gev2: float  # pves kinds, else NaN
    q_mev: float  # apv, else NaN
    z: float  # apv, else NaN
    sigma: float = float("nan")  # total uncertainty (exp_sigma, sm_sigma and named errors in quadrature)
    label: str = ""  # the config's display label (/measurements/label; "" : figures name it from the name)


@dataclasses.dataclass
class ResultData:
    path: str
    name: str
    m_zd_mev: np.ndarray
    epsilon: np.ndarray
    chi2_map: np.ndarray  # /profile/chi2_total [m, ε], δ profiled
    profile_m: np.ndarray  # /profile1d/chi2_m_zd_mev
    profile_eps: np.ndarray
    best: Dict[str, float]  # /bestfit attributes (numbers only)
    measurements: List[Measurement]
    delta_slices: Optional[np.ndarray]
    running: Optional[Dict[str, np.ndarray]]  # q_gev, sin2_sm and the Z_d curves
    running_attrs: Dict[str, dict]
    #: /searches: each search_limit's limit (name, label, mass_gev, lower, upper or None, enabled, valid_below_gev,
    #: cl_percent, decay)
    searches: List[dict] = dataclasses.field(default_factory=list)
    #: /posterior (with --posterior): log_density [m, ε], hpd_log_density_68p27/95p45, priors, box_set; else None
    posterior: Optional[dict] = None
    #: /coverage (`zdscan coverage`): cl (%, ascending), wilks (Δχ² per CL), toys, dchi2, tested [m, ε] and per CL
    #: (keyed by the CL in %) fc_region, crit, wilks_coverage maps; else None
    coverage: Optional[dict] = None
    #: the result has enabled meson_decay measurements (/meson_decays): the mesons figure can be drawn
    has_meson_decays: bool = False

    def measurement(self, name: str) -> Measurement:
        return next(m for m in self.measurements if m.name == name)

    def shown(self) -> List[Measurement]:
        """The measurements a figure shows: the enabled ones (a disabled one appears nowhere)."""
        return [m for m in self.measurements if m.enabled]


def _number(v):
    """A finite number attribute as a float: a scalar, or a one-element array (netCDF writers store scalars so, e.g.
    a result written back by xarray's to_netcdf); anything else None."""
    a = np.asarray(v)
    if a.size == 1 and a.ndim <= 1 and a.dtype.kind in "fiu" and np.isfinite(a).all():
        return float(a.reshape(()))
    return None


def _vector(f, name, n):
    d = _map(f, name, (n,))
    v = np.asarray(d[...], dtype=float)
    if not np.all(np.isfinite(v)):
        raise ResultFileError(f"/{name} has inf or NaN values")
    return v


def _measurements(f) -> List[Measurement]:
    g = f.get("measurements")
    if g is None or "measurement" not in g:
        raise ResultFileError("missing group /measurements")
    names = [_text(x) for x in g["measurement"][...]]
    n = len(names)
    if not 1 <= n <= 16:
        raise ResultFileError("/measurements/measurement must list 1 to 16 names")
    k = g.get("kind")
    if k is None or not hasattr(k, "shape") or tuple(k.shape) != (n,) or k.dtype.kind not in "OSU":
        raise ResultFileError(f"/measurements/kind must hold {n} strings")
    kinds = [_text(x) for x in k[...]]

    def column(key, finite=True, default=None):
        if default is not None and f"measurements/{key}" not in f:
            return np.full(n, default)  # a file from before the column
        v = np.asarray(_map(f, f"measurements/{key}", (n,))[...], dtype=float)
        if finite and not np.all(np.isfinite(v)):
            raise ResultFileError(f"/measurements/{key} has inf or NaN values")
        return v

    exp, exp_sigma, sm, sm_sigma = (column(k) for k in ("exp", "exp_sigma", "sm", "sm_sigma"))
    sigma = column("sigma", default=np.nan)  # files from before the named errors: exp_sigma ⊕ sm_sigma
    sigma = np.where(np.isfinite(sigma), sigma, np.hypot(exp_sigma, sm_sigma))
    enabled, projection = column("enabled"), column("projection", default=0.0)
    q2, q_mev, z = (column(k, finite=False) for k in ("q2_gev2", "q_mev", "z"))
    labels = [""] * n
    if "measurements/label" in f:
        lab = f["measurements/label"]
        if not hasattr(lab, "shape") or tuple(lab.shape) != (n,) or lab.dtype.kind not in "OSU":
            raise ResultFileError(f"/measurements/label must hold {n} strings")
        labels = [_text(x) for x in lab[...]]
    return [Measurement(names[i], kinds[i], bool(enabled[i]), bool(projection[i]), exp[i], exp_sigma[i], sm[i],
                        sm_sigma[i], q2[i], q_mev[i], z[i], sigma[i], labels[i]) for i in range(n)]


def _search_label(name: str, source: str) -> str:
    """The experiment as a figure names it: the source's first word ("NA48/2, PLB ..." -> NA48/2), else the name."""
    import re

    first = re.split(r"[ ,(:]", source.strip(), maxsplit=1)[0] if source.strip() else ""
    return first or name


def _searches(f, measurements) -> List[dict]:
    out = []
    g = f.get("searches")
    for m in measurements:
        if m.kind != "search_limit":
            continue
        if g is None or m.name not in g:
            raise ResultFileError(f"missing group /searches/{m.name} of the search_limit measurement {m.name}")
        s = g[m.name]
        mass = np.asarray(s["mass_gev"][...], dtype=float) if "mass_gev" in s else np.zeros(0)
        n = len(mass)
        if n == 0 or mass.ndim != 1 or not np.all(np.isfinite(mass)) or np.any(mass <= 0) or np.any(np.diff(mass) < 0):
            raise ResultFileError(f"/searches/{m.name}/mass_gev must hold positive, non-decreasing masses")

        def column(key):
            if key not in s:
                return None
            v = np.asarray(s[key][...], dtype=float)
            if v.shape != (n,) or not np.all(np.isfinite(v)) or np.any(v <= 0):
                raise ResultFileError(f"/searches/{m.name}/{key} must hold {n} positive numbers")
            return v

        lower = column("lower")
        if lower is None:
            raise ResultFileError(f"missing dataset /searches/{m.name}/lower")
        attrs = {k: _number(v) for k, v in s.attrs.items()}
        source = _text(s.attrs.get("source", ""))
        out.append(dict(name=m.name, label=_search_label(m.name, source), mass_gev=mass, lower=lower,
                        upper=column("upper"), enabled=m.enabled, valid_below_gev=attrs.get("valid_below_gev") or 1.0,
                        cl_percent=attrs.get("cl_percent") or 90.0, decay=_text(s.attrs.get("decay", "")),
                        # files before 2026-12 entered every limit as a Gaussian in the rate
                        likelihood=_text(s.attrs.get("likelihood", "gaussian_rate"))))
    return out


def cl_suffix(cl_percent: float) -> str:
    """A CL's dataset suffix in /coverage: 68.27 → '68p27' (as zdscan coverage names them)."""
    return f"{cl_percent:.4g}".replace(".", "p")


def _coverage(f, shape) -> dict:
    """/coverage, every map checked against the axes and its range before use."""
    g = f["coverage"]
    d = g.get("cl")
    if d is None or not hasattr(d, "shape") or d.ndim != 1 or not 1 <= d.shape[0] <= 8 or d.dtype.kind != "f":
        raise ResultFileError("/coverage/cl must list 1 to 8 confidence levels")
    cl = np.asarray(d[...], dtype=float)
    if not np.all((cl > 0) & (cl < 1)) or np.any(np.diff(cl) <= 0):
        raise ResultFileError("/coverage/cl must be ascending levels between 0 and 1")
    toys = _number(g.attrs.get("toys"))
    if toys is None or toys < 1:
        raise ResultFileError("/coverage@toys is not a positive number")
    tested = np.asarray(_map(f, "coverage/tested", shape)[...])
    dchi2 = np.asarray(_map(f, "coverage/dchi2", shape)[...], dtype=float)
    if not np.all((tested == 0) | (tested == 1)) or not np.all(np.isfinite(dchi2) & (dchi2 >= 0)):
        raise ResultFileError("/coverage/tested must be 0 or 1 and /coverage/dchi2 finite and >= 0")
    tested = tested == 1
    wilks = _vector(f, "coverage/wilks_dchi2", len(cl))  # the Wilks thresholds as the run used them
    if not np.all(wilks > 0):
        raise ResultFileError("/coverage/wilks_dchi2 must be positive")
    out = dict(cl=[100 * c for c in cl], wilks=list(wilks), toys=int(toys), tested=tested,
               dchi2=dchi2, fc_region={}, crit={}, wilks_coverage={})
    for c in out["cl"]:
        s = cl_suffix(c)
        region = np.asarray(_map(f, f"coverage/fc_region_{s}", shape)[...])
        crit = np.asarray(_map(f, f"coverage/dchi2_crit_{s}", shape)[...], dtype=float)
        cov = np.asarray(_map(f, f"coverage/wilks_coverage_{s}", shape)[...], dtype=float)
        if not np.all((region == 0) | (region == 1)):
            raise ResultFileError(f"/coverage/fc_region_{s} must be 0 or 1")
        if not (np.all(np.isfinite(crit[tested]) & (crit[tested] >= 0))
                and np.all((cov[tested] >= 0) & (cov[tested] <= 1))):
            raise ResultFileError(f"/coverage/dchi2_crit_{s} or wilks_coverage_{s} out of range where tested")
        out["fc_region"][c], out["crit"][c], out["wilks_coverage"][c] = region == 1, crit, cov
    return out


def read_result(path) -> ResultData:
    """The figures' inputs from a zdscan result file; ResultFileError naming the file and the object at fault."""
    import h5py

    path = os.fspath(path)
    try:
        if not os.path.isfile(path) or not h5py.is_hdf5(path):
            raise ResultFileError("not an HDF5 file")
        with h5py.File(path, "r") as f:
            raw = f.attrs.get("config")
            if not isinstance(raw, (str, bytes)):
                raise ResultFileError("the root attribute config is missing or not a string")
            config = json.loads(_text(raw))
            if not isinstance(config, dict):
                raise ResultFileError("the root attribute config is not a zdscan config")
            m, _ = _axis(f, "axes/m_zd_mev")
            eps, _ = _axis(f, "axes/epsilon")
            chi2_map = np.asarray(_map(f, "profile/chi2_total", (len(m), len(eps)))[...], dtype=float)
            if not np.all(np.isfinite(chi2_map)):
                raise ResultFileError("/profile/chi2_total has inf or NaN values")
            profile_m = _vector(f, "profile1d/chi2_m_zd_mev", len(m))
            profile_eps = _vector(f, "profile1d/chi2_epsilon", len(eps))
            g = f.get("bestfit")
            if g is None:
                raise ResultFileError("missing group /bestfit")
            best = {k: x for k, x in ((k, _number(v)) for k, v in g.attrs.items()) if x is not None}
            for k in ("refined_m_zd_mev", "refined_epsilon", "refined_delta", "refined_chi2_min"):
                if k not in best:
                    raise ResultFileError(f"/bestfit@{k} is missing or not a finite number")
            measurements = _measurements(f)
            slices = _axis(f, "slices/delta_slice", ordered=False)[0] if "slices" in f else None
            running, running_attrs = None, {}
            if "running" in f:
                q, _ = _axis(f, "running/q_gev", ordered=False)
                running = {"q_gev": q}
                for k in f["running"]:
                    if k.startswith("sin2_"):
                        running[k] = _vector(f, f"running/{k}", len(q))
                        running_attrs[k] = {a: x for a, x in ((a, _number(v)) for a, v in
                                                              f[f"running/{k}"].attrs.items()) if x is not None}
                if "sin2_sm" not in running:
                    raise ResultFileError("missing dataset /running/sin2_sm")
            searches = _searches(f, measurements)
            posterior = None
            if "posterior" in f:
                g = f["posterior"]
                dens = np.asarray(_map(f, "posterior/log_density", (len(m), len(eps)))[...], dtype=float)
                # Named by their real levels since 2026-12 (68.27 %, 95.45 %); older files: _68, _95.
                levels = [_number(g.attrs.get(new, g.attrs.get(old))) for new, old in
                          (("hpd_log_density_68p27", "hpd_log_density_68"), ("hpd_log_density_95p45", "hpd_log_density_95"))]
                if not np.all(np.isfinite(dens)) or any(v is None for v in levels):
                    raise ResultFileError("/posterior: log_density and its HPD levels must be finite")
                marg = {k: _vector(f, f"posterior/marginal_{k}", n) for k, n in (("m_zd_mev", len(m)),
                                                                                   ("epsilon", len(eps)))}
                # The axes whose credible interval the box sets (docs/statistics.md, "Box sensitivity").
                box_set = [a for a in ("m_zd_mev", "epsilon", "delta")
                           if _number(g.attrs.get(f"{a}_credible_box_sensitive")) == 1]
                posterior = dict(log_density=dens, hpd68=levels[0], hpd95=levels[1],
                                 priors=_text(g.attrs.get("priors", "")), marginal=marg, box_set=box_set)
            coverage = _coverage(f, (len(m), len(eps))) if "coverage" in f else None
            has_mesons = "meson_decays" in f and any(
                isinstance(x, dict) and x.get("kind") == "meson_decay" and x.get("enabled", True)
                for x in config.get("measurements", []))
            name = str(config.get("name", os.path.basename(path)))
    except ResultFileError as e:
        raise ResultFileError(f"{path}: not a zdscan result file ({e})") from None
    except (OSError, KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise ResultFileError(f"{path}: not a zdscan result file ({type(e).__name__}: {e})") from None
    return ResultData(path, name, m, eps, chi2_map, profile_m, profile_eps, best, measurements, slices, running,
                      running_attrs, searches, posterior, coverage, has_mesons)
