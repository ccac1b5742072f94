"""The doors added with the searches, the posterior and the toys under hostile input (issue 26; docs/output.md).

Each case asserts the exit code, the message, and what is on disk before and after (a hash of the directory), as
tests/python/test_hostile.py does for the older doors. Runs in CI (ctest -L hostile).
"""
import json
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from test_hostile import exe, one_line_error, run, snapshot  # noqa: F401 (exe: the CLI fixture, shared)


@pytest.fixture(scope="session")
def small(tmp_path_factory, exe):
    """A 16 x 16 x 8 scan of the paper config (the toys' input)."""
    path = tmp_path_factory.mktemp("small") / "r.h5"
    subprocess.run([exe, "scan", "--n-m", "16", "--n-eps", "16", "--n-delta", "8", "--quiet", "--no-checkpoint",
                    "--out", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture
def work(tmp_path, small):
    (tmp_path / "r.h5").write_bytes(small.read_bytes())
    return tmp_path


def paper_config():
    return json.loads(subprocess.run([os.environ["ZDSCAN_EXE"], "config"], check=True, capture_output=True,
                                     text=True).stdout)


def config_with_search(tmp_path, search, name="c.json", **top):
    c = paper_config()
    c["measurements"].append(dict({"name": "s", "kind": "search_limit", "cl": 90, "decay": "visible"}, **search))
    c.update(top)
    (tmp_path / name).write_text(json.dumps(c))
    return name

# ---- limit files ---------------------------------------------------------------------------------------------


ORPHAN_HIGH = ("independent_variables:\n- header: {name: M, units: GeV}\n  values:\n  - low: 0.05\n"
               "- header: {name: N, units: GeV}\n  values:\n    high: 0.2\n")


def test_a_bare_high_in_a_hepdata_table_is_refused_everywhere(exe, tmp_path):
    """It was a SIGSEGV in scan, config, Python's load_config and rank 0 under mpirun."""
    (tmp_path / "x.yaml").write_text(ORPHAN_HIGH)
    cfg = config_with_search(tmp_path, {"file": str(tmp_path / "x.yaml")})
    before = snapshot(tmp_path)
    for args in (["config", "--config", cfg], ["scan", "--config", cfg, "--n", "8", "--out", "o.h5"]):
        one_line_error(run([exe, *args], cwd=tmp_path), "x.yaml:7", '"high:" continues a bin')
        assert snapshot(tmp_path) == before
    r = run([sys.executable, "-c", "import zdscan, sys; zdscan.load_config(sys.argv[1])", cfg], cwd=tmp_path)
    assert r.returncode == 1 and "ValueError" in r.stderr and "x.yaml:7" in r.stderr, r.stderr


@pytest.mark.parametrize("name,text,where", [
    ("b.lmt", "# mass lower upper\n0.001 1e-3 1e-5\n", "b.lmt:2"),
    ("b.csv", "mass_gev,epsilon_lower,epsilon_upper\n0.001,1e-3,1e-5\n", "b.csv:2"),
    (None, {"mass_gev": [0.001, 0.01], "lower": [1e-3, 1e-3], "upper": [1e-5, 1e-2]}, "table"),
])
def test_a_band_with_its_edges_swapped_is_refused(exe, tmp_path, name, text, where):
    """It excluded nothing, silently."""
    if name:
        (tmp_path / name).write_text(text)
        cfg = config_with_search(tmp_path, {"file": name}, limits_dir=str(tmp_path))
    else:
        cfg = config_with_search(tmp_path, {"table": text})
    before = snapshot(tmp_path)
    one_line_error(run([exe, "config", "--config", cfg], cwd=tmp_path), where, "not above its lower edge")
    assert snapshot(tmp_path) == before


def test_tiny_limits_and_correlated_searches_are_refused_at_config_time(exe, tmp_path):
    (tmp_path / "t.lmt").write_text("# mass lower\n0.01 1e-75\n0.02 1e-75\n")
    cfg = config_with_search(tmp_path, {"file": "t.lmt"}, limits_dir=str(tmp_path))
    one_line_error(run([exe, "scan", "--config", cfg, "--n", "8", "--out", "o.h5"], cwd=tmp_path), "t.lmt:2",
                   "between 1e-30 and 1e30")
    (tmp_path / "ok.lmt").write_text("# mass lower\n0.01 1e-3\n0.02 1e-3\n")
    cfg = config_with_search(tmp_path, {"file": "ok.lmt"}, limits_dir=str(tmp_path),
                             correlation={"measurements": ["a_mu", "s"], "matrix": [[1, 0.2], [0.2, 1]]})
    one_line_error(run([exe, "config", "--config", cfg], cwd=tmp_path), "correlation.measurements",
                   '"s" is a search_limit')
    assert not (tmp_path / "o.h5").exists()


def test_a_huge_line_is_not_echoed(exe, tmp_path):
    (tmp_path / "l.lmt").write_text("# mass lower\n0.01 " + "9" * (8 << 20) + "x\n")
    cfg = config_with_search(tmp_path, {"file": "l.lmt"}, limits_dir=str(tmp_path))
    r = run([exe, "config", "--config", cfg], cwd=tmp_path)
    one_line_error(r, "l.lmt:2", "is not a number", "characters)")
    assert len(r.stderr) < 1000, len(r.stderr)


def test_an_absolute_limit_path_is_not_kept_in_the_result(exe, tmp_path):
    (tmp_path / "ok.lmt").write_text("# mass lower\n0.01 1e-3\n0.02 1e-3\n")
    cfg = config_with_search(tmp_path, {"file": str(tmp_path / "ok.lmt")})
    r = run([exe, "scan", "--config", cfg, "--n", "8", "--quiet", "--out", "o.h5"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "o.h5") as f:
        assert str(tmp_path) not in f.attrs["config"]
        assert f["searches/s"].attrs["file"] in ("ok.lmt", b"ok.lmt")


def test_many_error_components_are_read_in_linear_time(exe, tmp_path):
    """Two measurements of 10^5 named components each took 60 s (config) and over 120 s (scan)."""
    c = paper_config()
    for k, m in enumerate([m for m in c["measurements"] if m["kind"] == "lepton_g2"]):
        m["errors"] = {f"{'xy'[k]}{i}": 1e-16 for i in range(100000)}
        m["errors"]["shared"] = 1e-13
    (tmp_path / "big.json").write_text(json.dumps(c))
    start = time.monotonic()
    assert run([exe, "config", "--config", "big.json"], cwd=tmp_path).returncode == 0
    r = run([exe, "scan", "--config", "big.json", "--n", "16", "--quiet", "--no-checkpoint", "--out", "o.h5"],
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - start < 20


def test_unknown_command_is_named(exe, tmp_path):
    one_line_error(run([exe, "bogus"], cwd=tmp_path), 'unknown command "bogus"', "scan, coverage")
    one_line_error(run([exe, "scna"], cwd=tmp_path), "did you mean scan?")

# ---- FIFOs, file-size limits, full disks -------------------------------------------------------------------


@pytest.mark.parametrize("args", [["summary", "fifo"], ["coverage", "fifo", "--toys", "100"],
                                  ["coverage", "r.h5", "--toys", "100", "--points", "fifo"]])
def test_fifos_never_hang_a_reader(exe, work, args):
    os.mkfifo(work / "fifo")
    before = snapshot(work)
    one_line_error(run([exe, *args], cwd=work, timeout=20), "fifo", "not a regular file")
    assert snapshot(work) == before


def test_python_coverage_refuses_fifos(work):
    os.mkfifo(work / "fifo")
    code = ("import sys, zdscan\n"
            "try:\n"
            "    zdscan.coverage(sys.argv[1], toys=100, points=sys.argv[2], out='c.h5')\n"
            "except Exception as e:\n"
            "    print(type(e).__name__, e)\n"
            "    sys.exit(3)\n")
    for input_path, points in (("fifo", "near-contour"), ("r.h5", "fifo")):
        r = run([sys.executable, "-c", code, input_path, points], cwd=work, timeout=30)
        assert r.returncode == 3 and "not a regular file" in r.stdout, (r.stdout, r.stderr)
    assert not (work / "c.h5").exists()


@pytest.mark.parametrize("extra", [[], ["--no-checkpoint"]])
def test_a_file_size_limit_fails_the_write_and_leaves_nothing(exe, tmp_path, extra):
    """SIGXFSZ killed the run (exit 153, no message) and left the temporary, the lock and the checkpoint."""
    r = subprocess.run(["bash", "-c", f"ulimit -f 64; exec {exe} scan --n 64 --quiet --out x.h5 {' '.join(extra)}"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    one_line_error(r, "File too large", code=1)
    assert os.listdir(tmp_path) == []


def test_a_file_size_limit_in_coverage_keeps_the_toys_and_says_so(exe, work):
    r = subprocess.run(["bash", "-c", f"ulimit -f 64; exec {exe} coverage r.h5 --toys 100 --quiet --out c.h5"],
                       cwd=work, capture_output=True, text=True, timeout=120)
    one_line_error(r, "File too large", "checkpoint kept", "--resume", code=1)
    assert sorted(os.listdir(work)) == [".c.h5.zdscan-checkpoint", "r.h5"]
    r = run([exe, "coverage", "r.h5", "--toys", "100", "--quiet", "--out", "c.h5", "--resume"], cwd=work, timeout=120)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(work)) == ["c.h5", "r.h5"]

# ---- coverage: stops, inputs that change, the counts -------------------------------------------------------


def test_coverage_stops_within_a_second_inside_a_batch(exe, work):
    """One cell with 10^7 toys: the stop request was checked only between batches (30-106 s)."""
    (work / "pt.txt").write_text("47 0.0023\n")
    before = snapshot(work)
    p = subprocess.Popen([exe, "coverage", "r.h5", "--toys", "10000000", "--points", "pt.txt", "--out", "c.h5"],
                         cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    assert p.poll() is None
    start = time.monotonic()
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert time.monotonic() - start < 1.5, time.monotonic() - start
    assert p.returncode == 143, err
    assert "Traceback" not in err and "interrupted" in err
    assert snapshot(work) == before


def test_coverage_refuses_an_input_rewritten_while_the_toys_run(exe, work):
    """The copy made at the end joined the new scan with the old toys, exit 0."""
    p = subprocess.Popen([exe, "coverage", "r.h5", "--toys", "5000", "--points", "all", "--quiet", "--no-checkpoint",
                          "--out", "c.h5"], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    r = run([exe, "scan", "--n", "12", "--quiet", "--no-checkpoint", "--force", "--out", "r.h5"], cwd=work)
    assert r.returncode == 0, r.stderr
    assert p.poll() is None, "the toys ended before the input was rewritten: give them more toys"
    _, err = p.communicate(timeout=300)
    assert p.returncode == 1, err
    assert "changed while the toys ran" in err and "r.h5" in err
    assert sorted(os.listdir(work)) == ["r.h5"]


def test_coverage_refuses_a_config_that_does_not_reproduce_the_profile(exe, work):
    with h5py.File(work / "r.h5", "r+") as f:
        f["profile1d/chi2_m_zd_mev"][3] += 1.0
    before = snapshot(work)
    one_line_error(run([exe, "coverage", "r.h5", "--toys", "100", "--out", "c.h5"], cwd=work),
                   "does not reproduce the file's own profile", "m_Zd")
    assert snapshot(work) == before


def test_a_scan_checkpoint_is_not_resumed_as_coverage(exe, work):
    env = dict(os.environ, ZDSCAN_FAULT="throw", ZDSCAN_FAULT_AFTER_TILES="2")
    r = run([exe, "scan", "--n", "32", "--tile-masses", "4", "--checkpoint-interval", "0", "--quiet", "--out", "c.h5"],
            cwd=work, env=env)
    assert r.returncode == 1 and "checkpoint kept" in r.stderr, r.stderr
    r = run([exe, "coverage", "r.h5", "--toys", "100", "--out", "c.h5", "--resume"], cwd=work)
    one_line_error(r, "is a checkpoint of zdscan scan, not of zdscan coverage")
    assert len(r.stderr) < 400, r.stderr
    # Damage gives exit 2 whichever part is missing.
    ckpt = work / ".c.h5.zdscan-checkpoint"
    os.remove(ckpt / "tiles.bin")
    scan = [exe, "scan", "--n", "32", "--tile-masses", "4", "--quiet", "--out", "c.h5", "--resume"]
    one_line_error(run(scan, cwd=work), "tiles.bin is missing")
    os.mkdir(ckpt / "tiles.bin")
    one_line_error(run(scan, cwd=work), "tiles.bin is a directory")


def test_toy_refits_count_every_toy_behind_the_result(exe, work):
    env = dict(os.environ, ZDSCAN_FAULT="throw", ZDSCAN_FAULT_AFTER_TILES="1")
    args = [exe, "coverage", "r.h5", "--toys", "200", "--points", "all", "--quiet", "--checkpoint-interval", "0",
            "--out", "c.h5"]
    r = run(args, cwd=work, env=env, timeout=120)
    assert r.returncode == 1 and "checkpoint kept" in r.stderr, r.stderr
    r = run(args + ["--resume"], cwd=work, timeout=120)
    assert r.returncode == 0, r.stderr
    with h5py.File(work / "c.h5") as f:
        g = f["coverage"]
        assert g.attrs["batches_restored"] >= 1
        assert g.attrs["toy_refits"] == g.attrs["tested_cells"] * 200
        mean = g["mean_cells_fitted"][...]
        assert g.attrs["cells_fitted"] == pytest.approx(np.nansum(mean) * 200, rel=1e-12)

# ---- the posterior -----------------------------------------------------------------------------------------


def test_log_prior_posterior_is_finite_even_where_the_data_is_missed(exe, tmp_path):
    """-inf log densities broke zdscan plot's own invariant (3 cells at 256^2 x 16, 81 of 1024 off the data)."""
    c = paper_config()
    c["grid"]["delta"].update(min=0.02, max=0.05)
    (tmp_path / "far.json").write_text(json.dumps(c))
    for args in (["--n-m", "256", "--n-eps", "256", "--n-delta", "16"], ["--config", "far.json", "--n", "32"]):
        r = run([exe, "scan", *args, "--posterior", "--delta-prior", "log", "--quiet", "--out", "p.h5", "--force"],
                cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        with h5py.File(tmp_path / "p.h5") as f:
            assert np.isfinite(f["posterior/log_density"][...]).all()
            assert np.isfinite(f["posterior/marginal_delta"][...]).all()
    r = run([exe, "plot", "fig3", "p.h5", "--out", "figs", "--format", "png"], cwd=tmp_path, timeout=180)
    assert r.returncode == 0, r.stderr


def test_posterior_is_the_same_bits_for_threads_and_resume(exe, tmp_path):
    base = [exe, "scan", "--n-m", "40", "--n-eps", "32", "--n-delta", "24", "--posterior", "--quiet",
            "--tile-masses", "4", "--checkpoint-interval", "0"]
    for name, extra, env in (("t1.h5", ["--threads", "1"], None), ("t2.h5", ["--threads", "2"], None)):
        assert run(base + extra + ["--out", name], cwd=tmp_path, env=env).returncode == 0
    env = dict(os.environ, ZDSCAN_FAULT="throw", ZDSCAN_FAULT_AFTER_TILES="3")
    assert run(base + ["--out", "res.h5"], cwd=tmp_path, env=env).returncode == 1
    r = run(base + ["--out", "res.h5", "--resume"], cwd=tmp_path)
    assert r.returncode == 0 and "resumed" in r.stderr, r.stderr
    ref = {}
    for name in ("t1.h5", "t2.h5", "res.h5"):
        with h5py.File(tmp_path / name) as f:
            got = {k: f["posterior"][k][...].tobytes() for k in f["posterior"] if isinstance(f["posterior"][k], h5py.Dataset)}
        if not ref:
            ref = got
        assert got == ref, name

# ---- Python ------------------------------------------------------------------------------------------------


def test_python_chi2_refuses_points_outside_the_ranges():
    import zdscan
    for args, name in (((np.nan, 1e-3, 1e-3), "m_zd_mev"), ((1e300, 1e-3, 0), "m_zd_mev"), ((47, 1e200, 0), "epsilon"),
                       ((47, np.inf, 0), "epsilon"), ((47, 1e-3, np.nan), "delta")):
        with pytest.raises(ValueError, match=name):
            zdscan.chi2(None, *args)
        with pytest.raises(ValueError, match=name):
            zdscan.Model()(*args)


def test_python_configs_name_a_nan_and_take_numpy_scalars():
    import zdscan
    c = zdscan.default_config()
    c["measurements"][1]["exp"] = float("nan")
    with pytest.raises(ValueError, match=r"measurements\[1\]\.exp: must be finite"):
        zdscan.load_config(c)
    c = zdscan.default_config()
    c["grid"]["m_zd_mev"]["n"] = np.int64(8)
    c["measurements"][0]["exp"] = np.float64(c["measurements"][0]["exp"])
    assert zdscan.load_config(c)["grid"]["m_zd_mev"]["n"] == 8
    with pytest.raises(TypeError, match=r"grid\.epsilon\.n"):
        c["grid"]["epsilon"]["n"] = object()
        zdscan.load_config(c)

# ---- zdscan plot and summary -------------------------------------------------------------------------------


def test_plot_options_and_degenerate_grids(exe, work):
    before = snapshot(work)
    one_line_error(run([exe, "plot", "fig3", "r.h5", "--out", ""], cwd=work), "--out: empty")
    # A failed run leaves no directory of its own making.
    (work / "bad.json").write_text("{")
    r = run([exe, "plot", "fig4", "r.h5", "--points", "bad.json", "--out", "new"], cwd=work, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert not (work / "new").exists()
    os.remove(work / "bad.json")
    assert snapshot(work) == before
    c = paper_config()
    c["grid"]["m_zd_mev"].update(n=1, min=47, max=47)
    (work / "m1.json").write_text(json.dumps(c))
    assert run([exe, "scan", "--config", "m1.json", "--n-eps", "16", "--n-delta", "8", "--quiet", "--out", "m1.h5"],
               cwd=work).returncode == 0
    one_line_error(run([exe, "plot", "fig3", "m1.h5", "--out", "f"], cwd=work, timeout=120), "need at least 2 x 2")
    r = run([exe, "plot", "all", "m1.h5", "--out", "f", "--format", "png"], cwd=work, timeout=180)
    assert r.returncode == 0 and "fig3" not in r.stdout, (r.stdout, r.stderr)


def test_plot_draws_coinciding_hpd_levels(exe, work):
    assert run([exe, "scan", "--n", "16", "--posterior", "--quiet", "--out", "p.h5"], cwd=work).returncode == 0
    with h5py.File(work / "p.h5", "r+") as f:
        g = f["posterior"]
        g.attrs["hpd_log_density_95p45"] = g.attrs["hpd_log_density_68p27"]
    r = run([exe, "plot", "fig3", "p.h5", "--out", "f", "--format", "png"], cwd=work, timeout=120)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr


def test_plot_ctrl_c_is_one_line(exe, work):
    p = subprocess.Popen([exe, "plot", "all", "r.h5", "--out", "f"], cwd=work, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert p.returncode in (0, 130), (p.returncode, err)


def test_summary_of_a_single_point_prints_no_nan(exe, tmp_path):
    c = paper_config()
    for axis, v in (("m_zd_mev", 47.0), ("epsilon", 2.3e-3), ("delta", 7.9e-4)):
        c["grid"][axis].update(n=1, min=v, max=v)
    (tmp_path / "one.json").write_text(json.dumps(c))
    assert run([exe, "scan", "--config", "one.json", "--quiet", "--out", "one.h5"], cwd=tmp_path).returncode == 0
    r = run([exe, "summary", "one.h5"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "nan" not in r.stdout.lower(), r.stdout
    assert "no test" in r.stdout


def test_a_closed_pipe_on_stderr_finishes_the_file(exe, tmp_path):
    """`zdscan scan ... 2>&1 | head -1` died by SIGPIPE and left the lock and a temporary: now the write fails
    quietly, the file is finished and nothing else is left."""
    r = subprocess.run(["bash", "-c", f"{exe} scan --n 48 --out p.h5 2>&1 | head -1"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.stdout.startswith("[zdscan]"), r.stdout
    assert sorted(os.listdir(tmp_path)) == ["p.h5"]
    with h5py.File(tmp_path / "p.h5") as f:
        assert f["profile/chi2_total"].shape == (48, 48)
