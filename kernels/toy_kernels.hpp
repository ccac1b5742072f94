/// \file toy_kernels.hpp
/// The toys of `zdscan coverage` on the device: one thread a (tested cell, toy) pair, each throwing its
/// pseudo-data (Philox, keyed by seed, cell, toy) and refitting them over the grid with the pruned exact profile
/// (stats/toy_refit.hpp). The same ZD_HD code as the CPU's reference; compiled by nvcc (toys_cuda.cu) and by the
/// host compiler for the CPU emulation of the device (host/stats/toys_device_emulated.cc).
#pragma once

#include "simt.hpp"
#include "zdscan/stats/toy_refit.hpp"
#include "zdscan/util/philox.hpp"

namespace zdscan::kernels
{
struct ToyArgs
{
    ToyGrid grid;                   ///< device pointers
    const double* delta0 = nullptr;  ///< the data's profiled δ per cell
    const long long* cells = nullptr;  ///< the batch's tested cells
    long long toys = 0;
    long long n_pairs = 0;  ///< cells × toys
    long long first_pair = 0;  ///< this launch's threads take pairs first_pair, first_pair + 1, ... (< n_pairs)
    unsigned long long seed = 0;
    double* t = nullptr;        ///< [pair]: Δχ² of the toy at its tested cell
    long long* fitted = nullptr;  ///< [pair]: cells refitted
};

ZD_HD inline void toy_thread(const ToyArgs& a, const simt::ThreadIndex& at)
{
    const long long q = a.first_pair + at.global();
    if (q >= a.n_pairs) return;
    const long long cell = a.cells[q / a.toys];
    double z[max_measurements], shift[max_measurements];
    toy_normals(a.seed, static_cast<unsigned long long>(cell), static_cast<unsigned>(q % a.toys), a.grid.n_pulls, z);
    const double norm = toy_shift(a.grid, cell, a.delta0[cell], z, shift);
    const ToyFit fit = toy_refit(a.grid, cell, shift, norm);
    a.t[q] = fit.dchi2;
    a.fitted[q] = fit.cells_fitted;
}
}  // namespace zdscan::kernels
