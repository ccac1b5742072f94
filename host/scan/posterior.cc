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
/// log ∫ exp(−χ²(s e^u)/2) du over u ∈ [ln a, ln b] (one sign s of δ, a < b): the log-uniform prior's integral over
/// |δ| ∈ [a, b], with χ² relative to chi2_min. Panels uniform in u, and a core of panels around the minimum when it
/// lies on this side (its width in u is its width in δ over |δ|).
double log_abs_side(const CellPulls& pulls, double sign, double a, double b, double delta_min, double width,
                    double chi2_min)
{
    auto f = [&](double u) { return std::exp(-0.5 * (chi2_total(pulls, sign * std::exp(u)) - chi2_min)); };
    auto panels = [&](double x, double y, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; ++i) sum += gauss_legendre_12(x + (y - x) * i / n, x + (y - x) * (i + 1) / n, f);
        return sum;
    };
    const double ua = std::log(a), ub = std::log(b);
    const double at = sign * delta_min;  // |δ_min| when the minimum is on this side
    if (!(at >= a && at <= b)) return panels(ua, ub, 24);
    const double uc = std::log(at), wu = width / at;
    const double x = std::max(ua, uc - 12 * wu), y = std::min(ub, uc + 12 * wu);
    double sum = panels(x, y, 6);
    if (x > ua) sum += panels(ua, x, 12);
    if (y < ub) sum += panels(y, ub, 12);
    return sum;
}
}  // namespace

double log_delta_integral(const CellPulls& pulls, double lo, double hi, double delta_min, double chi2_min,
                          const DeltaPrior& prior)
{
    if (prior.kind == DeltaPrior::Kind::log_abs)
    {
        const double c2 = curvature(pulls, delta_min);
        const double width = c2 > 0 ? std::sqrt(2.0 / c2) : (hi - lo);
        double sum = 0;
        // δ > 0: |δ| from max(lo, floor) to hi; δ < 0: from max(−hi, floor) to −lo.
        if (hi > prior.floor) sum += log_abs_side(pulls, 1.0, std::max(lo, prior.floor), hi, delta_min, width, chi2_min);
        if (-lo > prior.floor)
            sum += log_abs_side(pulls, -1.0, std::max(-hi, prior.floor), -lo, delta_min, width, chi2_min);
        return -0.5 * chi2_min + std::log(sum);
    }
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
