/// \file fuzz_limit_file.cc
/// libFuzzer target: the limit-file readers of search_limit and meson_decay measurements (DarkCast .lmt, CSV,
/// HEPData YAML) on arbitrary bytes. The first byte picks the format (mod 3) and what the table holds (a coupling or,
/// from 3 up, a branching ratio); the rest is the file. A ConfigError is the expected answer to
/// bad input; anything else (a crash, a sanitizer report, another exception) is a bug. An accepted table must hold
/// what make_search_limit_table promises: masses increasing, couplings in range, a band's upper edge above its lower.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../../host/io/search_limit_file.hpp"
#include "zdscan/io/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    static const char* const formats[] = {"lmt", "csv", "yaml"};
    const std::string ext = formats[data[0] % 3];
    const auto quantity = (data[0] / 3) % 2 ? zdscan::detail::LimitQuantity::branching_ratio
                                             : zdscan::detail::LimitQuantity::coupling;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    try
    {
        const zdscan::SearchLimitTable t = zdscan::detail::parse_search_limit_text(text, ext, "fuzz." + ext, quantity);
        for (std::size_t i = 0; i < t.mass_gev.size(); ++i)
        {
            if (i > 0 && !(t.mass_gev[i] > t.mass_gev[i - 1])) __builtin_trap();
            if (!(t.lower[i] >= zdscan::min_search_coupling && t.lower[i] <= zdscan::max_search_coupling)) __builtin_trap();
            if (t.band() && !(t.upper[i] > t.lower[i])) __builtin_trap();
        }
    }
    catch (const zdscan::ConfigError&)
    {
    }
    return 0;
}
