/// \file search_limit.hpp
/// A published direct-search limit as a measurement (kind search_limit; docs/physics.md, "Direct searches"): the
/// limit ε_CL(m) of a search at confidence level CL on a rate ∝ ε² enters as a Gaussian in the rate centred at zero,
///   χ² = z_CL² (BR ε²/ε_CL(m)²)²,   z_CL = Φ⁻¹(CL) (1.2816 at 90 %),
/// BR the Z_d's branching fraction into what the search sees (1 by default). An excluded band [ε_lo(m), ε_hi(m)]
/// (beam dumps: at large ε the Z_d decays before the detector) takes the lower edge as above and, above the band's
/// geometric middle, z² (ε_hi/ε)⁴: z² at either edge, larger inside, falling off outside. The term depends on
/// (m, ε) only, so the exact δ profile stays exact. Host code: the table and its interpolation.
#pragma once

#include <string>
#include <vector>

namespace zdscan
{
/// ε_CL(m) of one search: masses [GeV] increasing (a repeated mass keeps the larger exclusion there), the lower edge
/// (the limit, for a one-sided search) and, for an excluded band, the upper edge (empty otherwise).
struct SearchLimitTable
{
    std::vector<double> mass_gev;
    std::vector<double> lower;
    std::vector<double> upper;
    bool band() const { return !upper.empty(); }
};

/// The couplings a limit table may hold. No search reaches below 1e-30, and DarkCast writes 1e5 for "no limit" in
/// veto gaps; the bounds keep z BR/ε_lo² and z ε_hi² (and their squares on any grid) finite, so that a table is
/// refused when read (exit 2) rather than stopping the scan with a non-finite χ².
inline constexpr double min_search_coupling = 1e-30;
inline constexpr double max_search_coupling = 1e30;

/// Where a dark-photon limit applies to the Z_d (docs/physics.md, "Direct searches"): the δ′ couplings of eq. (5)
/// change a lepton's rates by 2 R_V + R_A², R_V = 0.027 r, R_A = 0.587 r with r = (m_Zd/m_Z)|δ′/ε| (and a π⁰'s by
/// 2 · 0.027 r); r ≤ 0.17 keeps every rate of the usual searches within 1 %.
inline constexpr double search_max_suppression = 0.17;
/// r = (m_Zd/m_Z)|δ′/ε| at a point (δ′ = δ + (m_Zd/m_Z) ε tanθ_W, eq. 4).
double search_coupling_ratio(double m_zd_gev, double epsilon, double delta);

/// One-sided Gaussian quantile z with Φ(z) = cl_percent/100 (cl in (50, 100)).
double one_sided_z(double cl_percent);

/// The two per-mass factors of MassTerms for a search at mass m [GeV]: f = z BR/ε_lo², fa = z ε_hi² (0 for a
/// one-sided limit), both 0 outside the table's mass range or above valid_below_gev. ε_lo and ε_hi are interpolated
/// linearly in (log m, log ε) between the table's masses.
struct SearchFactors
{
    double f = 0, fa = 0;
};
SearchFactors search_factors(const SearchLimitTable& table, double m_gev, double z, double branching_fraction,
                             double valid_below_gev);

/// ε_lo and ε_hi at m [GeV] (log-log interpolation); false outside the table's range.
bool search_edges(const SearchLimitTable& table, double m_gev, double& lower, double& upper);
}  // namespace zdscan
