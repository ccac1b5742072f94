/// \file interval_refinement.cc
#include "zdscan/scan/interval_refinement.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "zdscan/physics/exact_delta_minimum.hpp"
#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/scan/axis_coordinate.hpp"
#include "zdscan/util/illinois.hpp"

namespace zdscan
{
namespace
{
constexpr int golden_iterations = 50;  // the bracket shrinks by 0.618^50 ≈ 4e-11: χ² then to ~1e-21
constexpr int root_evaluations = 60;
constexpr int bracket_steps = 3;  // grid steps of the other axis on each side of the map's best
}  // namespace

double interval_end_offset(double grid_end, double refined_end, bool log_axis)
{
    if (!std::isfinite(grid_end) || !std::isfinite(refined_end)) return NAN;
    return log_axis ? std::fabs(grid_end / refined_end - 1) : std::fabs(grid_end - refined_end) / std::fabs(refined_end);
}

RefinedInterval refine_interval(const ScanConfig& config, const ObservableConstants& obs, const MassTermsAt& mass,
                                const std::vector<double>& m_zd_mev, const std::vector<double>& epsilon,
                                const std::vector<double>& chi2_map, int axis, const ProfileInterval& grid,
                                double centre, double chi2_min, double level)
{
    RefinedInterval out;
    const AxisCoordinate cx{axis == 0 ? &config.m_zd_mev : &config.epsilon};  // the axis refined
    const AxisCoordinate cy{axis == 0 ? &config.epsilon : &config.m_zd_mev};  // the one profiled over
    const std::vector<double>& xs = axis == 0 ? m_zd_mev : epsilon;
    const std::vector<double>& ys = axis == 0 ? epsilon : m_zd_mev;
    const std::size_t n_eps = epsilon.size();
    if (xs.size() < 2 || ys.empty()) return out;
    const double delta_lo = std::min(config.delta.min, config.delta.max);
    const double delta_hi = std::max(config.delta.min, config.delta.max);

    // χ² at (x, y) with δ minimised exactly; the per-mass terms of the last mass are kept (the m profile holds m).
    double last_m = NAN;
    MassPulls pulls_at_m{};
    auto chi2 = [&](double x, double y)
    {
        ++out.evaluations;
        const double m = axis == 0 ? x : y, eps = axis == 0 ? y : x;
        if (!(m == last_m)) pulls_at_m = mass_pulls(obs, mass(m)), last_m = m;
        return exact_delta_minimum(cell_pulls(pulls_at_m, eps), delta_lo, delta_hi, DeltaMinimum{HUGE_VAL, delta_lo})
            .chi2;
    };
    // P(x): the minimum over the other axis, golden section in its coordinate around the map's best at the nearest
    // grid x (± bracket_steps grid steps, widened once when the minimum sits on the bracket's end).
    auto profile = [&](double x)
    {
        const double c_x = cx.to(x);
        std::size_t k = 0;
        for (std::size_t i = 1; i < xs.size(); ++i)
        {
            if (std::fabs(cx.to(xs[i]) - c_x) < std::fabs(cx.to(xs[k]) - c_x)) k = i;
        }
        std::size_t best = 0;
        for (std::size_t j = 1; j < ys.size(); ++j)
        {
            const double a = axis == 0 ? chi2_map[k * n_eps + j] : chi2_map[j * n_eps + k];
            const double b = axis == 0 ? chi2_map[k * n_eps + best] : chi2_map[best * n_eps + k];
            if (a < b) best = j;
        }
        double lowest = HUGE_VAL;
        for (int steps = bracket_steps; steps <= 3 * bracket_steps; steps += 2 * bracket_steps)
        {
            const std::size_t lo_i = best > static_cast<std::size_t>(steps) ? best - steps : 0;
            const std::size_t hi_i = std::min(ys.size() - 1, best + steps);
            double a = cy.to(ys[lo_i]), b = cy.to(ys[hi_i]);
            if (ys.size() == 1) return chi2(x, ys[0]);
            const double g = 0.5 * (std::sqrt(5.0) - 1);
            double c = b - g * (b - a), d = a + g * (b - a);
            double fc = chi2(x, cy.from(c)), fd = chi2(x, cy.from(d));
            // To 1e-9 of the coordinate: χ² there is then exact to ~1e-18 (quadratic about the minimum).
            for (int it = 0; it < golden_iterations && b - a > 1e-9; ++it)
            {
                if (fc < fd)
                {
                    b = d, d = c, fd = fc, c = b - g * (b - a), fc = chi2(x, cy.from(c));
                }
                else
                {
                    a = c, c = d, fc = fd, d = a + g * (b - a), fd = chi2(x, cy.from(d));
                }
            }
            const double at = 0.5 * (a + b);
            // The bracket's ends are grid points: compare with them (a minimum on the end of the grid is allowed).
            lowest = std::min({fc, fd, chi2(x, cy.from(at)), chi2(x, ys[lo_i]), chi2(x, ys[hi_i])});
            const bool on_end = (std::fabs(at - cy.to(ys[lo_i])) < 1e-9 && lo_i > 0)
                                || (std::fabs(at - cy.to(ys[hi_i])) < 1e-9 && hi_i + 1 < ys.size());
            if (!on_end) break;
        }
        return lowest;
    };
    const double target = chi2_min + level;
    const double c_centre = cx.to(centre);
    for (int end = 0; end < 2; ++end)
    {
        if (end == 0 ? grid.lower_at_edge : grid.upper_at_edge) continue;
        const double grid_end = end == 0 ? grid.lower : grid.upper;
        if (!std::isfinite(grid_end)) continue;
        const int dir = end == 0 ? -1 : 1;
        // Walk the grid outward from the grid point just inside the grid's end (stepping back in while P is
        // already above the level there) until P crosses the level; then the crossing between the two points (util/illinois.hpp).
        std::vector<double> cs;  // grid coordinates from the centre outward
        for (double v : xs)
        {
            const double c = cx.to(v);
            if ((c - c_centre) * dir > 0) cs.push_back(c);
        }
        if (dir < 0) std::reverse(cs.begin(), cs.end());
        if (cs.empty()) continue;  // the centre on the grid's last point: nothing outward to walk
        // P − target at the grid points walked, each profile computed once (~45 χ² minima apiece).
        std::vector<double> g(cs.size(), NAN);
        auto g_at = [&](std::size_t j)
        {
            if (std::isnan(g[j])) g[j] = profile(cx.from(cs[j])) - target;
            return g[j];
        };
        const double c_end = cx.to(grid_end);
        std::size_t i = 0;
        while (i + 1 < cs.size() && (cs[i + 1] - c_end) * dir < 0) ++i;  // the last grid point inside
        while (i > 0 && g_at(i) >= 0) --i;
        double inner = c_centre, g_inner = NAN, outer = NAN, g_outer = NAN;
        std::size_t j = 0;
        if (g_at(i) < 0)
        {
            inner = cs[i], g_inner = g[i], j = i + 1;
        }
        else
        {
            g_inner = profile(centre) - target;
        }
        for (; j < cs.size(); ++j)
        {
            if (g_at(j) >= 0)
            {
                outer = cs[j], g_outer = g[j];
                break;
            }
            inner = cs[j], g_inner = g[j];
        }
        if (!std::isfinite(outer)) continue;  // no crossing inside the grid: open at the edge
        // Between the two grid points (the crossing stays bracketed): ~10 profiles where bisection needed ~30.
        const Bracket br = illinois_root([&](double x) { return profile(cx.from(x)) - target; },
                                         {inner, g_inner, outer, g_outer}, 1e-10, root_evaluations);
        (end == 0 ? out.lower : out.upper) = cx.from(std::fabs(br.fa) < std::fabs(br.fb) ? br.a : br.b);
    }
    return out;
}
}  // namespace zdscan
