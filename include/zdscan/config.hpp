/// \file config.hpp
/// A scan configuration: physics inputs and the grid, read from JSON with every field validated.
/// Schema and units: docs/config.md. The default (configs/paper2021.json) is embedded in the binary.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "physics_config.hpp"
#include "scan_grid.hpp"

namespace zdscan
{
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
    Axis m_zd_mev;  ///< Z_d mass [MeV]
    Axis epsilon;   ///< kinetic mixing ε
    Axis delta;     ///< Z–Z_d mass mixing δ
};

/// Parses and validates; throws ConfigError naming the field.
ScanConfig parse_config(const nlohmann::json& j);
ScanConfig parse_config_text(const std::string& text, const std::string& origin);
ScanConfig load_config_file(const std::string& path);
/// The embedded default, configs/paper2021.json (reproduces the seed paper).
const char* default_config_json();
ScanConfig default_config();

/// The fully resolved configuration (every default filled in); parse_config(to_json(c)) == c.
nlohmann::json to_json(const ScanConfig& c);

/// Re-checks the grid after command-line overrides; throws ConfigError.
void validate_grid(const ScanConfig& c);
}  // namespace zdscan
