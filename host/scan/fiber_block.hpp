/// \file fiber_block.hpp
/// One block of a device kernel on the CPU, its threads as fibers (issue 30): each thread runs the kernel's text
/// (kernels/walk_kernel_body.hpp) until it reaches a barrier, where it waits until every thread the barrier names
/// has arrived. A scheduler picks the next runnable thread in ascending, descending or seeded-random order, so that
/// a read of a slot another lane writes without a barrier between them, a missing barrier or a shuffle's wrong mask
/// gives wrong numbers or an error under some order. Shared memory is filled with NaN bytes before each block, so a
/// read of a slot nothing wrote shows. A barrier some threads never reach (they left the kernel) is a deadlock here,
/// and an error.
#pragma once

#include <ucontext.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../../kernels/simt.hpp"

namespace zdscan::simt
{
enum class LaneOrder
{
    ascending,   ///< the lowest runnable thread first (the order of the old phase-by-phase emulation)
    descending,  ///< the highest first
    random       ///< a seeded random one
};

struct LaneSchedule
{
    LaneOrder order = LaneOrder::ascending;
    std::uint64_t seed = 1;
};

/// The schedule of the emulated device's blocks (all of them; tests change it): $ZDSCAN_EMULATED_LANES =
/// ascending | descending | random[:SEED] at the first use, else ascending.
LaneSchedule& emulated_lane_schedule();

/// A device-code fault the emulation caught (a barrier deadlock, a shuffle's mask without the calling lane).
class EmulatedKernelFault : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

class FiberBlock;

/// A thread's view of its block: the policy of walk_block_body (walk_kernel_body.hpp).
class FiberLanes
{
  public:
    ThreadIndex index() const { return index_; }
    void sync_warp();
    void sync_block();
    template <class T>
    T shfl_xor(unsigned mask, const T& v, int offset);

  private:
    friend class FiberBlock;
    FiberBlock* block_ = nullptr;
    ThreadIndex index_;
};

class FiberBlock
{
  public:
    /// A block of n_threads (a multiple of 32), each fiber with stack_bytes of stack.
    explicit FiberBlock(int n_threads, std::size_t stack_bytes = 128 * 1024);
    FiberBlock(const FiberBlock&) = delete;
    FiberBlock& operator=(const FiberBlock&) = delete;

    /// Runs body(lanes) for every thread of block (block_x, block_y) of a grid_x × grid_y grid, under schedule.
    /// Throws EmulatedKernelFault for a fault the emulation caught.
    void run(const std::function<void(FiberLanes&)>& body, long long block_x, int block_y, long long grid_x,
             int grid_y, const LaneSchedule& schedule);

  private:
    friend class FiberLanes;
    enum class State
    {
        ready,
        waiting,
        done
    };
    struct Fiber
    {
        ucontext_t context;
        State state = State::ready;
        int barrier = -1;  ///< what it waits for: its warp (0 … warps − 1) or the block (warps)
    };
    static void entry();
    void arrive(int barrier);
    void fault(const std::string& what);
    int pick();

    int n_, warps_;
    std::size_t stack_bytes_;
    std::vector<char> stacks_;
    std::vector<Fiber> fibers_;
    std::vector<FiberLanes> lanes_;
    std::vector<int> arrived_;                      ///< per barrier: threads waiting there
    std::vector<unsigned char> exchange_;            ///< per thread: the value it offers to a shuffle (≤ 64 bytes)
    static constexpr std::size_t exchange_bytes = 64;
    ucontext_t scheduler_;
    const void* scheduler_stack_ = nullptr;  ///< the scheduler's stack (AddressSanitizer's fiber switches)
    std::size_t scheduler_stack_size_ = 0;
    int running_ = -1;
    const std::function<void(FiberLanes&)>* body_ = nullptr;
    std::mt19937_64 random_;
    LaneOrder order_ = LaneOrder::ascending;
    std::string fault_;
};

template <class T>
T FiberLanes::shfl_xor(unsigned mask, const T& v, int offset)
{
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= FiberBlock::exchange_bytes);
    const int lane = index_.lane();
    if (mask != 0xffffffffu)
    {
        // The walk's shuffles are warp-wide: a lane outside the mask, or lanes left out of it, is undefined on a GPU.
        char hex[16];
        std::snprintf(hex, sizeof hex, "%08x", mask);
        block_->fault(std::string("shfl_xor with mask 0x") + hex + " in lane " + std::to_string(lane)
                      + ": the warp's shuffles take every lane");
    }
    if (offset <= 0 || offset >= 32) block_->fault("shfl_xor offset " + std::to_string(offset) + " outside 1..31");
    unsigned char* slots = block_->exchange_.data();
    const int me = index_.thread;
    std::memcpy(slots + static_cast<std::size_t>(me) * FiberBlock::exchange_bytes, &v, sizeof(T));
    sync_warp();  // every lane has offered its value
    T out;
    const int partner = (me & ~31) | (lane ^ offset);
    std::memcpy(&out, slots + static_cast<std::size_t>(partner) * FiberBlock::exchange_bytes, sizeof(T));
    sync_warp();  // every lane has read before a next shuffle overwrites
    return out;
}
}  // namespace zdscan::simt
