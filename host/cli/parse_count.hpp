/// \file parse_count.hpp
/// Integer options of the command line, parsed from their raw text so that a message names the option and shows
/// the value as typed (CLI11 would print 2^64 − 1 as −1).
#pragma once

#include <algorithm>
#include <charconv>
#include <string>
#include <type_traits>

#include "zdscan/io/config.hpp"
#include "zdscan/mpi/parallel_job.hpp"
#include "zdscan/scan/scan_engine.hpp"

namespace zdscan
{
/// An integer option in [lo, hi]; throws ConfigError naming the option.
template <class Int = long long>
Int parse_count(const std::string& option, const std::string& text, std::type_identity_t<Int> lo,
                std::type_identity_t<Int> hi, const std::string& hint = "")
{
    Int value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value < lo || value > hi)
    {
        throw ConfigError(option + ": must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi)
                          + hint + " (got \"" + text + "\")");
    }
    return value;
}

/// --threads of `zdscan scan` and `zdscan coverage`: the value given (1 to 4 × the hardware threads), else the
/// node's cores shared by the job's ranks on it, else 0 (the OpenMP default).
inline int threads_option(const std::string& text, const ParallelJob& job)
{
    const int max_threads = max_cpu_threads();
    if (!text.empty())
    {
        return static_cast<int>(parse_count("--threads", text, 1, max_threads,
                                            " (4 x the " + std::to_string(max_threads / 4) + " hardware threads)"));
    }
    return job.local_size() > 1 ? std::max(1, cpu_threads(0) / job.local_size()) : 0;
}
}  // namespace zdscan
