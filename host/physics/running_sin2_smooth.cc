/// \file running_sin2_smooth.cc
#include "zdscan/physics/running_sin2_smooth.hpp"

#include <array>
#include <unordered_map>
#include <vector>
#include <cmath>
#include <stdexcept>

#include "zdscan/physics/constants.hpp"
#include "zdscan/physics/gauss_legendre.hpp"
#include "zdscan/util/illinois.hpp"

namespace zdscan
{
namespace
{
namespace c = constants;

constexpr double q_min_gev = 1e-5, q_max_gev = 1e4;
constexpr double step = 5e-3;  // in ln Q: RK4 on a smooth integrand, error ≪ 1e-8

struct Species
{
    double mass;
    double b;           ///< contribution to B at full strength
    double c;           ///< contribution to C at full strength
    bool step = false;  ///< MS-bar decoupling at its mass (W, top: integrated out below, as in the PDG curve)
};

/// The species whose masses are fixed (everything but u, d, s), and the three light quarks' summed b and c: they
/// share the effective mass m_q, the one unknown of the curve.
std::vector<Species> fixed_species()
{
    // b += (4/3) N_c Q², c += (2/3) N_c Q T3 (inputs2025.md §2.2); `steps`: MS-bar decoupling at the mass.
    auto fermion = [](double m, int colours, double charge, double t3, bool steps = false) {
        return Species{m, 4.0 / 3 * colours * charge * charge, 2.0 / 3 * colours * charge * t3, steps};
    };
    return {fermion(c::m_e_gev, 1, -1, -0.5), fermion(c::m_mu_gev, 1, -1, -0.5), fermion(c::m_tau_gev, 1, -1, -0.5),
            fermion(c::m_c_gev, 3, 2.0 / 3, 0.5), fermion(c::m_b_gev, 3, -1.0 / 3, -0.5),
            fermion(c::m_t_gev, 3, 2.0 / 3, 0.5, true),
            // The W loop (with its Goldstone) from M_W up, as in the PDG curve, whose minimum is at M_W.
            Species{c::m_w_gev, -7.0, -43.0 / 6, true}};
}

/// The decoupling weight at μ/m = r, shifted so that far above the mass it equals the MS-bar step at μ = m:
/// w(r) → 1 − O(ln r / r²) with ∫ (w(e^s) − θ(s)) ds = −5/6 (the 5/3 of Π(Q²) ≈ (α/3π)[ln(Q²/m²) − 5/3]), so the
/// one-loop curve integrated with w(e^{5/6} r) coincides with the step model away from thresholds.
double msbar_decoupling_weight(double r) { return decoupling_weight(std::exp(5.0 / 6) * r); }

/// u, d, s: b = (4/3)·3·(4/9 + 1/9 + 1/9), c = (2/3)·3·(2/3·1/2 + 1/3·1/2 + 1/3·1/2).
constexpr double light_b = 4.0 / 3 * 3 * (4.0 / 9 + 1.0 / 9 + 1.0 / 9);
constexpr double light_c = 2.0 / 3 * 3 * (2.0 / 3 * 0.5 + 1.0 / 3 * 0.5 + 1.0 / 3 * 0.5);

/// B and C of the fixed species at t = ln μ, kept per t: every trial m_q of the constructor's root search walks the
/// same t values, and these weights (a 12-point quadrature each) were most of its cost.
class FixedSums
{
  public:
    std::array<double, 2> operator()(double t)
    {
        const auto it = memo_.find(t);
        if (it != memo_.end()) return it->second;
        const double mu = std::exp(t);
        std::array<double, 2> bc = {0, 0};
        for (const auto& s : all_)
        {
            const double w = s.step ? (mu >= s.mass ? 1.0 : 0.0) : msbar_decoupling_weight(mu / s.mass);
            bc[0] += w * s.b;
            bc[1] += w * s.c;
        }
        return memo_.emplace(t, bc).first->second;
    }

