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
/// How a published limit at confidence level CL enters χ² (docs/searches.md, "Likelihood of a limit"). With
/// s = BR ε²/ε_CL² the expected signal in units of the limit's (ε⁴/ε_CL⁴ below a beam dump's band, where the
/// yield goes as production × decay in the volume):
/// - poisson0: a counting experiment that saw no events, −2 ln Λ = 2 s s_CL with s_CL = −ln(1 − CL) (2.303 at
///   90 %). At the limit χ² = −2 ln(1 − CL), which is the two-parameter Wilks threshold of the same CL (4.61 at
///   90 %): a search alone in the fit reproduces its published curve in the (m_Zd, ε) plane. The default.
/// - half_normal: a Gaussian in the rate truncated at zero, χ² = z_h² s² with z_h = Φ⁻¹((1 + CL)/2) (2.71 at 90 %).
/// - gaussian_rate: a Gaussian in the rate centred at zero, χ² = z² s² with z = Φ⁻¹(CL) (1.64 at 90 %; zdscan's
///   form before 2026-12).
enum class SearchLikelihood
{
    poisson0,
    half_normal,
    gaussian_rate
};
std::string to_string(SearchLikelihood form);
/// "poisson0", "half_normal" or "gaussian_rate"; false otherwise.
bool parse_search_likelihood(const std::string& text, SearchLikelihood& form);

/// χ² at the published limit (s = 1) for a form at CL: −2 ln(1 − CL), z_h², z².
double search_chi2_at_limit(SearchLikelihood form, double cl_percent);

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

/// Where a dark-photon limit applies to the Z_d (docs/searches.md, "Where the limits apply"). With
/// r = (m_Zd/m_Z)|δ′/ε| (the Z-like coupling ε_Z over ε, seed eq. 5) and s, c = sin, cos θ_W at low Q:
/// - a lepton's vector coupling e ε becomes e ε (1 + R_V) and it gains an axial one e ε R_A, R_V = (1 − 4s²)/(4sc) r
///   = 0.0268 r, R_A = r/(4sc) = 0.587 r: every lepton rate (production, decay) goes as P = (1 + R_V)² + R_A²;
/// - a new invisible channel opens, Z_d → νν̄ (three flavours, left-handed): Γ(3ν)/Γ_DP(ee) = 3r²/(8s²c²) = 2.06 r²,
///   so below the dimuon threshold BR(e⁺e⁻) is P/(P + 2.06 r²) of the dark photon's.
struct ZdRateShifts
{
    double r_v = 0, r_a = 0;
    double lepton_rate = 1;    ///< P = (1 + R_V)² + R_A²
    double nu_over_ee = 0;     ///< Γ(Z_d → 3ν)/Γ_DP(e⁺e⁻) = 3r²/(8s²c²)
    double br_ee_ratio = 1;    ///< BR(Z_d → e⁺e⁻)/BR_DP(e⁺e⁻) below 2m_μ, P/(P + ν)
};
ZdRateShifts zd_rate_shifts(double r);
/// The largest r at which every shift above stays within `tolerance` of the dark photon's (P − 1 and
/// 1 − BR(e⁺e⁻) ratio): 0.0697 for 1 %, set by BR(e⁺e⁻), where P alone would allow 0.109.
double search_max_coupling_ratio(double tolerance = 0.01);
/// r = (m_Zd/m_Z)|δ′/ε| at a point (δ′ = δ + (m_Zd/m_Z) ε tanθ_W, eq. 4).
double search_coupling_ratio(double m_zd_gev, double epsilon, double delta);

/// The Z_d's own decays at (m, ε, δ), as fractions of the channels zdscan computes: e⁺e⁻ and μ⁺μ⁻ (vector and axial
/// parts with their phase space) and three neutrinos. Hadrons open above 2m_π (0.2792 GeV), where DarkCast takes them
/// from the measured R ratio; zdscan has no R table, so hadrons_open says the fractions there omit them.
struct ZdBranchingFractions
{
    double ee = 0, mumu = 0, nunu = 0;
    bool hadrons_open = false;
};
ZdBranchingFractions zd_branching_fractions(double m_zd_gev, double epsilon, double delta);

/// One-sided Gaussian quantile z with Φ(z) = cl_percent/100 (cl in (50, 100)).
double one_sided_z(double cl_percent);

/// The two per-mass factors of MassTerms for a search at mass m [GeV], with a = √(χ² at the limit) of its form:
/// a one-sided limit gives f = a BR/ε_lo² (the pull f ε², search_power 2) or, for poisson0, f = a √BR/ε_lo (the
/// pull f ε, search_power 1); a band gives f = a/ε_lo² and fa = a ε_hi² (the pull f ε² below its middle, fa/ε²
/// above; BR = 1). Both 0 outside the table's mass range or above valid_below_gev. ε_lo and ε_hi are interpolated
/// linearly in (log m, log ε) between the table's masses.
struct SearchFactors
{
    double f = 0, fa = 0;
};
SearchFactors search_factors(const SearchLimitTable& table, double m_gev, double scale, int power,
                             double branching_fraction, double valid_below_gev);
/// a = √(χ² at the limit) of a form at CL (for gaussian_rate exactly one_sided_z: the same bits as before). A
/// bisection: computed once per search, not per mass.
double search_scale(SearchLikelihood form, double cl_percent);
/// The power of ε in a search's pull below its band's middle: 1 for a one-sided poisson0 limit (χ² ∝ ε²), else 2.
int search_power(SearchLikelihood form, bool band);

/// ε_lo and ε_hi at m [GeV] (log-log interpolation); false outside the table's range.
bool search_edges(const SearchLimitTable& table, double m_gev, double& lower, double& upper);
}  // namespace zdscan
