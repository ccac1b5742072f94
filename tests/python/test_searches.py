"""Direct searches (search_limit) end to end: a config with analytic limit files the test writes, the scan, the
summary's fit without the searches, the file's /searches, and the grey regions of the figures."""
import json
import math
import os
import subprocess

import numpy as np
import pytest

import zdscan
import zdscan.plot as zp


def eps_cl(m_gev):
    return 1e-3 * math.sqrt(m_gev / 0.1)


@pytest.fixture(scope="module")
def results(tmp_path_factory, zdscan_exe):
    d = tmp_path_factory.mktemp("searches")
    (d / "lim").mkdir()
    masses = [0.002 * 10 ** (i * 2.8 / 60) for i in range(61)]  # 2 MeV .. 1.26 GeV
    with open(d / "lim" / "one.lmt", "w") as f:
        f.write("#      mass       lower\n" + "".join(f"{m:.17g} {eps_cl(m):.17g}\n" for m in masses))
    with open(d / "lim" / "band.csv", "w") as f:
        f.write("mass_mev,epsilon_lower,epsilon_upper\n"
                + "".join(f"{m * 1e3:.17g},{3e-6 * 0.1 / m:.17g},{2e-3 * (0.1 / m) ** 1.5:.17g}\n" for m in masses))
    config = zdscan.default_config()
    base = dict(config)
    config["name"] = "with_searches"
    config["limits_dir"] = "lim"
    config["measurements"] = config["measurements"] + [
        {"name": "toy_visible", "kind": "search_limit", "file": "one.lmt", "cl": 90, "source": "ToyExp, analytic"},
        {"name": "toy_dump", "kind": "search_limit", "file": "band.csv", "source": "ToyDump (band)"}]
    (d / "with.json").write_text(json.dumps(config))
    (d / "base.json").write_text(json.dumps(base))
    args = ["--n-m", "40", "--n-eps", "36", "--n-delta", "12", "--delta-slices", "0,0.001", "--quiet",
            "--no-checkpoint", "--threads", "2"]
    for name in ("with", "base"):
        subprocess.run([zdscan_exe, "scan", "--config", str(d / f"{name}.json"), *args, "--out", str(d / f"{name}.h5")],
                       check=True, capture_output=True, cwd=d)
    return d


def summary(exe, path):
    r = subprocess.run([exe, "summary", str(path), "--json"], check=True, capture_output=True, text=True)
    return json.loads(r.stdout)


def test_fit_without_the_searches_is_the_fit_of_the_other_measurements(results, zdscan_exe):
    s = summary(zdscan_exe, results / "with.h5")
    base = summary(zdscan_exe, results / "base.h5")
    w = s["searches"]["without"]
    # Their terms do not depend on delta: the map without them is the other measurements' own map, cell by cell.
    assert w["chi2_min"] == pytest.approx(base["best_grid_point"]["chi2"], rel=1e-12)
    assert w["m_zd_mev"] == base["best_grid_point"]["m_zd_mev"]
    assert w["epsilon"] == base["best_grid_point"]["epsilon"]
    # Each search's BR eps^2/eps_CL^2 at that point, and its verdict.
    ratio = (w["epsilon"] / eps_cl(w["m_zd_mev"] * 1e-3)) ** 2
    one = s["searches"]["searches"]["toy_visible"]
    assert one["ratio_at_best_fit_without"] == pytest.approx(ratio, rel=1e-9)
    assert one["excludes_best_fit_without"] == (ratio > 1)
    assert s["goodness_of_fit"]["n_measurements"] == 4  # a limit adds chi2, not a degree of freedom
    assert s["searches"]["limits_apply_at_best_fit"] is True
    with h5py_file(results / "with.h5") as f:
        assert f["searches/toy_dump"].attrs["region"] == "excluded band"
        assert f["searches/toy_visible/lower"].shape == (61,)
        total = f["profile/chi2_total"][...]
        without = total - f["profile/chi2_toy_visible"][...] - f["profile/chi2_toy_dump"][...]
        # Equal up to the rounding of the sum: a few ulp of the total, which reaches 1e13 where the searches exclude.
        assert np.all(np.abs(without - h5py_map(results / "base.h5")) <= 1e-12 * np.maximum(total, 1))
    text = subprocess.run([zdscan_exe, "summary", str(results / "with.h5")], check=True, capture_output=True,
                          text=True).stdout
    assert "direct searches (2," in text and "without them: chi2_min" in text and "toy_dump: m_Zd 2-1000 MeV" in text


