/// \file scan_engine.hpp
/// The backend interface: a backend evaluates tiles of (m, ε) cells × all δ and reduces them over δ. The host driver
/// (scan_driver.hpp) tiles the grid, merges the reductions and writes output.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zdscan/physics/chi2.hpp"

namespace zdscan
{
/// How a cell's χ² is minimised over δ.
enum class DeltaProfile
{
    exact,  ///< over the continuous range [δ_min, δ_max] (exact_delta_minimum.hpp); the default
    grid    ///< over the δ grid points
};
DeltaProfile parse_delta_profile(const std::string& name);  ///< "exact", "grid"; std::invalid_argument otherwise
std::string to_string(DeltaProfile p);

/// Everything a backend needs; built once per scan on the host.
struct ScanProblem
{
    DeltaProfile delta_profile = DeltaProfile::exact;
    ObservableConstants observables;
    std::vector<double> m_zd_gev;  ///< mass axis [GeV]
    /// K of each apv measurement, a search's factors: [mass][mass_inputs_per_mass] (MassTermsAt::input_table)
    std::vector<double> mass_inputs;
    std::vector<double> epsilon;
    std::vector<double> delta;
};

/// A block of grid cells: masses [m_begin, m_end) × ε [eps_begin, eps_end) × every δ. A tile holds either
/// whole ε rows or part of one mass row (m_end = m_begin + 1), so that its size, and with it the memory and the
/// latency of a stop request, is bounded on any grid (a single (m, ε) cell is at most 10⁶ δ points).
struct Tile
{
    int m_begin = 0, m_end = 0;
    int eps_begin = 0, eps_end = 0;
    ZD_HD int n_eps() const { return eps_end - eps_begin; }
    ZD_HD std::int64_t cells() const { return static_cast<std::int64_t>(m_end - m_begin) * n_eps(); }
    /// Grid indices of the tile's cell c (C order over [m][ε] inside the tile).
    ZD_HD int i_m(std::int64_t c) const { return m_begin + static_cast<int>(c / n_eps()); }
    ZD_HD int i_eps(std::int64_t c) const { return eps_begin + static_cast<int>(c % n_eps()); }
};

/// One tile's results; cell arrays are [tile.cells()] in the tile's C order.
struct TileResult
{
    std::vector<double> chi2_min;       ///< min over δ of χ²_total (exact or over the grid: ScanProblem)
    std::vector<std::int32_t> argmin;   ///< δ index of the minimum over the grid (lowest index on ties)
    std::vector<double> delta_at_min;   ///< exact profile: the minimising δ (lowest on ties); grid: empty
    std::vector<double> delta_profile;  ///< [n_delta]: min over the tile's cells of χ²_total(δ_k)
    std::vector<double> full;           ///< [cells][n_delta] χ²_total, only when requested
    /// The first point (lowest cell·n_delta + δ index) where χ²_total is inf or NaN; −1 when all are finite.
    std::int64_t first_nonfinite = -1;
};

class ScanEngine
{
  public:
    virtual ~ScanEngine() = default;
    virtual std::string name() const = 0;
    /// The hardware it runs on, for the file's provenance ("AMD EPYC ... (2 threads)", "NVIDIA H100 ...").
    virtual std::string device() const = 0;
    /// Per-mass terms (F_V, F_A, propagators, K of every measurement) as the backend computed them.
    virtual std::vector<MassTerms> mass_terms() const = 0;
    /// One tile, start to finish (the host waits).
    virtual void evaluate_tile(const Tile& tile, bool want_full, TileResult& out) = 0;

    /// Tiles in flight at once: a device backend computes one tile while the host merges and writes the previous
    /// one (start_tile queues the work and returns; finish_tile waits for the oldest started tile). 1: no overlap.
    virtual int max_tiles_in_flight() const { return 1; }
    /// Starts a tile (at most max_tiles_in_flight() unfinished). The default only queues it: finish_tile computes it.
    virtual void start_tile(const Tile& tile, bool want_full)
    {
        started_.push_back({tile, want_full});
    }
    /// The oldest started tile's results (its order of start).
    virtual void finish_tile(TileResult& out)
    {
        const Started s = started_.front();
        started_.erase(started_.begin());
        evaluate_tile(s.tile, s.want_full, out);
    }
    /// Grid points per tile this backend works well with (the driver also bounds full-grid memory).
    virtual std::int64_t preferred_tile_points() const = 0;
    /// Bytes of backend memory one tile of `cells` cells needs beyond the full grid's χ² (a device's per-tile
    /// buffers, once per tile in flight): --max-tile-mb bounds it with the full grid's slab. 0: nothing to bound.
    virtual std::int64_t tile_bytes_per_cell(int /*n_delta*/) const { return 0; }
    /// Seconds the device spent in the tiles' kernels so far (walk and finish, timed on the device: cudaEvents on a
    /// GPU), NaN for engines without a device (bench/scan_rate reports it beside the wall time).
    virtual double kernel_seconds() const { return std::nan(""); }

  private:
    struct Started
    {
        Tile tile;
        bool want_full;
    };
    std::vector<Started> started_;  ///< the default start_tile/finish_tile: tiles started, not yet computed
};

/// Most CPU threads a scan uses: 4 × the hardware threads (libgomp crashes creating ~10⁵ threads).
int max_cpu_threads();
/// The threads a CPU loop uses: `requested` if > 0, else the OpenMP default (e.g. OMP_NUM_THREADS); never more
/// than max_cpu_threads().
int cpu_threads(int requested);

/// OpenMP backend; threads ≤ 0 means the OpenMP default.
std::unique_ptr<ScanEngine> make_cpu_engine(const ScanProblem& problem, int threads);

/// CUDA backend (kernels/scan_cuda.cu) on device `device` (taken modulo the device count, so that MPI ranks can
/// pass their node-local rank). Throws std::runtime_error when built without CUDA or without a device.
std::unique_ptr<ScanEngine> make_cuda_engine(const ScanProblem& problem, int device = 0);
/// The CUDA backend's kernels and host code run on the CPU through a SIMT emulation (host/scan/
/// scan_device_emulated.cc): the device code tested without a GPU, and bit for bit the CPU backend's results.
std::unique_ptr<ScanEngine> make_emulated_cuda_engine(const ScanProblem& problem);
/// Number of usable CUDA devices (0 in a build without CUDA, and when the runtime reports an error).
int cuda_device_count();
/// Why cuda_device_count() is 0, in the runtime's words: "" when a device is usable, else the build without CUDA,
/// "no CUDA device", or cudaGetDeviceCount's error (a missing driver, no /dev/nvidia*, an empty
/// CUDA_VISIBLE_DEVICES), so that a test never passes a broken GPU off as an absent one.
std::string cuda_status();
/// Why --backend cuda cannot run here (no CUDA in this build, or no device), or "" when it can: the command line
/// says so before it announces the scan.
std::string cuda_unavailable_reason();
}  // namespace zdscan
