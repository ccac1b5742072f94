/// \file crc32c.hpp
/// CRC-32C (Castagnoli, iSCSI: RFC 3720 B.4) of a byte range: the checksum of checkpoint records. The SSE4.2
/// instruction where the CPU has it (~10 GB/s: a full-grid tile of 256 MB costs ~25 ms, less than writing it),
/// else a table. Check value: crc32c("123456789") = 0xE3069283.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zdscan
{
/// Continues `crc` (0 for a new sum) over size bytes at data.
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);
}  // namespace zdscan
