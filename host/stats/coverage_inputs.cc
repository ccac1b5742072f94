/// \file coverage_inputs.cc
#include "zdscan/stats/coverage_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "zdscan/io/config.hpp"
#include "zdscan/io/input_file.hpp"
#include "zdscan/scan/axis_coordinate.hpp"
#include "zdscan/scan/scan_engine.hpp"
#include "zdscan/util/number_text.hpp"

namespace zdscan
{
namespace
{
/// A finite number, all of item.
bool parse_number(const std::string& item, double& v)
{
    const auto x = whole_number(item);
    if (!x || !std::isfinite(*x)) return false;
    v = *x;
    return true;
}

/// The grid cell nearest to (m, ε), each axis in its own coordinate (log10 on a log axis).
std::size_t nearest(const std::vector<double>& axis, bool log_axis, double v)
{
    auto u = [&](double x) { return grid_coordinate(x, log_axis); };
    std::size_t best = 0;
    for (std::size_t i = 1; i < axis.size(); ++i)
        if (std::fabs(u(axis[i]) - u(v)) < std::fabs(u(axis[best]) - u(v))) best = i;
    return best;
}

/// 10^7 points of about 40 characters each.
constexpr std::size_t max_points_file_bytes = 512u << 20;

/// A points file: one "m_zd_mev epsilon" pair per line (spaces or a comma between), '#' comments, each inside the
/// grid's ranges. Throws ConfigError naming --points, the file and the line.
std::vector<std::int64_t> read_points_file(const std::string& path, const CoverageGrid& grid, const std::string& option)
{
    std::string text;
    try
    {
        text = read_regular_file(path, max_points_file_bytes, option);  // never blocks on a FIFO
    }
    catch (const InputFileError& e)
    {
        throw ConfigError(std::string(e.what()) + " (give near-contour, all, or a file of points)");
    }
    std::istringstream in(text);
    std::vector<std::int64_t> cells;
    std::string line;
    int number = 0;
    auto range = [](const std::vector<double>& a) { return std::minmax(a.front(), a.back()); };
    const auto [m_lo, m_hi] = range(grid.m_zd_mev);
    const auto [e_lo, e_hi] = range(grid.epsilon);
    while (std::getline(in, line))
    {
        ++number;
        line = line.substr(0, line.find('#'));
        std::replace(line.begin(), line.end(), ',', ' ');
        std::istringstream fields(line);
        std::string a, b, extra;
        if (!(fields >> a)) continue;
        double m = 0, eps = 0;
        const std::string where = option + ": " + path + " line " + std::to_string(number) + ": ";
        if (!(fields >> b) || (fields >> extra) || !parse_number(a, m) || !parse_number(b, eps))
            throw ConfigError(where + "expected two numbers, m_zd_mev and epsilon");
        if (!(m >= m_lo && m <= m_hi) || !(eps >= e_lo && eps <= e_hi))
            throw ConfigError(where + "the point lies outside the scanned grid");
        if (cells.size() >= 10000000) throw ConfigError(where + "more than 10^7 points");
        cells.push_back(static_cast<std::int64_t>(nearest(grid.m_zd_mev, grid.m_log, m) * grid.epsilon.size()
                                                  + nearest(grid.epsilon, grid.eps_log, eps)));
    }
    if (cells.empty()) throw ConfigError(option + ": " + path + " lists no points");
    return cells;
}

}  // namespace

std::string default_coverage_path(const std::string& input)
{
    const std::string name = input.size() > 3 && input.compare(input.size() - 3, 3, ".h5") == 0
                                 ? input.substr(0, input.size() - 3)
                                 : input;
    return name + "-coverage.h5";
}

std::vector<double> parse_coverage_levels(const std::string& text, const std::string& option)
{
    std::vector<double> levels;
    for (const std::string& item : split_list(text))
    {
        double percent = 0;
        if (!parse_number(item, percent) || !(percent > 0 && percent < 100))
            throw ConfigError(option + ": each level must be a percentage between 0 and 100, e.g. 68,90,95 (got \"" + item
                              + "\")");
        // The σ conventions: 68 → 68.27 %, 95.45 and 99.73 as given.
        levels.push_back(item == "68" ? 0.682689492137086 : percent / 100);
    }
    std::sort(levels.begin(), levels.end());
    if (std::adjacent_find(levels.begin(), levels.end()) != levels.end())
        throw ConfigError(option + ": a level is given twice (got \"" + text + "\")");
    if (levels.size() > 8) throw ConfigError(option + ": at most 8 levels (got " + std::to_string(levels.size()) + ")");
    return levels;
}

void set_coverage_band(CoveragePoints& points, const std::string& text, const std::string& option)
{
    const auto band = split_list(text);
    double lo = 0, hi = 0;
    if (band.size() != 2 || !parse_number(band[0], lo) || !parse_number(band[1], hi) || !(lo >= 0 && hi > lo))
        throw ConfigError(option + ": must be LOW,HIGH with 0 <= LOW < HIGH (got \"" + text + "\")");
    points.band_low = lo;
    points.band_high = hi;
}

void set_coverage_points(CoveragePoints& points, const std::string& text, const CoverageGrid& grid,
                         const std::string& option)
{
    if (text == "near-contour")
    {
        points.rule = CoveragePoints::Rule::near_contour;
    }
    else if (text == "all")
    {
        points.rule = CoveragePoints::Rule::all;
    }
    else
    {
        points.rule = CoveragePoints::Rule::listed;
        points.cells = read_points_file(text, grid, option);
    }
}

std::unique_ptr<ToyBackend> make_toy_backend(const std::string& name, const CoverageGrid& grid, int threads,
                                             int device)
{
    const std::string which = name == "auto" ? (cuda_device_count() > 0 ? "cuda" : "cpu") : name;
    if (which == "cuda") return make_cuda_toys(grid.view(), grid.delta.data(), device);
    if (which == "cuda-emulated") return make_emulated_cuda_toys(grid.view(), grid.delta.data());
    if (which == "cpu") return make_cpu_toys(grid, threads);
    throw ConfigError("backend: must be cpu, cuda, cuda-emulated or auto (got \"" + name + "\")");
}
}  // namespace zdscan
