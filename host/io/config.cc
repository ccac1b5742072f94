/// \file config.cc
/// Strict JSON configuration reader: unknown keys, wrong types, non-finite numbers and values outside their
/// domain are errors that name the field.
#include "zdscan/io/config.hpp"

#include <cstdlib>
#include "zdscan/io/input_file.hpp"

#include "json_reader.hpp"
#include "measurement_config.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <vector>

namespace zdscan
{
namespace
{
using detail::fmt;
using detail::ObjectReader;
using nlohmann::json;


Axis read_axis(ObjectReader& r)
{
    Axis a;
    a.min = r.number("min");
    a.max = r.number("max");
    a.n = r.integer("n");
    const std::string scale = r.string("scale", "linear");
    if (scale != "log" && scale != "linear")
    {
        ObjectReader::fail(r.field("scale"), "must be \"log\" or \"linear\" (got \"" + scale + "\")");
    }
    a.log = scale == "log";
    return a;
}

void check_axis(const Axis& a, const std::string& path, bool positive, double max_abs, const char* what)
{
    for (const auto& [key, v] : {std::pair{"min", a.min}, {"max", a.max}})
    {
        if (!std::isfinite(v) || std::fabs(v) > max_abs)
        {
            ObjectReader::fail(path + "." + key, std::string("must lie in [") + (positive ? "0" : fmt(-max_abs)) + ", "
                                                     + fmt(max_abs) + "] (" + what + "; got " + fmt(v) + ")");
        }
    }
    if (a.n > max_axis_points)
    {
        ObjectReader::fail(path + ".n", "must be between 1 and " + std::to_string(max_axis_points) + " (got "
                                            + std::to_string(a.n) + ")");
    }
    if (a.n < 1)
    {
        ObjectReader::fail(path + ".n", "axis is empty (n must be >= 1)");
    }
    if (!(a.min <= a.max))
    {
        ObjectReader::fail(path + ".max", "must be >= min (" + fmt(a.min) + ")");
    }
    if (a.n == 1 && a.min != a.max)
    {
        ObjectReader::fail(path + ".n", "a single-point axis needs min == max");
    }
    if (a.n > 1 && a.min == a.max)
    {
        ObjectReader::fail(path + ".max", "equals min with n > 1 (zero-width axis)");
    }
    if ((a.log || positive) && !(a.min > 0))
    {
        ObjectReader::fail(path + ".min",
                           std::string(a.log ? "a log axis" : "this axis") + " needs min > 0 (got " + fmt(a.min) + ")");
    }
}

/// What json::parse accepts silently but a config must not contain: a key twice in one object (the last would
/// win) and a non-zero number that underflows to 0 (1e-400). Walks the text once as SAX events, with the path.
class StrictnessChecker : public nlohmann::json_sax<json>
{
  public:
    std::string error;  ///< "field: why", empty when the text is fine

    bool null() override { return value(); }
    bool boolean(bool) override { return value(); }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t x, const string_t& literal) override
    {
        const std::string mantissa = literal.substr(0, literal.find_first_of("eE"));
        if (x == 0 && mantissa.find_first_of("123456789") != std::string::npos)
        {
            return fail(literal + " underflows to 0 in double precision; write 0 or a representable number");
        }
        return value();
    }
    bool string(string_t&) override { return value(); }
    bool binary(binary_t&) override { return value(); }
    bool start_object(std::size_t) override
    {
        frames_.push_back({true, {}, {}, 0});
        return true;
    }
    bool key(string_t& k) override
    {
        auto& f = frames_.back();
        if (!f.keys.insert(k).second)
        {
            f.key = k;
            return fail("duplicate key (each key may appear once in an object)");
        }
        f.key = k;
        return true;
    }
    bool end_object() override { return end(); }
    bool start_array(std::size_t) override
    {
        frames_.push_back({false, {}, {}, 0});
        return true;
    }
    bool end_array() override { return end(); }
    bool parse_error(std::size_t, const std::string& token, const nlohmann::detail::exception& e) override
    {
        // A number that overflows a double (1e400) is named by its field; syntax errors are reported by
        // json::parse with their position.
        if (e.id == 406) fail(token + " overflows a double; write a representable number");
        return false;
    }

  private:
    struct Frame
    {
        bool object;
        std::set<std::string> keys;
        std::string key;
        std::size_t index;
    };
    std::vector<Frame> frames_;

