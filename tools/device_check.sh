#!/usr/bin/env bash
# The GPU check: one try that settles every open question of the device path (issue 30; docs/backends.md).
#   tools/device_check.sh --fetch          here, with apt: the .deb files the build needs (GoogleTest, nlohmann-json)
#   tools/device_check.sh --build          here (nvcc, no GPU needed): build-device/build with the CUDA engine, the
#                                          core tests, bench/scan_rate and bench/toy_rate (static cudart), to carry
#   tools/device_check.sh OUTDIR           there, on the GPU: the steps below, each step's log in OUTDIR as it ends,
#                                          and OUTDIR/report.md; builds first only if nothing was carried
#   tools/device_check.sh --dry-run OUTDIR steps 1, 5 and 6 on the emulated device, a small grid (CI: no GPU, no
#                                          nvcc; the binaries of ZDSCAN_BUILD_DIR, default build/)
# Steps (about 7 minutes of device time on an H100 with the binaries carried):
#   1 the CUDA tests only, ZDSCAN_REQUIRE_CUDA=1 (a skip fails), bit-for-bit agreement with the CPU;
#   2 compute-sanitizer: racecheck and synccheck on the ragged-δ tests, memcheck on the two-tiles and non-finite
#     tests, initcheck on the agreement test;
#   3 ncu on the walk and finish kernels: time, FP64-pipe share, shared-memory wavefronts, local traffic;
#   4 kernel-timed rates (cudaEvents) at n_δ = 16, 128, 256, 512, 1024, grid and exact;
#   5 a 2048² × 1024 scan in 16 tiles and a row-split plan, against the CPU bit for bit, timed normally and with
#     CUDA_LAUNCH_BLOCKING=1 (the two-tile overlap's gain);
#   6 a planted fault (ZDSCAN_FAULT=device: a launch the runtime refuses) ends in one error, exit 1;
#   7 if time is left: a toy batch (bench/toy_rate).
# Exits 1 when a step fails (the report says which), 2 on bad usage.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${ZDSCAN_DEVICE_DIR:-$root/build-device}
debs=$work/debs prefix=$work/prefix build=$work/build
packages=(googletest libgtest-dev nlohmann-json3-dev)
budget_s=${ZDSCAN_DEVICE_BUDGET_S:-420}
start=$(date +%s)

