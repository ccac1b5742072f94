/// \file input_file.hpp
/// Reading a file named by the user (a config, a checkpoint manifest) as untrusted input: only a regular file, at
/// most max_bytes, and never a blocking open (a FIFO named as a config would otherwise hang the run forever, and
/// /dev/zero would be read until memory runs out). docs/output.md, "Reading".
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace zdscan
{
/// The file cannot be used as input (bad input: exit code 2). The message names the file and says why.
class InputFileError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// Largest config a run reads (a config is a few kB; the paper's is 5 kB).
inline constexpr std::size_t max_config_bytes = 16u << 20;

/// The whole content of `path`: a regular file (symbolic links are followed unless no_follow) of at most
/// max_bytes. `what` names the input in messages ("--config", "checkpoint manifest"). Throws InputFileError.
std::string read_regular_file(const std::string& path, std::size_t max_bytes, const std::string& what,
                              bool no_follow = false);

/// Checks, without blocking, that `path` names a regular file that can be opened for reading, before a library
/// (HDF5) opens it by name: a FIFO would block HDF5's open forever, a directory or device gives a library error
/// that names nothing. Every reader of a path that is not read through read_regular_file calls this first.
/// Throws InputFileError naming `what` and the path.
void require_regular_file(const std::string& path, const std::string& what);

/// At most max_chars of `text` for an error message, with "..." and the full length when cut (a 60 MB line of a
/// limit file must not be echoed whole).
std::string excerpt(const std::string& text, std::size_t max_chars = 80);
}  // namespace zdscan
