/// \file nuclear_density.hpp
/// Spherical nucleon densities ρ(r), normalised to ∫ρ d³r = 1 and set by their rms radius, and the axial-weighted
/// moments q = 4π ∫ ρ(r) f(r) r² dr of the seed paper's eq. (22). Host code (the APV reanalysis).
#pragma once

#include <string>

#include "zdscan/physics/apv_k_factor.hpp"

namespace zdscan
{
struct NuclearDensity
{
    enum class Shape
    {
        uniform,  ///< a sphere of radius sqrt(5/3) R_rms
        fermi     ///< symmetrized Fermi: ρ ∝ sinh(c/a) / (cosh(r/a) + cosh(c/a)), ⟨r²⟩ = 3c²/5 + 7π²a²/5
    };
    Shape shape = Shape::uniform;
    double rms_fm = 0;
    double diffuseness_fm = 0.52;  ///< a, fermi only

    /// Uniform: the sphere radius; fermi: c (the half-density radius, up to O(e^{−c/a})).
    double radius_fm() const;
    double operator()(double r_fm) const;  ///< ρ(r) [fm⁻³]
    double r_max_fm() const;               ///< beyond it ρ is 0 (uniform) or below 1e-17 of ρ(0) (fermi)
};

std::string to_string(NuclearDensity::Shape shape);

/// Checks the parameters (positive radius; fermi: R² > 7π²a²/5); throws std::invalid_argument.
NuclearDensity make_nuclear_density(NuclearDensity::Shape shape, double rms_fm, double diffuseness_fm = 0.52);

/// q = 4π ∫ ρ(r) f(r) r² dr (eq. 22), with f(r) = w(r)/r² the s1/2–p1/2 axial density of `w` inside the
/// nucleus, normalised to f(0) = 1. f = 1 gives 1 (ρ is normalised).
double axial_density_moment(const NuclearDensity& rho, const AxialElectronDensity& w);
}  // namespace zdscan
