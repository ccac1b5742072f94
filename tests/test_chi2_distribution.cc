// The summary's χ² statistics (util/chi2_distribution.hpp) against tabulated quantiles and closed forms.
#include <gtest/gtest.h>

#include <cmath>

#include "zdscan/util/chi2_distribution.hpp"

namespace zdscan
{
namespace
{
TEST(Chi2Distribution, SurvivalAtTabulatedQuantiles)
{
    // 95 % quantiles of χ²_k (Abramowitz & Stegun Table 26.8, five figures): Q(k, x₀.₉₅) = 0.05.
    EXPECT_NEAR(chi2_survival(3.8415, 1), 0.05, 1e-5);
    EXPECT_NEAR(chi2_survival(5.9915, 2), 0.05, 1e-5);
    EXPECT_NEAR(chi2_survival(7.8147, 3), 0.05, 1e-5);
    EXPECT_NEAR(chi2_survival(9.4877, 4), 0.05, 1e-5);
    EXPECT_NEAR(chi2_survival(18.307, 10), 0.05, 1e-5);
    // 99 % quantiles.
    EXPECT_NEAR(chi2_survival(6.6349, 1), 0.01, 1e-6);
    EXPECT_NEAR(chi2_survival(11.345, 3), 0.01, 1e-5);
    EXPECT_NEAR(chi2_survival(23.209, 10), 0.01, 1e-5);
}

TEST(Chi2Distribution, SurvivalClosedForms)
{
    for (double x : {1e-6, 0.3, 1.0, 4.0, 20.95, 80.0})
    {
        EXPECT_NEAR(chi2_survival(x, 1), std::erfc(std::sqrt(x / 2)), 1e-15) << x;
        EXPECT_NEAR(chi2_survival(x, 2), std::exp(-x / 2), 1e-15) << x;
        // k = 3: erfc(√(x/2)) + √(2x/π) e^{−x/2}; k = 4: (1 + x/2) e^{−x/2}.
        EXPECT_NEAR(chi2_survival(x, 3) / (std::erfc(std::sqrt(x / 2)) + std::sqrt(2 * x / M_PI) * std::exp(-x / 2)),
                    1.0, 1e-13)
            << x;
        EXPECT_NEAR(chi2_survival(x, 4) / ((1 + x / 2) * std::exp(-x / 2)), 1.0, 1e-13) << x;
    }
    EXPECT_EQ(chi2_survival(0.0, 3), 1.0);
    EXPECT_EQ(chi2_survival(-1.0, 3), 1.0);
    // Far tail: no underflow before the true value does (Q(1, 1400) ≈ 1e-306).
    EXPECT_GT(chi2_survival(1400.0, 1), 0.0);
}

TEST(Chi2Distribution, SignificanceInvertsTheGaussianTail)
{
    EXPECT_NEAR(significance_sigma(0.31731050786291415), 1.0, 1e-12);  // erfc(1/√2)
    EXPECT_NEAR(significance_sigma(0.0026997960632601866), 3.0, 1e-12);
    EXPECT_NEAR(significance_sigma(5.733031437583869e-7), 5.0, 1e-11);
    for (double z : {0.1, 2.0, 7.5, 20.0}) EXPECT_NEAR(significance_sigma(std::erfc(z / std::sqrt(2.0))), z, 1e-12 * z);
    EXPECT_EQ(significance_sigma(1.0), 0.0);
    EXPECT_TRUE(std::isinf(significance_sigma(0.0)));
    // One parameter: Q(1, Z²) is the p-value of Z σ.
    EXPECT_NEAR(significance_sigma(chi2_survival(9.0, 1)), 3.0, 1e-12);
}

TEST(Chi2Distribution, OneParameterDeltaChi2OfACl)
{
    EXPECT_NEAR(delta_chi2_one_dof(0.6826894921370859), 1.0, 1e-11);
    EXPECT_NEAR(delta_chi2_one_dof(0.90), 2.705543454095404, 1e-11);
    EXPECT_NEAR(delta_chi2_one_dof(0.95), 3.841458820694124, 1e-11);
}
}  // namespace
}  // namespace zdscan
