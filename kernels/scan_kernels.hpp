/// \file scan_kernels.hpp
/// The bodies of the device scan kernels, as ZD_HD functions of a thread's index and its arguments: compiled by nvcc
/// into the CUDA kernels (scan_cuda.cu) and by the host compiler into the CPU emulation of the device
/// (host/scan/emulated_device.hpp), so that the device code runs, and is tested, without a GPU.
///
/// Three kernels: the per-mass terms (once per scan), the δ walk (which also folds the tile's δ profile) and the
/// per-cell finish. The walk is the only one with cross-thread steps; it is written as phases between them:
///
///   for each of the warp's cells:  load_pulls | syncwarp | [whitened | syncwarp | store_whitened | syncwarp] |
///                                  walk_cell | syncwarp | 5 × (shuffle-xor, combine) | finish_cell
///   store_profile | syncthreads | reduce_block_profile
///
/// A phase touches only its own thread's Lane, the warp's own slots of Shared, and global memory. The phases are
/// joined once, in walk_kernel_body.hpp, for both nvcc and the emulation.
#pragma once

#include <cmath>

#include "simt.hpp"
#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/scan/cell_minimum.hpp"
#include "zdscan/scan/scan_engine.hpp"

namespace zdscan::kernels
{
using simt::ThreadIndex;

constexpr int no_index = 0x7fffffff;

/// One thread per mass: the per-mass terms and the pull factors of the δ walk.
struct MassTermsArgs
{
    const ObservableConstants* obs = nullptr;  ///< device memory (4 kB: too large to pass by value before CUDA 12.1)
    int n = 0;
    const double* m_zd_gev = nullptr;
    const double* mass_inputs = nullptr;  ///< [n][mass_inputs_per_mass]
    MassTerms* terms = nullptr;
    MassPulls* pulls = nullptr;
};

ZD_HD inline void mass_terms_thread(const MassTermsArgs& a, const ThreadIndex& t)
{
    const long long i = t.global();
    if (i >= a.n) return;
    a.terms[i] = make_mass_terms(*a.obs, a.m_zd_gev[i], a.mass_inputs + i * mass_inputs_per_mass);
    a.pulls[i] = mass_pulls(*a.obs, a.terms[i]);
}

/// Launch shape of the δ walk: a block of `walk_warps` warps takes `walk_cells_per_block` (m, ε) cells and one chunk
/// of 32·J consecutive δ points; each warp walks its cells one after the other, lane l taking δ points l, l + 32, …
/// of the chunk (coalesced loads and full-grid stores). A 256³ scan is 1024 blocks × 8 warps.
constexpr int walk_warps = 8;
constexpr int walk_cells_per_warp = 8;
constexpr int walk_cells_per_block = walk_warps * walk_cells_per_warp;

/// δ points per lane and chunk (J) for a δ axis, and the grid of the walk for a tile.
struct WalkShape
{
    int j = 4;
    int n_chunks = 1;
    long long n_blocks = 0;
};

inline WalkShape walk_shape(int n_delta, long long n_cells)
{
    WalkShape s;
    s.j = n_delta <= 128 ? 4 : (n_delta <= 256 ? 8 : 16);
    s.n_chunks = (n_delta + 32 * s.j - 1) / (32 * s.j);
    s.n_blocks = (n_cells + walk_cells_per_block - 1) / walk_cells_per_block;
    return s;
}

struct WalkArgs
{
    const MassPulls* mass = nullptr;
    const double* epsilon = nullptr;
    const double* delta = nullptr;
    int n_delta = 0;
    Tile tile;
    long long n_cells = 0;
    double* part_min = nullptr;  ///< [cell][chunk] the chunk's minimum
    int* part_arg = nullptr;     ///< [cell][chunk] its first δ index
    /// [δ] the tile's δ profile as the bit patterns of doubles (profile_min_bits), starting at +inf's.
    unsigned long long* profile_bits = nullptr;
    unsigned long long* first_nonfinite = nullptr;
    double* full = nullptr;  ///< [cell][δ] when the full grid is asked, else null
};

/// The bit pattern of a double, and back (the profile's atomic minimum works on them).
ZD_HD inline unsigned long long double_bits(double v)
{
#if defined(__CUDA_ARCH__)
    return static_cast<unsigned long long>(__double_as_longlong(v));
#else
    unsigned long long b;
    __builtin_memcpy(&b, &v, sizeof b);
    return b;
#endif
}
ZD_HD inline double bits_double(unsigned long long b)
{
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(static_cast<long long>(b));
#else
    double v;
    __builtin_memcpy(&v, &b, sizeof v);
    return v;
#endif
}

/// *bits = min(*bits, value) for a χ² value. χ² is +0, positive, +inf or NaN (a sum of fused squares from +0), and on
/// non-negative doubles the order of the bit patterns as unsigned integers is the numeric order, with every NaN
/// above +inf: like the CPU's `v < p ? v : p` the minimum never takes a NaN, and it is exact and independent of the
/// order of the updates. The plain read first skips the atomic where it cannot lower the value (most blocks).
ZD_HD inline void profile_min(unsigned long long* bits, double value)
{
    const unsigned long long v = double_bits(value);
    if (v < simt::load(bits)) simt::atomic_min(bits, v);
}

/// The δ walk of one block (grid: n_blocks × n_chunks blocks of walk_warps · 32 threads).
template <int J>
struct WalkKernel
{
    /// Block-shared memory: each warp's cell pulls, and each warp's δ profile over its cells.
    struct Shared
    {
        PullPolynomial pulls[walk_warps][max_measurements];
        double profile[walk_warps][32 * J];
    };
    /// A thread's registers: its δ points' profile over the warp's cells, and the current cell's minimum.
    struct Lane
    {
        double profile[J];
        double best;
        int arg, bad;
    };
    /// What the warp's minimum exchanges between lanes.
    struct Partial
    {
        double best;
        int arg, bad;
    };

