// The CPU scan engine and driver: reductions are exact, independent of threads and tiles, and consistent
// with the full grid and with direct evaluation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "scan_test_configs.hpp"
#include "zdscan/physics/pull_polynomial.hpp"
#include "zdscan/scan/delta_walk.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
struct Collected
{
    ScanOutput out;
    std::vector<double> full;  // [n_m][n_eps][n_delta]
};

/// tile_points > 0 bounds the tile size in points (splitting mass rows when smaller than one row).
Collected run(const ScanConfig& c, int threads, int tile, bool full, Backend backend = Backend::cpu,
              std::int64_t tile_points = 0, DeltaProfile profile = DeltaProfile::exact)
{
    Collected r;
    ScanOptions o;
    o.delta_profile = profile;
    o.backend = backend;
    o.threads = threads;
    o.tile_masses = tile;
    o.tile_points = tile_points;
    o.full_grid = full;
    r.full.assign(static_cast<std::size_t>(c.m_zd_mev.n) * c.epsilon.n * c.delta.n, NAN);
    r.out = run_scan(
        c, o,
        [&](const Tile& t, const std::vector<double>& chi2)
        {
            const auto first = (static_cast<std::ptrdiff_t>(t.m_begin) * c.epsilon.n + t.eps_begin) * c.delta.n;
            std::copy(chi2.begin(), chi2.end(), r.full.begin() + first);
        },
        nullptr);
    return r;
}

TEST(ScanEngine, IdenticalForAnyThreadCountAndTileSize)
{
    const auto c = test::small_paper_config(23, 19, 17);
    const auto ref = run(c, 1, 23, false).out;
    for (int threads : {1, 2, 3})
    {
        for (int tile : {1, 4, 7, 23})
        {
            const auto o = run(c, threads, tile, false).out;
            EXPECT_EQ(o.chi2_total, ref.chi2_total) << threads << " " << tile;
            EXPECT_EQ(o.argmin_delta_index, ref.argmin_delta_index);
            EXPECT_EQ(o.profile_delta, ref.profile_delta);
            EXPECT_EQ(o.profile_m, ref.profile_m);
            EXPECT_EQ(o.profile_eps, ref.profile_eps);
            EXPECT_EQ(o.best.i_m, ref.best.i_m);
            EXPECT_EQ(o.best.i_eps, ref.best.i_eps);
            EXPECT_EQ(o.best.i_delta, ref.best.i_delta);
        }
    }
}

TEST(ScanEngine, ProfilesAreMinimaOfTheFullGrid)
{
    const auto c = test::small_paper_config(21, 18, 15);
    const auto r = run(c, 2, 4, true, Backend::cpu, 0, DeltaProfile::grid);
    const auto& o = r.out;
    const std::size_t n_m = 21, n_eps = 18, n_delta = 15;
    double global = HUGE_VAL;
    for (std::size_t im = 0; im < n_m; ++im)
    {
        for (std::size_t ie = 0; ie < n_eps; ++ie)
        {
            const auto row = r.full.begin() + static_cast<std::ptrdiff_t>((im * n_eps + ie) * n_delta);
            const auto it = std::min_element(row, row + static_cast<std::ptrdiff_t>(n_delta));  // first minimum
            EXPECT_EQ(o.chi2_total[im * n_eps + ie], *it);
            EXPECT_EQ(o.argmin_delta_index[im * n_eps + ie], it - row);
            global = std::min(global, *it);
        }
    }
    for (std::size_t k = 0; k < n_delta; ++k)
    {
        double m = HUGE_VAL;
        for (std::size_t cell = 0; cell < n_m * n_eps; ++cell)
        {
            m = std::min(m, r.full[cell * n_delta + k]);
        }
        EXPECT_EQ(o.profile_delta[k], m) << k;
    }
    for (std::size_t im = 0; im < n_m; ++im)
    {
        EXPECT_EQ(o.profile_m[im],
                  *std::min_element(o.chi2_total.begin() + static_cast<std::ptrdiff_t>(im * n_eps),
                                    o.chi2_total.begin() + static_cast<std::ptrdiff_t>((im + 1) * n_eps)));
    }
    EXPECT_EQ(o.best.chi2, global);
    EXPECT_EQ(*std::min_element(o.profile_eps.begin(), o.profile_eps.end()), global);
}

