/// \file best_fit_refinement.hpp
/// The minimum of χ² between grid points: Nelder–Mead from the best grid point, in each axis's own coordinate
/// (ln for a log axis), confined to the grid's box. With the exact δ profile the simplex lives in (m_Zd, ε) and δ is
/// minimised exactly at each of its points (exact_delta_minimum.hpp); with the grid profile it moves in all three.
/// The grid best fit stays the primary result; this one says how far below the grid spacing the minimum goes.
#pragma once

#include <vector>

#include "zdscan/io/config.hpp"
#include "zdscan/physics/apv_k_factor.hpp"
#include "zdscan/physics/chi2.hpp"
#include "zdscan/scan/scan_engine.hpp"

namespace zdscan
{
struct RefinedFit
{
    double chi2 = 0;
    double m_zd_mev = 0, epsilon = 0, delta = 0;
    Chi2Terms terms;
    int evaluations = 0;
    bool converged = false;  ///< the simplex's χ² spread fell below 1e-13 within the evaluation budget
};

/// χ² at an arbitrary point: per-mass terms (quadrature, K) recomputed at m.
Chi2Terms chi2_at(const ObservableConstants& obs, const MassTermsAt& mass, double m_zd_mev, double epsilon,
                  double delta);

/// Each measurement's signed pull (X^exp − X^th)/σ at one point (eq. 27 before squaring).
std::vector<double> pulls_at(const ObservableConstants& obs, const MassTermsAt& mass, double m_zd_mev, double epsilon,
                             double delta);

RefinedFit refine_best_fit(const ScanConfig& config, const ObservableConstants& obs, const MassTermsAt& mass,
                           double m_zd_mev, double epsilon, double delta,
                           DeltaProfile delta_profile = DeltaProfile::exact);
}  // namespace zdscan
