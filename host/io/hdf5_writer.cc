/// \file hdf5_writer.cc
/// HDF5 output through the C API (HDF5 1.10+) with the dimension-scale (HL) API so that h5py and xarray
/// see named axes.
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <tuple>

#include "hdf5_handle.hpp"
#include "zdscan/build_config.hpp"
#include "zdscan/io/output_target.hpp"
#include "zdscan/io/scan_file.hpp"
#include "zdscan/scan/scan_driver.hpp"  // the results it writes

namespace zdscan
{
using h5::check;
using h5::Handle;

namespace
{
/// Runs `write`, adding the target's name to an HDF5 (or other run-time) error.
template <class Write> void naming_file(const std::string& path, Write&& write)
{
    try
    {
        write();
    }
    catch (const std::runtime_error& e)
    {
        throw std::runtime_error("writing " + path + " failed: " + e.what());
    }
}
}  // namespace

struct ScanFileWriter::Impl
{
    std::string path, tmp_path;
    Handle file;
    Handle axes[3];  // m, ε, δ dimension scales
    Handle full;
    hsize_t n[3] = {0, 0, 0};
    bool committed = false;
    bool want_full = false;
    std::string command_line;
    int deflate = 0;
    ScanFileWriter::Store store;
    double prior_wall_time_s = 0;
    std::int64_t tiles_restored = 0;
    std::chrono::system_clock::time_point start_time = std::chrono::system_clock::now();
    std::chrono::steady_clock::time_point start =
        std::chrono::steady_clock::now();  // /chi2/total is created at the first tile, whose shape sets the chunks

    void write_axes(const ScanConfig& config);
    /// Hard links of the axes `dims` (0 = m, 1 = ε, 2 = δ) inside `group`: netCDF readers then see the coordinates
    /// when they open that group alone (xr.open_dataset(path, group=...)), as well as from the root.
    void link_axes(hid_t group, std::initializer_list<int> dims)
    {
        const char* names[3] = {"m_zd_mev", "epsilon", "delta"};
        for (int d : dims)
        {
            check(H5Lcreate_hard(file, (std::string("/axes/") + names[d]).c_str(), group, names[d], H5P_DEFAULT,
                                 H5P_DEFAULT),
                  "link axis into group");
        }
    }
    void create_full_grid(const Tile& first);
    void write_results(const ScanOutput& out);  ///< everything but /chi2/total, then close
    void write_measurement_table(const ScanOutput& out);
    void write_slices(const ScanOutput& out);
    void write_searches(const ScanOutput& out);
    void write_meson_decays(const ScanOutput& out);

    /// On every path that does not commit (an exception in the constructor included): close the datasets before
    /// the file, then remove the temporary file.
    ~Impl()
    {
        full = Handle();
        for (auto& a : axes)
        {
            a = Handle();
        }
        file = Handle();
        if (!committed && !tmp_path.empty())
        {
            std::remove(tmp_path.c_str());
        }
    }

