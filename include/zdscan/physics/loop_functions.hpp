/// \file loop_functions.hpp
/// One-loop functions of the Z_d contribution to a lepton g−2: F_V (seed paper eq. 9) and F_A (eq. 11),
/// evaluated by fixed-order graded Gauss–Legendre quadrature that runs unchanged on the device.
///
/// In u = 1 − z the common denominator is D(u) = u² + x²(1 − u), with roots u = x²/2 ± x·sqrt(x²/4 − 1).
/// - x < 2: complex roots with |u| = x, so for small x the integrand has a feature of width ~x at u = 0
///   (z → 1); the distance of the roots from u = 1 is exactly 1.
/// - x ≥ 2: real roots above 1; the lower one sits at u = 1 + d, d = 4/(x²(1 + β)²), β = sqrt(1 − 4/x²),
///   so for large x the feature has width ~1/x² at u = 1 (z → 0).
/// Panels are graded geometrically toward each end down to that scale, which keeps every panel's
/// Bernstein ellipse clear of the poles: 12 nodes per panel give ~1e-16 relative per panel
/// (docs/physics.md, "Loop functions"; tested against closed forms and mpmath values in tests/).
#pragma once

#include <cmath>

#include "zdscan/physics/gauss_legendre.hpp"
#include "zdscan/physics/macros.hpp"

namespace zdscan
{
namespace detail
{
/// ∫_0^1 g(u, t) du with t = 1 − u: the half u ≤ 1/2 is integrated in u, the half u ≥ 1/2 in t, so that both
/// u and t reach the integrand without cancellation.
template <class G> ZD_HD inline double integrate_unit_graded(double scale_u0, double scale_u1, G&& g)
{
    return integrate_graded_toward_zero(0.5, scale_u0, [&](double u) { return g(u, 1.0 - u); })
           + integrate_graded_toward_zero(0.5, scale_u1, [&](double t) { return g(1.0 - t, t); });
}

/// Grading scales for the loop-function integrands at x = m_Zd / m_l (see file comment).
struct LoopGrading
{
    double scale_u0;  ///< distance of the nearest pole from u = 0 (z = 1)
    double scale_u1;  ///< distance of the nearest pole from u = 1 (z = 0)
};

ZD_HD inline LoopGrading loop_grading(double x)
{
    if (x < 2.0)
    {
        return {x, 1.0};
    }
    const double beta = std::sqrt(1.0 - 4.0 / (x * x));
    return {1.0, 4.0 / (x * x * (1.0 + beta) * (1.0 + beta))};
}
}  // namespace detail

/// F_V(x) = ∫_0^1 dz 2z(1−z)² / ((1−z)² + x² z), seed paper eq. (9); x = m_Zd / m_l ≥ 0.
ZD_HD inline double loop_function_vector(double x)
{
    const double x2 = x * x;
    const auto grading = detail::loop_grading(x);
    // In u = 1 − z, t = z: 2 t u² / (u² + x² t).
    return detail::integrate_unit_graded(grading.scale_u0, grading.scale_u1,
                                         [x2](double u, double t) { return 2.0 * t * u * u / (u * u + x2 * t); });
}

/// F_A(x) = ∫_0^1 dz [2(1−z)³ + x² z(1−z)(z+3)] / ((1−z)² + x² z), seed paper eq. (11).
ZD_HD inline double loop_function_axial(double x)
{
    const double x2 = x * x;
    const auto grading = detail::loop_grading(x);
    // In u = 1 − z, t = z: [2u³ + x² t u (t + 3)] / (u² + x² t); every term is non-negative.
    return detail::integrate_unit_graded(grading.scale_u0, grading.scale_u1,
                                         [x2](double u, double t)
                                         { return (2.0 * u * u * u + x2 * t * u * (t + 3.0)) / (u * u + x2 * t); });
}
}  // namespace zdscan
