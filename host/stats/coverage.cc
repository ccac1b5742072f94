/// \file coverage.cc
/// The toy loop of `zdscan coverage` (coverage.hpp): the data grid, the tested cells, batches of toys refitted in
/// parallel, their summaries merged into maps (this process's batches, other ranks', a checkpoint's).
#include "zdscan/stats/coverage.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "zdscan/physics/physics_config.hpp"
#include "zdscan/scan/delta_walk.hpp"
#include "zdscan/scan/fault_injection.hpp"
#include "zdscan/scan/progress.hpp"
#include "zdscan/scan/scan_driver.hpp"
#include "zdscan/scan/tile_exchange.hpp"
#include "zdscan/stats/toy_backend.hpp"
#include "zdscan/stats/toy_bound.hpp"
#include "zdscan/util/philox.hpp"

namespace zdscan
{
ToyGrid CoverageGrid::view() const
{
    ToyGrid g;
    g.n_cells = n_cells();
    g.n_pulls = n_pulls;
    g.coef = coef.data();
    g.order = order.data();
    g.root_chi2 = root_chi2.data();
    g.delta_lo = delta_lo;
    g.delta_hi = delta_hi;
    g.n_eps = static_cast<std::int64_t>(epsilon.size());
    return g;
}

namespace
{
void make_tiles(CoverageGrid& g, int threads);
}

CoverageGrid make_coverage_grid(const ScanConfig& config, int threads)
{
    const PhysicsSetup setup = make_physics_setup(config.physics);
    const MassTermsAt mass_at(config.physics, setup.observables);
    const ScanProblem problem = make_scan_problem(config, setup, mass_at);
    CoverageGrid g;
    g.m_zd_mev = config.m_zd_mev.values();
    g.epsilon = problem.epsilon;
    g.m_log = config.m_zd_mev.log;
    g.eps_log = config.epsilon.log;
    g.delta_lo = std::min(config.delta.min, config.delta.max);
    g.delta_hi = std::max(config.delta.min, config.delta.max);
    const std::size_t n_m = g.m_zd_mev.size(), n_eps = g.epsilon.size(), n_cells = n_m * n_eps;
    for (int i = 0; i < problem.observables.n; ++i) g.n_pulls += problem.observables.m[i].enabled ? 1 : 0;
    if (g.n_pulls == 0) throw ConfigError("measurements: coverage needs at least one enabled measurement");
    // The toys hold every cell's pulls, its bound data (toy_bound.hpp) and its profile: refuse what cannot fit.
    const double bytes = static_cast<double>(n_cells) * (64.0 * g.n_pulls + 112.0);
    if (bytes > max_coverage_bytes)
    {
        throw ConfigError("grid: the toys of a " + std::to_string(n_m) + " x " + std::to_string(n_eps) + " grid with "
                          + std::to_string(g.n_pulls) + " measurements need "
                          + std::to_string(static_cast<long long>(bytes / 1e9)) + " GB (at most "
                          + std::to_string(static_cast<long long>(max_coverage_bytes / 1e9))
                          + "): scan a coarser grid for the toys");
    }
    g.coef.resize(n_cells * static_cast<std::size_t>(g.n_pulls) * 4);
#pragma omp parallel for schedule(dynamic, 1) num_threads(cpu_threads(threads))
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(n_m); ++i)
    {
        const auto im = static_cast<std::size_t>(i);
        const MassTerms t = make_mass_terms(problem.observables, problem.m_zd_gev[im],
                                            &problem.mass_inputs[im * mass_inputs_per_mass]);
        const MassPulls mp = mass_pulls(problem.observables, t);
        for (std::size_t j = 0; j < n_eps; ++j)
        {
            const CellPulls p = cell_pulls(mp, g.epsilon[j]);
            double* c = &g.coef[(im * n_eps + j) * static_cast<std::size_t>(g.n_pulls) * 4];
            for (int k = 0; k < g.n_pulls; ++k)
                for (int q = 0; q < 4; ++q) c[4 * k + q] = p.p[k].c[q];
        }
    }
    index_coverage_grid(g, threads);
    return g;
}