    /// A grid array indexed by the axes `dims` (0 = m, 1 = ε, 2 = δ), with its units, description and scales;
    /// file_type (doubles only) stores it in another type, e.g. float32.
    template <class T>
    Handle write_vector(hid_t where, const char* name, const std::vector<T>& v, std::initializer_list<int> dims,
                        const char* units, const char* description, hid_t file_type = H5I_INVALID_HID)
    {
        std::vector<hsize_t> shape;
        for (int d : dims)
        {
            shape.push_back(n[d]);
        }
        Handle set;
        if constexpr (std::is_same_v<T, double>)
        {
            set = file_type == H5I_INVALID_HID ? h5::write_dataset(where, name, shape, v.data())
                                               : h5::write_dataset_as(where, name, shape, v.data(), file_type);
        }
        else
        {
            set = h5::write_dataset(where, name, shape, v.data());
        }
        h5::write_attribute(set, "units", units);
        h5::write_attribute(set, "long_name", description);
        int index = 0;
        for (int d : dims)
        {
            check(H5DSattach_scale(set, axes[d], static_cast<unsigned>(index++)), "attach dimension scale");
        }
        return set;
    }
};

ScanFileWriter::ScanFileWriter(const std::string& path, const ScanConfig& config, bool full_grid)
    : impl_(std::make_unique<Impl>())
{
    h5::silence_error_stack();
    auto& s = *impl_;
    s.path = path;
    s.tmp_path = temporary_path_for(path);
    s.file = Handle(H5Fcreate(s.tmp_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!s.file.valid())
    {
        const std::string reason = h5::error_stack_reason();
        // HDF5 may have created the file before failing to write its superblock (a full disk leaves 0 bytes):
        // the name is this process's own temporary, so remove whatever is there.
        ::unlink(s.tmp_path.c_str());
        s.tmp_path.clear();
        throw std::runtime_error("cannot create the temporary file beside " + path + ": "
                                 + (reason.empty() ? "does the directory exist and is it writable?" : reason));
    }
    naming_file(path, [&] { s.write_axes(config); });
    s.want_full = full_grid;
}

void ScanFileWriter::Impl::write_axes(const ScanConfig& config)
{
    const Axis* config_axes[3] = {&config.m_zd_mev, &config.epsilon, &config.delta};
    const char* names[3] = {"m_zd_mev", "epsilon", "delta"};
    const char* units[3] = {"MeV", "1", "1"};
    const char* descriptions[3] = {"Z_d mass", "kinetic mixing epsilon", "Z-Z_d mass mixing delta"};
    Handle group(check(H5Gcreate2(file, "axes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/axes"), H5Gclose);
    for (int d = 0; d < 3; ++d)
    {
        n[d] = static_cast<hsize_t>(config_axes[d]->n);
        const auto values = config_axes[d]->values();
        axes[d] = h5::write_dataset(group, names[d], {n[d]}, values.data());
        check(H5DSset_scale(axes[d], names[d]), "set dimension scale");
        h5::write_attribute(axes[d], "units", units[d]);
        h5::write_attribute(axes[d], "long_name", descriptions[d]);
        h5::write_attribute(axes[d], "scale", config_axes[d]->scale_name());
        // The same dataset at the root as well (a hard link, not a copy): netCDF/xarray look dimension scales up
        // only in a group and its ancestors, so /profile, /profile1d, /apv and /chi2 then see the coordinates.
        check(H5Lcreate_hard(group, names[d], file, names[d], H5P_DEFAULT, H5P_DEFAULT), "link axis at root");
    }
}

void ScanFileWriter::Impl::create_full_grid(const Tile& first)
{
    Handle chi2(check(H5Gcreate2(file, "chi2", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/chi2"), H5Gclose);
    link_axes(chi2, {0, 1, 2});
    Handle space(check(H5Screate_simple(3, n, nullptr), "dataspace"), H5Sclose);
    Handle props(check(H5Pcreate(H5P_DATASET_CREATE), "dataset properties"), H5Pclose);
    // Chunks of one mass, ≤ 512 ε and ≤ 512 δ (≤ 2 MiB). Every tile then covers whole chunks: whole rows, or
    // (plan_tiles) ε ranges that are this chunk's ε size or a multiple of 512. A chunk written in parts would be
    // decompressed and compressed again for every part.
    const hsize_t chunk[3] = {1, std::min<hsize_t>(static_cast<hsize_t>(first.n_eps()), full_grid_chunk_max),
                              std::min<hsize_t>(n[2], full_grid_chunk_max)};
    check(H5Pset_chunk(props, 3, chunk), "chunk");
    if (deflate > 0)  // shuffle (the bytes of a double grouped by significance) makes deflate work on the exponents
    {
        check(H5Pset_shuffle(props), "shuffle");
        check(H5Pset_deflate(props, static_cast<unsigned>(deflate)), "deflate");
    }
    full =
        Handle(check(H5Dcreate2(chi2, "total", H5T_IEEE_F64LE, space, H5P_DEFAULT, props, H5P_DEFAULT), "/chi2/total"),
               H5Dclose);
    h5::write_attribute(full, "units", "1");
    h5::write_attribute(full, "deflate_level", static_cast<double>(deflate));
    h5::write_attribute(full, "long_name", "total chi2 (eq. 27 summed over the enabled measurements) on the full grid");
    for (unsigned d = 0; d < 3; ++d)
    {
        check(H5DSattach_scale(full, axes[d], d), "attach dimension scale");
    }
}

ScanFileWriter::~ScanFileWriter() = default;

void ScanFileWriter::set_resumed(double prior_wall_time_s, std::int64_t tiles_restored)
{
    impl_->prior_wall_time_s = prior_wall_time_s;
    impl_->tiles_restored = tiles_restored;
}

/// --store: what /profile holds beside chi2_total. A comma list of argmin, terms (float64) or terms32 (float32), or
/// "all" (the default: argmin,terms) or "total" (chi2_total alone); throws ConfigError naming the option (--store, store=).
ScanFileWriter::Store ScanFileWriter::parse_store(const std::string& text, const std::string& option)
{
    ScanFileWriter::Store s;
    if (text.empty() || text == "all") return s;
    s = {false, false, false};
    if (text == "total") return s;
    std::size_t start = 0;
    while (start <= text.size())
    {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, comma - start);
        if (item == "argmin") s.argmin = true;
        else if (item == "terms") s.terms = true, s.terms_float32 = false;
        else if (item == "terms32") s.terms = true, s.terms_float32 = true;
        else
        {
            throw ConfigError(option + ": '" + item + "' is not one of argmin, terms, terms32 (or all, total alone)");
        }
        start = comma + 1;
    }
    return s;
}

void ScanFileWriter::set_store(const Store& store)
{
    impl_->store = store;
}

void ScanFileWriter::check_deflate(int level, bool full_grid, const std::string& option,
                                   const std::string& full_grid_option)
{
    if (level < 0 || level > 9)
    {
        throw ConfigError(option + ": a level from 0 (none) to 9 (got " + std::to_string(level) + ")");
    }
    if (level > 0 && !full_grid) throw ConfigError(option + ": applies to " + full_grid_option + " (the 3-D grid) only");
}

void ScanFileWriter::set_full_grid_deflate(int level)
{
    check_deflate(level, true, "deflate level", "the full grid");
    impl_->deflate = level;
}

void ScanFileWriter::set_command_line(const std::string& command_line)
{
    impl_->command_line = command_line;
}

const std::string& ScanFileWriter::temporary_path() const
{
    return impl_->tmp_path;
}

void ScanFileWriter::write_full_slab(const Tile& tile, const std::vector<double>& chi2)
{
    auto& s = *impl_;
    if (!s.want_full)
    {
        throw std::logic_error("write_full_slab without a full-grid dataset");
    }
    const hsize_t start[3] = {static_cast<hsize_t>(tile.m_begin), static_cast<hsize_t>(tile.eps_begin), 0};
    const hsize_t count[3] = {static_cast<hsize_t>(tile.m_end - tile.m_begin), static_cast<hsize_t>(tile.n_eps()),
                              s.n[2]};
    if (chi2.size() != count[0] * count[1] * count[2])
    {
        throw std::logic_error("write_full_slab: slab size does not match the grid");
    }
    naming_file(s.path,
                [&]
                {
                    if (!s.full.valid())
                    {
                        s.create_full_grid(tile);
                    }
                    Handle file_space(check(H5Dget_space(s.full), "dataspace"), H5Sclose);
                    check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr), "hyperslab");
                    Handle mem_space(check(H5Screate_simple(3, count, nullptr), "dataspace"), H5Sclose);
                    check(H5Dwrite(s.full, H5T_NATIVE_DOUBLE, mem_space, file_space, H5P_DEFAULT, chi2.data()),
                          "/chi2/total");
                });
}

void ScanFileWriter::commit(const ScanOutput& out, const std::function<void()>& before_rename)
{
    auto& s = *impl_;
    naming_file(s.path, [&] { s.write_results(out); });
    if (before_rename)
    {
        before_rename();  // e.g. a stop request, or a changed target: throws, and the destructor cleans up
    }
    if (std::rename(s.tmp_path.c_str(), s.path.c_str()) != 0)
    {
        throw std::runtime_error("cannot rename " + s.tmp_path + " to " + s.path + ": " + std::strerror(errno));
    }
    s.committed = true;
}

/// /measurements: one entry per measurement along the dimension `measurement` (its names), so that h5py and xarray
/// read the table directly; the kind-specific fields are NaN (or 0) where they do not apply.
void ScanFileWriter::Impl::write_measurement_table(const ScanOutput& out)
{
    const auto& list = out.config.physics.measurements;
    Handle g(check(H5Gcreate2(file, "measurements", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/measurements"), H5Gclose);
    h5::write_attribute(g, "description", "the measurements of the scan, in the order of the chi2 sum");
    std::vector<std::string> names, kinds, sources, display;
    std::vector<double> exp, exp_sigma, sm, sm_sigma, sigma, q2, q_mev, z, neutrons, m_lepton;
    std::vector<std::int32_t> enabled, projection, dof;  // flags as integers (xarray: int32, not float64)
    std::vector<std::string> errors;
    const double none = std::nan("");
    for (const auto& m : list)
    {
        names.push_back(m.name);
        kinds.push_back(to_string(m.kind));
        sources.push_back(m.source);
        display.push_back(m.label);
        exp.push_back(m.exp);
        exp_sigma.push_back(m.exp_sigma);
        sm.push_back(m.sm);
        sm_sigma.push_back(m.sm_sigma);
        sigma.push_back(total_sigma(m));
        std::string e;
        for (const auto& [name, value] : m.errors)
        {
            char item[96];
            std::snprintf(item, sizeof item, "%s%s: %.17g", e.empty() ? "" : ", ", name.c_str(), value);
            e += item;
        }
        errors.push_back(e);
        enabled.push_back(m.enabled ? 1 : 0);
        projection.push_back(m.projection ? 1 : 0);
        dof.push_back(counts_as_dof(m) ? 1 : 0);
        const bool pves = m.kind == MeasurementKind::pves_proton || m.kind == MeasurementKind::pves_electron;
        q2.push_back(pves ? m.q2_gev2 : none);
        q_mev.push_back(m.kind == MeasurementKind::apv ? m.q_mev : none);
        z.push_back(m.kind == MeasurementKind::apv ? m.z : none);
        neutrons.push_back(m.kind == MeasurementKind::apv ? m.n : none);
        m_lepton.push_back(m.kind == MeasurementKind::lepton_g2 ? m.m_lepton_gev : none);
    }
    Handle name_set = h5::write_string_dataset(g, "measurement", names);
    check(H5DSset_scale(name_set, "measurement"), "set dimension scale");
    h5::write_attribute(name_set, "long_name", "measurement name");
    h5::write_attribute(name_set, "units", "");
    // Each column: units, long_name, and the measurement names as its dimension scale.
    auto label = [&](Handle set, const char* units, const char* what)
    {
        h5::write_attribute(set, "units", units);
        h5::write_attribute(set, "long_name", what);
        check(H5DSattach_scale(set, name_set, 0), "attach dimension scale");
    };
    auto numbers = [&](const char* key, const std::vector<double>& values)
    { return h5::write_dataset(g, key, {values.size()}, values.data()); };
    label(h5::write_string_dataset(g, "kind", kinds), "",
          "pves_proton, pves_electron, apv, lepton_g2, search_limit or meson_decay (docs/physics.md)");
    label(numbers("exp", exp), "1", "measured value X^exp");
    label(numbers("exp_sigma", exp_sigma), "1", "its uncertainty");
    label(numbers("sm", sm), "1", "SM prediction X^SM");
    label(numbers("sm_sigma", sm_sigma), "1", "its uncertainty");
    label(numbers("sigma", sigma), "1", "total uncertainty: exp_sigma, sm_sigma and the named errors in quadrature");
    label(h5::write_string_dataset(g, "errors", errors), "",
          "named error components (name: sigma); a name in two measurements is fully correlated between them");
    auto flags = [&](const char* key, const std::vector<std::int32_t>& values)
    { return h5::write_dataset(g, key, {values.size()}, values.data()); };
    label(flags("enabled", enabled), "1", "1: in the total chi2");
    label(flags("projection", projection), "1", "1: a projection (expected sigma of a future measurement), not a result");
    label(flags("dof", dof), "1",
          "1: measures a quantity (a dof of the goodness of fit); 0: a limit (search_limit, a meson_decay limit and its "
          "_phase companion)");
    label(numbers("q2_gev2", q2), "GeV^2", "momentum transfer (pves kinds)");
    label(numbers("q_mev", q_mev), "MeV", "scale of sin^2 theta_W (apv)");
    label(numbers("z", z), "1", "proton number (apv)");
    label(numbers("n", neutrons), "1", "neutron number (apv)");
    label(numbers("m_lepton_gev", m_lepton), "GeV", "lepton mass (lepton_g2)");
    label(h5::write_string_dataset(g, "source", sources), "", "citation");
    label(h5::write_string_dataset(g, "label", display), "", "how figures name it (empty: from the name)");
}

/// /correlation: the correlation matrix of the enabled measurements (list order) as the fit uses it (identity without
/// shared error components), on its own dimensions `row` and `column` (the enabled names).
void write_correlation(hid_t file, const PhysicsConfig& physics)
{
    const CorrelationMatrix r = enabled_correlation(physics.measurements, physics.correlation);
    const auto& names = r.names;
    const hsize_t k = names.size();
    Handle g(check(H5Gcreate2(file, "correlation", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/correlation"), H5Gclose);
    h5::write_attribute(g, "description",
                        "correlation matrix of the enabled measurements' uncertainties (chi2 = p^T R^-1 p; "
                        "docs/physics.md, Correlated uncertainties)");
    // Two scales of the same names: a variable's dimensions must differ (netCDF, xarray).
    Handle row = h5::write_string_dataset(g, "row", names);
    check(H5DSset_scale(row, "row"), "set dimension scale");
    Handle column = h5::write_string_dataset(g, "column", names);
    check(H5DSset_scale(column, "column"), "set dimension scale");
    for (hid_t axis : {hid_t(row), hid_t(column)})
    {
        h5::write_attribute(axis, "units", "");
        h5::write_attribute(axis, "long_name", "enabled measurement (list order)");
    }
    Handle c = h5::write_dataset(g, "rho", {k, k}, r.rho.data());
    check(H5DSattach_scale(c, row, 0), "attach dimension scale");
    check(H5DSattach_scale(c, column, 1), "attach dimension scale");
    h5::write_attribute(c, "units", "1");
    h5::write_attribute(c, "long_name", "correlation of the measurements' total uncertainties");
}

/// Where a search's term applies, in words: its masses, cut at valid_below_gev.
std::string search_applies(const MeasurementInput& m)
{
    char text[512];
    const double lo = m.table.mass_gev.front() * 1e3, hi = m.table.mass_gev.back() * 1e3;
    const double cut = m.valid_below_gev * 1e3;
    std::snprintf(text, sizeof text, "m_Zd %.4g-%.4g MeV%s, %g%% CL, %s, %s decays, BR %g, likelihood %s (chi2 %.3g "
                  "at the limit)",
                  lo, std::min(hi, cut),
                  hi > cut ? " (the file goes on to higher masses: not applied above valid_below_gev)" : "",
                  m.cl_percent, m.table.band() ? "excluded band" : "one-sided", m.decay.c_str(), m.branching_fraction,
                  to_string(m.likelihood).c_str(), search_chi2_at_limit(m.likelihood, m.cl_percent));
    return text;
}

/// /searches/<name>: each search_limit measurement's limit as read (mass, lower and upper ε) with how it applies, so
/// that figures and summaries need no limit file.
void ScanFileWriter::Impl::write_searches(const ScanOutput& out)
{
    const auto& list = out.config.physics.measurements;
    if (std::none_of(list.begin(), list.end(),
                     [](const MeasurementInput& m) { return m.kind == MeasurementKind::search_limit; }))
        return;
    Handle g(check(H5Gcreate2(file, "searches", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/searches"), H5Gclose);
    h5::write_attribute(g, "description",
                        "direct-search limits entered as search_limit measurements, each by its likelihood "
                        "(@likelihood: poisson0 chi2 = -2 ln(1-CL) s, half_normal and gaussian_rate z^2 s^2, s = BR "
                        "eps^2/eps_CL^2; docs/searches.md)");
    // The fit without the enabled searches (their terms do not depend on δ: the total map less their terms).
    const auto& c = out.without_searches;
    if (c.present)
    {
        h5::write_attribute(g, "without_chi2_min", c.chi2_min);
        h5::write_attribute(g, "without_m_zd_mev", c.m_zd_mev);
        h5::write_attribute(g, "without_epsilon", c.epsilon);
        h5::write_attribute(g, "without_delta", c.delta);
        const double nan = std::nan("");
        h5::write_attribute(g, "without_m_zd_mev_1sigma_lower", c.interval_m.lower_at_edge ? nan : c.interval_m.lower);
        h5::write_attribute(g, "without_m_zd_mev_1sigma_upper", c.interval_m.upper_at_edge ? nan : c.interval_m.upper);
        h5::write_attribute(g, "without_epsilon_1sigma_lower", c.interval_eps.lower_at_edge ? nan : c.interval_eps.lower);
        h5::write_attribute(g, "without_epsilon_1sigma_upper", c.interval_eps.upper_at_edge ? nan : c.interval_eps.upper);
        h5::write_attribute(g, "without_region_cells", static_cast<double>(c.region_cells));
        h5::write_attribute(g, "without_region_excluded_cells", static_cast<double>(c.region_excluded));
        h5::write_attribute(g, "coupling_ratio_at_best", c.coupling_ratio_at_best);
        h5::write_attribute(g, "coupling_ratio_max_1sigma", c.coupling_ratio_max_1sigma);
        std::string gaps;
        for (const auto& name : c.veto_gap_at_best) gaps += (gaps.empty() ? "" : ",") + name;
        h5::write_attribute(g, "best_fit_in_veto_gap_of", gaps);
    }
    for (const auto& m : list)
    {
        if (m.kind != MeasurementKind::search_limit) continue;
        Handle s(check(H5Gcreate2(g, m.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/searches/" + m.name),
                 H5Gclose);
        for (const auto& x : c.searches)
        {
            if (x.name != m.name) continue;
            h5::write_attribute(s, "ratio_at_best_without_searches", x.ratio_at_best);
            h5::write_attribute(s, "excluded_cells_of_the_region_without_searches", static_cast<double>(x.region_excluded));
        }
        const hsize_t rows = m.table.mass_gev.size();
        Handle mass = h5::write_dataset(s, "mass_gev", {rows}, m.table.mass_gev.data());
        h5::write_attribute(mass, "units", "GeV");
        h5::write_attribute(mass, "long_name", "Z_d mass of the limit's rows");
        check(H5DSset_scale(mass, "mass_gev"), "set dimension scale");
        Handle lower = h5::write_dataset(s, "lower", {rows}, m.table.lower.data());
        check(H5DSattach_scale(lower, mass, 0), "attach dimension scale");
        h5::write_attribute(lower, "units", "1");
        h5::write_attribute(lower, "long_name", m.table.band() ? "lower edge of the excluded band in epsilon"
                                                               : "upper limit on epsilon");
        if (m.table.band())
        {
            Handle upper = h5::write_dataset(s, "upper", {rows}, m.table.upper.data());
            check(H5DSattach_scale(upper, mass, 0), "attach dimension scale");
            h5::write_attribute(upper, "units", "1");
            h5::write_attribute(upper, "long_name", "upper edge of the excluded band in epsilon");
        }
        h5::write_attribute(s, "region", m.table.band() ? "excluded band" : "one-sided");
        h5::write_attribute(s, "applies", search_applies(m));
        h5::write_attribute(s, "cl_percent", m.cl_percent);
        h5::write_attribute(s, "likelihood", to_string(m.likelihood));
        h5::write_attribute(s, "chi2_at_limit", search_chi2_at_limit(m.likelihood, m.cl_percent));
        h5::write_attribute(s, "z", search_scale(m.likelihood, m.cl_percent));
        h5::write_attribute(s, "decay", m.decay);
        h5::write_attribute(s, "branching_fraction", m.branching_fraction);
        h5::write_attribute(s, "valid_below_gev", m.valid_below_gev);
        h5::write_attribute(s, "enabled", m.enabled ? 1 : 0);
        h5::write_attribute(s, "file", m.file);
        h5::write_attribute(s, "source", m.source);
    }
}

/// /meson_decays: the meson_decay measurements' report (meson_report.hpp) as attributes: the fit without them on the
/// group, each decay's numbers on /meson_decays/<name>. NaN: not applicable (docs/output.md).
void ScanFileWriter::Impl::write_meson_decays(const ScanOutput& out)
{
    const MesonReport& r = out.mesons;
    if (!r.present) return;
    Handle g(check(H5Gcreate2(file, "meson_decays", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/meson_decays"), H5Gclose);
    h5::write_attribute(g, "description",
                        "rare meson decays K+ -> pi+ Z_d and B+ -> K+ Z_d (meson_decay measurements): each at the "
                        "refined best fit, at the paper's best fit (47 MeV, 2.3e-3, 7.9e-4) and at the fit without "
                        "them (a second scan of the grid with them disabled); docs/searches.md");
    h5::write_attribute(g, "without_scanned", r.without_scanned ? 1 : 0);
    h5::write_attribute(g, "without_chi2_min", r.chi2_min);
    h5::write_attribute(g, "without_m_zd_mev", r.m_zd_mev);
    h5::write_attribute(g, "without_epsilon", r.epsilon);
    h5::write_attribute(g, "without_delta", r.delta);
    h5::write_attribute(g, "delta_1sigma_lower", r.delta_with[0]);
    h5::write_attribute(g, "delta_1sigma_upper", r.delta_with[1]);
    h5::write_attribute(g, "without_delta_1sigma_lower", r.delta_without[0]);
    h5::write_attribute(g, "without_delta_1sigma_upper", r.delta_without[1]);
    for (const auto& d : r.decays)
    {
        Handle s(check(H5Gcreate2(g, d.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/meson_decays/" + d.name),
                 H5Gclose);
        h5::write_attribute(s, "channel", d.channel);
        h5::write_attribute(s, "form", d.form);
        h5::write_attribute(s, "br_at_best", d.br_at_best);
        h5::write_attribute(s, "limit_at_best", d.limit_at_best);
        h5::write_attribute(s, "chi2_at_best", d.chi2_at_best);
        h5::write_attribute(s, "chi2_at_limit", d.chi2_at_limit);
        h5::write_attribute(s, "valley_delta", d.valley_delta);
        h5::write_attribute(s, "floor_fraction", d.floor_fraction);
        h5::write_attribute(s, "destructive_sign", d.destructive_sign);
        h5::write_attribute(s, "br_at_paper", d.br_at_paper);
        h5::write_attribute(s, "limit_at_paper", d.limit_at_paper);
        h5::write_attribute(s, "chi2_at_paper", d.chi2_at_paper);
        h5::write_attribute(s, "br_at_best_without", d.br_at_best_without);
        h5::write_attribute(s, "chi2_at_best_without", d.chi2_at_best_without);
    }
}

/// /slices: every measurement's χ² over (m, ε) at fixed δ values, dimensions (delta_slice, m_zd_mev, epsilon).
void ScanFileWriter::Impl::write_slices(const ScanOutput& out)
{
    Handle g(check(H5Gcreate2(file, "slices", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/slices"), H5Gclose);
    link_axes(g, {0, 1});
    h5::write_attribute(g, "description",
                        "chi2 of each measurement (and the total) on the (m_Zd, epsilon) grid at "
                        "fixed delta values (zdscan scan --delta-slices), for Figs. 2 and 5");
    const hsize_t n_slices = out.delta_slices.size();
    Handle axis = h5::write_dataset(g, "delta_slice", {n_slices}, out.delta_slices.data());
    check(H5DSset_scale(axis, "delta_slice"), "set dimension scale");
    h5::write_attribute(axis, "units", "1");
    h5::write_attribute(axis, "long_name", "fixed Z-Z_d mass mixing delta of the slice");
    const auto& list = out.config.physics.measurements;
    for (std::size_t i = 0; i <= list.size(); ++i)
    {
        const bool total = i == list.size();
        std::vector<const double*> planes;
        for (const auto& slice : out.slices) planes.push_back(slice[i].data());
        const std::string name = total ? "chi2_total" : "chi2_" + list[i].name;
        const std::string what = total ? "total chi2 at fixed delta" : list[i].name + " chi2 term at fixed delta";
        Handle set = h5::write_dataset_planes(g, name.c_str(), {n_slices, n[0], n[1]}, planes);
        h5::write_attribute(set, "units", "1");
        h5::write_attribute(set, "long_name", what.c_str());
        check(H5DSattach_scale(set, axis, 0), "attach dimension scale");
        check(H5DSattach_scale(set, axes[0], 1), "attach dimension scale");
        check(H5DSattach_scale(set, axes[1], 2), "attach dimension scale");
    }
}

void ScanFileWriter::Impl::write_results(const ScanOutput& out)
{
    auto& s = *this;
    enum
    {
        M = 0,
        E = 1,
        D = 2
    };
    {
        Handle p(check(H5Gcreate2(s.file, "profile", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/profile"), H5Gclose);
        s.link_axes(p, {M, E});
        const bool exact = out.delta_profile == DeltaProfile::exact;
        h5::write_attribute(p, "description",
                            exact ? "chi2 profiled over delta (min over the continuous delta range of the grid) on the "
                                    "(m_Zd, epsilon) grid"
                                  : "chi2 profiled over delta (min over the delta grid points) on the (m_Zd, epsilon) "
                                    "grid");
        h5::write_attribute(p, "delta_profile", to_string(out.delta_profile));
        s.write_vector(p, "chi2_total", out.chi2_total, {M, E}, "1",
                       exact ? "min over the delta range of the total chi2" : "min over the delta grid of the total chi2");
        std::string stored = "chi2_total";
        if (s.store.argmin)
        {
            s.write_vector(p, "argmin_delta", out.argmin_delta, {M, E}, "1",
                           exact ? "delta at the minimum (exact; lowest delta on ties)"
                                 : "delta at the minimum (a grid point; lowest index on ties)");
            s.write_vector(p, "argmin_delta_index", out.argmin_delta_index, {M, E}, "1",
                           "index into /axes/delta of the best delta grid point");
            stored += ",argmin";
        }
        const auto& list = out.config.physics.measurements;
        for (std::size_t i = 0; s.store.terms && i < list.size(); ++i)
        {
            const std::string what = list[i].name + " (" + to_string(list[i].kind) + ") chi2 term at the profiled point"
                                     + (list[i].enabled ? "" : "; disabled: not in the total")
                                     + (s.store.terms_float32 ? " (float32)" : "");
            s.write_vector(p, ("chi2_" + list[i].name).c_str(), out.chi2_terms[i], {M, E}, "1", what.c_str(),
                           s.store.terms_float32 ? H5T_IEEE_F32LE : H5I_INVALID_HID);
        }
        if (s.store.terms) stored += s.store.terms_float32 ? ",terms32" : ",terms";
        h5::write_attribute(p, "stored", stored);  // what --store kept (the rest is not in this file)
    }
    s.write_measurement_table(out);
    write_correlation(s.file, out.config.physics);
    if (out.posterior)
    {
        const Posterior& post = *out.posterior;
        Handle p(check(H5Gcreate2(s.file, "posterior", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/posterior"), H5Gclose);
        s.link_axes(p, {M, E, D});
        h5::write_attribute(p, "description",
                            "Bayesian posterior p(m_Zd, epsilon | data) = pi(m) pi(eps) int pi(delta) exp(-chi2/2) ddelta "
                            "over the scanned delta range (docs/statistics.md)");
        h5::write_attribute(p, "priors", post.priors);
        h5::write_attribute(p, "delta_prior", post.delta_prior.kind == DeltaPrior::Kind::uniform ? "uniform" : "log");
        h5::write_attribute(p, "delta_prior_floor", post.delta_prior.floor);
        s.write_vector(p, "log_density", post.log_density, {M, E}, "1",
                       "log posterior density per unit of the axes' coordinates (log10 for a log axis), normalised");
        s.write_vector(p, "marginal_m_zd_mev", post.marginal_m, {M}, "1", "1-D marginal posterior density of m_Zd");
        s.write_vector(p, "marginal_epsilon", post.marginal_eps, {E}, "1", "1-D marginal posterior density of epsilon");
        s.write_vector(p, "marginal_delta", post.marginal_delta, {D}, "1", "1-D marginal posterior density of delta");
        // Named by their real levels (68.27 %, 95.45 %: 1σ and 2σ of two parameters' Gaussian).
        h5::write_attribute(p, "hpd_log_density_68p27", post.hpd_log_density[0]);
        h5::write_attribute(p, "hpd_log_density_95p45", post.hpd_log_density[1]);
        int a = 0;
        for (const auto& [name, iv, mode] : {std::tuple{"m_zd_mev", post.m_interval, post.m_mode},
                                             std::tuple{"epsilon", post.eps_interval, post.eps_mode},
                                             std::tuple{"delta", post.delta_interval, post.delta_mode}})
        {
            const std::string axis = name;
            h5::write_attribute(p, (axis + "_credible_68_lower").c_str(), iv[0]);
            h5::write_attribute(p, (axis + "_credible_68_upper").c_str(), iv[1]);
            h5::write_attribute(p, (axis + "_mode").c_str(), mode);
            // How much the box sets the interval (docs/statistics.md, "Box sensitivity").
            const auto& b = post.box[a++];
            h5::write_attribute(p, (axis + "_edge_mass_lower").c_str(), b.edge_mass[0]);
            h5::write_attribute(p, (axis + "_edge_mass_upper").c_str(), b.edge_mass[1]);
            h5::write_attribute(p, (axis + "_credible_68_lower_end_in_lower").c_str(), b.interval_lower_moved[0]);
            h5::write_attribute(p, (axis + "_credible_68_lower_end_in_upper").c_str(), b.interval_lower_moved[1]);
            h5::write_attribute(p, (axis + "_credible_68_upper_end_in_lower").c_str(), b.interval_upper_moved[0]);
            h5::write_attribute(p, (axis + "_credible_68_upper_end_in_upper").c_str(), b.interval_upper_moved[1]);
            h5::write_attribute(p, (axis + "_credible_box_shift").c_str(), b.shift);
            h5::write_attribute(p, (axis + "_credible_box_resolution").c_str(), b.resolution);
            h5::write_attribute(p, (axis + "_credible_box_sensitive").c_str(), b.sensitive ? 1 : 0);
        }
    }
    s.write_searches(out);
    s.write_meson_decays(out);
    if (!out.delta_slices.empty()) s.write_slices(out);
    {
        Handle p(check(H5Gcreate2(s.file, "profile1d", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/profile1d"), H5Gclose);
        s.link_axes(p, {M, E, D});
        h5::write_attribute(p, "description", "chi2 minimised over the two other parameters");
        // Named chi2_<axis>, not <axis>: a variable named like its dimension is a coordinate to netCDF/xarray.
        s.write_vector(p, "chi2_m_zd_mev", out.profile_m, {M}, "1", "min over epsilon and delta of the total chi2");
        s.write_vector(p, "chi2_epsilon", out.profile_eps, {E}, "1", "min over m_Zd and delta of the total chi2");
        s.write_vector(p, "chi2_delta", out.profile_delta, {D}, "1", "min over m_Zd and epsilon of the total chi2");
        // The Δχ² = 1 interval ends refined between grid points (NaN: open at the grid edge, or not refined).
        h5::write_attribute(p, "m_zd_mev_1sigma_refined_lower", out.interval_m.lower);
        h5::write_attribute(p, "m_zd_mev_1sigma_refined_upper", out.interval_m.upper);
        h5::write_attribute(p, "epsilon_1sigma_refined_lower", out.interval_eps.lower);
        h5::write_attribute(p, "epsilon_1sigma_refined_upper", out.interval_eps.upper);
    }
    {
        Handle p(check(H5Gcreate2(s.file, "apv", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/apv"), H5Gclose);
        s.link_axes(p, {M});
        h5::write_attribute(p, "description", "K(Z; m_Zd), the APV form of the propagator f, per apv measurement");
        const auto& list = out.config.physics.measurements;
        for (std::size_t i = 0; i < list.size(); ++i)
        {
            if (list[i].kind != MeasurementKind::apv) continue;
            std::vector<double> k(out.m_zd_mev.size());
            for (std::size_t j = 0; j < k.size(); ++j) k[j] = out.mass_inputs[j * mass_inputs_per_mass + i];
            const std::string what = "K(Z = " + std::to_string(list[i].z) + "; m_Zd) of " + list[i].name;
            Handle set = s.write_vector(p, ("k_" + list[i].name).c_str(), k, {M}, "1", what.c_str());
            h5::write_attribute(set, "k_model", to_string(list[i].k.kind));
        }
        // Where Q_W(133Cs) came from; with the reanalysis, its inputs and every step (JSON, as `zdscan apv --json`).
        const auto from_reanalysis =
            std::find_if(list.begin(), list.end(), [](const MeasurementInput& m) { return m.exp_from_reanalysis; });
        const bool derived = from_reanalysis != list.end() && out.config.apv_reanalysis_result;
        h5::write_attribute(p, "qw_cs_source", derived ? "reanalysis" : "config");
        if (derived)
        {
            const nlohmann::json record = {{"inputs", to_json(out.config.apv_reanalysis)},
                                           {"result", to_json(*out.config.apv_reanalysis_result)}};
            h5::write_attribute(p, "reanalysis", record.dump(2));
            h5::write_attribute(p, "reanalysis_measurement", from_reanalysis->name);
            h5::write_attribute(p, "qw_cs_exp", from_reanalysis->exp);
            h5::write_attribute(p, "qw_cs_exp_sigma", from_reanalysis->exp_sigma);
        }
    }
    {
        Handle b(check(H5Gcreate2(s.file, "bestfit", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/bestfit"), H5Gclose);
        // The same attributes for both points; the refined one's carry the prefix "refined_".
        auto write_point =
            [&](const std::string& prefix, double chi2, double m, double eps, double delta, const Chi2Terms& t)
        {
            h5::write_attribute(b, (prefix + "chi2_min").c_str(), chi2);
            h5::write_attribute(b, (prefix + "m_zd_mev").c_str(), m);
            h5::write_attribute(b, (prefix + "epsilon").c_str(), eps);
            h5::write_attribute(b, (prefix + "delta").c_str(), delta);
            const auto& list = out.config.physics.measurements;
            for (std::size_t i = 0; i < list.size(); ++i)
            {
                h5::write_attribute(b, (prefix + "chi2_" + list[i].name).c_str(), t.term[i]);
            }
        };
        const auto& f = out.best;
        write_point("", f.chi2, f.m_zd_mev, f.epsilon, f.delta, f.terms);
        h5::write_attribute(b, "index_m_zd", f.i_m);
        h5::write_attribute(b, "index_epsilon", f.i_eps);
        h5::write_attribute(b, "index_delta", f.i_delta);
        h5::write_attribute(b, "description",
                            "best grid point of the total chi2; refined_*: the minimum between grid points "
                            "(Nelder-Mead from the grid point, inside the grid box)");
        const auto& r = out.refined;
        write_point("refined_", r.chi2, r.m_zd_mev, r.epsilon, r.delta, r.terms);
        h5::write_attribute(b, "refined_converged", r.converged ? 1 : 0);
        // The SM (ε = δ = 0) and the pulls (X^exp − X^th)/σ: the summary's Δχ², p-values and pull table.
        h5::write_attribute(b, "sm_chi2", out.sm.total);
        const auto& list = out.config.physics.measurements;
        for (std::size_t i = 0; i < list.size(); ++i)
        {
            h5::write_attribute(b, ("sm_chi2_" + list[i].name).c_str(), out.sm.term[i]);
            h5::write_attribute(b, ("pull_sm_" + list[i].name).c_str(), out.pull_sm[i]);
            h5::write_attribute(b, ("pull_refined_" + list[i].name).c_str(), out.pull_refined[i]);
        }
    }
    {
        // Fig. 4: its own dimension (q_gev) as a scale inside the group.
        Handle g(check(H5Gcreate2(s.file, "running", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/running"), H5Gclose);
        h5::write_attribute(g, "description",
                            "MS-bar sin^2 theta_W(Q): SM running and kappa_d * s^2 with Z_d points, seed paper Fig. 4. "
                            "Z_d factor: the propagator m^2/(m^2+Q^2) from 10 Q_apv up, K(m) of the APV measurement at "
                            "and below Q_apv, a smoothstep in log Q between (docs/physics.md)");
        if (!out.running_note.empty()) h5::write_attribute(g, "note", out.running_note);
        h5::write_attribute(g, "q_apv_gev", out.running_q_apv_gev);
        h5::write_attribute(g, "apv_measurement", out.running_apv_name);
        const std::vector<hsize_t> shape = {out.running_q_gev.size()};
        Handle q = h5::write_dataset(g, "q_gev", shape, out.running_q_gev.data());
        check(H5DSset_scale(q, "q_gev"), "set dimension scale");
        h5::write_attribute(q, "units", "GeV");
        h5::write_attribute(q, "long_name", "momentum transfer Q");
        h5::write_attribute(q, "scale", "log");
        auto curve = [&](const std::string& name, const std::vector<double>& values, const std::string& what)
        {
            Handle set = h5::write_dataset(g, name.c_str(), shape, values.data());
            h5::write_attribute(set, "units", "1");
            h5::write_attribute(set, "long_name", what.c_str());
            check(H5DSattach_scale(set, q, 0), "attach dimension scale");
            return set;
        };
        curve("sin2_sm", out.running_sin2_sm,
              "SM running sin^2 theta_W (MS-bar; smooth fermion decoupling, W loop above M_W): Fig. 4");
        curve("sin2_sm_step", out.running_sin2_sm_step, "SM running sin^2 theta_W, step thresholds: the chi2 model");
        {
            // Its point, as the other Z_d curves carry theirs (docs/output.md).
            Handle best = curve("sin2_bestfit", out.running_sin2_bestfit, "kappa_d(Q) sin^2 theta_W(Q) at the best grid point");
            h5::write_attribute(best, "m_zd_mev", out.best.m_zd_mev);
            h5::write_attribute(best, "epsilon", out.best.epsilon);
            h5::write_attribute(best, "delta", out.best.delta);
        }
        for (const auto& c : out.running_zd)
        {
            Handle set = curve("sin2_" + c.name, c.sin2, "kappa_d(Q) sin^2 theta_W(Q) with the Z_d of " + c.name);
            h5::write_attribute(set, "m_zd_mev", c.m_zd_mev);
            h5::write_attribute(set, "epsilon", c.epsilon);
            h5::write_attribute(set, "delta", c.delta);
            h5::write_attribute(set, "k_apv", c.k_apv);
        }
    }
    h5::write_attribute(s.file, "creator", "zdscan");
    h5::write_attribute(s.file, "config", to_json(out.config).dump(2));
    h5::write_attribute(s.file, "name", out.config.name);
    h5::write_attribute(s.file, "version", ZDSCAN_VERSION);
    h5::write_attribute(s.file, "backend", out.backend);
    // Provenance: what made this file, where and when.
    {
        const std::time_t t = std::chrono::system_clock::to_time_t(s.start_time);
        std::tm utc{};
        gmtime_r(&t, &utc);
        char when[32];
        std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
        h5::write_attribute(s.file, "git_commit", ZDSCAN_GIT_COMMIT);
        h5::write_attribute(s.file, "build_type", ZDSCAN_BUILD_TYPE);
        h5::write_attribute(s.file, "compiler", ZDSCAN_COMPILER);
        h5::write_attribute(s.file, "device", out.device);
        h5::write_attribute(s.file, "command_line", s.command_line);
        h5::write_attribute(s.file, "start_time", std::string(when));
        const double this_run = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.start).count();
        h5::write_attribute(s.file, "wall_time_s", s.prior_wall_time_s + this_run);  // all runs of a resumed scan
        h5::write_attribute(s.file, "wall_time_this_run_s", this_run);
        h5::write_attribute(s.file, "resumed", s.tiles_restored > 0 ? 1.0 : 0.0);
        h5::write_attribute(s.file, "tiles_restored", static_cast<double>(s.tiles_restored));
    }
    for (std::size_t i = 0; i < out.config.physics.measurements.size(); ++i)
    {
        h5::write_attribute(s.file, ("sin2_theta_w_" + out.config.physics.measurements[i].name).c_str(),
                            out.sin2_at_scale.at(i));
    }
    h5::write_attribute(s.file, "reference", "M. Cadeddu et al., PRD 104, L011701 (2021)");

    s.full = Handle();
    for (auto& a : s.axes)
    {
        a = Handle();
    }
    check(H5Fflush(s.file, H5F_SCOPE_GLOBAL), "flush");
    // Close explicitly: a failed close (e.g. the last metadata write on a full disk) must fail the commit.
    check(s.file.close(), "close " + s.tmp_path);
}
}  // namespace zdscan
