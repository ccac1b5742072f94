/// \file config.hpp
/// A scan configuration: physics inputs and the grid, read from JSON with every field validated.
/// Schema and units: docs/config.md. The default (configs/paper2021.json) is embedded in the binary.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "zdscan/physics/apv_reanalysis.hpp"
#include "zdscan/physics/physics_config.hpp"
#include "zdscan/scan/scan_grid.hpp"

namespace zdscan
{
/// Input ranges that keep χ² finite everywhere (docs/config.md, "Ranges"): the grid's axes and zdscan.chi2's points.
inline constexpr double max_m_zd_mev = 1e6;  // 1 TeV: far above every measurement's scale
// 1 eV: far below every measurement's scale (a_e's is m_e). Below ~1e-150 MeV m² underflows and the
// propagators become 0/0 (NaN); the bound keeps every accepted grid finite with a wide margin.
inline constexpr double min_m_zd_mev = 1e-6;
inline constexpr double max_abs_mixing = 1;  // ε, δ: mixing parameters

/// Largest axis length, in the config and on the command line (docs/config.md).
inline constexpr long long max_axis_points = 1000000;

/// Bad user input; the message names the field ("grid.epsilon.min: ...").
class ConfigError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

struct ScanConfig
{
    std::string name;
    std::string description;
    PhysicsConfig physics;
    /// Inputs of the Q_W(¹³³Cs) reanalysis (config block `apv_reanalysis`; the paper's values by default).
    ApvReanalysisInputs apv_reanalysis;
    /// Its result, when observables.apv_cs takes "exp": "reanalysis" (then physics.apv_cs.exp and exp_sigma are
    /// this result's Q_W and σ).
    std::optional<ApvReanalysis> apv_reanalysis_result;
    Axis m_zd_mev;  ///< Z_d mass [MeV]
    Axis epsilon;   ///< kinetic mixing ε
    Axis delta;     ///< Z–Z_d mass mixing δ
};

/// Parses and validates; throws ConfigError naming the field. base_dir: the config file's directory (relative
/// search_limit files and limits_dir are resolved against it; "" is the working directory).
ScanConfig parse_config(const nlohmann::json& j, const std::string& base_dir = "");
ScanConfig parse_config_text(const std::string& text, const std::string& origin, const std::string& base_dir = "");
ScanConfig load_config_file(const std::string& path);
/// The embedded default, configs/paper2021.json (reproduces the seed paper).
const char* default_config_json();
ScanConfig default_config();

/// The fully resolved configuration (every default filled in); parse_config(to_json(c)) == c.
nlohmann::json to_json(const ScanConfig& c);

/// The `apv_reanalysis` block: keys present in `block` replace those of `base`; throws ConfigError naming the field
/// (path is the block's path, e.g. "apv_reanalysis").
ApvReanalysisInputs read_apv_reanalysis(const nlohmann::json& block, const std::string& path,
                                        const ApvReanalysisInputs& base);
/// The paper's inputs, from the embedded default config.
ApvReanalysisInputs paper_apv_reanalysis_inputs();
nlohmann::json to_json(const ApvReanalysisInputs& inputs);
/// Every step with value, σ, unit and equation, and the uncertainty budget.
nlohmann::json to_json(const ApvReanalysis& result);

/// Re-checks the grid after command-line overrides; throws ConfigError.
void validate_grid(const ScanConfig& c);
}  // namespace zdscan
