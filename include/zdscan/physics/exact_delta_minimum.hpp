/// \file exact_delta_minimum.hpp
/// The minimum of χ²_total(δ) = Σ pull_i(δ)² over the continuous range [δ_lo, δ_hi] at one (m_Zd, ε) cell
/// (--delta-profile exact). With cubic pulls (pull_polynomial.hpp) χ² is a polynomial of degree ≤ 6, so its minimum
/// lies at an end of the range or at a real root of dχ²/dδ = 2 Σ pull_i pull_i' (degree ≤ 5).
/// - Common case (fast_root): the sign changes of dχ²/dδ's Bernstein coefficients on the range bound its roots there
///   (none: no root; one: exactly one, polished by a fixed number of safeguarded Newton steps). Written over L cells
///   at once with the same operations for every L: the CPU runs 64 cells per call, vectorised (delta_walk_impl.hpp),
///   the GPU one, with the same bits.
/// - Otherwise (roots_in_unit_interval): the roots are bracketed by those of the derivatives (degree 1, 2, …, 5 in
///   turn: between two consecutive roots of P' the polynomial P is monotonic and has at most one root) and polished
///   by Newton steps safeguarded by bisection.
/// Plain loops over fixed-size arrays: the same code runs on the CPU and in the CUDA kernels.
#pragma once

#include <cmath>

#include "zdscan/physics/macros.hpp"
#include "zdscan/physics/pull_polynomial.hpp"

/// `#pragma omp simd` where the host compiler honours it: the lane loops below vectorise across cells in the CPU's
/// per-ISA builds; elsewhere (nvcc, L = 1) it is nothing.
#if defined(_OPENMP) && !defined(__CUDA_ARCH__)
#define ZD_SIMD_LANES _Pragma("omp simd")
#else
#define ZD_SIMD_LANES
#endif

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
/// Newton steps of the one-root case: from the secant point the root is at the rounding level after 2–3 steps;
/// the rest confirm it (and a root that needs more goes to the general method).
inline constexpr int fast_newton_steps = 6;

/// dχ²/dt / 2 = Σ q q' on t ∈ [−1, 1] (δ = mid + half t) for L cells, from their enabled pulls: coefficient k of
/// slot s in lane l is c(k, s, l) (an array [power][slot][lane] on the CPU's batches, a cell's CellPulls read in
/// place on the GPU: no copy on its stack). The same operations whatever c is, so the same bits.
template <int L, class Coefficient>
ZD_HD static inline void derivative_on_unit_interval(const Coefficient& c, int n_enabled, double mid, double half,
                                                     double (&d)[max_degree + 1][L])
{
    for (int k = 0; k <= max_degree; ++k)
        for (int l = 0; l < L; ++l) d[k][l] = 0;
    const double m = mid, h = half;
    for (int s = 0; s < n_enabled; ++s)
    {
        ZD_SIMD_LANES
        for (int l = 0; l < L; ++l)
        {
            // q(t) = Σ c_k (mid + half t)^k, expanded; q q' collected by power of t.
            const double c0 = c(0, s, l), c1 = c(1, s, l), c2 = c(2, s, l), c3 = c(3, s, l);
            const double q0 = ((c3 * m + c2) * m + c1) * m + c0;
            const double q1 = h * ((3.0 * c3 * m + 2.0 * c2) * m + c1);
            const double q2 = h * h * (3.0 * c3 * m + c2);
            const double q3 = h * h * h * c3;
            d[0][l] += q0 * q1;
            d[1][l] += q1 * q1 + 2.0 * q0 * q2;
            d[2][l] += 3.0 * (q0 * q3 + q1 * q2);
            d[3][l] += 2.0 * q2 * q2 + 4.0 * q1 * q3;
            d[4][l] += 5.0 * q2 * q3;
            d[5][l] += 3.0 * q3 * q3;
        }
    }
}

