/// The emulated device runs the walk kernel's own text (kernels/walk_kernel_body.hpp) on fibers (host/scan/
/// fiber_block.hpp): the CPU's bits under every lane order, and each fault class issue 30 names is caught when it is
/// planted (walk_block_body's Mutation): a missing warp barrier, a shuffle's wrong mask, a missing block barrier (a
/// phase reading slots other warps write), a shared slot nothing wrote (NaN-filled), a wrong shuffle offset. A fault
/// either ends in one clear error or gives numbers that differ from the CPU's.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <string>

#include "../host/scan/emulated_device.hpp"
#include "scan_test_configs.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
namespace
{
/// Restores the default lane order when a test ends.
struct OrderGuard
{
    simt::LaneSchedule saved = simt::emulated_lane_schedule();
    ~OrderGuard() { simt::emulated_lane_schedule() = saved; }
};

const simt::LaneSchedule orders[] = {{simt::LaneOrder::ascending, 1},
                                     {simt::LaneOrder::descending, 1},
                                     {simt::LaneOrder::random, 7},
                                     {simt::LaneOrder::random, 12345}};

std::string name_of(const simt::LaneSchedule& s)
{
    return s.order == simt::LaneOrder::ascending    ? "ascending"
           : s.order == simt::LaneOrder::descending ? "descending"
                                                    : "random:" + std::to_string(s.seed);
}

template <int Mutation>
TileResult on_device(const ScanProblem& p, const Tile& t)
{
    kernels::DeviceScanEngine<emulated::Device<Mutation>> engine(p);
    TileResult r;
    engine.evaluate_tile(t, true, r);
    return r;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])
            && !(std::isnan(a[i]) && std::isnan(b[i])))
            return false;
    return true;
}

bool same_result(const TileResult& a, const TileResult& b)
{
    return same_bits(a.chi2_min, b.chi2_min) && a.argmin == b.argmin && same_bits(a.full, b.full)
           && same_bits(a.delta_profile, b.delta_profile) && same_bits(a.delta_at_min, b.delta_at_min)
           && a.first_nonfinite == b.first_nonfinite;
}

/// The problem of the tests: several blocks (37 × 29 cells, 64 a block), two δ chunks (300 points), minima spread
/// over the lanes.
struct Fixture
{
    ScanProblem problem = make_scan_problem(test::small_paper_config(37, 29, 300));
    Tile tile{0, 37, 0, 29};
    TileResult cpu;
    Fixture()
    {
        auto engine = make_cpu_engine(problem, 2);
        engine->evaluate_tile(tile, true, cpu);
    }
};

TEST(EmulatedDevice, GivesTheCpuBitsUnderEveryLaneOrder)
{
    OrderGuard guard;
    const Fixture f;
    for (const auto& order : orders)
    {
        simt::emulated_lane_schedule() = order;
        EXPECT_TRUE(same_result(on_device<0>(f.problem, f.tile), f.cpu)) << name_of(order);
    }
}

/// Whether a planted fault is caught under an order: an error, or numbers that differ from the CPU's.
template <int Mutation>
std::string caught(const Fixture& f, const simt::LaneSchedule& order)
{
    simt::emulated_lane_schedule() = order;
    try
    {
        return same_result(on_device<Mutation>(f.problem, f.tile), f.cpu) ? "" : "wrong numbers";
    }
    catch (const simt::EmulatedKernelFault& e)
    {
        return e.what();
    }
}

template <int Mutation>
void expect_caught_under_every_order(const Fixture& f, const char* fault, const char* message = nullptr)
{
    for (const auto& order : orders)
    {
        const std::string how = caught<Mutation>(f, order);
        EXPECT_FALSE(how.empty()) << fault << " passed under the " << name_of(order) << " lane order";
        if (message) EXPECT_NE(how.find(message), std::string::npos) << fault << ": " << how;
    }
}

TEST(EmulatedDevice, CatchesAMissingWarpBarrier)
{
    OrderGuard guard;
    expect_caught_under_every_order<1>(Fixture(), "no __syncwarp after the pulls' load");
}

TEST(EmulatedDevice, CatchesAShuffleMaskWithoutEveryLane)
{
    OrderGuard guard;
    // One clear error, not numbers: the device path's fault ends the scan (the command exits 1).
    expect_caught_under_every_order<2>(Fixture(), "a half-warp shuffle mask", "shfl_xor with mask 0x0000ffff");
}

TEST(EmulatedDevice, CatchesAMissingBlockBarrier)
{
    OrderGuard guard;
    expect_caught_under_every_order<3>(Fixture(), "no __syncthreads before the profile's reduction");
}

TEST(EmulatedDevice, CatchesASharedSlotNothingWrote)
{
    OrderGuard guard;
    expect_caught_under_every_order<4>(Fixture(), "a pull slot left unwritten");
}

TEST(EmulatedDevice, CatchesAWrongShuffleOffset)
{
    OrderGuard guard;
    expect_caught_under_every_order<5>(Fixture(), "the butterfly started at offset 8");
}

// A fault inside a scan surfaces from run_scan as one error (the CLI's exit 1), not a crash.
TEST(EmulatedDevice, AFaultEndsTheScanWithOneError)
{
    OrderGuard guard;
    const Fixture f;
    kernels::DeviceScanEngine<emulated::Device<2>> engine(f.problem);
    TileResult r;
    engine.start_tile(f.tile, false);
    EXPECT_THROW(engine.finish_tile(r), simt::EmulatedKernelFault);
    // The engine stays usable for its destructor (the stream is drained), and a second tile fails the same way.
    engine.start_tile(f.tile, false);
    EXPECT_THROW(engine.finish_tile(r), simt::EmulatedKernelFault);
}
}  // namespace
}  // namespace zdscan