    std::string path() const
    {
        std::string p;
        for (const auto& f : frames_)
        {
            if (f.object)
            {
                if (!p.empty()) p += '.';
                p += f.key;
            }
            else
            {
                p += '[';
                p += std::to_string(f.index);
                p += ']';
            }
        }
        return p.empty() ? "config" : p;
    }
    bool fail(const std::string& why)
    {
        error = path() + ": " + why;
        return false;
    }
    bool value()
    {
        if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
        return true;
    }
    bool end()
    {
        frames_.pop_back();
        return value();  // the finished container is one element of its parent
    }
};

json axis_json(const Axis& a)
{
    return {{"min", a.min}, {"max", a.max}, {"n", a.n}, {"scale", a.scale_name()}};
}

}  // namespace

void validate_grid(const ScanConfig& c)
{
    check_axis(c.m_zd_mev, "grid.m_zd_mev", true, max_m_zd_mev, "MeV");
    if (c.m_zd_mev.min < min_m_zd_mev)
    {
        ObjectReader::fail("grid.m_zd_mev.min", "must be >= 1e-06 MeV (1 eV; got "
                                                    + fmt(c.m_zd_mev.min) + ")");
    }
    check_axis(c.epsilon, "grid.epsilon", false, max_abs_mixing, "a mixing parameter");
    check_axis(c.delta, "grid.delta", false, max_abs_mixing, "a mixing parameter");
    // The profiled (m, ε) plane is held in memory: ~68 bytes a cell (χ², argmin, four terms, …).
    constexpr long long max_cells = 1LL << 27;
    const long long cells = static_cast<long long>(c.m_zd_mev.n) * c.epsilon.n;
    if (cells > max_cells)
    {
        ObjectReader::fail("grid.m_zd_mev.n", "n_m x n_eps = " + std::to_string(cells) + " exceeds "
                                                  + std::to_string(max_cells) + " cells (~9 GB of profile arrays)");
    }
}

namespace
{
/// The config's explicit correlation matrix (top-level "correlation"), checked: names of measurements, a square,
/// symmetric matrix with a unit diagonal and entries in [−1, 1], and a total correlation that is positive definite.
CorrelationMatrix read_correlation(const json& j, const std::vector<MeasurementInput>& list)
{
    ObjectReader r(j, "correlation", {"measurements", "matrix", "source"});
    const json& names = r.get("measurements");
    CorrelationMatrix cm;
    if (!names.is_array() || names.size() < 2)
        ObjectReader::fail(r.field("measurements"), "must list at least two measurement names");
    for (const auto& n : names)
    {
        const std::string name = n.is_string() ? n.get<std::string>() : n.dump();
        const bool known = std::any_of(list.begin(), list.end(), [&](const MeasurementInput& x) { return x.name == name; });
        if (!n.is_string() || !known)
            ObjectReader::fail(r.field("measurements"), "\"" + excerpt(name) + "\" is not a measurement of this config");
        const auto& listed = *std::find_if(list.begin(), list.end(), [&](const MeasurementInput& x) { return x.name == name; });
        if (listed.kind == MeasurementKind::search_limit
            || (listed.kind == MeasurementKind::meson_decay && !listed.measured_rate))
            ObjectReader::fail(r.field("measurements"),
                               "\"" + name + "\" is a " + to_string(listed.kind) + " limit: its sigma is only the unit of its signal, not an "
                               "uncertainty that can be correlated; list only measurements with errors");
        if (std::find(cm.names.begin(), cm.names.end(), name) != cm.names.end())
            ObjectReader::fail(r.field("measurements"), "\"" + name + "\" is listed twice");
        cm.names.push_back(name);
    }
    const json& m = r.get("matrix");
    const std::size_t k = cm.names.size();
    if (!m.is_array() || m.size() != k)
        ObjectReader::fail(r.field("matrix"), "must be " + std::to_string(k) + " rows of " + std::to_string(k) + " numbers");
    for (std::size_t i = 0; i < k; ++i)
    {
        if (!m[i].is_array() || m[i].size() != k)
            ObjectReader::fail(r.field("matrix"), "row " + std::to_string(i) + " must hold " + std::to_string(k) + " numbers");
        for (std::size_t jj = 0; jj < k; ++jj)
        {
            if (!m[i][jj].is_number()) ObjectReader::fail(r.field("matrix"), "must hold numbers");
            cm.rho.push_back(m[i][jj].get<double>());
        }
    }
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t jj = 0; jj < k; ++jj)
        {
            const double v = cm.rho[i * k + jj], t = cm.rho[jj * k + i];
            const std::string at = r.field("matrix") + "[" + std::to_string(i) + "][" + std::to_string(jj) + "]";
            if (i == jj && v != 1) ObjectReader::fail(at, "the diagonal of a correlation matrix is 1 (got " + fmt(v) + ")");
            if (!(v >= -1 && v <= 1)) ObjectReader::fail(at, "must lie in [-1, 1] (got " + fmt(v) + ")");
            if (v != t) ObjectReader::fail(at, "the matrix must be symmetric (" + fmt(v) + " against " + fmt(t) + ")");
        }
    try
    {
        correlation_whitening(list, cm);
    }
    catch (const std::invalid_argument& e)
    {
        ObjectReader::fail("correlation", e.what());
    }
    return cm;
}

}  // namespace

