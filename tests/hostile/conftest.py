"""Fixtures of the hostile-input suite: the CLI, a small result, and a snapshot of a directory tree."""
import hashlib
import os
import shutil
import subprocess

import pytest


@pytest.fixture(scope="session")
def exe():
    path = os.environ.get("ZDSCAN_EXE") or shutil.which("zdscan")
    if not path:
        pytest.skip("no zdscan executable (set ZDSCAN_EXE)")
    return path


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
