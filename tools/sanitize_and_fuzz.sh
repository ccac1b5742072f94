#!/usr/bin/env bash
# The sanitizer build of zdscan and its fuzzers (CTest labels "sanitize" and "fuzz"; CI runs them once).
#   sanitize_and_fuzz.sh build DIR          configure and build DIR with clang, ASan + UBSan (ZDSCAN_SANITIZE=ON)
#   sanitize_and_fuzz.sh test DIR           run the unit tests of DIR (every C++ test under the sanitizers)
#   sanitize_and_fuzz.sh fuzz DIR TARGET    run fuzz_TARGET for $ZDSCAN_FUZZ_SECONDS (default 60) on its seeds
# Exits 77 (CTest: skipped) where clang or its libFuzzer runtime is missing (tools/install_deps.sh installs them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
what=$1 dir=$2
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)
if ! command -v clang++ > /dev/null || ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
    clang++ -x c++ -fsanitize=fuzzer,address - -o /dev/null 2> /dev/null; then
  echo "skipped: clang++ with the libFuzzer runtime is not installed"; exit 77
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
case $what in
  build)
    cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DZDSCAN_SANITIZE=ON -DZDSCAN_CUDA=OFF -DZDSCAN_MPI=OFF -DZDSCAN_PYTHON=OFF -DZDSCAN_BENCH=OFF > "$dir.configure.log" 2>&1 ||
      { cat "$dir.configure.log"; exit 1; }
    cmake --build "$dir" -j "$(nproc)" --target zdscan zdscan_core_tests zdscan_file_tests \
      fuzz_config fuzz_checkpoint fuzz_result_file fuzz_limit_file > "$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; exit 1; }
    echo "sanitizer build in $dir" ;;
  test)
    cd "$dir/tests"
    # LeakSanitizer cannot run under ptrace-restricted containers; ASan and UBSan still do.
    for t in zdscan_core_tests zdscan_file_tests; do
      ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 ./$t --gtest_brief=1 --gtest_filter=-*DeviceBackend*/Cuda
    done ;;
  fuzz)
    target=$3
    seconds=${ZDSCAN_FUZZ_SECONDS:-60}
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir "$work/corpus" "$work/seeds"
    case $target in
      config) cp "$root"/configs/*.json "$root"/tests/data/*.json "$work/seeds/" ;;
      checkpoint) ZDSCAN_FUZZ_SEED_DIR="$work/seeds" "$dir/tests/fuzz_checkpoint" -runs=0 > /dev/null 2>&1 ;;
      result_file) head -c 64 /dev/zero > "$work/seeds/all_right"; cp "$root"/tests/fuzz/seeds/result_file/* "$work/seeds/" ;;
      limit_file) cp "$root"/tests/fuzz/seeds/limit_file/* "$work/seeds/"
        # The real DarkCast files where shared/ has them (GPL data: read in place, never copied into the repository).
        for f in "$root"/../shared/data/darkcast/limits/*.lmt; do
          [ -f "$f" ] && { printf '\0'; cat "$f"; } > "$work/seeds/darkcast_$(basename "$f")"
        done ;;
    esac
    cd "$work"
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "$dir/tests/fuzz_$target" -max_total_time="$seconds" \
      -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 corpus seeds 2>&1 | tail -25 ;;
  *) echo "usage: $0 build|test|fuzz DIR [TARGET]" >&2; exit 2 ;;
esac
