"""Fixtures for the Python package's tests: the C++ CLI ($ZDSCAN_EXE, set by CTest) and small result files."""
import os
import shutil
import subprocess

import pytest


@pytest.fixture(scope="session")
def zdscan_exe():
    exe = os.environ.get("ZDSCAN_EXE") or shutil.which("zdscan")
    if not exe:
        pytest.skip("no zdscan executable (set ZDSCAN_EXE)")
    return exe


@pytest.fixture(scope="session")
def cli_file(tmp_path_factory, zdscan_exe):
    """A 24 x 20 x 18 scan of the paper config by the CLI, with the full grid and two delta slices."""
    path = tmp_path_factory.mktemp("cli") / "scan.h5"
    subprocess.run([zdscan_exe, "scan", "--n-m", "24", "--n-eps", "20", "--n-delta", "18", "--full-grid",
                    "--delta-slices", "0,0.001", "--threads", "2", "--quiet", "--out", str(path)],
                   check=True, capture_output=True)
    return path
