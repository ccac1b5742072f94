"""zdscan.Model: a config set up once, χ² at a point in a few µs, the scan's physics to the bit, and a fit with
iminuit (MIGRAD + MINOS) that reproduces the CLI's 1σ intervals."""
import json
import subprocess

import numpy as np
import pytest

import zdscan


def test_model_equals_chi2_and_the_scan(cli_file):
    model = zdscan.Model()
    m, e, d = np.meshgrid([5.0, 47.0, 300.0], [1e-3, 2.3e-3], [0.0, 7.9e-4], indexing="ij")
    a = model.chi2(m, e, d)
    b = zdscan.chi2(None, m, e, d)
    assert set(a) == set(b) == {"qweak", "apv_cs", "a_mu", "a_e", "total"}
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    for idx in np.ndindex(m.shape):
        assert model(m[idx], e[idx], d[idx]) == a["total"][idx]  # the scalar path: the same bits
    # A grid point of a CLI scan's full grid: the same bits.
    import h5py

    with h5py.File(cli_file, "r") as f:
        ax = [f[f"axes/{n}"][...] for n in ("m_zd_mev", "epsilon", "delta")]
        i, j, k = 7, 11, 5
        assert model(ax[0][i], ax[1][j], ax[2][k]) == f["chi2/total"][i, j, k]


def test_model_refuses_bad_input():
    cfg = zdscan.default_config()
    cfg["grid"]["epsilon"]["min"] = -1
    with pytest.raises(ValueError, match="grid.epsilon.min"):
        zdscan.Model(cfg)
    model = zdscan.Model()
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"m_zd_mev must be a finite mass in \[1e-6, 1e6\] MeV"):
            model(bad, 1e-3, 0.0)
    assert "paper2021" in repr(model) and "a_mu" in repr(model)


def test_iminuit_reproduces_the_cli_intervals(zdscan_exe, tmp_path):
    iminuit = pytest.importorskip("iminuit")
    path = tmp_path / "paper.h5"
    subprocess.run([zdscan_exe, "scan", "--quiet", "--out", str(path)], check=True)
    cli = json.loads(subprocess.run([zdscan_exe, "summary", "--json", str(path)], check=True, capture_output=True,
                                    text=True).stdout)
    model = zdscan.Model()
    fit = iminuit.Minuit(lambda m, eps, delta: model(m, eps, delta), m=47.0, eps=2.3e-3, delta=7.6e-4)
    fit.errordef = iminuit.Minuit.LEAST_SQUARES  # Δχ² = 1: 68.27 % for one parameter
    fit.limits["m"], fit.limits["eps"], fit.limits["delta"] = (1, 1000), (1e-4, 0.1), (0, 0.01)
    fit.migrad()
    assert fit.valid
    assert fit.fval == pytest.approx(cli["refined"]["chi2"], rel=1e-3)
    fit.minos("m", "eps")
    for par, key in (("m", "m_zd_mev"), ("eps", "epsilon")):
        me = fit.merrors[par]
        assert me.is_valid
        ref = cli["intervals"][key]
        assert fit.values[par] == pytest.approx(ref["centre"], rel=1e-3)
        assert fit.values[par] + me.lower == pytest.approx(ref["lower"], rel=1e-3)
        assert fit.values[par] + me.upper == pytest.approx(ref["upper"], rel=1e-3)
        # The CLI's ends refined between grid points are MINOS's.
        assert fit.values[par] + me.lower == pytest.approx(ref["refined"]["lower"], rel=1e-4)
        assert fit.values[par] + me.upper == pytest.approx(ref["refined"]["upper"], rel=1e-4)


def test_model_takes_a_result_a_dict_and_json_text(tmp_path, zdscan_exe):
    """Issue 28: zdscan.Model("result.h5") failed with a size or UTF-8 error, and JSON text was taken as a path."""
    import json
    import subprocess

    out = tmp_path / "r.h5"
    subprocess.run([zdscan_exe, "scan", "--n", "12", "--quiet", "--no-checkpoint", "--out", str(out)], check=True)
    point = (47.0, 2.3e-3, 7.9e-4)
    reference = zdscan.Model()(*point)
    assert zdscan.Model(str(out))(*point) == reference  # the result's stored config
    assert zdscan.Model(json.dumps(zdscan.default_config()))(*point) == reference
    assert zdscan.Model(zdscan.default_config())(*point) == reference
    assert zdscan.chi2(str(out), *point)["total"] == reference


def test_model_broadcasts_and_gives_a_gradient():
    model = zdscan.Model()
    m = np.array([30.0, 47.0, 80.0])
    got = model(m, 2.3e-3, 7.9e-4)
    assert got.shape == (3,)
    assert got[1] == model(47.0, 2.3e-3, 7.9e-4)
    np.testing.assert_array_equal(got, model.chi2(m, 2.3e-3, 7.9e-4)["total"])
    # The gradient against central differences of the total (steps far from the rounding floor).
    p = np.array([47.0, 2.3e-3, 7.9e-4])
    g = model.grad(*p)
    for k in range(3):
        h = 1e-6 * p[k]
        up, down = p.copy(), p.copy()
        up[k] += h
        down[k] -= h
        assert g[k] == pytest.approx((model(*up) - model(*down)) / (2 * h), rel=1e-5)


def test_iminuit_with_the_gradient_finds_the_refined_best_fit():
    """README: refined best fit chi2_min = 0.005519 at 46.93 MeV, 2.280e-3, 7.641e-4."""
    iminuit = pytest.importorskip("iminuit")
    model = zdscan.Model()
    fit = iminuit.Minuit(lambda m, e, d: model(m, e, d), 47.0, 2.3e-3, 7.9e-4, grad=lambda m, e, d: model.grad(m, e, d))
    fit.errordef = iminuit.Minuit.LEAST_SQUARES
    fit.migrad()
    assert fit.valid
    assert fit.fval == pytest.approx(0.005519, abs=2e-6)
    assert fit.values[0] == pytest.approx(46.93, rel=2e-3)
    assert fit.values[1] == pytest.approx(2.280e-3, rel=2e-3)
    assert fit.values[2] == pytest.approx(7.641e-4, rel=5e-3)
