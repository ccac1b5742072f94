/// \file walk_kernel_body.hpp
/// The δ walk kernel, written once (issue 30): nvcc compiles it into walk_kernel (scan_cuda.cu) with CUDA's warp
/// primitives, and the CPU emulation (host/scan/emulated_device.hpp) runs the same text with every thread of a
/// block as a fiber that stops at each barrier (host/scan/fiber_block.hpp). A thread sees its block through a small
/// policy B:
///   index()                 where the thread is (simt::ThreadIndex)
///   sync_warp()             __syncwarp(): the warp's 32 lanes meet
///   sync_block()            __syncthreads(): the block's threads meet
///   shfl_xor(mask, v, o)    __shfl_xor_sync(mask, v, o) for any trivially copyable v
/// Mutation (tests only, 0 in every build of zdscan) plants one of the faults the emulation must catch
/// (tests/test_emulation_faults.cc): 1 drops the barrier after the pulls' load, 2 shuffles with half the mask, 3 drops
/// the block barrier before the profile's reduction, 4 leaves a shared slot unwritten, 5 starts the butterfly at the
/// wrong offset.
#pragma once

#include "scan_kernels.hpp"

namespace zdscan::kernels
{
template <int J, int Mutation = 0, class B>
ZD_HD void walk_block_body(const WalkArgs& a, B& b, typename WalkKernel<J>::Shared& shared)
{
    using K = WalkKernel<J>;
    const ThreadIndex t = b.index();
    typename K::Lane lane;
    K::start(lane);
    for (int w = 0; w < walk_cells_per_warp; ++w)
    {
        const long long cell = K::cell_of(a, t, w);
        if (cell < 0) break;  // the same for the whole warp
        int n_enabled = 0;
        if (Mutation == 4 && t.lane() == 0)
            n_enabled = a.mass[a.tile.i_m(cell)].n_enabled;  // lane 0 forgets its slot
        else
            n_enabled = K::load_pulls(a, t, cell, shared);
        if (Mutation != 1) b.sync_warp();
        if (K::whitens(a, cell))  // correlated uncertainties (the same for the whole warp)
        {
            const PullPolynomial white = K::whitened(a, t, cell, n_enabled, shared);
            b.sync_warp();
            K::store_whitened(t, n_enabled, white, shared);
            b.sync_warp();
        }
        K::walk_cell(a, t, cell, n_enabled, shared, lane);
        b.sync_warp();  // every lane has read the pulls before the next cell overwrites them
        const unsigned mask = Mutation == 2 ? 0x0000ffffu : 0xffffffffu;
        for (int offset = Mutation == 5 ? 8 : 16; offset > 0; offset /= 2)
        {
            K::combine(lane, b.shfl_xor(mask, K::partial(lane), offset));
        }
        K::finish_cell(a, t, cell, lane);
    }
    K::store_profile(t, lane, shared);
    if (Mutation != 3) b.sync_block();
    K::reduce_block_profile(a, t, shared);
}
}  // namespace zdscan::kernels
