// The continuous best fit and the Fig. 4 curve.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "zdscan/physics/apv_k_factor.hpp"
#include "zdscan/physics/exact_delta_minimum.hpp"
#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/physics/sin2_effective.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
ScanOutput scan(int n)
{
    ScanConfig c = default_config();
    c.m_zd_mev.n = c.epsilon.n = c.delta.n = n;
    ScanOptions o;
    o.backend = Backend::cpu;
    return run_scan(c, o, {}, nullptr);
}

TEST(BestFitRefinement, SameMinimumFromCoarseAndFineGrids)
{
    const auto coarse = scan(40), fine = scan(150);
    for (const auto* out : {&coarse, &fine})
    {
        EXPECT_TRUE(out->refined.converged);
        EXPECT_LE(out->refined.chi2, out->best.chi2);
    }
    EXPECT_NEAR(coarse.refined.m_zd_mev, fine.refined.m_zd_mev, 1e-4 * fine.refined.m_zd_mev);
    EXPECT_NEAR(coarse.refined.epsilon, fine.refined.epsilon, 1e-4 * fine.refined.epsilon);
    EXPECT_NEAR(coarse.refined.delta, fine.refined.delta, 1e-4 * fine.refined.delta);
    EXPECT_NEAR(coarse.refined.chi2, fine.refined.chi2, 1e-9);
}

TEST(IntervalRefinement, EndsDoNotDependOnTheGridAndSitOnTheLevel)
{
    // The grid's interpolated ends move by 1-14 % between 32³ and 150³; the refined ones must not.
    const auto coarse = scan(32), fine = scan(150);
    for (const RefinedInterval* i : {&coarse.interval_m, &fine.interval_m, &coarse.interval_eps, &fine.interval_eps})
    {
        ASSERT_TRUE(std::isfinite(i->lower) && std::isfinite(i->upper));
    }
    EXPECT_NEAR(coarse.interval_m.lower, fine.interval_m.lower, 1e-6 * fine.interval_m.lower);
    EXPECT_NEAR(coarse.interval_m.upper, fine.interval_m.upper, 1e-6 * fine.interval_m.upper);
    EXPECT_NEAR(coarse.interval_eps.lower, fine.interval_eps.lower, 1e-6 * fine.interval_eps.lower);
    EXPECT_NEAR(coarse.interval_eps.upper, fine.interval_eps.upper, 1e-6 * fine.interval_eps.upper);
    // The paper's 1σ ranges (eqs. 28-29): m_Zd 47 (+61 −16) MeV, ε 2.3 (+1.1 −0.4)e-3.
    EXPECT_NEAR(fine.interval_m.lower, 31, 1.0);
    EXPECT_NEAR(fine.interval_m.upper, 108, 1.0);
    EXPECT_NEAR(fine.interval_eps.lower, 1.9e-3, 0.1e-3);
    EXPECT_NEAR(fine.interval_eps.upper, 3.4e-3, 0.1e-3);

    // A second method at each end: the profile by brute force (a 4000-point log grid of the other axis, δ exact
    // at each) is at the level there, to the brute force's own resolution.
    const ScanConfig& c = fine.config;
    const PhysicsSetup setup = make_physics_setup(c.physics);
    const MassTermsAt mass(c.physics, setup.observables);
    auto brute = [&](int axis, double x)
    {
        double lowest = HUGE_VAL;
        for (int k = 0; k < 4000; ++k)
        {
            const double y = axis == 0 ? 1e-4 * std::pow(1e3, k / 3999.0) : 1.0 * std::pow(1e3, k / 3999.0);
            const double m = axis == 0 ? x : y, eps = axis == 0 ? y : x;
            lowest = std::min(lowest, exact_delta_minimum(cell_pulls(setup.observables, mass(m), eps), 0.0, 0.01,
                                                          DeltaMinimum{HUGE_VAL, 0.0})
                                          .chi2);
        }
        return lowest - fine.refined.chi2;
    };
    EXPECT_NEAR(brute(0, fine.interval_m.lower), 1.0, 2e-3);
    EXPECT_NEAR(brute(0, fine.interval_m.upper), 1.0, 2e-3);
    EXPECT_NEAR(brute(1, fine.interval_eps.lower), 1.0, 2e-3);
    EXPECT_NEAR(brute(1, fine.interval_eps.upper), 1.0, 2e-3);
    // Just inside each end the profile is below the level: the crossing found is the first one outward.
    EXPECT_LT(brute(0, fine.interval_m.upper * 0.98), 1.0);
    EXPECT_LT(brute(1, fine.interval_eps.lower * 1.02), 1.0);
}