build_device_tree() {
  if ! command -v nvcc > /dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
  rm -rf "$prefix" && mkdir -p "$prefix"
  shopt -s nullglob
  for f in "$debs"/*.deb; do dpkg -x "$f" "$prefix"; done
  local prefix_paths="$prefix/usr;$prefix/usr/lib/x86_64-linux-gnu/cmake;$prefix/usr/share/cmake"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DZDSCAN_APP=OFF -DZDSCAN_PYTHON=OFF -DZDSCAN_MPI=OFF \
    -DZDSCAN_CUDA=ON -DZDSCAN_BENCH=ON -DCMAKE_CUDA_RUNTIME_LIBRARY=Static -DCMAKE_PREFIX_PATH="$prefix_paths" \
    -DCMAKE_INCLUDE_PATH="$prefix/usr/include" > "$work/configure.log" 2>&1 || { tail -30 "$work/configure.log"; exit 1; }
  cmake --build "$build" -j "$(nproc)" --target zdscan_core_tests scan_rate toy_rate > "$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log"; exit 1; }
}

case "${1:-}" in
  --fetch)
    mkdir -p "$debs"
    (cd "$debs" && apt-get download "${packages[@]}" > /dev/null)
    echo "device_check: $(ls "$debs" | wc -l) .deb files in $debs"
    exit 0 ;;
  --build)
    mkdir -p "$work"
    build_device_tree
    echo "device_check: built $build in $(( $(date +%s) - start )) s (carry ${build#$root/} and ${debs#$root/})"
    exit 0 ;;
  --dry-run)
    [ $# -eq 2 ] || { sed -n '2,20p' "$0" >&2; exit 2; }
    dry=1 out=$2 bin=${ZDSCAN_BUILD_DIR:-$root/build}
    backend=cuda-emulated ;;
  ""|-*) sed -n '2,20p' "$0" >&2; exit 2 ;;
  *)
    [ $# -eq 1 ] || { sed -n '2,20p' "$0" >&2; exit 2; }
    dry=0 out=$1 bin=$build backend=cuda
    if ! { command -v nvidia-smi > /dev/null && nvidia-smi -L 2> /dev/null | grep -q GPU; }; then
      echo "device_check: no NVIDIA GPU here (nvidia-smi -L lists none); run it on a GPU machine" >&2
      exit 1
    fi
    [ -x "$build/tests/zdscan_core_tests" ] || build_device_tree ;;
esac
mkdir -p "$out"
tests=$bin/tests/zdscan_core_tests
rate=$bin/scan_rate
status=()  # one line per step for the report
left() { echo $(( budget_s - ($(date +%s) - start) )); }
step() {  # step NAME COMMAND...: runs it with its log in OUT/NAME.log, records passed/FAILED and its time
  local name=$1; shift
  local t0=$(date +%s)
  "$@" > "$out/$name.log" 2>&1
  local rc=$?
  status+=("| $name | $([ $rc -eq 0 ] && echo passed || echo "FAILED ($rc)") | $(( $(date +%s) - t0 )) s |")
  echo "device_check: $name: $([ $rc -eq 0 ] && echo passed || echo FAILED) ($(( $(date +%s) - t0 )) s)"
  return $rc
}

# 1. The device tests only; a skip fails (a missing driver must not read as "passed").
export ZDSCAN_REQUIRE_CUDA=1
if [ $dry -eq 1 ]; then
  unset ZDSCAN_REQUIRE_CUDA
  filter='*DeviceBackend*/CudaEmulated:Coverage.CpuAndEmulatedCudaToysAgree:EmulatedDevice.*'
else
  filter='*DeviceBackend*/Cuda:Coverage.CpuAndCudaToysAgree'
fi
step 1_device_tests "$tests" --gtest_filter="$filter" --gtest_output="xml:$out/1_device_tests.xml"
grep -q "\[  SKIPPED \]" "$out/1_device_tests.log" && status+=("| 1_device_tests | FAILED: a test skipped | - |")

if [ $dry -eq 0 ]; then
  # 2. compute-sanitizer on the tests that exercise each hazard.
  san() { compute-sanitizer --tool "$1" --error-exitcode 9 "$tests" --gtest_filter="$2"; }
  if command -v compute-sanitizer > /dev/null; then
    step 2_racecheck san racecheck '*DeviceBackend.RaggedDeltaAxes/Cuda'
    step 2_synccheck san synccheck '*DeviceBackend.RaggedDeltaAxes/Cuda'
    step 2_memcheck san memcheck '*DeviceBackend.TwoTilesInFlight*/Cuda:*DeviceBackend.ReportsTheFirstNonFinite*/Cuda'
    step 2_initcheck san initcheck '*DeviceBackend.CpuAndCudaAgree/Cuda'
  else
    status+=("| 2_sanitizers | not run: compute-sanitizer is not installed | - |")
  fi
  # 3. ncu on the walk and the finish kernels (a few launches).
  if command -v ncu > /dev/null && [ "$(left)" -gt 240 ]; then
    step 3_ncu ncu --kernel-name regex:'walk_kernel|finish_cells_kernel' --launch-count 6 \
      --metrics gpu__time_duration.sum,sm__inst_executed_pipe_fp64.avg.pct_of_peak_sustained_active,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum,l1tex__t_bytes_pipe_lsu_mem_local_op_ld.sum,l1tex__t_bytes_pipe_lsu_mem_local_op_st.sum \
      "$rate" --backend cuda --n-m 256 --n-eps 256 --n-delta 256 --profile exact
  else
    status+=("| 3_ncu | not run: ncu missing or too little time left | - |")
  fi
  # 4. Kernel-timed rates.
  rates() {
    echo "| backend | grid | profile | tiles | points/s (wall) | points/s (kernels) | CPU agreement |"
    echo "|---|---|---|---|---|---|---|"
    for nd in 16 128 256 512 1024; do
      for p in grid exact; do "$rate" --backend cuda --n-m 1024 --n-eps 1024 --n-delta $nd --profile $p || return 1; done
    done
  }
  step 4_rates rates
fi

# 5. A large scan in many tiles and a row-split plan, bit for bit against the CPU; the overlap of two tiles.
if [ $dry -eq 1 ]; then nm=96 ne=80 nd=300 tiles=16; else nm=2048 ne=2048 nd=1024 tiles=16; fi
tile_points=$(( nm * ne * nd / tiles ))
row_split=$(( ne * nd / 3 ))
big() {
  echo "| backend | grid | profile | tiles | points/s (wall) | points/s (kernels) | CPU agreement |"
  echo "|---|---|---|---|---|---|---|"
  "$rate" --backend $backend --n-m $nm --n-eps $ne --n-delta $nd --tile-points $tile_points --compare || return 1
  "$rate" --backend $backend --n-m $nm --n-eps $ne --n-delta $nd --tile-points $row_split --compare || return 1
  [ $dry -eq 1 ] || CUDA_LAUNCH_BLOCKING=1 "$rate" --backend cuda --n-m $nm --n-eps $ne --n-delta $nd \
    --tile-points $tile_points || return 1
}
step 5_many_tiles big
grep -q "differ" "$out/5_many_tiles.log" && status+=("| 5_many_tiles | FAILED: not the CPU's bits | - |")

# 6. A planted fault (a walk launched with no blocks, ZDSCAN_FAULT=device): one clear error and exit 1, no abort.
planted() {
  ZDSCAN_FAULT=device ZDSCAN_FAULT_AFTER_TILES=2 "$rate" --backend $backend --n-m 64 --n-eps 64 --n-delta 64 \
    --tile-points $(( 64 * 64 * 64 / 8 ))
  local rc=$?
  echo "exit $rc"
  [ $rc -eq 1 ]
}
step 6_planted_fault planted
grep -q "invalid configuration argument" "$out/6_planted_fault.log" ||
  status+=("| 6_planted_fault | FAILED: not the launch's error | - |")

# 7. A toy batch, if time is left.
if [ $dry -eq 0 ] && [ "$(left)" -gt 60 ] && [ -x "$bin/toy_rate" ]; then
  step 7_toys "$bin/toy_rate" 128
fi

{
  echo "# zdscan device check, $(date -u +%Y-%m-%dT%H:%M:%SZ)$([ $dry -eq 1 ] && echo ' (dry run on the emulated device)')"
  echo
  if [ $dry -eq 0 ]; then
    echo "- device: $(nvidia-smi -L | head -1)"
    echo "- driver: $(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)"
  fi
  echo "- commit: $(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo unknown); $(( $(date +%s) - start )) s in all"
  echo
  echo "| step | result | time |"
  echo "|---|---|---|"
  printf '%s\n' "${status[@]}"
  for f in "$out"/4_rates.log "$out"/5_many_tiles.log "$out"/3_ncu.log; do
    [ -f "$f" ] && { echo; echo "## $(basename "$f" .log)"; echo; cat "$f"; }
  done
} > "$out/report.md"
cat "$out/report.md"
! printf '%s\n' "${status[@]}" | grep -q FAILED
