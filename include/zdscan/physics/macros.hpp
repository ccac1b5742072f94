/// \file macros.hpp
/// One physics source for host and device: ZD_HD marks functions that g++ compiles for the CPU backend and
/// nvcc compiles for both host and device (the Celeritas CELER_FUNCTION pattern).
#pragma once

#if defined(__CUDACC__)
#define ZD_HD __host__ __device__
#else
#define ZD_HD
#endif
