/// \file scan_device_emulated.cc
/// The device backend on the CPU: the kernel bodies of kernels/scan_kernels.hpp and the device engine's host code
/// (kernels/device_engine.hpp), compiled by the host compiler, with a small SIMT emulation as the Device. Blocks are
/// loop iterations spread over OpenMP threads; the threads of a block are loops, run phase by phase: a barrier
/// (__syncwarp, __syncthreads) is the end of a loop over the lanes or warps, a warp shuffle reads a snapshot of the
/// lanes' values taken between two loops. What stays untested without a GPU is CUDA's runtime (allocation, copies,
/// launches) and its intrinsics; every line of kernel and engine code runs here (`--backend cuda-emulated`).
#include <omp.h>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../../kernels/device_engine.hpp"
#include "../../kernels/simt_emulated.hpp"

namespace zdscan
{
namespace
{
using kernels::ThreadIndex;

constexpr int block_size = 256;  // as the CUDA launches

using simt::thread_index;

/// One block of the δ walk, phase by phase (kernels/scan_kernels.hpp): warps are independent until the block
/// barrier, so each warp runs its cells to the end before the next; inside a warp, each phase is a loop over lanes.
template <int J>
void walk_block(const kernels::WalkArgs& a, long long block_x, int block_y, long long grid_x, int grid_y)
{
    using K = kernels::WalkKernel<J>;
    constexpr int n_threads = kernels::walk_warps * 32;
    auto shared = std::make_unique<typename K::Shared>();
    std::array<typename K::Lane, n_threads> lanes;
    std::array<ThreadIndex, n_threads> index;
    for (int t = 0; t < n_threads; ++t)
    {
        index[t] = thread_index(block_x, block_y, grid_x, grid_y, t, n_threads);
        K::start(lanes[t]);
    }
    for (int warp = 0; warp < kernels::walk_warps; ++warp)
    {
        auto* lane = &lanes[warp * 32];
        const ThreadIndex* at = &index[warp * 32];
        for (int w = 0; w < kernels::walk_cells_per_warp; ++w)
        {
            const long long cell = K::cell_of(a, at[0], w);  // warp-uniform
            if (cell < 0) break;
            int n_enabled = 0;
            for (int l = 0; l < 32; ++l) n_enabled = K::load_pulls(a, at[l], cell, *shared);
            // __syncwarp
            if (K::whitens(a, cell))
            {
                std::array<PullPolynomial, 32> white;
                for (int l = 0; l < 32; ++l) white[l] = K::whitened(a, at[l], cell, n_enabled, *shared);
                // __syncwarp
                for (int l = 0; l < 32; ++l) K::store_whitened(at[l], n_enabled, white[l], *shared);
                // __syncwarp
            }
            for (int l = 0; l < 32; ++l) K::walk_cell(a, at[l], cell, n_enabled, *shared, lane[l]);
            // __syncwarp; then the butterfly: every lane reads its partner's value from before the step.
            for (int offset = 16; offset > 0; offset /= 2)
            {
                std::array<typename K::Partial, 32> before;
                for (int l = 0; l < 32; ++l) before[l] = K::partial(lane[l]);
                for (int l = 0; l < 32; ++l) K::combine(lane[l], before[l ^ offset]);
            }
            for (int l = 0; l < 32; ++l) K::finish_cell(a, at[l], cell, lane[l]);
        }
    }
    for (int t = 0; t < n_threads; ++t) K::store_profile(index[t], lanes[t], *shared);
    // __syncthreads
    for (int t = 0; t < n_threads; ++t) K::reduce_block_profile(a, index[t], *shared);
}

/// The CPU as the Device of DeviceScanEngine. A stream is a queue of work that runs when the host waits for it,
/// not when it is queued: host code that read a result before waiting, or resized a buffer with work queued on it,
/// would read stale values or freed memory here as on a GPU (the sanitizer build sees the latter).
struct EmulatedDevice
{
    template <class T>
    using buffer = std::vector<T>;
    template <class T>
    using pinned = std::vector<T>;

    struct Stream
    {
        std::vector<std::function<void()>> queue;
    };

    template <class T>
    static T* raw(buffer<T>& v)
    {
        return v.data();
    }
    template <class T>
    static void upload(const std::vector<T>& from, buffer<T>& to)
    {
        to = from;
    }
    template <class T>
    static void download(const buffer<T>& from, std::vector<T>& to)
    {
        to = from;
    }
    template <class T>
    static void copy_to_device(const pinned<T>& from, std::size_t n, buffer<T>& to, Stream& s)
    {
        s.queue.push_back([src = from.data(), dst = to.data(), n] { std::copy(src, src + n, dst); });
    }
    template <class T>
    static void copy_to_host(const buffer<T>& from, std::size_t n, pinned<T>& to, Stream& s)
    {
        s.queue.push_back([src = from.data(), dst = to.data(), n] { std::copy(src, src + n, dst); });
    }

    static void launch_mass_terms(const kernels::MassTermsArgs& a)
    {
        simt::launch_flat(a.n, block_size, [&](const ThreadIndex& t) { kernels::mass_terms_thread(a, t); });
    }
    template <int J>
    static void launch_walk(const kernels::WalkArgs& a, const kernels::WalkShape& shape, Stream& s)
    {
        s.queue.push_back(
            [a, shape]
            {
                const long long n = shape.n_blocks * shape.n_chunks;
#pragma omp parallel for schedule(dynamic, 1)
                for (long long b = 0; b < n; ++b)
                {
                    walk_block<J>(a, b % shape.n_blocks, static_cast<int>(b / shape.n_blocks), shape.n_blocks,
                                  shape.n_chunks);
                }
            });
    }
    static void launch_finish(const kernels::FinishArgs& a, Stream& s)
    {
        s.queue.push_back(
            [a]
            {
                simt::launch_flat(a.n_cells, block_size,
                                  [&](const ThreadIndex& t) { kernels::finish_cell_thread(a, t); });
            });
    }
    static void wait(Stream& s, const char*)
    {
        for (auto& work : s.queue) work();
        s.queue.clear();
    }
    static void drain(Stream& s) noexcept { s.queue.clear(); }  // the work of a stopped scan is not needed
    static void synchronize(const char*) {}

    static std::string name() { return "cuda-emulated"; }
    static std::string device()
    {
        return "CUDA kernels emulated on the CPU (" + std::to_string(omp_get_max_threads()) + " threads)";
    }
    /// As the CUDA backend's, so that the emulation plans the same tiles.
    static std::int64_t preferred_tile_points() { return 1LL << 30; }
};
}  // namespace

std::unique_ptr<ScanEngine> make_emulated_cuda_engine(const ScanProblem& problem)
{
    return std::make_unique<kernels::DeviceScanEngine<EmulatedDevice>>(problem);
}
}  // namespace zdscan