def h5py_file(path):
    import h5py
    return h5py.File(path, "r")


def h5py_map(path):
    with h5py_file(path) as f:
        return f["profile/chi2_total"][...]


def test_figures_draw_the_searches_grey_under_the_fit(results, tmp_path, zdscan_exe):
    d = zp.read_result(str(results / "with.h5"))
    assert [s["label"] for s in d.searches] == ["ToyExp", "ToyDump"]
    assert d.searches[1]["upper"] is not None and d.searches[0]["upper"] is None
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    art = zp.limits(d, 0.001, ax=ax)
    grey = art["direct searches"]
    assert any(getattr(a, "get_text", lambda: "")() == "ToyExp" for a in grey)
    fills = [a for a in grey if hasattr(a, "get_paths") and not hasattr(a, "get_text")]
    assert fills and all(f.get_zorder() < 1 for f in fills)  # under the fit's own fills and curves
    assert "direct searches" not in zp.limits(d, 0.001, ax=ax, with_searches=False)
    handles, labels = zp.legend_handles(d)
    assert labels[-2].startswith("direct searches") and labels[-1] == "beam dumps (excluded bands)"  # ToyDump's band
    # The one-sided limits as one envelope named along it, the band hatched and named inside (issue 28).
    texts = [a.get_text() for a in grey if hasattr(a, "get_text")]
    assert texts.count("ToyExp") == 1 and texts.count("ToyDump") <= 1
    assert any(getattr(a, "get_hatch", lambda: None)() for a in grey)
    assert "direct searches" in zp.contours(d, ax=ax)
    plt.close(fig)
    # Fig. 2: the searches (independent of δ) are named once, in the first panel only.
    fig2 = zp.figure("fig2", d, width="double")
    named = [t for ax2 in fig2.get_axes() for t in ax2.texts if t.get_text() == "ToyExp"]
    assert len(named) == 1 and named[0].axes is fig2.get_axes()[0]
    # A result without searches draws none, and its legend has no such entry.
    base = zp.read_result(str(results / "base.h5"))
    assert base.searches == [] and not any("direct searches" in t for t in zp.legend_handles(base)[1])
    # The CLI: --no-searches leaves them out.
    for extra in ([], ["--no-searches"]):
        r = subprocess.run([zdscan_exe, "plot", "fig2,fig3", str(results / "with.h5"), "--out", str(tmp_path),
                            "--format", "png", "--force", *extra], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    assert os.path.getsize(tmp_path / "fig3_contours.png") > 0


def test_missing_limit_files_are_listed_with_where_to_get_them(results, zdscan_exe, tmp_path):
    config = json.loads((results / "with.json").read_text())
    config["measurements"][-1]["file"] = "NA64_NA642019imj.lmt"
    config["measurements"][-2]["file"] = "NA48_Batley2015lha.lmt"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(config))
    env = dict(os.environ)
    env.pop("ZDSCAN_LIMITS_DIR", None)
    r = subprocess.run([zdscan_exe, "scan", "--config", str(path), "--n", "4", "--out", str(tmp_path / "x.h5")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2
    for part in ("2 limit file(s)", "NA64_NA642019imj.lmt", "NA48_Batley2015lha.lmt", "ZDSCAN_LIMITS_DIR", "DarkCast"):
        assert part in r.stderr, r.stderr
    assert not (tmp_path / "x.h5").exists()


def test_zdscans_own_limit_files_read_back_as_searches(results, zdscan_exe, tmp_path):
    # A limit zdscan writes, as DarkCast .lmt and as a HEPData table, reads back as a search_limit with the same
    # masses and couplings: two readers against one writer's two formats.
    base = results / "base.h5"
    paths = {}
    for fmt, out in (("lmt", "lim.lmt"), ("hepdata", "hd")):
        r = subprocess.run([zdscan_exe, "limits", str(base), "--format", fmt, "--region", "excluded", "--out",
                            str(tmp_path / out)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        paths[fmt] = tmp_path / out
    hd = [p for p in (tmp_path / "hd").iterdir() if p.suffix == ".yaml" and p.name != "submission.yaml"]
    assert len(hd) == 1
    tables = {}
    for fmt, path in (("lmt", paths["lmt"]), ("yaml", hd[0])):
        config = zdscan.default_config()
        config["measurements"].append({"name": "own", "kind": "search_limit", "file": str(path)})
        cfg = tmp_path / f"{fmt}.json"
        cfg.write_text(json.dumps(config))
        r = subprocess.run([zdscan_exe, "config", "--config", str(cfg)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        tables[fmt] = json.loads(r.stdout)["measurements"][-1]["table"]
    assert len(tables["lmt"]["mass_gev"]) > 10 and "upper" not in tables["lmt"]
    np.testing.assert_allclose(tables["yaml"]["mass_gev"], tables["lmt"]["mass_gev"], rtol=1e-4)
    np.testing.assert_allclose(tables["yaml"]["lower"], tables["lmt"]["lower"], rtol=1e-4)


def test_correlated_uncertainties_are_recorded_and_summarised(zdscan_exe, tmp_path):
    # projections2021.json: Qweak and P2 share the SM uncertainty of Q_W^p (0.0002 each): rho = 0.0002^2 /
    # (sigma_qweak sigma_p2), in the file's /correlation and in the summary.
    config = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "projections2021.json")
    out = tmp_path / "p.h5"
    subprocess.run([zdscan_exe, "scan", "--config", config, "--n", "12", "--quiet", "--out", str(out)], check=True)
    rho = 0.0002 ** 2 / (math.hypot(0.0045, 0.0002) * math.hypot(0.00135, 0.0002))
    with h5py_file(out) as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["correlation/row"][...]]
        r = f["correlation/rho"][...]
        i, j = names.index("qweak"), names.index("p2")
        assert r[i, j] == pytest.approx(rho, rel=1e-12) and r[j, i] == r[i, j]
        assert np.count_nonzero(r - np.diag(np.diag(r))) == 2
        sigma = dict(zip([n.decode() if isinstance(n, bytes) else n for n in f["measurements/measurement"][...]],
                         f["measurements/sigma"][...]))
        assert sigma["p2"] == pytest.approx(math.hypot(0.00135, 0.0002), rel=1e-15)
    s = summary(zdscan_exe, out)
    assert s["correlations"] == [{"a": "qweak", "b": "p2", "rho": pytest.approx(rho, rel=1e-12)}]


def test_the_visible_searches_are_named_each_inside_its_own_region(tmp_path, zdscan_exe):
    """Issue 28: with DarkCast's visible searches eleven overlapping greys could not be told apart. The one-sided
    limits are now one envelope, each stretch named by the search that sets it, inside the excluded region."""
    limits = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "darkcast", "limits")
    if not os.path.isdir(limits):
        pytest.skip("DarkCast's limit files are not beside the project (../shared/data/darkcast/limits)")
    config = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "searches-visible.json")
    out = tmp_path / "visible.h5"
    subprocess.run([zdscan_exe, "scan", "--config", config, "--n-m", "48", "--n-eps", "40", "--n-delta", "6",
                    "--quiet", "--no-checkpoint", "--out", str(out)], check=True, capture_output=True,
                   env=dict(os.environ, ZDSCAN_LIMITS_DIR=limits))
    import matplotlib.pyplot as plt
    d = zp.read_result(str(out))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    art = zp.searches(d, ax=ax)["direct searches"]
    texts = [a for a in art if hasattr(a, "get_text")]
    names = [t.get_text() for t in texts]
    assert len(names) >= 4 and len(set(names)) == len(names), names
    one_sided = {s["label"]: s for s in d.searches if s["enabled"] and s["upper"] is None}
    for t in texts:
        x, y = t.get_position()
        s = one_sided.get(t.get_text())
        if s is None:
            continue
        m, lo = s["mass_gev"] * 1e3, s["lower"]
        assert m[0] <= x <= m[-1]  # on its own stretch
        assert y >= math.exp(np.interp(math.log(x), np.log(m), np.log(lo)))  # above its limit: inside the region
    plt.close(fig)


def test_fig3_says_where_the_fit_lies_only_in_a_veto_gap(results, tmp_path, zdscan_exe):
    # Issue 28: islands that sit where a search's file has no limit are artefacts of the file. A limit that excludes
    # the whole favoured band except a veto window at 30-60 MeV (DarkCast's "no limit" 1e5) moves the best fit and
    # the regions into the window; Fig. 3 says so on the panel and draws the fit without the searches beside them.
    masses = [0.002 * 10 ** (i * 2.8 / 120) for i in range(121)]
    with open(tmp_path / "veto.lmt", "w") as f:
        f.write("#      mass       lower\n"
                + "".join(f"{m:.17g} {1e5 if 0.030 <= m <= 0.060 else 2e-4:.17g}\n" for m in masses))
    config = zdscan.default_config()
    config["limits_dir"] = str(tmp_path)
    config["measurements"] = config["measurements"] + [
        {"name": "toy_veto", "kind": "search_limit", "file": "veto.lmt", "cl": 90, "source": "ToyVeto, analytic"}]
    (tmp_path / "veto.json").write_text(json.dumps(config))
    out = tmp_path / "veto.h5"
    subprocess.run([zdscan_exe, "scan", "--config", str(tmp_path / "veto.json"), "--n-m", "40", "--n-eps", "36",
                    "--n-delta", "12", "--quiet", "--no-checkpoint", "--out", str(out)], check=True, capture_output=True)
    d = zp.read_result(str(out))
    assert 30 <= d.best["refined_m_zd_mev"] <= 60
    import matplotlib.pyplot as plt
    from zdscan.plot import _panels

    fig, ax = plt.subplots()
    art = zp.contours(d, ax=ax)
    note = art["veto gaps"][0].get_text()
    assert "best fit in a veto gap of ToyVeto" in note
    assert "MeV in veto gaps of\nToyVeto" in note
    lo, hi = (float(x) for x in note.split("regions at ")[1].split(" MeV")[0].split("–"))
    assert 30 <= lo < hi <= 60  # the regions' masses, all inside the window
    # The fit without the searches is the base fit, exactly (the searches' terms do not depend on δ).
    base = zp.read_result(str(results / "base.h5"))
    rest = _panels.without_searches(d)
    np.testing.assert_allclose(rest, base.chi2_map - base.chi2_map.min(), rtol=0, atol=1e-9)
    assert "without searches" in art
    plt.close(fig)
    # Without the window's gap there is no note: the same limit everywhere.
    base_art = zp.contours(base, ax=plt.subplots()[1])
    assert "veto gaps" not in base_art and "without searches" not in base_art
    plt.close("all")
    # At single width the long legend goes under the figure, at double width in the corner.
    single = zp.figure("fig3", d, width="single")
    assert single.legends and not any(a.get_legend() for a in single.get_axes())
    double = zp.figure("fig3", d, width="double")
    assert not double.legends and any(a.get_legend() for a in double.get_axes())
