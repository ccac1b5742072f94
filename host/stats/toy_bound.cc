/// \file toy_bound.cc
/// The lower bound of toy_bound.hpp: the basis of the directions δ moves a cell's pulls along (Gram–Schmidt, twice),
/// the box of its δ curve, and the bound for a block of cells, vectorised over the lanes.
#include "zdscan/stats/toy_bound.hpp"

#include <algorithm>
#include <cmath>

#include "zdscan/physics/chi2.hpp"
#include "zdscan/scan/delta_walk.hpp"

// GCC's function multi-versioning (an ifunc resolved once at load), as chi2_cpu.cc: the bound's lanes in AVX2 or
// AVX-512 where the CPU has them.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ZD_BOUND_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define ZD_BOUND_CLONES
#endif

namespace zdscan
{
namespace
{
/// Rounding allowance per unit of a vector's (or a cubic's) scale: far above K ε for K ≤ 16 measurements, two
/// Gram–Schmidt passes and a cubic's evaluation.
constexpr double rounding = 1e-12;
/// A direction whose residual after projection is below this fraction of its norm is not normalised (its basis
/// vector would carry the rounding of the subtraction); its residual goes into the slack instead.
constexpr double too_short = 1e-8;

double norm(const double* v, int n)
{
    double s = 0;
    for (int k = 0; k < n; ++k) s += v[k] * v[k];
    return std::sqrt(s);
}

double dot(const double* a, const double* b, int n)
{
    double s = 0;
    for (int k = 0; k < n; ++k) s += a[k] * b[k];
    return s;
}

/// v −= Σ_i (e_i · v) e_i over the first `basis` vectors, twice ("twice is enough" for orthogonality to rounding).
void project_out(const double (*e)[max_measurements], int basis, int n, double* v)
{
    for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i < basis; ++i)
        {
            const double p = dot(e[i], v, n);
            for (int k = 0; k < n; ++k) v[k] -= p * e[i][k];
        }
}

/// The range of x(δ) = Σ_j c[j] δʲ over [lo, hi]: its values at both ends and at the roots of x′ inside (the caller
/// widens it for rounding).
void cubic_range(const double* c, double lo, double hi, double& min, double& max)
{
    auto at = [&](double x) { return c[0] + x * (c[1] + x * (c[2] + x * c[3])); };
    double v[4] = {at(lo), at(hi), at(lo), at(hi)};
    // x′ = 3 c3 δ² + 2 c2 δ + c1; a root outside the range, or none, leaves an end's value in its slot.
    const double A = 3 * c[3], B = 2 * c[2], C = c[1];
    auto inside = [&](double x, int slot)
    {
        if (x > lo && x < hi) v[slot] = at(x);
    };
    if (A == 0)
    {
        if (B != 0) inside(-C / B, 2);
    }
    else
    {
        const double disc = B * B - 4 * A * C;
        if (disc >= 0)
        {
            const double q = -0.5 * (B + std::copysign(std::sqrt(disc), B));
            inside(q / A, 2);
            if (q != 0) inside(C / q, 3);
        }
    }
    min = std::min(std::min(v[0], v[1]), std::min(v[2], v[3]));
    max = std::max(std::max(v[0], v[1]), std::max(v[2], v[3]));
}
/// An orthonormal basis e of E = span(b, c, d) of a cell (coef [pull][4]); returns its size and adds to slack what a
/// direction too short to normalise, and the rounding of the projections, leave of δ's motion.
int delta_basis(const double* coef, int K, double reach, double (*e)[max_measurements], double& slack)
{
    double v[max_measurements];
    int basis = 0;
    double reach_j = 1;
    for (int j = 1; j <= 3; ++j)
    {
        reach_j *= reach;
        for (int k = 0; k < K; ++k) v[k] = coef[4 * k + j];
        const double nv = norm(v, K);
        if (nv == 0) continue;
        project_out(e, basis, K, v);
        const double nr = norm(v, K);
        slack += rounding * nv * reach_j;  // what the rounding of P v_j leaves of δʲ v_j
        if (nr > too_short * nv)
        {
            for (int k = 0; k < K; ++k) e[basis][k] = v[k] / nr;
            ++basis;
        }
        else
        {
            slack += nr * reach_j;  // a direction left out: δʲ moves q along it by at most |r| Δʲ
        }
    }
    return basis;
}

/// The range of f · q(δ) over the δ range for a unit vector f and a cell's pulls (coef [pull][4]), widened by the
/// rounding of the dot products and of the cubic's evaluation, both in the scale of Σ_p |v_p| Δᵖ (which bounds
/// |f · v_p| Δᵖ, and may be far above it when v_p is nearly normal to f).
void coordinate_range(const double* f, const double* coef, int K, double delta_lo, double delta_hi, double& lo,
                      double& hi)
{
    const double reach = std::max(std::fabs(delta_lo), std::fabs(delta_hi));
    double c[4], v[max_measurements], scale = 0, reach_p = 1;
    for (int p = 0; p < 4; ++p, reach_p *= reach)
    {
        for (int k = 0; k < K; ++k) v[k] = coef[4 * k + p];
        c[p] = dot(f, v, K);
        scale += norm(v, K) * reach_p;
    }
    cubic_range(c, delta_lo, delta_hi, lo, hi);
    lo -= rounding * scale;
    hi += rounding * scale;
}
}  // namespace