/// The common case of the exact δ minimum for L cells at once, with the same operations for every L: the CPU runs
/// it on 8 cells in its vectorised loop (delta_walk_impl.hpp), the GPU and the host's other callers on 1, and all
/// get the same bits. From the Bernstein coefficients of d (the derivative above): status 0, no root in (−1, 1);
/// 1, exactly one, root_t, polished by fast_newton_steps Newton steps from the secant point, kept in the shrinking
/// bracket by bisection; 2, undecided (several sign changes, a coefficient too close to zero, or no convergence):
/// the caller runs the general method (roots_in_unit_interval).
template <int L>
ZD_HD static inline void fast_root(const double (&d)[max_degree + 1][L], int (&status)[L], double (&root_t)[L])
{
    // Each step is one straight-line loop over the lanes (structure of arrays): the form that vectorises across
    // cells. Selects, not branches.
    double b[max_degree + 1][L];
    ZD_SIMD_LANES
    for (int l = 0; l < L; ++l)
    {
        // Bernstein coefficients on [−1, 1]: e_k, the coefficients of d(2u − 1) in powers of u,
        // e_k = 2^k Σ_j C(j, k) (−1)^(j−k) d_j; then b_i = Σ_{j ≤ i} C(i, j) / C(5, j) e_j.
        const double d0 = d[0][l], d1 = d[1][l], d2 = d[2][l], d3 = d[3][l], d4 = d[4][l], d5 = d[5][l];
        const double e0 = d0 - d1 + d2 - d3 + d4 - d5;
        const double e1 = 2.0 * (d1 - 2.0 * d2 + 3.0 * d3 - 4.0 * d4 + 5.0 * d5);
        const double e2 = 4.0 * (d2 - 3.0 * d3 + 6.0 * d4 - 10.0 * d5);
        const double e3 = 8.0 * (d3 - 4.0 * d4 + 10.0 * d5);
        const double e4 = 16.0 * (d4 - 5.0 * d5);
        const double e5 = 32.0 * d5;
        b[0][l] = e0;
        b[1][l] = e0 + 0.2 * e1;
        b[2][l] = e0 + 0.4 * e1 + 0.1 * e2;
        b[3][l] = e0 + 0.6 * e1 + 0.3 * e2 + 0.1 * e3;
        b[4][l] = e0 + 0.8 * e1 + 0.6 * e2 + 0.4 * e3 + 0.2 * e4;
        b[5][l] = e0 + e1 + e2 + e3 + e4 + e5;
    }
    // The sign changes, and whether every coefficient is clear of zero (else its sign cannot be trusted).
    int decided[L];
    ZD_SIMD_LANES
    for (int l = 0; l < L; ++l)
    {
        const double a0 = std::fabs(b[0][l]), a1 = std::fabs(b[1][l]), a2 = std::fabs(b[2][l]), a3 = std::fabs(b[3][l]),
                     a4 = std::fabs(b[4][l]), a5 = std::fabs(b[5][l]);
        const double m01 = a0 > a1 ? a0 : a1, m23 = a2 > a3 ? a2 : a3, m45 = a4 > a5 ? a4 : a5;
        const double m0123 = m01 > m23 ? m01 : m23;
        const double largest = m0123 > m45 ? m0123 : m45;
        const double small = 1e-12 * largest;
        const int clear =
            (largest > 0) & (a0 > small) & (a1 > small) & (a2 > small) & (a3 > small) & (a4 > small) & (a5 > small);
        const int changes = ((b[1][l] < 0) != (b[0][l] < 0)) + ((b[2][l] < 0) != (b[1][l] < 0))
                            + ((b[3][l] < 0) != (b[2][l] < 0)) + ((b[4][l] < 0) != (b[3][l] < 0))
                            + ((b[5][l] < 0) != (b[4][l] < 0));
        // 0: no root; 1: one (to be polished); 2: undecided.
        decided[l] = clear ? (changes < 2 ? changes : 2) : 2;
    }
    // Newton on the bracket [−1, 1], where d(−1) = b0 and d(1) = b5 have opposite signs when there is one change.
    double x[L], lo[L], hi[L], step[L];
    ZD_SIMD_LANES
    for (int l = 0; l < L; ++l)
    {
        lo[l] = -1.0;
        hi[l] = 1.0;
        const double secant = -1.0 - b[0][l] * 2.0 / (b[5][l] - b[0][l]);
        x[l] = (secant > -1.0) & (secant < 1.0) ? secant : 0.0;
        step[l] = 2.0;
    }
    for (int it = 0; it < fast_newton_steps; ++it)  // a fixed count: the same operations in every lane
    {
        ZD_SIMD_LANES
        for (int l = 0; l < L; ++l)
        {
            const double xl = x[l];
            const double f = ((((d[5][l] * xl + d[4][l]) * xl + d[3][l]) * xl + d[2][l]) * xl + d[1][l]) * xl + d[0][l];
            const double fp =
                (((5.0 * d[5][l] * xl + 4.0 * d[4][l]) * xl + 3.0 * d[3][l]) * xl + 2.0 * d[2][l]) * xl + d[1][l];
            const int hit = f == 0;
            const int same_side = (f < 0) == (b[0][l] < 0);
            lo[l] = ((hit == 0) & same_side) ? xl : lo[l];
            hi[l] = ((hit == 0) & (same_side == 0)) ? xl : hi[l];
            const double newton = xl - f / fp;
            const int inside = (newton >= lo[l]) & (newton <= hi[l]);  // false for NaN (fp = 0)
            const double next = hit ? xl : (inside ? newton : 0.5 * (lo[l] + hi[l]));
            step[l] = std::fabs(next - xl);
            x[l] = next;
        }
    }
    ZD_SIMD_LANES
    for (int l = 0; l < L; ++l)
    {
        const int polished = step[l] <= 1e-9 ? 1 : 2;  // not converged: the general method
        status[l] = decided[l] == 1 ? polished : decided[l];
        root_t[l] = x[l];
    }
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
    double d[detail::max_degree + 1][1];
    detail::derivative_on_unit_interval<1>([&](int k, int s, int) { return pulls.p[s].c[k]; }, pulls.n_enabled, mid,
                                           half, d);
    int status[1];
    double root_t[1];
    detail::fast_root<1>(d, status, root_t);
    double roots[detail::max_degree];
    int n = status[0];
    if (n == 1)
    {
        roots[0] = root_t[0];
    }
    else if (n == 2)  // undecided: the general method
    {
        const double deriv[detail::max_degree + 1] = {d[0][0], d[1][0], d[2][0], d[3][0], d[4][0], d[5][0]};
        n = detail::roots_in_unit_interval(deriv, detail::max_degree, roots);
    }
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
