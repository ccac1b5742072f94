/// \file meson_decay.cc
#include "zdscan/physics/meson_decay.hpp"

#include <cmath>

#include "zdscan/physics/constants.hpp"

namespace zdscan
{
namespace c = constants;

std::string to_string(MesonChannel channel)
{
    return channel == MesonChannel::k_to_pi ? "K+ -> pi+" : "B+ -> K+";
}

bool parse_meson_channel(const std::string& text, MesonChannel& channel)
{
    if (text == "K+ -> pi+") channel = MesonChannel::k_to_pi;
    else if (text == "B+ -> K+") channel = MesonChannel::b_to_k;
    else return false;
    return true;
}

MesonKinematics meson_kinematics(MesonChannel channel)
{
    if (channel == MesonChannel::k_to_pi)
        return {c::m_k_charged_gev, c::m_pi_charged_gev, c::hbar_gev_s / c::tau_k_charged_s};
    return {c::m_b_charged_gev, c::m_k_charged_gev, c::hbar_gev_s / c::tau_b_charged_s};
}

double kallen(double a, double b, double c)
{
    return a * a + b * b + c * c - 2 * a * b - 2 * a * c - 2 * b * c;
}

std::complex<double> flavour_changing_z_coupling(MesonChannel channel)
{
    const double lam = c::ckm_lambda, a = c::ckm_a, rho = c::ckm_rho_bar, eta = c::ckm_eta_bar;
    const double lam2 = lam * lam, lam4 = lam2 * lam2, lam5 = lam4 * lam;
    const double x_charm = std::pow(c::p_charm_lambda, 4) * c::p_charm;  // X_c = λ_ref⁴ P_c
    if (channel == MesonChannel::k_to_pi)
    {
        // λ_t = V_ts* V_td, λ_c = V_cs* V_cd (Buras, Lautenbacher, Ostermaier, PRD 50, 3433 (1994)):
        // Re λ_t = −(1 − λ²/2) A² λ⁵ (1 − ρ̄), Im λ_t = η̄ A² λ⁵, Re λ_c = −λ (1 − λ²/2), Im λ_c = −Im λ_t.
        const std::complex<double> lt(-(1 - lam2 / 2) * a * a * lam5 * (1 - rho), eta * a * a * lam5);
        const std::complex<double> lc(-lam * (1 - lam2 / 2), -lt.imag());
        return lt * c::x_top + lc * x_charm;
    }
    // λ_t = V_tb V_ts* = −Aλ² + Aλ⁴(1/2 − ρ̄ + iη̄), λ_u = V_ub V_us* = Aλ⁴(ρ̄ − iη̄), λ_c = −λ_t − λ_u (unitarity).
    const std::complex<double> lt(-a * lam2 + a * lam4 * (0.5 - rho), a * lam4 * eta);
    const std::complex<double> lu(a * lam4 * rho, -a * lam4 * eta);
    return lt * c::x_top + (-lt - lu) * x_charm;
}

double z_penguin_normalisation()
{
    return c::alpha_hat_mz / (2 * c::pi * c::s2w_mz);
}

double meson_form_factor(MesonChannel channel, double q2)
{
    if (channel == MesonChannel::k_to_pi) return c::f_plus_k_pi_0 / (1 - q2 / (c::m_pole_k_pi_gev * c::m_pole_k_pi_gev));
    return c::f_plus_b_k_r1 / (1 - q2 / (c::f_plus_b_k_m1_gev * c::f_plus_b_k_m1_gev))
           + c::f_plus_b_k_r2 / (1 - q2 / c::f_plus_b_k_mfit2_gev2);
}

double k_pi_gamma_form_factor(double z)
{
    return c::g_fermi_gev2 * c::m_k_charged_gev * c::m_k_charged_gev * (c::w_a_plus + c::w_b_plus * z);
}

MesonAmplitudes meson_amplitudes(MesonChannel channel, double m)
{
    MesonAmplitudes a;
    const MesonKinematics k = meson_kinematics(channel);
    if (!(m > 0) || !(m < k.m_parent_gev - k.m_daughter_gev)) return a;
    const double big_m2 = k.m_parent_gev * k.m_parent_gev;
    const double lam = kallen(big_m2, k.m_daughter_gev * k.m_daughter_gev, m * m);
    a.phase_space = lam * std::sqrt(lam) / (16 * c::pi * big_m2 * k.m_parent_gev * m * m);
    const double v_ew = 1 / std::sqrt(std::sqrt(2.0) * c::g_fermi_gev2);  // 246.22 GeV
    a.per_delta_prime =
        (m / v_ew) * z_penguin_normalisation() * flavour_changing_z_coupling(channel) * meson_form_factor(channel, m * m);
    if (channel == MesonChannel::k_to_pi)
    {
        const double z = m * m / big_m2;
        const double e = std::sqrt(4 * c::pi * c::alpha);
        a.per_epsilon = e * k_pi_gamma_form_factor(z) * z / (16 * c::pi * c::pi);
    }
    return a;
}

double meson_branching_ratio(MesonChannel channel, double m, double epsilon, double delta_prime)
{
    const MesonAmplitudes a = meson_amplitudes(channel, m);
    return std::norm(a.per_epsilon * epsilon + a.per_delta_prime * delta_prime) * a.phase_space
           / meson_kinematics(channel).width_gev;
}

MesonRateFactors meson_rate_factors(MesonChannel channel, double m)
{
    MesonRateFactors r;
    const MesonAmplitudes a = meson_amplitudes(channel, m);
    if (a.phase_space == 0) return r;
    const double scale = std::sqrt(a.phase_space / meson_kinematics(channel).width_gev);
    const double size = std::abs(a.per_delta_prime);
    const std::complex<double> rotated =
        size > 0 ? a.per_epsilon * std::conj(a.per_delta_prime) / size : a.per_epsilon;
    r.u = size * scale;
    r.v = rotated.real() * scale;
    r.w = std::abs(rotated.imag()) * scale;
    return r;
}
}  // namespace zdscan
