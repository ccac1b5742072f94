/// \file measurement_config.cc
#include "measurement_config.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "json_reader.hpp"
#include "search_limit_file.hpp"
#include "zdscan/io/config.hpp"
#include "zdscan/io/input_file.hpp"

#include <sys/stat.h>

namespace zdscan::detail
{
namespace
{
using nlohmann::json;

/// Input ranges that keep χ² finite everywhere (docs/config.md, "Ranges").
constexpr double max_observable_magnitude = 1e6;
constexpr double min_sigma = 1e-30;
constexpr double min_relative_sigma = 1e-15;
constexpr double min_r_rms_fm = 0.5, max_r_rms_fm = 10;
constexpr double max_q2_gev2 = 1e4, max_q_mev = 1e6;
constexpr std::size_t max_name_length = 32;
/// The second measurement of a poisson0 meson_decay: the part of the rate that no δ′ cancels (chi2.hpp).
constexpr const char* meson_companion_suffix = "_phase";

const char* common_keys[] = {"name",    "kind",       "exp",    "exp_sigma", "sm", "sm_sigma",
                             "errors",  "enabled",    "projection", "source", "label"};

bool is_cs133(int z, int n)
{
    return z == constants::cs133_z && n == constants::cs133_n;
}

void check_name(const std::string& name, const std::string& field);

/// What every measurement takes besides its values: enabled, source and its figures' label.
void read_listing_fields(ObjectReader& r, MeasurementInput& m)
{
    m.enabled = r.boolean("enabled", true);
    m.source = r.string("source", "");
    m.label = r.string("label", "");
    if (m.label.size() > 200) ObjectReader::fail(r.field("label"), "at most 200 characters (a figure's label)");
}

/// A limit (search_limit, a meson_decay limit) has no exp/sm values: its pull is (0 − a·s)/1 with a from its CL
/// (here) and likelihood form (read_likelihood; search_limit.hpp).
void read_limit_form(ObjectReader& r, MeasurementInput& m)
{
    m.exp = 0;
    m.exp_sigma = 1;
    m.sm = 0;
    m.sm_sigma = 0;
    m.cl_percent = r.in_range("cl", m.cl_percent, 50.000001, 99.999999, "percent (a one-sided confidence level)");
}

/// How a limit enters χ²: poisson0 (default), half_normal or gaussian_rate (docs/searches.md).
void read_likelihood(ObjectReader& r, MeasurementInput& m)
{
    const std::string likelihood = r.string("likelihood", to_string(m.likelihood));
    if (!parse_search_likelihood(likelihood, m.likelihood))
        ObjectReader::fail(r.field("likelihood"), "must be \"poisson0\", \"half_normal\" or \"gaussian_rate\" (got \""
                                                      + excerpt(likelihood) + "\"; docs/searches.md)");
}

/// exp, exp_sigma (or "reanalysis"), sm, sm_sigma, errors, enabled, source, with the ranges that keep χ² finite.
void read_values(ObjectReader& r, MeasurementInput& m, const MeasurementContext& context)
{
    if (r.get("exp").is_string())
    {
        const std::string text = r.get("exp").get<std::string>();
        if (text != "reanalysis")
        {
            ObjectReader::fail(r.field("exp"), "must be a number or \"reanalysis\" (got \"" + text + "\")");
        }
        if (m.kind != MeasurementKind::apv || !is_cs133(m.z, m.n))
        {
            ObjectReader::fail(r.field("exp"), "only an apv measurement of 133Cs (z 55, n 78) can take \"reanalysis\" "
                                               "(the Q_W(Cs) reanalysis, config block apv_reanalysis)");
        }
        if (r.has("exp_sigma"))
        {
            ObjectReader::fail(r.field("exp_sigma"),
                               "comes from the reanalysis with \"exp\": \"reanalysis\"; remove it");
        }
        const ApvReanalysis& result = context.reanalysis();
        m.exp = result.qw.value;
        m.exp_sigma = result.qw.sigma;
        m.exp_from_reanalysis = true;
    }
    else
    {
        m.exp = r.number("exp");
        m.exp_sigma = r.has("errors") && !r.has("exp_sigma") ? 0.0 : r.non_negative("exp_sigma");
    }
    m.sm = r.number("sm");
    m.sm_sigma = r.has("errors") && !r.has("sm_sigma") ? 0.0 : r.non_negative("sm_sigma");
    if (r.has("errors"))  // named components; the same name in two measurements: fully correlated
    {
        const json& e = r.get("errors");
        if (!e.is_object() || e.empty())
        {
            ObjectReader::fail(r.field("errors"), "must be an object of named uncertainties, e.g. {\"exp\": 0.0045, "
                                                  "\"sm_theory\": 0.0002}");
        }
        for (const auto& [name, value] : e.items())
        {
            const std::string field = r.field("errors") + "." + name;
            check_name(name, field);
            if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0)
            {
                ObjectReader::fail(field, "must be a number >= 0 (got " + value.dump() + ")");
            }
            m.errors.emplace_back(name, value.get<double>());
        }
    }
    read_listing_fields(r, m);
    m.projection = r.boolean("projection", false);
    if (!(total_sigma(m) > 0))
    {
        ObjectReader::fail(r.field("exp_sigma"), "exp_sigma and sm_sigma are both 0 and no errors are given (χ² needs σ > 0)");
    }
    // Sane ranges keep every pull (X^exp − X^th)/σ and its square finite (the largest observable is a nuclear weak
    // charge, |Q_W| ~ 10²; the most precise measurement is a_e, σ/a ~ 2e-10).
    for (const auto& [key, value] :
         {std::pair{"exp", m.exp}, {"sm", m.sm}, {"exp_sigma", m.exp_sigma}, {"sm_sigma", m.sm_sigma}})
    {
        if (std::fabs(value) > max_observable_magnitude)
        {
            ObjectReader::fail(r.field(key), "|value| must be at most " + fmt(max_observable_magnitude) + " (got "
                                                 + fmt(value) + ")");
        }
    }
    for (const auto& e : m.errors)
    {
        if (e.second > max_observable_magnitude)
        {
            ObjectReader::fail(r.field("errors") + "." + e.first, "must be at most " + fmt(max_observable_magnitude));
        }
    }
    const double sigma = total_sigma(m);
    const double scale = std::max(std::fabs(m.exp), std::fabs(m.sm));
    if (sigma < min_sigma || sigma < min_relative_sigma * scale)
    {
        ObjectReader::fail(r.field("exp_sigma"), "exp_sigma ⊕ sm_sigma = " + fmt(sigma)
                                                     + " is implausibly small (χ² stays finite only for σ ≥ 1e-30 and "
                                                       "σ ≥ 1e-15 × max(|exp|, |sm|))");
    }
}

int nucleon_count(ObjectReader& r, const char* key, int max)
{
    const json& v = r.get(key);
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > max)
    {
        ObjectReader::fail(r.field(key),
                           "must be an integer between 1 and " + std::to_string(max) + " (got " + v.dump() + ")");
    }
    return static_cast<int>(v.get<long long>());
}

