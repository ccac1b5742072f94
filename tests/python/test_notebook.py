"""The example notebook (docs/examples/quickstart.ipynb) runs from top to bottom with the package."""
import os
import pathlib

import pytest

NOTEBOOK = pathlib.Path(__file__).resolve().parents[2] / "docs" / "examples" / "quickstart.ipynb"


def test_example_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=dict(os.environ))
    assert (tmp_path / "notebook_profile.png").stat().st_size > 0
    assert (tmp_path / "a_mu_90_lower.lmt").stat().st_size > 0 and (tmp_path / "a_mu_90_upper.lmt").stat().st_size > 0
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "refined best fit" in outputs
    # Its figures show inline (the inline backend, zdscan.plot's Figure as a cell's value).
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 3