void index_coverage_grid(CoverageGrid& g, int threads)
{
    const std::size_t n_m = g.m_zd_mev.size(), n_eps = g.epsilon.size(), n_cells = n_m * n_eps;
    g.chi2.resize(n_cells);
    g.delta.resize(n_cells);
    const ToyGrid view = g.view();
#pragma omp parallel for schedule(static) num_threads(cpu_threads(threads))
    for (std::int64_t c = 0; c < static_cast<std::int64_t>(n_cells); ++c)
    {
        const DeltaMinimum d = toy_cell_profile(view, c, nullptr);
        g.chi2[static_cast<std::size_t>(c)] = d.chi2;
        g.delta[static_cast<std::size_t>(c)] = d.delta;
    }
    for (std::size_t c = 0; c < n_cells; ++c)
    {
        if (!std::isfinite(g.chi2[c]))
        {
            throw std::runtime_error("the data's chi2 is not finite at m_Zd = " + std::to_string(g.m_zd_mev[c / n_eps])
                                     + " MeV, epsilon = " + std::to_string(g.epsilon[c % n_eps]));
        }
    }
    g.order.resize(n_cells);
    std::iota(g.order.begin(), g.order.end(), std::int64_t{0});
    std::sort(g.order.begin(), g.order.end(), [&](std::int64_t a, std::int64_t b)
              { return g.chi2[static_cast<std::size_t>(a)] < g.chi2[static_cast<std::size_t>(b)]
                       || (g.chi2[static_cast<std::size_t>(a)] == g.chi2[static_cast<std::size_t>(b)] && a < b); });
    g.root_chi2.resize(n_cells);
    for (std::size_t i = 0; i < n_cells; ++i) g.root_chi2[i] = std::sqrt(g.chi2[static_cast<std::size_t>(g.order[i])]);
    g.chi2_min = g.chi2[static_cast<std::size_t>(g.order[0])];
    make_tiles(g, threads);
    g.walk = selected_toy_walk();  // here, not inside the toys' threads: a bad value is a ConfigError (exit 2)
    std::int64_t unused = 0;
    g.chi2_min_refined = refined_minimum(g.view(), g.order[0], g.chi2_min, nullptr, unused);
}

namespace
{
/// The exact profiles of n ≤ exact_batch_cells cells, each constant term moved by shift: chi2[l] for cells[l]. The
/// vectorised common case, the general method for the lanes it leaves undecided: the same bits as toy_cell_profile.
void profile_cells(const ToyGrid& view, const std::int64_t* cells, int n, const double* shift, double* chi2)
{
    static const ExactBatchMinFunction solve = exact_batch_min_function(selected_cpu_isa());
    constexpr int L = exact_batch_cells;
    thread_local BatchPulls pulls;  // 32 kB: not on an OpenMP thread's stack
    const int np = view.n_pulls;
    for (int l = 0; l < L; ++l)
    {
        const double* c = view.coef + cells[l < n ? l : n - 1] * np * 4;  // padding repeats the last cell
        for (int k = 0; k < np; ++k)
            for (int q = 0; q < 4; ++q) pulls[q][k][l] = c[4 * k + q] + (q == 0 ? shift[k] : 0.0);
    }
    int status[L];
    solve(pulls, np, n, view.delta_lo, view.delta_hi, status, chi2);
    for (int l = 0; l < n; ++l)
        if (status[l] == 2) chi2[l] = toy_cell_profile(view, cells[l], shift).chi2;
}

/// The CPU refit's tiles (CoverageGrid): tile_side × tile_side cells each, in ascending order of their lowest
/// data χ², with their bounds' data.
void make_tiles(CoverageGrid& g, int threads)
{
    constexpr int L = exact_batch_cells, T = tile_side;
    const std::int64_t n_m = static_cast<std::int64_t>(g.m_zd_mev.size()), n_eps = static_cast<std::int64_t>(g.epsilon.size());
    const std::int64_t tiles_m = (n_m + T - 1) / T, tiles_e = (n_eps + T - 1) / T, n_tiles = tiles_m * tiles_e;
    std::vector<std::int64_t> cells(static_cast<std::size_t>(n_tiles * L));
    std::vector<int> count(static_cast<std::size_t>(n_tiles)), centre(static_cast<std::size_t>(n_tiles));
    std::vector<double> root(static_cast<std::size_t>(n_tiles), HUGE_VAL);
    for (std::int64_t t = 0; t < n_tiles; ++t)
    {
        const std::int64_t i0 = (t / tiles_e) * T, j0 = (t % tiles_e) * T;
        const std::int64_t rows = std::min<std::int64_t>(T, n_m - i0), cols = std::min<std::int64_t>(T, n_eps - j0);
        centre[static_cast<std::size_t>(t)] = static_cast<int>((rows / 2) * cols + cols / 2);  // its lane
        int n = 0;
        for (std::int64_t i = i0; i < std::min(i0 + T, n_m); ++i)
            for (std::int64_t j = j0; j < std::min(j0 + T, n_eps); ++j)
            {
                const std::int64_t c = i * n_eps + j;
                cells[static_cast<std::size_t>(t * L + n++)] = c;
                root[static_cast<std::size_t>(t)] = std::min(root[static_cast<std::size_t>(t)], std::sqrt(g.chi2[static_cast<std::size_t>(c)]));
            }
        for (int l = n; l < L; ++l) cells[static_cast<std::size_t>(t * L + l)] = cells[static_cast<std::size_t>(t * L)];
        count[static_cast<std::size_t>(t)] = n;
    }
    std::vector<std::int64_t> order(static_cast<std::size_t>(n_tiles));
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b)
              { return root[static_cast<std::size_t>(a)] < root[static_cast<std::size_t>(b)]
                       || (root[static_cast<std::size_t>(a)] == root[static_cast<std::size_t>(b)] && a < b); });
    const std::int64_t per = toy_bound_values(g.n_pulls), per_tile = toy_tile_values(g.n_pulls), np = g.n_pulls;
    g.tile_cells.resize(static_cast<std::size_t>(n_tiles * L));
    g.tile_count.resize(static_cast<std::size_t>(n_tiles));
    g.tile_root.resize(static_cast<std::size_t>(n_tiles));
    g.tile_bounds.resize(static_cast<std::size_t>(n_tiles * per_tile));
    g.bound_blocks.resize(static_cast<std::size_t>(n_tiles * per * L));