  private:
    std::vector<Species> all_ = fixed_species();
    std::unordered_map<double, std::array<double, 2>> memo_;
};

/// d(α̂, ŝ²)/dt at t = ln μ.
std::array<double, 2> rhs(FixedSums& fixed, double m_q, double t, const std::array<double, 2>& y)
{
    const std::array<double, 2> bc = fixed(t);
    const double w = msbar_decoupling_weight(std::exp(t) / m_q);
    const double b = bc[0] + w * light_b, cc = bc[1] + w * light_c;
    const double a = y[0];
    return {a * a / (2 * c::pi) * b, a / (2 * c::pi) * (b * y[1] - cc)};
}

/// ŝ² on the t grid from t_min, integrated from M_Z down (and, unless low_only, up) with RK4.
std::vector<double> integrate(FixedSums& fixed, double m_q, double s2_mz, double alpha_hat_mz, double t_min, int n,
                              bool low_only = false)
{
    std::vector<double> s2(static_cast<std::size_t>(n));
    const double t_z = std::log(c::m_z_gev);
    const int i_z = static_cast<int>(std::lround((t_z - t_min) / step));
    auto run = [&](int from, int to)
    {
        std::array<double, 2> y = {alpha_hat_mz, s2_mz};
        double t = t_z;
        const int dir = to > from ? 1 : -1;
        // First a partial step from M_Z onto the grid node i_z.
        const double h0 = t_min + i_z * step - t_z;
        auto advance = [&](double h)
        {
            const auto k1 = rhs(fixed, m_q, t, y);
            const auto k2 = rhs(fixed, m_q, t + h / 2, {y[0] + h / 2 * k1[0], y[1] + h / 2 * k1[1]});
            const auto k3 = rhs(fixed, m_q, t + h / 2, {y[0] + h / 2 * k2[0], y[1] + h / 2 * k2[1]});
            const auto k4 = rhs(fixed, m_q, t + h, {y[0] + h * k3[0], y[1] + h * k3[1]});
            for (int j = 0; j < 2; ++j) y[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
            t += h;
        };
        if (h0 != 0) advance(h0);
        s2[static_cast<std::size_t>(from)] = y[1];
        for (int i = from; i != to; i += dir)
        {
            advance(dir * step);
            s2[static_cast<std::size_t>(i + dir)] = y[1];
        }
    };
    run(i_z, 0);
    if (!low_only) run(i_z, n - 1);
    return s2;
}
}  // namespace

double decoupling_weight(double r)
{
    if (r < 1e-3) return r * r / 5;  // the leading term; the next is −3r⁴/70 (relative 2e-7 here)
    if (r < 1)  // the quadrature is exact to rounding here; the closed form below would cancel
    {
        return 6
               * gauss_legendre_12(0.0, 0.5,
                                   [r](double x)
                                   {
                                       const double u = x * (1 - x), v = u * r * r;
                                       return 2 * u * v / (1 + v);  // symmetric in x ↔ 1 − x: twice the half
                                   });
    }
    // Closed form (a quadrature loses 7e-6 near r = 10–30, where the integrand peaks at x ~ 1/r²):
    // w = 1 − 6 (1 − J)/a, a = r², J = ∫₀¹ dx/(1 + a x(1−x)) = (2/(aβ)) ln((β+1)/(β−1)), β = √(1 + 4/a).
    const double a = r * r, beta = std::sqrt(1 + 4 / a);
    const double beta_minus_1 = (4 / a) / (beta + 1);
    const double j = 2 / (a * beta) * std::log((beta + 1) / beta_minus_1);
    return 1 - 6 * (1 - j) / a;
}

SmoothRunningSin2::SmoothRunningSin2(double s2_mz, double s2_zero, double alpha_hat_mz)
{
    // M_Z on a node: the integration starts there. The W and top steps fall inside RK4 steps (error ≤ 3e-5 in ŝ²).
    const double t_z = std::log(c::m_z_gev);
    t_min_ = t_z - std::ceil((t_z - std::log(q_min_gev)) / step) * step;
    dt_ = step;
    const int n = static_cast<int>(std::ceil((std::log(q_max_gev) - t_min_) / step)) + 1;
    FixedSums fixed;
    // ŝ²(Q → 0) − ŝ²(0) as a function of ln m_q: integrated from M_Z down only.
    auto low_end = [&](double ln_m)
    { return integrate(fixed, std::exp(ln_m), s2_mz, alpha_hat_mz, t_min_, n, true).front() - s2_zero; };
    double a = std::log(0.02), b = std::log(c::m_c_gev);
    double fa = low_end(a), fb = low_end(b);
    if (fa * fb > 0)
    {
        throw std::invalid_argument("smooth running: no light-quark mass in (0.02 GeV, m_c) gives s2(0) = s2w_zero");
    }
    // ln m_q to 1e-12: about ten integrations where bisection took forty.
    const Bracket br = illinois_root(low_end, {a, fa, b, fb}, 1e-12, 100);
    m_q_ = std::exp(0.5 * (br.a + br.b));
    s2_ = integrate(fixed, m_q_, s2_mz, alpha_hat_mz, t_min_, n);
}

double SmoothRunningSin2::operator()(double q_gev) const
{
    if (!(q_gev > q_min_gev)) return s2_.front();
    const double x = (std::log(q_gev) - t_min_) / dt_;
    const auto i = std::min(static_cast<std::size_t>(x), s2_.size() - 2);
    const double f = x - static_cast<double>(i);
    return s2_[i] + f * (s2_[i + 1] - s2_[i]);  // linear between nodes 0.2 % apart in Q
}
}  // namespace zdscan
