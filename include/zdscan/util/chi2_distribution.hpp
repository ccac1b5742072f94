/// \file chi2_distribution.hpp
/// The χ² distribution for the summary's statistics (host only): its survival function for integer degrees of
/// freedom, the one-parameter Δχ² of a CL, and the two-sided Gaussian significance of a p-value. Closed forms and
/// erf/erfc bisection: exact to rounding, no special-function library.
#pragma once

#include <cmath>

namespace zdscan
{
/// P(χ²_k > x) for integer k ≥ 1: Q(1, x) = erfc(√(x/2)), Q(2, x) = e^{−x/2}, and
/// Q(k + 2, x) = Q(k, x) + (x/2)^{k/2} e^{−x/2} / Γ(k/2 + 1) (Abramowitz & Stegun 26.4.4, 26.4.5).
inline double chi2_survival(double x, int k)
{
    if (!(x > 0)) return 1.0;
    const double half = 0.5 * x;
    double q = (k % 2) ? std::erfc(std::sqrt(half)) : std::exp(-half);
    for (int j = (k % 2) ? 1 : 2; j + 2 <= k; j += 2)
    {
        // (x/2)^{j/2} e^{-x/2} / Γ(j/2 + 1), in logs so that large x and j neither overflow nor underflow early
        q += std::exp(0.5 * j * std::log(half) - half - std::lgamma(0.5 * j + 1));
    }
    return std::fmin(q, 1.0);
}

/// The two-sided Gaussian significance Z of a p-value: p = erfc(Z/√2) (Z = √Δχ² for one parameter).
inline double significance_sigma(double p)
{
    if (!(p < 1)) return 0.0;
    if (!(p > 0)) return INFINITY;
    double lo = 0, hi = 40;  // erfc(40/√2) ≈ 4e-350 underflows: every double p > 0 lies inside
    for (int k = 0; k < 200 && hi - lo > 1e-15 * hi; ++k)
    {
        const double mid = 0.5 * (lo + hi);
        (std::erfc(mid / std::sqrt(2.0)) > p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

/// Δχ² of a two-sided CL p for one parameter (Wilks): the χ²₁ quantile, Z² with p = erf(Z/√2).
inline double delta_chi2_one_dof(double p)
{
    const double z = significance_sigma(1 - p);
    return z * z;
}
}  // namespace zdscan
