/// \file gauss_legendre.hpp
/// Fixed-order composite Gauss–Legendre quadrature, usable on host and device (no allocation, fixed loops).
#pragma once

#include "zdscan/physics/macros.hpp"

namespace zdscan
{
/// 12-point Gauss–Legendre rule on one panel [a, b]: ∫_a^b f. Exact for polynomials of degree ≤ 23.
/// Nodes and weights were computed with mpmath at 40 digits (Newton on P_12), rounded to double.
template <class F> ZD_HD inline double gauss_legendre_12(double a, double b, F&& f)
{
    // Positive nodes x_k of P_12 on [-1, 1] and their weights; the rule is symmetric.
    const double x[6] = {0.1252334085114689154724, 0.3678314989981801937527, 0.5873179542866174472967,
                         0.7699026741943046870369, 0.9041172563704748566785, 0.9815606342467192506905};
    const double w[6] = {0.2491470458134027850006, 0.2334925365383548087608, 0.2031674267230659217491,
                         0.1600783285433462263347, 0.1069393259953184309603, 0.04717533638651182719462};
    const double half = 0.5 * (b - a);
    const double mid = a + half;
    double sum = 0.0;
    for (int k = 0; k < 6; ++k)
    {
        const double dx = half * x[k];
        sum += w[k] * (f(mid - dx) + f(mid + dx));
    }
    return half * sum;
}

/// ∫_0^length h(v) dv on panels that halve toward v = 0: [L/2, L], [L/4, L/2], … until the innermost panel
/// [0, b] has b < scale. For an integrand whose nearest singularity lies at distance ≳ scale from v = 0 every
/// panel's Bernstein ellipse stays clear of it, so each panel converges like ~5^-24 (docs/physics.md).
/// At most max_panels halvings: below length·2^-max_panels the innermost panel is simply wider.
template <class H> ZD_HD inline double integrate_graded_toward_zero(double length, double scale, H&& h)
{
    constexpr int max_panels = 64;
    double sum = 0.0;
    double b = length;
    for (int k = 0; k < max_panels && b >= scale; ++k)
    {
        const double a = 0.5 * b;
        sum += gauss_legendre_12(a, b, h);
        b = a;
    }
    return sum + gauss_legendre_12(0.0, b, h);
}
}  // namespace zdscan
