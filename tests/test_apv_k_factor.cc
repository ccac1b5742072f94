// K(133Cs; m): the APV suppression factor for a light Z_d (seed paper, text after eq. 26).
#include <gtest/gtest.h>

#include <cmath>

#include "zdscan/physics/apv_k_factor.hpp"
#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/gauss_legendre.hpp"

namespace zdscan
{
namespace
{
const AxialElectronDensity& cesium()
{
    static const AxialElectronDensity w(constants::cs133_z, constants::cs133_r_p_fm);
    return w;
}

TEST(ApvKFactor, PaperValues)
{
    // "K ≃ 0.5 for m ≈ 2.4 MeV, while K ≃ 0.83, 1 for m ≃ 20, 100 MeV" (seed paper, after eq. 26).
    EXPECT_NEAR(apv_k_factor(cesium(), 2.4), 0.50, 0.02);
    EXPECT_NEAR(apv_k_factor(cesium(), 20), 0.83, 0.02);
    const double k100 = apv_k_factor(cesium(), 100);
    EXPECT_GE(k100, 0.97);
    EXPECT_LE(k100, 1.0);
}

TEST(ApvKFactor, ContactLimitAboveOneGeV)
{
    double prev = apv_k_factor(cesium(), 1000);
    EXPECT_GT(prev, 0.999);
    for (double m : {3e3, 1e4, 1e5, 1e6})
    {
        const double k = apv_k_factor(cesium(), m);
        EXPECT_GT(k, prev);
        EXPECT_LE(k, 1.0);
        prev = k;
    }
    EXPECT_NEAR(prev, 1.0, 1e-7);
}

TEST(ApvKFactor, AgreesWithIndependentDiracSolution)
{
    // shared/physics/apv-notes.md §1.3: an independent pure-Python RK4 solution of the same definition,
    // printed to 4 digits.
    const double table[][2] = {{0.1, 0.0247},   {0.5012, 0.1969}, {1, 0.3310},   {2.512, 0.5111}, {10, 0.7408},
                               {19.95, 0.8369}, {50.12, 0.9344},  {100, 0.9752}, {316.2, 0.9969}, {1000, 0.9997}};
    for (const auto& row : table)
    {
        EXPECT_NEAR(apv_k_factor(cesium(), row[0]), row[1], 1.5e-4) << row[0];
    }
}

TEST(ApvKFactor, MonotoneIncreasing)
{
    double prev = 0;
    for (int i = 0; i <= 100; ++i)
    {
        const double k = apv_k_factor(cesium(), std::pow(10.0, -1 + 5.0 * i / 100));
        EXPECT_GT(k, prev);
        prev = k;
    }
}

TEST(ApvKFactor, AxialDensityInsideNucleusMatchesPerturbativeForm)
{
    // Inside a uniform sphere, to O((Zα)²): w/r² = 1 − (Zα)²[(1/2)(r/R)² − (1/10)(r/R)⁴ + (1/150)(r/R)⁶]
    // (apv-notes §2.3); the all-orders solution lies below it by the (Zα)⁴ term, ≲ 2e-3 here.
    const auto& w = cesium();
    const double za = constants::cs133_z * constants::alpha, radius = w.sphere_radius_fm();
    for (double r : {0.5, 2.0, 4.0, radius})
    {
        const double x2 = r * r / (radius * radius);
        const double poly = 1 - za * za * (x2 / 2 - x2 * x2 / 10 + x2 * x2 * x2 / 150);
        EXPECT_NEAR(w(r) / (r * r), poly, 2.5e-3) << r;
        EXPECT_LT(w(r) / (r * r), poly) << r;
    }
    EXPECT_NEAR(w(1e-3) / 1e-6, 1.0, 1e-6);
}

TEST(YukawaSmearedSphere, ClosedFormMatchesNumericalFold)
{
    // Φ/ρ0 = (m/(2r)) ∫_0^R dr' r' [e^{−m|r−r'|} − e^{−m(r+r')}], by quadrature split at r' = r.
    const double radius = 6.2;
    for (double m : {0.01, 0.3, 2.0, 20.0})
    {
        for (double r : {0.1, 3.0, 6.1, 6.3, 12.0, 40.0})
        {
            auto kernel = [&](double rp) { return rp * (std::exp(-m * std::fabs(r - rp)) - std::exp(-m * (r + rp))); };
            const double split = std::min(r, radius);
            double fold = 0;
            for (int p = 0; p < 64; ++p)  // 64 panels per side resolve e^{−m|r−r'|} for these m
            {
                fold += gauss_legendre_12(split * p / 64, split * (p + 1) / 64, kernel);
                if (r < radius)
                {
                    fold += gauss_legendre_12(r + (radius - r) * p / 64, r + (radius - r) * (p + 1) / 64, kernel);
                }
            }
            fold *= m / (2 * r);
            EXPECT_NEAR(yukawa_smeared_sphere(r, radius, m), fold, 1e-12 + 1e-11 * fold) << m << " " << r;
        }
    }
}

TEST(YukawaSmearedSphere, IntegratesToOne)
{
    // ∫ d³r Φ_m = ∫ d³r ρ_N = 1 (the kernel is normalised): 4π ρ0 ∫ r² Φ/ρ0 dr = 3/R³ ∫ r² Φ/ρ0 dr.
    const double radius = 6.2;
    for (double m : {0.05, 1.0, 30.0})
    {
        auto f = [&](double r) { return r * r * yukawa_smeared_sphere(r, radius, m); };
        // Inside, Φ changes within 1/m of the surface: grade toward it.
        double total = integrate_graded_toward_zero(radius, 1 / m, [&](double v) { return f(radius - v); });
        for (double a = radius; a < radius + 60 / m; a += 1 / m)
        {
            total += gauss_legendre_12(a, a + 1 / m, f);
        }
        EXPECT_NEAR(3 / (radius * radius * radius) * total, 1.0, 1e-10) << m;
    }
}

TEST(ApvKModel, ContactAndTableKinds)
{
    ApvKModel contact;
    contact.kind = ApvKModel::Kind::contact;
    for (double k : apv_k_factors(contact, {0.5, 47, 1e4}))
    {
        EXPECT_EQ(k, 1.0);
    }
    ApvKModel table;
    table.kind = ApvKModel::Kind::table;
    table.m_mev = {1, 10, 100};
    table.k = {0.3, 0.7, 0.9};
    const auto k = apv_k_factors(table, {0.5, 1, std::sqrt(10.0), 10, 1000});
    EXPECT_DOUBLE_EQ(k[0], 0.3);  // constant below the table
    EXPECT_DOUBLE_EQ(k[1], 0.3);
    EXPECT_NEAR(k[2], 0.5, 1e-15);  // linear in ln m: halfway between 1 and 10
    EXPECT_DOUBLE_EQ(k[3], 0.7);
    EXPECT_DOUBLE_EQ(k[4], 0.9);  // constant above
}
}  // namespace
}  // namespace zdscan
