// The Bayesian marginals (posterior.hpp): the δ integral against closed forms and brute force, the 1-D credible
// intervals of a Gaussian posterior, and a scan's posterior against a direct integration.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "scan_test_configs.hpp"
#include "zdscan/scan/posterior.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
CellPulls one_pull(double c0, double c1, double c2 = 0, double c3 = 0)
{
    CellPulls p;
    p.n = p.n_enabled = 1;
    p.measurement[0] = 0;
    p.p[0] = PullPolynomial{{c0, c1, c2, c3}};
    return p;
}

double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

TEST(Posterior, DeltaIntegralOfALinearPullIsTheNormalCdf)
{
    // p = a + b δ: ∫ exp(−p²/2) dδ = √(2π)/b [Φ(a + b hi) − Φ(a + b lo)], from a narrow peak to a flat one.
    for (const auto& [a, b, lo, hi] : {std::tuple{-3.0, 1e4, -1e-3, 1e-2}, {0.2, 50.0, 0.0, 0.01},
                                       {-1.0, 1e6, 0.0, 0.01}, {0.5, 1.0, -0.004, 0.01}})
    {
        const double d_min = std::clamp(-a / b, lo, hi), chi2_min = std::pow(a + b * d_min, 2);
        const double exact = std::sqrt(2 * M_PI) / b * (phi(a + b * hi) - phi(a + b * lo));
        EXPECT_NEAR(log_delta_integral(one_pull(a, b), lo, hi, d_min, chi2_min), std::log(exact), 1e-10) << a << " " << b;
    }
}

TEST(Posterior, DeltaIntegralOfACubicMatchesBruteForce)
{
    // A cubic pull with a shallow second minimum inside the range, against a 2·10⁶-point midpoint sum.
    const CellPulls p = one_pull(0.3, -400, -2e4, 4e6);
    const double lo = -0.004, hi = 0.01;
    double chi2_min = HUGE_VAL, d_min = lo, brute = 0;
    const int n = 2000000;
    for (int i = 0; i < n; ++i)
    {
        const double d = lo + (hi - lo) * (i + 0.5) / n, c = chi2_total(p, d);
        if (c < chi2_min) chi2_min = c, d_min = d;
    }
    for (int i = 0; i < n; ++i)
    {
        const double d = lo + (hi - lo) * (i + 0.5) / n;
        brute += std::exp(-0.5 * (chi2_total(p, d) - chi2_min)) * (hi - lo) / n;
    }
    EXPECT_NEAR(log_delta_integral(p, lo, hi, d_min, chi2_min), -0.5 * chi2_min + std::log(brute), 1e-7);
}

TEST(Posterior, LogUniformDeltaPriorAgainstClosedFormAndBruteForce)
{
    const DeltaPrior prior = parse_delta_prior("log:1e-5", -0.004, 0.01, "--delta-prior");
    ASSERT_EQ(prior.kind, DeltaPrior::Kind::log_abs);
    // χ² independent of δ (= 0.49): ∫ dδ/|δ| over [−0.004, −1e-5] ∪ [1e-5, 0.01] = ln(400) + ln(1000).
    EXPECT_NEAR(log_delta_integral(one_pull(0.7, 0), -0.004, 0.01, 0.0, 0.49, prior),
                -0.245 + std::log(std::log(400.0) + std::log(1000.0)), 1e-10);
    // A narrow peak at δ = 0.003 and a wide one across zero, against midpoint sums of π(δ) e^{−χ²/2} in u = ln|δ|.
    for (const auto& [a, b] : {std::pair{-3.0, 1e3}, {0.2, 60.0}})
    {
        const CellPulls p = one_pull(a, b);
        const double lo = -0.004, hi = 0.01, d_min = std::clamp(-a / b, lo, hi), chi2_min = std::pow(a + b * d_min, 2);
        double brute = 0;
        const int n = 2000000;
        for (const auto& [sign, top] : {std::pair{1.0, hi}, {-1.0, -lo}})
        {
            const double u0 = std::log(1e-5), u1 = std::log(top), du = (u1 - u0) / n;
            for (int i = 0; i < n; ++i)
                brute += std::exp(-0.5 * (chi2_total(p, sign * std::exp(u0 + (i + 0.5) * du)) - chi2_min)) * du;
        }
        EXPECT_NEAR(log_delta_integral(p, lo, hi, d_min, chi2_min, prior), -0.5 * chi2_min + std::log(brute), 1e-8)
            << a << " " << b;
    }
    // Default floor, and the refusals naming the option.
    EXPECT_DOUBLE_EQ(parse_delta_prior("log", -0.004, 0.01, "x").floor, 1e-5);
    EXPECT_EQ(parse_delta_prior("uniform", -0.004, 0.01, "x").kind, DeltaPrior::Kind::uniform);
    EXPECT_THROW(parse_delta_prior("log:0.02", -0.004, 0.01, "--delta-prior"), ConfigError);
    EXPECT_THROW(parse_delta_prior("log:-1", -0.004, 0.01, "--delta-prior"), ConfigError);
    EXPECT_THROW(parse_delta_prior("jeffreys", -0.004, 0.01, "--delta-prior"), ConfigError);
    EXPECT_DOUBLE_EQ(prior.weight(0.002), 500.0);
    EXPECT_EQ(prior.weight(5e-6), 0.0);
}

