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
/// Reads `path` by its extension (.lmt, .csv, .yaml/.yml); `field` names the config field in messages. Throws ConfigError.
SearchLimitTable read_search_limit_file(const std::string& path, const std::string& field);

/// Checks and normalises rows (masses > 0 and not decreasing, couplings > 0 and finite; a repeated mass keeps the
/// larger exclusion). `where(i)` names row i in messages. Throws ConfigError.
SearchLimitTable make_search_limit_table(std::vector<double> mass_gev, std::vector<double> lower,
                                         std::vector<double> upper, const std::string& where_prefix,
                                         const std::vector<std::string>& row_names);
}  // namespace zdscan::detail