/// The kind-specific fields, read after the kind (so that the allowed keys are known).
void read_kind_fields(ObjectReader& r, MeasurementInput& m, const MeasurementContext& context)
{
    switch (m.kind)
    {
        case MeasurementKind::pves_proton:
        case MeasurementKind::pves_electron:
            m.q2_gev2 = r.in_range("q2_gev2", r.number("q2_gev2"), 1e-12, max_q2_gev2, "GeV^2");
            break;
        case MeasurementKind::apv:
        {
            m.z = nucleon_count(r, "z", 137);  // Zα < 1 for the Dirac solution
            m.n = nucleon_count(r, "n", 300);
            m.q_mev = r.in_range("q_mev", m.q_mev, 1e-6, max_q_mev, "MeV");
            const bool cs = is_cs133(m.z, m.n);
            for (const char* key : {"box_ep", "box_en"})
            {
                if (!cs && !r.has(key))
                {
                    ObjectReader::fail(r.field(key), "required for nuclei other than 133Cs (eq. 26 gives Cs's)");
                }
            }
            m.box_ep = r.in_range("box_ep", m.box_ep, -0.1, 0.1, "a correction to g_AV^ep");
            m.box_en = r.in_range("box_en", m.box_en, -0.1, 0.1, "a correction to g_AV^en");
            if (r.has("k"))
            {
                m.k = read_k_model(r.get("k"), r.field("k"), m.z);
            }
            else if (cs)
            {
                m.k = context.default_k;
                m.k.z = m.z;
            }
            else
            {
                ObjectReader::fail(r.field("k"), "required for nuclei other than 133Cs (e.g. {\"model\": \"dirac\", "
                                                 "\"r_rms_fm\": 5.5})");
            }
            break;
        }
        case MeasurementKind::lepton_g2:
        {
            const std::string lepton = r.string("lepton", "");
            if (lepton == "e")
                m.m_lepton_gev = constants::m_e_gev;
            else if (lepton == "mu")
                m.m_lepton_gev = constants::m_mu_gev;
            else
                ObjectReader::fail(r.field("lepton"), "must be \"e\" or \"mu\" (got \"" + lepton + "\")");
            break;
        }
        case MeasurementKind::search_limit:  // read_search_fields
        case MeasurementKind::meson_decay: break;  // read_meson_fields
    }
}

