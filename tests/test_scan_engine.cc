// The CPU scan engine and driver: reductions are exact, independent of threads and tiles, and consistent
// with the full grid and with direct evaluation.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "cuda_required.hpp"
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
        const auto t = make_mass_terms(problem.observables, m[im] * 1e-3, &problem.mass_inputs[im * mass_inputs_per_mass]);
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
            make_mass_terms(problem.observables, m[cell / 5] * 1e-3, &problem.mass_inputs[(cell / 5) * mass_inputs_per_mass]);
        const auto direct = evaluate_chi2(problem.observables, t, problem.epsilon[cell % 5], 7.9e-4);
        for (std::size_t i = 0; i < n_meas; ++i) EXPECT_EQ(out.slices[1][i][cell], direct.term[i]);
    }
}

/// The device backends against the CPU backend: the CUDA kernels on a GPU (when one is present) and the same kernels
/// and host code on the CPU through the SIMT emulation (always). Both must give the CPU backend's bits: the device
/// code uses only + − × /, sqrt, fabs and explicit fma (correctly rounded on sm_90 with --fmad=false), and the per-mass
/// terms are computed on the host and copied. Non-finite values compare by class (both NaN, or the same infinity):
/// the CPU's NaN is 0xFFF8…, a GPU's 0x7FFF…. A failure reports the largest ULP distance.
class DeviceBackend : public ::testing::TestWithParam<Backend>
{
  protected:
    void SetUp() override
    {
        if (GetParam() == Backend::cuda) ZDSCAN_SKIP_WITHOUT_CUDA();
    }
    std::unique_ptr<ScanEngine> engine(const ScanProblem& p) const
    {
        return GetParam() == Backend::cuda ? make_cuda_engine(p) : make_emulated_cuda_engine(p);
    }
    /// Equal bits, non-finite values by class; on a mismatch the largest ULP distance and its first place.
    void expect_same(const std::vector<double>& device, const std::vector<double>& cpu, double /*unused*/,
                     const char* what) const
    {
        ASSERT_EQ(device.size(), cpu.size()) << what;
        std::uint64_t worst = 0;
        std::size_t worst_at = 0, mismatches = 0;
        for (std::size_t i = 0; i < cpu.size(); ++i)
        {
            const double d = device[i], c = cpu[i];
            if (!std::isfinite(d) || !std::isfinite(c))
            {
                const bool same = (std::isnan(d) && std::isnan(c)) || (std::isinf(d) && std::isinf(c) && (d > 0) == (c > 0));
                if (!same) ADD_FAILURE() << what << " " << i << ": " << d << " vs " << c << " (non-finite class differs)";
                mismatches += !same;
                continue;
            }
            const std::uint64_t u = ulp_distance(d, c);
            if (u > 0 && ++mismatches && u > worst) worst = u, worst_at = i;
        }
        ASSERT_EQ(mismatches, 0u) << what << ": " << mismatches << " values differ from the CPU's bits; the largest ULP "
                                  << "distance is " << worst << " at " << worst_at << " (" << device[worst_at]
                                  << " vs " << cpu[worst_at] << ")";
    }
    /// The number of doubles between a and b (finite, of any sign).
    static std::uint64_t ulp_distance(double a, double b)
    {
        auto key = [](double x)
        {
            const auto u = std::bit_cast<std::uint64_t>(x);
            return (u >> 63) ? ~u + 1 : u | (std::uint64_t{1} << 63);  // monotone in x
        };
        const std::uint64_t ka = key(a), kb = key(b);
        return ka > kb ? ka - kb : kb - ka;
    }
    void expect_same_scan(const Collected& device, const Collected& cpu, bool full) const
    {
        if (full) expect_same(device.full, cpu.full, 1e-12, "full grid");
        expect_same(device.out.chi2_total, cpu.out.chi2_total, 1e-12, "chi2_total");
        EXPECT_EQ(device.out.argmin_delta_index, cpu.out.argmin_delta_index);
        expect_same(device.out.profile_delta, cpu.out.profile_delta, 1e-12, "profile_delta");
        expect_same(device.out.argmin_delta, cpu.out.argmin_delta, 0, "argmin_delta");  // the exact profile's δ
        EXPECT_EQ(device.out.best.i_m, cpu.out.best.i_m);
        EXPECT_EQ(device.out.best.i_eps, cpu.out.best.i_eps);
    }
};

