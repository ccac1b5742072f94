/// \file progress.hpp
/// Progress of a long scan on stderr: a live line (points/s, ETA) on a terminal, plain log lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace zdscan
{
class ProgressReporter
{
  public:
    /// \param stream where to report (stderr); \param interactive overwrite one line (a terminal) or log lines;
    /// \param unit what is counted ("points" of a scan, "toys" of `zdscan coverage`).
    ProgressReporter(std::FILE* stream, bool interactive, std::int64_t total_points, const char* unit = "points");
    /// For a terminal stderr: interactive exactly when isatty(stderr).
    static ProgressReporter for_stderr(std::int64_t total_points, const char* unit = "points");

    /// Starts the clock: the rate and ETA count from here (the driver calls it when the grid evaluation starts,
    /// after the setup, so that the rate is the one the final log line reports). already_done: points restored
    /// from a checkpoint, which count towards the percentage but not towards the rate.
    void start(std::int64_t already_done = 0);
    void update(std::int64_t points_done);
    void finish();

  private:
    using clock = std::chrono::steady_clock;
    std::FILE* stream_;
    bool interactive_;
    std::int64_t total_;
    const char* unit_;
    std::int64_t base_ = 0;  ///< points done before start() (restored)
    clock::time_point start_;
    clock::time_point last_report_;
    int last_decile_ = 0;
};
}  // namespace zdscan
