/// \file scan_summary.cc
/// The text of `zdscan summary` (and of `zdscan scan`): best fit and 1σ intervals from the 1-D profiles.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "zdscan/build_config.hpp"
#include "zdscan/io/scan_file.hpp"
#include "zdscan/scan/profile_intervals.hpp"

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
    const int n = static_cast<int>(out.config.physics.measurements.size());
    for (const auto& m : out.config.physics.measurements)
    {
        f.measurements.push_back(m.name);
        f.enabled.push_back(m.enabled);
    }
    f.best = {out.best.chi2, out.best.m_zd_mev, out.best.epsilon, out.best.delta,
              std::vector<double>(out.best.terms.term, out.best.terms.term + n)};
    f.refined = {out.refined.chi2, out.refined.m_zd_mev, out.refined.epsilon, out.refined.delta,
                 std::vector<double>(out.refined.terms.term, out.refined.terms.term + n)};
    f.refined_converged = out.refined.converged;
    return f;
}

namespace
{
/// Δχ² of a two-sided CL p for one parameter (Wilks): the χ²₁ quantile, 2 x² with erf(x) = p (bisection on erf:
/// exact to rounding, no special-function library).
double delta_chi2_one_dof(double p)
{
    double lo = 0, hi = 10;  // erf(10) = 1 to double precision
    for (int k = 0; k < 200 && hi - lo > 1e-16 * hi; ++k)
    {
        const double mid = 0.5 * (lo + hi);
        (std::erf(mid) < p ? lo : hi) = mid;
    }
    const double x = 0.5 * (lo + hi);
    return 2 * x * x;
}
}  // namespace

SummaryLevel parse_summary_level(const std::string& text)
{
    const auto refuse = [&]
    {
        return std::invalid_argument("--cl: must be a percent in (1, 100), a fraction in (0, 1) (one parameter), "
                                     "or dchi2=X with X > 0 (got \"" + text + "\")");
    };
    if (text == "68") return {1.0, "68.27% CL (1 sigma)"};  // the conventional name of the 1-sigma level
    if (text.rfind("dchi2=", 0) == 0)
    {
        const std::string number = text.substr(6);
        double v = 0;
        const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
        if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || !(v > 0 && v < 1e6))
            throw refuse();
        char label[64];
        std::snprintf(label, sizeof label, "delta chi2 = %g", v);
        return {v, label};
    }
    // One rule for CL values everywhere (zdscan.limit_curves.cl_percent): (0, 1) a fraction, (1, 100) a percent.
    double v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) throw refuse();
    double percent = 0;
    if (v > 0 && v < 1)
        percent = 100 * v;
    else if (v > 1 && v < 100)
        percent = v;
    else
        throw refuse();
    char label[64];
    std::snprintf(label, sizeof label, "%.4g%% CL", percent);
    return {delta_chi2_one_dof(percent / 100), label};
}

namespace
{
struct AxisSummary
{
    const char* name;
    const char* label;
    ProfileInterval interval;
    double centre;  ///< the refined best fit (the grid point if the refinement did not converge)
};

std::vector<AxisSummary> axis_summaries(const ScanFileContents& f, const SummaryLevel& level)
{
    const bool refined = f.refined_converged;
    // One threshold for all three: the profiles' common minimum. With the exact δ profile the δ grid's own
    // minimum can lie above it (the best δ falls between grid points); the global one does not depend on n_δ.
    const double global = *std::min_element(f.profile_m.begin(), f.profile_m.end());
    std::vector<AxisSummary> out = {
        {"m_zd_mev", "m_Zd [MeV]", profile_interval(f.m_zd_mev, f.profile_m, level.delta_chi2, f.m_log),
         refined ? f.refined.m_zd_mev : f.best.m_zd_mev},
        {"epsilon", "epsilon   ", profile_interval(f.epsilon, f.profile_eps, level.delta_chi2, f.eps_log),
         refined ? f.refined.epsilon : f.best.epsilon},
        {"delta", "delta     ", profile_interval(f.delta, f.profile_delta, level.delta_chi2, f.delta_log, global),
         refined ? f.refined.delta : f.best.delta}};
    return out;
}

/// Lines that say what the numbers cannot be trusted for.
std::vector<std::string> warnings(const ScanFileContents& f, const std::vector<AxisSummary>& axes)
{
    std::vector<std::string> w;
    if (std::none_of(f.enabled.begin(), f.enabled.end(), [](bool e) { return e; }))
    {
        w.push_back("no measurement is enabled: chi2 is 0 everywhere and the 'best fit' means nothing");
    }
    for (const auto& a : axes)
    {
        const bool closed = !a.interval.lower_at_edge && !a.interval.upper_at_edge;
        if (closed && a.interval.points_inside < 3)
        {
            w.push_back(std::string("the ") + a.name + " axis is too coarse to resolve its interval ("
                        + std::to_string(a.interval.points_inside) + " grid point(s) inside): refine the grid");
        }
    }
    if (!f.refined_converged)
    {
        w.push_back("the refinement between grid points did not converge: centres are the best grid point");
    }
    return w;
}
}  // namespace

