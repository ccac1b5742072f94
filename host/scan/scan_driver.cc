/// \file scan_driver.cc
#include "zdscan/scan/scan_driver.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <tuple>

#include "zdscan/physics/chi2_cpu.hpp"
#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/physics/running_sin2_smooth.hpp"
#include "zdscan/physics/sin2_effective.hpp"
#include "zdscan/scan/profile_intervals.hpp"
#include "zdscan/scan/scan_engine.hpp"
#include "zdscan/scan/fault_injection.hpp"
#include "zdscan/scan/tile_exchange.hpp"

namespace zdscan
{
namespace
{
/// Q grid of the ŝ² curves (Fig. 4): 1e-4 to 1e3 GeV, 50 points a decade.
constexpr double running_q_min_gev = 1e-4, running_q_max_gev = 1e3;
constexpr int running_points_per_decade = 50;

std::unique_ptr<ScanEngine> make_engine(Backend backend, const ScanProblem& problem, int threads, int cuda_device)
{
    switch (backend)
    {
        case Backend::cpu: return make_cpu_engine(problem, threads);
        case Backend::cuda: return make_cuda_engine(problem, cuda_device);
        case Backend::cuda_emulated: return make_emulated_cuda_engine(problem);
        case Backend::automatic:
            return cuda_device_count() > 0 ? make_cuda_engine(problem, cuda_device) : make_cpu_engine(problem, threads);
    }
    throw std::logic_error("unknown backend");
}

/// "qweak = inf, a_e = nan" for the non-finite terms at one point (names as in the config).
std::string nonfinite_terms(const Chi2Terms& t, const PhysicsConfig& physics)
{
    std::string list;
    for (std::size_t i = 0; i < physics.measurements.size(); ++i)
    {
        if (!std::isfinite(t.term[i]))
        {
            list += std::string(list.empty() ? "" : ", ") + physics.measurements[i].name + " = "
                    + (std::isnan(t.term[i]) ? "nan" : "inf");
        }
    }
    return list.empty() ? "the sum overflows" : list;
}

[[noreturn]] void throw_nonfinite(const ScanProblem& problem, const PhysicsConfig& physics, const MassTerms& mass,
                                  double m_zd_mev, int i_m, int i_eps, int i_delta)
{
    const double eps = problem.epsilon[static_cast<std::size_t>(i_eps)];
    const double delta = problem.delta[static_cast<std::size_t>(i_delta)];
    const Chi2Terms t = evaluate_chi2(problem.observables, mass, eps, delta);
    char point[256];
    std::snprintf(point, sizeof point, "m_Zd = %.6g MeV, epsilon = %.6g, delta = %.6g (grid index %d, %d, %d)",
                  m_zd_mev, eps, delta, i_m, i_eps, i_delta);
    throw NonFiniteChi2("chi2 is not finite at " + std::string(point) + ": " + nonfinite_terms(t, physics)
                        + "; check that measurement's exp and sigma values and the grid range");
}
}  // namespace

Backend parse_backend(const std::string& name)
{
    if (name == "cpu") return Backend::cpu;
    if (name == "cuda") return Backend::cuda;
    if (name == "cuda-emulated") return Backend::cuda_emulated;
    if (name == "auto") return Backend::automatic;
    throw std::invalid_argument("--backend must be cpu, cuda, cuda-emulated or auto (got \"" + name + "\")");
}

TilePlan plan_tiles(const ScanOptions& options, std::int64_t preferred_tile_points, int n_m, int n_eps, int n_delta,
                    std::int64_t device_bytes_per_cell)
{
    std::int64_t budget = options.tile_points > 0 ? options.tile_points : preferred_tile_points;
    if (options.full_grid)
    {
        budget = std::min(budget, options.max_tile_bytes / static_cast<std::int64_t>(sizeof(double)));
    }
    if (device_bytes_per_cell > 0)  // a device's buffers (and the slab) of one tile within --max-tile-mb
    {
        const std::int64_t per_cell =
            device_bytes_per_cell + (options.full_grid ? n_delta * static_cast<std::int64_t>(sizeof(double)) : 0);
        budget = std::min(budget, options.max_tile_bytes / per_cell * n_delta);
    }
    budget = std::max<std::int64_t>(budget, 1);
    const std::int64_t per_mass = static_cast<std::int64_t>(n_eps) * n_delta;
    std::int64_t masses = budget / per_mass;
    if (options.tile_masses > 0) masses = std::min<std::int64_t>(masses, options.tile_masses);
    TilePlan plan;
    plan.n_m = n_m;
    plan.n_eps = n_eps;
    if (masses >= 1)
    {
        plan.masses_per_tile = static_cast<int>(std::min<std::int64_t>(masses, n_m));
        plan.eps_per_tile = n_eps;
    }
    else
    {
        plan.masses_per_tile = 1;
        std::int64_t eps = std::clamp<std::int64_t>(budget / n_delta, 1, n_eps);
        if (eps > full_grid_chunk_max) eps -= eps % full_grid_chunk_max;  // whole file chunks per tile
        plan.eps_per_tile = static_cast<int>(eps);
    }
    return plan;
}

Tile TilePlan::first() const
{
    return {0, std::min(n_m, masses_per_tile), 0, std::min(n_eps, eps_per_tile)};
}

bool TilePlan::next(Tile& t) const
{
    if (t.eps_end < n_eps)  // the rest of a split row
    {
        t.eps_begin = t.eps_end;
        t.eps_end = std::min(n_eps, t.eps_begin + eps_per_tile);
        return true;
    }
    if (t.m_end >= n_m) return false;
    t.m_begin = t.m_end;
    t.m_end = std::min(n_m, t.m_begin + masses_per_tile);
    t.eps_begin = 0;
    t.eps_end = std::min(n_eps, eps_per_tile);
    return true;
}

ScanProblem make_scan_problem(const ScanConfig& config)
{
    const PhysicsSetup setup = make_physics_setup(config.physics);
    return make_scan_problem(config, setup, MassTermsAt(config.physics, setup.observables));
}

ScanProblem make_scan_problem(const ScanConfig& config, const PhysicsSetup& setup, const MassTermsAt& mass_at)
{
    ScanProblem problem;
    problem.observables = setup.observables;
    const auto m_mev = config.m_zd_mev.values();
    problem.m_zd_gev.resize(m_mev.size());
    std::transform(m_mev.begin(), m_mev.end(), problem.m_zd_gev.begin(), [](double m) { return m * 1e-3; });
    problem.mass_inputs = mass_at.input_table(m_mev);
    problem.epsilon = config.epsilon.values();
    problem.delta = config.delta.values();
    return problem;
}

namespace
{
/// Runs the backend tile by tile: fills χ²_total, its δ argmin and the δ profile, and feeds full-grid slabs to the
/// sink. With options.exchange, this process evaluates its share of the tiles and the collector merges them all;
/// with options.journal, tiles of an earlier run are restored and new ones recorded. Stops at the first non-finite
/// χ² (NonFiniteChi2) and at a cancel request (ScanInterrupted, after making the journal durable).
void evaluate_tiles(ScanEngine& engine, const ScanProblem& problem, const ScanOptions& options,
                    const FullGridSink& sink, ProgressReporter* progress, ScanOutput& out)
{
    const int n_m = out.config.m_zd_mev.n, n_eps = out.config.epsilon.n, n_delta = out.config.delta.n;
    const TilePlan plan =
        plan_tiles(options, engine.preferred_tile_points(), n_m, n_eps, n_delta, engine.tile_bytes_per_cell(n_delta));
    std::vector<Tile> tiles;
    Tile tile = plan.first();
    do tiles.push_back(tile);
    while (plan.next(tile));
    const auto n_tiles = static_cast<std::int64_t>(tiles.size());
    TileExchange* exchange = options.exchange;
    const bool collects = !exchange || exchange->collects();
    TileJournal* journal = collects ? options.journal : nullptr;

    std::int64_t points_done = 0;
    const TileShape shape{n_delta, options.full_grid, options.delta_profile == DeltaProfile::exact, out.delta.front(),
                          out.delta.back()};
    auto merge = [&](std::int64_t t, const TileResult& result)
    {
        if (t < 0 || t >= static_cast<std::int64_t>(tiles.size()))
            throw InvalidTileResult("tile " + std::to_string(t) + " is not in the plan");
        const Tile& tl = tiles[static_cast<std::size_t>(t)];
        if (const std::string why = tile_result_problem(tl, shape, result); !why.empty())
            throw InvalidTileResult("tile " + std::to_string(t) + " " + why);
        if (result.first_nonfinite >= 0)
        {
            const std::int64_t cell = result.first_nonfinite / n_delta;
            const int i_m = tl.i_m(cell);
            throw_nonfinite(problem, out.config.physics, engine.mass_terms()[static_cast<std::size_t>(i_m)],
                            out.m_zd_mev[static_cast<std::size_t>(i_m)], i_m, tl.i_eps(cell),
                            static_cast<int>(result.first_nonfinite % n_delta));
        }
        // A tile is whole rows or part of one row: its cells are contiguous in the [n_m][n_eps] arrays.
        const auto offset = static_cast<std::ptrdiff_t>(tl.m_begin) * n_eps + tl.eps_begin;
        std::copy(result.chi2_min.begin(), result.chi2_min.end(), out.chi2_total.begin() + offset);
        std::copy(result.argmin.begin(), result.argmin.end(), out.argmin_delta_index.begin() + offset);
        std::copy(result.delta_at_min.begin(), result.delta_at_min.end(), out.argmin_delta.begin() + offset);
        std::transform(out.profile_delta.begin(), out.profile_delta.end(), result.delta_profile.begin(),
                       out.profile_delta.begin(), [](double a, double b) { return std::min(a, b); });
        if (options.full_grid && sink) sink(tl, result.full);
        points_done += tl.cells() * n_delta;
        if (progress) progress->update(points_done);
    };
    auto merge_new = [&](std::int64_t t, const TileResult& result)
    {
        merge(t, result);
        if (journal) journal->record(t, result);
    };

    std::vector<char> done(static_cast<std::size_t>(n_tiles), 0);
    if (journal)
    {
        for (std::int64_t t :
             journal->restore({engine.name(), n_tiles, plan.masses_per_tile, plan.eps_per_tile}, merge))
        {
            done[static_cast<std::size_t>(t)] = 1;
            ++out.tiles_restored;
        }
    }
    if (exchange) exchange->share_done(done);
    out.tiles = n_tiles;
    if (out.tiles_restored > 0 && options.on_restored) options.on_restored(out.tiles_restored, n_tiles);

    const FaultInjection fault = FaultInjection::from_environment(options.rank);
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t points_restored = points_done;
    if (progress) progress->start(points_done);  // rate and ETA over the points computed in this run
    TileResult result;
    std::int64_t evaluated = 0;
    // A device keeps the next tile computing while this thread merges, checkpoints and sends the last one
    // (ScanEngine::start_tile); the CPU engine has one in flight, i.e. none ahead. Tiles finish in the order started.
    const auto depth = static_cast<std::size_t>(std::max(1, engine.max_tiles_in_flight()));
    std::vector<std::int64_t> in_flight;
    auto finish_oldest = [&]
    {
        const std::int64_t t = in_flight.front();
        in_flight.erase(in_flight.begin());
        engine.finish_tile(result);
        if (collects)
        {
            merge_new(t, result);
        }
        else
        {
            exchange->send(t, result);
        }
        fault.check(++evaluated);
        if (exchange && collects) exchange->receive(merge_new, false, options.cancel);
        check_cancel(options.cancel);
    };
    try
    {
        fault.check(evaluated);  // N = 0: before the first tile
        for (std::int64_t t = 0; t < n_tiles; ++t)
        {
            if (done[static_cast<std::size_t>(t)] || (exchange && !exchange->evaluates(t))) continue;
            engine.start_tile(tiles[static_cast<std::size_t>(t)], options.full_grid);
            in_flight.push_back(t);
            if (in_flight.size() >= depth) finish_oldest();
        }
        while (!in_flight.empty()) finish_oldest();
        if (exchange && collects) exchange->receive(merge_new, true, options.cancel);
    }
    catch (...)
    {
        // A stop request (SIGTERM at Slurm's time limit) or an error elsewhere: keep what is done, if it can be.
        if (journal)
        {
            try
            {
                journal->flush();
            }
            catch (const std::exception&)
            {
            }
        }
        throw;
    }
    // No save here: the run goes on to write its result, and a successful run removes the checkpoint. (A failure
    // after this point loses at most the tiles since the last periodic save.)
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.points_computed = points_done - points_restored;
    if (progress) progress->finish();
}

/// O(n_m n_ε) host work after the grid: each term at the profiled point (NonFiniteChi2 if one is inf or NaN), the
/// m and ε profiles, the best cell (lowest flat index on ties).
void profile_terms_and_best_fit(const ScanProblem& problem, const std::vector<MassTerms>& mass, int threads,
                                ScanOutput& out)
{
    const std::size_t n_m = out.m_zd_mev.size(), n_eps = out.epsilon.size(), n_cells = n_m * n_eps;
    const int n_meas = problem.observables.n;
    out.chi2_terms.assign(static_cast<std::size_t>(n_meas), {});
    for (auto& map : out.chi2_terms) map.resize(n_cells);
    out.profile_m.assign(n_m, HUGE_VAL);
    out.profile_eps.assign(n_eps, HUGE_VAL);
    // Each term at the profiled point, threaded (a second per 16M cells on one thread); the first cell (lowest
    // index) with a non-finite term is the one reported, whatever the threads.
    auto first_bad = static_cast<std::int64_t>(n_cells);
#pragma omp parallel for num_threads(cpu_threads(threads)) schedule(static) reduction(min : first_bad)
    for (std::int64_t c = 0; c < static_cast<std::int64_t>(n_cells); ++c)
    {
        const auto cell = static_cast<std::size_t>(c);
        const std::size_t i_m = cell / n_eps, i_eps = cell % n_eps;
        // The exact profile's δ came with the tile; the grid profile's is its grid point.
        if (problem.delta_profile == DeltaProfile::grid)
        {
            out.argmin_delta[cell] = out.delta[static_cast<std::size_t>(out.argmin_delta_index[cell])];
        }
        const Chi2Terms t = evaluate_chi2_cpu(problem.observables, mass[i_m], out.epsilon[i_eps], out.argmin_delta[cell]);
        for (int i = 0; i < n_meas; ++i)
        {
            // Every term, disabled ones too (they are written to the file), must be finite.
            if (!std::isfinite(t.term[i])) first_bad = std::min(first_bad, c);
            out.chi2_terms[static_cast<std::size_t>(i)][cell] = t.term[i];
        }
    }
    if (first_bad < static_cast<std::int64_t>(n_cells))
    {
        const auto cell = static_cast<std::size_t>(first_bad);
        const std::size_t i_m = cell / n_eps, i_eps = cell % n_eps;
        throw_nonfinite(problem, out.config.physics, mass[i_m], out.m_zd_mev[i_m], static_cast<int>(i_m),
                        static_cast<int>(i_eps), out.argmin_delta_index[cell]);
    }
    std::size_t best_cell = 0;
    for (std::size_t cell = 0; cell < n_cells; ++cell)
    {
        const std::size_t i_m = cell / n_eps, i_eps = cell % n_eps;
        const double chi2 = out.chi2_total[cell];
        out.profile_m[i_m] = std::min(out.profile_m[i_m], chi2);
        out.profile_eps[i_eps] = std::min(out.profile_eps[i_eps], chi2);
        if (chi2 < out.chi2_total[best_cell]) best_cell = cell;  // strict: the first minimum wins
    }
    BestFit& b = out.best;
    b.i_m = static_cast<int>(best_cell / n_eps);
    b.i_eps = static_cast<int>(best_cell % n_eps);
    b.i_delta = out.argmin_delta_index[best_cell];
    b.chi2 = out.chi2_total[best_cell];
    b.m_zd_mev = out.m_zd_mev[static_cast<std::size_t>(b.i_m)];
    b.epsilon = out.epsilon[static_cast<std::size_t>(b.i_eps)];
    b.delta = out.argmin_delta[best_cell];
    b.terms = evaluate_chi2(problem.observables, mass[static_cast<std::size_t>(b.i_m)], b.epsilon, b.delta);
}

/// Every measurement's χ² (and the total, last) over (m, ε) at each fixed δ of options.delta_slices. The pull factors
/// are taken once per mass and a cell's pulls once for all slices (they were recomputed per cell and per slice: 0.7 s
/// of a 1024² scan with four slices); the terms are the physics of evaluate_chi2, the total the scan's cubic pulls.
void delta_slices(const ScanProblem& problem, const std::vector<MassTerms>& mass, const ScanOptions& options,
                  ScanOutput& out)
{
    const std::size_t n_eps = out.epsilon.size(), n_cells = out.m_zd_mev.size() * n_eps;
    const std::size_t n_slices = options.delta_slices.size();
    const int n_meas = problem.observables.n;
    out.delta_slices = options.delta_slices;
    out.slices.clear();  // assign(count, prototype) built a prototype of (n_meas + 1) maps even for no slice at all
    if (n_slices == 0) return;
    for (std::size_t s = 0; s < n_slices; ++s)
    {
        auto& slice = out.slices.emplace_back(static_cast<std::size_t>(n_meas) + 1);
        for (auto& map : slice) map.resize(n_cells);
    }
    std::vector<MassPulls> pulls_at_mass(mass.size());
#pragma omp parallel for num_threads(cpu_threads(options.threads)) schedule(static)
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(mass.size()); ++i)
    {
        pulls_at_mass[static_cast<std::size_t>(i)] = mass_pulls(problem.observables, mass[static_cast<std::size_t>(i)]);
    }
    std::int64_t first_bad = static_cast<std::int64_t>(n_cells * n_slices);  // the first non-finite (slice, cell)
#pragma omp parallel for num_threads(cpu_threads(options.threads)) schedule(static) reduction(min : first_bad)
    for (std::int64_t cell = 0; cell < static_cast<std::int64_t>(n_cells); ++cell)
    {
        const auto c = static_cast<std::size_t>(cell);
        const double epsilon = out.epsilon[c % n_eps];
        const CellPulls pulls = cell_pulls_cpu(pulls_at_mass[c / n_eps], epsilon);
        for (std::size_t s = 0; s < n_slices; ++s)
        {
            const double delta = options.delta_slices[s];
            auto& slice = out.slices[s];
            const Chi2Terms t = evaluate_chi2_cpu(problem.observables, mass[c / n_eps], epsilon, delta);
            bool finite = true;
            for (int i = 0; i < n_meas; ++i)
            {
                slice[static_cast<std::size_t>(i)][c] = t.term[i];
                finite = finite && std::isfinite(t.term[i]);
            }
            // The total as the scan computes it (cubic pulls): equal to the full grid at that δ.
            const double total = chi2_total_cpu(pulls, delta);
            slice[static_cast<std::size_t>(n_meas)][c] = total;
            if (!(finite && std::isfinite(total)))
            {
                first_bad = std::min(first_bad, static_cast<std::int64_t>(s * n_cells + c));
            }
        }
    }
    if (first_bad < static_cast<std::int64_t>(n_cells * n_slices))
    {
        const auto s = static_cast<std::size_t>(first_bad) / n_cells, cell = static_cast<std::size_t>(first_bad) % n_cells;
        throw NonFiniteChi2("chi2 is not finite in the delta slice " + std::to_string(options.delta_slices[s])
                            + " at m_Zd = " + std::to_string(out.m_zd_mev[cell / n_eps])
                            + " MeV, epsilon = " + std::to_string(out.epsilon[cell % n_eps]));
    }
    check_cancel(options.cancel);
}

/// The fit without the enabled search_limit measurements, and whether the searches exclude its best fit and its 1σ
/// region. A search's term depends on (m, ε) alone, so its value at the profiled δ is its value in the cell, and the
/// total without the searches is the total less their terms with the same δ minimum.
void compare_without_searches(const std::vector<MassTerms>& mass, ScanOutput& out)
{
    const auto& list = out.config.physics.measurements;
    std::vector<int> searches;
    std::vector<double> z;  // each search's √(χ² at its limit) (a bisection: once per search, not per cell)
    std::vector<int> power;  // the power of ε in its pull (search_power)
    for (std::size_t i = 0; i < list.size(); ++i)
    {
        if (list[i].kind == MeasurementKind::search_limit && list[i].enabled)
        {
            searches.push_back(static_cast<int>(i));
            z.push_back(search_scale(list[i].likelihood, list[i].cl_percent));
            power.push_back(search_power(list[i].likelihood, list[i].table.band()));
        }
    }
    auto& c = out.without_searches;
    if (searches.empty()) return;
    c.present = true;
    const std::size_t n_eps = out.epsilon.size(), n_cells = out.chi2_total.size();
    std::vector<double> without(n_cells);
    std::vector<std::uint32_t> excluded_by(n_cells, 0);  // bit k: search k excludes the cell at its CL
    for (std::size_t cell = 0; cell < n_cells; ++cell)
    {
        const MassTerms& t = mass[cell / n_eps];
        const double eps = out.epsilon[cell % n_eps];
        double sum = 0;
        for (std::size_t k = 0; k < searches.size(); ++k)
        {
            const double signal = search_signal(t, searches[k], eps, power[k]);
            sum += signal * signal;
            if (signal > z[k]) excluded_by[cell] |= 1u << k;
        }
        without[cell] = out.chi2_total[cell] - sum;
    }
    const std::size_t best = static_cast<std::size_t>(std::min_element(without.begin(), without.end()) - without.begin());
    c.chi2_min = without[best];
    c.m_zd_mev = out.m_zd_mev[best / n_eps];
    c.epsilon = out.epsilon[best % n_eps];
    c.delta = out.argmin_delta[best];
    std::vector<double> prof_m(out.m_zd_mev.size(), HUGE_VAL), prof_eps(n_eps, HUGE_VAL);
    for (std::size_t cell = 0; cell < n_cells; ++cell)
    {
        prof_m[cell / n_eps] = std::min(prof_m[cell / n_eps], without[cell]);
        prof_eps[cell % n_eps] = std::min(prof_eps[cell % n_eps], without[cell]);
    }
    c.interval_m = profile_interval(out.m_zd_mev, prof_m, 1.0, out.config.m_zd_mev.log);
    c.interval_eps = profile_interval(out.epsilon, prof_eps, 1.0, out.config.epsilon.log);
    const double region = -2 * std::log(1 - 0.682689492137086);  // χ²₂ quantile of 1σ: 2.30
    for (std::size_t k = 0; k < searches.size(); ++k)
    {
        const int i = searches[k];
        // The signal relative to the limit's, s = BR ε²/ε_CL² (a pull of power 1 is √s).
        const double ratio = search_signal(mass[best / n_eps], i, c.epsilon, power[k]) / z[k];
        c.searches.push_back({list[static_cast<std::size_t>(i)].name, power[k] == 1 ? ratio * ratio : ratio, 0});
    }
    // r over the 1σ region of the fit with the searches, each cell at its profiled δ.
    const double with_min = *std::min_element(out.chi2_total.begin(), out.chi2_total.end());
    for (std::size_t cell = 0; cell < n_cells; ++cell)
    {
        if (!(out.chi2_total[cell] - with_min <= region)) continue;
        c.coupling_ratio_max_1sigma =
            std::max(c.coupling_ratio_max_1sigma, search_coupling_ratio(out.m_zd_mev[cell / n_eps] * 1e-3,
                                                                        out.epsilon[cell % n_eps], out.argmin_delta[cell]));
    }
    for (std::size_t cell = 0; cell < n_cells; ++cell)
    {
        if (!(without[cell] - c.chi2_min <= region)) continue;
        ++c.region_cells;
        if (excluded_by[cell] != 0) ++c.region_excluded;
        for (std::size_t k = 0; k < searches.size(); ++k)
            if (excluded_by[cell] & (1u << k)) ++c.searches[k].region_excluded;
    }
}

/// The grid cell of the profile minimum over ε at mass index i_m: (m, ε, δ at the profiled point).
std::array<double, 3> best_point_at_mass(const ScanOutput& out, std::size_t i_m)
{
    const std::size_t n_eps = out.epsilon.size();
    std::size_t best = i_m * n_eps;
    for (std::size_t j = 0; j < n_eps; ++j)
        if (out.chi2_total[i_m * n_eps + j] < out.chi2_total[best]) best = i_m * n_eps + j;
    return {out.m_zd_mev[i_m], out.epsilon[best % n_eps], out.argmin_delta[best]};
}

/// Fig. 4: ŝ²(Q) in the SM (smooth and step models) and κ_d ŝ² with several Z_d points.
/// The SM curve of the figure: the smooth running, or (when its light-quark mass cannot reach ŝ²(0) for these pins)
/// the step model, with a note in the file. Built before the grid, so that nothing fails after a long scan.
std::function<double(double)> figure_sm_curve(const RunningSin2& running, const PhysicsConfig& physics,
                                              std::string& note)
{
    try
    {
        const auto smooth =
            std::make_shared<SmoothRunningSin2>(physics.s2w_mz, physics.s2w_zero, constants::alpha_hat_mz);
        return [smooth](double q) { return (*smooth)(q); };
    }
    catch (const std::invalid_argument& e)
    {
        note = std::string("the smooth SM curve is not available for these s2w pins (") + e.what()
               + "); /running/sin2_sm is the step model";
        return [running](double q) { return sin2_msbar(running, q); };
    }
}

void running_curves(const RunningSin2& running, const std::function<double(double)>& smooth, const MassTermsAt& mass_at,
                    ScanOutput& out)
{
    // The APV measurement whose K(m) the curves take at its scale: the first enabled one measured today.
    int apv = -1;
    const auto& list = out.config.physics.measurements;
    for (std::size_t i = 0; i < list.size() && apv < 0; ++i)
        if (list[i].kind == MeasurementKind::apv && list[i].enabled && !list[i].projection) apv = static_cast<int>(i);
    const double q_apv_gev = apv >= 0 ? list[static_cast<std::size_t>(apv)].q_mev * 1e-3 : 0.0;
    auto k_at = [&](double m_mev) { return apv >= 0 ? mass_at.input_table({m_mev})[static_cast<std::size_t>(apv)] : 0.0; };
    out.running_q_apv_gev = q_apv_gev;
    if (apv >= 0) out.running_apv_name = list[static_cast<std::size_t>(apv)].name;
    const double decades = std::log10(running_q_max_gev / running_q_min_gev);
    const int n_q = static_cast<int>(std::lround(decades * running_points_per_decade)) + 1;
    // The Z_d points: best grid point, refined best fit, and the grid masses just inside the 1σ m_Zd interval
    // with their best ε and δ.
    const BestFit& b = out.best;
    const RefinedFit& r = out.refined;
    out.running_zd = {{"refined", r.m_zd_mev, r.epsilon, r.delta, {}}};
    const ProfileInterval i = profile_interval(out.m_zd_mev, out.profile_m, 1.0, out.config.m_zd_mev.log);
    auto inside = [&](double bound, bool lower)
    {
        std::size_t k = 0;
        while (k + 1 < out.m_zd_mev.size() && out.m_zd_mev[k] < bound) ++k;  // first grid mass ≥ bound
        if (!lower && k > 0 && out.m_zd_mev[k] > bound) --k;
        return k;
    };
    for (const auto& [name, bound, lower] :
         {std::tuple{"m_lower_1sigma", i.lower, true}, std::tuple{"m_upper_1sigma", i.upper, false}})
    {
        const auto p = best_point_at_mass(out, inside(bound, lower));
        out.running_zd.push_back({name, p[0], p[1], p[2], {}});
    }
    const double k_best = k_at(b.m_zd_mev);
    for (auto& c : out.running_zd) c.k_apv = k_at(c.m_zd_mev);
    for (int k = 0; k < n_q; ++k)
    {
        const double q = running_q_min_gev * std::pow(10.0, decades * k / (n_q - 1));
        const double s2 = smooth(q);
        out.running_q_gev.push_back(q);
        out.running_sin2_sm.push_back(s2);
        out.running_sin2_sm_step.push_back(sin2_msbar(running, q));
        auto zd = [&](double m_mev, double eps, double delta, double k_apv)
        {
            const double f = figure_propagator(q, m_mev * 1e-3, q_apv_gev, k_apv);
            return sin2_effective_with(s2, f, m_mev * 1e-3, eps, delta);
        };
        out.running_sin2_bestfit.push_back(zd(b.m_zd_mev, b.epsilon, b.delta, k_best));
        for (auto& c : out.running_zd) c.sin2.push_back(zd(c.m_zd_mev, c.epsilon, c.delta, c.k_apv));
    }
}
}  // namespace

