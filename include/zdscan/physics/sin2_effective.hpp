/// \file sin2_effective.hpp
/// The weak mixing angle seen at momentum transfer Q in the presence of a Z_d (seed paper Fig. 4):
/// ŝ²_eff(Q) = κ_d(Q) ŝ²(Q), with κ_d of eq. (7) and the propagator f = m²/(m² + Q²) of eq. (25).
#pragma once

#include "zdscan/physics/dark_z_model.hpp"
#include "zdscan/physics/macros.hpp"
#include "zdscan/physics/running_sin2.hpp"

namespace zdscan
{
/// κ_d(Q) ŝ² with the SM value ŝ² at Q given.
ZD_HD inline double sin2_effective_at(double s2_sm, double q_gev, double m_zd_gev, double epsilon, double delta)
{
    const MixingAngle w = make_mixing_angle(s2_sm);
    const double f = propagator_pv_scattering(m_zd_gev, q_gev * q_gev);
    const double dp = delta_prime(m_zd_gev, epsilon, delta, w.tan);
    return kappa_d(m_zd_gev, epsilon, dp, w.cot, f) * w.s2;
}

ZD_HD inline double sin2_effective(const RunningSin2& run, double q_gev, double m_zd_gev, double epsilon, double delta)
{
    const MixingAngle w = make_mixing_angle(sin2_msbar(run, q_gev));
    const double f = propagator_pv_scattering(m_zd_gev, q_gev * q_gev);
    const double dp = delta_prime(m_zd_gev, epsilon, delta, w.tan);
    return kappa_d(m_zd_gev, epsilon, dp, w.cot, f) * w.s2;
}
}  // namespace zdscan
