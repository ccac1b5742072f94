/// \file posterior.cc
#include "zdscan/scan/posterior.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "zdscan/io/config.hpp"
#include "zdscan/physics/gauss_legendre.hpp"
#include "zdscan/util/number_text.hpp"

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

std::string DeltaPrior::describe() const
{
    if (kind == Kind::uniform) return "delta uniform over the scanned range";
    char text[96];
    std::snprintf(text, sizeof text, "|delta| log-uniform above %g (both signs)", floor);
    return text;
}

DeltaPrior parse_delta_prior(const std::string& text, double lo, double hi, const std::string& option)
{
    DeltaPrior p;
    if (text == "uniform") return p;
    const double largest = std::max(std::fabs(lo), std::fabs(hi));
    if (text == "log" || text.rfind("log:", 0) == 0)
    {
        p.kind = DeltaPrior::Kind::log_abs;
        p.floor = 1e-3 * largest;
        if (text.size() > 4)
        {
            const std::string number = text.substr(4);
            const double v = whole_number(number).value_or(NAN);
            if (!(v > 0 && v < largest))
            {
                char bound[32];
                std::snprintf(bound, sizeof bound, "%g", largest);
                throw ConfigError(option + ": the floor of log:FLOOR must be a number above 0 and below the largest "
                                  "|delta| of the grid, " + bound + " (got \"" + number + "\")");
            }
            p.floor = v;
        }
        return p;
    }
    throw ConfigError(option + ": must be uniform, log or log:FLOOR (got \"" + text + "\")");
}

double DeltaPrior::weight(double delta) const
{
    if (kind == Kind::uniform) return 1.0;
    const double a = std::fabs(delta);
    return a >= floor ? 1.0 / a : 0.0;
}

namespace
{
/// ∫ g(δ) w(δ) dδ over [lo, hi] by the quadrature of log_delta_integral (w the prior's weight): Gauss–Legendre
/// panels, with a core of panels around the minimum δ_min. g takes χ²(δ).
/// Log prior: over u = ln|δ| for each sign s (|δ| ∈ [a, b], a < b), panels uniform in u and the core's width in u
/// its width in δ over |δ|. Uniform prior: a core of ±12 widths of the Gaussian with the curvature at δ_min (the
/// whole range when flat) in 6 panels, the rest of the range in 6 panels a side (a second, shallower minimum there
/// is integrated too).
template <class G>
double delta_quadrature(const CellPulls& pulls, double lo, double hi, double delta_min, const DeltaPrior& prior, G&& g)
{
    const double c2 = curvature(pulls, delta_min);
    const double width = c2 > 0 ? std::sqrt(2.0 / c2) : (hi - lo);
    // The core's half-width: 12 Gaussian widths (e^-144 left outside). A minimum on the range's edge with χ² still
    // falling outside it (a δ range that misses the data) decays as an exponential, by e over 2/|dχ²/dδ|, which
    // can be far less than the curvature's width: then 40 such lengths (e^-40 left outside).
    double core = 12 * width;
    const double edge_slope = std::fabs(chi2_total_slope(pulls, delta_min));
    if (edge_slope > 0 && 80 / edge_slope < core) core = 80 / edge_slope;
    if (prior.kind == DeltaPrior::Kind::log_abs)
    {
        auto side = [&](double sign, double a, double b)
        {
            auto f = [&](double u) { return g(chi2_total(pulls, sign * std::exp(u))); };
            auto panels = [&](double x, double y, int n)
            {
                double sum = 0;
                for (int i = 0; i < n; ++i) sum += gauss_legendre_12(x + (y - x) * i / n, x + (y - x) * (i + 1) / n, f);
                return sum;
            };
            const double ua = std::log(a), ub = std::log(b);
            const double at = sign * delta_min;  // |δ_min| when the minimum is on this side
            double x = ua, y = ub;
            if (at >= a && at <= b)
            {
                const double uc = std::log(at), cu = core / at;
                x = std::max(ua, uc - cu), y = std::min(ub, uc + cu);
            }
            else
            {
                // The minimum lies outside this side (in the prior's hole below the floor, or at the other sign):
                // the integrand peaks at the nearer edge and falls by e per Δχ² = 2, over 2/|dχ²/dδ| there. A core
                // of 40 such lengths at that edge keeps a needle-thin peak (χ² ~ 1e13) from falling between nodes.
                const double edge = at < a ? a : b;
                const double slope = std::fabs(chi2_total_slope(pulls, sign * edge));
                const double cu = std::min(12 * width, slope > 0 ? 80 / slope : 12 * width) / edge;
                if (at < a) y = std::min(ub, ua + cu);
                else x = std::max(ua, ub - cu);
                if (x == ua && y == ub) return panels(ua, ub, 24);
            }
            double sum = panels(x, y, 6);
            if (x > ua) sum += panels(ua, x, 12);
            if (y < ub) sum += panels(y, ub, 12);
            return sum;
        };
        double sum = 0;
        // δ > 0: |δ| from max(lo, floor) to hi; δ < 0: from max(−hi, floor) to −lo.
        if (hi > prior.floor) sum += side(1.0, std::max(lo, prior.floor), hi);
        if (-lo > prior.floor) sum += side(-1.0, std::max(-hi, prior.floor), -lo);
        return sum;
    }
    auto f = [&](double d) { return g(chi2_total(pulls, d)); };
    auto panels = [&](double a, double b, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; ++i) sum += gauss_legendre_12(a + (b - a) * i / n, a + (b - a) * (i + 1) / n, f);
        return sum;
    };
    const double a = std::max(lo, delta_min - core), b = std::min(hi, delta_min + core);
    double sum = panels(a, b, 6);
    if (a > lo) sum += panels(lo, a, 6);
    if (b < hi) sum += panels(b, hi, 6);
    return sum;
}
}  // namespace

double log_delta_integral(const CellPulls& pulls, double lo, double hi, double delta_min, double chi2_min,
                          const DeltaPrior& prior)
{
    auto relative_to = [&](double reference)
    {
        return -0.5 * reference
               + std::log(delta_quadrature(pulls, lo, hi, delta_min, prior,
                                           [&](double chi2) { return std::exp(-0.5 * (chi2 - reference)); }));
    };
    const double first = relative_to(chi2_min);
    if (std::isfinite(first) && first > -0.5 * chi2_min - 600) return first;
    // The integrand underflowed relative to exp(−χ²_min/2) at (nearly) every node: the prior's range misses the
    // minimum (a log prior whose floor lies above |δ_min|), or χ² ~ 1e13 makes the minimum a needle between nodes.
    // Integrate again relative to the lowest χ² the nodes see, so that the log density stays finite.
    double lowest = HUGE_VAL;
    delta_quadrature(pulls, lo, hi, delta_min, prior,
                     [&](double chi2)
                     {
                         lowest = std::min(lowest, chi2);
                         return 0.0;
                     });
    if (!(std::isfinite(lowest) && lowest > chi2_min)) return first;
    return relative_to(lowest);
}
}  // namespace zdscan