ScanConfig parse_config(const json& j, const std::string& base_dir)
{
    ScanConfig c;
    ObjectReader top(j, "", {"name", "description", "measurements", "observables", "apv_reanalysis", "model", "grid",
                             "limits_dir", "correlation"});
    c.name = top.string("name", "unnamed");
    c.description = top.string("description", "");
    c.apv_reanalysis = top.has("apv_reanalysis") ? read_apv_reanalysis(top.get("apv_reanalysis"), "apv_reanalysis",
                                                                       paper_apv_reanalysis_inputs())
                                                 : paper_apv_reanalysis_inputs();
    detail::MeasurementContext context;
    // Where relative search_limit files are (docs/searches.md): $ZDSCAN_LIMITS_DIR, the config's limits_dir (relative
    // to the config file), or the config file's directory.
    std::vector<std::string> missing_files;
    context.missing_files = &missing_files;
    const std::string config_limits_dir = top.string("limits_dir", "");
    auto beside_config = [&](const std::string& d)
    { return d.empty() || d[0] == '/' || base_dir.empty() ? d : base_dir + "/" + d; };
    if (const char* env = std::getenv("ZDSCAN_LIMITS_DIR"); env && *env)
    {
        context.limits_dir = env;
        context.limits_dir_origin = std::string(env) + ", from $ZDSCAN_LIMITS_DIR";
    }
    else if (!config_limits_dir.empty())
    {
        context.limits_dir = beside_config(config_limits_dir);
        context.limits_dir_origin = context.limits_dir + ", the config's limits_dir";
    }
    else
    {
        context.limits_dir = base_dir;
        context.limits_dir_origin = (base_dir.empty() ? std::string(".") : base_dir) + ", the config file's directory";
    }
    context.reanalysis = [&c]() -> const ApvReanalysis&
    {
        if (!c.apv_reanalysis_result)
        {
            try
            {
                c.apv_reanalysis_result = compute_apv_reanalysis(c.apv_reanalysis);
            }
            catch (const std::invalid_argument& e)
            {
                ObjectReader::fail("apv_reanalysis", e.what());
            }
        }
        return *c.apv_reanalysis_result;
    };
    if (top.has("model"))
    {
        ObjectReader model(top.get("model"), "model", {"s2w_mz", "s2w_zero", "apv_k"});
        c.physics.s2w_mz = model.number("s2w_mz", c.physics.s2w_mz);
        c.physics.s2w_zero = model.number("s2w_zero", c.physics.s2w_zero);
        for (const char* key : {"s2w_mz", "s2w_zero"})
        {
            const double s2 = std::string(key) == "s2w_mz" ? c.physics.s2w_mz : c.physics.s2w_zero;
            if (!(s2 > 0 && s2 < 0.5))
            {
                ObjectReader::fail(model.field(key), "must lie in (0, 0.5) (got " + fmt(s2) + ")");
            }
        }
        if (model.has("apv_k"))  // the default K model of 133Cs apv entries that give none (0.1 configs)
        {
            context.default_k = detail::read_k_model(model.get("apv_k"), "model.apv_k", constants::cs133_z);
        }
    }
    if (top.has("measurements") && top.has("observables"))
    {
        ObjectReader::fail("observables", "give either \"measurements\" (a list) or the 0.1 \"observables\" block, "
                                          "not both");
    }
    if (top.has("measurements"))
    {
        c.physics.measurements = detail::read_measurements(top.get("measurements"), context);
    }
    else if (top.has("observables"))
    {
        c.physics.measurements = detail::convert_observables(top.get("observables"), context);
    }
    else
    {
        ObjectReader::fail("measurements", "required field is missing (a list of measurements; docs/config.md)");
    }
    if (top.has("correlation"))  // an explicit correlation matrix of some measurements' total uncertainties
    {
        c.physics.correlation = read_correlation(top.get("correlation"), c.physics.measurements);
    }
    {
        ObjectReader grid(top.get("grid"), "grid", {"m_zd_mev", "epsilon", "delta"});
        for (auto [key, axis] : {std::pair{"m_zd_mev", &c.m_zd_mev}, {"epsilon", &c.epsilon}, {"delta", &c.delta}})
        {
            ObjectReader r(grid.get(key), grid.field(key), {"min", "max", "n", "scale"});
            *axis = read_axis(r);
        }
    }
    validate_grid(c);
    try
    {
        make_running_sin2(c.physics.s2w_mz, c.physics.s2w_zero, constants::alpha_hat_mz);
    }
    catch (const std::invalid_argument& e)
    {
        throw ConfigError(e.what());
    }
    return c;
}

