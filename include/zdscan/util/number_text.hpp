/// \file number_text.hpp
/// Numbers and comma lists as the command line and the configs' option strings spell them. One strict reading for
/// every option: a message can then say exactly which item was refused.
#pragma once

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zdscan
{
/// The number all of `text` spells (std::from_chars: no leading '+' or spaces, nothing after it), or nothing. "inf"
/// and "nan" are numbers here: each caller's range check decides about them.
inline std::optional<double> whole_number(std::string_view text)
{
    double v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
    return v;
}

/// `text` split at `sep`: "" is one empty item and "a," two, so that an empty value is refused like any bad one.
inline std::vector<std::string> split_list(std::string_view text, char sep = ',')
{
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size())
    {
        const std::size_t at = std::min(text.find(sep, start), text.size());
        items.emplace_back(text.substr(start, at - start));
        start = at + 1;
    }
    return items;
}
}  // namespace zdscan
