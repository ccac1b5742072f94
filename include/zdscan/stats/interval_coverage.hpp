/// \file interval_coverage.hpp
/// The 1-D intervals of m_Zd and ε (seed paper eqs. 28–29: Δχ² of one parameter, the other two profiled) by toys:
/// the Feldman–Cousins interval and the coverage of the Wilks one (docs/statistics.md, "1-D intervals"). For a
/// tested value x of one axis the statistic is t(x) = min over the line {x} × (other axis) of χ² − the grid's
/// minimum; toys are thrown at the line's best cell (the other parameter and δ profiled, plug-in) and refitted:
/// t = min over the line of the toy's χ² − the toy's grid minimum (the pruned walk of coverage.hpp, started from the
/// line's minimum). Part of `zdscan coverage`: run by the collector after the 2-D toys, on the CPU.
#pragma once

#include <cmath>
#include <vector>

#include "zdscan/stats/coverage.hpp"

namespace zdscan
{
struct IntervalCoverage
{
    int axis = 0;                ///< 0: m_Zd, 1: ε
    std::vector<double> values;  ///< the axis
    std::vector<double> dchi2;   ///< the data's 1-D profile: min over the line − the grid's minimum
    std::vector<std::uint8_t> tested;
    std::vector<double> wilks;   ///< per CL: the χ²₁ quantile (1, 2.71, 3.84 at 68.27, 90, 95 %)
    std::vector<std::vector<double>> crit, crit_error, wilks_coverage;  ///< [cl][value]; NaN where not tested
    /// Per CL the interval's ends, interpolated linearly in the axis coordinate between the last value inside and
    /// the first outside; NaN where the interval reaches the axis's end (open there).
    struct Ends
    {
        double lower = NAN, upper = NAN;
    };
    std::vector<Ends> fc, wilks_interval;
    std::int64_t toys_computed = 0;
};

/// Both axes' intervals with the options' toys, CLs, seed, threads and band (near-contour: the values whose
/// 1-D Δχ² lies in [band_low, band_high] × a χ²₁ threshold; every value with Rule::all or Rule::listed). Seeds:
/// the toys of line k use the point number n_cells + k (m_Zd lines first), apart from every cell's.
std::vector<IntervalCoverage> run_interval_coverage(const CoverageGrid& grid, const CoverageOptions& options);
}  // namespace zdscan