#pragma omp parallel for schedule(dynamic, 4) num_threads(cpu_threads(threads))
    for (std::int64_t r = 0; r < n_tiles; ++r)
    {
        const auto t = static_cast<std::size_t>(order[static_cast<std::size_t>(r)]);
        const std::int64_t* tc = &cells[t * L];
        std::copy(tc, tc + L, &g.tile_cells[static_cast<std::size_t>(r * L)]);
        g.tile_count[static_cast<std::size_t>(r)] = count[t];
        g.tile_root[static_cast<std::size_t>(r)] = root[t];
        toy_tile_data(g.coef.data(), g.n_pulls, tc, count[t], tc[centre[t]], g.delta_lo, g.delta_hi,
                      &g.tile_bounds[static_cast<std::size_t>(r * per_tile)]);
        for (int l = 0; l < L; ++l)
        {
            const auto c = static_cast<std::size_t>(tc[l]);
            toy_bound_data(&g.coef[c * static_cast<std::size_t>(np) * 4], g.n_pulls, g.delta_lo, g.delta_hi,
                           std::sqrt(g.chi2[c]), &g.bound_blocks[static_cast<std::size_t>(r * per * L + l)], L);
        }
    }
}

/// Whether a lower bound on √χ² (the triangle bound or toy_bound.hpp's) excludes a cell from holding a χ² at or
/// below best (a margin of 1e-9 relative for the rounding of the profiles and norms).
inline bool excludes(double lower, double best) { return lower > 0 && lower * lower > best * (1 + 1e-9) + 1e-12; }

/// best = the lowest of chi2[l] for cells[l], l < n, and best; ties to the lowest cell index, as toy_refit (both walks
/// profile every cell that ties), when best_cell is tracked.
inline void take_lowest(const double* chi2, const std::int64_t* cells, int n, double& best, std::int64_t* best_cell)
{
    for (int l = 0; l < n; ++l)
    {
        if (chi2[l] < best || (best_cell && chi2[l] == best && cells[l] < *best_cell))
        {
            best = chi2[l];
            if (best_cell) *best_cell = cells[l];
        }
    }
}
}  // namespace

