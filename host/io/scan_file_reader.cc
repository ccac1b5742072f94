/// \file scan_file_reader.cc
/// Reading a result file back (for `zdscan summary`), as untrusted input: every size and value is checked.
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "hdf5_handle.hpp"
#include "zdscan/io/coverage_file.hpp"
#include "zdscan/io/scan_file.hpp"
#include "zdscan/io/input_file.hpp"

namespace zdscan
{
namespace
{
using h5::check;
using h5::Handle;

/// Largest axis a config allows (config.md): nothing longer is read from a file, whatever it declares.
constexpr hssize_t max_axis_points = 1000000;

/// A 1-D dataset of doubles with exactly `expected` elements (or, with expected < 0, at most max_axis_points),
/// every one finite. The size is checked before anything is allocated.
/// A k × k double dataset, checked for its shape before it is read.
std::vector<double> read_square(hid_t file, const std::string& name, hssize_t k)
{
    Handle set(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!set.valid()) throw std::runtime_error("missing dataset " + name);
    Handle space(check(H5Dget_space(set), name), H5Sclose);
    hsize_t dims[2] = {0, 0};
    if (H5Sget_simple_extent_ndims(space) != 2 || H5Sget_simple_extent_dims(space, dims, nullptr) != 2
        || dims[0] != static_cast<hsize_t>(k) || dims[1] != static_cast<hsize_t>(k))
    {
        throw std::runtime_error(name + " is not " + std::to_string(k) + " x " + std::to_string(k));
    }
    std::vector<double> v(static_cast<std::size_t>(k * k));
    check(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
    return v;
}

std::vector<double> read_vector(hid_t file, const std::string& name, hssize_t expected)
{
    Handle set(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!set.valid())
    {
        throw std::runtime_error("missing dataset " + name);
    }
    Handle space(check(H5Dget_space(set), name), H5Sclose);
    if (H5Sget_simple_extent_ndims(space) != 1)
    {
        throw std::runtime_error(name + " is not one-dimensional");
    }
    const hssize_t n = check(H5Sget_simple_extent_npoints(space), name);
    if (expected >= 0 && n != expected)
    {
        throw std::runtime_error(name + " has " + std::to_string(n) + " values where its axis has "
                                 + std::to_string(expected));
    }
    if (n < 1 || n > max_axis_points)
    {
        throw std::runtime_error(name + " declares " + std::to_string(n) + " values (allowed: 1 to "
                                 + std::to_string(max_axis_points) + ")");
    }
    std::vector<double> v(static_cast<std::size_t>(n));
    check(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
    for (std::size_t i = 0; i < v.size(); ++i)
    {
        if (!std::isfinite(v[i]))
        {
            throw std::runtime_error(name + "[" + std::to_string(i) + "] is not finite");
        }
    }
    return v;
}

/// An axis: finite, strictly increasing, positive on a log scale.
std::vector<double> read_axis(hid_t file, const std::string& name, bool& log)
{
    const auto v = read_vector(file, name, -1);
    {
        Handle set(check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), name), H5Dclose);
        log = h5::read_string_attribute(set, "scale") == "log";
    }
    for (std::size_t i = 0; i < v.size(); ++i)
    {
        if (log && !(v[i] > 0))
        {
            throw std::runtime_error(name + "[" + std::to_string(i) + "] = " + std::to_string(v[i]) + " on a log axis");
        }
        if (i > 0 && !(v[i] > v[i - 1]))
        {
            throw std::runtime_error(name + " is not strictly increasing at index " + std::to_string(i));
        }
    }
    return v;
}

/// A 1-D string dataset of at most max_measurements entries.
std::vector<std::string> read_names(hid_t file, const std::string& name)
{
    Handle set(check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), name), H5Dclose);
    {
        Handle file_type(check(H5Dget_type(set), name), H5Tclose);
        if (H5Tget_class(file_type) != H5T_STRING || H5Tis_variable_str(file_type) <= 0)
        {
            throw std::runtime_error(name + " is not a list of variable-length strings");
        }
    }
    Handle space(check(H5Dget_space(set), name), H5Sclose);
    const hssize_t n = check(H5Sget_simple_extent_npoints(space), name);
    if (H5Sget_simple_extent_ndims(space) != 1 || n < 1 || n > max_measurements)
    {
        throw std::runtime_error(name + " must list 1 to " + std::to_string(max_measurements) + " names");
    }
    Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
    check(H5Tset_size(type, H5T_VARIABLE), "string type");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "string type");
    std::vector<char*> data(static_cast<std::size_t>(n), nullptr);
    check(H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), name);
    std::vector<std::string> out;
    for (char* d : data)
    {
        out.emplace_back(d ? d : "");
        H5free_memory(d);
    }
    return out;
}

