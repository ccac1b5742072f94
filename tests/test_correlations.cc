// Correlated uncertainties (named error components shared between measurements): χ² = rᵀC⁻¹r through whitened
// pulls, checked against the closed form of two measurements, a diagonal C against the uncorrelated χ², the δ profile
// against direct evaluation, both backends bit for bit, and a singular C refused naming what is shared.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "scan_test_configs.hpp"
#include "zdscan/io/config.hpp"
#include "zdscan/physics/chi2_cpu.hpp"
#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
/// The paper's four measurements plus P2 (projections2021.json's), with the given "errors" JSON for qweak and p2.
ScanConfig config(const std::string& qweak_errors, const std::string& p2_errors, int n = 10)
{
    nlohmann::json j = nlohmann::json::parse(default_config_json());
    auto& qweak = j["measurements"][0];
    EXPECT_EQ(qweak["name"], "qweak");
    if (!qweak_errors.empty())
    {
        qweak.erase("exp_sigma");
        qweak.erase("sm_sigma");
        qweak["errors"] = nlohmann::json::parse(qweak_errors);
    }
    nlohmann::json p2 = {{"name", "p2"}, {"kind", "pves_proton"}, {"q2_gev2", 0.0045}, {"exp", 0.0711},
                         {"sm", 0.0711}, {"source", "P2 projection"}};
    if (!p2_errors.empty()) p2["errors"] = nlohmann::json::parse(p2_errors);
    else p2["exp_sigma"] = 0.00135, p2["sm_sigma"] = 0.0002;
    j["measurements"].push_back(p2);
    for (auto* axis : {"m_zd_mev", "epsilon", "delta"}) j["grid"][axis]["n"] = n;
    return parse_config(j);
}

TEST(Correlations, DiagonalIsTheUncorrelatedChiSquare)
{
    // Components nobody shares: the same σ (in quadrature), no whitening, the same maps.
    const ScanConfig plain = config("", "");
    const ScanConfig named = config(R"({"qweak_exp": 0.0045, "qweak_sm": 0.0002})",
                                    R"({"p2_exp": 0.00135, "p2_sm": 0.0002})");
    EXPECT_EQ(make_physics_setup(named.physics).observables.corr.on, 0);
    ScanOptions o;
    o.threads = 2;
    const ScanOutput a = run_scan(plain, o, nullptr, nullptr), b = run_scan(named, o, nullptr, nullptr);
    for (std::size_t i = 0; i < a.chi2_total.size(); ++i)
        EXPECT_NEAR(b.chi2_total[i], a.chi2_total[i], 1e-13 * a.chi2_total[i]) << i;
}

/// The host's post-processing clones (chi2_cpu.cc: generic and x86-64-v3 with hardware FMA, one picked at load)
/// give the bits of the inline physics this test compiles without FMA, with and without correlations: no
/// contraction crept in with the wider instruction set.
TEST(Correlations, HostClonesGiveTheInlineBits)
{
    for (const ScanConfig& c : {config("", ""), config(R"({"qweak_exp": 0.0045, "qwp_theory": 0.0002})",
                                                     R"({"p2_exp": 0.00135, "qwp_theory": 0.0002})")})
    {
        const PhysicsSetup setup = make_physics_setup(c.physics);
        const MassTermsAt mass(c.physics, setup.observables);
        int compared = 0;
        for (double m_mev : {0.3, 2.0, 47.0, 400.0, 9000.0})
        {
            const MassTerms t = mass(m_mev);
            const MassPulls mp = mass_pulls(setup.observables, t);
            for (double eps : {-3e-2, 1e-5, 2.3e-3, 0.1})
            {
                const CellPulls a = cell_pulls(mp, eps), b = cell_pulls_cpu(mp, eps);
                ASSERT_EQ(a.n, b.n);
                for (int s = 0; s < a.n; ++s)
                    for (int k = 0; k < 4; ++k) ASSERT_EQ(a.p[s].c[k], b.p[s].c[k]) << m_mev << " " << eps;
                for (double delta : {-0.01, -7.7e-4, 0.0, 3e-3})
                {
                    const Chi2Terms x = evaluate_chi2(setup.observables, t, eps, delta);
                    const Chi2Terms y = evaluate_chi2_cpu(setup.observables, t, eps, delta);
                    for (int i = 0; i < setup.observables.n; ++i) ASSERT_EQ(x.term[i], y.term[i]) << i;
                    ASSERT_EQ(x.total, y.total);
                    ASSERT_EQ(chi2_total(a, delta), chi2_total_cpu(a, delta));
                    ++compared;
                }
            }
        }
        EXPECT_EQ(compared, 80);
    }
}

