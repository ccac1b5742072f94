// Acceptance: the default configuration (configs/paper2021.json, 256³ grid) reproduces the seed paper,
// eqs. 28–30: m_Zd = 47 (+61 −16) MeV, ε = 2.3 (+1.1 −0.4)e-3, δ < 2e-3, best δ = 7.9e-4, χ²_min = 0.007.
#include <gtest/gtest.h>

#include "zdscan/scan/profile_intervals.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
TEST(PaperReproduction, DefaultScanGivesThePaperBestFitAndIntervals)
{
    const ScanConfig c = default_config();
    ScanOptions o;
    o.backend = Backend::cpu;
    const ScanOutput out = run_scan(c, o, {}, nullptr);

    // Best grid point (grid steps: 2.7 % in m and ε, 3.9e-5 in δ).
    EXPECT_GT(out.best.m_zd_mev, 40);
    EXPECT_LT(out.best.m_zd_mev, 55);
    EXPECT_GT(out.best.epsilon, 2.1e-3);
    EXPECT_LT(out.best.epsilon, 2.5e-3);
    EXPECT_GT(out.best.delta, 5e-4);
    EXPECT_LT(out.best.delta, 1.1e-3);
    EXPECT_LT(out.best.chi2, 0.02);

    // 1σ (Δχ² = 1) intervals, each profiled over the other two parameters.
    const auto m = profile_interval(out.m_zd_mev, out.profile_m, 1.0, true);
    EXPECT_NEAR(m.lower, 31, 2.0);   // 47 − 16
    EXPECT_NEAR(m.upper, 108, 5.0);  // 47 + 61
    const auto e = profile_interval(out.epsilon, out.profile_eps, 1.0, true);
    EXPECT_NEAR(e.lower, 1.9e-3, 0.1e-3);   // 2.3 − 0.4
    EXPECT_NEAR(e.upper, 3.4e-3, 0.15e-3);  // 2.3 + 1.1
    const auto d = profile_interval(out.delta, out.profile_delta, 1.0, false);
    EXPECT_TRUE(d.lower_at_edge);  // an upper limit: the region reaches δ = 0
    EXPECT_NEAR(d.upper, 2e-3, 0.15e-3);
}
}  // namespace
}  // namespace zdscan
