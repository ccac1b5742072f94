"""Rare meson decays (meson_decay) end to end: a config with analytic BR tables the test writes (CSV and HEPData
YAML), the scan against the independent NumPy reference (tools/reference_scan.py, its own CKM matrix and rate), the
companion measurement, the stored config, and the config errors."""
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

import zdscan

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import reference_scan  # noqa: E402


def k_limit(m_gev):
    return 1e-10 * (1 + 10 * m_gev)


MASSES = [0.001 + 0.25 * i / 40 for i in range(41)]


@pytest.fixture(scope="module")
def scans(tmp_path_factory, zdscan_exe):
    d = tmp_path_factory.mktemp("mesons")
    (d / "lim").mkdir()
    (d / "lim" / "k.csv").write_text("mass_gev,br\n" + "".join(f"{m:.17g},{k_limit(m):.17g}\n" for m in MASSES))
    (d / "lim" / "b.yaml").write_text(
        "independent_variables:\n- header: {name: M_X, units: MeV}\n  values:\n"
        + "".join(f"  - value: {m:.17g}\n" for m in (10.0, 1000.0, 4000.0))
        + "dependent_variables:\n- header: {name: 'BR(B+ -> K+ X) x 10^-5'}\n  values:\n"
        + "".join(f"  - value: {v:.17g}\n" for v in (1.0, 1.5, 3.0)))  # in units of 1e-5: br_unit
    config = zdscan.default_config()
    config["name"] = "with_mesons"
    config["limits_dir"] = "lim"
    config["grid"]["delta"]["min"] = -0.004
    config["measurements"] = config["measurements"] + [
        {"name": "k_pi", "kind": "meson_decay", "channel": "K+ -> pi+", "file": "k.csv", "cl": 90,
         "veto_gev": [[0.11, 0.155]], "source": "analytic"},
        {"name": "b_k", "kind": "meson_decay", "channel": "B+ -> K+", "file": "b.yaml", "likelihood": "half_normal",
         "branching_fraction": 0.3, "br_unit": 1e-5},
        {"name": "k_nunu", "kind": "meson_decay", "channel": "K+ -> pi+", "exp": 4.6e-11, "exp_sigma": 3.2e-11,
         "sm_sigma": 1e-11, "veto_gev": [[0.1, 0.16], [0.26, 1.0]]}]
    (d / "with.json").write_text(json.dumps(config))
    out = {}
    for profile in ("grid", "exact"):
        path = d / f"with_{profile}.h5"
        r = subprocess.run([zdscan_exe, "scan", "--config", str(d / "with.json"), "--n-m", "30", "--n-eps", "24",
                            "--n-delta", "41", "--delta-profile", profile, "--quiet", "--no-checkpoint",
                            "--threads", "2", "--out", str(path)], capture_output=True, text=True, cwd=d)
        assert r.returncode == 0, r.stderr
        out[profile] = path
    out["dir"] = d
    return out


@pytest.mark.parametrize("profile", ["grid", "exact"])
def test_the_scan_agrees_with_the_independent_reference(scans, profile):
    assert reference_scan.compare(str(scans[profile]), rtol=1e-9, atol=1e-9) == 0


def test_a_poisson_limit_is_two_measurements_and_no_dof(scans):
    with h5py.File(scans["exact"], "r") as f:
        names = [n.decode() for n in f["measurements/measurement"][...]]
        dof = dict(zip(names, f["measurements/dof"][...]))
        kinds = dict(zip(names, (k.decode() for k in f["measurements/kind"][...])))
        cfg = json.loads(f.attrs["config"])
    assert names[-4:] == ["k_pi", "k_pi_phase", "b_k", "k_nunu"]
    assert {n: kinds[n] for n in names[-4:]} == dict.fromkeys(names[-4:], "meson_decay")
    assert [dof[n] for n in names] == [1, 1, 1, 1, 0, 0, 0, 1]
    # The stored config names the decay once; reading it back makes the companion again.
    stored = [m["name"] for m in cfg["measurements"]]
    assert stored[-3:] == ["k_pi", "b_k", "k_nunu"]
    assert cfg["measurements"][-3]["table"]["lower"][0] == pytest.approx(k_limit(0.001), rel=1e-15)
    assert cfg["measurements"][-2]["table"]["mass_gev"] == [0.01, 1.0, 4.0]  # MeV read as MeV
    assert cfg["measurements"][-2]["table"]["lower"] == pytest.approx([1e-5, 1.5e-5, 3e-5], rel=1e-15)  # br_unit


