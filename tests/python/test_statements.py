"""What the summary states, checked against what sets it (issue 27): interval ends that another axis's box sets,
a best fit on the box's edge, the searches' likelihood and where the dark-photon limits apply."""
import json
import os
import subprocess

import pytest


@pytest.fixture(scope="module")
def exe(zdscan_exe):
    return zdscan_exe


def summary_json(exe, path, *args):
    r = subprocess.run([exe, "summary", str(path), "--json", *args], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def scan(exe, tmp_path, name, *args, config=None):
    out = tmp_path / name
    cmd = [exe, "scan", "--quiet", "--no-checkpoint", "--out", str(out), *args]
    if config is not None:
        (tmp_path / (name + ".json")).write_text(json.dumps(config))
        cmd += ["--config", str(tmp_path / (name + ".json"))]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def paper_config(exe):
    return json.loads(subprocess.run([exe, "config"], check=True, capture_output=True, text=True).stdout)


@pytest.mark.parametrize("m_max", [300.0, 1000.0, 3000.0])
def test_an_end_the_mass_box_sets_is_open(exe, tmp_path, m_max):
    """At 90 % CL the epsilon profile's upper end is the m_Zd = m_max edge: it moved with m_max ([0.00156, 0.00701],
    [.., 0.0194], [.., 0.0556]) and was printed as closed. Now it is marked, in the JSON and in the text."""
    c = paper_config(exe)
    c["grid"]["m_zd_mev"]["max"] = m_max
    path = scan(exe, tmp_path, "r.h5", "--n-m", "96", "--n-eps", "96", "--n-delta", "16", config=c)
    eps = summary_json(exe, path, "--cl", "90")["intervals"]["epsilon"]
    assert eps["upper_set_by_box"] is not None and "m_Zd grid's upper edge" in eps["upper_set_by_box"], eps
    assert eps["lower_set_by_box"] is None
    text = subprocess.run([exe, "summary", str(path), "--cl", "90"], capture_output=True, text=True).stdout
    line = next(l for l in text.splitlines() if l.strip().startswith("epsilon"))
    assert line.split("=")[1].strip().startswith(">"), line
    assert "set by the m_Zd grid's upper edge" in line
    # At 1 sigma the data close it: both ends are numbers with no mark.
    eps1 = summary_json(exe, path)["intervals"]["epsilon"]
    assert eps1["upper_set_by_box"] is None and eps1["lower_set_by_box"] is None


def test_a_best_grid_point_on_the_edge_is_named(exe, tmp_path):
    c = paper_config(exe)
    c["grid"]["m_zd_mev"]["max"] = 30.0  # below the paper's best fit: the minimum is the box's edge
    path = scan(exe, tmp_path, "edge.h5", "--n", "32", config=c)
    text = subprocess.run([exe, "summary", str(path)], capture_output=True, text=True).stdout
    assert "upper m_Zd edge" in text and "widen the m_Zd range" in text, text


def test_searches_name_their_likelihood_and_the_recast_validity(exe, tmp_path):
    c = paper_config(exe)
    masses = [0.005 * 10 ** (i / 10) for i in range(21)]
    c["measurements"].append({"name": "toy", "kind": "search_limit", "decay": "visible",
                              "table": {"mass_gev": masses, "lower": [1e-3] * len(masses)}})
    path = scan(exe, tmp_path, "s.h5", "--n", "32", config=c)
    s = summary_json(exe, path)["searches"]
    assert s["coupling_ratio_max_for_1_percent"] == pytest.approx(0.0697, abs=5e-4)
    assert s["limits_apply_in_1sigma_region"] in (True, False)
    br = s["zd_branching_fractions_at_best_fit"]
    assert br["ee"] + br["mumu"] + br["nunu"] == pytest.approx(1.0, abs=1e-12)
    text = subprocess.run([exe, "summary", str(path)], capture_output=True, text=True).stdout
    assert "likelihood poisson0 (chi2 4.61 at the limit)" in text
    assert "over its 2-D 1 sigma region r reaches" in text
    import h5py
    with h5py.File(path) as f:
        a = f["searches/toy"].attrs
        assert a["likelihood"] in ("poisson0", b"poisson0")
        assert a["chi2_at_limit"] == pytest.approx(-2 * __import__("math").log(0.1), rel=1e-14)


def test_a_best_fit_in_a_veto_gap_is_named(exe, tmp_path):
    """The visible-searches fit sat in BaBar's phi veto gap and nothing said so. Here a limit that excludes the
    paper's region everywhere but in a 'no limit' window (DarkCast writes 1e5 there) around 47 MeV."""
    c = paper_config(exe)
    masses = [0.005, 0.040, 0.0401, 0.055, 0.0551, 0.5]
    lower = [1e-4, 1e-4, 1e5, 1e5, 1e-4, 1e-4]
    c["measurements"].append({"name": "gappy", "kind": "search_limit", "table": {"mass_gev": masses, "lower": lower}})
    path = scan(exe, tmp_path, "gap.h5", "--n", "64", config=c)
    s = summary_json(exe, path)["searches"]
    assert s["best_fit_in_veto_gap_of"] == "gappy", s
    text = subprocess.run([exe, "summary", str(path)], capture_output=True, text=True).stdout
    assert "the best fit lies in a veto gap of gappy" in text
    # Without the gap the same limit puts the best fit elsewhere, and nothing is said.
    c["measurements"][-1]["table"]["lower"] = [1e-4] * 6
    path = scan(exe, tmp_path, "nogap.h5", "--n", "64", config=c)
    assert summary_json(exe, path)["searches"]["best_fit_in_veto_gap_of"] == ""


CONFIGS = os.path.join(os.path.dirname(__file__), "..", "..", "configs")


def test_updated2025_holds_the_2025_inputs(exe):
    """a_e^SM moved by the 2024 tenth-order coefficient, Q_W(Cs) recomputed with the 2019 beta (Q_W goes as beta in
    eq. 20; the skin correction is a 0.4 % factor, so the chain's ratio is beta's to 1e-4)."""
    cfg = lambda name: json.load(open(os.path.join(CONFIGS, name + ".json")))
    old_ae = 0.001159652180254  # alpha(Rb) with A1(10) = 6.737 (shared/physics/inputs2025.md 4.2)
    for name in ("updated2025", "updated2025-wp20"):
        a_e = next(m for m in cfg(name)["measurements"] if m["name"] == "a_e")
        assert a_e["sm"] - old_ae == pytest.approx(-0.057e-12, abs=1e-18)
        assert a_e["exp"] - a_e["sm"] == pytest.approx(0.393e-12, abs=1e-15)
    apv = lambda name: json.loads(subprocess.run([exe, "apv", "--config", os.path.join(CONFIGS, name + ".json"),
                                                  "--json"], capture_output=True, text=True, check=True).stdout)
    q = {name: apv(name)["result"]["qw"]["value"] for name in ("updated2025", "updated2025-beta2023")}
    paper = json.loads(subprocess.run([exe, "apv", "--json"], capture_output=True, text=True, check=True).stdout)
    q0 = paper["result"]["qw"]["value"]
    assert q["updated2025"] / q0 == pytest.approx(27.139 / 27.064, rel=2e-4)
    assert q["updated2025-beta2023"] / q0 == pytest.approx(26.887 / 27.064, rel=2e-4)


@pytest.mark.parametrize("name,sign", [("updated2025-beta2023", 1), ("updated2025-apv-sahoo", -1)])
def test_the_sign_of_delta_follows_the_atomic_inputs(exe, tmp_path, name, sign):
    """docs/physics.md, 'The 2025 inputs': with Sahoo's Q_W the preferred delta is negative, with the 2023 beta
    positive; the default grid scans delta >= 0, so a signed range shows it."""
    c = json.load(open(os.path.join(CONFIGS, name + ".json")))
    c["grid"]["delta"]["min"] = -0.01
    path = scan(exe, tmp_path, "s.h5", "--n-m", "64", "--n-eps", "64", "--n-delta", "32", config=c)
    best = summary_json(exe, path)["refined"]
    assert sign * best["delta"] > 5e-4, best
