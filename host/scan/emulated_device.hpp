/// \file emulated_device.hpp
/// The device backend on the CPU (`--backend cuda-emulated`): the device engine's host code (kernels/device_engine.hpp)
/// with a SIMT emulation as its Device. The δ walk runs the kernel's own text (kernels/walk_kernel_body.hpp) with each
/// thread of a block as a fiber (fiber_block.hpp): barriers and shuffles are real meeting points, the lanes run in the
/// order of emulated_lane_schedule(), and shared memory starts as NaN bytes. The per-mass and per-cell kernels have
/// no cross-thread steps and run as loops (kernels/simt_emulated.hpp). Blocks are spread over OpenMP threads. What
/// stays untested without a GPU is CUDA's runtime (allocation, copies, launches) and its intrinsics.
/// Mutation plants a fault in the walk (walk_kernel_body.hpp; tests/test_emulation_faults.cc); 0 in zdscan.
#pragma once

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../../kernels/device_engine.hpp"
#include "../../kernels/simt_emulated.hpp"
#include "../../kernels/walk_kernel_body.hpp"
#include "fiber_block.hpp"

namespace zdscan::emulated
{
using kernels::ThreadIndex;

constexpr int block_size = 256;  // as the CUDA launches

/// One block of the δ walk: the kernel's text on fibers, shared memory NaN-filled first.
template <int J, int Mutation>
void walk_block(const kernels::WalkArgs& a, long long block_x, int block_y, long long grid_x, int grid_y)
{
    using Shared = typename kernels::WalkKernel<J>::Shared;
    thread_local simt::FiberBlock block(kernels::walk_warps * simt::warp_size);
    thread_local std::unique_ptr<Shared> shared = std::make_unique<Shared>();
    std::memset(static_cast<void*>(shared.get()), 0xFF, sizeof(Shared));  // NaN doubles, −1 ints: nothing wrote them
    const std::function<void(simt::FiberLanes&)> body = [&](simt::FiberLanes& lanes)
    { kernels::walk_block_body<J, Mutation>(a, lanes, *shared); };
    block.run(body, block_x, block_y, grid_x, grid_y, simt::emulated_lane_schedule());
}

/// The CPU as the Device of DeviceScanEngine. A stream is a queue of work that runs when the host waits for it,
/// not when it is queued: host code that read a result before waiting, or resized a buffer with work queued on it,
/// would read stale values or freed memory here as on a GPU (the sanitizer build sees the latter).
template <int Mutation = 0>
struct Device
{
    template <class T>
    using buffer = std::vector<T>;
    template <class T>
    using pinned = std::vector<T>;

    struct Stream
    {
        std::vector<std::function<void()>> queue;
    };
    /// The host's clock when the stream reached it (the emulation's cudaEvent).
    struct Event
    {
        std::chrono::steady_clock::time_point at{};
    };
    static void record(Event& e, Stream& s)
    {
        s.queue.push_back([&e] { e.at = std::chrono::steady_clock::now(); });
    }
    static double elapsed(const Event& begin, const Event& end)
    {
        return std::chrono::duration<double>(end.at - begin.at).count();
    }

    /// As device memory: no contents kept across a resize. The emulation fills it with 0xFF bytes (NaN doubles, −1
    /// integers), so that a kernel reading a value nothing wrote shows in the results.
    template <class T>
    static void resize(buffer<T>& v, std::size_t n, Stream&)
    {
        v.resize(n);
        if (n) std::memset(static_cast<void*>(v.data()), 0xFF, n * sizeof(T));
    }
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
        // As cudaGetLastError after <<<>>>: a grid without blocks is refused at the launch.
        if (shape.n_blocks <= 0 || shape.n_chunks <= 0)
            throw std::runtime_error("CUDA error in walk_kernel launch: invalid configuration argument (emulated)");
        s.queue.push_back(
            [a, shape]
            {
                const long long n = shape.n_blocks * shape.n_chunks;
                std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1)
                for (long long b = 0; b < n; ++b)
                {
                    try
                    {
                        walk_block<J, Mutation>(a, b % shape.n_blocks, static_cast<int>(b / shape.n_blocks),
                                                shape.n_blocks, shape.n_chunks);
                    }
                    catch (...)  // a fault the emulation caught: the first, after the loop (never out of OpenMP)
                    {
#pragma omp critical(zdscan_emulated_fault)
                        if (!error) error = std::current_exception();
                    }
                }
                if (error) std::rethrow_exception(error);
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
        auto work = std::move(s.queue);  // a fault leaves the stream empty, as a failed GPU stream is done
        s.queue.clear();
        for (auto& w : work) w();
    }
    static void drain(Stream& s) noexcept { s.queue.clear(); }  // the work of a stopped scan is not needed

    static std::string name() { return "cuda-emulated"; }
    static std::string device()
    {
        return "CUDA kernels emulated on the CPU (" + std::to_string(omp_get_max_threads()) + " threads)";
    }
    /// As the CUDA backend's, so that the emulation plans the same tiles.
    static std::int64_t preferred_tile_points() { return 1LL << 30; }
};
}  // namespace zdscan::emulated
