/// \file posterior_impl.hpp
/// compute_posterior (posterior.hpp): a template over how a cell's pulls are obtained.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "zdscan/scan/axis_coordinate.hpp"

namespace zdscan
{
namespace detail
{
/// Trapezoid weights of an axis in its own coordinate (log10 for a log axis): the cell measure of a grid point.
inline std::vector<double> axis_weights(const std::vector<double>& x, bool log_axis)
{
    const std::size_t n = x.size();
    std::vector<double> w(n, 1.0);
    if (n < 2) return w;
    auto u = [&](std::size_t i) { return grid_coordinate(x[i], log_axis); };
    for (std::size_t i = 0; i < n; ++i)
        w[i] = 0.5 * ((i + 1 < n ? u(i + 1) - u(i) : 0.0) + (i > 0 ? u(i) - u(i - 1) : 0.0));
    return w;
}

/// The central interval of a normalised-or-not density on grid points from index first to last (inclusive):
/// 16th/84th percentiles of the trapezoid cumulative, inverted linearly, in axis values.
inline void central_interval(const std::vector<double>& density, const std::vector<double>& x, bool log_axis,
                             std::size_t first, std::size_t last, double interval[2])
{
    auto u = [&](std::size_t i) { return grid_coordinate(x[i], log_axis); };
    if (last <= first)
    {
        interval[0] = interval[1] = x[first];
        return;
    }
    std::vector<double> cdf(last - first + 1, 0.0);
    for (std::size_t i = first + 1; i <= last; ++i)
        cdf[i - first] = cdf[i - first - 1] + 0.5 * (density[i] + density[i - 1]) * (u(i) - u(i - 1));
    const double total = cdf.back();
    for (int side = 0; side < 2; ++side)
    {
        const double q = side == 0 ? 0.158655253931457 : 0.841344746068543;
        std::size_t i = first + 1;
        while (i < last && cdf[i - first] < q * total) ++i;
        const double a = cdf[i - 1 - first], b = cdf[i - first], t = b > a ? (q * total - a) / (b - a) : 0.0;
        interval[side] = grid_value(u(i - 1) + std::clamp(t, 0.0, 1.0) * (u(i) - u(i - 1)), log_axis);
    }
}

/// Records in s an interval end's move (moved against interval, both in axis values) if it is the largest so far, with
/// the grid spacing of x where that end lies.
inline void record_box_shift(Posterior::BoxSensitivity& s, const std::vector<double>& x, const double interval[2],
                             const double moved[2])
{
    for (int end = 0; end < 2; ++end)
    {
        const double shift = std::fabs(moved[end] - interval[end]);
        if (shift <= s.shift) continue;
        s.shift = shift;
        const auto k = static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(
            std::upper_bound(x.begin(), x.end(), interval[end]) - x.begin(), 1,
            static_cast<std::ptrdiff_t>(x.size()) - 1));
        s.resolution = std::fabs(x[k] - x[k - 1]);
    }
}

/// Box sensitivity of a normalised marginal (Posterior::BoxSensitivity): its mass in the edge cells, and its central
/// interval with either end of the axis moved in by a tenth of the range (in the axis coordinate).
inline void box_sensitivity(const std::vector<double>& density, const std::vector<double>& x, bool log_axis,
                            const double interval[2], Posterior::BoxSensitivity& s)
{
    const std::size_t n = x.size();
    if (n < 3) return;
    const auto w = axis_weights(x, log_axis);
    s.edge_mass[0] = density[0] * w[0];
    s.edge_mass[1] = density[n - 1] * w[n - 1];
    auto u = [&](std::size_t i) { return grid_coordinate(x[i], log_axis); };
    const double span = u(n - 1) - u(0);
    std::size_t first = 0, last = n - 1;
    while (first + 1 < n && u(first) < u(0) + 0.1 * span) ++first;
    while (last > 0 && u(last) > u(n - 1) - 0.1 * span) --last;
    central_interval(density, x, log_axis, first, n - 1, s.interval_lower_moved);
    central_interval(density, x, log_axis, 0, last, s.interval_upper_moved);
    record_box_shift(s, x, interval, s.interval_lower_moved);
    record_box_shift(s, x, interval, s.interval_upper_moved);
    s.sensitive = s.shift > s.resolution;
}

/// Normalises a density on grid points (trapezoid in the axis coordinate) and gives its 16th/84th percentiles and
/// mode, in axis values.
inline void marginal_summary(std::vector<double>& density, const std::vector<double>& x, bool log_axis,
                             double interval[2], double& mode)
{
    const std::size_t n = x.size();
    auto u = [&](std::size_t i) { return grid_coordinate(x[i], log_axis); };
    const auto w = axis_weights(x, log_axis);
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) total += density[i] * w[i];
    if (!(total > 0)) return;
    for (auto& d : density) d /= total;
    mode = x[static_cast<std::size_t>(std::max_element(density.begin(), density.end()) - density.begin())];
    if (n < 2)
    {
        interval[0] = interval[1] = x[0];
        return;
    }
    // Cumulative by trapezoid between grid points; the quantile inverted linearly inside a segment.
    std::vector<double> cdf(n, 0.0);
    for (std::size_t i = 1; i < n; ++i) cdf[i] = cdf[i - 1] + 0.5 * (density[i] + density[i - 1]) * (u(i) - u(i - 1));
    for (int side = 0; side < 2; ++side)
    {
        const double q = side == 0 ? 0.158655253931457 : 0.841344746068543;
        std::size_t i = 1;
        while (i + 1 < n && cdf[i] < q * cdf[n - 1]) ++i;
        const double a = cdf[i - 1], b = cdf[i], t = b > a ? (q * cdf[n - 1] - a) / (b - a) : 0.0;
        const double v = u(i - 1) + std::clamp(t, 0.0, 1.0) * (u(i) - u(i - 1));
        interval[side] = grid_value(v, log_axis);
    }
}
}  // namespace detail