ToyWalk selected_toy_walk()
{
    const char* env = std::getenv("ZDSCAN_TOY_WALK");
    const std::string v = env ? env : "bounds";
    if (v == "bounds") return ToyWalk::bounds;
    if (v == "triangle") return ToyWalk::triangle;
    throw ConfigError("ZDSCAN_TOY_WALK: must be bounds (the default) or triangle (got \"" + v + "\")");
}

namespace
{
/// The walk of the reference (ToyWalk::triangle): every cell in visiting order, L at a time, up to the first block
/// whose first cell the triangle bound excludes.
double triangle_walk(const CoverageGrid& g, const double* shift, double shift_norm, double best, std::int64_t& fitted,
                     std::int64_t* best_cell)
{
    constexpr int L = exact_batch_cells;
    const ToyGrid view = g.view();
    double chi2[L];
    for (std::int64_t i0 = 0; i0 < view.n_cells; i0 += L)
    {
        if (excludes(view.root_chi2[i0] - shift_norm, best)) break;
        const int m = static_cast<int>(std::min<std::int64_t>(L, view.n_cells - i0));
        profile_cells(view, view.order + i0, m, shift, chi2);
        take_lowest(chi2, view.order + i0, m, best, best_cell);
        fitted += m;
    }
    return best;
}
}  // namespace

double toy_grid_minimum_blocks(const CoverageGrid& g, const double* shift, double shift_norm, double best,
                               std::int64_t& fitted, std::int64_t* best_cell)
{
    if (g.walk == ToyWalk::triangle) return triangle_walk(g, shift, shift_norm, best, fitted, best_cell);
    constexpr int L = exact_batch_cells;
    const ToyGrid view = g.view();
    const std::size_t per_block = static_cast<std::size_t>(toy_bound_values(view.n_pulls)) * L;
    double lower[L], chi2[L];
    // The cells no bound has excluded yet, profiled L at a time; each keeps its bound to be checked again against the
    // best found meanwhile.
    std::int64_t pending[2 * L];
    double pending_lower[2 * L];
    int n_pending = 0;
    auto profile_pending = [&](int count)
    {
        std::int64_t cells[L];
        int n = 0;
        for (int i = 0; i < count; ++i)
            if (!excludes(pending_lower[i], best)) cells[n++] = pending[i];
        for (int i = count; i < n_pending; ++i) pending[i - count] = pending[i], pending_lower[i - count] = pending_lower[i];
        n_pending -= count;
        if (n == 0) return;
        profile_cells(view, cells, n, shift, chi2);
        take_lowest(chi2, cells, n, best, best_cell);  // no bound excludes a cell that ties
        fitted += n;
    };
    const std::int64_t n_tiles = static_cast<std::int64_t>(g.tile_count.size());
    const std::size_t per_tile = static_cast<std::size_t>(toy_tile_values(view.n_pulls));
    for (std::int64_t r = 0; r < n_tiles; ++r)
    {
        const auto t = static_cast<std::size_t>(r);
        if (excludes(g.tile_root[t] - shift_norm, best)) break;  // the triangle bound, for the tile's lowest cell
        if (excludes(toy_tile_lower_bound(&g.tile_bounds[t * per_tile], view.n_pulls, shift, shift_norm), best))
            continue;
        toy_lower_bounds(&g.bound_blocks[t * per_block], view.n_pulls, shift, shift_norm, lower);
        const std::int64_t* cells = &g.tile_cells[t * L];
        for (int l = 0; l < g.tile_count[t]; ++l)
        {
            if (excludes(lower[l], best)) continue;
            pending[n_pending] = cells[l];
            pending_lower[n_pending++] = lower[l];
        }
        if (n_pending >= L) profile_pending(L);
    }
    while (n_pending > 0) profile_pending(std::min(n_pending, L));
    return best;
}

ToyFit toy_refit_blocks(const CoverageGrid& g, std::int64_t point, const double* shift, double shift_norm)
{
    ToyFit fit;
    const ToyGrid view = g.view();
    const double at_point = toy_cell_profile(view, point, shift).chi2;
    fit.cells_fitted = 1;
    std::int64_t best_cell = point;
    const double best = toy_grid_minimum_blocks(g, shift, shift_norm, at_point, fit.cells_fitted, &best_cell);
    fit.dchi2 = at_point - refined_minimum(view, best_cell, best, shift, fit.cells_fitted);
    return fit;
}

