/// \file running_sin2_smooth.hpp
/// The SM ŝ²(Q) curve of Fig. 4: the one-loop running of running_sin2.hpp with smooth decoupling instead of step
/// thresholds, and the W loop (host code, figures only; the χ² keeps the step model, docs/physics.md).
///
///   dα̂/dlnμ = (α̂²/2π) B(μ),   dŝ²/dlnμ = (α̂/2π) [B(μ) ŝ² − C(μ)]
///   B = Σ_f w_f(μ) (4/3) N_c Q_f² − 7 θ(μ − M_W),   C = Σ_f w_f(μ) (2/3) N_c Q_f T3_f − (43/6) θ(μ − M_W)
/// (inputs2025.md §2.2: fermions, and the W with its Goldstone, whose (α̂/12π)(43 − 42ŝ²) makes ŝ² rise above M_W).
/// The fermions below M_Z decouple with the weight w_f(μ) = w(e^{5/6} μ/m_f), w(r) = 6 ∫₀¹ x(1−x) · x(1−x) r² / (1 + x(1−x) r²)
/// dx the one-loop vacuum-polarisation derivative of a fermion of mass m at Q = r m (→ 1 for r ≫ 1, r²/5 for r ≪ 1);
/// the shift e^{5/6} makes each fermion's contribution equal the MS-bar step at μ = m far from its mass. No kinks at
/// the fermion thresholds. The W loop (from M_W up) and the top (above m_t) enter as MS-bar steps, as in the PDG
/// curve, whose minimum is at M_W. Integrated from ŝ²(M_Z) both ways; an effective u, d, s mass is solved so that
/// ŝ²(Q → 0) = ŝ²(0).
#pragma once

#include <vector>

namespace zdscan
{
class SmoothRunningSin2
{
  public:
    /// Throws std::invalid_argument when no light-quark mass in (0.02 GeV, m_c) reaches s2_zero.
    SmoothRunningSin2(double s2_mz, double s2_zero, double alpha_hat_mz);
    double operator()(double q_gev) const;  ///< ŝ²(Q), Q ≥ 0 (constant below 1e-5 GeV, extrapolated above 1e4)
    double light_quark_mass_gev() const { return m_q_; }

  private:
    double m_q_ = 0;
    double t_min_ = 0, dt_ = 0;
    std::vector<double> s2_;  // on t = ln(Q/GeV) from t_min_ in steps dt_
};

/// The decoupling weight w(r) above, unshifted (exposed for tests).
double decoupling_weight(double r);
}  // namespace zdscan