TEST(ScanEngine, ExactProfileIsBelowTheGridAndKeepsItsGridArgmin)
{
    const auto c = test::small_paper_config(21, 18, 15);
    const auto grid = run(c, 2, 4, true, Backend::cpu, 0, DeltaProfile::grid);
    const auto exact = run(c, 2, 4, true);
    EXPECT_EQ(exact.full, grid.full);
    EXPECT_EQ(exact.out.argmin_delta_index, grid.out.argmin_delta_index);
    EXPECT_EQ(exact.out.profile_delta, grid.out.profile_delta);  // the δ profile stays on the δ grid
    int strictly_below = 0;
    for (std::size_t cell = 0; cell < exact.out.chi2_total.size(); ++cell)
    {
        EXPECT_LE(exact.out.chi2_total[cell], grid.out.chi2_total[cell]);
        EXPECT_GE(exact.out.argmin_delta[cell], -0.004);
        EXPECT_LE(exact.out.argmin_delta[cell], 0.01);
        strictly_below += exact.out.chi2_total[cell] < grid.out.chi2_total[cell];
    }
    EXPECT_GT(strictly_below, 100);  // 15 δ points rarely hit the minimum
    EXPECT_LE(exact.out.best.chi2, grid.out.best.chi2);
}

TEST(ScanEngine, CellsMatchDirectEvaluation)
{
    const auto c = test::small_paper_config(9, 8, 7);
    const auto r = run(c, 2, 3, true);
    const auto problem = make_scan_problem(c);
    const auto m = c.m_zd_mev.values();
    for (std::size_t im = 0; im < 9; ++im)
    {
        const auto t = make_mass_terms(problem.observables, m[im] * 1e-3, &problem.k_apv[im * max_measurements]);
        for (std::size_t ie = 0; ie < 8; ++ie)
        {
            for (std::size_t k = 0; k < 7; ++k)
            {
                // Bit for bit the scalar form of the δ loop; the direct formulas to their rounding.
                const double v = r.full[(im * 8 + ie) * 7 + k];
                EXPECT_EQ(v, chi2_total(cell_pulls(problem.observables, t, problem.epsilon[ie]), problem.delta[k]));
                const auto direct = evaluate_chi2(problem.observables, t, problem.epsilon[ie], problem.delta[k]);
                EXPECT_NEAR(v, direct.total, std::max(1e-12 * direct.total, 1e-14));
            }
            const std::size_t cell = im * 8 + ie;
            const auto at = evaluate_chi2(problem.observables, t, problem.epsilon[ie], r.out.argmin_delta[cell]);
            double sum = 0;
            for (int i = 0; i < problem.observables.n; ++i)
            {
                EXPECT_EQ(r.out.chi2_terms[static_cast<std::size_t>(i)][cell], at.term[i]);
                sum += r.out.chi2_terms[static_cast<std::size_t>(i)][cell];
            }
            EXPECT_NEAR(sum, r.out.chi2_total[cell], 1e-12 * r.out.chi2_total[cell]);
        }
    }
}

TEST(ScanEngine, TiesGoToTheLowestDeltaIndex)
{
    // With every term disabled χ² ≡ 0: the argmin must be the first δ everywhere, the best fit the first cell.
    auto c = test::small_paper_config(5, 4, 6);
    for (auto& m : c.physics.measurements) m.enabled = false;
    const auto o = run(c, 2, 2, false).out;
    for (auto i : o.argmin_delta_index)
    {
        EXPECT_EQ(i, 0);
    }
    EXPECT_EQ(o.best.i_m, 0);
    EXPECT_EQ(o.best.i_eps, 0);
}

