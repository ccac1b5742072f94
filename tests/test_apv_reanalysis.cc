// The Q_W(133Cs) reanalysis (seed paper eqs. 16-23): every step against the paper's printed numbers, the skin
// moments against a closed form, the uncertainty budget against a Monte Carlo, and the config's checks.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "zdscan/io/config.hpp"
#include "zdscan/physics/apv_reanalysis.hpp"
#include "zdscan/physics/constants.hpp"

namespace zdscan
{
namespace
{
using nlohmann::json;

const ApvReanalysisInputs& paper()
{
    static const ApvReanalysisInputs in = paper_apv_reanalysis_inputs();
    return in;
}

/// A printed value "v(s)": the computed value and σ must round to it (half a unit of the last digit, plus 1e-9).
void expect_printed(const DerivedValue& d, double value, double sigma, double unit, const char* what)
{
    EXPECT_LE(std::fabs(d.value - value), 0.5 * unit + 1e-9) << what << ": " << d.value;
    EXPECT_LE(std::fabs(d.sigma - sigma), 0.5 * unit + 1e-9) << what << " sigma: " << d.sigma;
}

TEST(ApvReanalysis, EveryStepReproducesThePaper)
{
    const ApvReanalysis r = compute_apv_reanalysis(paper());
    expect_printed(r.hadronic_skin_cs_fm, 0.13, 0.04, 0.01, "eq. 16, 133Cs");
    expect_printed(r.hadronic_skin_pb_fm, 0.17, 0.04, 0.01, "eq. 16, 208Pb");
    expect_printed(r.skin_point_cs_fm, 0.22, 0.05, 0.01, "eq. 18");
    expect_printed(r.r_n_fm, 5.03, 0.05, 0.01, "eq. 19");
    // Eq. 20 without a skin correction: the paper's "≈ −72.68" (the arithmetic 78 × −3.0967 × 27.064 / 0.8995 / 100).
    EXPECT_NEAR(r.qw_without_skin.value, 78 * -3.0967 * 27.064 / 0.8995 / 100, 1e-12);
    EXPECT_NEAR(r.qw_without_skin.value, -72.68, 0.01);
    // Eq. 23, −72.94(43): the acceptance is ±0.02 on the value and on the error.
    EXPECT_NEAR(r.qw.value, -72.94, 0.02);
    EXPECT_NEAR(r.qw.sigma, 0.43, 0.02);
    // The skin term sits in the range every reasonable density and f(r) give (apv-notes §2.4: 0.0031–0.0034).
    EXPECT_GT(r.skin_factor.value, 0.0031);
    EXPECT_LT(r.skin_factor.value, 0.0035);
}

TEST(ApvReanalysis, BudgetAddsUpAndNamesTheInputs)
{
    const ApvReanalysis r = compute_apv_reanalysis(paper());
    double total = 0;
    for (const auto& b : r.budget) total += b.sigma_qw * b.sigma_qw;
    EXPECT_NEAR(std::sqrt(total), r.qw.sigma, 1e-12);
    ASSERT_GE(r.budget.size(), 7u);
    // Largest first: atomic theory 0.445 %, experiment 0.346 %, β 0.122 % of 72.9 (apv-notes §2.2).
    EXPECT_EQ(r.budget[0].input, "im_epnc_wns_th");
    EXPECT_NEAR(r.budget[0].sigma_qw, 72.936 * 0.0040 / 0.8995, 0.002);
    EXPECT_EQ(r.budget[1].input, "im_epnc_over_beta_exp");
    EXPECT_NEAR(r.budget[1].sigma_qw, 72.936 * 0.0107 / 3.0967, 0.002);
    EXPECT_EQ(r.budget[2].input, "beta_ab3");
    EXPECT_EQ(r.budget[3].input, "pb208_skin_point_fm");
    for (const auto& b : r.budget)
    {
        EXPECT_NE(b.input, "hadronic_offset_fm") << "an input the PREX chain does not use";
        EXPECT_NE(b.input, "direct_r_n_point_fm");
    }
}

TEST(ApvReanalysis, LinearBudgetAgreesWithAMonteCarlo)
{
    // Gaussian inputs, f(r) held at the central R_p (its R_p dependence is ~1e-4 of σ, see the budget).
    const ApvReanalysisInputs in = paper();
    const ApvReanalysis linear = compute_apv_reanalysis(in);
    const AxialElectronDensity w(constants::cs133_z, in.r_p_fm.value);
    std::mt19937_64 rng(20210716);
    std::normal_distribution<double> gauss;
    MeasuredInput ApvReanalysisInputs::*fields[] = {&ApvReanalysisInputs::im_epnc_over_beta_exp,
                                                    &ApvReanalysisInputs::beta_ab3,
                                                    &ApvReanalysisInputs::im_epnc_wns_th,
                                                    &ApvReanalysisInputs::qw_sm,
                                                    &ApvReanalysisInputs::r_p_fm,
                                                    &ApvReanalysisInputs::pb208_skin_point_fm,
                                                    &ApvReanalysisInputs::skin_slope,
                                                    &ApvReanalysisInputs::skin_intercept_fm};
    const int n = 4000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i)
    {
        ApvReanalysisInputs s = in;
        for (auto f : fields) (s.*f).value += gauss(rng) * (s.*f).sigma;
        const double qw = apv_weak_charge(s, w);
        sum += qw;
        sum2 += qw * qw;
    }
    const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
    // σ of a sample σ is σ/sqrt(2n) ≈ 1.1 %: 5 % is over 4 standard errors.
    EXPECT_NEAR(sd / linear.qw.sigma, 1.0, 0.05) << "MC " << sd << " linear " << linear.qw.sigma;
    EXPECT_NEAR(mean, linear.qw.value, 4 * linear.qw.sigma / std::sqrt(n));
}

TEST(ApvReanalysis, NoSkinGivesUnitRatioAndQwWithoutCorrection)
{
    // R_n = R_p (a direct point-neutron radius equal to the point-proton radius): q_n/q_p = 1 exactly.
    ApvReanalysisInputs in = paper();
    in.skin_source = ApvReanalysisInputs::SkinSource::direct;
    in.direct_r_n_point_fm.value = std::sqrt(in.r_p_fm.value * in.r_p_fm.value - 0.84 * 0.84);
    const ApvReanalysis r = compute_apv_reanalysis(in);
    EXPECT_NEAR(r.r_n_fm.value, in.r_p_fm.value, 1e-12);
    EXPECT_NEAR(r.q_n.value / r.q_p.value, 1.0, 1e-14);
    EXPECT_NEAR(r.qw.value, r.qw_without_skin.value, 1e-11);
}

TEST(ApvReanalysis, WeakChargeFallsMonotonicallyWithTheNeutronRadius)
{
    ApvReanalysisInputs in = paper();
    in.skin_source = ApvReanalysisInputs::SkinSource::direct;
    const AxialElectronDensity w(constants::cs133_z, in.r_p_fm.value);
    double previous = HUGE_VAL;
    for (double r_n = 4.5; r_n <= 5.6; r_n += 0.05)
    {
        in.direct_r_n_point_fm.value = r_n;
        const double qw = apv_weak_charge(in, w);
        EXPECT_LT(qw, previous) << r_n;  // a larger skin means a larger |Q_W|
        previous = qw;
    }
}

TEST(ApvReanalysis, SkinMomentMatchesTheSmallZaClosedForm)
{
    // Inside a uniformly charged sphere (radius R, x = r/R) and at threshold (E = m_e), expanding the Dirac equation
    // to second order in Zα and first order in m_e R (docs/physics.md, "APV reanalysis"):
    //   f(r) = 1 − (Zα)² [x²/2 − x⁴/10 + x⁶/150] − Zα m_e R [2x²/3 − x⁴/15],
    // so for ρ the same sphere q = 3 ∫ f x² dx = 1 − (Zα)² (3/10 − 3/70 + 1/450) − (13/35) Zα m_e R.
    // (The m_e term is 2m_e against V(0) = −3Zα/2R in E + m_e − V: 20 % of the correction for Z = 8, 1.5 % for Cs.)
    const double m_e_inv_fm = constants::m_e_gev * 1e3 / constants::hbar_c_mev_fm;
    for (int z : {4, 8, 16})
    {
        const double za = z * constants::alpha;
        const AxialElectronDensity w(z, 3.0);
        const double radius = w.sphere_radius_fm();
        const double q = axial_density_moment(make_nuclear_density(NuclearDensity::Shape::uniform, 3.0), w);
        const double expected = za * za * (3.0 / 10 - 3.0 / 70 + 1.0 / 450) + 13.0 / 35 * za * m_e_inv_fm * radius;
        // The next terms are O((Zα)³) and O(Zα (m_e R)²); measured: (ratio − 1)/Zα = −0.006, −0.010, −0.018.
        EXPECT_NEAR((1 - q) / expected, 1.0, 0.03 * za) << "Z = " << z;
    }
}

TEST(ApvReanalysis, FermiDensityIsNormalisedWithTheRequestedRadius)
{
    const auto rho = make_nuclear_density(NuclearDensity::Shape::fermi, 4.821, 0.52);
    double norm = 0, r2 = 0;
    const int n = 200000;
    const double h = rho.r_max_fm() / n;
    for (int i = 0; i < n; ++i)
    {
        const double r = (i + 0.5) * h;
        norm += 4 * constants::pi * r * r * rho(r) * h;
        r2 += 4 * constants::pi * r * r * r * r * rho(r) * h;
    }
    EXPECT_NEAR(norm, 1.0, 1e-8);
    EXPECT_NEAR(std::sqrt(r2), 4.821, 1e-6);
    EXPECT_THROW(make_nuclear_density(NuclearDensity::Shape::fermi, 1.0, 0.52), std::invalid_argument);
}

TEST(ApvReanalysis, ASecondDensityShapeMovesTheResultByLessThanItsError)
{
    ApvReanalysisInputs fermi = paper();
    fermi.density = NuclearDensity::Shape::fermi;
    const ApvReanalysis u = compute_apv_reanalysis(paper()), f = compute_apv_reanalysis(fermi);
    EXPECT_LT(std::fabs(f.qw.value - u.qw.value), 0.1 * u.qw.sigma);
    EXPECT_NE(f.qw.value, u.qw.value);
}

TEST(ApvReanalysis, Alternatives)
{
    const auto rows = apv_alternatives(paper());
    auto find = [&](const std::string& prefix)
    {
        for (const auto& r : rows)
            if (r.name.rfind(prefix, 0) == 0) return r;
        ADD_FAILURE() << "no row " << prefix;
        return ApvAlternative{};
    };
    EXPECT_NEAR(find("as configured").qw.value, -72.94, 0.02);
    EXPECT_NEAR(find("no neutron-skin").qw.value, -72.675, 0.001);
    // Hadronic skin 0.13 fm: R_n = sqrt((4.7473 + 0.1347)² + 0.84²).
    EXPECT_NEAR(find("hadronic skin").r_n_fm, std::hypot(4.74726 + 0.13466, 0.84), 1e-4);
    // Direct p–133Cs point R_n = 4.86(21) fm: physical 4.93(21) fm, Q_W ≈ −72.81 ± 0.49 (inputs2025.md §5).
    const auto direct = find("direct R_n");
    EXPECT_NEAR(direct.r_n_fm, 4.93, 0.005);
    EXPECT_NEAR(direct.qw.value, -72.81, 0.02);
    EXPECT_NEAR(direct.qw.sigma, 0.49, 0.02);
    // Sahoo 2021 is published, not recomputed; the implied amplitude reproduces it through the chain.
    const auto sahoo = find("Sahoo");
    EXPECT_DOUBLE_EQ(sahoo.qw.value, -73.71);
    ApvReanalysisInputs with_amplitude = paper();
    with_amplitude.im_epnc_wns_th.value = implied_wns_amplitude(paper(), -73.71);
    EXPECT_NEAR(compute_apv_reanalysis(with_amplitude).qw.value, -73.71, 1e-9);
}

/// parse_config on the default with `edit` applied must fail naming `field`.
void expect_config_error(const std::function<void(json&)>& edit, const std::string& field)
{
    json j = json::parse(default_config_json());
    edit(j);
    try
    {
        parse_config(j);
        ADD_FAILURE() << "no error for " << field;
    }
    catch (const ConfigError& e)
    {
        EXPECT_EQ(std::string(e.what()).rfind(field, 0), 0u) << e.what();
    }
}

TEST(ApvReanalysis, BadInputsNameTheField)
{
    expect_config_error([](json& j) { j["apv_reanalysis"]["r_p_fm"]["value"] = -1; }, "apv_reanalysis.r_p_fm.value");
    expect_config_error([](json& j) { j["apv_reanalysis"]["pb208_skin_point_fm"]["sigma"] = -0.1; },
                        "apv_reanalysis.pb208_skin_point_fm.sigma");
    expect_config_error([](json& j) { j["apv_reanalysis"]["prex"] = 1; }, "apv_reanalysis.prex: unknown key");
    expect_config_error([](json& j) { j["apv_reanalysis"]["beta_ab3"]["err"] = 1; },
                        "apv_reanalysis.beta_ab3.err: unknown key");
    expect_config_error([](json& j) { j["apv_reanalysis"]["skin_source"] = "crex"; }, "apv_reanalysis.skin_source");
    expect_config_error([](json& j) { j["apv_reanalysis"]["density"] = "gaussian"; }, "apv_reanalysis.density");
    expect_config_error([](json& j) { j["apv_reanalysis"]["fermi_diffuseness_fm"] = 5; },
                        "apv_reanalysis.fermi_diffuseness_fm");
    expect_config_error(
        [](json& j)
        {
            j["apv_reanalysis"]["nucleon_radius_fm"]["value"] = 1.9;
            j["apv_reanalysis"]["r_p_fm"]["value"] = 1.0;
        },
        "apv_reanalysis.r_p_fm");
    expect_config_error([](json& j) { j["measurements"][2]["exp"] = "reanalysis"; }, "measurements[2].exp");
    expect_config_error(
        [](json& j)
        {
            j["measurements"][1]["exp"] = "reanalysis";  // exp_sigma still there
        },
        "measurements[1].exp_sigma");
}

TEST(ApvReanalysis, AScanCanTakeItsApvMeasurementFromTheReanalysis)
{
    json j = json::parse(default_config_json());
    j["measurements"][1]["exp"] = "reanalysis";
    j["measurements"][1].erase("exp_sigma");
    j["apv_reanalysis"]["skin_source"] = "hadronic";
    const ScanConfig c = parse_config(j);
    ApvReanalysisInputs hadronic = paper();
    hadronic.skin_source = ApvReanalysisInputs::SkinSource::hadronic;
    const ApvReanalysis expected = compute_apv_reanalysis(hadronic);
    EXPECT_DOUBLE_EQ(c.physics.measurements[1].exp, expected.qw.value);
    EXPECT_DOUBLE_EQ(c.physics.measurements[1].exp_sigma, expected.qw.sigma);
    ASSERT_TRUE(c.apv_reanalysis_result.has_value());
    // The resolved config keeps the recipe, not the number, and reads back to the same scan.
    const json resolved = to_json(c);
    EXPECT_EQ(resolved["measurements"][1]["exp"], "reanalysis");
    EXPECT_EQ(resolved["apv_reanalysis"]["skin_source"], "hadronic");
    EXPECT_DOUBLE_EQ(parse_config(resolved).physics.measurements[1].exp, expected.qw.value);
}
}  // namespace
}  // namespace zdscan
