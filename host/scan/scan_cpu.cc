/// \file scan_cpu.cc
/// The CPU backend: OpenMP over the (m, ε) cells of a tile; each cell computes its cubic pulls once, walks the δ
/// axis with the vectorised loop of delta_walk.hpp and, for the exact profile, solves for the minimum between.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "zdscan/physics/chi2_cpu.hpp"
#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/scan/cell_minimum.hpp"
#include "zdscan/scan/delta_walk.hpp"
#include "zdscan/scan/scan_engine.hpp"

namespace zdscan
{
namespace
{
/// The exact δ minima of up to exact_batch_cells cells at once: the common case vectorised over the cells
/// (ExactBatchFunction), the undecided cells by the general method (exact_delta_minimum.hpp), with their roots
/// evaluated by the δ loop. Same bits as exact_cell_minimum on the GPU.
struct ExactBatch
{
    ExactBatch(ExactBatchFunction s, DeltaWalkFunction w, DeltaRange r, const std::vector<MassPulls>& m)
        : solve_batch(s), walk(w), range(r), mass(m)
    {
    }
    ExactBatchFunction solve_batch;
    DeltaWalkFunction walk;
    DeltaRange range;
    const std::vector<MassPulls>& mass;
    BatchPulls pulls;  ///< the lanes' enabled pulls, as the batch function takes them
    int n_enabled = 0;
    std::size_t cell[exact_batch_cells];
    std::size_t i_m[exact_batch_cells];
    double epsilon[exact_batch_cells];
    DeltaMinimum grid[exact_batch_cells];  ///< the best grid point of each cell: the ends are grid points too
    int n = 0;

    void add(const CellPulls& p, std::size_t c, std::size_t m, double eps, double chi2, double delta)
    {
        n_enabled = p.n_enabled;
        for (int s = 0; s < p.n_enabled; ++s)
            for (int k = 0; k < 4; ++k) pulls[k][s][n] = p.p[s].c[k];
        cell[n] = c;
        i_m[n] = m;
        epsilon[n] = eps;
        grid[n] = {chi2, delta};
        ++n;
    }
    bool full() const { return n == exact_batch_cells; }
    void solve(TileResult& out)
    {
        if (n == 0) return;
        int status[exact_batch_cells];
        double root[exact_batch_cells], chi2_root[exact_batch_cells];
        solve_batch(pulls, n_enabled, n, range.lo, range.hi, status, root, chi2_root);
        for (int i = 0; i < n; ++i)
        {
            DeltaMinimum e = grid[i];
            if (status[i] == 1)
            {
                e = lowest(&root[i], &chi2_root[i], 1, e);
            }
            else if (status[i] == 2)  // the general method; its roots evaluated by the δ loop (same bits)
            {
                const CellPulls p = cell_pulls(mass[i_m[i]], epsilon[i]);
                double at[max_delta_candidates], chi2[max_delta_candidates];
                const int k = delta_minimum_candidates(p, range.lo, range.hi, at) - 2;
                if (k > 0) walk(p, at + 2, k, chi2, nullptr);
                e = lowest(at + 2, chi2, k, e);
            }
            out.chi2_min[cell[i]] = e.chi2;
            out.delta_at_min[cell[i]] = e.delta;
        }
        n = 0;
    }
};

class CpuScanEngine final : public ScanEngine
{
  public:
    CpuScanEngine(const ScanProblem& problem, int threads) : problem_(problem), threads_(cpu_threads(threads))
    {
        mass_.resize(problem_.m_zd_gev.size());
        mass_pulls_.resize(problem_.m_zd_gev.size());
        // Hoisted per-mass work: the loop-function quadratures dominate it.
#pragma omp parallel for num_threads(threads_) schedule(dynamic)
        for (std::size_t i = 0; i < mass_.size(); ++i)
        {
            mass_[i] =
                make_mass_terms(problem_.observables, problem_.m_zd_gev[i], &problem_.mass_inputs[i * mass_inputs_per_mass]);
            mass_pulls_[i] = mass_pulls(problem_.observables, mass_[i]);
        }
    }

    std::string name() const override
    {
        return "cpu";
    }
    std::string device() const override
    {
        std::ifstream in("/proc/cpuinfo");
        std::string line, model = "unknown CPU";
        while (std::getline(in, line))
        {
            if (line.rfind("model name", 0) == 0)
            {
                model = line.substr(line.find(':') + 2);
                break;
            }
        }
        return model + " (" + std::to_string(threads_) + " threads, " + to_string(selected_cpu_isa()) + ")";
    }
    /// 4M points: ~25 ms a tile on one core, frequent progress reports, negligible merge cost.
    std::int64_t preferred_tile_points() const override
    {
        return 1LL << 22;
    }
    std::vector<MassTerms> mass_terms() const override
    {
        return mass_;
    }