/// A beam dump's band with BR < 1 is not a rescaled band: below it the yield goes as BR ε⁴ (production × decay
/// in the volume) and its upper edge is set by the decay length, ∝ BR/Γ_vis; recasting it needs the lifetime, as
/// DarkCast does. Until zdscan does that it refuses the combination rather than scale one edge.
void check_band_branching_fraction(const MeasurementInput& m, ObjectReader& r)
{
    if (m.table.band() && m.branching_fraction < 1)
        ObjectReader::fail(r.field("branching_fraction"),
                           "an excluded band (a beam dump) is recast through the Z_d's lifetime, not by scaling its "
                           "edges; zdscan does not do that yet, so a band takes branching_fraction 1 (docs/searches.md)");
}

/// A limit's table, inline ("table": how a result's config keeps it, so it needs no file to be read again) or from
/// "file" (resolved against limits_dir; a missing file is listed in context.missing_files, and all are reported
/// together). band_allowed: whether the table may have an upper edge (a beam dump's excluded band).
void read_limit_source(ObjectReader& r, MeasurementInput& m, const MeasurementContext& context, bool band_allowed)
{
    if (r.has("table"))
    {
        ObjectReader t(r.get("table"), r.field("table"), {"mass_gev", "lower", "upper"});
        if (!band_allowed && t.has("upper"))
            ObjectReader::fail(t.field("upper"), "a branching-ratio limit is one-sided: give mass_gev and lower only");
        auto column = [&](const char* key)
        {
            const auto& v = t.get(key);
            if (!v.is_array() || v.empty()) ObjectReader::fail(t.field(key), "must be a non-empty list of numbers");
            std::vector<double> out;
            for (const auto& x : v)
            {
                if (!x.is_number()) ObjectReader::fail(t.field(key), "must be a list of numbers");
                out.push_back(x.get<double>());
            }
            return out;
        };
        auto mass = column("mass_gev"), lower = column("lower");
        std::vector<double> upper = t.has("upper") ? column("upper") : std::vector<double>{};
        if (lower.size() != mass.size() || (!upper.empty() && upper.size() != mass.size()))
        {
            ObjectReader::fail(t.field("lower"), "mass_gev, lower (and upper) must have the same length");
        }
        std::vector<std::string> rows;
        for (std::size_t i = 0; i < mass.size(); ++i) rows.push_back(t.field("mass_gev") + "[" + std::to_string(i) + "]");
        m.table = make_search_limit_table(mass, lower, upper, r.field("table"), rows);
        m.file = r.string("file", "");
        return;
    }
    if (!r.has("file")) ObjectReader::fail(r.field("file"), "required field is missing (a .lmt, .csv or HEPData .yaml limit file)");
    m.file = r.string("file", "");
    if (m.file.empty()) ObjectReader::fail(r.field("file"), "must name a limit file");
    const std::string path = m.file[0] == '/' || context.limits_dir.empty() ? m.file : context.limits_dir + "/" + m.file;
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT && context.missing_files)
    {
        context.missing_files->push_back(path);  // all of them are listed together
        return;
    }
    m.table = read_search_limit_file(path, r.field("file"),
                                     band_allowed ? LimitQuantity::coupling : LimitQuantity::branching_ratio);
    if (!band_allowed && m.table.band())
        ObjectReader::fail(r.field("file"), "has an upper edge (an excluded band); a branching-ratio limit is one-sided");
    // The table travels inline in the result's config; the file's name is provenance, and provenance keeps no
    // absolute paths (they name a user's directories): only the name of an absolute path is kept.
    if (m.file[0] == '/') m.file = m.file.substr(m.file.find_last_of('/') + 1);
}