/// The meson decays' report (meson_report.hpp): each decay at the refined best fit, at the paper's and at
/// the fit without them; that fit from a second scan of the grid with them disabled (serial runs only).
void compare_meson_decays(const ScanConfig& config, const ScanOptions& options, const ObservableConstants& obs,
                          const MassTermsAt& mass_at, ScanOutput& out)
{
    const auto& list = config.physics.measurements;
    auto& c = out.mesons;
    for (const auto& m : list) c.present |= m.kind == MeasurementKind::meson_decay && m.enabled;
    if (!c.present) return;
    const auto& r = out.refined;
    auto interval = [&](const std::vector<double>& profile, double* ends)
    {
        const ProfileInterval i = profile_interval(out.delta, profile, 1.0, config.delta.log);
        ends[0] = i.lower_at_edge ? NAN : i.lower;
        ends[1] = i.upper_at_edge ? NAN : i.upper;
    };
    interval(out.profile_delta, c.delta_with);
    if (!options.exchange)
    {
        ScanConfig without = config;
        bool any = false;
        for (auto& m : without.physics.measurements)
        {
            if (m.kind == MeasurementKind::meson_decay) m.enabled = false;
            any |= m.enabled;
        }
        if (any)
        {
            ScanOptions o;
            o.backend = options.backend;
            o.threads = options.threads;
            o.delta_profile = options.delta_profile;
            o.cancel = options.cancel;
            o.cuda_device = options.cuda_device;
            const ScanOutput w = run_scan(without, o, nullptr, nullptr);
            c.without_scanned = true;
            c.chi2_min = w.refined.chi2;
            c.m_zd_mev = w.refined.m_zd_mev;
            c.epsilon = w.refined.epsilon;
            c.delta = w.refined.delta;
            interval(w.profile_delta, c.delta_without);
        }
    }
    auto terms_of = [&](std::size_t i, double m_mev, double eps, double delta)
    {
        const Chi2Terms t = chi2_at(obs, mass_at, m_mev, eps, delta);
        double sum = t.term[i];
        if (i + 1 < list.size() && list[i + 1].companion_of == list[i].name) sum += t.term[i + 1];
        return sum;
    };
    for (std::size_t i = 0; i < list.size(); ++i)
    {
        const MeasurementInput& m = list[i];
        if (m.kind != MeasurementKind::meson_decay || !m.enabled || !m.companion_of.empty()) continue;
        MesonReport::PerDecay d;
        d.name = m.name;
        d.channel = to_string(m.channel);
        d.form = m.measured_rate ? "measured" : to_string(m.likelihood);
        d.chi2_at_limit = m.measured_rate ? NAN : search_chi2_at_limit(m.likelihood, m.cl_percent);
        const double tan_w = obs.m[i].w.tan;
        auto at = [&](double m_mev, double eps, double delta, double& br, double& limit)
        {
            const double gev = m_mev * 1e-3;
            br = m.branching_fraction
                 * meson_branching_ratio(m.channel, gev, eps, delta_prime(gev, eps, delta, tan_w));  // eq. 4
            if (!meson_limit_at(m, gev, limit)) limit = NAN;
        };
        at(r.m_zd_mev, r.epsilon, r.delta, d.br_at_best, d.limit_at_best);
        d.chi2_at_best = terms_of(i, r.m_zd_mev, r.epsilon, r.delta);
        const MesonRateFactors f = meson_rate_factors(m.channel, r.m_zd_mev * 1e-3);
        if (f.u > 0)
        {
            d.valley_delta = -f.v * r.epsilon / f.u - delta_prime(r.m_zd_mev * 1e-3, r.epsilon, 0, tan_w);
            d.floor_fraction = f.w * f.w / (f.v * f.v + f.w * f.w);
            d.destructive_sign = f.v > 0 ? -1 : f.v < 0 ? 1 : 0;
        }
        at(constants::paper_best_fit_m_zd_mev, constants::paper_best_fit_epsilon, constants::paper_best_fit_delta,
           d.br_at_paper, d.limit_at_paper);
        d.chi2_at_paper = terms_of(i, constants::paper_best_fit_m_zd_mev, constants::paper_best_fit_epsilon,
                                   constants::paper_best_fit_delta);
        if (c.without_scanned)
        {
            double limit_without = NAN;  // reported at the best fit and the paper's only
            at(c.m_zd_mev, c.epsilon, c.delta, d.br_at_best_without, limit_without);
            d.chi2_at_best_without = terms_of(i, c.m_zd_mev, c.epsilon, c.delta);
        }
        c.decays.push_back(d);
    }
}