    void evaluate_tile(const Tile& tile, bool want_full, TileResult& out) override
    {
        const int n_delta = static_cast<int>(problem_.delta.size());
        const std::int64_t n_cells = tile.cells();
        const bool exact = problem_.delta_profile == DeltaProfile::exact;
        out.chi2_min.assign(static_cast<std::size_t>(n_cells), 0.0);
        out.argmin.assign(static_cast<std::size_t>(n_cells), 0);
        out.delta_at_min.assign(exact ? static_cast<std::size_t>(n_cells) : 0, 0.0);
        out.delta_profile.assign(static_cast<std::size_t>(n_delta), HUGE_VAL);
        out.full.assign(want_full ? static_cast<std::size_t>(n_cells * n_delta) : 0, 0.0);
        out.first_nonfinite = -1;
        const double* delta = problem_.delta.data();
        const DeltaRange range = delta_range(delta, n_delta);

#pragma omp parallel num_threads(threads_)
        {
            std::vector<double> local_profile(static_cast<std::size_t>(n_delta), HUGE_VAL);
            std::int64_t local_nonfinite = -1;
            ExactBatch batch(exact_batch_, walk_, range, mass_pulls_);
            // Dynamic chunks of 64 cells (one exact batch): a thread that shares its core with another process
            // (a busy node) takes fewer cells instead of holding the others at the end of the tile; with a static
            // split two threads ran at 0.2-0.6x one thread there. Each cell's result does not depend on which thread
            // computes it, so the bits are the same.
#pragma omp for schedule(dynamic, 64) nowait
            for (std::int64_t cell = 0; cell < n_cells; ++cell)
            {
                const auto c = static_cast<std::size_t>(cell);
                const CellPulls pulls = cell_pulls_cpu(mass_pulls_[static_cast<std::size_t>(tile.i_m(cell))],
                                                       problem_.epsilon[static_cast<std::size_t>(tile.i_eps(cell))]);
                const DeltaWalk w = walk_(pulls, delta, n_delta, want_full ? out.full.data() + cell * n_delta : nullptr,
                                          local_profile.data());
                int bad = w.first_nonfinite;
                if (disabled_terms_may_overflow(pulls, range.abs_max))
                {
                    const int k = first_nonfinite_disabled(pulls, delta, n_delta);
                    if (k >= 0 && (bad < 0 || k < bad)) bad = k;
                }
                out.chi2_min[c] = w.chi2_min;
                out.argmin[c] = w.argmin;
                if (exact)
                {
                    batch.add(pulls, c, static_cast<std::size_t>(tile.i_m(cell)),
                              problem_.epsilon[static_cast<std::size_t>(tile.i_eps(cell))], w.chi2_min,
                              delta[w.argmin]);
                    if (batch.full()) batch.solve(out);
                }
                if (bad >= 0 && local_nonfinite < 0)  // cells ascend within a thread
                {
                    local_nonfinite = cell * n_delta + bad;
                }
            }
            batch.solve(out);  // this thread's last cells
            // min is exact and commutative: the merge order cannot change the result.
#pragma omp critical(zdscan_delta_profile)
            {
                for (int k = 0; k < n_delta; ++k)
                {
                    out.delta_profile[static_cast<std::size_t>(k)] = std::min(
                        out.delta_profile[static_cast<std::size_t>(k)], local_profile[static_cast<std::size_t>(k)]);
                }
                if (local_nonfinite >= 0 && (out.first_nonfinite < 0 || local_nonfinite < out.first_nonfinite))
                {
                    out.first_nonfinite = local_nonfinite;
                }
            }
        }
    }

  private:
    ScanProblem problem_;
    int threads_;
    DeltaWalkFunction walk_ = delta_walk_function(selected_cpu_isa());
    ExactBatchFunction exact_batch_ = exact_batch_function(selected_cpu_isa());
    std::vector<MassTerms> mass_;
    std::vector<MassPulls> mass_pulls_;  ///< the pull factors per mass (pull_polynomial.hpp)
};
}  // namespace

int max_cpu_threads()
{
    const unsigned hardware = std::thread::hardware_concurrency();
    return 4 * static_cast<int>(hardware > 0 ? hardware : 1);
}

DeltaProfile parse_delta_profile(const std::string& name)
{
    if (name == "exact") return DeltaProfile::exact;
    if (name == "grid") return DeltaProfile::grid;
    throw std::invalid_argument("expected exact or grid, got '" + name + "'");
}

std::string to_string(DeltaProfile p)
{
    return p == DeltaProfile::exact ? "exact" : "grid";
}

int cpu_threads(int requested)
{
    return std::min(requested > 0 ? requested : omp_get_max_threads(), max_cpu_threads());
}

std::unique_ptr<ScanEngine> make_cpu_engine(const ScanProblem& problem, int threads)
{
    return std::make_unique<CpuScanEngine>(problem, threads);
}
}  // namespace zdscan