TEST_P(DeviceBackend, CpuAndCudaAgree)
{
    const auto c = test::small_paper_config(37, 29, 31);
    const auto cpu = run(c, 2, 5, true);
    const auto dev = run(c, 0, 5, true, GetParam());
    EXPECT_EQ(dev.out.backend, GetParam() == Backend::cuda ? "cuda" : "cuda-emulated");
    const auto problem = make_scan_problem(c);
    auto cpu_engine = make_cpu_engine(problem, 1);
    auto dev_engine = engine(problem);
    const auto mc = cpu_engine->mass_terms(), md = dev_engine->mass_terms();
    ASSERT_EQ(md.size(), mc.size());
    for (std::size_t i = 0; i < mc.size(); ++i)
    {
        for (int k = 0; k < problem.observables.n; ++k)
        {
            // Computed on the host and copied: the same bits on any device.
            EXPECT_EQ(std::bit_cast<std::uint64_t>(md[i].f[k]), std::bit_cast<std::uint64_t>(mc[i].f[k])) << i << " " << k;
            EXPECT_EQ(std::bit_cast<std::uint64_t>(md[i].fa[k]), std::bit_cast<std::uint64_t>(mc[i].fa[k])) << i << " " << k;
        }
    }
    expect_same_scan(dev, cpu, true);
    // Tiles that split mass rows (31 · 7 points: parts of a row of 29 cells): the same device results.
    const auto split = run(c, 0, 0, true, GetParam(), 31 * 7);
    EXPECT_EQ(split.full, dev.full);
    EXPECT_EQ(split.out.argmin_delta_index, dev.out.argmin_delta_index);
    EXPECT_EQ(split.out.chi2_total, dev.out.chi2_total);
    // The grid profile.
    expect_same_scan(run(c, 0, 5, false, GetParam(), 0, DeltaProfile::grid),
                     run(c, 2, 5, false, Backend::cpu, 0, DeltaProfile::grid), false);
}

TEST_P(DeviceBackend, MesonDecaysGiveTheCpuBits)
{
    // The meson decays' three per-mass factors and their linear and quadratic pulls (chi2.hpp) on the device path.
    const auto c = test::small_meson_config(23, 19, 41);
    const auto problem = make_scan_problem(c);
    ASSERT_EQ(problem.observables.n, 8);  // the paper's four, K⁺ → π⁺ and its companion, B⁺ → K⁺, the measured BR
    const auto cpu = run(c, 2, 5, true);
    const auto dev = run(c, 0, 5, true, GetParam());
    auto cpu_engine = make_cpu_engine(problem, 1);
    auto dev_engine = engine(problem);
    const auto mc = cpu_engine->mass_terms(), md = dev_engine->mass_terms();
    ASSERT_EQ(md.size(), mc.size());
    int nonzero = 0;
    for (std::size_t i = 0; i < mc.size(); ++i)
    {
        for (int k = 0; k < problem.observables.n; ++k)
        {
            EXPECT_EQ(std::bit_cast<std::uint64_t>(md[i].fb[k]), std::bit_cast<std::uint64_t>(mc[i].fb[k])) << i << " " << k;
            nonzero += mc[i].fb[k] != 0;
        }
    }
    EXPECT_GT(nonzero, 0);
    expect_same_scan(dev, cpu, true);
    expect_same_scan(run(c, 0, 5, false, GetParam(), 0, DeltaProfile::grid),
                     run(c, 2, 5, false, Backend::cpu, 0, DeltaProfile::grid), false);
}

TEST_P(DeviceBackend, RaggedDeltaAxes)
{
    // One δ point, a warp's worth less one, one, one more, and several chunks of the widest lane count with a
    // partial last one (J = 16: 512-point chunks).
    for (int n_delta : {1, 31, 32, 33, 129, 700})
    {
        SCOPED_TRACE(n_delta);
        const auto shape = test::small_paper_config(7, 5, n_delta);
        expect_same_scan(run(shape, 0, 0, true, GetParam()), run(shape, 2, 0, true), true);
    }
}

TEST_P(DeviceBackend, TiesGoToTheLowestDeltaIndex)
{
    // χ² ≡ 0 with every term disabled: across lanes, warps and chunks the first δ must win, as on the CPU.
    auto c = test::small_paper_config(5, 4, 700);
    for (auto& m : c.physics.measurements) m.enabled = false;
    const auto o = run(c, 0, 2, false, GetParam(), 0, DeltaProfile::grid).out;
    for (auto i : o.argmin_delta_index) EXPECT_EQ(i, 0);
    EXPECT_EQ(o.best.i_m, 0);
    EXPECT_EQ(o.best.i_eps, 0);
}