TEST(BestFitRefinement, IsALocalMinimumNearThePaperBestFit)
{
    const auto out = scan(40);
    const auto& r = out.refined;
    // Paper (eqs. 28-30, footnote 5): 47 MeV, 2.3e-3, 7.9e-4, χ²_min = 0.007.
    EXPECT_NEAR(r.m_zd_mev, 47, 2);
    EXPECT_NEAR(r.epsilon, 2.3e-3, 0.05e-3);
    EXPECT_NEAR(r.delta, 7.9e-4, 0.5e-4);
    EXPECT_LT(r.chi2, 0.01);
    // Independent check: χ² rises along ± each axis and the diagonals, 1e-3 relative away (δ: 1e-6 absolute).
    const ScanConfig c = default_config();
    const PhysicsSetup setup = make_physics_setup(c.physics);
    const MassTermsAt mass(c.physics, setup.observables);
    for (int dm = -1; dm <= 1; ++dm)
        for (int de = -1; de <= 1; ++de)
            for (int dd = -1; dd <= 1; ++dd)
            {
                if (dm == 0 && de == 0 && dd == 0) continue;
                const double chi2 = chi2_at(setup.observables, mass, r.m_zd_mev * (1 + 1e-3 * dm),
                                            r.epsilon * (1 + 1e-3 * de), r.delta + 1e-6 * dd)
                                        .total;
                EXPECT_GT(chi2, r.chi2) << dm << de << dd;
            }
}

TEST(Sin2Effective, LimitsOfTheRunningWithAZd)
{
    const PhysicsSetup setup = make_physics_setup(PhysicsConfig{});
    const auto& run = setup.running;
    const double m = 0.047, eps = 2.3e-3, delta = 7.9e-4;
    // No mixing: the SM curve.
    EXPECT_DOUBLE_EQ(sin2_effective(run, 0.01, m, 0.0, 0.0), sin2_msbar(run, 0.01));
    // Q ≫ m: f → m²/Q², the shift vanishes.
    EXPECT_NEAR(sin2_effective(run, 80.0, m, eps, delta), sin2_msbar(run, 80.0), 1e-9);
    // Q → 0: f = 1, κ_d = 1 − ε δ' (m_Z/m) cotθ_W (eq. 7) with θ_W at Q = 0.
    const double s2 = sin2_msbar(run, 0.0), t = std::sqrt(s2 / (1 - s2));
    const double dp = delta + m / constants::m_z_gev * eps * t;
    EXPECT_NEAR(sin2_effective(run, 1e-6, m, eps, delta), (1 - eps * dp * constants::m_z_gev / m / t) * s2, 1e-12);
}

