/// \file delta_walk_avx512.cc
/// The δ loop built for the avx512 instruction set (compile flags: CMakeLists.txt).
#include <utility>

#define ZDSCAN_WALK_ISA avx512
#include "delta_walk_impl.hpp"
