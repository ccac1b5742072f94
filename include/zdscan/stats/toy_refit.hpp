/// \file toy_refit.hpp
/// One toy of the Feldman–Cousins construction (docs/statistics.md, "Toys"): pseudo-data thrown at a tested point
/// (m₀, ε₀) with δ at its profiled value δ₀, refitted over the whole (m, ε) grid with the exact δ profile.
///
/// A toy moves only the measured central values: with whitened pulls q_k (χ² = Σ q_k², correlations included),
/// pseudo-data x_toy = X^th(m₀, ε₀, δ₀) + L z, z ~ N(0, 1), turn every cell's pull into q_k(δ) + s_k with the
/// constant shift s_k = z_k − q_k(m₀, ε₀, δ₀). So each toy pull is still a cubic in δ whose constant term moved,
/// and the exact δ minimum (exact_delta_minimum.hpp) refits a cell in ~20 ns.
///
/// The global minimum needs few cells: by the triangle inequality min_δ |q(δ) + s| ≥ √χ²_data(cell) − |s|, so a
/// cell whose data profile lies that far above the best toy χ² found so far cannot hold the toy's minimum. Cells
/// are visited in ascending order of their data profile and the walk stops at the first one excluded: the result
/// is the exact grid minimum (the same value as a visit of every cell), at a cost set by the favoured region's
/// size. Plain data, no allocation (ZD_HD): one toy per thread on the CPU and on a GPU.
#pragma once

#include <cstdint>

#include "zdscan/physics/exact_delta_minimum.hpp"
#include "zdscan/physics/pull_polynomial.hpp"

namespace zdscan
{
/// The data's whitened pulls on the grid, and the order in which toys visit the cells.
struct ToyGrid
{
    std::int64_t n_cells = 0;
    int n_pulls = 0;               ///< enabled measurements (whitened pulls per cell)
    const double* coef = nullptr;  ///< [cell][pull][4]: pull_k(δ) = Σ_j coef[j] δ^j
    const std::int64_t* order = nullptr;  ///< cells by ascending data profile χ²
    const double* root_chi2 = nullptr;    ///< √χ²_data of order[i], ascending
    double delta_lo = 0, delta_hi = 0;    ///< the scanned δ range (the exact profile's)
    std::int64_t n_eps = 0;               ///< cells are [m][ε]: n_cells / n_eps masses (0: no refinement)
};

/// The cell's pulls with each constant term moved by shift[k] (shift null: the data).
ZD_HD inline CellPulls toy_cell_pulls(const ToyGrid& g, std::int64_t cell, const double* shift)
{
    CellPulls p;
    p.n_enabled = p.n = g.n_pulls;
    const double* c = g.coef + cell * g.n_pulls * 4;
    for (int k = 0; k < g.n_pulls; ++k)
    {
        p.measurement[k] = k;
        for (int j = 0; j < 4; ++j) p.p[k].c[j] = c[4 * k + j];
        if (shift) p.p[k].c[0] += shift[k];
    }
    return p;
}

/// The profile min_δ χ² of the cell (with the toy's shift, or the data's with shift null).
ZD_HD inline DeltaMinimum toy_cell_profile(const ToyGrid& g, std::int64_t cell, const double* shift)
{
    return exact_delta_minimum(toy_cell_pulls(g, cell, shift), g.delta_lo, g.delta_hi,
                               DeltaMinimum{HUGE_VAL, g.delta_lo});
}

struct ToyFit
{
    /// t = χ²_toy(tested point) − the toy's minimum, refined between grid points (≥ 0; refined_minimum)
    double dchi2 = 0;
    std::int64_t cells_fitted = 0;  ///< exact δ profiles computed (the cost)
};

/// The minimum of a χ² map (the toy's with shift, or the data's with shift null) refined between grid points around
/// its lowest cell, as the data's best fit is refined (issue 27: a grid minimum gives t an atom at 0, 15 % of the
/// toys at 32², and critical values that move with the grid). The 3 × 3 cells around `cell` (value v0) give the
/// quadratic in the grid's index coordinates (uniform in each axis's own coordinate, log or linear) by central
/// differences; where its Hessian is positive definite and its stationary point lies within one cell of `cell`,
/// the refined minimum is its value there, v0 − ½ gᵀH⁻¹g; otherwise the lower of the two 1-D parabolas' vertices
/// (each within half a cell, the centre being the lowest). An axis whose cell lies on the grid's edge is not refined
/// along (the box ends there). Never above v0, never below 0; adds the cells it profiles to fitted.
ZD_HD inline double refined_minimum(const ToyGrid& g, std::int64_t cell, double v0, const double* shift,
                                    std::int64_t& fitted)
{
    if (g.n_eps <= 0) return v0;
    const std::int64_t n_m = g.n_cells / g.n_eps, i = cell / g.n_eps, j = cell % g.n_eps;
    const bool along_m = i > 0 && i + 1 < n_m, along_e = j > 0 && j + 1 < g.n_eps;
    if (!along_m && !along_e) return v0;
    auto at = [&](std::int64_t di, std::int64_t dj)
    {
        ++fitted;
        return toy_cell_profile(g, (i + di) * g.n_eps + (j + dj), shift).chi2;
    };
    double gm = 0, hm = 0, ge = 0, he = 0, best = v0;
    if (along_m)
    {
        const double lo = at(-1, 0), hi = at(1, 0);
        gm = 0.5 * (hi - lo), hm = hi + lo - 2 * v0;
        if (hm > 0)
        {
            const double v = v0 - 0.5 * gm * gm / hm;
            best = v < best ? v : best;
        }
    }
    if (along_e)
    {
        const double lo = at(0, -1), hi = at(0, 1);
        ge = 0.5 * (hi - lo), he = hi + lo - 2 * v0;
        if (he > 0)
        {
            const double v = v0 - 0.5 * ge * ge / he;
            best = v < best ? v : best;
        }
    }
    if (along_m && along_e && hm > 0 && he > 0)
    {
        const double hme = 0.25 * (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1));
        const double det = hm * he - hme * hme;
        if (det > 0)
        {
            // H x = −g for the stationary point x = (x_m, x_e), in cells.
            const double xm = (-gm * he + ge * hme) / det, xe = (-ge * hm + gm * hme) / det;
            if (xm >= -1 && xm <= 1 && xe >= -1 && xe <= 1)
            {
                const double v = v0 + 0.5 * (gm * xm + ge * xe);
                best = v < best ? v : best;
            }
        }
    }
    return best > 0 ? best : 0.0;
}

