/// \file fuzz_config.cc
/// libFuzzer target: the config reader (parse_config_text and to_json) on arbitrary bytes. A ConfigError is the
/// expected answer to bad input; anything else (a crash, a sanitizer report, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "zdscan/io/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    try
    {
        const zdscan::ScanConfig c = zdscan::parse_config_text(text, "fuzz.json");
        // A config that is accepted must round-trip (the checkpoint compares configs through to_json).
        const auto again = zdscan::parse_config(zdscan::to_json(c));
        if (zdscan::to_json(again) != zdscan::to_json(c)) __builtin_trap();
    }
    catch (const zdscan::ConfigError&)
    {
    }
    return 0;
}
