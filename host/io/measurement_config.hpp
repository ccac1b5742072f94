/// \file measurement_config.hpp
/// Reading and writing the config's measurements (private to the host library): the `measurements` list, and the
/// zdscan 0.1 `observables` block converted to it (docs/config.md).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zdscan/physics/apv_reanalysis.hpp"
#include "zdscan/physics/physics_config.hpp"

namespace zdscan::detail
{
struct MeasurementContext
{
    /// Computes the Q_W(Cs) reanalysis on first use ("exp": "reanalysis").
    std::function<const ApvReanalysis&()> reanalysis;
    /// K model of apv entries that give none (from model.apv_k; the Cs Dirac model by default).
    ApvKModel default_k;
    /// Where a search_limit's relative "file" is looked for (the config's limits_dir, $ZDSCAN_LIMITS_DIR or the
    /// config file's directory, in that order; docs/searches.md), and the files found missing there.
    std::string limits_dir;
    std::string limits_dir_origin;  ///< how limits_dir was chosen, for the message about missing files
    std::vector<std::string>* missing_files = nullptr;
};

/// The `measurements` list; every error names the entry and the field ("measurements[2].q2_gev2: ...").
std::vector<MeasurementInput> read_measurements(const nlohmann::json& list, const MeasurementContext& context);

/// The 0.1 block {"a_mu", "a_e", "qweak", "apv_cs"}: four measurements of those names, in the order qweak, apv_cs,
/// a_mu, a_e (the order of 0.1's χ² sum, so that totals are bit-identical).
std::vector<MeasurementInput> convert_observables(const nlohmann::json& block, const MeasurementContext& context);

/// Reads a K model object ({"model": "dirac" | "contact" | "table", ...}) at `path`.
ApvKModel read_k_model(const nlohmann::json& j, const std::string& path, int z);

nlohmann::json measurements_json(const std::vector<MeasurementInput>& measurements);
nlohmann::json k_model_json(const ApvKModel& k);
}  // namespace zdscan::detail
