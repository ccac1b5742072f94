/// \file delta_walk_impl.hpp
/// The δ loop, included by each delta_walk_<isa>.cc inside its own namespace (ZDSCAN_WALK_ISA): the variants are
/// distinct functions, so the linker cannot mix code built for different instruction sets. Nothing here calls an
/// inline function or template shared with other translation units (that would be such a mix); fused() is a
/// compiler builtin, and the exact profile's templates (exact_delta_minimum.hpp) have internal linkage.
#include "zdscan/physics/exact_delta_minimum.hpp"
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

/// χ² of n points from N cubic pulls: the inner loop, vectorised over δ. The coefficients are read from the
/// pulls in memory, which the compiler turns into broadcast loads (a local copy made it shuffle them in the loop).
struct BlockReduction
{
    double min;  ///< a NaN never replaces the running value
    double sum;  ///< not finite when some value is inf or NaN (or, harmlessly, when finite values overflow it)
};

/// Pulls [J0, J1) of the chain acc = fma(p_j, p_j, acc), carried in out[] between calls: the first call starts it
/// at 0, the last one reduces. At most pulls_per_pass pulls per pass, unrolled by the pragma: with 9 to 16 pulls
/// in one loop GCC stopped unrolling and vectorising it (16 measurements ran at a sixth of the rate of 4 per pull).
/// The chain is the same one fused operation after another in the same order, so the bits do not depend on the
/// passes (chi2_total(const CellPulls&, double) is the scalar form).
constexpr int pulls_per_pass = 8;

template <int J0, int J1, bool Last, bool Profile>
inline BlockReduction chi2_pass(const PullPolynomial* __restrict c, const double* __restrict delta, int n,
                                double* __restrict out, double* __restrict profile)
{
    double m = HUGE_VAL, sum = 0;
#pragma omp simd reduction(min : m) reduction(+ : sum)
    for (int k = 0; k < n; ++k)
    {
        const double x = delta[k];
        double acc = J0 == 0 ? 0.0 : out[k];
#pragma GCC unroll 8
        for (int j = J0; j < J1; ++j)
        {
            const double* q = c[j].c;
            const double p = __builtin_fma(__builtin_fma(__builtin_fma(q[3], x, q[2]), x, q[1]), x, q[0]);
            acc = __builtin_fma(p, p, acc);
        }
        out[k] = acc;
        if constexpr (Last)
        {
            m = acc < m ? acc : m;
            sum += acc;
            if constexpr (Profile) profile[k] = acc < profile[k] ? acc : profile[k];
        }
    }
    return {m, sum};
}

template <int N, bool Profile, int J0 = 0>
inline BlockReduction chi2_block(const PullPolynomial* __restrict c, const double* __restrict delta, int n,
                                 double* __restrict out, double* __restrict profile)
{
    constexpr int J1 = J0 + pulls_per_pass < N ? J0 + pulls_per_pass : N;
    if constexpr (J1 == N)
    {
        return chi2_pass<J0, J1, true, Profile>(c, delta, n, out, profile);
    }
    else
    {
        chi2_pass<J0, J1, false, Profile>(c, delta, n, out, profile);
        return chi2_block<N, Profile, J1>(c, delta, n, out, profile);
    }
}

