// Leading-order MS-bar running of ŝ²(Q) (shared/physics/ew-notes.md §2.2).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/running_sin2.hpp"

namespace zdscan
{
namespace
{
namespace c = constants;

TEST(RunningSin2, ExactAtZeroAndAtMz)
{
    const auto run = make_running_sin2(c::s2w_mz, c::s2w_0, c::alpha_hat_mz);
    EXPECT_DOUBLE_EQ(sin2_msbar(run, 0.0), c::s2w_0);
    EXPECT_DOUBLE_EQ(sin2_msbar(run, 1e-6), c::s2w_0);  // flat below m_e
    EXPECT_NEAR(sin2_msbar(run, c::m_z_gev), c::s2w_mz, 1e-15);
}

TEST(RunningSin2, MonotoneDecreasingUpToMz)
{
    const auto run = make_running_sin2(c::s2w_mz, c::s2w_0, c::alpha_hat_mz);
    double prev = sin2_msbar(run, 0.0);
    for (int i = 0; i <= 2000; ++i)
    {
        const double q = std::pow(10.0, -4 + (std::log10(c::m_z_gev) + 4) * i / 2000);
        const double s2 = sin2_msbar(run, q);
        EXPECT_LE(s2, prev) << q;
        prev = s2;
    }
}

TEST(RunningSin2, ContinuousAcrossThresholds)
{
    const auto run = make_running_sin2(c::s2w_mz, c::s2w_0, c::alpha_hat_mz);
    for (int k = 0; k + 1 < run.n_regions; ++k)
    {
        const double q = run.q_low_gev[k];
        EXPECT_NEAR(sin2_msbar(run, q * (1 + 1e-12)), sin2_msbar(run, q * (1 - 1e-12)), 1e-12) << q;
    }
}

TEST(RunningSin2, ReproducesIndependentCalibration)
{
    // ew-notes §2.2 (independent Python run, same scheme, ŝ²(M_Z) = 0.23122, target ŝ²(0) = 0.23857):
    // m_q = 0.378 GeV and the tabulated values to their 5 printed digits.
    const auto run = make_running_sin2(0.23122, 0.23857, c::alpha_hat_mz);
    EXPECT_NEAR(run.light_quark_threshold_gev, 0.378, 0.0005);
    const double table[][2] = {{2.4e-3, 0.23854}, {c::m_mu_gev, 0.23847},  {0.157, 0.23846},
                               {1.0, 0.23759},    {c::m_tau_gev, 0.23699}, {10.0, 0.23465}};
    for (const auto& row : table)
    {
        EXPECT_NEAR(sin2_msbar(run, row[0]), row[1], 0.6e-5) << row[0];
    }
}

TEST(RunningSin2, LeptonOnlyRegionRunsTowardQuarterAndFullTowardThreeEighths)
{
    // Fixed points λ = Σ N_c Q T3 / (2 Σ N_c Q²): 1/4 with leptons only, 3/8 with full generations.
    const auto run = make_running_sin2(c::s2w_mz, c::s2w_0, c::alpha_hat_mz);
    EXPECT_DOUBLE_EQ(run.fixed_point[run.n_regions - 2], 0.25);  // e only
    EXPECT_DOUBLE_EQ(run.fixed_point[0], 0.375);  // e μ τ u c d s b: 5 / (2 · 20/3), as for full generations
}

TEST(RunningSin2, RejectsUnreachableTarget)
{
    EXPECT_THROW(make_running_sin2(c::s2w_mz, 0.25, c::alpha_hat_mz), std::invalid_argument);
}
}  // namespace
}  // namespace zdscan
