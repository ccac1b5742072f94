// configs/paper2021.json after the measurements became data: every χ² map equal to zdscan's before the change
// (tests/data/paper2021_small_reference.json, made at the commit named in it) within 1e-13 relative.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
using nlohmann::json;

json reference()
{
    std::ifstream in(ZDSCAN_TEST_DATA_DIR "/paper2021_small_reference.json");
    return json::parse(in);
}

double relative(double a, double b)
{
    return a == b ? 0.0 : std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
}

TEST(Paper2021Unchanged, EveryChi2MapMatchesThePreviousRelease)
{
    const json ref = reference();
    ScanConfig c = default_config();
    c.m_zd_mev.n = 9;
    c.epsilon.n = 8;
    c.delta.n = 7;
    c.delta.min = -0.004;
    ASSERT_EQ(c.m_zd_mev.values(), ref["grid"]["m_zd_mev"].get<std::vector<double>>());
    ASSERT_EQ(c.delta.values(), ref["grid"]["delta"].get<std::vector<double>>());

    ScanOptions o;
    o.backend = Backend::cpu;
    o.full_grid = true;
    o.delta_profile = DeltaProfile::grid;  // the previous release's profile and 3-D refinement
    std::vector<double> full;
    const ScanOutput out = run_scan(
        c, o, [&](const Tile&, const std::vector<double>& v) { full.insert(full.end(), v.begin(), v.end()); }, nullptr);
    const auto ref_total = ref["chi2_total"].get<std::vector<double>>();
    ASSERT_EQ(full.size(), ref_total.size());
    double worst = 0;
    int identical = 0;
    for (std::size_t i = 0; i < full.size(); ++i)
    {
        worst = std::max(worst, relative(full[i], ref_total[i]));
        identical += full[i] == ref_total[i];
    }
    EXPECT_LE(worst, 1e-13);
    RecordProperty("identical_points", identical);
    RecordProperty("worst_relative", std::to_string(worst));

    // Each term on the full grid, by name.
    const ScanProblem problem = make_scan_problem(c);
    const auto m = c.m_zd_mev.values();
    std::size_t k = 0;
    for (std::size_t im = 0; im < m.size(); ++im)
    {
        const MassTerms t = make_mass_terms(problem.observables, m[im] * 1e-3, &problem.mass_inputs[im * mass_inputs_per_mass]);
        for (double e : problem.epsilon)
        {
            for (double d : problem.delta)
            {
                const Chi2Terms terms = evaluate_chi2(problem.observables, t, e, d);
                for (std::size_t i = 0; i < c.physics.measurements.size(); ++i)
                {
                    const double before = ref["terms"][c.physics.measurements[i].name][k].get<double>();
                    EXPECT_LE(relative(terms.term[i], before), 1e-13) << c.physics.measurements[i].name << " " << k;
                }
                ++k;
            }
        }
    }
    EXPECT_EQ(out.argmin_delta_index, ref["argmin_delta_index"].get<std::vector<std::int32_t>>());
    EXPECT_LE(relative(out.refined.chi2, ref["refined"]["chi2"].get<double>()), 1e-13);
    EXPECT_LE(relative(out.refined.m_zd_mev, ref["refined"]["m_zd_mev"].get<double>()), 1e-13);
}
}  // namespace
}  // namespace zdscan
