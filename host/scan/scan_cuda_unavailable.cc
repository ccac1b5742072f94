/// \file scan_cuda_unavailable.cc
/// The CUDA entry points of a build without the CUDA backend (ZDSCAN_CUDA=OFF or no nvcc).
#include <stdexcept>
#include <string>

#include "zdscan/scan/scan_engine.hpp"
#include "zdscan/stats/toy_backend.hpp"

namespace zdscan
{
std::string cuda_unavailable_reason()
{
    return "--backend cuda: this zdscan was built without the CUDA backend (configure with nvcc on PATH, or "
           "-DZDSCAN_CUDA=ON)";
}

std::unique_ptr<ScanEngine> make_cuda_engine(const ScanProblem&, int)
{
    throw std::runtime_error(cuda_unavailable_reason());
}

std::unique_ptr<ToyBackend> make_cuda_toys(const ToyGrid&, const double*, int)
{
    throw std::runtime_error(cuda_unavailable_reason());
}

int cuda_device_count()
{
    return 0;
}

std::string cuda_status()
{
    return "this build has no CUDA backend (nvcc was not found when it was configured)";
}
}  // namespace zdscan
