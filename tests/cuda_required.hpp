/// \file cuda_required.hpp
/// The skip of a test that needs a GPU, and the switch that turns it into a failure: a machine that should have a
/// GPU (tools/device_check.sh sets ZDSCAN_REQUIRE_CUDA=1) must not pass a missing driver or device off as a skip.
/// The message is the runtime's own (cuda_status).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "zdscan/scan/scan_engine.hpp"

namespace zdscan::test
{
inline bool cuda_required()
{
    const char* v = std::getenv("ZDSCAN_REQUIRE_CUDA");
    return v && std::strcmp(v, "1") == 0;
}
}  // namespace zdscan::test

/// In a test body or SetUp: skip (or, with ZDSCAN_REQUIRE_CUDA=1, fail) when no CUDA device is usable.
#define ZDSCAN_SKIP_WITHOUT_CUDA()                                                                                     \
    do                                                                                                                 \
    {                                                                                                                  \
        if (::zdscan::cuda_device_count() == 0)                                                                        \
        {                                                                                                              \
            const std::string why_ = ::zdscan::cuda_status();                                                          \
            if (::zdscan::test::cuda_required()) FAIL() << "ZDSCAN_REQUIRE_CUDA=1 but no CUDA device: " << why_;       \
            GTEST_SKIP() << why_ << " (the emulated device runs instead)";                                             \
        }                                                                                                              \
    } while (0)
