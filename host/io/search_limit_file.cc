/// \file search_limit_file.cc
#include "search_limit_file.hpp"

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
    if (used == 0 || used != text.size()) fail(where, "\"" + text + "\" is not a number");
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

/// DarkCast .lmt: `# mass lower` or `# mass lower upper`, then rows of numbers (mass in GeV).
SearchLimitTable read_lmt(const std::string& content, const std::string& where)
{
    const Lines l = lines_of(content);
    if (l.text.empty() || l.text[0][l.text[0].find_first_not_of(" \t")] != '#')
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
             "the first line must name the columns \"# mass lower\" or \"# mass lower upper\" (got \"" + l.text[0] + "\")");
    }
    std::vector<double> m, lo, hi;
    std::vector<std::string> rows;
    for (std::size_t i = 1; i < l.text.size(); ++i)
    {
        const std::string at = where + ":" + std::to_string(l.number[i]);
        if (l.text[i][l.text[i].find_first_not_of(" \t")] == '#') continue;
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
SearchLimitTable read_csv(const std::string& content, const std::string& where)
{
    Lines all = lines_of(content);
    Lines l;
    for (std::size_t i = 0; i < all.text.size(); ++i)
    {
        if (all.text[i][all.text[i].find_first_not_of(" \t")] == '#') continue;
        l.text.push_back(all.text[i]);
        l.number.push_back(all.number[i]);
    }
    const std::string help = "the header names the columns: mass_gev or mass_mev, then epsilon or epsilon2 (a "
                             "one-sided limit) or epsilon_lower,epsilon_upper or epsilon2_lower,epsilon2_upper (an "
                             "excluded band)";
    if (l.text.empty()) fail(where, "no header line (" + help + ")");
    const auto head = split(l.text[0], ',');
    const std::string hat = where + ":" + std::to_string(l.number[0]);
    if (head.size() != 2 && head.size() != 3) fail(hat, help + " (got \"" + l.text[0] + "\")");
    double mass_scale = 0;
    if (head[0] == "mass_gev") mass_scale = 1;
    else if (head[0] == "mass_mev") mass_scale = 1e-3;
    else fail(hat, "first column \"" + head[0] + "\": " + help);
    bool squared = false;
    if (head.size() == 2)
    {
        if (head[1] == "epsilon2") squared = true;
        else if (head[1] != "epsilon") fail(hat, "second column \"" + head[1] + "\": " + help);
    }
    else
    {
        if (head[1] == "epsilon2_lower" && head[2] == "epsilon2_upper") squared = true;
        else if (!(head[1] == "epsilon_lower" && head[2] == "epsilon_upper"))
            fail(hat, "columns \"" + head[1] + "\", \"" + head[2] + "\": " + help);
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
        if (!(std::isfinite(lower[i]) && lower[i] > 0))
            fail(at, "the coupling must be finite and > 0 (got " + fmt(lower[i]) + ")");
        if (band && !(std::isfinite(upper[i]) && upper[i] > 0))
            fail(at, "the upper coupling must be finite and > 0 (got " + fmt(upper[i]) + ")");
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

SearchLimitTable read_search_limit_file(const std::string& path, const std::string& field)
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
    const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
    if (ext == "lmt") return read_lmt(content, where);
    if (ext == "csv") return read_csv(content, where);
    fail(where, "limit files are DarkCast .lmt or .csv (docs/searches.md; got the extension \"" + ext + "\")");
}
}  // namespace zdscan::detail
