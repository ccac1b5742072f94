/// \file posterior.cc
#include "zdscan/scan/posterior.hpp"

#include <algorithm>
#include <cmath>

#include "zdscan/physics/gauss_legendre.hpp"

namespace zdscan
{
namespace
{
/// dχ²/dδ and d²χ²/dδ² at δ from the pulls (χ² = Σ p_k², p_k cubic).
double curvature(const CellPulls& p, double d)
{
    double c2 = 0;
    for (int s = 0; s < p.n_enabled; ++s)
    {
        const double* c = p.p[s].c;
        const double v = c[0] + d * (c[1] + d * (c[2] + d * c[3]));
        const double d1 = c[1] + d * (2 * c[2] + 3 * d * c[3]);
        const double d2 = 2 * c[2] + 6 * d * c[3];
        c2 += 2 * (d1 * d1 + v * d2);
    }
    return c2;
}
}  // namespace

double log_delta_integral(const CellPulls& pulls, double lo, double hi, double delta_min, double chi2_min)
{
    auto f = [&](double d) { return std::exp(-0.5 * (chi2_total(pulls, d) - chi2_min)); };
    auto panels = [&](double a, double b, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; ++i) sum += gauss_legendre_12(a + (b - a) * i / n, a + (b - a) * (i + 1) / n, f);
        return sum;
    };
    // The core around the minimum: ±12 widths of the Gaussian with its curvature (or the whole range when flat),
    // in 6 panels of 12 points; the rest of the range in 6 panels a side (a second, shallower minimum there is
    // integrated too).
    const double c2 = curvature(pulls, delta_min);
    const double width = c2 > 0 ? std::sqrt(2.0 / c2) : (hi - lo);
    const double a = std::max(lo, delta_min - 12 * width), b = std::min(hi, delta_min + 12 * width);
    double sum = panels(a, b, 6);
    if (a > lo) sum += panels(lo, a, 6);
    if (b < hi) sum += panels(b, hi, 6);
    return -0.5 * chi2_min + std::log(sum);
}
}  // namespace zdscan
