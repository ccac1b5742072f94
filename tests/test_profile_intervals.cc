// 1σ intervals from 1-D profiles, against profiles with exactly known crossings.
#include <gtest/gtest.h>

#include <cmath>

#include "zdscan/scan/profile_intervals.hpp"

namespace zdscan
{
namespace
{
TEST(ProfileInterval, PiecewiseLinearProfileOnLinearAxis)
{
    // χ² = 2|x − 3|: Δχ² = 1 at x = 2.5 and 3.5; linear interpolation is exact for this profile.
    std::vector<double> x, y;
    for (int i = 0; i <= 60; ++i)
    {
        x.push_back(0.1 * i);
        y.push_back(2 * std::fabs(0.1 * i - 3));
    }
    const auto r = profile_interval(x, y, 1.0, false);
    EXPECT_NEAR(r.best, 3.0, 1e-12);
    EXPECT_NEAR(r.lower, 2.5, 1e-12);
    EXPECT_NEAR(r.upper, 3.5, 1e-12);
    EXPECT_FALSE(r.lower_at_edge || r.upper_at_edge || r.disjoint);
}

TEST(ProfileInterval, InterpolatesInLogOnLogAxis)
{
    // χ² = 4|ln(x/47)| + 0.007 on a log axis; the grid minimum sits a little above 0.007 (47 is no grid point),
    // so Δχ² = 1 is crossed where 4|ln(x/47)| = χ²_min + 1 − 0.007, exactly, since χ² is linear in ln x.
    std::vector<double> x, y;
    for (int i = 0; i <= 300; ++i)
    {
        const double v = std::pow(10.0, 3.0 * i / 300);
        x.push_back(v);
        y.push_back(4 * std::fabs(std::log(v / 47)) + 0.007);
    }
    const auto r = profile_interval(x, y, 1.0, true);
    EXPECT_NEAR(r.chi2_min, 4 * std::fabs(std::log(r.best / 47)) + 0.007, 1e-15);
    const double half_width = (r.chi2_min + 1 - 0.007) / 4;
    EXPECT_NEAR(r.lower, 47 * std::exp(-half_width), 1e-9);
    EXPECT_NEAR(r.upper, 47 * std::exp(half_width), 1e-9);
    EXPECT_NEAR(std::log(r.upper / r.lower), 0.5, 0.02);  // ≈ the continuum width ±1/4 in ln x
}

TEST(ProfileInterval, UpperLimitWhenRegionReachesTheEdge)
{
    // χ² = (x/0.002)² on [0, 0.01]: allowed region [0, 0.002], reported as an upper limit.
    std::vector<double> x, y;
    for (int i = 0; i <= 100; ++i)
    {
        x.push_back(1e-4 * i);
        y.push_back(std::pow(1e-4 * i / 0.002, 2));
    }
    const auto r = profile_interval(x, y, 1.0, false);
    EXPECT_TRUE(r.lower_at_edge);
    EXPECT_FALSE(r.upper_at_edge);
    EXPECT_NEAR(r.upper, 0.002, 1e-12);  // 0.002 is a grid point
    EXPECT_NE(format_interval(r).find("< 0.002"), std::string::npos) << format_interval(r);
}

TEST(ProfileInterval, FlagsDisjointRegions)
{
    const std::vector<double> x = {0, 1, 2, 3, 4, 5, 6};
    const std::vector<double> y = {5, 0.5, 0, 3, 5, 0.8, 4};
    const auto r = profile_interval(x, y, 1.0, false);
    EXPECT_TRUE(r.disjoint);
    EXPECT_NEAR(r.lower, 0 + (5 - 1.0) / (5 - 0.5), 1e-12);  // crossing of χ² = 1 between x = 0 and 1
    EXPECT_NEAR(r.upper, 2 + 1.0 / 3, 1e-12);
}

TEST(ProfileInterval, RejectsMismatchedInput)
{
    EXPECT_THROW(profile_interval({1, 2}, {1}, 1.0, false), std::invalid_argument);
    EXPECT_THROW(profile_interval({}, {}, 1.0, false), std::invalid_argument);
}
}  // namespace
}  // namespace zdscan
