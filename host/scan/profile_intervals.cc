/// \file profile_intervals.cc
#include "zdscan/scan/profile_intervals.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace zdscan
{
ProfileInterval profile_interval(const std::vector<double>& axis, const std::vector<double>& chi2, double level,
                                 bool log_axis, double chi2_min)
{
    if (axis.size() != chi2.size() || axis.empty())
    {
        throw std::invalid_argument("profile_interval: axis and profile must have the same, non-zero length");
    }
    const auto n = static_cast<std::ptrdiff_t>(axis.size());
    const std::ptrdiff_t best = std::min_element(chi2.begin(), chi2.end()) - chi2.begin();
    ProfileInterval r;
    r.best = axis[static_cast<std::size_t>(best)];
    r.chi2_min = std::isnan(chi2_min) ? chi2[static_cast<std::size_t>(best)] : chi2_min;
    const double threshold = r.chi2_min + level;
    if (!(chi2[static_cast<std::size_t>(best)] <= threshold))  // no grid point inside: the region is narrower
    {
        r.lower = r.upper = r.best;
        return r;
    }
    auto coord = [&](double x) { return log_axis ? std::log(x) : x; };
    auto uncoord = [&](double c) { return log_axis ? std::exp(c) : c; };
    // Crossing between grid points a (inside) and b (outside), linear in the axis coordinate.
    auto crossing = [&](std::ptrdiff_t a, std::ptrdiff_t b)
    {
        const double ya = chi2[static_cast<std::size_t>(a)], yb = chi2[static_cast<std::size_t>(b)];
        const double t = (threshold - ya) / (yb - ya);
        const double ca = coord(axis[static_cast<std::size_t>(a)]), cb = coord(axis[static_cast<std::size_t>(b)]);
        return uncoord(ca + t * (cb - ca));
    };
    std::ptrdiff_t lo = best, hi = best;
    while (lo > 0 && chi2[static_cast<std::size_t>(lo - 1)] <= threshold) --lo;
    while (hi + 1 < n && chi2[static_cast<std::size_t>(hi + 1)] <= threshold) ++hi;
    r.points_inside = static_cast<int>(hi - lo + 1);
    r.lower_at_edge = lo == 0;
    r.upper_at_edge = hi == n - 1;
    r.lower = r.lower_at_edge ? axis.front() : crossing(lo, lo - 1);
    r.upper = r.upper_at_edge ? axis.back() : crossing(hi, hi + 1);
    for (std::ptrdiff_t i = 0; i < n; ++i)
    {
        if ((i < lo || i > hi) && chi2[static_cast<std::size_t>(i)] <= threshold)
        {
            r.disjoint = true;
        }
    }
    return r;
}

std::string format_interval(const ProfileInterval& i)
{
    char buf[160];
    if (i.points_inside == 0)
    {
        std::snprintf(buf, sizeof buf, "%.3g  (no grid point inside: the region is narrower than the grid spacing)",
                      i.best);
        return buf;
    }
    if (!(i.best >= i.lower && i.best <= i.upper))
    {
        // The centre (the refined best fit, between grid points) lies outside the interval the grid's profile
        // gives: a ± would be negative. Say so instead of printing it.
        std::snprintf(buf, sizeof buf,
                      "[%.3g, %.3g]  (the best fit %.3g lies outside this interval of the grid's profile: the grid is "
                      "too coarse near the best fit; refine it)",
                      i.lower, i.upper, i.best);
        return buf;
    }
    // An end another axis's box sets is open: the other end is printed as a bound, and this one named.
    if (!i.lower_set_by.empty() || !i.upper_set_by.empty())
    {
        const bool lower_open = i.lower_at_edge || !i.lower_set_by.empty();
        const bool upper_open = i.upper_at_edge || !i.upper_set_by.empty();
        if (lower_open && upper_open) std::snprintf(buf, sizeof buf, "open at both ends  (best %.3g", i.best);
        else if (lower_open) std::snprintf(buf, sizeof buf, "< %.3g  (best %.3g", i.upper, i.best);
        else std::snprintf(buf, sizeof buf, "> %.3g  (best %.3g", i.lower, i.best);
        std::string text = buf;
        auto end_text = [&](const char* which, double at, const std::string& by, bool at_edge)
        {
            char b[160];
            if (!by.empty()) std::snprintf(b, sizeof b, "; the %s end %.3g is set by %s, not by the data", which, at, by.c_str());
            else if (at_edge) std::snprintf(b, sizeof b, "; region reaches the grid edge %.3g", at);
            else b[0] = 0;
            return std::string(b);
        };
        text += end_text("lower", i.lower, i.lower_set_by, i.lower_at_edge);
        text += end_text("upper", i.upper, i.upper_set_by, i.upper_at_edge);
        return text + ")";
    }
    if (i.lower_at_edge && !i.upper_at_edge)
    {
        std::snprintf(buf, sizeof buf, "< %.3g  (best %.3g; region reaches the grid edge %.3g)", i.upper, i.best,
                      i.lower);
    }
    else if (i.upper_at_edge && !i.lower_at_edge)
    {
        std::snprintf(buf, sizeof buf, "> %.3g  (best %.3g; region reaches the grid edge %.3g)", i.lower, i.best,
                      i.upper);
    }
    else
    {
        std::snprintf(buf, sizeof buf, "%.3g (+%.3g -%.3g)  [%.3g, %.3g]%s", i.best, i.upper - i.best, i.best - i.lower,
                      i.lower, i.upper, i.lower_at_edge ? "  (whole grid range)" : "");
    }
    std::string s = buf;
    if (i.disjoint)
    {
        s += "  (other disjoint regions also pass)";
    }
    return s;
}
}  // namespace zdscan
