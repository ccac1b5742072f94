"""Limit curves: contourpy outlines against an analytic ellipse, grid-edge marking, the .lmt round trip, the
levels for 1 and 2 degrees of freedom, and `zdscan limits` on a real scan."""
import csv
import hashlib
import io
import json
import math
import os
import pathlib
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


def toy_file(path, n=241, centre=CENTRE, offset=3.0, island=False):
    """A minimal result file: config, log axes, /profile/chi2_total = offset + the toy ellipse (island: offset +
    max(0, 10 − ellipse), an excluded island inside an allowed plane)."""
    m = np.logspace(0, 3, n)
    eps = np.logspace(-4, -1, n)
    q = toy_chi2(np.log10(m)[:, None], np.log10(eps)[None, :], centre)
    z = offset + (np.maximum(0.0, 10.0 - q) if island else q)
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


def test_a_rewritten_file_is_read_again(tmp_path):
    """limits() keeps what a file's maps share (config, axes, total) per version of the file: a file rewritten in
    place (same name, same size) or replaced by a rename gives the new file's limits, never the old."""
    path = tmp_path / "toy.h5"
    toy_file(path, centre=(1.7, -2.6))
    first = zdscan.limits(path, 90, region="allowed").regions[0]
    os.utime(path, ns=(1, 1))
    toy_file(path, centre=(1.9, -2.3))  # the same size: only the content and mtime differ
    moved = zdscan.limits(path, 90, region="allowed").regions[0]
    assert np.mean(np.log10(moved.m_zd_mev)) == pytest.approx(1.9, abs=0.05)
    assert np.mean(np.log10(first.m_zd_mev)) == pytest.approx(1.7, abs=0.05)
    toy_file(tmp_path / "new.h5", centre=(1.3, -2.8))
    os.replace(tmp_path / "new.h5", path)
    assert np.mean(np.log10(zdscan.limits(path, 90, region="allowed").regions[0].m_zd_mev)) == pytest.approx(
        1.3, abs=0.05)


def test_large_grids_are_not_kept_between_calls(tmp_path, monkeypatch):
    """What limits() keeps between calls (a file's total map, the contour grid) stays small: above the bound nothing
    is kept, and the limits are the same."""
    path = toy_file(tmp_path / "toy.h5", n=61)
    kept = zdscan.limits(path, 90, region="allowed")
    assert L._HEADERS and L._GRIDS
    monkeypatch.setattr(L, "_CACHE_MAX_CELLS", 59 * 59 - 1)
    fresh = zdscan.limits(toy_file(tmp_path / "other.h5", n=59), 90, region="allowed")
    assert not L._HEADERS and not L._GRIDS
    again = zdscan.limits(toy_file(tmp_path / "third.h5", n=61), 90, region="allowed")
    assert np.array_equal(again.regions[0].m_zd_mev, kept.regions[0].m_zd_mev)
    assert len(fresh.regions) == 1


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


def darkcast_read(path):
    """A .lmt reader written to DarkCast's documented rules, independent of zdscan's: line 1 is '#' and the column
    names ('mass lower' one-sided, 'mass lower upper' an excluded band), later '#' lines are comments, each other
    line one number per column."""
    with open(path) as f:
        first = f.readline()
        assert first.startswith("#"), f"{path}: line 1 must name the columns"
        keys = first[1:].split()
        rows = [[float(v) for v in line.split()] for line in f if line.strip() and not line.startswith("#")]
    assert keys in (["mass", "lower"], ["mass", "lower", "upper"]), keys
    assert all(len(r) == len(keys) for r in rows)
    return {k: np.array([r[i] for r in rows]) for i, k in enumerate(keys)}


def grid_edges_of(lim):
    return set(lim.meta["epsilon_range"])


def test_lmt_preferred_band_is_two_one_sided_files(tmp_path):
    path = toy_file(tmp_path / "toy.h5")
    lim = zdscan.limits(path, 90, region="allowed")
    written = L.write(lim, str(tmp_path / "toy.lmt"), "lmt")
    assert [os.path.basename(w) for w in written] == ["toy_lower.lmt", "toy_upper.lmt"]
    assert not (tmp_path / "toy.lmt").exists()
    rows = [(m * 1e-3, row[0]) for m, row in zip(lim.m_zd_mev, lim.bands) if row]
    for file, column in zip(written, (0, 1)):
        dc = darkcast_read(file)
        assert set(dc) == {"mass", "lower"}  # never 'lower upper': DarkCast reads that as an excluded band
        expected = np.array([(m, band[column]) for m, band in rows if not band[2 + column]])
        np.testing.assert_allclose(np.column_stack([dc["mass"], dc["lower"]]), expected, rtol=1e-8)
        assert not grid_edges_of(lim) & set(dc["lower"])
        ours = L.read_lmt(file)
        assert "preferred band, not a limit" in ours["meta"]["note"] and ours["meta"]["creator"] == "zdscan"
        np.testing.assert_array_equal(ours["lower"], dc["lower"])
    # The band at each mass is the ellipse's ε extent there (Δχ² linear in log ε between grid points).
    level = L.delta_chi2_for(90, 2)
    i = int(np.argmin(np.abs(np.log10(lim.m_zd_mev) - CENTRE[0])))
    for eps in lim.bands[i][0][:2]:
        assert toy_chi2(np.log10(lim.m_zd_mev[i]), np.log10(eps)) == pytest.approx(level, rel=3e-3)
    with pytest.raises(ValueError, match="two one-sided files"):
        L.write(lim, "-", "lmt")


