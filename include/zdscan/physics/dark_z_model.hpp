/// \file dark_z_model.hpp
/// The dark Z_d model's modification of low-energy neutral currents (seed paper eqs. 4–7, 25):
/// G_F → ρ_d G_F and sin²θ_W → κ_d sin²θ_W (Davoudiasl, Lee, Marciano, PRD 85, 115019 (2012)).
#pragma once

#include <cmath>

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/macros.hpp"

namespace zdscan
{
/// The weak mixing angle at one process scale with the combinations eqs. 4–8 use.
struct MixingAngle
{
    double s2 = 0;   ///< sin²θ_W (MS-bar, at the process scale)
    double sin = 0;  ///< sinθ_W
    double cos = 0;  ///< cosθ_W
    double tan = 0;  ///< tanθ_W
    double cot = 0;  ///< cotθ_W
};

ZD_HD inline MixingAngle make_mixing_angle(double s2)
{
    const double s = std::sqrt(s2), c = std::sqrt(1.0 - s2);
    return {s2, s, c, s / c, c / s};
}

/// δ' = δ + (m_Zd/m_Z) ε tanθ_W, seed paper eq. (4).
ZD_HD inline double delta_prime(double m_zd_gev, double epsilon, double delta, double tan_w)
{
    return delta + (m_zd_gev / constants::m_z_gev) * epsilon * tan_w;
}

/// ρ_d = 1 + δ'² f(Q²/m_Zd²), seed paper eq. (6).
ZD_HD inline double rho_d(double delta_p, double propagator)
{
    return 1.0 + delta_p * delta_p * propagator;
}

/// κ_d = 1 − ε δ' (m_Z/m_Zd) cotθ_W f(Q²/m_Zd²), seed paper eq. (7). Requires m_Zd > 0.
ZD_HD inline double kappa_d(double m_zd_gev, double epsilon, double delta_p, double cot_w, double propagator)
{
    return 1.0 - epsilon * delta_p * (constants::m_z_gev / m_zd_gev) * cot_w * propagator;
}

/// f(Q²/m²) = m²/(m² + Q²) for polarised electron scattering at momentum transfer Q², seed paper eq. (25).
ZD_HD inline double propagator_pv_scattering(double m_zd_gev, double q2_gev2)
{
    const double m2 = m_zd_gev * m_zd_gev;
    return m2 / (m2 + q2_gev2);
}
}  // namespace zdscan
