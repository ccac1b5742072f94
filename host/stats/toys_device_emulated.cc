/// \file toys_device_emulated.cc
/// The toys' device kernel (kernels/toy_kernels.hpp) on the CPU: blocks of 256 threads as loop iterations over
/// OpenMP threads, as host/scan/scan_device_emulated.cc runs the scan's kernels. What the CUDA build adds is only
/// the runtime's copies and launch (kernels/toys_cuda.cu).
#include <algorithm>
#include <omp.h>

#include "../../kernels/simt_emulated.hpp"
#include "../../kernels/toy_kernels.hpp"
#include "zdscan/stats/toy_backend.hpp"

namespace zdscan
{
namespace
{
class EmulatedToys final : public ToyBackend
{
  public:
    EmulatedToys(const ToyGrid& grid, const double* delta0) : grid_(grid), delta0_(delta0) {}
    std::string name() const override { return "cuda-emulated"; }
    std::string device() const override
    {
        return "CUDA toy kernel emulated on the CPU (" + std::to_string(omp_get_max_threads()) + " threads)";
    }
    int preferred_points_per_batch() const override { return 16; }
    void refit(const std::vector<std::int64_t>& cells, std::int64_t toys, std::uint64_t seed, std::vector<double>& t,
               std::vector<std::int64_t>& fitted) override
    {
        const long long n = static_cast<long long>(cells.size()) * toys;
        t.assign(static_cast<std::size_t>(n), 0.0);
        std::vector<long long> f(static_cast<std::size_t>(n), 0);
        const std::vector<long long> c(cells.begin(), cells.end());
        kernels::ToyArgs a;
        a.grid = grid_;
        a.delta0 = delta0_;
        a.cells = c.data();
        a.toys = toys;
        a.n_pairs = n;
        a.seed = seed;
        a.t = t.data();
        a.fitted = f.data();
        // Launches of pairs_per_launch pairs, as the device takes them, with the stop request polled between.
        for (a.first_pair = 0; a.first_pair < n && !cancelled(); a.first_pair += pairs_per_launch)
        {
            const long long chunk = std::min<long long>(pairs_per_launch, n - a.first_pair);
            simt::launch_flat(chunk, 256,
                              [&](const simt::ThreadIndex& at)
                              {
                                  if (!cancelled()) kernels::toy_thread(a, at);  // the CPU's threads are slower
                              });
        }
        fitted.assign(f.begin(), f.end());
    }

  private:
    ToyGrid grid_;
    const double* delta0_;
};
}  // namespace

std::unique_ptr<ToyBackend> make_emulated_cuda_toys(const ToyGrid& grid, const double* delta0)
{
    return std::make_unique<EmulatedToys>(grid, delta0);
}
}  // namespace zdscan