TEST(Correlations, TwoMeasurementsMatchTheClosedForm)
{
    // qweak and p2 share a theory error s: C = [[σ1², s1 s2], [s1 s2, σ2²]], χ²_pair = (r1² σ2² − 2 r1 r2 c + r2² σ1²)
    // / (σ1² σ2² − c²) with r = X^exp − X^th, plus the other measurements' own terms.
    const double s1 = 0.0002, s2 = 0.0002;
    const ScanConfig c = config(R"({"qweak_exp": 0.0045, "qwp_theory": 0.0002})",
                                R"({"p2_exp": 0.00135, "qwp_theory": 0.0002})");
    const auto setup = make_physics_setup(c.physics);
    const auto& obs = setup.observables;
    ASSERT_EQ(obs.corr.on, 1);
    const MassTermsAt at(c.physics, obs);
    const double sig1 = std::hypot(0.0045, s1), sig2 = std::hypot(0.00135, s2), cov = s1 * s2;
    for (double m : {5.0, 47.0, 300.0})
    {
        for (double eps : {1e-4, 2.3e-3, 2e-2})
        {
            for (double delta : {-3e-3, 7.9e-4, 1e-2})
            {
                const MassTerms t = at(m);
                const double r1 = obs.m[0].x_exp - predict_measurement(obs.m[0], t, 0, eps, delta);
                const double r2 = obs.m[4].x_exp - predict_measurement(obs.m[4], t, 4, eps, delta);
                double expected = (r1 * r1 * sig2 * sig2 - 2 * r1 * r2 * cov + r2 * r2 * sig1 * sig1)
                                  / (sig1 * sig1 * sig2 * sig2 - cov * cov);
                const Chi2Terms terms = evaluate_chi2(obs, t, eps, delta);
                for (int i : {1, 2, 3}) expected += terms.term[i];  // the uncorrelated ones
                EXPECT_NEAR(terms.total, expected, 1e-11 * expected) << m << " " << eps << " " << delta;
                // The pull polynomials (what the backends walk) give the same total.
                EXPECT_NEAR(chi2_total(cell_pulls(obs, t, eps), delta), expected, 1e-11 * expected);
            }
        }
    }
}

TEST(Correlations, ProfilesAreExactAndBothBackendsAgreeBitForBit)
{
    const ScanConfig c = config(R"({"qweak_exp": 0.0045, "qwp_theory": 0.0002})",
                                R"({"p2_exp": 0.00135, "qwp_theory": 0.0002})", 12);
    ScanOptions o;
    o.threads = 2;
    o.delta_profile = DeltaProfile::grid;
    const ScanOutput grid = run_scan(c, o, nullptr, nullptr);
    const auto problem = make_scan_problem(c);
    const auto setup = make_physics_setup(c.physics);
    const MassTermsAt at(c.physics, setup.observables);
    const std::size_t n_eps = grid.epsilon.size();
    for (std::size_t cell = 0; cell < grid.chi2_total.size(); ++cell)
    {
        double best = HUGE_VAL;
        for (double d : problem.delta)
            best = std::min(best, evaluate_chi2(setup.observables, at(grid.m_zd_mev[cell / n_eps]),
                                                grid.epsilon[cell % n_eps], d).total);
        EXPECT_NEAR(grid.chi2_total[cell], best, 1e-11 * best) << cell;
    }
    o.delta_profile = DeltaProfile::exact;
    const ScanOutput exact = run_scan(c, o, nullptr, nullptr);
    for (std::size_t cell = 0; cell < grid.chi2_total.size(); ++cell)
        EXPECT_LE(exact.chi2_total[cell], grid.chi2_total[cell] * (1 + 1e-14)) << cell;
    o.backend = Backend::cuda_emulated;
    const ScanOutput device = run_scan(c, o, nullptr, nullptr);
    EXPECT_EQ(device.chi2_total, exact.chi2_total);
    EXPECT_EQ(device.argmin_delta, exact.argmin_delta);
}

