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
                                     seed = "1", threads, checkpoint_interval, backend = "auto", max_minutes;
    bool force = false, resume = false, no_checkpoint = false, quiet = false;
    std::string command_line;
};

CLI::App* add_coverage_command(CLI::App& app, CoverageArgs& args);
/// Exit code 0; throws ConfigError (bad option), InvalidResultFile, OutputRefused, ScanInterrupted,
/// TimeBudgetReached (--max-minutes), runtime errors.
int run_coverage_command(const CoverageArgs& args, ParallelJob& job);
}  // namespace zdscan
