// The exact δ profile (--delta-profile exact): the root isolation on known polynomials, minima with closed forms,
// agreement with a 10⁶-point δ grid on every cell of a 64² scan, and results that do not depend on n_δ.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "scan_test_configs.hpp"
#include "zdscan/physics/exact_delta_minimum.hpp"
#include "zdscan/scan/cell_minimum.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
TEST(ExactDeltaMinimum, RootsOfKnownPolynomialsInTheUnitInterval)
{
    // (t + 0.5)(t − 0.3)(t − 0.9)(t² + 1) = t⁵ − 0.7t⁴ + 0.67t³ − 0.565t² − 0.33t + 0.135
    const double c[6] = {0.135, -0.33, -0.565, 0.67, -0.7, 1.0};
    double roots[5];
    ASSERT_EQ(detail::roots_in_unit_interval(c, 5, roots), 3);
    EXPECT_NEAR(roots[0], -0.5, 1e-15);
    EXPECT_NEAR(roots[1], 0.3, 1e-15);
    EXPECT_NEAR(roots[2], 0.9, 1e-15);
    // Roots outside (−1, 1) are not reported: (t − 2)(t + 3)(t − 0.25) = t³ + 0.75t² − 6.25t + 1.5
    const double d[6] = {1.5, -6.25, 0.75, 1.0, 0, 0};
    ASSERT_EQ(detail::roots_in_unit_interval(d, 5, roots), 1);
    EXPECT_NEAR(roots[0], 0.25, 1e-15);
    // A constant has none; neither does an identically zero polynomial.
    const double e[6] = {2, 0, 0, 0, 0, 0}, z[6] = {};
    EXPECT_EQ(detail::roots_in_unit_interval(e, 5, roots), 0);
    EXPECT_EQ(detail::roots_in_unit_interval(z, 5, roots), 0);
}

/// fast_root on one polynomial (coefficients in powers of t).
int fast_root_of(const double (&c)[6], double& root)
{
    double d[6][1];
    for (int k = 0; k < 6; ++k) d[k][0] = c[k];
    int status[1];
    double t[1];
    detail::fast_root<1>(d, status, t);
    root = t[0];
    return status[0];
}

TEST(ExactDeltaMinimum, BernsteinSignChangesSettleTheCommonCases)
{
    double root = 0;
    // One root: (t − 0.37)(t² + 4)(t² + 9) = t⁵ − 0.37t⁴ + 13t³ − 4.81t² + 36t − 13.32: one sign change, polished.
    const double one[6] = {-13.32, 36, -4.81, 13, -0.37, 1};
    ASSERT_EQ(fast_root_of(one, root), 1);
    EXPECT_NEAR(root, 0.37, 1e-15);
    // None: t⁵ − 9t⁴ + 28t³ − 36t² + 27t − 27 = (t² + 1)(t − 3)³ has its only real root outside.
    const double none[6] = {-27, 27, -36, 28, -9, 1};
    EXPECT_EQ(fast_root_of(none, root), 0);
    // Three roots (−0.5, 0.3, 0.9): several sign changes, undecided: the general method finds them.
    const double three[6] = {0.135, -0.33, -0.565, 0.67, -0.7, 1.0};
    EXPECT_EQ(fast_root_of(three, root), 2);
    double roots[5];
    ASSERT_EQ(detail::roots_in_unit_interval(three, 5, roots), 3);
    EXPECT_NEAR(roots[1], 0.3, 1e-15);
    // A double root at 0.2 ((t − 0.2)² (t² + 1)(t + 3)): no sign change of d; Bernstein says 0 or 2, not 1.
    const double twice[6] = {0.12, -1.16, 2.72, -0.16, 2.6, 1};
    EXPECT_NE(fast_root_of(twice, root), 1);
}