TEST(Sin2Effective, WrittenCurveCoversFigureFour)
{
    const auto out = scan(24);
    ASSERT_EQ(out.running_q_gev.size(), 351u);  // 1e-4 .. 1e3 GeV, 50 per decade
    EXPECT_DOUBLE_EQ(out.running_q_gev.front(), 1e-4);
    EXPECT_NEAR(out.running_q_gev.back(), 1e3, 1e-9);
    EXPECT_DOUBLE_EQ(out.running_sin2_sm_step.front(), 0.23857);  // the χ² model is pinned exactly
    // The smooth figure curve, pinned to ŝ²(0) at its 1e-5 GeV end: less the electron loop's running from there to
    // 1e-4 GeV, where its weight is w(R) ≈ R²/5 − 3R⁴/70, R = e^{5/6} Q/m_e: ∫ w dln Q = [R²/10 − 3R⁴/280] between
    // the ends (tolerance 1 % of the 3.5e-7 effect: α against the curve's α̂ there, 0.3 %).
    auto electron = [](double q_gev)
    {
        const double r = std::exp(5.0 / 6) * q_gev / constants::m_e_gev;
        return r * r / 10 - 3 * std::pow(r, 4) / 280;
    };
    const double electron_running =
        constants::alpha / (2 * constants::pi) * (4.0 / 3 * 0.23857 - 1.0 / 3) * (electron(1e-4) - electron(1e-5));
    EXPECT_NEAR(out.running_sin2_sm.front(), 0.23857 + electron_running, 3.5e-9);
    EXPECT_LT(out.running_sin2_bestfit.front(), out.running_sin2_sm.front());  // κ_d < 1 for ε δ' > 0
    // The Z_d curves: the refined best fit and the grid masses just inside the 1σ m_Zd interval around it.
    ASSERT_EQ(out.running_zd.size(), 3u);
    EXPECT_EQ(out.running_zd[0].name, "refined");
    EXPECT_EQ(out.running_zd[0].m_zd_mev, out.refined.m_zd_mev);
    EXPECT_LT(out.running_zd[1].m_zd_mev, out.refined.m_zd_mev);
    EXPECT_GT(out.running_zd[2].m_zd_mev, out.refined.m_zd_mev);
    for (const auto& c : out.running_zd) EXPECT_EQ(c.sin2.size(), out.running_q_gev.size());
    // At and below the APV scale the curve takes the fit's K(m) (eq. 26, from an evaluator of its own here), which at
    // the best fit is several per cent below the propagator; from 10 Q_apv up it is the scattering propagator.
    const auto& c = out.running_zd[0];
    const double m_gev = c.m_zd_mev * 1e-3, k = ApvKEvaluator(ApvKModel{})(c.m_zd_mev);
    EXPECT_DOUBLE_EQ(out.running_q_apv_gev, 2.4e-3);
    EXPECT_NEAR(c.k_apv, k, 1e-12);
    EXPECT_LT(k, 0.97 * propagator_pv_scattering(m_gev, 2.4e-3 * 2.4e-3));
    for (std::size_t i = 0; i < out.running_q_gev.size(); ++i)
    {
        const double q = out.running_q_gev[i], s2 = out.running_sin2_sm[i];
        if (q <= 2.4e-3) EXPECT_NEAR(c.sin2[i], sin2_effective_with(s2, k, m_gev, c.epsilon, c.delta), 1e-15) << q;
        if (q >= 2.4e-2) EXPECT_NEAR(c.sin2[i], sin2_effective_at(s2, q, m_gev, c.epsilon, c.delta), 1e-15) << q;
        if (i > 0 && q < 3e-2) EXPECT_LT(std::fabs(c.sin2[i] - c.sin2[i - 1]), 3e-5) << q;  // no jump in the blend
    }
}

TEST(Sin2Effective, FigurePropagatorBlendsKToThePropagator)
{
    const double m = 0.03, q_apv = 2.4e-3, k = 0.9;
    const double f_apv = propagator_pv_scattering(m, q_apv * q_apv);
    EXPECT_EQ(figure_propagator(1e-4, m, q_apv, k), k);
    EXPECT_NEAR(figure_propagator(q_apv * (1 + 1e-9), m, q_apv, k), k, 1e-9);  // continuous at Q_apv
    EXPECT_NEAR(figure_propagator(10 * q_apv * (1 - 1e-9), m, q_apv, k),
                propagator_pv_scattering(m, 100 * q_apv * q_apv), 1e-8);
    // Half way in log Q the smoothstep weight is 1/2: the propagator times the mean of K/f(Q_apv) and 1.
    const double q_mid = q_apv * std::sqrt(10.0);
    EXPECT_NEAR(figure_propagator(q_mid, m, q_apv, k), propagator_pv_scattering(m, q_mid * q_mid) * (1 + k / f_apv) / 2,
                1e-15);
    EXPECT_EQ(figure_propagator(1e-4, m, q_apv, 0.0), propagator_pv_scattering(m, 1e-8));  // no APV: the propagator
}
}  // namespace
}  // namespace zdscan
