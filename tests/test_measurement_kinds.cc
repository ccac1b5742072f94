// Each measurement kind against an independent closed form, the sign symmetries, the SM point, and a scan with the
// full capacity of 16 measurements.
#include <gtest/gtest.h>

#include <cmath>

#include "paper_inputs.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
namespace c = constants;

struct Kinds : ::testing::Test
{
    PhysicsConfig config = test::paper_and_projections();
    PhysicsSetup setup = make_physics_setup(config);
    const ObservableConstants& obs = setup.observables;
    MassTermsAt mass_at{config, obs};
    double predict(int i, double m_mev, double eps, double delta) const
    {
        return predict_measurement(obs.m[i], mass_at(m_mev), i, eps, delta);
    }
};

TEST_F(Kinds, StandardModelPointGivesTheConfiguredValues)
{
    for (double m : {1.0, 47.0, 5000.0})
    {
        for (int i = 0; i < obs.n; ++i)
        {
            const auto& in = config.measurements[static_cast<std::size_t>(i)];
            const double expected = in.kind == MeasurementKind::lepton_g2 ? 0.0 : in.sm;
            EXPECT_NEAR(predict(i, m, 0, 0), expected, 1e-13 * std::max(1.0, std::fabs(expected))) << in.name << m;
        }
    }
}

TEST_F(Kinds, WeakChargesAgainstTheUnpinnedClosedForms)
{
    // Pinning the couplings to X^SM leaves X^th = ρ_d [X^SM − c (κ_d − 1)] with c = 4 ŝ² (1 − α/2π) for the proton,
    // 4 Z ŝ² (1 − α/2π) for a nucleus and −4 ŝ² for the electron (Møller, no QED factor) — a second route to the
    // same numbers, with ρ_d, κ_d from eqs. 4, 6, 7 written out here.
    const double q = 1 - c::alpha / (2 * c::pi);
    for (double m_mev : {2.0, 47.0, 300.0})
    {
        for (auto [eps, delta] : {std::pair{2.3e-3, 7.9e-4}, {-1e-2, 3e-3}, {5e-2, -2e-3}})
        {
            const double m = m_mev * 1e-3;
            for (int i : {0, 1, 4, 5})  // qweak, apv_cs, p2, moller
            {
                const auto& in = config.measurements[static_cast<std::size_t>(i)];
                const double s2 = obs.m[i].w.s2, s = std::sqrt(s2), cw = std::sqrt(1 - s2);
                const double f = in.kind == MeasurementKind::apv ? mass_at(m_mev).f[i] : m * m / (m * m + in.q2_gev2);
                const double dp = delta + m / c::m_z_gev * eps * s / cw;
                const double rho = 1 + dp * dp * f;
                const double kappa = 1 - eps * dp * (c::m_z_gev / m) * (cw / s) * f;
                const double slope = in.kind == MeasurementKind::pves_electron ? -4 * s2
                                     : in.kind == MeasurementKind::apv         ? 4 * in.z * s2 * q
                                                                               : 4 * s2 * q;
                const double expected = rho * (in.sm - slope * (kappa - 1));
                EXPECT_NEAR(predict(i, m_mev, eps, delta), expected, 1e-13 * std::fabs(expected) + 1e-16)
                    << in.name << " " << m_mev << " " << eps;
            }
        }
    }
}

TEST_F(Kinds, MollerShiftHasTheDlmSizeAndSign)
{
    // Δŝ²_eff = (κ_d − 1) ŝ² ≈ −ε δ' (m_Z/m) ŝ ĉ f (inputs2025.md §3.2) moves Q_W^e = −1 + 4ŝ²_eff + … by
    // +4Δŝ²_eff at ρ ≈ 1: for ε δ' > 0 the electron weak charge grows in magnitude.
    const int moller = 5;
    const double eps = 2e-3, delta = 1e-3, m_mev = 30;
    const double shift = predict(moller, m_mev, eps, delta) - config.measurements[moller].sm;
    EXPECT_LT(shift, 0.0);
    const double s2 = obs.m[moller].w.s2, m = m_mev * 1e-3;
    const double f = m * m / (m * m + 0.0056);
    const double dp = delta + m / c::m_z_gev * eps * std::sqrt(s2 / (1 - s2));
    const double ds2 = -eps * dp * (c::m_z_gev / m) * std::sqrt(s2 * (1 - s2)) * f;
    EXPECT_NEAR(shift, 4 * ds2, 0.01 * std::fabs(4 * ds2));  // ρ_d − 1 ~ δ'² is a 1e-6 correction
}

TEST_F(Kinds, SignSymmetriesForEveryKind)
{
    for (double m_mev : {3.0, 47.0, 700.0})
    {
        for (double delta : {0.0, 7.9e-4, -3e-3})
        {
            for (int i = 0; i < obs.n; ++i)
            {
                const double a = predict(i, m_mev, 2.3e-3, delta), b = predict(i, m_mev, -2.3e-3, -delta);
                EXPECT_NEAR(a, b, 1e-13 * std::fabs(a) + 1e-20) << i;
            }
            if (delta == 0.0)
            {
                for (int i = 0; i < obs.n; ++i)
                    EXPECT_NEAR(predict(i, m_mev, 2.3e-3, 0), predict(i, m_mev, -2.3e-3, 0), 1e-13) << i;
            }
        }
    }
}

TEST(MeasurementCapacity, SixteenMeasurementsScanOnTheCpu)
{
    // 16 measurements: the paper's four repeated four times under new names. Every copy gives the same term, and the
    // total is four times the paper's (up to rounding).
    ScanConfig c = default_config();
    c.m_zd_mev.n = 7;
    c.epsilon.n = 6;
    c.delta.n = 5;
    const auto four = c.physics.measurements;
    c.physics.measurements.clear();
    for (int copy = 0; copy < 4; ++copy)
    {
        for (auto m : four)
        {
            m.name += "_" + std::to_string(copy);
            c.physics.measurements.push_back(m);
        }
    }
    ASSERT_EQ(c.physics.measurements.size(), static_cast<std::size_t>(max_measurements));
    ScanOptions o;
    o.backend = Backend::cpu;
    const ScanOutput many = run_scan(c, o, {}, nullptr);
    ScanConfig single = default_config();
    single.m_zd_mev = c.m_zd_mev;
    single.epsilon = c.epsilon;
    single.delta = c.delta;
    const ScanOutput one = run_scan(single, o, {}, nullptr);
    for (std::size_t cell = 0; cell < one.chi2_total.size(); ++cell)
    {
        EXPECT_NEAR(many.chi2_total[cell], 4 * one.chi2_total[cell], 1e-12 * many.chi2_total[cell]);
        for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(many.chi2_terms[i][cell], many.chi2_terms[i % 4][cell]);
    }
    EXPECT_EQ(many.argmin_delta_index, one.argmin_delta_index);
    if (cuda_device_count() > 0)
    {
        o.backend = Backend::cuda;
        const ScanOutput gpu = run_scan(c, o, {}, nullptr);
        for (std::size_t cell = 0; cell < one.chi2_total.size(); ++cell)
            EXPECT_NEAR(gpu.chi2_total[cell], many.chi2_total[cell], 1e-12 * many.chi2_total[cell]);
    }
}
}  // namespace
}  // namespace zdscan
