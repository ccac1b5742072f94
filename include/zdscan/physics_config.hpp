/// \file physics_config.hpp
/// The physics inputs a user sets (measurements, SM predictions, model options), in the units of the config.
#pragma once

#include <string>

#include "apv_k_factor.hpp"
#include "chi2.hpp"
#include "running_sin2.hpp"

namespace zdscan
{
/// One measurement and its SM prediction: X^exp ± σ_exp, X^SM ± σ_SM (same unit as the observable).
struct MeasurementInput
{
    double exp = 0, exp_sigma = 0;
    double sm = 0, sm_sigma = 0;
    bool enabled = true;
    std::string source;  ///< free-text citation (config "source"), carried into the output file
    /// apv_cs only: exp and exp_sigma come from the Q_W reanalysis (config "exp": "reanalysis").
    bool exp_from_reanalysis = false;
};

struct PhysicsConfig
{
    MeasurementInput a_mu;               ///< (g_μ − 2)/2
    MeasurementInput a_e;                ///< (g_e − 2)/2
    MeasurementInput qweak;              ///< Q_W^p
    MeasurementInput apv_cs;             ///< Q_W(133Cs)
    double qweak_q2_gev2 = 0.0248;       ///< Qweak momentum transfer Q² [GeV²] (seed paper, before eq. 12)
    double apv_q_mev = 2.4;              ///< APV scale for ŝ² [MeV] (seed paper, before eq. 14)
    double s2w_mz = constants::s2w_mz;   ///< ŝ²(M_Z), start of the running
    double s2w_zero = constants::s2w_0;  ///< ŝ²(0), the running's low-energy pin
    ApvKModel apv_k;
};

/// The scan-wide constants: ŝ² at each process scale, pinned couplings, χ² measurements.
struct PhysicsSetup
{
    RunningSin2 running;
    ObservableConstants observables;
};

/// Builds the setup; throws std::invalid_argument naming the field on inputs it cannot use.
PhysicsSetup make_physics_setup(const PhysicsConfig& config);
}  // namespace zdscan
