#!/usr/bin/env bash
# Installs what zdscan needs to build, run and test on Debian/Ubuntu: the C++ toolchain and libraries from apt
# (OpenMPI included: MPI ranks over tiles, docs/cluster.md; clang for the sanitizer build and the fuzzers),
# and from PyPI the Python modules of the package (nanobind for the bindings, contourpy, xarray, h5py, ...), its
# tests (pytest, nbclient, ipykernel) and the tools (file check, NumPy reference, figures). Idempotent: packages
# already present are not fetched again. Run as root (or with sudo available).
set -euo pipefail

# clang, libclang-rt-dev (libFuzzer, sanitizer runtimes) and libomp-dev: the sanitizer build and the fuzzers
# (tools/sanitize_and_fuzz.sh, CTest labels sanitize and fuzz); poppler-utils: pdffonts, with which the figure
# tests check that every PDF embeds TrueType (Type 42) fonts.
apt_packages=(g++ cmake make libhdf5-dev libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libopenmpi-dev
              openmpi-bin python3 python3-pip clang libclang-rt-dev libomp-dev poppler-utils)
python_modules=("numpy" "h5py" "h5netcdf" "xarray>=2024.10" "matplotlib" "contourpy>=1.2" "nanobind>=2.0"
                "scikit-build-core>=0.10" "pytest" "nbclient" "nbformat" "ipykernel" "hepdata_lib" "iminuit")

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo > /dev/null; then sudo "$@"; else
    echo "install_deps.sh: need root (or sudo) to install: $*" >&2; exit 1; fi
}

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3/pip may come from elsewhere (pyenv, conda): only ask apt for them when there is none on PATH.
if command -v python3 > /dev/null && python3 -m pip --version > /dev/null 2>&1; then
  missing=("${missing[@]/python3-pip}")
  missing=("${missing[@]/python3}")
  # The bindings need Python.h and venv (the pip-install test): Debian's python3-dev/-venv for Debian's python3.
  if ! python3 -c 'import os, sysconfig; assert os.path.exists(sysconfig.get_paths()["include"] + "/Python.h")' 2> /dev/null; then
    missing+=(python3-dev)
  fi
  python3 -c 'import ensurepip' 2> /dev/null || missing+=(python3-venv)
else
  missing+=(python3-dev python3-venv)
fi
read -r -a missing <<< "${missing[*]}"
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install_deps.sh: apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

if ! python3 -c "import numpy, h5py, h5netcdf, matplotlib, xarray, contourpy, nanobind, scikit_build_core, pytest, \
nbclient, nbformat, ipykernel, hepdata_lib; xarray.open_datatree" 2> /dev/null; then
  echo "install_deps.sh: pip install ${python_modules[*]}"
  python3 -m pip install --quiet --disable-pip-version-check "${python_modules[@]}" 2> /dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${python_modules[@]}" ||
    { echo "install_deps.sh: the Python modules could not be installed" >&2; exit 1; }
fi
echo "install_deps.sh: dependencies are in place"
