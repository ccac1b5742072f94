/// \file coverage_file.cc
#include "zdscan/io/coverage_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <hdf5_hl.h>

#include "hdf5_handle.hpp"
#include "zdscan/build_config.hpp"
#include "zdscan/io/input_file.hpp"
#include "zdscan/io/output_target.hpp"
#include "zdscan/io/scan_file.hpp"
#include "zdscan/util/crc32c.hpp"
#include "zdscan/util/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace zdscan
{
namespace
{
using h5::check;
using h5::Handle;

std::string cl_words(double cl)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.4g%% CL", 100 * cl);
    return text;
}

/// Removes the temporary file unless released.
struct TemporaryFile
{
    std::string path;
    bool keep = false;
    ~TemporaryFile()
    {
        if (!keep) std::remove(path.c_str());
    }
};
}  // namespace

std::string coverage_cl_suffix(double cl)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", 100 * cl);
    std::string s = text;
    std::replace(s.begin(), s.end(), '.', 'p');
    return s;
}

namespace
{
/// The result's stored config (the root attribute `config`), checked against the file's axes as read_scan_file read
/// them, and with delta_profile non-null also /profile@delta_profile ("exact" or "grid"): one open of the file.
ScanConfig stored_config(const std::string& path, const ScanFileContents& contents, std::string* delta_profile)
{
    h5::silence_error_stack();
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) throw InvalidResultFile(path + ": cannot open as HDF5");
    std::string text;
    try
    {
        text = h5::read_string_attribute(file, "config");
    }
    catch (const std::exception& e)
    {
        throw InvalidResultFile(path + ": attribute config: " + e.what());
    }
    ScanConfig config;
    try
    {
        config = parse_config_text(text, path + " (attribute config)");
    }
    catch (const std::exception& e)
    {
        throw InvalidResultFile(path + ": attribute config is not a valid zdscan config: " + e.what());
    }
    // The toys rebuild the grid from the config: it must be the file's (a crafted config could ask for any size).
    auto same = [](const std::vector<double>& a, const std::vector<double>& b)
    {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!(std::fabs(a[i] - b[i]) <= 1e-12 * std::fabs(b[i]))) return false;
        return true;
    };
    if (!same(config.m_zd_mev.values(), contents.m_zd_mev) || !same(config.epsilon.values(), contents.epsilon)
        || !same(config.delta.values(), contents.delta))
    {
        throw InvalidResultFile(path + ": attribute config does not describe the file's axes (/axes)");
    }
    if (delta_profile)
    {
        Handle p(H5Gopen2(file, "/profile", H5P_DEFAULT), H5Gclose);
        try
        {
            if (!p.valid()) throw std::runtime_error("missing");
            *delta_profile = h5::read_string_attribute(p, "delta_profile");
        }
        catch (const std::exception&)
        {
            throw InvalidResultFile(path + ": /profile@delta_profile is missing or unreadable");
        }
        if (*delta_profile != "exact" && *delta_profile != "grid")
            throw InvalidResultFile(path + ": /profile@delta_profile must be \"exact\" or \"grid\" (got \""
                                    + excerpt(*delta_profile) + "\")");
    }
    return config;
}

/// Reads fd to its end in 1 MB pieces, passing each to sink; the CRC-32C and size of what it read. read_error(errno)
/// throws.
template <class Sink, class ReadError>
std::pair<std::uint32_t, std::uint64_t> checksum_reads(int fd, Sink&& sink, ReadError&& read_error)
{
    std::vector<char> buffer(1u << 20);
    std::uint32_t crc = 0;
    std::uint64_t size = 0;
    for (;;)
    {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) read_error(errno);
        if (n <= 0) break;
        crc = crc32c(buffer.data(), static_cast<std::size_t>(n), crc);
        size += static_cast<std::uint64_t>(n);
        sink(buffer.data(), static_cast<std::size_t>(n));
    }
    return {crc, size};
}
}  // namespace

ScanConfig read_result_config(const std::string& path)
{
    return stored_config(path, read_scan_file(path), nullptr);  // every dataset checked (InvalidResultFile otherwise)
}

std::pair<std::uint32_t, std::uint64_t> file_checksum(const std::string& path)
{
    require_regular_file(path, "result file");
    const UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    auto fail = [&](int err) { throw InputFileError("result file: " + path + ": " + std::strerror(err)); };
    if (!file.valid()) fail(errno);
    return checksum_reads(file.get(), [](const char*, std::size_t) {}, fail);
}

