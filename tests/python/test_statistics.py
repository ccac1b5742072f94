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


def test_fig3_draws_the_hpd_regions(post):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    art = zp.contours(str(post), ax=ax)
    assert "posterior HPD 68%/95%" in art
    assert "posterior HPD 68%/95%" not in zp.contours(str(post), ax=ax, with_posterior=False)
    plt.close(fig)
    fig = zp.figure("fig3", str(post), "single")
    texts = [t.get_text() for t in fig.axes[3].get_legend().get_texts()]
    assert "68% HPD" in texts and "95% HPD" in texts and any("marginal" in t for t in texts)
    # Every text at least 7 pt and inside the figure, with the posterior's extra legend entries (test_plot's rules).
    from test_plot import inside, texts_of
    renderer = fig.canvas.get_renderer()
    for text in texts_of(fig):
        assert text.get_fontsize() >= 7, text.get_text()
        assert inside(text.get_window_extent(renderer), fig.bbox), text.get_text()
