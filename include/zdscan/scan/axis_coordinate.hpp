/// \file axis_coordinate.hpp
/// One grid axis as a coordinate for searches between grid points (the refined best fit, the interval ends): ln x
/// on a log axis, x otherwise.
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
}  // namespace zdscan
