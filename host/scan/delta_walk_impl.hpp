/// \file delta_walk_impl.hpp
/// The δ loop, included by each delta_walk_<isa>.cc inside its own namespace (ZDSCAN_WALK_ISA): the variants are
/// distinct functions, so the linker cannot mix code built for different instruction sets. Nothing here calls an
/// inline function or template shared with other translation units (that would be such a mix); fused() is a
/// compiler builtin.
#include "zdscan/scan/delta_walk.hpp"

#ifndef ZDSCAN_WALK_ISA
#error "define ZDSCAN_WALK_ISA before including delta_walk_impl.hpp"
#endif

namespace zdscan::ZDSCAN_WALK_ISA
{
namespace
{
/// δ points per block: the block's χ² stays in L1 between the passes over it.
constexpr int block = 512;

/// χ² of n points from N cubic pulls (coefficients c[power][pull]): the inner loop, vectorised over δ.
template <int N>
inline void chi2_block(const double (&c)[4][max_measurements], const double* __restrict delta, int n,
                       double* __restrict out)
{
#pragma omp simd
    for (int k = 0; k < n; ++k)
    {
        const double x = delta[k];
        double acc = 0;
        for (int j = 0; j < N; ++j)
        {
            const double p = __builtin_fma(__builtin_fma(__builtin_fma(c[3][j], x, c[2][j]), x, c[1][j]), x, c[0][j]);
            acc = __builtin_fma(p, p, acc);
        }
        out[k] = acc;
    }
}

template <int N>
DeltaWalk walk(const CellPulls& pulls, const double* delta, int n_delta, double* chi2_row, double* profile)
{
    double c[4][max_measurements] = {};
    for (int j = 0; j < N; ++j)
        for (int k = 0; k < 4; ++k) c[k][j] = pulls.p[j].c[k];
    DeltaWalk r;
    alignas(64) double scratch[block];
    for (int b = 0; b < n_delta; b += block)
    {
        const int n = n_delta - b < block ? n_delta - b : block;
        double* out = chi2_row ? chi2_row + b : scratch;
        chi2_block<N>(c, delta + b, n, out);
        // One pass: the block's minimum (a NaN never replaces the running value), whether any value is inf or NaN,
        // and the δ profile.
        double m = HUGE_VAL;
        int bad = 0;
        if (profile)
        {
            double* pr = profile + b;
#pragma omp simd reduction(min : m) reduction(| : bad)
            for (int k = 0; k < n; ++k)
            {
                const double v = out[k];
                m = v < m ? v : m;
                bad |= !(v < HUGE_VAL);
                pr[k] = v < pr[k] ? v : pr[k];
            }
        }
        else
        {
#pragma omp simd reduction(min : m) reduction(| : bad)
            for (int k = 0; k < n; ++k)
            {
                const double v = out[k];
                m = v < m ? v : m;
                bad |= !(v < HUGE_VAL);
            }
        }
        // The first index holding it: with the strict comparison across blocks, the row's first minimum.
        if (m < r.chi2_min)
        {
            int first = n;
#pragma omp simd reduction(min : first)
            for (int k = 0; k < n; ++k) first = (out[k] == m && k < first) ? k : first;
            r.chi2_min = m;
            r.argmin = b + first;
        }
        if (bad && r.first_nonfinite < 0)
        {
            int k = 0;
            while (out[k] < HUGE_VAL) ++k;
            r.first_nonfinite = b + k;
        }
    }
    return r;
}

template <int... N>
DeltaWalk dispatch(int n, const CellPulls& pulls, const double* delta, int n_delta, double* chi2_row, double* profile,
                   std::integer_sequence<int, N...>)
{
    DeltaWalk r;
    ((n == N ? (r = walk<N>(pulls, delta, n_delta, chi2_row, profile), true) : false) || ...);
    return r;
}
}  // namespace

DeltaWalk delta_walk(const CellPulls& pulls, const double* delta, int n_delta, double* chi2_row, double* profile)
{
    return dispatch(pulls.n_enabled, pulls, delta, n_delta, chi2_row, profile,
                    std::make_integer_sequence<int, max_measurements + 1>{});
}
}  // namespace zdscan::ZDSCAN_WALK_ISA
