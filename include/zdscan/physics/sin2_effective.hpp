/// \file sin2_effective.hpp
/// The weak mixing angle seen at momentum transfer Q in the presence of a Z_d (seed paper Fig. 4):
/// ŝ²_eff(Q) = κ_d(Q) ŝ²(Q), with κ_d of eq. (7) and the propagator f = m²/(m² + Q²) of eq. (25).
/// Near the APV scale the figure's f is blended to the fit's APV factor K(m) (eq. 26; figure_propagator below).
#pragma once

#include <cmath>

#include "zdscan/physics/dark_z_model.hpp"
#include "zdscan/physics/macros.hpp"
#include "zdscan/physics/running_sin2.hpp"

namespace zdscan
{
/// κ_d ŝ² with the SM value ŝ² at the scale and the Z_d factor f (the propagator, or K(m) for APV) given.
ZD_HD inline double sin2_effective_with(double s2_sm, double f, double m_zd_gev, double epsilon, double delta)
{
    const MixingAngle w = make_mixing_angle(s2_sm);
    const double dp = delta_prime(m_zd_gev, epsilon, delta, w.tan);
    return kappa_d(m_zd_gev, epsilon, dp, w.cot, f) * w.s2;
}

/// κ_d(Q) ŝ² with the SM value ŝ² at Q given.
ZD_HD inline double sin2_effective_at(double s2_sm, double q_gev, double m_zd_gev, double epsilon, double delta)
{
    return sin2_effective_with(s2_sm, propagator_pv_scattering(m_zd_gev, q_gev * q_gev), m_zd_gev, epsilon, delta);
}

/// The Z_d factor f of the Fig. 4 curve at Q. The fit sees APV through K(m) (eq. 26), an average of the Yukawa
/// propagator over the atomic axial density, and the scattering experiments through m²/(m² + Q²). A single curve in
/// Q cannot be both, so it equals K(m) at and below the APV scale Q_apv, the propagator from 10 Q_apv up (P2 is at
/// 28 Q_apv), and between them the propagator times a factor that goes from K(m)/f(Q_apv) to 1 as a smoothstep in
/// log Q. Every measured scale then sits on the curve as the fit evaluates it. k_apv ≤ 0: no APV, the propagator.
ZD_HD inline double figure_propagator(double q_gev, double m_zd_gev, double q_apv_gev, double k_apv)
{
    const double f = propagator_pv_scattering(m_zd_gev, q_gev * q_gev);
    if (!(k_apv > 0) || q_gev >= 10 * q_apv_gev) return f;
    if (q_gev <= q_apv_gev) return k_apv;
    const double ratio = k_apv / propagator_pv_scattering(m_zd_gev, q_apv_gev * q_apv_gev);
    const double x = std::log10(q_gev / q_apv_gev);  // 0 .. 1
    const double weight = 1 - x * x * (3 - 2 * x);
    return f * (1 + (ratio - 1) * weight);
}

ZD_HD inline double sin2_effective(const RunningSin2& run, double q_gev, double m_zd_gev, double epsilon, double delta)
{
    const MixingAngle w = make_mixing_angle(sin2_msbar(run, q_gev));
    const double f = propagator_pv_scattering(m_zd_gev, q_gev * q_gev);
    const double dp = delta_prime(m_zd_gev, epsilon, delta, w.tan);
    return kappa_d(m_zd_gev, epsilon, dp, w.cot, f) * w.s2;
}
}  // namespace zdscan
