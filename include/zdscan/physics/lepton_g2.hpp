/// \file lepton_g2.hpp
/// One-loop Z_d contribution to a lepton anomalous magnetic moment, seed paper eqs. (8) and (10)
/// (Davoudiasl, Lee, Marciano, PRL 109, 031802 (2012)); F_V and F_A come from loop_functions.hpp.
#pragma once

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/dark_z_model.hpp"
#include "zdscan/physics/macros.hpp"

namespace zdscan
{
/// a_l^vector = α/(2π) (ε + (m_Zd/m_Z) δ' (1 − 4s²)/(4 s c))² F_V(m_Zd/m_l), eq. (8); θ_W at the lepton scale.
ZD_HD inline double a_lepton_vector(double m_zd_gev, double epsilon, double delta_p, const MixingAngle& w,
                                    double f_vector)
{
    const double coupling =
        epsilon + (m_zd_gev / constants::m_z_gev) * delta_p * (1.0 - 4.0 * w.s2) / (4.0 * w.sin * w.cos);
    return constants::alpha / (2.0 * constants::pi) * coupling * coupling * f_vector;
}

/// a_l^axial = −G_F m_l² / (8√2 π²) δ'² F_A(m_Zd/m_l), eq. (10).
ZD_HD inline double a_lepton_axial(double m_lepton_gev, double delta_p, double f_axial)
{
    constexpr double sqrt2 = 1.41421356237309504880;
    return -constants::g_fermi_gev2 * m_lepton_gev * m_lepton_gev / (8.0 * sqrt2 * constants::pi * constants::pi)
           * delta_p * delta_p * f_axial;
}
}  // namespace zdscan
