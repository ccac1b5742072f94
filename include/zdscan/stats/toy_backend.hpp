/// \file toy_backend.hpp
/// Where the toys of `zdscan coverage` are refitted: the CPU (OpenMP over pairs, the blocked vectorised profile),
/// a CUDA device (one thread a pair), or the CUDA kernel emulated on the CPU (tests without a GPU). All give the
/// same numbers, bit for bit: each pair's pseudo-data and refit depend on (seed, cell, toy) only.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zdscan/stats/toy_refit.hpp"

namespace zdscan
{
struct CoverageGrid;

class ToyBackend
{
  public:
    virtual ~ToyBackend() = default;
    virtual std::string name() const = 0;
    virtual std::string device() const = 0;
    /// Tested cells per batch that keep it busy (the checkpoint's and the MPI split's unit).
    virtual int preferred_points_per_batch() const = 0;
    /// For every cell c_p of cells and toy k < toys: t[p·toys + k] (the toy's Δχ² at c_p) and fitted[…] (cells
    /// refitted). Throws std::runtime_error on a device failure. When the stop flag (set_cancel) is raised it
    /// returns early with the batch incomplete; the caller checks the flag and discards the batch.
    virtual void refit(const std::vector<std::int64_t>& cells, std::int64_t toys, std::uint64_t seed,
                       std::vector<double>& t, std::vector<std::int64_t>& fitted) = 0;
    /// The stop request that refit polls between pairs (the CPU) or between launches of at most
    /// pairs_per_launch pairs (the device and its emulation), so that a batch of 10^7 toys still stops within a
    /// second of SIGTERM.
    void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }

  protected:
    bool cancelled() const { return cancel_ && cancel_->load(std::memory_order_relaxed); }
    /// Pairs per device launch: about 0.1 s of work at 256² on a GPU, less on the emulation's CPU threads.
    static constexpr long long pairs_per_launch = 1 << 16;

  private:
    const std::atomic<bool>* cancel_ = nullptr;
};

/// threads ≤ 0: the OpenMP default. The grid must outlive the backend.
std::unique_ptr<ToyBackend> make_cpu_toys(const CoverageGrid& grid, int threads);
/// The device kernel on the CPU; grid (host pointers) and delta0 (the data's profiled δ per cell) must outlive it.
std::unique_ptr<ToyBackend> make_emulated_cuda_toys(const ToyGrid& grid, const double* delta0);
/// The device kernel on CUDA device `device` (modulo the count), with its own copy of the grid. Throws
/// std::runtime_error when built without CUDA or without a device (cuda_unavailable_reason()).
std::unique_ptr<ToyBackend> make_cuda_toys(const ToyGrid& grid, const double* delta0, int device);
}  // namespace zdscan