template <class PullsAt>
Posterior compute_posterior(PullsAt&& pulls_at, const std::vector<double>& m, bool m_log,
                            const std::vector<double>& eps, bool eps_log, const std::vector<double>& delta,
                            const std::vector<double>& chi2_min, const std::vector<double>& delta_min, int threads,
                            const DeltaPrior& delta_prior)
{
    Posterior p;
    p.delta_prior = delta_prior;
    p.priors = std::string("m_Zd ") + (m_log ? "log-uniform" : "uniform") + ", epsilon "
               + (eps_log ? "log-uniform" : "uniform") + ", " + delta_prior.describe();
    const std::size_t n_m = m.size(), n_eps = eps.size(), n_delta = delta.size(), n_cells = n_m * n_eps;
    const double lo = *std::min_element(delta.begin(), delta.end()), hi = *std::max_element(delta.begin(), delta.end());
    const auto wm = detail::axis_weights(m, m_log), we = detail::axis_weights(eps, eps_log);
    p.log_density.assign(n_cells, -HUGE_VAL);
    // One pass over the cells, each cell's pulls built once: log ∫ exp(−χ²/2) dδ, and the δ marginal's terms
    // Σ_cells w exp(−χ²(δ_k)/2), taken relative to the lowest χ² of the map (the marginal is normalised below, so
    // the reference drops out; cells 745 e-folds under it underflow anyway).
    const double lowest = *std::min_element(chi2_min.begin(), chi2_min.end());
    // The δ marginal's sums in fixed blocks of cells, each summed in cell order, then the blocks in order: the
    // same bits whatever the threads, ranks or resume (a per-thread sum under dynamic scheduling was not).
    const std::size_t block = std::max<std::size_t>(1024, (n_cells + 4095) / 4096);
    const std::size_t n_blocks = (n_cells + block - 1) / block;
    std::vector<double> block_terms(n_blocks * n_delta, 0.0);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(n_blocks); ++b)
    {
        double* local = &block_terms[static_cast<std::size_t>(b) * n_delta];
        const std::size_t end = std::min(n_cells, (static_cast<std::size_t>(b) + 1) * block);
        for (std::size_t cell = static_cast<std::size_t>(b) * block; cell < end; ++cell)
        {
            const CellPulls pulls = pulls_at(cell / n_eps, cell % n_eps);
            p.log_density[cell] = hi > lo ? log_delta_integral(pulls, lo, hi, delta_min[cell], chi2_min[cell], delta_prior)
                                          : -0.5 * chi2_min[cell];
            const double base = -0.5 * (chi2_min[cell] - lowest);
            if (base < -745) continue;
            const double w = wm[cell / n_eps] * we[cell % n_eps];
            for (std::size_t k = 0; k < n_delta; ++k)
                local[k] += w * delta_prior.weight(delta[k]) * std::exp(base - 0.5 * (chi2_total(pulls, delta[k]) - chi2_min[cell]));
        }
    }
    std::vector<double> delta_terms(n_delta, 0.0);
    for (std::size_t b = 0; b < n_blocks; ++b)
        for (std::size_t k = 0; k < n_delta; ++k) delta_terms[k] += block_terms[b * n_delta + k];
    const double top = *std::max_element(p.log_density.begin(), p.log_density.end());
    // Normalise: Σ exp(log p) wm we = 1.
    double total = 0;
    for (std::size_t c = 0; c < n_cells; ++c) total += std::exp(p.log_density[c] - top) * wm[c / n_eps] * we[c % n_eps];
    const double log_norm = top + std::log(total);
    for (auto& v : p.log_density) v -= log_norm;
    // The normalised density per cell, once for the marginals, the box sensitivity and the HPD levels.
    std::vector<double> density(n_cells);
    for (std::size_t c = 0; c < n_cells; ++c) density[c] = std::exp(p.log_density[c]);
    // 1-D marginals of m and ε.
    p.marginal_m.assign(n_m, 0.0);
    p.marginal_eps.assign(n_eps, 0.0);
    for (std::size_t c = 0; c < n_cells; ++c)
    {
        const double d = density[c];
        p.marginal_m[c / n_eps] += d * we[c % n_eps];
        p.marginal_eps[c % n_eps] += d * wm[c / n_eps];
    }
    p.marginal_delta = delta_terms;
    detail::marginal_summary(p.marginal_m, m, m_log, p.m_interval, p.m_mode);
    detail::marginal_summary(p.marginal_eps, eps, eps_log, p.eps_interval, p.eps_mode);
    detail::marginal_summary(p.marginal_delta, delta, false, p.delta_interval, p.delta_mode);
    detail::box_sensitivity(p.marginal_m, m, m_log, p.m_interval, p.box[0]);
    detail::box_sensitivity(p.marginal_eps, eps, eps_log, p.eps_interval, p.box[1]);
    detail::box_sensitivity(p.marginal_delta, delta, false, p.delta_interval, p.box[2]);
    // The other axis's box too: m_Zd's interval with ε's range cut by a tenth at either end, and ε's with m_Zd's
    // (from the 2-D density; δ's marginal is a sum over cells the scan does not keep, so δ gets its own range only).
    for (int a = 0; a < 2; ++a)
    {
        const auto& x = a == 0 ? m : eps;
        const auto& other = a == 0 ? eps : m;
        const bool x_log = a == 0 ? m_log : eps_log, other_log = a == 0 ? eps_log : m_log;
        const auto& w_other = a == 0 ? we : wm;
        const double* interval = a == 0 ? p.m_interval : p.eps_interval;
        auto& s = p.box[a];
        if (other.size() < 3 || x.size() < 2) continue;
        auto u = [&](std::size_t i) { return grid_coordinate(other[i], other_log); };
        const double span = u(other.size() - 1) - u(0);
        for (int end = 0; end < 2; ++end)
        {
            std::vector<double> marginal(x.size(), 0.0);
            for (std::size_t c = 0; c < n_cells; ++c)
            {
                const std::size_t i = a == 0 ? c / n_eps : c % n_eps, j = a == 0 ? c % n_eps : c / n_eps;
                const bool kept = end == 0 ? u(j) >= u(0) + 0.1 * span : u(j) <= u(other.size() - 1) - 0.1 * span;
                if (kept) marginal[i] += density[c] * w_other[j];
            }
            double moved[2];
            detail::central_interval(marginal, x, x_log, 0, x.size() - 1, moved);
            detail::record_box_shift(s, x, interval, moved);
        }
        s.sensitive = s.shift > s.resolution;
    }
    // HPD: cells by density, the mass accumulated down to 68.27 % and 95.45 %.
    std::vector<std::size_t> order(n_cells);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p.log_density[a] > p.log_density[b]; });
    double mass = 0;
    const double levels[2] = {0.682689492137086, 0.954499736103642};
    int next = 0;
    for (std::size_t i = 0; i < n_cells && next < 2; ++i)
    {
        const std::size_t c = order[i];
        mass += density[c] * wm[c / n_eps] * we[c % n_eps];
        while (next < 2 && mass >= levels[next]) p.hpd_log_density[next++] = p.log_density[c];
    }
    return p;
}
}  // namespace zdscan
