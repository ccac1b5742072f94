/// \file search_limit.cc
#include "zdscan/physics/search_limit.hpp"

#include <algorithm>
#include <cmath>

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/dark_z_model.hpp"
#include "zdscan/util/chi2_distribution.hpp"

namespace zdscan
{
double search_coupling_ratio(double m_zd_gev, double epsilon, double delta)
{
    // θ_W at low Q (ŝ²(0)): the searches run at Q ≲ 1 GeV.
    const double tan_w = std::sqrt(constants::s2w_0 / (1 - constants::s2w_0));
    return m_zd_gev / constants::m_z_gev * std::fabs(delta_prime(m_zd_gev, epsilon, delta, tan_w) / epsilon);
}

namespace
{
/// sin θ_W, cos θ_W at low Q (ŝ²(0)): the searches run at Q ≲ 1 GeV.
double sin_w() { return std::sqrt(constants::s2w_0); }
double cos_w() { return std::sqrt(1 - constants::s2w_0); }
}  // namespace

ZdRateShifts zd_rate_shifts(double r)
{
    ZdRateShifts z;
    const double sc = sin_w() * cos_w();
    z.r_v = (1 - 4 * constants::s2w_0) / (4 * sc) * r;
    z.r_a = r / (4 * sc);
    z.lepton_rate = (1 + z.r_v) * (1 + z.r_v) + z.r_a * z.r_a;
    z.nu_over_ee = 3 * r * r / (8 * sc * sc);
    z.br_ee_ratio = z.lepton_rate / (z.lepton_rate + z.nu_over_ee);
    return z;
}

double search_max_coupling_ratio(double tolerance)
{
    // Both shifts grow with r: bisect for the first r where either reaches the tolerance.
    auto off = [&](double r)
    {
        const ZdRateShifts z = zd_rate_shifts(r);
        return std::max(std::fabs(z.lepton_rate - 1), 1 - z.br_ee_ratio) - tolerance;
    };
    double lo = 0, hi = 1;
    for (int i = 0; i < 200 && hi - lo > 1e-15; ++i)
    {
        const double mid = 0.5 * (lo + hi);
        (off(mid) < 0 ? lo : hi) = mid;
    }
    return lo;
}

ZdBranchingFractions zd_branching_fractions(double m_zd_gev, double epsilon, double delta)
{
    ZdBranchingFractions b;
    const ZdRateShifts z = zd_rate_shifts(search_coupling_ratio(m_zd_gev, epsilon, delta));
    // Γ(V → ℓℓ) ∝ (1 + R_V)² β(3 − β²)/2 + R_A² β³ (vector and axial parts), β = √(1 − 4m_ℓ²/m²); units Γ_DP(ee, β=1).
    auto lepton = [&](double m_lepton)
    {
        const double x = 4 * m_lepton * m_lepton / (m_zd_gev * m_zd_gev);
        if (x >= 1) return 0.0;
        const double beta = std::sqrt(1 - x);
        return (1 + z.r_v) * (1 + z.r_v) * beta * (3 - beta * beta) / 2 + z.r_a * z.r_a * beta * beta * beta;
    };
    const double ee = lepton(constants::m_e_gev), mumu = lepton(constants::m_mu_gev), nunu = z.nu_over_ee;
    const double total = ee + mumu + nunu;
    if (total > 0) b.ee = ee / total, b.mumu = mumu / total, b.nunu = nunu / total;
    b.hadrons_open = m_zd_gev > 2 * constants::m_pi_charged_gev;
    return b;
}

double one_sided_z(double cl_percent)
{
    // P(Z < z) = CL ⟺ P(|Z| < z) = 2 CL − 1: z² is the χ²₁ quantile of 2 CL − 1.
    return std::sqrt(delta_chi2_one_dof(2 * cl_percent / 100 - 1));
}

bool search_edges(const SearchLimitTable& t, double m_gev, double& lower, double& upper)
{
    const auto& m = t.mass_gev;
    if (m.empty() || !(m_gev >= m.front() && m_gev <= m.back())) return false;
    // The last row at or below m (a repeated mass: its last row, the one the reader kept).
    const std::size_t j = static_cast<std::size_t>(std::upper_bound(m.begin(), m.end(), m_gev) - m.begin()) - 1;
    auto at = [&](const std::vector<double>& v)
    {
        if (j + 1 >= m.size() || m[j] == m_gev) return v[j];
        const double x = std::log(m_gev / m[j]) / std::log(m[j + 1] / m[j]);
        return std::exp(std::log(v[j]) + x * (std::log(v[j + 1]) - std::log(v[j])));
    };
    lower = at(t.lower);
    upper = t.band() ? at(t.upper) : 0.0;
    return true;
}

std::string to_string(SearchLikelihood form)
{
    switch (form)
    {
        case SearchLikelihood::poisson0: return "poisson0";
        case SearchLikelihood::half_normal: return "half_normal";
        case SearchLikelihood::gaussian_rate: return "gaussian_rate";
    }
    return "poisson0";
}

bool parse_search_likelihood(const std::string& text, SearchLikelihood& form)
{
    for (SearchLikelihood f : {SearchLikelihood::poisson0, SearchLikelihood::half_normal, SearchLikelihood::gaussian_rate})
    {
        if (text == to_string(f))
        {
            form = f;
            return true;
        }
    }
    return false;
}

double search_chi2_at_limit(SearchLikelihood form, double cl_percent)
{
    const double cl = cl_percent / 100;
    switch (form)
    {
        case SearchLikelihood::poisson0: return -2 * std::log1p(-cl);           // 2 s_CL, s_CL = −ln(1 − CL)
        case SearchLikelihood::half_normal: return delta_chi2_one_dof(cl);      // P(|Z| < z_h) = CL
        case SearchLikelihood::gaussian_rate: return delta_chi2_one_dof(2 * cl - 1);  // P(Z < z) = CL
    }
    return 0;
}

int search_power(SearchLikelihood form, bool band)
{
    return form == SearchLikelihood::poisson0 && !band ? 1 : 2;
}

double search_scale(SearchLikelihood form, double cl_percent)
{
    return form == SearchLikelihood::gaussian_rate ? one_sided_z(cl_percent)
                                                   : std::sqrt(search_chi2_at_limit(form, cl_percent));
}

SearchFactors search_factors(const SearchLimitTable& t, double m_gev, double a, int power, double branching_fraction,
                             double valid_below_gev)
{
    SearchFactors s;
    double lower = 0, upper = 0;
    if (m_gev > valid_below_gev || !search_edges(t, m_gev, lower, upper)) return s;
    if (t.band() && !(upper > lower)) return s;  // the band closes here: no exclusion
    if (power == 1)
    {
        s.f = a * std::sqrt(branching_fraction) / lower;  // χ² = a² BR ε²/ε_lo²
        return s;
    }
    s.f = a * branching_fraction / (lower * lower);
    if (t.band()) s.fa = a * upper * upper;  // the upper edge is set by the decay length, not the rate: no BR
    return s;
}
}  // namespace zdscan