/// The four edges of a [n0][n1] map (rows 0 and n0 − 1, columns 0 and n1 − 1), read as hyperslabs: never the
/// whole map, whatever its size.
void read_map_edges(hid_t file, const std::string& name, std::size_t n0, std::size_t n1, std::vector<double> out[4])
{
    if (n0 == 0 || n1 == 0) throw std::runtime_error(name + ": an axis of the map is empty");
    Handle set(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!set.valid()) throw std::runtime_error("missing dataset " + name);
    Handle space(check(H5Dget_space(set), name), H5Sclose);
    hsize_t dims[2] = {0, 0};
    if (H5Sget_simple_extent_ndims(space) != 2 || H5Sget_simple_extent_dims(space, dims, nullptr) != 2
        || dims[0] != n0 || dims[1] != n1)
    {
        throw std::runtime_error(name + " is not a " + std::to_string(n0) + " x " + std::to_string(n1)
                                 + " map (the m_Zd and epsilon axes)");
    }
    auto read = [&](hsize_t row, hsize_t col, hsize_t rows, hsize_t cols, std::vector<double>& v)
    {
        const hsize_t start[2] = {row, col}, count[2] = {rows, cols};
        check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr), name);
        const hsize_t n = rows * cols;
        Handle memory(check(H5Screate_simple(1, &n, nullptr), name), H5Sclose);
        v.resize(n);
        check(H5Dread(set, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, v.data()), name);
        for (double x : v)
        {
            if (!std::isfinite(x) || x < 0) throw std::runtime_error(name + " holds a negative or non-finite value");
        }
    };
    read(0, 0, 1, n1, out[0]);
    read(n0 - 1, 0, 1, n1, out[1]);
    read(0, 0, n0, 1, out[2]);
    read(0, n1 - 1, n0, 1, out[3]);
}