/// search_limit: the limit (file or inline table) and how it applies; it has no exp/sm values.
void read_search_fields(ObjectReader& r, MeasurementInput& m, const MeasurementContext& context)
{
    read_listing_fields(r, m);
    read_limit_form(r, m);
    m.decay = r.string("decay", m.decay);
    if (m.decay != "visible" && m.decay != "invisible")
    {
        ObjectReader::fail(r.field("decay"), "must be \"visible\" or \"invisible\" (got \"" + m.decay + "\")");
    }
    m.branching_fraction = r.in_range("branching_fraction", m.branching_fraction, 1e-6, 1, "BR(Z_d -> what the search sees)");
    read_likelihood(r, m);
    m.valid_below_gev = r.in_range("valid_below_gev", m.valid_below_gev, 0, 1e3, "GeV");
    read_limit_source(r, m, context, true);
    if (!m.table.mass_gev.empty()) check_band_branching_fraction(m, r);
}

/// meson_decay: the channel and a limit on BR(m) × B_X (file or table, cl, likelihood) or a measured BR beyond the
/// SM (exp ± exp_sigma ⊕ sm_sigma); docs/searches.md, "Rare meson decays".
void read_meson_fields(ObjectReader& r, MeasurementInput& m, const MeasurementContext& context)
{
    read_listing_fields(r, m);
    const std::string channel = r.string("channel", "");
    if (!r.has("channel")) ObjectReader::fail(r.field("channel"), "required field is missing (\"K+ -> pi+\" or \"B+ -> K+\")");
    if (!parse_meson_channel(channel, m.channel))
        ObjectReader::fail(r.field("channel"), "must be \"K+ -> pi+\" or \"B+ -> K+\" (got \"" + excerpt(channel) + "\")");
    m.branching_fraction =
        r.in_range("branching_fraction", 1.0, 1e-6, 1, "B_X, the Z_d's branching fraction into what the search sees");
    m.valid_below_gev = r.in_range("valid_below_gev", 1e3, 0, 1e3, "GeV");
    if (r.has("veto_gev"))
    {
        const json& v = r.get("veto_gev");
        if (!v.is_array()) ObjectReader::fail(r.field("veto_gev"), "must be a list of [low, high] mass windows in GeV");
        for (std::size_t i = 0; i < v.size(); ++i)
        {
            const std::string at = r.field("veto_gev") + "[" + std::to_string(i) + "]";
            if (!v[i].is_array() || v[i].size() != 2 || !v[i][0].is_number() || !v[i][1].is_number())
                ObjectReader::fail(at, "must be [low, high] in GeV");
            const double lo = v[i][0].get<double>(), hi = v[i][1].get<double>();
            if (!(lo >= 0 && hi > lo && hi <= 1e3)) ObjectReader::fail(at, "needs 0 <= low < high <= 1000 GeV");
            m.veto_gev.emplace_back(lo, hi);
        }
    }
    if (r.has("exp"))  // a measured BR beyond the SM, e.g. K+ -> pi+ nu nu minus its SM prediction
    {
        for (const char* key : {"file", "table", "cl", "likelihood", "br_unit"})
            if (r.has(key)) ObjectReader::fail(r.field(key), "a measured BR (exp) takes no limit; give one or the other");
        m.measured_rate = true;
        m.meson_part = 2;
        m.exp = r.in_range("exp", r.number("exp"), -1, 1, "a branching ratio beyond the SM");
        m.exp_sigma = r.in_range("exp_sigma", r.number("exp_sigma"), 1e-30, 1, "its uncertainty");
        m.sm_sigma = r.in_range("sm_sigma", 0.0, 0, 1, "the SM prediction's uncertainty");
        m.sm = 0;
        return;
    }
    if (r.has("exp_sigma") || r.has("sm_sigma"))
        ObjectReader::fail(r.field(r.has("exp_sigma") ? "exp_sigma" : "sm_sigma"), "belongs to a measured BR (exp)");
    read_limit_form(r, m);
    read_likelihood(r, m);
    m.meson_part = m.likelihood == SearchLikelihood::poisson0 ? 0 : 2;
    // HEPData tables often give a BR in units of 10^-n (a header "BR x 10^11"): br_unit is what 1 in the table means.
    const double unit = r.in_range("br_unit", 1.0, 1e-20, 1, "what a value of 1 in the table means (e.g. 1e-11)");
    read_limit_source(r, m, context, false);
    for (std::size_t i = 0; i < m.table.lower.size(); ++i)
    {
        m.table.lower[i] *= unit;
        if (!(m.table.lower[i] <= 1))
            ObjectReader::fail(r.field(r.has("table") ? "table" : "file"),
                               "row " + std::to_string(i + 1) + " gives a branching-ratio limit above 1 ("
                                   + std::to_string(m.table.lower[i]) + "): if the table gives it in units of 10^-n, "
                                   "set br_unit (e.g. 1e-11)");
    }
}