TEST(ScanEngine, TilePlanCoversEveryCellOnceInOrder)
{
    for (const std::int64_t points : {1LL, 7LL, 16LL, 17LL, 100LL, 1LL << 20})
    {
        ScanOptions o;
        o.tile_points = points;
        const int n_m = 5, n_eps = 13, n_delta = 4;
        const TilePlan plan = plan_tiles(o, 1 << 22, n_m, n_eps, n_delta);
        std::int64_t next_cell = 0;
        Tile t = plan.first();
        do
        {
            EXPECT_TRUE(t.m_end - t.m_begin == 1 || (t.eps_begin == 0 && t.eps_end == n_eps));
            EXPECT_LE(t.cells() * n_delta, std::max<std::int64_t>(points, n_delta)) << points;
            EXPECT_EQ(static_cast<std::int64_t>(t.m_begin) * n_eps + t.eps_begin, next_cell);
            next_cell += t.cells();
        } while (plan.next(t));
        EXPECT_EQ(next_cell, n_m * n_eps) << points;
    }
}

TEST(ScanEngine, SplitRowChunksAlignWithTheFileChunks)
{
    // A split row uses ε ranges that are whole multiples of the 512-wide file chunk when they exceed it.
    ScanOptions o;
    o.tile_points = 1300LL * 1000;
    const TilePlan plan = plan_tiles(o, 1 << 22, 2, 5000, 1000);
    EXPECT_EQ(plan.eps_per_tile, 1024);
    o.tile_points = 300LL * 1000;
    EXPECT_EQ(plan_tiles(o, 1 << 22, 2, 5000, 1000).eps_per_tile, 300);
}

TEST(ScanEngine, RowSplittingTilesGiveIdenticalResults)
{
    // Tiles smaller than one mass row (down to a single cell) change nothing, full grid included.
    const auto c = test::small_paper_config(7, 11, 9);
    const auto ref = run(c, 1, 7, true);
    for (int threads : {1, 2})
    {
        for (std::int64_t points : {9LL, 27LL, 50LL, 99LL})
        {
            const auto r = run(c, threads, 0, true, Backend::cpu, points);
            EXPECT_EQ(r.full, ref.full) << points;
            EXPECT_EQ(r.out.chi2_total, ref.out.chi2_total);
            EXPECT_EQ(r.out.argmin_delta_index, ref.out.argmin_delta_index);
            EXPECT_EQ(r.out.profile_delta, ref.out.profile_delta);
            EXPECT_EQ(r.out.best.i_m, ref.out.best.i_m);
            EXPECT_EQ(r.out.best.i_eps, ref.out.best.i_eps);
        }
    }
}

TEST(ScanEngine, NonFiniteChi2IsAnErrorNamingTheMeasurementAndPoint)
{
    // Inputs the config reader would refuse, set directly: σ so small that every Qweak pull squares to inf.
    auto c = test::small_paper_config(4, 3, 5);
    c.physics.measurements[0].exp_sigma = 1e-300;  // qweak
    c.physics.measurements[0].sm_sigma = 0;
    try
    {
        run(c, 2, 0, false);
        ADD_FAILURE() << "no error";
    }
    catch (const NonFiniteChi2& e)
    {
        const std::string what = e.what();
        EXPECT_NE(what.find("qweak = inf"), std::string::npos) << what;
        EXPECT_NE(what.find("grid index 0, 0, 0"), std::string::npos) << what;  // the first point in grid order
        EXPECT_NE(what.find("m_Zd = 1 MeV"), std::string::npos) << what;
        EXPECT_EQ(what.find("a_e ="), std::string::npos) << what;
    }
}