double finite_attribute(hid_t where, const std::string& name)
{
    const double v = h5::read_double_attribute(where, name.c_str());
    if (!std::isfinite(v))
    {
        throw std::runtime_error("attribute " + name + " is not finite");
    }
    return v;
}
/// /coverage's summary attributes (coverage_file.cc), each checked for its range.
void read_toys(hid_t file, ScanFileContents::Toys& t, const std::vector<double>& m_zd_mev,
               const std::vector<double>& epsilon)
{
    Handle g(H5Gopen2(file, "/coverage", H5P_DEFAULT), H5Gclose);
    if (g < 0) throw std::runtime_error("/coverage is not a group");
    t.present = true;
    t.toys = finite_attribute(g, "toys");
    t.tested_cells = finite_attribute(g, "tested_cells");
    const auto cl = read_vector(file, "/coverage/cl", -1);
    if (cl.size() > 8 || !(t.toys >= 1) || !(t.tested_cells >= 0))
        throw std::runtime_error("/coverage: toys, tested_cells or cl out of range");
    for (std::size_t k = 0; k < cl.size(); ++k)
    {
        if (!(cl[k] > 0 && cl[k] < 1) || (k > 0 && !(cl[k] > cl[k - 1])))
            throw std::runtime_error("/coverage/cl must be ascending levels between 0 and 1");
        const std::string s = coverage_cl_suffix(cl[k]);
        ScanFileContents::Toys::Level l;
        l.cl = cl[k];
        l.wilks = wilks_two_dof(cl[k]);
        l.fc_cells = finite_attribute(g, "fc_cells_" + s);
        l.wilks_cells = finite_attribute(g, "wilks_cells_" + s);
        l.contour_cells = finite_attribute(g, "contour_cells_" + s);
        l.crit_median = h5::read_double_attribute(g, ("contour_crit_median_" + s).c_str());  // NaN: no contour cell
        l.coverage_median = h5::read_double_attribute(g, ("contour_coverage_median_" + s).c_str());
        l.coverage_min = h5::read_double_attribute(g, ("coverage_min_" + s).c_str());
        l.coverage_max = h5::read_double_attribute(g, ("coverage_max_" + s).c_str());
        for (double v : {l.coverage_median, l.coverage_min, l.coverage_max})
            if (!std::isnan(v) && !(v >= 0 && v <= 1)) throw std::runtime_error("/coverage: a coverage outside [0, 1]");
        if (!std::isnan(l.crit_median) && !(l.crit_median >= 0))
            throw std::runtime_error("/coverage: a negative critical value");
        const char* axes[2] = {"interval_m_zd_mev", "interval_epsilon"};
        const std::vector<double>* values[2] = {&m_zd_mev, &epsilon};
        for (int a = 0; a < 2; ++a)
        {
            if (H5Lexists(g, axes[a], H5P_DEFAULT) <= 0) continue;
            Handle ig(H5Gopen2(g, axes[a], H5P_DEFAULT), H5Gclose);
            if (ig < 0) throw std::runtime_error(std::string("/coverage/") + axes[a] + " is not a group");
            l.has_intervals = true;
            const double lo = std::min(values[a]->front(), values[a]->back());
            const double hi = std::max(values[a]->front(), values[a]->back());
            const char* names[2][2] = {{"fc_lower_", "fc_upper_"}, {"wilks_lower_", "wilks_upper_"}};
            for (int kind = 0; kind < 2; ++kind)
                for (int end = 0; end < 2; ++end)
                {
                    const double v = h5::read_double_attribute(ig, (names[kind][end] + s).c_str());
                    if (!std::isnan(v) && !(v >= lo && v <= hi))
                        throw std::runtime_error(std::string("/coverage/") + axes[a] + "@" + names[kind][end] + s
                                                 + " is neither NaN nor inside its axis");
                    (kind == 0 ? l.fc_interval : l.wilks_interval)[a][end] = v;
                }
        }
        t.levels.push_back(l);
    }
}
}  // namespace

