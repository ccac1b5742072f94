/// \file summary.cc
/// The analysis of a result (analysis/summary.hpp): the text and JSON of `zdscan summary` (and of `zdscan scan`).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "zdscan/build_config.hpp"
#include "zdscan/analysis/summary.hpp"
#include "zdscan/scan/interval_refinement.hpp"
#include "zdscan/scan/profile_intervals.hpp"
#include "zdscan/util/chi2_distribution.hpp"
#include "zdscan/util/number_text.hpp"

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
        f.projection.push_back(m.projection);
        f.counts_dof.push_back(counts_as_dof(m));
    }
    {
        const CorrelationMatrix r = enabled_correlation(out.config.physics.measurements, out.config.physics.correlation);
        const std::size_t k = r.names.size();
        for (std::size_t i = 0; i < k; ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (r.rho[i * k + j] != 0) f.correlated.push_back({r.names[j], r.names[i], r.rho[i * k + j]});
    }
    f.best = {out.best.chi2, out.best.m_zd_mev, out.best.epsilon, out.best.delta,
              std::vector<double>(out.best.terms.term, out.best.terms.term + n)};
    f.refined = {out.refined.chi2, out.refined.m_zd_mev, out.refined.epsilon, out.refined.delta,
                 std::vector<double>(out.refined.terms.term, out.refined.terms.term + n)};
    f.refined_converged = out.refined.converged;
    f.has_sm = true;
    f.sm_chi2 = out.sm.total;
    f.sm_terms.assign(out.sm.term, out.sm.term + n);
    f.pull_sm = out.pull_sm;
    f.pull_refined = out.pull_refined;
    f.refined_interval[0][0] = out.interval_m.lower;
    f.refined_interval[0][1] = out.interval_m.upper;
    f.refined_interval[1][0] = out.interval_eps.lower;
    f.refined_interval[1][1] = out.interval_eps.upper;
    if (out.posterior)
    {
        auto& c = f.credible;
        const Posterior& p = *out.posterior;
        c.present = true;
        c.priors = p.priors;
        const double* iv[3] = {p.m_interval, p.eps_interval, p.delta_interval};
        const double modes[3] = {p.m_mode, p.eps_mode, p.delta_mode};
        for (int a = 0; a < 3; ++a)
        {
            c.interval[a][0] = iv[a][0];
            c.interval[a][1] = iv[a][1];
            c.mode[a] = modes[a];
            const auto& b = p.box[a];
            c.edge_mass[a][0] = b.edge_mass[0];
            c.edge_mass[a][1] = b.edge_mass[1];
            c.box_shift[a] = b.shift;
            c.box_resolution[a] = b.resolution;
            c.box_sensitive[a] = b.sensitive;
        }
    }
    f.mesons = out.mesons;
    if (out.without_searches.present)
    {
        const auto& w = out.without_searches;
        auto& d = f.searches;
        d.present = true;
        d.chi2_min = w.chi2_min;
        d.m_zd_mev = w.m_zd_mev;
        d.epsilon = w.epsilon;
        d.delta = w.delta;
        d.interval_m[0] = w.interval_m.lower_at_edge ? NAN : w.interval_m.lower;
        d.interval_m[1] = w.interval_m.upper_at_edge ? NAN : w.interval_m.upper;
        d.interval_eps[0] = w.interval_eps.lower_at_edge ? NAN : w.interval_eps.lower;
        d.interval_eps[1] = w.interval_eps.upper_at_edge ? NAN : w.interval_eps.upper;
        d.region_cells = static_cast<double>(w.region_cells);
        d.region_excluded = static_cast<double>(w.region_excluded);
        d.coupling_ratio_at_best = w.coupling_ratio_at_best;
        d.coupling_ratio_max_1sigma = w.coupling_ratio_max_1sigma;
        for (const auto& name : w.veto_gap_at_best) d.veto_gap_at_best += (d.veto_gap_at_best.empty() ? "" : ",") + name;
        for (const auto& x : w.searches)
        {
            d.names.push_back(x.name);
            for (const auto& m : out.config.physics.measurements)
                if (m.name == x.name) d.applies.push_back(search_applies(m));
            d.ratio_at_best.push_back(x.ratio_at_best);
            d.excluded_cells.push_back(static_cast<double>(x.region_excluded));
        }
    }
    const std::size_t n_m = out.m_zd_mev.size(), n_eps = out.epsilon.size();
    for (std::size_t j = 0; j < n_eps; ++j)
    {
        f.edge_chi2[0].push_back(out.chi2_total[j]);
        f.edge_chi2[1].push_back(out.chi2_total[(n_m - 1) * n_eps + j]);
    }
    for (std::size_t i = 0; i < n_m; ++i)
    {
        f.edge_chi2[2].push_back(out.chi2_total[i * n_eps]);
        f.edge_chi2[3].push_back(out.chi2_total[i * n_eps + n_eps - 1]);
    }
    return f;
}


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
        const double v = whole_number(number).value_or(NAN);
        if (!(v > 0 && v < 1e6)) throw refuse();
        char label[64];
        std::snprintf(label, sizeof label, "delta chi2 = %g", v);
        return {v, label};
    }
    // One rule for CL values everywhere (zdscan.limit_curves.cl_percent): (0, 1) a fraction, (1, 100) a percent.
    const auto number = whole_number(text);
    if (!number) throw refuse();
    const double v = *number;
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

