/// \file fiber_block.cc
/// The fibers of fiber_block.hpp: ucontext's makecontext/swapcontext, a scheduler that runs one thread at a time
/// until it waits at a barrier or ends, and the barriers themselves (a warp's 32 lanes, or the whole block).
#include "fiber_block.hpp"

#include <algorithm>
#include <cstdlib>

#include "zdscan/io/config.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define ZD_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZD_ASAN_FIBERS 1
#endif
#endif
#if defined(ZD_ASAN_FIBERS)
#include <sanitizer/common_interface_defs.h>
#endif

namespace zdscan::simt
{
namespace
{
thread_local FiberBlock* current_block = nullptr;

LaneSchedule schedule_from_environment()
{
    LaneSchedule s;
    const char* env = std::getenv("ZDSCAN_EMULATED_LANES");
    if (!env) return s;
    const std::string v = env;
    char* end = nullptr;
    if (v == "ascending") s.order = LaneOrder::ascending;
    else if (v == "descending") s.order = LaneOrder::descending;
    else if (v == "random") s.order = LaneOrder::random;
    else if (v.rfind("random:", 0) == 0 && v.size() > 7 && v[7] >= '0' && v[7] <= '9'
             && (s.seed = std::strtoull(v.c_str() + 7, &end, 10), *end == '\0'))
        s.order = LaneOrder::random;
    else
        throw ConfigError("ZDSCAN_EMULATED_LANES: must be ascending, descending, random or random:SEED (got \""
                                 + v + "\")");
    return s;
}

/// Switches from one context to another, telling AddressSanitizer about the stack it lands on (for_good: the stack
/// left is never resumed).
void switch_to(ucontext_t* from, ucontext_t* to, const void* to_stack, std::size_t to_size, bool for_good = false)
{
#if defined(ZD_ASAN_FIBERS)
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(for_good ? nullptr : &fake, to_stack, to_size);
    swapcontext(from, to);
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#else
    (void)to_stack;
    (void)to_size;
    (void)for_good;
    swapcontext(from, to);
#endif
}
}  // namespace

LaneSchedule& emulated_lane_schedule()
{
    static LaneSchedule schedule = schedule_from_environment();
    return schedule;
}

FiberBlock::FiberBlock(int n_threads, std::size_t stack_bytes)
    : n_(n_threads),
      warps_(n_threads / warp_size),
      stack_bytes_(stack_bytes),
      stacks_(static_cast<std::size_t>(n_threads) * stack_bytes),
      fibers_(static_cast<std::size_t>(n_threads)),
      lanes_(static_cast<std::size_t>(n_threads)),
      arrived_(static_cast<std::size_t>(warps_ + 1), 0),
      exchange_(static_cast<std::size_t>(n_threads) * exchange_bytes)
{
    if (n_threads <= 0 || n_threads % warp_size != 0)
        throw std::invalid_argument("FiberBlock: the threads of a block are whole warps");
    for (auto& l : lanes_) l.block_ = this;
}

void FiberBlock::entry()
{
    FiberBlock* b = current_block;
#if defined(ZD_ASAN_FIBERS)
    __sanitizer_finish_switch_fiber(nullptr, &b->scheduler_stack_, &b->scheduler_stack_size_);
#endif
    const int t = b->running_;
    (*b->body_)(b->lanes_[static_cast<std::size_t>(t)]);
    b->fibers_[static_cast<std::size_t>(t)].state = State::done;
    switch_to(&b->fibers_[static_cast<std::size_t>(t)].context, &b->scheduler_, b->scheduler_stack_,
              b->scheduler_stack_size_, true);
}

void FiberBlock::arrive(int barrier)
{
    Fiber& me = fibers_[static_cast<std::size_t>(running_)];
    me.state = State::waiting;
    me.barrier = barrier;
    const int need = barrier < warps_ ? warp_size : n_;
    if (++arrived_[static_cast<std::size_t>(barrier)] == need)
    {
        arrived_[static_cast<std::size_t>(barrier)] = 0;
        for (auto& f : fibers_)
            if (f.state == State::waiting && f.barrier == barrier) f.state = State::ready;
    }
    switch_to(&me.context, &scheduler_, scheduler_stack_, scheduler_stack_size_);  // the scheduler picks who runs next
}

void FiberBlock::fault(const std::string& what)
{
    if (fault_.empty()) fault_ = what;
    fibers_[static_cast<std::size_t>(running_)].state = State::done;
    switch_to(&fibers_[static_cast<std::size_t>(running_)].context, &scheduler_, scheduler_stack_,
              scheduler_stack_size_, true);  // never resumed
}

int FiberBlock::pick()
{
    std::vector<int> ready;
    for (int t = 0; t < n_; ++t)
        if (fibers_[static_cast<std::size_t>(t)].state == State::ready) ready.push_back(t);
    if (ready.empty()) return -1;
    switch (order_)
    {
        case LaneOrder::ascending: return ready.front();
        case LaneOrder::descending: return ready.back();
        case LaneOrder::random: return ready[std::uniform_int_distribution<std::size_t>(0, ready.size() - 1)(random_)];
    }
    return ready.front();
}

void FiberBlock::run(const std::function<void(FiberLanes&)>& body, long long block_x, int block_y, long long grid_x,
                     int grid_y, const LaneSchedule& schedule)
{
    body_ = &body;
    order_ = schedule.order;
    // The stream of choices depends on the seed and the block only: reproducible under any OpenMP split.
    random_.seed(schedule.seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(block_x) * 1000003ull
                 + static_cast<std::uint64_t>(block_y));
    fault_.clear();
    std::fill(arrived_.begin(), arrived_.end(), 0);
    current_block = this;
    for (int t = 0; t < n_; ++t)
    {
        Fiber& f = fibers_[static_cast<std::size_t>(t)];
        f.state = State::ready;
        f.barrier = -1;
        FiberLanes& l = lanes_[static_cast<std::size_t>(t)];
        l.index_.block_x = static_cast<int>(block_x);
        l.index_.block_y = block_y;
        l.index_.grid_x = static_cast<int>(grid_x);
        l.index_.grid_y = grid_y;
        l.index_.thread = t;
        l.index_.block_dim = n_;
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = stacks_.data() + static_cast<std::size_t>(t) * stack_bytes_;
        f.context.uc_stack.ss_size = stack_bytes_;
        f.context.uc_link = nullptr;  // entry() switches back itself
        makecontext(&f.context, &FiberBlock::entry, 0);
    }
    for (;;)
    {
        const int next = fault_.empty() ? pick() : -1;
        if (next < 0) break;
        running_ = next;
        switch_to(&scheduler_, &fibers_[static_cast<std::size_t>(next)].context,
                  stacks_.data() + static_cast<std::size_t>(next) * stack_bytes_, stack_bytes_);
    }
    running_ = -1;
    current_block = nullptr;
    if (!fault_.empty()) throw EmulatedKernelFault("emulated device: " + fault_);
    int waiting = 0;
    for (const auto& f : fibers_) waiting += f.state == State::waiting;
    if (waiting > 0)
    {
        throw EmulatedKernelFault("emulated device: " + std::to_string(waiting)
                                  + " threads wait at a barrier that the others never reach (a deadlock on a GPU)");
    }
}

void FiberLanes::sync_warp() { block_->arrive(index_.warp()); }
void FiberLanes::sync_block() { block_->arrive(block_->warps_); }
}  // namespace zdscan::simt
