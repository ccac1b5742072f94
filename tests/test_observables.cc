// Model (eqs. 4–7, 25), g−2 (eqs. 8, 10), weak charges (eqs. 24, 26) and χ² (eq. 27).
#include <gtest/gtest.h>

#include <cmath>

#include "paper_inputs.hpp"
#include "zdscan/physics/chi2.hpp"
#include "zdscan/physics/physics_config.hpp"

namespace zdscan
{
namespace
{
namespace c = constants;

struct Fixture : ::testing::Test
{
    PhysicsConfig config = test::paper_physics();
    PhysicsSetup setup = make_physics_setup(config);
    const ObservableConstants& obs = setup.observables;

    MassTermsAt mass_at{config, obs};
    MassTerms mass(double m_mev) const { return mass_at(m_mev); }
    const MeasurementInput& input(int i) const { return config.measurements[static_cast<std::size_t>(i)]; }
};

TEST(DarkZModel, PropagatorLimits)
{
    EXPECT_DOUBLE_EQ(propagator_pv_scattering(0.1575, 0.1575 * 0.1575), 0.5);
    EXPECT_NEAR(propagator_pv_scattering(1e3, 0.0248), 1, 1e-7);
    // m ≪ Q: f = (m²/Q²)(1 − m²/Q² + …); the dropped term is 4e-11 relative at m = 1 keV.
    EXPECT_NEAR(propagator_pv_scattering(1e-6, 0.0248) / (1e-12 / 0.0248), 1, 1e-10);
}

TEST(DarkZModel, KappaRhoClosedForms)
{
    const auto w = make_mixing_angle(0.25);  // tan = 1/√3, cot = √3
    EXPECT_NEAR(w.tan, 1 / std::sqrt(3.0), 1e-15);
    const double m = 0.05, eps = 2e-3, delta = 1e-3;
    const double dp = delta_prime(m, eps, delta, w.tan);
    EXPECT_NEAR(dp, delta + m / c::m_z_gev * eps / std::sqrt(3.0), 1e-18);
    EXPECT_DOUBLE_EQ(rho_d(dp, 0.5), 1 + 0.5 * dp * dp);
    EXPECT_NEAR(kappa_d(m, eps, dp, w.cot, 0.5), 1 - eps * dp * c::m_z_gev / m * std::sqrt(3.0) * 0.5, 1e-15);
    EXPECT_DOUBLE_EQ(kappa_d(m, eps, 0.0, w.cot, 1.0), 1.0);
    EXPECT_DOUBLE_EQ(rho_d(0.0, 1.0), 1.0);
}

TEST(LeptonG2, DarkPhotonLimits)
{
    // δ = 0, pure kinetic mixing: a = α ε²/(2π) F_V; F_V → 1 for m ≪ m_l and → 2 m_l²/(3 m²) for m ≫ m_l.
    const auto w = make_mixing_angle(0.2385);
    const double eps = 1e-3;
    const double light =
        a_lepton_vector(1e-6, eps, delta_prime(1e-6, eps, 0, w.tan), w, loop_function_vector(1e-6 / c::m_mu_gev));
    EXPECT_NEAR(light / (c::alpha / (2 * c::pi) * eps * eps), 1, 1e-4);
    const double m = 100.0, x = m / c::m_mu_gev;
    const double heavy = a_lepton_vector(m, eps, 0.0, w, loop_function_vector(x));
    EXPECT_NEAR(heavy / (c::alpha / (2 * c::pi) * eps * eps * 2 / (3 * x * x)), 1, 1e-4);
}

TEST(LeptonG2, AxialTermClosedForm)
{
    // eq. 10 with F_A(∞) = 5/3: −G_F m² δ'² (5/3) / (8√2 π²).
    const double dp = 1e-3;
    EXPECT_NEAR(a_lepton_axial(c::m_mu_gev, dp, 5.0 / 3),
                -c::g_fermi_gev2 * c::m_mu_gev * c::m_mu_gev * dp * dp * 5 / 3 / (8 * std::sqrt(2.0) * c::pi * c::pi),
                1e-30);
    EXPECT_LT(a_lepton_axial(c::m_mu_gev, dp, 1.0), 0.0);
}

TEST_F(Fixture, StandardModelPointReturnsConfiguredValues)
{
    for (double m_mev : {1.0, 47.0, 1000.0})
    {
        const auto t = mass(m_mev);
        EXPECT_NEAR(predict_measurement(obs.m[test::qweak], t, test::qweak, 0, 0), input(test::qweak).sm, 1e-15);
        EXPECT_NEAR(predict_measurement(obs.m[test::apv_cs], t, test::apv_cs, 0, 0), input(test::apv_cs).sm, 1e-13);
        EXPECT_EQ(predict_measurement(obs.m[test::a_mu], t, test::a_mu, 0, 0), 0.0);
        EXPECT_EQ(predict_measurement(obs.m[test::a_e], t, test::a_e, 0, 0), 0.0);
    }
}

TEST_F(Fixture, StandardModelChi2IsThePullOfEachMeasurement)
{
    // χ² at ε = δ = 0 from the paper's numbers directly: (0.0719−0.0711)²/(0.0045²+0.0002²), (−72.94+73.23)²/
    // (0.43²+0.01²), Δa_μ = 251(41⊕43)e-11, Δa_e = 0.478(0.28⊕0.095)e-12.
    const auto r = evaluate_chi2(obs, mass(47), 0.0, 0.0);
    EXPECT_NEAR(r.term[test::qweak], 0.0008 * 0.0008 / (0.0045 * 0.0045 + 0.0002 * 0.0002), 1e-9);
    EXPECT_NEAR(r.term[test::apv_cs], 0.29 * 0.29 / (0.43 * 0.43 + 0.01 * 0.01), 1e-9);
    EXPECT_NEAR(r.term[test::a_mu], 251.0 * 251.0 / (41.0 * 41 + 43.0 * 43), 1e-6);
    EXPECT_NEAR(r.term[test::a_e], 0.478 * 0.478 / (0.28 * 0.28 + 0.095 * 0.095), 1e-5);
    EXPECT_NEAR(r.total, r.term[0] + r.term[1] + r.term[2] + r.term[3], 1e-12);
}

TEST_F(Fixture, WeakChargeShiftIsLinearInKappaWithTreeSlope)
{
    // ΔQ_W^p = −4 s² (1 − α/2π)(κ − 1) at ρ = 1; ΔQ_W^Cs = Z times that (ew-notes §1.3).
    const auto& p = obs.m[test::qweak];
    const auto& a = obs.m[test::apv_cs];
    const double s2 = p.w.s2, q = 1 - c::alpha / (2 * c::pi);
    const double dk = 1e-3;
    EXPECT_NEAR(qw_proton(1, 1 + dk, s2, p.couplings) - qw_proton(1, 1, s2, p.couplings), -4 * s2 * q * dk, 1e-15);
    const double s2a = a.w.s2;
    EXPECT_NEAR(qw_nucleus(1, 1 + dk, s2a, a.couplings, 55, 78, a.box_ep, a.box_en)
                    - qw_nucleus(1, 1, s2a, a.couplings, 55, 78, a.box_ep, a.box_en),
                -4 * 55 * s2a * q * dk, 1e-12);
}

TEST(WeakCharges, TreeLevelNuclearCharge)
{
    // Footnote 1: Q_W^tree = −N + Z(1 − 4 s²) when c_ep = 0, g_en = 1/2 and without box terms and QED factor;
    // with them, eq. 26 adds −2[Z·0.00005 + N·0.00006] and multiplies by (1 − α/2π).
    const double s2 = 0.2386;
    const WeakChargeCouplings tree{0.0, 0.5};
    const double tree_charge = -78 + 55 * (1 - 4 * s2);
    EXPECT_NEAR(qw_nucleus(1, 1, s2, tree, 55, 78, c::cs133_box_ep, c::cs133_box_en),
                (tree_charge - 2 * (55 * 0.00005 + 78 * 0.00006)) * (1 - c::alpha / (2 * c::pi)), 1e-12);
}

TEST_F(Fixture, PinnedCouplingsAreCloseToThePdgValues)
{
    // PDG 2020 rounded couplings: g_AV^en = g_AV^eu + 2 g_AV^ed = −0.1888 + 2·0.3419 = 0.4950 (ew-notes §1.1);
    // c_ep ≈ −0.0127 with s² = ŝ²(0).
    EXPECT_NEAR(obs.m[test::apv_cs].couplings.g_en, 0.4950, 2e-4);
    EXPECT_NEAR(obs.m[test::qweak].couplings.c_ep, -0.0127, 3e-4);
    // The APV kind's c_ep is pinned with the reference proton weak charge: here the same as Qweak's.
    EXPECT_EQ(obs.m[test::apv_cs].couplings.c_ep, obs.m[test::qweak].couplings.c_ep);
}

TEST_F(Fixture, SignSymmetries)
{
    // δ' flips with (ε, δ) → (−ε, −δ) and every observable depends on δ'², ε², ε δ': exact symmetry.
    // At δ = 0, ε → −ε is the same map.
    for (double m_mev : {2.0, 47.0, 300.0})
    {
        const auto t = mass(m_mev);
        for (double delta : {0.0, 7.9e-4, -3e-3})
        {
            const auto a = evaluate_chi2(obs, t, 2.3e-3, delta);
            const auto b = evaluate_chi2(obs, t, -2.3e-3, -delta);
            EXPECT_NEAR(a.total, b.total, 1e-12 * a.total) << m_mev << " " << delta;
            for (int i = 0; i < obs.n; ++i) EXPECT_NEAR(a.term[i], b.term[i], 1e-12 * a.term[i] + 1e-16) << i;
        }
    }
}

TEST_F(Fixture, PaperBestFitIsAGoodFit)
{
    // Seed paper eqs. 28–30 and footnote 5: (47 MeV, 2.3e-3, 7.9e-4), χ²_min = 0.007.
    const auto r = evaluate_chi2(obs, mass(47), 2.3e-3, 7.9e-4);
    EXPECT_LT(r.total, 0.05);
    for (int i = 0; i < obs.n; ++i) EXPECT_LT(r.term[i], 0.02) << i;
    // …and it explains Δa_μ: the SM point has χ²_aμ ≈ 17.8.
    EXPECT_GT(evaluate_chi2(obs, mass(47), 0, 0).total, 20.0);
}

TEST_F(Fixture, DisabledTermsLeaveTheTotal)
{
    auto o = obs;
    o.m[test::a_mu].enabled = false;
    o.m[test::a_e].enabled = false;
    const auto r = evaluate_chi2(o, mass(47), 2.3e-3, 7.9e-4);
    EXPECT_DOUBLE_EQ(r.total, r.term[test::qweak] + r.term[test::apv_cs]);
    EXPECT_GT(r.term[test::a_mu], 0.0);  // still reported
    EXPECT_EQ(chi2_total(o, mass(47), 2.3e-3, 7.9e-4), r.total);
}
}  // namespace
}  // namespace zdscan