MeasurementKind parse_kind(ObjectReader& r)
{
    const std::string kind = r.string("kind", "");
    if (!r.has("kind")) ObjectReader::fail(r.field("kind"), "required field is missing");
    if (kind == "pves_proton") return MeasurementKind::pves_proton;
    if (kind == "pves_electron") return MeasurementKind::pves_electron;
    if (kind == "apv") return MeasurementKind::apv;
    if (kind == "lepton_g2") return MeasurementKind::lepton_g2;
    if (kind == "search_limit") return MeasurementKind::search_limit;
    if (kind == "meson_decay") return MeasurementKind::meson_decay;
    ObjectReader::fail(r.field("kind"), "must be pves_proton, pves_electron, apv, lepton_g2, search_limit or "
                                        "meson_decay (got \"" + kind + "\")");
}

std::vector<const char*> allowed_keys(MeasurementKind kind)
{
    if (kind == MeasurementKind::search_limit)
    {
        return {"name", "kind", "enabled", "source", "file", "table", "cl", "decay", "branching_fraction",
                "valid_below_gev", "likelihood", "label"};
    }
    if (kind == MeasurementKind::meson_decay)
    {
        return {"name", "kind", "enabled", "source", "label", "channel", "file", "table", "cl", "likelihood",
                "branching_fraction", "valid_below_gev", "veto_gev", "exp", "exp_sigma", "sm_sigma", "br_unit"};
    }
    std::vector<const char*> keys(std::begin(common_keys), std::end(common_keys));
    switch (kind)
    {
        case MeasurementKind::pves_proton:
        case MeasurementKind::pves_electron: keys.push_back("q2_gev2"); break;
        case MeasurementKind::apv:
            for (const char* k : {"z", "n", "q_mev", "k", "box_ep", "box_en"}) keys.push_back(k);
            break;
        case MeasurementKind::lepton_g2: keys.push_back("lepton"); break;
        case MeasurementKind::search_limit:
        case MeasurementKind::meson_decay: break;
    }
    return keys;
}

