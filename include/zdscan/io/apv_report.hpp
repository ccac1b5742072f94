/// \file apv_report.hpp
/// What `zdscan apv` prints: every step of the Q_W(¹³³Cs) reanalysis with its uncertainty, the uncertainty
/// budget, and the table of alternatives.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zdscan/physics/apv_reanalysis.hpp"

namespace zdscan
{
std::string format_apv_reanalysis(const ApvReanalysisInputs& in, const ApvReanalysis& r);
std::string format_apv_alternatives(const std::vector<ApvAlternative>& rows);
/// `zdscan apv --json`: the inputs, every step with its uncertainty and, if asked, the alternatives.
nlohmann::json apv_report_json(const ApvReanalysisInputs& in, bool alternatives);
}  // namespace zdscan
