"""Bayesian marginals beside the profiles (--posterior): the file's /posterior, the summary's credible intervals and
Fig. 3's HPD contours."""
import json
import subprocess

import numpy as np
import pytest

import zdscan.plot as zp


@pytest.fixture(scope="module")
def post(tmp_path_factory, zdscan_exe):
    path = tmp_path_factory.mktemp("post") / "post.h5"
    subprocess.run([zdscan_exe, "scan", "--n-m", "48", "--n-eps", "40", "--n-delta", "12", "--posterior", "--quiet",
                    "--no-checkpoint", "--out", str(path)], check=True)
    return path


def test_posterior_is_normalised_and_summarised(post, zdscan_exe):
    import h5py
    with h5py.File(post, "r") as f:
        g = f["posterior"]
        m, eps = f["axes/m_zd_mev"][...], f["axes/epsilon"][...]
        dens = np.exp(g["log_density"][...])
        # Σ density · cell area = 1 in (log10 m, log10 ε), trapezoid weights.
        wm, we = np.gradient(np.log10(m)), np.gradient(np.log10(eps))
        wm[[0, -1]] /= 2
        we[[0, -1]] /= 2
        assert (dens * wm[:, None] * we[None, :]).sum() == pytest.approx(1, rel=1e-12)
        assert np.trapezoid(g["marginal_m_zd_mev"][...], np.log10(m)) == pytest.approx(1, rel=1e-12)
        assert g.attrs["priors"].startswith("m_Zd log-uniform")
        lo, hi = g.attrs["m_zd_mev_credible_68_lower"], g.attrs["m_zd_mev_credible_68_upper"]
    s = json.loads(subprocess.run([zdscan_exe, "summary", str(post), "--json"], check=True, capture_output=True,
                                  text=True).stdout)
    assert s["credible"]["m_zd_mev"]["lower"] == lo and s["credible"]["m_zd_mev"]["upper"] == hi
    assert lo < s["refined"]["m_zd_mev"] < hi
    text = subprocess.run([zdscan_exe, "summary", str(post)], check=True, capture_output=True, text=True).stdout
    assert "credible (Bayesian posterior, delta integrated; priors:" in text


def legend_texts(fig):
    """Fig. 3's legend entries, in its corner or (a long legend at single width) under the figure."""
    legends = list(fig.legends) + [a.get_legend() for a in fig.axes if a.get_legend() is not None]
    assert len(legends) == 1
    return [t.get_text() for t in legends[0].get_texts()]


def test_fig3_draws_the_hpd_regions(post):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    art = zp.contours(str(post), ax=ax)
    assert "posterior HPD 68%/95%" in art
    assert "posterior HPD 68%/95%" not in zp.contours(str(post), ax=ax, with_posterior=False)
    plt.close(fig)
    fig = zp.figure("fig3", str(post), "single")
    texts = legend_texts(fig)
    assert "68% HPD" in texts and "95% HPD" in texts and any("marginal" in t for t in texts)
    # Every text at least 7 pt and inside the figure, with the posterior's extra legend entries (test_plot's rules).
    from test_plot import inside, texts_of
    renderer = fig.canvas.get_renderer()
    for text in texts_of(fig):
        assert text.get_fontsize() >= 7, text.get_text()
        assert inside(text.get_window_extent(renderer), fig.bbox), text.get_text()


@pytest.fixture(scope="module")
def toys(tmp_path_factory, zdscan_exe):
    """A scan and its `zdscan coverage` at Fig. 3's 1σ and 2σ levels."""
    d = tmp_path_factory.mktemp("toys")
    subprocess.run([zdscan_exe, "scan", "--n-m", "40", "--n-eps", "36", "--n-delta", "8", "--quiet", "--no-checkpoint",
                    "--out", str(d / "r.h5")], check=True)
    subprocess.run([zdscan_exe, "coverage", str(d / "r.h5"), "--toys", "100", "--cl", "68,95.45", "--quiet",
                    "--no-checkpoint", "--out", str(d / "c.h5")], check=True, capture_output=True)
    return d / "c.h5"


