/// \file apv_k_factor.hpp
/// K(133Cs; m_Zd): the factor that replaces the propagator f in eqs. (6), (7) for atomic parity violation
/// (seed paper, text after eq. 26; Bouchiat & Piketty, PLB 128B, 73 (1983); Bouchiat & Fayet, PLB 608, 87 (2005)).
///
/// A light vector boson gives the electron the parity-odd potential γ5 Φ_m(r), the Yukawa-smeared nuclear
/// density Φ_m = m² e^{−m r}/(4π r) ∗ ρ_N, which tends to ρ_N for a contact interaction. K is the ratio of the
/// s1/2–p1/2 matrix elements:
///   K(m) = ∫ dr w(r) Φ_m(r) / ∫ dr w(r) ρ_N(r),   w(r) = G_s F_p − F_s G_p,
/// with G, F the large and small radial Dirac functions (times r) of the κ = −1 and κ = +1 states at threshold
/// energy in the Coulomb field of a uniformly charged sphere. Host code: computed once per scan mass.
/// Derivation, validity (m ≳ 0.3 MeV: screening is neglected) and checks: docs/physics.md, "APV factor K".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "zdscan/physics/constants.hpp"

namespace zdscan
{
/// Below this mass [MeV] the Yukawa range reaches the atomic scale, where screening and the real valence
/// orbitals matter: K from the threshold, unscreened solution is then only a model value (apv-notes §1.4).
inline constexpr double apv_k_dirac_validity_mev = 0.3;

/// Φ_m(r)/ρ0 for a uniform sphere of radius R (density ρ0 inside): closed form of the Yukawa fold,
/// written with decaying exponentials only (no overflow for m R ≫ 1). r, R in fm; m in fm⁻¹.
double yukawa_smeared_sphere(double r_fm, double radius_fm, double m_inv_fm);

/// w(r) of the electron s1/2 and p1/2 threshold states of a hydrogen-like atom with a uniformly charged
/// nucleus, normalised so that w(r)/r² → 1 at r → 0.
class AxialElectronDensity
{
  public:
    /// \param z nuclear charge; \param r_rms_fm rms radius of the (uniform-sphere) nuclear charge density.
    AxialElectronDensity(int z, double r_rms_fm);

    double operator()(double r_fm) const;  ///< w(r), cubic Hermite between the ODE grid points
    double sphere_radius_fm() const { return sphere_radius_fm_; }
    double r_max_fm() const { return r_.back(); }

  private:
    double sphere_radius_fm_;
    std::vector<double> s_;             // ln r grid
    std::vector<double> r_;             // r grid [fm]
    std::vector<double> y_[4], dy_[4];  // G_s, F_s, G_p, F_p and d/d(ln r)
};

/// K(m) from the Dirac axial density (the definition above), m_Zd in MeV (> 0).
double apv_k_factor(const AxialElectronDensity& w, double m_zd_mev);

/// How the scan obtains K: the Dirac calculation above, the contact limit K = 1, or a user table.
struct ApvKModel
{
    enum class Kind
    {
        dirac,
        contact,
        table
    };
    Kind kind = Kind::dirac;
    int z = constants::cs133_z;                 ///< nuclear charge for the dirac kind (the measurement's Z)
    double r_rms_fm = constants::cs133_r_p_fm;  ///< nuclear radius [fm] for the dirac kind
    std::vector<double> m_mev;                  ///< table kind: strictly increasing masses [MeV]
    std::vector<double> k;  ///< table kind: K at those masses; linear in ln m between, constant outside
};

std::string to_string(ApvKModel::Kind kind);

/// K(m) under a chosen model, for any mass: the Dirac solution is computed once, at construction.
class ApvKEvaluator
{
  public:
    explicit ApvKEvaluator(const ApvKModel& model);
    double operator()(double m_zd_mev) const;

  private:
    ApvKModel model_;
    std::shared_ptr<const AxialElectronDensity> density_;  // dirac kind only
};

/// K at each mass of m_mev under the chosen model.
std::vector<double> apv_k_factors(const ApvKModel& model, const std::vector<double>& m_mev);
}  // namespace zdscan
