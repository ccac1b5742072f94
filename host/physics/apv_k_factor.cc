/// \file apv_k_factor.cc
/// Dirac threshold wave functions and the APV suppression factor K(m) (see include/zdscan/physics/apv_k_factor.hpp).
#include "zdscan/physics/apv_k_factor.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/gauss_legendre.hpp"

namespace zdscan
{
namespace
{
namespace c = constants;

/// ODE grid: ln r from r_min to r_max with the sphere radius as a node (V'' jumps there). 1e-3 steps in ln r
/// resolve the outside oscillation (phase ~ sqrt(8 m_e Zα r) ≲ 13 at r_max) to far below 1e-8.
constexpr double grid_r_min_fm = 1e-4;
constexpr double grid_r_max_fm = 2e4;  // ≫ 1/m for m ≳ 0.1 MeV; beyond a_B/Z ≈ 960 fm screening matters anyway
constexpr double ln_step = 1e-3;

/// Coulomb potential energy of the electron in a uniformly charged sphere of radius R [fm⁻¹].
double coulomb_potential(double r, double za, double radius)
{
    if (r < radius)
    {
        return -za / (2 * radius) * (3 - r * r / (radius * radius));
    }
    return -za / r;
}

/// Dirac radial equations at threshold energy E = m_e in s = ln r, for state y = (G, F):
///   dG/ds = −κ G + r (E + m − V) F,   dF/ds = κ F − r (E − m − V) G.
std::array<double, 2> dirac_rhs(double s, const std::array<double, 2>& y, int kappa, double za, double radius)
{
    const double m = c::m_e_gev * 1e3 / c::hbar_c_mev_fm;  // [fm⁻¹]
    const double r = std::exp(s);
    const double v = coulomb_potential(r, za, radius);
    return {-kappa * y[0] + r * (2 * m - v) * y[1], kappa * y[1] + r * v * y[0]};
}
}  // namespace

double yukawa_smeared_sphere(double r, double radius, double m)
{
    // Φ/ρ0 = 1 − (1 + mR) e^{−mR} sinh(mr)/(mr)            (r < R)
    //      = [mR cosh(mR) − sinh(mR)] e^{−mr}/(mr)          (r ≥ R)
    const double mr = m * r, mR = m * radius;
    if (r < radius)
    {
        if (mr < 1e-8)
        {
            return 1 - (1 + mR) * std::exp(-mR);  // sinh(x)/x → 1
        }
        return 1 - (1 + mR) * (std::exp(-m * (radius - r)) - std::exp(-m * (radius + r))) / (2 * mr);
    }
    return ((mR - 1) * std::exp(-m * (r - radius)) + (mR + 1) * std::exp(-m * (r + radius))) / (2 * mr);
}

AxialElectronDensity::AxialElectronDensity(int z, double r_rms_fm) : sphere_radius_fm_(std::sqrt(5.0 / 3.0) * r_rms_fm)
{
    if (!(z > 0 && z * c::alpha < 1) || !(r_rms_fm > 0))
    {
        throw std::invalid_argument("AxialElectronDensity needs 0 < Zα < 1 and a positive radius");
    }
    const double za = z * c::alpha;
    // Two uniform ln r segments meeting at the sphere radius.
    const double s0 = std::log(grid_r_min_fm), s_r = std::log(sphere_radius_fm_), s1 = std::log(grid_r_max_fm);
    const int n_in = static_cast<int>(std::ceil((s_r - s0) / ln_step));
    const int n_out = static_cast<int>(std::ceil((s1 - s_r) / ln_step));
    for (int i = 0; i <= n_in; ++i)
    {
        s_.push_back(s0 + (s_r - s0) * i / n_in);
    }
    for (int i = 1; i <= n_out; ++i)
    {
        s_.push_back(s_r + (s1 - s_r) * i / n_out);
    }
    for (double s : s_)
    {
        r_.push_back(std::exp(s));
    }

    const double m = c::m_e_gev * 1e3 / c::hbar_c_mev_fm;
    const double v0 = coulomb_potential(0, za, sphere_radius_fm_);
    const double r0 = grid_r_min_fm;
    // Regular solutions at the origin (constant V = V0): κ = −1: G = r, F = V0 r²/3; κ = +1: F = r, G = (2m − V0) r²/3.
    const std::array<std::array<double, 2>, 2> start = {{{r0, v0 * r0 * r0 / 3}, {(2 * m - v0) * r0 * r0 / 3, r0}}};
    const int kappas[2] = {-1, +1};
    for (int state = 0; state < 2; ++state)
    {
        auto& g = y_[2 * state];
        auto& f = y_[2 * state + 1];
        auto& dg = dy_[2 * state];
        auto& df = dy_[2 * state + 1];
        std::array<double, 2> y = start[state];
        const int kappa = kappas[state];
        auto rhs = [&](double s, const std::array<double, 2>& yy)
        { return dirac_rhs(s, yy, kappa, za, sphere_radius_fm_); };
        for (std::size_t i = 0; i < s_.size(); ++i)
        {
            const auto d = rhs(s_[i], y);
            g.push_back(y[0]);
            f.push_back(y[1]);
            dg.push_back(d[0]);
            df.push_back(d[1]);
            if (i + 1 == s_.size())
            {
                break;
            }
            const double h = s_[i + 1] - s_[i];  // classical RK4 step
            const auto k1 = d;
            const auto k2 = rhs(s_[i] + h / 2, {y[0] + h / 2 * k1[0], y[1] + h / 2 * k1[1]});
            const auto k3 = rhs(s_[i] + h / 2, {y[0] + h / 2 * k2[0], y[1] + h / 2 * k2[1]});
            const auto k4 = rhs(s_[i] + h, {y[0] + h * k3[0], y[1] + h * k3[1]});
            for (int j = 0; j < 2; ++j)
            {
                y[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
            }
        }
    }
}

double AxialElectronDensity::operator()(double r) const
{
    if (r <= r_.front())
    {
        return r * r;  // w = r² (1 + O(r²)) below the first grid point
    }
    if (r >= r_.back())
    {
        throw std::out_of_range("AxialElectronDensity evaluated beyond its grid");
    }
    const double s = std::log(r);
    const auto i = static_cast<std::size_t>(std::upper_bound(s_.begin(), s_.end(), s) - s_.begin()) - 1;
    const double h = s_[i + 1] - s_[i], t = (s - s_[i]) / h;
    // Cubic Hermite basis on [s_i, s_{i+1}] with the exact ODE derivatives.
    const double h00 = (1 + 2 * t) * (1 - t) * (1 - t), h10 = t * (1 - t) * (1 - t);
    const double h01 = t * t * (3 - 2 * t), h11 = t * t * (t - 1);
    double v[4];
    for (int j = 0; j < 4; ++j)
    {
        v[j] = h00 * y_[j][i] + h10 * h * dy_[j][i] + h01 * y_[j][i + 1] + h11 * h * dy_[j][i + 1];
    }
    return v[0] * v[3] - v[1] * v[2];  // G_s F_p − F_s G_p
}

double apv_k_factor(const AxialElectronDensity& w, double m_zd_mev)
{
    if (!(m_zd_mev > 0))
    {
        throw std::invalid_argument("apv_k_factor needs m_Zd > 0");
    }
    const double m = m_zd_mev / c::hbar_c_mev_fm;  // [fm⁻¹]
    const double radius = w.sphere_radius_fm();
    const double range = 1 / m;
    // Φ_m has its structure within ~1/m of the sphere surface on both sides: grade the panels toward it.
    auto inside = [&](double v)
    {
        const double r = radius - v;
        return w(r) * yukawa_smeared_sphere(r, radius, m);
    };
    auto outside = [&](double v)
    {
        const double r = radius + v;
        return w(r) * yukawa_smeared_sphere(r, radius, m);
    };
    const double numerator = integrate_graded_toward_zero(radius, range, inside)
                             + integrate_graded_toward_zero(w.r_max_fm() * (1 - 1e-12) - radius, range, outside);
    const double denominator = integrate_graded_toward_zero(radius, radius, [&](double r) { return w(r); });
    return numerator / denominator;
}

std::string to_string(ApvKModel::Kind kind)
{
    switch (kind)
    {
        case ApvKModel::Kind::dirac: return "dirac";
        case ApvKModel::Kind::contact: return "contact";
        case ApvKModel::Kind::table: return "table";
    }
    return "?";
}

ApvKEvaluator::ApvKEvaluator(const ApvKModel& model) : model_(model)
{
    if (model_.kind == ApvKModel::Kind::dirac)
    {
        density_ = std::make_shared<const AxialElectronDensity>(model_.z, model_.r_rms_fm);
    }
}

double ApvKEvaluator::operator()(double m) const
{
    switch (model_.kind)
    {
        case ApvKModel::Kind::contact: return 1.0;
        case ApvKModel::Kind::dirac: return apv_k_factor(*density_, m);
        case ApvKModel::Kind::table:
        {
            const auto& tm = model_.m_mev;
            const auto& tk = model_.k;
            if (m <= tm.front()) return tk.front();
            if (m >= tm.back()) return tk.back();
            const auto j = static_cast<std::size_t>(std::upper_bound(tm.begin(), tm.end(), m) - tm.begin());
            const double t = std::log(m / tm[j - 1]) / std::log(tm[j] / tm[j - 1]);  // linear in ln m
            return tk[j - 1] + t * (tk[j] - tk[j - 1]);
        }
    }
    throw std::logic_error("unknown ApvKModel kind");
}

std::vector<double> apv_k_factors(const ApvKModel& model, const std::vector<double>& m_mev)
{
    const ApvKEvaluator k(model);
    std::vector<double> out(m_mev.size());
    std::transform(m_mev.begin(), m_mev.end(), out.begin(), k);
    return out;
}
}  // namespace zdscan
