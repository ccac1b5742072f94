/// \file fault_injection.hpp
/// A test hook of the long-running loops (scan tiles, coverage batches).
#pragma once

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace zdscan
{
/// Test hook for the checkpoint and MPI tests (docs/cluster.md): ZDSCAN_FAULT_AFTER_TILES=N makes the process
/// (only MPI rank ZDSCAN_FAULT_RANK, if set) fail after evaluating N tiles (or coverage batches):
/// ZDSCAN_FAULT=kill (SIGKILL, like a lost node), term (SIGTERM, like Slurm's time limit) or throw (a run-time
/// error). ZDSCAN_FAULT=device is the device engine's own (kernels/device_engine.hpp): the walk of tile N is launched
/// with no blocks, a launch the CUDA runtime (and the emulation) refuses; check() ignores it.
struct FaultInjection
{
    std::int64_t after = -1;
    std::string kind;
    static FaultInjection from_environment(int rank)
    {
        FaultInjection f;
        const char* after = std::getenv("ZDSCAN_FAULT_AFTER_TILES");
        const char* only = std::getenv("ZDSCAN_FAULT_RANK");
        if (after && *after && (!only || !*only || std::atoi(only) == rank))
        {
            f.after = std::atoll(after);
            f.kind = std::getenv("ZDSCAN_FAULT") ? std::getenv("ZDSCAN_FAULT") : "kill";
        }
        return f;
    }
    void check(std::int64_t evaluated) const
    {
        if (after < 0 || evaluated != after || kind == "device") return;
        if (kind == "term")
            std::raise(SIGTERM);
        else if (kind == "throw")
            throw std::runtime_error("injected fault (ZDSCAN_FAULT=throw)");
        else
            std::raise(SIGKILL);
    }
};

}  // namespace zdscan
