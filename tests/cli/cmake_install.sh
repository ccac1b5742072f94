#!/usr/bin/env bash
# `cmake --install` into a fresh prefix: the CLI (which runs), the headers, the configs and the docs.
# Usage: cmake_install.sh CMAKE BUILD_DIR PREFIX
set -euo pipefail
cmake=$1 build=$2 prefix=$3
rm -rf "$prefix"
"$cmake" --install "$build" --prefix "$prefix" > /dev/null
"$prefix/bin/zdscan" --version | grep -q "^zdscan "
for f in include/zdscan/physics/chi2.hpp include/zdscan/build_config.hpp share/zdscan/configs/paper2021.json \
         share/doc/zdscan/README.md share/doc/zdscan/physics.md share/doc/zdscan/LICENSE; do
  test -s "$prefix/$f" || { echo "missing after cmake --install: $f" >&2; exit 1; }
done
# limits and plot are the Python package's: without it on the path, one line saying how to install it, exit 1.
for cmd in limits plot; do
  set +e
  err=$(env -u PYTHONPATH PYTHONNOUSERSITE=1 "$prefix/bin/zdscan" $cmd x.h5 2>&1 > /dev/null)
  rc=$?
  set -e
  if python3 -c "import zdscan" 2> /dev/null; then continue; fi  # a pip-installed package answers instead
  [ $rc -eq 1 ] && [ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "pip install \." ||
    { echo "zdscan $cmd after cmake --install without the package: exit $rc: $err" >&2; exit 1; }
done
echo ok
