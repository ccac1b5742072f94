/// \file coverage_file.hpp
/// The output of `zdscan coverage` (docs/output.md, "/coverage"): a copy of the result file it read with the group
/// /coverage added (or replaced), so that one file holds the scan, the Wilks regions and the toy-based ones, and
/// `zdscan plot` draws both. Written to a temporary file beside the target and renamed onto it when complete (the
/// output policy of output_target.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "zdscan/io/config.hpp"
#include "zdscan/stats/coverage.hpp"
#include "zdscan/stats/interval_coverage.hpp"

namespace zdscan
{
/// A CL's dataset suffix in /coverage: 0.682689 → "68p27", 0.9 → "90" (the percentage to 4 digits, 'p' for the
/// point); the writer names the datasets with it and the reader finds them with it.
std::string coverage_cl_suffix(double cl);

struct CoverageProvenance
{
    std::string command_line;
    std::string device;  ///< e.g. "CPU (2 threads)"
    int ranks = 1;
    double prior_wall_time_s = 0;  ///< a resumed run's earlier time
};

/// The result's config (the root attribute `config`, resolved JSON), validated by the config parser; the file must
/// be a zdscan result (InvalidResultFile otherwise, naming it).
ScanConfig read_result_config(const std::string& path);

/// What the toys take from a result file, and the file's fingerprint: its CRC-32C and size when it was read. The
/// output is a copy of this file with /coverage added, so the copy made at the end must be these bytes (a scan
/// that rewrites the input while the toys run would otherwise give a file whose /coverage belongs to another
/// result).
struct ResultInput
{
    std::string path;
    ScanConfig config;
    std::vector<double> profile_m, profile_eps;  ///< the file's 1-D profiles (/profile1d)
    bool exact_delta_profile = true;              ///< /profile@delta_profile
    std::uint32_t crc32c = 0;
    std::uint64_t size = 0;
};

/// read_result_config with the file's 1-D profiles and fingerprint; refuses a file that changed while being read.
ResultInput read_result_input(const std::string& path);

/// Checks that the grid rebuilt from the stored config is the file's own: min over epsilon (over m_Zd) of its exact
/// profile agrees with /profile1d (to 1e-9 relative; a grid-profiled file lies at or above it). Throws
/// InvalidResultFile naming the file and the first mass or epsilon where they disagree.
void check_grid_matches_result(const ResultInput& input, const CoverageGrid& grid);

/// CRC-32C and size of a whole file, read in 1 MB pieces (a regular file; InputFileError otherwise).
std::pair<std::uint32_t, std::uint64_t> file_checksum(const std::string& path);

/// Copies input to a temporary beside target, checks that the copy is the bytes that were read at the start
/// (input.crc32c and size; std::runtime_error naming the input otherwise), writes /coverage there (with the 1-D
/// intervals in /coverage/interval_m_zd_mev and interval_epsilon), calls before_rename (which may throw to
/// abandon it) and renames it onto target. The temporary is removed on every error.
void write_coverage_file(const ResultInput& input, const std::string& target, const CoverageGrid& grid,
                         const CoverageResult& result, const std::vector<IntervalCoverage>& intervals,
                         const CoverageProvenance& provenance,
                         const std::function<void()>& before_rename);
}  // namespace zdscan
