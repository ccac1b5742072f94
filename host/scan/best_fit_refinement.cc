/// \file best_fit_refinement.cc
#include "zdscan/scan/best_fit_refinement.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "zdscan/physics/exact_delta_minimum.hpp"
#include "zdscan/scan/axis_coordinate.hpp"

namespace zdscan
{
namespace
{
constexpr int max_evaluations = 20000;
constexpr double chi2_spread_tolerance = 1e-13;
}  // namespace

Chi2Terms chi2_at(const ObservableConstants& obs, const MassTermsAt& mass, double m_zd_mev, double epsilon,
                  double delta)
{
    return evaluate_chi2(obs, mass(m_zd_mev), epsilon, delta);
}

std::vector<double> pulls_at(const ObservableConstants& obs, const MassTermsAt& mass, double m_zd_mev, double epsilon,
                             double delta)
{
    const MassTerms t = mass(m_zd_mev);
    std::vector<double> pulls(static_cast<std::size_t>(obs.n));
    for (int i = 0; i < obs.n; ++i)
    {
        pulls[static_cast<std::size_t>(i)] =
            (obs.m[i].x_exp - predict_measurement(obs.m[i], t, i, epsilon, delta)) / obs.m[i].sigma;
    }
    return pulls;
}

RefinedFit refine_best_fit(const ScanConfig& config, const ObservableConstants& obs, const MassTermsAt& mass,
                           double m_zd_mev, double epsilon, double delta, DeltaProfile delta_profile)
{
    const bool exact = delta_profile == DeltaProfile::exact;
    const double delta_lo = std::min(config.delta.min, config.delta.max);
    const double delta_hi = std::max(config.delta.min, config.delta.max);
    // The exact profile at (m, ε): the minimum over the δ range and where it is.
    auto profiled = [&](double m, double eps)
    {
        return exact_delta_minimum(cell_pulls(obs, mass(m), eps), delta_lo, delta_hi, DeltaMinimum{HUGE_VAL, delta_lo});
    };
    const std::array<AxisCoordinate, 3> coords = {{{&config.m_zd_mev}, {&config.epsilon}, {&config.delta}}};
    // Axes with a single point stay fixed; the simplex lives in the others.
    std::vector<int> free;
    for (int d = 0; d < (exact ? 2 : 3); ++d)
    {
        if (coords[d].step() > 0) free.push_back(d);
    }
    const std::array<double, 3> start = {coords[0].to(m_zd_mev), coords[1].to(epsilon),
                                         coords[2].to(exact ? std::clamp(delta, delta_lo, delta_hi) : delta)};
    RefinedFit fit;
    auto point = [&](const std::vector<double>& x)
    {
        std::array<double, 3> p = start;
        for (std::size_t i = 0; i < free.size(); ++i) p[free[i]] = x[i];
        return p;
    };
    auto objective = [&](const std::vector<double>& x)
    {
        ++fit.evaluations;
        const auto p = point(x);
        for (int d = 0; d < 3; ++d)
        {
            if (p[d] < coords[d].lo() || p[d] > coords[d].hi()) return HUGE_VAL;  // stay inside the grid box
        }
        if (exact) return profiled(coords[0].from(p[0]), coords[1].from(p[1])).chi2;
        return chi2_at(obs, mass, coords[0].from(p[0]), coords[1].from(p[1]), coords[2].from(p[2])).total;
    };

    const std::size_t n = free.size();
    std::vector<std::vector<double>> simplex(n + 1, std::vector<double>(n));
    for (std::size_t i = 0; i < n; ++i) simplex[0][i] = start[free[i]];
    // Two rounds: Nelder–Mead can stall on a collapsed simplex; a fresh one-grid-step simplex un-sticks it.
    for (int round = 0; round < 2 && n > 0; ++round)
    {
        fit.converged = false;
        for (std::size_t j = 1; j <= n; ++j)
        {
            simplex[j] = simplex[0];
            const auto& c = coords[free[j - 1]];
            const bool room_above = simplex[0][j - 1] + c.step() <= c.hi();
            simplex[j][j - 1] += room_above ? c.step() : -c.step();
        }
        std::vector<double> f(n + 1);
        for (std::size_t j = 0; j <= n; ++j) f[j] = objective(simplex[j]);
        while (fit.evaluations < max_evaluations)
        {
            std::vector<std::size_t> order(n + 1);
            for (std::size_t j = 0; j <= n; ++j) order[j] = j;
            std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return f[a] < f[b]; });
            auto s2 = simplex;
            auto f2 = f;
            for (std::size_t j = 0; j <= n; ++j)
            {
                simplex[j] = s2[order[j]];
                f[j] = f2[order[j]];
            }
            if (f[n] - f[0] < chi2_spread_tolerance)
            {
                fit.converged = true;
                break;
            }
            std::vector<double> centroid(n, 0.0);
            for (std::size_t j = 0; j < n; ++j)
                for (std::size_t i = 0; i < n; ++i) centroid[i] += simplex[j][i] / n;
            auto along = [&](double t) {  // centroid + t (centroid − worst)
                std::vector<double> x(n);
                for (std::size_t i = 0; i < n; ++i) x[i] = centroid[i] + t * (centroid[i] - simplex[n][i]);
                return x;
            };
            const auto reflected = along(1.0);
            const double fr = objective(reflected);
            if (fr < f[0])
            {
                const auto expanded = along(2.0);
                const double fe = objective(expanded);
                simplex[n] = fe < fr ? expanded : reflected;
                f[n] = std::min(fe, fr);
            }
            else if (fr < f[n - 1])
            {
                simplex[n] = reflected;
                f[n] = fr;
            }
            else
            {
                const auto contracted = along(fr < f[n] ? 0.5 : -0.5);
                const double fc = objective(contracted);
                if (fc < std::min(fr, f[n]))
                {
                    simplex[n] = contracted;
                    f[n] = fc;
                }
                else  // shrink toward the best vertex
                {
                    for (std::size_t j = 1; j <= n; ++j)
                    {
                        for (std::size_t i = 0; i < n; ++i)
                            simplex[j][i] = simplex[0][i] + 0.5 * (simplex[j][i] - simplex[0][i]);
                        f[j] = objective(simplex[j]);
                    }
                }
            }
        }
        const auto best = std::min_element(f.begin(), f.end()) - f.begin();
        simplex[0] = simplex[static_cast<std::size_t>(best)];
    }
    const auto p = point(simplex[0]);
    fit.m_zd_mev = coords[0].from(p[0]);
    fit.epsilon = coords[1].from(p[1]);
    fit.delta = exact ? profiled(fit.m_zd_mev, fit.epsilon).delta : coords[2].from(p[2]);
    fit.terms = chi2_at(obs, mass, fit.m_zd_mev, fit.epsilon, fit.delta);
    fit.chi2 = fit.terms.total;
    return fit;
}
}  // namespace zdscan