TEST(Posterior, GaussianPosteriorGivesItsCredibleInterval)
{
    // χ² = ((log10 m − 1.7)/0.2)² + ((log10 ε + 2.6)/0.1)², no δ dependence: the marginals are Gaussians in log10,
    // the central 68 % intervals log10 m = 1.7 ± 0.2, log10 ε = −2.6 ± 0.1, the modes at their centres.
    std::vector<double> m, eps, delta = {0.0, 0.005, 0.01};
    for (int i = 0; i < 401; ++i) m.push_back(std::pow(10.0, 0.5 + 2.5 * i / 400));
    for (int i = 0; i < 301; ++i) eps.push_back(std::pow(10.0, -4 + 2.0 * i / 300));
    auto pulls_at = [&](std::size_t i, std::size_t j)
    {
        CellPulls p;
        p.n = p.n_enabled = 2;
        p.measurement[0] = 0, p.measurement[1] = 1;
        p.p[0] = PullPolynomial{{(std::log10(m[i]) - 1.7) / 0.2, 0, 0, 0}};
        p.p[1] = PullPolynomial{{(std::log10(eps[j]) + 2.6) / 0.1, 0, 0, 0}};
        return p;
    };
    std::vector<double> chi2(m.size() * eps.size()), dmin(chi2.size(), 0.0);
    for (std::size_t c = 0; c < chi2.size(); ++c) chi2[c] = chi2_total(pulls_at(c / eps.size(), c % eps.size()), 0.0);
    const Posterior post = compute_posterior(pulls_at, m, true, eps, true, delta, chi2, dmin, 2);
    EXPECT_NEAR(std::log10(post.m_interval[0]), 1.5, 2e-3);
    EXPECT_NEAR(std::log10(post.m_interval[1]), 1.9, 2e-3);
    EXPECT_NEAR(std::log10(post.eps_interval[0]), -2.7, 2e-3);
    EXPECT_NEAR(std::log10(post.eps_interval[1]), -2.5, 2e-3);
    EXPECT_NEAR(std::log10(post.m_mode), 1.7, 0.007);
    // The 2-D 68.27 % HPD region of a 2-D Gaussian is the χ² ≤ 2.30 ellipse: its log density threshold is the peak's
    // less 2.30/2 (per unit log10 m · log10 ε, the peak density is 1/(2π 0.2 0.1)).
    const double peak = -std::log(2 * M_PI * 0.2 * 0.1);
    EXPECT_NEAR(post.hpd_log_density[0], peak - 0.5 * 2.2957489, 0.01);
    EXPECT_NEAR(post.hpd_log_density[1], peak - 0.5 * 6.1800743, 0.01);
    // Box sensitivity (issue 27): the Gaussians lie 4 sigma and more inside every end, so moving an end in by a
    // tenth of the range (0.25 in log10 m, 0.2 in log10 eps) moves no interval end by a grid spacing.
    for (int a = 0; a < 2; ++a)
    {
        EXPECT_FALSE(post.box[a].sensitive) << a << " shift " << post.box[a].shift << " res " << post.box[a].resolution;
        EXPECT_LT(post.box[a].edge_mass[0] + post.box[a].edge_mass[1], 1e-4);
    }
    // A posterior that the box cuts: log10 m flat (no data on m) but eps Gaussian. m's interval is the box's
    // 16th-84th percentiles, and moving an end moves it by about a tenth of the range, far above the spacing.
    auto flat_m = [&](std::size_t, std::size_t j)
    {
        CellPulls p;
        p.n = p.n_enabled = 1;
        p.measurement[0] = 0;
        p.p[0] = PullPolynomial{{(std::log10(eps[j]) + 2.6) / 0.1, 0, 0, 0}};
        return p;
    };
    for (std::size_t c = 0; c < chi2.size(); ++c) chi2[c] = chi2_total(flat_m(c / eps.size(), c % eps.size()), 0.0);
    const Posterior cut = compute_posterior(flat_m, m, true, eps, true, delta, chi2, dmin, 2);
    EXPECT_NEAR(std::log10(cut.m_interval[0]), 0.5 + 2.5 * 0.158655, 2e-3);
    EXPECT_TRUE(cut.box[0].sensitive);
    EXPECT_GT(cut.box[0].shift, 10 * cut.box[0].resolution);
    EXPECT_NEAR(cut.box[0].edge_mass[0], 0.5 * 2.5 / 400 / 2.5, 1e-6);  // half a cell of a flat density per unit
    EXPECT_FALSE(cut.box[1].sensitive);
}

