"""Limit curves: contourpy outlines against an analytic ellipse, grid-edge marking, the .lmt round trip, the
levels for 1 and 2 degrees of freedom, and `zdscan limits` on a real scan."""
import csv
import hashlib
import io
import json
import math
import subprocess

import h5py
import numpy as np
import pytest

import zdscan
from zdscan import limit_curves as L

# A toy χ² that is an ellipse in (log10 m, log10 ε): Δχ² = u² + v² with u, v rotated and scaled coordinates.
CENTRE = (1.7, -2.6)  # log10(50 MeV), log10(2.5e-3)
AXES = (0.5, 0.3)  # semi-axes at Δχ² = 1
ANGLE = 0.4


def toy_chi2(lm, le, centre=CENTRE):
    dx, dy = lm - centre[0], le - centre[1]
    c, s = math.cos(ANGLE), math.sin(ANGLE)
    u = (c * dx + s * dy) / AXES[0]
    v = (-s * dx + c * dy) / AXES[1]
    return u * u + v * v


def toy_file(path, n=241, centre=CENTRE, offset=3.0):
    """A minimal result file: config, log axes, /profile/chi2_total = offset + the toy ellipse."""
    m = np.logspace(0, 3, n)
    eps = np.logspace(-4, -1, n)
    z = offset + toy_chi2(np.log10(m)[:, None], np.log10(eps)[None, :], centre)
    with h5py.File(path, "w") as f:
        f.attrs["config"] = json.dumps({"name": "toy", "measurements": [{"name": "toy"}]})
        f.attrs["version"] = "0.1.0"
        for name, values in (("m_zd_mev", m), ("epsilon", eps)):
            f[f"axes/{name}"] = values
            f[f"axes/{name}"].attrs["scale"] = "log"
        f["profile/chi2_total"] = z
    return path


def test_levels_for_one_and_two_degrees_of_freedom():
    assert L.delta_chi2_for(90, 1) == pytest.approx(2.705543, abs=1e-6)
    assert L.delta_chi2_for(90, 2) == pytest.approx(4.605170, abs=1e-6)
    assert L.delta_chi2_for(95, 2) == pytest.approx(5.991465, abs=1e-6)
    assert L.delta_chi2_for(68.27, 1) == pytest.approx(1.0, abs=2e-4)
    with pytest.raises(ValueError):
        L.delta_chi2_for(90, 3)


def test_contour_is_the_analytic_ellipse(tmp_path):
    lim = zdscan.limits(toy_file(tmp_path / "toy.h5"), 90, region="allowed")
    level = L.delta_chi2_for(90, 2)
    assert lim.meta["reference_chi2"] == pytest.approx(3.0, abs=1e-3)
    assert len(lim.regions) == 1
    r = lim.regions[0]
    assert r.closed and not r.on_grid_edge.any()
    q = toy_chi2(np.log10(r.m_zd_mev), np.log10(r.epsilon)) + 3.0 - lim.meta["reference_chi2"]
    # Linear interpolation of a quadratic between grid points (spacing h = 3/240 in log10): error ~ h²·max∂²/8.
    assert np.max(np.abs(q - level)) < 2e-3 * level
    # The outline goes all the way round: its area is the ellipse's, π a b Δχ².
    x, y = np.log10(r.m_zd_mev), np.log10(r.epsilon)
    area = 0.5 * abs(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))
    assert area == pytest.approx(math.pi * AXES[0] * AXES[1] * level, rel=1e-3)


def test_grid_edge_segments_are_marked(tmp_path):
    # Centre on the lower mass edge: half the ellipse is inside the grid, closed along m = 1 MeV.
    lim = zdscan.limits(toy_file(tmp_path / "edge.h5", centre=(0.0, -2.6)), 90, region="allowed")
    assert len(lim.regions) == 1
    r = lim.regions[0]
    on_edge = np.isclose(r.m_zd_mev, 1.0, rtol=1e-9)
    segment_on_edge = on_edge[:-1] & on_edge[1:]
    assert segment_on_edge.any()
    assert np.array_equal(r.on_grid_edge[:-1], segment_on_edge)
    # The limit pieces leave out the edge: one open piece, every point of it on the ellipse.
    pieces = r.limit_pieces()
    assert len(pieces) == 1
    pm, pe = pieces[0]
    level = L.delta_chi2_for(90, 2)
    q = toy_chi2(np.log10(pm), np.log10(pe), centre=(0.0, -2.6)) + 3.0 - lim.meta["reference_chi2"]
    assert np.max(np.abs(q - level)) < 2e-3 * level
    # The band at the lowest masses: its ends are limits (inside the ε range), not the grid edge.
    assert lim.bands[0] and not lim.bands[0][0][2] and not lim.bands[0][0][3]
    # An excluded region bounded by the ε edge: every mass's band reaches the top of the grid.
    exc = zdscan.limits(toy_file(tmp_path / "top.h5", centre=(1.5, -4.5)), 90, region="excluded")
    assert all(row and row[-1][3] for row in exc.bands)


