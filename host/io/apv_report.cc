/// \file apv_report.cc
#include "zdscan/io/apv_report.hpp"

#include "zdscan/io/config.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace zdscan
{
namespace
{
std::string line(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string line(const char* format, ...)
{
    char buffer[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    return std::string(buffer) + "\n";
}
}  // namespace

std::string format_apv_reanalysis(const ApvReanalysisInputs& in, const ApvReanalysis& r)
{
    std::string s = "Q_W(133Cs) from atomic parity violation with the neutron-skin correction recomputed\n"
                    "(Cadeddu et al., PRD 104, L011701 (2021), eqs. 16-23; docs/physics.md, \"APV reanalysis\")\n";
    s += line("  (16) hadronic skin, 133Cs          %8.4f +- %.4f fm", r.hadronic_skin_cs_fm.value,
              r.hadronic_skin_cs_fm.sigma);
    s += line("  (16) hadronic skin, 208Pb          %8.4f +- %.4f fm", r.hadronic_skin_pb_fm.value,
              r.hadronic_skin_pb_fm.sigma);
    s += line("  (18) point skin 133Cs              %8.4f +- %.4f fm (from: %s)", r.skin_point_cs_fm.value,
              r.skin_point_cs_fm.sigma, to_string(in.skin_source).c_str());
    s += line("  (fn3) R_p point, R_n point         %8.4f, %.4f fm (nucleon radius %.2f fm)", r.r_p_point_fm.value,
              r.r_n_point_fm.value, in.nucleon_radius_fm.value);
    s += line("  (19) R_n(133Cs)                    %8.4f +- %.4f fm", r.r_n_fm.value, r.r_n_fm.sigma);
    s += line("  (20) Q_W without skin correction   %8.3f +- %.3f", r.qw_without_skin.value, r.qw_without_skin.sigma);
    s += line("  (22) q_p, q_n                      %9.6f, %.6f (%s densities)", r.q_p.value, r.q_n.value,
              to_string(in.density).c_str());
    s += line("  (21) 1 - q_n/q_p                   %8.5f +- %.5f; dE/E = %.5f", r.skin_factor.value,
              r.skin_factor.sigma, r.delta_e_over_e.value);
    s += line("  (23) Q_W(133Cs)                    %8.3f +- %.3f", r.qw.value, r.qw.sigma);
    s += "uncertainty budget of Q_W (linear propagation):\n";
    double total = 0;
    for (const auto& b : r.budget)
    {
        s += line("  %-40s %.4f", b.what.c_str(), b.sigma_qw);
        total += b.sigma_qw * b.sigma_qw;
    }
    s += line("  %-40s %.4f", "total (in quadrature)", std::sqrt(total));
    return s;
}

std::string format_apv_alternatives(const std::vector<ApvAlternative>& rows)
{
    std::string s = "alternatives:\n";
    s += line("  %-42s %9s %7s %8s  %s", "", "Q_W", "sigma", "R_n [fm]", "note");
    for (const auto& a : rows)
    {
        char rn[16] = "-";
        if (a.r_n_fm > 0) std::snprintf(rn, sizeof rn, "%.3f", a.r_n_fm);
        s += line("  %-42s %9.3f %7.3f %8s  %s", a.name.c_str(), a.qw.value, a.qw.sigma, rn, a.note.c_str());
    }
    return s;
}

nlohmann::json apv_report_json(const ApvReanalysisInputs& in, bool alternatives)
{
    nlohmann::json j = {{"inputs", to_json(in)}, {"result", to_json(compute_apv_reanalysis(in))}};
    if (alternatives)
    {
        j["alternatives"] = nlohmann::json::array();
        for (const auto& a : apv_alternatives(in))
        {
            j["alternatives"].push_back(
                {{"name", a.name}, {"qw", a.qw.value}, {"sigma", a.qw.sigma}, {"r_n_fm", a.r_n_fm}, {"note", a.note}});
        }
    }
    return j;
}
}  // namespace zdscan
