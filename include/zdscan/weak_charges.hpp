/// \file weak_charges.hpp
/// Proton and nuclear weak charges with the Z_d substitutions ρ_d, κ_d: seed paper eqs. (24) and (26).
///
/// The SM couplings include radiative corrections (PDG 2020 electroweak review). Only their s² dependence
/// matters for the Z_d shift, and it is linear: g_AV^ep(s²) = −1/2 + 2s² + c_ep, g_AV^en = 1/2 + c_en
/// (tree level: seed paper footnote 2). c_ep and g_AV^en are pinned on the host so that ε = δ = 0 returns the
/// configured SM values of eqs. (13) and (14) exactly (docs/physics.md, "Weak charges").
#pragma once

#include "constants.hpp"
#include "macros.hpp"

namespace zdscan
{
/// The pinned radiative constants of the SM electron–nucleon couplings.
struct WeakChargeCouplings
{
    double c_ep = 0;  ///< g_AV^ep(s²) = −1/2 + 2 s² + c_ep
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

/// Q_W(Z, N) = −2 ρ_d [Z (g_AV^ep(κ_d s²) + 0.00005) + N (g_AV^en + 0.00006)] (1 − α/2π), eq. (26).
ZD_HD inline double qw_nucleus(double rho, double kappa, double s2, const WeakChargeCouplings& c, int z, int n)
{
    return -2.0 * rho
           * (z * (g_av_ep(kappa * s2, c.c_ep) + constants::cs133_box_ep) + n * (c.g_en + constants::cs133_box_en))
           * weak_charge_qed_factor();
}

/// Pins c_ep to Q_W^p,SM at s2_qweak and then g_AV^en to Q_W^Cs,SM at s2_apv (eqs. 13, 14 inverted).
ZD_HD inline WeakChargeCouplings pin_weak_charge_couplings(double qw_p_sm, double s2_qweak, double qw_cs_sm,
                                                           double s2_apv)
{
    const double q = weak_charge_qed_factor();
    WeakChargeCouplings c;
    c.c_ep = -qw_p_sm / (2.0 * q) - (-0.5 + 2.0 * s2_qweak);
    const double z = constants::cs133_z, n = constants::cs133_n;
    c.g_en =
        (-qw_cs_sm / (2.0 * q) - z * (g_av_ep(s2_apv, c.c_ep) + constants::cs133_box_ep)) / n - constants::cs133_box_en;
    return c;
}
}  // namespace zdscan