/// Marks the ends of axis a's interval (0: m_Zd, 1: ε) that the other axis's box sets (issue 27): at the grid
/// points around the end, the profile's minimum over the other axis lies on that axis's first or last grid point
/// (/profile along the box's edges equals the profile there), so moving that edge would move the end.
void mark_box_set_ends(const ScanFileContents& f, ProfileInterval& i, int a)
{
    const auto& axis = a == 0 ? f.m_zd_mev : f.epsilon;
    const auto& profile = a == 0 ? f.profile_m : f.profile_eps;
    const std::vector<double>* edges[2] = {&f.edge_chi2[a == 0 ? 2 : 0], &f.edge_chi2[a == 0 ? 3 : 1]};
    const auto& other = a == 0 ? f.epsilon : f.m_zd_mev;
    if (axis.size() < 2 || other.size() < 2 || edges[0]->size() != axis.size() || edges[1]->size() != axis.size())
        return;
    for (int end = 0; end < 2; ++end)
    {
        if (end == 0 ? i.lower_at_edge : i.upper_at_edge) continue;
        const double at = end == 0 ? i.lower : i.upper;
        // The grid points that bracket the end (the interpolation's two).
        const std::size_t k = static_cast<std::size_t>(
            std::upper_bound(axis.begin(), axis.end(), at) - axis.begin());
        for (std::size_t j : {k == 0 ? 0 : k - 1, std::min(k, axis.size() - 1)})
        {
            for (int side = 0; side < 2; ++side)
            {
                if (profile[j] != (*edges[side])[j]) continue;
                char text[96];
                std::snprintf(text, sizeof text, "the %s grid's %s edge (%.4g%s)", a == 0 ? "epsilon" : "m_Zd",
                              side == 0 ? "lower" : "upper", side == 0 ? other.front() : other.back(),
                              a == 0 ? "" : " MeV");
                (end == 0 ? i.lower_set_by : i.upper_set_by) = text;
            }
        }
    }
}

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
    mark_box_set_ends(f, out[0].interval, 0);
    mark_box_set_ends(f, out[1].interval, 1);
    return out;
}

/// Goodness of fit and the SM comparison (Wilks: Δχ² ~ χ² with as many dof as free parameters; approximate for
/// the SM test, where m_Zd is not defined under the null hypothesis).
struct FitStatistics
{
    double chi2_min = 0;
    int n_measurements = 0, n_parameters = 0, ndf = 0;
    double gof_p = NAN;  ///< P(χ²_ndf > χ²_min); NaN when ndf ≤ 0
    bool has_sm = false;
    double sm_chi2 = 0, delta_chi2 = 0, sm_p = NAN, sm_sigma = NAN;
};

FitStatistics fit_statistics(const ScanFileContents& f)
{
    FitStatistics s;
    s.chi2_min = f.refined_converged ? f.refined.chi2 : f.best.chi2;
    // A limit (a search, a meson decay's) adds χ² where the fit enters its excluded region, but it measures nothing:
    // no dof.
    if (f.counts_dof.size() == f.enabled.size())
    {
        for (std::size_t i = 0; i < f.enabled.size(); ++i) s.n_measurements += f.enabled[i] && f.counts_dof[i];
    }
    else
    {
        s.n_measurements = static_cast<int>(std::count(f.enabled.begin(), f.enabled.end(), true))
                           - static_cast<int>(f.searches.names.size());
    }
    for (const auto* axis : {&f.m_zd_mev, &f.epsilon, &f.delta}) s.n_parameters += axis->size() > 1;
    s.ndf = s.n_measurements - s.n_parameters;
    if (s.ndf > 0) s.gof_p = chi2_survival(s.chi2_min, s.ndf);
    s.has_sm = f.has_sm;
    if (f.has_sm)
    {
        s.sm_chi2 = f.sm_chi2;
        s.delta_chi2 = std::max(0.0, f.sm_chi2 - s.chi2_min);
        if (s.n_parameters > 0)
        {
            s.sm_p = chi2_survival(s.delta_chi2, s.n_parameters);
            s.sm_sigma = significance_sigma(s.sm_p);
        }
    }
    return s;
}

const char* const axis_names[3] = {"m_Zd", "epsilon", "delta"};

const std::vector<double>& axis_values(const ScanFileContents& f, int a)
{
    return a == 0 ? f.m_zd_mev : a == 1 ? f.epsilon : f.delta;
}

/// The unit after a value of axis a in a sentence.
const char* axis_unit(int a)
{
    return a == 0 ? " MeV" : "";
}

/// "lower"/"upper" when x is the first or last grid value of the axis (to 1e-9 of its range), else nullptr.
const char* edge_of(const std::vector<double>& axis, double x)
{
    if (axis.size() < 2) return nullptr;
    const double lo = std::min(axis.front(), axis.back()), hi = std::max(axis.front(), axis.back());
    const double tol = 1e-9 * (hi - lo);
    if (std::fabs(x - lo) <= tol) return "lower";
    if (std::fabs(x - hi) <= tol) return "upper";
    return nullptr;
}

