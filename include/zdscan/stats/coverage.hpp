/// \file coverage.hpp
/// Toy-based confidence regions (Feldman & Cousins 1998) and the coverage of the Wilks regions: `zdscan coverage`
/// (docs/statistics.md, "Toys"). For each tested (m_Zd, ε) cell, N pseudo-datasets are thrown from the model there
/// (δ at its profiled value, the fit's covariance), each is refitted over the whole grid with the exact δ profile
/// (toy_refit.hpp), and the distribution of t = Δχ²(tested cell) gives
/// - the critical value t_CL at each confidence level (its quantile): the cell belongs to the Feldman–Cousins region
///   when the data's Δχ² there is at most t_CL;
/// - the coverage of the Wilks region (Δχ² ≤ χ²₂ quantile: 2.30, 4.61, 5.99 at 68.27, 90, 95 %): the fraction of toys
///   whose t lies below it.
/// Tested cells go in batches: the units of the checkpoint (--resume) and of the MPI split (tile_exchange.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "zdscan/io/config.hpp"
#include "zdscan/stats/toy_refit.hpp"

namespace zdscan
{
class ProgressReporter;
class ToyBackend;
class TileExchange;
class TileJournal;

/// How the CPU's refit finds a toy's grid minimum: through the bounds of toy_bound.hpp (the default), or the walk of
/// every cell up to the triangle bound that zdscan used before them (the benchmarks' reference, tools/benchmark.py).
/// The same minimum and t either way.
enum class ToyWalk
{
    bounds,
    triangle
};
/// The data's side of the construction: every cell's whitened pulls and exact δ profile, built from a config.
struct CoverageGrid
{
    std::vector<double> m_zd_mev, epsilon;
    bool m_log = false, eps_log = false;
    double delta_lo = 0, delta_hi = 0;
    int n_pulls = 0;
    std::vector<double> coef;        ///< [cell][pull][4] (ToyGrid::coef)
    std::vector<double> chi2, delta;  ///< the data's exact profile and its δ per cell, [m][ε]
    std::vector<std::int64_t> order;  ///< cells by ascending chi2
    std::vector<double> root_chi2;    ///< √chi2 in that order
    double chi2_min = 0;
    /// The data's minimum refined between grid points as each toy's is (refined_minimum): the reference of the
    /// data's Δχ², the test statistic the toys' t is compared with. chi2_min stays the grid's (the 1-D intervals').
    double chi2_min_refined = 0;
    /// The CPU's refit visits tiles of tile_side × tile_side cells (exact_batch_cells of them) in ascending order of
    /// their lowest data χ², skips a tile whose bound (toy_bound.hpp) excludes it, and profiles only the cells of the
    /// others whose own bound does not exclude them. Per tile in that order: its cells ([tile][lane]; the padding
    /// repeats its first cell), how many are real, its lowest √χ²_data, its bound data, and its cells' bound data
    /// ([tile][value][lane]).
    std::vector<std::int64_t> tile_cells;
    std::vector<int> tile_count;
    std::vector<double> tile_root, tile_bounds, bound_blocks;
    ToyWalk walk = ToyWalk::bounds;  ///< index_coverage_grid sets it from $ZDSCAN_TOY_WALK
    std::int64_t n_cells() const { return static_cast<std::int64_t>(chi2.size()); }
    ToyGrid view() const;
};

/// Cells per side of the CPU refit's tiles (CoverageGrid): tile_side² = exact_batch_cells.
inline constexpr int tile_side = 8;

/// The most memory the toys' grid may take (its pulls twice and its profile): 16 GB (a 4096² grid with 16
/// measurements takes 18).
inline constexpr double max_coverage_bytes = 16e9;

/// The grid of config (its axes and measurements, the enabled ones' correlations) with the exact δ profile. Throws
/// ConfigError (naming grid) when it would take more than max_coverage_bytes.
CoverageGrid make_coverage_grid(const ScanConfig& config, int threads);

/// The rest of a grid whose axes, δ range, n_pulls and coef are set: the data's exact profile, the visiting order
/// and the blocks (make_coverage_grid ends with it; tests build model grids with it). Throws std::runtime_error when
/// the data's χ² is not finite somewhere.
void index_coverage_grid(CoverageGrid& grid, int threads);

/// toy_refit (toy_refit.hpp) on the CPU: the tiles in visiting order (CoverageGrid), the walk stopping at the first
/// tile whose lowest cell the triangle bound excludes; only the cells that toy_bound.hpp's bounds do not exclude go
/// through the vectorised exact profile (delta_walk.hpp). The same t, bit for bit (each cell's profile is the same
/// bits, every cell that ties or beats the best is profiled, and both find the grid's minimum); it profiles far fewer
/// cells.
ToyFit toy_refit_blocks(const CoverageGrid& grid, std::int64_t point, const double* shift, double shift_norm);

/// Which cells are tested.
struct CoveragePoints
{
    enum class Rule
    {
        near_contour,  ///< cells whose data Δχ² lies in [band_low, band_high] × a Wilks threshold of a requested CL
        all,
        listed  ///< the cells given (e.g. nearest to the points of a file)
    } rule = Rule::near_contour;
    std::vector<std::int64_t> cells;  ///< Rule::listed
    double band_low = 0.25, band_high = 2.5;
};

/// Toys per tested cell a run may ask for (--toys, toys=).
inline constexpr std::int64_t min_toys = 10, max_toys = 10000000;

struct CoverageOptions
{
    std::int64_t toys = 1000;
    std::vector<double> cl = {0.682689492137086, 0.90, 0.95};  ///< confidence levels, ascending, in (0, 1)
    std::uint64_t seed = 1;
    CoveragePoints points;
    int threads = 0;                ///< 0: all hardware threads (the CPU backend)
    ToyBackend* backend = nullptr;  ///< where toys are refitted (toy_backend.hpp); null: the CPU
    int points_per_batch = 16;      ///< the checkpoint's and the MPI split's unit
    const std::atomic<bool>* cancel = nullptr;
    TileExchange* exchange = nullptr;
    int rank = 0;  ///< this process's MPI rank (the fault-injection test hook)
    TileJournal* journal = nullptr;
    ProgressReporter* progress = nullptr;  ///< counts toy refits
    /// Seconds of toys after which no new batch starts (TimeBudgetReached; 0: no limit): `--max-minutes`, a budget
    /// a batch system's time limit sets; the checkpoint keeps what is done and --resume continues.
    double max_seconds = 0;
    std::function<void(std::int64_t restored, std::int64_t total)> on_restored;
};

/// The Wilks threshold of a CL for two parameters: the χ²₂ quantile −2 ln(1 − CL).
double wilks_two_dof(double cl);

/// The tested cells of a rule on a grid (ascending cell order).
std::vector<std::int64_t> select_coverage_points(const CoverageGrid& grid, const CoveragePoints& points,
                                                 const std::vector<double>& cl);

/// One tested cell's toys: their t values (any order) summarised per CL.
struct CoveragePoint
{
    std::int64_t cell = 0;
    std::vector<double> crit, crit_error, wilks_coverage;  ///< per CL
    double mean_cells_fitted = 0;
};
/// The summary of N toys' t values (sorted in place): t_CL = t_(⌈CL N⌉) (the smallest t with at least CL N toys at or
/// below it); its Monte Carlo error half the distance between the order statistics at ranks CL N ± √(N CL (1 − CL));
/// the Wilks coverage the fraction of t ≤ wilks[k], the Wilks threshold of cl[k].
void summarise_toys(std::vector<double>& t, const std::vector<double>& cl, const std::vector<double>& wilks,
                    CoveragePoint& out);

/// $ZDSCAN_TOY_WALK (bounds or triangle; unset: bounds); throws ConfigError naming it for anything else.
ToyWalk selected_toy_walk();

/// The exact grid minimum of a toy's χ² (shift, its norm) by the pruned walk of toy_refit_blocks, starting from an
/// upper bound `best` (a χ² the toy reaches somewhere); adds the cells it profiles to fitted.
double toy_grid_minimum_blocks(const CoverageGrid& grid, const double* shift, double shift_norm, double best,
                               std::int64_t& fitted, std::int64_t* best_cell = nullptr);

/// Throws (std::runtime_error) when the data's Δχ² map is not finite (nothing to test against).
struct CoverageResult
{
    std::vector<double> cl, wilks;
    std::int64_t toys = 0;
    std::uint64_t seed = 0;
    std::string points_rule;  ///< in words
    std::vector<std::int64_t> tested;           ///< cells, ascending
    std::vector<double> dchi2;                  ///< the data's Δχ² per cell (exact profile)
    std::vector<std::vector<double>> crit, crit_error, wilks_coverage;  ///< [cl][cell]; NaN where not tested
    std::vector<double> mean_cells_fitted;      ///< per cell; NaN where not tested
    /// [cl][cell]: 1 inside the Feldman–Cousins region. An untested cell (near_contour) is inside when its Δχ² is
    /// below the band, outside above it.
    std::vector<std::vector<std::uint8_t>> fc_region;
    std::vector<std::uint8_t> tested_mask;
    /// Per CL, what the summary says (over the tested cells; "contour": tested cells whose data Δχ² lies within ±20 %
    /// of the Wilks threshold, i.e. on the Wilks region's boundary).
    struct LevelSummary
    {
        std::int64_t fc_cells = 0, wilks_cells = 0, contour_cells = 0;
        double crit_median = NAN, coverage_median = NAN;  ///< on the contour
        double crit_min = NAN, crit_max = NAN, coverage_min = NAN, coverage_max = NAN;  ///< over the tested cells
    };
    std::vector<LevelSummary> levels;
    std::int64_t batches_restored = 0;
    double seconds = 0;             ///< this run's toy loop
    std::int64_t toys_computed = 0;  ///< this process's toy refits in this run (its rate)
    std::int64_t cells_fitted = 0;   ///< this process's exact δ profiles of toys in this run
    /// Every toy refit behind the result, and its exact δ profiles: all ranks' batches and the batches that an
    /// earlier, resumed run left in the checkpoint (what /coverage@toy_refits and @cells_fitted report).
    std::int64_t toys_total = 0, cells_fitted_total = 0;
    std::vector<std::string> warnings;
    bool collected = true;  ///< false on an MPI worker (its batches went to rank 0)
};

/// Thrown by run_coverage when CoverageOptions::max_seconds has passed before all batches were done.
class TimeBudgetReached : public std::runtime_error
{
  public:
    TimeBudgetReached(std::int64_t done, std::int64_t total, double seconds);
};

CoverageResult run_coverage(const CoverageGrid& grid, const CoverageOptions& options);
}  // namespace zdscan
