#!/usr/bin/env bash
# The GPU check in one command, for a GPU machine with nothing installed and no network (docs/backends.md):
#   tools/device_check.sh --fetch        here, with apt: download the .deb files it needs into build-device/debs
#                                         (GoogleTest, nlohmann-json; HDF5 and CLI11 are not needed: the CUDA
#                                         engine and its tests build with -DZDSCAN_APP=OFF)
#   tools/device_check.sh OUTDIR         there: unpack them, build the CUDA engine, the core tests and
#                                         bench/scan_rate, run every test (the DeviceBackend agreement tests first) and
#                                         the CPU/CUDA rates, and write OUTDIR/report.md, tests.xml, tests.log
#   tools/device_check.sh --build-only   build as above without a GPU (to check the script here)
# Exits 1 with a message on a machine without an NVIDIA GPU; ends within about 8 minutes on 16 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${ZDSCAN_DEVICE_DIR:-$root/build-device}
debs=$work/debs prefix=$work/prefix build=$work/build
packages=(googletest libgtest-dev nlohmann-json3-dev)

if [ "${1:-}" = "--fetch" ]; then
  mkdir -p "$debs"
  (cd "$debs" && apt-get download "${packages[@]}" > /dev/null)
  echo "device_check: $(ls "$debs" | wc -l) .deb files in $debs (carry ${debs#$root/} to the GPU machine)"
  exit 0
fi
[ $# -eq 1 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
build_only=0 out=$1
if [ "$out" = "--build-only" ]; then build_only=1 out=$work/report; fi
if [ $build_only -eq 0 ] && ! { command -v nvidia-smi > /dev/null && nvidia-smi -L 2> /dev/null | grep -q GPU; }; then
  echo "device_check: no NVIDIA GPU here (nvidia-smi -L lists none); run it on a GPU machine" >&2
  exit 1
fi
mkdir -p "$out"
start=$(date +%s)
if ! command -v nvcc > /dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi

# The carried headers and libraries, unpacked into a prefix (never into /).
rm -rf "$prefix" && mkdir -p "$prefix"
shopt -s nullglob
for f in "$debs"/*.deb; do dpkg -x "$f" "$prefix"; done
prefix_paths="$prefix/usr;$prefix/usr/lib/x86_64-linux-gnu/cmake;$prefix/usr/share/cmake"

generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DZDSCAN_APP=OFF -DZDSCAN_PYTHON=OFF \
  -DZDSCAN_MPI=OFF -DZDSCAN_CUDA=ON -DZDSCAN_BENCH=ON -DCMAKE_PREFIX_PATH="$prefix_paths" \
  -DCMAKE_INCLUDE_PATH="$prefix/usr/include" > "$out/configure.log" 2>&1 ||
  { tail -30 "$out/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" --target zdscan_core_tests scan_rate > "$out/build.log" 2>&1 ||
  { tail -40 "$out/build.log"; exit 1; }
built=$(( $(date +%s) - start ))
echo "device_check: built in ${built} s"
if [ $build_only -eq 1 ]; then echo "device_check: build only, in $build"; exit 0; fi

# Every test of the core suite, the device agreement first; then the rates (256³ and 512³, grid and exact).
# ZDSCAN_REQUIRE_CUDA=1: a test that would skip for want of a device fails instead, with the runtime's error (a
# missing driver or /dev/nvidia* must not read as "agreement test: passed"); any SKIPPED line fails the check too.
export ZDSCAN_REQUIRE_CUDA=1
set +e
"$build/tests/zdscan_core_tests" --gtest_filter='ScanEngine/DeviceBackend.*:Coverage.Cpu*' > "$out/agreement.log" 2>&1
agreement=$?
grep -q "SKIPPED" "$out/agreement.log" && agreement=1
"$build/tests/zdscan_core_tests" --gtest_output="xml:$out/tests.xml" > "$out/tests.log" 2>&1
tests=$?
grep -q "\[  SKIPPED \]" "$out/tests.log" && tests=1
set -e
"$build/scan_rate" 256 512 > "$out/rates.md" 2>&1 || true
{
  echo "# zdscan device check, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- device: $(nvidia-smi -L | head -1)"
  echo "- driver: $(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)"
  echo "- nvcc: $(nvcc --version | tail -1)"
  echo "- commit: $(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo unknown)"
  echo "- build: ${built} s; CPU/GPU agreement test: $([ $agreement -eq 0 ] && echo passed || echo FAILED)"
  echo "- core tests: $(grep -E '^\[  (PASSED|FAILED)  \]' "$out/tests.log" | tr '\n' ' ')"
  echo
  echo "## Rates (bench/scan_rate)"
  echo
  cat "$out/rates.md"
} > "$out/report.md"
cat "$out/report.md"
[ $agreement -eq 0 ] && [ $tests -eq 0 ]
