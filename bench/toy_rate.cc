/// \file toy_rate.cc
/// The toys of `zdscan coverage` against the scan, in one run (docs/benchmarks.md, "Toys"): the scan's exact-profile
/// rate (cells/s) and the toy refits' (toys/s and cells·toys/s, the exact δ profiles a toy computes), their ratio,
/// and what a Feldman–Cousins Fig. 3 (near-contour cells at 1σ and 2σ, 1000 toys) costs at each grid size. With a
/// GPU the CUDA toy kernel's rate too. No HDF5: it runs on a bare GPU node (tools/device_check.sh).
/// Usage: toy_rate [n ...] (default 128 256; n × n cells, n_delta 16).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "zdscan/scan/scan_driver.hpp"
#include "zdscan/stats/coverage.hpp"
#include "zdscan/stats/toy_backend.hpp"

using namespace zdscan;

namespace
{
double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct ToyRun
{
    double seconds = 0, toys = 0, cells = 0;
};

ToyRun toys_on(ToyBackend& backend, const CoverageGrid& g, const std::vector<std::int64_t>& cells, std::int64_t toys)
{
    CoverageOptions o;
    o.toys = toys;
    o.cl = {0.682689492137086, 0.9545};
    o.backend = &backend;
    o.points_per_batch = backend.preferred_points_per_batch();
    o.points.rule = CoveragePoints::Rule::listed;
    o.points.cells = cells;
    const CoverageResult r = run_coverage(g, o);
    return {r.seconds, static_cast<double>(r.toys_computed), static_cast<double>(r.cells_fitted)};
}
}  // namespace

int main(int argc, char** argv)
{
    std::vector<int> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
    if (sizes.empty()) sizes = {128, 256};
    const bool gpu = cuda_device_count() > 0;
    std::printf("| grid | scan exact cells/s | toys/s | toy cells/s | scan/toy per cell | cells a toy | toy / grid scan "
                "| FC Fig. 3 cells | FC Fig. 3, 1000 toys | CUDA toys/s |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (int n : sizes)
    {
        ScanConfig c = default_config();
        c.m_zd_mev.n = c.epsilon.n = n;
        c.delta.n = 16;
        ScanOptions so;
        so.backend = Backend::cpu;
        so.delta_profile = DeltaProfile::exact;
        run_scan(c, so, {}, nullptr);  // warm-up
        const ScanOutput scan = run_scan(c, so, {}, nullptr);
        const double cells = static_cast<double>(n) * n;
        const double scan_rate = cells / scan.seconds;

        const CoverageGrid g = make_coverage_grid(c, 0);
        CoveragePoints near;
        const auto fig3 = select_coverage_points(g, near, {0.682689492137086, 0.9545});
        // The rate from a sample of the tested cells (every 8th), 200 toys each.
        std::vector<std::int64_t> sample;
        for (std::size_t i = 0; i < fig3.size(); i += 8) sample.push_back(fig3[i]);
        auto cpu = make_cpu_toys(g, 0);
        const ToyRun r = toys_on(*cpu, g, sample, 200);
        const double toy_rate = r.toys / r.seconds, cell_rate = r.cells / r.seconds;
        double cuda_rate = NAN;
        if (gpu)
        {
            auto cuda = make_cuda_toys(g.view(), g.delta.data(), 0);
            toys_on(*cuda, g, sample, 20);  // warm-up
            const ToyRun rc = toys_on(*cuda, g, sample, 2000);
            cuda_rate = rc.toys / rc.seconds;
        }
        std::printf("| %d² | %.3g | %.3g | %.3g | %.2f | %.0f | %.2g | %zu | %.0f s | %.3g |\n", n, scan_rate, toy_rate,
                    cell_rate, scan_rate / cell_rate, r.cells / r.toys, (1 / toy_rate) / scan.seconds, fig3.size(),
                    static_cast<double>(fig3.size()) * 1000 / toy_rate, cuda_rate);
        std::fflush(stdout);
    }
    return 0;
}
