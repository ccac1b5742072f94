/// \file cuda_runtime.cuh
/// What the CUDA backends (the scan, scan_cuda.cu; the toys, toys_cuda.cu) share of CUDA's runtime: errors as
/// exceptions, the device's name for the file's provenance, and the device a process (an MPI rank) takes.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "zdscan/scan/scan_engine.hpp"

namespace zdscan::cuda
{
inline void check(cudaError_t status, const char* what)
{
    if (status != cudaSuccess)
    {
        throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(status));
    }
}

/// "NVIDIA H100 ... (device 0)": the current device.
inline std::string device_name()
{
    int id = 0;
    cudaDeviceProp props{};
    if (cudaGetDevice(&id) != cudaSuccess || cudaGetDeviceProperties(&props, id) != cudaSuccess) return "CUDA device";
    return std::string(props.name) + " (device " + std::to_string(id) + ")";
}

/// Makes device `device` modulo the device count current (an MPI rank passes its node-local rank); throws when
/// there is none.
inline void select_device(int device)
{
    const int count = cuda_device_count();
    if (count == 0) throw std::runtime_error(cuda_unavailable_reason());
    check(cudaSetDevice((device % count + count) % count), "cudaSetDevice");
}
}  // namespace zdscan::cuda