def test_coverage_read_and_drawn(toys):
    import zdscan
    from zdscan.plot._result import read_result
    t = zdscan.open(toys)["/coverage"]  # xarray: every dataset on named dimensions
    assert not [d for d in t.dims if d.startswith("phony")] and t["wilks_dchi2"].dims == ("cl",)
    assert t["dchi2_crit_68p27"].dims == ("m_zd_mev", "epsilon")
    d = read_result(str(toys))
    assert d.coverage["cl"] == pytest.approx([68.2689492137086, 95.45])
    assert d.coverage["wilks"] == pytest.approx([2.2957489, 6.1800859], rel=1e-6)  # −2 ln(1 − CL)
    tested = d.coverage["tested"]
    assert 10 < tested.sum() < tested.size
    cov = d.coverage["wilks_coverage"][d.coverage["cl"][0]]
    assert np.all((cov[tested] >= 0) & (cov[tested] <= 1)) and np.all(np.isnan(cov[~tested]))
    # Fig. 3 draws the Feldman-Cousins lines at the levels it shares with the file (1σ, 2σ), with legend entries.
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    art = zp.contours(str(toys), ax=ax)
    assert "Feldman-Cousins 68.27%" in art and "Feldman-Cousins 95.45%" in art
    plt.close(fig)
    fig = zp.figure("fig3", str(toys), "single")
    texts = legend_texts(fig)
    assert "FC 68.27%" in texts and "FC 95.45%" in texts
    plt.close(fig)
    fig = zp.figure("coverage", str(toys), "double")
    assert len(fig.axes) == 3  # (a), (b) and (b)'s colour bar
    assert "coverage of the Wilks 68.27% region" in fig.axes[2].get_ylabel()
    plt.close(fig)


def test_coverage_figure_needs_coverage(post):
    with pytest.raises(ValueError, match="needs /coverage"):
        zp.figure("coverage", str(post), "single")


def test_damaged_coverage_is_refused(toys, tmp_path):
    import shutil

    import h5py
    from zdscan.limit_curves import ResultFileError
    from zdscan.plot._result import read_result
    bad = tmp_path / "bad.h5"
    shutil.copy(toys, bad)
    with h5py.File(bad, "r+") as f:
        w = f["coverage/wilks_coverage_68p27"]
        v = w[...]
        v[np.isfinite(v)] = 1.5
        w[...] = v
    with pytest.raises(ResultFileError, match="wilks_coverage_68p27 out of range"):
        read_result(str(bad))


def test_log_uniform_delta_prior(tmp_path):
    import zdscan
    t = zdscan.scan(n_m=24, n_eps=20, n_delta=8, posterior=True, delta_prior="log:1e-5")
    g = t["/posterior"]
    assert g.attrs["delta_prior"] == "log" and g.attrs["delta_prior_floor"] == 1e-5
    assert "|delta| log-uniform above 1e-05" in g.attrs["priors"]
    with pytest.raises(ValueError, match="delta_prior=: applies to posterior=True only"):
        zdscan.scan(n=8, delta_prior="log")
    with pytest.raises(ValueError, match="delta_prior=: the floor"):
        zdscan.scan(n=8, posterior=True, delta_prior="log:1")


def test_coverage_from_python_equals_the_command(toys, tmp_path):
    """zdscan.coverage: the same /coverage as `zdscan coverage` on the same result, seed and toys; bad arguments are
    ValueErrors naming them; the input is never the output."""
    import zdscan
    import h5py
    result = toys.parent / "r.h5"
    t = zdscan.coverage(result, toys=100, cl=(68, 95.45), threads=1)["/coverage"]
    with h5py.File(toys, "r") as f:
        for k in ("dchi2_crit_68p27", "dchi2_crit_95p45", "wilks_coverage_68p27", "fc_region_95p45"):
            assert np.array_equal(t[k].values, f["coverage"][k][...], equal_nan=True), k
    assert t.attrs["command_line"].startswith("python: zdscan.coverage(")
    for kw, message in ((dict(toys=5), "toys= must be"), (dict(cl=(68, 100)), "cl=: each level"),
                        (dict(band=(2, 1)), "band=: must be"), (dict(backend="gpu"), "backend= must be"),
                        (dict(points=str(tmp_path / "none.txt")), "points=: .*none.txt: No such file")):
        with pytest.raises(ValueError, match=message):
            zdscan.coverage(result, **kw)
    with pytest.raises(FileExistsError, match="input"):
        zdscan.coverage(result, out=result)
    out = tmp_path / "c.h5"
    zdscan.coverage(result, toys=20, out=out)
    assert h5py.is_hdf5(out)
