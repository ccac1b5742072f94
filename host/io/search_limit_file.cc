/// \file search_limit_file.cc
#include "search_limit_file.hpp"

#include <cctype>
#include <cmath>
#include <sstream>

#include "json_reader.hpp"
#include "zdscan/io/config.hpp"
#include "zdscan/io/input_file.hpp"

namespace zdscan::detail
{
namespace
{
/// A limit file is at most this large (DarkCast's largest, BaBar's 5653 rows, is 150 kB).
constexpr std::size_t max_limit_file_bytes = 64u << 20;

[[noreturn]] void fail(const std::string& where, const std::string& why)
{
    throw ConfigError(where + ": " + why);
}

std::vector<std::string> split(const std::string& line, char sep)
{
    std::vector<std::string> out;
    if (sep == ' ')
    {
        std::istringstream in(line);
        for (std::string w; in >> w;) out.push_back(w);
        return out;
    }
    std::string cell;
    std::istringstream in(line);
    while (std::getline(in, cell, sep))
    {
        const auto a = cell.find_first_not_of(" \t\r"), b = cell.find_last_not_of(" \t\r");
        out.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
    }
    return out;
}

double number_at(const std::string& text, const std::string& where)
{
    std::size_t used = 0;
    double v = 0;
    try
    {
        v = std::stod(text, &used);
    }
    catch (const std::exception&)
    {
        used = 0;
    }
    if (used == 0 || used != text.size()) fail(where, "\"" + excerpt(text) + "\" is not a number");
    return v;
}

struct Lines
{
    std::vector<std::string> text;
    std::vector<int> number;  // 1-based line numbers in the file
};

Lines lines_of(const std::string& content)
{
    Lines l;
    std::istringstream in(content);
    int n = 0;
    for (std::string line; std::getline(in, line);)
    {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        l.text.push_back(line);
        l.number.push_back(n);
    }
    return l;
}

/// A line of lines_of (never blank) that starts, after blanks, with '#'.
bool is_comment(const std::string& line)
{
    return line[line.find_first_not_of(" \t")] == '#';
}

/// DarkCast .lmt: `# mass lower` or `# mass lower upper`, then rows of numbers (mass in GeV).
SearchLimitTable read_lmt(const std::string& content, const std::string& where)
{
    const Lines l = lines_of(content);
    if (l.text.empty() || !is_comment(l.text[0]))
    {
        std::string at = where;
        if (!l.text.empty()) at.append(":").append(std::to_string(l.number[0]));
        fail(at, "a DarkCast .lmt file starts with a line naming its columns: \"# mass lower\" or \"# mass lower "
                 "upper\"");
    }
    std::vector<std::string> head = split(l.text[0].substr(l.text[0].find('#') + 1), ' ');
    const bool band = head == std::vector<std::string>{"mass", "lower", "upper"};
    if (!band && head != std::vector<std::string>{"mass", "lower"})
    {
        fail(where + ":" + std::to_string(l.number[0]),
             "the first line must name the columns \"# mass lower\" or \"# mass lower upper\" (got \"" + excerpt(l.text[0])
                 + "\")");
    }
    std::vector<double> m, lo, hi;
    std::vector<std::string> rows;
    for (std::size_t i = 1; i < l.text.size(); ++i)
    {
        const std::string at = where + ":" + std::to_string(l.number[i]);
        if (is_comment(l.text[i])) continue;
        const auto cells = split(l.text[i], ' ');
        if (cells.size() != (band ? 3u : 2u))
        {
            fail(at, std::to_string(cells.size()) + " columns where the first line names " + (band ? "3" : "2"));
        }
        m.push_back(number_at(cells[0], at));
        lo.push_back(number_at(cells[1], at));
        if (band) hi.push_back(number_at(cells[2], at));
        rows.push_back(at);
    }
    return make_search_limit_table(m, lo, hi, where, rows);
}

/// CSV: a header naming the columns (mass_gev or mass_mev; epsilon or epsilon2, or epsilon_lower and epsilon_upper,
/// or epsilon2_lower and epsilon2_upper), then rows; lines starting with # are comments.
SearchLimitTable read_csv(const std::string& content, const std::string& where, LimitQuantity quantity)
{
    Lines all = lines_of(content);
    Lines l;
    for (std::size_t i = 0; i < all.text.size(); ++i)
    {
        if (is_comment(all.text[i])) continue;
        l.text.push_back(all.text[i]);
        l.number.push_back(all.number[i]);
    }
    const bool br = quantity == LimitQuantity::branching_ratio;
    const std::string help = br ? "the header names the columns: mass_gev or mass_mev, then br (the limit on the "
                                  "branching ratio)"
                                : "the header names the columns: mass_gev or mass_mev, then epsilon or epsilon2 (a "
                                  "one-sided limit) or epsilon_lower,epsilon_upper or epsilon2_lower,epsilon2_upper "
                                  "(an excluded band)";
    if (l.text.empty()) fail(where, "no header line (" + help + ")");
    const auto head = split(l.text[0], ',');
    const std::string hat = where + ":" + std::to_string(l.number[0]);
    if (head.size() != 2 && head.size() != 3) fail(hat, help + " (got \"" + excerpt(l.text[0]) + "\")");
    double mass_scale = 0;
    if (head[0] == "mass_gev") mass_scale = 1;
    else if (head[0] == "mass_mev") mass_scale = 1e-3;
    else fail(hat, "first column \"" + excerpt(head[0]) + "\": " + help);
    bool squared = false;
    if (br)
    {
        if (head.size() != 2 || head[1] != "br") fail(hat, help + " (got \"" + excerpt(l.text[0]) + "\")");
    }
    else if (head.size() == 2)
    {
        if (head[1] == "epsilon2") squared = true;
        else if (head[1] != "epsilon") fail(hat, "second column \"" + excerpt(head[1]) + "\": " + help);
    }
    else
    {
        if (head[1] == "epsilon2_lower" && head[2] == "epsilon2_upper") squared = true;
        else if (!(head[1] == "epsilon_lower" && head[2] == "epsilon_upper"))
            fail(hat, "columns \"" + excerpt(head[1]) + "\", \"" + excerpt(head[2]) + "\": " + help);
    }
    std::vector<double> m, lo, hi;
    std::vector<std::string> rows;
    for (std::size_t i = 1; i < l.text.size(); ++i)
    {
        const std::string at = where + ":" + std::to_string(l.number[i]);
        const auto cells = split(l.text[i], ',');
        if (cells.size() != head.size())
        {
            fail(at, std::to_string(cells.size()) + " columns where the header names " + std::to_string(head.size()));
        }
        m.push_back(number_at(cells[0], at) * mass_scale);
        auto coupling = [&](const std::string& c)
        {
            const double v = number_at(c, at);
            return squared ? (v >= 0 ? std::sqrt(v) : -1.0) : v;
        };
        lo.push_back(coupling(cells[1]));
        if (head.size() == 3) hi.push_back(coupling(cells[2]));
        rows.push_back(at);
    }
    return make_search_limit_table(m, lo, hi, where, rows);
}
/// A HEPData table (YAML, as hepdata.net writes it): one independent variable, the mass, with units GeV or MeV;
/// one dependent variable (a one-sided limit on ε, or on ε² when its name says so: "^2", "2", "squared") or two
/// (an excluded band, lower then upper). Values as `- {value: x}`, `- value: x` or bins `{low: a, high: b}` (the
/// bin's geometric centre). This is the subset of YAML HEPData tables use; anything else is refused naming the line.
struct YamlVariable
{
    std::string name, units;
    std::vector<double> values;
    std::vector<std::string> where;
};

std::string strip(std::string t)
{
    const auto a = t.find_first_not_of(" \t'\""), b = t.find_last_not_of(" \t'\"");
    return a == std::string::npos ? "" : t.substr(a, b - a + 1);
}

/// "key: value" pairs of an inline map "{a: 1, b: x}" or of "a: 1".
std::vector<std::pair<std::string, std::string>> pairs_of(std::string t)
{
    t = strip(t);
    if (!t.empty() && t.front() == '{' && t.back() == '}') t = t.substr(1, t.size() - 2);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& cell : split(t, ','))
    {
        const auto colon = cell.find(':');
        if (colon == std::string::npos) continue;
        out.emplace_back(strip(cell.substr(0, colon)), strip(cell.substr(colon + 1)));
    }
    return out;
}

SearchLimitTable read_hepdata_yaml(const std::string& content, const std::string& where, LimitQuantity quantity)
{
    std::vector<YamlVariable> independent, dependent;
    std::vector<YamlVariable>* section = nullptr;
    YamlVariable* current = nullptr;
    bool in_header = false, in_values = false;
    std::istringstream in(content);
    int n = 0;
    double pending_low = NAN;              // "- low: a" waiting for its "high: b" on the next line
    const YamlVariable* pending_owner = nullptr;  // the variable whose last value that bin is
    for (std::string line; std::getline(in, line);)
    {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto first = line.find_first_not_of(' ');
        if (first == std::string::npos || line[first] == '#') continue;
        const std::string at = where + ":" + std::to_string(n);
        std::string t = line.substr(first);
        if (first == 0 && t.rfind("- ", 0) != 0)  // a top-level key (its list items may start in column 0 too)
        {
            section = t.rfind("independent_variables:", 0) == 0 ? &independent
                      : t.rfind("dependent_variables:", 0) == 0 ? &dependent
                                                                 : nullptr;
            current = nullptr;
            pending_low = NAN;
            pending_owner = nullptr;
            in_header = in_values = false;
            continue;
        }
        if (!section) continue;
        const bool item = t.rfind("- ", 0) == 0;
        if (item && (t.rfind("- header:", 0) == 0 || t.rfind("- qualifiers:", 0) == 0 || t.rfind("- values:", 0) == 0))
        {
            section->emplace_back();  // a new variable
            current = &section->back();
            pending_low = NAN;
            pending_owner = nullptr;
            t = t.substr(2);
        }
        if (!current) fail(at, "a HEPData table lists variables as \"- header: ...\" items");
        if (t.rfind("header:", 0) == 0)
        {
            in_header = true;
            in_values = false;
            for (const auto& [k, v] : pairs_of(t.substr(7)))
            {
                if (k == "name") current->name = v;
                if (k == "units") current->units = v;
            }
            continue;
        }
        if (t.rfind("values:", 0) == 0)
        {
            in_values = true;
            in_header = false;
            continue;
        }
        if (t.rfind("qualifiers:", 0) == 0)
        {
            in_values = in_header = false;
            continue;
        }
        if (in_header && !item)
        {
            for (const auto& [k, v] : pairs_of(t))
            {
                if (k == "name") current->name = v;
                if (k == "units") current->units = v;
            }
            continue;
        }
        if (in_values)
        {
            if (item) t = t.substr(2);
            double value = NAN, low = NAN, high = NAN;
            for (const auto& [k, v] : pairs_of(t))
            {
                if (k == "value") value = number_at(v, at);
                if (k == "low") low = number_at(v, at);
                if (k == "high") high = number_at(v, at);
            }
            if (!item && std::isfinite(high))  // "- low: a" then "high: b": the same bin
            {
                if (!std::isfinite(pending_low) || pending_owner != current || current->values.empty())
                    fail(at, "\"high:\" continues a bin, so it must follow that bin's \"- low:\" line");
                current->values.back() = std::sqrt(pending_low * high);
                pending_low = NAN;
                pending_owner = nullptr;
                continue;
            }
            if (!item) continue;  // e.g. errors of a value: not used
            pending_low = NAN;
            pending_owner = nullptr;
            if (std::isfinite(low) && std::isfinite(high)) value = std::sqrt(low * high);
            else if (std::isfinite(low)) pending_low = low, pending_owner = current, value = low;
            if (!std::isfinite(value)) fail(at, "a value entry needs value: x (or low: and high:)");
            current->values.push_back(value);
            current->where.push_back(at);
        }
    }
    if (independent.size() != 1) fail(where, "a HEPData limit table has one independent variable, the mass");
    if (dependent.size() != 1 && dependent.size() != 2)
        fail(where, "a HEPData limit table has one dependent variable (a limit) or two (an excluded band)");
    YamlVariable& mass = independent[0];
    std::string units = mass.units;
    for (auto& c : units) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const double scale = units == "GEV" ? 1.0 : units == "MEV" ? 1e-3 : 0.0;
    if (scale == 0) fail(where, "the mass's units must be GeV or MeV (got \"" + excerpt(mass.units) + "\")");
    for (const auto& d : dependent)
    {
        if (d.values.size() != mass.values.size())
        {
            fail(where, "variable \"" + excerpt(d.name) + "\" has " + std::to_string(d.values.size()) + " values, the mass "
                            + std::to_string(mass.values.size()));
        }
    }
    std::vector<double> m, lo, hi;
    for (std::size_t i = 0; i < mass.values.size(); ++i) m.push_back(mass.values[i] * scale);
    auto coupling = [quantity](const YamlVariable& d)
    {
        std::string name = d.name;
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const bool squared = quantity == LimitQuantity::coupling && (name.find("^2") != std::string::npos || name.find("squared") != std::string::npos
                             || name.find("epsilon2") != std::string::npos || name.find("eps2") != std::string::npos);
        std::vector<double> v;
        for (double x : d.values) v.push_back(squared ? (x >= 0 ? std::sqrt(x) : -1.0) : x);
        return v;
    };
    lo = coupling(dependent[0]);
    if (dependent.size() == 2) hi = coupling(dependent[1]);
    return make_search_limit_table(m, lo, hi, where, mass.where);
}
}  // namespace