TEST_P(DeviceBackend, ReportsTheFirstNonFinitePointAsTheCpuDoes)
{
    // δ values far outside any config's range make the cubic pulls overflow at some points: the engines must report
    // the same first one and agree on every other number, inf included.
    const auto c = test::small_paper_config(6, 5, 70);
    ScanProblem problem = make_scan_problem(c);
    problem.delta[40] = 1e120;
    problem.delta[69] = -1e200;
    for (auto profile : {DeltaProfile::exact, DeltaProfile::grid})
    {
        problem.delta_profile = profile;
        auto cpu_engine = make_cpu_engine(problem, 2);
        auto dev_engine = engine(problem);
        Tile t{0, 6, 0, 5};
        TileResult a, b;
        cpu_engine->evaluate_tile(t, true, a);
        dev_engine->evaluate_tile(t, true, b);
        EXPECT_EQ(a.first_nonfinite, 40);  // cell 0, δ index 40
        EXPECT_EQ(b.first_nonfinite, a.first_nonfinite);
        expect_same(b.full, a.full, 1e-12, "full");
        expect_same(b.delta_profile, a.delta_profile, 1e-12, "delta_profile");
        EXPECT_EQ(b.argmin, a.argmin);
        expect_same(b.chi2_min, a.chi2_min, 1e-12, "chi2_min");
        Tile part{2, 3, 1, 4};  // a part of a mass row: its own first point
        cpu_engine->evaluate_tile(part, false, a);
        dev_engine->evaluate_tile(part, false, b);
        EXPECT_EQ(a.first_nonfinite, 40);
        EXPECT_EQ(b.first_nonfinite, a.first_nonfinite);
    }
}

TEST_P(DeviceBackend, TwoTilesInFlightGiveEachTileItsOwnResults)
{
    // The device computes tile n + 1 while the host takes tile n: two slots, each its own stream and buffers. Tiles
    // of different sizes and kinds (full grid or not, a split row) started back to back finish in order with the
    // results the CPU gives each. The emulated streams run their work only when waited for, so a result read before
    // its wait, or a slot reused while busy, would show here.
    const auto c = test::small_paper_config(7, 9, 33);
    const ScanProblem problem = make_scan_problem(c);
    auto cpu_engine = make_cpu_engine(problem, 2);
    auto dev_engine = engine(problem);
    ASSERT_EQ(dev_engine->max_tiles_in_flight(), 2);
    const std::vector<std::pair<Tile, bool>> tiles = {
        {{0, 3, 0, 9}, true}, {{3, 4, 2, 7}, false}, {{4, 7, 0, 9}, false}, {{3, 4, 0, 2}, true}, {{0, 1, 0, 9}, true}};
    std::vector<TileResult> want(tiles.size()), got(tiles.size());
    for (std::size_t i = 0; i < tiles.size(); ++i) cpu_engine->evaluate_tile(tiles[i].first, tiles[i].second, want[i]);
    std::size_t finished = 0;
    for (std::size_t i = 0; i < tiles.size(); ++i)
    {
        dev_engine->start_tile(tiles[i].first, tiles[i].second);
        if (i >= 1) dev_engine->finish_tile(got[finished++]);
    }
    EXPECT_THROW(dev_engine->evaluate_tile(tiles[0].first, false, got[0]), std::logic_error);  // one in flight
    dev_engine->start_tile(tiles[0].first, false);
    EXPECT_THROW(dev_engine->start_tile(tiles[0].first, false), std::logic_error);  // both slots busy
    dev_engine->finish_tile(got[finished++]);
    TileResult extra;
    dev_engine->finish_tile(extra);  // the tile started between the two refusals
    EXPECT_THROW(dev_engine->finish_tile(extra), std::logic_error);
    ASSERT_EQ(finished, tiles.size());
    for (std::size_t i = 0; i < tiles.size(); ++i)
    {
        expect_same(got[i].chi2_min, want[i].chi2_min, 1e-12, "chi2_min");
        EXPECT_EQ(got[i].argmin, want[i].argmin) << i;
        expect_same(got[i].delta_at_min, want[i].delta_at_min, 1e-12, "delta_at_min");
        expect_same(got[i].delta_profile, want[i].delta_profile, 1e-12, "delta_profile");
        expect_same(got[i].full, want[i].full, 1e-12, "full");
        EXPECT_EQ(got[i].first_nonfinite, -1);
    }
    TileResult first_again;
    cpu_engine->evaluate_tile(tiles[0].first, false, first_again);
    expect_same(extra.chi2_min, first_again.chi2_min, 1e-12, "the tile started between the refusals");
    EXPECT_TRUE(extra.full.empty());
}

