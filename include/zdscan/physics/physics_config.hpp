/// \file physics_config.hpp
/// The physics inputs a user sets: the list of measurements (kind, values, kind-specific fields) and the model
/// options, in the units of the config (docs/config.md).
#pragma once

#include <string>
#include <vector>

#include "zdscan/physics/apv_k_factor.hpp"
#include "zdscan/physics/chi2.hpp"
#include "zdscan/physics/running_sin2.hpp"

namespace zdscan
{
std::string to_string(MeasurementKind kind);

/// One measurement and its SM prediction: X^exp ± σ_exp, X^SM ± σ_SM (same unit as the observable).
struct MeasurementInput
{
    std::string name;  ///< unique; used in HDF5 names (/profile/chi2_<name>) and legends
    MeasurementKind kind = MeasurementKind::pves_proton;
    double exp = 0, exp_sigma = 0;
    double sm = 0, sm_sigma = 0;
    bool enabled = true;
    /// A projected measurement (a future experiment's expected σ, its central value set to the SM), not a result
    /// of today: figures, the summary and limit files say so and never present it as an exclusion of today.
    bool projection = false;
    std::string source;  ///< free-text citation (config "source"), carried into the output file
    /// apv only: exp and exp_sigma come from the Q_W(Cs) reanalysis (config "exp": "reanalysis").
    bool exp_from_reanalysis = false;

    double q2_gev2 = 0;  ///< pves_*: the experiment's Q² [GeV²] (propagator, eq. 25, and the ŝ² scale)
    double q_mev = 2.4;  ///< apv: the scale of ŝ² [MeV] (seed paper, before eq. 14)
    int z = 0, n = 0;    ///< apv: the nucleus
    double box_ep = constants::cs133_box_ep, box_en = constants::cs133_box_en;  ///< apv: eq. (26) box terms
    ApvKModel k;                                                                ///< apv: how K(Z; m) is obtained
    double m_lepton_gev = 0;                                                    ///< lepton_g2: m_e or m_μ
};

struct PhysicsConfig
{
    std::vector<MeasurementInput> measurements;  ///< at most max_measurements
    double s2w_mz = constants::s2w_mz;           ///< ŝ²(M_Z), start of the running
    double s2w_zero = constants::s2w_0;          ///< ŝ²(0), the running's low-energy pin
};

/// The scan-wide constants: ŝ² running and every measurement's constants.
struct PhysicsSetup
{
    RunningSin2 running;
    ObservableConstants observables;
};

/// Builds the setup; throws std::invalid_argument naming the field on inputs it cannot use.
PhysicsSetup make_physics_setup(const PhysicsConfig& config);

/// Per-mass terms at any mass, with one K evaluator per apv measurement (the Dirac solution is computed once, here):
/// the scan's K table and the refined best fit share it.
class MassTermsAt
{
  public:
    MassTermsAt(const PhysicsConfig& config, const ObservableConstants& observables);
    MassTerms operator()(double m_zd_mev) const;
    /// K per mass for each apv measurement, the others 0: [mass][max_measurements], row-major (ScanProblem::k_apv).
    std::vector<double> k_table(const std::vector<double>& m_zd_mev) const;

  private:
    const ObservableConstants* observables_;
    std::vector<ApvKEvaluator> k_;  // one per measurement (contact for the non-apv ones: unused)
};
}  // namespace zdscan
