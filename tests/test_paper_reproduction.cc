// Acceptance: the default configuration (configs/paper2021.json, 256³ grid) reproduces the seed paper,
// eqs. 28–30: m_Zd = 47 (+61 −16) MeV, ε = 2.3 (+1.1 −0.4)e-3, δ < 2e-3, best δ = 7.9e-4, χ²_min = 0.007.
#include <gtest/gtest.h>

#include <cmath>

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

    // The SM point (ε = δ = 0) for the summary's Δχ²: every pull is (exp − sm)/√(σ_exp² + σ_sm²) of the config's
    // numbers, a closed form independent of the engine (χ²_SM = 20.95: a_μ 17.85, a_e 2.61, APV 0.45, Qweak 0.03).
    double sm_total = 0;
    const auto& ms = c.physics.measurements;
    ASSERT_EQ(out.pull_sm.size(), ms.size());
    ASSERT_EQ(out.pull_refined.size(), ms.size());
    for (std::size_t i = 0; i < ms.size(); ++i)
    {
        const double pull = (ms[i].exp - ms[i].sm) / std::hypot(ms[i].exp_sigma, ms[i].sm_sigma);
        EXPECT_NEAR(out.pull_sm[i], pull, 1e-9 * std::fabs(pull)) << ms[i].name;
        EXPECT_NEAR(out.sm.term[i], pull * pull, 2e-9 * pull * pull) << ms[i].name;
        sm_total += pull * pull;
    }
    EXPECT_NEAR(out.sm.total, sm_total, 1e-9 * sm_total);
    EXPECT_NEAR(out.sm.total, 20.95, 0.005);
    // The refined pulls square to the refined χ² terms (χ²_min = 0.0055).
    double refined_total = 0;
    for (double p : out.pull_refined) refined_total += p * p;
    EXPECT_NEAR(refined_total, out.refined.chi2, 1e-9);
}
}  // namespace
}  // namespace zdscan
