/// \file constants.hpp
/// Every physical constant zdscan uses, in one place, with its source and unit.
/// PDG 2020 = P. A. Zyla et al., Prog. Theor. Exp. Phys. 2020, 083C01 (ref. [45] of the seed paper).
#pragma once

namespace zdscan::constants
{
inline constexpr double pi = 3.141592653589793238462643383279502884;

/// Fine-structure constant α (dimensionless), PDG 2020 Table 1.1 (CODATA 2018).
inline constexpr double alpha = 1.0 / 137.035999084;
/// Fermi constant G_F [GeV^-2], PDG 2020 Table 1.1.
inline constexpr double g_fermi_gev2 = 1.1663787e-5;
/// Z boson mass [GeV], PDG 2020.
inline constexpr double m_z_gev = 91.1876;
/// W boson mass [GeV], PDG 2020: where the W loop joins the running of the Fig. 4 curve (its MS-bar threshold).
inline constexpr double m_w_gev = 80.379;
/// Electron mass [GeV], PDG 2020 (CODATA 2018: 0.51099895000 MeV).
inline constexpr double m_e_gev = 0.51099895000e-3;
/// Muon mass [GeV], PDG 2020.
inline constexpr double m_mu_gev = 0.1056583745;
/// Charged-pion mass [GeV], PDG 2020 (139.57039 MeV): where Z_d → hadrons opens (2m_π).
inline constexpr double m_pi_charged_gev = 0.13957039;
/// Tau mass [GeV], PDG 2020 (threshold of the ŝ² running).
inline constexpr double m_tau_gev = 1.77686;
/// MS-bar charm and bottom masses m_q(m_q) [GeV], PDG 2020 (thresholds of the ŝ² running).
inline constexpr double m_c_gev = 1.27;
inline constexpr double m_b_gev = 4.18;
/// Top-quark mass [GeV], PDG 2024 (inputs2025.md §2.3): where the top joins the running of the Fig. 4 curve.
inline constexpr double m_t_gev = 172.57;

/// MS-bar α̂(M_Z) (top decoupled), PDG 2020 §10.2.2: 1/127.952.
inline constexpr double alpha_hat_mz = 1.0 / 127.952;
/// MS-bar ŝ²(M_Z), PDG 2020 Table 10.2 (top decoupled). NOTES.md quotes 0.23122, the PDG 2018 value.
inline constexpr double s2w_mz = 0.23121;
/// MS-bar ŝ²(0), PDG 2020 (as quoted by the seed paper's group).
inline constexpr double s2w_0 = 0.23857;

/// ħc [MeV fm], CODATA 2018.
inline constexpr double hbar_c_mev_fm = 197.3269804;

/// 133Cs: proton and neutron numbers (seed paper, text before eq. 14).
inline constexpr int cs133_z = 55;
inline constexpr int cs133_n = 78;
/// 208Pb: proton and neutron numbers (PREX, seed paper eq. 17).
inline constexpr int pb208_z = 82;
inline constexpr int pb208_n = 126;

/// 133Cs rms proton radius R_p [fm] from muonic-atom spectroscopy (seed paper, text before eq. 19).
inline constexpr double cs133_r_p_fm = 4.821;

/// γZ-box corrections to the Cs weak charge added to g_AV^ep and g_AV^en (seed paper eqs. 14 and 26;
/// PRL 109, 262301 (2012)).
inline constexpr double cs133_box_ep = 0.00005;
inline constexpr double cs133_box_en = 0.00006;

/// SM proton weak charge Q_W^p = 0.0711 (PDG 2020, seed eq. 13) at the Qweak momentum transfer Q² = 0.0248 GeV².
/// It fixes c_ep, the radiative constant of g_AV^ep, for the apv kind. Only Z c_ep + N g_AV^en enters Q_W(Z, N),
/// and g_AV^en is pinned after c_ep to the measurement's own SM value, so APV physics does not depend on it.
inline constexpr double qw_proton_sm_reference = 0.0711;
inline constexpr double qw_proton_reference_q2_gev2 = 0.0248;
}  // namespace zdscan::constants