void check_name(const std::string& name, const std::string& field)
{
    const bool ok = !name.empty() && name.size() <= max_name_length && std::isalpha(static_cast<unsigned char>(name[0]))
                    && std::all_of(name.begin(), name.end(),
                                   [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
    if (!ok)
    {
        ObjectReader::fail(field, "must start with a letter and hold only letters, digits and _ (at most 32; it names "
                                  "HDF5 datasets: /profile/chi2_<name>); got \""
                                      + name + "\"");
    }
    if (name == "total")
    {
        ObjectReader::fail(field, "\"total\" is reserved (/profile/chi2_total is the sum)");
    }
}

void check_common(const std::vector<MeasurementInput>& list, const std::string& path)
{
    if (list.size() > static_cast<std::size_t>(max_measurements))
    {
        ObjectReader::fail(path, "at most " + std::to_string(max_measurements) + " measurements per scan (got "
                                     + std::to_string(list.size()) + "; a poisson0 meson_decay counts twice)");
    }
    if (list.empty())
    {
        ObjectReader::fail(path, "needs at least one measurement");
    }
    if (std::none_of(list.begin(), list.end(), [](const MeasurementInput& m) { return m.enabled; }))
    {
        ObjectReader::fail(path, "every measurement is disabled; enable at least one (a scan of nothing has no "
                                 "minimum)");
    }
}
}  // namespace

ApvKModel read_k_model(const json& j, const std::string& path, int z)
{
    ObjectReader r(j, path, {"model", "r_rms_fm", "m_mev", "k"});
    ApvKModel k;
    k.z = z;
    const std::string kind = r.string("model", "dirac");
    if (kind == "dirac")
    {
        r.allow({"model", "r_rms_fm"});
        k.kind = ApvKModel::Kind::dirac;
        k.r_rms_fm = r.in_range("r_rms_fm", k.r_rms_fm, min_r_rms_fm, max_r_rms_fm, "fm (a nuclear charge radius)");
    }
    else if (kind == "contact")
    {
        r.allow({"model"});
        k.kind = ApvKModel::Kind::contact;
    }
    else if (kind == "table")
    {
        r.allow({"model", "m_mev", "k"});
        k.kind = ApvKModel::Kind::table;
        k.m_mev = r.numbers("m_mev");
        k.k = r.numbers("k");
        if (k.m_mev.size() != k.k.size() || k.m_mev.size() < 2)
        {
            ObjectReader::fail(r.field("k"), "needs as many entries as m_mev, and at least 2");
        }
        for (std::size_t i = 0; i < k.m_mev.size(); ++i)
        {
            if (!(k.m_mev[i] > 0) || (i > 0 && !(k.m_mev[i] > k.m_mev[i - 1])))
            {
                ObjectReader::fail(r.field("m_mev") + "[" + std::to_string(i) + "]",
                                   "masses must be positive and strictly increasing");
            }
            if (!(k.k[i] >= 0 && k.k[i] <= 1.5))
            {
                ObjectReader::fail(r.field("k") + "[" + std::to_string(i) + "]", "K must lie in [0, 1.5]");
            }
        }
    }
    else
    {
        ObjectReader::fail(r.field("model"), "must be \"dirac\", \"contact\" or \"table\" (got \"" + kind + "\")");
    }
    return k;
}

std::vector<MeasurementInput> read_measurements(const json& list, const MeasurementContext& context)
{
    const std::string path = "measurements";
    if (!list.is_array())
    {
        ObjectReader::fail(path, "must be a list of measurement objects");
    }
    std::vector<MeasurementInput> out;
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i)
    {
        const std::string entry = path + "[" + std::to_string(i) + "]";
        ObjectReader r(list[i], entry,
                       {"name", "kind", "exp", "exp_sigma", "sm", "sm_sigma", "errors", "enabled", "projection", "source", "q2_gev2",
                        "z", "n", "q_mev", "k", "box_ep", "box_en", "lepton", "file", "table", "cl", "decay",
                        "branching_fraction", "valid_below_gev", "likelihood", "label", "channel", "veto_gev", "br_unit"});
        MeasurementInput m;
        if (!r.has("name")) ObjectReader::fail(r.field("name"), "required field is missing");
        m.name = r.string("name", "");
        check_name(m.name, r.field("name"));
        if (!names.insert(m.name).second)
        {
            ObjectReader::fail(r.field("name"), "duplicate name \"" + m.name + "\" (names must be unique)");
        }
        m.kind = parse_kind(r);
        const std::string foreign = r.unknown_key(allowed_keys(m.kind));  // keys of another kind are errors too
        if (!foreign.empty())
        {
            ObjectReader::fail(r.field(foreign), "not a field of kind " + to_string(m.kind));
        }
        if (m.kind == MeasurementKind::search_limit)
        {
            read_search_fields(r, m, context);
        }
        else if (m.kind == MeasurementKind::meson_decay)
        {
            read_meson_fields(r, m, context);
            if (m.meson_part == 0)  // poisson0: χ² = a² BR is two squares; the second is a measurement of its own
            {
                MeasurementInput companion = m;
                companion.name = m.name + meson_companion_suffix;
                companion.meson_part = 1;
                companion.companion_of = m.name;
                if (!m.label.empty()) companion.label = m.label + " (out of phase)";
                if (companion.name.size() > max_name_length)
                    ObjectReader::fail(r.field("name"), "at most " + std::to_string(max_name_length - 6)
                                                            + " characters for a poisson0 meson_decay (its companion "
                                                              "is <name>_phase)");
                if (!names.insert(companion.name).second)
                    ObjectReader::fail(r.field("name"), "its companion's name \"" + companion.name + "\" is taken");
                out.push_back(m);
                out.push_back(companion);
                continue;
            }
        }
        else
        {
            read_kind_fields(r, m, context);
            read_values(r, m, context);
        }
        out.push_back(m);
    }
    if (context.missing_files && !context.missing_files->empty())
    {
        std::string files;
        for (const auto& f : *context.missing_files) files += (files.empty() ? "" : ", ") + f;
        ObjectReader::fail(path, std::to_string(context.missing_files->size()) + " limit file(s) of search_limit or meson_decay "
                                     "measurements are missing: " + files + " (looked for in " + context.limits_dir_origin
                                     + "). zdscan does not ship other projects' limits: get the DarkCast limits/ "
                                       "files from the DarkCast repository (gitlab.com/philten/darkcast) or the "
                                       "experiments' HEPData records, and point ZDSCAN_LIMITS_DIR or the config's "
                                       "limits_dir at them (docs/searches.md)");
    }
    check_common(out, path);
    try
    {
        correlation_whitening(out);
    }
    catch (const std::invalid_argument& e)
    {
        ObjectReader::fail(path, e.what());
    }
    return out;
}

