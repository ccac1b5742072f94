/// \file scan_summary.cc
/// The text of `zdscan summary` (and of `zdscan scan`): best fit and 1σ intervals from the 1-D profiles.
#include <cstdio>
#include <sstream>

#include "zdscan/profile_intervals.hpp"
#include "zdscan/build_config.hpp"
#include "zdscan/scan_file.hpp"

namespace zdscan
{
ScanFileContents summary_contents(const ScanOutput& out)
{
    ScanFileContents f;
    f.name = out.config.name;
    f.backend = out.backend;
    f.version = ZDSCAN_VERSION;
    f.m_zd_mev = out.m_zd_mev;
    f.epsilon = out.epsilon;
    f.delta = out.delta;
    f.m_log = out.config.m_zd_mev.log;
    f.eps_log = out.config.epsilon.log;
    f.delta_log = out.config.delta.log;
    f.profile_m = out.profile_m;
    f.profile_eps = out.profile_eps;
    f.profile_delta = out.profile_delta;
    f.best = {out.best.chi2, out.best.m_zd_mev, out.best.epsilon, out.best.delta, out.best.terms};
    f.refined = {out.refined.chi2, out.refined.m_zd_mev, out.refined.epsilon, out.refined.delta, out.refined.terms};
    f.refined_converged = out.refined.converged;
    return f;
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