/// Refits one toy: shift as in the file comment (n_pulls values), shift_norm = |shift|.
ZD_HD inline ToyFit toy_refit(const ToyGrid& g, std::int64_t point, const double* shift, double shift_norm)
{
    ToyFit fit;
    const double at_point = toy_cell_profile(g, point, shift).chi2;
    double best = at_point;
    std::int64_t best_cell = point;
    fit.cells_fitted = 1;
    for (std::int64_t i = 0; i < g.n_cells; ++i)
    {
        // The bound with a margin of 1e-9 relative for the rounding of the data profile and of the norm.
        const double bound = g.root_chi2[i] - shift_norm;
        if (bound > 0 && bound * bound > best * (1 + 1e-9) + 1e-12) break;
        const std::int64_t cell = g.order[i];
        if (cell == point) continue;
        const double v = toy_cell_profile(g, cell, shift).chi2;
        ++fit.cells_fitted;
        // Ties go to the lowest cell index, as in the CPU's blocked walk (both see every cell that ties).
        if (v < best || (v == best && cell < best_cell)) best = v, best_cell = cell;
    }
    const double refined = refined_minimum(g, best_cell, best, shift, fit.cells_fitted);
    fit.dchi2 = at_point - refined;
    return fit;
}

/// The shift of a toy at the tested point: s_k = z_k − q_k(δ₀) with the data pulls q at the point (file comment);
/// returns |s|.
ZD_HD inline double toy_shift(const ToyGrid& g, std::int64_t point, double delta0, const double* z, double* shift)
{
    const CellPulls data = toy_cell_pulls(g, point, nullptr);
    double norm2 = 0;
    for (int k = 0; k < g.n_pulls; ++k)
    {
        shift[k] = z[k] - evaluate(data.p[k], delta0);
        norm2 = fused(shift[k], shift[k], norm2);
    }
    return sqrt(norm2);
}
}  // namespace zdscan
