/// \file apv_reanalysis_config.cc
/// The config's `apv_reanalysis` block (docs/config.md): every input of seed eqs. (16)–(23) as
/// {"value", "sigma", "source"}, validated and named on error. Keys left out take the paper's values from the
/// embedded default config, the one place where they are written down.
#include <cmath>

#include "json_reader.hpp"
#include "zdscan/io/config.hpp"

namespace zdscan
{
namespace
{
using detail::fmt;
using detail::ObjectReader;
using nlohmann::json;

/// Allowed range of one input's value, with what it is.
struct Range
{
    double lo, hi;
    const char* what;
};

MeasuredInput read_measured(const json& j, const std::string& path, const Range& range)
{
    ObjectReader r(j, path, {"value", "sigma", "source"});
    MeasuredInput m;
    m.value = r.number("value");
    m.sigma = r.number("sigma", 0.0);
    m.source = r.string("source", "");
    if (!(m.value >= range.lo && m.value <= range.hi))
    {
        ObjectReader::fail(r.field("value"), "must lie in [" + fmt(range.lo) + ", " + fmt(range.hi) + "] (" + range.what
                                                 + "; got " + fmt(m.value) + ")");
    }
    if (!(m.sigma >= 0) || m.sigma > 10 * std::max(std::fabs(m.value), 1.0))
    {
        ObjectReader::fail(r.field("sigma"),
                           "must be >= 0 and at most 10 x max(|value|, 1) (got " + fmt(m.sigma) + ")");
    }
    return m;
}

struct MeasuredKey
{
    const char* key;
    MeasuredInput ApvReanalysisInputs::*member;
    Range range;
};
// Signs follow the paper: Q_W(Cs) < 0, so (Im E_PNC/β)_exp < 0 with the amplitude quoted per (Q_W/N) > 0.
const MeasuredKey measured_keys[] = {
    {"im_epnc_over_beta_exp", &ApvReanalysisInputs::im_epnc_over_beta_exp, {-100, -1e-3, "1e-13 |e|/a_B^2, negative"}},
    {"beta_ab3", &ApvReanalysisInputs::beta_ab3, {1, 1000, "a_B^3"}},
    {"im_epnc_wns_th", &ApvReanalysisInputs::im_epnc_wns_th, {1e-3, 100, "1e-11 |e| a_B Q_W/N, positive"}},
    {"qw_sm", &ApvReanalysisInputs::qw_sm, {-200, -1, "the SM weak charge of 133Cs, negative"}},
    {"r_p_fm", &ApvReanalysisInputs::r_p_fm, {0.5, 10, "fm"}},
    {"nucleon_radius_fm", &ApvReanalysisInputs::nucleon_radius_fm, {0, 2, "fm"}},
    {"pb208_skin_point_fm", &ApvReanalysisInputs::pb208_skin_point_fm, {-1, 1, "fm"}},
    {"skin_slope", &ApvReanalysisInputs::skin_slope, {0, 5, "dimensionless"}},
    {"skin_intercept_fm", &ApvReanalysisInputs::skin_intercept_fm, {-1, 1, "fm"}},
    {"hadronic_offset_fm", &ApvReanalysisInputs::hadronic_offset_fm, {-1, 1, "fm"}},
    {"hadronic_slope_fm", &ApvReanalysisInputs::hadronic_slope_fm, {-10, 10, "fm"}},
    {"direct_r_n_point_fm", &ApvReanalysisInputs::direct_r_n_point_fm, {0.5, 10, "fm"}},
    {"published_qw_sahoo2021", &ApvReanalysisInputs::published_qw_sahoo2021, {-200, -1, "a published Q_W(133Cs)"}},
};

json measured_json(const MeasuredInput& m)
{
    json j = {{"value", m.value}, {"sigma", m.sigma}};
    if (!m.source.empty()) j["source"] = m.source;
    return j;
}

json derived_json(const DerivedValue& v, const char* unit, const char* equation)
{
    return {{"value", v.value}, {"sigma", v.sigma}, {"unit", unit}, {"equation", equation}};
}
}  // namespace

ApvReanalysisInputs read_apv_reanalysis(const json& block, const std::string& path, const ApvReanalysisInputs& base)
{
    ApvReanalysisInputs in = base;
    ObjectReader r(block, path,
                   {"im_epnc_over_beta_exp", "beta_ab3", "im_epnc_wns_th", "qw_sm", "r_p_fm", "nucleon_radius_fm",
                    "skin_source", "pb208_skin_point_fm", "skin_slope", "skin_intercept_fm", "hadronic_offset_fm",
                    "hadronic_slope_fm", "direct_r_n_point_fm", "density", "fermi_diffuseness_fm",
                    "published_qw_sahoo2021"});
    for (const MeasuredKey& k : measured_keys)
    {
        if (r.has(k.key)) in.*k.member = read_measured(r.get(k.key), r.field(k.key), k.range);
    }
    if (r.has("skin_source"))
    {
        const std::string s = r.string("skin_source", "");
        if (s == "prex")
            in.skin_source = ApvReanalysisInputs::SkinSource::prex;
        else if (s == "hadronic")
            in.skin_source = ApvReanalysisInputs::SkinSource::hadronic;
        else if (s == "direct")
            in.skin_source = ApvReanalysisInputs::SkinSource::direct;
        else
            ObjectReader::fail(r.field("skin_source"),
                               "must be \"prex\", \"hadronic\" or \"direct\" (got \"" + s + "\")");
    }
    if (r.has("density"))
    {
        const std::string s = r.string("density", "");
        if (s == "uniform")
            in.density = NuclearDensity::Shape::uniform;
        else if (s == "fermi")
            in.density = NuclearDensity::Shape::fermi;
        else
            ObjectReader::fail(r.field("density"), "must be \"uniform\" or \"fermi\" (got \"" + s + "\")");
    }
    if (r.has("fermi_diffuseness_fm"))
    {
        in.fermi_diffuseness_fm = r.in_range("fermi_diffuseness_fm", 0.52, 0.05, 2, "fm");
    }
    if (!(in.r_p_fm.value > in.nucleon_radius_fm.value))
    {
        ObjectReader::fail(r.field("r_p_fm"), "must exceed nucleon_radius_fm (" + fmt(in.nucleon_radius_fm.value)
                                                  + " fm): the point-proton radius sqrt(R_p^2 - r_N^2) must be real");
    }
    if (in.density == NuclearDensity::Shape::fermi)
    {
        try
        {
            make_nuclear_density(in.density, in.r_p_fm.value, in.fermi_diffuseness_fm);
        }
        catch (const std::invalid_argument& e)
        {
            ObjectReader::fail(r.field("fermi_diffuseness_fm"), e.what());
        }
    }
    return in;
}

ApvReanalysisInputs paper_apv_reanalysis_inputs()
{
    static const ApvReanalysisInputs paper = []
    {
        const json embedded = json::parse(default_config_json());
        return read_apv_reanalysis(embedded.at("apv_reanalysis"), "apv_reanalysis", ApvReanalysisInputs{});
    }();
    return paper;
}

json to_json(const ApvReanalysisInputs& in)
{
    json j;
    for (const MeasuredKey& k : measured_keys)
    {
        j[k.key] = measured_json(in.*k.member);
    }
    j["skin_source"] = to_string(in.skin_source);
    j["density"] = to_string(in.density);
    j["fermi_diffuseness_fm"] = in.fermi_diffuseness_fm;
    return j;
}

json to_json(const ApvReanalysis& r)
{
    json budget = json::array();
    double total = 0;
    for (const auto& b : r.budget)
    {
        budget.push_back({{"input", b.input}, {"what", b.what}, {"sigma_qw", b.sigma_qw}});
        total += b.sigma_qw * b.sigma_qw;
    }
    return {{"hadronic_skin_cs_fm", derived_json(r.hadronic_skin_cs_fm, "fm", "16")},
            {"hadronic_skin_pb_fm", derived_json(r.hadronic_skin_pb_fm, "fm", "16")},
            {"skin_point_cs_fm", derived_json(r.skin_point_cs_fm, "fm", "18")},
            {"r_p_point_fm", derived_json(r.r_p_point_fm, "fm", "footnote 3")},
            {"r_n_point_fm", derived_json(r.r_n_point_fm, "fm", "footnote 3")},
            {"r_n_fm", derived_json(r.r_n_fm, "fm", "19")},
            {"qw_without_skin", derived_json(r.qw_without_skin, "1", "20")},
            {"q_p", derived_json(r.q_p, "1", "22")},
            {"q_n", derived_json(r.q_n, "1", "22")},
            {"skin_factor", derived_json(r.skin_factor, "1", "21: 1 - q_n/q_p")},
            {"delta_e_over_e", derived_json(r.delta_e_over_e, "1", "21")},
            {"qw", derived_json(r.qw, "1", "23")},
            {"budget", budget},
            {"sigma_qw_quadrature", std::sqrt(total)}};
}
}  // namespace zdscan