TEST(ScanEngine, NonFiniteDisabledTermIsAnErrorToo)
{
    // A disabled term is still written to the file: it must not be inf either.
    auto c = test::small_paper_config(3, 3, 3);
    c.physics.measurements[3].exp_sigma = 1e-300;  // a_e
    c.physics.measurements[3].sm_sigma = 0;
    c.physics.measurements[3].enabled = false;
    EXPECT_THROW(run(c, 1, 0, false), NonFiniteChi2);
}

TEST(ScanEngine, CancelStopsAfterTheFirstTile)
{
    const auto c = test::small_paper_config(6, 5, 4);
    std::atomic<bool> cancel{true};
    ScanOptions o;
    o.backend = Backend::cpu;
    o.tile_points = 20;
    o.cancel = &cancel;
    int tiles = 0;
    EXPECT_THROW(run_scan(
                     c, o, [&](const Tile&, const std::vector<double>&) { ++tiles; }, nullptr),
                 ScanInterrupted);
    o.full_grid = true;
    EXPECT_THROW(run_scan(
                     c, o, [&](const Tile&, const std::vector<double>&) { ++tiles; }, nullptr),
                 ScanInterrupted);
    EXPECT_EQ(tiles, 1);
}

TEST(ScanEngine, DeltaSlicesEqualTheFullGridAtThoseDeltas)
{
    const auto c = test::small_paper_config(6, 5, 5);  // δ axis −0.004 … 0.01: 0.0025 is index 2
    ScanOptions o;
    o.backend = Backend::cpu;
    o.full_grid = true;
    o.delta_slices = {c.delta.values()[2], 7.9e-4};
    std::vector<double> full;
    const ScanOutput out = run_scan(
        c, o, [&](const Tile&, const std::vector<double>& v) { full.insert(full.end(), v.begin(), v.end()); }, nullptr);
    ASSERT_EQ(out.slices.size(), 2u);
    const std::size_t n_meas = c.physics.measurements.size();
    const auto problem = make_scan_problem(c);
    const auto m = c.m_zd_mev.values();
    for (std::size_t cell = 0; cell < 30; ++cell)
    {
        EXPECT_EQ(out.slices[0][n_meas][cell], full[cell * 5 + 2]);  // the total, last
        const auto t =
            make_mass_terms(problem.observables, m[cell / 5] * 1e-3, &problem.k_apv[(cell / 5) * max_measurements]);
        const auto direct = evaluate_chi2(problem.observables, t, problem.epsilon[cell % 5], 7.9e-4);
        for (std::size_t i = 0; i < n_meas; ++i) EXPECT_EQ(out.slices[1][i][cell], direct.term[i]);
    }
}

