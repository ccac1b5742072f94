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
    // Derivative chain: level[d] is the derivative of order (degree − d), a polynomial of degree d.
    double level[max_degree + 1][max_degree + 1];
    for (int k = 0; k <= degree; ++k) level[degree][k] = c[k];
    for (int d = degree; d > 1; --d)
    {
        for (int k = 0; k < d; ++k) level[d - 1][k] = (k + 1) * level[d][k + 1];
    }
    // Roots of the degree-1 member, then upwards: the roots of level d − 1 bracket those of level d.
    double x[max_degree + 2];  // the bracket points: −1, the roots found so far, 1
    int n_found = 0;
    x[0] = -1.0;
    for (int d = 1; d <= degree; ++d)
    {
        const double* p = level[d];
        x[n_found + 1] = 1.0;
        // The values at all bracket points first: independent evaluations that the CPU overlaps. At ±1 they are
        // (alternating) sums.
        double f[max_degree + 2];
        double at_plus = 0, at_minus = 0;
        for (int k = 0; k <= d; ++k)
        {
            at_plus += p[k];
            at_minus += (k % 2 ? -p[k] : p[k]);
        }
        f[0] = at_minus;
        f[n_found + 1] = at_plus;
        for (int j = 1; j <= n_found; ++j) f[j] = horner(p, d, x[j]);
        double next[max_degree + 1];
        int n_next = 0;
        for (int j = 0; j <= n_found; ++j)
        {
            if (f[j] == 0 && j > 0)
            {
                next[n_next++] = x[j];
            }
            else if ((f[j] < 0 && f[j + 1] > 0) || (f[j] > 0 && f[j + 1] < 0))
            {
                next[n_next++] =
                    d == 1 ? -p[0] / p[1] : polish_root(p, level[d - 1], d, x[j], x[j + 1], f[j], f[j + 1]);
            }
        }
        n_found = n_next;
        for (int j = 0; j < n_found; ++j) x[j + 1] = next[j];
    }
    for (int j = 0; j < n_found; ++j) roots[j] = x[j + 1];
    return n_found;
}
/// Bernstein coefficients on [−1, 1] of the degree-5 polynomial c: b[0] = c(−1), b[5] = c(1), and by Descartes'
/// rule for the Bernstein basis the number of sign changes of b bounds the number of roots in (−1, 1), with the
/// same parity (Farouki & Rajan, Comput. Aided Geom. Des. 5, 1 (1988)).
ZD_HD inline void bernstein_on_unit_interval(const double* c, double* b)
{
    // c(2u − 1) in powers of u ∈ [0, 1]: a Taylor shift by −1, then u^k scaled by 2^k.
    double a[max_degree + 1];
    for (int k = 0; k <= max_degree; ++k) a[k] = c[k];
    for (int i = 0; i < max_degree; ++i)
        for (int k = max_degree - 1; k >= i; --k) a[k] -= a[k + 1];
    double scale = 1;
    for (int k = 0; k <= max_degree; ++k, scale *= 2) a[k] *= scale;
    // b_i = Σ_{j ≤ i} C(i, j) / C(5, j) a_j
    constexpr double inv_binom5[6] = {1.0, 1.0 / 5, 1.0 / 10, 1.0 / 10, 1.0 / 5, 1.0};
    constexpr double binom[6][6] = {{1, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0}, {1, 2, 1, 0, 0, 0},
                                    {1, 3, 3, 1, 0, 0}, {1, 4, 6, 4, 1, 0}, {1, 5, 10, 10, 5, 1}};
    for (int i = 0; i <= max_degree; ++i)
    {
        double v = 0;
        for (int j = 0; j <= i; ++j) v += binom[i][j] * inv_binom5[j] * a[j];
        b[i] = v;
    }
}

/// The roots of the degree-5 polynomial c in (−1, 1), ascending. The common cases are settled by the sign changes
/// of its Bernstein coefficients: none (no root) or one (exactly one, bracketed by [−1, 1]); the others, and
/// coefficients too close to zero to trust their sign, go through roots_in_unit_interval.
ZD_HD inline int quintic_roots_in_unit_interval(const double* c, double* roots)
{
    double b[max_degree + 1];
    bernstein_on_unit_interval(c, b);
    double largest = 0;
    for (int i = 0; i <= max_degree; ++i) largest = std::fabs(b[i]) > largest ? std::fabs(b[i]) : largest;
    int changes = 0;
    bool clear = largest > 0;
    for (int i = 0; i <= max_degree; ++i)
    {
        clear = clear && std::fabs(b[i]) > 1e-12 * largest;
        if (i > 0) changes += (b[i] < 0) != (b[i - 1] < 0);
    }
    if (clear && changes == 0) return 0;
    if (clear && changes == 1)
    {
        const double dc[max_degree] = {c[1], 2 * c[2], 3 * c[3], 4 * c[4], 5 * c[5]};
        roots[0] = polish_root(c, dc, max_degree, -1.0, 1.0, b[0], b[max_degree]);
        return 1;
    }
    return roots_in_unit_interval(c, max_degree, roots);
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
    // Accumulated in scalars: an array accumulated in memory made a chain of stores and reloads.
    double d0 = 0, d1 = 0, d2 = 0, d3 = 0, d4 = 0, d5 = 0;
    for (int s = 0; s < pulls.n_enabled; ++s)
    {
        const double* c = pulls.p[s].c;
        // q(t) = Σ c_k (mid + half t)^k, expanded; q q' collected by power of t.
        const double m = mid, h = half;
        const double q0 = ((c[3] * m + c[2]) * m + c[1]) * m + c[0];
        const double q1 = h * ((3.0 * c[3] * m + 2.0 * c[2]) * m + c[1]);
        const double q2 = h * h * (3.0 * c[3] * m + c[2]);
        const double q3 = h * h * h * c[3];
        d0 += q0 * q1;
        d1 += q1 * q1 + 2.0 * q0 * q2;
        d2 += 3.0 * (q0 * q3 + q1 * q2);
        d3 += 2.0 * q2 * q2 + 4.0 * q1 * q3;
        d4 += 5.0 * q2 * q3;
        d5 += 3.0 * q3 * q3;
    }
    const double deriv[detail::max_degree + 1] = {d0, d1, d2, d3, d4, d5};
    double roots[detail::max_degree];
    const int n = detail::quintic_roots_in_unit_interval(deriv, roots);
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