ScanOutput run_scan(const ScanConfig& config, const ScanOptions& options, const FullGridSink& sink,
                    ProgressReporter* progress)
{
    const PhysicsSetup setup = make_physics_setup(config.physics);
    const MassTermsAt mass_at(config.physics, setup.observables);
    ScanProblem problem = make_scan_problem(config, setup, mass_at);
    problem.delta_profile = options.delta_profile;
    std::string running_note;
    const auto sm_curve = figure_sm_curve(setup.running, config.physics, running_note);
    auto engine = make_engine(options.backend, problem, options.threads, options.cuda_device);

    ScanOutput out;
    out.running_note = running_note;
    out.config = config;
    out.backend = engine->name();
    out.device = engine->device() + (options.ranks > 1 ? " x " + std::to_string(options.ranks) + " MPI ranks" : "");
    out.m_zd_mev = config.m_zd_mev.values();
    out.epsilon = problem.epsilon;
    out.delta = problem.delta;
    out.mass_inputs = problem.mass_inputs;
    const auto& w = problem.observables;
    for (int i = 0; i < w.n; ++i) out.sin2_at_scale.push_back(w.m[i].w.s2);
    const std::size_t n_cells = out.m_zd_mev.size() * out.epsilon.size();
    out.points = static_cast<std::int64_t>(n_cells) * config.delta.n;
    out.chi2_total.resize(n_cells);
    out.argmin_delta_index.resize(n_cells);
    out.argmin_delta.resize(n_cells);
    out.delta_profile = options.delta_profile;
    out.profile_delta.assign(out.delta.size(), HUGE_VAL);

    evaluate_tiles(*engine, problem, options, sink, progress, out);
    if (options.exchange && !options.exchange->collects())
    {
        out.collected = false;  // an MPI worker: its tiles went to the collector, which does the rest
        return out;
    }
    const auto mass = engine->mass_terms();
    profile_terms_and_best_fit(problem, mass, options.threads, out);
    check_cancel(options.cancel);
    delta_slices(problem, mass, options, out);
    compare_without_searches(mass, out);
    if (options.posterior)
    {
        std::vector<MassPulls> pulls(mass.size());
        for (std::size_t i = 0; i < mass.size(); ++i) pulls[i] = mass_pulls(problem.observables, mass[i]);
        out.posterior = compute_posterior([&](std::size_t i_m, std::size_t i_eps)
                                          { return cell_pulls(pulls[i_m], out.epsilon[i_eps]); },
                                          out.m_zd_mev, config.m_zd_mev.log, out.epsilon, config.epsilon.log, out.delta,
                                          out.chi2_total, out.argmin_delta, cpu_threads(options.threads),
                                          options.delta_prior);
        check_cancel(options.cancel);
    }
    out.refined = refine_best_fit(config, problem.observables, mass_at, out.best.m_zd_mev, out.best.epsilon,
                                  out.best.delta, options.delta_profile);
    if (!std::isfinite(out.refined.chi2))  // cannot beat a finite grid minimum; keep the grid point
    {
        out.refined =
            RefinedFit{out.best.chi2, out.best.m_zd_mev, out.best.epsilon, out.best.delta, out.best.terms, 0, false};
    }
    // The SM point: ε = δ = 0 (m_Zd then plays no part; the refined mass is as good as any).
    const auto& r = out.refined;
    if (options.delta_profile == DeltaProfile::exact)  // the grid profile's χ² is not the one refined here
    {
        const auto mi = profile_interval(out.m_zd_mev, out.profile_m, 1.0, config.m_zd_mev.log, r.chi2);
        const auto ei = profile_interval(out.epsilon, out.profile_eps, 1.0, config.epsilon.log, r.chi2);
        out.interval_m = refine_interval(config, problem.observables, mass_at, out.m_zd_mev, out.epsilon,
                                         out.chi2_total, 0, mi, r.m_zd_mev, r.chi2, 1.0);
        check_cancel(options.cancel);
        out.interval_eps = refine_interval(config, problem.observables, mass_at, out.m_zd_mev, out.epsilon,
                                           out.chi2_total, 1, ei, r.epsilon, r.chi2, 1.0);
        check_cancel(options.cancel);
    }
    if (out.without_searches.present)
    {
        out.without_searches.coupling_ratio_at_best = search_coupling_ratio(r.m_zd_mev * 1e-3, r.epsilon, r.delta);
        // Veto gaps at the best fit (and at its grid point, which the refinement may have left by a hair).
        for (const auto& m : config.physics.measurements)
        {
            if (m.kind != MeasurementKind::search_limit || !m.enabled) continue;
            for (double at_mev : {r.m_zd_mev, out.best.m_zd_mev})
            {
                double lower = 0, upper = 0;
                if (at_mev * 1e-3 <= m.valid_below_gev && search_edges(m.table, at_mev * 1e-3, lower, upper)
                    && lower >= 1)
                {
                    out.without_searches.veto_gap_at_best.push_back(m.name);
                    break;
                }
            }
        }
    }
    out.sm = chi2_at(problem.observables, mass_at, r.m_zd_mev, 0, 0);
    out.pull_sm = pulls_at(problem.observables, mass_at, r.m_zd_mev, 0, 0);
    out.pull_refined = pulls_at(problem.observables, mass_at, r.m_zd_mev, r.epsilon, r.delta);
    check_cancel(options.cancel);
    running_curves(setup.running, sm_curve, mass_at, out);
    compare_meson_decays(config, options, problem.observables, mass_at, out);
    check_cancel(options.cancel);
    return out;
}

void validate_delta_slices(const std::vector<double>& values, const ScanConfig& config, const std::string& option)
{
    for (double v : values)
    {
        if (!std::isfinite(v) || std::fabs(v) > 1)
        {
            throw ConfigError(option + ": each value must be a number in [-1, 1] (got " + std::to_string(v) + ")");
        }
    }
    if (values.size() > 64)
    {
        throw ConfigError(option + ": at most 64 values (got " + std::to_string(values.size()) + ")");
    }
    const double bytes = 8.0 * static_cast<double>(values.size()) * (config.physics.measurements.size() + 1)
                         * config.m_zd_mev.n * static_cast<double>(config.epsilon.n);
    if (bytes > 4e9)
    {
        throw ConfigError(option + ": " + std::to_string(values.size()) + " slices of this grid need "
                          + std::to_string(static_cast<long long>(bytes / 1e9)) + " GB (at most 4)");
    }
}
}  // namespace zdscan
