/// \file coverage_inputs.hpp
/// What `zdscan coverage` and zdscan.coverage take from their user, parsed once for both: the CLs, the tested cells
/// (a rule or a file of points), the toys' backend and the default output path. Errors are ConfigError naming the
/// option as the caller spells it ("--cl", "cl=").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "zdscan/stats/coverage.hpp"
#include "zdscan/stats/toy_backend.hpp"

namespace zdscan
{
/// "68,90,95" → {0.6827, 0.90, 0.95}: each a percentage in (0, 100), where 68 is the 1σ level (68.27 %) and 95.45,
/// 99.73 are taken as given; ascending, without repeats, at most 8.
std::vector<double> parse_coverage_levels(const std::string& text, const std::string& option);

/// "LOW,HIGH" with 0 ≤ LOW < HIGH: the near-contour band.
void set_coverage_band(CoveragePoints& points, const std::string& text, const std::string& option);

/// "near-contour", "all", or a file of "m_zd_mev epsilon" lines (spaces or a comma between, '#' comments), each
/// inside the grid, whose nearest cells are tested.
void set_coverage_points(CoveragePoints& points, const std::string& text, const CoverageGrid& grid,
                         const std::string& option);

/// "cpu", "cuda", "cuda-emulated" or "auto" (cuda when a device is present, else cpu).
std::unique_ptr<ToyBackend> make_toy_backend(const std::string& name, const CoverageGrid& grid, int threads,
                                             int device);

/// RESULT.h5 → RESULT-coverage.h5.
std::string default_coverage_path(const std::string& input);
}  // namespace zdscan
