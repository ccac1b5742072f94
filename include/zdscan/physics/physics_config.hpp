/// \file physics_config.hpp
/// The physics inputs a user sets: the list of measurements (kind, values, kind-specific fields) and the model
/// options, in the units of the config (docs/config.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "zdscan/physics/apv_k_factor.hpp"
#include "zdscan/physics/chi2.hpp"
#include "zdscan/physics/meson_decay.hpp"
#include "zdscan/physics/running_sin2.hpp"
#include "zdscan/physics/search_limit.hpp"

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
    /// Named error components beside exp_sigma and sm_sigma: σ² = σ_exp² + σ_SM² + Σ σ_c², and a component of the
    /// same name in two measurements is fully correlated between them (config "errors").
    std::vector<std::pair<std::string, double>> errors;
    bool enabled = true;
    /// A projected measurement (a future experiment's expected σ, its central value set to the SM), not a result
    /// of today: figures, the summary and limit files say so and never present it as an exclusion of today.
    bool projection = false;
    std::string source;  ///< free-text citation (config "source"), carried into the output file
    /// How figures and legends name it (config "label", e.g. "APV Cs (this work)"); empty: a label from the name.
    std::string label;
    /// apv only: exp and exp_sigma come from the Q_W(Cs) reanalysis (config "exp": "reanalysis").
    bool exp_from_reanalysis = false;

    double q2_gev2 = 0;  ///< pves_*: the experiment's Q² [GeV²] (propagator, eq. 25, and the ŝ² scale)
    double q_mev = 2.4;  ///< apv: the scale of ŝ² [MeV] (seed paper, before eq. 14)
    int z = 0, n = 0;    ///< apv: the nucleus
    double box_ep = constants::cs133_box_ep, box_en = constants::cs133_box_en;  ///< apv: eq. (26) box terms
    ApvKModel k;                                                                ///< apv: how K(Z; m) is obtained
    double m_lepton_gev = 0;                                                    ///< lepton_g2: m_e or m_μ
    /// search_limit: the published limit and how it applies (docs/physics.md, "Direct searches").
    std::string file;                   ///< as the config gives it (resolved against the config's limits_dir)
    SearchLimitTable table;             ///< read from the file, or the config's inline "table"
    double cl_percent = 90;             ///< the limit's confidence level
    std::string decay = "visible";      ///< "visible" or "invisible": which branching fraction scales the rate
    double branching_fraction = 1;      ///< BR(Z_d → what the search sees)
    double valid_below_gev = 1;         ///< the term is 0 above this mass (where δ′ couplings matter)
    /// How the limit enters χ² (search_limit.hpp, docs/searches.md "Likelihood of a limit"); poisson0 by default.
    SearchLikelihood likelihood = SearchLikelihood::poisson0;
    /// meson_decay (docs/searches.md, "Rare meson decays"): the channel, and either a limit on BR(m) × B_X (file or
    /// table, cl, likelihood, branching_fraction above) or a measured BR beyond the SM (exp ± exp_sigma, sm_sigma).
    MesonChannel channel = MesonChannel::k_to_pi;
    bool measured_rate = false;  ///< exp/exp_sigma given instead of a limit
    /// Mass windows [GeV] where the limit has no say (e.g. NA62's π⁰ window): the term is 0 inside.
    std::vector<std::pair<double, double>> veto_gev;
    /// 0, 1 or 2 as MeasurementConstants::meson_part. A poisson0 limit is read as two measurements: the one named in
    /// the config (part 0) and its companion (part 1, named <name>_phase), which names its parent here.
    int meson_part = 0;
    std::string companion_of;
};

/// An explicit correlation matrix of some measurements' total uncertainties (config "correlation"): ρ_ab between
/// measurements[names[a]] and measurements[names[b]], added to what shared error components give.
struct CorrelationMatrix
{
    std::vector<std::string> names;
    std::vector<double> rho;  ///< [names.size()]², symmetric, unit diagonal
};

struct PhysicsConfig
{
    std::vector<MeasurementInput> measurements;  ///< at most max_measurements
    CorrelationMatrix correlation;               ///< empty: only the shared error components
    double s2w_mz = constants::s2w_mz;           ///< ŝ²(M_Z), start of the running
    double s2w_zero = constants::s2w_0;          ///< ŝ²(0), the running's low-energy pin
};

/// Whether a measurement measures something (a dof of the goodness of fit): not a limit (search_limit, a meson_decay
/// limit) and not a poisson0 meson_decay's companion.
bool counts_as_dof(const MeasurementInput& m);

/// σ of a measurement: its exp and SM uncertainties and its named components in quadrature.
double total_sigma(const MeasurementInput& m);

/// The whitening of the enabled measurements' correlated uncertainties (chi2.hpp, Correlations): off when no
/// component is shared. Throws std::invalid_argument naming the measurements and components when their correlation
/// matrix is not positive definite.
Correlations correlation_whitening(const std::vector<MeasurementInput>& measurements,
                                  const CorrelationMatrix& explicit_rho = {});
/// The correlation matrix of the enabled measurements (list order: the slots of CellPulls), from shared error
/// components and the explicit matrix: names and ρ, row-major. The fit whitens with it; files and summaries show it.
CorrelationMatrix enabled_correlation(const std::vector<MeasurementInput>& measurements,
                                      const CorrelationMatrix& explicit_rho);
/// The covariance of enabled measurements a and b (a ≠ b) from shared components and the explicit matrix.
double covariance(const MeasurementInput& a, const MeasurementInput& b, const CorrelationMatrix& explicit_rho);

/// A meson_decay measurement's three per-mass inputs (MassTerms f, fa, fb) at m [GeV], with a = √(χ² at the limit)
/// of its form: the rate factors of meson_rate_factors scaled so that the pulls of chi2.hpp hold — by a √(B_X/BR_CL)
/// for the poisson0 parts (part 1 carries w in u), √(B_X/BR_CL) for a quadratic limit (a is its rate_scale), √B_X
/// for a measured BR. All 0 outside the table's masses, in a veto window, above the channel's end point, or above
/// valid_below_gev.
struct MesonDecayFactors
{
    double u = 0, v = 0, w = 0;
};
MesonDecayFactors meson_decay_factors(const MeasurementInput& m, double m_gev, double a);
/// Whether a meson_decay's term applies at m [GeV] (up to valid_below_gev, outside its veto windows and, for a
/// limit, inside its table's masses), with BR_CL there (log-log between the rows; NaN for a measured BR).
bool meson_limit_at(const MeasurementInput& m, double m_gev, double& limit);

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
    /// The host's per-mass inputs of make_mass_terms at each mass: [mass][mass_inputs_per_mass] (ScanProblem::
    /// mass_inputs): K of each apv measurement, the two factors of each search, 0 elsewhere.
    std::vector<double> input_table(const std::vector<double>& m_zd_mev) const;

  private:
    const ObservableConstants* observables_;
    std::vector<ApvKEvaluator> k_;  // one per measurement (contact for the non-apv ones: unused)
    std::vector<double> search_z_;  // one per measurement: √(χ² at its limit) of a search_limit or meson_decay
    const PhysicsConfig* config_;
    void inputs_at(double m_zd_mev, double* in) const;
};
}  // namespace zdscan
