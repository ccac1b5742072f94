/// \file profile_intervals.hpp
/// Confidence intervals from a 1-D profile χ²(x): the connected region around the minimum where
/// χ² − χ²_min ≤ Δχ² (Δχ² = 1 for 1σ, one parameter), with crossings interpolated linearly between grid
/// points (in ln x on a log axis).
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace zdscan
{
struct ProfileInterval
{
    double best = 0;  ///< grid point of the profile minimum
    double chi2_min = 0;
    double lower = 0, upper = 0;
    bool lower_at_edge = false;  ///< the region reaches the first grid point: lower is only the grid edge
    bool upper_at_edge = false;
    bool disjoint = false;  ///< other grid points outside [lower, upper] also satisfy Δχ² ≤ level
    /// grid points of the connected region (few: the grid does not resolve it; 0: none is below the threshold,
    /// which the global minimum set between grid points)
    int points_inside = 0;
    /// An end inside this axis's range that another axis's box sets: the profile's minimiser lies on that axis's
    /// first or last grid point there, so the end moves when that edge moves. Names the edge ("the m_Zd grid's
    /// upper edge (1000 MeV)"); empty when the data set the end. Such an end is open, printed as a bound.
    std::string lower_set_by, upper_set_by;
};

/// chi2_min: the minimum the threshold is relative to (NaN: the profile's own minimum).
ProfileInterval profile_interval(const std::vector<double>& axis, const std::vector<double>& chi2, double level,
                                 bool log_axis, double chi2_min = NAN);

/// "47.1 (+61.0 −16.2)" style text, or "< 2.0e-03" when the region reaches the lower grid edge.
std::string format_interval(const ProfileInterval& i);
}  // namespace zdscan