def test_lmt_exclusion_reaching_the_grid_edge_writes_no_edge_value(tmp_path):
    # The allowed ellipse sits below the grid: the excluded region reaches the top of the ε axis at every mass
    # and the bottom at masses far from the centre.
    lim = zdscan.limits(toy_file(tmp_path / "top.h5", centre=(1.5, -4.5)), 90, region="excluded")
    (written,) = L.write(lim, str(tmp_path / "top.lmt"), "lmt")
    dc = darkcast_read(written)
    assert set(dc) == {"mass", "lower"}
    assert not grid_edges_of(lim) & set(dc["lower"])
    # At each mass the lowest interval that does not start at the grid bottom (one that does is not a bound).
    bounded = [(m, [iv for iv in row if not iv[2]]) for m, row in zip(lim.m_zd_mev, lim.bands)]
    one_sided = [(m * 1e-3, row[0][0]) for m, row in bounded if row]
    assert 0 < len(one_sided) < len(lim.m_zd_mev)  # the rows whose only band starts at the grid bottom are left out
    np.testing.assert_allclose(np.column_stack([dc["mass"], dc["lower"]]), np.array(one_sided), rtol=1e-8)
    notes = [l for l in open(written) if l.startswith("# note:")]
    assert any("left out" in n and "lowest epsilon" in n for n in notes)
    assert any("one-sided limit" in n for n in notes)


def test_lmt_excluded_island_is_a_two_sided_band(tmp_path):
    lim = zdscan.limits(toy_file(tmp_path / "island.h5", island=True), 90, region="excluded")
    (written,) = L.write(lim, str(tmp_path / "island.lmt"), "lmt")
    dc = darkcast_read(written)
    assert set(dc) == {"mass", "lower", "upper"} and len(dc["mass"]) > 0
    assert np.all(dc["lower"] < dc["upper"])
    assert not grid_edges_of(lim) & (set(dc["lower"]) | set(dc["upper"]))
    # Both ends lie on the island's edge: 10 − ellipse = Δχ²(90 %, 2 dof).
    level = L.delta_chi2_for(90, 2)
    for m, lo, hi in zip(dc["mass"], dc["lower"], dc["upper"]):
        for eps in (lo, hi):
            assert 10.0 - toy_chi2(np.log10(m * 1e3), np.log10(eps)) == pytest.approx(level, rel=5e-3)


DARKCAST = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "darkcast"


@pytest.mark.skipif(not DARKCAST.is_dir(), reason="DarkCast's limit files are not here (../shared/data/darkcast)")
def test_read_lmt_reads_darkcast_files():
    files = sorted(DARKCAST.glob("*.lmt"))
    assert files
    two_sided = 0
    for f in files:
        ours, dc = L.read_lmt(str(f)), darkcast_read(str(f))
        assert set(ours) - {"meta"} == set(dc)
        for k in dc:
            np.testing.assert_array_equal(ours[k], dc[k])
        assert np.all(np.diff(dc["mass"]) >= 0) and np.all(dc["mass"] > 0)
        two_sided += "upper" in dc
    assert two_sided == 3  # E137, E141 and NA64's beam-dump bands (the folder's README)