namespace
{
/// Copies src to a new file dst with plain reads and writes, so that a failure names the system's reason (ENOSPC,
/// EFBIG; std::filesystem::copy_file reported EIO for both), and returns the CRC-32C and size of what it copied.
std::pair<std::uint32_t, std::uint64_t> copy_with_checksum(const std::string& src, const std::string& dst)
{
    const UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) throw std::runtime_error("cannot read " + src + ": " + std::strerror(errno));
    const UniqueFd out(::open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!out.valid()) throw std::runtime_error("cannot create " + dst + ": " + std::strerror(errno));
    auto write_all = [&](const char* data, std::size_t n)
    {
        for (std::size_t done = 0; done < n;)
        {
            const ssize_t w = ::write(out.get(), data + done, n - done);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) throw std::runtime_error("cannot write " + dst + " (the copy of " + src + "): " + std::strerror(errno));
            done += static_cast<std::size_t>(w);
        }
    };
    return checksum_reads(in.get(), write_all,
                          [&](int err) { throw std::runtime_error("cannot read " + src + ": " + std::strerror(err)); });
}
}  // namespace

ResultInput read_result_input(const std::string& path)
{
    ResultInput in;
    in.path = path;
    std::pair<std::uint32_t, std::uint64_t> before;
    try
    {
        before = file_checksum(path);
    }
    catch (const InputFileError& e)
    {
        throw InvalidResultFile(e.what());
    }
    const ScanFileContents contents = read_scan_file(path);  // every dataset checked (InvalidResultFile otherwise)
    in.profile_m = contents.profile_m;
    in.profile_eps = contents.profile_eps;
    std::string mode;
    in.config = stored_config(path, contents, &mode);
    in.exact_delta_profile = mode == "exact";
    std::pair<std::uint32_t, std::uint64_t> after;
    try
    {
        after = file_checksum(path);
    }
    catch (const InputFileError& e)
    {
        throw InvalidResultFile(e.what());
    }
    if (after != before)
        throw std::runtime_error(path + ": the file changed while it was read (is a scan writing it?); run again "
                                        "when it is complete");
    in.crc32c = before.first;
    in.size = before.second;
    return in;
}

void check_grid_matches_result(const ResultInput& input, const CoverageGrid& grid)
{
    const std::size_t nm = grid.m_zd_mev.size(), ne = grid.epsilon.size();
    if (input.profile_m.size() != nm || input.profile_eps.size() != ne)
        throw InvalidResultFile(input.path + ": /profile1d does not have the axes' lengths");
    // The rebuilt profile is exact in delta; a file profiled on the delta grid lies at or above it.
    auto agrees = [&](double file, double rebuilt)
    {
        const double tol = 1e-9 * std::max(1.0, std::fabs(rebuilt));
        return input.exact_delta_profile ? std::fabs(file - rebuilt) <= tol : file >= rebuilt - tol;
    };
    auto fail = [&](const char* axis, double value, double file, double rebuilt)
    {
        char text[200];
        std::snprintf(text, sizeof text, " at %s = %.6g: %.10g in the file, %.10g from its config", axis, value, file,
                      rebuilt);
        throw InvalidResultFile(input.path + ": the stored config does not reproduce the file's own profile (/profile1d)"
                                + text + "; the file was edited or is damaged");
    };
    for (std::size_t i = 0; i < nm; ++i)
    {
        double lowest = INFINITY;
        for (std::size_t j = 0; j < ne; ++j) lowest = std::min(lowest, grid.chi2[i * ne + j]);
        if (!agrees(input.profile_m[i], lowest)) fail("m_Zd", grid.m_zd_mev[i], input.profile_m[i], lowest);
    }
    for (std::size_t j = 0; j < ne; ++j)
    {
        double lowest = INFINITY;
        for (std::size_t i = 0; i < nm; ++i) lowest = std::min(lowest, grid.chi2[i * ne + j]);
        if (!agrees(input.profile_eps[j], lowest)) fail("epsilon", grid.epsilon[j], input.profile_eps[j], lowest);
    }
}

