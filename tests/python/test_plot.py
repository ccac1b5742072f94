"""zdscan.plot and `zdscan plot`: journal sizes, no text below 7 pt, Type 42 fonts, PNG at 300 dpi, one legend that
fits, Fig. 5's meaning (today's PV combination solid, projections their own lines, disabled measurements nowhere),
Fig. 4's labels overlapping nothing, Fig. 3's grid-edge stretch marked, and the output policy for figures."""
import json
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.text import Text  # noqa: E402

import zdscan  # noqa: E402
import zdscan.plot as zp  # noqa: E402
from zdscan import limit_curves as L  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SLICES = "0,0.001,0.005,0.01"


def scan(exe, tmp, name, config=None, extra=()):
    path = tmp / f"{name}.h5"
    cmd = [exe, "scan", "--n-m", "40", "--n-eps", "40", "--n-delta", "24", "--delta-slices", SLICES, "--threads",
           "2", "--quiet", "--out", str(path)] + (["--config", str(config)] if config else []) + list(extra)
    subprocess.run(cmd, check=True, capture_output=True)
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory, zdscan_exe):
    tmp = tmp_path_factory.mktemp("plot")
    paper = scan(zdscan_exe, tmp, "paper")
    proj = scan(zdscan_exe, tmp, "proj", ROOT / "configs" / "projections2021.json")
    # P2 disabled: it must appear nowhere.
    cfg = json.load(open(ROOT / "configs" / "projections2021.json"))
    for m in cfg["measurements"]:
        if m["name"] == "p2":
            m["enabled"] = False
    (tmp / "no_p2.json").write_text(json.dumps(cfg))
    no_p2 = scan(zdscan_exe, tmp, "no_p2", tmp / "no_p2.json")
    no_slices = str(tmp / "plain.h5")
    subprocess.run([zdscan_exe, "scan", "--n", "24", "--quiet", "--out", no_slices], check=True, capture_output=True)
    return dict(paper=paper, proj=proj, no_p2=no_p2, plain=no_slices, tmp=tmp)


def texts_of(fig):
    """Every text the figure draws: tick labels only for ticks inside the axis's view (matplotlib keeps labels of
    ticks beyond the limits, which it does not draw)."""
    fig.canvas.draw()
    ticks, drawn = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks.update((id(tick.label1), id(tick.label2)))
                if lo * (1 - 1e-9) <= tick.get_loc() <= hi * (1 + 1e-9):
                    drawn += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    other = [t for t in fig.findobj(Text) if id(t) not in ticks and t.get_visible()]
    return [t for t in drawn + other if t.get_text().strip() and t.figure is not None]


def inside(box, outer, tol=0.5):
    return box.x0 >= outer.x0 - tol and box.y0 >= outer.y0 - tol and box.x1 <= outer.x1 + tol and box.y1 <= outer.y1 + tol


CASES = [("fig1", "paper"), ("fig2", "paper"), ("fig3", "paper"), ("fig4", "paper"), ("fig5", "proj")]


@pytest.mark.parametrize("width,inches", [("single", 3.4), ("double", 7.0)])
@pytest.mark.parametrize("which,src", CASES)
def test_journal_size_text_and_legend(files, which, src, width, inches):
    fig = zp.figure(which, files[src], width)
    assert fig.get_figwidth() == pytest.approx(inches)
    assert fig.get_figheight() <= 7.5
    renderer = fig.canvas.get_renderer()
    texts = texts_of(fig)
    assert texts
    for t in texts:
        assert t.get_fontsize() >= zp.MIN_TEXT_PT - 1e-9, (which, t.get_text(), t.get_fontsize())
        assert not t.get_text().lstrip().startswith("Fig"), t.get_text()  # titles are the caption's job
        assert inside(t.get_window_extent(renderer), fig.bbox), (which, width, t.get_text())
    for legend in fig.legends + [a.get_legend() for a in fig.axes if a.get_legend()]:
        assert inside(legend.get_window_extent(renderer), fig.bbox), (which, width)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_limit_panels_share_axes_and_one_legend_fits(files, n):
    deltas = [0.0, 0.001, 0.005, 0.01][:n]
    for width in ("single", "double"):
        fig = zp.figure("fig2", files["paper"], width, deltas=deltas)
        shown = [a for a in fig.axes if a.get_visible()]
        assert len(shown) == n and len(fig.legends) == 1
        rows, cols = (2, 2) if n == 4 else (1, n)
        assert len({round(a.get_position().x0, 3) for a in shown}) == cols
        assert len({round(a.get_position().y0, 3) for a in shown}) == rows
        fig.canvas.draw()
        assert inside(fig.legends[0].get_window_extent(), fig.bbox)
        assert all(a.get_shared_x_axes().joined(a, shown[0]) for a in shown[1:])


