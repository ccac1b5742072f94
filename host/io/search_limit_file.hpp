/// \file search_limit_file.hpp
/// Reading a published limit ε_CL(m) for a search_limit measurement (private to the host library; docs/searches.md):
/// DarkCast `.lmt` (first line `# mass lower [upper]`, mass in GeV), CSV with a header naming the columns and their
/// units, a HEPData table (YAML), or an inline table of the config. Strict: every error names the field, the file and the line.
#pragma once

#include <string>
#include <vector>

#include "zdscan/physics/search_limit.hpp"

namespace zdscan::detail
{
/// What a limit table holds: a coupling ε (search_limit; a CSV column epsilon or epsilon2, a HEPData variable named
/// with ^2 or "squared" is ε²) or a branching ratio (meson_decay; a CSV column br, HEPData values as they are).
enum class LimitQuantity
{
    coupling,
    branching_ratio
};

/// Reads `path` by its extension (.lmt, .csv, .yaml/.yml); `field` names the config field in messages. Throws ConfigError.
SearchLimitTable read_search_limit_file(const std::string& path, const std::string& field,
                                        LimitQuantity quantity = LimitQuantity::coupling);

/// The text of a limit file, read by its format: ext "lmt", "csv", "yaml" or "yml" (the fuzzer's entry; ConfigError
/// for anything else). `where` names the file in messages.
SearchLimitTable parse_search_limit_text(const std::string& content, const std::string& ext, const std::string& where,
                                         LimitQuantity quantity = LimitQuantity::coupling);

/// Checks and normalises rows (masses > 0 and not decreasing, couplings within [min_search_coupling, max_search_coupling], a band's upper
/// edge above its lower; a repeated mass keeps the
/// larger exclusion). `where(i)` names row i in messages. Throws ConfigError.
SearchLimitTable make_search_limit_table(std::vector<double> mass_gev, std::vector<double> lower,
                                         std::vector<double> upper, const std::string& where_prefix,
                                         const std::vector<std::string>& row_names);
}  // namespace zdscan::detail
