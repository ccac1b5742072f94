/// \file interval_coverage.cc
#include "zdscan/stats/interval_coverage.hpp"

#include <algorithm>

#include "zdscan/scan/axis_coordinate.hpp"
#include "zdscan/scan/scan_driver.hpp"
#include "zdscan/scan/scan_engine.hpp"
#include "zdscan/util/chi2_distribution.hpp"
#include "zdscan/util/philox.hpp"

namespace zdscan
{
namespace
{
/// The cells of line k of an axis: m_Zd index k with every ε, or ε index k with every m_Zd.
std::vector<std::int64_t> line_cells(const CoverageGrid& g, int axis, std::size_t k)
{
    const std::size_t n_m = g.m_zd_mev.size(), n_eps = g.epsilon.size();
    std::vector<std::int64_t> cells;
    if (axis == 0)
        for (std::size_t j = 0; j < n_eps; ++j) cells.push_back(static_cast<std::int64_t>(k * n_eps + j));
    else
        for (std::size_t i = 0; i < n_m; ++i) cells.push_back(static_cast<std::int64_t>(i * n_eps + k));
    return cells;
}

/// Where f (≤ 0 inside) changes sign between neighbours a (inside) and b (outside), linearly in the axis coordinate.
double crossing(const std::vector<double>& x, bool log_axis, std::size_t a, std::size_t b, double fa, double fb)
{
    const double ua = grid_coordinate(x[a], log_axis), ub = grid_coordinate(x[b], log_axis);
    const double t = fb != fa ? fa / (fa - fb) : 0.5;
    return grid_value(ua + std::clamp(t, 0.0, 1.0) * (ub - ua), log_axis);
}

/// The interval of {x : f(x) ≤ 0} around the profile's minimum (the contiguous run containing it).
IntervalCoverage::Ends interval_of(const std::vector<double>& x, bool log_axis, const std::vector<double>& f,
                                   std::size_t centre)
{
    IntervalCoverage::Ends e;
    std::size_t lo = centre, hi = centre;
    while (lo > 0 && f[lo - 1] <= 0) --lo;
    while (hi + 1 < x.size() && f[hi + 1] <= 0) ++hi;
    if (lo > 0) e.lower = crossing(x, log_axis, lo, lo - 1, f[lo], f[lo - 1]);
    if (hi + 1 < x.size()) e.upper = crossing(x, log_axis, hi, hi + 1, f[hi], f[hi + 1]);
    return e;
}
}  // namespace

std::vector<IntervalCoverage> run_interval_coverage(const CoverageGrid& g, const CoverageOptions& options)
{
    const ToyGrid view = g.view();
    const std::size_t n_cl = options.cl.size();
    const auto toys = options.toys;
    std::vector<IntervalCoverage> out(2);
    for (int axis = 0; axis < 2; ++axis)
    {
        IntervalCoverage& r = out[static_cast<std::size_t>(axis)];
        r.axis = axis;
        r.values = axis == 0 ? g.m_zd_mev : g.epsilon;
        const bool log_axis = axis == 0 ? g.m_log : g.eps_log;
        const std::size_t n = r.values.size();
        for (double level : options.cl) r.wilks.push_back(delta_chi2_one_dof(level));
        // The data's 1-D profile and each line's best cell (the toys' truth).
        std::vector<std::int64_t> best(n);
        r.dchi2.assign(n, HUGE_VAL);
        for (std::size_t k = 0; k < n; ++k)
        {
            for (std::int64_t c : line_cells(g, axis, k))
            {
                const double v = g.chi2[static_cast<std::size_t>(c)] - g.chi2_min;
                if (v < r.dchi2[k]) r.dchi2[k] = v, best[k] = c;
            }
        }
        r.tested.assign(n, 0);
        for (std::size_t k = 0; k < n; ++k)
        {
            bool test = options.points.rule != CoveragePoints::Rule::near_contour;
            for (double w : r.wilks)
                test = test || (r.dchi2[k] >= options.points.band_low * w && r.dchi2[k] <= options.points.band_high * w);
            r.tested[k] = test;
        }
        std::vector<std::size_t> lines;
        std::vector<std::vector<std::int64_t>> cells_of;  // each tested line's cells, for all its toys
        for (std::size_t k = 0; k < n; ++k)
            if (r.tested[k]) lines.push_back(k), cells_of.push_back(line_cells(g, axis, k));
        const auto pairs = static_cast<std::int64_t>(lines.size()) * toys;
        std::vector<double> t(static_cast<std::size_t>(pairs));
        const std::int64_t id0 = g.n_cells() + (axis == 0 ? 0 : static_cast<std::int64_t>(g.m_zd_mev.size()));
#pragma omp parallel for schedule(dynamic, 8) num_threads(cpu_threads(options.threads))
        for (std::int64_t q = 0; q < pairs; ++q)
        {
            if (options.cancel && options.cancel->load(std::memory_order_relaxed)) continue;
            const auto p = static_cast<std::size_t>(q / toys);
            const std::size_t k = lines[p];
            double z[max_measurements], shift[max_measurements];
            toy_normals(options.seed, static_cast<std::uint64_t>(id0 + static_cast<std::int64_t>(k)),
                        static_cast<std::uint32_t>(q % toys), g.n_pulls, z);
            const std::int64_t truth = best[k];
            const double norm = toy_shift(view, truth, g.delta[static_cast<std::size_t>(truth)], z, shift);
            double line_min = HUGE_VAL;
            for (std::int64_t c : cells_of[p]) line_min = std::fmin(line_min, toy_cell_profile(view, c, shift).chi2);
            std::int64_t fitted = 0;
            t[static_cast<std::size_t>(q)] = line_min - toy_grid_minimum_blocks(g, shift, norm, line_min, fitted);
        }
        check_cancel(options.cancel);
        r.toys_computed = pairs;
        r.crit.assign(n_cl, std::vector<double>(n, NAN));
        r.crit_error = r.crit;
        r.wilks_coverage = r.crit;
        for (std::size_t p = 0; p < lines.size(); ++p)
        {
            std::vector<double> tp(t.begin() + static_cast<std::ptrdiff_t>(p) * toys,
                                   t.begin() + static_cast<std::ptrdiff_t>(p + 1) * toys);
            CoveragePoint s;
            summarise_toys(tp, options.cl, r.wilks, s);
            for (std::size_t c = 0; c < n_cl; ++c)
            {
                r.crit[c][lines[p]] = s.crit[c];
                r.crit_error[c][lines[p]] = s.crit_error[c];
                r.wilks_coverage[c][lines[p]] = s.wilks_coverage[c];
            }
        }
        // The intervals: tested values by their critical value, the others by the band's rule (Wilks).
        const std::size_t centre =
            static_cast<std::size_t>(std::min_element(r.dchi2.begin(), r.dchi2.end()) - r.dchi2.begin());
        for (std::size_t c = 0; c < n_cl; ++c)
        {
            std::vector<double> f_fc(n), f_wilks(n);
            for (std::size_t k = 0; k < n; ++k)
            {
                f_wilks[k] = r.dchi2[k] - r.wilks[c];
                f_fc[k] = r.tested[k] ? r.dchi2[k] - r.crit[c][k] : f_wilks[k];
            }
            r.fc.push_back(interval_of(r.values, log_axis, f_fc, centre));
            r.wilks_interval.push_back(interval_of(r.values, log_axis, f_wilks, centre));
        }
    }
    return out;
}
}  // namespace zdscan
