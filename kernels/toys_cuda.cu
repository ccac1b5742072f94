/// \file toys_cuda.cu
/// The toys of `zdscan coverage` on a CUDA device: the grid's pulls, visiting order and profiled δ uploaded once,
/// one thread a (tested cell, toy) pair (kernels/toy_kernels.hpp), a batch's Δχ² and counts copied back. Built with
/// --fmad=false like the scan, so that the device rounds as the CPU does (the only fused operations are the
/// explicit fused() of the shared code): the CPU, the emulation and a GPU give the same numbers.
#include <algorithm>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "cuda_runtime.cuh"
#include "device_buffer.cuh"
#include "toy_kernels.hpp"
#include "zdscan/scan/scan_engine.hpp"
#include "zdscan/stats/toy_backend.hpp"

namespace zdscan
{
namespace
{
using cuda::check;

constexpr int block_size = 128;  // long, divergent threads: small blocks keep more of them scheduled

__global__ void toy_kernel(kernels::ToyArgs a)
{
    simt::ThreadIndex t;
    t.block_x = static_cast<int>(blockIdx.x);
    t.grid_x = static_cast<int>(gridDim.x);
    t.thread = static_cast<int>(threadIdx.x);
    t.block_dim = static_cast<int>(blockDim.x);
    kernels::toy_thread(a, t);
}

class CudaToys final : public ToyBackend
{
  public:
    CudaToys(const ToyGrid& g, const double* delta0)
    {
        coef_.assign(g.coef, static_cast<std::size_t>(g.n_cells * g.n_pulls * 4));
        order_.assign(g.order, static_cast<std::size_t>(g.n_cells));
        root_.assign(g.root_chi2, static_cast<std::size_t>(g.n_cells));
        delta0_.assign(delta0, static_cast<std::size_t>(g.n_cells));
        grid_ = g;
        grid_.coef = coef_.data();
        grid_.order = order_.data();
        grid_.root_chi2 = root_.data();
    }
    std::string name() const override { return "cuda"; }
    std::string device() const override { return cuda::device_name(); }
    int preferred_points_per_batch() const override { return 512; }
    void refit(const std::vector<std::int64_t>& cells, std::int64_t toys, std::uint64_t seed, std::vector<double>& t,
               std::vector<std::int64_t>& fitted) override
    {
        const long long n = static_cast<long long>(cells.size()) * toys;
        const std::vector<long long> c(cells.begin(), cells.end());
        cells_.assign(c.data(), c.size());
        t_.resize(static_cast<std::size_t>(n));
        fitted_.resize(static_cast<std::size_t>(n));
        kernels::ToyArgs a;
        a.grid = grid_;
        a.delta0 = delta0_.data();
        a.cells = cells_.data();
        a.toys = toys;
        a.n_pairs = n;
        a.seed = seed;
        a.t = t_.data();
        a.fitted = fitted_.data();
        // Launches of pairs_per_launch pairs with the stop request polled between (a batch of 10^7 toys must
        // still stop within a second of SIGTERM).
        for (a.first_pair = 0; a.first_pair < n && !cancelled(); a.first_pair += pairs_per_launch)
        {
            const long long chunk = std::min<long long>(pairs_per_launch, n - a.first_pair);
            toy_kernel<<<static_cast<unsigned>((chunk + block_size - 1) / block_size), block_size>>>(a);
            check(cudaGetLastError(), "toy_kernel launch");
            check(cudaDeviceSynchronize(), "toy_kernel");
        }
        t_.copy_to(t);
        std::vector<long long> f;
        fitted_.copy_to(f);
        fitted.assign(f.begin(), f.end());
    }

  private:
    cuda::DeviceBuffer<double> coef_, root_, delta0_, t_;
    cuda::DeviceBuffer<std::int64_t> order_;
    cuda::DeviceBuffer<long long> cells_, fitted_;
    ToyGrid grid_;
};
}  // namespace

std::unique_ptr<ToyBackend> make_cuda_toys(const ToyGrid& grid, const double* delta0, int device)
{
    cuda::select_device(device);
    return std::make_unique<CudaToys>(grid, delta0);
}
}  // namespace zdscan
