/// \file summary.hpp
/// The analysis of a result (what `zdscan summary` and `zdscan scan` print, and `--json`): the best fit, each
/// parameter's interval at a level with what sets its ends (the data, the grid's edge, another axis's box), the
/// goodness of fit and the SM comparison, the searches' verdict, the credible and Feldman-Cousins statements and
/// every warning. It reads ScanFileContents (io/scan_file.hpp) or a scan in memory; io/ itself only reads and
/// writes files.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "zdscan/io/scan_file.hpp"
#include "zdscan/scan/scan_driver.hpp"

namespace zdscan
{
/// The same contents taken from a scan in memory (what `zdscan scan` prints: no read-back of the output path).
ScanFileContents summary_contents(const ScanOutput& out);

/// The confidence level of the 1-D intervals: Δχ² for one parameter.
struct SummaryLevel
{
    double delta_chi2 = 1.0;
    std::string label = "68.27% CL (1 sigma)";
};
/// "68", "90", "95", "99" (% CL, one parameter: Δχ² = 1, 2.706, 3.841, 6.635) or "dchi2=X". Throws
/// std::invalid_argument naming --cl.
SummaryLevel parse_summary_level(const std::string& text);

/// Best fit (centres from the refined fit), each parameter's interval at the level, and warnings.
std::string format_summary(const ScanFileContents& f, const SummaryLevel& level = {});
nlohmann::json summary_json(const ScanFileContents& f, const SummaryLevel& level = {});
}  // namespace zdscan
