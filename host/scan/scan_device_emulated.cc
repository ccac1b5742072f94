/// \file scan_device_emulated.cc
/// `--backend cuda-emulated`: the device engine over the emulated device (emulated_device.hpp).
#include "emulated_device.hpp"

namespace zdscan
{
std::unique_ptr<ScanEngine> make_emulated_cuda_engine(const ScanProblem& problem)
{
    return std::make_unique<kernels::DeviceScanEngine<emulated::Device<>>>(problem);
}
}  // namespace zdscan
