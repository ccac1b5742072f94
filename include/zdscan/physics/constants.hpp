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

/// The seed paper's best fit (eqs. 28–29 and footnote 5): where the summary says what each meson decay makes of it.
inline constexpr double paper_best_fit_m_zd_mev = 47;
inline constexpr double paper_best_fit_epsilon = 2.3e-3;
inline constexpr double paper_best_fit_delta = 7.9e-4;

// --- Rare meson decays P → P′ Z_d (meson_decay.hpp; docs/physics.md, "Rare meson decays"). PDG 2024 = S. Navas
// et al., Phys. Rev. D 110, 030001 (2024).
/// ħ [GeV s], CODATA 2018: a lifetime τ becomes a width ħ/τ.
inline constexpr double hbar_gev_s = 6.582119569e-25;
/// Charged-kaon mass [GeV] and lifetime [s], PDG 2024.
inline constexpr double m_k_charged_gev = 0.493677;
inline constexpr double tau_k_charged_s = 1.2380e-8;
/// Charged-B mass [GeV] and lifetime [s], PDG 2024.
inline constexpr double m_b_charged_gev = 5.27934;
inline constexpr double tau_b_charged_s = 1.638e-12;
/// Wolfenstein parameters λ, A, ρ̄, η̄ of the CKM matrix, PDG 2024 CKM review (global fit).
inline constexpr double ckm_lambda = 0.22501;
inline constexpr double ckm_a = 0.826;
inline constexpr double ckm_rho_bar = 0.1591;
inline constexpr double ckm_eta_bar = 0.3523;
/// The top's Inami–Lim function of the s̄dZ (and b̄sZ) penguin with box, NLO QCD and two-loop electroweak
/// corrections: X_t = 1.481 ± 0.009 (Brod, Gorbahn, Stamou, PRD 83, 034030 (2011)).
inline constexpr double x_top = 1.481;
/// The charm part of K → πνν̄ at NNLO with long-distance corrections, P_c = X_c/λ⁴ = 0.404 ± 0.024 at λ = 0.2252
/// (Buras, Buttazzo, Girrbach-Noe, Knegjens, JHEP 11 (2015) 033): X_c = 0.2252⁴ P_c.
inline constexpr double p_charm = 0.404;
inline constexpr double p_charm_lambda = 0.2252;
/// K⁺ → π⁺ vector form factor: f₊(0) = 0.9698 ± 0.0017 (FLAG 2019, N_f = 2+1+1) with the pole shape
/// f₊(q²) = f₊(0)/(1 − q²/M_V²), M_V = 0.878 GeV (FlaviaNet Kaon WG, EPJC 69, 399 (2010), K_ℓ3 pole fit).
inline constexpr double f_plus_k_pi_0 = 0.9698;
inline constexpr double m_pole_k_pi_gev = 0.878;
/// K⁺ → π⁺γ* form factor W(z) = G_F m_K² (a₊ + b₊ z) of D'Ambrosio, Ecker, Isidori, Portolés (JHEP 08 (1998) 004):
/// a₊ = −0.578 ± 0.016, b₊ = −0.779 ± 0.066 from the NA48/2 fit of K± → π±e⁺e⁻ (PLB 677, 246 (2009)).
inline constexpr double w_a_plus = -0.578;
inline constexpr double w_b_plus = -0.779;
/// B → K vector form factor of light-cone sum rules, f₊(q²) = r₁/(1 − q²/m₁²) + r₂/(1 − q²/m_fit²) with
/// r₁ = 0.162, r₂ = 0.173, m₁ = 5.41 GeV, m_fit² = 37.46 GeV² (Ball, Zwicky, PRD 71, 014015 (2005); f₊(0) = 0.335).
inline constexpr double f_plus_b_k_r1 = 0.162;
inline constexpr double f_plus_b_k_r2 = 0.173;
inline constexpr double f_plus_b_k_m1_gev = 5.41;
inline constexpr double f_plus_b_k_mfit2_gev2 = 37.46;
}  // namespace zdscan::constants
