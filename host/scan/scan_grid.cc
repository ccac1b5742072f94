/// \file scan_grid.cc
#include "zdscan/scan/scan_grid.hpp"

#include <cmath>

namespace zdscan
{
std::vector<double> Axis::values() const
{
    std::vector<double> v(static_cast<std::size_t>(n));
    if (n == 1)
    {
        v[0] = min;
        return v;
    }
    const double lo = log ? std::log(min) : min, hi = log ? std::log(max) : max;
    for (int i = 0; i < n; ++i)
    {
        const double t = lo + (hi - lo) * i / (n - 1);
        v[static_cast<std::size_t>(i)] = log ? std::exp(t) : t;
    }
    v.front() = min;
    v.back() = max;
    return v;
}
}  // namespace zdscan
