/// \file delta_walk.hpp
/// The CPU backend's inner loop: χ²_total along the δ axis of one (m_Zd, ε) cell from its cubic pulls, vectorised
/// over δ. It is compiled once per instruction set (host/scan/delta_walk_*.cc) and picked at run time, so one
/// binary uses AVX-512 or AVX2+FMA where the CPU has them and runs everywhere else. Every variant computes the same
/// fused operations in the same order (chi2_total(const CellPulls&, double) is the scalar form): the results are
/// bit-identical across variants, thread counts and tile sizes.
#pragma once

#include <string>

#include "zdscan/physics/pull_polynomial.hpp"

namespace zdscan
{
/// One cell's reduction over δ.
struct DeltaWalk
{
    double chi2_min = HUGE_VAL;  ///< min over δ (a NaN never becomes the minimum)
    int argmin = 0;              ///< its δ index, the lowest on ties
    int first_nonfinite = -1;    ///< first δ index where χ²_total is inf or NaN (−1: none)
};

/// Walks δ[0, n_delta): χ²_total(δ_k) goes to chi2_row[k] when chi2_row is not null, and profile[k] becomes
/// min(profile[k], χ²_total(δ_k)) when profile is not null.
using DeltaWalkFunction = DeltaWalk (*)(const CellPulls& pulls, const double* delta, int n_delta, double* chi2_row,
                                        double* profile);

/// Cells per call of the exact profile's batch: eight AVX-512 vectors of doubles, whose latency chains (the Newton
/// steps) overlap; with 8 cells a batch took twice as long per cell.
inline constexpr int exact_batch_cells = 64;

/// The enabled pulls of a batch of cells, structure of arrays: coefficient k of slot s for lane l.
using BatchPulls = double[4][max_measurements][exact_batch_cells];

/// The exact profile's common case for n ≤ exact_batch_cells cells of one scan (detail::fast_root, vectorised over
/// the cells): status[i] 0 (no root of dχ²/dδ inside), 1 (one: root_delta[i], with chi2_root[i] = χ²_total there,
/// as chi2_total(const CellPulls&, double) computes it) or 2 (undecided: the general method).
using ExactBatchFunction = void (*)(const BatchPulls& pulls, int n_enabled, int n, double lo, double hi, int* status,
                                    double* root_delta, double* chi2_root);

/// The exact profile's value min_δ χ² for n ≤ exact_batch_cells cells (the toys of `zdscan coverage`): the lowest
/// of χ² at both ends and, where status[i] is 1, at the root, each as chi2_total(const CellPulls&, double) computes
/// it, so chi2_min[i] equals exact_delta_minimum's χ² bit for bit; a lane with status 2 must be redone by it.
using ExactBatchMinFunction = void (*)(const BatchPulls& pulls, int n_enabled, int n, double lo, double hi,
                                       int* status, double* chi2_min);

enum class CpuIsa
{
    generic,  ///< the compiler's baseline (x86-64: SSE2; fused multiply-adds through libm's fma)
    avx2,     ///< x86-64-v3: AVX2 + FMA
    avx512    ///< x86-64-v4: AVX-512
};

std::string to_string(CpuIsa isa);
/// The best variant this CPU runs (and this build has); ZDSCAN_CPU_ISA=generic|avx2|avx512 chooses one instead
/// (benchmarks, tests; a variant the CPU lacks is an error).
CpuIsa selected_cpu_isa();
/// Whether this build has the variant and this CPU can run it.
bool cpu_isa_available(CpuIsa isa);
DeltaWalkFunction delta_walk_function(CpuIsa isa);
ExactBatchFunction exact_batch_function(CpuIsa isa);
ExactBatchMinFunction exact_batch_min_function(CpuIsa isa);
}  // namespace zdscan