std::vector<MeasurementInput> convert_observables(const json& block, const MeasurementContext& context)
{
    ObjectReader obs(block, "observables", {"a_mu", "a_e", "qweak", "apv_cs"});
    std::vector<MeasurementInput> out;
    for (const char* key : {"qweak", "apv_cs", "a_mu", "a_e"})
    {
        const std::string k = key;
        const char* scale_key = k == "qweak" ? "q2_gev2" : k == "apv_cs" ? "q_mev" : "source";
        ObjectReader r(obs.get(key), obs.field(key),
                       {"exp", "exp_sigma", "sm", "sm_sigma", "enabled", "source", scale_key});
        MeasurementInput m;
        m.name = k;
        if (k == "qweak")
        {
            m.kind = MeasurementKind::pves_proton;
            m.q2_gev2 = r.in_range("q2_gev2", 0.0248, 1e-12, max_q2_gev2, "GeV^2");
        }
        else if (k == "apv_cs")
        {
            m.kind = MeasurementKind::apv;
            m.z = constants::cs133_z;
            m.n = constants::cs133_n;
            m.q_mev = r.in_range("q_mev", 2.4, 1e-6, max_q_mev, "MeV");
            m.k = context.default_k;
        }
        else
        {
            m.kind = MeasurementKind::lepton_g2;
            m.m_lepton_gev = k == "a_mu" ? constants::m_mu_gev : constants::m_e_gev;
        }
        read_values(r, m, context);
        out.push_back(m);
    }
    check_common(out, "observables");
    return out;
}