    ZD_HD static void start(Lane& l)
    {
        for (int j = 0; j < J; ++j) l.profile[j] = HUGE_VAL;
    }

    /// The cell of the warp's w-th turn, or −1 past the tile's end (the same for every lane of the warp).
    ZD_HD static long long cell_of(const WalkArgs& a, const ThreadIndex& t, int w)
    {
        const long long cell =
            static_cast<long long>(t.block_x) * walk_cells_per_block + t.warp() * walk_cells_per_warp + w;
        return cell < a.n_cells ? cell : -1;
    }

    /// Lane s computes the cell's pull in slot s (the enabled measurements in list order: CellPulls' order).
    /// Returns the number of enabled measurements.
    ZD_HD static int load_pulls(const WalkArgs& a, const ThreadIndex& t, long long cell, Shared& s)
    {
        const MassPulls& mp = a.mass[a.tile.i_m(cell)];
        if (t.lane() < mp.n_enabled)
        {
            s.pulls[t.warp()][t.lane()] = pull_polynomial(mp.f[t.lane()], a.epsilon[a.tile.i_eps(cell)]);
        }
        return mp.n_enabled;
    }

    /// Correlated uncertainties: whether the cell's pulls are whitened (the same for every cell of a scan), lane k's
    /// whitened pull read from the warp's slots (a phase of its own: every lane reads every slot), then stored over
    /// them after a barrier. The operations of cell_pulls, so the bits are the CPU's.
    ZD_HD static bool whitens(const WalkArgs& a, long long cell) { return a.mass[a.tile.i_m(cell)].corr.on != 0; }
    ZD_HD static PullPolynomial whitened(const WalkArgs& a, const ThreadIndex& t, long long cell, int n_enabled,
                                         const Shared& s)
    {
        if (t.lane() >= n_enabled) return PullPolynomial{};
        return whitened_pull(a.mass[a.tile.i_m(cell)].corr, s.pulls[t.warp()], t.lane());
    }
    ZD_HD static void store_whitened(const ThreadIndex& t, int n_enabled, const PullPolynomial& w, Shared& s)
    {
        if (t.lane() < n_enabled) s.pulls[t.warp()][t.lane()] = w;
    }

    /// The lane's δ points of the cell: χ² as chi2_total(const CellPulls&, double), operation for operation. The δ
    /// points go in batches of `batch`, which share one read of each pull's four coefficients from shared memory
    /// (a read per 4 FMAs becomes one per 16); each point still sums its pulls in list order, so the bits are the
    /// CPU's.
    ZD_HD static void walk_cell(const WalkArgs& a, const ThreadIndex& t, long long cell, int n_enabled,
                                const Shared& s, Lane& l)
    {
        constexpr int batch = 4;
        static_assert(J % batch == 0, "J is a multiple of the batch");
        const int k0 = t.block_y * 32 * J + t.lane();  // the lane's j-th point is k0 + 32 j
        l.best = HUGE_VAL;
        l.arg = no_index;
        l.bad = no_index;
        for (int j0 = 0; j0 < J; j0 += batch)
        {
            if (k0 + 32 * j0 >= a.n_delta) break;  // the lane's points increase with j
            double x[batch], acc[batch];
            for (int b = 0; b < batch; ++b)
            {
                const int k = k0 + 32 * (j0 + b);
                x[b] = k < a.n_delta ? a.delta[k] : 0.0;
                acc[b] = 0;
            }
            for (int m = 0; m < n_enabled; ++m)
            {
                const PullPolynomial p = s.pulls[t.warp()][m];
                for (int b = 0; b < batch; ++b)
                {
                    const double v = evaluate(p, x[b]);
                    acc[b] = fused(v, v, acc[b]);
                }
            }
            for (int b = 0; b < batch; ++b)
            {
                const int k = k0 + 32 * (j0 + b);
                if (k >= a.n_delta) break;
                if (a.full) a.full[cell * a.n_delta + k] = acc[b];
                if (acc[b] < l.best)
                {
                    l.best = acc[b];
                    l.arg = k;
                }
                if (!(acc[b] < HUGE_VAL) && l.bad == no_index) l.bad = k;
                l.profile[j0 + b] = acc[b] < l.profile[j0 + b] ? acc[b] : l.profile[j0 + b];
            }
        }
    }

