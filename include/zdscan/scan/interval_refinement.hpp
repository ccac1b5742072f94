/// \file interval_refinement.hpp
/// The ends of the 1-D Δχ² = level intervals of m_Zd and ε between grid points, as MINOS finds them: the profile
/// P(x) = min over the other axis (golden section in its coordinate, bracketed by the grid map) of the exact δ
/// minimum; each end is the first crossing of P(x) − χ²_min = level outward from the refined best fit, found by
/// regula falsi (util/illinois.hpp) to 1e-10 of the axis coordinate. The summary compares them with the grid's
/// interpolated ends: a grid too coarse to resolve an end is said so (seed paper eqs. 28–29 are these intervals).
#pragma once

#include <cmath>
#include <vector>

#include "zdscan/io/config.hpp"
#include "zdscan/physics/apv_k_factor.hpp"
#include "zdscan/physics/chi2.hpp"
#include "zdscan/scan/profile_intervals.hpp"

namespace zdscan
{
struct RefinedInterval
{
    double lower = NAN, upper = NAN;  ///< NaN: that end is open at the grid edge (or was not found inside the grid)
    int evaluations = 0;              ///< exact δ minima computed
};

/// axis: 0 for m_Zd, 1 for ε (δ is not refined: its profile needs a 2-D minimisation per point). chi2_map is the
/// δ-profiled map [n_m][n_eps] of the scan; grid is the grid interval at the same level; centre and chi2_min the
/// refined best fit.
RefinedInterval refine_interval(const ScanConfig& config, const ObservableConstants& obs, const MassTermsAt& mass,
                                const std::vector<double>& m_zd_mev, const std::vector<double>& epsilon,
                                const std::vector<double>& chi2_map, int axis, const ProfileInterval& grid,
                                double centre, double chi2_min, double level);

/// |refined − grid| relative to the refined end (in ln x on a log axis: the relative difference of the values).
double interval_end_offset(double grid_end, double refined_end, bool log_axis);
}  // namespace zdscan