namespace
{
std::string format_minutes(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds / 60);
    return text;
}
}  // namespace

TimeBudgetReached::TimeBudgetReached(std::int64_t done, std::int64_t total, double seconds)
    : std::runtime_error("stopped after --max-minutes " + format_minutes(seconds) + ": " + std::to_string(done) + " of "
                         + std::to_string(total)
                         + " batches of tested cells done, kept in the checkpoint; run the same command with --resume "
                           "to continue")
{
}

double wilks_two_dof(double cl) { return -2.0 * std::log1p(-cl); }

std::vector<std::int64_t> select_coverage_points(const CoverageGrid& grid, const CoveragePoints& points,
                                                 const std::vector<double>& cl)
{
    std::vector<std::int64_t> cells;
    switch (points.rule)
    {
        case CoveragePoints::Rule::all:
            cells.resize(static_cast<std::size_t>(grid.n_cells()));
            std::iota(cells.begin(), cells.end(), std::int64_t{0});
            break;
        case CoveragePoints::Rule::listed:
            cells = points.cells;
            std::sort(cells.begin(), cells.end());
            cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
            break;
        case CoveragePoints::Rule::near_contour:
            for (std::int64_t c = 0; c < grid.n_cells(); ++c)
            {
                const double d = grid.chi2[static_cast<std::size_t>(c)] - grid.chi2_min_refined;
                for (double level : cl)
                {
                    const double w = wilks_two_dof(level);
                    if (d >= points.band_low * w && d <= points.band_high * w)
                    {
                        cells.push_back(c);
                        break;
                    }
                }
            }
            break;
    }
    return cells;
}

void summarise_toys(std::vector<double>& t, const std::vector<double>& cl, const std::vector<double>& wilks,
                    CoveragePoint& out)
{
    std::sort(t.begin(), t.end());
    const auto n = static_cast<std::int64_t>(t.size());
    auto at_rank = [&](double rank)  // 1-based rank, clamped to [1, n]
    {
        const auto r = std::clamp(static_cast<std::int64_t>(std::ceil(rank - 1e-9)), std::int64_t{1}, n);
        return t[static_cast<std::size_t>(r - 1)];
    };
    out.crit.clear();
    out.crit_error.clear();
    out.wilks_coverage.clear();
    for (double level : cl)
    {
        const double nd = static_cast<double>(n);
        const double spread = std::sqrt(nd * level * (1 - level));
        out.crit.push_back(at_rank(level * nd));
        out.crit_error.push_back(0.5 * (at_rank(level * nd + spread) - at_rank(level * nd - spread)));
        const double w = wilks[out.crit.size() - 1];
        const auto below = std::upper_bound(t.begin(), t.end(), w) - t.begin();
        out.wilks_coverage.push_back(static_cast<double>(below) / nd);
    }
}

namespace
{
class CpuToys final : public ToyBackend
{
  public:
    CpuToys(const CoverageGrid& grid, int threads) : grid_(grid), threads_(cpu_threads(threads)) {}
    std::string name() const override { return "cpu"; }
    std::string device() const override { return "CPU (" + std::to_string(threads_) + " threads)"; }
    int preferred_points_per_batch() const override { return 16; }
    void refit(const std::vector<std::int64_t>& cells, std::int64_t toys, std::uint64_t seed, std::vector<double>& t,
               std::vector<std::int64_t>& fitted) override
    {
        const auto pairs = static_cast<std::int64_t>(cells.size()) * toys;
        t.assign(static_cast<std::size_t>(pairs), 0.0);
        fitted.assign(static_cast<std::size_t>(pairs), 0);
        const ToyGrid view = grid_.view();
        // Every (point, toy) pair on its own: its numbers depend on (seed, cell, toy) only.
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads_)
        for (std::int64_t q = 0; q < pairs; ++q)
        {
            if (cancelled()) continue;  // a stop request: the caller discards the batch
            const std::int64_t cell = cells[static_cast<std::size_t>(q / toys)];
            double z[max_measurements], shift[max_measurements];
            toy_normals(seed, static_cast<std::uint64_t>(cell), static_cast<std::uint32_t>(q % toys), grid_.n_pulls, z);
            const double norm = toy_shift(view, cell, grid_.delta[static_cast<std::size_t>(cell)], z, shift);
            const ToyFit fit = toy_refit_blocks(grid_, cell, shift, norm);
            t[static_cast<std::size_t>(q)] = fit.dchi2;
            fitted[static_cast<std::size_t>(q)] = fit.cells_fitted;
        }
    }

