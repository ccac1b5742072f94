/// \file scan_driver.cc
#include "zdscan/scan_driver.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "zdscan/scan_engine.hpp"
#include "zdscan/sin2_effective.hpp"

namespace zdscan
{
namespace
{
/// Q grid of the ŝ² curves (Fig. 4): 1e-4 to 1e3 GeV, 50 points a decade.
constexpr double running_q_min_gev = 1e-4, running_q_max_gev = 1e3;
constexpr int running_points_per_decade = 50;

/// Bytes of full-grid χ² held per tile; bounds memory for --full-grid on any grid.
constexpr std::int64_t full_grid_tile_budget_bytes = 256LL << 20;

std::unique_ptr<ScanEngine> make_engine(Backend backend, const ScanProblem& problem, int threads)
{
    switch (backend)
    {
        case Backend::cpu: return make_cpu_engine(problem, threads);
        case Backend::cuda: return make_cuda_engine(problem);
        case Backend::automatic:
            return cuda_device_count() > 0 ? make_cuda_engine(problem) : make_cpu_engine(problem, threads);
    }
    throw std::logic_error("unknown backend");
}

int choose_tile_masses(const ScanOptions& options, const ScanEngine& engine, std::int64_t n_eps, std::int64_t n_delta,
                       int n_m)
{
    if (options.tile_masses > 0)
    {
        return std::min(options.tile_masses, n_m);
    }
    const std::int64_t per_mass = n_eps * n_delta;
    std::int64_t budget = engine.preferred_tile_points();
    if (options.full_grid)
    {
        budget = std::min(budget, full_grid_tile_budget_bytes / static_cast<std::int64_t>(sizeof(double)));
    }
    return static_cast<int>(std::clamp<std::int64_t>(budget / per_mass, 1, n_m));
}
}  // namespace

Backend parse_backend(const std::string& name)
{
    if (name == "cpu") return Backend::cpu;
    if (name == "cuda") return Backend::cuda;
    if (name == "auto") return Backend::automatic;
    throw std::invalid_argument("--backend must be cpu, cuda or auto (got \"" + name + "\")");
}

ScanProblem make_scan_problem(const ScanConfig& config)
{
    return make_scan_problem(config, make_physics_setup(config.physics), ApvKEvaluator(config.physics.apv_k));
}

ScanProblem make_scan_problem(const ScanConfig& config, const PhysicsSetup& setup, const ApvKEvaluator& k_apv)
{
    ScanProblem problem;
    problem.observables = setup.observables;
    const auto m_mev = config.m_zd_mev.values();
    problem.m_zd_gev.resize(m_mev.size());
    std::transform(m_mev.begin(), m_mev.end(), problem.m_zd_gev.begin(), [](double m) { return m * 1e-3; });
    problem.k_apv.resize(m_mev.size());
    std::transform(m_mev.begin(), m_mev.end(), problem.k_apv.begin(), k_apv);
    problem.epsilon = config.epsilon.values();
    problem.delta = config.delta.values();
    return problem;
}

namespace
{
/// Runs the backend tile by tile over the mass axis: fills χ²_total, its δ argmin and the δ profile, and feeds
/// full-grid slabs to the sink.
void evaluate_tiles(ScanEngine& engine, const ScanOptions& options, const FullGridSink& sink,
                    ProgressReporter* progress, ScanOutput& out)
{
    const int n_m = out.config.m_zd_mev.n, n_eps = out.config.epsilon.n, n_delta = out.config.delta.n;
    const int tile = choose_tile_masses(options, engine, n_eps, n_delta, n_m);
    const auto start = std::chrono::steady_clock::now();
    TileResult result;
    for (int m_begin = 0; m_begin < n_m; m_begin += tile)
    {
        const int m_end = std::min(n_m, m_begin + tile);
        engine.evaluate_tile(m_begin, m_end, options.full_grid, result);
        const auto offset = static_cast<std::ptrdiff_t>(m_begin) * n_eps;
        std::copy(result.chi2_min.begin(), result.chi2_min.end(), out.chi2_total.begin() + offset);
        std::copy(result.argmin.begin(), result.argmin.end(), out.argmin_delta_index.begin() + offset);
        std::transform(out.profile_delta.begin(), out.profile_delta.end(), result.delta_profile.begin(),
                       out.profile_delta.begin(), [](double a, double b) { return std::min(a, b); });
        if (options.full_grid && sink) sink(m_begin, m_end, result.full);
        if (progress) progress->update(static_cast<std::int64_t>(m_end) * n_eps * n_delta);
        if (options.cancel && options.cancel->load()) throw ScanInterrupted();
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (progress) progress->finish();
}

/// O(n_m n_ε) host work after the grid: each term at the profiled point, the m and ε profiles, the best cell
/// (lowest flat index on ties).
void profile_terms_and_best_fit(const ScanProblem& problem, const std::vector<MassTerms>& mass, ScanOutput& out)
{
    const std::size_t n_m = out.m_zd_mev.size(), n_eps = out.epsilon.size(), n_cells = n_m * n_eps;
    for (auto* v : {&out.argmin_delta, &out.chi2_qweak, &out.chi2_apv_cs, &out.chi2_a_mu, &out.chi2_a_e})
    {
        v->resize(n_cells);
    }
    out.profile_m.assign(n_m, HUGE_VAL);
    out.profile_eps.assign(n_eps, HUGE_VAL);
    std::size_t best_cell = 0;
    for (std::size_t cell = 0; cell < n_cells; ++cell)
    {
        const std::size_t i_m = cell / n_eps, i_eps = cell % n_eps;
        const double d = out.delta[static_cast<std::size_t>(out.argmin_delta_index[cell])];
        const Chi2Terms t = evaluate_chi2(problem.observables, mass[i_m], out.epsilon[i_eps], d);
        out.argmin_delta[cell] = d;
        out.chi2_qweak[cell] = t.qweak;
        out.chi2_apv_cs[cell] = t.apv_cs;
        out.chi2_a_mu[cell] = t.a_mu;
        out.chi2_a_e[cell] = t.a_e;
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
    b.delta = out.delta[static_cast<std::size_t>(b.i_delta)];
    b.terms = evaluate_chi2(problem.observables, mass[static_cast<std::size_t>(b.i_m)], b.epsilon, b.delta);
}

/// Fig. 4: ŝ²(Q) in the SM and with the best grid point's Z_d.
void running_curves(const RunningSin2& running, const BestFit& b, ScanOutput& out)
{
    const double decades = std::log10(running_q_max_gev / running_q_min_gev);
    const int n_q = static_cast<int>(std::lround(decades * running_points_per_decade)) + 1;
    for (int i = 0; i < n_q; ++i)
    {
        const double q = running_q_min_gev * std::pow(10.0, decades * i / (n_q - 1));
        out.running_q_gev.push_back(q);
        out.running_sin2_sm.push_back(sin2_msbar(running, q));
        out.running_sin2_bestfit.push_back(sin2_effective(running, q, b.m_zd_mev * 1e-3, b.epsilon, b.delta));
    }
}
}  // namespace

ScanOutput run_scan(const ScanConfig& config, const ScanOptions& options, const FullGridSink& sink,
                    ProgressReporter* progress)
{
    const PhysicsSetup setup = make_physics_setup(config.physics);
    const ApvKEvaluator k_apv(config.physics.apv_k);
    const ScanProblem problem = make_scan_problem(config, setup, k_apv);
    auto engine = make_engine(options.backend, problem, options.threads);

    ScanOutput out;
    out.config = config;
    out.backend = engine->name();
    out.m_zd_mev = config.m_zd_mev.values();
    out.epsilon = problem.epsilon;
    out.delta = problem.delta;
    out.k_apv = problem.k_apv;
    const auto& w = problem.observables;
    out.sin2_scales = {w.w_qweak.s2, w.w_apv.s2, w.w_mu.s2, w.w_e.s2};
    const std::size_t n_cells = out.m_zd_mev.size() * out.epsilon.size();
    out.points = static_cast<std::int64_t>(n_cells) * config.delta.n;
    out.chi2_total.resize(n_cells);
    out.argmin_delta_index.resize(n_cells);
    out.profile_delta.assign(out.delta.size(), HUGE_VAL);

    evaluate_tiles(*engine, options, sink, progress, out);
    profile_terms_and_best_fit(problem, engine->mass_terms(), out);
    out.refined =
        refine_best_fit(config, problem.observables, k_apv, out.best.m_zd_mev, out.best.epsilon, out.best.delta);
    running_curves(setup.running, out.best, out);
    return out;
}
}  // namespace zdscan
