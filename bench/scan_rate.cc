/// \file scan_rate.cc
/// Points per second of the CPU and CUDA engines on the paper's config (no HDF5: it runs on a bare GPU node, from
/// tools/device_check.sh), and how far the two χ² maps are apart. Usage: scan_rate [n ...] (default 256 512).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "zdscan/scan/scan_driver.hpp"

using namespace zdscan;

namespace
{
ScanOutput scan(int n, Backend backend, DeltaProfile profile)
{
    ScanConfig c = default_config();
    c.m_zd_mev.n = c.epsilon.n = c.delta.n = n;
    ScanOptions o;
    o.backend = backend;
    o.delta_profile = profile;
    return run_scan(c, o, {}, nullptr);
}
}  // namespace

int main(int argc, char** argv)
{
    std::vector<int> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
    if (sizes.empty()) sizes = {256, 512};
    const bool gpu = cuda_device_count() > 0;
    std::printf("| grid | profile | CPU points/s | CUDA points/s | max |CPU − CUDA| / CPU of chi2_total |\n");
    std::printf("|---|---|---|---|---|\n");
    for (int n : sizes)
    {
        for (DeltaProfile profile : {DeltaProfile::grid, DeltaProfile::exact})
        {
            const ScanOutput cpu = scan(n, Backend::cpu, profile);
            double cuda_rate = NAN, worst = NAN;
            if (gpu)
            {
                scan(n, Backend::cuda, profile);  // warm-up: context, module load
                const ScanOutput cuda = scan(n, Backend::cuda, profile);
                cuda_rate = cuda.points / cuda.seconds;
                worst = 0;
                for (std::size_t i = 0; i < cpu.chi2_total.size(); ++i)
                {
                    worst = std::max(worst, std::fabs(cpu.chi2_total[i] - cuda.chi2_total[i])
                                                / std::max(std::fabs(cpu.chi2_total[i]), 1e-300));
                }
            }
            std::printf("| %d³ | %s | %.3g | %.3g | %.2g |\n", n, profile == DeltaProfile::exact ? "exact" : "grid",
                        cpu.points / cpu.seconds, cuda_rate, worst);
        }
    }
    return 0;
}
