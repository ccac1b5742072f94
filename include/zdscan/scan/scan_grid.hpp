/// \file scan_grid.hpp
/// The three scan axes (m_Zd, ε, δ) and the one index convention every backend and file uses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace zdscan
{
/// One axis: n points from min to max, equally spaced in value (linear) or in its logarithm (log).
struct Axis
{
    double min = 0, max = 0;
    int n = 0;
    bool log = false;

    /// Grid values; the first and last are exactly min and max.
    std::vector<double> values() const;
    std::string scale_name() const { return log ? "log" : "linear"; }
};

/// Flat index of grid point (i_m, i_eps, i_delta): δ fastest, m slowest (C order of [n_m][n_eps][n_delta]).
inline std::int64_t grid_index(std::int64_t i_m, std::int64_t i_eps, std::int64_t i_delta, std::int64_t n_eps,
                               std::int64_t n_delta)
{
    return (i_m * n_eps + i_eps) * n_delta + i_delta;
}
}  // namespace zdscan