  private:
    const CoverageGrid& grid_;
    int threads_;
};

/// A batch's points as doubles (TileResult::full): per point the cell, the mean cells fitted, then crit, its error
/// and the Wilks coverage per CL.
std::size_t values_per_point(std::size_t n_cl) { return 2 + 3 * n_cl; }

TileResult encode_batch(const std::vector<CoveragePoint>& points, std::size_t n_cl)
{
    TileResult r;
    r.full.reserve(points.size() * values_per_point(n_cl));
    for (const auto& p : points)
    {
        r.full.push_back(static_cast<double>(p.cell));
        r.full.push_back(p.mean_cells_fitted);
        for (double v : p.crit) r.full.push_back(v);
        for (double v : p.crit_error) r.full.push_back(v);
        for (double v : p.wilks_coverage) r.full.push_back(v);
    }
    return r;
}

/// out.levels[k] from the maps (coverage.hpp).
void summarise_level(CoverageResult& out, std::size_t k)
{
    auto median = [](std::vector<double> v)
    {
        if (v.empty()) return static_cast<double>(NAN);
        std::sort(v.begin(), v.end());
        const std::size_t h = v.size() / 2;
        return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
    };
    CoverageResult::LevelSummary& l = out.levels[k];
    const double w = out.wilks[k];
    std::vector<double> crit, coverage;
    for (std::size_t c = 0; c < out.dchi2.size(); ++c)
    {
        l.fc_cells += out.fc_region[k][c];
        l.wilks_cells += out.dchi2[c] <= w;
        if (!out.tested_mask[c]) continue;
        l.crit_min = std::fmin(l.crit_min, out.crit[k][c]);  // fmin: NaN (the start) never wins
        l.crit_max = std::fmax(l.crit_max, out.crit[k][c]);
        l.coverage_min = std::fmin(l.coverage_min, out.wilks_coverage[k][c]);
        l.coverage_max = std::fmax(l.coverage_max, out.wilks_coverage[k][c]);
        if (std::fabs(out.dchi2[c] - w) <= 0.2 * w)
        {
            crit.push_back(out.crit[k][c]);
            coverage.push_back(out.wilks_coverage[k][c]);
        }
    }
    l.contour_cells = static_cast<std::int64_t>(crit.size());
    l.crit_median = median(crit);
    l.coverage_median = median(coverage);
}
}  // namespace

std::unique_ptr<ToyBackend> make_cpu_toys(const CoverageGrid& grid, int threads)
{
    return std::make_unique<CpuToys>(grid, threads);
}