TEST_P(DeviceBackend, MaxTileMbBoundsTheDeviceBuffersOfATile)
{
    // --max-tile-mb bounds a device tile's own buffers (and the full grid's slab with them), per tile in flight.
    const auto c = test::small_paper_config(40, 300, 70);
    const ScanProblem problem = make_scan_problem(c);
    auto dev = engine(problem);
    const std::int64_t per_cell = dev->tile_bytes_per_cell(70);
    EXPECT_EQ(per_cell, 1 * (8 + 4) + 2 * 8 + 4);  // one δ chunk: partial minimum and index; χ²_min, δ, argmin
    EXPECT_EQ(dev->tile_bytes_per_cell(1000), 2 * (8 + 4) + 2 * 8 + 4);  // two chunks of 16 x 32 δ
    EXPECT_EQ(dev->tile_bytes_per_cell(5000), 10 * (8 + 4) + 2 * 8 + 4);
    ScanOptions o;
    for (bool full : {false, true})
    {
        o.full_grid = full;
        o.max_tile_bytes = 100 * 1000;
        const TilePlan plan = plan_tiles(o, dev->preferred_tile_points(), 40, 300, 70, per_cell);
        const std::int64_t cells = static_cast<std::int64_t>(plan.masses_per_tile) * plan.eps_per_tile;
        const std::int64_t bytes = cells * (per_cell + (full ? 70 * 8 : 0));
        EXPECT_LE(bytes, o.max_tile_bytes) << full;
        EXPECT_GT(bytes + 300 * (per_cell + (full ? 70 * 8 : 0)), o.max_tile_bytes) << full;  // not needlessly small
    }
    EXPECT_EQ(make_cpu_engine(problem, 1)->tile_bytes_per_cell(70), 0);  // the CPU's tiles: the slab alone
}

INSTANTIATE_TEST_SUITE_P(ScanEngine, DeviceBackend, ::testing::Values(Backend::cuda_emulated, Backend::cuda),
                         [](const ::testing::TestParamInfo<Backend>& i)
                         { return i.param == Backend::cuda ? std::string("Cuda") : std::string("CudaEmulated"); });

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
        const auto t = make_mass_terms(problem.observables, m[im] * 1e-3, &problem.mass_inputs[im * mass_inputs_per_mass]);
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

/// Restores ZDSCAN_CPU_ISA as it was, also when an assertion leaves the test early.
struct IsaOverride
{
    std::string saved;
    bool had = false;
    IsaOverride()
    {
        const char* before = std::getenv("ZDSCAN_CPU_ISA");
        had = before != nullptr;
        if (had) saved = before;
    }
    ~IsaOverride()
    {
        if (had) setenv("ZDSCAN_CPU_ISA", saved.c_str(), 1);
        else unsetenv("ZDSCAN_CPU_ISA");
    }
};

/// Scans c (full grid) on every CPU instruction set this machine has and asserts that every point is chi2_total of
/// the scalar CellPulls (the GPU's form), bit for bit; n_enabled >= 0 also checks the enabled pulls per cell.
void expect_scalar_bits_on_every_isa(const ScanConfig& c, const std::string& what, int n_enabled = -1)
{
    const IsaOverride restore;
    const auto problem = make_scan_problem(c);
    const auto m = c.m_zd_mev.values();
    const std::size_t n_m = m.size(), n_eps = problem.epsilon.size(), n_delta = problem.delta.size();
    for (CpuIsa isa : {CpuIsa::generic, CpuIsa::avx2, CpuIsa::avx512})
    {
        if (!cpu_isa_available(isa)) continue;
        setenv("ZDSCAN_CPU_ISA", to_string(isa).c_str(), 1);
        const auto r = run(c, 2, 0, true);
        for (std::size_t im = 0; im < n_m; ++im)
        {
            const auto t = make_mass_terms(problem.observables, m[im] * 1e-3, &problem.mass_inputs[im * mass_inputs_per_mass]);
            for (std::size_t ie = 0; ie < n_eps; ++ie)
            {
                const CellPulls p = cell_pulls(problem.observables, t, problem.epsilon[ie]);
                if (n_enabled >= 0) ASSERT_EQ(p.n_enabled, n_enabled) << what;
                for (std::size_t k = 0; k < n_delta; ++k)
                {
                    ASSERT_EQ(r.full[(im * n_eps + ie) * n_delta + k], chi2_total(p, problem.delta[k]))
                        << what << ", " << to_string(isa);
                }
            }
        }
    }
}

TEST(ScanEngine, ManyMeasurementsGiveTheScalarBitsOnEveryInstructionSet)
{
    // 9, 12 and 16 measurements (the paper's four, repeated under other names): the δ loop sums them in passes of
    // at most eight pulls, one fused chain carried across the passes, so every point is chi2_total's bits.
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
        expect_scalar_bits_on_every_isa(c, std::to_string(n_meas) + " measurements", n_meas);
    }
}

TEST(ScanEngine, MesonDecaysGiveTheScalarBitsOnEveryInstructionSet)
{
    expect_scalar_bits_on_every_isa(test::small_meson_config(7, 5, 300), "meson decays");
}

TEST(ScanEngine, UnknownInstructionSetIsAnError)
{
    setenv("ZDSCAN_CPU_ISA", "sse9", 1);
    EXPECT_THROW(selected_cpu_isa(), std::runtime_error);
    unsetenv("ZDSCAN_CPU_ISA");
}
}  // namespace
}  // namespace zdscan