void toy_bound_data(const double* coef, int n_pulls, double delta_lo, double delta_hi, double root_chi2, double* out,
                    std::int64_t stride)
{
    const int K = n_pulls;
    const double reach = std::max(std::fabs(delta_lo), std::fabs(delta_hi));
    double e[3][max_measurements] = {};
    double a[max_measurements];
    double slack = 0;
    for (int k = 0; k < K; ++k) a[k] = coef[4 * k];
    const int basis = delta_basis(coef, K, reach, e, slack);
    // The box of E's coordinates x_j(δ) = e_j · q(δ) over the δ range.
    double lo[3] = {}, hi[3] = {};
    for (int j = 0; j < basis; ++j) coordinate_range(e[j], coef, K, delta_lo, delta_hi, lo[j], hi[j]);
    const double na = norm(a, K);
    project_out(e, basis, K, a);
    slack += rounding * (na + norm(a, K));
    for (int k = 0; k < K; ++k) out[k * stride] = a[k];
    for (int j = 0; j < 3; ++j)
    {
        for (int k = 0; k < K; ++k) out[(K + j * K + k) * stride] = e[j][k];
        out[(4 * K + j) * stride] = lo[j];
        out[(4 * K + 3 + j) * stride] = hi[j];
    }
    out[(4 * K + 6) * stride] = slack;
    out[(4 * K + 7) * stride] = root_chi2;
    // Pulls too large to square in doubles (norms of 1e200) leave inf or NaN here: then the bound knows nothing
    // (a slack of +inf), and only the triangle bound speaks for the cell.
    bool finite = true;
    for (int v = 0; v < 4 * K + 7; ++v) finite = finite && std::isfinite(out[v * stride]);
    if (!finite)
    {
        for (int v = 0; v < 4 * K + 6; ++v) out[v * stride] = 0;
        out[(4 * K + 6) * stride] = HUGE_VAL;
    }
}

