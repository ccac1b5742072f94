/// \file message_chunks.hpp
/// MPI counts are int: a message of more than 2³¹ − 1 elements cannot be sent in one call (a CUDA tile record at
/// n_δ ≤ 10 reaches that). A record is sent as chunks of at most max_chunk bytes, after a header that gives its
/// size; the receiver reassembles them in order (MPI keeps the order of messages between two ranks on one tag).
/// Pure arithmetic, tested without MPI (tests/test_message_chunks.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace zdscan
{
/// The largest chunk: 1 GiB, well inside int for MPI_BYTE. $ZDSCAN_MPI_MAX_CHUNK_BYTES lowers it (tests exercise
/// the chunked path with small scans).
constexpr std::size_t default_max_chunk_bytes = std::size_t{1} << 30;

struct Chunk
{
    std::size_t offset, size;
};

/// The chunks of a message of `bytes` bytes, in order: each of at most max_chunk bytes (> 0), covering it exactly.
/// An empty message is one empty chunk.
inline std::vector<Chunk> plan_chunks(std::size_t bytes, std::size_t max_chunk)
{
    if (max_chunk == 0) throw std::invalid_argument("plan_chunks: max_chunk must be > 0");
    std::vector<Chunk> out;
    std::size_t offset = 0;
    do
    {
        const std::size_t size = bytes - offset < max_chunk ? bytes - offset : max_chunk;
        out.push_back({offset, size});
        offset += size;
    } while (offset < bytes);
    return out;
}

/// The header before a chunked message: its total size, the tag of the message it carries and the sender's chunk
/// size (so that the receiver plans the same chunks whatever its own environment).
struct ChunkedHeader
{
    std::uint64_t bytes = 0;
    std::int32_t tag = 0;
    std::uint64_t chunk = default_max_chunk_bytes;

    static constexpr std::size_t size = 20;
    std::vector<char> encode() const
    {
        std::vector<char> out(size);
        std::memcpy(out.data(), &bytes, 8);
        std::memcpy(out.data() + 8, &tag, 4);
        std::memcpy(out.data() + 12, &chunk, 8);
        return out;
    }
    /// Throws std::runtime_error on a header of the wrong length or an implausible size (limit: what the receiver
    /// accepts, e.g. the tile's bound).
    static ChunkedHeader decode(const std::vector<char>& in, std::uint64_t limit)
    {
        if (in.size() != size) throw std::runtime_error("malformed chunked-message header");
        ChunkedHeader h;
        std::memcpy(&h.bytes, in.data(), 8);
        std::memcpy(&h.tag, in.data() + 8, 4);
        std::memcpy(&h.chunk, in.data() + 12, 8);
        if (h.bytes > limit) throw std::runtime_error("chunked message of " + std::to_string(h.bytes) + " bytes");
        if (h.chunk == 0 || h.chunk > default_max_chunk_bytes)
            throw std::runtime_error("chunked message with chunks of " + std::to_string(h.chunk) + " bytes");
        return h;
    }
};
}  // namespace zdscan
