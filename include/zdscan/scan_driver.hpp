/// \file scan_driver.hpp
/// The host orchestrator: builds the physics, tiles the grid over masses, runs a backend on each tile,
/// reduces minima along the marginalised axes and hands full-grid slabs to a sink (the HDF5 writer).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "best_fit_refinement.hpp"
#include "config.hpp"
#include "progress.hpp"
#include "scan_engine.hpp"

namespace zdscan
{
enum class Backend
{
    cpu,
    cuda,
    automatic  ///< cuda when a device is present, else cpu
};
Backend parse_backend(const std::string& name);  ///< "cpu", "cuda", "auto"

struct ScanOptions
{
    Backend backend = Backend::automatic;
    int threads = 0;         ///< CPU threads (0: OpenMP default)
    bool full_grid = false;  ///< also produce χ²_total on the whole 3-D grid
    int tile_masses = 0;     ///< masses per tile (0: the backend's preference, within a memory budget)
    /// Set from elsewhere (e.g. a SIGINT handler) to stop after the current tile with ScanInterrupted.
    const std::atomic<bool>* cancel = nullptr;
};

/// Thrown by run_scan when ScanOptions::cancel was set.
class ScanInterrupted : public std::runtime_error
{
  public:
    ScanInterrupted() : std::runtime_error("scan interrupted") {}
};

/// The best grid point.
struct BestFit
{
    double chi2 = 0;
    int i_m = 0, i_eps = 0, i_delta = 0;
    double m_zd_mev = 0, epsilon = 0, delta = 0;
    Chi2Terms terms;  ///< each χ² term there
};

/// Everything a scan produces apart from the optional full grid. Cell arrays are [n_m][n_eps] in C order.
struct ScanOutput
{
    ScanConfig config;
    std::string backend;
    std::vector<double> m_zd_mev, epsilon, delta;  ///< axes
    std::vector<double> k_apv;                     ///< K(133Cs; m) per mass
    std::vector<double> sin2_scales;               ///< ŝ² at the Qweak, APV, m_μ, m_e scales
    std::vector<double> chi2_total;                ///< profiled (min over δ)
    std::vector<std::int32_t> argmin_delta_index;
    std::vector<double> argmin_delta;
    std::vector<double> chi2_qweak, chi2_apv_cs, chi2_a_mu, chi2_a_e;  ///< terms at the profiled point
    std::vector<double> profile_m, profile_eps, profile_delta;         ///< 1-D profiles (min over the others)
    BestFit best;
    RefinedFit refined;  ///< the minimum between grid points, started from best
    /// ŝ²(Q) in the SM and with the Z_d of the best grid point (seed paper Fig. 4), on a log grid in Q.
    std::vector<double> running_q_gev, running_sin2_sm, running_sin2_bestfit;
    double seconds = 0;  ///< wall time of the grid evaluation
    std::int64_t points = 0;
};

/// Receives χ²_total for masses [m_begin, m_end) × all ε × all δ, C order.
using FullGridSink = std::function<void(int m_begin, int m_end, const std::vector<double>& chi2)>;

/// Runs the scan. progress may be null. Throws std::runtime_error (e.g. cuda requested but unavailable).
ScanOutput run_scan(const ScanConfig& config, const ScanOptions& options, const FullGridSink& sink,
                    ProgressReporter* progress);

/// The backend problem for a config (exposed for tests and benchmarks).
ScanProblem make_scan_problem(const ScanConfig& config);
ScanProblem make_scan_problem(const ScanConfig& config, const PhysicsSetup& setup, const ApvKEvaluator& k_apv);
}  // namespace zdscan
