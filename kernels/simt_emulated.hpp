/// \file simt_emulated.hpp
/// The CPU emulation's launches of kernels without barriers (host code only; block_dim ≤ 1024, as CUDA's): blocks as loop iterations over OpenMP
/// threads, a block's threads as a loop. The scan's per-mass and per-cell kernels (host/scan/emulated_device.hpp)
/// and the toys' kernel (host/stats/toys_device_emulated.cc) run through it.
#pragma once

#include <algorithm>
#include <random>

#include "../host/scan/fiber_block.hpp"
#include "simt.hpp"

namespace zdscan::simt
{
/// Where thread `thread` of block (block_x, block_y) of a grid_x × grid_y grid of block_dim-thread blocks is.
inline ThreadIndex thread_index(long long block_x, int block_y, long long grid_x, int grid_y, int thread,
                                int block_dim)
{
    ThreadIndex t;
    t.block_x = static_cast<int>(block_x);
    t.block_y = block_y;
    t.grid_x = static_cast<int>(grid_x);
    t.grid_y = grid_y;
    t.thread = thread;
    t.block_dim = block_dim;
    return t;
}

/// A 1-D launch of n independent threads in blocks of block_dim: every block, every thread (the ones past n too,
/// as on a GPU: the kernel bodies check their index). Blocks are taken one at a time, so divergent ones balance. A
/// block's threads run in the order of emulated_lane_schedule() (host/scan/fiber_block.hpp), as the walk's do.
template <class Body>
void launch_flat(long long n, int block_dim, Body body)
{
    const long long n_blocks = (n + block_dim - 1) / block_dim;
    const LaneSchedule schedule = emulated_lane_schedule();
#pragma omp parallel for schedule(dynamic, 1)
    for (long long b = 0; b < n_blocks; ++b)
    {
        int order[1024];
        for (int t = 0; t < block_dim; ++t) order[t] = schedule.order == LaneOrder::descending ? block_dim - 1 - t : t;
        if (schedule.order == LaneOrder::random)
        {
            std::mt19937_64 random(schedule.seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(b));
            std::shuffle(order, order + block_dim, random);
        }
        for (int t = 0; t < block_dim; ++t) body(thread_index(b, 0, n_blocks, 1, order[t], block_dim));
    }
}
}  // namespace zdscan::simt
