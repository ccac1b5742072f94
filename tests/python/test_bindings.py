"""zdscan's Python API against the command line: the same numbers, the same messages, a scan that releases the
GIL and stops on Ctrl-C."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import h5py
import numpy as np
import pytest

import zdscan


def test_version_is_the_cli_version(zdscan_exe):
    out = subprocess.run([zdscan_exe, "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"zdscan {zdscan.__version__}")


def test_default_config_is_the_embedded_one(zdscan_exe):
    cli = json.loads(subprocess.run([zdscan_exe, "config"], capture_output=True, text=True, check=True).stdout)
    assert zdscan.load_config() == cli
    assert zdscan.default_config()["name"] == "paper2021"


def test_config_errors_are_the_cli_messages(tmp_path, zdscan_exe):
    cfg = zdscan.load_config()
    cfg["grid"]["epsilon"]["min"] = 0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(cfg))
    r = subprocess.run([zdscan_exe, "scan", "--config", str(path), "--out", str(tmp_path / "x.h5")],
                       capture_output=True, text=True)
    assert r.returncode == 2
    with pytest.raises(ValueError) as e:
        zdscan.load_config(path)
    assert "grid.epsilon.min: a log axis needs min > 0" in str(e.value)
    assert str(e.value) in r.stderr
    with pytest.raises(ValueError, match="grid.epsilon.min"):
        zdscan.load_config(cfg)  # a dict: the same reader


def test_chi2_equals_the_files_full_grid(cli_file):
    with h5py.File(cli_file) as f:
        m, e, d = (f["axes/" + a][...] for a in ("m_zd_mev", "epsilon", "delta"))
        full = f["chi2/total"][...]
        config = json.loads(f.attrs["config"])
    r = zdscan.chi2(config, m[:, None, None], e[None, :, None], d[None, None, :])
    assert r["total"].shape == full.shape
    np.testing.assert_allclose(r["total"], full, rtol=1e-14, atol=0)
    assert set(r) == {"qweak", "apv_cs", "a_mu", "a_e", "total"}
    np.testing.assert_allclose(sum(r[k] for k in ("qweak", "apv_cs", "a_mu", "a_e")), r["total"], rtol=1e-12)


def test_chi2_at_the_papers_best_fit():
    r = zdscan.chi2(None, 47.0, 2.3e-3, 7.9e-4)
    assert r["total"].shape == ()
    assert float(r["total"]) < 0.05  # docs/physics.md: 0.0117 at the paper's point
    with pytest.raises(ValueError, match=r"m_zd_mev\[0\] must be a finite mass in \[1e-6, 1e6\] MeV \(got 0\)"):
        zdscan.chi2(None, 0.0, 1e-3, 0.0)


def _variables(tree):
    out = {}
    for node in tree.subtree:
        for name, var in node.dataset.data_vars.items():
            out[f"{node.path}/{name}"] = var.values
    return out


def test_scan_matches_the_cli_file(cli_file):
    tree = zdscan.scan(n_m=24, n_eps=20, n_delta=18, full_grid=True, delta_slices=[0, 0.001], threads=2)
    cli = zdscan.open(cli_file)
    mine, theirs = _variables(tree), _variables(cli)
    assert mine.keys() == theirs.keys()
    for key, v in theirs.items():
        if v.dtype.kind == "f":
            np.testing.assert_allclose(mine[key], v, rtol=1e-14, atol=0, err_msg=key)
        else:
            assert np.array_equal(mine[key], v), key
    assert {n.path for n in tree.subtree} == {n.path for n in cli.subtree}
    assert tree.attrs["creator"] == "zdscan" and tree.attrs["command_line"].startswith("python: zdscan.scan(")
    profile = tree["profile"].to_dataset()
    assert "m_zd_mev" in profile.coords and "epsilon" in profile.coords


def test_scan_to_a_file_follows_the_cli_rules(tmp_path):
    other = tmp_path / "notes.h5"
    other.write_text("not a zdscan result")
    with pytest.raises(FileExistsError, match="--force"):
        zdscan.scan(n=4, out=other)
    assert other.read_text() == "not a zdscan result"
    tree = zdscan.scan(n=4, out=other, force=True)
    assert tree.attrs["creator"] == "zdscan" and other.stat().st_size > 0


def test_scan_argument_errors():
    with pytest.raises(ValueError, match="n_eps"):
        zdscan.scan(n_m=4, n_eps=0, n_delta=4)
    with pytest.raises(ValueError, match="n= or n_m="):
        zdscan.scan(n=4, n_m=3)
    with pytest.raises(ValueError, match="delta_profile= must be 'exact' or 'grid'"):
        zdscan.scan(n=4, delta_profile="fine")


def test_scan_releases_the_gil():
    ticks = 0
    done = threading.Event()

    def run():
        zdscan.scan(n_m=48, n_eps=48, n_delta=200000, threads=1)
        done.set()

    worker = threading.Thread(target=run)
    start = time.perf_counter()
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    seconds = time.perf_counter() - start
    assert seconds > 0.2, "the scan was too short to tell"
    assert ticks > 0.3 * seconds / 0.0011, (ticks, seconds)  # this thread kept running meanwhile


def test_ctrl_c_stops_a_scan_and_writes_nothing(tmp_path):
    out = tmp_path / "big.h5"
    code = ("import sys, zdscan\n"
            "print('started', flush=True)\n"
            f"zdscan.scan(n_m=64, n_eps=64, n_delta=1000000, threads=1, out={str(out)!r})\n")
    env = dict(os.environ)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.0)
    sent = time.perf_counter()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    latency = time.perf_counter() - sent
    assert p.returncode != 0 and "KeyboardInterrupt" in err, err
    assert latency < 5, latency
    assert not out.exists()
    assert [x.name for x in tmp_path.iterdir()] == [], list(tmp_path.iterdir())


def test_apv_is_the_cli_json(zdscan_exe):
    cli = json.loads(subprocess.run([zdscan_exe, "apv", "--json", "--alternatives"], capture_output=True,
                                    text=True, check=True).stdout)
    assert zdscan.apv(alternatives=True) == cli
    assert abs(zdscan.apv()["result"]["qw"]["value"] + 72.936) < 0.001


def test_groups_carry_only_their_own_axes(cli_file):
    tree = zdscan.open(cli_file)
    assert not tree.ds.coords  # nothing at the root for every group to inherit
    df = tree["measurements"].to_dataset().to_dataframe()
    assert df.shape[0] == 4 and list(df.index) == ["qweak", "apv_cs", "a_mu", "a_e"]
    profile = tree["profile"].to_dataset()
    assert set(profile.coords) == {"m_zd_mev", "epsilon"} and profile.chi2_total.dims == ("m_zd_mev", "epsilon")
    assert set(tree["axes"].to_dataset().coords) == {"m_zd_mev", "epsilon", "delta"}
    assert set(tree["chi2"].to_dataset().coords) == {"m_zd_mev", "epsilon", "delta"}
    assert "delta" not in tree["running"].to_dataset().coords
    import h5py

    with h5py.File(cli_file, "r") as f:
        np.testing.assert_array_equal(profile.m_zd_mev.values, f["axes/m_zd_mev"][...])


def test_a_file_written_back_by_xarray_is_read(cli_file, zdscan_exe, tmp_path):
    back = tmp_path / "back.nc"
    zdscan.open(cli_file).to_netcdf(back)  # scalar attributes become one-element arrays
    run = lambda *a: subprocess.run([zdscan_exe, *a], capture_output=True, text=True)
    a, b = run("summary", "--json", str(cli_file)), run("summary", "--json", str(back))
    assert b.returncode == 0, b.stderr
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    assert ja["intervals"] == jb["intervals"] and ja["refined"] == jb["refined"]
    r = run("limits", str(back), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["bands"] == json.loads(run("limits", str(cli_file), "--format", "json").stdout)["bands"]
    assert zdscan.open(back)["bestfit"].attrs["chi2_min"] == pytest.approx(ja["best_grid_point"]["chi2"], rel=0)


def test_short_reprs(cli_file):
    lim = zdscan.limits(cli_file, 90)
    text = repr(lim)
    assert text.startswith("Limits(combined excluded, 90% CL (delta chi2 = 4.605, 2 dof), delta profiled;")
    assert len(text) < 200 and "\n" not in text
    assert repr(lim.regions[0]).startswith("Region(") and len(repr(lim.regions[0])) < 160


def test_scan_store_and_deflate_as_the_cli(tmp_path, zdscan_exe):
    tree = zdscan.scan(None, n=12, store="total")
    assert sorted(tree["profile"].ds.data_vars) == ["chi2_total"] and tree["profile"].attrs["stored"] == "chi2_total"
    tree = zdscan.scan(None, n=12, full_grid=True, deflate=2, store="argmin,terms32")
    assert tree["profile"].ds["chi2_qweak"].dtype == np.float32
    assert tree["chi2"].ds["total"].attrs["deflate_level"] == 2
    # The CLI's file with the same options holds the same data.
    path = tmp_path / "cli.h5"
    subprocess.run([zdscan_exe, "scan", "--n", "12", "--full-grid", "--deflate", "2", "--store", "argmin,terms32",
                    "--quiet", "--out", str(path)], check=True)
    cli = zdscan.open(path)
    np.testing.assert_array_equal(cli["profile"].ds["chi2_qweak"].values, tree["profile"].ds["chi2_qweak"].values)
    with pytest.raises(ValueError, match="store=: 'x' is not one of"):
        zdscan.scan(None, n=8, store="argmin,x")
    with pytest.raises(ValueError, match="deflate=: applies to full_grid=True"):
        zdscan.scan(None, n=8, deflate=3)
    with pytest.raises(ValueError, match="deflate= must be an integer from 0 to 9"):
        zdscan.scan(None, n=8, full_grid=True, deflate=10)