TEST(ExactDeltaMinimum, BatchedCpuPathGivesTheScalarBits)
{
    // The CPU engine solves the exact profile 64 cells at a time in its vectorised loop; the GPU and the other
    // callers solve one cell with the same template (exact_cell_minimum). Every cell: the same bits.
    ScanConfig c = default_config();
    c.m_zd_mev.n = 23;
    c.epsilon.n = 19;
    c.delta.n = 17;
    ScanOptions o;
    o.backend = Backend::cpu;
    o.delta_profile = DeltaProfile::grid;
    const ScanOutput grid = run_scan(c, o, nullptr, nullptr);
    o.delta_profile = DeltaProfile::exact;
    const ScanOutput exact = run_scan(c, o, nullptr, nullptr);
    const ScanProblem problem = make_scan_problem(c);
    const DeltaRange range = delta_range(problem.delta.data(), c.delta.n);
    for (std::size_t cell = 0; cell < exact.chi2_total.size(); ++cell)
    {
        const std::size_t im = cell / 19, ie = cell % 19;
        const MassTerms t = make_mass_terms(problem.observables, problem.m_zd_gev[im], &problem.mass_inputs[im * mass_inputs_per_mass]);
        const CellPulls pulls = cell_pulls(problem.observables, t, problem.epsilon[ie]);
        const DeltaMinimum e = exact_cell_minimum(pulls, range, problem.delta.data(), grid.chi2_total[cell],
                                                  grid.argmin_delta_index[cell]);
        ASSERT_EQ(exact.chi2_total[cell], e.chi2) << cell;
        ASSERT_EQ(exact.argmin_delta[cell], e.delta) << cell;
    }
}

CellPulls pulls_of(std::initializer_list<PullPolynomial> list)
{
    CellPulls p;
    for (const auto& q : list) p.p[p.n++] = q;
    p.n_enabled = p.n;
    return p;
}

TEST(ExactDeltaMinimum, ClosedFormMinima)
{
    const DeltaMinimum none{HUGE_VAL, 0};
    // Two linear pulls δ − a and δ − b: minimum (a − b)²/2 at (a + b)/2.
    const auto two = exact_delta_minimum(pulls_of({{{-0.001, 1, 0, 0}}, {{-0.004, 1, 0, 0}}}), 0, 0.01, none);
    EXPECT_NEAR(two.delta, 0.0025, 1e-17);
    EXPECT_NEAR(two.chi2, 0.0015 * 0.0015 * 2, 1e-20);
    // A cubic pull δ³ − δ on [0.2, 0.9]: |pull| falls towards δ = 1, so the minimum is the upper end.
    const auto end = exact_delta_minimum(pulls_of({{{0, -1, 0, 1}}}), 0.2, 0.9, none);
    EXPECT_EQ(end.delta, 0.9);
    EXPECT_NEAR(end.chi2, 0.029241, 1e-15 * 0.029241);  // (0.9³ − 0.9)² = 0.171², to a few ulps
    // The same pull on [−0.5, 0.5]: a zero at δ = 0, found as a root of dχ²/dδ.
    const auto zero = exact_delta_minimum(pulls_of({{{0.02, -1, 0, 1}}}), -0.5, 0.5, none);
    EXPECT_NEAR(zero.chi2, 0, 1e-30);
    EXPECT_NEAR(zero.delta * zero.delta * zero.delta - zero.delta + 0.02, 0, 1e-16);
    // No enabled pull: χ² ≡ 0 and the tie goes to the lowest δ.
    const auto flat = exact_delta_minimum(CellPulls{}, -0.004, 0.01, none);
    EXPECT_EQ(flat.chi2, 0);
    EXPECT_EQ(flat.delta, -0.004);
}

ScanOutput scan(ScanConfig c, int n_m, int n_eps, int n_delta, DeltaProfile profile)
{
    c.m_zd_mev.n = n_m;
    c.epsilon.n = n_eps;
    c.delta.n = n_delta;
    ScanOptions o;
    o.backend = Backend::cpu;
    o.delta_profile = profile;
    return run_scan(c, o, nullptr, nullptr);
}