json k_model_json(const ApvKModel& k)
{
    json j = {{"model", to_string(k.kind)}};
    if (k.kind == ApvKModel::Kind::dirac) j["r_rms_fm"] = k.r_rms_fm;
    if (k.kind == ApvKModel::Kind::table)
    {
        j["m_mev"] = k.m_mev;
        j["k"] = k.k;
    }
    return j;
}

json measurements_json(const std::vector<MeasurementInput>& measurements)
{
    json list = json::array();
    for (const auto& m : measurements)
    {
        json j = {{"name", m.name}, {"kind", to_string(m.kind)}};
        if (m.kind == MeasurementKind::search_limit)  // the table inline: a result's config needs no file
        {
            if (!m.file.empty()) j["file"] = m.file;
            j["cl"] = m.cl_percent;
            j["decay"] = m.decay;
            j["branching_fraction"] = m.branching_fraction;
            j["valid_below_gev"] = m.valid_below_gev;
            j["likelihood"] = to_string(m.likelihood);
            j["enabled"] = m.enabled;
            json t = {{"mass_gev", m.table.mass_gev}, {"lower", m.table.lower}};
            if (m.table.band()) t["upper"] = m.table.upper;
            j["table"] = t;
            if (!m.source.empty()) j["source"] = m.source;
            if (!m.label.empty()) j["label"] = m.label;
            list.push_back(j);
            continue;
        }
        if (m.kind == MeasurementKind::meson_decay)
        {
            if (!m.companion_of.empty()) continue;  // read again from its parent
            j["channel"] = to_string(m.channel);
            j["enabled"] = m.enabled;
            j["branching_fraction"] = m.branching_fraction;
            if (m.valid_below_gev < 1e3) j["valid_below_gev"] = m.valid_below_gev;
            if (!m.veto_gev.empty())
            {
                json v = json::array();
                for (const auto& [lo, hi] : m.veto_gev) v.push_back({lo, hi});
                j["veto_gev"] = v;
            }
            if (m.measured_rate)
            {
                j["exp"] = m.exp;
                j["exp_sigma"] = m.exp_sigma;
                j["sm_sigma"] = m.sm_sigma;
            }
            else
            {
                if (!m.file.empty()) j["file"] = m.file;
                j["cl"] = m.cl_percent;
                j["likelihood"] = to_string(m.likelihood);
                j["table"] = {{"mass_gev", m.table.mass_gev}, {"lower", m.table.lower}};
            }
            if (!m.source.empty()) j["source"] = m.source;
            if (!m.label.empty()) j["label"] = m.label;
            list.push_back(j);
            continue;
        }
        if (m.exp_from_reanalysis)  // reproducible: the recipe, not the number it gave
        {
            j["exp"] = "reanalysis";
        }
        else
        {
            j["exp"] = m.exp;
            j["exp_sigma"] = m.exp_sigma;
        }
        j["sm"] = m.sm;
        j["sm_sigma"] = m.sm_sigma;
        if (!m.errors.empty())
        {
            json e = json::object();
            for (const auto& [name, value] : m.errors) e[name] = value;
            j["errors"] = e;
        }
        j["enabled"] = m.enabled;
        if (m.projection) j["projection"] = true;  // absent = a result of today (configs before the flag unchanged)
        switch (m.kind)
        {
            case MeasurementKind::pves_proton:
            case MeasurementKind::pves_electron: j["q2_gev2"] = m.q2_gev2; break;
            case MeasurementKind::apv:
                j["z"] = m.z;
                j["n"] = m.n;
                j["q_mev"] = m.q_mev;
                j["box_ep"] = m.box_ep;
                j["box_en"] = m.box_en;
                j["k"] = k_model_json(m.k);
                break;
            case MeasurementKind::lepton_g2: j["lepton"] = m.m_lepton_gev == constants::m_e_gev ? "e" : "mu"; break;
            case MeasurementKind::search_limit:
            case MeasurementKind::meson_decay: break;
        }
        if (!m.source.empty()) j["source"] = m.source;
        if (!m.label.empty()) j["label"] = m.label;
        list.push_back(j);
    }
    return list;
}
}  // namespace zdscan::detail