def test_the_companion_is_what_no_delta_cancels(scans):
    # At each cell the profiled K+ -> pi+ terms: the companion's is the floor (w eps)^2 of the rate, never cancelled.
    with h5py.File(scans["exact"], "r") as f:
        eps = f["axes/epsilon"][...]
        m = f["axes/m_zd_mev"][...] * 1e-3
        phase = f["profile/chi2_k_pi_phase"][...]
    a2 = -2 * math.log(0.1)
    for i in (3, 10, 20):
        if 0.11 <= m[i] <= 0.155 or m[i] > 0.251:
            continue
        for j in (2, 12, 20):
            br_floor = None
            # w eps from the rate's minimum over delta' (brute force on a fine grid around the valley)
            dp = np.linspace(-1, 1, 2000001) * abs(eps[j])
            br = reference_scan.meson_br("K+ -> pi+", m[i], np.full_like(dp, eps[j]), dp)
            br_floor = br.min()
            rows = np.array(MASSES)
            limit = math.exp(np.interp(math.log(m[i]), np.log(rows), np.log(k_limit(rows))))  # log-log, as documented
            assert phase[i, j] == pytest.approx(a2 * br_floor / limit, rel=1e-6)


@pytest.mark.parametrize("entry, field, words", [
    ({"table": {"mass_gev": [0.1], "lower": [1e-10]}}, "channel", "required"),
    ({"channel": "K0 -> pi0", "table": {"mass_gev": [0.1], "lower": [1e-10]}}, "channel", "K+ -> pi+"),
    ({"channel": "K+ -> pi+", "table": {"mass_gev": [0.1], "lower": [1e-10], "upper": [1e-9]}}, "table.upper", "one-sided"),
    ({"channel": "K+ -> pi+", "exp": 1e-11, "exp_sigma": 1e-11, "file": "x.csv"}, "file", "takes no limit"),
    ({"channel": "K+ -> pi+", "table": {"mass_gev": [0.1], "lower": [1e-10]}, "veto_gev": [[0.2, 0.1]]}, "veto_gev[0]",
     "low < high"),
    ({"channel": "K+ -> pi+", "table": {"mass_gev": [0.1], "lower": [1e-10]}, "decay": "invisible"}, "decay",
     "not a field"),
    ({"channel": "K+ -> pi+", "table": {"mass_gev": [0.1, 0.2], "lower": [0.5, 3.2]}}, "table", "set br_unit"),
    ({"channel": "K+ -> pi+", "table": {"mass_gev": [0.1], "lower": [1e-10]}, "br_unit": 0}, "br_unit", "1e-11"),
    ({"channel": "K+ -> pi+", "exp": 1e-11, "exp_sigma": 1e-11, "br_unit": 1e-11}, "br_unit", "takes no limit"),
    ({"channel": "K+ -> pi+", "table": {"mass_gev": [0.1], "lower": [1e-10]}, "veto_gev": 0.1}, "veto_gev",
     "list of [low, high]"),
])
def test_config_errors_name_the_field(tmp_path, zdscan_exe, entry, field, words):
    config = zdscan.default_config()
    config["measurements"].append(dict(name="kpi", kind="meson_decay", **entry))
    (tmp_path / "c.json").write_text(json.dumps(config))
    r = subprocess.run([zdscan_exe, "config", "--config", str(tmp_path / "c.json")], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert f"measurements[4].{field}" in r.stderr and words in r.stderr, r.stderr


def test_a_missing_hepdata_table_is_listed_with_where_to_get_it(tmp_path, zdscan_exe):
    config = zdscan.default_config()
    config["measurements"].append({"name": "na62", "kind": "meson_decay", "channel": "K+ -> pi+",
                                   "file": "NA62_2025_Kpi_X.yaml"})
    config["limits_dir"] = "nowhere"
    (tmp_path / "c.json").write_text(json.dumps(config))
    r = subprocess.run([zdscan_exe, "config", "--config", str(tmp_path / "c.json")], capture_output=True, text=True)
    assert r.returncode == 2
    assert "NA62_2025_Kpi_X.yaml" in r.stderr and "HEPData" in r.stderr, r.stderr


def test_a_long_name_leaves_room_for_the_companion(tmp_path, zdscan_exe):
    config = zdscan.default_config()
    config["measurements"].append({"name": "k" * 30, "kind": "meson_decay", "channel": "K+ -> pi+",
                                   "table": {"mass_gev": [0.1], "lower": [1e-10]}})
    (tmp_path / "c.json").write_text(json.dumps(config))
    r = subprocess.run([zdscan_exe, "config", "--config", str(tmp_path / "c.json")], capture_output=True, text=True)
    assert r.returncode == 2 and "_phase" in r.stderr, r.stderr


def test_the_model_names_every_term_as_the_file_does(scans):
    # zdscan.Model from the result: the companion has its own key, and the total is the file's, bit for bit.
    model = zdscan.Model(str(scans["exact"]))
    assert model.names[-4:] == ["k_pi", "k_pi_phase", "b_k", "k_nunu"]
    with h5py.File(scans["exact"], "r") as f:
        i, j = 11, 7
        m, eps = f["axes/m_zd_mev"][i], f["axes/epsilon"][j]
        delta = f["profile/argmin_delta"][i, j]
        terms = model.chi2(m, eps, delta)
        for name in model.names:
            assert terms[name] == pytest.approx(f[f"profile/chi2_{name}"][i, j], rel=1e-12, abs=1e-300)
        assert terms["total"] == f["profile/chi2_total"][i, j]


def test_the_summary_reports_each_decay_and_the_fit_without_them(scans, zdscan_exe):
    r = subprocess.run([zdscan_exe, "summary", str(scans["exact"]), "--json"], check=True, capture_output=True,
                       text=True)
    s = json.loads(r.stdout)["meson_decays"]
    k = s["decays"]["k_pi"]
    # At the paper's best fit: the reference's BR over the table's limit there (log-log between rows).
    m, eps, delta = 0.047, 2.3e-3, 7.9e-4
    s2 = reference_scan.running_sin2(0.23121, 0.23857)(0.0)
    dp = delta + m / reference_scan.M_Z * eps * math.sqrt(s2 / (1 - s2))
    br = float(reference_scan.meson_br("K+ -> pi+", m, np.array(eps), np.array(dp)))
    rows = np.array(MASSES)
    limit = math.exp(np.interp(math.log(m), np.log(rows), np.log(k_limit(rows))))
    assert k["br_at_paper_best_fit"] == pytest.approx(br, rel=1e-9)
    assert k["limit_at_paper_best_fit"] == pytest.approx(limit, rel=1e-12)
    assert k["chi2_at_paper_best_fit"] == pytest.approx(-2 * math.log(0.1) * br / limit, rel=1e-9)
    assert k["excludes_paper_best_fit"] == (br > limit)
    assert k["destructive_for_eps_delta_prime"] == "negative"
    # The fit without them is the fit of a config without them.
    config = json.loads((scans["dir"] / "with.json").read_text())
    config["measurements"] = [x for x in config["measurements"] if x["kind"] != "meson_decay"]
    (scans["dir"] / "without.json").write_text(json.dumps(config))
    subprocess.run([zdscan_exe, "scan", "--config", str(scans["dir"] / "without.json"), "--n-m", "30", "--n-eps", "24",
                    "--n-delta", "41", "--quiet", "--no-checkpoint", "--threads", "2", "--out",
                    str(scans["dir"] / "without.h5")], check=True, capture_output=True, cwd=scans["dir"])
    base = json.loads(subprocess.run([zdscan_exe, "summary", str(scans["dir"] / "without.h5"), "--json"], check=True,
                                     capture_output=True, text=True).stdout)
    assert s["without"]["chi2_min"] == pytest.approx(base["refined"]["chi2"], rel=1e-12)
    assert s["without"]["m_zd_mev"] == pytest.approx(base["refined"]["m_zd_mev"], rel=1e-12)
    # The text says the same, with the verdict at the paper's point.
    text = subprocess.run([zdscan_exe, "summary", str(scans["exact"])], check=True, capture_output=True,
                          text=True).stdout
    assert "rare meson decays" in text and "at the paper's best fit (47 MeV, 2.3e-3, 7.9e-4)" in text
    assert ("excluded at its CL" in text) == (br > limit)


def test_the_mesons_figure_draws_both_planes_and_refuses_a_result_without_decays(scans, zdscan_exe, tmp_path):
    import zdscan.plot as zp

    for width in ("double", "single"):
        fig = zp.figure("mesons", str(scans["exact"]), width=width)
        axes = fig.get_axes()
        assert len(axes) == 2
        assert axes[0].get_yscale() == "asinh" and axes[1].get_xscale() == "log"
        labels = fig.legends[0].get_texts()
        assert any("K+ → π+" in t.get_text() and "excluded" in t.get_text() for t in labels)
        assert any("B+ → K+" in t.get_text() for t in labels)
    r = subprocess.run([zdscan_exe, "plot", "mesons", str(scans["exact"]), "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "fig_meson_decays.pdf").exists() and (tmp_path / "fig_meson_decays.png").exists()
    plain = tmp_path / "plain.h5"
    subprocess.run([zdscan_exe, "scan", "--n", "6", "--quiet", "--no-checkpoint", "--out", str(plain)], check=True,
                   capture_output=True)
    r = subprocess.run([zdscan_exe, "plot", "mesons", str(plain), "--out", str(tmp_path)], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "meson_decay" in r.stderr, r.stderr


def test_a_poisson_meson_limit_curve_is_both_terms(scans, zdscan_exe):
    # zdscan.limits of a poisson0 meson decay sums <name> and <name>_phase, as its chi2 is; one without a companion
    # (half_normal) is its own term.
    path = scans["dir"] / "slices.h5"
    subprocess.run([zdscan_exe, "scan", "--config", str(scans["dir"] / "with.json"), "--n-m", "30", "--n-eps", "24",
                    "--n-delta", "9", "--delta-slices", "0,0.001", "--quiet", "--no-checkpoint", "--out", str(path)],
                   check=True, capture_output=True, cwd=scans["dir"])
    from zdscan import limit_curves

    with h5py.File(path, "r") as f:
        i = int(np.argmin(np.abs(f["slices/delta_slice"][...] - 0.001)))
        k_pi = f["slices/chi2_k_pi"][i] + f["slices/chi2_k_pi_phase"][i]
        b_k = f["slices/chi2_b_k"][i]
    z = limit_curves._read_map(str(path), "k_pi", 0.001)[5]
    np.testing.assert_array_equal(z, k_pi)  # both terms, summed
    np.testing.assert_array_equal(limit_curves._read_map(str(path), "b_k", 0.001)[5], b_k)  # no companion
    assert any(zdscan.limits(str(path), measurement="k_pi", delta_slice=0.001, kind="raster").bands)
