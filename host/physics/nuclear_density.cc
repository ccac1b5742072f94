/// \file nuclear_density.cc
#include "zdscan/physics/nuclear_density.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/gauss_legendre.hpp"

namespace zdscan
{
namespace
{
constexpr double pi = constants::pi;
constexpr double fermi_tail_lengths = 40;  // ρ(c + 40a)/ρ(0) ≈ e^{−40} ≈ 4e-18
constexpr int panels_per_segment = 32;
}  // namespace

double NuclearDensity::radius_fm() const
{
    if (shape == Shape::uniform) return std::sqrt(5.0 / 3.0) * rms_fm;
    const double a = diffuseness_fm;
    return std::sqrt(5.0 / 3.0 * (rms_fm * rms_fm - 7.0 * pi * pi * a * a / 5.0));
}

double NuclearDensity::r_max_fm() const
{
    return shape == Shape::uniform ? radius_fm() : radius_fm() + fermi_tail_lengths * diffuseness_fm;
}

double NuclearDensity::operator()(double r) const
{
    const double c = radius_fm();
    if (shape == Shape::uniform)
    {
        return r <= c ? 3.0 / (4.0 * pi * c * c * c) : 0.0;
    }
    const double a = diffuseness_fm;
    if (r > r_max_fm()) return 0.0;
    // ρ0 sinh(c/a) / (cosh(r/a) + cosh(c/a)) with ρ0 = 3 / (4π c (c² + π² a²)), written with decaying
    // exponentials: sinh(c/a)/(cosh(r/a) + cosh(c/a)) = (1 − e^{−2c/a}) / (e^{(r−c)/a} + e^{−(r+c)/a} + 1 + e^{−2c/a}).
    const double rho0 = 3.0 / (4.0 * pi * c * (c * c + pi * pi * a * a));
    const double e2c = std::exp(-2.0 * c / a);
    return rho0 * (1.0 - e2c) / (std::exp((r - c) / a) + std::exp(-(r + c) / a) + 1.0 + e2c);
}

std::string to_string(NuclearDensity::Shape shape)
{
    return shape == NuclearDensity::Shape::uniform ? "uniform" : "fermi";
}

NuclearDensity make_nuclear_density(NuclearDensity::Shape shape, double rms_fm, double diffuseness_fm)
{
    if (!(rms_fm > 0) || !std::isfinite(rms_fm))
    {
        throw std::invalid_argument("nuclear density: the rms radius must be positive");
    }
    if (shape == NuclearDensity::Shape::fermi
        && !(diffuseness_fm > 0 && rms_fm * rms_fm > 7.0 * pi * pi * diffuseness_fm * diffuseness_fm / 5.0))
    {
        throw std::invalid_argument("nuclear density: a symmetrized Fermi shape needs 0 < a and R_rms² > 7π²a²/5");
    }
    return {shape, rms_fm, diffuseness_fm};
}

double axial_density_moment(const NuclearDensity& rho, const AxialElectronDensity& w)
{
    // Breakpoints where an integrand derivative jumps: the charge sphere (f'' jumps) and, for a uniform ρ, its edge.
    std::vector<double> cuts = {0.0, rho.r_max_fm()};
    const double charge_radius = w.sphere_radius_fm();
    if (charge_radius < rho.r_max_fm()) cuts.push_back(charge_radius);
    if (rho.shape == NuclearDensity::Shape::fermi) cuts.push_back(rho.radius_fm());
    std::sort(cuts.begin(), cuts.end());
    // f(r) = w(r)/r², so ρ f r² = ρ w: no division near r = 0.
    auto integrand = [&](double r) { return rho(r) * w(r); };
    double q = 0;
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k)
    {
        const double step = (cuts[k + 1] - cuts[k]) / panels_per_segment;
        for (int p = 0; p < panels_per_segment && step > 0; ++p)
        {
            q += gauss_legendre_12(cuts[k] + p * step, cuts[k] + (p + 1) * step, integrand);
        }
    }
    return 4.0 * pi * q;
}
}  // namespace zdscan
