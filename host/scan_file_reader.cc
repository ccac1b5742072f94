/// \file scan_file_reader.cc
/// Reading a result file back (for `zdscan summary`) and formatting the best fit and 1σ intervals.
#include <hdf5.h>

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "hdf5_handle.hpp"
#include "zdscan/profile_intervals.hpp"
#include "zdscan/scan_file.hpp"

namespace zdscan
{
namespace
{
using h5::check;
using h5::Handle;

std::vector<double> read_vector(hid_t file, const std::string& name)
{
    Handle set(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!set.valid())
    {
        throw std::runtime_error("missing dataset " + name);
    }
    Handle space(check(H5Dget_space(set), name), H5Sclose);
    const hssize_t n = check(H5Sget_simple_extent_npoints(space), name);
    std::vector<double> v(static_cast<std::size_t>(n));
    check(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
    return v;
}

bool is_log_axis(hid_t file, const std::string& name)
{
    Handle set(check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), name), H5Dclose);
    return h5::read_string_attribute(set, "scale") == "log";
}
}  // namespace

ScanFileContents read_scan_file(const std::string& path)
{
    h5::silence_error_stack();
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid())
    {
        throw std::runtime_error(path + ": cannot open as HDF5");
    }
    try
    {
        ScanFileContents f;
        f.name = h5::read_string_attribute(file, "name");
        f.backend = h5::read_string_attribute(file, "backend");
        f.version = h5::read_string_attribute(file, "version");
        f.m_zd_mev = read_vector(file, "/axes/m_zd_mev");
        f.epsilon = read_vector(file, "/axes/epsilon");
        f.delta = read_vector(file, "/axes/delta");
        f.m_log = is_log_axis(file, "/axes/m_zd_mev");
        f.eps_log = is_log_axis(file, "/axes/epsilon");
        f.delta_log = is_log_axis(file, "/axes/delta");
        f.profile_m = read_vector(file, "/profile1d/chi2_m_zd_mev");
        f.profile_eps = read_vector(file, "/profile1d/chi2_epsilon");
        f.profile_delta = read_vector(file, "/profile1d/chi2_delta");
        Handle best(H5Gopen2(file, "/bestfit", H5P_DEFAULT), H5Gclose);
        if (!best.valid())
        {
            throw std::runtime_error("missing group /bestfit");
        }
        auto read_point = [&](const std::string& prefix)
        {
            StoredFitPoint p;
            p.chi2 = h5::read_double_attribute(best, (prefix + "chi2_min").c_str());
            p.m_zd_mev = h5::read_double_attribute(best, (prefix + "m_zd_mev").c_str());
            p.epsilon = h5::read_double_attribute(best, (prefix + "epsilon").c_str());
            p.delta = h5::read_double_attribute(best, (prefix + "delta").c_str());
            p.terms.qweak = h5::read_double_attribute(best, (prefix + "chi2_qweak").c_str());
            p.terms.apv_cs = h5::read_double_attribute(best, (prefix + "chi2_apv_cs").c_str());
            p.terms.a_mu = h5::read_double_attribute(best, (prefix + "chi2_a_mu").c_str());
            p.terms.a_e = h5::read_double_attribute(best, (prefix + "chi2_a_e").c_str());
            return p;
        };
        f.best = read_point("");
        f.refined = read_point("refined_");
        f.refined_converged = h5::read_double_attribute(best, "refined_converged") != 0;
        return f;
    }
    catch (const std::runtime_error& e)
    {
        throw std::runtime_error(path + ": not a zdscan result file (" + e.what() + ")");
    }
}

std::string format_summary(const ScanFileContents& f)
{
    std::ostringstream s;
    char line[256];
    s << "zdscan " << f.version << " result '" << f.name << "' (backend " << f.backend << "), grid "
      << f.m_zd_mev.size() << " x " << f.epsilon.size() << " x " << f.delta.size() << "\n";
    std::snprintf(line, sizeof line,
                  "best fit (grid point): chi2_min = %.4g at m_Zd = %.4g MeV, epsilon = %.4g, delta = %.4g\n"
                  "  terms: qweak %.3g, apv_cs %.3g, a_mu %.3g, a_e %.3g\n",
                  f.best.chi2, f.best.m_zd_mev, f.best.epsilon, f.best.delta, f.best.terms.qweak, f.best.terms.apv_cs,
                  f.best.terms.a_mu, f.best.terms.a_e);
    s << line;
    std::snprintf(line, sizeof line,
                  "refined (between grid points%s): chi2_min = %.4g at m_Zd = %.4g MeV, epsilon = %.4g, delta = %.4g\n",
                  f.refined_converged ? "" : ", NOT converged", f.refined.chi2, f.refined.m_zd_mev, f.refined.epsilon,
                  f.refined.delta);
    s << line << "1 sigma intervals (delta chi2 = 1, profiled over the other two parameters, interpolated):\n";
    s << "  m_Zd [MeV] = " << format_interval(profile_interval(f.m_zd_mev, f.profile_m, 1.0, f.m_log)) << "\n";
    s << "  epsilon    = " << format_interval(profile_interval(f.epsilon, f.profile_eps, 1.0, f.eps_log)) << "\n";
    s << "  delta      = " << format_interval(profile_interval(f.delta, f.profile_delta, 1.0, f.delta_log)) << "\n";
    return s.str();
}
}  // namespace zdscan