def test_lmt_round_trip_and_formats(tmp_path):
    path = toy_file(tmp_path / "toy.h5")
    lim = zdscan.limits(path, 90, region="allowed")
    L.write(lim, str(tmp_path / "toy.lmt"), "lmt")
    m_gev, lo, hi = L.read_lmt(str(tmp_path / "toy.lmt"))
    expected = [(m * 1e-3, row[0][0], row[0][1]) for m, row in zip(lim.m_zd_mev, lim.bands) if row]
    np.testing.assert_allclose(np.column_stack([m_gev, lo, hi]), np.array(expected), rtol=1e-8)
    # The band at each mass is the ellipse's ε extent there (Δχ² linear in log ε between grid points).
    level = L.delta_chi2_for(90, 2)
    i = int(np.argmin(np.abs(np.log10(lim.m_zd_mev) - CENTRE[0])))
    for eps in lim.bands[i][0][:2]:
        assert toy_chi2(np.log10(lim.m_zd_mev[i]), np.log10(eps)) == pytest.approx(level, rel=3e-3)

    L.write(lim, str(tmp_path / "toy.csv"), "csv")
    text = (tmp_path / "toy.csv").read_text()
    rows = list(csv.DictReader(io.StringIO("\n".join(l for l in text.splitlines() if not l.startswith("#")))))
    assert rows and set(rows[0]) == {"segment_id", "m_zd_mev", "epsilon", "closed", "on_grid_edge"}
    assert {r["closed"] for r in rows} == {"1"}

    L.write(lim, str(tmp_path / "toy.json"), "json")
    doc = json.loads((tmp_path / "toy.json").read_text())
    meta = doc["meta"]
    assert meta["cl_percent"] == 90 and meta["dof"] == 2 and meta["measurement"] == "combined"
    assert meta["config"] == "toy" and meta["delta"] == "profiled" and meta["zdscan_version"] == zdscan.__version__
    assert meta["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(doc["regions"]) == 1 and len(doc["bands"]) == len(lim.m_zd_mev)


def test_raster_uses_one_dof_and_the_minimum_at_each_mass(tmp_path):
    lim = zdscan.limits(toy_file(tmp_path / "toy.h5"), 90, kind="raster", region="allowed")
    assert lim.meta["dof"] == 1 and lim.meta["delta_chi2"] == pytest.approx(2.7055, abs=1e-4)
    # Every mass has an allowed interval around its own minimum, even far from the ellipse.
    assert all(len(row) == 1 for row in lim.bands)


def test_hepdata_output(tmp_path):
    pytest.importorskip("hepdata_lib")
    lim = zdscan.limits(toy_file(tmp_path / "toy.h5"), 90, region="allowed")
    L.write(lim, str(tmp_path / "hepdata"), "hepdata")
    files = {p.name for p in (tmp_path / "hepdata").iterdir()}
    assert "submission.yaml" in files and len(files) >= 2
    # HEPData's own validator accepts the archive (what is uploaded); the directory holds the same files and
    # zdscan's marker.
    import tarfile
    from hepdata_validator.full_submission_validator import FullSubmissionValidator
    assert FullSubmissionValidator().validate(archive=str(tmp_path / "hepdata.tar.gz"))
    with tarfile.open(tmp_path / "hepdata.tar.gz") as tar:
        assert set(tar.getnames()) | {".zdscan-output"} == files


def test_cli_on_a_real_scan(cli_file, zdscan_exe, tmp_path):
    run = lambda *a: subprocess.run([zdscan_exe, "limits", str(cli_file), *a], capture_output=True, text=True)
    r = run("--measurement", "a_mu", "--delta-slice", "0", "--region", "allowed", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["meta"]["measurement"] == "a_mu" and doc["meta"]["delta"] == 0.0
    # The muon g−2 band near 47 MeV at δ = 0 holds the paper's ε ≈ 2.3e-3 region's neighbourhood.
    assert any(b["intervals"] for b in doc["bands"])
    r = run("--measurement", "a_mu")
    assert r.returncode == 2 and "--delta-slice" in r.stderr
    r = run("--delta-slice", "0.5")
    assert r.returncode == 2 and "not one of the file's slices" in r.stderr
    r = run("--measurement", "nope", "--delta-slice", "0")
    assert r.returncode == 2 and "'nope' is not in this file" in r.stderr
    out = tmp_path / "combined.lmt"
    # A sum of measurements (e.g. the PV ones of Figs. 2 and 5), comma-separated.
    r = run("--measurement", "qweak,apv_cs", "--delta-slice", "0.001", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["meta"]["measurement"] == "qweak+apv_cs"
    r = run("--format", "lmt", "--out", str(out))
    assert r.returncode == 0 and out.exists() and L.read_lmt(str(out))[0].size > 0