std::string format_summary(const ScanFileContents& f, const SummaryLevel& level)
{
    std::ostringstream s;
    char line[512];
    s << "zdscan " << f.version << " result '" << f.name << "' (backend " << f.backend << "), grid "
      << f.m_zd_mev.size() << " x " << f.epsilon.size() << " x " << f.delta.size() << "\n";
    auto terms = [&](const StoredFitPoint& p)
    {
        std::string t = "  terms:";
        for (std::size_t i = 0; i < f.measurements.size() && i < p.terms.size(); ++i)
        {
            std::snprintf(line, sizeof line, " %s %.3g%s", f.measurements[i].c_str(), p.terms[i],
                          f.enabled[i] ? "" : " (off)");
            t += std::string(i ? "," : "") + line;
        }
        return t + "\n";
    };
    std::snprintf(line, sizeof line,
                  "best fit (grid point): chi2_min = %.4g at m_Zd = %.4g MeV, epsilon = %.4g, delta = %.4g\n",
                  f.best.chi2, f.best.m_zd_mev, f.best.epsilon, f.best.delta);
    s << line << terms(f.best);
    std::snprintf(line, sizeof line,
                  "refined (between grid points%s): chi2_min = %.4g at m_Zd = %.4g MeV, epsilon = %.4g, delta = %.4g\n",
                  f.refined_converged ? "" : ", NOT converged", f.refined.chi2, f.refined.m_zd_mev, f.refined.epsilon,
                  f.refined.delta);
    s << line << terms(f.refined);
    const auto axes = axis_summaries(f, level);
    std::snprintf(line, sizeof line,
                  "%s intervals (delta chi2 = %.4g, profiled over the other two parameters, interpolated; centres: "
                  "the %s):\n",
                  level.label.c_str(), level.delta_chi2, f.refined_converged ? "refined best fit" : "best grid point");
    s << line;
    for (const auto& a : axes)
    {
        ProfileInterval shown = a.interval;
        shown.best = a.centre;
        s << "  " << a.label << " = " << format_interval(shown) << "\n";
    }
    for (const auto& w : warnings(f, axes))
    {
        s << "warning: " << w << "\n";
    }
    return s.str();
}

nlohmann::json summary_json(const ScanFileContents& f, const SummaryLevel& level)
{
    auto point = [&](const StoredFitPoint& p)
    {
        nlohmann::json terms = nlohmann::json::object();
        for (std::size_t i = 0; i < f.measurements.size() && i < p.terms.size(); ++i)
            terms[f.measurements[i]] = p.terms[i];
        return nlohmann::json{
            {"chi2", p.chi2}, {"m_zd_mev", p.m_zd_mev}, {"epsilon", p.epsilon}, {"delta", p.delta}, {"terms", terms}};
    };
    const auto axes = axis_summaries(f, level);
    nlohmann::json intervals = nlohmann::json::object();
    for (const auto& a : axes)
    {
        const auto& i = a.interval;
        intervals[a.name] = {{"centre", a.centre},
                             {"grid_best", i.best},
                             {"lower", i.lower},
                             {"upper", i.upper},
                             {"lower_at_edge", i.lower_at_edge},
                             {"upper_at_edge", i.upper_at_edge},
                             {"disjoint", i.disjoint},
                             {"grid_points_inside", i.points_inside}};
    }
    nlohmann::json measurements = nlohmann::json::array();
    for (std::size_t i = 0; i < f.measurements.size(); ++i)
        measurements.push_back({{"name", f.measurements[i]}, {"enabled", static_cast<bool>(f.enabled[i])}});
    return {{"name", f.name},
            {"version", f.version},
            {"backend", f.backend},
            {"grid", {f.m_zd_mev.size(), f.epsilon.size(), f.delta.size()}},
            {"measurements", measurements},
            {"best_grid_point", point(f.best)},
            {"refined", point(f.refined)},
            {"refined_converged", f.refined_converged},
            {"level", {{"label", level.label}, {"delta_chi2", level.delta_chi2}}},
            {"intervals", intervals},
            {"warnings", warnings(f, axes)}};
}
}  // namespace zdscan
