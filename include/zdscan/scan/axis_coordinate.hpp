/// \file axis_coordinate.hpp
/// One grid axis as a coordinate for searches between grid points (the refined best fit, the interval ends): ln x
/// on a log axis, x otherwise. And the stored axes' coordinate for densities and linear interpolation between grid
/// points (the posterior, the toys' intervals, the nearest cell): log10 x on a log axis, x otherwise.
#pragma once

#include <cmath>

#include "zdscan/io/config.hpp"

namespace zdscan
{
struct AxisCoordinate
{
    const Axis* axis;
    double to(double v) const { return axis->log ? std::log(v) : v; }
    double from(double x) const { return axis->log ? std::exp(x) : x; }
    double lo() const { return to(axis->min); }
    double hi() const { return to(axis->max); }
    double step() const { return axis->n > 1 ? (hi() - lo()) / (axis->n - 1) : 0.0; }
};

/// x in its axis's coordinate: log10 x on a log axis (the posterior's densities are per unit of it), else x.
inline double grid_coordinate(double x, bool log_axis) { return log_axis ? std::log10(x) : x; }
/// The axis value at coordinate u (grid_coordinate's inverse).
inline double grid_value(double u, bool log_axis) { return log_axis ? std::pow(10.0, u) : u; }
}  // namespace zdscan
