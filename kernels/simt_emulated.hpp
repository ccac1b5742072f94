/// \file simt_emulated.hpp
/// The CPU emulation's launches of kernels without barriers (host code only): blocks as loop iterations over OpenMP
/// threads, a block's threads as a loop. The scan's per-mass and per-cell kernels (host/scan/scan_device_emulated.cc)
/// and the toys' kernel (host/stats/toys_device_emulated.cc) run through it.
#pragma once

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
/// as on a GPU: the kernel bodies check their index). Blocks are taken one at a time, so divergent ones balance.
template <class Body>
void launch_flat(long long n, int block_dim, Body body)
{
    const long long n_blocks = (n + block_dim - 1) / block_dim;
#pragma omp parallel for schedule(dynamic, 1)
    for (long long b = 0; b < n_blocks; ++b)
    {
        for (int t = 0; t < block_dim; ++t) body(thread_index(b, 0, n_blocks, 1, t, block_dim));
    }
}
}  // namespace zdscan::simt