TEST(ScanEngine, CpuAndCudaAgree)
{
    if (cuda_device_count() == 0)
    {
        GTEST_SKIP() << "no CUDA device (or a build without the CUDA backend): CPU/GPU agreement not checked here";
    }
    const auto c = test::small_paper_config(37, 29, 31);
    const auto cpu = run(c, 2, 5, true);
    const auto gpu = run(c, 0, 5, true, Backend::cuda);
    EXPECT_EQ(gpu.out.backend, "cuda");
    const auto problem = make_scan_problem(c);
    auto cpu_engine = make_cpu_engine(problem, 1);
    auto gpu_engine = make_cuda_engine(problem);
    const auto mc = cpu_engine->mass_terms(), mg = gpu_engine->mass_terms();
    for (std::size_t i = 0; i < mc.size(); ++i)
    {
        for (int k = 0; k < problem.observables.n; ++k)
        {
            EXPECT_NEAR(mg[i].f[k], mc[i].f[k], 1e-14 * mc[i].f[k]) << i << " " << k;
            EXPECT_NEAR(mg[i].fa[k], mc[i].fa[k], 1e-14 * mc[i].fa[k]) << i << " " << k;
        }
    }
    for (std::size_t i = 0; i < cpu.full.size(); ++i)
    {
        ASSERT_NEAR(gpu.full[i], cpu.full[i], 1e-12 * cpu.full[i]) << i;
    }
    for (std::size_t i = 0; i < cpu.out.chi2_total.size(); ++i)
    {
        EXPECT_NEAR(gpu.out.chi2_total[i], cpu.out.chi2_total[i], 1e-12 * cpu.out.chi2_total[i]);
    }
    EXPECT_EQ(gpu.out.argmin_delta_index, cpu.out.argmin_delta_index);
    for (std::size_t k = 0; k < cpu.out.profile_delta.size(); ++k)
    {
        EXPECT_NEAR(gpu.out.profile_delta[k], cpu.out.profile_delta[k], 1e-12 * cpu.out.profile_delta[k]);
    }
    for (std::size_t i = 0; i < cpu.out.argmin_delta.size(); ++i)  // the exact profile's δ
    {
        EXPECT_NEAR(gpu.out.argmin_delta[i], cpu.out.argmin_delta[i], 1e-9 * (0.014)) << i;
    }
    // Tiles that split mass rows: the same device results.
    const auto gpu_split = run(c, 0, 0, true, Backend::cuda, 31 * 7);
    EXPECT_EQ(gpu_split.full, gpu.full);
    EXPECT_EQ(gpu_split.out.argmin_delta_index, gpu.out.argmin_delta_index);
    EXPECT_EQ(gpu_split.out.chi2_total, gpu.out.chi2_total);
    // The grid profile, and δ axes that take one, several and a partial δ chunk of the warp kernel.
    const auto cpu_grid = run(c, 2, 5, false, Backend::cpu, 0, DeltaProfile::grid);
    const auto gpu_grid = run(c, 0, 5, false, Backend::cuda, 0, DeltaProfile::grid);
    EXPECT_EQ(gpu_grid.out.argmin_delta_index, cpu_grid.out.argmin_delta_index);
    for (std::size_t i = 0; i < cpu_grid.out.chi2_total.size(); ++i)
    {
        EXPECT_NEAR(gpu_grid.out.chi2_total[i], cpu_grid.out.chi2_total[i], 1e-12 * cpu_grid.out.chi2_total[i]);
    }
    for (int n_delta : {1, 32, 129, 700})
    {
        const auto shape = test::small_paper_config(7, 5, n_delta);
        const auto a = run(shape, 2, 0, true), b = run(shape, 0, 0, true, Backend::cuda);
        EXPECT_EQ(b.out.argmin_delta_index, a.out.argmin_delta_index) << n_delta;
        for (std::size_t i = 0; i < a.full.size(); ++i) ASSERT_NEAR(b.full[i], a.full[i], 1e-12 * a.full[i]) << i;
        for (std::size_t k = 0; k < a.out.profile_delta.size(); ++k)
        {
            EXPECT_NEAR(b.out.profile_delta[k], a.out.profile_delta[k], 1e-12 * a.out.profile_delta[k]) << k;
        }
    }
}