ScanConfig parse_config_text(const std::string& text, const std::string& origin, const std::string& base_dir)
{
    // The parser stops at a NUL byte as at the end of the input: anything after it would be ignored.
    if (const auto nul = text.find('\0'); nul != std::string::npos)
    {
        throw ConfigError(origin + ": malformed JSON: NUL byte at offset " + std::to_string(nul)
                          + " (a config is UTF-8 text)");
    }
    // A YAML (or TOML, INI) file is the likely mistake: say what a config is rather than where JSON parsing broke.
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{')
    {
        throw ConfigError(origin + ": configs are JSON: an object { ... } (docs/config.md); "
                          + (first == std::string::npos ? std::string("this file is empty")
                                                        : "this file starts with '"
                                                              + text.substr(first, std::min<std::size_t>(
                                                                                       12, text.find_first_of("\r\n", first) - first))
                                                              + "'")
                          + " (YAML and other formats are not read; a YAML file converts with python3 -c \"import "
                            "json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)\" FILE)");
    }
    // The strictness pass first: it names the field of an overflowing number, which json::parse cannot.
    StrictnessChecker strict;
    json::sax_parse(text, &strict);
    if (!strict.error.empty())
    {
        throw ConfigError(origin + ": " + strict.error);
    }
    json j;
    try
    {
        j = json::parse(text);  // strict: trailing non-whitespace is an error
    }
    catch (const json::exception& e)  // syntax errors
    {
        throw ConfigError(origin + ": malformed JSON: " + e.what());
    }
    try
    {
        return parse_config(j, base_dir);
    }
    catch (const ConfigError& e)
    {
        throw ConfigError(origin + ": " + e.what());
    }
}

ScanConfig load_config_file(const std::string& path)
{
    try
    {
        const auto slash = path.find_last_of('/');
        return parse_config_text(read_regular_file(path, max_config_bytes, "config file"), path,
                                 slash == std::string::npos ? "" : path.substr(0, slash == 0 ? 1 : slash));
    }
    catch (const InputFileError& e)
    {
        throw ConfigError(e.what());
    }
}

ScanConfig default_config()
{
    return parse_config_text(default_config_json(), "embedded default config (configs/paper2021.json)");
}

namespace
{
json correlation_rows(const CorrelationMatrix& m)
{
    json rows = json::array();
    const std::size_t k = m.names.size();
    for (std::size_t i = 0; i < k; ++i)
        rows.push_back(std::vector<double>(m.rho.begin() + static_cast<std::ptrdiff_t>(i * k),
                                           m.rho.begin() + static_cast<std::ptrdiff_t>((i + 1) * k)));
    return rows;
}
}  // namespace

json to_json(const ScanConfig& c)
{
    const auto& p = c.physics;
    json j = {{"name", c.name},
              {"description", c.description},
              {"measurements", detail::measurements_json(p.measurements)},
              {"apv_reanalysis", to_json(c.apv_reanalysis)},
              {"model", {{"s2w_mz", p.s2w_mz}, {"s2w_zero", p.s2w_zero}}},
              {"grid",
               {{"m_zd_mev", axis_json(c.m_zd_mev)}, {"epsilon", axis_json(c.epsilon)}, {"delta", axis_json(c.delta)}}}};
    if (!p.correlation.names.empty())
        j["correlation"] = {{"measurements", p.correlation.names}, {"matrix", correlation_rows(p.correlation)}};
    return j;
}
}  // namespace zdscan
