/// \file running_sin2.hpp
/// MS-bar running weak mixing angle ŝ²(Q) at leading order with step fermion thresholds (the structure of
/// Erler & Ramsey-Musolf, PRD 72, 073003 (2005), eq. 15, at one loop; derivation in docs/physics.md).
///
/// Between thresholds, with S = Σ_f N_c Q_f² and λ = Σ_f N_c Q_f T3_f / (2S) over the active fermions:
///   α̂(μ)  = α̂(μ0) / [1 − (2 α̂(μ0) / 3π) S ln(μ/μ0)]
///   ŝ²(μ) = λ + (ŝ²(μ0) − λ) α̂(μ) / α̂(μ0)          (exact solution of dŝ²/dlnμ = (2α̂/3π) S (ŝ² − λ))
/// The running starts at M_Z from ŝ²(M_Z); u, d, s share one effective threshold m_q, solved on the host
/// so that ŝ²(Q → 0) equals the configured ŝ²(0) exactly (0.378 GeV for PDG 2020 inputs).
#pragma once

#include <cmath>

#include "zdscan/physics/macros.hpp"

namespace zdscan
{
/// Piecewise-analytic ŝ²(Q): plain data, evaluated identically on host and device.
struct RunningSin2
{
    static constexpr int max_regions = 8;
    int n_regions = 0;
    /// Region k spans [q_low_gev[k], q_high_gev[k]), ordered from M_Z downward; the last has q_low = 0.
    double q_low_gev[max_regions] = {};
    double q_high_gev[max_regions] = {};
    double alpha_high[max_regions] = {};   ///< α̂ at q_high
    double s2_high[max_regions] = {};      ///< ŝ² at q_high
    double charge_sum[max_regions] = {};   ///< S = Σ N_c Q_f²
    double fixed_point[max_regions] = {};  ///< λ = Σ N_c Q_f T3_f / (2S); unused where S = 0
    double light_quark_threshold_gev = 0;  ///< the solved effective u, d, s threshold m_q
};

/// ŝ²(Q) for Q ≥ 0 [GeV]. Above M_Z the five-flavour (top-decoupled) region is continued.
ZD_HD inline double sin2_msbar(const RunningSin2& run, double q_gev)
{
    constexpr double pi = 3.141592653589793238462643383279502884;
    int k = 0;
    while (k + 1 < run.n_regions && q_gev < run.q_low_gev[k])
    {
        ++k;
    }
    if (run.charge_sum[k] == 0.0)
    {
        return run.s2_high[k];
    }
    const double a0 = run.alpha_high[k];
    const double a = a0 / (1.0 - (2.0 * a0 / (3.0 * pi)) * run.charge_sum[k] * std::log(q_gev / run.q_high_gev[k]));
    return run.fixed_point[k] + (run.s2_high[k] - run.fixed_point[k]) * a / a0;
}

/// Builds the running from ŝ²(M_Z), α̂(M_Z) and the PDG 2020 thresholds, solving for the light-quark
/// threshold that gives ŝ²(0) = s2_zero. Throws std::invalid_argument if no m_q in (m_μ, m_c) does.
RunningSin2 make_running_sin2(double s2_mz, double s2_zero, double alpha_hat_mz);
}  // namespace zdscan
