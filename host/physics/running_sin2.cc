/// \file running_sin2.cc
/// Host construction of the piecewise ŝ²(Q) running (see include/zdscan/physics/running_sin2.hpp).
#include "zdscan/physics/running_sin2.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "zdscan/physics/constants.hpp"

namespace zdscan
{
namespace
{
/// A charged fermion of the running: threshold mass, colours, charge, weak isospin of its left-handed part.
struct ChargedFermion
{
    double mass_gev;
    int colours;
    double charge;
    double t3;
};

RunningSin2 build_running(double s2_mz, double alpha_hat_mz, double light_quark_threshold_gev)
{
    namespace c = constants;
    const double mq = light_quark_threshold_gev;
    const std::vector<ChargedFermion> fermions = {
        {c::m_e_gev, 1, -1.0, -0.5}, {c::m_mu_gev, 1, -1.0, -0.5},    {c::m_tau_gev, 1, -1.0, -0.5},
        {mq, 3, 2.0 / 3, 0.5},       {c::m_c_gev, 3, 2.0 / 3, 0.5},   {mq, 3, -1.0 / 3, -0.5},
        {mq, 3, -1.0 / 3, -0.5},     {c::m_b_gev, 3, -1.0 / 3, -0.5},
    };
    // Distinct thresholds below M_Z, descending: each closes a region [threshold, previous threshold).
    std::vector<double> thresholds;
    for (const auto& f : fermions)
    {
        thresholds.push_back(f.mass_gev);
    }
    std::sort(thresholds.begin(), thresholds.end(), std::greater<>());
    thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
    thresholds.push_back(0.0);

    RunningSin2 run;
    double q_high = c::m_z_gev;
    double alpha = alpha_hat_mz;
    double s2 = s2_mz;
    for (double q_low : thresholds)
    {
        const int k = run.n_regions++;
        double charge_sum = 0, isospin_sum = 0;
        for (const auto& f : fermions)
        {
            if (f.mass_gev < q_high)  // active in (q_low, q_high): thresholds are the region edges
            {
                charge_sum += f.colours * f.charge * f.charge;
                isospin_sum += f.colours * f.charge * f.t3;
            }
        }
        run.q_low_gev[k] = q_low;
        run.q_high_gev[k] = q_high;
        run.alpha_high[k] = alpha;
        run.s2_high[k] = s2;
        run.charge_sum[k] = charge_sum;
        run.fixed_point[k] = charge_sum > 0 ? isospin_sum / (2 * charge_sum) : 0.0;
        if (q_low > 0)
        {
            s2 = sin2_msbar(run, q_low);
            const double a0 = alpha;
            alpha = a0 / (1.0 - (2.0 * a0 / (3.0 * c::pi)) * charge_sum * std::log(q_low / q_high));
        }
        q_high = q_low;
    }
    run.light_quark_threshold_gev = mq;
    return run;
}
}  // namespace

RunningSin2 make_running_sin2(double s2_mz, double s2_zero, double alpha_hat_mz)
{
    namespace c = constants;
    // ŝ²(0) falls monotonically as m_q rises (fewer quark loops below m_q), so bisect on ln m_q.
    double lo = c::m_mu_gev * 1.0001, hi = c::m_c_gev * 0.9999;
    auto s2_at_zero = [&](double mq) { return sin2_msbar(build_running(s2_mz, alpha_hat_mz, mq), 0.0); };
    const double s_lo = s2_at_zero(lo), s_hi = s2_at_zero(hi);
    if (!((s2_zero - s_lo) * (s2_zero - s_hi) <= 0))
    {
        std::ostringstream msg;
        msg << "model.s2w_zero = " << s2_zero << " cannot be reached from model.s2w_mz = " << s2_mz
            << " (leading-order running gives " << std::min(s_lo, s_hi) << " .. " << std::max(s_lo, s_hi) << ")";
        throw std::invalid_argument(msg.str());
    }
    for (int it = 0; it < 200; ++it)
    {
        const double mid = std::sqrt(lo * hi);
        ((s2_at_zero(mid) - s2_zero) * (s_lo - s2_zero) > 0 ? lo : hi) = mid;
    }
    RunningSin2 run = build_running(s2_mz, alpha_hat_mz, std::sqrt(lo * hi));
    // Pin ŝ²(0) exactly: the bisection leaves ~1e-16; shift the below-m_e constant region onto the target.
    run.s2_high[run.n_regions - 1] = s2_zero;
    return run;
}
}  // namespace zdscan
