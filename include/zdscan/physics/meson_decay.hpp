/// \file meson_decay.hpp
/// Two-body rare meson decays P → P′ Z_d that bound the mass mixing (docs/physics.md, "Rare meson decays"):
/// K⁺ → π⁺ Z_d and B⁺ → K⁺ Z_d. With the couplings of seed eq. (5), L = −Z_d^μ [e ε J^em_μ + (g/2c_W)(m/m_Z) δ′
/// J^NC_μ], the amplitude is M = C (k + p)·ε*(q) with
///   C = C_ε ε + C_δ δ′,
///   C_ε = e W(z) z/(16π²)                        (the long-distance P → P′γ* form factor at z = m²/M²),
///   C_δ = (m/v) (α̂/(2π ŝ²)) X_eff f₊(m²)          (the Z penguin, X_eff = λ_t X_t + λ_c X_c),
/// where (g/2c_W)/m_Z = 1/v turns ε_Z = (m/m_Z)δ′ into m δ′/v, and the longitudinal polarisation (≈ q/m) cancels
/// the m: a light Z_d is emitted with an amplitude ∝ δ′, not ε_Z (Goldstone equivalence). The width of a
/// spin-0 → spin-0 + vector decay, summed over polarisations (only the longitudinal one contributes),
///   Γ = |C|² λ^{3/2}(M², m′², m²)/(16π M³ m²).
/// C_δ carries the CKM phase of λ_t, C_ε is real below the ππ threshold: the interference is partial and its sign
/// is that of ε δ′. Host code: the scan gets per-mass factors (MassTerms) from meson_rate_factors.
#pragma once

#include <complex>
#include <string>

namespace zdscan
{
enum class MesonChannel
{
    k_to_pi,  ///< K⁺ → π⁺ Z_d (s → d)
    b_to_k    ///< B⁺ → K⁺ Z_d (b → s)
};
std::string to_string(MesonChannel channel);
/// "K+ -> pi+" or "B+ -> K+"; false otherwise.
bool parse_meson_channel(const std::string& text, MesonChannel& channel);

/// Masses of the parent and daughter [GeV] and the parent's total width [GeV] (constants.hpp).
struct MesonKinematics
{
    double m_parent_gev = 0, m_daughter_gev = 0, width_gev = 0;
};
MesonKinematics meson_kinematics(MesonChannel channel);

/// Källén's λ(a, b, c) = a² + b² + c² − 2ab − 2ac − 2bc.
double kallen(double a, double b, double c);

/// The CKM factors λ_t and λ_c of a channel: λ_i = V_is* V_id (s → d) or V_ib V_is* (b → s), from the CKM matrix
/// in the standard parametrisation with s₁₂ = λ, s₂₃ = Aλ², s₁₃e^{iδ} = Aλ³(ρ̄ + iη̄)√(1 − A²λ⁴)/(√(1 − λ²)
/// [1 − A²λ⁴(ρ̄ + iη̄)]): the PDG definition of the Wolfenstein parameters, unitary to all orders.
struct CkmFactors
{
    std::complex<double> top, charm;
};
CkmFactors ckm_factors(MesonChannel channel);

/// The flavour-changing Z coupling in units of α̂/(2π ŝ²) (Buchalla–Buras normalisation of H(K → πνν̄)):
/// λ_t X_t + λ_c X_c.
std::complex<double> flavour_changing_z_coupling(MesonChannel channel);
/// α̂(M_Z)/(2π ŝ²(M_Z)): the normalisation in which X_t and P_c are quoted.
double z_penguin_normalisation();

/// The vector form factor f₊(q²) of ⟨P′|q̄′γ^μ q|P⟩ = f₊ (k + p)^μ + f₋ q^μ.
double meson_form_factor(MesonChannel channel, double q2_gev2);
/// W(z) of K⁺ → π⁺γ* (constants.hpp; the ππ loop term W^ππ omitted, docs/physics.md).
double k_pi_gamma_form_factor(double z);

/// C per unit ε and per unit δ′, and Φ = λ^{3/2}/(16π M³ m²): Γ = |C_ε ε + C_δ δ′|² Φ. All zero outside
/// 0 < m < M − m′. For B → K, C_ε is neglected (docs/physics.md: relative size (ε/δ′)(m/v)·0.26·C₉^γ ≲ 1e-3).
struct MesonAmplitudes
{
    std::complex<double> per_epsilon, per_delta_prime;
    double phase_space = 0;
};
MesonAmplitudes meson_amplitudes(MesonChannel channel, double m_zd_gev);

/// BR(P → P′ Z_d) at (m, ε, δ′).
double meson_branching_ratio(MesonChannel channel, double m_zd_gev, double epsilon, double delta_prime);

/// The branching ratio rotated so that the δ′ amplitude is real: BR = (u δ′ + v ε)² + (w ε)², u = |C_δ|√(Φ/Γ_P),
/// v + i w = C_ε e^{−i arg C_δ} √(Φ/Γ_P), u ≥ 0, w ≥ 0. δ′ = −v ε/u is the bottom of the cancellation valley,
/// where the rate falls to (w ε)², the part of the kinetic amplitude out of phase with the Z penguin.
struct MesonRateFactors
{
    double u = 0, v = 0, w = 0;
};
MesonRateFactors meson_rate_factors(MesonChannel channel, double m_zd_gev);
}  // namespace zdscan
