/// \file posterior.hpp
/// Bayesian marginals beside the profiles (docs/statistics.md): the posterior
///   p(m, ε | data) ∝ π(m) π(ε) ∫ π(δ) exp(−χ²(m, ε, δ)/2) dδ   over the scanned δ range,
/// with π log-uniform on a log axis and uniform on a linear one (so each grid cell's measure is its width in the
/// axis's own coordinate), π(δ) uniform or log-uniform in |δ| (DeltaPrior). The δ integral of each cell uses its pulls (a polynomial χ², so it does not
/// depend on n_δ): Gauss–Legendre panels around the exact minimum, sized by the curvature there, and over the rest of
/// the range; everything in logs (log-sum-exp) so that χ² of 10⁴ underflows nothing.
#pragma once

#include <string>
#include <vector>

#include "zdscan/physics/pull_polynomial.hpp"

namespace zdscan
{
/// The prior of δ: uniform over the scanned range, or log-uniform in |δ| (π ∝ 1/|δ|, both signs) for |δ| ≥ floor.
/// The second is improper at δ = 0, so it needs the floor; the posterior then depends on it (docs/statistics.md).
struct DeltaPrior
{
    enum class Kind
    {
        uniform,
        log_abs
    } kind = Kind::uniform;
    double floor = 0;  ///< log_abs: the smallest |δ| with prior weight
    /// In words, for the file and the summary.
    std::string describe() const;
    /// π(δ) up to its constant (1 for uniform; 1/|δ| above the floor and 0 below it for log_abs).
    double weight(double delta) const;
};

/// "uniform", "log" or "log:FLOOR" (floor default: 10⁻³ × the largest |δ| of [lo, hi]); throws ConfigError naming
/// option when the text or the floor (positive, below the largest |δ|) is not valid.
DeltaPrior parse_delta_prior(const std::string& text, double lo, double hi, const std::string& option);

/// log ∫_lo^hi π(δ) exp(−χ²(δ)/2) dδ for one cell, given the minimum of χ² on [lo, hi] (δ_min, χ²_min).
double log_delta_integral(const CellPulls& pulls, double lo, double hi, double delta_min, double chi2_min,
                          const DeltaPrior& prior = {});

struct Posterior
{
    DeltaPrior delta_prior;
    std::string priors;  ///< in words ("m_Zd log-uniform, epsilon log-uniform, delta uniform over the scanned range")
    /// log of the posterior density per unit (log10 m or m) × (log10 ε or ε), normalised: Σ density · cell area = 1.
    std::vector<double> log_density;  ///< [m][ε]
    /// 1-D marginal densities per unit of each axis's coordinate (log10 for a log axis), normalised (trapezoid).
    std::vector<double> marginal_m, marginal_eps, marginal_delta;
    /// The 2-D highest-posterior-density regions: the log-density above which 68.27 % and 95.45 % of the mass lie.
    double hpd_log_density[2] = {0, 0};
    /// Central 68.27 % credible intervals (16th and 84th percentiles) and the mode of each 1-D marginal.
    double m_interval[2] = {0, 0}, eps_interval[2] = {0, 0}, delta_interval[2] = {0, 0};
    double m_mode = 0, eps_mode = 0, delta_mode = 0;
    /// How much the box sets each credible interval (m_Zd, ε, δ; docs/statistics.md, "Box sensitivity"): the
    /// marginal's mass in the first and last grid cell, the interval recomputed with the lower (upper) end of the
    /// axis moved in by a tenth of its range (the marginal truncated and renormalised), and whether either moved an
    /// end by more than the grid's spacing there.
    struct BoxSensitivity
    {
        double edge_mass[2] = {0, 0};
        double interval_lower_moved[2] = {0, 0}, interval_upper_moved[2] = {0, 0};
        double shift = 0;       ///< the largest move of an interval end, in axis units
        double resolution = 0;  ///< the grid spacing at that end, in axis units
        bool sensitive = false;
    } box[3];
};

/// The posterior of a scan: `pulls(i_m, i_eps)` gives a cell's pulls; chi2_min and delta_min are the scan's profile
/// and its minimising δ per cell ([m][ε]). Axes as the scan's, with their log flags.
template <class PullsAt>
Posterior compute_posterior(PullsAt&& pulls, const std::vector<double>& m, bool m_log, const std::vector<double>& eps,
                            bool eps_log, const std::vector<double>& delta, const std::vector<double>& chi2_min,
                            const std::vector<double>& delta_min, int threads, const DeltaPrior& delta_prior = {});
}  // namespace zdscan

#include "posterior_impl.hpp"