/// Where the best fit, the 1-D intervals and the 2-D regions (1σ, 2σ, 3σ for two parameters) meet the grid's edges:
/// there the numbers are the box's, not the data's.
std::vector<std::string> edge_warnings(const ScanFileContents& f, const std::vector<AxisSummary>& axes,
                                       const SummaryLevel& level)
{
    std::vector<std::string> w;
    char line[512];
    const double grid_best[3] = {f.best.m_zd_mev, f.best.epsilon, f.best.delta};
    for (int a = 0; a < 3; ++a)
    {
        const char* side = edge_of(axis_values(f, a), axes[a].centre);
        if (!side && (side = edge_of(axis_values(f, a), grid_best[a])))
        {
            std::snprintf(line, sizeof line,
                          "the best grid point lies on the grid's %s %s edge (%s = %.4g%s), and the refinement moved "
                          "only %.3g inside: the minimum is where the box ends; widen the %s range",
                          side, axis_names[a], axis_names[a], grid_best[a], axis_unit(a),
                          std::fabs(axes[a].centre - grid_best[a]), axis_names[a]);
            w.push_back(line);
            continue;
        }
        if (side)
        {
            std::snprintf(line, sizeof line,
                          "the best fit lies on the grid's %s %s edge (%s = %.4g%s): it is where the box ends, not a "
                          "measurement; widen the %s range",
                          side, axis_names[a], axis_names[a], axes[a].centre, axis_unit(a), axis_names[a]);
            w.push_back(line);
        }
    }
    const std::vector<double>* profiles[3] = {&f.profile_m, &f.profile_eps, &f.profile_delta};
    const double global = *std::min_element(f.profile_m.begin(), f.profile_m.end());
    for (int a = 0; a < 3; ++a)
    {
        const auto& i = axes[a].interval;
        const auto& axis = axis_values(f, a);
        for (int end = 0; end < 2; ++end)
        {
            if (!(end == 0 ? i.lower_at_edge : i.upper_at_edge) || axis.size() < 2) continue;
            const double at = end == 0 ? i.lower : i.upper;
            const std::size_t k = std::fabs(at - axis.front()) <= std::fabs(at - axis.back()) ? 0 : axis.size() - 1;
            std::snprintf(line, sizeof line,
                          "the %s interval of %s reaches the grid's %s edge (%s = %.4g%s), where delta chi2 = %.3g is "
                          "still below %.4g: the interval is open there",
                          level.label.c_str(), axis_names[a], end == 0 ? "lower" : "upper", axis_names[a], at,
                          axis_unit(a),
                          (*profiles[a])[k] - global, level.delta_chi2);
            w.push_back(line);
        }
    }
    for (int a = 0; a < 2; ++a)
    {
        const auto& i = axes[a].interval;
        for (int end = 0; end < 2; ++end)
        {
            const std::string& by = end == 0 ? i.lower_set_by : i.upper_set_by;
            if (by.empty()) continue;
            std::snprintf(line, sizeof line,
                          "the %s interval of %s ends at %.4g%s where its profile is set by %s: the end moves with "
                          "that edge, so it is open there, not a result; widen that range",
                          level.label.c_str(), axis_names[a], end == 0 ? i.lower : i.upper, axis_unit(a), by.c_str());
            w.push_back(line);
        }
    }
    // 2-D regions in (m_Zd, ε), δ profiled: nσ for two parameters, Δχ² = −2 ln(1 − CL) with 1 − CL = erfc(n/√2)
    // (χ²₂ survival e^{−x/2}): 2.30, 6.18, 11.83.
    double levels_2d[3];
    for (int n = 1; n <= 3; ++n) levels_2d[n - 1] = -2 * std::log(std::erfc(n / std::sqrt(2.0)));
    const char* edge_names[4] = {"lower m_Zd", "upper m_Zd", "lower epsilon", "upper epsilon"};
    const double edge_values[4] = {f.m_zd_mev.front(), f.m_zd_mev.back(), f.epsilon.front(), f.epsilon.back()};
    for (int e = 0; e < 4; ++e)
    {
        if (f.edge_chi2[e].empty()) continue;
        const double lowest = *std::min_element(f.edge_chi2[e].begin(), f.edge_chi2[e].end()) - global;
        int sigma = 0;
        while (sigma < 3 && lowest <= levels_2d[2 - sigma]) ++sigma;  // how many of 3σ, 2σ, 1σ reach it
        if (sigma == 0) continue;
        const char* which[3] = {"3sigma region reaches", "2sigma and 3sigma regions reach",
                                "1sigma, 2sigma and 3sigma regions reach"};
        std::snprintf(line, sizeof line,
                      "the 2-D %s the grid's %s edge (%s = %.4g%s), where the lowest delta chi2 is %.3g (two "
                      "parameters: %.2f, %.2f, %.2f): cut by the box there, not closed",
                      which[sigma - 1], edge_names[e], axis_names[e / 2], edge_values[e], axis_unit(e / 2), lowest, levels_2d[0], levels_2d[1], levels_2d[2]);
        w.push_back(line);
    }
    return w;
}

/// The Δχ² = 1 ends refined between grid points apply to this level.
bool refined_ends_apply(const ScanFileContents& f, const SummaryLevel& level)
{
    return std::fabs(level.delta_chi2 - 1.0) < 1e-9 && f.refined_converged;
}

/// "ends refined between grid points: m_Zd [31.57, 108.0] MeV, epsilon [0.001826, 0.003332]".
std::string refined_ends_line(const ScanFileContents& f, const SummaryLevel& level)
{
    if (!refined_ends_apply(f, level)) return "";
    std::string text;
    const auto format_number = [](double v)
    {
        char out[32];
        std::snprintf(out, sizeof out, "%.4g", v);
        return std::string(out);
    };
    for (int a = 0; a < 2; ++a)
    {
        const double lo = f.refined_interval[a][0], hi = f.refined_interval[a][1];
        if (std::isnan(lo) && std::isnan(hi)) continue;
        char part[160];
        std::snprintf(part, sizeof part, "%s%s [%s, %s]%s", text.empty() ? "" : ", ", axis_names[a],
                      std::isnan(lo) ? "grid edge" : format_number(lo).c_str(),
                      std::isnan(hi) ? "grid edge" : format_number(hi).c_str(), axis_unit(a));
        text += part;
    }
    return text.empty() ? "" : "  ends refined between grid points (as MINOS): " + text + "\n";
}

