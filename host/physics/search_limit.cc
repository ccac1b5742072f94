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

SearchFactors search_factors(const SearchLimitTable& t, double m_gev, double z, double branching_fraction,
                             double valid_below_gev)
{
    SearchFactors s;
    double lower = 0, upper = 0;
    if (m_gev > valid_below_gev || !search_edges(t, m_gev, lower, upper)) return s;
    if (t.band() && !(upper > lower)) return s;  // the band closes here: no exclusion
    s.f = z * branching_fraction / (lower * lower);
    if (t.band()) s.fa = z * upper * upper;  // the upper edge is set by the decay length, not the rate: no BR
    return s;
}
}  // namespace zdscan