TEST(Posterior, ScanPosteriorMatchesDirectIntegration)
{
    // A small scan with --posterior: each cell's log density (before normalisation, the δ integral of
    // exp(−χ²/2)) against a 20000-point integration of the direct χ², normalised the same way.
    const auto c = test::small_paper_config(9, 7, 11);
    ScanOptions o;
    o.threads = 2;
    o.posterior = true;
    const ScanOutput out = run_scan(c, o, nullptr, nullptr);
    ASSERT_TRUE(out.posterior.has_value());
    const auto setup = make_physics_setup(c.physics);
    const MassTermsAt at(c.physics, setup.observables);
    const double lo = out.delta.front(), hi = out.delta.back();
    std::vector<double> direct(out.chi2_total.size());
    const std::size_t n_eps = out.epsilon.size();
    for (std::size_t cell = 0; cell < direct.size(); ++cell)
    {
        const MassTerms t = at(out.m_zd_mev[cell / n_eps]);
        double sum = 0;
        const int n = 20000;
        for (int i = 0; i < n; ++i)
        {
            const double d = lo + (hi - lo) * (i + 0.5) / n;
            sum += std::exp(-0.5 * (evaluate_chi2(setup.observables, t, out.epsilon[cell % n_eps], d).total
                                    - out.chi2_total[cell])) * (hi - lo) / n;
        }
        direct[cell] = -0.5 * out.chi2_total[cell] + std::log(sum);
    }
    // Differences of log densities between cells are normalisation-free.
    for (std::size_t cell = 1; cell < direct.size(); ++cell)
    {
        // 1e-6 where the posterior lives; far out (χ² up to 1e13) the logs themselves are that large, so relative.
        const double expected = direct[cell] - direct[0];
        EXPECT_NEAR(out.posterior->log_density[cell] - out.posterior->log_density[0], expected,
                    1e-6 + 1e-14 * std::fabs(expected))
            << cell;
    }
}
TEST(Posterior, DeltaIntegralStaysFiniteAndRightWhereTheIntegrandUnderflows)
{
    // Issue 26: these cells gave log densities of -inf. Each against its closed form.
    // (a) A log prior whose floor lies far above a needle-thin minimum at delta = 0: p = b delta, b = 1e7, floor
    // 1e-4. Each sign gives E1(x)/2 with x = b^2 floor^2 / 2 = 5e5 (the far ends add e^(-1e8)); together E1(x), and
    // ln E1(x) = -x - ln x + ln(1 - 1/x + 2/x^2) to 1e-17.
    {
        const DeltaPrior prior = parse_delta_prior("log:1e-4", -0.004, 0.01, "--delta-prior");
        const double x = 0.5 * 1e14 * 1e-8;
        const double expected = -x - std::log(x) + std::log1p(-1 / x + 2 / (x * x));
        const double got = log_delta_integral(one_pull(0, 1e7), -0.004, 0.01, 0.0, 0.0, prior);
        ASSERT_TRUE(std::isfinite(got));
        EXPECT_NEAR(got, expected, 1e-6 * std::fabs(expected)) << got - expected;
    }
    // (b) chi2 ~ 1e13 (a pull of 3.16e6 that delta cannot move) beside a narrow Gaussian in delta: the constant
    // factors out exactly.
    {
        CellPulls p = one_pull(3.16e6, 0);
        p.n = p.n_enabled = 2;
        p.measurement[1] = 1;
        p.p[1] = PullPolynomial{{-2e3, 1e6, 0, 0}};  // minimum at delta = 2e-3
        const double chi2_min = 3.16e6 * 3.16e6;
        const double exact = std::sqrt(2 * M_PI) / 1e6 * (phi(1e6 * 0.01 - 2e3) - phi(1e6 * -0.004 - 2e3));
        const double got = log_delta_integral(p, -0.004, 0.01, 2e-3, chi2_min);
        ASSERT_TRUE(std::isfinite(got));
        // The log is 5e12: a few ulps (1e-3 each) are all double precision holds.
        EXPECT_NEAR(got, -0.5 * chi2_min + std::log(exact), 1e-14 * 0.5 * chi2_min);
    }
    // (c) A delta range that misses the data: p = b (delta - d0) with d0 = -0.02 below lo = -0.004, b = 1e5, so the
    // minimum sits on the edge with z = b (lo - d0) = 1600. The Mills ratio: integral = e^(-z^2/2)/(b z)
    // (1 - 1/z^2 + 3/z^4), relative to chi2_min = z^2 that is 1/(b z) (1 - 1/z^2 + 3/z^4).
    for (const char* prior_text : {"uniform", "log:1e-5"})
    {
        const double b = 1e5, d0 = -0.02, lo = -0.004, hi = 0.01, z = b * (lo - d0);
        const DeltaPrior prior = parse_delta_prior(prior_text, lo, hi, "--delta-prior");
        const double got = log_delta_integral(one_pull(-b * d0, b), lo, hi, lo, z * z, prior);
        ASSERT_TRUE(std::isfinite(got)) << prior_text;
        // The log prior weighs the edge by 1/|lo|, to a relative 1/(b z |lo|) = 1.6e-6 over the decay length.
        const double weight = prior.kind == DeltaPrior::Kind::uniform ? 1.0 : 1 / std::fabs(lo);
        const double expected = -0.5 * z * z - std::log(b * z) + std::log1p(-1 / (z * z) + 3 / std::pow(z, 4))
                                + std::log(weight);
        EXPECT_NEAR(got, expected, prior.kind == DeltaPrior::Kind::uniform ? 1e-9 : 1e-5) << prior_text;
    }
}

TEST(Posterior, DeltaMarginalIsTheSameBitsForAnyThreadCount)
{
    // Issue 26: the per-thread sums of the delta marginal were added in arbitrary order (6e-15 between runs).
    const auto config = test::small_paper_config(24, 20, 12);
    std::vector<std::vector<double>> runs;
    for (int threads : {1, 2, 3, 2})
    {
        ScanOptions o;
        o.threads = threads;
        o.posterior = true;
        const ScanOutput out = run_scan(config, o, nullptr, nullptr);
        runs.push_back(out.posterior->marginal_delta);
        runs.back().insert(runs.back().end(), out.posterior->log_density.begin(), out.posterior->log_density.end());
    }
    for (std::size_t r = 1; r < runs.size(); ++r)
    {
        ASSERT_EQ(runs[r].size(), runs[0].size());
        for (std::size_t k = 0; k < runs[0].size(); ++k)
            EXPECT_EQ(std::bit_cast<std::uint64_t>(runs[r][k]), std::bit_cast<std::uint64_t>(runs[0][k])) << r << " " << k;
    }
}

}  // namespace
}  // namespace zdscan
