/// \file coverage_command.hpp
/// `zdscan coverage RESULT.h5 --toys N [--cl 68,90,95] [--points near-contour|all|FILE] [--out FILE]`: toy-based
/// Feldman–Cousins regions and the Wilks regions' coverage (stats/coverage.hpp; docs/statistics.md).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "zdscan/mpi/parallel_job.hpp"

namespace zdscan
{
/// The raw text of every option (parsed in run_coverage_command, so that messages name the option).
struct CoverageArgs
{
    std::string input, out_path, toys = "1000", cl = "68,90,95", points = "near-contour", band = "0.25,2.5",
                                     seed = "1", threads, checkpoint_interval, backend = "auto";
    bool force = false, resume = false, no_checkpoint = false, quiet = false;
    std::string command_line;
};

CLI::App* add_coverage_command(CLI::App& app, CoverageArgs& args);
/// Exit code 0; throws ConfigError (bad option), InvalidResultFile, OutputRefused, ScanInterrupted, runtime errors.
int run_coverage_command(const CoverageArgs& args, ParallelJob& job);

/// "68,90,95" → {0.6827, 0.90, 0.95}: each a percentage in (0, 100), where 68, 95.45 and 99.73 are the 1, 2 and 3σ
/// levels (68.27 %, …); ascending, without repeats, at most 8. Throws ConfigError naming --cl.
std::vector<double> parse_coverage_levels(const std::string& text);
}  // namespace zdscan
