/// \file coverage_file.hpp
/// The output of `zdscan coverage` (docs/output.md, "/coverage"): a copy of the result file it read with the group
/// /coverage added (or replaced), so that one file holds the scan, the Wilks regions and the toy-based ones, and
/// `zdscan plot` draws both. Written to a temporary file beside the target and renamed onto it when complete (the
/// output policy of output_target.hpp).
#pragma once

#include <functional>
#include <string>

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

/// Copies input to a temporary beside target, writes /coverage there (with the 1-D intervals in
/// /coverage/interval_m_zd_mev and interval_epsilon), calls before_rename (which may throw to
/// abandon it) and renames it onto target. The temporary is removed on every error.
void write_coverage_file(const std::string& input, const std::string& target, const CoverageGrid& grid,
                         const CoverageResult& result, const std::vector<IntervalCoverage>& intervals,
                         const CoverageProvenance& provenance,
                         const std::function<void()>& before_rename);
}  // namespace zdscan
