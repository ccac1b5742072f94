/// \file weak_charges.hpp
/// Proton and nuclear weak charges with the Z_d substitutions ρ_d, κ_d: seed paper eqs. (24) and (26).
///
/// The SM couplings include radiative corrections (PDG 2020 electroweak review). Only their s² dependence
/// matters for the Z_d shift, and it is linear: g_AV^ep(s²) = −1/2 + 2s² + c_ep, g_AV^en = 1/2 + c_en
/// (tree level: seed paper footnote 2). c_ep and g_AV^en are pinned on the host so that ε = δ = 0 returns the
/// configured SM values of eqs. (13) and (14) exactly (docs/physics.md, "Weak charges").
#pragma once

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/macros.hpp"

namespace zdscan
{
/// The pinned radiative constants of the SM electron–nucleon (or electron–electron) couplings.
struct WeakChargeCouplings
{
    double c_ep = 0;  ///< g_AV^ep(s²) = −1/2 + 2 s² + c_ep (pves_electron: c_ee of g_AV^ee)
    double g_en = 0;  ///< g_AV^en (s²-independent)
};

/// Effective electron–proton axial-vector coupling g_AV^ep(s²).
ZD_HD inline double g_av_ep(double s2, double c_ep)
{
    return -0.5 + 2.0 * s2 + c_ep;
}

/// (1 − α/2π): the QED correction factored out in eqs. (13), (14), (24), (26).
ZD_HD inline double weak_charge_qed_factor()
{
    return 1.0 - constants::alpha / (2.0 * constants::pi);
}

/// Q_W^p = −2 ρ_d g_AV^ep(κ_d s²) (1 − α/2π), eq. (24).
ZD_HD inline double qw_proton(double rho, double kappa, double s2, const WeakChargeCouplings& c)
{
    return -2.0 * rho * g_av_ep(kappa * s2, c.c_ep) * weak_charge_qed_factor();
}

/// Q_W(Z, N) = −2 ρ_d [Z (g_AV^ep(κ_d s²) + box_ep) + N (g_AV^en + box_en)] (1 − α/2π), eq. (26); for ¹³³Cs
/// box_ep = 0.00005, box_en = 0.00006.
ZD_HD inline double qw_nucleus(double rho, double kappa, double s2, const WeakChargeCouplings& c, int z, int n,
                               double box_ep, double box_en)
{
    return -2.0 * rho * (z * (g_av_ep(kappa * s2, c.c_ep) + box_ep) + n * (c.g_en + box_en)) * weak_charge_qed_factor();
}

/// Effective electron–electron axial-vector coupling g_AV^ee(s²) = 1/2 − 2s² + c_ee.
ZD_HD inline double g_av_ee(double s2, double c_ee)
{
    return 0.5 - 2.0 * s2 + c_ee;
}

/// Q_W^e = −2 ρ_d g_AV^ee(κ_d s²): the electron weak charge of Møller scattering with a Z_d (DLM, PRD 85, 115019;
/// inputs2025.md §3.2). Its radiative corrections sit in c_ee, pinned to the SM value.
ZD_HD inline double qw_electron(double rho, double kappa, double s2, double c_ee)
{
    return -2.0 * rho * g_av_ee(kappa * s2, c_ee);
}

/// c_ep such that Q_W^p(ε = δ = 0) = qw_p_sm at s2 (eq. 13 inverted).
ZD_HD inline double pin_c_ep(double qw_p_sm, double s2)
{
    return -qw_p_sm / (2.0 * weak_charge_qed_factor()) - (-0.5 + 2.0 * s2);
}

/// g_AV^en such that Q_W(Z, N; ε = δ = 0) = qw_sm at s2, given c_ep (eq. 14 inverted). Only the combination
/// Z c_ep + N g_en enters Q_W, so any fixed c_ep gives the same physics.
ZD_HD inline double pin_g_en(double qw_sm, double s2, double c_ep, int z, int n, double box_ep, double box_en)
{
    const double q = weak_charge_qed_factor();
    const double zd = z, nd = n;
    return (-qw_sm / (2.0 * q) - zd * (g_av_ep(s2, c_ep) + box_ep)) / nd - box_en;
}

/// c_ee such that Q_W^e(ε = δ = 0) = qw_e_sm at s2.
ZD_HD inline double pin_c_ee(double qw_e_sm, double s2)
{
    return -qw_e_sm / 2.0 - (0.5 - 2.0 * s2);
}
}  // namespace zdscan
