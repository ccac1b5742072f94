"""zdscan: chi2 scans of dark Z_d models (kinetic mixing epsilon, Z-Z_d mass mixing delta) against low-energy
measurements, reproducing Cadeddu et al., PRD 104, L011701 (2021).

The same C++ as the `zdscan` command line, from Python:

>>> import zdscan
>>> cfg = zdscan.load_config()                        # the embedded default (configs/paper2021.json)
>>> zdscan.chi2(cfg, m_zd_mev=47.0, epsilon=2.3e-3, delta=7.9e-4)["total"]
>>> model = zdscan.Model(cfg); model(47.0, 2.3e-3, 7.9e-4)  # set up once: a few µs a point (for minimisers)
>>> tree = zdscan.scan(cfg, n=64)                     # xarray.DataTree, the layout of the HDF5 file
>>> tree = zdscan.open("paper2021.h5")                # a file written by `zdscan scan`
>>> fc = zdscan.coverage("paper2021.h5", toys=1000, cl=(68, 95.45))  # Feldman-Cousins toys: /coverage
>>> curves = zdscan.limits("paper2021.h5", cl=90)     # contours and per-mass bands (module zdscan.limit_curves)

See docs/python.md.
"""
from ._core import __version__
from ._config import default_config, load_config
from ._scan import Model, apv, chi2, coverage, open, scan
from .limit_curves import limits

__all__ = ["__version__", "default_config", "load_config", "Model", "chi2", "scan", "coverage", "open", "apv",
           "limits"]
