/// \file simt.hpp
/// The few SIMT facts the scan kernels use, written so that the same kernel bodies compile as CUDA device code and
/// as plain C++ for the CPU emulation of the device (host/scan/emulated_device.hpp): where a thread is, a
/// relaxed read and an atomic minimum. Warp shuffles and barriers are not here: the walk kernel takes them from a
/// policy (walk_kernel_body.hpp), CUDA's intrinsics on a GPU, fibers that meet at each barrier in the emulator.
#pragma once

#include "zdscan/physics/macros.hpp"

namespace zdscan::simt
{
constexpr int warp_size = 32;

/// A thread's place in a 2-D grid of 1-D blocks (CUDA's blockIdx.x/y, gridDim.x/y, threadIdx.x, blockDim.x).
struct ThreadIndex
{
    int block_x = 0, block_y = 0;
    int grid_x = 1, grid_y = 1;
    int thread = 0, block_dim = 1;
    ZD_HD int lane() const { return thread % warp_size; }
    ZD_HD int warp() const { return thread / warp_size; }
    /// The flat index of a 1-D launch (block_x · block_dim + thread).
    ZD_HD long long global() const { return static_cast<long long>(block_x) * block_dim + thread; }
};

/// A read of a value other threads may be changing atomically (a hint: it may be stale, never torn).
ZD_HD inline unsigned long long load(const unsigned long long* address)
{
#if defined(__CUDA_ARCH__)
    return *static_cast<const volatile unsigned long long*>(address);
#else
    return __atomic_load_n(address, __ATOMIC_RELAXED);
#endif
}

/// *address = min(*address, value), atomically (CUDA's atomicMin; GCC's builtins in the emulator, whose blocks run
/// on OpenMP threads).
ZD_HD inline void atomic_min(unsigned long long* address, unsigned long long value)
{
#if defined(__CUDA_ARCH__)
    atomicMin(address, value);
#else
    unsigned long long seen = __atomic_load_n(address, __ATOMIC_RELAXED);
    while (value < seen
           && !__atomic_compare_exchange_n(address, &seen, value, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    {
    }
#endif
}
}  // namespace zdscan::simt