/// Interval ends the grid does not resolve: the grid's interpolated end more than 1 % from the one refined
/// between grid points (Δχ² = 1 only: the level the file refines).
std::vector<std::string> convergence_warnings(const ScanFileContents& f, const std::vector<AxisSummary>& axes,
                                              const SummaryLevel& level)
{
    std::vector<std::string> w;
    if (!refined_ends_apply(f, level)) return w;
    const bool logs[2] = {f.m_log, f.eps_log};
    for (int a = 0; a < 2; ++a)
    {
        const auto& i = axes[a].interval;
        for (int end = 0; end < 2; ++end)
        {
            if (end == 0 ? i.lower_at_edge : i.upper_at_edge) continue;
            const double grid = end == 0 ? i.lower : i.upper, refined = f.refined_interval[a][end];
            char line[400];
            if (std::isnan(refined))
            {
                std::snprintf(line, sizeof line,
                              "the %s interval's %s end on the grid (%.4g%s) is not confirmed between grid points: the "
                              "profile there stays below the level up to the grid edge; refine the grid",
                              axis_names[a], end == 0 ? "lower" : "upper", grid, axis_unit(a));
                w.push_back(line);
                continue;
            }
            const double offset = interval_end_offset(grid, refined, logs[a]);
            if (offset > 0.01)
            {
                std::snprintf(line, sizeof line,
                              "the %s interval's %s end on the grid (%.4g%s) is %.1f%% from its value between grid "
                              "points (%.4g%s): the grid does not resolve it; refine the grid",
                              axis_names[a], end == 0 ? "lower" : "upper", grid, axis_unit(a), 100 * offset, refined,
                              axis_unit(a));
                w.push_back(line);
            }
        }
    }
    return w;
}

/// Lines that say what the numbers cannot be trusted for (the edge and convergence ones are added by all_warnings).
std::vector<std::string> warnings(const ScanFileContents& f, const std::vector<AxisSummary>& axes)
{
    std::vector<std::string> w;
    std::string projected;
    for (std::size_t i = 0; i < f.projection.size() && i < f.enabled.size(); ++i)
    {
        if (f.projection[i] && f.enabled[i]) projected += (projected.empty() ? "" : ", ") + f.measurements[i];
    }
    if (!projected.empty())
    {
        w.push_back("the fit includes projections (" + projected + "): expected uncertainties of future "
                    "measurements, not results; its intervals, p-values and the SM comparison are a forecast");
    }
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
    if (!f.searches.veto_gap_at_best.empty())
    {
        w.push_back("the best fit lies in a veto gap of " + f.searches.veto_gap_at_best
                    + " (a mass window where the limit file says there is no limit): a minimum there is an artefact of "
                      "the gap, not a preference of the data");
    }
    return w;
}

/// Every warning of the summary, in the order printed: the numbers' own, the grid edges', the interval ends'.
std::vector<std::string> all_warnings(const ScanFileContents& f, const std::vector<AxisSummary>& axes,
                                      const SummaryLevel& level)
{
    std::vector<std::string> w = warnings(f, axes);
    for (auto* more : {edge_warnings, convergence_warnings})
    {
        for (auto& line : more(f, axes, level)) w.push_back(std::move(line));
    }
    return w;
}
}  // namespace