ScanFileContents read_scan_file(const std::string& path)
{
    try
    {
        require_regular_file(path, "result file");  // a FIFO would block HDF5's open forever
    }
    catch (const InputFileError& e)
    {
        throw InvalidResultFile(e.what());
    }
    h5::silence_error_stack();
    if (H5Fis_hdf5(path.c_str()) <= 0)
    {
        throw InvalidResultFile(path + ": not a zdscan result file (not HDF5)");
    }
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid())
    {
        throw InvalidResultFile(path + ": cannot open as HDF5");
    }
    try
    {
        ScanFileContents f;
        f.name = h5::read_string_attribute(file, "name");
        f.backend = h5::read_string_attribute(file, "backend");
        f.version = h5::read_string_attribute(file, "version");
        f.m_zd_mev = read_axis(file, "/axes/m_zd_mev", f.m_log);
        f.epsilon = read_axis(file, "/axes/epsilon", f.eps_log);
        f.delta = read_axis(file, "/axes/delta", f.delta_log);
        const auto n = [](const std::vector<double>& axis) { return static_cast<hssize_t>(axis.size()); };
        f.profile_m = read_vector(file, "/profile1d/chi2_m_zd_mev", n(f.m_zd_mev));
        f.profile_eps = read_vector(file, "/profile1d/chi2_epsilon", n(f.epsilon));
        f.profile_delta = read_vector(file, "/profile1d/chi2_delta", n(f.delta));
        {
            Handle p(H5Gopen2(file, "/profile1d", H5P_DEFAULT), H5Gclose);
            const char* names[2][2] = {{"m_zd_mev_1sigma_refined_lower", "m_zd_mev_1sigma_refined_upper"},
                                       {"epsilon_1sigma_refined_lower", "epsilon_1sigma_refined_upper"}};
            const std::vector<double>* axes[2] = {&f.m_zd_mev, &f.epsilon};
            for (int a = 0; a < 2 && p.valid(); ++a)
            {
                for (int end = 0; end < 2; ++end)
                {
                    if (H5Aexists(p, names[a][end]) <= 0) continue;
                    const double v = h5::read_double_attribute(p, names[a][end]);  // NaN: open
                    const double lo = std::min(axes[a]->front(), axes[a]->back());
                    const double hi = std::max(axes[a]->front(), axes[a]->back());
                    if (!std::isnan(v) && !(v >= lo && v <= hi))
                    {
                        throw std::runtime_error(std::string("/profile1d@") + names[a][end]
                                                 + " is neither NaN nor inside its axis");
                    }
                    f.refined_interval[a][end] = v;
                }
            }
        }
        if (H5Lexists(file, "measurements", H5P_DEFAULT) > 0)
        {
            f.measurements = read_names(file, "/measurements/measurement");
            const auto enabled =
                read_vector(file, "/measurements/enabled", static_cast<hssize_t>(f.measurements.size()));
            for (double e : enabled) f.enabled.push_back(e != 0);
            if (H5Lexists(file, "/measurements/projection", H5P_DEFAULT) > 0)
            {
                for (double p : read_vector(file, "/measurements/projection",
                                            static_cast<hssize_t>(f.measurements.size())))
                {
                    f.projection.push_back(p != 0);
                }
            }
            else
            {
                f.projection.assign(f.measurements.size(), false);
            }
            if (H5Lexists(file, "/measurements/dof", H5P_DEFAULT) > 0)  // files since the meson decays
            {
                for (double d : read_vector(file, "/measurements/dof", static_cast<hssize_t>(f.measurements.size())))
                {
                    f.counts_dof.push_back(d != 0);
                }
            }
        }
        if (H5Lexists(file, "correlation", H5P_DEFAULT) > 0)
        {
            const auto names = read_names(file, "/correlation/row");
            const hssize_t k = static_cast<hssize_t>(names.size());
            if (k < 1 || k > 16) throw std::runtime_error("/correlation/row must list 1 to 16 names");
            const auto rho = read_square(file, "/correlation/rho", k);
            for (std::size_t i = 0; i < names.size(); ++i)
                for (std::size_t j = 0; j < i; ++j)
                {
                    const double r = rho[i * names.size() + j];
                    if (!(r >= -1 && r <= 1)) throw std::runtime_error("/correlation/rho is not a correlation matrix");
                    if (r != 0) f.correlated.push_back({names[j], names[i], r});
                }
        }
        if (f.measurements.empty())  // zdscan 0.1: the four observables
        {
            f.measurements = {"qweak", "apv_cs", "a_mu", "a_e"};
            f.enabled.assign(4, true);
            f.projection.assign(4, false);
        }
        Handle best(H5Gopen2(file, "/bestfit", H5P_DEFAULT), H5Gclose);
        if (!best.valid())
        {
            throw std::runtime_error("missing group /bestfit");
        }
        auto read_point = [&](const std::string& prefix)
        {
            StoredFitPoint p;
            p.chi2 = finite_attribute(best, prefix + "chi2_min");
            p.m_zd_mev = finite_attribute(best, prefix + "m_zd_mev");
            p.epsilon = finite_attribute(best, prefix + "epsilon");
            p.delta = finite_attribute(best, prefix + "delta");
            for (const auto& name : f.measurements) p.terms.push_back(finite_attribute(best, prefix + "chi2_" + name));
            return p;
        };
        f.best = read_point("");
        f.refined = read_point("refined_");
        f.refined_converged = h5::read_double_attribute(best, "refined_converged") != 0;
        if (H5Aexists(best, "sm_chi2") > 0)
        {
            f.has_sm = true;
            f.sm_chi2 = finite_attribute(best, "sm_chi2");
            for (const auto& name : f.measurements)
            {
                f.sm_terms.push_back(finite_attribute(best, "sm_chi2_" + name));
                f.pull_sm.push_back(finite_attribute(best, "pull_sm_" + name));
                f.pull_refined.push_back(finite_attribute(best, "pull_refined_" + name));
            }
        }
        read_map_edges(file, "/profile/chi2_total", f.m_zd_mev.size(), f.epsilon.size(), f.edge_chi2);
        if (H5Lexists(file, "posterior", H5P_DEFAULT) > 0)
        {
            Handle g(H5Gopen2(file, "/posterior", H5P_DEFAULT), H5Gclose);
            if (g < 0) throw std::runtime_error("/posterior is not a group");
            auto& c = f.credible;
            c.present = true;
            c.priors = H5Aexists(g, "priors") > 0 ? h5::read_string_attribute(g, "priors") : "";
            const char* names[3] = {"m_zd_mev", "epsilon", "delta"};
            for (int a = 0; a < 3; ++a)
            {
                c.interval[a][0] = finite_attribute(g, std::string(names[a]) + "_credible_68_lower");
                c.interval[a][1] = finite_attribute(g, std::string(names[a]) + "_credible_68_upper");
                c.mode[a] = finite_attribute(g, std::string(names[a]) + "_mode");
                const std::string n = names[a];
                if (H5Aexists(g, (n + "_credible_box_shift").c_str()) > 0)
                {
                    c.edge_mass[a][0] = finite_attribute(g, n + "_edge_mass_lower");
                    c.edge_mass[a][1] = finite_attribute(g, n + "_edge_mass_upper");
                    c.box_shift[a] = finite_attribute(g, n + "_credible_box_shift");
                    c.box_resolution[a] = finite_attribute(g, n + "_credible_box_resolution");
                    c.box_sensitive[a] = finite_attribute(g, n + "_credible_box_sensitive") != 0;
                }
                if (!(c.interval[a][0] <= c.interval[a][1]))
                    throw std::runtime_error(std::string("/posterior@") + names[a] + "_credible_68 is not an interval");
            }
        }
        if (H5Lexists(file, "coverage", H5P_DEFAULT) > 0) read_toys(file, f.toys, f.m_zd_mev, f.epsilon);
        if (H5Lexists(file, "meson_decays", H5P_DEFAULT) > 0)
        {
            Handle g(H5Gopen2(file, "/meson_decays", H5P_DEFAULT), H5Gclose);
            if (g < 0) throw std::runtime_error("/meson_decays is not a group");
            auto& r = f.mesons;
            r.present = true;
            r.without_scanned = finite_attribute(g, "without_scanned") != 0;
            auto number = [](hid_t where, const char* key)  // NaN allowed (not applicable), inf not
            {
                const double v = h5::read_double_attribute(where, key);
                if (std::isinf(v)) throw std::runtime_error(std::string("/meson_decays@") + key + " is infinite");
                return v;
            };
            r.chi2_min = number(g, "without_chi2_min");
            r.m_zd_mev = number(g, "without_m_zd_mev");
            r.epsilon = number(g, "without_epsilon");
            r.delta = number(g, "without_delta");
            r.delta_with[0] = number(g, "delta_1sigma_lower");
            r.delta_with[1] = number(g, "delta_1sigma_upper");
            r.delta_without[0] = number(g, "without_delta_1sigma_lower");
            r.delta_without[1] = number(g, "without_delta_1sigma_upper");
            for (const auto& name : f.measurements)
            {
                if (H5Lexists(g, name.c_str(), H5P_DEFAULT) <= 0) continue;
                Handle one(H5Gopen2(g, name.c_str(), H5P_DEFAULT), H5Gclose);
                if (one < 0) throw std::runtime_error("/meson_decays/" + name + " is not a group");
                MesonReport::PerDecay d;
                d.name = name;
                d.channel = h5::read_string_attribute(one, "channel");
                d.form = h5::read_string_attribute(one, "form");
                d.br_at_best = number(one, "br_at_best");
                d.limit_at_best = number(one, "limit_at_best");
                d.chi2_at_best = number(one, "chi2_at_best");
                d.chi2_at_limit = number(one, "chi2_at_limit");
                d.valley_delta = number(one, "valley_delta");
                d.floor_fraction = number(one, "floor_fraction");
                const double sign = finite_attribute(one, "destructive_sign");
                if (sign != -1 && sign != 0 && sign != 1)
                    throw std::runtime_error("/meson_decays/" + name + "@destructive_sign is not -1, 0 or 1");
                d.destructive_sign = static_cast<int>(sign);
                d.br_at_paper = number(one, "br_at_paper");
                d.limit_at_paper = number(one, "limit_at_paper");
                d.chi2_at_paper = number(one, "chi2_at_paper");
                d.br_at_best_without = number(one, "br_at_best_without");
                d.chi2_at_best_without = number(one, "chi2_at_best_without");
                r.decays.push_back(d);
            }
        }
        if (H5Lexists(file, "searches", H5P_DEFAULT) > 0)
        {
            Handle g(H5Gopen2(file, "/searches", H5P_DEFAULT), H5Gclose);
            if (g < 0) throw std::runtime_error("/searches is not a group");
            if (H5Aexists(g, "without_chi2_min") > 0)
            {
                auto& d = f.searches;
                d.present = true;
                d.chi2_min = finite_attribute(g, "without_chi2_min");
                d.m_zd_mev = finite_attribute(g, "without_m_zd_mev");
                d.epsilon = finite_attribute(g, "without_epsilon");
                d.delta = finite_attribute(g, "without_delta");
                d.interval_m[0] = h5::read_double_attribute(g, "without_m_zd_mev_1sigma_lower");
                d.interval_m[1] = h5::read_double_attribute(g, "without_m_zd_mev_1sigma_upper");
                d.interval_eps[0] = h5::read_double_attribute(g, "without_epsilon_1sigma_lower");
                d.interval_eps[1] = h5::read_double_attribute(g, "without_epsilon_1sigma_upper");
                d.region_cells = finite_attribute(g, "without_region_cells");
                d.region_excluded = finite_attribute(g, "without_region_excluded_cells");
                d.coupling_ratio_at_best = finite_attribute(g, "coupling_ratio_at_best");
                if (H5Aexists(g, "coupling_ratio_max_1sigma") > 0)
                    d.coupling_ratio_max_1sigma = finite_attribute(g, "coupling_ratio_max_1sigma");
                if (H5Aexists(g, "best_fit_in_veto_gap_of") > 0)
                    d.veto_gap_at_best = h5::read_string_attribute(g, "best_fit_in_veto_gap_of");
                for (const auto& name : f.measurements)
                {
                    if (H5Lexists(g, name.c_str(), H5P_DEFAULT) <= 0) continue;
                    Handle one(H5Gopen2(g, name.c_str(), H5P_DEFAULT), H5Gclose);
                    if (one < 0 || H5Aexists(one, "ratio_at_best_without_searches") <= 0) continue;
                    d.names.push_back(name);
                    d.applies.push_back(H5Aexists(one, "applies") > 0 ? h5::read_string_attribute(one, "applies") : "");
                    d.ratio_at_best.push_back(finite_attribute(one, "ratio_at_best_without_searches"));
                    d.excluded_cells.push_back(finite_attribute(one, "excluded_cells_of_the_region_without_searches"));
                }
            }
        }
        return f;
    }
    catch (const std::runtime_error& e)
    {
        throw InvalidResultFile(path + ": not a zdscan result file (" + e.what() + ")");
    }
}

}  // namespace zdscan
