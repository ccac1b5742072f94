/// \file parse_count.hpp
/// Integer options of the command line, parsed from their raw text so that a message names the option and shows
/// the value as typed (CLI11 would print 2^64 − 1 as −1).
#pragma once

#include <charconv>
#include <string>
#include <type_traits>

#include "zdscan/io/config.hpp"

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
}  // namespace zdscan