def pdf_fonts(path):
    exe = shutil.which("pdffonts")
    if not exe:
        pytest.skip("pdffonts (poppler-utils, tools/install_deps.sh) is not installed")
    out = subprocess.run([exe, path], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    return [line for line in out if line.strip()]


def test_cli_writes_type42_pdf_and_300dpi_png(files, zdscan_exe, tmp_path):
    out = tmp_path / "figs"
    r = subprocess.run([zdscan_exe, "plot", "all", files["paper"], "--out", str(out), "--format", "pdf,png,svg"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    made = sorted(p.name for p in out.iterdir())
    for stem in ("fig1_skin_correlation", "fig2_limits", "fig3_contours", "fig4_running"):
        assert {f"{stem}.pdf", f"{stem}.png", f"{stem}.svg"} <= set(made), made
    for pdf in out.glob("*.pdf"):
        fonts = pdf_fonts(str(pdf))
        assert fonts, pdf
        for line in fonts:
            assert "Type 3" not in line and "TrueType" in line and " yes " in line, (pdf.name, line)
    import matplotlib.image as mpimg

    for png in out.glob("*.png"):
        assert mpimg.imread(str(png)).shape[1] >= 3.4 * 300 - 1, png.name


def test_fig5_means_what_the_paper_means(files):
    import matplotlib.figure

    for src in ("proj", "no_p2"):
        fig = matplotlib.figure.Figure()
        ax = fig.add_subplot()
        artists = zp.limits(files[src], 0.001, ax=ax)
        handles, labels = zp.legend_handles(files[src])
        assert list(artists) == labels
        solid = "Qweak + APV Cs, excluded"
        assert solid in artists
        # The solid line is the combination of today's measurements only: its vertices lie on that limit.
        lim = L.limits(files[src], 90, measurement=["qweak", "apv_cs"], delta_slice=0.001)
        drawn = np.concatenate([ln.get_xydata() for ln in artists[solid] if hasattr(ln, "get_xydata")])
        expected = np.concatenate([np.column_stack(p) for r in lim.regions for p in r.limit_pieces()])
        np.testing.assert_allclose(np.sort(drawn[:, 1]), np.sort(expected[:, 1]), rtol=1e-12)
        assert "MOLLER (projected)" in artists and r"$a_\mu$ favoured (projected)" in artists
        # Projections are lines of their own, each with its own style, and never hatched.
        styles = {k: (v[0].get_linestyle(), v[0].get_color()) for k, v in artists.items() if "projected)" in k
                  and "favoured" not in k}
        assert len(set(styles.values())) == len(styles)
        for k, v in artists.items():
            if "projected" in k:
                assert not any(getattr(a, "get_hatch", lambda: None)() for a in v), k
    _, labels = zp.legend_handles(files["no_p2"])
    assert not any("P2" in t for t in labels)  # disabled: nowhere
    assert "P2 (projected)" in zp.legend_handles(files["proj"])[1]


def test_fig4_labels_overlap_nothing(files):
    for width in ("single", "double"):
        fig = zp.figure("fig4", files["paper"], width)
        ax = fig.axes[0]
        renderer = fig.canvas.get_renderer()
        fig.canvas.draw()
        labels = [t for t in ax.texts if t.get_text()]
        assert {t.get_text() for t in labels} >= {"E158", "PVDIS", "APV Cs (PDG)", "APV Cs (this work)", "Qweak"}
        boxes = [t.get_window_extent(renderer) for t in labels]
        for i, a in enumerate(boxes):
            assert inside(a, ax.get_window_extent(renderer)), labels[i].get_text()
            for j, b in enumerate(boxes[:i]):
                assert not a.overlaps(b), (labels[i].get_text(), labels[j].get_text())
            for line in ax.get_lines():
                xy = line.get_transform().transform(line.get_xydata()) if len(line.get_xydata()) else np.empty((0, 2))
                hits = (xy[:, 0] > a.x0) & (xy[:, 0] < a.x1) & (xy[:, 1] > a.y0) & (xy[:, 1] < a.y1)
                assert not hits.any(), (labels[i].get_text(), line)
            for coll in ax.collections:  # error bars
                for seg in coll.get_segments():
                    px = ax.transData.transform(seg)
                    assert not a.overlaps(matplotlib.transforms.Bbox(np.array([px.min(0), px.max(0)]))), \
                        labels[i].get_text()


def test_fig4_points_from_the_result(files):
    d = zp.read_result(files["paper"])
    own = {p["name"]: p for p in zp._running.own_points(d)}
    apv = d.measurement("apv_cs")
    # Q_W(Cs) = -72.94(43) against the SM -73.23 at ŝ²(0): ŝ² = 0.2373(20), inputs2025.md §1.2.
    assert own["apv_cs"]["s2"] == pytest.approx(0.2373, abs=1e-4)
    assert own["apv_cs"]["sigma"] == pytest.approx(0.43 / (4 * 55 * (1 - 1 / 137.036 / (2 * np.pi))), rel=1e-3)
    # Qweak: Q_W^p = 0.0719(45) against its SM pin 0.0711, slope −4(1 − α/2π), drawn about the figure's (smooth) SM
    # curve at Q = √0.0248 GeV, so that the distance from the curve is the measured one; about the χ² model's step
    # running, 3.6e-4 higher there, it is 0.2383(11) as published (inputs2025.md §1.2).
    q = np.sqrt(0.0248)
    at = lambda curve: np.interp(np.log(q), np.log(d.running["q_gev"]), d.running[curve])
    assert own["qweak"]["q_gev"] == pytest.approx(q, rel=1e-12)
    assert own["qweak"]["s2"] - at("sin2_sm") == pytest.approx(
        (0.0719 - 0.0711) / (-4 * zdscan._core.weak_charge_qed_factor), rel=1e-9)
    assert own["qweak"]["s2"] + at("sin2_sm_step") - at("sin2_sm") == pytest.approx(0.2383, abs=5e-5)
    assert at("sin2_sm_step") - at("sin2_sm") == pytest.approx(3.6e-4, abs=2e-5)
    # The fit's own prediction at the APV scale (K(m)) is the point minus its refined pull, both about the curve.
    pull = d.best["pull_refined_apv_cs"]
    sigma = np.hypot(apv.exp_sigma, apv.sm_sigma)
    slope = -4 * 55 * zdscan._core.weak_charge_qed_factor
    assert own["apv_cs"]["s2_fit"] == pytest.approx(own["apv_cs"]["s2"] - pull * sigma / slope, rel=1e-12)
    # ... and the best-fit curve passes through it at the APV scale (it takes K(m) there, as the fit does); what is
    # left is the linear Q_W ↔ ŝ² conversion of the point against κ_d ŝ² of the curve.
    at_apv = np.interp(np.log(2.4e-3), np.log(d.running["q_gev"]), d.running["sin2_refined"])
    assert own["apv_cs"]["s2_fit"] == pytest.approx(at_apv, abs=2e-5)
    # A user's file: its points replace the package's.
    tmp = files["tmp"] / "points.json"
    tmp.write_text(json.dumps({"points": [{"name": "x", "label": "X", "q_gev": 1.0, "s2": 0.236, "sigma": 0.001,
                                           "kind": "measurement"}]}))
    fig = zp.figure("fig4", files["paper"], "single", points=str(tmp))
    assert "X" in {t.get_text() for t in fig.axes[0].texts} and "E158" not in {t.get_text() for t in fig.axes[0].texts}
    bad = files["tmp"] / "bad_points.json"
    bad.write_text(json.dumps({"points": [{"label": "X", "q_gev": -1, "s2": 0.2, "sigma": 0.1, "kind": "measurement"}]}))
    with pytest.raises(ValueError, match="q_gev"):
        zp.load_points(str(bad))
    fifo = files["tmp"] / "points.fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        zp.load_points(str(fifo))  # refused, never opened (opening a FIFO would block)
    (files["tmp"] / "yaml_points.json").write_text("points:\n  - q: 1\n")
    with pytest.raises(ValueError, match="not JSON"):
        zp.load_points(str(files["tmp"] / "yaml_points.json"))


def test_fig3_marks_the_grid_edge_stretch(files):
    import matplotlib.figure

    fig = matplotlib.figure.Figure()
    ax = fig.add_subplot()
    d = zp.read_result(files["paper"])
    a = zp.profile1d(d, "epsilon", ax=ax)
    # The ε shoulder at large ε comes from the m_Zd = 1 GeV edge: its minimum over m sits on the last grid mass.
    assert a["set by the grid edge"]
    edge_eps = np.concatenate([ln.get_ydata() for ln in a["set by the grid edge"]])
    k = np.argmin(d.chi2_map, axis=0)
    assert np.all(k[np.isin(d.epsilon, edge_eps[1:])] == len(d.m_zd_mev) - 1)
    solid = np.concatenate([ln.get_ydata() for ln in a["profile"]])
    assert d.best["refined_epsilon"] > solid.min()  # the best fit lies on the physical stretch
    c = zp.contours(d, ax=ax)
    (dot,) = c["best fit"]
    assert dot.get_color() == "k" and dot.get_xdata()[0] == d.best["refined_m_zd_mev"]


def test_figures_follow_the_output_policy(files, zdscan_exe, tmp_path):
    run = lambda *a: subprocess.run([zdscan_exe, "plot", *a], capture_output=True, text=True)
    out = tmp_path / "o"
    assert run("fig3", files["paper"], "--out", str(out), "--format", "pdf,png,svg").returncode == 0
    # zdscan's own figures are replaced by the next run (their metadata carries the marker) ...
    r = run("fig3", files["paper"], "--out", str(out), "--format", "pdf,png,svg")
    assert r.returncode == 0, r.stderr
    # ... a file it did not write is not, and stays as it was.
    foreign = out / "fig3_contours.png"
    foreign.write_bytes(b"my own picture")
    r = run("fig3", files["paper"], "--out", str(out), "--format", "png")
    assert r.returncode == 2 and "fig3_contours.png" in r.stderr and "--force" in r.stderr
    assert foreign.read_bytes() == b"my own picture"
    assert run("fig3", files["paper"], "--out", str(out), "--format", "png", "--force").returncode == 0
    assert not [p for p in out.iterdir() if ".zdscan-tmp." in p.name]
    r = run("fig3", files["paper"], "--out", str(foreign))  # a file as the directory
    assert r.returncode == 2 and "not a directory" in r.stderr and foreign.read_bytes() != b""
    # An input of the command is never a target, even with force.
    target = tmp_path / "input.png"
    target.write_bytes(b"an input")
    with pytest.raises(FileExistsError):
        zp.save(zp.figure("fig3", files["paper"]), str(target), force=True, inputs=[str(target)])
    assert target.read_bytes() == b"an input"


def test_one_command_for_several_results(files, zdscan_exe, tmp_path):
    """`zdscan plot fig3,fig4 A fig5 B` draws what two commands draw (the same pixels), in one start-up; a figure
    asked of two results (one file name) is refused before anything is written."""
    run = lambda *a: subprocess.run([zdscan_exe, "plot", *a, "--format", "png"], capture_output=True, text=True)
    one, two = tmp_path / "one", tmp_path / "two"
    r = run("fig3,fig4", files["paper"], "fig5", files["proj"], "--out", str(one))
    assert r.returncode == 0, r.stderr
    assert run("fig3,fig4", files["paper"], "--out", str(two)).returncode == 0
    assert run("fig5", files["proj"], "--out", str(two)).returncode == 0
    names = sorted(p.name for p in one.iterdir())
    assert names == ["fig3_contours.png", "fig4_running.png", "fig5_projections.png"]
    assert r.stdout.strip() == f"wrote {', '.join(names)} to {one}"
    from matplotlib.image import imread

    for name in names:
        assert np.array_equal(imread(one / name), imread(two / name)), name
    for args, message in ((["fig3", files["paper"], "fig3", files["proj"]], "asked of both"),
                          (["fig3", files["paper"], "fig5"], "in pairs")):
        bad = tmp_path / "bad"
        r = run(*args, "--out", str(bad))
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert not bad.exists()


@pytest.mark.parametrize("args,message", [
    (["fig2", "PLAIN"], "no /slices"),
    (["fig5", "PAPER"], "has none"),
    (["fig9", "PAPER"], "is not one of fig1"),
    (["fig2", "PAPER", "--format", "jpg"], "--format"),
    (["fig2", "PAPER", "--width", "wide"], "--width"),
    (["fig2", "NOFILE"], "not a zdscan result file"),
])
def test_cli_refuses_bad_input_with_exit_2(files, zdscan_exe, tmp_path, args, message):
    subs = {"PLAIN": files["plain"], "PAPER": files["paper"], "NOFILE": str(tmp_path / "none.h5")}
    r = subprocess.run([zdscan_exe, "plot", *[subs.get(a, a) for a in args], "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.pdf"))


def test_one_sided_g2_regions_are_labelled_allowed(files):
    """Issue 28: a_e's region (paper config) runs down to the grid's lowest epsilon: an upper limit, labelled
    "allowed", not "favoured"; a_mu's is a band, "favoured". The .lmt export of a_e says so too."""
    from zdscan import limit_curves as L
    from zdscan.plot import _panels

    d = zp.read_result(files["paper"])
    labels = [layer.label for layer in _panels._layers(d, None)]
    assert r"$a_e$ allowed" in labels and r"$a_\mu$ favoured" in labels, labels
    lim = zdscan.limits(files["paper"], 90, measurement="a_e", delta_slice=0.0, region="allowed")
    notes = [n for _, _, _, ns in L._lmt_tables(lim) for n in ns]
    assert any("an upper limit there, not a preferred band" in n for n in notes), notes


def test_panels_label_their_axes_when_drawn_alone(files):
    """Issue 28: the composition example of docs/python.md made panels without axis labels."""
    import matplotlib.pyplot as plt

    fig, (a, b, c) = plt.subplots(1, 3, layout="constrained")
    zp.limits(files["paper"], delta=1e-3, ax=a)
    zp.contours(files["paper"], ax=b)
    c.set_xlabel("mine")
    zp.contours(files["paper"], ax=c)
    assert a.get_xlabel() and a.get_ylabel() and b.get_xlabel() and b.get_ylabel()
    assert c.get_xlabel() == "mine"  # a label the user set is kept
    d = plt.figure().add_subplot()
    zp.contours(files["paper"], ax=d, axis_labels=False)
    assert not d.get_xlabel()
    plt.close("all")


def test_fig4_names_points_by_the_configs_display_label(files, tmp_path, zdscan_exe):
    """Issue 28: "APV Cs (this work)" stayed on every config, a user's own fit included, and Qweak was red. The
    label comes from the config's "label" (the paper's config sets it); red only for "this work"."""
    d = zp.read_result(files["paper"])
    own = {p["name"]: p for p in zp._running.own_points(d)}
    assert own["apv_cs"]["label"] == "APV Cs (this work)" and own["qweak"]["label"] == "Qweak"
    cfg = zdscan.default_config()
    for m in cfg["measurements"]:
        m.pop("label", None)
        if m["name"] == "qweak":
            m["label"] = "Qweak 2018"
    (tmp_path / "mine.json").write_text(json.dumps(cfg))
    out = tmp_path / "mine.h5"
    subprocess.run([zdscan_exe, "scan", "--config", str(tmp_path / "mine.json"), "--n", "16", "--quiet", "--out",
                    str(out)], check=True)
    own = {p["name"]: p for p in zp._running.own_points(zp.read_result(str(out)))}
    assert own["apv_cs"]["label"] == "APV Cs" and own["qweak"]["label"] == "Qweak 2018"
    assert zdscan.load_config(str(tmp_path / "mine.json"))["measurements"][0]["label"] == "Qweak 2018"


def test_a_forecast_says_so_on_figs_3_and_4(files):
    """Issue 28: a fit that includes projections carried no mark on Figs. 3 and 4; only the summary warned."""
    texts = lambda fig: [t.get_text() for ax in fig.axes for t in ax.texts] + [
        ax.get_legend().get_title().get_text() for ax in fig.axes if ax.get_legend() is not None]
    for which in ("fig3", "fig4"):
        assert any(t.startswith("FORECAST") for t in texts(zp.figure(which, files["proj"]))), which
        assert not any(t.startswith("FORECAST") for t in texts(zp.figure(which, files["paper"]))), which


def test_serif_style_embeds_truetype_stix(files, tmp_path, zdscan_exe):
    """Issue 28: a serif, LaTeX-compatible text face for journals that want it (--style serif); DejaVu stays the
    default. Both embed TrueType (pdffonts), never Type 3."""
    import shutil

    for style, face in (("serif", "STIX"), ("sans", "DejaVu")):
        out = tmp_path / style
        r = subprocess.run([zdscan_exe, "plot", "fig3", files["paper"], "--out", str(out), "--format", "pdf",
                            "--style", style], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        if shutil.which("pdffonts"):
            fonts = subprocess.run(["pdffonts", str(out / "fig3_contours.pdf")], capture_output=True,
                                   text=True).stdout
            assert face in fonts and "TrueType" in fonts and "Type 3" not in fonts, fonts
    bad = subprocess.run([zdscan_exe, "plot", "fig3", files["paper"], "--style", "comic"], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_marginals_follow_a_profile_that_leaves_the_default_frame(files):
    """Issue 28: with the visible searches the m_Zd profile lay above the fixed 0-5.5 frame at 255 of 256 masses.
    A profile whose median leaves the frame gets a frame scaled to it, and what still leaves it is marked."""
    import matplotlib.pyplot as plt

    d = zp.read_result(files["paper"])
    ax = plt.figure().add_subplot()
    zp.profile1d(d, "m_zd_mev", ax=ax)
    assert ax.get_ylim()[1] == pytest.approx(6.0)  # the paper's profile fits the usual frame
    d.profile_m = d.profile_m.copy() + 20.0  # held at one edge: everywhere else at least 20 above
    d.profile_m[-1] = d.profile_m.min() - 20.0
    ax = plt.figure().add_subplot()
    art = zp.profile1d(d, "m_zd_mev", ax=ax)
    assert ax.get_ylim()[1] >= 20.0
    plt.close("all")
    assert "off the frame" not in art or art["off the frame"]


def test_fig1_draws_the_users_nuclear_model_points(cli_file, tmp_path, zdscan_exe):
    """Issue 28: the SHF/RMF points are the evidence Fig. 1 exists to show; the paper does not tabulate them, so the
    user supplies them (key skin_points of the --points file) and they are drawn by model family."""
    import json as _json

    pts = tmp_path / "skins.json"
    pts.write_text(_json.dumps({"skin_points": [
        {"model": "SHF", "name": "SkI3", "pb208_skin_fm": 0.23, "cs133_skin_fm": 0.18},
        {"model": "SHF", "name": "SLy4", "pb208_skin_fm": 0.16, "cs133_skin_fm": 0.13},
        {"model": "RMF", "name": "NL3", "pb208_skin_fm": 0.28, "cs133_skin_fm": 0.21}]}))
    fig = zp.figure("fig1", str(cli_file), points=str(pts))
    labels = [t.get_text() for t in fig.get_axes()[0].get_legend().get_texts()]
    assert "SHF (2)" in labels and "RMF (1)" in labels
    assert not any("not shown" in t.get_text() for t in fig.get_axes()[0].texts)
    without = zp.figure("fig1", str(cli_file))
    assert any("not shown" in t.get_text() for t in without.get_axes()[0].texts)
    # The CLI: one --points file may carry Fig. 1's skins alone; Fig. 4 then keeps its default points.
    r = subprocess.run([zdscan_exe, "plot", "fig1,fig4", str(cli_file), "--points", str(pts), "--out", str(tmp_path),
                        "--format", "png"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(_json.dumps({"skin_points": [{"model": "SHF", "pb208_skin_fm": "0.2", "cs133_skin_fm": 0.1}]}))
    r = subprocess.run([zdscan_exe, "plot", "fig1", str(cli_file), "--points", str(bad), "--out", str(tmp_path),
                        "--format", "png", "--suffix", "_bad"], capture_output=True, text=True)
    assert r.returncode == 2 and "skin_points[0].pb208_skin_fm" in r.stderr, r.stderr


def test_fig4_points_at_one_q_stand_apart_with_their_diamonds(cli_file):
    """Issue 28: the APV PDG / this-work / diamond triple, and Qweak with E158, overlapped within a marker width at
    single width. Points closer than a factor 1.4 in Q are spread to 1.4 apart, each diamond on its own point."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.4, 2.6))
    arts = zp.running(str(cli_file), ax=ax)
    xs = sorted(float(eb.lines[0].get_xdata()[0]) for kind in ("measurements", "this work", "projections")
                for eb in arts[kind])
    gaps = [np.log10(b / a) for a, b in zip(xs, xs[1:])]
    assert min(gaps) >= np.log10(1.4) - 1e-9, xs  # no two points within a marker's width
    diamonds = arts["Z_d fit prediction"][0].get_xdata()
    own = [float(eb.lines[0].get_xdata()[0]) for eb in arts["this work"]]
    for x in own:
        assert np.min(np.abs(np.log10(diamonds / x))) < 1e-9  # the diamond moved with its point
    plt.close(fig)