CoverageResult run_coverage(const CoverageGrid& grid, const CoverageOptions& options)
{
    CoverageResult out;
    out.cl = options.cl;
    for (double level : out.cl) out.wilks.push_back(wilks_two_dof(level));
    out.toys = options.toys;
    out.seed = options.seed;
    const auto& pr = options.points;
    char band[96];
    std::snprintf(band, sizeof band, "cells with the data's Delta chi2 in [%g, %g] x a Wilks threshold", pr.band_low,
                  pr.band_high);
    out.points_rule = pr.rule == CoveragePoints::Rule::all      ? "all cells"
                      : pr.rule == CoveragePoints::Rule::listed ? "the cells nearest to the listed points"
                                                                : band;
    out.tested = select_coverage_points(grid, pr, out.cl);
    const std::size_t n_cells = static_cast<std::size_t>(grid.n_cells()), n_cl = out.cl.size();
    out.dchi2.resize(n_cells);
    for (std::size_t c = 0; c < n_cells; ++c) out.dchi2[c] = grid.chi2[c] - grid.chi2_min_refined;
    out.crit.assign(n_cl, std::vector<double>(n_cells, NAN));
    out.crit_error = out.crit;
    out.wilks_coverage = out.crit;
    out.mean_cells_fitted.assign(n_cells, NAN);
    out.tested_mask.assign(n_cells, 0);

    const auto B = static_cast<std::size_t>(std::max(1, options.points_per_batch));
    const std::int64_t n_batches = static_cast<std::int64_t>((out.tested.size() + B - 1) / B);
    auto batch_cells = [&](std::int64_t b)
    {
        const std::size_t begin = static_cast<std::size_t>(b) * B, end = std::min(out.tested.size(), begin + B);
        return std::vector<std::int64_t>(out.tested.begin() + static_cast<std::ptrdiff_t>(begin),
                                         out.tested.begin() + static_cast<std::ptrdiff_t>(end));
    };
    std::vector<char> done(static_cast<std::size_t>(n_batches), 0);
    // Merging checks a record from another rank or a checkpoint before it is used: its cells are the batch's, its
    // numbers in range.
    const TileMerge merge = [&](std::int64_t b, const TileResult& r)
    {
        const auto cells = batch_cells(b);
        const std::size_t per = values_per_point(n_cl);
        if (b < 0 || b >= n_batches || r.full.size() != cells.size() * per)
            throw InvalidTileResult("coverage batch " + std::to_string(b) + ": malformed record");
        for (std::size_t p = 0; p < cells.size(); ++p)
        {
            const double* v = &r.full[p * per];
            const auto cell = static_cast<std::size_t>(cells[p]);
            bool ok = v[0] == static_cast<double>(cells[p]) && std::isfinite(v[1]) && v[1] >= 1;
            for (std::size_t k = 0; k < n_cl; ++k)
            {
                const double crit = v[2 + k], err = v[2 + n_cl + k], cov = v[2 + 2 * n_cl + k];
                ok = ok && std::isfinite(crit) && crit >= 0 && std::isfinite(err) && err >= 0 && cov >= 0 && cov <= 1;
            }
            if (!ok) throw InvalidTileResult("coverage batch " + std::to_string(b) + ": malformed record");
            out.mean_cells_fitted[cell] = v[1];
            for (std::size_t k = 0; k < n_cl; ++k)
            {
                out.crit[k][cell] = v[2 + k];
                out.crit_error[k][cell] = v[2 + n_cl + k];
                out.wilks_coverage[k][cell] = v[2 + 2 * n_cl + k];
            }
            out.tested_mask[cell] = 1;
        }
        done[static_cast<std::size_t>(b)] = 1;
    };
    TileExchange* exchange = options.exchange;
    const bool collects = !exchange || exchange->collects();
    TileJournal* journal = collects ? options.journal : nullptr;
    const TileMerge merge_new = [&](std::int64_t b, const TileResult& r)
    {
        merge(b, r);
        if (journal) journal->record(b, r);
    };
    if (journal)
    {
        const auto restored = journal->restore(
            {"coverage", n_batches, static_cast<int>(B), static_cast<int>(out.tested.size())}, merge);
        out.batches_restored = static_cast<std::int64_t>(restored.size());
        if (options.on_restored && !restored.empty()) options.on_restored(out.batches_restored, n_batches);
    }
    if (exchange) exchange->share_done(done);

    std::unique_ptr<ToyBackend> own;
    ToyBackend* toys_backend = options.backend;
    if (!toys_backend)
    {
        own = make_cpu_toys(grid, options.threads);
        toys_backend = own.get();
    }
    toys_backend->set_cancel(options.cancel);
    const auto toys = static_cast<std::int64_t>(options.toys);
    std::int64_t toys_done_before = 0;
    for (std::int64_t b = 0; b < n_batches; ++b) toys_done_before += done[static_cast<std::size_t>(b)] ? static_cast<std::int64_t>(batch_cells(b).size()) * toys : 0;
    if (options.progress) options.progress->start(toys_done_before);
    std::int64_t toys_done = toys_done_before;
    const auto start = std::chrono::steady_clock::now();
    std::vector<double> t;
    std::vector<std::int64_t> fitted;
    const FaultInjection fault = FaultInjection::from_environment(options.rank);
    std::int64_t evaluated = 0;
    try
    {
        for (std::int64_t b = 0; b < n_batches; ++b)
        {
            if (done[static_cast<std::size_t>(b)] || (exchange && !exchange->evaluates(b))) continue;
            // Each run does at least one batch, so that a chain of resumed runs always ends.
            if (options.max_seconds > 0 && evaluated > 0
                && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > options.max_seconds)
            {
                std::int64_t finished = 0;
                for (char x : done) finished += x;
                throw TimeBudgetReached(finished, n_batches, options.max_seconds);
            }
            fault.check(evaluated++);
            check_cancel(options.cancel);
            const auto cells = batch_cells(b);
            const auto pairs = static_cast<std::int64_t>(cells.size()) * toys;
            toys_backend->refit(cells, toys, options.seed, t, fitted);
            check_cancel(options.cancel);
            std::vector<CoveragePoint> points(cells.size());
            for (std::size_t p = 0; p < cells.size(); ++p)
            {
                std::vector<double> tp(t.begin() + static_cast<std::ptrdiff_t>(p) * toys,
                                       t.begin() + static_cast<std::ptrdiff_t>(p + 1) * toys);
                points[p].cell = cells[p];
                summarise_toys(tp, out.cl, out.wilks, points[p]);
                std::int64_t sum = 0;
                for (std::int64_t k = 0; k < toys; ++k) sum += fitted[static_cast<std::size_t>(static_cast<std::int64_t>(p) * toys + k)];
                points[p].mean_cells_fitted = static_cast<double>(sum) / static_cast<double>(toys);
                out.cells_fitted += sum;
            }
            out.toys_computed += pairs;
            toys_done += pairs;
            const TileResult r = encode_batch(points, n_cl);
            if (exchange && !collects)
            {
                exchange->send(b, r);
            }
            else
            {
                merge_new(b, r);
            }
            if (exchange && collects) exchange->receive(merge_new, false, options.cancel);
            if (options.progress) options.progress->update(toys_done);
        }
        if (exchange && collects) exchange->receive(merge_new, true, options.cancel);
    }
    catch (...)
    {
        if (journal) journal->flush();
        throw;
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (journal) journal->flush();
    if (options.progress && collects) options.progress->finish();
    if (exchange && !collects)
    {
        out.collected = false;
        return out;
    }

    // Every toy behind the result, whichever rank or run threw it: the tested cells' toys and their mean fits.
    for (std::size_t c = 0; c < n_cells; ++c)
    {
        if (!out.tested_mask[c]) continue;
        out.toys_total += toys;
        out.cells_fitted_total += std::llround(out.mean_cells_fitted[c] * static_cast<double>(toys));
    }
    // The regions, and whether the tested band was wide enough for them.
    out.fc_region.assign(n_cl, std::vector<std::uint8_t>(n_cells, 0));
    out.levels.resize(n_cl);
    for (std::size_t k = 0; k < n_cl; ++k)
    {
        const double w = out.wilks[k];
        bool outer = false, inner = false;
        for (std::size_t c = 0; c < n_cells; ++c)
        {
            const double d = out.dchi2[c];
            if (out.tested_mask[c])
            {
                const bool inside = d <= out.crit[k][c];
                out.fc_region[k][c] = inside;
                if (pr.rule == CoveragePoints::Rule::near_contour)
                {
                    outer = outer || (inside && d >= 0.8 * pr.band_high * w);
                    inner = inner || (!inside && d <= 1.25 * pr.band_low * w);
                }
            }
            else
            {
                out.fc_region[k][c] = pr.rule == CoveragePoints::Rule::near_contour ? d < pr.band_low * w : d <= w;
            }
        }
        summarise_level(out, k);
        char level[32];
        std::snprintf(level, sizeof level, "%.4g%%", 100 * out.cl[k]);
        if (outer)
            out.warnings.push_back(std::string("the Feldman-Cousins region at ") + level
                                   + " reaches the outer edge of the tested band: widen it (--band) or test all cells");
        if (inner)
            out.warnings.push_back(std::string("the Feldman-Cousins region at ") + level
                                   + " excludes cells at the inner edge of the tested band: widen it (--band) or test "
                                     "all cells");
        if (static_cast<double>(options.toys) * (1 - out.cl[k]) < 10)
            out.warnings.push_back(std::string("fewer than 10 toys lie above the ") + level
                                   + " quantile: its critical values are poorly determined (more --toys)");
    }
    return out;
}
}  // namespace zdscan