TEST(ScanEngine, EveryCpuInstructionSetGivesTheSameBits)
{
    const auto c = test::small_paper_config(11, 9, 600);  // two δ blocks of the vectorised loop, one partial
    const char* before = std::getenv("ZDSCAN_CPU_ISA");
    const std::string saved = before ? before : "";
    setenv("ZDSCAN_CPU_ISA", "generic", 1);
    const auto ref = run(c, 2, 0, true);
    int compared = 0;
    for (CpuIsa isa : {CpuIsa::avx2, CpuIsa::avx512})
    {
        if (!cpu_isa_available(isa)) continue;
        setenv("ZDSCAN_CPU_ISA", to_string(isa).c_str(), 1);
        const auto r = run(c, 2, 0, true);
        EXPECT_EQ(r.full, ref.full) << to_string(isa);
        EXPECT_EQ(r.out.chi2_total, ref.out.chi2_total) << to_string(isa);
        EXPECT_EQ(r.out.argmin_delta, ref.out.argmin_delta) << to_string(isa);
        EXPECT_EQ(r.out.profile_delta, ref.out.profile_delta) << to_string(isa);
        ++compared;
    }
    if (saved.empty()) unsetenv("ZDSCAN_CPU_ISA");
    else setenv("ZDSCAN_CPU_ISA", saved.c_str(), 1);
    RecordProperty("variants_compared_with_generic", compared);
    // And the scalar form of the loop (the GPU's): every point, bit for bit.
    const auto problem = make_scan_problem(c);
    const auto m = c.m_zd_mev.values();
    for (std::size_t im = 0; im < 11; ++im)
    {
        const auto t = make_mass_terms(problem.observables, m[im] * 1e-3, &problem.k_apv[im * max_measurements]);
        for (std::size_t ie = 0; ie < 9; ++ie)
        {
            const CellPulls p = cell_pulls(problem.observables, t, problem.epsilon[ie]);
            for (std::size_t k = 0; k < 600; ++k)
            {
                ASSERT_EQ(ref.full[(im * 9 + ie) * 600 + k], chi2_total(p, problem.delta[k]));
            }
        }
    }
}

TEST(ScanEngine, ManyMeasurementsGiveTheScalarBitsOnEveryInstructionSet)
{
    // 9, 12 and 16 measurements (the paper's four, repeated under other names): the δ loop sums them in passes of
    // at most eight pulls, one fused chain carried across the passes, so every point is chi2_total's bits.
    const char* before = std::getenv("ZDSCAN_CPU_ISA");
    const std::string saved = before ? before : "";
    for (int n_meas : {9, 12, 16})
    {
        nlohmann::json j = nlohmann::json::parse(default_config_json());
        const nlohmann::json four = j["measurements"];
        j["measurements"] = nlohmann::json::array();
        for (int i = 0; i < n_meas; ++i)
        {
            nlohmann::json m = four[static_cast<std::size_t>(i % 4)];
            m["name"] = m["name"].get<std::string>() + "_" + std::to_string(i);
            j["measurements"].push_back(m);
        }
        ScanConfig c = parse_config(j);
        c.m_zd_mev.n = 5;
        c.epsilon.n = 4;
        c.delta.n = 300;  // a whole δ block and a partial one
        const auto problem = make_scan_problem(c);
        const auto m = c.m_zd_mev.values();
        for (CpuIsa isa : {CpuIsa::generic, CpuIsa::avx2, CpuIsa::avx512})
        {
            if (!cpu_isa_available(isa)) continue;
            setenv("ZDSCAN_CPU_ISA", to_string(isa).c_str(), 1);
            const auto r = run(c, 2, 0, true);
            for (std::size_t im = 0; im < 5; ++im)
            {
                const auto t = make_mass_terms(problem.observables, m[im] * 1e-3, &problem.k_apv[im * max_measurements]);
                for (std::size_t ie = 0; ie < 4; ++ie)
                {
                    const CellPulls p = cell_pulls(problem.observables, t, problem.epsilon[ie]);
                    ASSERT_EQ(p.n_enabled, n_meas);
                    for (std::size_t k = 0; k < 300; ++k)
                    {
                        ASSERT_EQ(r.full[(im * 4 + ie) * 300 + k], chi2_total(p, problem.delta[k]))
                            << n_meas << " measurements, " << to_string(isa);
                    }
                }
            }
        }
    }
    if (saved.empty()) unsetenv("ZDSCAN_CPU_ISA");
    else setenv("ZDSCAN_CPU_ISA", saved.c_str(), 1);
}

TEST(ScanEngine, UnknownInstructionSetIsAnError)
{
    setenv("ZDSCAN_CPU_ISA", "sse9", 1);
    EXPECT_THROW(selected_cpu_isa(), std::runtime_error);
    unsetenv("ZDSCAN_CPU_ISA");
}
}  // namespace
}  // namespace zdscan
