/// \file test_meson_decay.cc
/// K⁺ → π⁺ Z_d and B⁺ → K⁺ Z_d (meson_decay.hpp) against independent references: the SM rates of K⁺ → π⁺νν̄ and
/// K⁺ → π⁺e⁺e⁻ that the same couplings give, the polarisation sum done with explicit vectors, the m → 0 closed form
/// of the longitudinal emission, and a brute-force search of the interference valley.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/meson_decay.hpp"

namespace zdscan
{
namespace
{
namespace c = constants;

/// ∫_a^b f by composite Simpson in log(s − a + s0) (the K → πee integrand peaks at threshold).
template<class F>
double integrate_log(F f, double a, double b, int n = 20000)
{
    const double s0 = 1e-9;
    const double ua = std::log(s0), ub = std::log(b - a + s0);
    const double h = (ub - ua) / n;
    double sum = 0;
    for (int i = 0; i <= n; ++i)
    {
        const double u = ua + i * h;
        const double s = a + std::exp(u) - s0;
        const double w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
        sum += w * f(s) * std::exp(u);
    }
    return sum * h / 3;
}

TEST(MesonDecay, TheSdZCouplingReproducesTheStandardModelKToPiNuNu)
{
    // H = (G_F/√2)(α/(2π s²)) X_eff (s̄d)_{V−A}(ν̄ν)_{V−A} per flavour, with the K_ℓ3 structure:
    // dΓ/dq² = 3 G² f₊(q²)² λ^{3/2}/(192 π³ m_K³), G = G_F (α/(2π s²)) |X_eff|. Reference: the standard formula
    // BR = κ₊ (1 + Δ_EM) [(Im λ_t X_t/λ⁵)² + (Re λ_c P_c/λ + Re λ_t X_t/λ⁵)²], κ₊ = 0.5173e-10 (λ/0.225)⁸
    // (Mescia, Smith, PRD 76, 034017 (2007)), Δ_EM = −0.003, which takes the form factor from K_e3 by isospin.
    const auto x = flavour_changing_z_coupling(MesonChannel::k_to_pi);
    const double g = c::g_fermi_gev2 * z_penguin_normalisation() * std::abs(x);
    const double mk = c::m_k_charged_gev, mpi = c::m_pi_charged_gev;
    const double width = integrate_log(
        [&](double s)
        {
            const double ff = meson_form_factor(MesonChannel::k_to_pi, s);
            const double l = kallen(mk * mk, mpi * mpi, s);
            return 3 * g * g * ff * ff * l * std::sqrt(l) / (192 * std::pow(c::pi, 3) * mk * mk * mk);
        },
        0, (mk - mpi) * (mk - mpi));
    const double br = width / meson_kinematics(MesonChannel::k_to_pi).width_gev;

    const double lam = c::ckm_lambda;
    const double lam5 = std::pow(lam, 5);
    const CkmFactors l = ckm_factors(MesonChannel::k_to_pi);  // the same CKM factors in both: this checks the rest
    const double re_lt = l.top.real(), im_lt = l.top.imag(), re_lc = l.charm.real();
    const double p_c = c::p_charm * std::pow(c::p_charm_lambda / lam, 4);  // the same X_c at this λ
    const double kappa = 0.5173e-10 * std::pow(lam / 0.225, 8);
    const double reference = kappa * (1 - 0.003)
                             * (std::pow(im_lt * c::x_top / lam5, 2)
                                + std::pow(re_lc * p_c / lam + re_lt * c::x_top / lam5, 2));
    EXPECT_NEAR(reference, 8.4e-11, 0.3e-11);  // the SM value (Buras et al. 2015: 8.4 ± 1.0)
    EXPECT_NEAR(br / reference, 1.0, 0.03) << br << " vs " << reference;  // isospin breaking (r_K+) and f₊ shape
}

TEST(MesonDecay, CkmFactorsAgreeWithTheWolfensteinExpansion)
{
    // Buras, Lautenbacher, Ostermaier (PRD 50, 3433 (1994)): Re λ_t = −(1 − λ²/2) A²λ⁵(1 − ρ̄), Im λ_t = η̄ A²λ⁵,
    // Re λ_c = −λ(1 − λ²/2), to their next order (λ² = 0.05 relative; λ⁴ for λ_c); V_ts ≈ −Aλ², so
    // λ_t(b → s) ≈ −Aλ², and λ_u(b → s) = −λ_t − λ_c ≈ Aλ⁴(ρ̄ − iη̄).
    const double lam = c::ckm_lambda, a = c::ckm_a, lam5 = std::pow(lam, 5);
    const CkmFactors k = ckm_factors(MesonChannel::k_to_pi);
    const double next = lam * lam;
    EXPECT_NEAR(k.top.real() / (-(1 - lam * lam / 2) * a * a * lam5 * (1 - c::ckm_rho_bar)), 1.0, next);
    EXPECT_NEAR(k.top.imag() / (c::ckm_eta_bar * a * a * lam5), 1.0, next);
    EXPECT_NEAR(k.charm.real() / (-lam * (1 - lam * lam / 2)), 1.0, next * next);
    EXPECT_NEAR(k.charm.imag(), -k.top.imag(), 1e-3 * k.top.imag());  // unitarity: λ_u is real
    const CkmFactors b = ckm_factors(MesonChannel::b_to_k);
    EXPECT_NEAR(b.top.real() / (-a * lam * lam), 1.0, next);
    const double lu = a * std::pow(lam, 4) * std::abs(std::complex<double>(c::ckm_rho_bar, -c::ckm_eta_bar));
    EXPECT_NEAR(std::abs(b.top + b.charm) / lu, 1.0, next);
}

TEST(MesonDecay, TheKineticAmplitudeReproducesKToPiEE)
{
    // At ε = 1 the Z_d is the photon: BR(K⁺ → π⁺e⁺e⁻) = ∫ ds Γ(K → πV; s) α (1 + 2r)√(1 − 4r)/(3π s), r = m_e²/s.
    // Second method: D'Ambrosio et al. (1998) eq. (2.9), dΓ/dz = α² m_K/(12π (4π)⁴) λ^{3/2}(1, z, r_π²)
    // √(1 − 4r) (1 + 2r) |W(z)|². Both against the measured (3.00 ± 0.09)e-7 (PDG 2024) within the form factor's
    // uncertainty (a₊ ± 0.016 moves it ±5.5 %) and the omitted ππ loop (W^ππ, a few per cent).
    const double mk = c::m_k_charged_gev, mpi = c::m_pi_charged_gev, me = c::m_e_gev;
    const double s_min = 4 * me * me, s_max = (mk - mpi) * (mk - mpi);
    const double gamma_k = meson_kinematics(MesonChannel::k_to_pi).width_gev;
    const double convolved = integrate_log(
        [&](double s)
        {
            const double r = me * me / s;
            const double gv = meson_branching_ratio(MesonChannel::k_to_pi, std::sqrt(s), 1, 0) * gamma_k;
            return gv * c::alpha * (1 + 2 * r) * std::sqrt(std::max(0.0, 1 - 4 * r)) / (3 * c::pi * s);
        },
        s_min, s_max);
    const double rpi2 = mpi * mpi / (mk * mk);
    const double deip = integrate_log(
        [&](double z)
        {
            const double r = me * me / (z * mk * mk);
            const double l = std::max(0.0, kallen(1, z, rpi2));
            const double w = k_pi_gamma_form_factor(z);
            return c::alpha * c::alpha * mk / (12 * c::pi * std::pow(4 * c::pi, 4)) * l * std::sqrt(l)
                   * std::sqrt(std::max(0.0, 1 - 4 * r)) * (1 + 2 * r) * w * w;
        },
        s_min / (mk * mk), s_max / (mk * mk));
    EXPECT_NEAR(convolved / deip, 1.0, 1e-6);
    EXPECT_NEAR(convolved / gamma_k / 3.00e-7, 1.0, 0.10) << convolved / gamma_k;
}

TEST(MesonDecay, PolarisationSumEqualsTheExplicitLongitudinalVector)
{
    // In the parent's rest frame, Z_d along z with momentum p and energy E: ε_L = (p, 0, 0, E)/m, and
    // (k + p_π)·ε_L with k + p_π = 2k − q is the only non-zero helicity amplitude; Γ = |C (k+p)·ε_L|² p/(8π M²).
    for (const double m : {0.001, 0.047, 0.2, 0.33})
    {
        const MesonKinematics k = meson_kinematics(MesonChannel::k_to_pi);
        const double big_m = k.m_parent_gev;
        const double p = std::sqrt(kallen(big_m * big_m, k.m_daughter_gev * k.m_daughter_gev, m * m)) / (2 * big_m);
        const double e = std::sqrt(p * p + m * m);
        // 2k − q = (2M − E, 0, 0, −p); contracted with ε_L (metric +−−−): [(2M − E) p − (−p) E]/m = 2 M p/m
        const double contraction = ((2 * big_m - e) * p + p * e) / m;
        const MesonAmplitudes a = meson_amplitudes(MesonChannel::k_to_pi, m);
        const double explicit_width = std::norm(a.per_delta_prime) * contraction * contraction * p / (8 * c::pi * big_m * big_m);
        EXPECT_NEAR(std::norm(a.per_delta_prime) * a.phase_space / explicit_width, 1.0, 1e-12) << m;
    }
}

TEST(MesonDecay, LightZdIsEmittedWithAnAmplitudeInDeltaPrimeNotInEpsilonZ)
{
    // m → 0: Γ/δ′² → (α̂/(2πŝ²))² |X_eff|² f₊(0)² (M² − m′²)³/(16π M³ v²), finite (Goldstone equivalence), while
    // the kinetic part vanishes as m² (a photon cannot be emitted in 0⁻ → 0⁻).
    for (const MesonChannel ch : {MesonChannel::k_to_pi, MesonChannel::b_to_k})
    {
        const MesonKinematics k = meson_kinematics(ch);
        const double v2 = 1 / (std::sqrt(2.0) * c::g_fermi_gev2);
        const double d = k.m_parent_gev * k.m_parent_gev - k.m_daughter_gev * k.m_daughter_gev;
        const double f0 = meson_form_factor(ch, 0);
        const double closed = std::pow(z_penguin_normalisation(), 2) * std::norm(flavour_changing_z_coupling(ch)) * f0
                              * f0 * d * d * d / (16 * c::pi * std::pow(k.m_parent_gev, 3) * v2) / k.width_gev;
        EXPECT_NEAR(meson_branching_ratio(ch, 1e-6, 0, 1) / closed, 1.0, 1e-9) << to_string(ch);
        if (ch == MesonChannel::k_to_pi)
        {
            EXPECT_NEAR(closed, 8.6e-3, 0.3e-3);  // BR(K⁺ → π⁺ Z_d) ≈ 8.6e-3 δ′² for a light Z_d
            const double r1 = meson_branching_ratio(ch, 1e-3, 1, 0), r2 = meson_branching_ratio(ch, 2e-3, 1, 0);
            EXPECT_NEAR(r2 / r1, 4.0, 1e-3);  // ∝ m² at small m
        }
        else
        {
            EXPECT_NEAR(closed, 1.4, 0.05);  // BR(B⁺ → K⁺ Z_d) ≈ 1.4 δ′²
            EXPECT_EQ(meson_branching_ratio(ch, 1.0, 1, 0), 0.0);  // C_ε neglected (docs/physics.md)
        }
    }
}

TEST(MesonDecay, InterferenceIsPartialAndItsSignIsThatOfEpsilonDeltaPrime)
{
    // The rotated factors against the direct rate, and the valley found by brute force over δ′.
    const double m = 0.1, eps = 1e-3;
    const MesonRateFactors f = meson_rate_factors(MesonChannel::k_to_pi, m);
    for (const double dp : {-3e-4, -1e-5, 0.0, 2e-5, 5e-4})
    {
        const double direct = meson_branching_ratio(MesonChannel::k_to_pi, m, eps, dp);
        const double rotated = std::pow(f.u * dp + f.v * eps, 2) + std::pow(f.w * eps, 2);
        EXPECT_NEAR(rotated / direct, 1.0, 1e-12) << dp;
    }
    double best = 1e300, best_dp = 0;
    for (int i = -200000; i <= 200000; ++i)
    {
        const double dp = i * 1e-9;
        const double br = meson_branching_ratio(MesonChannel::k_to_pi, m, eps, dp);
        if (br < best) best = br, best_dp = dp;
    }
    EXPECT_NEAR(best_dp, -f.v * eps / f.u, 1e-9);
    EXPECT_LT(best_dp, 0);  // W(z) and Re X_eff are both negative: destructive for ε δ′ < 0
    EXPECT_NEAR(best / std::pow(f.w * eps, 2), 1.0, 1e-3);
    const double at_zero = meson_branching_ratio(MesonChannel::k_to_pi, m, eps, 0);
    EXPECT_GT(best, 0.05 * at_zero);  // partial: the CKM phase keeps a floor (w/|v + iw| = 0.28)
    EXPECT_LT(best, 0.15 * at_zero);
    // The asymmetry under δ′ → −δ′ at the valley's depth.
    EXPECT_GT(meson_branching_ratio(MesonChannel::k_to_pi, m, eps, -best_dp), 10 * best);
    // Above the kinematic end point nothing.
    EXPECT_EQ(meson_rate_factors(MesonChannel::k_to_pi, 0.36).u, 0.0);
}
}  // namespace
}  // namespace zdscan
