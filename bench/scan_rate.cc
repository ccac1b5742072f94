/// \file scan_rate.cc
/// What a device does, not its set-up (issue 30): one engine, built once and warmed up by one tile, then every tile
/// of the plan with two in flight, as the scan driver runs them; the wall time of those tiles and, on a device, the
/// time of their kernels alone (cudaEvents around walk and finish, ScanEngine::kernel_seconds). The CPU engine's bits
/// are compared with --compare (every cell's χ²_min and the δ profile, bit for bit; non-finite values by class).
/// No HDF5: it runs on a bare GPU node (tools/device_check.sh).
///   scan_rate [--backend cpu|cuda|cuda-emulated] [--n-m N] [--n-eps N] [--n-delta N] [--tile-points P]
///             [--profile exact|grid] [--compare]
/// Prints one Markdown row: backend, shape, tiles, points/s (wall), points/s (kernels), and the comparison.
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "zdscan/scan/scan_driver.hpp"

using namespace zdscan;

namespace
{
struct Args
{
    std::string backend = "cpu", profile = "exact";
    int n_m = 256, n_eps = 256, n_delta = 256;
    long long tile_points = 0;
    bool compare = false;
};

int usage()
{
    std::fprintf(stderr, "usage: scan_rate [--backend cpu|cuda|cuda-emulated] [--n-m N] [--n-eps N] [--n-delta N] "
                         "[--tile-points P] [--profile exact|grid] [--compare]\n");
    return 2;
}

std::unique_ptr<ScanEngine> make_engine(const std::string& backend, const ScanProblem& p)
{
    if (backend == "cuda") return make_cuda_engine(p);
    if (backend == "cuda-emulated") return make_emulated_cuda_engine(p);
    return make_cpu_engine(p, 0);
}

struct Run
{
    std::vector<double> chi2_min, profile;
    double wall = 0, kernels = NAN;
    long long tiles = 0;
};

/// Every tile of the plan on one engine, two in flight where the engine takes two.
Run run_tiles(ScanEngine& engine, const std::vector<Tile>& tiles, int n_eps, int n_delta)
{
    Run r;
    r.chi2_min.assign(static_cast<std::size_t>(tiles.back().m_end) * n_eps, NAN);
    r.profile.assign(static_cast<std::size_t>(n_delta), HUGE_VAL);
    const double kernels_before = engine.kernel_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t depth = static_cast<std::size_t>(std::max(1, engine.max_tiles_in_flight()));
    std::size_t started = 0, finished = 0;
    TileResult out;
    auto take = [&]
    {
        engine.finish_tile(out);
        const Tile& t = tiles[finished++];
        for (long long c = 0; c < t.cells(); ++c)
            r.chi2_min[static_cast<std::size_t>(t.i_m(c)) * n_eps + t.i_eps(c)] = out.chi2_min[static_cast<std::size_t>(c)];
        for (int k = 0; k < n_delta; ++k)
            r.profile[k] = std::fmin(r.profile[k], out.delta_profile[static_cast<std::size_t>(k)]);
    };
    while (finished < tiles.size())
    {
        if (started < tiles.size() && started - finished < depth) engine.start_tile(tiles[started++], false);
        else take();
    }
    r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.kernels = engine.kernel_seconds() - kernels_before;
    r.tiles = static_cast<long long>(tiles.size());
    return r;
}

/// Bits equal (non-finite values by class); the largest ULP distance otherwise.
std::string compare(const std::vector<double>& a, const std::vector<double>& b)
{
    std::uint64_t worst = 0;
    long long differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
    {
        if (!std::isfinite(a[i]) || !std::isfinite(b[i]))
        {
            differ += !((std::isnan(a[i]) && std::isnan(b[i])) || a[i] == b[i]);
            continue;
        }
        const auto key = [](double x)
        {
            const auto u = std::bit_cast<std::uint64_t>(x);
            return (u >> 63) ? ~u + 1 : u | (std::uint64_t{1} << 63);
        };
        const std::uint64_t ka = key(a[i]), kb = key(b[i]), d = ka > kb ? ka - kb : kb - ka;
        differ += d != 0;
        worst = d > worst ? d : worst;
    }
    return differ == 0 ? "bit for bit" : std::to_string(differ) + " differ, max " + std::to_string(worst) + " ulp";
}
}  // namespace

int main(int argc, char** argv)
{
    Args a;
    for (int i = 1; i < argc; ++i)
    {
        const std::string k = argv[i];
        auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (k == "--backend") a.backend = value();
        else if (k == "--profile") a.profile = value();
        else if (k == "--n-m") a.n_m = std::atoi(value().c_str());
        else if (k == "--n-eps") a.n_eps = std::atoi(value().c_str());
        else if (k == "--n-delta") a.n_delta = std::atoi(value().c_str());
        else if (k == "--tile-points") a.tile_points = std::atoll(value().c_str());
        else if (k == "--compare") a.compare = true;
        else return usage();
    }
    if (a.n_m < 2 || a.n_eps < 2 || a.n_delta < 1 || (a.backend != "cpu" && a.backend != "cuda" && a.backend != "cuda-emulated")
        || (a.profile != "exact" && a.profile != "grid"))
        return usage();
    ScanConfig c = default_config();
    c.m_zd_mev.n = a.n_m;
    c.epsilon.n = a.n_eps;
    c.delta.n = a.n_delta;
    ScanProblem problem = make_scan_problem(c);
    problem.delta_profile = a.profile == "exact" ? DeltaProfile::exact : DeltaProfile::grid;
    try
    {
        auto engine = make_engine(a.backend, problem);
        ScanOptions o;
        o.tile_points = a.tile_points;
        const TilePlan plan = plan_tiles(o, engine->preferred_tile_points(), a.n_m, a.n_eps, a.n_delta,
                                         engine->tile_bytes_per_cell(a.n_delta));
        std::vector<Tile> tiles;
        Tile t = plan.first();
        do tiles.push_back(t);
        while (plan.next(t));
        run_tiles(*engine, {tiles.front()}, a.n_eps, a.n_delta);  // warm-up: context, module load, buffers
        const Run r = run_tiles(*engine, tiles, a.n_eps, a.n_delta);
        const double points = static_cast<double>(a.n_m) * a.n_eps * a.n_delta;
        std::string agreement = "-";
        if (a.compare)
        {
            auto cpu = make_cpu_engine(problem, 0);
            const Run ref = run_tiles(*cpu, tiles, a.n_eps, a.n_delta);
            agreement = "chi2_min " + compare(r.chi2_min, ref.chi2_min) + "; profile " + compare(r.profile, ref.profile);
        }
        std::printf("| %s | %d × %d × %d | %s | %lld | %.3g | %.3g | %s |\n", a.backend.c_str(), a.n_m, a.n_eps,
                    a.n_delta, a.profile.c_str(), r.tiles, points / r.wall, points / r.kernels, agreement.c_str());
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "scan_rate: %s\n", e.what());
        return 1;
    }
    return 0;
}
