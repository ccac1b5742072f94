/// \file crc32c.cc
#include "zdscan/util/crc32c.hpp"

#include <array>
#include <cstring>

namespace zdscan
{
namespace
{
constexpr std::uint32_t polynomial = 0x82F63B78u;  // reflected Castagnoli

constexpr std::array<std::uint32_t, 256> make_table()
{
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i)
    {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ polynomial : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr auto table = make_table();

std::uint32_t crc_table(const unsigned char* p, std::size_t n, std::uint32_t c)
{
    for (std::size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2"))) std::uint32_t crc_sse42(const unsigned char* p, std::size_t n, std::uint32_t c)
{
    std::uint64_t c64 = c;
    for (; n >= 8; n -= 8, p += 8)
    {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        c64 = __builtin_ia32_crc32di(c64, word);
    }
    c = static_cast<std::uint32_t>(c64);
    for (; n > 0; --n, ++p) c = __builtin_ia32_crc32qi(c, *p);
    return c;
}
bool have_sse42()
{
    static const bool yes = __builtin_cpu_supports("sse4.2");
    return yes;
}
#endif
}  // namespace

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc)
{
    const auto* p = static_cast<const unsigned char*>(data);
    std::uint32_t c = ~crc;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (have_sse42()) return ~crc_sse42(p, size, c);
#endif
    return ~crc_table(p, size, c);
}
}  // namespace zdscan