TEST(ExactDeltaProfile, AgreesWithAMillionPointDeltaGridOnEveryCell)
{
    const ScanConfig c = default_config();
    const auto dense = scan(c, 64, 64, 1000000, DeltaProfile::grid);
    const auto exact = scan(c, 64, 64, 16, DeltaProfile::exact);
    double worst = 0;
    for (std::size_t cell = 0; cell < dense.chi2_total.size(); ++cell)
    {
        const double e = exact.chi2_total[cell], g = dense.chi2_total[cell];
        // Never above the dense grid (beyond rounding), and within 1e-9 of it: the dense grid's own error,
        // ½ χ'' (Δδ/2)² with Δδ = 10⁻⁸, is below that everywhere on this scan.
        EXPECT_LE(e, g * (1 + 1e-15)) << cell;
        worst = std::max(worst, (g - e) / g);
        EXPECT_LE(g - e, 1e-9 * g) << cell;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", worst);
    RecordProperty("worst_relative", text);
}

TEST(ExactDeltaProfile, WithMesonDecaysAgreesWithADenseDeltaGrid)
{
    // The meson decays' pulls (linear and quadratic in δ′, chi2.hpp) unchanged through the exact profile: never above a
    // 4·10⁵-point δ grid over ±0.001, and within its own error there (½ χ'' (Δδ/2)², χ'' up to ~1e9 in the K⁺ → π⁺
    // valley: ~1e-9 absolute).
    ScanConfig c = test::small_meson_config(2, 2, 2);
    c.delta.min = -0.001;
    c.delta.max = 0.001;
    const auto dense = scan(c, 24, 24, 400001, DeltaProfile::grid);
    const auto exact = scan(c, 24, 24, 16, DeltaProfile::exact);
    double worst = 0;
    int inside = 0;
    for (std::size_t cell = 0; cell < dense.chi2_total.size(); ++cell)
    {
        const double e = exact.chi2_total[cell], g = dense.chi2_total[cell];
        EXPECT_LE(e, g * (1 + 1e-15)) << cell;
        EXPECT_LE(g - e, 1e-9 * g + 2e-9) << cell;
        worst = std::max(worst, (g - e) / (g + 1));
        // The minimum inside the range (not at an end): where the meson pulls pull δ away from the ends.
        inside += exact.argmin_delta[cell] > c.delta.min && exact.argmin_delta[cell] < c.delta.max;
    }
    EXPECT_GT(inside, 100);
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", worst);
    RecordProperty("worst_relative_to_chi2_plus_1", text);
}

TEST(ExactDeltaProfile, BestFitAndProfilesDoNotDependOnTheDeltaGrid)
{
    const ScanConfig c = default_config();
    const auto coarse = scan(c, 24, 24, 9, DeltaProfile::exact);
    const auto fine = scan(c, 24, 24, 257, DeltaProfile::exact);
    for (std::size_t cell = 0; cell < coarse.chi2_total.size(); ++cell)
    {
        EXPECT_NEAR(coarse.chi2_total[cell], fine.chi2_total[cell], 1e-12 * fine.chi2_total[cell]) << cell;
    }
    EXPECT_EQ(coarse.best.i_m, fine.best.i_m);
    EXPECT_EQ(coarse.best.i_eps, fine.best.i_eps);
    EXPECT_NEAR(coarse.best.delta, fine.best.delta, 1e-12);
    EXPECT_NEAR(coarse.refined.chi2, fine.refined.chi2, 1e-12 * fine.refined.chi2);
    EXPECT_NEAR(coarse.refined.m_zd_mev, fine.refined.m_zd_mev, 1e-6 * fine.refined.m_zd_mev);
    EXPECT_NEAR(coarse.refined.epsilon, fine.refined.epsilon, 1e-6 * fine.refined.epsilon);
    for (std::size_t i = 0; i < coarse.profile_m.size(); ++i)
    {
        EXPECT_NEAR(coarse.profile_m[i], fine.profile_m[i], 1e-12 * fine.profile_m[i]);
    }
    // The grid profile does depend on n_δ: 9 points miss the minimum by far more.
    const auto grid = scan(c, 24, 24, 9, DeltaProfile::grid);
    double worst = 0;
    for (std::size_t cell = 0; cell < grid.chi2_total.size(); ++cell)
    {
        worst = std::max(worst, (grid.chi2_total[cell] - fine.chi2_total[cell]) / fine.chi2_total[cell]);
    }
    EXPECT_GT(worst, 1e-3);
}
}  // namespace
}  // namespace zdscan