namespace
{
std::string fmt_g(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.4g", v);
    return b;
}

/// The meson decays' verdict (meson_report.hpp): each at the best fit and at the paper's, the interference, and the
/// fit without them with its δ interval beside the fit's.
std::string mesons_text(const ScanFileContents& f)
{
    const MesonReport& r = f.mesons;
    if (!r.present) return "";
    std::ostringstream s;
    char line[512];
    s << "rare meson decays (meson_decay; s = B_X BR(P -> P' Z_d)/BR_CL, the kinetic and mass-mixing amplitudes "
         "interfere; docs/searches.md):\n";
    auto verdict = [&](const MesonReport::PerDecay& d, double br, double limit, double chi2)
    {
        if (d.form == "measured")
        {
            std::snprintf(line, sizeof line, "B_X BR = %.3g (a measured BR beyond the SM): chi2 = %.4g", br, chi2);
            return std::string(line);
        }
        if (!std::isfinite(limit))
        {
            std::snprintf(line, sizeof line, "B_X BR = %.3g; no limit at this mass (a veto window, outside the "
                                             "table's masses or the channel closed): chi2 = %.4g", br, chi2);
            return std::string(line);
        }
        std::snprintf(line, sizeof line, "B_X BR = %.3g, limit %.3g: s = %.3g, chi2 = %.4g (%.3g at the limit): %s",
                      br, limit, br / limit, chi2, d.chi2_at_limit,
                      chi2 > d.chi2_at_limit ? "excluded at its CL" : "allowed");
        return std::string(line);
    };
    for (const auto& d : r.decays)
    {
        s << "  " << d.name << " (" << d.channel << ", " << d.form << ")\n";
        s << "    at the best fit: " << verdict(d, d.br_at_best, d.limit_at_best, d.chi2_at_best) << "\n";
        if (std::isfinite(d.valley_delta))
        {
            std::snprintf(line, sizeof line,
                          "    interference: destructive for eps*delta' %s 0; at the best fit's (m_Zd, eps) the rate is "
                          "smallest at delta = %.3g, where %.3g of its delta' = 0 value is left (the CKM phase: no "
                          "delta cancels it)\n",
                          d.destructive_sign < 0 ? "<" : ">", d.valley_delta, d.floor_fraction);
            s << line;
        }
        s << "    at the paper's best fit (47 MeV, 2.3e-3, 7.9e-4): "
          << verdict(d, d.br_at_paper, d.limit_at_paper, d.chi2_at_paper) << "\n";
    }
    auto ends = [](const double* e)
    {
        char a[48], b[48];
        std::snprintf(a, sizeof a, "%.3g", e[0]);
        std::snprintf(b, sizeof b, "%.3g", e[1]);
        return "[" + (std::isfinite(e[0]) ? std::string(a) : std::string("the delta grid's lower edge (the box)"))
               + ", " + (std::isfinite(e[1]) ? std::string(b) : std::string("the delta grid's upper edge (the box)"))
               + "]";
    };
    if (r.without_scanned)
    {
        std::snprintf(line, sizeof line,
                      "  without the meson decays: chi2_min = %.4g at m_Zd = %.4g MeV, epsilon = %.4g, delta = %.4g\n",
                      r.chi2_min, r.m_zd_mev, r.epsilon, r.delta);
        s << line;
        s << "  delta, Delta chi2 = 1 on the grid profile: " << ends(r.delta_with) << " with them, "
          << ends(r.delta_without) << " without\n";
    }
    else
    {
        s << "  (the fit without them is scanned only in serial runs: rerun without the meson_decay measurements to "
             "compare)\n";
    }
    return s.str();
}

nlohmann::json mesons_json(const ScanFileContents& f)
{
    const MesonReport& r = f.mesons;
    if (!r.present) return nullptr;
    const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
    nlohmann::json each = nlohmann::json::object();
    for (const auto& d : r.decays)
    {
        each[d.name] = {{"channel", d.channel},
                        {"form", d.form},
                        {"br_at_best_fit", d.br_at_best},
                        {"limit_at_best_fit", num(d.limit_at_best)},
                        {"chi2_at_best_fit", d.chi2_at_best},
                        {"chi2_at_limit", num(d.chi2_at_limit)},
                        {"valley_delta", num(d.valley_delta)},
                        {"floor_fraction", num(d.floor_fraction)},
                        {"destructive_for_eps_delta_prime", d.destructive_sign < 0 ? "negative" : d.destructive_sign > 0 ? "positive" : "none"},
                        {"br_at_paper_best_fit", d.br_at_paper},
                        {"limit_at_paper_best_fit", num(d.limit_at_paper)},
                        {"chi2_at_paper_best_fit", d.chi2_at_paper},
                        {"excludes_paper_best_fit", std::isfinite(d.chi2_at_limit) && d.chi2_at_paper > d.chi2_at_limit},
                        {"br_at_best_fit_without", num(d.br_at_best_without)},
                        {"chi2_at_best_fit_without", num(d.chi2_at_best_without)}};
    }
    nlohmann::json without = nullptr;
    if (r.without_scanned)
        without = {{"chi2_min", r.chi2_min}, {"m_zd_mev", r.m_zd_mev}, {"epsilon", r.epsilon}, {"delta", r.delta},
                   {"delta_1sigma", {num(r.delta_without[0]), num(r.delta_without[1])}}};
    return {{"decays", each}, {"delta_1sigma", {num(r.delta_with[0]), num(r.delta_with[1])}}, {"without", without}};
}

/// The direct searches' verdict: the fit without them (its best grid point and Δχ² = 1 grid intervals) and which of
/// them exclude that best fit and how much of its 2-D 1σ region, each at its own CL.
std::string searches_text(const ScanFileContents& f)
{
    const auto& d = f.searches;
    if (!d.present) return "";
    std::ostringstream s;
    char line[512];
    auto range = [&](const double* r, const char* unit)
    {
        std::snprintf(line, sizeof line, "[%s, %s]%s", std::isfinite(r[0]) ? fmt_g(r[0]).c_str() : "grid edge",
                      std::isfinite(r[1]) ? fmt_g(r[1]).c_str() : "grid edge", unit);
        return std::string(line);
    };
    std::snprintf(line, sizeof line,
                  "direct searches (%zu, each at its own CL and likelihood, s = BR eps^2/eps_CL^2: poisson0 chi2 = "
                  "-2 ln(1-CL) s, half_normal/gaussian_rate z^2 s^2; no dof):\n",
                  d.names.size());
    s << line;
    for (std::size_t k = 0; k < d.names.size() && k < d.applies.size(); ++k)
        if (!d.applies[k].empty()) s << "  " << d.names[k] << ": " << d.applies[k] << "\n";
    std::snprintf(line, sizeof line,
                  "  without them: chi2_min = %.4g at m_Zd = %.4g MeV, epsilon = %.4g, delta = %.4g (grid point); "
                  "1 sigma: m_Zd ",
                  d.chi2_min, d.m_zd_mev, d.epsilon, d.delta);
    s << line << range(d.interval_m, " MeV") << ", epsilon " << range(d.interval_eps, "") << "\n";
    std::string excluding;
    for (std::size_t k = 0; k < d.names.size(); ++k)
    {
        if (d.ratio_at_best[k] <= 1) continue;
        std::snprintf(line, sizeof line, "%s%s (BR eps^2/eps_CL^2 = %.3g)", excluding.empty() ? "" : ", ",
                      d.names[k].c_str(), d.ratio_at_best[k]);
        excluding += line;
    }
    s << "  its best fit is " << (excluding.empty() ? "excluded by none of them" : "excluded by " + excluding) << "\n";
    std::snprintf(line, sizeof line, "  its 2-D 1 sigma region (%.0f grid cells): %.0f%% excluded by at least one",
                  d.region_cells, d.region_cells > 0 ? 100 * d.region_excluded / d.region_cells : 0.0);
    s << line;
    for (std::size_t k = 0; k < d.names.size(); ++k)
    {
        if (d.excluded_cells[k] <= 0) continue;
        std::snprintf(line, sizeof line, "; %s %.0f%%", d.names[k].c_str(),
                      d.region_cells > 0 ? 100 * d.excluded_cells[k] / d.region_cells : 0.0);
        s << line;
    }
    s << "\n  with them: the best fit and intervals above";
    const double r_max = search_max_coupling_ratio();
    std::snprintf(line, sizeof line, "; there r = (m_Zd/m_Z)|delta'/epsilon| = %.2g%s\n", d.coupling_ratio_at_best,
                  d.coupling_ratio_at_best <= r_max
                      ? " (<= 0.070: the dark-photon limits apply to this Z_d within 1%)"
                      : " (> 0.070: the delta' couplings and Z_d -> nu nubar change the searches' rates by more than "
                        "1%; the dark-photon limits do not describe the Z_d there)");
    s << line;
    {
        const auto& b = f.refined;
        const ZdBranchingFractions br = zd_branching_fractions(b.m_zd_mev * 1e-3, b.epsilon, b.delta);
        std::snprintf(line, sizeof line,
                      "  the Z_d's decays at the best fit (leptons and neutrinos; a dark photon has no nu nubar): "
                      "e+e- %.4g%%, mu+mu- %.4g%%, nu nubar %.3g%%%s\n",
                      100 * br.ee, 100 * br.mumu, 100 * br.nunu,
                      br.hadrons_open ? " (above 2 m_pi hadrons are open and not included: zdscan has no R ratio)" : "");
        s << line;
    }
    if (std::isfinite(d.coupling_ratio_max_1sigma))
    {
        std::snprintf(line, sizeof line, "  over its 2-D 1 sigma region r reaches %.2g%s\n", d.coupling_ratio_max_1sigma,
                      d.coupling_ratio_max_1sigma <= r_max
                          ? " (<= 0.070: the limits apply throughout)"
                          : " (> 0.070: there the dark-photon limits do not describe the Z_d)");
        s << line;
    }
    return s.str();
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
    for (int k = 0; k < 3; ++k)
    {
        const auto& a = axes[static_cast<std::size_t>(k)];
        ProfileInterval shown = a.interval;
        shown.best = a.centre;
        if (const char* side = edge_of(axis_values(f, k), a.centre))
        {
            // Never "0.01 (+0 -0.01)": a centre on the edge is the box's, not a measured value.
            std::snprintf(line, sizeof line, "%.4g at the grid's %s edge (a bound of the box, not a measurement); "
                          "delta chi2 <= %.4g over [%.3g, %.3g]\n",
                          a.centre, side, level.delta_chi2, a.interval.lower, a.interval.upper);
            s << "  " << a.label << " = " << line;
            continue;
        }
        s << "  " << a.label << " = " << format_interval(shown) << "\n";
    }
    if (const std::string refined = refined_ends_line(f, level); !refined.empty()) s << refined;
    if (f.credible.present)
    {
        const auto& c = f.credible;
        std::snprintf(line, sizeof line,
                      "credible (Bayesian posterior, delta integrated; priors: %s), central 68.27%%:\n"
                      "  m_Zd [MeV] = [%.4g, %.4g] (mode %.4g), epsilon = [%.4g, %.4g] (mode %.4g), delta = [%.4g, "
                      "%.4g] (mode %.4g)\n",
                      c.priors.c_str(), c.interval[0][0], c.interval[0][1], c.mode[0], c.interval[1][0],
                      c.interval[1][1], c.mode[1], c.interval[2][0], c.interval[2][1], c.mode[2]);
        s << line;
        for (int a = 0; a < 3; ++a)
        {
            if (!c.box_sensitive[a]) continue;
            std::snprintf(line, sizeof line,
                          "  %s's credible interval is set by the box: moving an end of the scanned range in by a "
                          "tenth moves it by %.3g%s (grid spacing there %.3g); its edge cells hold %.2g%% and %.2g%% "
                          "of the posterior; the interval states the prior range, not the data\n",
                          axis_names[a], c.box_shift[a], axis_unit(a), c.box_resolution[a], 100 * c.edge_mass[a][0],
                          100 * c.edge_mass[a][1]);
            s << line;
        }
    }
    if (f.toys.present)
    {
        std::snprintf(line, sizeof line,
                      "Feldman-Cousins (zdscan coverage: %.0f toys at each of %.0f cells; regions of (m_Zd, epsilon)):\n",
                      f.toys.toys, f.toys.tested_cells);
        s << line;
        for (const auto& l : f.toys.levels)
        {
            if (!(l.contour_cells > 0 && std::isfinite(l.crit_median) && std::isfinite(l.coverage_median)))
            {
                std::snprintf(line, sizeof line,
                              "  %.4g%% CL: FC region %.0f cells, Wilks %.0f; no tested cell on the Wilks contour\n",
                              100 * l.cl, l.fc_cells, l.wilks_cells);
                s << line;
                continue;
            }
            std::snprintf(line, sizeof line,
                          "  %.4g%% CL: FC region %.0f cells, Wilks %.0f; on the Wilks contour (%.0f cells) the toys' "
                          "critical delta chi2 is %.3g (Wilks %.3g) and the Wilks region covers %.3g (nominal %.4g)\n",
                          100 * l.cl, l.fc_cells, l.wilks_cells, l.contour_cells, l.crit_median, l.wilks,
                          l.coverage_median, l.cl);
            s << line;
        }
        for (const auto& l : f.toys.levels)
        {
            if (!l.has_intervals) continue;
            // An end at NaN is open: the interval reaches the axis's end there ("edge").
            auto end = [](double v)
            {
                char text[32];
                std::snprintf(text, sizeof text, "%.4g", v);
                return std::isnan(v) ? std::string("edge") : std::string(text);
            };
            auto pair = [&](const double (&v)[2]) { return "[" + end(v[0]) + ", " + end(v[1]) + "]"; };
            char cl_text[16];
            std::snprintf(cl_text, sizeof cl_text, "%.4g%%", 100 * l.cl);
            s << "  1-D at " << cl_text << " (one parameter, the others profiled): m_Zd [MeV] FC " << pair(l.fc_interval[0])
              << ", Wilks " << pair(l.wilks_interval[0]) << "; epsilon FC " << pair(l.fc_interval[1]) << ", Wilks "
              << pair(l.wilks_interval[1]) << "\n";
        }
    }
    const FitStatistics st = fit_statistics(f);
    if (st.ndf > 0)
    {
        std::snprintf(line, sizeof line,
                      "goodness of fit: chi2_min = %.4g for %d measurements - %d parameters = %d dof: p = %.3g\n",
                      st.chi2_min, st.n_measurements, st.n_parameters, st.ndf, st.gof_p);
    }
    else
    {
        std::snprintf(line, sizeof line,
                      "goodness of fit: chi2_min = %.4g; %d measurements for %d parameters leave %d dof: no test\n",
                      st.chi2_min, st.n_measurements, st.n_parameters, st.ndf);
    }
    s << line;
    if (st.has_sm)
    {
        if (std::isfinite(st.sm_p) && std::isfinite(st.sm_sigma))
            std::snprintf(line, sizeof line,
                          "SM (epsilon = delta = 0): chi2 = %.4g; delta chi2 = chi2_SM - chi2_min = %.4g for %d dof: "
                          "p = %.3g, %.2f sigma (Wilks; approximate: m_Zd is not defined in the SM)\n",
                          st.sm_chi2, st.delta_chi2, st.n_parameters, st.sm_p, st.sm_sigma);
        else  // a single grid point: no parameter is free, so there is no test against the SM
            std::snprintf(line, sizeof line,
                          "SM (epsilon = delta = 0): chi2 = %.4g; delta chi2 = chi2_SM - chi2_min = %.4g; the grid "
                          "fixes every parameter (0 dof): no test\n",
                          st.sm_chi2, st.delta_chi2);
        s << line << "pulls (x_exp - x_th)/sigma:      best fit        SM\n";
        for (std::size_t i = 0; i < f.measurements.size() && i < f.pull_sm.size(); ++i)
        {
            const bool projected = i < f.projection.size() && f.projection[i];
            const bool search = std::find(f.searches.names.begin(), f.searches.names.end(), f.measurements[i])
                                != f.searches.names.end();
            const bool limit = search || (i < f.counts_dof.size() && !f.counts_dof[i]);  // a meson decay's too
            if (limit && i < f.refined.terms.size() && i < f.sm_terms.size())
                // A limit's "pull" is minus its signal, tiny below the limit: its chi2 term says more.
                std::snprintf(line, sizeof line, "  %-24s %10.3g %10.3g  (%s limit: its chi2 term)\n",
                              f.measurements[i].c_str(), f.refined.terms[i], f.sm_terms[i],
                              search ? "search" : "meson decay");
            else
                std::snprintf(line, sizeof line, "  %-24s %+10.3f %+10.3f%s%s\n", f.measurements[i].c_str(),
                              f.pull_refined[i], f.pull_sm[i], f.enabled[i] ? "" : "  (off: not in chi2)",
                              projected ? "  (projection)" : "");
            s << line;
        }
    }
    else
    {
        s << "SM (epsilon = delta = 0): not in this file (written by zdscan " << f.version
          << "); scan again for chi2_SM, its p-value and the pulls\n";
    }
    if (!f.correlated.empty())
    {
        s << "correlated uncertainties (shared error components and/or the config's correlation matrix; chi2 = "
             "p^T R^-1 p, each term above a whitened pull squared):";
        for (const auto& c : f.correlated)
        {
            std::snprintf(line, sizeof line, " %s-%s rho = %.3g;", c.a.c_str(), c.b.c_str(), c.rho);
            s << line;
        }
        s << "\n";
    }
    s << searches_text(f);
    s << mesons_text(f);
    for (const auto& w : all_warnings(f, axes, level)) s << "warning: " << w << "\n";
    return s.str();
}

namespace
{
nlohmann::json credible_json(const ScanFileContents& f)
{
    const auto& c = f.credible;
    if (!c.present) return nullptr;
    nlohmann::json out = {{"priors", c.priors}, {"level", 0.682689492137086}};
    const char* names[3] = {"m_zd_mev", "epsilon", "delta"};
    for (int a = 0; a < 3; ++a)
    {
        auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
        out[names[a]] = {{"lower", c.interval[a][0]},
                         {"upper", c.interval[a][1]},
                         {"mode", c.mode[a]},
                         {"edge_mass", {number(c.edge_mass[a][0]), number(c.edge_mass[a][1])}},
                         {"box_shift", number(c.box_shift[a])},
                         {"box_resolution", number(c.box_resolution[a])},
                         {"set_by_the_box", c.box_sensitive[a]}};
    }
    return out;
}

nlohmann::json toys_json(const ScanFileContents& f)
{
    if (!f.toys.present) return nullptr;
    nlohmann::json levels = nlohmann::json::array();
    auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    auto interval = [&](const double (&v)[2]) { return nlohmann::json::array({number(v[0]), number(v[1])}); };
    for (const auto& l : f.toys.levels)
        levels.push_back({{"cl", l.cl},
                          {"fc_interval_m_zd_mev", interval(l.fc_interval[0])},
                          {"wilks_interval_m_zd_mev", interval(l.wilks_interval[0])},
                          {"fc_interval_epsilon", interval(l.fc_interval[1])},
                          {"wilks_interval_epsilon", interval(l.wilks_interval[1])},
                          {"wilks_delta_chi2", l.wilks},
                          {"fc_cells", l.fc_cells},
                          {"wilks_cells", l.wilks_cells},
                          {"contour_cells", l.contour_cells},
                          {"contour_crit_median", number(l.crit_median)},
                          {"contour_coverage_median", number(l.coverage_median)},
                          {"coverage_min", number(l.coverage_min)},
                          {"coverage_max", number(l.coverage_max)}});
    return {{"toys", f.toys.toys}, {"tested_cells", f.toys.tested_cells}, {"levels", levels}};
}

nlohmann::json correlations_json(const ScanFileContents& f)
{
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : f.correlated) out.push_back({{"a", c.a}, {"b", c.b}, {"rho", c.rho}});
    return out;
}

/// The Z_d's own decays at the refined best fit (search_limit.hpp: leptons and neutrinos; hadrons not included).
nlohmann::json zd_decays_json(const ScanFileContents& f)
{
    const auto& b = f.refined;
    const ZdBranchingFractions br = zd_branching_fractions(b.m_zd_mev * 1e-3, b.epsilon, b.delta);
    return {{"ee", br.ee}, {"mumu", br.mumu}, {"nunu", br.nunu}, {"hadrons_open_not_included", br.hadrons_open}};
}

nlohmann::json searches_json(const ScanFileContents& f)
{
    const auto& d = f.searches;
    if (!d.present) return nullptr;
    const auto number_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
    nlohmann::json each = nlohmann::json::object();
    for (std::size_t k = 0; k < d.names.size(); ++k)
        each[d.names[k]] = {{"ratio_at_best_fit_without", d.ratio_at_best[k]},
                            {"excludes_best_fit_without", d.ratio_at_best[k] > 1},
                            {"excluded_cells_of_region_without", d.excluded_cells[k]}};
    return {{"without", {{"chi2_min", d.chi2_min},
                         {"m_zd_mev", d.m_zd_mev},
                         {"epsilon", d.epsilon},
                         {"delta", d.delta},
                         {"m_zd_mev_1sigma", {number_or_null(d.interval_m[0]), number_or_null(d.interval_m[1])}},
                         {"epsilon_1sigma", {number_or_null(d.interval_eps[0]), number_or_null(d.interval_eps[1])}},
                         {"region_cells", d.region_cells},
                         {"region_excluded_cells", d.region_excluded}}},
            {"coupling_ratio_at_best_fit", d.coupling_ratio_at_best},
            {"coupling_ratio_max_1sigma", number_or_null(d.coupling_ratio_max_1sigma)},
            {"coupling_ratio_max_for_1_percent", search_max_coupling_ratio()},
            {"limits_apply_at_best_fit", d.coupling_ratio_at_best <= search_max_coupling_ratio()},
            {"limits_apply_in_1sigma_region", std::isfinite(d.coupling_ratio_max_1sigma)
                                                  ? nlohmann::json(d.coupling_ratio_max_1sigma <= search_max_coupling_ratio())
                                                  : nlohmann::json()},
            {"zd_branching_fractions_at_best_fit", zd_decays_json(f)},
            {"best_fit_in_veto_gap_of", d.veto_gap_at_best},
            {"searches", each}};
}
}  // namespace