template <int N>
DeltaWalk walk(const CellPulls& pulls, const double* delta, int n_delta, double* chi2_row, double* profile)
{
    DeltaWalk r;
    alignas(64) double scratch[block];
    for (int b = 0; b < n_delta; b += block)
    {
        const int n = n_delta - b < block ? n_delta - b : block;
        double* out = chi2_row ? chi2_row + b : scratch;
        const BlockReduction red = profile ? chi2_block<N, true>(pulls.p, delta + b, n, out, profile + b)
                                           : chi2_block<N, false>(pulls.p, delta + b, n, out, nullptr);
        const double m = red.min;
        const bool bad = !(red.sum < HUGE_VAL);
        // The first index holding it: with the strict comparison across blocks, the row's first minimum. Vectors of
        // 8 are compared until one holds it, then that vector is searched.
        if (m < r.chi2_min)
        {
            int k0 = 0;
            for (; k0 + 8 <= n; k0 += 8)
            {
                int hit = 0;
#pragma omp simd reduction(| : hit)
                for (int j = 0; j < 8; ++j) hit |= out[k0 + j] == m;
                if (hit) break;
            }
            // Bounded: m need not be one of the values. OpenMP lets a min reduction start each lane at the largest
            // finite double (clang does), so a block of only inf/NaN reduces to DBL_MAX, which no entry holds.
            while (k0 < n && out[k0] != m) ++k0;
            if (k0 < n)
            {
                r.chi2_min = m;
                r.argmin = b + k0;
            }
        }
        if (bad && r.first_nonfinite < 0)
        {
            int k = 0;
            while (k < n && out[k] < HUGE_VAL) ++k;
            if (k < n) r.first_nonfinite = b + k;
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

void exact_batch(const BatchPulls& c, int n_enabled, int n, double lo, double hi, int* status, double* root_delta,
                 double* chi2_root)
{
    constexpr int L = exact_batch_cells;
    const double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
    double d[detail::max_degree + 1][L];
    detail::derivative_on_unit_interval<L>([&](int k, int s, int l) { return c[k][s][l]; }, n_enabled, mid, half, d);
    int st[L];
    double rt[L];
    detail::fast_root<L>(d, st, rt);
    // δ at each root and χ² there, with chi2_total's fused operations (slot by slot, every lane at once).
    double delta[L], chi2[L];
#pragma omp simd
    for (int l = 0; l < L; ++l)
    {
        const double x = mid + half * rt[l];
        delta[l] = x < lo ? lo : (x > hi ? hi : x);
        chi2[l] = 0;
    }
    for (int s = 0; s < n_enabled; ++s)
    {
#pragma omp simd
        for (int l = 0; l < L; ++l)
        {
            const double x = delta[l];
            const double p =
                __builtin_fma(__builtin_fma(__builtin_fma(c[3][s][l], x, c[2][s][l]), x, c[1][s][l]), x, c[0][s][l]);
            chi2[l] = __builtin_fma(p, p, chi2[l]);
        }
    }
    for (int l = 0; l < n; ++l)
    {
        status[l] = st[l];
        root_delta[l] = delta[l];
        chi2_root[l] = chi2[l];
    }
}

void exact_batch_min(const BatchPulls& c, int n_enabled, int n, double lo, double hi, int* status, double* chi2_min)
{
    constexpr int L = exact_batch_cells;
    int st[L];
    double root_delta[L], at_root[L];
    exact_batch(c, n_enabled, L, lo, hi, st, root_delta, at_root);
    // χ² at both ends with chi2_total's fused operations, every lane at once.
    double at_lo[L], at_hi[L];
#pragma omp simd
    for (int l = 0; l < L; ++l) at_lo[l] = at_hi[l] = 0;
    for (int s = 0; s < n_enabled; ++s)
    {
#pragma omp simd
        for (int l = 0; l < L; ++l)
        {
            const double p_lo =
                __builtin_fma(__builtin_fma(__builtin_fma(c[3][s][l], lo, c[2][s][l]), lo, c[1][s][l]), lo, c[0][s][l]);
            const double p_hi =
                __builtin_fma(__builtin_fma(__builtin_fma(c[3][s][l], hi, c[2][s][l]), hi, c[1][s][l]), hi, c[0][s][l]);
            at_lo[l] = __builtin_fma(p_lo, p_lo, at_lo[l]);
            at_hi[l] = __builtin_fma(p_hi, p_hi, at_hi[l]);
        }
    }
    for (int l = 0; l < n; ++l)
    {
        double m = at_lo[l] < at_hi[l] ? at_lo[l] : at_hi[l];
        if (st[l] == 1 && at_root[l] < m) m = at_root[l];
        status[l] = st[l];
        chi2_min[l] = m;
    }
}
}  // namespace zdscan::ZDSCAN_WALK_ISA
