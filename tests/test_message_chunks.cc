// MPI messages above int's count: the chunk plan and the header (include/zdscan/mpi/message_chunks.hpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <numeric>

#include "zdscan/mpi/message_chunks.hpp"

namespace zdscan
{
namespace
{
void expect_exact_cover(const std::vector<Chunk>& chunks, std::size_t bytes, std::size_t max_chunk)
{
    std::size_t next = 0;
    for (const Chunk& c : chunks)
    {
        EXPECT_EQ(c.offset, next);
        EXPECT_LE(c.size, max_chunk);
        next += c.size;
    }
    EXPECT_EQ(next, bytes);
}

TEST(MessageChunks, CoverTheMessageExactly)
{
    for (std::size_t bytes : {0, 1, 7, 8, 9, 1000})
    {
        for (std::size_t max : {1, 3, 8, 4096}) expect_exact_cover(plan_chunks(bytes, max), bytes, max);
    }
    EXPECT_EQ(plan_chunks(0, 8).size(), 1u);  // an empty message is still one (empty) message
    EXPECT_EQ(plan_chunks(16, 8).size(), 2u);
    EXPECT_EQ(plan_chunks(17, 8).size(), 3u);
    EXPECT_THROW(plan_chunks(10, 0), std::invalid_argument);
}

TEST(MessageChunks, ARecordAboveIntCountGoesInChunksBelowIt)
{
    // A CUDA tile record at 4096 x 4096 masses and epsilons with n_delta = 8 holds 4096 * 4096 * 8 doubles of the
    // full grid: 1 GiB. At n_delta = 24: 3 GiB, more than MPI's int count. Planned, not allocated.
    const std::size_t bytes = std::size_t{4096} * 4096 * 24 * sizeof(double);
    ASSERT_GT(bytes, static_cast<std::size_t>(std::numeric_limits<int>::max()));
    const auto chunks = plan_chunks(bytes, default_max_chunk_bytes);
    expect_exact_cover(chunks, bytes, default_max_chunk_bytes);
    EXPECT_EQ(chunks.size(), 3u);
    for (const Chunk& c : chunks) EXPECT_LE(c.size, static_cast<std::size_t>(std::numeric_limits<int>::max()));
}

TEST(MessageChunks, HeaderRoundTripsAndRefusesNonsense)
{
    const ChunkedHeader h{std::uint64_t{3} << 30, 1, 4096};
    const ChunkedHeader back = ChunkedHeader::decode(h.encode(), std::uint64_t{1} << 40);
    EXPECT_EQ(back.bytes, h.bytes);
    EXPECT_EQ(back.tag, h.tag);
    EXPECT_EQ(back.chunk, 4096u);
    EXPECT_THROW(ChunkedHeader::decode(std::vector<char>(11), 1 << 20), std::runtime_error);
    EXPECT_THROW(ChunkedHeader::decode(h.encode(), 1 << 20), std::runtime_error);  // larger than the limit
    EXPECT_THROW(ChunkedHeader::decode(ChunkedHeader{10, 1, 0}.encode(), 1 << 20), std::runtime_error);
}
}  // namespace
}  // namespace zdscan
