/// \file fused.hpp
#pragma once

#include <cmath>

#include "zdscan/physics/macros.hpp"

namespace zdscan
{
/// a·b + c rounded once. Every backend's δ loop uses it, so that the CPU (hardware FMA, or glibc's exact fma() on
/// CPUs without one) and the GPU produce the same bits from the same coefficients.
ZD_HD inline double fused(double a, double b, double c)
{
#if defined(__CUDA_ARCH__)
    return ::fma(a, b, c);
#else
    return __builtin_fma(a, b, c);
#endif
}
}  // namespace zdscan