SearchLimitTable make_search_limit_table(std::vector<double> mass_gev, std::vector<double> lower,
                                         std::vector<double> upper, const std::string& where_prefix,
                                         const std::vector<std::string>& row_names)
{
    if (mass_gev.empty()) fail(where_prefix, "no rows: a limit needs at least one mass");
    SearchLimitTable t;
    const bool band = !upper.empty();
    for (std::size_t i = 0; i < mass_gev.size(); ++i)
    {
        const std::string& at = row_names[i];
        if (!(std::isfinite(mass_gev[i]) && mass_gev[i] > 0)) fail(at, "the mass must be finite and > 0 (got " + fmt(mass_gev[i]) + ")");
        static_assert(min_search_coupling == 1e-30 && max_search_coupling == 1e30, "the messages name the bounds");
        if (!(lower[i] >= min_search_coupling && lower[i] <= max_search_coupling))
            fail(at, "the coupling must be > 0, between 1e-30 and 1e30 (got " + fmt(lower[i]) + ")");
        if (band && !(upper[i] >= min_search_coupling && upper[i] <= max_search_coupling))
            fail(at, "the upper coupling must be > 0, between 1e-30 and 1e30 (got " + fmt(upper[i]) + ")");
        if (band && !(upper[i] > lower[i]))
            fail(at, "the band's upper edge " + fmt(upper[i]) + " is not above its lower edge " + fmt(lower[i])
                         + " (columns swapped?); an excluded band runs from the lower to the upper coupling");
        if (!t.mass_gev.empty() && mass_gev[i] < t.mass_gev.back())
        {
            fail(at, "masses must not decrease (" + fmt(mass_gev[i]) + " GeV after " + fmt(t.mass_gev.back()) + " GeV)");
        }
        if (!t.mass_gev.empty() && mass_gev[i] == t.mass_gev.back())  // a step: keep the larger exclusion there
        {
            t.lower.back() = std::min(t.lower.back(), lower[i]);
            if (band) t.upper.back() = std::max(t.upper.back(), upper[i]);
            continue;
        }
        t.mass_gev.push_back(mass_gev[i]);
        t.lower.push_back(lower[i]);
        if (band) t.upper.push_back(upper[i]);
    }
    return t;
}

SearchLimitTable read_search_limit_file(const std::string& path, const std::string& field, LimitQuantity quantity)
{
    const std::string where = field + ": " + path;
    std::string content;
    try
    {
        content = read_regular_file(path, max_limit_file_bytes, field);
    }
    catch (const InputFileError& e)
    {
        throw ConfigError(e.what());
    }
    const auto dot = path.find_last_of('.');
    return parse_search_limit_text(content, dot == std::string::npos ? "" : path.substr(dot + 1), where, quantity);
}

SearchLimitTable parse_search_limit_text(const std::string& content, const std::string& ext, const std::string& where,
                                         LimitQuantity quantity)
{
    if (ext == "lmt") return read_lmt(content, where);
    if (ext == "csv") return read_csv(content, where, quantity);
    if (ext == "yaml" || ext == "yml") return read_hepdata_yaml(content, where, quantity);
    fail(where, "limit files are DarkCast .lmt, .csv or a HEPData table .yaml (docs/searches.md; got the extension \""
                    + excerpt(ext) + "\")");
}
}  // namespace zdscan::detail
