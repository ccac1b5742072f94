/// \file delta_walk_avx2.cc
/// The δ loop built for the avx2 instruction set (compile flags: CMakeLists.txt).
#include <utility>

#define ZDSCAN_WALK_ISA avx2
#include "delta_walk_impl.hpp"
