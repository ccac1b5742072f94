/// \file physics_setup.cc
/// From user inputs to the scan-wide constants of the four χ² terms.
#include <cmath>
#include <stdexcept>

#include "zdscan/constants.hpp"
#include "zdscan/physics_config.hpp"

namespace zdscan
{
namespace
{
/// σ = σ_exp ⊕ σ_SM (eq. 27). For g−2 X^exp is the anomaly a^exp − a^SM since X^th = a^SM + a^Zd.
Chi2Measurement make_measurement(const MeasurementInput& in, bool anomaly)
{
    Chi2Measurement m;
    m.x_exp = anomaly ? in.exp - in.sm : in.exp;
    m.sigma = std::hypot(in.exp_sigma, in.sm_sigma);
    m.enabled = in.enabled;
    return m;
}
}  // namespace

PhysicsSetup make_physics_setup(const PhysicsConfig& config)
{
    namespace c = constants;
    PhysicsSetup setup;
    setup.running = make_running_sin2(config.s2w_mz, config.s2w_zero, c::alpha_hat_mz);
    const auto& run = setup.running;
    auto& obs = setup.observables;
    // θ_W at each process scale (seed paper: running MS-bar angle; after eq. 8: the lepton mass for g−2).
    obs.w_qweak = make_mixing_angle(sin2_msbar(run, std::sqrt(config.qweak_q2_gev2)));
    obs.w_apv = make_mixing_angle(sin2_msbar(run, config.apv_q_mev * 1e-3));
    obs.w_mu = make_mixing_angle(sin2_msbar(run, c::m_mu_gev));
    obs.w_e = make_mixing_angle(sin2_msbar(run, c::m_e_gev));
    obs.q2_qweak_gev2 = config.qweak_q2_gev2;
    obs.couplings = pin_weak_charge_couplings(config.qweak.sm, obs.w_qweak.s2, config.apv_cs.sm, obs.w_apv.s2);
    obs.qweak = make_measurement(config.qweak, false);
    obs.apv_cs = make_measurement(config.apv_cs, false);
    obs.a_mu = make_measurement(config.a_mu, true);
    obs.a_e = make_measurement(config.a_e, true);
    return setup;
}
}  // namespace zdscan