nlohmann::json summary_json(const ScanFileContents& f, const SummaryLevel& level)
{
    const auto number_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
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
                             // an end another axis's box sets (open): that edge, else null
                             {"lower_set_by_box", i.lower_set_by.empty() ? nlohmann::json() : nlohmann::json(i.lower_set_by)},
                             {"upper_set_by_box", i.upper_set_by.empty() ? nlohmann::json() : nlohmann::json(i.upper_set_by)},
                             {"disjoint", i.disjoint},
                             {"grid_points_inside", i.points_inside}};
    }
    if (refined_ends_apply(f, level))  // Δχ² = 1: the ends refined between grid points (null: open at the edge)
    {
        intervals["m_zd_mev"]["refined"] = {{"lower", number_or_null(f.refined_interval[0][0])},
                                            {"upper", number_or_null(f.refined_interval[0][1])}};
        intervals["epsilon"]["refined"] = {{"lower", number_or_null(f.refined_interval[1][0])},
                                           {"upper", number_or_null(f.refined_interval[1][1])}};
    }
    nlohmann::json measurements = nlohmann::json::array();
    for (std::size_t i = 0; i < f.measurements.size(); ++i)
        measurements.push_back({{"name", f.measurements[i]},
                                {"enabled", static_cast<bool>(f.enabled[i])},
                                {"projection", i < f.projection.size() && f.projection[i]}});
    const FitStatistics st = fit_statistics(f);
    const nlohmann::json gof = {{"chi2_min", st.chi2_min},         {"n_measurements", st.n_measurements},
                                {"n_parameters", st.n_parameters}, {"ndf", st.ndf},
                                {"p_value", number_or_null(st.gof_p)}};
    nlohmann::json sm = nullptr;
    nlohmann::json pulls = nullptr;
    if (st.has_sm)
    {
        sm = {{"chi2", st.sm_chi2},
              {"delta_chi2", st.delta_chi2},
              {"dof", st.n_parameters},
              {"p_value", number_or_null(st.sm_p)},
              {"significance_sigma", number_or_null(st.sm_sigma)},
              {"terms", nlohmann::json::object()}};
        pulls = nlohmann::json::object();
        for (std::size_t i = 0; i < f.measurements.size() && i < f.pull_sm.size(); ++i)
        {
            sm["terms"][f.measurements[i]] = f.sm_terms[i];
            pulls[f.measurements[i]] = {{"best_fit", f.pull_refined[i]}, {"sm", f.pull_sm[i]}};
        }
    }
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
            {"goodness_of_fit", gof},
            {"sm", sm},
            {"pulls", pulls},
            {"searches", searches_json(f)},
            {"meson_decays", mesons_json(f)},
            {"correlations", correlations_json(f)},
            {"credible", credible_json(f)},
            {"feldman_cousins", toys_json(f)},
            {"warnings", all_warnings(f, axes, level)}};
}
}  // namespace zdscan