void write_coverage_file(const ResultInput& input, const std::string& target, const CoverageGrid& grid,
                         const CoverageResult& r, const std::vector<IntervalCoverage>& intervals,
                         const CoverageProvenance& provenance,
                         const std::function<void()>& before_rename)
{
    h5::silence_error_stack();
    TemporaryFile tmp{temporary_path_for(target)};
    if (copy_with_checksum(input.path, tmp.path) != std::make_pair(input.crc32c, input.size))
        throw std::runtime_error(input.path + ": the file changed while the toys ran (another scan wrote it?); its "
                                              "copy would join the new file's scan with toys thrown for the old one. "
                                              "Nothing was written; run coverage again on the new file");
    {
        Handle file(H5Fopen(tmp.path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
        if (!file.valid()) throw std::runtime_error("cannot open " + tmp.path + " for writing");
        if (H5Lexists(file, "coverage", H5P_DEFAULT) > 0) check(H5Ldelete(file, "coverage", H5P_DEFAULT), "/coverage");
        Handle g(check(H5Gcreate2(file, "coverage", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/coverage"), H5Gclose);
        Handle axis_m(check(H5Dopen2(file, "/axes/m_zd_mev", H5P_DEFAULT), "/axes/m_zd_mev"), H5Dclose);
        Handle axis_eps(check(H5Dopen2(file, "/axes/epsilon", H5P_DEFAULT), "/axes/epsilon"), H5Dclose);
        const std::vector<hsize_t> shape = {grid.m_zd_mev.size(), grid.epsilon.size()};
        auto label = [&](const Handle& set, const char* units, const std::string& what)
        {
            h5::write_attribute(set, "units", units);
            h5::write_attribute(set, "long_name", what);
            check(H5DSattach_scale(set, axis_m, 0), "attach dimension scale");
            check(H5DSattach_scale(set, axis_eps, 1), "attach dimension scale");
        };
        auto map = [&](const std::string& name, const std::vector<double>& v, const char* units, const std::string& what)
        { label(h5::write_dataset(g, name.c_str(), shape, v.data()), units, what); };
        auto mask = [&](const std::string& name, const std::vector<std::uint8_t>& v, const std::string& what)
        {
            std::vector<std::int32_t> w(v.begin(), v.end());
            label(h5::write_dataset(g, name.c_str(), shape, w.data()), "1", what);
        };
        map("dchi2", r.dchi2, "1", "the data's Delta chi2 = chi2 - chi2_min with delta profiled exactly (the test statistic)");
        mask("tested", r.tested_mask, "1 where toys were thrown");
        map("mean_cells_fitted", r.mean_cells_fitted, "1",
            "cells refitted per toy (exact delta profiles; NaN where not tested)");
        for (std::size_t k = 0; k < r.cl.size(); ++k)
        {
            const std::string s = coverage_cl_suffix(r.cl[k]), words = cl_words(r.cl[k]);
            map("dchi2_crit_" + s, r.crit[k], "1",
                "Feldman-Cousins critical Delta chi2 at " + words + " from the toys (NaN where not tested)");
            map("dchi2_crit_error_" + s, r.crit_error[k], "1",
                "Monte Carlo error of dchi2_crit_" + s + " (order statistics at CL N +- sqrt(N CL (1 - CL)))");
            map("wilks_coverage_" + s, r.wilks_coverage[k], "1",
                "fraction of toys with Delta chi2 <= the Wilks threshold of " + words + " (NaN where not tested)");
            mask("fc_region_" + s, r.fc_region[k],
                 "1 inside the Feldman-Cousins region at " + words + " (untested cells: by the tested band's rule)");
            // What `zdscan summary` prints (without reading the maps).
            const auto& l = r.levels[k];
            const std::pair<const char*, double> numbers[] = {
                {"fc_cells_", static_cast<double>(l.fc_cells)},
                {"wilks_cells_", static_cast<double>(l.wilks_cells)},
                {"contour_cells_", static_cast<double>(l.contour_cells)},
                {"contour_crit_median_", l.crit_median},
                {"contour_coverage_median_", l.coverage_median},
                {"crit_min_", l.crit_min},
                {"crit_max_", l.crit_max},
                {"coverage_min_", l.coverage_min},
                {"coverage_max_", l.coverage_max}};
            for (const auto& [name, v] : numbers) h5::write_attribute(g, (name + s).c_str(), v);
        }
        // The CLs as the dimension scale of their thresholds; the warnings their own (xarray: no phony dimensions).
        Handle cl = h5::write_dataset(g, "cl", {r.cl.size()}, r.cl.data());
        check(H5DSset_scale(cl, "cl"), "set dimension scale");
        h5::write_attribute(cl, "units", "1");
        h5::write_attribute(cl, "long_name", "confidence level (fraction)");
        Handle wilks = h5::write_dataset(g, "wilks_dchi2", {r.wilks.size()}, r.wilks.data());
        h5::write_attribute(wilks, "units", "1");
        h5::write_attribute(wilks, "long_name", "Wilks threshold of the CL for two parameters, -2 ln(1 - CL)");
        check(H5DSattach_scale(wilks, cl, 0), "attach dimension scale");
        h5::write_attribute(g, "method",
                            "Feldman-Cousins (1998) Neyman construction with toys; statistic Delta chi2 of (m_Zd, "
                            "epsilon) with delta profiled exactly; pseudo-data at delta profiled at the tested point "
                            "(plug-in), Gaussian with the fit's covariance; refit over the whole grid");
        h5::write_attribute(g, "toys", static_cast<double>(r.toys));
        h5::write_attribute(g, "seed", std::to_string(r.seed));
        h5::write_attribute(g, "random_numbers", "Philox4x32-10 keyed by (seed, cell, toy); polar-method Gaussians");
        h5::write_attribute(g, "points", r.points_rule);
        h5::write_attribute(g, "tested_cells", static_cast<double>(r.tested.size()));
        h5::write_attribute(g, "toy_refits", static_cast<double>(r.toys_total));
        h5::write_attribute(g, "cells_fitted", static_cast<double>(r.cells_fitted_total));
        h5::write_attribute(g, "wall_time_s", provenance.prior_wall_time_s + r.seconds);
        h5::write_attribute(g, "batches_restored", static_cast<double>(r.batches_restored));
        h5::write_attribute(g, "device", provenance.device);
        h5::write_attribute(g, "ranks", provenance.ranks);
        h5::write_attribute(g, "command_line", provenance.command_line);
        h5::write_attribute(g, "zdscan_version", ZDSCAN_VERSION);
        for (const IntervalCoverage& iv : intervals)
        {
            const char* axis_name = iv.axis == 0 ? "m_zd_mev" : "epsilon";
            const Handle& axis = iv.axis == 0 ? axis_m : axis_eps;
            Handle ig(check(H5Gcreate2(g, (std::string("interval_") + axis_name).c_str(), H5P_DEFAULT, H5P_DEFAULT,
                                       H5P_DEFAULT),
                            "/coverage/interval"),
                      H5Gclose);
            h5::write_attribute(ig, "description",
                                std::string("1-D intervals of ") + axis_name
                                    + " (the other parameter and delta profiled) by toys: Feldman-Cousins and the "
                                      "Wilks interval's coverage (docs/statistics.md)");
            h5::write_attribute(ig, "toy_refits", static_cast<double>(iv.toys_computed));
            const std::vector<hsize_t> n = {iv.values.size()};
            auto vec = [&](const std::string& name, const auto& v, const std::string& what)
            {
                Handle set = h5::write_dataset(ig, name.c_str(), n, v.data());
                h5::write_attribute(set, "units", "1");
                h5::write_attribute(set, "long_name", what);
                check(H5DSattach_scale(set, axis, 0), "attach dimension scale");
            };
            vec("dchi2", iv.dchi2, "the data's 1-D profile: Delta chi2 with the other parameter and delta profiled");
            vec("tested", std::vector<std::int32_t>(iv.tested.begin(), iv.tested.end()), "1 where toys were thrown");
            for (std::size_t k = 0; k < r.cl.size(); ++k)
            {
                const std::string s = coverage_cl_suffix(r.cl[k]), words = cl_words(r.cl[k]);
                vec("dchi2_crit_" + s, iv.crit[k], "Feldman-Cousins critical Delta chi2 at " + words + " (NaN: not tested)");
                vec("dchi2_crit_error_" + s, iv.crit_error[k], "Monte Carlo error of dchi2_crit_" + s);
                vec("wilks_coverage_" + s, iv.wilks_coverage[k],
                    "fraction of toys with Delta chi2 <= the one-parameter Wilks threshold (NaN: not tested)");
                h5::write_attribute(ig, ("wilks_dchi2_" + s).c_str(), iv.wilks[k]);
                h5::write_attribute(ig, ("fc_lower_" + s).c_str(), iv.fc[k].lower);  // NaN: open at the axis's end
                h5::write_attribute(ig, ("fc_upper_" + s).c_str(), iv.fc[k].upper);
                h5::write_attribute(ig, ("wilks_lower_" + s).c_str(), iv.wilks_interval[k].lower);
                h5::write_attribute(ig, ("wilks_upper_" + s).c_str(), iv.wilks_interval[k].upper);
            }
        }
        Handle warnings = h5::write_string_dataset(g, "warnings", r.warnings);
        check(H5DSset_scale(warnings, "warning"), "set dimension scale");
        h5::write_attribute(warnings, "units", "");
        h5::write_attribute(warnings, "long_name", "what the run warned about (empty: nothing)");
        if (g.close() < 0 || axis_m.close() < 0 || axis_eps.close() < 0 || file.close() < 0)
            throw std::runtime_error("cannot write " + tmp.path + ": " + h5::error_stack_reason());
    }
    if (before_rename) before_rename();
    if (std::rename(tmp.path.c_str(), target.c_str()) != 0)
        throw std::runtime_error("cannot rename " + tmp.path + " to " + target + ": " + std::strerror(errno));
    tmp.keep = true;
}
}  // namespace zdscan
