/// The toys' lower bound (stats/toy_bound.hpp): never above the exact δ profile (random shifts on the paper's grid and
/// on cells with a rank-deficient δ dependence), and exact where it must be: pulls that δ does not move, and a
/// δ dependence along one fixed direction (the box is then the whole curve).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "zdscan/io/config.hpp"
#include "zdscan/scan/delta_walk.hpp"
#include "zdscan/stats/coverage.hpp"
#include "zdscan/stats/toy_bound.hpp"
#include "zdscan/util/philox.hpp"

namespace zdscan
{
namespace
{
constexpr int L = exact_batch_cells;

/// The bound for one cell (coef [pull][4]) placed in lane 0 of a block.
double lower_bound(const std::vector<double>& coef, int n_pulls, double lo, double hi, double root,
                   const double* shift, double norm)
{
    std::vector<double> block(static_cast<std::size_t>(toy_bound_values(n_pulls) * L), 0.0);
    for (int l = 0; l < L; ++l) toy_bound_data(coef.data(), n_pulls, lo, hi, root, &block[static_cast<std::size_t>(l)], L);
    double lower[L];
    toy_lower_bounds(block.data(), n_pulls, shift, norm, lower);
    return lower[0];
}

double exact_root(const std::vector<double>& coef, int n_pulls, double lo, double hi, const double* shift)
{
    ToyGrid g;
    g.n_cells = 1;
    g.n_pulls = n_pulls;
    g.coef = coef.data();
    g.delta_lo = lo;
    g.delta_hi = hi;
    return std::sqrt(toy_cell_profile(g, 0, shift).chi2);
}

double norm_of(const double* s, int n)
{
    double v = 0;
    for (int k = 0; k < n; ++k) v += s[k] * s[k];
    return std::sqrt(v);
}

// On the paper's grid, for toys thrown around the whole favoured region, the bound lies below the exact profile at
// every cell (and so never skips the toy's minimum), and skips most cells: it is far tighter than the triangle bound.
TEST(ToyBound, NeverAboveTheProfileOnThePaperGrid)
{
    ScanConfig config = default_config();
    config.m_zd_mev.n = 24;
    config.epsilon.n = 20;
    config.delta.n = 8;
    const CoverageGrid g = make_coverage_grid(config, 0);
    const ToyGrid view = g.view();
    const int K = g.n_pulls;
    std::int64_t cells = 0, tighter = 0;
    for (std::int64_t c = 0; c < g.n_cells(); c += 3)
    {
        const std::vector<double> coef(g.coef.begin() + c * K * 4, g.coef.begin() + (c + 1) * K * 4);
        for (std::uint32_t toy = 0; toy < 20; ++toy)
        {
            double z[max_measurements], shift[max_measurements];
            toy_normals(5, static_cast<std::uint64_t>(c), toy, K, z);
            for (int k = 0; k < K; ++k) shift[k] = 2 * z[k];
            const double norm = norm_of(shift, K);
            const double root = std::sqrt(g.chi2[static_cast<std::size_t>(c)]);
            const double bound = lower_bound(coef, K, g.delta_lo, g.delta_hi, root, shift, norm);
            const double exact = std::sqrt(toy_cell_profile(view, c, shift).chi2);
            EXPECT_LE(bound, exact * (1 + 1e-12)) << "cell " << c << " toy " << toy;
            tighter += bound > root - norm + 1e-9;
            ++cells;
        }
    }
    EXPECT_GT(tighter, cells / 2);  // the bound's gain over √χ²_data − |s| where it matters
}

// Pulls that δ does not move: the bound is the toy's χ² itself.
TEST(ToyBound, ExactWithoutDeltaDependence)
{
    const int K = 5;
    std::vector<double> coef(K * 4, 0.0);
    const double a[K] = {0.3, -1.2, 2.5, 0.0, -0.7}, shift[K] = {1.1, 0.4, -3.0, 0.2, 0.9};
    for (int k = 0; k < K; ++k) coef[4 * k] = a[k];
    double want = 0;
    for (int k = 0; k < K; ++k) want += (a[k] + shift[k]) * (a[k] + shift[k]);
    const double bound = lower_bound(coef, K, -0.01, 0.02, 2.9, shift, norm_of(shift, K));
    EXPECT_NEAR(bound, std::sqrt(want), 2e-10);  // the rounding allowance, as below
    EXPECT_LE(bound, exact_root(coef, K, -0.01, 0.02, shift));
}

// δ moves the pulls along one direction, linearly: E's box is the whole segment the pulls run through, so the bound
// is the profile, both where the toy's minimum lies inside the δ range and where the range's end stops it.
TEST(ToyBound, ExactForALinearDeltaDependence)
{
    const int K = 4;
    const double a[K] = {0.5, -0.2, 1.0, 0.3}, b[K] = {30.0, -10.0, 0.0, 20.0};
    std::vector<double> coef(K * 4, 0.0);
    for (int k = 0; k < K; ++k) coef[4 * k] = a[k], coef[4 * k + 1] = b[k];
    for (double scale : {0.0, 0.5, 3.0, -4.0})
    {
        double shift[K];
        for (int k = 0; k < K; ++k) shift[k] = scale * b[k] / 20 + 0.1 * (k - 1.5);
        const double exact = exact_root(coef, K, 0.0, 0.05, shift);
        // Within the bound's rounding allowance, 1e-12 (1 + 4 K) |s| and its slack: 1e-10 here.
        EXPECT_NEAR(lower_bound(coef, K, 0.0, 0.05, 0.0, shift, norm_of(shift, K)), exact, 2e-10) << scale;
        EXPECT_LE(lower_bound(coef, K, 0.0, 0.05, 0.0, shift, norm_of(shift, K)), exact) << scale;
    }
}

// A δ dependence of rank one spread over δ, δ² and δ³ (a direction too short to normalise goes into the slack) and a
// cubic of rank three: below the profile for every shift, in a wide δ range.
TEST(ToyBound, NeverAboveTheProfileForDegenerateCubics)
{
    const int K = 6;
    std::vector<double> coef(K * 4);
    for (int form = 0; form < 3; ++form)
        for (std::uint32_t toy = 0; toy < 400; ++toy)
        {
            double z[max_measurements];
            toy_normals(11 + form, 3, toy, K, z);
            for (int k = 0; k < K; ++k)
            {
                const double dir = 0.3 * (k + 1) - 1.0;
                coef[4 * k] = z[k];
                coef[4 * k + 1] = 5 * dir;
                coef[4 * k + 2] = form == 0 ? -2 * dir : form == 1 ? -2 * dir + 1e-12 * (k == 2) : 3 * std::sin(k + 0.5);
                coef[4 * k + 3] = form == 2 ? std::cos(2.0 * k) : 0.4 * dir;
            }
            double s[max_measurements];
            toy_normals(99 + form, 4, toy, K, s);
            for (int k = 0; k < K; ++k) s[k] *= 3;
            const double exact = exact_root(coef, K, -3.0, 2.0, s);
            EXPECT_LE(lower_bound(coef, K, -3.0, 2.0, 0.0, s, norm_of(s, K)), exact * (1 + 1e-12) + 1e-12)
                << "form " << form << " toy " << toy;
        }
}
// Pulls whose norms cannot be squared in doubles (1e200) overflow the bound's set-up: it must then know nothing
// (never exclude the cell), for the cell's bound and for a tile holding it.
TEST(ToyBound, KnowsNothingWhereItsSetUpOverflows)
{
    const int K = 3;
    std::vector<double> coef = {1e200, 3e199, 0, 0, 0.5, 1e199, 0, 0, -2, 0, 4e198, 1e197};
    const double shift[K] = {0.1, 0.2, 0.3};
    const double bound = lower_bound(coef, K, -1e-100, 1e-100, 0.0, shift, norm_of(shift, K));
    EXPECT_FALSE(bound > 0) << bound;
    const std::int64_t cells[1] = {0};
    std::vector<double> tile(static_cast<std::size_t>(toy_tile_values(K)));
    toy_tile_data(coef.data(), K, cells, 1, 0, -1e-100, 1e-100, tile.data());
    const double tile_bound = toy_tile_lower_bound(tile.data(), K, shift, norm_of(shift, K));
    EXPECT_FALSE(tile_bound > 0) << tile_bound;
}

// The walk through the bounds and the reference walk (every cell up to the triangle bound, ZDSCAN_TOY_WALK=triangle)
// give the same critical values and coverage bit for bit; the bounds profile far fewer cells.
TEST(ToyBound, SameToysAsTheTriangleWalk)
{
    ScanConfig config = default_config();
    config.m_zd_mev.n = 40;
    config.epsilon.n = 36;
    config.delta.n = 8;
    CoverageGrid g = make_coverage_grid(config, 0);
    CoverageOptions o;
    o.toys = 64;
    o.seed = 3;
    o.threads = 2;
    g.walk = ToyWalk::bounds;
    const CoverageResult bounds = run_coverage(g, o);
    g.walk = ToyWalk::triangle;
    const CoverageResult triangle = run_coverage(g, o);
    ASSERT_EQ(bounds.tested, triangle.tested);
    ASSERT_GT(bounds.tested.size(), 20u);
    for (std::size_t k = 0; k < bounds.cl.size(); ++k)
        for (std::int64_t c : bounds.tested)
        {
            const auto i = static_cast<std::size_t>(c);
            EXPECT_EQ(bounds.crit[k][i], triangle.crit[k][i]);
            EXPECT_EQ(bounds.wilks_coverage[k][i], triangle.wilks_coverage[k][i]);
        }
    EXPECT_LT(bounds.cells_fitted * 4, triangle.cells_fitted);
}
}  // namespace
}  // namespace zdscan
