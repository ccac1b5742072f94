/// \file progress.cc
#include "zdscan/scan/progress.hpp"

#include <unistd.h>

namespace zdscan
{
ProgressReporter::ProgressReporter(std::FILE* stream, bool interactive, std::int64_t total_points, const char* unit)
    : stream_(stream), interactive_(interactive), total_(total_points), unit_(unit), start_(clock::now()),
      last_report_(start_)
{
}

void ProgressReporter::start(std::int64_t already_done)
{
    base_ = already_done;
    start_ = last_report_ = clock::now();
}

ProgressReporter ProgressReporter::for_stderr(std::int64_t total_points, const char* unit)
{
    return ProgressReporter(stderr, isatty(fileno(stderr)) != 0, total_points, unit);
}

void ProgressReporter::update(std::int64_t done)
{
    if (!stream_)
    {
        return;
    }
    const auto now = clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double since_last = std::chrono::duration<double>(now - last_report_).count();
    const int decile = total_ > 0 ? static_cast<int>(10 * done / total_) : 10;
    // A terminal is refreshed at most 5 times a second; a log gets a line per 10 % or per 30 s.
    if (interactive_ ? since_last < 0.2 : (decile == last_decile_ && since_last < 30))
    {
        return;
    }
    last_report_ = now;
    last_decile_ = decile;
    const double rate = elapsed > 0 ? (done - base_) / elapsed : 0;
    const double eta = rate > 0 ? (total_ - done) / rate : 0;
    const double percent = total_ > 0 ? 100.0 * done / total_ : 100.0;
    // On a terminal: return to the line start and clear to its end (ESC [K) before redrawing.
    std::fprintf(stream_,
                 interactive_ ? "\r\033[K[zdscan] %5.1f%%  %.3g %s/s  ETA %.0f s"
                              : "[zdscan] %5.1f%%  %.3g %s/s  ETA %.0f s\n",
                 percent, rate, unit_, eta);
    std::fflush(stream_);
}

void ProgressReporter::finish()
{
    if (!stream_)
    {
        return;
    }
    const double elapsed = std::chrono::duration<double>(clock::now() - start_).count();
    const std::int64_t computed = total_ - base_;
    std::fprintf(stream_, "%s[zdscan] done: %lld %s%s in %.2f s (%.3g %s/s)\n", interactive_ ? "\r\033[K" : "",
                 static_cast<long long>(computed), unit_, base_ > 0 ? " computed in this run" : "", elapsed,
                 elapsed > 0 ? computed / elapsed : 0.0, unit_);
    std::fflush(stream_);
}
}  // namespace zdscan
