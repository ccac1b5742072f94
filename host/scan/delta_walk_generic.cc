/// \file delta_walk_generic.cc
/// The δ loop built for the generic instruction set (compile flags: CMakeLists.txt).
#include <utility>

#define ZDSCAN_WALK_ISA generic
#include "delta_walk_impl.hpp"
