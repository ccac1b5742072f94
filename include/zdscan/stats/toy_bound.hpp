/// \file toy_bound.hpp
/// A cheap lower bound on a toy's χ² in a cell, which lets the CPU's refit skip the exact δ profile of most cells
/// (issue 31; docs/statistics.md, "Toys").
///
/// A cell's whitened pulls are q(δ) = a + b δ + c δ² + d δ³ (vectors over the K measurements). δ moves q only inside
/// E = span(b, c, d). With an orthonormal basis e_j of E and P the projector onto E's complement, the toy's χ² splits
/// exactly into the part no δ can move and E's coordinates:
///     |q(δ) + s|² = |w + s − Σ_j r_j e_j|² + Σ_j (x_j(δ) + r_j)²,   w = P a,  r_j = e_j · s,  x_j(δ) = e_j · q(δ).
/// Each x_j is a cubic in δ, so over the scanned δ range it lies in [lo_j, hi_j] (its ends and stationary points),
/// and the second sum is at least Σ_j gap_j², gap_j = max(lo_j + r_j, −hi_j − r_j, 0): the distance from the toy's
/// shift to the box that holds the cell's δ curve. So
///     min_δ |q(δ) + s|² ≥ |w + s − Σ_j r_j e_j|² + Σ_j gap_j².
/// Unlike the triangle bound √χ²_data − |s|, which assumes the worst direction of s, it counts the toy's actual shift;
/// it costs about 8 K multiply-adds a cell against the exact profile's quintic.
///
/// The bound only skips cells, with a slack that covers its rounding (and a direction too short to normalise, counted
/// as |r| Δʲ with Δ the largest |δ| scanned), so every cell that can tie or beat the best is still profiled by the
/// same code: the toy's minimum, its cell and t keep their bits.
#pragma once

#include <cstdint>

namespace zdscan
{
/// Values per cell: w (K), e_1, e_2, e_3 (K each), lo_1..3, hi_1..3, the slack, √χ²_data.
inline constexpr int toy_bound_values(int n_pulls) { return 4 * n_pulls + 8; }

/// The bound's data of one cell from its pulls (coef [pull][4], as ToyGrid::coef), the scanned δ range and the
/// data's √χ² there (for the triangle bound): out[v * stride] for v < toy_bound_values(n_pulls) (e_j = 0 and
/// lo_j = hi_j = 0 where E has fewer dimensions).
void toy_bound_data(const double* coef, int n_pulls, double delta_lo, double delta_hi, double root_chi2, double* out,
                    std::int64_t stride);

/// Lower bounds on √(min_δ χ²_toy) for the exact_batch_cells cells whose bound data lie in one block ([value][lane]),
/// for the toy's shift s (n_pulls values) and |s|: the larger of this bound and the triangle bound √χ²_data − |s|.
/// A lane may come out ≤ 0 (nothing known).
void toy_lower_bounds(const double* block, int n_pulls, const double* shift, double shift_norm, double* lower);
/// Values per tile of cells: its frame (K × K), lo_1..K, hi_1..K.
inline constexpr int toy_tile_values(int n_pulls) { return n_pulls * n_pulls + 2 * n_pulls; }

/// The bound of a tile of cells (all of its cells at once): an orthonormal frame f_i of the pull space (the centre
/// cell's E, completed), and the box [lo_i, hi_i] that holds f_i · q_c(δ) for every cell c of the tile and every δ
/// scanned. Then min over the tile of min_δ |q + s|² ≥ Σ_i gap_i², gap_i = max(lo_i + f_i · s, −hi_i − f_i · s, 0).
/// The walk skips a tile with K² multiply-adds before it looks at any of its cells. out: toy_tile_values values.
void toy_tile_data(const double* coef, int n_pulls, const std::int64_t* cells, int n_cells, std::int64_t centre,
                   double delta_lo, double delta_hi, double* out);

/// A lower bound on √(min_δ χ²_toy) over a tile's cells (toy_tile_data), for the toy's shift s and |s|.
double toy_tile_lower_bound(const double* tile, int n_pulls, const double* shift, double shift_norm);
}  // namespace zdscan
