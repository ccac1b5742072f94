/// \file tile_codec.cc
/// A tile result as a self-describing record: a header of counts, then the arrays (host byte order: the records
/// travel between ranks of one job and stay in one checkpoint directory; both are checked by the header). Every
/// record carries a CRC-32C of itself: a flipped bit or a torn write is found before anything is merged.
#include <cmath>
#include <cstddef>
#include <string>
#include <cstring>

#include "zdscan/scan/tile_exchange.hpp"
#include "zdscan/util/crc32c.hpp"

namespace zdscan
{
namespace
{
constexpr std::int64_t magic = 0x5a44'5449'4c45'3032;  // "ZDTILE02": with the checksum

struct Header
{
    std::int64_t magic, tile, cells, n_delta, n_exact, n_full, first_nonfinite, bytes;
    std::int64_t crc;  ///< CRC-32C of the whole record with this field 0
};

/// The record's checksum (its crc field taken as 0).
std::uint32_t record_crc(const char* record, std::size_t bytes)
{
    const std::int64_t zero = 0;
    const std::size_t at = offsetof(Header, crc);
    std::uint32_t c = crc32c(record, at);
    c = crc32c(&zero, sizeof zero, c);
    return crc32c(record + at + sizeof zero, bytes - at - sizeof zero, c);
}

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
             0,
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
    h.crc = record_crc(out.data(), out.size());
    std::memcpy(out.data() + offsetof(Header, crc), &h.crc, sizeof h.crc);
    return out;
}

std::size_t decode_tile(const char* data, std::size_t size, std::int64_t& t, TileResult& r)
{
    Header h{};
    if (size < sizeof h) return 0;
    std::memcpy(&h, data, sizeof h);
    // Each count is bounded by the bytes present before any product is formed (no overflow, no huge resize).
    const auto fits = [&](std::int64_t n, std::size_t element)
    { return n >= 0 && static_cast<std::uint64_t>(n) <= size / element; };
    const bool sane = h.magic == magic && fits(h.cells, sizeof(double) + sizeof(std::int32_t))
                      && fits(h.n_delta, sizeof(double)) && fits(h.n_exact, sizeof(double))
                      && fits(h.n_full, sizeof(double)) && h.bytes == record_bytes(h);
    if (!sane || static_cast<std::uint64_t>(h.bytes) > size) return 0;
    if (static_cast<std::int64_t>(record_crc(data, static_cast<std::size_t>(h.bytes))) != h.crc) return 0;
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

std::string tile_result_problem(const Tile& tile, const TileShape& shape, const TileResult& r)
{
    const std::int64_t cells = tile.cells(), points = cells * shape.n_delta;
    const auto size_is = [](const auto& v, std::int64_t n) { return static_cast<std::int64_t>(v.size()) == n; };
    if (!size_is(r.chi2_min, cells) || !size_is(r.argmin, cells))
        return "holds " + std::to_string(r.chi2_min.size()) + " cells where the tile has " + std::to_string(cells);
    if (!size_is(r.delta_profile, shape.n_delta))
        return "has a delta profile of " + std::to_string(r.delta_profile.size()) + " values where the axis has "
               + std::to_string(shape.n_delta);
    if (!size_is(r.delta_at_min, shape.exact ? cells : 0)) return "has the wrong number of exact delta values";
    if (!size_is(r.full, shape.full ? points : 0)) return "has the wrong number of full-grid values";
    if (r.first_nonfinite < -1 || r.first_nonfinite >= points)
        return "names a non-finite point (" + std::to_string(r.first_nonfinite) + ") outside the tile";
    for (std::int32_t k : r.argmin)
    {
        if (k < 0 || k >= shape.n_delta) return "has a delta index " + std::to_string(k) + " outside the axis";
    }
    if (r.first_nonfinite >= 0) return "";  // the scan stops on it, naming the point (NonFiniteChi2)
    const auto chi2_ok = [](double x) { return x >= 0 && x < HUGE_VAL; };  // false for NaN
    for (const auto* v : {&r.chi2_min, &r.delta_profile, &r.full})
    {
        for (double x : *v)
        {
            if (!chi2_ok(x)) return "has a chi2 value " + std::to_string(x) + " (not finite and >= 0)";
        }
    }
    for (double d : r.delta_at_min)
    {
        if (!(d >= shape.delta_min && d <= shape.delta_max))
            return "has an exact delta " + std::to_string(d) + " outside the axis";
    }
    return "";
}
}  // namespace zdscan
