"""zdscan under hostile input (docs/output.md): every door keeps the output promise of `zdscan scan`.

Each case asserts the exit code, the message, and that nothing outside the intended output changed (a snapshot
of the directory before and after). Runs in CI (ctest -L hostile) in well under a minute.
"""
import hashlib
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest


@pytest.fixture(scope="session")
def exe(zdscan_exe):
    """The CLI under test (tests/python/conftest.py)."""
    return zdscan_exe


@pytest.fixture(scope="session")
def result(tmp_path_factory, exe):
    """A 12 x 10 x 6 scan with two delta slices; copied per test by `work`."""
    path = tmp_path_factory.mktemp("result") / "r.h5"
    subprocess.run([exe, "scan", "--n-m", "12", "--n-eps", "10", "--n-delta", "6", "--delta-slices", "0,0.001",
                    "--quiet", "--no-checkpoint", "--out", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture
def work(tmp_path, result):
    """A working directory holding r.h5 (the input of the limits cases)."""
    shutil.copy(result, tmp_path / "r.h5")
    return tmp_path


def snapshot(root):
    """Every entry under root (links and special files included, not followed) with its type and content hash."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isfile(p):
                out[rel] = ("file", hashlib.sha256(open(p, "rb").read()).hexdigest())
            elif os.path.isdir(p):
                out[rel] = ("dir",)
            else:
                out[rel] = ("special", st.st_mode)
    return out


def run(args, cwd=None, timeout=60, env=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def one_line_error(r, *fragments, code=2):
    """Exit code, a message with every fragment, no traceback, no crash."""
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    for f in fragments:
        assert f in r.stderr, (f, r.stderr)

# ---- zdscan limits: the output policy ------------------------------------------------------------------------


def limits(exe, work, *args, **kw):
    return run([exe, "limits", "r.h5", *args], cwd=work, **kw)


def test_hepdata_never_removes_a_directory_it_did_not_make(exe, work):
    before = snapshot(work)
    for out in (".", str(work), "sub/..", "results"):
        if out == "results":
            os.mkdir(work / "results")
            os.replace(work / "r.h5", work / "results" / "r.h5")
            before = snapshot(work)
            r = run([exe, "limits", "results/r.h5", "--format", "hepdata", "--out", "results"], cwd=work)
        else:
            r = limits(exe, work, "--format", "hepdata", "--out", out)
        assert r.returncode == 2, (out, r.stderr)
        assert "Traceback" not in r.stderr
        assert snapshot(work) == before, out


def test_hepdata_writes_a_new_marked_directory_and_its_archive(exe, work):
    before = snapshot(work)
    r = limits(exe, work, "--format", "hepdata", "--out", "hd")
    assert r.returncode == 0, r.stderr
    after = snapshot(work)
    new = set(after) - set(before)
    assert {"hd", "hd/submission.yaml", "hd.tar.gz"} <= new, new
    assert "hd/.zdscan-output" not in new  # the mark is submission.yaml's first line: the directory validates
    assert (work / "hd" / "submission.yaml").read_text().startswith("# zdscan-output: made by zdscan")
    assert not any(n.startswith(".") or n == "submission.tar.gz" for n in new), new
    assert all(after[k] == before[k] for k in before)
    # Run again: zdscan's own directory and archive are replaced, nothing else changes.
    r = limits(exe, work, "--format", "hepdata", "--out", "hd", "--cl", "95")
    assert r.returncode == 0, r.stderr
    again = snapshot(work)
    strip = lambda snap: {k for k in snap if not k.endswith("_cl.yaml")}  # the table's name holds the CL
    assert strip(again) == strip(after)
    assert not any("%" in k or "+" in k for k in again), again
    assert again["hd.tar.gz"] != after["hd.tar.gz"]
    # A directory without the marker is not zdscan's: refused, untouched.
    sub = work / "hd" / "submission.yaml"
    sub.write_text("\n".join(sub.read_text().splitlines()[1:]) + "\n")
    before = snapshot(work)
    one_line_error(limits(exe, work, "--format", "hepdata", "--out", "hd"), "did not create")
    assert snapshot(work) == before


@pytest.mark.parametrize("fmt", ["csv", "lmt", "json"])
def test_limit_files_replace_only_zdscan_outputs(exe, work, fmt):
    (work / "notes.txt").write_text("my notes\n")
    (work / "target.txt").write_text("the link's target\n")
    os.symlink("target.txt", work / "link")
    os.mkfifo(work / "fifo")
    os.mkdir(work / "adir")
    other = work / "other.h5"
    other.write_bytes((work / "r.h5").read_bytes())
    before = snapshot(work)
    cases = [("r.h5", "an input of this command"), ("./r.h5", "an input of this command"),
             ("other.h5", "not a file zdscan wrote"), ("notes.txt", "not a file zdscan wrote"),
             ("link", "symbolic link"), ("fifo", "not a regular file"), ("/dev/null", "not a regular file"),
             ("adir", "directory"), ("missing/x." + fmt, "missing"), ("", "empty")]
    # The paper's fit has a preferred band: a .lmt needs the region named (else exit 2 before any check).
    region = ["--region", "excluded"]
    for out, message in cases:
        r = limits(exe, work, "--format", fmt, "--out", out, *region, timeout=20)
        one_line_error(r, message)
        assert snapshot(work) == before, out
    # --force replaces a foreign regular file, never the input, a link or a device.
    r = limits(exe, work, "--format", fmt, "--out", "notes.txt", "--force", *region)
    assert r.returncode == 0, r.stderr
    assert "creator" in (work / "notes.txt").read_text()
    for out in ("r.h5", "link", "fifo"):
        one_line_error(limits(exe, work, "--format", fmt, "--out", out, "--force", *region, timeout=20), "--out")
    # Its own earlier output is replaced without --force; no temporary is left.
    for _ in range(2):
        r = limits(exe, work, "--out", "mine." + fmt, *region)
        assert r.returncode == 0, r.stderr
    assert not [n for n in os.listdir(work) if "zdscan-tmp" in n]


def test_a_failed_limits_write_leaves_nothing(exe, work):
    before = snapshot(work)
    # RLIMIT_FSIZE: the write fails with EFBIG part way (Python ignores SIGXFSZ): exit 1, no file, no temporary.
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512)); "
            "from zdscan.limit_curves import main; sys.exit(main(sys.argv[1:]))")
    r = run([sys.executable, "-c", code, "r.h5", "--kind", "raster", "--format", "json", "--out", "big.json"],
            cwd=work)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert snapshot(work) == before


def test_limits_options(exe, work):
    r = limits(exe, work, "--cl", "0.95", "--format", "json")
    assert r.returncode == 0, r.stderr
    meta = json.loads(r.stdout)["meta"]
    assert meta["cl_percent"] == pytest.approx(95) and meta["delta_chi2"] == pytest.approx(5.991, abs=1e-3)
    one_line_error(limits(exe, work, "--delta-slice", "inf"), "--delta-slice", "finite")
    one_line_error(limits(exe, work, "--delta-slice", "nan"), "--delta-slice", "finite")
    one_line_error(limits(exe, work, "--delta-slice", "0.5"), "--delta-slice", "not one of the file's slices", "0.001")
    one_line_error(limits(exe, work, "--cl", "1"), "--cl")
    one_line_error(limits(exe, work, "--cl", ""), "--cl", "empty")
    one_line_error(limits(exe, work, "--cl", "150"), "--cl")


# ---- crafted result files: summary, limits, zdscan.open ------------------------------------------------------

def craft(path, edit):
    with h5py.File(path, "r+") as f:
        edit(f)


def set_array_attr(obj, name, value):
    def edit(f):
        del f[obj].attrs[name]
        f[obj].attrs[name] = value
    return edit


def replace_dataset(name, data):
    def edit(f):
        del f[name]
        f[name] = data
    return edit


CRAFTED = {
    "bestfit_chi2_min_array": set_array_attr("bestfit", "chi2_min", np.arange(1000.0)),
    "name_array": set_array_attr("/", "name", np.array([b"a", b"b"])),
    "scale_array": set_array_attr("axes/m_zd_mev", "scale", np.array([1.0, 2.0])),
    "scale_number": set_array_attr("axes/m_zd_mev", "scale", 3.0),
    "config_array": set_array_attr("/", "config", np.zeros(3)),
    "config_not_json": set_array_attr("/", "config", "{{{"),
    "chi2_nan": set_array_attr("bestfit", "chi2_min", np.nan),
    "axis_2d": replace_dataset("axes/epsilon", np.ones((3, 3))),
    "axis_strings": replace_dataset("axes/epsilon", np.array([b"x"] * 10)),
    "profile_wrong_length": replace_dataset("profile1d/chi2_delta", np.zeros(10**6 + 1)),
    "map_wrong_shape": replace_dataset("profile/chi2_total", np.zeros((2, 2))),
    "names_numbers": replace_dataset("measurements/measurement", np.zeros(4)),
    "no_bestfit": lambda f: f.__delitem__("bestfit"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_result_files_are_refused_naming_file_and_object(exe, work, case):
    craft(work / "r.h5", CRAFTED[case])
    before = snapshot(work)
    r = run([exe, "summary", "r.h5"], cwd=work)
    lr = run([exe, "limits", "r.h5"], cwd=work)
    assert snapshot(work) == before
    assert r.returncode in (0, 2) and lr.returncode in (0, 2), (case, r.returncode, r.stderr, lr.stderr)
    assert r.returncode == 2 or lr.returncode == 2, case  # each crafted object is read by one of them at least
    for res in (r, lr):
        if res.returncode == 2:
            assert "r.h5" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
            assert "Traceback" not in res.stderr


@pytest.mark.parametrize("content", [b"", b"plain text\n", b"\x89HDF\r\n\x1a\n" + b"\0" * 100, os.urandom(4096)])
def test_non_hdf5_inputs(exe, work, content):
    (work / "x.h5").write_bytes(content)
    for args in (["summary", "x.h5"], ["limits", "x.h5"], ["coverage", "x.h5", "--toys", "10"]):
        one_line_error(run([exe, *args], cwd=work), "x.h5")


def config_grid(n):
    """The result's config asking for an n x n x n grid that the file's axes are not."""
    def edit(f):
        cfg = json.loads(f.attrs["config"])
        for axis in cfg["grid"].values():
            axis["n"] = n
        f.attrs["config"] = json.dumps(cfg)
    return edit


COVERAGE_CRAFTED = dict(CRAFTED, config_huge_grid=config_grid(1000000), config_other_grid=config_grid(7))


@pytest.mark.parametrize("case", ["config_array", "config_not_json", "map_wrong_shape", "axis_2d", "no_bestfit",
                                  "config_huge_grid", "config_other_grid"])
def test_coverage_refuses_crafted_results(exe, work, case):
    craft(work / "r.h5", COVERAGE_CRAFTED[case])
    before = snapshot(work)
    r = run([exe, "coverage", "r.h5", "--toys", "10", "--no-checkpoint"], cwd=work)
    assert snapshot(work) == before
    assert r.returncode == 2, (case, r.returncode, r.stderr)
    assert "r.h5" in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr


def test_zdscan_open_validates(work):
    import zdscan
    from zdscan.limit_curves import ResultFileError
    craft(work / "r.h5", CRAFTED["map_wrong_shape"])
    with pytest.raises(ResultFileError, match="profile/chi2_total"):
        zdscan.open(work / "r.h5")
    (work / "t.h5").write_text("not hdf5")
    with pytest.raises(ResultFileError, match="t.h5"):
        zdscan.open(work / "t.h5")


# ---- configs: only regular files, bounded, every field named -------------------------------------------------

def test_config_must_be_a_bounded_regular_file(exe, tmp_path):
    os.mkfifo(tmp_path / "fifo.json")
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(17 << 20)
    for path, message in ((tmp_path / "fifo.json", "not a regular file"), ("/dev/zero", "not a regular file"),
                          (big, "more than")):
        t0 = time.monotonic()
        for cmd in ("scan", "config", "apv"):
            one_line_error(run([exe, cmd, "--config", str(path)], cwd=tmp_path, timeout=20), message)
        assert time.monotonic() - t0 < 10
        import zdscan
        with pytest.raises(ValueError, match=message):
            zdscan.load_config(path)


def test_config_numbers(exe, tmp_path):
    import zdscan
    cfg = zdscan.default_config()
    cfg["grid"]["m_zd_mev"]["max"] = 12345.678
    text = json.dumps(cfg).replace("12345.678", "1e400", 1)
    (tmp_path / "c.json").write_text(text)
    one_line_error(run([exe, "scan", "--config", "c.json"], cwd=tmp_path), "grid.m_zd_mev.max: 1e400 overflows")
    for m_min in (1e-305, 1e-7):
        cfg["grid"]["m_zd_mev"]["min"] = m_min
        (tmp_path / "c.json").write_text(json.dumps(cfg))
        one_line_error(run([exe, "scan", "--config", "c.json"], cwd=tmp_path), "grid.m_zd_mev.min: must be >= 1e-06")
    # The bounds themselves give finite chi2 everywhere, at the extreme corners of every axis.
    cfg["grid"] = {"m_zd_mev": {"min": 1e-6, "max": 1e6, "n": 4, "scale": "log"},
                   "epsilon": {"min": -1, "max": 1, "n": 3, "scale": "linear"},
                   "delta": {"min": -1, "max": 1, "n": 3, "scale": "linear"}}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    r = run([exe, "scan", "--config", "c.json", "--quiet", "--no-checkpoint", "--out", "b.h5"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "nan" not in r.stdout and "inf" not in r.stdout


@pytest.mark.parametrize("option", ["--n", "--n-m", "--threads", "--tile-masses", "--max-tile-mb", "--out",
                                    "--delta-slices", "--checkpoint-interval", "--config", "--backend"])
def test_empty_option_values_name_the_option(exe, tmp_path, option):
    one_line_error(run([exe, "scan", option, ""], cwd=tmp_path), option)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", [[], ["scan"], ["summary"], ["coverage"], ["apv"], ["config"], ["limits"],
                                     ["plot"]])
def test_every_help_prints_usage(exe, tmp_path, command):
    """`--help` of each door prints its usage and exits 0 (argparse once crashed on a bare % in plot's usage)."""
    r = run([exe, *command, "--help"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "sage" in r.stdout
    assert os.listdir(tmp_path) == []


# ---- checkpoints: tampering is found, named, and never followed outside ---------------------------------------

SCAN = ["scan", "--n-m", "40", "--n-eps", "16", "--n-delta", "8", "--tile-masses", "4", "--quiet",
        "--checkpoint-interval", "0", "--out", "c.h5"]


def crc32c(data, crc=0):
    table = crc32c.table
    if table is None:
        table = crc32c.table = []
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            table.append(c)
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


crc32c.table = None


@pytest.fixture
def killed(exe, tmp_path):
    """A run killed (SIGKILL) after 4 of its 10 tiles: a checkpoint to tamper with."""
    env = dict(os.environ, ZDSCAN_FAULT="kill", ZDSCAN_FAULT_AFTER_TILES="4")
    r = run([exe, *SCAN], cwd=tmp_path, env=env)
    assert r.returncode == -signal.SIGKILL, r.stderr
    ck = tmp_path / ".c.h5.zdscan-checkpoint"
    assert (ck / "manifest.json").exists()
    return tmp_path, ck


def resume(exe, cwd):
    return run([exe, *SCAN, "--resume"], cwd=cwd)


HEADER = struct.Struct("<9q")  # magic, tile, cells, n_delta, n_exact, n_full, first_nonfinite, bytes, crc


def rewrite_record(ck, edit):
    """Edits record 0 (header fields, payload) and re-signs it and the manifest: only the semantic checks remain."""
    data = bytearray((ck / "tiles.bin").read_bytes())
    h = list(HEADER.unpack_from(data, 0))
    payload = bytearray(data[HEADER.size:h[7]])
    h, payload = edit(h, payload)
    h[7] = HEADER.size + len(payload)
    h[8] = 0
    record = bytearray(HEADER.pack(*h)) + payload
    h[8] = crc32c(bytes(record))
    record = bytearray(HEADER.pack(*h)) + payload
    first_len = HEADER.unpack_from(data, 0)[7]
    data = record + data[first_len:]
    (ck / "tiles.bin").write_bytes(bytes(data))
    m = json.loads((ck / "manifest.json").read_text())
    m["bytes"] = len(data)
    m["data_crc32c"] = crc32c(bytes(data))
    (ck / "manifest.json").write_text(json.dumps(m))


def set_double(offset_cells, value):
    def edit(h, payload):
        struct.pack_into("<d", payload, 8 * offset_cells, value)
        return h, payload
    return edit


def test_checkpoint_sanity_resume_works(exe, killed):
    cwd, _ = killed
    r = resume(exe, cwd)
    assert r.returncode == 0, r.stderr


def test_checkpoint_bit_flip_is_found(exe, killed):
    cwd, ck = killed
    data = bytearray((ck / "tiles.bin").read_bytes())
    data[200] ^= 0x10
    (ck / "tiles.bin").write_bytes(bytes(data))
    one_line_error(resume(exe, cwd), ".c.h5.zdscan-checkpoint", "without --resume to start over")
    assert not (cwd / "c.h5").exists()


def test_checkpoint_from_another_run_is_refused(exe, killed, tmp_path_factory):
    cwd, ck = killed
    other = tmp_path_factory.mktemp("other")
    env = dict(os.environ, ZDSCAN_FAULT="kill", ZDSCAN_FAULT_AFTER_TILES="4")
    args = [a if a != "16" else "16" for a in SCAN]
    cfg = json.loads(run([exe, "config"]).stdout)
    cfg["measurements"][0]["exp"] *= 1.01
    (other / "o.json").write_text(json.dumps(cfg))
    run([exe, *args, "--config", "o.json"], cwd=other, env=env)
    (ck / "tiles.bin").write_bytes((other / ".c.h5.zdscan-checkpoint" / "tiles.bin").read_bytes())
    one_line_error(resume(exe, cwd), "does not match its manifest")


def test_checkpoint_short_file(exe, killed):
    cwd, ck = killed
    data = (ck / "tiles.bin").read_bytes()
    (ck / "tiles.bin").write_bytes(data[: len(data) // 2])
    one_line_error(resume(exe, cwd), "shorter than its manifest")


@pytest.mark.parametrize("name, edit, message", [
    ("nan", set_double(0, float("nan")), "record 0"),
    ("negative", set_double(0, -5.0), "record 0"),
    ("huge_cells", lambda h, p: ([*h[:2], 10**6, *h[3:]], p), "record 0"),
    ("first_nonfinite", lambda h, p: ([*h[:6], 10**15, *h[7:]], p), "record 0"),
    ("tile_number", lambda h, p: ([h[0], 9, *h[2:]], p), "record 0"),
    ("index_delta", lambda h, p: (h, p[:8 * h[2]] + struct.pack("<i", 10**9) + p[8 * h[2] + 4:]), "record 0"),
])
def test_checkpoint_records_with_valid_checksums_are_still_checked(exe, killed, name, edit, message):
    cwd, ck = killed
    rewrite_record(ck, edit)
    r = resume(exe, cwd)
    one_line_error(r, message)
    assert r.returncode != -signal.SIGSEGV
    assert not (cwd / "c.h5").exists()


def test_checkpoint_links_are_never_followed(exe, killed, tmp_path_factory):
    cwd, ck = killed
    outside = tmp_path_factory.mktemp("outside") / "precious.bin"
    outside.write_bytes((ck / "tiles.bin").read_bytes())
    before = outside.read_bytes()
    os.remove(ck / "tiles.bin")
    os.symlink(outside, ck / "tiles.bin")
    one_line_error(resume(exe, cwd), "symbolic link")
    assert outside.read_bytes() == before
    # Starting over replaces the checkpoint, and the link with it, without touching what it pointed to.
    assert run([exe, *SCAN], cwd=cwd).returncode == 0
    assert outside.read_bytes() == before


@pytest.mark.parametrize("text", ["garbage", "[]", '{"format": 2}', '{"format": 2, "identity": 5}', ""])
def test_damaged_manifest(exe, killed, text):
    cwd, ck = killed
    (ck / "manifest.json").write_text(text)
    one_line_error(resume(exe, cwd), ".c.h5.zdscan-checkpoint")


def test_manifest_fifo_hangs_nothing(exe, killed):
    cwd, ck = killed
    os.remove(ck / "manifest.json")
    os.mkfifo(ck / "manifest.json")
    one_line_error(run([exe, *SCAN, "--resume"], cwd=cwd, timeout=20), "manifest")
    r = run([exe, *SCAN], cwd=cwd, timeout=20)  # starting over replaces it
    assert r.returncode == 0, r.stderr


# ---- Python: the same policy and arguments as the CLI ---------------------------------------------------------

def test_python_scan_never_replaces_its_config(tmp_path):
    import zdscan
    cfg = tmp_path / "my.json"
    cfg.write_text(json.dumps(zdscan.default_config()))
    before = cfg.read_bytes()
    for force in (False, True):
        with pytest.raises(FileExistsError, match="config"):
            zdscan.scan(str(cfg), n=4, out=str(cfg), force=force)
    assert cfg.read_bytes() == before


def test_python_arguments_as_the_cli(tmp_path):
    import zdscan
    for kw, name in ((dict(threads=-1), "threads="), (dict(threads=10**6), "threads="),
                     (dict(delta_slices=[float("inf")]), "delta_slices="), (dict(delta_slices=[2.0]), "delta_slices="),
                     (dict(backend="gpu"), "backend="), (dict(delta_profile="fine"), "delta_profile="),
                     (dict(n=True), "n="), (dict(n=0), "n=")):
        with pytest.raises(ValueError, match=name):
            zdscan.scan(n=4, **{k: v for k, v in kw.items() if k != "n"}) if "n" not in kw else zdscan.scan(**kw)
    tree = zdscan.scan(n=np.int64(4), threads=np.int64(1), delta_slices=np.array([0.0, 1e-3]))
    assert tree["slices"].to_dataset().sizes["delta_slice"] == 2
    with pytest.raises(ValueError, match="out="):
        zdscan.scan(n=4, out="")


@pytest.mark.parametrize("seen", ["zdscan-tmp", "zdscan-lock"])
def test_sigterm_to_a_python_scan_leaves_no_temporary(tmp_path, seen):
    """SIGTERM once the temporary file, or only the lock, is there: neither stays behind. (The handlers were once
    installed after the writer had created its file: a signal in between left both.)"""
    code = ("import zdscan; zdscan.scan(n_m=3000, n_eps=3000, n_delta=64, delta_profile='grid', threads=1, "
            "full_grid=True, out='big.h5')")
    p = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not [n for n in os.listdir(tmp_path) if seen in n]:
        time.sleep(0.002)
    assert [n for n in os.listdir(tmp_path) if seen in n], "the scan did not start writing"
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    assert p.returncode == -signal.SIGTERM
    assert os.listdir(tmp_path) == [], os.listdir(tmp_path)


# ---- MPI: a stopped job exits 128 + signal ---------------------------------------------------------------------

@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)])
def test_mpi_job_stopped_by_a_signal(exe, tmp_path, sig, code):
    wrapper = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "zdscan-mpirun")
    if not shutil.which("mpirun"):
        pytest.skip("no mpirun")
    if "MPI ranks" not in run([exe, "--version"]).stdout + run([exe, "scan", "--help"]).stdout and \
            subprocess.run(["ldd", exe], capture_output=True, text=True).stdout.find("libmpi") < 0:
        pytest.skip("zdscan built without MPI")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", ZDSCAN_MPIRUN_GRACE="20")
    # A new session: the wrapper must not start with SIGINT ignored (as a background job of a script would).
    p = subprocess.Popen([wrapper, "-n", "2", exe, "scan", "--n", "2000", "--threads", "1", "--out", "r.h5",
                          "--checkpoint-interval", "0"], cwd=tmp_path, env=env, start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (tmp_path / ".r.h5.zdscan-checkpoint").exists():
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == code, err.decode()
    assert not (tmp_path / "r.h5").exists()
    left = [n for n in os.listdir(tmp_path) if "zdscan-tmp" in n or "zdscan-lock" in n]
    assert left == [], left