ZD_BOUND_CLONES void toy_lower_bounds(const double* block, int n_pulls, const double* shift, double shift_norm,
                                      double* lower)
{
    constexpr int L = exact_batch_cells;
    const int K = n_pulls;
    // r_j = e_j · s per lane
    double r[3][L] = {};
    for (int j = 0; j < 3; ++j)
        for (int k = 0; k < K; ++k)
        {
            const double* ejk = block + (K + j * K + k) * L;
            const double sk = shift[k];
            for (int l = 0; l < L; ++l) r[j][l] += ejk[l] * sk;
        }
    // |w + s − Σ_j r_j e_j|²
    double acc[L] = {};
    for (int k = 0; k < K; ++k)
    {
        const double* w = block + k * L;
        const double *e0 = block + (K + k) * L, *e1 = block + (2 * K + k) * L, *e2 = block + (3 * K + k) * L;
        const double sk = shift[k];
        for (int l = 0; l < L; ++l)
        {
            const double u = w[l] + sk - r[0][l] * e0[l] - r[1][l] * e1[l] - r[2][l] * e2[l];
            acc[l] += u * u;
        }
    }
    // + Σ_j gap_j², the distance from −r to the box of the δ curve
    for (int j = 0; j < 3; ++j)
    {
        const double *lo = block + (4 * K + j) * L, *hi = block + (4 * K + 3 + j) * L;
        for (int l = 0; l < L; ++l)
        {
            const double gap = std::max(std::max(lo[l] + r[j][l], -hi[l] - r[j][l]), 0.0);
            acc[l] += gap * gap;
        }
    }
    const double *slack = block + (4 * K + 6) * L, *root_chi2 = block + (4 * K + 7) * L;
    const double margin = rounding * (1 + 4 * K) * shift_norm;  // the rounding of r_j and u, in |s|'s scale
    // (1 − 1e-12): the basis is orthonormal to rounding, so the split of |q + s|² is exact to a few ε relative.
    for (int l = 0; l < L; ++l)
        lower[l] = std::max(std::sqrt(acc[l]) * (1 - rounding) - slack[l] - margin, root_chi2[l] - shift_norm);
}

void toy_tile_data(const double* coef, int n_pulls, const std::int64_t* cells, int n_cells, std::int64_t centre,
                   double delta_lo, double delta_hi, double* out)
{
    const int K = n_pulls;
    const double reach = std::max(std::fabs(delta_lo), std::fabs(delta_hi));
    // The frame: the centre cell's E, completed by the unit vectors that stay longest after projection.
    double f[max_measurements][max_measurements] = {};
    double unused = 0;  // the box covers every coordinate of the completed frame: no direction is left out
    int size = delta_basis(coef + centre * K * 4, K, reach, f, unused);
    while (size < K)
    {
        double best[max_measurements] = {}, best_norm = -1;
        for (int u = 0; u < K; ++u)
        {
            double v[max_measurements] = {};
            v[u] = 1;
            project_out(f, size, K, v);
            const double n = norm(v, K);
            if (n > best_norm)
            {
                best_norm = n;
                for (int k = 0; k < K; ++k) best[k] = v[k];
            }
        }
        for (int k = 0; k < K; ++k) f[size][k] = best[k] / best_norm;  // best_norm ≥ 1/√K: some unit vector stays
        ++size;
    }
    for (int i = 0; i < K; ++i)
    {
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (int c = 0; c < n_cells; ++c)
        {
            double l, h;
            coordinate_range(f[i], coef + cells[c] * K * 4, K, delta_lo, delta_hi, l, h);
            lo = std::min(lo, l);
            hi = std::max(hi, h);
        }
        for (int k = 0; k < K; ++k) out[i * K + k] = f[i][k];
        out[K * K + i] = lo;
        out[K * K + K + i] = hi;
    }
    // As toy_bound_data: where anything overflowed, a bound that knows nothing (the axes, and an unbounded box).
    bool finite = true;
    for (int v = 0; v < K * K + 2 * K; ++v) finite = finite && std::isfinite(out[v]);
    if (!finite)
    {
        for (int i = 0; i < K; ++i)
        {
            for (int k = 0; k < K; ++k) out[i * K + k] = i == k ? 1.0 : 0.0;
            out[K * K + i] = -HUGE_VAL;
            out[K * K + K + i] = HUGE_VAL;
        }
    }
}

double toy_tile_lower_bound(const double* tile, int n_pulls, const double* shift, double shift_norm)
{
    const int K = n_pulls;
    double acc = 0;
    for (int i = 0; i < K; ++i)
    {
        const double y = dot(tile + i * K, shift, K);
        const double gap = std::max(std::max(tile[K * K + i] + y, -tile[K * K + K + i] - y), 0.0);
        acc += gap * gap;
    }
    // The frame is orthonormal to rounding: the split of |q + s|² into its coordinates is exact to a few ε relative.
    return std::sqrt(acc) * (1 - rounding) - rounding * (1 + 4 * K) * shift_norm;
}
}  // namespace zdscan
