#!/usr/bin/env bash
# `pip install .` of the source tree into a fresh virtual environment, as a new user would: the build (scikit-build-
# core, nanobind, the project's CMake) and the dependencies come from PyPI. Then the installed `zdscan` command
# (C++ scan, Python limits) and `import zdscan` are used once each.
# Usage: pip_install_check.sh SOURCE_DIR WORK_DIR PYTHON
set -euo pipefail
src=$1 work=$2 python=$3
rm -rf "$work" && mkdir -p "$work"
"$python" -m venv "$work/venv"
# Out-of-tree build directory: the check must not touch the developer's build/.
"$work/venv/bin/pip" install --quiet --disable-pip-version-check \
  --config-settings=build-dir="$work/pip-build" "$src" > "$work/pip.log" 2>&1 || { tail -40 "$work/pip.log"; exit 1; }
cd "$work"
"$work/venv/bin/zdscan" --version
"$work/venv/bin/zdscan" scan --n 12 --delta-slices 0 --quiet --out scan.h5 > /dev/null
"$work/venv/bin/zdscan" limits scan.h5 --format lmt --region excluded --out scan.lmt
test -s scan.lmt
# Without the plot extra, `zdscan plot` says in one line what to install (it was a ModuleNotFoundError traceback).
if ! "$work/venv/bin/python" -c "import matplotlib" 2> /dev/null; then
  set +e; "$work/venv/bin/zdscan" plot fig3 scan.h5 --out figs 2> plot.err; rc=$?; set -e
  [ "$rc" -eq 1 ] && grep -q "zdscan\[plot\]" plot.err && ! grep -q Traceback plot.err ||
    { echo "plot without matplotlib: exit $rc: $(cat plot.err)"; exit 1; }
fi
"$work/venv/bin/python" - <<'PY'
import zdscan
tree = zdscan.scan(n=12, delta_slices=[0.0])
ref = zdscan.open("scan.h5")
assert float(abs(tree["profile"]["chi2_total"] - ref["profile"]["chi2_total"]).max()) == 0.0
print("pip install: OK,", zdscan.__file__)
PY
