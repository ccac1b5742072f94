#!/usr/bin/env python3
"""Checks a zdscan result file the way users read it: h5py (layout, shapes, attributes) and xarray (every group
with named coordinates), then recomputes it with the independent NumPy reference (tools/reference_scan.py).

Usage: check_scan_file.py RESULT.h5
"""
import json
import os
import sys

import h5py
import numpy as np
import xarray as xr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_scan  # noqa: E402


def main(path):
    with h5py.File(path, "r") as f:
        cfg = json.loads(f.attrs["config"])
        n = [cfg["grid"][a]["n"] for a in ("m_zd_mev", "epsilon", "delta")]
        names = [o["name"] for o in cfg["measurements"]]
        expect = {"axes/m_zd_mev": (n[0],), "axes/epsilon": (n[1],), "axes/delta": (n[2],),
                  "profile/chi2_total": (n[0], n[1]), "profile/argmin_delta": (n[0], n[1]),
                  "profile1d/chi2_m_zd_mev": (n[0],), "profile1d/chi2_epsilon": (n[1],),
                  "profile1d/chi2_delta": (n[2],), "measurements/measurement": (len(names),)}
        expect.update({f"profile/chi2_{name}": (n[0], n[1]) for name in names})
        expect.update({f"apv/k_{o['name']}": (n[0],) for o in cfg["measurements"] if o["kind"] == "apv"})
        for name, shape in expect.items():
            assert f[name].shape == shape, (name, f[name].shape, shape)
        # Every dataset carries units and long_name (CF conventions, read by xarray for labels).
        def labelled(name, obj):
            if isinstance(obj, h5py.Dataset):
                assert "long_name" in obj.attrs and "units" in obj.attrs, f"{name}: long_name/units missing"
        f.visititems(labelled)
        assert [v.decode() if isinstance(v, bytes) else v for v in f["measurements/measurement"][...]] == names
        # Each axis is one dataset under two names (/axes/<name> and the root hard link): compare basenames.
        assert [d[0].name.split("/")[-1] for d in f["profile/chi2_total"].dims] == ["m_zd_mev", "epsilon"]
        best = dict(f["bestfit"].attrs)
        assert best["refined_chi2_min"] <= best["chi2_min"]
        for key in ("chi2_min", "m_zd_mev", "epsilon", "delta", "refined_m_zd_mev", "refined_epsilon", "refined_delta"):
            assert np.isfinite(best[key]), key
        assert best["chi2_min"] == f["profile/chi2_total"][...].min()
        assert isinstance(f.attrs["backend"], str) and isinstance(f.attrs["version"], str)
        for key in ("git_commit", "build_type", "compiler", "device", "command_line", "start_time"):
            assert isinstance(f.attrs[key], str) and f.attrs[key], f"provenance attribute {key} missing"
        assert f.attrs["command_line"].split()[1] == "scan" and 0 < f.attrs["wall_time_s"] < 3600
        has_full = "chi2/total" in f
    tree = xr.open_datatree(path, engine="h5netcdf")
    profile = tree["profile"].to_dataset()
    assert profile.chi2_total.dims == ("m_zd_mev", "epsilon"), profile.chi2_total.dims
    cell = profile.chi2_total.sel(m_zd_mev=best["m_zd_mev"], epsilon=best["epsilon"])
    assert float(cell) == best["chi2_min"]
    running = tree["running"].to_dataset()
    assert running.sin2_bestfit.dims == ("q_gev",) and running.sin2_sm.size == running.q_gev.size
    if "slices" in tree:
        sl = tree["slices"].to_dataset()
        assert sl.chi2_total.dims == ("delta_slice", "m_zd_mev", "epsilon"), sl.chi2_total.dims
        total = sum(sl["chi2_" + o["name"]] for o in cfg["measurements"] if o.get("enabled", True))
        assert np.allclose(total.values, sl.chi2_total.values, rtol=1e-12, atol=0)
    # A group read alone keeps its coordinates (the axes are hard-linked into it).
    alone = xr.open_dataset(path, group="profile", engine="h5netcdf")
    assert "m_zd_mev" in alone.coords and "epsilon" in alone.coords, alone.coords
    assert float(alone.chi2_total.sel(m_zd_mev=best["m_zd_mev"], epsilon=best["epsilon"])) == best["chi2_min"]
    table = tree["measurements"].to_dataset()
    assert list(table.measurement.values) == names, table.measurement.values
    p1 = tree["profile1d"].to_dataset()
    assert p1.chi2_delta.dims == ("delta",)
    if has_full:
        full = tree["chi2"].to_dataset().total
        assert full.dims == ("m_zd_mev", "epsilon", "delta")
        assert profile.attrs["delta_profile"] in ("exact", "grid"), profile.attrs
        assert np.array_equal(full.argmin("delta").values, profile.argmin_delta_index.values)
        if profile.attrs.get("delta_profile", "grid") == "grid":
            assert np.array_equal(full.min("delta").values, profile.chi2_total.values)
        else:  # exact: never above the grid, and at a δ inside the range
            assert np.all(profile.chi2_total.values <= full.min("delta").values)
            d = profile.argmin_delta.values
            assert np.all((d >= full.delta.values.min()) & (d <= full.delta.values.max()))
    print(f"h5py and xarray: OK ({path}, full grid: {has_full})")
    return reference_scan.compare(path, rtol=1e-9, atol=1e-9)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
