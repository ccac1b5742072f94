/// \file exact_delta_minimum.hpp
/// The minimum of χ²_total(δ) = Σ pull_i(δ)² over the continuous range [δ_lo, δ_hi] at one (m_Zd, ε) cell
/// (--delta-profile exact). With cubic pulls (pull_polynomial.hpp) χ² is a polynomial of degree ≤ 6, so its minimum
/// lies at an end of the range or at a real root of dχ²/dδ = 2 Σ pull_i pull_i' (degree ≤ 5). The roots in the range
/// are bracketed by the roots of the derivatives (those of degree 1, 2, …, 5 in turn: between two consecutive roots
/// of P' the polynomial P is monotonic and has at most one root) and polished by Newton steps safeguarded by
/// bisection. Plain loops over fixed-size arrays: the same code runs on the CPU and in the CUDA kernels.
#pragma once

#include <cmath>

#include "zdscan/physics/macros.hpp"
#include "zdscan/physics/pull_polynomial.hpp"

namespace zdscan
{
/// Most candidates delta_minimum_candidates returns.
inline constexpr int max_delta_candidates = 7;

struct DeltaMinimum
{
    double chi2 = HUGE_VAL;
    double delta = 0;
};

namespace detail
{
inline constexpr int max_degree = 5;

ZD_HD inline double horner(const double* c, int degree, double x)
{
    double v = c[degree];
    for (int k = degree - 1; k >= 0; --k) v = v * x + c[k];
    return v;
}

/// The root of the polynomial c (degree d) in [lo, hi], where it is monotonic and c(lo) = f_lo, c(hi) = f_hi have
/// opposite signs: Newton from the secant point, kept inside the shrinking bracket by bisection. Newton converges
/// quadratically, so once a step is below 1e-8 the next one is at the rounding level: that step ends it.
ZD_HD inline double polish_root(const double* c, const double* dc, int d, double lo, double hi, double f_lo,
                                double f_hi)
{
    double x = lo - f_lo * (hi - lo) / (f_hi - f_lo);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    for (int it = 0; it < 100; ++it)
    {
#ifdef ZD_COUNT
        ++zd_iterations[d];
#endif
        const double f = horner(c, d, x);
        if (f == 0) return x;
        if ((f < 0) == (f_lo < 0))
        {
            lo = x;
        }
        else
        {
            hi = x;
        }
        const double fp = horner(dc, d - 1, x);
        double next = fp != 0 ? x - f / fp : lo;
        const bool newton = next > lo && next < hi;
        if (!newton) next = 0.5 * (lo + hi);  // Newton left the bracket: bisect
        if ((newton && std::fabs(next - x) <= 1e-8) || !(hi - lo > 4e-16)) return next;
        x = next;
    }
    return x;
}

/// The real roots of c (degree ≤ max_degree, leading coefficients may be zero) inside (−1, 1), ascending. Returns
/// their number. Exact zeros of the polynomial at the bracket points count as roots.
ZD_HD inline int roots_in_unit_interval(const double* c, int degree, double* roots)
{
    // Derivative chain: level[d] holds the (degree − d)-th derivative … kept as coefficient arrays of degree d.
    double level[max_degree + 1][max_degree + 1] = {};
    for (int k = 0; k <= degree; ++k) level[degree][k] = c[k];
    for (int d = degree; d > 1; --d)
    {
        for (int k = 0; k < d; ++k) level[d - 1][k] = (k + 1) * level[d][k + 1];
    }
    // Roots of the degree-1 member, then upwards: the roots of level d bracket those of level d + 1.
    double found[max_degree + 1] = {};
    int n_found = 0;
    for (int d = 1; d <= degree; ++d)
    {
        const double* p = level[d];
        double next[max_degree + 1] = {};
        int n_next = 0;
        double a = -1.0, f_a = horner(p, d, a);
        for (int j = 0; j <= n_found; ++j)
        {
            const double b = j < n_found ? found[j] : 1.0;
            const double f_b = horner(p, d, b);
            if (f_a == 0 && a > -1.0)
            {
                next[n_next++] = a;
            }
            else if ((f_a < 0 && f_b > 0) || (f_a > 0 && f_b < 0))
            {
                next[n_next++] = d == 1 ? -p[0] / p[1] : polish_root(p, level[d - 1], d, a, b, f_a, f_b);
            }
            a = b;
            f_a = f_b;
        }
        n_found = n_next;
        for (int j = 0; j < n_found; ++j) found[j] = next[j];
    }
    for (int j = 0; j < n_found; ++j) roots[j] = found[j];
    return n_found;
}
}  // namespace detail

/// Where the minimum over δ ∈ [lo, hi] can be: the two ends and the real roots of dχ²/dδ inside (at most 7 values,
/// written to candidates; returns their number).
ZD_HD inline int delta_minimum_candidates(const CellPulls& pulls, double lo, double hi, double* candidates)
{
    candidates[0] = lo;
    candidates[1] = hi;
    if (!(hi > lo) || pulls.n_enabled == 0) return 2;
    // t ∈ [−1, 1] ↦ δ = mid + half t keeps the coefficients of comparable size. dχ²/dt / 2 = Σ q q'.
    const double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
    double deriv[detail::max_degree + 1] = {};
    for (int s = 0; s < pulls.n_enabled; ++s)
    {
        const double* c = pulls.p[s].c;
        // q(t) = Σ c_k (mid + half t)^k, expanded.
        const double m = mid, h = half;
        const double q[4] = {((c[3] * m + c[2]) * m + c[1]) * m + c[0], h * ((3.0 * c[3] * m + 2.0 * c[2]) * m + c[1]),
                             h * h * (3.0 * c[3] * m + c[2]), h * h * h * c[3]};
        const double dq[3] = {q[1], 2.0 * q[2], 3.0 * q[3]};
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 3; ++j) deriv[i + j] += q[i] * dq[j];
    }
    double roots[detail::max_degree] = {};
    const int n = detail::roots_in_unit_interval(deriv, detail::max_degree, roots);
    for (int j = 0; j < n; ++j)
    {
        const double delta = mid + half * roots[j];
        candidates[2 + j] = delta < lo ? lo : (delta > hi ? hi : delta);
    }
    return 2 + n;
}

/// The lowest of n (δ, χ²) pairs and `best`; ties go to the lowest δ.
ZD_HD inline DeltaMinimum lowest(const double* delta, const double* chi2, int n, DeltaMinimum best)
{
    for (int j = 0; j < n; ++j)
    {
        if (chi2[j] < best.chi2 || (chi2[j] == best.chi2 && delta[j] < best.delta)) best = {chi2[j], delta[j]};
    }
    return best;
}

/// The minimum of χ²_total over δ ∈ [lo, hi]; `hint` (e.g. the best grid point, with its χ²) is a candidate too,
/// so the result is never above it. Ties go to the lowest δ. (The CPU backend evaluates the candidates with its
/// vectorised δ loop, which gives the same bits as chi2_total here.)
ZD_HD inline DeltaMinimum exact_delta_minimum(const CellPulls& pulls, double lo, double hi, DeltaMinimum hint)
{
    double delta[2 + detail::max_degree], chi2[2 + detail::max_degree];
    const int n = delta_minimum_candidates(pulls, lo, hi, delta);
    for (int j = 0; j < n; ++j) chi2[j] = chi2_total(pulls, delta[j]);
    return lowest(delta, chi2, n, hint);
}
}  // namespace zdscan
