/// Toy-based Feldman–Cousins regions and coverage (stats/coverage.hpp, toy_refit.hpp, util/philox.hpp): the
/// generator against Random123's known answers, the Gaussian deviates' moments, Wilks' thresholds recovered where
/// Wilks is exact, the Feldman–Cousins departure at a physical boundary, and numbers that do not depend on threads,
/// batches or the CPU's vectorised path.
#include <gtest/gtest.h>

#include "cuda_required.hpp"

#include <cmath>
#include <vector>

#include "zdscan/io/config.hpp"
#include "zdscan/scan/scan_engine.hpp"
#include "zdscan/stats/coverage.hpp"
#include "zdscan/stats/toy_backend.hpp"
#include "zdscan/util/chi2_distribution.hpp"
#include "zdscan/util/philox.hpp"

namespace zdscan
{
namespace
{
// Random123's tests/kat_vectors, the three "philox4x32 10" lines: counter, key, result.
TEST(Philox, KnownAnswers)
{
    struct Kat
    {
        Philox4x32 ctr;
        std::uint32_t k0, k1;
        Philox4x32 want;
    };
    const Kat kats[] = {
        {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
        {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}}, 0xffffffff, 0xffffffff,
         {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
        {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, 0xa4093822, 0x299f31d0,
         {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
    };
    for (const Kat& k : kats)
    {
        const Philox4x32 got = philox4x32_10(k.ctr, k.k0, k.k1);
        for (int i = 0; i < 4; ++i) EXPECT_EQ(got.v[i], k.want.v[i]);
    }
}

TEST(Philox, PortableLogMatchesLibm)
{
    double worst = 0;
    for (double x = 1e-300; x < 1e300; x *= 1.37)
        worst = std::fmax(worst, std::fabs(portable_log(x) - std::log(x)) / std::fmax(1.0, std::fabs(std::log(x))));
    for (double x = 0.5; x < 2.0; x += 1e-4)  // near 1, relative to ln x itself
        if (x != 1.0) worst = std::fmax(worst, std::fabs(portable_log(x) / std::log(x) - 1));
    EXPECT_LT(worst, 1e-15);
    EXPECT_EQ(portable_log(1.0), 0.0);
}

TEST(Philox, NormalDeviatesHaveUnitMomentsAndAreReproducible)
{
    const int n_toys = 50000, per = 5;
    double sum = 0, sum2 = 0, sum4 = 0, beyond = 0;
    double z[per];
    for (int t = 0; t < n_toys; ++t)
    {
        toy_normals(7, 123, static_cast<std::uint32_t>(t), per, z);
        for (double v : z)
        {
            sum += v;
            sum2 += v * v;
            sum4 += v * v * v * v;
            beyond += std::fabs(v) > 1.959963984540054;
        }
    }
    const double n = n_toys * per;
    EXPECT_NEAR(sum / n, 0.0, 5 / std::sqrt(n));
    EXPECT_NEAR(sum2 / n, 1.0, 5 * std::sqrt(2 / n));
    EXPECT_NEAR(sum4 / n, 3.0, 5 * std::sqrt(96 / n));          // Var(z⁴) = 105 − 9
    EXPECT_NEAR(beyond / n, 0.05, 5 * std::sqrt(0.05 * 0.95 / n));
    double a[per], b[per], c[per];
    toy_normals(7, 123, 9, per, a);
    toy_normals(7, 123, 9, per, b);
    toy_normals(8, 123, 9, per, c);
    for (int i = 0; i < per; ++i)
    {
        EXPECT_EQ(a[i], b[i]);
        EXPECT_NE(a[i], c[i]);
    }
    double first3[3];
    toy_normals(7, 123, 9, 3, first3);  // a toy's deviates are a fixed sequence, whatever their number
    for (int i = 0; i < 3; ++i) EXPECT_EQ(first3[i], a[i]);
}

TEST(Coverage, SummaryOfToysByOrderStatistics)
{
    std::vector<double> t;
    for (int i = 100; i >= 1; --i) t.push_back(0.1 * i);  // 0.1 … 10, reversed
    CoveragePoint p;
    summarise_toys(t, {0.9}, {wilks_two_dof(0.9)}, p);
    EXPECT_DOUBLE_EQ(p.crit[0], 9.0);  // t_(90)
    // ranks 90 ± 3: t_(87) and t_(93)
    EXPECT_NEAR(p.crit_error[0], 0.5 * (9.3 - 8.7), 1e-12);
    // Wilks at 90 %: −2 ln 0.1 = 4.605; 46 of the 100 values are at or below it.
    EXPECT_DOUBLE_EQ(p.wilks_coverage[0], 0.46);
    EXPECT_NEAR(wilks_two_dof(0.682689492137086), 2.2957489, 1e-6);
    EXPECT_NEAR(wilks_two_dof(0.95), 5.9914645, 1e-6);
}

/// A model grid: pull_1 = x1 − a over the a axis, pull_2 = x2 − b over the b axis (one b value: b is fixed),
/// pull_3 = x3 − δ over a wide δ range (a profiled nuisance).
CoverageGrid linear_grid(double a_lo, double a_hi, int n_a, double b_lo, double b_hi, int n_b, double x1, double x2,
                         double x3)
{
    CoverageGrid g;
    for (int i = 0; i < n_a; ++i) g.m_zd_mev.push_back(n_a > 1 ? a_lo + (a_hi - a_lo) * i / (n_a - 1) : a_lo);
    for (int j = 0; j < n_b; ++j) g.epsilon.push_back(n_b > 1 ? b_lo + (b_hi - b_lo) * j / (n_b - 1) : b_lo);
    g.delta_lo = -50;
    g.delta_hi = 50;
    g.n_pulls = 3;
    for (double a : g.m_zd_mev)
        for (double b : g.epsilon)
        {
            const double cell[12] = {x1 - a, 0, 0, 0, x2 - b, 0, 0, 0, x3, -1, 0, 0};
            g.coef.insert(g.coef.end(), cell, cell + 12);
        }
    index_coverage_grid(g, 0);
    return g;
}

std::int64_t cell_of(const CoverageGrid& g, double a, double b)
{
    std::size_t i = 0, j = 0;
    for (std::size_t k = 0; k < g.m_zd_mev.size(); ++k)
        if (std::fabs(g.m_zd_mev[k] - a) < std::fabs(g.m_zd_mev[i] - a)) i = k;
    for (std::size_t k = 0; k < g.epsilon.size(); ++k)
        if (std::fabs(g.epsilon[k] - b) < std::fabs(g.epsilon[j] - b)) j = k;
    return static_cast<std::int64_t>(i * g.epsilon.size() + j);
}

CoverageResult run_at(const CoverageGrid& g, std::vector<std::int64_t> cells, std::int64_t toys,
                      const std::vector<double>& cl, int threads = 0, int per_batch = 16)
{
    CoverageOptions o;
    o.toys = toys;
    o.cl = cl;
    o.seed = 20261206;
    o.threads = threads;
    o.points_per_batch = per_batch;
    o.points.rule = CoveragePoints::Rule::listed;
    o.points.cells = std::move(cells);
    return run_coverage(g, o);
}

// Two parameters entering linearly with Gaussian errors and a profiled nuisance: Wilks' theorem is exact, so the
// toys' critical values are the χ²₂ quantiles 2.30, 4.61, 5.99 and the Wilks regions cover exactly.
TEST(Coverage, LinearGaussianModelRecoversWilks)
{
    const CoverageGrid g = linear_grid(-7, 7, 141, -7, 7, 141, 0.3, -0.2, 0.1);  // steps 0.1: bias ≤ 2 × 0.05²
    const std::vector<double> cl = {0.682689492137086, 0.90, 0.95};
    const std::int64_t toys = 20000;
    const auto point = cell_of(g, 0.0, 0.0);
    const CoverageResult r = run_at(g, {point}, toys, cl);
    const double want[3] = {2.2957, 4.6052, 5.9915};
    for (std::size_t k = 0; k < cl.size(); ++k)
    {
        const double crit = r.crit[k][static_cast<std::size_t>(point)];
        const double err = r.crit_error[k][static_cast<std::size_t>(point)];
        EXPECT_GT(err, 0);
        EXPECT_NEAR(crit, want[k], 3 * err + 0.01) << "CL " << cl[k];
        EXPECT_NEAR(r.wilks_coverage[k][static_cast<std::size_t>(point)], cl[k],
                    3 * std::sqrt(cl[k] * (1 - cl[k]) / toys) + 0.003);
    }
    // The pruned walk refits a small part of the 19881 cells.
    EXPECT_LT(r.mean_cells_fitted[static_cast<std::size_t>(point)], 0.25 * g.n_cells());
}

// One parameter with a physical boundary a ≥ 0 (Feldman & Cousins 1998, the Gaussian with a boundary): at a = 0 the
// statistic is ½ δ(0) + ½ χ²₁, so t_CL = (Φ⁻¹(CL))²: 0.2259 at 68.27 %, 1.6424 at 90 % and 2.7055 at 95 %, below
// Wilks' χ²₁ values 1, 2.7055 and 3.8415; far from the boundary (a = 3) they are Wilks' again.
TEST(Coverage, PhysicalBoundaryGivesTheFeldmanCousinsDeparture)
{
    const CoverageGrid g = linear_grid(0, 8, 801, 0, 0, 1, 0.5, 0, 0.1);
    const std::vector<double> cl = {0.682689492137086, 0.90, 0.95};
    const std::int64_t toys = 20000;
    const auto at_boundary = cell_of(g, 0, 0), inside = cell_of(g, 3, 0);
    const CoverageResult r = run_at(g, {at_boundary, inside}, toys, cl);
    const double boundary_want[3] = {0.2259, 1.6424, 2.7055}, wilks_one_dof[3] = {1.0, 2.7055, 3.8415};
    for (std::size_t k = 0; k < cl.size(); ++k)
    {
        const auto b = static_cast<std::size_t>(at_boundary), i = static_cast<std::size_t>(inside);
        EXPECT_NEAR(r.crit[k][b], boundary_want[k], 3 * r.crit_error[k][b] + 0.005) << "CL " << cl[k];
        EXPECT_NEAR(r.crit[k][i], wilks_one_dof[k], 3 * r.crit_error[k][i] + 0.005) << "CL " << cl[k];
        EXPECT_NEAR(wilks_one_dof[k], delta_chi2_one_dof(cl[k]), 1e-3);
    }
}

// A fixed seed gives fixed numbers: the same for 1 and 2 threads and any batch size, and the CPU's blocked,
// vectorised refit gives the same t as the scalar one of toy_refit.hpp (what a GPU thread runs) and as a visit of
// every cell, bit for bit, also for a toy far in its tail.
TEST(Coverage, NumbersDependOnlyOnSeedCellAndToy)
{
    ScanConfig config = default_config();
    config.m_zd_mev.n = 40;
    config.epsilon.n = 36;
    config.delta.n = 8;
    const CoverageGrid g = make_coverage_grid(config, 0);
    CoverageOptions o;
    o.toys = 64;
    o.seed = 99;
    o.points.rule = CoveragePoints::Rule::near_contour;
    o.threads = 1;
    o.points_per_batch = 5;
    const CoverageResult a = run_coverage(g, o);
    o.threads = 2;
    o.points_per_batch = 16;
    const CoverageResult b = run_coverage(g, o);
    ASSERT_GT(a.tested.size(), 20u);
    EXPECT_EQ(a.tested, b.tested);
    for (std::size_t k = 0; k < a.cl.size(); ++k)
    {
        for (std::int64_t c : a.tested)
        {
            const auto i = static_cast<std::size_t>(c);
            EXPECT_EQ(a.crit[k][i], b.crit[k][i]);
            EXPECT_EQ(a.wilks_coverage[k][i], b.wilks_coverage[k][i]);
            EXPECT_EQ(a.fc_region[k][i], b.fc_region[k][i]);
        }
    }
    const ToyGrid view = g.view();
    int compared = 0;
    for (std::size_t p = 0; p < a.tested.size(); p += 7)
    {
        const std::int64_t cell = a.tested[p];
        for (std::uint32_t toy = 0; toy < 16; ++toy)
        {
            double z[max_measurements], shift[max_measurements];
            toy_normals(99, static_cast<std::uint64_t>(cell), toy, g.n_pulls, z);
            if (toy == 15) z[0] = 12;  // far in the tail: past the neighbourhood
            const double norm = toy_shift(view, cell, g.delta[static_cast<std::size_t>(cell)], z, shift);
            const ToyFit scalar = toy_refit(view, cell, shift, norm);
            const ToyFit blocked = toy_refit_blocks(g, cell, shift, norm);
            EXPECT_EQ(scalar.dchi2, blocked.dchi2) << "cell " << cell << " toy " << toy;
            // Both find the minimum an unpruned visit of every cell finds (ties to the lowest cell), refined there.
            double lowest = HUGE_VAL;
            std::int64_t argmin = 0, unused = 0;
            for (std::int64_t c = 0; c < g.n_cells(); ++c)
            {
                const double v = toy_cell_profile(view, c, shift).chi2;
                if (v < lowest) lowest = v, argmin = c;
            }
            EXPECT_EQ(scalar.dchi2,
                      toy_cell_profile(view, cell, shift).chi2 - refined_minimum(view, argmin, lowest, shift, unused));
            ++compared;
        }
    }
    EXPECT_GT(compared, 50);
}

// The refinement between grid points (issue 27) is exact for a quadratic χ², also with a correlation between the
// axes: on a coarse grid (steps of 1) the refined minimum of pulls x1 − a − c b and x2 − b is 0 at every toy whose
// minimum lies inside the grid (c = 0.6 gives the Hessian its off-diagonal term), so t is the continuous Δχ².
TEST(Coverage, RefinedMinimumIsExactForAQuadratic)
{
    for (double c : {0.0, 0.6})
    {
        CoverageGrid g;
        for (int i = 0; i <= 12; ++i) g.m_zd_mev.push_back(-6.0 + i), g.epsilon.push_back(-6.0 + i);
        g.delta_lo = -50;
        g.delta_hi = 50;
        g.n_pulls = 3;
        for (double a : g.m_zd_mev)
            for (double b : g.epsilon)
            {
                const double cell[12] = {0.3 - a - c * b, 0, 0, 0, -0.2 - b, 0, 0, 0, 0.1, -1, 0, 0};
                g.coef.insert(g.coef.end(), cell, cell + 12);
            }
        index_coverage_grid(g, 0);
        EXPECT_NEAR(g.chi2_min_refined, 0.0, 1e-12) << c;  // the data's continuous minimum
        EXPECT_GT(g.chi2_min, 0.01) << c;                  // which the grid misses
        const ToyGrid view = g.view();
        for (std::uint32_t toy = 0; toy < 50; ++toy)
        {
            double z[max_measurements], shift[max_measurements];
            toy_normals(7, 77, toy, g.n_pulls, z);
            const std::int64_t point = cell_of(g, 0.0, 0.0);
            const double norm = toy_shift(view, point, 0.1, z, shift);
            const ToyFit fit = toy_refit(view, point, shift, norm);
            // The continuous minimum is 0 (the shifted pulls vanish somewhere inside): t = chi2 at the point.
            EXPECT_NEAR(fit.dchi2, toy_cell_profile(view, point, shift).chi2, 1e-9) << c << " toy " << toy;
            EXPECT_EQ(fit.dchi2, toy_refit_blocks(g, point, shift, norm).dchi2);
        }
    }
}

// Issue 27: with the grid minimum, t had an atom at 0 (15 % of the toys at 32² at the best cell) and the critical
// values moved with the grid (2.21 at 32², 2.43 at 64²: this test fails so without refined_minimum). Refined, they
// agree within their Monte Carlo errors.
TEST(Coverage, CriticalValuesDoNotDependOnTheGrid)
{
    const std::vector<double> cl = {0.682689492137086, 0.90};
    const std::int64_t toys = 4000;
    std::vector<double> crit[2], err[2];
    for (int n : {32, 64, 128})
    {
        ScanConfig config = default_config();
        config.m_zd_mev.n = n;
        config.epsilon.n = n;
        config.delta.n = 8;
        const CoverageGrid g = make_coverage_grid(config, 0);
        const std::int64_t point = g.order[0];  // the data's best cell, where the grid's atom was largest
        const CoverageResult r = run_at(g, {point}, toys, cl);
        for (std::size_t k = 0; k < cl.size(); ++k)
        {
            crit[k].push_back(r.crit[k][static_cast<std::size_t>(point)]);
            err[k].push_back(r.crit_error[k][static_cast<std::size_t>(point)]);
        }
    }
    for (std::size_t k = 0; k < cl.size(); ++k)
        for (std::size_t a = 1; a < 3; ++a)
            EXPECT_NEAR(crit[k][a], crit[k][0], 3 * std::hypot(err[k][a], err[k][0]))
                << "CL " << cl[k] << ": " << crit[k][0] << " (32^2) against " << crit[k][a];
}

// With the data's pulls at the tested point, the toy's pulls there are z exactly: s = z − q(δ₀).
TEST(Coverage, ToyShiftPutsThePseudoDataAtTheModel)
{
    const CoverageGrid g = linear_grid(-1, 1, 5, -1, 1, 5, 0.3, -0.2, 0.1);
    const ToyGrid view = g.view();
    const std::int64_t cell = cell_of(g, 0.5, -0.5);
    const double z[3] = {0.7, -1.1, 0.4};
    double shift[3];
    const double norm = toy_shift(view, cell, g.delta[static_cast<std::size_t>(cell)], z, shift);
    // Data pulls at (0.5, −0.5), δ₀ = 0.1: (−0.2, 0.3, 0); so s = z − q.
    EXPECT_NEAR(shift[0], 0.9, 1e-15);
    EXPECT_NEAR(shift[1], -1.4, 1e-15);
    EXPECT_NEAR(shift[2], 0.4, 1e-15);
    EXPECT_NEAR(norm, std::sqrt(0.81 + 1.96 + 0.16), 1e-15);
}
}  // namespace
}  // namespace zdscan

namespace zdscan
{
namespace
{
/// The toys of the paper's grid on a backend; the crit and coverage maps.
CoverageResult toys_on(ToyBackend* backend, const CoverageGrid& g)
{
    CoverageOptions o;
    o.toys = 48;
    o.seed = 3;
    o.backend = backend;
    o.points.rule = CoveragePoints::Rule::near_contour;
    return run_coverage(g, o);
}

void expect_same_numbers(const CoverageResult& a, const CoverageResult& b)
{
    ASSERT_EQ(a.tested, b.tested);
    ASSERT_GT(a.tested.size(), 20u);
    for (std::size_t k = 0; k < a.cl.size(); ++k)
        for (std::int64_t c : a.tested)
        {
            const auto i = static_cast<std::size_t>(c);
            EXPECT_EQ(a.crit[k][i], b.crit[k][i]) << "cell " << c;
            EXPECT_EQ(a.crit_error[k][i], b.crit_error[k][i]) << "cell " << c;
            EXPECT_EQ(a.wilks_coverage[k][i], b.wilks_coverage[k][i]) << "cell " << c;
        }
}

CoverageGrid small_paper_grid()
{
    ScanConfig config = default_config();
    config.m_zd_mev.n = 32;
    config.epsilon.n = 30;
    config.delta.n = 8;
    return make_coverage_grid(config, 0);
}

// The device kernel, run on the CPU through its emulation, gives the CPU backend's numbers bit for bit.
TEST(Coverage, CpuAndEmulatedCudaToysAgree)
{
    const CoverageGrid g = small_paper_grid();
    const auto cpu = make_cpu_toys(g, 0);
    const auto emulated = make_emulated_cuda_toys(g.view(), g.delta.data());
    expect_same_numbers(toys_on(cpu.get(), g), toys_on(emulated.get(), g));
}

// On a GPU (skipped without one): the CUDA toy kernel gives the CPU backend's numbers bit for bit.
TEST(Coverage, CpuAndCudaToysAgree)
{
    ZDSCAN_SKIP_WITHOUT_CUDA();
    const CoverageGrid g = small_paper_grid();
    const auto cpu = make_cpu_toys(g, 0);
    const auto cuda = make_cuda_toys(g.view(), g.delta.data(), 0);
    expect_same_numbers(toys_on(cpu.get(), g), toys_on(cuda.get(), g));
}
}  // namespace
}  // namespace zdscan

#include "zdscan/stats/interval_coverage.hpp"

namespace zdscan
{
namespace
{
CoverageOptions interval_options(std::int64_t toys, double band_low, double band_high)
{
    CoverageOptions o;
    o.toys = toys;
    o.seed = 11;
    o.cl = {0.682689492137086, 0.90, 0.95};
    o.points.rule = CoveragePoints::Rule::near_contour;
    o.points.band_low = band_low;
    o.points.band_high = band_high;
    return o;
}

// The 1-D intervals where Wilks is exact (linear-Gaussian, the other parameter and δ profiled): the toys' critical
// values are the χ²₁ quantiles 1, 2.71, 3.84 at every tested value, and the FC interval ends lie on the Wilks ones
// (x₁ ± √Δχ² around the data's 0.3, to the grid step and the Monte Carlo error).
TEST(IntervalCoverage, LinearGaussianModelRecoversWilks)
{
    const CoverageGrid g = linear_grid(-7, 7, 141, -7, 7, 141, 0.3, -0.2, 0.1);
    const auto r = run_interval_coverage(g, interval_options(4000, 0.9, 1.1));
    ASSERT_EQ(r.size(), 2u);
    const double want[3] = {1.0, 2.7055, 3.8415};
    int checked = 0;
    for (const auto& axis : r)
        for (std::size_t c = 0; c < 3; ++c)
        {
            EXPECT_NEAR(axis.wilks[c], want[c], 1e-4);
            for (std::size_t k = 0; k < axis.values.size(); ++k)
            {
                if (!axis.tested[k]) continue;
                EXPECT_NEAR(axis.crit[c][k], want[c], 4 * axis.crit_error[c][k] + 0.02) << axis.axis << " " << k;
                ++checked;
            }
        }
    EXPECT_GT(checked, 30);
    // m_Zd axis (x₁ = 0.3): the Wilks 68.27 % interval is [−0.7, 1.3]; FC's agrees within 0.1.
    EXPECT_NEAR(r[0].wilks_interval[0].lower, -0.7, 1e-9);
    EXPECT_NEAR(r[0].wilks_interval[0].upper, 1.3, 1e-9);
    EXPECT_NEAR(r[0].fc[0].lower, -0.7, 0.1);
    EXPECT_NEAR(r[0].fc[0].upper, 1.3, 0.1);
}

// At the physical boundary a = 0 of a one-parameter Gaussian the 1-D toys give Feldman & Cousins' values.
TEST(IntervalCoverage, PhysicalBoundary)
{
    const CoverageGrid g = linear_grid(0, 4, 201, 0, 0, 1, 0.5, 0, 0.1);
    const auto r = run_interval_coverage(g, interval_options(8000, 0.2, 0.3));
    ASSERT_TRUE(r[0].tested[0]);
    const double want[3] = {0.2259, 1.6424, 2.7055};
    for (std::size_t c = 0; c < 3; ++c)
        EXPECT_NEAR(r[0].crit[c][0], want[c], 3 * r[0].crit_error[c][0] + 0.01) << c;
    // The data (x = 0.5) put Δχ²(0) = 0.25 below Wilks' 1, so the Wilks 68.27 % interval reaches the boundary
    // (open there, NaN), but above the critical 0.226 there, so the Feldman-Cousins interval excludes a = 0: its
    // exact ends are [0.0248, 1.500] (the construction solved with the normal CDF; the grid step is 0.02 and a
    // critical value's Monte Carlo error 0.008).
    EXPECT_TRUE(std::isnan(r[0].wilks_interval[0].lower));
    EXPECT_NEAR(r[0].wilks_interval[0].upper, 1.5, 1e-9);
    EXPECT_GT(r[0].fc[0].lower, 0.0);
    EXPECT_LT(r[0].fc[0].lower, 0.06);
    EXPECT_NEAR(r[0].fc[0].upper, 1.5, 0.05);
}
}  // namespace
}  // namespace zdscan