TEST(Correlations, SingularMatrixIsRefusedNamingWhatIsShared)
{
    try
    {
        config(R"({"qwp_all": 0.0045})", R"({"qwp_all": 0.00135})");
        FAIL() << "a singular correlation matrix was accepted";
    }
    catch (const ConfigError& e)
    {
        const std::string what = e.what();
        for (const char* part : {"measurements", "not positive definite", "p2", "qweak (qwp_all)"})
            EXPECT_NE(what.find(part), std::string::npos) << part << " not in: " << what;
    }
    // Bad components.
    for (const auto& [errors, part] : {std::pair{R"({"x": -1})", "measurements[4].errors.x"},
                                       {R"({"1x": 1})", "errors.1x"},
                                       {R"([1, 2])", "measurements[4].errors"}})
    {
        try
        {
            config("", errors);
            FAIL() << errors;
        }
        catch (const ConfigError& e)
        {
            EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
        }
    }
}

TEST(Correlations, ConfigRoundTrip)
{
    const ScanConfig c = config(R"({"qweak_exp": 0.0045, "qwp_theory": 0.0002})",
                                R"({"p2_exp": 0.00135, "qwp_theory": 0.0002})");
    const nlohmann::json j = to_json(c);
    EXPECT_EQ(j["measurements"][4]["errors"]["qwp_theory"], 0.0002);
    EXPECT_EQ(to_json(parse_config(j)), j);
}
}  // namespace
}  // namespace zdscan

namespace zdscan
{
namespace
{
TEST(Correlations, ExplicitMatrixEqualsTheSharedComponentItStandsFor)
{
    // The correlation of qweak and p2 given as a matrix, ρ = s²/(σ1 σ2), is the same χ² as the shared component s.
    const double s = 0.0002, sig1 = std::hypot(0.0045, s), sig2 = std::hypot(0.00135, s), rho = s * s / (sig1 * sig2);
    const ScanConfig shared = config(R"({"qweak_exp": 0.0045, "qwp_theory": 0.0002})",
                                     R"({"p2_exp": 0.00135, "qwp_theory": 0.0002})");
    nlohmann::json j = to_json(config(R"({"qweak_exp": 0.0045, "qweak_theory": 0.0002})",
                                      R"({"p2_exp": 0.00135, "p2_theory": 0.0002})"));
    j["correlation"] = {{"measurements", {"qweak", "p2"}}, {"matrix", {{1.0, rho}, {rho, 1.0}}}};
    const ScanConfig matrix = parse_config(j);
    EXPECT_EQ(to_json(parse_config(to_json(matrix))), to_json(matrix));
    const auto a = make_physics_setup(shared.physics), b = make_physics_setup(matrix.physics);
    ASSERT_EQ(b.observables.corr.on, 1);
    const MassTermsAt at_a(shared.physics, a.observables), at_b(matrix.physics, b.observables);
    for (double m : {10.0, 47.0})
        for (double eps : {3e-4, 2.3e-3})
        {
            const double x = evaluate_chi2(a.observables, at_a(m), eps, 7.9e-4).total;
            EXPECT_NEAR(evaluate_chi2(b.observables, at_b(m), eps, 7.9e-4).total, x, 1e-13 * x);
        }
    // Refused: an unknown name, a non-unit diagonal, an asymmetric or out-of-range entry, a singular matrix.
    auto error = [&](const nlohmann::json& corr)
    {
        nlohmann::json k = j;
        k["correlation"] = corr;
        try
        {
            parse_config(k);
        }
        catch (const ConfigError& e)
        {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(error({{"measurements", {"qweak", "nope"}}, {"matrix", {{1, 0}, {0, 1}}}}).find("\"nope\" is not a measurement"),
              std::string::npos);
    EXPECT_NE(error({{"measurements", {"qweak", "p2"}}, {"matrix", {{2, 0}, {0, 1}}}}).find("correlation.matrix[0][0]"),
              std::string::npos);
    EXPECT_NE(error({{"measurements", {"qweak", "p2"}}, {"matrix", {{1, 0.2}, {0.3, 1}}}}).find("symmetric"),
              std::string::npos);
    EXPECT_NE(error({{"measurements", {"qweak", "p2"}}, {"matrix", {{1, 1.5}, {1.5, 1}}}}).find("[-1, 1]"),
              std::string::npos);
    EXPECT_NE(error({{"measurements", {"qweak", "p2"}}, {"matrix", {{1, 1}, {1, 1}}}}).find("not positive definite"),
              std::string::npos);
}
}  // namespace
}  // namespace zdscan
