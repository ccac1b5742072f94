/// \file scan_driver.hpp
/// The host orchestrator: builds the physics, tiles the grid over masses, runs a backend on each tile,
/// reduces minima along the marginalised axes and hands full-grid slabs to a sink (the HDF5 writer).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "zdscan/io/config.hpp"
#include "zdscan/scan/best_fit_refinement.hpp"
#include "zdscan/scan/meson_report.hpp"
#include "zdscan/scan/interval_refinement.hpp"
#include "zdscan/scan/progress.hpp"
#include "zdscan/scan/posterior.hpp"
#include "zdscan/scan/profile_intervals.hpp"
#include "zdscan/scan/scan_engine.hpp"

namespace zdscan
{
enum class Backend
{
    cpu,
    cuda,
    cuda_emulated,  ///< the CUDA backend's kernels run on the CPU (make_emulated_cuda_engine): for tests and debugging
    automatic       ///< cuda when a device is present, else cpu
};
Backend parse_backend(const std::string& name);  ///< "cpu", "cuda", "cuda-emulated", "auto"

/// Largest ε and δ extent of a full-grid chunk in the file; split rows use ε ranges that fit chunks exactly.
inline constexpr int full_grid_chunk_max = 512;

/// Default bound on a tile's memory (--max-tile-mb): the full grid's χ² slab, and a device's per-tile buffers.
inline constexpr std::int64_t default_max_tile_bytes = 256LL << 20;

struct ScanOptions
{
    Backend backend = Backend::automatic;
    int threads = 0;         ///< CPU threads (0: OpenMP default)
    bool full_grid = false;  ///< also produce χ²_total on the whole 3-D grid
    /// The (m, ε) profile minimises over the continuous δ range (exact) or the δ grid points (grid).
    DeltaProfile delta_profile = DeltaProfile::exact;
    int tile_masses = 0;     ///< at most this many masses per tile (0: from the budgets below)
    /// Grid points per tile (0: the backend's preference). Tiles split a mass row when it is larger.
    std::int64_t tile_points = 0;
    /// With full_grid: bytes of χ² a tile may hold; bounds the memory on any grid shape.
    std::int64_t max_tile_bytes = default_max_tile_bytes;
    /// Fixed δ values at which every measurement's χ² is also stored over (m, ε) (/slices; Figs. 2 and 5).
    std::vector<double> delta_slices;
    /// Also the Bayesian posterior of (m_Zd, ε) and the 1-D marginals (posterior.hpp; --posterior).
    bool posterior = false;
    DeltaPrior delta_prior;  ///< the posterior's prior of δ (--delta-prior)
    /// Set from elsewhere (e.g. a SIGINT handler): the scan stops at its next check (after every tile and
    /// between the steps after the grid) with ScanInterrupted.
    const std::atomic<bool>* cancel = nullptr;
    /// MPI: this process's share of the tiles and the hand-over to the collector (null: serial).
    class TileExchange* exchange = nullptr;
    /// Checkpoint: tiles of an earlier run restored, new ones recorded (null: none).
    class TileJournal* journal = nullptr;
    /// Called once the journal's tiles are restored, before any tile is computed: (restored, total) tiles.
    std::function<void(std::int64_t, std::int64_t)> on_restored;
    int rank = 0;         ///< MPI rank (for the fault-injection test hook)
    int ranks = 1;        ///< MPI ranks of the job (provenance)
    int cuda_device = 0;  ///< CUDA device of this process (MPI: the node-local rank's)
};

/// Thrown by run_scan when ScanOptions::cancel was set.
class ScanInterrupted : public std::runtime_error
{
  public:
    ScanInterrupted() : std::runtime_error("scan interrupted") {}
};

/// Throws ScanInterrupted when cancel is set.
inline void check_cancel(const std::atomic<bool>* cancel)
{
    if (cancel && cancel->load()) throw ScanInterrupted();
}

/// Thrown by run_scan when χ² is inf or NaN somewhere: names the measurement and the grid point.
class NonFiniteChi2 : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// A tile result that cannot be merged (from a damaged checkpoint or another rank): the message names the tile
/// and the problem. The checkpoint turns it into CheckpointMismatch naming the record.
class InvalidTileResult : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// The order in which a scan visits the grid: whole mass rows while a row fits the tile budget, else
/// consecutive ε ranges of one mass row.
struct TilePlan
{
    int n_m = 0, n_eps = 0;
    int masses_per_tile = 1;  ///< ≥ 1 when tiles hold whole rows
    int eps_per_tile = 0;     ///< n_eps for whole rows, fewer when a row is split
    Tile first() const;
    /// Advances t to the next tile; false after the last.
    bool next(Tile& t) const;
};

/// The plan for a grid given the options and the backend's preferred tile size (points).
/// device_bytes_per_cell: a device's buffers per cell of a tile (ScanEngine::tile_bytes_per_cell); with the full
/// grid's slab they stay within options.max_tile_bytes.
TilePlan plan_tiles(const ScanOptions& options, std::int64_t preferred_tile_points, int n_m, int n_eps, int n_delta,
                    std::int64_t device_bytes_per_cell = 0);

/// The best grid point.
struct BestFit
{
    double chi2 = 0;
    int i_m = 0, i_eps = 0, i_delta = 0;  ///< i_delta: the best δ grid point of that cell
    double m_zd_mev = 0, epsilon = 0, delta = 0;  ///< delta: exact minimum or grid point (ScanOutput::delta_profile)
    Chi2Terms terms;  ///< each χ² term there
};

/// Everything a scan produces apart from the optional full grid. Cell arrays are [n_m][n_eps] in C order.
struct ScanOutput
{
    ScanConfig config;
    std::string backend;
    std::string device;  ///< the backend's hardware (provenance)
    std::vector<double> m_zd_mev, epsilon, delta;  ///< axes
    std::vector<double> mass_inputs;  ///< per-mass K and search factors: [mass][mass_inputs_per_mass]
    std::vector<double> sin2_at_scale;             ///< ŝ² at each measurement's scale
    DeltaProfile delta_profile = DeltaProfile::exact;
    std::vector<double> chi2_total;                ///< profiled (min over δ: exact or over the grid)
    std::vector<std::int32_t> argmin_delta_index;  ///< the δ grid index of the minimum over the grid points
    std::vector<double> argmin_delta;              ///< the minimising δ (exact profile) or its grid point
    std::vector<std::vector<double>> chi2_terms;  ///< [measurement][cell]: each term at the profiled point
    std::vector<double> delta_slices;             ///< the fixed δ values of the slices
    /// [slice][measurement][cell]: each term at δ = delta_slices[slice]; [slice][n_measurements][cell]: the total
    std::vector<std::vector<std::vector<double>>> slices;
    std::vector<double> profile_m, profile_eps, profile_delta;  ///< 1-D profiles (min over the others)
    BestFit best;
    RefinedFit refined;  ///< the minimum between grid points, started from best
    /// The Δχ² = 1 interval ends of m_Zd and ε between grid points (interval_refinement.hpp).
    RefinedInterval interval_m, interval_eps;
    /// The SM (ε = δ = 0) for the summary's Δχ² and pulls: each χ² term there, and each measurement's pull
    /// (X^exp − X^th)/σ at the SM and at the refined best fit.
    Chi2Terms sm;
    std::vector<double> pull_sm, pull_refined;
    /// ŝ²(Q) on a log grid in Q (seed paper Fig. 4): the smooth SM curve (running_sin2_smooth.hpp), the step model
    /// the χ² uses, and κ_d ŝ² with the Z_d of the best grid point, the refined best fit and the two ends of the 1σ
    /// m_Zd interval (points: m, ε, δ).
    std::vector<double> running_q_gev, running_sin2_sm, running_sin2_sm_step, running_sin2_bestfit;
    struct ZdCurve
    {
        std::string name;
        double m_zd_mev, epsilon, delta;
        std::vector<double> sin2;
        double k_apv = 0;  ///< K(m) of the APV measurement the curve takes at its scale (0: none)
    };
    std::vector<ZdCurve> running_zd;
    /// The APV scale where the Z_d curves take K(m) (sin2_effective.hpp, figure_propagator); 0 and "" when none.
    double running_q_apv_gev = 0;
    std::string running_apv_name;
    std::string running_note;  ///< non-empty when the figure's SM curve fell back to the step model
    /// With enabled search_limit measurements: the fit without them (their terms do not depend on δ, so it is the
    /// total map less their terms, cell by cell) and what they say of it (docs/searches.md).
    struct SearchComparison
    {
        bool present = false;
        double chi2_min = 0, m_zd_mev = 0, epsilon = 0, delta = 0;  ///< best grid point without the searches
        ProfileInterval interval_m, interval_eps;                   ///< its Δχ² = 1 intervals (grid)
        std::int64_t region_cells = 0;    ///< cells of its 2-D 1σ region (Δχ² ≤ 2.30)
        std::int64_t region_excluded = 0; ///< of them, excluded by at least one search at its CL
        struct PerSearch
        {
            std::string name;
            double ratio_at_best = 0;       ///< BR ε²/ε_CL² at the best fit without searches (> 1: excluded)
            std::int64_t region_excluded = 0;
        };
        std::vector<PerSearch> searches;
        /// r = (m/m_Z)|δ′/ε| at the refined best fit with the searches (search_limit.hpp): above
        /// search_max_coupling_ratio() (0.070) the dark-photon limits do not describe the Z_d there.
        double coupling_ratio_at_best = 0;
        /// The largest r over the 2-D 1σ region of the fit with the searches (each cell at its profiled δ).
        double coupling_ratio_max_1sigma = 0;
        /// The searches whose limit file says "no limit" (ε_CL ≥ 1: DarkCast's 10⁵ veto marks) at the best fit's
        /// mass inside their masses: a minimum there is the gap's artefact, not a preference of the data.
        std::vector<std::string> veto_gap_at_best;
    };
    SearchComparison without_searches;
    /// With enabled meson_decay measurements: what each says, and the fit without them (meson_report.hpp).
    MesonReport mesons;
    /// With ScanOptions::posterior: the posterior maps, marginals, HPD levels and credible intervals.
    std::optional<Posterior> posterior;
    double seconds = 0;  ///< wall time of the grid evaluation
    std::int64_t points = 0;
    std::int64_t points_computed = 0;  ///< by this run (points less those restored from a checkpoint)
    std::int64_t tiles = 0;           ///< tiles of the plan
    std::int64_t tiles_restored = 0;  ///< of which an earlier run's checkpoint provided
    bool collected = true;            ///< false on an MPI worker: only the collector's output is complete
};

/// Receives χ²_total of one tile: its cells × all δ, C order.
using FullGridSink = std::function<void(const Tile& tile, const std::vector<double>& chi2)>;

/// Runs the scan. progress may be null. Throws ScanInterrupted, NonFiniteChi2, or std::runtime_error (e.g. cuda
/// requested but unavailable).
ScanOutput run_scan(const ScanConfig& config, const ScanOptions& options, const FullGridSink& sink,
                    ProgressReporter* progress);

/// The backend problem for a config (exposed for tests and benchmarks).
ScanProblem make_scan_problem(const ScanConfig& config);
ScanProblem make_scan_problem(const ScanConfig& config, const PhysicsSetup& setup, const MassTermsAt& mass_at);

/// Fixed δ values for /slices (--delta-slices, Python delta_slices=): finite, in [−1, 1], at most 64, their maps
/// within 4 GB. Throws ConfigError naming option.
void validate_delta_slices(const std::vector<double>& values, const ScanConfig& config, const std::string& option);
}  // namespace zdscan