def test_formats(tmp_path):
    path = toy_file(tmp_path / "toy.h5")
    lim = zdscan.limits(path, 90, region="allowed")
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
    # The hash is computed once per version of the file: a changed file is hashed again.
    import h5py
    import os

    with h5py.File(path, "r+") as f:
        f.attrs["note"] = "changed"
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 1_000_000))
    again = zdscan.limits(str(path), 90)
    assert again.meta["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() != meta["source_sha256"]


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
    # HEPData's own validator accepts the archive (what is uploaded) and the directory as it stands (zdscan's mark
    # is a YAML comment in submission.yaml, not a file the submission does not reference); both hold the same files.
    import tarfile
    from hepdata_validator.full_submission_validator import FullSubmissionValidator
    assert FullSubmissionValidator().validate(archive=str(tmp_path / "hepdata.tar.gz"))
    assert FullSubmissionValidator().validate(directory=str(tmp_path / "hepdata"))
    r = subprocess.run(["hepdata-validate", "-d", str(tmp_path / "hepdata")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    with tarfile.open(tmp_path / "hepdata.tar.gz") as tar:
        assert set(tar.getnames()) == files
    # A preferred band is its two edges (as in .lmt), each table qualified for a reader without the source file.
    import yaml
    tables = sorted(f for f in files if f.endswith(".yaml") and f != "submission.yaml")
    assert tables == ["combined_preferred_band_lower_edge_at_90_percent_cl.yaml",
                      "combined_preferred_band_upper_edge_at_90_percent_cl.yaml"]
    assert not any(c in f for f in files for c in "%+ ")
    entries = list(yaml.safe_load_all((tmp_path / "hepdata" / "submission.yaml").read_text()))[1:]
    for entry in entries:
        assert "Example" not in entry["location"] and "toy.h5" in entry["location"]
        keywords = {k["name"]: k["values"] for k in entry["keywords"]}
        assert keywords["observables"] == ["PREFERRED REGION"] and "Dark Z" in keywords["phrases"]
    doc = yaml.safe_load((tmp_path / "hepdata" / tables[0]).read_text())
    (dep,) = doc["dependent_variables"]
    q = {x["name"]: x["value"] for x in dep["qualifiers"]}
    assert q["CL"] == "90 %" and float(q["Delta chi2"]) == pytest.approx(4.6052, abs=1e-4)
    assert q["degrees of freedom"] == 2 and q["delta"] == "profiled over delta" and q["config"] == "toy"
    assert q["measurements"] == "toy" and q["region"] == "preferred band"
    expected = [row[0][0] for row in lim.bands if row and not row[0][2]]
    np.testing.assert_allclose([v["value"] for v in dep["values"]], expected, rtol=1e-4)


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
    r = run("--format", "lmt", "--region", "excluded", "--out", str(out))  # the fit has a preferred band
    assert r.returncode == 0 and out.exists() and L.read_lmt(str(out))["mass"].size > 0


@pytest.mark.parametrize("region", ["excluded", "allowed"])
def test_csv_writes_a_table_that_search_limit_reads_back(tmp_path, region, zdscan_exe):
    """Issue 28: the CSV outline is no per-mass table, and search_limit could not read it back (.lmt and HEPData
    could). Beside it, NAME_table.csv (or _lower/_upper for a preferred band) holds the .lmt rows in the CSV form a
    search_limit measurement reads: the table read back is the .lmt table, row for row."""
    path = toy_file(tmp_path / "toy.h5")
    lim = zdscan.limits(path, 90, region=region)
    written = L.write(lim, str(tmp_path / "toy.csv"), "csv")
    lmts = L.write(lim, str(tmp_path / "toy.lmt"), "lmt")
    assert os.path.basename(written[0]) == "toy.csv" and len(written) == len(lmts) + 1
    for table, lmt in zip(written[1:], lmts):
        config = zdscan.default_config()
        config["measurements"].append({"name": "back", "kind": "search_limit", "file": table})
        back = zdscan.load_config(config)["measurements"][-1]["table"]
        ours = L.read_lmt(lmt)
        np.testing.assert_allclose(back["mass_gev"], ours["mass"], rtol=1e-8)  # .lmt keeps 9 significant digits
        np.testing.assert_allclose(back["lower"], ours["lower"], rtol=1e-8)  # .lmt keeps 9 significant digits
        if "upper" in ours:
            np.testing.assert_allclose(back["upper"], ours["upper"], rtol=1e-8)  # .lmt keeps 9 significant digits


def test_darkcast_band_and_the_one_sided_refusal(tmp_path, zdscan_exe):
    """Issue 28: DarkCast's g-2 bands are per-mass 2 sigma bands (Delta chi2 = 4 at each mass), named _2l/_2u; and a
    default one-sided .lmt of a fit with a preferred band published its upper edge as an exclusion."""
    h5 = tmp_path / "p.h5"
    subprocess.run([zdscan_exe, "scan", "--n", "48", "--delta-slices", "0", "--quiet", "--out", str(h5)], check=True)
    run = lambda *args: subprocess.run([zdscan_exe, "limits", str(h5), "--measurement", "a_mu", "--delta-slice", "0",
                                        *args], capture_output=True, text=True, cwd=tmp_path)
    r = run("--format", "lmt", "--out", "x.lmt")
    assert r.returncode == 2 and "preferred band" in r.stderr and "--region excluded" in r.stderr, r.stderr
    assert not (tmp_path / "x.lmt").exists()
    assert run("--format", "lmt", "--region", "excluded", "--out", "x.lmt").returncode == 0  # named: written
    r = run("--darkcast-band", "--out", "amu.lmt")
    assert r.returncode == 0, r.stderr
    same = run("--kind", "raster", "--cl", "0.954499736103642", "--region", "allowed", "--format", "lmt", "--out",
               "ref.lmt")
    assert same.returncode == 0, same.stderr
    for side, ref in (("2l", "lower"), ("2u", "upper")):
        ours, expected = L.read_lmt(str(tmp_path / f"amu_{side}.lmt")), L.read_lmt(str(tmp_path / f"ref_{ref}.lmt"))
        np.testing.assert_array_equal(ours["lower"], expected["lower"])
        assert float(ours["meta"]["delta_chi2"]) == pytest.approx(4.0, rel=1e-9)  # 2 sigma, one parameter
        assert ours["meta"]["dof"] == "1"
