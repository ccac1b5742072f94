/// \file cell_minimum.hpp
/// The per-cell steps every backend shares around its δ loop: the grid range of δ, and the exact minimum over the
/// continuous range started from the best grid point ("marginalised over δ" in the seed paper = profiled).
#pragma once

#include "zdscan/physics/exact_delta_minimum.hpp"
#include "zdscan/physics/macros.hpp"

namespace zdscan
{
/// The δ range a scan covers, for the exact profile and the overflow bound of disabled terms.
struct DeltaRange
{
    double lo = 0, hi = 0;
    double abs_max = 0;  ///< max(|lo|, |hi|)
};

ZD_HD inline DeltaRange delta_range(const double* delta, int n_delta)
{
    DeltaRange r{delta[0], delta[0], 0};
    for (int k = 1; k < n_delta; ++k)
    {
        r.lo = delta[k] < r.lo ? delta[k] : r.lo;
        r.hi = delta[k] > r.hi ? delta[k] : r.hi;
    }
    r.abs_max = std::fabs(r.lo) > std::fabs(r.hi) ? std::fabs(r.lo) : std::fabs(r.hi);
    return r;
}

/// The exact minimum over [lo, hi], never above the best grid point (chi2_grid at δ index argmin). The CPU backend
/// does the same with its vectorised loop evaluating the candidates (same bits).
ZD_HD inline DeltaMinimum exact_cell_minimum(const CellPulls& pulls, const DeltaRange& range, const double* delta,
                                             double chi2_grid, int argmin)
{
    // The range's ends are grid points, which the grid minimum already covers: only the roots are evaluated.
    double at[max_delta_candidates], chi2[max_delta_candidates];
    const int n = delta_minimum_candidates(pulls, range.lo, range.hi, at) - 2;
    for (int j = 0; j < n; ++j) chi2[j] = chi2_total(pulls, at[2 + j]);
    return lowest(at + 2, chi2, n, DeltaMinimum{chi2_grid, delta[argmin]});
}
}  // namespace zdscan
