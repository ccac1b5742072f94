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

CkmFactors ckm_factors(MesonChannel channel)
{
    using cplx = std::complex<double>;
    const double lam = c::ckm_lambda, a = c::ckm_a;
    const cplx rho_eta(c::ckm_rho_bar, c::ckm_eta_bar);
    const double a2l4 = a * a * lam * lam * lam * lam;
    const cplx s13e = a * lam * lam * lam * rho_eta * std::sqrt(1 - a2l4) / (std::sqrt(1 - lam * lam) * (1.0 - a2l4 * rho_eta));
    const double s12 = lam, s23 = a * lam * lam, s13 = std::abs(s13e);
    const double c12 = std::sqrt(1 - s12 * s12), c23 = std::sqrt(1 - s23 * s23), c13 = std::sqrt(1 - s13 * s13);
    const cplx e = s13e;  // s₁₃ e^{iδ}
    // Rows u, c, t; columns d, s, b (PDG standard parametrisation).
    const cplx v_cd = -s12 * c23 - c12 * s23 * e, v_cs = c12 * c23 - s12 * s23 * e, v_cb = s23 * c13;
    const cplx v_td = s12 * s23 - c12 * c23 * e, v_ts = -c12 * s23 - s12 * c23 * e, v_tb = c23 * c13;
    if (channel == MesonChannel::k_to_pi) return {std::conj(v_ts) * v_td, std::conj(v_cs) * v_cd};
    return {v_tb * std::conj(v_ts), v_cb * std::conj(v_cs)};
}

std::complex<double> flavour_changing_z_coupling(MesonChannel channel)
{
    const double x_charm = std::pow(c::p_charm_lambda, 4) * c::p_charm;  // X_c = λ_ref⁴ P_c
    const CkmFactors l = ckm_factors(channel);
    return l.top * c::x_top + l.charm * x_charm;
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
