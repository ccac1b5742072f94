/// \file tile_codec.cc
/// A tile result as a self-describing record: a header of counts, then the arrays (host byte order: the records
/// travel between ranks of one job and stay in one checkpoint directory; both are checked by the header).
#include <cstring>

#include "zdscan/scan/tile_exchange.hpp"

namespace zdscan
{
namespace
{
constexpr std::int64_t magic = 0x5a44'5449'4c45'3031;  // "ZDTILE01"

struct Header
{
    std::int64_t magic, tile, cells, n_delta, n_exact, n_full, first_nonfinite, bytes;
};

/// The record's length its counts imply.
std::int64_t record_bytes(const Header& h)
{
    return static_cast<std::int64_t>(sizeof(Header) + h.cells * (sizeof(double) + sizeof(std::int32_t))
                                     + (h.n_delta + h.n_exact + h.n_full) * sizeof(double));
}

template <class T> char* put(char* at, const std::vector<T>& v)
{
    if (!v.empty()) std::memcpy(at, v.data(), v.size() * sizeof(T));
    return at + v.size() * sizeof(T);
}

template <class T> const char* take(const char* p, std::vector<T>& v, std::int64_t n)
{
    v.resize(static_cast<std::size_t>(n));
    if (n > 0) std::memcpy(v.data(), p, static_cast<std::size_t>(n) * sizeof(T));
    return p + static_cast<std::size_t>(n) * sizeof(T);
}
}  // namespace

std::vector<char> encode_tile(std::int64_t t, const TileResult& r)
{
    Header h{magic,
             t,
             static_cast<std::int64_t>(r.chi2_min.size()),
             static_cast<std::int64_t>(r.delta_profile.size()),
             static_cast<std::int64_t>(r.delta_at_min.size()),
             static_cast<std::int64_t>(r.full.size()),
             r.first_nonfinite,
             0};
    h.bytes = record_bytes(h);
    std::vector<char> out(static_cast<std::size_t>(h.bytes));
    std::memcpy(out.data(), &h, sizeof h);
    char* at = out.data() + sizeof h;
    at = put(at, r.chi2_min);
    at = put(at, r.argmin);
    at = put(at, r.delta_at_min);
    at = put(at, r.delta_profile);
    put(at, r.full);
    return out;
}

std::size_t decode_tile(const char* data, std::size_t size, std::int64_t& t, TileResult& r)
{
    Header h{};
    if (size < sizeof h) return 0;
    std::memcpy(&h, data, sizeof h);
    const bool sane = h.magic == magic && h.cells >= 0 && h.n_delta >= 0 && h.n_exact >= 0 && h.n_full >= 0
                      && h.bytes == record_bytes(h);
    if (!sane || static_cast<std::size_t>(h.bytes) > size) return 0;
    const char* p = data + sizeof h;
    p = take(p, r.chi2_min, h.cells);
    p = take(p, r.argmin, h.cells);
    p = take(p, r.delta_at_min, h.n_exact);
    p = take(p, r.delta_profile, h.n_delta);
    take(p, r.full, h.n_full);
    r.first_nonfinite = h.first_nonfinite;
    t = h.tile;
    return static_cast<std::size_t>(h.bytes);
}
}  // namespace zdscan