    ZD_HD static Partial partial(const Lane& l) { return {l.best, l.arg, l.bad}; }

    /// One step of the warp's butterfly minimum; equal values go to the lower δ index, as in the CPU's loop.
    ZD_HD static void combine(Lane& l, const Partial& other)
    {
        if (other.best < l.best || (other.best == l.best && other.arg < l.arg))
        {
            l.best = other.best;
            l.arg = other.arg;
        }
        l.bad = other.bad < l.bad ? other.bad : l.bad;
    }

    /// Lane 0 writes the cell's chunk minimum and reports its first non-finite point.
    ZD_HD static void finish_cell(const WalkArgs& a, const ThreadIndex& t, long long cell, const Lane& l)
    {
        if (t.lane() != 0) return;
        const int chunk = t.block_y, n_chunks = t.grid_y;
        a.part_min[cell * n_chunks + chunk] = l.best;
        a.part_arg[cell * n_chunks + chunk] = l.arg;
        if (l.bad != no_index)
        {
            simt::atomic_min(a.first_nonfinite, static_cast<unsigned long long>(cell * a.n_delta + l.bad));
        }
    }

    ZD_HD static void store_profile(const ThreadIndex& t, const Lane& l, Shared& s)
    {
        for (int j = 0; j < J; ++j) s.profile[t.warp()][t.lane() + 32 * j] = l.profile[j];
    }

    /// After the block barrier: the block's δ profile, min over its warps, folded into the tile's profile by an
    /// atomic minimum on the bit patterns (profile_min_bits), skipped where it cannot lower the value there.
    ZD_HD static void reduce_block_profile(const WalkArgs& a, const ThreadIndex& t, const Shared& s)
    {
        const int k0 = t.block_y * 32 * J;
        for (int i = t.thread; i < 32 * J; i += t.block_dim)
        {
            double m = HUGE_VAL;
            for (int v = 0; v < walk_warps; ++v) m = s.profile[v][i] < m ? s.profile[v][i] : m;
            if (k0 + i < a.n_delta) profile_min(a.profile_bits + k0 + i, m);
        }
    }
};

/// One thread per cell: the minimum over the δ chunks (the lowest chunk wins ties), the overflow check of disabled
/// terms and, for the exact profile, the minimum between grid points.
struct FinishArgs
{
    const MassPulls* mass = nullptr;
    const double* epsilon = nullptr;
    const double* delta = nullptr;
    int n_delta = 0;
    DeltaRange range;
    bool exact = true;
    Tile tile;
    long long n_cells = 0;
    int n_chunks = 1;
    const double* part_min = nullptr;
    const int* part_arg = nullptr;
    double* chi2_min = nullptr;
    int* argmin = nullptr;
    double* delta_at_min = nullptr;  ///< exact profile only
    unsigned long long* first_nonfinite = nullptr;
};

ZD_HD inline void finish_cell_thread(const FinishArgs& a, const ThreadIndex& t)
{
    const long long cell = t.global();
    if (cell >= a.n_cells) return;
    double best = HUGE_VAL;
    int arg = 0;
    for (int c = 0; c < a.n_chunks; ++c)
    {
        if (a.part_min[cell * a.n_chunks + c] < best)
        {
            best = a.part_min[cell * a.n_chunks + c];
            arg = a.part_arg[cell * a.n_chunks + c];
        }
    }
    a.chi2_min[cell] = best;
    a.argmin[cell] = arg;
    const CellPulls pulls = cell_pulls(a.mass[a.tile.i_m(cell)], a.epsilon[a.tile.i_eps(cell)]);
    if (disabled_terms_may_overflow(pulls, a.range.abs_max))
    {
        const int k = first_nonfinite_disabled(pulls, a.delta, a.n_delta);
        if (k >= 0) simt::atomic_min(a.first_nonfinite, static_cast<unsigned long long>(cell * a.n_delta + k));
    }
    if (a.exact)
    {
        const DeltaMinimum e = exact_cell_minimum(pulls, a.range, a.delta, best, arg);
        a.chi2_min[cell] = e.chi2;
        a.delta_at_min[cell] = e.delta;
    }
}

}  // namespace zdscan::kernels
